//! Evidence of PostgreSQL read replicas (8.4): the standbys the primary streams to, and the
//! service's statements on each configured replica during the read endpoints' load phases.

use super::{Phase, Slot};
use serde::{Deserialize, Serialize};

/// What stethoscope saw of replication.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Replication {
    /// The standbys the configured server streams WAL to (`pg_stat_replication`).
    pub standbys: Vec<Standby>,
    /// When the configured server is itself a standby (`pg_stat_wal_receiver`): the host it
    /// follows.
    pub follows: Option<String>,
    /// Each `[postgres] replicas` server, in the config's order.
    pub replicas: Vec<ReplicaReads>,
}

/// One standby as the primary lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standby {
    /// Its `application_name` (the standby's `cluster_name` or `walreceiver`).
    pub name: String,
    /// Its address, when it connected over TCP.
    pub client: Option<String>,
    /// `streaming`, `catchup`, …
    pub state: String,
    /// How far its replay is behind, ms (`replay_lag`); `None` when idle or unknown.
    pub replay_lag_ms: Option<f64>,
}

/// A configured replica and the service's statements on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaReads {
    /// The replica's URL, credentials redacted.
    pub url: String,
    /// Whether it is in recovery (a standby); a replica URL that reaches a primary is no replica.
    pub in_recovery: bool,
    /// How far its replay is behind the last transaction it received, ms, read after the load.
    pub lag_ms: Option<f64>,
    /// The service's statements on it per read endpoint's load phase (stethoscope's own
    /// excluded), or why they could not be counted.
    pub windows: Slot<Vec<ReplicaWindow>>,
}

/// The service's statements on a replica during one endpoint's load phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaWindow {
    /// The endpoint's display name.
    pub endpoint: String,
    /// baseline, normal, stress or soak.
    pub phase: Phase,
    /// Calls of the service's role in `pg_stat_statements` during the phase.
    pub statements: u64,
}
