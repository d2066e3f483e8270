//! 2.7 frequent-query-plans: plans reviewed for frequent queries.

use crate::catalog::prelude::*;
use crate::evidence::{PlanNode, Slot};

declare_item! {
    /// ## What it checks
    /// That the execution plans of the statements the application runs often are sound. Instead
    /// of asking whether someone reviewed them, stethoscope reviews them itself: every statement
    /// called more than **1000 times per day** must have a plan without findings.
    ///
    /// ## Why it matters
    /// Frequent queries dominate database load, so a bad plan there costs the most: a sort of 200
    /// 000 rows to return the top 20, a nested loop built on an estimate of 1 row that actually
    /// meets 100 000, or a full scan hidden behind a fast test database. These plans look fine in
    /// development and degrade as data grows or skews.
    ///
    /// ## How it is measured
    /// Source: **pg** with **load**. Every statement the service ran under normal load at more
    /// than 1000 calls per day (its rate in the load phases) is prepared from its normalized
    /// `pg_stat_statements` text and explained under `plan_cache_mode = force_generic_plan`
    /// with NULL parameters, in stethoscope's read-only session: plain `EXPLAIN`, so nothing is
    /// executed, writes included, on every PostgreSQL version. A plan fails the item for a sort
    /// fed by a table over 10 000 rows (no index delivers the order), a nested loop whose outer
    /// side is estimated over 10 000 rows, or a top-level row estimate 10× off the rows each
    /// call really returned (when either passes 1 000). Sequential scans of large tables are
    /// shown but judged by 2.3, which measures them. Every plan is in the report, on one line.
    /// The statement's full normalized text is explained, newlines and `--` comments intact
    /// (the report shows it shortened). The item passes only when the statements it could
    /// explain make up at least 90 % of the frequent statements' calls; otherwise it is `not
    /// assessed`, listing each statement that failed and why. A misestimate is a finding only
    /// when a table the plan reads holds 1 000 rows or more: a never-analysed 6-row table is
    /// planned from a default guess that costs nothing. Planning needs `SELECT` on the
    /// service's tables; without it the item is `not assessed` with the grant to give.
    ///
    /// Without load (a database audited on its own, or `--no-load`), the frequent statements
    /// are those over 1000 calls per day since `pg_stat_statements` was last reset
    /// (`stats_reset`), and the outcome says "cumulative since <time>".
    ///
    /// ## How to fix
    /// Work through the flagged plans: add indexes that serve the filter and the sort together,
    /// avoid `ORDER BY` on expressions no index covers, and fix misestimates by refreshing or
    /// extending statistics:
    ///
    /// ```sql
    /// ALTER TABLE orders ALTER COLUMN status SET STATISTICS 1000;
    /// CREATE STATISTICS orders_tenant_status (dependencies) ON tenant_id, status FROM orders;
    /// ANALYZE orders;
    /// ```
    ///
    /// To keep plans reviewed as code changes, make `EXPLAIN` output part of pull requests that
    /// add queries (9.1).
    pub FREQUENT_QUERY_PLANS = {
        id: "2.7",
        slug: "frequent-query-plans",
        title: "Plans reviewed for frequent queries",
        section: Database,
        threshold: Threshold::requires("no plan findings"),
        sources: [Pg],
        severity: Medium,
        evaluate: Some(evaluate),
    }
}

/// Tables with more live rows than this make sorts and nested loops over them findings.
const LARGE_ROWS: f64 = 10_000.0;
/// Estimates this many times off the measured rows are findings...
const MISESTIMATE: f64 = 10.0;
/// ...once either side reaches this many rows, and a table the plan reads holds this many (a
/// never-analysed 6-row table is planned from a default guess, which costs nothing).
const MISESTIMATE_FLOOR: f64 = 1_000.0;
/// The explained statements must cover this share of the frequent statements' calls to pass.
const COVERAGE: f64 = 0.9;

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let pg = evidence.pg.get()?;
    let plans = pg.plans.get()?;
    let mut findings = Vec::new();
    let mut outlines = Vec::new();
    let mut unexplained = Vec::new();
    let mut reviewed = 0;
    let (mut explained_calls, mut all_calls) = (0.0, 0.0);
    for p in plans {
        all_calls += p.calls_per_day;
        let plan = match &p.plan {
            Slot::Collected { data } => data,
            Slot::Unavailable { reason } => return Err(Outcome::not_assessed(reason.clone())),
            Slot::Failed { error } => {
                outlines.push(format!("not explained ({error}): {}", p.query));
                unexplained.push(format!("{error} ({:.0} calls/day): {}", p.calls_per_day, p.query));
                continue;
            }
        };
        reviewed += 1;
        explained_calls += p.calls_per_day;
        let mut problems = Vec::new();
        review(plan, &mut problems);
        let (estimate, actual) = (plan.rows, p.rows_per_call);
        if estimate.max(actual) >= MISESTIMATE_FLOOR
            && estimate.max(actual) >= MISESTIMATE * estimate.min(actual).max(1.0)
            && largest_table(plan).is_some_and(|rows| rows as f64 >= MISESTIMATE_FLOOR)
        {
            problems.push(format!("estimated {estimate:.0} rows, {actual:.0} per call measured"));
        }
        for problem in &problems {
            findings.push(format!("{problem} ({:.0} calls/day): {}", p.calls_per_day, p.query));
        }
        outlines.push(format!("{} ← {}", p.query, plan.outline()));
    }
    let measured = format!("{} finding(s) in {reviewed} plan(s)", findings.len());
    let rates = match pg.workload.data() {
        Some(_) => "under normal load".to_string(),
        None => match pg.statement_totals.data() {
            Some(totals) => format!("cumulative since {}", totals.since),
            None => "under normal load".to_string(),
        },
    };
    if findings.is_empty() {
        if plans.is_empty() {
            if let Some(why) = pg.no_service_activity() {
                return Err(Outcome::not_assessed(why));
            }
            return Ok(Outcome::pass(measured, format!("no statement ran over 1000 calls/day ({rates})")));
        }
        let coverage = if all_calls > 0.0 { explained_calls / all_calls } else { 0.0 };
        if coverage < COVERAGE {
            return Err(Outcome::not_assessed(format!(
                "the {reviewed} statement(s) explained cover {:.0} % of the frequent statements' calls, under {:.0} % \
                 ({rates}); not explained: {}",
                100.0 * coverage,
                100.0 * COVERAGE,
                unexplained.join("; ")
            ))
            .with_findings(outlines));
        }
        let note = format!(
            "{reviewed} frequent statement(s) reviewed from their generic plans ({rates}), covering {:.0} % of their calls",
            100.0 * coverage
        );
        return Ok(Outcome::pass(measured, note).with_findings(outlines));
    }
    Ok(Outcome::fail(measured, findings[0].clone())
        .with_excess(1.0 + findings.len() as f64)
        .with_findings(findings.into_iter().chain(outlines)))
}

fn review(node: &PlanNode, problems: &mut Vec<String>) {
    if node.node == "Sort"
        && let Some(table) = large_source(node)
    {
        problems.push(format!("sort of rows from {table} without an index that delivers the order"));
    }
    if node.node == "Nested Loop"
        && let Some(outer) = node.children.first()
        && outer.rows > LARGE_ROWS
    {
        problems.push(format!("nested loop over ~{:.0} outer rows", outer.rows));
    }
    for child in &node.children {
        review(child, problems);
    }
}

/// The most live rows of any table the plan reads.
fn largest_table(node: &PlanNode) -> Option<u64> {
    node.children.iter().filter_map(largest_table).chain(node.table_rows).max()
}

/// A table over the limit scanned somewhere below the node.
fn large_source(node: &PlanNode) -> Option<&str> {
    if node.table_rows.is_some_and(|r| r as f64 > LARGE_ROWS) {
        return node.relation.as_deref();
    }
    node.children.iter().find_map(large_source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, pg, with_pg};
    use crate::evidence::StatementPlan;
    use crate::outcome::Status;

    fn scan(node: &str, table: &str, table_rows: u64, rows: f64) -> PlanNode {
        PlanNode {
            node: node.into(),
            relation: Some(table.into()),
            table_rows: Some(table_rows),
            index: None,
            rows,
            children: vec![],
        }
    }

    fn above(node: &str, rows: f64, children: Vec<PlanNode>) -> PlanNode {
        PlanNode { node: node.into(), relation: None, table_rows: None, index: None, rows, children }
    }

    fn planned(plans: Vec<(PlanNode, f64)>) -> Evidence {
        let mut p = pg();
        p.plans = Slot::collected(
            plans
                .into_iter()
                .map(|(plan, rows_per_call)| StatementPlan {
                    query: "SELECT * FROM orders WHERE user_id = $1".into(),
                    calls_per_day: 86_400.0,
                    rows_per_call,
                    plan: Slot::collected(plan),
                })
                .collect(),
        );
        with_pg(p)
    }

    #[test]
    fn a_sort_over_a_large_table_fails() {
        let plan =
            above("Limit", 20.0, vec![above("Sort", 12.0, vec![scan("Index Scan", "public.orders", 50_000, 12.0)])]);
        let o = expect(&FREQUENT_QUERY_PLANS, &planned(vec![(plan, 12.0)]), Status::Fail);
        assert!(o.evidence.starts_with("sort of rows from public.orders"), "{}", o.evidence);
        assert!(
            o.findings.iter().any(|f| f.contains("Limit ← Sort ← Index Scan on public.orders")),
            "{:?}",
            o.findings
        );
    }

    #[test]
    fn index_ordered_plans_and_small_sorts_pass_and_seq_scans_are_left_to_2_3() {
        let ordered = above("Limit", 20.0, vec![scan("Index Scan", "public.products", 50_000, 20.0)]);
        let small = above("Sort", 5.0, vec![scan("Seq Scan", "public.statuses", 5, 5.0)]);
        let seq = scan("Seq Scan", "public.orders", 50_000, 12.0);
        expect(&FREQUENT_QUERY_PLANS, &planned(vec![(ordered, 20.0), (small, 5.0), (seq, 12.0)]), Status::Pass);
    }

    #[test]
    fn large_nested_loops_and_misestimates_fail() {
        let looped = above(
            "Nested Loop",
            100.0,
            vec![scan("Seq Scan", "public.a", 90_000, 90_000.0), scan("Index Scan", "public.b", 10, 1.0)],
        );
        let o = expect(&FREQUENT_QUERY_PLANS, &planned(vec![(looped, 100.0)]), Status::Fail);
        assert!(o.evidence.starts_with("nested loop over ~90000 outer rows"), "{}", o.evidence);
        let guessed = scan("Index Scan", "public.orders", 50_000, 10.0);
        let o = expect(&FREQUENT_QUERY_PLANS, &planned(vec![(guessed.clone(), 5_000.0)]), Status::Fail);
        assert!(o.evidence.starts_with("estimated 10 rows, 5000 per call measured"), "{}", o.evidence);
        expect(&FREQUENT_QUERY_PLANS, &planned(vec![(guessed, 900.0)]), Status::Pass);
        // A never-analysed 6-row table is planned from a default guess: no finding.
        let tiny = scan("Seq Scan", "public.tiny", 6, 2_550.0);
        expect(&FREQUENT_QUERY_PLANS, &planned(vec![(tiny, 6.0)]), Status::Pass);
    }

    #[test]
    fn no_grant_is_not_assessed_and_a_rare_failed_plan_is_only_listed() {
        let mut p = pg();
        let statement = |query: &str, calls_per_day: f64, plan: Slot<PlanNode>| StatementPlan {
            query: query.into(),
            calls_per_day,
            rows_per_call: 1.0,
            plan,
        };
        let grant = Slot::unavailable("GRANT SELECT ON ALL TABLES IN SCHEMA public TO auditor;");
        p.plans = Slot::collected(vec![statement("SELECT 1", 5000.0, grant)]);
        expect(&FREQUENT_QUERY_PLANS, &with_pg(p.clone()), Status::NotAssessed);
        // The failed statement makes 5 % of the calls: the rest are reviewed, it is listed.
        let syntax = || Slot::failed("cannot prepare the statement: syntax error");
        let ordered = scan("Index Scan", "public.orders", 50_000, 1.0);
        p.plans = Slot::collected(vec![
            statement("SELECT * FROM orders WHERE id = $1", 95_000.0, Slot::collected(ordered.clone())),
            statement("SELECT broken", 5000.0, syntax()),
        ]);
        let o = expect(&FREQUENT_QUERY_PLANS, &with_pg(p.clone()), Status::Pass);
        assert!(o.evidence.ends_with("covering 95 % of their calls"), "{}", o.evidence);
        assert!(o.findings.iter().any(|f| f.starts_with("not explained")), "{:?}", o.findings);
        // 5 of 8 unexplained, the main list query among them: not assessed, naming what failed.
        let mut plans = vec![statement("SELECT * FROM orders WHERE id = $1", 30_000.0, Slot::collected(ordered))];
        plans.extend((0..5).map(|i| statement(&format!("SELECT list_{i}"), 20_000.0, syntax())));
        p.plans = Slot::collected(plans);
        let o = expect(&FREQUENT_QUERY_PLANS, &with_pg(p), Status::NotAssessed);
        assert!(o.evidence.starts_with("the 1 statement(s) explained cover 23 % of the frequent statements' calls"));
        assert!(o.evidence.contains("syntax error (20000 calls/day): SELECT list_0"), "{}", o.evidence);
    }
}
