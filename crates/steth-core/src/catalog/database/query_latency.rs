//! 2.1 query-latency: no query p99 over 100 ms under normal load.

use crate::catalog::prelude::*;
use crate::evidence::{
    HistogramWindow, Quantile, QueryHistogram, Slot, StatementDelta, StatementTotals, pool, quantile,
};
use crate::evidence::{Phase, in_phase};

declare_item! {
    /// ## What it checks
    /// That the SQL the application runs has no p99 execution time above **100 ms** while the
    /// service is under its normal load. With the service's own query-duration histogram, the
    /// p99 of its queries during each endpoint's normal-load phase (and over all of them) is
    /// judged; without it, each normalized statement (as `pg_stat_statements` groups them, with
    /// parameters replaced by `$1`, `$2`, …) is judged on its own. One slow window or statement
    /// is a violation.
    ///
    /// ## Why it matters
    /// A statement that is usually fast but slow at p99 is still slow for every request that runs
    /// it at a bad moment, and it holds a pooled connection the whole time. A report query taking
    /// 400 ms at 50 calls per second keeps 20 connections busy on its own, enough to starve a
    /// typical pool and to push unrelated endpoints into acquire waits.
    ///
    /// ## How it is measured
    /// Sources: **metrics** and **pg**, with **load**. The report says which method was used.
    ///
    /// *Service histogram (preferred).* With `[metrics] url` set, stethoscope scrapes the
    /// service's Prometheus endpoint right before and right after each endpoint's normal-load
    /// phase and keeps the deltas of its query-duration histogram: the family named by `[metrics]
    /// query_histogram`, or else the one histogram whose name contains `query` and `duration`.
    /// The unit comes from the name's suffix (`_seconds`, `_milliseconds` or `_ms`); a name
    /// that states none is not guessed at, and the item falls back to the estimate below. The
    /// buckets of every label set are summed per bound, and the p99 is interpolated linearly
    /// inside the bucket that holds it, as PromQL's `histogram_quantile` does. A p99 in the
    /// `+Inf` bucket is only known to exceed the last finite bound: a `fail` when that bound is
    /// already at the threshold, otherwise a `warn` (add larger buckets). A counter reset or a
    /// failed scrape marks a window incomplete; it is listed and left out, and a histogram that
    /// observed nothing while PostgreSQL counted statements is not trusted. The histogram times
    /// statements as the service sees them (the network round trip included) and pools all
    /// statements of a window, so the per-statement estimates below are listed as supporting
    /// findings when `pg_stat_statements` is available.
    ///
    /// *`pg_stat_statements` estimate.* stethoscope snapshots `pg_stat_statements` right before
    /// and right after each endpoint's normal-load phase; the deltas of `calls`, total time and
    /// the sum of squares (rebuilt from each snapshot's mean and standard deviation) give each
    /// statement's exact mean and standard deviation over the windows. Its p99 is estimated as
    /// mean + 2.33 standard deviations (the normal approximation), capped by the statement's
    /// largest time ever recorded (`max_exec_time`, reported as supporting evidence).
    /// stethoscope's own statements are excluded, and a statistics reset or deallocated entries
    /// (`dealloc`) inside a window are reported as incomplete figures. The extension must be
    /// preloaded (`shared_preload_libraries`) and created in the database, otherwise (and
    /// without a histogram) the item is `not assessed` with the command to enable it.
    ///
    /// *Without load* (a database audited on its own, or `--no-load`), the same estimate is made
    /// from each statement's cumulative counters since `pg_stat_statements` was last reset
    /// (`pg_stat_statements_info.stats_reset`, PostgreSQL 14+; the server's start before), and
    /// the outcome says "cumulative since <time>". The standard deviation is what catches a
    /// statement whose few slow calls hide among many fast ones: 100 calls at 1 ms and 3 at 400
    /// ms have a mean of 12.6 ms but an estimated p99 over 150 ms. A service that ran no
    /// statement during the load phases is `not assessed` (is `[postgres] url` its database?).
    ///
    /// A p99 at or over the threshold fails. Override it under `[thresholds]`, e.g.
    /// `"2.1" = "50ms"`.
    ///
    /// ## How to fix
    /// Look up the statement in the report (with the service histogram, the report names the
    /// endpoint whose queries are slow, and the `pg_stat_statements` findings or the histogram's
    /// own labels name the statement), then get its real plan on a staging copy:
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
    fn describe(&self, query: &str) -> String {
        let seen = if self.endpoints.is_empty() { "cumulative".to_string() } else { self.endpoints.join(", ") };
        format!(
            "p99 ≈ {:.1} ms (mean {:.1} ms, sd {:.1} ms, max {:.1} ms, {} calls; {seen}): {query}",
            self.p99(),
            self.mean(),
            self.stddev(),
            self.max_ms,
            self.calls,
        )
    }

    fn add(&mut self, s: &StatementDelta) {
        let n = s.calls as f64;
        self.calls += n;
        self.sum_ms += n * s.mean_ms;
        self.sum_squares += n * (s.stddev_ms.powi(2) + s.mean_ms.powi(2));
        self.max_ms = self.max_ms.max(s.max_ms);
    }
}

/// Every statement of the normal-load windows, slowest estimate first, and the windows whose
/// figures are incomplete.
struct Statements<'a> {
    ranked: Vec<(&'a str, Pooled<'a>)>,
    incomplete: Vec<String>,
    /// Set when no load phase ran and the counters since this reset were read instead.
    since: Option<&'a str>,
}

fn statements(evidence: &Evidence) -> Result<Statements<'_>, Outcome> {
    let pg = evidence.pg.get()?;
    let workload = match (&pg.workload, &pg.statement_totals) {
        (Slot::Collected { data }, _) => data,
        // A database audited without load: every statement since the counters' last reset.
        (_, Slot::Collected { data: totals }) => return cumulative(totals),
        (workload, _) => workload.get()?,
    };
    let mut pooled: std::collections::BTreeMap<&str, Pooled<'_>> = Default::default();
    let mut windows = 0;
    let mut incomplete = Vec::new();
    for w in in_phase(&workload.windows, Phase::Normal) {
        let window = w.statements.get()?;
        windows += 1;
        if let Some(why) = &window.incomplete {
            incomplete.push(format!("{}: {why}", w.endpoint));
        }
        for s in window.statements.iter().filter(|s| s.calls > 0) {
            let p = pooled.entry(s.query.as_str()).or_default();
            p.add(s);
            if !p.endpoints.contains(&w.endpoint.as_str()) {
                p.endpoints.push(&w.endpoint);
            }
        }
    }
    if windows == 0 {
        return Err(Outcome::not_assessed("no normal-load phase ran, so statement times under load are unknown"));
    }
    if pooled.is_empty()
        && let Some(why) = pg.no_service_activity()
    {
        return Err(Outcome::not_assessed(why));
    }
    let mut ranked: Vec<(&str, Pooled<'_>)> = pooled.into_iter().collect();
    ranked.sort_by(|a, b| b.1.p99().total_cmp(&a.1.p99()));
    Ok(Statements { ranked, incomplete, since: None })
}

/// Each statement's mean and standard deviation since the counters' last reset.
fn cumulative(totals: &StatementTotals) -> Result<Statements<'_>, Outcome> {
    let mut ranked: Vec<(&str, Pooled<'_>)> = totals
        .statements
        .iter()
        .filter(|s| s.calls > 0)
        .map(|s| {
            let mut p = Pooled::default();
            p.add(s);
            (s.query.as_str(), p)
        })
        .collect();
    if ranked.is_empty() {
        return Err(Outcome::not_assessed(format!(
            "no load phase ran, and pg_stat_statements has counted no statement of the database since {}",
            totals.since
        )));
    }
    ranked.sort_by(|a, b| b.1.p99().total_cmp(&a.1.p99()));
    Ok(Statements { ranked, incomplete: Vec::new(), since: Some(&totals.since) })
}

/// The service histogram's complete normal-load windows and the incomplete ones, or why the
/// histogram cannot be used.
fn histogram(evidence: &Evidence) -> Result<(&QueryHistogram, Vec<&HistogramWindow>, Vec<String>), String> {
    let h = evidence.metrics.get().and_then(|m| m.query_histogram.get()).map_err(|o| o.evidence)?;
    let normal: Vec<&HistogramWindow> = in_phase(&h.windows, Phase::Normal).collect();
    let incomplete: Vec<String> =
        normal.iter().filter_map(|w| w.incomplete.as_ref().map(|why| format!("{}: {why}", w.endpoint))).collect();
    let complete: Vec<&HistogramWindow> = normal.into_iter().filter(|w| w.incomplete.is_none()).collect();
    if complete.is_empty() {
        return Err(if incomplete.is_empty() {
            "no normal-load phase ran while it was scraped".to_string()
        } else {
            format!("every normal-load window of `{}` is incomplete ({})", h.family, incomplete.join("; "))
        });
    }
    Ok((h, complete, incomplete))
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let limit_ms = threshold.limit_ms();
    let statements = statements(evidence);
    match histogram(evidence) {
        // A histogram that saw nothing while PostgreSQL ran statements does not time them.
        Ok((h, windows, _))
            if windows.iter().all(|w| w.count == 0) && statements.as_ref().is_ok_and(|s| !s.ranked.is_empty()) =>
        {
            let why =
                format!("`{}` observed no query under normal load while pg_stat_statements counted some", h.family);
            Ok(by_statements(statements?, limit_ms, &why))
        }
        Ok((h, windows, incomplete)) => Ok(by_histogram(h, &windows, &incomplete, statements.ok(), limit_ms)),
        Err(why) => Ok(by_statements(statements?, limit_ms, &why)),
    }
}

/// The p99 read from the service's query-duration histogram, per endpoint window and over all
/// of them; the statement estimates join as supporting findings.
fn by_histogram(
    h: &QueryHistogram,
    windows: &[&HistogramWindow],
    incomplete: &[String],
    statements: Option<Statements<'_>>,
    limit_ms: f64,
) -> Outcome {
    let method = format!("method: service histogram `{}`", h.family);
    let mut judged: Vec<(&HistogramWindow, Quantile)> =
        windows.iter().filter_map(|w| w.quantile(0.99).map(|q| (*w, q))).collect();
    judged.sort_by(|a, b| b.1.ms().total_cmp(&a.1.ms()));
    let overall = pool(windows).and_then(|(buckets, n)| quantile(&buckets, n, 0.99).map(|q| (n, q)));
    let queries: u64 = windows.iter().map(|w| w.count).sum();
    let describe = |(w, q): &(&HistogramWindow, Quantile)| {
        format!("{}: query p99 {q} over {} queries (mean {:.1} ms)", w.endpoint, w.count, w.sum_ms / w.count as f64)
    };
    let mut findings: Vec<String> = judged.iter().map(describe).collect();
    findings.extend(incomplete.iter().map(|i| format!("incomplete window: {i}")));
    if let Some(s) = &statements {
        findings
            .extend(s.ranked.iter().take(5).map(|(q, p)| format!("pg_stat_statements estimate: {}", p.describe(q))));
    }
    let Some((worst, worst_q)) = judged.first() else {
        // Nothing timed is nothing judged: a service that ran no query under load earns no pass.
        return Outcome::not_assessed(format!(
            "no query ran under normal load: `{}` observed nothing; {method}",
            h.family
        ))
        .with_findings(findings);
    };
    let overall_text = overall.map_or(String::new(), |(n, q)| format!("; all {n} queries: p99 {q}"));
    let measured = format!("slowest endpoint's query p99 {worst_q} ({}){overall_text}", worst.endpoint);
    let over: Vec<String> = judged.iter().filter(|(_, q)| q.ms() >= limit_ms).map(describe).collect();
    let overall_over = overall.is_some_and(|(_, q)| q.ms() >= limit_ms);
    let unknown: Vec<String> =
        judged.iter().filter(|(_, q)| matches!(q, Quantile::Above(b) if *b < limit_ms)).map(describe).collect();
    if !over.is_empty() || overall_over {
        let first = over.first().cloned().unwrap_or_else(|| format!("all queries together{overall_text}"));
        let excess = worst_q.ms().max(overall.map_or(0.0, |(_, q)| q.ms())) / limit_ms.max(1.0);
        Outcome::fail(
            measured,
            format!("{} endpoint window(s) at or over {limit_ms} ms: {first}; {method}", over.len()),
        )
        .with_findings(findings)
        .with_excess(excess)
    } else if !unknown.is_empty() {
        Outcome::warn(
            measured,
            format!(
                "{} endpoint window(s) have their p99 above the histogram's last finite bucket, under {limit_ms} ms, \
                 so whether it passes is unknown (add larger buckets): {}; {method}",
                unknown.len(),
                unknown[0]
            ),
        )
        .with_findings(findings)
    } else {
        Outcome::pass(measured, format!("{} endpoint window(s), {queries} queries; {method}", judged.len()))
            .with_findings(findings)
    }
}

/// Each statement's p99 estimated from `pg_stat_statements`, with why the histogram was not used.
fn by_statements(s: Statements<'_>, limit_ms: f64, no_histogram: &str) -> Outcome {
    let mut method = "method: pg_stat_statements estimate (mean + 2.33 sd, capped by the statement's max)".to_string();
    if let Some(since) = s.since {
        method.push_str(&format!("; no load phase ran: cumulative since {since}"));
    }
    let slow: Vec<String> = s.ranked.iter().filter(|(_, p)| p.p99() >= limit_ms).map(|(q, p)| p.describe(q)).collect();
    let mut findings: Vec<String> = s.ranked.iter().take(5).map(|(q, p)| p.describe(q)).collect();
    findings.extend(s.incomplete.iter().map(|i| format!("incomplete window: {i}")));
    findings.push(format!("service query histogram not used: {no_histogram}"));
    let Some((_, worst)) = s.ranked.first() else {
        return Outcome::pass("no statement ran under normal load", method).with_findings(findings);
    };
    let measured = format!("slowest statement p99 ≈ {:.1} ms", worst.p99());
    if slow.is_empty() {
        Outcome::pass(measured, format!("{} statement(s) measured; {method}", s.ranked.len())).with_findings(findings)
    } else {
        let summary = format!("{} statement(s) at or over {limit_ms} ms: {}; {method}", slow.len(), slow[0]);
        Outcome::fail(measured, summary)
            .with_findings(slow.into_iter().chain(findings.into_iter().skip(1)))
            .with_excess(worst.p99() / limit_ms.max(1.0))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{
        expect, expect_with, histogram_window as hist, window, with_histogram, with_windows,
    };
    use crate::evidence::{PhaseWindow, StatementWindow};
    use crate::outcome::Status;

    fn statement(query: &str, calls: u64, mean_ms: f64, stddev_ms: f64, max_ms: f64) -> StatementDelta {
        StatementDelta { query: query.into(), calls, mean_ms, stddev_ms, max_ms, rows: calls }
    }

    fn normal(endpoint: &str, statements: Vec<StatementDelta>) -> PhaseWindow {
        let mut w = window(endpoint, "normal", 100);
        w.statements = Slot::collected(StatementWindow { statements, incomplete: None });
        w
    }

    const BOUNDS: [f64; 6] = [5.0, 10.0, 25.0, 50.0, 100.0, 250.0];

    fn counts(c: [u64; 6]) -> Vec<(f64, u64)> {
        BOUNDS.into_iter().zip(c).collect()
    }

    #[test]
    fn a_slow_histogram_window_fails_and_names_the_method() {
        // GET /slow: 50 of 100 queries take 100–250 ms, so the p99 interpolates to 247 ms.
        let ev = with_histogram(
            Evidence::default(),
            vec![
                hist("GET /fast", &counts([900, 1000, 1000, 1000, 1000, 1000]), 1000),
                hist("GET /slow", &counts([50, 50, 50, 50, 50, 100]), 100),
            ],
        );
        let o = expect(&QUERY_LATENCY, &ev, Status::Fail);
        assert!(o.evidence.contains("method: service histogram `db_query_duration_seconds`"), "{}", o.evidence);
        assert!(o.evidence.contains("1 endpoint window(s) at or over 100 ms: GET /slow"), "{}", o.evidence);
        assert!(o.measured.as_deref().unwrap().starts_with("slowest endpoint's query p99 247.0 ms (GET /slow)"));
        assert_eq!(o.findings[1], "GET /fast: query p99 9.5 ms over 1000 queries (mean 10.0 ms)");
    }

    #[test]
    fn the_histogram_is_preferred_and_statement_estimates_support_it() {
        // pg_stat_statements estimates one statement over the limit; the histogram says otherwise.
        let pg = with_windows(vec![normal("GET /r", vec![statement("SELECT pg_sleep($1)", 100, 120.0, 1.0, 130.0)])]);
        let ev = with_histogram(pg, vec![hist("GET /r", &counts([90, 100, 100, 100, 100, 100]), 100)]);
        let o = expect(&QUERY_LATENCY, &ev, Status::Pass);
        assert!(o.evidence.ends_with("method: service histogram `db_query_duration_seconds`"), "{}", o.evidence);
        assert!(o.measured.as_deref().unwrap().contains("p99 9.5 ms (GET /r); all 100 queries: p99 9.5 ms"));
        assert!(
            o.findings.iter().any(|f| f.starts_with("pg_stat_statements estimate: p99 ≈ 122.3 ms")),
            "{:?}",
            o.findings
        );
    }

    #[test]
    fn without_a_histogram_the_statement_estimate_is_used_and_says_why() {
        let ev = with_windows(vec![normal("GET /r", vec![statement("SELECT 1", 100, 1.0, 0.5, 3.0)])]);
        let o = expect(&QUERY_LATENCY, &ev, Status::Pass);
        assert!(o.evidence.contains("method: pg_stat_statements estimate"), "{}", o.evidence);
        assert!(o.findings.iter().any(|f| f == "service query histogram not used: not configured"), "{:?}", o.findings);
    }

    #[test]
    fn exactly_at_the_limit_fails_just_under_passes() {
        // 99 of 100 queries at or under 100 ms, none under 50: the p99 is exactly 100.0 ms.
        let at = with_histogram(Evidence::default(), vec![hist("GET /r", &counts([0, 0, 0, 0, 99, 100]), 100)]);
        let o = expect(&QUERY_LATENCY, &at, Status::Fail);
        assert!(o.measured.as_deref().unwrap().starts_with("slowest endpoint's query p99 100.0 ms"), "{o:?}");
        assert_eq!(o.excess, Some(1.0));
        let under = with_histogram(Evidence::default(), vec![hist("GET /r", &counts([0, 0, 0, 0, 100, 100]), 100)]);
        let o = expect(&QUERY_LATENCY, &under, Status::Pass);
        assert!(o.measured.as_deref().unwrap().starts_with("slowest endpoint's query p99 99.5 ms"), "{o:?}");
    }

    #[test]
    fn a_p99_in_the_inf_bucket_is_a_lower_bound() {
        // The last finite bound (250 ms) is already over the limit: a fail.
        let over = with_histogram(Evidence::default(), vec![hist("GET /r", &counts([90, 90, 90, 90, 90, 95]), 100)]);
        let o = expect(&QUERY_LATENCY, &over, Status::Fail);
        assert!(o.measured.as_deref().unwrap().contains("> 250.0 ms (last finite bucket)"), "{o:?}");
        // Buckets that end at 50 ms cannot tell whether the p99 is over 100 ms: a warn.
        let short = [(10.0, 90), (50.0, 95)];
        let unknown = with_histogram(Evidence::default(), vec![hist("GET /r", &short, 100)]);
        let o = expect(&QUERY_LATENCY, &unknown, Status::Warn);
        assert!(o.evidence.contains("add larger buckets"), "{}", o.evidence);
    }

    #[test]
    fn incomplete_windows_are_left_out_and_listed() {
        let mut reset = hist("GET /a", &[], 0);
        reset.incomplete = Some("the histogram's counters went back (service restarted?)".into());
        let ok = hist("GET /b", &counts([100, 100, 100, 100, 100, 100]), 100);
        let ev = with_histogram(Evidence::default(), vec![reset.clone(), ok]);
        let o = expect(&QUERY_LATENCY, &ev, Status::Pass);
        assert!(o.findings.iter().any(|f| f.starts_with("incomplete window: GET /a: the histogram's")), "{o:?}");
        // With every window incomplete, the statement estimate is used instead.
        let pg = with_windows(vec![normal("GET /a", vec![statement("SELECT 1", 100, 1.0, 0.5, 3.0)])]);
        let o = expect(&QUERY_LATENCY, &with_histogram(pg, vec![reset.clone()]), Status::Pass);
        assert!(o.evidence.contains("method: pg_stat_statements estimate"), "{}", o.evidence);
        assert!(o.findings.iter().any(|f| f.contains("every normal-load window of `db_query_duration_seconds`")));
        // And without pg_stat_statements, nothing is assessed.
        expect(&QUERY_LATENCY, &with_histogram(Evidence::default(), vec![reset]), Status::NotAssessed);
    }

    #[test]
    fn a_histogram_that_saw_nothing_does_not_vouch_for_the_statements() {
        let pg = with_windows(vec![normal("GET /r", vec![statement("SELECT pg_sleep($1)", 100, 120.0, 1.0, 130.0)])]);
        let ev = with_histogram(pg, vec![hist("GET /r", &counts([0; 6]), 0)]);
        let o = expect(&QUERY_LATENCY, &ev, Status::Fail);
        assert!(o.evidence.contains("method: pg_stat_statements estimate"), "{}", o.evidence);
        let alone = with_histogram(Evidence::default(), vec![hist("GET /r", &counts([0; 6]), 0)]);
        let o = expect(&QUERY_LATENCY, &alone, Status::NotAssessed);
        assert!(o.evidence.starts_with("no query ran under normal load"), "{}", o.evidence);
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
    fn without_load_the_cumulative_counters_catch_a_tail_the_mean_hides() {
        // 100 calls at 1 ms and 3 at 400 ms: mean 12.6 ms, but the spread puts the p99 over 100 ms.
        let mean = (100.0 * 1.0 + 3.0 * 400.0) / 103.0;
        let squares = (100.0 * 1.0 + 3.0 * 160_000.0) / 103.0;
        let tail = statement("SELECT pg_sleep($1) AS tail", 103, mean, (squares - mean * mean).sqrt(), 400.0);
        let mut p = crate::catalog::testing::pg();
        p.statement_totals = Slot::collected(StatementTotals {
            since: "2026-11-29 09:00:00+00".into(),
            days: 0.01,
            statements: vec![statement("SELECT 1", 5000, 0.1, 0.0, 0.3), tail],
        });
        let o = expect(&QUERY_LATENCY, &crate::catalog::testing::with_pg(p.clone()), Status::Fail);
        assert!(o.evidence.contains("cumulative since 2026-11-29 09:00:00+00"), "{}", o.evidence);
        assert!(o.evidence.contains("SELECT pg_sleep($1) AS tail"), "{}", o.evidence);
        assert!(o.findings[0].contains("mean 12.6 ms") && o.findings[0].contains("cumulative"), "{:?}", o.findings);
        // Nothing counted since the reset is no pass.
        p.statement_totals = Slot::collected(StatementTotals { statements: vec![], ..Default::default() });
        expect(&QUERY_LATENCY, &crate::catalog::testing::with_pg(p), Status::NotAssessed);
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

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &QUERY_LATENCY,
            with_windows(vec![normal("GET /r", vec![statement("SELECT 1", 100, 1.0, 0.5, 3.0)])]),
            "1ms",
            Status::Pass,
            Status::Fail,
        )
    }
}
