//! `stethoscope.toml`: parsing, `${ENV_VAR}` interpolation and validation into a [`Plan`].
//! Every error names the file, line, column and key.

mod error;
mod history;
mod load;
mod plan;
mod probes;
mod raw;
mod redis;
mod source;

pub use error::ConfigError;
pub use history::HistoryPlan;
pub use load::LoadPlan;
pub use plan::{
    Cleanup, DEFAULT_SESSION_WATCH, DurationUnit, Endpoint, EndpointKind, HealthPaths, HotKey, Identity, IdentityLogin,
    MetricsTarget, MissingLookup, Owned, ParamValues, Plan, PostgresTarget, ProbeSettings, RedisTarget, Secret, Target,
    encode_segment, join_url, placeholders, redact_token, redact_url,
};
pub use source::{DEFAULT_FIXTURE_GLOBS, DEFAULT_MAX_BLOB_BYTES, SourcePlan};

use crate::catalog;
use crate::threshold::parse_duration;
use error::Locator;
use raw::{RawConfig, RawEndpoint};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;
use toml::Spanned;
use url::Url;

/// The foreign origin CORS probes send unless the config names another.
pub const DEFAULT_FOREIGN_ORIGIN: &str = "https://stethoscope-probe.invalid";

/// Reads and validates a config file, interpolating `${VAR}` from the process environment.
pub fn load(path: &std::path::Path) -> Result<Plan, ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: file.clone(),
        line: None,
        column: None,
        key: None,
        message: format!("cannot read the config file: {e}"),
    })?;
    parse(&file, &text, &|name| std::env::var(name).ok())
}

/// Parses and validates config text; `env` resolves `${VAR}` references.
pub fn parse(file: &str, text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Plan, ConfigError> {
    let at = Locator { file, text };
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let message = e.message().trim().to_string();
        let field = message.strip_prefix("unknown field `").and_then(|rest| rest.split('`').next());
        let mut error = at.error(e.span(), None, human(&message));
        if let Some(field) = field {
            // The located key ends at the table holding the unknown field.
            error.key = Some(match error.key.take() {
                Some(k) if !k.ends_with(field) && !k.contains('.') => format!("{k}.{field}"),
                Some(k) if k.ends_with(field) => k,
                Some(k) => format!("{}.{field}", k.rsplit_once('.').map_or(k.as_str(), |(t, _)| t)),
                None => field.to_string(),
            });
        }
        error
    })?;
    Validator { at, env }.plan(raw)
}

/// A serde/toml message in the user's words: the expected form, never a Rust type name.
fn human(message: &str) -> String {
    let forms = [
        ("expected f64", "expected a number such as `2.5`"),
        ("expected i64", "expected a whole number such as `10`"),
        ("expected u64", "expected a whole number such as `10`"),
        ("expected u32", "expected a whole number such as `10`"),
        ("expected a boolean", "expected `true` or `false`"),
        ("expected a string", "expected a quoted text such as `\"150ms\"`"),
        ("expected a sequence", "expected a list such as `[\"a\", \"b\"]`"),
        ("expected an array of length 2", "expected two numbers such as `[1, 100]`"),
    ];
    let mut text = message.to_string();
    for (serde, human) in forms {
        if let Some(at) = text.find(serde) {
            text = format!("{}{human}", &text[..at]);
        }
    }
    text.replace("invalid type: ", "wrong type: ")
}

/// The value `stethoscope init` writes for a path parameter it found no values for; `audit`
/// refuses it until a human replaces it.
pub const UNFILLED_PARAM: &str = "REPLACE-ME";

/// The largest size a `[probes]` byte setting accepts.
pub(crate) const MAX_SIZE: u64 = 1 << 30;

/// Whether a header name is an HTTP token.
fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Whether a header value holds no line break or other control character (a tab is allowed).
fn is_header_value(value: &str) -> bool {
    value.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

struct Validator<'a> {
    at: Locator<'a>,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Validator<'_> {
    fn fail(&self, span: Range<usize>, key: impl Into<String>, message: impl Into<String>) -> ConfigError {
        self.at.error(Some(span), Some(key.into()), message)
    }

    /// The value with `${VAR}` references replaced.
    fn text(&self, value: &Spanned<String>, key: &str) -> Result<String, ConfigError> {
        let raw = value.get_ref();
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find('}') else {
                return Err(self.fail(value.span(), key, "unclosed `${` in value"));
            };
            let name = &rest[start + 2..start + end];
            match (self.env)(name) {
                Some(v) => out.push_str(&v),
                None => {
                    return Err(self.fail(value.span(), key, format!("environment variable `{name}` is not set")));
                }
            }
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The resources an identity owns, in either form; `${VAR}`s expanded.
    fn owns(&self, value: &Spanned<raw::RawOwns>, key: &str) -> Result<Vec<Owned>, ConfigError> {
        let span = value.span();
        let path = |p: &str| self.text(&Spanned::new(span.clone(), p.to_string()), key);
        match value.get_ref() {
            raw::RawOwns::Path(p) => Ok(vec![Owned::private(path(p)?)]),
            raw::RawOwns::List(list) => list
                .iter()
                .map(|o| {
                    let public_read = match o.read.as_deref() {
                        None | Some("private") => false,
                        Some("public") => true,
                        Some(other) => {
                            return Err(self.fail(
                                span.clone(),
                                key,
                                format!("read = `{other}`: expected \"public\" or \"private\""),
                            ));
                        }
                    };
                    Ok(Owned { path: path(&o.path)?, public_read, destructive: o.destructive })
                })
                .collect(),
        }
    }

    fn url(&self, value: &Spanned<String>, key: &str, schemes: &[&str]) -> Result<Url, ConfigError> {
        let text = self.text(value, key)?;
        let shown = redact_url(&text);
        let url = Url::parse(&text)
            .map_err(|e| self.fail(value.span(), key, format!("`{shown}` is not a valid URL: {e}")))?;
        if !schemes.contains(&url.scheme()) {
            return Err(self.fail(
                value.span(),
                key,
                format!("`{shown}` has scheme `{}`; expected {}", url.scheme(), schemes.join(" or ")),
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(self.fail(value.span(), key, format!("`{shown}` names no host")));
        }
        Ok(url)
    }

    fn duration(&self, value: &Option<Spanned<String>>, key: &str, default: Duration) -> Result<Duration, ConfigError> {
        match value {
            None => Ok(default),
            Some(v) => parse_duration(v.get_ref()).filter(|d| !d.is_zero()).ok_or_else(|| {
                self.fail(
                    v.span(),
                    key,
                    format!("`{}` is not a duration above zero such as `500ms` or `5s`", v.get_ref()),
                )
            }),
        }
    }

    /// Validated headers: names are HTTP tokens, values hold no line break.
    fn headers(
        &self,
        raw: &BTreeMap<String, Spanned<String>>,
        key: &dyn Fn(&str) -> String,
    ) -> Result<Vec<(String, Secret)>, ConfigError> {
        let mut headers = Vec::new();
        for (h, v) in raw {
            if !is_header_name(h) {
                return Err(self.fail(
                    v.span(),
                    key(h),
                    format!("`{h}` is not an HTTP header name (letters, digits, `-`)"),
                ));
            }
            let value = self.text(v, &key(h))?;
            if !is_header_value(&value) {
                return Err(self.fail(
                    v.span(),
                    key(h),
                    "is not a valid HTTP header value: it holds a line break or a control character",
                ));
            }
            headers.push((h.clone(), Secret::new(value)));
        }
        Ok(headers)
    }

    /// A histogram family name whose unit its suffix states.
    fn histogram(&self, name: &Spanned<String>) -> Result<String, ConfigError> {
        const KEY: &str = "metrics.query_histogram";
        let family = name.get_ref().trim();
        let valid = family
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit()));
        if family.is_empty() || !valid {
            return Err(self.fail(
                name.span(),
                KEY,
                format!("`{family}` is not a metric name (letters, digits, `_` and `:`, not starting with a digit)"),
            ));
        }
        if let Some(base) = ["_bucket", "_count", "_sum"].iter().find_map(|s| family.strip_suffix(s)) {
            return Err(self.fail(
                name.span(),
                KEY,
                format!("`{family}` names one series; name the histogram family, e.g. `{base}`"),
            ));
        }
        if DurationUnit::of(family).is_none() {
            return Err(self.fail(
                name.span(),
                KEY,
                format!("`{family}` does not state its unit: stethoscope reads the unit from the suffix `_seconds`, `_milliseconds` or `_ms` and does not guess"),
            ));
        }
        Ok(family.to_string())
    }

    fn item_id(&self, id: &Spanned<String>, table: &str) -> Result<&'static catalog::Item, ConfigError> {
        catalog::find(id.get_ref()).filter(|i| i.id == id.get_ref()).ok_or_else(|| {
            self.fail(
                id.span(),
                format!("{table}.\"{}\"", id.get_ref()),
                format!(
                    "unknown item id `{}`; ids run from 1.1 to 9.5 (`stethoscope checks` lists them)",
                    id.get_ref()
                ),
            )
        })
    }

    fn plan(&self, raw: RawConfig) -> Result<Plan, ConfigError> {
        let mut plan = Plan { cors_origin: DEFAULT_FOREIGN_ORIGIN.to_string(), ..Plan::default() };
        plan.load = load::plan(&self.at, raw.load.as_ref())?;
        plan.history = self.history(raw.history.as_ref())?;
        if let Some(t) = &raw.target {
            let base_url = self.url(&t.base_url, "target.base_url", &["http", "https"])?;
            if base_url.query().is_some() {
                return Err(self.fail(
                    t.base_url.span(),
                    "target.base_url",
                    "has a query string; endpoint paths are appended to the base path, so put the \
                     parameter in each endpoint's `path` (or a header in `headers`)",
                ));
            }
            plan.target = Some(Target {
                base_url,
                serverless: t.serverless,
                timeout: self.duration(&t.timeout, "target.timeout", Duration::from_secs(10))?,
                peak_rps: match &t.peak_rps {
                    Some(n) if n.get_ref().is_finite() && *n.get_ref() > 0.0 => Some(*n.get_ref()),
                    Some(n) => return Err(self.fail(n.span(), "target.peak_rps", "is not a positive request rate")),
                    None => None,
                },
            });
            if let Some(doc) = &t.openapi {
                let text = self.text(doc, "target.openapi")?;
                if text.trim().is_empty() {
                    return Err(self.fail(doc.span(), "target.openapi", "expected a URL or a file path"));
                }
                plan.openapi = Some(PathBuf::from(text));
            }
        }
        for (name, identity) in &raw.identities {
            let headers = self.headers(&identity.headers, &|h| format!("identities.{name}.headers.{h}"))?;
            let owns = match &identity.owns {
                Some(o) => self.owns(o, &format!("identities.{name}.owns"))?,
                None => Vec::new(),
            };
            let login = match &identity.login {
                Some(l) => Some(self.login(name, l)?),
                None => None,
            };
            plan.identities.insert(name.clone(), Identity { headers, owns, login });
        }
        if let (None, Some(first)) = (&raw.target, raw.endpoints.first()) {
            return Err(self.fail(
                first.path.span(),
                "endpoints[0]",
                "[[endpoints]] need a [target] with base_url = \"http://host:port\"",
            ));
        }
        for (n, e) in raw.endpoints.iter().enumerate() {
            let endpoint = self.endpoint(n, e, &plan)?;
            if let Some(m) = plan.endpoints.iter().position(|o| o.method == endpoint.method && o.path == endpoint.path)
            {
                return Err(self.fail(
                    e.path.span(),
                    format!("endpoints[{n}].path"),
                    format!("{} {} is already endpoints[{m}]", endpoint.method, endpoint.path),
                ));
            }
            plan.endpoints.push(endpoint);
        }
        if let Some(p) = &raw.postgres {
            let url = self.url(&p.url, "postgres.url", &["postgres", "postgresql"])?;
            let mut replicas = Vec::new();
            for replica in &p.replicas {
                let replica = self.url(replica, "postgres.replicas", &["postgres", "postgresql"])?;
                replicas.push(Secret::new(replica.to_string()));
            }
            plan.postgres = Some(PostgresTarget {
                url: Secret::new(url.to_string()),
                replicas,
                app_role: p.app_role.clone(),
                statement_timeout: self.duration(
                    &p.statement_timeout,
                    "postgres.statement_timeout",
                    Duration::from_secs(5),
                )?,
                lock_timeout: self.duration(&p.lock_timeout, "postgres.lock_timeout", Duration::from_secs(1))?,
                cores: match &p.cores {
                    Some(n) => {
                        Some(u32::try_from(*n.get_ref()).ok().filter(|n| (1..=4096).contains(n)).ok_or_else(|| {
                            self.fail(n.span(), "postgres.cores", "is not a core count from 1 to 4096")
                        })?)
                    }
                    None => None,
                },
                session_watch: self.duration(&p.session_watch, "postgres.session_watch", DEFAULT_SESSION_WATCH)?,
            });
        }
        if let Some(r) = &raw.redis {
            plan.redis = Some(self.redis(r, &plan)?);
        }
        if let Some(m) = &raw.metrics {
            let base = std::path::Path::new(self.at.file).parent().unwrap_or(std::path::Path::new(""));
            let mut rule_files = Vec::new();
            for pattern in &m.rule_files {
                rule_files.push(base.join(self.text(pattern, "metrics.rule_files")?));
            }
            let url = m.url.as_ref().map(|u| self.url(u, "metrics.url", &["http", "https"])).transpose()?;
            let prometheus =
                m.prometheus.as_ref().map(|u| self.url(u, "metrics.prometheus", &["http", "https"])).transpose()?;
            if url.is_none() && prometheus.is_none() && rule_files.is_empty() {
                return Err(self.at.error(
                    None,
                    Some("metrics".into()),
                    "[metrics] needs url, rule_files or prometheus",
                ));
            }
            plan.metrics = Some(MetricsTarget {
                url,
                rule_files,
                prometheus,
                query_histogram: m.query_histogram.as_ref().map(|h| self.histogram(h)).transpose()?,
            });
        }
        if let Some(s) = &raw.source {
            plan.source = Some(self.source(s)?);
        }
        if let Some(h) = &raw.health {
            let defaults = HealthPaths::default();
            plan.health = HealthPaths {
                liveness: merge_paths(h.liveness.as_deref(), &defaults.liveness),
                readiness: merge_paths(h.readiness.as_deref(), &defaults.readiness),
            };
        }
        if let Some(origin) = raw.cors.as_ref().and_then(|c| c.foreign_origin.as_ref()) {
            plan.cors_origin =
                self.url(origin, "cors.foreign_origin", &["http", "https"])?.origin().ascii_serialization();
        }
        if let Some(p) = &raw.probes {
            plan.probes = self.probes(p)?;
        }
        for (id, value) in &raw.thresholds {
            let item = self.item_id(id, "thresholds")?;
            let threshold = item.default_threshold.with_override(value.get_ref()).map_err(|e| {
                self.fail(
                    value.span(),
                    format!("thresholds.\"{}\"", item.id),
                    format!("invalid threshold for {}: {e}", item.id),
                )
            })?;
            plan.policy.thresholds.insert(item.id.to_string(), threshold);
        }
        for (table, entries, target) in
            [("attest", &raw.attest, &mut plan.policy.attest), ("na", &raw.na, &mut plan.policy.na)]
        {
            for (id, note) in entries {
                let item = self.item_id(id, table)?;
                let text = self.text(note, &format!("{table}.\"{}\"", item.id))?;
                if text.trim().is_empty() {
                    return Err(self.fail(
                        note.span(),
                        format!("{table}.\"{}\"", item.id),
                        "needs an evidence note saying why",
                    ));
                }
                target.insert(item.id.to_string(), text);
            }
        }
        if let Some(id) = plan.policy.attest.keys().find(|id| plan.policy.na.contains_key(*id)) {
            return Err(self.at.error(
                None,
                Some(format!("na.\"{id}\"")),
                format!("item {id} is both attested and declared n/a"),
            ));
        }
        Ok(plan)
    }

    fn endpoint(&self, n: usize, e: &RawEndpoint, plan: &Plan) -> Result<Endpoint, ConfigError> {
        let key = |field: &str| format!("endpoints[{n}].{field}");
        let method = e.method.get_ref().to_ascii_uppercase();
        const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
        if !METHODS.contains(&method.as_str()) {
            return Err(self.fail(
                e.method.span(),
                key("method"),
                format!("unknown method `{}`; expected one of {}", e.method.get_ref(), METHODS.join(", ")),
            ));
        }
        let path = e.path.get_ref().clone();
        if !path.starts_with('/') {
            return Err(self.fail(e.path.span(), key("path"), format!("`{path}` must start with `/`")));
        }
        let kind = match e.kind.as_ref().map(|k| (k, k.get_ref().as_str())) {
            None if matches!(method.as_str(), "GET" | "HEAD") => EndpointKind::Read,
            None => EndpointKind::Write,
            Some((_, "read")) => EndpointKind::Read,
            Some((_, "write")) => EndpointKind::Write,
            Some((_, "batch")) => EndpointKind::Batch,
            Some((k, other)) => {
                return Err(self.fail(
                    k.span(),
                    key("kind"),
                    format!("unknown kind `{other}`; expected read, write or batch"),
                ));
            }
        };
        let mut params = BTreeMap::new();
        for (name, value) in &e.params {
            params.insert(name.clone(), self.param(value, &key(&format!("params.{name}")))?);
        }
        for placeholder in placeholders(&path) {
            if !params.contains_key(placeholder) {
                return Err(self.fail(
                    e.path.span(),
                    key("path"),
                    format!("placeholder `{{{placeholder}}}` has no values: add `params.{placeholder} = [..]` or `{{ range = [1, 100] }}`"),
                ));
            }
        }
        let body_text = e.body.as_ref().map(|b| b.get_ref().as_str()).unwrap_or_default();
        if let Some(unused) = params
            .keys()
            .find(|p| !placeholders(&path).contains(&p.as_str()) && !body_text.contains(&format!("{{{p}}}")))
        {
            return Err(self.fail(
                e.path.span(),
                key(&format!("params.{unused}")),
                format!("no `{{{unused}}}` placeholder in `{path}` or the body"),
            ));
        }
        if let Some(identity) = &e.identity
            && !plan.identities.contains_key(identity.get_ref())
        {
            return Err(self.fail(
                identity.span(),
                key("identity"),
                format!("no identity `{}` under [identities]", identity.get_ref()),
            ));
        }
        let headers = self.headers(&e.headers, &|h| key(&format!("headers.{h}")))?;
        let body = match &e.body {
            Some(b) => Some(Secret::new(self.text(b, &key("body"))?)),
            None => None,
        };
        let p99_budget = match &e.p99_budget {
            Some(b) => Some(self.duration(&Some(b.clone()), &key("p99_budget"), Duration::ZERO)?),
            None => None,
        };
        Ok(Endpoint {
            name: e.name.clone().unwrap_or_else(|| format!("{method} {path}")),
            method,
            path,
            kind,
            public: e.public,
            list: e.list,
            login: e.login,
            headers,
            body,
            identity: e.identity.as_ref().map(|i| i.get_ref().clone()),
            p99_budget,
            params,
            writes: e.writes,
            cleanup: match &e.cleanup {
                None => None,
                Some(c) if c.get_ref() == "location" => Some(Cleanup::Location),
                Some(c) if c.get_ref().starts_with('/') => Some(Cleanup::Pointer(c.get_ref().clone())),
                Some(c) => {
                    return Err(self.fail(
                        c.span(),
                        key("cleanup"),
                        format!("`{}` is not `location` or a JSON pointer such as `/id`", c.get_ref()),
                    ));
                }
            },
        })
    }
}

impl Validator<'_> {
    /// A placeholder's values: a non-empty list, or `{ range = [a, b] }` with a <= b.
    fn param(&self, value: &Spanned<toml::Value>, key: &str) -> Result<ParamValues, ConfigError> {
        const FORM: &str =
            "expected a list such as `[\"a1\", \"b2\"]` or an inclusive range such as `{ range = [1, 100] }`";
        match value.get_ref() {
            toml::Value::Array(items) if items.is_empty() => {
                Err(self.fail(value.span(), key, "needs at least one value"))
            }
            toml::Value::Array(items) if items.iter().any(|v| v.as_str() == Some(UNFILLED_PARAM)) => Err(self.fail(
                value.span(),
                key,
                format!("still holds `{UNFILLED_PARAM}` from `stethoscope init`: replace it with values that exist"),
            )),
            toml::Value::Array(items) => {
                let items: Vec<String> =
                    items.iter().map(|v| v.as_str().map(String::from).unwrap_or_else(|| v.to_string())).collect();
                // `.` and `..` are dot segments: URL libraries resolve them away (the probes
                // would hit `/admin` where the load sends `/products/..`), so no value may be one.
                if let Some(dot) = items.iter().find(|v| matches!(v.as_str(), "." | "..")) {
                    return Err(self.fail(
                        value.span(),
                        key,
                        format!("value `{dot}` is a dot segment, which no URL can carry as a path segment"),
                    ));
                }
                Ok(ParamValues::List(items))
            }
            toml::Value::Table(table) => {
                if let Some(unknown) = table.keys().find(|k| *k != "range") {
                    return Err(self.fail(
                        value.span(),
                        format!("{key}.{unknown}"),
                        format!("unknown key `{unknown}`; {FORM}"),
                    ));
                }
                let bounds = table
                    .get("range")
                    .and_then(toml::Value::as_array)
                    .filter(|a| a.len() == 2)
                    .and_then(|a| Some((a[0].as_integer()?, a[1].as_integer()?)));
                match bounds {
                    None => Err(self.fail(value.span(), format!("{key}.range"), format!("{FORM}: two whole numbers"))),
                    Some((start, end)) if start > end => {
                        Err(self.fail(value.span(), key, format!("range [{start}, {end}] is empty")))
                    }
                    Some((start, end)) => Ok(ParamValues::Range { start, end }),
                }
            }
            _ => Err(self.fail(value.span(), key, FORM)),
        }
    }
}

fn merge_paths(configured: Option<&[String]>, defaults: &[String]) -> Vec<String> {
    let mut out: Vec<String> = configured.unwrap_or_default().to_vec();
    for d in defaults {
        if !out.contains(d) {
            out.push(d.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests;
