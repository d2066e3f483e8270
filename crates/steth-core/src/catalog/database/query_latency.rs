//! 2.1 query-latency: no query p99 over 100 ms under normal load.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That no SQL statement the application runs has an estimated p99 execution time above **100
    /// ms** while the service is under its normal load. Each normalized statement (as
    /// `pg_stat_statements` groups them, with parameters replaced by `$1`, `$2`, …) is judged on
    /// its own; one slow statement is a violation.
    ///
    /// ## Why it matters
    /// A statement that is usually fast but slow at p99 is still slow for every request that runs
    /// it at a bad moment, and it holds a pooled connection the whole time. A report query taking
    /// 400 ms at 50 calls per second keeps 20 connections busy on its own, enough to starve a
    /// typical pool and to push unrelated endpoints into acquire waits.
    ///
    /// ## How it is measured
    /// Source: **pg** with **load**. stethoscope snapshots `pg_stat_statements` right before and
    /// right after each endpoint's normal-load phase; the deltas of `calls`, total time and the
    /// sum of squares (rebuilt from each snapshot's mean and standard deviation) give each
    /// statement's exact mean and standard deviation over the windows. Its p99 is estimated as
    /// mean + 2.33 standard deviations (the normal approximation), capped by the statement's
    /// largest time ever recorded (`max_exec_time`, reported as supporting evidence). The
    /// report says this method was used; a query-duration histogram in the service's metrics is
    /// not read yet. stethoscope's own statements are excluded, and a statistics reset or
    /// deallocated entries (`dealloc`) inside a window are reported as incomplete figures. The
    /// extension must be preloaded (`shared_preload_libraries`) and created in the database,
    /// otherwise the item is `not assessed` with the command to enable it. Override under
    /// `[thresholds]`, e.g. `"2.1" = "50ms"`.
    ///
    /// ## How to fix
    /// Look up the statement in the report, then get its real plan on a staging copy:
    ///
    /// ```sql
    /// EXPLAIN (ANALYZE, BUFFERS) SELECT ... ;  -- only for reads; wrap writes in BEGIN/ROLLBACK
    /// ```
    ///
    /// Add the index the plan is missing, select only the needed columns, bound the rows with
    /// `LIMIT`, and rewrite correlated subqueries as joins. If the time is spent waiting rather
    /// than executing, look for lock contention in `pg_stat_activity`. Refresh statistics with
    /// `ANALYZE table_name` after large data changes.
    pub QUERY_LATENCY = {
        id: "2.1",
        slug: "query-latency",
        title: "No query p99 over 100 ms under normal load",
        section: Database,
        threshold: Threshold::latency_below_ms(100),
        sources: [Pg, Metrics],
        severity: High,
        evaluate: Some(evaluate),
    }
}

/// z-score of the 99th percentile of a normal distribution.
const Z99: f64 = 2.326;

/// One statement's time over every normal-load window.
#[derive(Default)]
struct Pooled<'a> {
    calls: f64,
    sum_ms: f64,
    sum_squares: f64,
    max_ms: f64,
    endpoints: Vec<&'a str>,
}

impl Pooled<'_> {
    fn mean(&self) -> f64 {
        self.sum_ms / self.calls
    }
    fn stddev(&self) -> f64 {
        (self.sum_squares / self.calls - self.mean().powi(2)).max(0.0).sqrt()
    }
    fn p99(&self) -> f64 {
        (self.mean() + Z99 * self.stddev()).min(self.max_ms.max(self.mean()))
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let workload = evidence.pg.get()?.workload.get()?;
    let limit_ms = threshold.duration().map_or(100.0, |d| d.as_secs_f64() * 1000.0);
    let mut pooled: std::collections::BTreeMap<&str, Pooled<'_>> = Default::default();
    let mut windows = 0;
    let mut incomplete = Vec::new();
    for w in workload.windows.iter().filter(|w| w.phase == "normal") {
        let window = w.statements.get()?;
        windows += 1;
        if let Some(why) = &window.incomplete {
            incomplete.push(format!("{}: {why}", w.endpoint));
        }
        for s in window.statements.iter().filter(|s| s.calls > 0) {
            let p = pooled.entry(s.query.as_str()).or_default();
            let n = s.calls as f64;
            p.calls += n;
            p.sum_ms += n * s.mean_ms;
            p.sum_squares += n * (s.stddev_ms.powi(2) + s.mean_ms.powi(2));
            p.max_ms = p.max_ms.max(s.max_ms);
            if !p.endpoints.contains(&w.endpoint.as_str()) {
                p.endpoints.push(&w.endpoint);
            }
        }
    }
    if windows == 0 {
        return Err(Outcome::not_assessed("no normal-load phase ran, so statement times under load are unknown"));
    }
    let mut ranked: Vec<(&str, Pooled<'_>)> = pooled.into_iter().collect();
    ranked.sort_by(|a, b| b.1.p99().total_cmp(&a.1.p99()));
    let describe = |(query, p): &(&str, Pooled<'_>)| {
        format!(
            "p99 ≈ {:.1} ms (mean {:.1} ms, sd {:.1} ms, max {:.1} ms, {} calls; {}): {query}",
            p.p99(),
            p.mean(),
            p.stddev(),
            p.max_ms,
            p.calls,
            p.endpoints.join(", ")
        )
    };
    let slow: Vec<String> = ranked.iter().filter(|(_, p)| p.p99() >= limit_ms).map(describe).collect();
    let mut findings: Vec<String> = ranked.iter().take(5).map(describe).collect();
    findings.extend(incomplete.iter().map(|i| format!("incomplete window: {i}")));
    let method = "p99 estimated from the window's mean and standard deviation, capped by the statement's max";
    let Some((_, worst)) = ranked.first() else {
        return Ok(Outcome::pass("no statement ran under normal load", method));
    };
    let measured = format!("slowest statement p99 ≈ {:.1} ms", worst.p99());
    if slow.is_empty() {
        Ok(Outcome::pass(measured, format!("{} statement(s) measured; {method}", ranked.len())).with_findings(findings))
    } else {
        Ok(Outcome::fail(measured, format!("{} statement(s) at or over {limit_ms} ms: {}", slow.len(), slow[0]))
            .with_findings(slow.into_iter().chain(findings.into_iter().skip(1)))
            .with_excess(worst.p99() / limit_ms.max(1.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, expect_with, window, with_windows};
    use crate::evidence::{PhaseWindow, Slot, StatementDelta, StatementWindow};
    use crate::outcome::Status;

    fn statement(query: &str, calls: u64, mean_ms: f64, stddev_ms: f64, max_ms: f64) -> StatementDelta {
        StatementDelta { query: query.into(), calls, mean_ms, stddev_ms, max_ms, rows: calls }
    }

    fn normal(endpoint: &str, statements: Vec<StatementDelta>) -> PhaseWindow {
        let mut w = window(endpoint, "normal", 100);
        w.statements = Slot::collected(StatementWindow { statements, incomplete: None });
        w
    }

    #[test]
    fn slow_statement_fails() {
        let ev = with_windows(vec![normal("GET /r", vec![statement("SELECT pg_sleep($1)", 100, 120.0, 1.0, 130.0)])]);
        let o = expect(&QUERY_LATENCY, &ev, Status::Fail);
        assert!(o.evidence.contains("SELECT pg_sleep($1)"), "{}", o.evidence);
    }

    #[test]
    fn a_wide_spread_fails_even_with_a_fast_mean() {
        let ev = with_windows(vec![normal("GET /r", vec![statement("SELECT 1", 1000, 20.0, 40.0, 400.0)])]);
        let o = expect(&QUERY_LATENCY, &ev, Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("slowest statement p99 ≈ 113.0 ms"));
    }

    #[test]
    fn estimate_is_capped_by_the_max_and_windows_pool() {
        let ev = with_windows(vec![
            normal("GET /a", vec![statement("SELECT 1", 100, 1.0, 30.0, 50.0)]),
            normal("GET /b", vec![statement("SELECT 1", 100, 3.0, 0.0, 50.0)]),
        ]);
        let o = expect(&QUERY_LATENCY, &ev, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("slowest statement p99 ≈ 50.0 ms"));
        assert!(o.findings[0].contains("mean 2.0 ms") && o.findings[0].contains("GET /a, GET /b"), "{:?}", o.findings);
        let tight = QUERY_LATENCY.default_threshold.with_override("40ms").unwrap();
        expect_with(&QUERY_LATENCY, &ev, &tight, Status::Fail);
    }

    #[test]
    fn missing_extension_or_load_is_not_a_pass() {
        let mut w = window("GET /a", "normal", 10);
        w.statements = Slot::unavailable("pg_stat_statements must be loaded via shared_preload_libraries");
        expect(&QUERY_LATENCY, &with_windows(vec![w.clone()]), Status::NotAssessed);
        w.statements = Slot::failed("statement timeout");
        expect(&QUERY_LATENCY, &with_windows(vec![w]), Status::Error);
        expect(&QUERY_LATENCY, &with_windows(vec![]), Status::NotAssessed);
    }
}
