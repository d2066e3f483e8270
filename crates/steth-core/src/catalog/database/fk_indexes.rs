//! 2.2 fk-indexes: every foreign key has an index leading with its columns.

use crate::catalog::prelude::*;
use crate::evidence::{ForeignKey, Index};

declare_item! {
    /// ## What it checks
    /// Every foreign key, composite ones included, has a B-tree index whose leading columns are
    /// exactly the foreign key's columns (in any order among themselves). The default threshold
    /// is 100 % of foreign keys covered.
    ///
    /// ## Why it matters
    /// PostgreSQL indexes the referenced side of a foreign key (it must be a primary key or
    /// unique), never the referencing side. Without that index, every `DELETE` or key `UPDATE`
    /// on the parent table scans the whole child table to check for references, while holding
    /// locks, and every join from parent to children (`orders` → `order_items`) is a sequential
    /// scan. On a child table of a few million rows that turns a 1 ms delete into seconds and
    /// makes lock queues pile up behind it.
    ///
    /// ## How it is measured
    /// stethoscope reads `pg_constraint` and `pg_index` in a read-only session: for each
    /// foreign key it looks for a valid index on the same table whose first N key columns are
    /// the foreign key's N columns as a set. A primary key or unique index that leads with the
    /// columns counts; partial indexes (with a `WHERE`) and expression columns do not, because
    /// they cannot serve every lookup. Invalid indexes (a failed `CREATE INDEX CONCURRENTLY`)
    /// do not count either. Each uncovered foreign key is listed with a ready-made statement.
    ///
    /// ## How to fix
    /// Create the missing index without blocking writes, one per foreign key:
    ///
    /// ```sql
    /// CREATE INDEX CONCURRENTLY order_items_product_id_idx ON order_items (product_id);
    /// ```
    ///
    /// For a composite key, index the same columns: `ON shipments (order_id, line_no)`.
    /// An existing index that starts with the columns is enough; do not add a duplicate.
    pub FK_INDEXES = {
        id: "2.2",
        slug: "fk-indexes",
        title: "Foreign-key columns indexed",
        section: Database,
        threshold: Threshold::requires("100 % of foreign keys"),
        sources: [Pg],
        severity: High,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let schema = evidence.pg.get()?.schema.get()?;
    let total = schema.foreign_keys.len();
    let uncovered: Vec<&ForeignKey> =
        schema.foreign_keys.iter().filter(|fk| !is_covered(fk, &schema.indexes)).collect();
    let measured = format!("{}/{total} foreign keys indexed", total - uncovered.len());
    if uncovered.is_empty() {
        let note = if total == 0 {
            "the database declares no foreign keys"
        } else {
            "every foreign key has an index leading with its columns"
        };
        return Ok(Outcome::pass(measured, note));
    }
    let first = uncovered[0];
    Ok(Outcome::fail(
        measured,
        format!(
            "{} foreign key(s) without a supporting index, e.g. {}({})",
            uncovered.len(),
            first.table,
            first.columns.join(", ")
        ),
    )
    .with_findings(uncovered.iter().map(|fk| suggestion(fk)))
    .with_excess(1.0 + uncovered.len() as f64 / total as f64))
}

/// Whether an index on the foreign key's table leads with exactly its columns.
fn is_covered(fk: &ForeignKey, indexes: &[Index]) -> bool {
    let n = fk.columns.len();
    indexes.iter().filter(|ix| ix.table == fk.table && ix.valid && !ix.partial && ix.columns.len() >= n).any(|ix| {
        let leading = &ix.columns[..n];
        leading.iter().all(|c| c.as_ref().is_some_and(|c| fk.columns.contains(c)))
            && fk.columns.iter().all(|c| leading.iter().any(|l| l.as_deref() == Some(c.as_str())))
    })
}

fn suggestion(fk: &ForeignKey) -> String {
    let bare_table = fk.table.rsplit('.').next().unwrap_or(&fk.table);
    format!(
        "{} ({}) → {}: CREATE INDEX CONCURRENTLY {}_{}_idx ON {} ({});",
        fk.table,
        fk.columns.join(", "),
        fk.references,
        bare_table,
        fk.columns.join("_"),
        fk.table,
        fk.columns.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, pg, with_pg};
    use crate::evidence::{PgSchema, Slot};
    use crate::outcome::Status;

    fn fk(table: &str, cols: &[&str]) -> ForeignKey {
        ForeignKey {
            table: table.into(),
            name: format!("{table}_fk"),
            columns: cols.iter().map(|c| c.to_string()).collect(),
            references: "public.parent".into(),
        }
    }

    fn index(table: &str, cols: &[Option<&str>]) -> Index {
        Index {
            table: table.into(),
            name: format!("{table}_ix"),
            columns: cols.iter().map(|c| c.map(String::from)).collect(),
            partial: false,
            valid: true,
        }
    }

    fn with_schema(foreign_keys: Vec<ForeignKey>, indexes: Vec<Index>) -> Evidence {
        let mut p = pg();
        p.schema = Slot::collected(PgSchema { foreign_keys, indexes });
        with_pg(p)
    }

    #[test]
    fn passes_when_every_fk_has_a_leading_index() {
        let ev = with_schema(
            vec![fk("public.orders", &["user_id"]), fk("public.ship", &["order_id", "line"])],
            vec![
                index("public.orders", &[Some("user_id"), Some("created_at")]),
                index("public.ship", &[Some("line"), Some("order_id")]),
            ],
        );
        let o = expect(&FK_INDEXES, &ev, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("2/2 foreign keys indexed"));
    }

    #[test]
    fn fails_on_an_index_that_does_not_lead_with_the_fk() {
        let ev = with_schema(
            vec![fk("public.order_items", &["product_id"])],
            vec![index("public.order_items", &[Some("order_id"), Some("product_id")])],
        );
        let o = expect(&FK_INDEXES, &ev, Status::Fail);
        assert!(
            o.findings[0]
                .contains("CREATE INDEX CONCURRENTLY order_items_product_id_idx ON public.order_items (product_id)")
        );
    }

    #[test]
    fn partial_expression_and_invalid_indexes_do_not_count() {
        let mut partial = index("public.t", &[Some("a")]);
        partial.partial = true;
        let mut invalid = index("public.t", &[Some("a")]);
        invalid.valid = false;
        let expression = index("public.t", &[None]);
        let ev = with_schema(vec![fk("public.t", &["a"])], vec![partial, invalid, expression]);
        expect(&FK_INDEXES, &ev, Status::Fail);
    }

    #[test]
    fn composite_fk_needs_all_its_columns_leading() {
        let ev =
            with_schema(vec![fk("public.t", &["a", "b"])], vec![index("public.t", &[Some("a"), Some("c"), Some("b")])]);
        expect(&FK_INDEXES, &ev, Status::Fail);
    }

    #[test]
    fn an_index_on_another_table_does_not_count() {
        let ev = with_schema(vec![fk("public.t", &["a"])], vec![index("public.u", &[Some("a")])]);
        expect(&FK_INDEXES, &ev, Status::Fail);
    }

    #[test]
    fn missing_or_failed_schema_is_not_a_pass() {
        let mut p = pg();
        p.schema = Slot::unavailable("permission denied for pg_constraint");
        expect(&FK_INDEXES, &with_pg(p.clone()), Status::NotAssessed);
        p.schema = Slot::failed("lock timeout");
        expect(&FK_INDEXES, &with_pg(p), Status::Error);
    }
}
