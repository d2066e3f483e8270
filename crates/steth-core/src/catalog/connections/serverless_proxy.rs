//! 4.10 serverless-proxy: connection proxy for serverless.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That a serverless service (AWS Lambda, Cloud Functions, Cloud Run scaled to many
    /// instances, and the like) reaches PostgreSQL through a connection pooler or proxy such as
    /// PgBouncer or RDS Proxy instead of connecting directly. For services that are not
    /// serverless the item is `n/a`.
    ///
    /// ## Why it matters
    /// Every function instance keeps its own connections, and instances scale with traffic: a
    /// spike to 800 concurrent executions opens 800 or more connections against a database whose
    /// `max_connections` may be 200, and the excess fail with `too many clients already`. Frozen
    /// instances also keep their connections open without using them. A pooler multiplexes all
    /// those clients onto a small, fixed number of server connections.
    ///
    /// ## How it is measured
    /// Sources: **config** and **pg**. The item applies only when the config declares the
    /// service serverless (`[target] serverless = true`); otherwise it is `n/a` and leaves the
    /// denominator. When it applies, stethoscope examines its own path to the database, so
    /// `[postgres] url` must name the address the service connects to. A pooler is recognised
    /// by the host name of a managed one (RDS Proxy's `.proxy-…rds.amazonaws.com`, Supabase's
    /// `pooler.supabase.com`, Neon's `-pooler` endpoints) or by PgBouncer's admin console, the
    /// virtual database `pgbouncer` that PostgreSQL itself does not have (it answers
    /// `SHOW VERSION`, or refuses with PgBouncer's "not allowed"): found, the item passes.
    /// Where PostgreSQL answers directly, that one attempt shows in its log as a failed
    /// connection to database `pgbouncer`; it runs only for services declared serverless.
    /// When the server listens on another port than the one dialled, something forwards the
    /// connection, a pooler stethoscope does not recognise or only a port mapping, and the
    /// item warns. Otherwise the service reaches PostgreSQL directly
    /// and the item fails. This is a requirement, not a number, so there is no threshold to
    /// override.
    ///
    /// ## How to fix
    /// Put a pooler between the functions and the database, and keep each function's own pool at
    /// one or two connections:
    ///
    /// ```ini
    /// ; pgbouncer.ini
    /// [pgbouncer]
    /// pool_mode = transaction
    /// max_client_conn = 5000
    /// default_pool_size = 20
    /// ```
    ///
    /// Transaction pooling breaks session state: `SET` without `LOCAL`, advisory locks held
    /// across transactions, `LISTEN`, and (before PgBouncer 1.21's `max_prepared_statements`)
    /// named prepared statements. On AWS, RDS Proxy does the same as a managed service; hosted
    /// PostgreSQL offerings such as Neon and Supabase provide a pooled connection endpoint.
    pub SERVERLESS_PROXY = {
        id: "4.10",
        slug: "serverless-proxy",
        title: "Connection proxy for serverless",
        section: ConnectionManagement,
        threshold: Threshold::requires("PgBouncer or RDS Proxy"),
        sources: [Config, Pg],
        severity: Medium,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let pg = evidence.pg.get()?;
    if !evidence.config.data().is_some_and(|d| d.serverless) {
        return Ok(Outcome::not_applicable(
            "the service is not declared serverless ([target] serverless = true makes this item apply)",
        ));
    }
    let probe = pg.pooler.get()?;
    let dialled = format!("{}:{}", probe.host, probe.port);
    if let Some(pooler) = &probe.detected {
        return Ok(Outcome::pass(pooler.clone(), format!("connections to {dialled} go through {pooler}")));
    }
    match probe.server_port {
        Some(server) if server != probe.port => Ok(Outcome::warn(
            format!("forwarded: {dialled} → server port {server}"),
            format!(
                "PostgreSQL listens on port {server} but the connection went to {dialled}: a proxy or pooler \
                 stethoscope does not recognise, or only a port mapping; no pooler answered as such"
            ),
        )),
        _ => Ok(Outcome::fail(
            "direct connection",
            format!("connections to {dialled} reach PostgreSQL directly: every function instance opens its own"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, pg, with_declared, with_pg};
    use crate::evidence::{Declared, PoolerProbe, Slot};
    use crate::outcome::Status;

    fn serverless(port: u16, server_port: Option<u16>, detected: Option<&str>) -> Evidence {
        let mut p = pg();
        p.pooler = Slot::collected(PoolerProbe {
            host: "db.internal".into(),
            port,
            server_port,
            detected: detected.map(str::to_string),
        });
        with_declared(with_pg(p), Declared { serverless: true, ..Declared::default() })
    }

    #[test]
    fn a_detected_pooler_passes_and_a_direct_connection_fails() {
        let o = expect(&SERVERLESS_PROXY, &serverless(6432, Some(5432), Some("PgBouncer 1.18.0")), Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("PgBouncer 1.18.0"));
        let o = expect(&SERVERLESS_PROXY, &serverless(5432, Some(5432), None), Status::Fail);
        assert!(o.evidence.contains("db.internal:5432 reach PostgreSQL directly"), "{o:?}");
        // A Unix socket has no server port to compare.
        expect(&SERVERLESS_PROXY, &serverless(5432, None, None), Status::Fail);
    }

    #[test]
    fn a_forwarded_port_without_a_pooler_warns() {
        let o = expect(&SERVERLESS_PROXY, &serverless(15432, Some(5432), None), Status::Warn);
        assert!(o.evidence.contains("port mapping"), "{o:?}");
    }

    #[test]
    fn services_that_are_not_serverless_are_not_applicable() {
        expect(&SERVERLESS_PROXY, &with_pg(pg()), Status::Na);
        let mut p = pg();
        p.pooler = Slot::failed("cannot read inet_server_port(): connection closed");
        let serverless = Declared { serverless: true, ..Declared::default() };
        expect(&SERVERLESS_PROXY, &with_declared(with_pg(p), serverless), Status::Error);
    }
}
