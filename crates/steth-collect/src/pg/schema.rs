//! Foreign keys and the indexes of their tables (evidence for 2.2).

use super::session::describe;
use steth_core::evidence::{ForeignKey, Index, PgSchema, Slot};
use tokio_postgres::Client;

const FOREIGN_KEYS: &str = "/* stethoscope */
SELECT format('%I.%I', n.nspname, t.relname) AS table_name,
       c.conname::text,
       ARRAY(SELECT a.attname::text
               FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
              ORDER BY k.ord) AS columns,
       format('%I.%I', rn.nspname, r.relname) AS references
  FROM pg_constraint c
  JOIN pg_class t ON t.oid = c.conrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_class r ON r.oid = c.confrelid
  JOIN pg_namespace rn ON rn.oid = r.relnamespace
 WHERE c.contype = 'f'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg_toast%'
 ORDER BY 1, 2";

/// B-tree indexes of tables that have foreign keys; key columns only (INCLUDE columns cannot
/// serve a lookup), NULL for an expression column.
const INDEXES: &str = "/* stethoscope */
SELECT format('%I.%I', n.nspname, t.relname) AS table_name,
       i.relname::text,
       ARRAY(SELECT CASE WHEN k.attnum = 0 THEN NULL ELSE a.attname::text END
               FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
               LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
              WHERE k.ord <= x.indnkeyatts
              ORDER BY k.ord) AS columns,
       x.indpred IS NOT NULL AS partial,
       x.indisvalid AS valid
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_am am ON am.oid = i.relam
  JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
 WHERE am.amname = 'btree'
   AND x.indrelid IN (SELECT conrelid FROM pg_constraint WHERE contype = 'f')
 ORDER BY 1, 2";

/// Reads foreign keys and indexes.
pub(super) async fn read(client: &Client) -> Slot<PgSchema> {
    let fks = match client.query(FOREIGN_KEYS, &[]).await {
        Ok(rows) => rows,
        Err(e) => return Slot::failed(format!("cannot read foreign keys: {}", describe(&e))),
    };
    let indexes = match client.query(INDEXES, &[]).await {
        Ok(rows) => rows,
        Err(e) => return Slot::failed(format!("cannot read indexes: {}", describe(&e))),
    };
    Slot::collected(PgSchema {
        foreign_keys: fks
            .iter()
            .map(|r| ForeignKey { table: r.get(0), name: r.get(1), columns: r.get(2), references: r.get(3) })
            .collect(),
        indexes: indexes
            .iter()
            .map(|r| Index { table: r.get(0), name: r.get(1), columns: r.get(2), partial: r.get(3), valid: r.get(4) })
            .collect(),
    })
}
