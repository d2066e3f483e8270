//! Evidence from PostgreSQL's catalog, settings and statistics.

use super::Slot;
use serde::{Deserialize, Serialize};

/// What the PostgreSQL collector read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PgEvidence {
    /// `server_version` of the server.
    pub server_version: String,
    /// The service's database.
    pub database: String,
    /// The service's role, whose effective settings are read.
    pub app_role: String,
    /// Whether that role is stethoscope's own, assumed because neither `[postgres] app_role`
    /// nor `--app-role` named the service's.
    #[serde(default)]
    pub app_role_assumed: bool,
    /// Foreign keys and the indexes of their tables.
    pub schema: Slot<PgSchema>,
    /// Settings at every level that can set them for the service's role and database.
    pub settings: Slot<PgSettings>,
    /// Counter deltas around each load phase, per endpoint.
    #[serde(default)]
    pub workload: Slot<PgWorkload>,
    /// The service's sessions in `pg_stat_activity`, sampled after the load phases.
    #[serde(default)]
    pub activity: Slot<PgActivity>,
    /// B-tree leaf density of the larger indexes (`pgstatindex`).
    #[serde(default)]
    pub index_bloat: Slot<Vec<IndexDensity>>,
    /// Generic plans of the statements run often during the normal-load phases.
    #[serde(default)]
    pub plans: Slot<Vec<StatementPlan>>,
    /// Signs of a pooler or proxy between stethoscope and PostgreSQL (4.10).
    #[serde(default)]
    pub pooler: Slot<PoolerProbe>,
    /// Cumulative scan counters of the larger tables since statistics began (2.3 without load).
    #[serde(default)]
    pub scan_totals: Slot<Vec<TableScanTotals>>,
    /// B-tree bloat estimated from catalog statistics, where `pgstatindex` is not available (2.8).
    #[serde(default)]
    pub bloat_estimate: Slot<Vec<IndexBloatEstimate>>,
    /// Standbys and the service's reads on `[postgres] replicas` (8.4).
    #[serde(default)]
    pub replication: Slot<super::Replication>,
    /// Every statement's cumulative counters since `pg_stat_statements` was last reset (2.1 and
    /// 2.7 without load).
    #[serde(default = "not_read")]
    pub statement_totals: Slot<StatementTotals>,
}

fn not_read<T>() -> Slot<T> {
    Slot::unavailable("not read")
}

/// The service's statements as `pg_stat_statements` has counted them since its last reset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatementTotals {
    /// When the counters began: `pg_stat_statements_info.stats_reset`, or the server's start
    /// before PostgreSQL 14 (`since server start …`).
    pub since: String,
    /// Days from then to the read.
    pub days: f64,
    /// Every statement of the database (stethoscope's own excluded), most calls first; the
    /// window fields hold the counters since `since`.
    pub statements: Vec<StatementDelta>,
}

/// Whether a statement is a driver's connection housekeeping rather than the application's
/// query: the resets some drivers run on every connection returned to their pool (asyncpg's
/// `pg_advisory_unlock_all()`, `CLOSE ALL`, `UNLISTEN *`, `RESET ALL`; `DISCARD ALL`).
pub fn is_driver_housekeeping(query: &str) -> bool {
    let words: Vec<String> = query
        .split_whitespace()
        .map(|w| w.trim_end_matches(';').to_ascii_lowercase())
        .filter(|w| !w.is_empty())
        .collect();
    let text = words.join(" ");
    [
        "select pg_advisory_unlock_all()",
        "close all",
        "unlisten *",
        "reset all",
        "discard all",
        "discard plans",
        "discard sequences",
        "discard temp",
        "deallocate all",
        "set session authorization default",
    ]
    .contains(&text.as_str())
}

impl PgEvidence {
    /// Why nothing can be judged from the service's database activity, when it showed none
    /// during the audit: no statement in any load window, no table scanned and no session
    /// opened in one, and no session of its role seen by any sample. `None` when it showed some, or when neither the
    /// statements nor the sessions could be read (the slots then say why).
    pub fn no_service_activity(&self) -> Option<String> {
        let sessions = self.activity.data().map(|a| a.sessions.len());
        let windows = self.workload.data().map(|w| w.windows.as_slice()).unwrap_or_default();
        let calls: Option<u64> = windows
            .iter()
            .map(|w| w.statements.data().map(|s| s.statements.iter().map(|d| d.calls).sum::<u64>()))
            .sum();
        let opened: u64 = windows.iter().filter_map(|w| w.new_sessions.data()).sum();
        let scanned: u64 =
            windows.iter().filter_map(|w| w.tables.data()).flatten().map(|t| t.seq_scans + t.index_scans).sum();
        let statements_known = calls.is_some() && !windows.is_empty();
        if sessions.unwrap_or(0) > 0 || calls.unwrap_or(0) > 0 || opened > 0 || scanned > 0 {
            return None;
        }
        if sessions.is_none() && !statements_known {
            return None;
        }
        Some(self.idle_service_reason())
    }

    /// The likely cause when the service showed no activity on the database audited.
    pub fn idle_service_reason(&self) -> String {
        format!(
            "the service showed no activity on database {} as role {} while stethoscope watched (no statement, no \
             session): is `[postgres] url` the service's database, and {} its role (`[postgres] app_role` or \
             --app-role)?",
            self.database, self.app_role, self.app_role
        )
    }
}

impl PgActivity {
    /// Why a stay in a state cannot be judged yet: a session was still in it at the last sample,
    /// under `limit_secs`, and the watch was shorter than the limit, so whether it would have
    /// outlasted the limit is unknown. `None` when every stay can be judged.
    pub fn unjudged(&self, in_state: impl Fn(&str) -> bool, limit_secs: f64) -> Option<String> {
        if self.observed_secs >= limit_secs {
            return None;
        }
        let open = self
            .sessions
            .iter()
            .filter(|s| s.current && in_state(&s.state) && s.state_secs <= limit_secs)
            .max_by(|a, b| a.state_secs.total_cmp(&b.state_secs))?;
        Some(format!(
            "watched for {:.0} s: pid {} ({}) was still {} after {:.1} s at the last sample, under the {limit_secs} s \
             limit ({:.0} s of the watch came after the load phases, bounded by `[postgres] session_watch` = {:.0} s)",
            self.observed_secs,
            open.pid,
            open.application_name,
            open.state,
            open.state_secs,
            self.watched_after_secs,
            self.watch_bound_secs
        ))
    }
}

/// What the connection's two ends say about a pooler in between.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PoolerProbe {
    /// The host stethoscope connected to, as the URL names it.
    pub host: String,
    /// The port stethoscope connected to.
    pub port: u16,
    /// The port the PostgreSQL server itself listens on (`inet_server_port()`), when over TCP.
    pub server_port: Option<u16>,
    /// The pooler recognised, with how (`RDS Proxy (host name)`, `PgBouncer (SHOW VERSION)`,
    /// `a proxy (the server listens on 5432, the connection went to 6432)`); `None` if nothing
    /// stood between.
    pub detected: Option<String>,
}

/// Sequential and index scans of one larger table since statistics began.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableScanTotals {
    /// Schema-qualified table.
    pub table: String,
    /// Estimated live rows.
    pub live_rows: u64,
    /// Sequential scans since statistics began.
    pub seq_scans: u64,
    /// Index scans since statistics began.
    pub index_scans: u64,
}

/// A B-tree's bloat estimated from `pg_class`/`pg_stats` (no page is read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexBloatEstimate {
    /// Schema-qualified index.
    pub index: String,
    /// Schema-qualified table.
    pub table: String,
    /// Size on disk in bytes.
    pub bytes: u64,
    /// Estimated bytes beyond what a freshly built index at its fillfactor would take.
    pub extra_bytes: u64,
}

impl IndexBloatEstimate {
    /// Estimated extra space, percent of the index.
    pub fn bloat_percent(&self) -> f64 {
        if self.bytes == 0 { 0.0 } else { 100.0 * self.extra_bytes as f64 / self.bytes as f64 }
    }
}

/// One frequent statement and its generic plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatementPlan {
    /// The normalized text, shortened (the full text is what was explained).
    pub query: String,
    /// Calls per day at the rate seen under normal load, or since the counters' reset without load.
    pub calls_per_day: f64,
    /// Rows returned or affected per call, measured.
    pub rows_per_call: f64,
    /// The generic plan, or why there is none.
    pub plan: Slot<PlanNode>,
}

/// A node of a plan, as `EXPLAIN` estimates it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanNode {
    /// Node type: `Seq Scan`, `Sort`, `Nested Loop`, ...
    pub node: String,
    /// Schema-qualified table scanned, for scan nodes.
    pub relation: Option<String>,
    /// Live rows of that table.
    pub table_rows: Option<u64>,
    /// Index used, for index scans.
    pub index: Option<String>,
    /// Estimated rows out of the node.
    pub rows: f64,
    /// Inputs, the outer one first.
    pub children: Vec<PlanNode>,
}

impl PlanNode {
    /// The plan on one line, outermost first: `Limit ← Sort ← Seq Scan on public.orders`.
    pub fn outline(&self) -> String {
        let mut text = self.node.clone();
        if let Some(r) = &self.relation {
            text.push_str(&format!(" on {r}"));
        }
        if let Some(i) = &self.index {
            text.push_str(&format!(" using {i}"));
        }
        match self.children.len() {
            0 => text,
            1 => format!("{text} ← {}", self.children[0].outline()),
            _ => format!("{text} ← ({})", self.children.iter().map(PlanNode::outline).collect::<Vec<_>>().join(", ")),
        }
    }
}

/// Foreign keys and indexes of the service's database (system schemas excluded).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PgSchema {
    /// Every foreign-key constraint.
    pub foreign_keys: Vec<ForeignKey>,
    /// Every index on a table that has a foreign key.
    pub indexes: Vec<Index>,
}

/// A foreign-key constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// Schema-qualified referencing table.
    pub table: String,
    /// Constraint name.
    pub name: String,
    /// Referencing columns, in constraint order.
    pub columns: Vec<String>,
    /// Schema-qualified referenced table.
    pub references: String,
}

/// An index, with its key columns in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// Schema-qualified table.
    pub table: String,
    /// Index name.
    pub name: String,
    /// Key columns in order; `None` for an expression column.
    pub columns: Vec<Option<String>>,
    /// Whether the index has a WHERE clause.
    pub partial: bool,
    /// Whether the index is valid (a failed CONCURRENTLY build leaves it invalid).
    pub valid: bool,
}

/// What the database did during each load phase: deltas of its counters between the snapshots
/// taken right before and right after the phase, stethoscope's own sessions excluded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PgWorkload {
    /// One window per phase, in the order they ran.
    pub windows: Vec<PhaseWindow>,
}

/// The counters of one endpoint's phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseWindow {
    /// The endpoint's display name (`GET /orders`).
    pub endpoint: String,
    /// baseline, normal, stress or soak.
    pub phase: crate::evidence::Phase,
    /// Requests sent in the window, warm-up included.
    pub requests: u64,
    /// Seconds between the two snapshots.
    pub secs: f64,
    /// Statements executed in the window (`pg_stat_statements`).
    pub statements: Slot<StatementWindow>,
    /// Scans of tables in the window (`pg_stat_user_tables`).
    pub tables: Slot<Vec<TableScans>>,
    /// Server sessions opened on the service's database in the window (`pg_stat_database`).
    pub new_sessions: Slot<u64>,
}

/// Statement deltas of one window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatementWindow {
    /// Statements with at least one call in the window.
    pub statements: Vec<StatementDelta>,
    /// Set when statistics were reset or entries deallocated inside the window.
    pub incomplete: Option<String>,
}

/// One normalized statement's work within a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatementDelta {
    /// The normalized text, shortened.
    pub query: String,
    /// Calls in the window.
    pub calls: u64,
    /// Mean execution time in the window, ms.
    pub mean_ms: f64,
    /// Standard deviation of the execution time in the window, ms.
    pub stddev_ms: f64,
    /// The largest execution time since the statistics began (not only this window), ms.
    pub max_ms: f64,
    /// Rows returned or affected in the window.
    pub rows: u64,
}

/// Scans of one table in a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableScans {
    /// Schema-qualified table.
    pub table: String,
    /// Estimated live rows.
    pub live_rows: u64,
    /// Sequential scans in the window.
    pub seq_scans: u64,
    /// Rows read by those sequential scans.
    pub seq_rows: u64,
    /// Index scans in the window.
    pub index_scans: u64,
}

/// The service's sessions, sampled at every counter snapshot and after the last phase.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PgActivity {
    /// Client sessions of the service's role on its database, stethoscope's own excluded: one
    /// entry per session and state, with the longest time seen in that state.
    pub sessions: Vec<AppSession>,
    /// Seconds stethoscope watched the database before this sample (its first snapshot to now).
    #[serde(default)]
    pub observed_secs: f64,
    /// How many times `pg_stat_activity` was read; each session and state keeps its longest stay.
    #[serde(default)]
    pub samples: u32,
    /// The most sessions of the service open at one sample (4.2's observed pool size).
    #[serde(default)]
    pub peak_sessions: u32,
    /// When that sample was taken (`after normal GET /orders`).
    #[serde(default)]
    pub peak_at: String,
    /// Seconds the sessions were watched after the load phases, for idle ones to end their stay
    /// or outlast `[postgres] session_watch`.
    #[serde(default)]
    pub watched_after_secs: f64,
    /// The bound on that watch (`[postgres] session_watch`), seconds.
    #[serde(default)]
    pub watch_bound_secs: f64,
}

/// One server session of the service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppSession {
    /// Backend process id.
    pub pid: i32,
    /// Its `application_name`.
    pub application_name: String,
    /// `active`, `idle`, `idle in transaction`, ...
    pub state: String,
    /// Seconds since the session was opened (at the last sample that saw it).
    pub age_secs: f64,
    /// The longest time seen in this state, seconds.
    pub state_secs: f64,
    /// The last statement, shortened.
    pub query: String,
    /// Whether the session was still in this state at the last sample (its stay had not ended).
    #[serde(default)]
    pub current: bool,
}

/// Leaf density of one B-tree index, from `pgstatindex`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexDensity {
    /// Schema-qualified index.
    pub index: String,
    /// Schema-qualified table.
    pub table: String,
    /// Size on disk in bytes.
    pub bytes: u64,
    /// Average leaf density, percent.
    pub leaf_density: f64,
    /// The index's fillfactor, percent (90 unless set).
    pub fillfactor: f64,
}

impl IndexDensity {
    /// Space lost against a freshly built index, percent.
    pub fn bloat_percent(&self) -> f64 {
        if self.fillfactor <= 0.0 { 0.0 } else { (100.0 * (1.0 - self.leaf_density / self.fillfactor)).max(0.0) }
    }
}

/// Settings read for the service's role in its database.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PgSettings {
    /// `statement_timeout` at each level.
    pub statement_timeout: SettingLevels,
    /// `log_min_duration_statement` at each level.
    pub log_min_duration_statement: SettingLevels,
}

/// A setting's value at each level that can set it, highest precedence first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingLevels {
    /// `ALTER ROLE r IN DATABASE d SET ...`
    pub role_in_database: Option<String>,
    /// `ALTER ROLE r SET ...`
    pub role: Option<String>,
    /// `ALTER DATABASE d SET ...`
    pub database: Option<String>,
    /// The server's value (postgresql.conf, command line or built-in default), in its base unit.
    pub server: String,
}

impl SettingLevels {
    /// The value the service's sessions get, and where it comes from.
    pub fn effective(&self) -> (&str, &'static str) {
        if let Some(v) = &self.role_in_database {
            (v, "role in database")
        } else if let Some(v) = &self.role {
            (v, "role")
        } else if let Some(v) = &self.database {
            (v, "database")
        } else {
            (&self.server, "server")
        }
    }
}

/// Parses a PostgreSQL time setting (`5s`, `100ms`, `5000`, `-1`, `1min`) into milliseconds;
/// a bare number is in milliseconds, the base unit of both settings read here.
pub fn setting_millis(value: &str) -> Option<i64> {
    let v = value.trim().trim_matches('\'');
    let split = v.find(|c: char| !(c.is_ascii_digit() || c == '-' || c == '.')).unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let n: f64 = num.parse().ok()?;
    let factor = match unit.trim() {
        "" | "ms" => 1.0,
        "us" => 0.001,
        "s" => 1000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return None,
    };
    Some((n * factor).round() as i64)
}

crate::evidence::load::windowed!(PhaseWindow);
