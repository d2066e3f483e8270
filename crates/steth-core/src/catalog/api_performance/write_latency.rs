//! 1.2 write-latency: write endpoints p99 latency.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// The 99th-percentile latency of every write endpoint (POST, PUT, PATCH, DELETE) under the
    /// configured normal request rate. Each write endpoint must stay below **500 ms** at p99. The
    /// threshold is looser than for reads because writes commit durably and often touch several
    /// tables, but it is still judged per endpoint.
    ///
    /// ## Why it matters
    /// Slow writes hold row locks and database connections for their whole duration. A checkout
    /// endpoint whose p99 is 2 s keeps locks on the order and stock rows that long, so concurrent
    /// writes to the same rows queue behind it and the pool drains; clients that time out and
    /// retry then double the load at the worst moment, or create duplicates if the write is not
    /// idempotent.
    ///
    /// ## How it is measured
    /// Source: **load**. Same method as 1.1: one load phase per write endpoint at the normal
    /// rate, open model, latencies corrected for coordinated omission, p99 compared with the
    /// threshold; within 10 % of it (450–499 ms by default) is a `warn`; a phase that is not at
    /// least 90 % 2xx (a body the API rejects with 422, a 401 storm) is `error` with its cause,
    /// never a latency measured on the error path. A miss that the overloaded host's own stalls
    /// can explain is "not attributable", as in 1.1 (`not assessed: host overloaded`, not ✗).
    /// Write phases create real
    /// data, so point stethoscope at an environment where that is acceptable. Override in
    /// `stethoscope.toml`:
    ///
    /// ```toml
    /// [thresholds]
    /// "1.2" = "300ms"
    /// ```
    ///
    /// ## How to fix
    /// Keep the synchronous part of a write small: validate, write in one short transaction,
    /// commit, respond. Move side effects such as e-mail, webhooks, search indexing and report
    /// generation to a job queue (8.5), or use an outbox table written in the same transaction.
    /// Batch multi-row inserts instead of one statement per row, look for lock waits
    /// (`pg_stat_activity.wait_event_type = 'Lock'`) on hot rows, and check that write-heavy
    /// tables do not carry unused indexes or expensive triggers.
    pub WRITE_LATENCY = {
        id: "1.2",
        slug: "write-latency",
        title: "Write endpoints p99 latency",
        section: ApiPerformance,
        threshold: Threshold::latency_below_ms(500),
        sources: [Load, Config],
        severity: High,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    crate::catalog::shared::p99_budget::evaluate(evidence, threshold, crate::evidence::EndpointKind::Write)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, with_load};
    use crate::outcome::Status;

    #[test]
    fn write_p99_against_the_budget() {
        expect(
            &WRITE_LATENCY,
            &with_load(&[("POST /o", "write", 20.0, 300.0), ("GET /a", "read", 2.0, 900.0)]),
            Status::Pass,
        );
        expect(&WRITE_LATENCY, &with_load(&[("POST /o", "write", 20.0, 610.0)]), Status::Fail);
        expect(&WRITE_LATENCY, &with_load(&[("POST /o", "write", 20.0, 460.0)]), Status::Warn);
        expect(&WRITE_LATENCY, &with_load(&[("GET /a", "read", 2.0, 9.0)]), Status::NotAssessed);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &WRITE_LATENCY,
            crate::catalog::testing::with_load(&[("POST /b", "write", 2.0, 300.0)]),
            "250ms",
            Status::Pass,
            Status::Fail,
        )
    }
}
