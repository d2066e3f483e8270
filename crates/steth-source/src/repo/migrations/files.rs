//! Finding migration files, telling their framework, ordering them by version, and cutting
//! their rollback (down) part, which never runs on deploy.

use super::super::tree::{Tree, TreeError, file_name, glob_set};
use std::collections::HashMap;

/// The directories searched when no `migrations` globs are configured.
pub(super) const AUTO_DIRS: &str = "migrations/, db/migrate/, alembic/versions/, prisma/migrations/, \
                                    db/migration/ (Flyway), db/changelog/ and changelog files (Liquibase), \
                                    Django app migrations/";

/// How a migration file expresses its changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framework {
    /// Plain SQL (also Flyway, Prisma, sqlx, diesel, goose, dbmate, golang-migrate).
    Sql,
    Rails,
    Django,
    Alembic,
    Knex,
    Sequelize,
    Liquibase,
}

/// One up migration.
#[derive(Debug, Clone)]
pub(super) struct Migration {
    pub(super) file: String,
    pub(super) framework: Framework,
    /// Numeric groups of its version (timestamp, Flyway `V1_2`, Django `0003`, Alembic chain
    /// depth); compared numerically, so `V10` follows `V9`.
    pub(super) version: Vec<u64>,
}

/// The migrations of the tree: the configured globs, else the conventional directories.
pub(super) fn find(tree: &Tree, globs: &[String]) -> Result<Vec<Migration>, TreeError> {
    let configured = (!globs.is_empty()).then(|| glob_set(globs)).transpose()?;
    let mut out = Vec::new();
    let mut alembic = Vec::new();
    for file in &tree.files {
        let wanted = match &configured {
            Some(set) => set.is_match(file),
            None => is_conventional(file),
        };
        if !wanted || is_down(file) {
            continue;
        }
        let Some(framework) = framework(tree, file) else { continue };
        if framework == Framework::Alembic {
            alembic.push(file.clone());
        }
        out.push(Migration { file: file.clone(), framework, version: version(file) });
    }
    // Alembic revisions are hashes: their order is the `down_revision` chain.
    let depths = alembic_depths(tree, &alembic);
    for m in out.iter_mut().filter(|m| m.framework == Framework::Alembic) {
        if let Some(d) = depths.get(&m.file) {
            m.version = vec![*d];
        }
    }
    Ok(out)
}

/// The distinct directories of the migrations; per-migration directories (Prisma, diesel)
/// count as their parent.
pub(super) fn directories(migrations: &[Migration]) -> Vec<String> {
    let mut dirs: Vec<String> = migrations
        .iter()
        .map(|m| {
            let dir = m.file.rsplit_once('/').map_or(".", |(d, _)| d);
            let per_migration = matches!(file_name(&m.file), "migration.sql" | "up.sql");
            if per_migration { dir.rsplit_once('/').map_or(".", |(p, _)| p) } else { dir }.to_string()
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

fn is_conventional(file: &str) -> bool {
    let dirs = format!("/{}", file.rsplit_once('/').map_or("", |(d, _)| d));
    let name = file_name(file).to_ascii_lowercase();
    let ext = name.rsplit('.').next().unwrap_or("");
    let code = ["sql", "rb", "py", "js", "ts", "mjs", "cjs"].contains(&ext) && !name.ends_with(".d.ts");
    let changelog = ["xml", "yaml", "yml", "json", "sql"].contains(&ext);
    let migration_dir =
        ["/migrations", "/db/migrate", "/db/migration", "/alembic/versions"].iter().any(|d| dirs.contains(d));
    (code && migration_dir)
        || (changelog
            && (dirs.contains("/db/changelog") || name.starts_with("changelog") || name.starts_with("db.changelog")))
}

/// Rollback files: never applied on deploy.
fn is_down(file: &str) -> bool {
    let name = file_name(file).to_ascii_lowercase();
    name == "down.sql"
        || name.ends_with(".down.sql")
        || name.ends_with("_down.sql")
        || name.ends_with(".undo.sql")
        || (name.starts_with('u') && name.contains("__") && name[1..].starts_with(|c: char| c.is_ascii_digit()))
}

/// The framework of a migration file, from its extension, place and content.
fn framework(tree: &Tree, file: &str) -> Option<Framework> {
    let name = file_name(file).to_ascii_lowercase();
    let ext = name.rsplit('.').next().unwrap_or("");
    if name == "__init__.py" {
        return None;
    }
    let liquibase =
        name.starts_with("changelog") || name.starts_with("db.changelog") || file.contains("/db/changelog/");
    Some(match ext {
        "sql" => Framework::Sql,
        "rb" => Framework::Rails,
        "xml" | "yaml" | "yml" | "json" if liquibase => Framework::Liquibase,
        "py" => {
            let text = tree.read(file)?;
            if text.contains("alembic") || text.contains("down_revision") {
                Framework::Alembic
            } else if text.contains("migrations.Migration") {
                Framework::Django
            } else {
                return None;
            }
        }
        "js" | "ts" | "mjs" | "cjs" => {
            let text = tree.read(file)?;
            if text.contains("queryInterface") {
                Framework::Sequelize
            } else if text.contains("knex") || text.contains(".schema") {
                Framework::Knex
            } else {
                return None;
            }
        }
        _ => return None,
    })
}

/// The numeric groups at the start of the file's name, or of its directory's name for
/// per-migration directories (`20240101_x/migration.sql`, `2024-01-01-000000_x/up.sql`).
fn version(file: &str) -> Vec<u64> {
    let mut parts = file.rsplit('/');
    let name = parts.next().unwrap_or(file);
    let parent = parts.next().unwrap_or("");
    let leading = |s: &str| -> Vec<u64> {
        let s = s.strip_prefix(['V', 'v']).filter(|r| r.starts_with(|c: char| c.is_ascii_digit())).unwrap_or(s);
        // Flyway's description follows `__`.
        let head = s.split("__").next().unwrap_or(s);
        head.split(['.', '_', '-']).map_while(|g| g.parse().ok()).collect()
    };
    let own = leading(name);
    if own.is_empty() { leading(parent) } else { own }
}

/// The depth of each Alembic revision in its `down_revision` chain.
fn alembic_depths(tree: &Tree, files: &[String]) -> HashMap<String, u64> {
    let value = |text: &str, key: &str| -> Option<String> {
        let line = text.lines().find(|l| l.trim_start().starts_with(key) && l.contains('='))?;
        let (k, v) = line.split_once('=')?;
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
        // `revision: str = "abc"` annotations keep the key before the colon.
        (k.trim().split(':').next()?.trim() == key && v != "None").then(|| v.to_string())
    };
    let mut down_of: HashMap<String, Option<String>> = HashMap::new();
    let mut file_of = Vec::new();
    for f in files {
        let Some(text) = tree.read(f) else { continue };
        if let Some(rev) = value(&text, "revision") {
            down_of.insert(rev.clone(), value(&text, "down_revision"));
            file_of.push((f.clone(), rev));
        }
    }
    let depth = |rev: &str| {
        let mut d = 0;
        let mut cur = Some(rev.to_string());
        while let Some(r) = cur {
            d += 1;
            cur = down_of.get(&r).cloned().flatten();
            if d > down_of.len() as u64 {
                break;
            }
        }
        d
    };
    file_of.into_iter().map(|(f, r)| (f.clone(), depth(&r))).collect()
}

/// The text of the up part only: the down part is blanked (lines kept, so line numbers stay).
pub(super) fn without_down(framework: Framework, text: &str) -> String {
    let (down, up): (&[&str], &[&str]) = match framework {
        Framework::Sql => (
            &["-- +goose down", "-- migrate:down", "-- +migrate down"],
            &["-- +goose up", "-- migrate:up", "-- +migrate up"],
        ),
        Framework::Rails => (&["def down", "def self.down"], &["def up", "def change", "def self.up"]),
        Framework::Alembic => (&["def downgrade"], &["def upgrade"]),
        Framework::Knex => (
            &["exports.down", "export async function down", "export function down", "down:"],
            &["exports.up", "export async function up", "export function up", "up:"],
        ),
        Framework::Sequelize => (&["down:", "async down", "down("], &["up:", "async up", "up("]),
        Framework::Liquibase => (&["<rollback", "rollback:"], &["</rollback>", "- changeset:", "<changeset"]),
        Framework::Django => (&[], &[]),
    };
    let mut inside_down = false;
    text.lines()
        .map(|line| {
            let l = line.trim_start().to_ascii_lowercase();
            if up.iter().any(|u| l.starts_with(u)) {
                inside_down = false;
            } else if down.iter().any(|d| l.starts_with(d)) {
                inside_down = true;
            }
            if inside_down || l.starts_with("</rollback>") { "" } else { line }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_numerically_not_by_name() {
        assert_eq!(version("db/migration/V10__add.sql"), [10]);
        assert!(version("db/migration/V10__add.sql") > version("db/migration/V9__add.sql"));
        assert_eq!(version("db/migration/V1_2__x.sql"), [1, 2]);
        assert_eq!(version("db/migrate/20240101120000_add_users.rb"), [20240101120000]);
        assert_eq!(version("prisma/migrations/20240101_init/migration.sql"), [20240101]);
        assert_eq!(version("migrations/2024-01-01-000000_init/up.sql"), [2024, 1, 1, 0]);
        assert_eq!(version("shop/migrations/0003_order.py"), [3]);
    }

    #[test]
    fn rollbacks_are_not_migrations() {
        assert!(is_down("migrations/2024_x/down.sql"));
        assert!(is_down("migrations/0002_users.down.sql"));
        assert!(is_down("db/migration/U2__undo.sql"));
        assert!(!is_down("db/migration/V2__users.sql"));
        assert!(is_conventional("src/main/resources/db/migration/V1__init.sql"));
        assert!(is_conventional("db/changelog/db.changelog-master.yaml"));
        assert!(!is_conventional("src/db.rs"));
    }

    #[test]
    fn down_parts_are_blanked_keeping_lines() {
        let goose = "-- +goose Up\nALTER TABLE a ADD COLUMN b int;\n-- +goose Down\nALTER TABLE a DROP COLUMN b;\n";
        let up = without_down(Framework::Sql, goose);
        assert!(!up.contains("DROP COLUMN"));
        assert_eq!(up.split('\n').nth(1), Some("ALTER TABLE a ADD COLUMN b int;"));
        let rails = "class X < ActiveRecord::Migration[7.1]\n  def up\n    add_column :a, :b, :int\n  end\n  def down\n    remove_column :a, :b\n  end\nend\n";
        assert!(!without_down(Framework::Rails, rails).contains("remove_column"));
        let alembic = "def upgrade():\n    op.add_column('a', sa.Column('b'))\n\ndef downgrade():\n    op.drop_column('a', 'b')\n";
        assert!(!without_down(Framework::Alembic, alembic).contains("drop_column"));
    }
}
