//! The repository fixture: a small service's git repository built with real `git` in a
//! temporary directory, healthy by default (every source item passes), with defect switches
//! that each break exactly one item. Each switch is a row of the repository truth matrix
//! (`tests/repo_matrix.rs`); rows need no service and no load, and build in well under a second.
//!
//! The healthy repository also keeps every practice the repository items look for (a CVE scanner,
//! a migration linter and a load test in CI, migrations that set `lock_timeout`, a flag SDK, an
//! EXPLAIN checklist, performance budgets); `practice_files` and `advisories` are shared with
//! `tests/repo_items.rs`, which varies them file by file.
//!
//! Planted secrets are generated at run time from a seed, so no file of this repository holds
//! one; `RepoFixture::planted` lists them for the tests that check no output ever shows them.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A defect switch: the vice it plants, named after the vice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepoDefect {
    /// An AWS key committed, then deleted in the next commit: only history holds it.
    SecretDeletedFromHead,
    /// A Stripe key that exists only in a merge commit's conflict resolution (neither parent
    /// has it), which `git log -p` does not show.
    SecretInMergeResolution,
    /// A GitHub token on a branch that was never merged.
    SecretOnUnmergedBranch,
    /// A Slack token in a commit that only an annotated tag reaches.
    SecretBehindAnnotatedTag,
    /// A database URL with its password in a commit only a remote-tracking ref reaches.
    SecretOnRemoteTrackingRef,
    /// A committed `.env` file with a session secret.
    DotEnvCommitted,
    /// A private key inside a binary file of over 1 MiB, past its first MiB.
    PrivateKeyInLargeBinary,
    /// A random password assigned in code, renamed to another file, then deleted.
    SecretRenamedThenDeleted,
    /// `Cargo.lock` locks a `time` that the OSV fixture (`RepoFixture::advisories`) lists.
    VulnerableLockfile,
    /// A new migration renames a column old code still reads.
    BreakingMigration,
    /// No feature-flag SDK in any manifest.
    NoFlagSdk,
    /// The pull-request template does not ask for EXPLAIN output.
    NoExplainInReview,
    /// No CI job runs the k6 script.
    NoLoadTestInCi,
    /// A new migration indexes an existing table without `CONCURRENTLY`.
    NonConcurrentIndex,
    /// No `p99_budget` on the endpoints and no k6 threshold.
    NoPerformanceBudget,
}

impl RepoDefect {
    /// Every switch, in matrix order.
    pub const ALL: &'static [RepoDefect] = &[
        RepoDefect::SecretDeletedFromHead,
        RepoDefect::SecretInMergeResolution,
        RepoDefect::SecretOnUnmergedBranch,
        RepoDefect::SecretBehindAnnotatedTag,
        RepoDefect::SecretOnRemoteTrackingRef,
        RepoDefect::DotEnvCommitted,
        RepoDefect::PrivateKeyInLargeBinary,
        RepoDefect::SecretRenamedThenDeleted,
        RepoDefect::VulnerableLockfile,
        RepoDefect::BreakingMigration,
        RepoDefect::NoFlagSdk,
        RepoDefect::NoExplainInReview,
        RepoDefect::NoLoadTestInCi,
        RepoDefect::NonConcurrentIndex,
        RepoDefect::NoPerformanceBudget,
    ];

    /// The switch's name (kebab-case, the vice).
    pub fn name(self) -> &'static str {
        match self {
            RepoDefect::SecretDeletedFromHead => "secret-deleted-from-head",
            RepoDefect::SecretInMergeResolution => "secret-in-merge-resolution",
            RepoDefect::SecretOnUnmergedBranch => "secret-on-unmerged-branch",
            RepoDefect::SecretBehindAnnotatedTag => "secret-behind-annotated-tag",
            RepoDefect::SecretOnRemoteTrackingRef => "secret-on-remote-tracking-ref",
            RepoDefect::DotEnvCommitted => "dotenv-committed",
            RepoDefect::PrivateKeyInLargeBinary => "private-key-in-large-binary",
            RepoDefect::SecretRenamedThenDeleted => "secret-renamed-then-deleted",
            RepoDefect::VulnerableLockfile => "vulnerable-lockfile",
            RepoDefect::BreakingMigration => "breaking-migration",
            RepoDefect::NoFlagSdk => "no-flag-sdk",
            RepoDefect::NoExplainInReview => "no-explain-in-review",
            RepoDefect::NoLoadTestInCi => "no-load-test-in-ci",
            RepoDefect::NonConcurrentIndex => "non-concurrent-index",
            RepoDefect::NoPerformanceBudget => "no-performance-budget",
        }
    }

    /// The checklist item the switch breaks.
    pub fn item(self) -> &'static str {
        match self {
            RepoDefect::SecretDeletedFromHead
            | RepoDefect::SecretInMergeResolution
            | RepoDefect::SecretOnUnmergedBranch
            | RepoDefect::SecretBehindAnnotatedTag
            | RepoDefect::SecretOnRemoteTrackingRef
            | RepoDefect::DotEnvCommitted
            | RepoDefect::PrivateKeyInLargeBinary
            | RepoDefect::SecretRenamedThenDeleted => "6.7",
            RepoDefect::VulnerableLockfile => "6.10",
            RepoDefect::BreakingMigration => "7.7",
            RepoDefect::NoFlagSdk => "7.8",
            RepoDefect::NoExplainInReview => "9.1",
            RepoDefect::NoLoadTestInCi => "9.2",
            RepoDefect::NonConcurrentIndex => "9.4",
            RepoDefect::NoPerformanceBudget => "9.5",
        }
    }

    /// The rule that must find the planted secret (6.7's switches).
    pub fn secret_rule(self) -> Option<&'static str> {
        Some(match self {
            RepoDefect::SecretDeletedFromHead => "aws-access-key-id",
            RepoDefect::SecretInMergeResolution => "stripe-secret-key",
            RepoDefect::SecretOnUnmergedBranch => "github-pat",
            RepoDefect::SecretBehindAnnotatedTag => "slack-token",
            RepoDefect::SecretOnRemoteTrackingRef => "database-url-password",
            RepoDefect::DotEnvCommitted => "dotenv-secret",
            RepoDefect::PrivateKeyInLargeBinary => "private-key",
            RepoDefect::SecretRenamedThenDeleted => "generic-secret-assignment",
            _ => return None,
        })
    }
}

/// A built fixture repository; the directory goes away with it.
pub struct RepoFixture {
    dir: tempfile::TempDir,
    osv: tempfile::TempDir,
    /// Secret values planted by the defects, for leak tests.
    pub planted: Vec<String>,
    /// Secret values under test-fixture paths in the healthy repository (listed apart).
    pub fixture_secrets: Vec<String>,
    /// Commits worth naming, by label (`merge`, `added-aws`, ...).
    pub commits: Vec<(String, String)>,
}

impl RepoFixture {
    /// Builds the healthy repository with the given defects planted.
    pub fn build(defects: &[RepoDefect]) -> RepoFixture {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut repo = Repo { root: dir.path().to_path_buf(), tick: 0, commits: Vec::new() };
        let mut fixture = RepoFixture {
            dir,
            osv: advisories(),
            planted: Vec::new(),
            fixture_secrets: Vec::new(),
            commits: Vec::new(),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        healthy(&mut repo, &mut fixture);
        for d in defects {
            plant(*d, &mut repo, &mut fixture);
        }
        fixture.commits = repo.commits;
        fixture
    }

    /// The repository's work tree.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// An offline OSV database (outside the work tree) for `[source] advisories`: it lists the
    /// `time` that `vulnerable-lockfile` locks, not the one the healthy repository locks.
    pub fn advisories(&self) -> &Path {
        self.osv.path()
    }

    /// The commit recorded under `label`.
    pub fn commit(&self, label: &str) -> &str {
        &self.commits.iter().find(|(l, _)| l == label).unwrap_or_else(|| panic!("no commit `{label}`")).1
    }
}

/// Runs git in the fixture with a fixed identity and clock, ignoring the machine's config.
pub struct Repo {
    root: PathBuf,
    tick: u32,
    commits: Vec<(String, String)>,
}

impl Repo {
    /// Runs git and returns its standard output; panics on failure unless `allow_fail`.
    pub fn run(&mut self, args: &[&str], allow_fail: bool) -> String {
        let when = format!("@{} +0000", 1_704_067_200 + u64::from(self.tick) * 3600);
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.root)
            .args(["-c", "user.name=Fixture", "-c", "user.email=fixture@example.invalid", "-c", "commit.gpgsign=false"])
            .args(["-c", "tag.gpgsign=false", "-c", "merge.conflictstyle=merge", "-c", "init.defaultBranch=main"])
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_DATE", &when)
            .env("GIT_COMMITTER_DATE", &when)
            .output()
            .expect("git runs");
        assert!(allow_fail || out.status.success(), "git {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Runs git; panics on failure.
    pub fn git(&mut self, args: &[&str]) -> String {
        self.run(args, false)
    }

    /// Writes a file (creating its directories).
    pub fn write(&mut self, path: &str, content: impl AsRef<[u8]>) {
        let file = self.root.join(path);
        std::fs::create_dir_all(file.parent().expect("a parent")).expect("mkdir");
        std::fs::write(file, content).expect("write");
    }

    /// Stages everything and commits; records the commit under `label`; returns its id.
    pub fn commit(&mut self, label: &str, message: &str) -> String {
        self.tick += 1;
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        let id = self.git(&["rev-parse", "HEAD"]);
        self.commits.push((label.to_string(), id.clone()));
        id
    }
}

/// A deterministic random-looking string of `n` characters from `alphabet`.
pub fn noise(seed: u64, n: usize, alphabet: &str) -> String {
    let a = alphabet.as_bytes();
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(0x2545_F491_4F6C_DD1D);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            a[(x % a.len() as u64) as usize] as char
        })
        .collect()
}

/// Letters and digits.
pub const B62: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The CI workflow: a CVE scanner, a migration linter and (through make) a k6 load test.
pub const CI: &str = "name: ci
on: [pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      # - run: k6 run load/checkout.js  (commented out: not a run)
      - run: cargo audit
      - run: npx squawk-cli migrations/*.sql
  load:
    runs-on: ubuntu-latest
    steps:
      - run: make load-test
";

/// A k6 script with an `http_req_duration` threshold.
pub const K6: &str = "import http from 'k6/http';
export const options = {
  thresholds: { http_req_duration: ['p(99)<500'] },
};
export default function () { http.get(`${__ENV.BASE_URL}/products`); }
";

/// The pull-request template asking for EXPLAIN output.
pub const PR_TEMPLATE: &str =
    "## Checklist\n- [ ] Please explain why\n- [ ] EXPLAIN (ANALYZE, BUFFERS) output for new queries\n";

/// The first migration (`lock_timeout` first: squawk wants it before any index).
pub const INIT_MIGRATION: (&str, &str) = (
    "migrations/0001_init.sql",
    "SET lock_timeout = '3s';\nCREATE TABLE users (id bigint PRIMARY KEY, name text, email text);\nCREATE INDEX users_name ON users (name);\n",
);

/// A later migration: `lock_timeout` first, and `CONCURRENTLY` on the existing table.
pub const ORDERS_MIGRATION: (&str, &str) = (
    "migrations/0003_orders.sql",
    "SET lock_timeout = '3s';\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL);\n\
     CREATE INDEX orders_user ON orders (user_id);\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n",
);

/// A crates.io lockfile locking `time` at `version`, next to a workspace crate.
pub fn cargo_lock(version: &str) -> String {
    format!(
        "version = 4\n\n[[package]]\nname = \"shop\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"time\"\n\
         version = \"{version}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
    )
}

/// The files that keep the practices of 6.10, 7.8, 9.1, 9.2 and 9.5 (migrations apart).
pub fn practice_files() -> Vec<(&'static str, String)> {
    vec![
        (".github/workflows/ci.yml", CI.to_string()),
        ("Makefile", "build:\n\tcargo build\n\nload-test: build\n\tk6 run load/checkout.js\n".into()),
        ("load/checkout.js", K6.into()),
        ("Cargo.lock", cargo_lock("0.2.23")),
        ("package.json", "{\n  \"dependencies\": {\n    \"@openfeature/server-sdk\": \"^1.13.0\"\n  }\n}\n".into()),
        (".github/pull_request_template.md", PR_TEMPLATE.into()),
        (
            "stethoscope.toml",
            "[target]\nbase_url = \"http://127.0.0.1:8080\"\n\n[[endpoints]]\npath = \"/products\"\n\
             p99_budget = \"150ms\"\n\n[[endpoints]]\nmethod = \"POST\"\npath = \"/orders\"\np99_budget = \"400ms\"\n"
                .into(),
        ),
    ]
}

/// An OSV directory with one advisory for `time` < 0.2.23 and a withdrawn one for every version.
pub fn advisories() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("crates.io")).expect("mkdir");
    let record = r#"{"id": "RUSTSEC-2020-0071", "summary": "Potential segfault in the time crate",
      "affected": [{"package": {"ecosystem": "crates.io", "name": "time"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0.0.0-0"}, {"fixed": "0.2.23"}]}]}]}"#;
    let withdrawn = r#"{"id": "RUSTSEC-0000-0000", "withdrawn": "2021-01-01T00:00:00Z",
      "affected": [{"package": {"ecosystem": "crates.io", "name": "time"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}"#;
    std::fs::write(dir.path().join("crates.io/RUSTSEC-2020-0071.json"), record).expect("write");
    std::fs::write(dir.path().join("crates.io/RUSTSEC-0000-0000.json"), withdrawn).expect("write");
    dir
}

/// The healthy repository: a small service whose files are full of things a naive scanner
/// flags — vendor example keys in the docs, placeholders in config, environment lookups,
/// hashes, UUIDs, integrity strings, public keys — and a test key under `tests/fixtures/`
/// (listed apart, not counted). It has a merged branch (which adds a migration) and a tag, and
/// keeps every practice of `practice_files`.
fn healthy(repo: &mut Repo, fixture: &mut RepoFixture) {
    for (path, text) in practice_files().into_iter().chain([(INIT_MIGRATION.0, INIT_MIGRATION.1.to_string())]) {
        repo.write(path, text);
    }
    repo.write(
        "README.md",
        concat!(
            "# orders service\n\nConfigure AWS the usual way, e.g. `AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE`\n",
            "and `AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY` (AWS's documented examples).\n",
            "Set `DATABASE_URL=postgresql://orders:${DB_PASSWORD}@db:5432/orders`.\n",
        ),
    );
    repo.write(".env.example", "DATABASE_URL=postgresql://orders:changeme@localhost/orders\nSESSION_SECRET=<your-session-secret>\nSTRIPE_KEY=sk_live_YOUR_KEY_HERE\n");
    repo.write(
        "src/settings.py",
        concat!(
            "import os\n\n",
            "DATABASE_URL = os.environ[\"DATABASE_URL\"]\n",
            "SECRET_KEY = os.environ.get(\"SECRET_KEY\")\n",
            "password = os.environ[\"ADMIN_PASSWORD\"]\n",
            "api_key = \"${API_KEY}\"\n",
            "token = \"{{ vault_token }}\"\n",
            "REQUEST_ID = \"3f2b8c1e-9d4a-4e6b-8f0c-2a1d5e7b9c3f\"\n",
            "CHECKSUM_TOKEN = \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"\n",
        ),
    );
    repo.write(
        "config/app.yml",
        "db:\n  password: ${POSTGRES_PASSWORD}\nredis:\n  url: redis://localhost:6379\nsecret: REPLACE_ME\n",
    );
    repo.write("package-lock.json", "{\"packages\":{\"node_modules/a\":{\"integrity\":\"sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUR2xEDRrOOV0Bwj2g==\"}}}\n");
    repo.write(
        "deploy/id_ed25519.pub",
        format!("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{} deploy@orders\n", noise(1, 43, B62)),
    );
    repo.write("web/pay.js", format!("const stripe = Stripe('pk_live_{}');\n", noise(2, 24, B62)));
    let test_key = noise(3, 40, B62);
    fixture.fixture_secrets.push(test_key.clone());
    repo.write(
        "tests/fixtures/credentials.py",
        format!("# a test credential, never valid anywhere\nclient_secret = \"{test_key}\"\n"),
    );
    repo.commit("initial", "orders service");
    repo.git(&["checkout", "-q", "-b", "feature/pagination"]);
    repo.write("src/pages.py", "def page(items, size=50):\n    return items[:size]\n");
    repo.write(ORDERS_MIGRATION.0, ORDERS_MIGRATION.1);
    repo.commit("feature", "pagination");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("src/health.py", "def live():\n    return 'ok'\n");
    repo.commit("health", "health endpoint");
    repo.tick += 1;
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge pagination", "feature/pagination"]);
    repo.git(&["tag", "-a", "v1.0.0", "-m", "first release"]);
}

/// Plants one defect on top of the healthy repository.
fn plant(defect: RepoDefect, repo: &mut Repo, fixture: &mut RepoFixture) {
    let seed = 100 + RepoDefect::ALL.iter().position(|d| *d == defect).unwrap_or(0) as u64 * 10;
    match defect {
        RepoDefect::SecretDeletedFromHead => {
            let key = format!("AKIA{}", noise(seed, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"));
            repo.write("config/aws.py", format!("# temporary\n\nAWS_ACCESS_KEY_ID = \"{key}\"\n"));
            repo.commit("added-aws", "aws config");
            repo.git(&["rm", "-q", "config/aws.py"]);
            repo.commit("removed-aws", "remove aws config");
            fixture.planted.push(key);
        }
        RepoDefect::SecretInMergeResolution => {
            let key = format!("sk_live_{}", noise(seed, 32, B62));
            repo.git(&["checkout", "-q", "-b", "feature/billing"]);
            repo.write("src/billing.py", "PROVIDER = \"stripe-sandbox\"\n");
            repo.commit("billing-side", "billing: sandbox provider");
            repo.git(&["checkout", "-q", "main"]);
            repo.write("src/billing.py", "PROVIDER = \"invoice\"\n");
            repo.commit("billing-main", "billing: invoices");
            repo.tick += 1;
            repo.run(&["merge", "-q", "feature/billing"], true);
            repo.write("src/billing.py", format!("PROVIDER = \"stripe\"\nSTRIPE_KEY = \"{key}\"\n"));
            repo.commit("merge", "merge billing");
            repo.write("src/billing.py", "import os\nPROVIDER = \"stripe\"\nSTRIPE_KEY = os.environ[\"STRIPE_KEY\"]\n");
            repo.commit("billing-env", "billing: key from the environment");
            fixture.planted.push(key);
        }
        RepoDefect::SecretOnUnmergedBranch => {
            let token = format!("ghp_{}", noise(seed, 36, B62));
            repo.git(&["checkout", "-q", "-b", "wip/release-bot"]);
            repo.write("scripts/release.sh", format!("#!/bin/sh\nGITHUB_TOKEN={token} gh release create \"$1\"\n"));
            repo.commit("unmerged", "release bot (wip)");
            repo.git(&["checkout", "-q", "main"]);
            fixture.planted.push(token);
        }
        RepoDefect::SecretBehindAnnotatedTag => {
            let token = format!(
                "xoxb-{}-{}-{}",
                noise(seed, 12, "0123456789"),
                noise(seed + 1, 12, "0123456789"),
                noise(seed + 2, 24, B62)
            );
            repo.git(&["checkout", "-q", "-b", "tmp/notify"]);
            repo.write("scripts/notify.py", format!("SLACK = \"{token}\"\n"));
            repo.commit("tagged", "notify");
            repo.git(&["tag", "-a", "v0.9-notify", "-m", "notify experiment"]);
            repo.git(&["checkout", "-q", "main"]);
            repo.git(&["branch", "-q", "-D", "tmp/notify"]);
            fixture.planted.push(token);
        }
        RepoDefect::SecretOnRemoteTrackingRef => {
            let password = noise(seed, 18, B62);
            repo.git(&["checkout", "-q", "-b", "hotfix"]);
            repo.write("src/db.py", format!("URL = \"postgresql://orders:{password}@db.internal:5432/orders\"\n"));
            let id = repo.commit("remote", "hotfix: db url");
            repo.git(&["update-ref", "refs/remotes/origin/hotfix", &id]);
            repo.git(&["checkout", "-q", "main"]);
            repo.git(&["branch", "-q", "-D", "hotfix"]);
            fixture.planted.push(password);
        }
        RepoDefect::DotEnvCommitted => {
            let secret = noise(seed, 32, B62);
            repo.write("deploy/.env", format!("DEBUG=false\nSESSION_SECRET={secret}\n"));
            repo.commit("dotenv", "deploy env");
            fixture.planted.push(secret);
        }
        RepoDefect::PrivateKeyInLargeBinary => {
            let body: Vec<String> = (0..12).map(|i| noise(seed + i, 64, B62)).collect();
            let block = format!("-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----", body.join("\n"));
            let mut blob: Vec<u8> =
                (0..(1_536u32 << 10)).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
            blob.extend_from_slice(b"\x00\x00");
            blob.extend_from_slice(block.as_bytes());
            blob.extend_from_slice(b"\x00\xff\x00");
            repo.write("assets/firmware.bin", blob);
            repo.commit("binary", "firmware image");
            fixture.planted.extend(body);
        }
        RepoDefect::SecretRenamedThenDeleted => {
            let password = noise(seed, 20, B62);
            repo.write("src/legacy_auth.py", format!("smtp_password = \"{password}\"\n"));
            repo.commit("legacy", "legacy auth");
            repo.git(&["mv", "src/legacy_auth.py", "src/auth_old.py"]);
            repo.commit("renamed", "rename legacy auth");
            repo.git(&["rm", "-q", "src/auth_old.py"]);
            repo.commit("deleted", "drop legacy auth");
            fixture.planted.push(password);
        }
        RepoDefect::VulnerableLockfile => {
            repo.write("Cargo.lock", cargo_lock("0.1.40"));
            repo.commit("vulnerable", "pin time 0.1");
        }
        RepoDefect::BreakingMigration => {
            repo.write(
                "migrations/0004_rename.sql",
                "SET lock_timeout = '3s';\nALTER TABLE users RENAME COLUMN email TO mail;\n",
            );
            repo.commit("breaking", "rename users.email");
        }
        RepoDefect::NoFlagSdk => {
            repo.write("package.json", "{\n  \"dependencies\": {\n    \"express\": \"^4.19.2\"\n  }\n}\n");
            repo.commit("no-flags", "drop the flag SDK");
        }
        RepoDefect::NoExplainInReview => {
            repo.write(
                ".github/pull_request_template.md",
                "## Checklist\n- [ ] Please explain why this change is needed\n",
            );
            repo.commit("no-explain", "shorter template");
        }
        RepoDefect::NoLoadTestInCi => {
            repo.write(".github/workflows/ci.yml", CI.replace("      - run: make load-test\n", ""));
            repo.commit("no-load", "ci: no load job step");
        }
        RepoDefect::NonConcurrentIndex => {
            repo.write(
                "migrations/0004_index.sql",
                "SET lock_timeout = '3s';\nCREATE INDEX users_email2 ON users (email);\n",
            );
            repo.commit("index", "index users.email");
        }
        RepoDefect::NoPerformanceBudget => {
            repo.write("stethoscope.toml", "[[endpoints]]\npath = \"/products\"\n");
            repo.write("load/checkout.js", K6.replace("  thresholds: { http_req_duration: ['p(99)<500'] },\n", ""));
            repo.commit("no-budget", "no budgets");
        }
    }
}
