//! 8.4 read-replicas: read replicas for read-heavy queries.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// Read-heavy queries are served by PostgreSQL read replicas, while writes go to the primary.
    /// The default threshold is a read/write split.
    ///
    /// ## Why it matters
    /// Reads usually outnumber writes ten to one or more. On a single primary, list endpoints and
    /// reporting queries compete with writes for CPU, I/O and connections, and the primary is the
    /// hardest part to scale: only vertically, with downtime or a failover. Replicas take the reads
    /// off it. The cost is replication lag: a read right after a write may not see it yet.
    ///
    /// ## How it is measured
    /// - **pg**: stethoscope lists the standbys in the primary's `pg_stat_replication` (or, when
    ///   the configured server is a standby, the primary it follows in `pg_stat_wal_receiver`).
    ///   With `[postgres] replicas = ["postgres://…"]` it opens a read-only session on each
    ///   replica and counts the service's statements in the replica's `pg_stat_statements`
    ///   right before and right after each read (GET) endpoint's load phase, its own statements
    ///   excluded. On the primary it sorts the service's statements under normal load into
    ///   reads (`SELECT`, `WITH … SELECT`, `SHOW`, `VALUES`, without `FOR UPDATE`/`FOR SHARE`) and
    ///   writes.
    ///
    /// The service's statements landing on a replica pass, with each replica's replay lag as
    /// supporting evidence. Replicas configured but getting none of the load's statements fail:
    /// the reads went to the primary. Without any replica, a read-heavy service (reads at least
    /// 80 % of its statements under load) fails; one with fewer reads is not applicable: a
    /// write-heavy service gains nothing from replicas. Standbys listed by the primary but not
    /// given in `[postgres] replicas` leave the item not assessed (stethoscope cannot see their
    /// traffic), and so does a service that ran no statement under load.
    ///
    /// When the replicas are not visible to stethoscope (a managed reader endpoint, separate
    /// credentials), vouch for the split in `[attest]`, e.g. `"8.4" = "reads via Aurora reader
    /// endpoint, see db/router.ts"`; it is then shown as attested. A service whose load one primary
    /// handles comfortably can declare the item not applicable in `[na]`.
    ///
    /// ## How to fix
    /// Open a second pool to the replica and route reads to it, keeping read-after-write paths on
    /// the primary. In Rails 6+:
    ///
    /// ```yaml
    /// # config/database.yml
    /// production:
    ///   primary:
    ///     url: <%= ENV["DATABASE_URL"] %>
    ///   primary_replica:
    ///     url: <%= ENV["DATABASE_REPLICA_URL"] %>
    ///     replica: true
    /// ```
    ///
    /// with `connects_to database: { writing: :primary, reading: :primary_replica
    /// }` in `ApplicationRecord`. Django has database routers, and in other stacks two connection
    /// pools do the same. Monitor `replay_lag` in `pg_stat_replication` and alert when it grows.
    pub READ_REPLICAS = {
        id: "8.4",
        slug: "read-replicas",
        title: "Read replicas for read-heavy queries",
        section: Scalability,
        threshold: Threshold::requires("read/write split"),
        sources: [Pg],
        severity: Low,
        // `evaluate` is complete and unit-tested, and the collector runs; the item joins the
        // catalog's measured items when the fixture shop routes its reads to a replica of the
        // truth matrix's cluster (and the PostgreSQL observer counts the replica's statements).
        evaluate: None,
    }
}

use crate::evidence::{Phase, PhaseWindow, Replication, in_phase};

/// The share of reads from which a service counts as read-heavy.
const READ_HEAVY: f64 = 0.8;

/// Whether a normalized statement only reads.
fn reads(query: &str) -> bool {
    let text = query.trim_start_matches(|c: char| c == '(' || c.is_whitespace()).to_ascii_uppercase();
    let first = text.split_whitespace().next().unwrap_or_default();
    let locking = text.contains(" FOR UPDATE") || text.contains(" FOR SHARE") || text.contains(" FOR NO KEY UPDATE");
    match first {
        "SELECT" | "SHOW" | "VALUES" | "TABLE" => !locking,
        "WITH" => !locking && !["INSERT ", "UPDATE ", "DELETE ", "MERGE "].iter().any(|w| text.contains(w)),
        _ => false,
    }
}

/// The service's reads and writes on the primary under normal load; `None` without a window.
fn primary_mix(windows: &[PhaseWindow]) -> Option<(u64, u64)> {
    let mut seen = false;
    let (mut r, mut w) = (0, 0);
    for window in in_phase(windows, Phase::Normal) {
        let Some(statements) = window.statements.data() else { continue };
        seen = true;
        for s in &statements.statements {
            match reads(&s.query) {
                true => r += s.calls,
                false => w += s.calls,
            }
        }
    }
    seen.then_some((r, w))
}

fn lag(replication: &Replication) -> Vec<String> {
    let standbys = replication.standbys.iter().map(|s| match s.replay_lag_ms {
        Some(ms) => format!("standby {} ({}): replay lag {ms:.0} ms", s.name, s.state),
        None => format!("standby {} ({}): no replay lag reported", s.name, s.state),
    });
    let replicas = replication
        .replicas
        .iter()
        .filter_map(|r| Some(format!("{}: {:.0} ms behind its last replayed transaction", r.url, r.lag_ms?)));
    standbys.chain(replicas).collect()
}

#[cfg_attr(not(test), allow(dead_code))]
fn evaluate(evidence: &Evidence, _: &Threshold) -> Verdict {
    let pg = evidence.pg.get()?;
    let replication = pg.replication.get()?;
    let mix = pg.workload.data().and_then(|w| primary_mix(&w.windows));
    let on_primary = match mix {
        Some((r, w)) => format!("{r} reads and {w} writes on the primary under load"),
        None => "no statement counts from the primary".into(),
    };
    let mut served = Vec::new();
    let mut idle = Vec::new();
    for replica in &replication.replicas {
        let windows = replica.windows.get()?;
        let statements: u64 = windows.iter().map(|w| w.statements).sum();
        match (replica.in_recovery, statements) {
            (false, _) => idle.push(format!("{} is not in recovery: it is a primary, not a replica", replica.url)),
            (true, 0) => idle.push(format!(
                "{}: none of the service's statements during {} read phases",
                replica.url,
                windows.len()
            )),
            (true, n) => {
                served.push(format!("{}: {n} of the service's statements during the read phases", replica.url))
            }
        }
    }
    let evidence_lines = served.iter().chain(&idle).cloned().chain(lag(replication));
    if !served.is_empty() {
        return Ok(Outcome::pass(
            format!("{} replicas serving reads", served.len()),
            format!("{}; {on_primary}", served.join("; ")),
        )
        .with_findings(evidence_lines));
    }
    if !idle.is_empty() {
        return Ok(Outcome::fail(
            "replicas get no reads",
            format!("the service's reads go to the primary ({on_primary})"),
        )
        .with_findings(evidence_lines));
    }
    if !replication.standbys.is_empty() {
        let names: Vec<&str> = replication.standbys.iter().map(|s| s.name.as_str()).collect();
        return Ok(Outcome::not_assessed(format!(
            "the primary streams to {} but their traffic is not visible: list them in [postgres] replicas",
            names.join(", ")
        )));
    }
    let Some((r, w)) = mix.filter(|(r, w)| r + w > 0) else {
        return Ok(Outcome::not_assessed(
            "no replica, and no statement of the service under load to tell whether it is read-heavy",
        ));
    };
    let share = r as f64 / (r + w) as f64;
    if share >= READ_HEAVY {
        return Ok(Outcome::fail(
            format!("no replica; {:.0} % reads", share * 100.0),
            format!(
                "no standby in pg_stat_replication and no [postgres] replicas, on a read-heavy service ({on_primary}); \
                 if reads go to a replica stethoscope cannot see, vouch for it in [attest], e.g. \"8.4\" = \"reads via the reader endpoint\""
            ),
        )
        .attestable());
    }
    Ok(Outcome::not_applicable(format!(
        "no replica on a write-heavy service: {:.0} % reads ({on_primary})",
        share * 100.0
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{pg, window, with_pg};
    use crate::evidence::{PgWorkload, ReplicaReads, ReplicaWindow, Slot, Standby, StatementDelta, StatementWindow};
    use crate::outcome::Status;

    /// The verdict, and the same verdict with only the pg slot kept (8.4 reads nothing else).
    #[track_caller]
    fn expect(_: &crate::catalog::Item, evidence: &Evidence, status: Status) -> crate::outcome::Outcome {
        let judge = |e: &Evidence| match evaluate(e, &READ_REPLICAS.default_threshold) {
            Ok(o) | Err(o) => o,
        };
        let outcome = judge(evidence);
        assert_eq!(outcome.status, status, "{outcome:?}");
        assert_eq!(judge(&evidence.only(READ_REPLICAS.sources)), outcome);
        outcome
    }

    fn statement(query: &str, calls: u64) -> StatementDelta {
        StatementDelta { query: query.into(), calls, mean_ms: 1.0, stddev_ms: 0.1, max_ms: 2.0, rows: calls }
    }

    fn evidence(reads: u64, writes: u64, replication: Replication) -> Evidence {
        let mut w = window("GET /products", "normal", 100);
        let statements = vec![
            statement("SELECT id, name FROM products WHERE id = $1", reads),
            statement("INSERT INTO orders (user_id) VALUES ($1)", writes),
        ];
        w.statements = Slot::collected(StatementWindow { statements, incomplete: None });
        let mut p = pg();
        p.workload = Slot::collected(PgWorkload { windows: vec![w] });
        p.replication = Slot::collected(replication);
        with_pg(p)
    }

    fn replica(statements: u64) -> ReplicaReads {
        let windows = vec![ReplicaWindow { endpoint: "GET /products".into(), phase: Phase::Normal, statements }];
        ReplicaReads {
            url: "postgres://replica:5433/shop".into(),
            in_recovery: true,
            lag_ms: Some(12.0),
            windows: Slot::collected(windows),
        }
    }

    fn standby() -> Standby {
        Standby {
            name: "replica1".into(),
            client: Some("10.0.0.2".into()),
            state: "streaming".into(),
            replay_lag_ms: Some(3.0),
        }
    }

    #[test]
    fn reads_landing_on_a_replica_pass_with_the_lag_as_evidence() {
        let replication = Replication { standbys: vec![standby()], follows: None, replicas: vec![replica(180)] };
        let outcome = expect(&READ_REPLICAS, &evidence(10, 5, replication), Status::Pass);
        assert!(outcome.findings.iter().any(|f| f.contains("replay lag 3 ms")), "{outcome:?}");
    }

    #[test]
    fn a_replica_without_the_services_reads_fails() {
        let replication = Replication { standbys: vec![standby()], follows: None, replicas: vec![replica(0)] };
        let outcome = expect(&READ_REPLICAS, &evidence(190, 5, replication), Status::Fail);
        assert!(outcome.evidence.contains("190 reads"), "{outcome:?}");
    }

    #[test]
    fn no_replica_fails_a_read_heavy_service_and_is_not_applicable_to_a_write_heavy_one() {
        expect(&READ_REPLICAS, &evidence(90, 10, Replication::default()), Status::Fail);
        expect(&READ_REPLICAS, &evidence(30, 70, Replication::default()), Status::Na);
    }

    #[test]
    fn unseen_standbys_or_no_load_are_not_assessed() {
        let hidden = Replication { standbys: vec![standby()], ..Replication::default() };
        expect(&READ_REPLICAS, &evidence(90, 10, hidden), Status::NotAssessed);
        expect(&READ_REPLICAS, &evidence(0, 0, Replication::default()), Status::NotAssessed);
        expect(&READ_REPLICAS, &Evidence::default(), Status::NotAssessed);
    }

    #[test]
    fn locking_reads_and_data_modifying_ctes_are_writes() {
        assert!(reads("SELECT * FROM products"));
        assert!(reads("WITH p AS (SELECT 1) SELECT * FROM p"));
        assert!(!reads("SELECT * FROM orders WHERE id = $1 FOR UPDATE"));
        assert!(!reads("WITH moved AS (DELETE FROM cart RETURNING *) INSERT INTO orders SELECT * FROM moved"));
        assert!(!reads("UPDATE products SET stock = stock - $1"));
    }
}
