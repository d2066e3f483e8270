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
    /// - **pg**: stethoscope lists the standbys in the primary's `pg_stat_replication` (a
    ///   `[postgres] url` that is itself a standby, following a primary in
    ///   `pg_stat_wal_receiver`, leaves the item not assessed: point it at the primary). With
    ///   `[postgres] replicas = ["postgres://…"]` it opens a read-only session on each replica and
    ///   snapshots its `pg_stat_statements` right before and right after every load phase, its
    ///   own statements excluded; the service's statements during the read (GET) endpoints'
    ///   phases are this item's evidence. The replicas' statements are also added to the
    ///   primary's window of the same phase, so the service's reads and writes are counted on
    ///   every server: reads are `SELECT`, `WITH … SELECT`, `SHOW`, `VALUES` and `TABLE` without
    ///   `FOR UPDATE`/`FOR SHARE`; transaction control (`BEGIN`, `COMMIT`, …) and `SET` are
    ///   neither; every other statement writes.
    ///
    /// The service's statements landing on a replica pass, with each standby's replay lag and
    /// each replica's replay delay as supporting evidence. Replicas configured but getting none
    /// of the load's statements fail: the reads went to the primary (so does a replica URL that
    /// reaches a server not in recovery). Without any replica, a read-heavy service (reads at
    /// least 80 % of its statements under normal load) fails; one with fewer reads is not
    /// applicable: a write-heavy service gains nothing from replicas. Standbys listed by the
    /// primary but not given in `[postgres] replicas` leave the item not assessed (stethoscope
    /// cannot see their traffic), and so do an audit without load, a service that ran no
    /// statement under load, no GET endpoint to load, and `pg_stat_statements` missing on the
    /// primary or a replica, each with the reason. It never passes without the service's
    /// statements seen on a replica.
    ///
    /// When the replicas are not visible to stethoscope (a managed reader endpoint, separate
    /// credentials), vouch for the split in `[attest]`, e.g. `"8.4" = "reads via Aurora reader
    /// endpoint, see db/router.ts"`; it is then shown as attested. A service whose load one primary
    /// handles comfortably can declare the item not applicable in `[na]`, e.g. `"8.4" = "one
    /// primary at 5 % CPU"`.
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
        evaluate: Some(evaluate),
    }
}

use crate::evidence::{Phase, PhaseWindow, Replication, in_phase};

/// The share of reads from which a service counts as read-heavy.
const READ_HEAVY: f64 = 0.8;

/// What a normalized statement does to the data: reads, writes, or neither (transaction
/// control and session settings, which every request may wrap around either).
#[derive(Debug, PartialEq)]
enum Kind {
    Read,
    Write,
    Neither,
}

fn kind(query: &str) -> Kind {
    let text = query.trim_start_matches(|c: char| c == '(' || c.is_whitespace()).to_ascii_uppercase();
    let first = text.split(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or_default();
    let locking = text.contains(" FOR UPDATE") || text.contains(" FOR SHARE") || text.contains(" FOR NO KEY UPDATE");
    match first {
        "SELECT" | "SHOW" | "VALUES" | "TABLE" if !locking => Kind::Read,
        "WITH" if !locking && !["INSERT ", "UPDATE ", "DELETE ", "MERGE "].iter().any(|w| text.contains(w)) => {
            Kind::Read
        }
        "BEGIN" | "START" | "COMMIT" | "END" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" | "SET" | "RESET" | "DISCARD"
        | "DEALLOCATE" | "" => Kind::Neither,
        _ => Kind::Write,
    }
}

/// The service's reads and writes under normal load, on the primary and the configured
/// replicas together (the collector joins the replicas' windows to the primary's), or the
/// outcome without them.
fn mix(windows: &[PhaseWindow]) -> Result<(u64, u64), Outcome> {
    let (mut r, mut w, mut seen) = (0, 0, false);
    for window in in_phase(windows, Phase::Normal) {
        seen = true;
        for s in &window.statements.get()?.statements {
            match kind(&s.query) {
                Kind::Read => r += s.calls,
                Kind::Write => w += s.calls,
                Kind::Neither => {}
            }
        }
    }
    match (seen, r + w) {
        (false, _) => {
            Err(Outcome::not_assessed("no normal-load phase ran: the service's reads and writes are unknown"))
        }
        (true, 0) => Err(Outcome::not_assessed("the service ran no read or write statement under load")),
        (true, _) => Ok((r, w)),
    }
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

fn evaluate(evidence: &Evidence, _: &Threshold) -> Verdict {
    let pg = evidence.pg.get()?;
    let replication = pg.replication.get()?;
    if let Some(primary) = &replication.follows {
        return Ok(Outcome::not_assessed(format!(
            "[postgres] url is a standby (it follows {primary}): point it at the primary and list the standbys in [postgres] replicas"
        )));
    }
    let (r, w) = mix(&pg.workload.get()?.windows)?;
    let share = r as f64 / (r + w) as f64;
    let under_load = format!("{r} reads and {w} writes under load ({:.0} % reads)", share * 100.0);
    let mut served = Vec::new();
    let mut idle = Vec::new();
    let mut on_replicas = 0;
    for replica in &replication.replicas {
        let windows = replica.windows.get()?;
        if windows.is_empty() {
            return Ok(Outcome::not_assessed(format!(
                "no read (GET) endpoint's load phase ran: the reads on {} cannot be counted",
                replica.url
            )));
        }
        let statements: u64 = windows.iter().map(|w| w.statements).sum();
        on_replicas += statements;
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
            format!("{} of {} replicas serving reads", served.len(), replication.replicas.len()),
            format!("{}; {on_replicas} statements on replicas; {under_load}", served.join("; ")),
        )
        .with_findings(evidence_lines));
    }
    if !idle.is_empty() {
        return Ok(Outcome::fail(
            "replicas get no reads",
            format!("{}; the service's reads go to the primary: {under_load}", idle.join("; ")),
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
    if share >= READ_HEAVY {
        return Ok(Outcome::fail(
            format!("no replica; {:.0} % reads", share * 100.0),
            format!(
                "no standby in pg_stat_replication and no [postgres] replicas, on a read-heavy service: {under_load}; \
                 if its reads go to a replica stethoscope cannot see, vouch for it in [attest], e.g. \
                 \"8.4\" = \"reads via the reader endpoint\", or declare it in [na] if one primary is enough"
            ),
        )
        .attestable());
    }
    Ok(Outcome::not_applicable(format!("no replica on a write-heavy service: {under_load}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, pg, window, with_pg};
    use crate::evidence::{PgWorkload, ReplicaReads, ReplicaWindow, Slot, Standby, StatementDelta, StatementWindow};
    use crate::outcome::Status;

    fn statement(query: &str, calls: u64) -> StatementDelta {
        StatementDelta { query: query.into(), calls, mean_ms: 1.0, stddev_ms: 0.1, max_ms: 2.0, rows: calls }
    }

    /// A normal-load window of the service's statements on every server: `reads` selects and
    /// `writes` inserts, each wrapped in a transaction (BEGIN and COMMIT count as neither).
    fn evidence(reads: u64, writes: u64, replication: Replication) -> Evidence {
        let mut w = window("GET /products", "normal", 100);
        let statements = vec![
            statement("SELECT id, name FROM products WHERE id = $1", reads),
            statement("INSERT INTO orders (user_id) VALUES ($1)", writes),
            statement("BEGIN", reads + writes),
            statement("COMMIT", reads + writes),
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

    fn streaming_to(replicas: Vec<ReplicaReads>) -> Replication {
        Replication { standbys: vec![standby()], follows: None, replicas }
    }

    #[test]
    fn reads_landing_on_a_replica_pass_with_the_lag_as_evidence() {
        let outcome = expect(&READ_REPLICAS, &evidence(180, 5, streaming_to(vec![replica(180)])), Status::Pass);
        assert!(outcome.findings.iter().any(|f| f.contains("replay lag 3 ms")), "{outcome:?}");
        assert!(outcome.findings.iter().any(|f| f.contains("12 ms behind")), "{outcome:?}");
        assert!(outcome.evidence.contains("180 statements on replicas"), "{outcome:?}");
    }

    #[test]
    fn a_replica_without_the_services_reads_fails_whatever_the_mix() {
        let outcome = expect(&READ_REPLICAS, &evidence(190, 5, streaming_to(vec![replica(0)])), Status::Fail);
        assert!(outcome.evidence.contains("190 reads"), "{outcome:?}");
        assert!(outcome.evidence.contains("none of the service's statements"), "{outcome:?}");
        expect(&READ_REPLICAS, &evidence(10, 90, streaming_to(vec![replica(0)])), Status::Fail);
    }

    #[test]
    fn a_replica_url_that_reaches_a_primary_is_no_replica() {
        let primary = ReplicaReads { in_recovery: false, ..replica(50) };
        let outcome = expect(&READ_REPLICAS, &evidence(50, 5, streaming_to(vec![primary])), Status::Fail);
        assert!(outcome.evidence.contains("not in recovery"), "{outcome:?}");
    }

    #[test]
    fn no_replica_fails_a_read_heavy_service_with_an_attestation_hint() {
        let outcome = expect(&READ_REPLICAS, &evidence(90, 10, Replication::default()), Status::Fail);
        assert!(outcome.attestable, "{outcome:?}");
        assert!(outcome.evidence.contains("[attest]") && outcome.evidence.contains("[na]"), "{outcome:?}");
        assert!(outcome.evidence.contains("90 % reads"), "{outcome:?}");
        // Exactly 80 % is read-heavy.
        expect(&READ_REPLICAS, &evidence(80, 20, Replication::default()), Status::Fail);
    }

    #[test]
    fn no_replica_on_a_write_heavy_service_is_not_applicable() {
        // BEGIN and COMMIT are neither: 79 reads of 100 statements that read or write.
        let outcome = expect(&READ_REPLICAS, &evidence(79, 21, Replication::default()), Status::Na);
        assert!(outcome.evidence.contains("79 % reads"), "{outcome:?}");
        expect(&READ_REPLICAS, &evidence(30, 70, Replication::default()), Status::Na);
    }

    #[test]
    fn unseen_standbys_are_not_assessed() {
        let outcome = expect(&READ_REPLICAS, &evidence(90, 10, streaming_to(Vec::new())), Status::NotAssessed);
        assert!(outcome.evidence.contains("[postgres] replicas"), "{outcome:?}");
        let follower = Replication { follows: Some("10.0.0.1".into()), ..Replication::default() };
        expect(&READ_REPLICAS, &evidence(90, 10, follower), Status::NotAssessed);
    }

    #[test]
    fn without_load_or_statement_counters_it_is_not_assessed_never_passed() {
        // No statement under load.
        expect(&READ_REPLICAS, &evidence(0, 0, streaming_to(vec![replica(0)])), Status::NotAssessed);
        // No load phase at all: the workload's reason.
        let mut p = pg();
        p.replication = Slot::collected(streaming_to(vec![replica(40)]));
        let outcome = expect(&READ_REPLICAS, &with_pg(p), Status::NotAssessed);
        assert!(outcome.evidence.contains("no load phases ran"), "{outcome:?}");
        // Load, but pg_stat_statements unreadable: its reason.
        let mut e = evidence(40, 1, streaming_to(vec![replica(40)]));
        if let Slot::Collected { data } = &mut e.pg
            && let Slot::Collected { data: workload } = &mut data.workload
        {
            workload.windows[0].statements = Slot::unavailable("pg_stat_statements is not installed");
        }
        let outcome = expect(&READ_REPLICAS, &e, Status::NotAssessed);
        assert!(outcome.evidence.contains("pg_stat_statements"), "{outcome:?}");
        // A replica whose statements could not be read, or with no read phase to count.
        let unread = ReplicaReads { windows: Slot::unavailable("on the replica: no pg_stat_statements"), ..replica(0) };
        expect(&READ_REPLICAS, &evidence(40, 1, streaming_to(vec![unread])), Status::NotAssessed);
        let no_reads = ReplicaReads { windows: Slot::collected(Vec::new()), ..replica(0) };
        expect(&READ_REPLICAS, &evidence(40, 1, streaming_to(vec![no_reads])), Status::NotAssessed);
        expect(&READ_REPLICAS, &Evidence::default(), Status::NotAssessed);
    }

    #[test]
    fn the_requirement_has_no_stricter_form_and_an_override_does_not_move_it() {
        // "read/write split" is a requirement: no strictest threshold to fail a pass under.
        assert!(READ_REPLICAS.default_threshold.strictest().is_none());
        let e = evidence(180, 5, streaming_to(vec![replica(180)]));
        let other = Threshold::requires("reads on a replica");
        crate::catalog::testing::expect_with(&READ_REPLICAS, &e, &other, Status::Pass);
    }

    #[test]
    fn locking_reads_and_data_modifying_ctes_are_writes_and_transaction_control_is_neither() {
        assert_eq!(kind("SELECT * FROM products"), Kind::Read);
        assert_eq!(kind("WITH p AS (SELECT 1) SELECT * FROM p"), Kind::Read);
        assert_eq!(kind("SELECT * FROM orders WHERE id = $1 FOR UPDATE"), Kind::Write);
        assert_eq!(
            kind("WITH moved AS (DELETE FROM cart RETURNING *) INSERT INTO orders SELECT * FROM moved"),
            Kind::Write
        );
        assert_eq!(kind("UPDATE products SET stock = stock - $1"), Kind::Write);
        assert_eq!(kind("BEGIN"), Kind::Neither);
        assert_eq!(kind("COMMIT"), Kind::Neither);
        assert_eq!(kind("SET application_name = $1"), Kind::Neither);
    }
}
