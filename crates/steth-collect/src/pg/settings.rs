//! Settings at every level that applies them to the service's role in its database
//! (evidence for 2.5 and 2.6).

use super::session::describe;
use steth_core::evidence::{PgSettings, SettingLevels, Slot};
use tokio_postgres::Client;

/// Per-role and per-database settings that can apply to the service's role or to this session.
const ROLE_DB_SETTINGS: &str = "/* stethoscope */
SELECT coalesce(r.rolname::text, ''), coalesce(d.datname::text, ''), s.setconfig
  FROM pg_db_role_setting s
  LEFT JOIN pg_roles r ON r.oid = s.setrole
  LEFT JOIN pg_database d ON d.oid = s.setdatabase
 WHERE (s.setrole = 0 OR r.rolname IN ($1, current_user))
   AND (s.setdatabase = 0 OR d.datname = current_database())";

/// Reads both settings at every level.
pub(super) async fn read(client: &Client, app_role: &str) -> Slot<PgSettings> {
    let rows = match client.query(ROLE_DB_SETTINGS, &[&app_role]).await {
        Ok(rows) => rows,
        Err(e) => return Slot::failed(format!("cannot read pg_db_role_setting: {}", describe(&e))),
    };
    let me: String = match client.query_one("/* stethoscope */ SELECT current_user::text", &[]).await {
        Ok(r) => r.get(0),
        Err(e) => return Slot::failed(describe(&e)),
    };
    let entries: Vec<(String, String, Vec<String>)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    let mut out = PgSettings::default();
    for (name, slot) in [
        ("statement_timeout", &mut out.statement_timeout),
        ("log_min_duration_statement", &mut out.log_min_duration_statement),
    ] {
        match levels(client, name, app_role, &me, &entries).await {
            Ok(l) => *slot = l,
            Err(e) => return Slot::failed(e),
        }
    }
    Slot::collected(out)
}

/// The value of `name` in one `setconfig` array.
fn lookup(config: &[String], name: &str) -> Option<String> {
    config.iter().find_map(|kv| kv.split_once('=').filter(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
}

async fn levels(
    client: &Client,
    name: &str,
    app_role: &str,
    me: &str,
    entries: &[(String, String, Vec<String>)],
) -> Result<SettingLevels, String> {
    let find = |role: &str, with_db: bool, without_role: bool| {
        entries
            .iter()
            .filter(|(r, d, _)| (if without_role { r.is_empty() } else { r == role }) && d.is_empty() != with_db)
            .find_map(|(_, _, cfg)| lookup(cfg, name))
    };
    // The server level is this session's value before its own SETs (reset_val), unless a
    // role or database setting already applied to this session, in which case the built-in
    // default is the best available answer without superuser rights.
    let row = client
        .query_one("/* stethoscope */ SELECT reset_val, boot_val FROM pg_settings WHERE name = $1", &[&name])
        .await
        .map_err(|e| format!("cannot read {name}: {}", describe(&e)))?;
    let (reset_val, boot_val): (String, String) = (row.get(0), row.get(1));
    let applies_to_me = find(me, true, false).or(find(me, false, false)).or(find("", true, true)).is_some();
    Ok(SettingLevels {
        role_in_database: find(app_role, true, false),
        role: find(app_role, false, false),
        database: find("", true, true),
        server: if applies_to_me { boot_val } else { reset_val },
    })
}
