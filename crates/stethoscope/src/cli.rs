//! The command line: every command, its flags and the help that teaches them.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const ABOUT: &str = "Audits a running backend against the 71-item backend checklist, by measuring it.";

const LONG_ABOUT: &str = "\
Audits a running backend against the 71-item backend checklist, by measuring it: its HTTP API,
its PostgreSQL, its Redis, its metrics and its source. Each item gets ✓ / ✗ / ⚠ with the
evidence measured, a score per section, a total, a verdict band and the top 3 actions.

Items stethoscope cannot measure yet, or for which a source is not configured, are reported
as `not assessed` with the reason — never as a pass.";

const AFTER_HELP: &str = "\
Examples:
  stethoscope demo                         audit the built-in fixture shop
  stethoscope init                         write a commented stethoscope.toml
  stethoscope audit                        audit what stethoscope.toml describes
  stethoscope audit --format json --out run.json --fail-under 70
  stethoscope audit --format html --out report.html
  stethoscope explain 2.2                  what item 2.2 checks and how to fix it
  stethoscope history                      the recorded runs and the score trend
  stethoscope diff previous latest         what changed between the last two runs

Exit codes: 0 done, 1 score below --fail-under (or a regression with --fail-on-regression),
2 usage or config error, 3 audit could not run.";

/// stethoscope's command line.
#[derive(Debug, Parser)]
#[command(name = "stethoscope", version, about = ABOUT, long_about = LONG_ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the audit: collect evidence, evaluate every item, score, report.
    #[command(after_help = "\
Examples:
  stethoscope audit
  stethoscope audit --config ci/stethoscope.toml --format markdown --out audit.md
  stethoscope audit --only 2.2,6.8 --fail-under 90
  stethoscope audit --fail-under 70 --fail-on-regression --format junit --out audit.xml
  stethoscope audit --target http://127.0.0.1:8080 --postgres postgresql://app@127.0.0.1/app
  stethoscope audit --sections database,security --format json | jq '.items[] | select(.status==\"fail\")'")]
    Audit(AuditArgs),
    /// List the checklist items and which ones stethoscope can measure.
    #[command(
        after_help = "Examples:\n  stethoscope checks\n  stethoscope checks --format json | jq '.items | length'"
    )]
    Checks(ChecksArgs),
    /// Explain one item: what it checks, why it matters, how it is measured, how to fix it.
    #[command(after_help = "Examples:\n  stethoscope explain 2.2\n  stethoscope explain fk-indexes")]
    Explain(ExplainArgs),
    /// Write a commented starter config, optionally with endpoints from an OpenAPI 3 document.
    #[command(after_help = "\
Examples:
  stethoscope init
  stethoscope init --openapi http://127.0.0.1:8080/openapi.json --target http://127.0.0.1:8080
  stethoscope init --openapi api/openapi.json --out ci/stethoscope.toml")]
    Init(InitArgs),
    /// Re-render a saved JSON audit without touching the target.
    #[command(
        after_help = "Examples:\n  stethoscope report run.json\n  stethoscope report run.json --format markdown --out comment.md\n  stethoscope report run.json --format html --out report.html"
    )]
    Report(ReportArgs),
    /// Load-test one URL: a wrk/oha-style latency report, coordinated-omission corrected.
    #[command(after_help = "\
Closed model (-c): each connection sends its next request when the answer arrives, like wrk.
Open model (--rate): requests arrive at a constant rate whatever the server does, and latency
counts from each request's intended send time, so stalls show up in the percentiles.

Examples:
  stethoscope load http://127.0.0.1:8080/products -c 32 -d 30s
  stethoscope load http://127.0.0.1:8080/products --rate 500 -d 60s --hdr-log run.hlog
  stethoscope load http://127.0.0.1:8080/orders -m POST -H 'Authorization: Bearer x' --body '{\"a\":1}' -n 1000")]
    Load(LoadArgs),
    /// Merge HdrHistogram interval logs (from `load --hdr-log`, several machines) into one report.
    #[command(after_help = "Examples:\n  stethoscope merge a.hlog b.hlog\n  stethoscope merge *.hlog --format json")]
    Merge(MergeArgs),
    /// Start the built-in fixture shop with a few defects switched on and audit it.
    #[command(after_help = "\
Uses PostgreSQL and Redis on localhost when they answer (a scratch database and key prefix that
are removed afterwards); without them the report says which items could not be assessed and why.

Examples:
  stethoscope demo
  stethoscope demo --defects cors-wildcard --format json
  stethoscope demo --format html --out demo.html
  stethoscope demo --list-defects")]
    Demo(DemoArgs),
    /// List the recorded audits with their score trend.
    #[command(after_help = "\
Every `stethoscope audit` appends its run to .stethoscope/history.sqlite beside the config
(`[history] path` moves it, `--no-history` or `[history] enabled = false` turns it off).

Examples:
  stethoscope history
  stethoscope history --limit 50 --format json
  stethoscope history --history ci/.stethoscope/history.sqlite")]
    History(HistoryArgs),
    /// Compare two audits: status changes, new and fixed findings, endpoint latency.
    #[command(after_help = DIFF_HELP)]
    Diff(DiffArgs),
}

const DIFF_HELP: &str = "\
A and B are run ids from `stethoscope history`, `latest`, `previous` (the run before latest),
or JSON reports saved with `--format json --out FILE`. A is the earlier run.

Noise rule: a latency change counts only when an endpoint's p99 moves by more than 20 % AND
by more than 5 ms; smaller moves are run-to-run noise. A regression is a new ✗ (an item
that fails in B and did not in A) or a p99 rise past the noise rule.

Examples:
  stethoscope diff previous latest
  stethoscope diff 12 15 --format markdown --out diff.md
  stethoscope diff before.json after.json --fail-on-regression";

/// Flags shared by commands that render a report.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Output format: terminal, json, markdown, sarif (findings with a file location), html
    /// (one self-contained page with charts) or junit (one test case per item).
    #[arg(long, default_value = "terminal", value_name = "FORMAT")]
    pub format: String,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `stethoscope audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The config file (default: stethoscope.toml, optional when --target or --postgres is
    /// given; a file named here must exist).
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Base URL of the service (overrides [target] base_url).
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// PostgreSQL URL of the service's database (overrides [postgres] url).
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
    /// Redis URL (overrides the config, or audits Redis without one).
    #[arg(long, value_name = "URL")]
    pub redis: Option<String>,
    /// The service's repository: a git work tree, or a plain directory (overrides [source] path).
    #[arg(long, value_name = "PATH")]
    pub source: Option<PathBuf>,
    /// The database role the service connects as (overrides [postgres] app_role): its sessions
    /// are watched and its settings judged. Without it, stethoscope's own role is assumed.
    #[arg(long, value_name = "ROLE")]
    pub app_role: Option<String>,
    /// Skip the load phases (items 1.1–1.4 are then not assessed).
    #[arg(long)]
    pub no_load: bool,
    /// Run the active cache tests (3.6, 3.7): they delete one configured cache key and send a
    /// bounded burst ([redis] active = true does the same).
    #[arg(long)]
    pub active: bool,
    /// Exit with code 1 when the total score is below PERCENT.
    #[arg(long, value_name = "PERCENT")]
    pub fail_under: Option<f64>,
    /// Only these items, e.g. 2.2,6.8.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub only: Option<Vec<String>>,
    /// Leave these items out.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub skip: Vec<String>,
    /// Only these sections, by number or name (api, database, caching, connections,
    /// observability, security, reliability, scalability, practices).
    #[arg(long, value_delimiter = ',', value_name = "SECTIONS")]
    pub sections: Option<Vec<String>>,
    /// No progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print every probe and phase the audit would run, with request counts per endpoint and
    /// method and the writes, then exit without sending anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not record this run in the history database.
    #[arg(long)]
    pub no_history: bool,
    /// The history database (default: [history] path, else .stethoscope/history.sqlite beside
    /// the config).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Exit with code 1 on a regression against the previous recorded run of the same target:
    /// a new ✗, or an endpoint's p99 up by more than 20 % and 5 ms. No previous run is not a
    /// regression.
    #[arg(long)]
    pub fail_on_regression: bool,
    /// How to render.
    #[command(flatten)]
    pub render: RenderArgs,
}

/// `stethoscope history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The config file whose history to read (default: stethoscope.toml when it exists).
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The history database (overrides the config's).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Show the last N runs.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
    /// Output format: terminal or json.
    #[arg(long, default_value = "terminal", value_name = "FORMAT")]
    pub format: String,
}

/// `stethoscope diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier run: a run id, `latest`, `previous` or a JSON report file.
    pub a: String,
    /// The later run.
    pub b: String,
    /// The config file whose history to read (default: stethoscope.toml when it exists).
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The history database (overrides the config's).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Output format: terminal, json or markdown.
    #[arg(long, default_value = "terminal", value_name = "FORMAT")]
    pub format: String,
    /// Write the diff to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit with code 1 on a new ✗ or a latency regression past the noise rule.
    #[arg(long)]
    pub fail_on_regression: bool,
}

/// `stethoscope checks`.
#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// Output format: terminal or json.
    #[arg(long, default_value = "terminal", value_name = "FORMAT")]
    pub format: String,
}

/// `stethoscope explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Item id (2.2) or slug (fk-indexes).
    pub id: String,
}

/// `stethoscope init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// An OpenAPI 3 document (JSON), by URL or file, to fill the endpoints from.
    #[arg(long, value_name = "URL|FILE")]
    pub openapi: Option<String>,
    /// Base URL of the service to put in the config.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Where to write the config.
    #[arg(long, default_value = "stethoscope.toml", value_name = "FILE")]
    pub out: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

/// `stethoscope report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A report saved with `stethoscope audit --format json --out RUN.json`.
    pub run: PathBuf,
    /// How to render.
    #[command(flatten)]
    pub render: RenderArgs,
}

/// `stethoscope demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Defects to switch on (comma-separated); `--defects none` for a healthy shop.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "fk-without-index,missing-security-headers",
        value_name = "DEFECTS"
    )]
    pub defects: Vec<String>,
    /// List the shop's defect switches and exit.
    #[arg(long)]
    pub list_defects: bool,
    /// PostgreSQL server to create the demo's scratch database on. Without it, the demo starts a
    /// throwaway cluster with pg_stat_statements preloaded when the PostgreSQL server binaries
    /// are installed, and otherwise uses postgresql://postgres@127.0.0.1:5432/postgres.
    #[arg(long, env = "STETHOSCOPE_DEMO_POSTGRES", hide_env_values = true, value_name = "URL")]
    pub postgres: Option<String>,
    /// Redis server for the shop's cache.
    #[arg(long, env = "STETHOSCOPE_DEMO_REDIS", hide_env_values = true, default_value = "redis://127.0.0.1:6379")]
    pub redis: String,
    /// No progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// How to render.
    #[command(flatten)]
    pub render: RenderArgs,
}

/// `stethoscope load`.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The URL to load.
    pub url: String,
    /// Connections of the closed model.
    #[arg(short = 'c', long, default_value_t = 16, conflicts_with = "rate")]
    pub connections: usize,
    /// Requests per second (open model).
    #[arg(long, value_name = "R")]
    pub rate: Option<f64>,
    /// Connections the open model may open to keep its schedule.
    #[arg(long, default_value_t = 1024, value_name = "N")]
    pub max_connections: usize,
    /// How long to measure (default 10s unless -n is given).
    #[arg(short = 'd', long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Stop after this many requests (warm-up included).
    #[arg(short = 'n', long, value_name = "N")]
    pub requests: Option<u64>,
    /// Warm-up excluded from the statistics.
    #[arg(long, default_value = "0s", value_name = "DURATION")]
    pub warmup: String,
    /// HTTP method.
    #[arg(short = 'm', long, default_value = "GET")]
    pub method: String,
    /// A request header, `Name: value` (repeatable).
    #[arg(short = 'H', long, value_name = "HEADER")]
    pub header: Vec<String>,
    /// Request body.
    #[arg(long)]
    pub body: Option<String>,
    /// Request body from a file.
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    /// Per-request timeout.
    #[arg(long, default_value = "10s", value_name = "DURATION")]
    pub timeout: String,
    /// Output format: terminal or json.
    #[arg(long, default_value = "terminal", value_name = "FORMAT")]
    pub format: String,
    /// Write an HdrHistogram interval log.
    #[arg(long, value_name = "FILE")]
    pub hdr_log: Option<PathBuf>,
    /// No progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `stethoscope merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Interval logs to merge.
    #[arg(required = true)]
    pub logs: Vec<PathBuf>,
    /// Output format: terminal or json.
    #[arg(long, default_value = "terminal", value_name = "FORMAT")]
    pub format: String,
}
