//! Evidence from PostgreSQL's catalog and settings.

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
    /// Foreign keys and the indexes of their tables.
    pub schema: Slot<PgSchema>,
    /// Settings at every level that can set them for the service's role and database.
    pub settings: Slot<PgSettings>,
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
