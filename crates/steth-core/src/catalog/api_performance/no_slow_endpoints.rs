//! 1.3 no-slow-endpoints: no endpoint p99 over 1 s under normal load.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That no hot endpoint, read or write, has a p99 above **1 second** under the normal request
    /// rate. Unlike 1.1 and 1.2 this is a count of violating endpoints; the default allows **0**.
    ///
    /// ## Why it matters
    /// A second at p99 is past the point where users notice and where upstream timeouts start to
    /// fire. If a client screen makes 20 calls, each with a 1 % chance of taking over a second,
    /// about 18 % of screen loads include one such wait. Endpoints this slow usually also hold
    /// workers, connections and locks long enough to degrade everything else on the instance when
    /// traffic rises.
    ///
    /// ## How it is measured
    /// Source: **load**. The per-endpoint load phases of 1.1 and 1.2 are reused, and batch
    /// endpoints count too: stethoscope counts the endpoints whose coordinated-omission-corrected
    /// p99 at the normal rate reaches 1 s and lists them in the report; timed-out requests count
    /// at their timeout, and an endpoint whose phase is not mostly 2xx makes the item `error`
    /// (as in 1.1). Its per-endpoint verdicts also mark p99s of 2 s or more as work for a queue
    /// (8.5) in the endpoint table. Any endpoint over the limit is a `fail`. The allowed count
    /// can be overridden (it is a whole number), for example while a known slow endpoint is being
    /// reworked:
    ///
    /// ```toml
    /// [thresholds]
    /// "1.3" = "1"
    /// ```
    ///
    /// ## How to fix
    /// Take the listed endpoints one by one. Check their query count and statement latency (2.1,
    /// 2.4), add the missing indexes, and cache expensive read results. Work that genuinely takes
    /// seconds, such as exports, reports or bulk imports, belongs in a background job: accept the
    /// request, return `202 Accepted` with a job id, and let the client poll or receive a
    /// callback (8.5). Unbounded list endpoints should be paginated (8.7, 8.8).
    pub NO_SLOW_ENDPOINTS = {
        id: "1.3",
        slug: "no-slow-endpoints",
        title: "No endpoint p99 over 1 s under normal load",
        section: ApiPerformance,
        threshold: Threshold::at_most(0),
        sources: [Load],
        severity: High,
        evaluate: Some(evaluate),
    }
}

use crate::catalog::shared::normal_load::{failed_row, ms, normal_phases, row, unmeasured};
use crate::outcome::{EndpointVerdict, Status};

/// The p99 no endpoint may reach under normal load.
const SLOW_MS: f64 = 1000.0;

/// From this p99 on, the row says the work belongs in a queue (8.5's default bound).
const LONG_RUNNING_MS: f64 = 2000.0;

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let rows = normal_phases(evidence, None)?;
    let allowed = threshold.limit_count();
    let mut slow = Vec::new();
    let mut verdicts = Vec::new();
    let mut worst = (0.0, "");
    for r in &rows {
        let Ok(p) = &r.phase else {
            verdicts.push(failed_row(r, SLOW_MS));
            continue;
        };
        let p99 = p.latency.p99_ms;
        let status = if p99 >= SLOW_MS { Status::Fail } else { Status::Pass };
        if status == Status::Fail {
            slow.push(row(r.endpoint, p, "< 1 s", "✗"));
        }
        verdicts.push(EndpointVerdict {
            endpoint: r.endpoint.name.clone(),
            status,
            target_ms: SLOW_MS,
            cause: None,
            long_running: p99 >= LONG_RUNNING_MS,
        });
        if p99 > worst.0 {
            worst = (p99, r.endpoint.name.as_str());
        }
    }
    if let Some(error) = unmeasured(&rows, &verdicts) {
        return Ok(error);
    }
    let measured = format!("{} endpoint(s) with p99 ≥ 1 s; worst p99 {} ({})", slow.len(), ms(worst.0), worst.1);
    let summary = format!("{} endpoint(s) under normal load", rows.len());
    let outcome = if slow.len() as u64 > allowed {
        Outcome::fail(measured, format!("{} of {summary} have a p99 of 1 s or more", slow.len()))
            .with_excess(worst.0 / SLOW_MS)
    } else {
        Outcome::pass(measured, format!("{summary}, none at 1 s or more"))
    };
    Ok(outcome.with_findings(slow).with_endpoints(verdicts))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, with_load};
    use crate::outcome::Status;

    #[test]
    fn any_endpoint_over_a_second_fails_whatever_its_kind() {
        expect(
            &NO_SLOW_ENDPOINTS,
            &with_load(&[("GET /a", "read", 2.0, 300.0), ("POST /r", "batch", 800.0, 990.0)]),
            Status::Pass,
        );
        let o = expect(
            &NO_SLOW_ENDPOINTS,
            &with_load(&[("GET /a", "read", 2.0, 3.0), ("POST /r", "batch", 1100.0, 1250.0)]),
            Status::Fail,
        );
        assert!(o.findings[0].starts_with("POST /r"));
        expect(&NO_SLOW_ENDPOINTS, &Evidence::default(), Status::NotAssessed);
    }

    #[test]
    fn an_override_can_tolerate_violations() {
        let t = NO_SLOW_ENDPOINTS.default_threshold.with_override("1").unwrap();
        crate::catalog::testing::expect_with(
            &NO_SLOW_ENDPOINTS,
            &with_load(&[("POST /r", "batch", 1100.0, 1250.0)]),
            &t,
            Status::Pass,
        );
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &NO_SLOW_ENDPOINTS,
            with_load(&[("POST /r", "batch", 1100.0, 1250.0)]),
            "1",
            Status::Fail,
            Status::Pass,
        )
    }
}
