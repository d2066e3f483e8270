//! B-tree leaf density of the larger indexes with `pgstatindex` (evidence for 2.8). Runs under
//! the session's lock timeout, so an index locked by a REINDEX is an error, not a wait.

use super::session::describe;
use steth_core::evidence::{IndexBloatEstimate, IndexDensity, Slot};
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

/// Indexes under this size are not read: their bloat costs nothing.
const MIN_BYTES: i64 = 1 << 20;

const EXTENSION: &str =
    "/* stethoscope */ SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'pgstattuple'";

/// The valid B-tree indexes of the user's schemas (`i` the index, `t` its table, `n`/`tn`
/// their schemas, `x` the `pg_index` row, `fillfactor` its setting): the one listing both the
/// measurement and the estimate select from.
macro_rules! user_btrees {
    () => {
        "
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_namespace n ON n.oid = i.relnamespace
  JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace tn ON tn.oid = t.relnamespace
  JOIN pg_am am ON am.oid = i.relam
  CROSS JOIN LATERAL (SELECT coalesce((SELECT option_value::float8 FROM pg_options_to_table(i.reloptions)
                                        WHERE option_name = 'fillfactor'), 90) AS fillfactor) f
 WHERE am.amname = 'btree' AND x.indisvalid
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
    };
}

const INDEXES: &str = concat!(
    "/* stethoscope */
SELECT i.oid, format('%I.%I', n.nspname, i.relname), format('%I.%I', tn.nspname, t.relname),
       pg_relation_size(i.oid), f.fillfactor",
    user_btrees!(),
    "
   AND pg_relation_size(i.oid) >= $1
 ORDER BY 2"
);

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
    let measure = format!("/* stethoscope */ SELECT avg_leaf_density FROM {schema}.pgstatindex($1::oid::regclass)");
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

/// The catalog-statistics estimate for each B-tree over 1 MiB whose key columns all have
/// statistics: the pages a freshly built index would need for its tuples at its fillfactor,
/// against the pages it has. Leaf tuples are an 8-byte header plus the columns' average widths,
/// aligned to 8 bytes, plus a 4-byte line pointer; a page holds (block size − 24 − 16) bytes
/// of them; internal pages and the metapage are ignored, so the estimate errs low.
const ESTIMATE: &str = concat!(
    "/* stethoscope */
WITH ix AS (
  SELECT i.oid, format('%I.%I', n.nspname, i.relname) AS index_name,
         format('%I.%I', tn.nspname, t.relname) AS table_name,
         tn.nspname AS schema_name, t.relname AS table_rel, x.indkey, x.indrelid,
         i.relpages::bigint AS pages, greatest(i.reltuples, 0)::float8 AS tuples, f.fillfactor,
         current_setting('block_size')::bigint AS bs",
    user_btrees!(),
    "
     AND x.indexprs IS NULL AND i.relpages::bigint * current_setting('block_size')::bigint >= $1
), widths AS (
  SELECT ix.oid, count(*) AS keys, count(s.avg_width) AS known, coalesce(sum(s.avg_width), 0)::float8 AS width
    FROM ix
    CROSS JOIN LATERAL unnest(ix.indkey::int2[]) AS k(attnum)
    JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
    LEFT JOIN pg_stats s ON s.schemaname = ix.schema_name AND s.tablename = ix.table_rel
                        AND s.attname = a.attname AND NOT s.inherited
   GROUP BY ix.oid
)
SELECT ix.index_name, ix.table_name, ix.pages * ix.bs, ix.pages, ix.tuples, ix.fillfactor, ix.bs,
       w.width, w.keys = w.known
  FROM ix JOIN widths w ON w.oid = ix.oid
 ORDER BY 1"
);

/// Estimates the bloat of each B-tree over 1 MiB from catalog statistics; indexes whose key
/// columns have no statistics (never analyzed, or hidden from stethoscope's role) are named.
pub(super) async fn estimate(client: &Client, role: &str) -> Slot<Vec<IndexBloatEstimate>> {
    let rows = match client.query(ESTIMATE, &[&MIN_BYTES]).await {
        Ok(rows) => rows,
        Err(e) => return Slot::failed(format!("{} (estimating B-tree bloat)", describe(&e))),
    };
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    for row in rows {
        let index: String = row.get(0);
        if !row.get::<_, bool>(8) {
            unknown.push(index);
            continue;
        }
        let (pages, tuples, fillfactor, block): (i64, f64, f64, i64) = (row.get(3), row.get(4), row.get(5), row.get(6));
        let width: f64 = row.get(7);
        let est = estimated_pages(tuples, width, fillfactor, block as f64);
        out.push(IndexBloatEstimate {
            index,
            table: row.get(1),
            bytes: row.get::<_, i64>(2).max(0) as u64,
            extra_bytes: ((pages as f64 - est).max(0.0) * block as f64) as u64,
        });
    }
    if out.is_empty() && !unknown.is_empty() {
        return Slot::unavailable(format!(
            "no column statistics for the key columns of {} index(es) such as {}: ANALYZE them, or \
             GRANT SELECT on their tables to {role} (pg_stats shows only readable columns)",
            unknown.len(),
            unknown[0]
        ));
    }
    Slot::collected(out)
}

/// Leaf pages a fresh B-tree needs for `tuples` keys of `width` bytes at `fillfactor` percent.
fn estimated_pages(tuples: f64, width: f64, fillfactor: f64, block: f64) -> f64 {
    let tuple = ((8.0 + width) / 8.0).ceil() * 8.0 + 4.0;
    let usable = (block - 24.0 - 16.0) * fillfactor / 100.0;
    (tuples * tuple / usable.max(1.0)).ceil()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_bigint_key_fits_about_four_hundred_per_page() {
        // 8-byte header + 8-byte key = 16, + 4-byte line pointer = 20 bytes; (8192 − 40) × 0.9 / 20 ≈ 366.
        let pages = super::estimated_pages(366_840.0, 8.0, 90.0, 8192.0);
        assert!((pages - 1000.0).abs() <= 1.0, "{pages}");
        // A 4-byte key is aligned up to the same 16 bytes.
        assert_eq!(super::estimated_pages(366_840.0, 4.0, 90.0, 8192.0), pages);
    }
}
