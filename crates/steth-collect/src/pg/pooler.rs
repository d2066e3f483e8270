//! Is there a pooler between the client and PostgreSQL? (evidence for 4.10, read only when the
//! config declares the service serverless). stethoscope looks at its own path to the database,
//! which is the service's when `[postgres] url` names the address the service connects to:
//! the host name of a managed pooler, PgBouncer's admin console on the same address, and the
//! port the server itself listens on against the port that was dialled.

use super::session::describe;
use std::time::Duration;
use steth_core::config::PostgresTarget;
use steth_core::evidence::{PoolerProbe, Slot};
use tokio_postgres::config::Host;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

/// Reads the signs of a pooler on the way to the target.
pub(super) async fn probe(target: &PostgresTarget, client: &Client) -> Slot<PoolerProbe> {
    let Ok(super::tls::Dsn { config, .. }) = super::tls::parse(target.url.expose(), "") else {
        return Slot::failed(format!("invalid PostgreSQL URL {}", target.url.redacted()));
    };
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let server_port = match client.query_one("/* stethoscope */ SELECT inet_server_port()", &[]).await {
        Ok(row) => row.get::<_, Option<i32>>(0).and_then(|p| u16::try_from(p).ok()),
        Err(e) => return Slot::failed(format!("cannot read inet_server_port(): {}", describe(&e))),
    };
    let mut detected = managed_pooler(&host);
    if detected.is_none() {
        detected = pgbouncer_console(config).await;
    }
    Slot::collected(PoolerProbe { host, port, server_port, detected })
}

/// A managed pooler recognised by its host name.
fn managed_pooler(host: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    let first = host.split('.').next().unwrap_or("");
    if host.ends_with(".rds.amazonaws.com") && host.contains(".proxy-") {
        Some("RDS Proxy (its host name)".into())
    } else if host.ends_with("pooler.supabase.com") {
        Some("Supabase's connection pooler (its host name)".into())
    } else if host.ends_with(".neon.tech") && first.ends_with("-pooler") {
        Some("Neon's pooled endpoint (its host name)".into())
    } else {
        None
    }
}

/// PgBouncer answers for a virtual database `pgbouncer`, its admin console, which PostgreSQL
/// does not have: a console that answers `SHOW VERSION`, or refuses stethoscope's role with
/// PgBouncer's own "not allowed", gives PgBouncer away.
async fn pgbouncer_console(mut config: tokio_postgres::Config) -> Option<String> {
    config
        .dbname("pgbouncer")
        .application_name(super::APPLICATION_NAME)
        .connect_timeout(Duration::from_secs(3))
        .ssl_mode(tokio_postgres::config::SslMode::Disable);
    let connect = tokio::time::timeout(Duration::from_secs(5), config.connect(NoTls)).await.ok()?;
    match connect {
        Ok((client, connection)) => {
            let task = tokio::spawn(connection);
            let version = tokio::time::timeout(Duration::from_secs(3), client.simple_query("SHOW VERSION")).await;
            task.abort();
            let text = match version {
                Ok(Ok(messages)) => messages.iter().find_map(|m| match m {
                    SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
                    _ => None,
                }),
                _ => None,
            }?;
            text.to_ascii_lowercase().contains("pgbouncer").then(|| format!("{text} (its admin console answered)"))
        }
        Err(e) => {
            let message = describe(&e);
            message
                .contains("not allowed")
                .then(|| format!("PgBouncer (its admin console refused stethoscope's role: {message})"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::managed_pooler;

    #[test]
    fn managed_poolers_are_known_by_their_host_names() {
        assert!(managed_pooler("shop.proxy-c1x2y3.eu-west-1.rds.amazonaws.com").unwrap().starts_with("RDS Proxy"));
        assert!(managed_pooler("aws-0-eu-central-1.pooler.supabase.com").unwrap().starts_with("Supabase"));
        assert!(
            managed_pooler("ep-cool-darkness-123456-pooler.eu-central-1.aws.neon.tech").unwrap().starts_with("Neon")
        );
        assert_eq!(managed_pooler("shop.c1x2y3.eu-west-1.rds.amazonaws.com"), None);
        assert_eq!(managed_pooler("ep-cool-darkness-123456.eu-central-1.aws.neon.tech"), None);
        assert_eq!(managed_pooler("127.0.0.1"), None);
    }
}
