//! 1.4 tail-amplification: tail amplification p99/p50.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// The ratio between an endpoint's p99 and its p50 latency under normal load. For every hot
    /// endpoint the ratio must stay below **4×**. It catches endpoints that are fast for most
    /// requests but erratic for some, even when their absolute p99 still passes 1.1 or 1.2.
    ///
    /// ## Why it matters
    /// A high ratio points to a second, slower code path or to queueing: cache misses next to
    /// hits, garbage-collection pauses, lock contention, waiting for a pool connection, a retry
    /// after a timeout. An endpoint with p50 = 20 ms and p99 = 180 ms (9×) passes the 200 ms read
    /// budget today, but the mechanism behind the tail grows with load and is usually the first
    /// thing to turn into an outage.
    ///
    /// ## How it is measured
    /// Source: **load**. From the same per-endpoint load phases as 1.1–1.3, stethoscope divides
    /// the corrected p99 by the p50 of each endpoint's normal-load phase. Only tails that
    /// matter are judged: an endpoint whose p99 is under 50 ms passes whatever its ratio (a
    /// 0.4 ms median next to a 3 ms p99 is scheduling noise, not a tail users feel). Any other
    /// endpoint at or over the factor makes the item `fail`; within 10 % of it (3.6×–4× by
    /// default) gives a `warn`.
    ///
    /// An overloaded host makes tails of its own: the load generator's timer wakes late, and
    /// every request it meant to send meanwhile is counted late (corrected latency is measured
    /// from the intended send time). stethoscope measures that lateness during each phase, the
    /// way jHiccup does. When the generator's own stall at its p99 could explain half the
    /// endpoint's tail or more (p99 − p50 ≤ 2 × stall p99), the tail is not blamed on the
    /// service: the endpoint is listed as "not attributable", and if no endpoint is over the
    /// factor on its own the item is `not assessed` ("host overloaded"), never ✗. Rerun on a
    /// quieter machine, or with fewer parallel jobs on the CI runner. Override in
    /// `stethoscope.toml`:
    ///
    /// ```toml
    /// [thresholds]
    /// "1.4" = "5x"
    /// ```
    ///
    /// ## How to fix
    /// Find what separates slow requests from fast ones. Compare with the cache hit rate (3.1)
    /// and per-statement latency (2.1) for the same phase; a pool that is too small (4.2) shows
    /// up as acquire waits; GC pauses show in runtime metrics. Typical fixes: size the pool from
    /// 4.2, warm caches and protect popular keys from stampedes (3.6), shorten lock hold times,
    /// set timeouts on downstream calls (1.5) so one slow dependency cannot stretch the tail, and
    /// tune the runtime's GC for latency where that applies.
    pub TAIL_AMPLIFICATION = {
        id: "1.4",
        slug: "tail-amplification",
        title: "Tail amplification p99/p50",
        section: ApiPerformance,
        threshold: Threshold::factor_below(4.0),
        sources: [Load],
        severity: Medium,
        evaluate: Some(evaluate),
    }
}

use crate::catalog::shared::normal_load::{
    host_overloaded, host_share_ms, ms, normal_phases, not_attributable, unmeasured,
};

/// Below this p99 a tail is immaterial: a 0.4 ms median against a 3 ms p99 on loopback is
/// scheduling noise, not a tail users feel, and must not fail the item.
const MATERIAL_P99_MS: f64 = 50.0;

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let rows = normal_phases(evidence, None)?;
    let limit = threshold.limit_number();
    let mut findings = Vec::new();
    let (mut over, mut near) = (0, 0);
    let mut stalled = Vec::new();
    let mut worst: Option<(f64, &str)> = None;
    for r in &rows {
        let (e, Ok(p)) = (r.endpoint, &r.phase) else { continue };
        let ratio = p.latency.p99_ms / p.latency.p50_ms.max(0.001);
        let material = p.latency.p99_ms >= MATERIAL_P99_MS;
        // A tail the overloaded host's own stalls can explain is not the service's.
        let explained = material && ratio >= limit * 0.9 && p.latency.p99_ms - p.latency.p50_ms <= host_share_ms(p);
        let verdict = if !material {
            "✓ (p99 under 50 ms: immaterial)".to_string()
        } else if explained {
            stalled.push(*p);
            not_attributable(p)
        } else if ratio >= limit {
            over += 1;
            "✗".to_string()
        } else if ratio >= limit * 0.9 {
            near += 1;
            "⚠".to_string()
        } else {
            "✓".to_string()
        };
        findings.push(format!(
            "{}: p50 {} · p99 {} · p99/p50 {ratio:.1}× {verdict}",
            e.name,
            ms(p.latency.p50_ms),
            ms(p.latency.p99_ms)
        ));
        if material && !explained && worst.is_none_or(|(r, _)| ratio > r) {
            worst = Some((ratio, e.name.as_str()));
        }
    }
    if let Some(error) = unmeasured(&rows, &[]) {
        return Ok(error);
    }
    let summary = format!("{} endpoint(s) under normal load", rows.len());
    if over == 0 && near == 0 && !stalled.is_empty() {
        return Ok(host_overloaded(&stalled).with_findings(findings));
    }
    let Some((ratio, name)) = worst else {
        return Ok(Outcome::pass("no p99 of 50 ms or more", format!("{summary}; every tail is immaterial"))
            .with_findings(findings));
    };
    let measured = format!("worst p99/p50 {ratio:.1}× ({name})");
    let outcome = if over > 0 {
        Outcome::fail(measured, format!("{over} of {summary} amplify their tail {limit}× or more"))
            .with_excess(ratio / limit)
    } else if near > 0 {
        Outcome::warn(measured, format!("{near} of {summary} within 10 % of {limit}×"))
    } else {
        Outcome::pass(measured, format!("{summary}, every tail under {limit}×"))
    };
    Ok(outcome.with_findings(findings))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, with_load, with_stall};
    use crate::outcome::Status;

    #[test]
    fn a_material_tail_over_4x_fails() {
        let o = expect(
            &TAIL_AMPLIFICATION,
            &with_load(&[("GET /a", "read", 2.0, 102.0), ("GET /b", "read", 30.0, 60.0)]),
            Status::Fail,
        );
        assert_eq!(o.measured.as_deref(), Some("worst p99/p50 51.0× (GET /a)"));
        expect(&TAIL_AMPLIFICATION, &with_load(&[("GET /a", "read", 30.0, 90.0)]), Status::Pass);
        expect(&TAIL_AMPLIFICATION, &with_load(&[("GET /a", "read", 20.0, 75.0)]), Status::Warn);
    }

    #[test]
    fn sub_50ms_tails_are_immaterial() {
        let o = expect(&TAIL_AMPLIFICATION, &with_load(&[("GET /a", "read", 0.4, 6.0)]), Status::Pass);
        assert!(o.findings[0].contains("immaterial"));
    }

    fn stalled(endpoints: &[(&str, &str, f64, f64)], stall: f64) -> Evidence {
        with_stall(with_load(endpoints), stall)
    }

    #[test]
    fn a_tail_the_overloaded_host_explains_is_not_blamed_on_the_service() {
        // 3 ms median, 70 ms p99, while the generator itself woke 40 ms late at its p99.
        let o = expect(&TAIL_AMPLIFICATION, &stalled(&[("GET /a", "read", 3.0, 70.0)], 40.0), Status::NotAssessed);
        assert!(o.evidence.contains("host overloaded") && o.evidence.contains("40"), "{}", o.evidence);
        assert!(o.findings[0].contains("not attributable"), "{:?}", o.findings);
        // The same tail on a quiet host fails.
        expect(&TAIL_AMPLIFICATION, &stalled(&[("GET /a", "read", 3.0, 70.0)], 0.8), Status::Fail);
        // A tail far longer than the stall is the service's: 150 ms planted, 40 ms stall.
        expect(&TAIL_AMPLIFICATION, &stalled(&[("GET /a", "read", 3.0, 153.0)], 40.0), Status::Fail);
        // One endpoint over on its own fails the item even when another one is not attributable.
        expect(
            &TAIL_AMPLIFICATION,
            &stalled(&[("GET /a", "read", 3.0, 70.0), ("GET /b", "read", 3.0, 200.0)], 40.0),
            Status::Fail,
        );
        // A healthy tail stays a pass whatever the host did.
        expect(&TAIL_AMPLIFICATION, &stalled(&[("GET /a", "read", 30.0, 90.0)], 40.0), Status::Pass);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &TAIL_AMPLIFICATION,
            with_load(&[("GET /a", "read", 30.0, 90.0)]),
            "2x",
            Status::Pass,
            Status::Fail,
        )
    }
}
