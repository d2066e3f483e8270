//! Generic plans of the service's frequent statements (evidence for 2.7). The normalized text
//! from `pg_stat_statements` is prepared and explained under `plan_cache_mode =
//! force_generic_plan` with every parameter NULL: plain `EXPLAIN`, so nothing runs, writes
//! included, and the session is read-only besides. Works the same on every version from 12 on.

use super::session::describe;
use super::workload::MARK;
use serde_json::Value;
use std::collections::HashMap;
use steth_core::evidence::{PlanNode, Slot};
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

/// The name of the one prepared statement stethoscope uses.
const NAME: &str = "stethoscope_plan";

/// Whether the text is a statement with a plan (utility statements have none).
pub fn explainable(query: &str) -> bool {
    let first = query.trim_start().split(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or("");
    ["select", "insert", "update", "delete", "with", "values", "table"].contains(&first.to_ascii_lowercase().as_str())
}

/// The generic plan of one normalized statement; `table_rows` gives the live rows of each
/// schema-qualified table named in the plan.
pub async fn generic_plan(client: &Client, query: &str, table_rows: &HashMap<String, u64>) -> Slot<PlanNode> {
    let _ = client.batch_execute(&format!("{MARK} DEALLOCATE {NAME}")).await;
    let prepare = format!("{MARK} PREPARE {NAME} AS {query}");
    if let Err(e) = client.batch_execute(&prepare).await {
        if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) {
            return Slot::unavailable(format!(
                "stethoscope's role cannot plan the service's statements ({}): GRANT SELECT ON ALL TABLES IN SCHEMA public TO <stethoscope's role>;",
                describe(&e)
            ));
        }
        return Slot::failed(format!("cannot prepare the statement: {}", describe(&e)));
    }
    let plan = explain(client).await;
    let _ = client.batch_execute(&format!("{MARK} DEALLOCATE {NAME}")).await;
    match plan {
        Ok(json) => match json.get(0).and_then(|p| p.get("Plan")) {
            Some(root) => Slot::collected(node(root, table_rows)),
            None => Slot::failed("EXPLAIN gave no plan"),
        },
        Err(e) => Slot::failed(e),
    }
}

async fn explain(client: &Client) -> Result<Value, String> {
    let sql =
        format!("{MARK} SELECT coalesce(cardinality(parameter_types), 0) FROM pg_prepared_statements WHERE name = $1");
    let params: i32 = client.query_one(&sql, &[&NAME]).await.map_err(|e| describe(&e))?.get(0);
    let nulls = vec!["NULL"; params.max(0) as usize].join(", ");
    let args = if nulls.is_empty() { String::new() } else { format!("({nulls})") };
    client
        .batch_execute(&format!("{MARK} SET plan_cache_mode = force_generic_plan"))
        .await
        .map_err(|e| describe(&e))?;
    // The simple protocol hands the json column over as text.
    let answer = client.simple_query(&format!("{MARK} EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE {NAME}{args}")).await;
    let _ = client.batch_execute(&format!("{MARK} RESET plan_cache_mode")).await;
    let text = answer
        .map_err(|e| describe(&e))?
        .into_iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
            _ => None,
        })
        .ok_or("EXPLAIN gave no rows")?;
    serde_json::from_str(&text).map_err(|e| format!("unreadable EXPLAIN output: {e}"))
}

fn node(plan: &Value, table_rows: &HashMap<String, u64>) -> PlanNode {
    let text = |key: &str| plan.get(key).and_then(Value::as_str).map(str::to_string);
    let relation = match (text("Schema"), text("Relation Name")) {
        (Some(schema), Some(table)) => Some(format!("{schema}.{table}")),
        (None, Some(table)) => Some(table),
        _ => None,
    };
    PlanNode {
        node: text("Node Type").unwrap_or_default(),
        table_rows: relation.as_ref().and_then(|r| table_rows.get(r).copied()),
        relation,
        index: text("Index Name"),
        rows: plan.get("Plan Rows").and_then(Value::as_f64).unwrap_or(0.0),
        children: plan
            .get("Plans")
            .and_then(Value::as_array)
            .map(|children| children.iter().map(|c| node(c, table_rows)).collect())
            .unwrap_or_default(),
    }
}
