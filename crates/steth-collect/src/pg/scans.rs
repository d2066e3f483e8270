//! Cumulative scan counters of the larger tables (evidence for 2.3 when no load phase runs):
//! without a window to attribute scans to endpoints, the share of sequential scans since the
//! statistics began is the best sign of a hot path that reads a whole table.

use super::session::describe;
use steth_core::evidence::{Slot, TableScanTotals};
use tokio_postgres::Client;

/// Tables at or below this many live rows are not read: scanning them costs nothing.
const LARGE_TABLE_ROWS: i64 = 10_000;

const TOTALS: &str = "/* stethoscope */ SELECT format('%I.%I', t.schemaname, t.relname),
       greatest(t.n_live_tup, c.reltuples::bigint, 0), coalesce(t.seq_scan, 0), coalesce(t.idx_scan, 0)
  FROM pg_stat_user_tables t JOIN pg_class c ON c.oid = t.relid
 WHERE greatest(t.n_live_tup, c.reltuples::bigint, 0) > $1
 ORDER BY 1";

/// Reads the scans of every table over 10 000 live rows.
pub(super) async fn read(client: &Client) -> Slot<Vec<TableScanTotals>> {
    match client.query(TOTALS, &[&LARGE_TABLE_ROWS]).await {
        Ok(rows) => Slot::collected(
            rows.iter()
                .map(|r| TableScanTotals {
                    table: r.get(0),
                    live_rows: r.get::<_, i64>(1).max(0) as u64,
                    seq_scans: r.get::<_, i64>(2).max(0) as u64,
                    index_scans: r.get::<_, i64>(3).max(0) as u64,
                })
                .collect(),
        ),
        Err(e) => Slot::failed(format!("cannot read pg_stat_user_tables: {}", describe(&e))),
    }
}
