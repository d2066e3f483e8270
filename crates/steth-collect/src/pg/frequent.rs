//! The statements the service runs often: without load, every statement's counters since
//! `pg_stat_statements` was last reset (2.1 and 2.7 cumulative); with or without it, the
//! generic plans of those run over 1000 times a day, explained from their full text (2.7).

use super::session::describe;
use super::workload::{TABLES, read_statements, statement_deltas};
use std::collections::HashMap;
use steth_core::evidence::{Phase, PhaseWindow, Slot, StatementPlan, StatementTotals, in_phase};
use tokio_postgres::Client;

const TOTALS_SINCE: &str = "/* stethoscope */ SELECT stats_reset::text, extract(epoch FROM now() - stats_reset)::float8 FROM pg_stat_statements_info";

const SERVER_START: &str = "/* stethoscope */ SELECT 'server start ' || pg_postmaster_start_time()::text, extract(epoch FROM now() - pg_postmaster_start_time())::float8";

/// Every statement's counters since `pg_stat_statements` was last reset, with the full texts of
/// the shortened ones.
pub(super) async fn read_totals(
    client: &Client,
    own_role: Option<u32>,
    database: &str,
) -> (Slot<StatementTotals>, HashMap<String, String>) {
    let counters = match read_statements(client, own_role, database).await {
        Slot::Collected { data } => data,
        Slot::Unavailable { reason } => return (Slot::unavailable(reason), HashMap::new()),
        Slot::Failed { error } => return (Slot::failed(error), HashMap::new()),
    };
    let since = match client.query_one(TOTALS_SINCE, &[]).await {
        Ok(row) => row,
        Err(_) => match client.query_one(SERVER_START, &[]).await {
            Ok(row) => row,
            Err(e) => {
                return (Slot::failed(format!("cannot read the server's start: {}", describe(&e))), HashMap::new());
            }
        },
    };
    let texts = counters.values().map(|c| (c.query.clone(), c.text.clone())).collect();
    let window = statement_deltas(&HashMap::new(), &counters, (&None, &None));
    let totals = StatementTotals {
        since: since.get::<_, Option<String>>(0).unwrap_or_else(|| "the extension's creation".into()),
        days: since.get::<_, Option<f64>>(1).unwrap_or(0.0) / 86_400.0,
        statements: window.statements,
    };
    (Slot::collected(totals), texts)
}

/// Statements run more often than this per day (at the normal-load rate) get their plan read.
const FREQUENT_PER_DAY: f64 = 1000.0;
/// At most this many plans, most frequent first.
const MAX_PLANS: usize = 100;

pub(super) async fn plan_frequent(
    client: &Client,
    windows: &[PhaseWindow],
    texts: &HashMap<String, String>,
) -> Slot<Vec<StatementPlan>> {
    let mut seen: HashMap<&str, (u64, u64)> = HashMap::new();
    let mut secs = 0.0;
    for w in in_phase(windows, Phase::Normal) {
        let window = match w.statements.data() {
            Some(window) => window,
            None => return Slot::unavailable("no statement counters were read under normal load"),
        };
        secs += w.secs;
        for s in &window.statements {
            let entry = seen.entry(&s.query).or_default();
            entry.0 += s.calls;
            entry.1 += s.rows;
        }
    }
    let rates = seen
        .into_iter()
        .map(|(q, (calls, rows))| (q, calls as f64 / secs.max(0.001) * 86_400.0, rows as f64 / calls.max(1) as f64));
    explain_frequent(client, rates.collect(), texts).await
}

/// The generic plans of the statements run over [`FREQUENT_PER_DAY`] since the counters' reset.
pub(super) async fn plan_cumulative(
    client: &Client,
    totals: &StatementTotals,
    texts: &HashMap<String, String>,
) -> Slot<Vec<StatementPlan>> {
    let days = totals.days.max(1.0 / 86_400.0);
    let rates = totals
        .statements
        .iter()
        .map(|s| (s.query.as_str(), s.calls as f64 / days, s.rows as f64 / s.calls.max(1) as f64))
        .collect();
    explain_frequent(client, rates, texts).await
}

/// Explains each statement over [`FREQUENT_PER_DAY`] (`(shown text, calls per day, rows per
/// call)`), most frequent first, from its full text.
async fn explain_frequent(
    client: &Client,
    rates: Vec<(&str, f64, f64)>,
    texts: &HashMap<String, String>,
) -> Slot<Vec<StatementPlan>> {
    let table_rows: HashMap<String, u64> = match client.query(TABLES, &[]).await {
        Ok(rows) => rows.iter().map(|r| (r.get::<_, String>(0), r.get::<_, i64>(4).max(0) as u64)).collect(),
        Err(e) => return Slot::failed(format!("cannot read pg_stat_user_tables: {}", describe(&e))),
    };
    let mut frequent: Vec<(&str, f64, f64)> = rates
        .into_iter()
        .filter(|(q, _, _)| super::plans::explainable(q))
        .filter(|(_, per_day, _)| *per_day > FREQUENT_PER_DAY)
        .collect();
    frequent.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut plans = Vec::new();
    for (query, calls_per_day, rows_per_call) in frequent.into_iter().take(MAX_PLANS) {
        let text = texts.get(query).map_or(query, String::as_str);
        let plan = super::plans::generic_plan(client, text, &table_rows).await;
        plans.push(StatementPlan { query: query.to_string(), calls_per_day, rows_per_call, plan });
    }
    Slot::collected(plans)
}
