//! The validated config: what an audit will do, with secrets kept out of `Debug` output.

use crate::policy::Policy;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

/// Everything one audit needs to know, validated.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The service's HTTP side.
    pub target: Option<Target>,
    /// Hot endpoints, in config order.
    pub endpoints: Vec<Endpoint>,
    /// Named identities for authenticated probes.
    pub identities: BTreeMap<String, Identity>,
    /// The service's PostgreSQL.
    pub postgres: Option<PostgresTarget>,
    /// The service's Redis.
    pub redis: Option<RedisTarget>,
    /// The service's Prometheus endpoint.
    pub metrics: Option<MetricsTarget>,
    /// The service's source repository.
    pub source: Option<super::SourcePlan>,
    /// The service's OpenAPI 3 document, `[target] openapi` (`init --openapi` keeps the URL or
    /// file it read): the request-body schemas 6.6 violates on purpose, read from a JSON file.
    pub openapi: Option<PathBuf>,
    /// Health paths to try.
    pub health: HealthPaths,
    /// The foreign origin CORS probes send.
    pub cors_origin: String,
    /// Bounds of the HTTP probes.
    pub probes: ProbeSettings,
    /// How the load phases run.
    pub load: super::load::LoadPlan,
    /// Where audits are recorded (`[history]`).
    pub history: super::history::HistoryPlan,
    /// Thresholds, attestations, n/a, selection.
    pub policy: Policy,
}

impl Plan {
    /// Where a source points, redacted for printing; `None` when the config does not name it.
    pub fn location(&self, source: crate::catalog::Source) -> Option<String> {
        use crate::catalog::Source;
        match source {
            Source::Http => self.target.as_ref().map(|t| redact_url(t.base_url.as_str())),
            Source::Pg => self.postgres.as_ref().map(|p| p.url.redacted()),
            Source::Redis => self.redis.as_ref().map(|r| r.url.redacted()),
            Source::Metrics => self.metrics.as_ref().map(MetricsTarget::location),
            Source::Load => {
                let loaded = self.endpoints.iter().filter(|e| !e.login).count();
                (self.target.is_some() && loaded > 0)
                    .then(|| format!("{loaded} endpoint(s) at {} req/s", self.load.rate))
            }
            Source::Source => self.source.as_ref().map(|s| s.path.display().to_string()),
            Source::Service | Source::Config => None,
        }
    }

    /// What the config declares about the service: the facts the checks read as declared
    /// (`Source::Config`), never measured.
    pub fn declared(&self) -> crate::evidence::Declared {
        crate::evidence::Declared {
            cores: self.postgres.as_ref().and_then(|p| p.cores),
            serverless: self.target.as_ref().is_some_and(|t| t.serverless),
            peak_rps: self.target.as_ref().and_then(|t| t.peak_rps),
            endpoints: self
                .endpoints
                .iter()
                .filter(|e| !e.login)
                .map(|e| crate::evidence::DeclaredEndpoint {
                    name: e.name.clone(),
                    p99_budget_ms: e.p99_budget.map(|d| d.as_secs_f64() * 1000.0),
                })
                .collect(),
        }
    }
}

/// The default bound on watching idle sessions after the load phases (`[postgres] session_watch`).
pub const DEFAULT_SESSION_WATCH: Duration = Duration::from_secs(60);

/// The HTTP target.
#[derive(Debug, Clone)]
pub struct Target {
    /// Base URL; endpoint paths are joined to it.
    pub base_url: Url,
    /// Whether the service runs serverless (4.10 applies).
    pub serverless: bool,
    /// Per-request timeout of probes.
    pub timeout: Duration,
    /// The service's real peak request rate, per second (`[target] peak_rps`), which sizes the
    /// pool (4.2); stethoscope's own test rate is not the service's.
    pub peak_rps: Option<f64>,
}

pub use crate::evidence::EndpointKind;

/// One hot endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Display name (`GET /products/{id}` unless named).
    pub name: String,
    /// HTTP method, uppercase.
    pub method: String,
    /// Path template with `{placeholders}`.
    pub path: String,
    /// Read, write or batch.
    pub kind: EndpointKind,
    /// Reachable without credentials by design.
    pub public: bool,
    /// Returns a list (pagination checks apply).
    pub list: bool,
    /// The login endpoint (stricter rate limit expected).
    pub login: bool,
    /// Extra request headers.
    pub headers: Vec<(String, Secret)>,
    /// Request body.
    pub body: Option<Secret>,
    /// Identity to authenticate as.
    pub identity: Option<String>,
    /// Per-endpoint p99 budget.
    pub p99_budget: Option<Duration>,
    /// Values for each placeholder.
    pub params: BTreeMap<String, ParamValues>,
    /// Whether load phases may send this endpoint's requests when it changes data; `None`
    /// follows `[load] writes`.
    pub writes: Option<bool>,
    /// How to delete what its load phases created, when set.
    pub cleanup: Option<Cleanup>,
}

/// How an endpoint's created records are deleted after its load phases: a `DELETE` to each
/// answer's `Location`, or to the endpoint's path plus the value at a JSON pointer of the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cleanup {
    /// `cleanup = "location"`.
    Location,
    /// `cleanup = "/id"`: DELETE `{path}/{value}`.
    Pointer(String),
}

impl Plan {
    /// Every header a request to the endpoint carries: its own configured headers (a tenant
    /// header that picks the route), then its identity's (a token from its login included).
    /// The probes and the load phases both build their requests from it, so they hit the same
    /// route as the same caller.
    pub fn headers_for(&self, e: &Endpoint) -> Vec<(String, String)> {
        let mut headers: Vec<(String, String)> =
            e.headers.iter().map(|(n, v)| (n.clone(), v.expose().to_string())).collect();
        if let Some(identity) = e.identity.as_ref().and_then(|i| self.identities.get(i)) {
            headers.extend(identity.headers.iter().map(|(n, v)| (n.clone(), v.expose().to_string())));
        }
        headers
    }

    /// The endpoint's own headers without any credentials, for the unauthenticated probes.
    pub fn route_headers(e: &Endpoint) -> Vec<(String, String)> {
        e.headers.iter().map(|(n, v)| (n.clone(), v.expose().to_string())).collect()
    }
}

impl Endpoint {
    /// Whether its requests change data (any method but GET, HEAD and OPTIONS).
    pub fn changes_data(&self) -> bool {
        !matches!(self.method.as_str(), "GET" | "HEAD" | "OPTIONS")
    }

    /// An endpoint as a bare `[[endpoints]]` entry gives it: named `METHOD path`, read for GET and
    /// HEAD and write otherwise, not public, no list, login, headers, body, identity, budget or
    /// placeholder values.
    pub fn new(method: &str, path: &str) -> Endpoint {
        let method = method.to_ascii_uppercase();
        Endpoint {
            name: format!("{method} {path}"),
            kind: if matches!(method.as_str(), "GET" | "HEAD") { EndpointKind::Read } else { EndpointKind::Write },
            method,
            path: path.into(),
            public: false,
            list: false,
            login: false,
            headers: Vec::new(),
            body: None,
            identity: None,
            p99_budget: None,
            params: BTreeMap::new(),
            writes: None,
            cleanup: None,
        }
    }

    /// The placeholders of the path template, in order.
    pub fn placeholders(&self) -> Vec<&str> {
        placeholders(&self.path)
    }

    /// The path with placeholders filled from the n-th value of each parameter (wrapping).
    pub fn path_for(&self, n: u64) -> String {
        let mut out = self.path.clone();
        for (name, values) in &self.params {
            out = out.replace(&format!("{{{name}}}"), &encode_segment(&values.value(n)));
        }
        out
    }
}

/// What a parameter value is percent-encoded against: everything but unreserved characters,
/// exactly as the load engine encodes it (`steth_load`'s template), so probes and load phases
/// send the same bytes for the same value.
const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// A parameter value as one path segment: `a b/c` → `a%20b%2Fc`.
pub fn encode_segment(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, SEGMENT).to_string()
}

/// The URL of `path` (with its own query, if any) under `base`: the base path, then the path,
/// one slash between. The one rule the probes follow, and the load engine's `Target` too.
pub fn join_url(base: &Url, path: &str) -> Url {
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let mut url = base.clone();
    let joined = format!("{}/{}", base.path().trim_end_matches('/'), path.trim_start_matches('/'));
    url.set_path(&joined);
    url.set_query(query);
    url.set_fragment(None);
    url
}

/// Placeholders in a path template, in order.
pub fn placeholders(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        out.push(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
    }
    out
}

/// The values a placeholder takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValues {
    /// An explicit list.
    List(Vec<String>),
    /// An inclusive integer range.
    Range {
        /// First value.
        start: i64,
        /// Last value.
        end: i64,
    },
}

impl ParamValues {
    /// How many distinct values there are.
    pub fn len(&self) -> u64 {
        match self {
            ParamValues::List(v) => v.len() as u64,
            ParamValues::Range { start, end } => end.abs_diff(*start) + 1,
        }
    }
    /// Whether there are no values (never true for a validated plan).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The n-th value, wrapping around.
    pub fn value(&self, n: u64) -> String {
        match self {
            ParamValues::List(v) if v.is_empty() => String::new(),
            ParamValues::List(v) => v[(n % v.len() as u64) as usize].clone(),
            ParamValues::Range { start, .. } => (start + (n % self.len()) as i64).to_string(),
        }
    }
}

/// An identity's credentials.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Headers that authenticate (Authorization, Cookie, an API-key header).
    pub headers: Vec<(String, Secret)>,
    /// Resources this identity owns (the authorization probes of 6.2).
    pub owns: Vec<Owned>,
    /// How the identity logs in by itself, adding the token to its headers.
    pub login: Option<IdentityLogin>,
}

/// A resource an identity owns: `owns = "/orders/1001"` (private), or
/// `owns = [{ path = "/posts/42", read = "public", destructive = false }]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owned {
    /// Its path.
    pub path: String,
    /// Other identities may read it by design (`read = "public"`): only changes must be refused.
    pub public_read: bool,
    /// `DELETE` may be tried on it (`destructive = true`); never otherwise.
    pub destructive: bool,
}

impl Owned {
    /// A resource only its owner may read or change.
    pub fn private(path: impl Into<String>) -> Owned {
        Owned { path: path.into(), public_read: false, destructive: false }
    }
}

/// A login request whose answer carries a token: `[identities.NAME.login]`.
#[derive(Debug, Clone)]
pub struct IdentityLogin {
    /// The path to POST to.
    pub path: String,
    /// The JSON body (credentials: a secret).
    pub body: Secret,
    /// JSON pointer of the token in the answer, e.g. `/token`.
    pub token_pointer: String,
    /// The header the token goes into, e.g. `Authorization`.
    pub header: String,
    /// Text before the token in that header, e.g. `Bearer `.
    pub prefix: String,
}

/// Bounds of the HTTP probes: `[probes]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeSettings {
    /// Size of the oversized body streamed to write endpoints (1.6).
    pub body_size: u64,
    /// The most body bytes read from one answer.
    pub max_response: u64,
    /// The most requests of the public-endpoint burst (6.3).
    pub burst_requests: u32,
    /// The most time the burst may take.
    pub burst_window: Duration,
    /// The most login attempts (6.4).
    pub login_attempts: u32,
    /// The most time the login attempts may take.
    pub login_window: Duration,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            body_size: 16 * 1024 * 1024,
            max_response: 4 * 1024 * 1024,
            burst_requests: 200,
            burst_window: Duration::from_secs(10),
            login_attempts: 20,
            login_window: Duration::from_secs(60),
        }
    }
}

/// The PostgreSQL target.
#[derive(Debug, Clone)]
pub struct PostgresTarget {
    /// Connection URL (a secret: may carry a password).
    pub url: Secret,
    /// The service's role; defaults to the URL's user.
    pub app_role: Option<String>,
    /// stethoscope's own statement timeout.
    pub statement_timeout: Duration,
    /// stethoscope's own lock timeout.
    pub lock_timeout: Duration,
    /// CPU cores of the database server, for the pool-size formula (4.2); PostgreSQL cannot
    /// report them itself.
    pub cores: Option<u32>,
    /// Read replicas whose statements are counted during the load phases (8.4); secrets.
    pub replicas: Vec<Secret>,
    /// How long to keep watching sessions that are idle (in transaction) when the load phases
    /// end, until their stay can be judged (4.5, 4.6); `[postgres] session_watch`, default 60 s.
    pub session_watch: Duration,
}

/// The Redis target.
#[derive(Debug, Clone)]
pub struct RedisTarget {
    /// Connection URL (a secret).
    pub url: Secret,
    /// SCAN MATCH pattern for key sampling.
    pub key_pattern: Option<String>,
    /// Namespace delimiter in keys (3.5).
    pub delimiter: String,
    /// Most keys the SCAN sample reads.
    pub max_keys: u64,
    /// Longest the SCAN sample may take.
    pub scan_budget: Duration,
    /// Whether the active cache probes (3.6, 3.7) may run: they delete a key and send a burst.
    pub active: bool,
    /// The service's Prometheus counter of database statements, read when pg_stat_statements
    /// is not available.
    pub statement_metric: String,
    /// The hot key of the stampede probe (3.6).
    pub stampede: Option<HotKey>,
    /// The missing lookup of the negative-caching probe (3.7).
    pub negative: Option<MissingLookup>,
}

/// A hot read path and the cache key it fills.
#[derive(Debug, Clone)]
pub struct HotKey {
    /// Concrete request path (`/products/42`).
    pub path: String,
    /// The cache key that path reads (`shop:product:42`).
    pub key: String,
    /// Requests fired at once after the key is deleted.
    pub requests: u32,
    /// Identity to authenticate as.
    pub identity: Option<String>,
}

/// A read path for an id that does not exist.
#[derive(Debug, Clone)]
pub struct MissingLookup {
    /// Concrete request path (`/products/999999999`).
    pub path: String,
    /// Identity to authenticate as.
    pub identity: Option<String>,
}

impl RedisTarget {
    /// A target with the default sampling bounds and the active probes off.
    pub fn new(url: Secret, key_pattern: Option<String>) -> RedisTarget {
        RedisTarget {
            url,
            key_pattern,
            delimiter: ":".into(),
            max_keys: 10_000,
            scan_budget: Duration::from_secs(5),
            active: false,
            statement_metric: "db_queries_total".into(),
            stampede: None,
            negative: None,
        }
    }
}

/// The metrics endpoint.
#[derive(Debug, Clone)]
pub struct MetricsTarget {
    /// URL of the Prometheus text endpoint; `None` when only alert rules are configured.
    pub url: Option<Url>,
    /// Alert rule files to parse: paths or globs, relative ones joined to the config file's
    /// directory.
    pub rule_files: Vec<PathBuf>,
    /// A Prometheus server whose `/api/v1/rules` lists the loaded rules.
    pub prometheus: Option<Url>,
    /// The query-duration histogram family to read (2.1); `None` detects it.
    pub query_histogram: Option<String>,
}

impl MetricsTarget {
    /// Where the metrics evidence comes from, credentials redacted.
    pub fn location(&self) -> String {
        let urls = self.url.iter().chain(&self.prometheus).map(|u| redact_url(u.as_str()));
        let files = self.rule_files.iter().map(|p| p.display().to_string());
        urls.chain(files).collect::<Vec<_>>().join(", ")
    }

    /// A target with the query-duration histogram detected.
    pub fn new(url: Url) -> MetricsTarget {
        MetricsTarget { url: Some(url), rule_files: Vec::new(), prometheus: None, query_histogram: None }
    }
}

/// The unit a duration metric's name ends with, by Prometheus naming convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    /// `_seconds`.
    Seconds,
    /// `_milliseconds` or `_ms`.
    Milliseconds,
}

impl DurationUnit {
    /// The unit a family name states by its suffix; `None` when it states none.
    pub fn of(family: &str) -> Option<DurationUnit> {
        if family.ends_with("_seconds") {
            Some(DurationUnit::Seconds)
        } else if family.ends_with("_milliseconds") || family.ends_with("_ms") {
            Some(DurationUnit::Milliseconds)
        } else {
            None
        }
    }

    /// Milliseconds in one of this unit.
    pub fn ms(self) -> f64 {
        match self {
            DurationUnit::Seconds => 1000.0,
            DurationUnit::Milliseconds => 1.0,
        }
    }

    /// The unit's name: `seconds` or `milliseconds`.
    pub fn word(self) -> &'static str {
        match self {
            DurationUnit::Seconds => "seconds",
            DurationUnit::Milliseconds => "milliseconds",
        }
    }
}

/// Health paths to try, configured first then common alternatives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthPaths {
    /// Liveness candidates in order.
    pub liveness: Vec<String>,
    /// Readiness candidates in order.
    pub readiness: Vec<String>,
}

impl Default for HealthPaths {
    fn default() -> Self {
        HealthPaths {
            liveness: ["/health/live", "/livez", "/healthz", "/health"].map(String::from).to_vec(),
            readiness: ["/health/ready", "/readyz", "/ready"].map(String::from).to_vec(),
        }
    }
}

/// A value that must never be printed in full: its `Debug` and `Display` are redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    /// The value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// A printable form: URLs with their password masked, other values reduced to a hint.
    pub fn redacted(&self) -> String {
        if self.0.contains("://") { redact_url(&self.0) } else { redact_token(&self.0) }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Query keys whose values are credentials (libpq's `password` and `sslpassword`, API tokens
/// and keys): a key containing one of these words is masked.
const SECRET_QUERY_WORDS: [&str; 6] = ["password", "passwd", "pwd", "token", "key", "secret"];

/// Whether a query key names a secret.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_QUERY_WORDS.iter().any(|w| key.contains(w))
}

/// The one redaction rule for URLs, wherever one is printed or stored: the userinfo password
/// and the values of query keys that name a secret (`?password=`, `?token=`) become `***`.
/// Text that is not a URL keeps everything but what looks like those parts, so a config error
/// still shows the mistake (`http://` stays `http://`).
pub fn redact_url(text: &str) -> String {
    match Url::parse(text) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            if let Some(query) = url.query()
                && query.split('&').any(|pair| is_secret_key(pair.split('=').next().unwrap_or("")))
            {
                let masked = mask_query(query);
                url.set_query(Some(&masked));
            }
            url.to_string()
        }
        _ => redact_unparsed(text),
    }
}

/// A raw query string with the values of secret keys replaced by `***`.
fn mask_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if is_secret_key(k) => format!("{k}=***"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Masks the secret parts of text that does not parse as a URL: a userinfo password
/// (`scheme://user:PASSWORD@`) and secret query values; the rest is shown as typed.
fn redact_unparsed(text: &str) -> String {
    let (head, query) = match text.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (text, None),
    };
    let mut out = match head.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(authority_end);
            let authority = match authority.rsplit_once('@') {
                Some((userinfo, host)) => match userinfo.split_once(':') {
                    Some((user, _)) => format!("{user}:***@{host}"),
                    None => format!("{userinfo}@{host}"),
                },
                None => authority.to_string(),
            };
            format!("{scheme}://{authority}{path}")
        }
        None => head.to_string(),
    };
    if let Some(q) = query {
        out.push('?');
        out.push_str(&mask_query(q));
    }
    out
}

/// Masks a credential: an auth scheme word (`Bearer`, `Token`, `Basic`) stays, the rest is
/// `***`, so nothing of the secret itself is shown.
pub fn redact_token(text: &str) -> String {
    match text.trim().split_once(' ') {
        Some((scheme, _)) if scheme.len() <= 16 && scheme.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            format!("{scheme} ***")
        }
        _ => "***".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_print() {
        let s = Secret::new("postgresql://app:hunter2@db:5432/shop");
        assert_eq!(s.to_string(), "postgresql://app:***@db:5432/shop");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(Secret::new("Bearer abcdefghijkl").to_string(), "Bearer ***");
        assert_eq!(Secret::new("abcdefghijkl").to_string(), "***");
        assert_eq!(redact_url("redis://:pw@127.0.0.1:6379"), "redis://:***@127.0.0.1:6379");
    }

    #[test]
    fn query_secrets_and_unparsable_urls_are_masked_only_where_secret() {
        assert_eq!(
            redact_url("postgresql://app@db/shop?sslmode=require&password=hunter2&sslpassword=x"),
            "postgresql://app@db/shop?sslmode=require&password=***&sslpassword=***"
        );
        assert_eq!(redact_url("http://h/?api_key=k1&page=2&Token=t"), "http://h/?api_key=***&page=2&Token=***");
        assert_eq!(redact_url("http://"), "http://");
        assert_eq!(redact_url("http://u:hunter2@ho st/x"), "http://u:***@ho st/x");
        assert_eq!(redact_url("not a url?secret=s3"), "not a url?secret=***");
        assert_eq!(redact_url("mailto:a@b"), "mailto:a@b");
    }

    #[test]
    fn paths_fill_placeholders_from_lists_and_ranges() {
        let mut params = BTreeMap::new();
        params.insert("id".to_string(), ParamValues::Range { start: 10, end: 12 });
        params.insert("tab".to_string(), ParamValues::List(vec!["a".into(), "b".into()]));
        let e = Endpoint { params, ..Endpoint::new("get", "/p/{id}/{tab}") };
        assert_eq!((e.name.as_str(), e.method.as_str(), e.kind), ("GET /p/{id}/{tab}", "GET", EndpointKind::Read));
        assert_eq!(Endpoint::new("post", "/orders").kind, EndpointKind::Write);
        assert_eq!(e.placeholders(), vec!["id", "tab"]);
        assert_eq!(e.path_for(0), "/p/10/a");
        assert_eq!(e.path_for(4), "/p/11/a");
    }
}
