//! B-tree leaf density of the larger indexes with `pgstatindex` (evidence for 2.8). Runs under
//! the session's lock timeout, so an index locked by a REINDEX is an error, not a wait.

use super::session::describe;
use steth_core::evidence::{IndexDensity, Slot};
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

/// Indexes under this size are not read: their bloat costs nothing.
const MIN_BYTES: i64 = 1 << 20;

const EXTENSION: &str =
    "SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'pgstattuple'";

const INDEXES: &str = "
SELECT i.oid, format('%I.%I', n.nspname, i.relname), format('%I.%I', tn.nspname, t.relname),
       pg_relation_size(i.oid),
       coalesce((SELECT option_value::float8 FROM pg_options_to_table(i.reloptions)
                  WHERE option_name = 'fillfactor'), 90)
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_namespace n ON n.oid = i.relnamespace
  JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace tn ON tn.oid = t.relnamespace
  JOIN pg_am am ON am.oid = i.relam
 WHERE am.amname = 'btree' AND x.indisvalid
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
   AND pg_relation_size(i.oid) >= $1
 ORDER BY 2";

/// Measures every valid B-tree index over 1 MiB.
pub(super) async fn read(client: &Client, database: &str, role: &str) -> Slot<Vec<IndexDensity>> {
    let schema: String = match client.query_opt(EXTENSION, &[]).await {
        Ok(Some(row)) => row.get(0),
        Ok(None) => {
            return Slot::unavailable(format!(
                "pgstattuple is not installed in database {database}: CREATE EXTENSION pgstattuple; \
                 then GRANT pg_stat_scan_tables TO {role};"
            ));
        }
        Err(e) => return Slot::failed(format!("cannot read pg_extension: {}", describe(&e))),
    };
    let indexes = match client.query(INDEXES, &[&MIN_BYTES]).await {
        Ok(rows) => rows,
        Err(e) => return Slot::failed(format!("{} (listing B-tree indexes)", describe(&e))),
    };
    let measure = format!("SELECT avg_leaf_density FROM {schema}.pgstatindex($1::oid::regclass)");
    let mut out = Vec::new();
    for row in indexes {
        let oid: u32 = row.get(0);
        let index: String = row.get(1);
        let density: f64 = match client.query_one(&measure, &[&oid]).await {
            Ok(r) => r.get(0),
            Err(e) if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) => {
                return Slot::unavailable(format!(
                    "stethoscope's role may not run pgstatindex ({}): GRANT pg_stat_scan_tables TO {role};",
                    describe(&e)
                ));
            }
            Err(e) => return Slot::failed(format!("{} (pgstatindex of {index})", describe(&e))),
        };
        // An index without leaf pages has no density to judge.
        if density.is_nan() {
            continue;
        }
        out.push(IndexDensity {
            index,
            table: row.get(2),
            bytes: row.get::<_, i64>(3).max(0) as u64,
            leaf_density: density,
            fillfactor: row.get(4),
        });
    }
    Slot::collected(out)
}
