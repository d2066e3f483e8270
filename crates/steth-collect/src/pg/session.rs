//! stethoscope's own PostgreSQL session: read-only, with its own statement and lock timeouts,
//! and an application_name that every statistic excludes.

use std::time::Duration;
use steth_core::config::PostgresTarget;
use tokio_postgres::{Client, NoTls};

/// The application_name of stethoscope's sessions.
pub const APPLICATION_NAME: &str = "stethoscope";

/// An open session; the connection task ends when it is dropped.
pub struct Session {
    /// The client.
    pub client: Client,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Opens a read-only session with the target's timeouts.
pub async fn connect(target: &PostgresTarget) -> Result<Session, String> {
    let shown = target.url.redacted();
    let super::tls::Dsn { mut config, tls } = super::tls::parse(target.url.expose(), &shown)?;
    config.application_name(APPLICATION_NAME).connect_timeout(Duration::from_secs(5));
    let failed = |e: tokio_postgres::Error| format!("cannot connect to PostgreSQL at {shown}: {}", describe(&e));
    let timed_out = |_| format!("cannot connect to PostgreSQL at {shown}: timed out");
    let bound = Duration::from_secs(10);
    let (client, task) = match tls {
        None => {
            let (client, connection) =
                tokio::time::timeout(bound, config.connect(NoTls)).await.map_err(timed_out)?.map_err(failed)?;
            (client, tokio::spawn(async move { drop(connection.await) }))
        }
        Some(tls) => {
            let (client, connection) =
                tokio::time::timeout(bound, config.connect(tls)).await.map_err(timed_out)?.map_err(failed)?;
            (client, tokio::spawn(async move { drop(connection.await) }))
        }
    };
    let setup = format!(
        "/* stethoscope */ SET default_transaction_read_only = on; SET statement_timeout = {}; SET lock_timeout = {}",
        target.statement_timeout.as_millis().max(1),
        target.lock_timeout.as_millis().max(1)
    );
    client.batch_execute(&setup).await.map_err(|e| format!("cannot prepare the session: {}", describe(&e)))?;
    Ok(Session { client, task })
}

/// The most specific message of a PostgreSQL error.
pub fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = db.message().to_string();
        if db.code() == &tokio_postgres::error::SqlState::LOCK_NOT_AVAILABLE {
            text = format!("lock timeout: {text}");
        } else if db.code() == &tokio_postgres::error::SqlState::QUERY_CANCELED {
            text = format!("statement timeout: {text}");
        }
        return text;
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}
