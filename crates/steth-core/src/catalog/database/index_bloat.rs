//! 2.8 index-bloat: index bloat.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// How much of each index is wasted space: empty or half-empty pages left behind by updates
    /// and deletes. Every index must be below **20 %** bloat. Small indexes are not flagged,
    /// since a few wasted pages there cost nothing.
    ///
    /// ## Why it matters
    /// A bloated B-tree is larger than its data needs, so it takes more memory in
    /// `shared_buffers`, more I/O per lookup and longer to vacuum and back up. Tables with heavy
    /// update or delete churn (queues, sessions, status columns) commonly end up with indexes two
    /// or three times their ideal size, and index scans slow down accordingly even though no
    /// query changed.
    ///
    /// ## How it is measured
    /// Source: **pg**. With the `pgstattuple` extension installed in the service's database,
    /// stethoscope measures every B-tree index over 1 MiB with `pgstatindex()`: bloat is the
    /// share of the index's fillfactor (90 % unless set) that its average leaf density falls
    /// short of, so a freshly built index reads 0 %. That reads every page of the index (no table
    /// counter moves) and runs under stethoscope's lock timeout: an index locked by a `REINDEX`
    /// or `ALTER` makes the item `error: lock timeout` rather than wait. Indexes under 1 MiB are
    /// not judged. Without the extension, or without the right to execute `pgstatindex` (a
    /// superuser grants it, or `pg_stat_scan_tables`), stethoscope estimates instead, from catalog statistics
    /// only (no page is read): the leaf pages a fresh index would need for its `reltuples` keys
    /// (an 8-byte tuple header plus the key columns' average widths from `pg_stats`, aligned to
    /// 8 bytes, plus a 4-byte line pointer, packed to the fillfactor) against the pages it has.
    /// The estimate ignores internal pages and errs low; it is reported as an estimate and gives
    /// a **warn** at most, never a fail. Indexes on expressions, and key columns without
    /// statistics (never analyzed, or hidden from stethoscope's role), are left out; the
    /// report names the command that would allow a measurement. Override with `"2.8" = "30%"`
    /// under `[thresholds]`.
    ///
    /// ## How to fix
    /// Rebuild bloated indexes without blocking writes (PostgreSQL 12+):
    ///
    /// ```sql
    /// REINDEX INDEX CONCURRENTLY orders_status_idx;
    /// ```
    ///
    /// `pg_repack` does the same for older versions. Then stop the bloat from returning: let
    /// autovacuum run more often on high-churn tables, for example `ALTER TABLE jobs SET
    /// (autovacuum_vacuum_scale_factor = 0.02);`, end long transactions that hold back cleanup
    /// (4.6), and drop indexes that `pg_stat_user_indexes.idx_scan` shows are never used.
    pub INDEX_BLOAT = {
        id: "2.8",
        slug: "index-bloat",
        title: "Index bloat",
        section: Database,
        threshold: Threshold::percent_below(20.0),
        sources: [Pg],
        severity: Low,
        evaluate: Some(evaluate),
    }
}

/// Indexes smaller than this are not judged: a few wasted pages cost nothing.
const MIN_BYTES: u64 = 1 << 20;

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let pg = evidence.pg.get()?;
    let limit = threshold.limit_number();
    let indexes = match &pg.index_bloat {
        crate::evidence::Slot::Unavailable { reason } if pg.bloat_estimate.data().is_some() => {
            return estimated(pg.bloat_estimate.get()?, limit, reason);
        }
        other => other.get()?,
    };
    let mut judged: Vec<_> = indexes.iter().filter(|i| i.bytes >= MIN_BYTES).collect();
    judged.sort_by(|a, b| b.bloat_percent().total_cmp(&a.bloat_percent()));
    let describe = |i: &&crate::evidence::IndexDensity| {
        format!(
            "{} on {}: {:.0} % bloat (leaf density {:.0} % of fillfactor {:.0} %, {})",
            i.index,
            i.table,
            i.bloat_percent(),
            i.leaf_density,
            i.fillfactor,
            crate::threshold::format_bytes(i.bytes)
        )
    };
    let Some(worst) = judged.first() else {
        return Ok(Outcome::pass(
            "no B-tree index over 1 MiB",
            "small indexes are not judged (measured with pgstatindex)",
        ));
    };
    let measured = format!("{:.0} % bloat ({})", worst.bloat_percent(), worst.index);
    let bloated: Vec<String> = judged.iter().filter(|i| i.bloat_percent() >= limit).map(describe).collect();
    if bloated.is_empty() {
        Ok(Outcome::pass(measured, format!("{} B-tree index(es) over 1 MiB measured with pgstatindex", judged.len())))
    } else {
        let fixes = judged
            .iter()
            .filter(|i| i.bloat_percent() >= limit)
            .map(|i| format!("REINDEX INDEX CONCURRENTLY {};", i.index));
        Ok(Outcome::fail(measured, format!("{} bloated index(es): {}", bloated.len(), bloated[0]))
            .with_excess(worst.bloat_percent() / limit.max(1.0))
            .with_findings(bloated.clone().into_iter().chain(fixes)))
    }
}

/// Without `pgstatindex`: the catalog-statistics estimate, reported as one, warn at most.
fn estimated(estimates: &[crate::evidence::IndexBloatEstimate], limit: f64, why_not_measured: &str) -> Verdict {
    let mut judged: Vec<_> = estimates.iter().filter(|i| i.bytes >= MIN_BYTES).collect();
    judged.sort_by(|a, b| b.bloat_percent().total_cmp(&a.bloat_percent()));
    let note = format!("estimated from catalog statistics, not measured ({why_not_measured})");
    let Some(worst) = judged.first() else {
        return Ok(Outcome::pass("no B-tree index over 1 MiB", note));
    };
    let measured = format!("≈ {:.0} % bloat, estimated ({})", worst.bloat_percent(), worst.index);
    let bloated: Vec<String> = judged
        .iter()
        .filter(|i| i.bloat_percent() >= limit)
        .map(|i| {
            format!(
                "{} on {}: ≈ {:.0} % bloat (≈ {} beyond a fresh build of {})",
                i.index,
                i.table,
                i.bloat_percent(),
                crate::threshold::format_bytes(i.extra_bytes),
                crate::threshold::format_bytes(i.bytes)
            )
        })
        .collect();
    if bloated.is_empty() {
        Ok(Outcome::pass(measured, format!("{} B-tree index(es) over 1 MiB {note}", judged.len())))
    } else {
        Ok(Outcome::warn(measured, format!("{} index(es) look bloated, {note}: {}", bloated.len(), bloated[0]))
            .with_findings(bloated))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, expect_with, pg, with_pg};
    use crate::evidence::{IndexDensity, Slot};
    use crate::outcome::Status;

    fn index(name: &str, bytes: u64, leaf_density: f64) -> IndexDensity {
        IndexDensity { index: name.into(), table: "public.t".into(), bytes, leaf_density, fillfactor: 90.0 }
    }

    fn measured(indexes: Vec<IndexDensity>) -> Evidence {
        let mut p = pg();
        p.index_bloat = Slot::collected(indexes);
        with_pg(p)
    }

    #[test]
    fn a_half_empty_index_fails_with_a_reindex() {
        let o = expect(&INDEX_BLOAT, &measured(vec![index("public.t_a_idx", 8 << 20, 30.0)]), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("67 % bloat (public.t_a_idx)"));
        assert!(o.findings.iter().any(|f| f == "REINDEX INDEX CONCURRENTLY public.t_a_idx;"));
    }

    #[test]
    fn fresh_and_tiny_indexes_pass() {
        let ev = measured(vec![index("public.fresh", 8 << 20, 89.5), index("public.tiny", 64 << 10, 10.0)]);
        expect(&INDEX_BLOAT, &ev, Status::Pass);
        expect(&INDEX_BLOAT, &measured(vec![]), Status::Pass);
    }

    #[test]
    fn twenty_percent_is_the_edge() {
        let ev = measured(vec![index("public.t_b_idx", 2 << 20, 71.9)]);
        expect(&INDEX_BLOAT, &ev, Status::Fail);
        let loose = INDEX_BLOAT.default_threshold.with_override("30%").unwrap();
        expect_with(&INDEX_BLOAT, &ev, &loose, Status::Pass);
    }

    #[test]
    fn without_pgstattuple_the_estimate_warns_at_most() {
        use crate::evidence::IndexBloatEstimate;
        let mut p = pg();
        p.index_bloat = Slot::unavailable("pgstattuple is not installed: CREATE EXTENSION pgstattuple;");
        let estimate = |extra| IndexBloatEstimate {
            index: "public.t_pkey".into(),
            table: "public.t".into(),
            bytes: 10 << 20,
            extra_bytes: extra,
        };
        p.bloat_estimate = Slot::collected(vec![estimate(7 << 20)]);
        let o = expect(&INDEX_BLOAT, &with_pg(p.clone()), Status::Warn);
        assert_eq!(o.measured.as_deref(), Some("≈ 70 % bloat, estimated (public.t_pkey)"));
        assert!(o.evidence.contains("estimated from catalog statistics, not measured (pgstattuple"), "{o:?}");
        p.bloat_estimate = Slot::collected(vec![estimate(1 << 20)]);
        expect(&INDEX_BLOAT, &with_pg(p), Status::Pass);
    }

    #[test]
    fn missing_extension_and_lock_timeout() {
        let mut p = pg();
        p.index_bloat = Slot::unavailable("pgstattuple is not installed: CREATE EXTENSION pgstattuple;");
        expect(&INDEX_BLOAT, &with_pg(p.clone()), Status::NotAssessed);
        p.index_bloat = Slot::failed("lock timeout: canceling statement due to lock timeout");
        let o = expect(&INDEX_BLOAT, &with_pg(p), Status::Error);
        assert!(o.evidence.starts_with("lock timeout"));
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &INDEX_BLOAT,
            measured(vec![index("public.t_b_idx", 2 << 20, 71.9)]),
            "30%",
            Status::Fail,
            Status::Pass,
        )
    }
}
