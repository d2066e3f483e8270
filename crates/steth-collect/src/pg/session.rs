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
    let mut config: tokio_postgres::Config =
        target.url.expose().parse().map_err(|e| format!("invalid PostgreSQL URL {shown}: {e}"))?;
    if matches!(config.get_ssl_mode(), tokio_postgres::config::SslMode::Require) {
        return Err(format!("{shown} requires TLS, which this build of stethoscope does not speak to PostgreSQL yet"));
    }
    config
        .application_name(APPLICATION_NAME)
        .connect_timeout(Duration::from_secs(5))
        .ssl_mode(tokio_postgres::config::SslMode::Disable);
    let (client, connection) = tokio::time::timeout(Duration::from_secs(10), config.connect(NoTls))
        .await
        .map_err(|_| format!("cannot connect to PostgreSQL at {shown}: timed out"))?
        .map_err(|e| format!("cannot connect to PostgreSQL at {shown}: {}", describe(&e)))?;
    let task = tokio::spawn(async move {
        let _ = connection.await;
    });
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
