//! Validation of the `[redis]` table: sampling bounds and the active cache probes.

use super::raw::RawRedis;
use super::{ConfigError, HotKey, MissingLookup, Plan, RedisTarget, Secret, Validator};
use toml::Spanned;

/// Requests the stampede probe fires at once unless configured.
const DEFAULT_STAMPEDE_REQUESTS: u32 = 50;

impl Validator<'_> {
    pub(super) fn redis(&self, r: &RawRedis, plan: &Plan) -> Result<RedisTarget, ConfigError> {
        let url = self.url(&r.url, "redis.url", &["redis", "rediss"])?;
        let mut target = RedisTarget::new(Secret::new(url.to_string()), r.key_pattern.clone());
        if let Some(d) = &r.delimiter {
            if d.get_ref().is_empty() {
                return Err(self.fail(d.span(), "redis.delimiter", "must not be empty"));
            }
            target.delimiter = d.get_ref().clone();
        }
        if let Some(n) = &r.max_keys {
            target.max_keys = u64::try_from(*n.get_ref())
                .ok()
                .filter(|n| (1..=1_000_000).contains(n))
                .ok_or_else(|| self.fail(n.span(), "redis.max_keys", "is not a count from 1 to 1000000"))?;
        }
        target.scan_budget = self.duration(&r.scan_budget, "redis.scan_budget", target.scan_budget)?;
        target.active = r.active;
        if let Some(m) = &r.statement_metric {
            target.statement_metric = m.clone();
        }
        if let Some(s) = &r.stampede {
            let requests = match &s.requests {
                None => DEFAULT_STAMPEDE_REQUESTS,
                Some(n) => u32::try_from(*n.get_ref())
                    .ok()
                    .filter(|n| (2..=1000).contains(n))
                    .ok_or_else(|| self.fail(n.span(), "redis.stampede.requests", "is not a count from 2 to 1000"))?,
            };
            target.stampede = Some(HotKey {
                path: self.probe_path(&s.path, "redis.stampede.path")?,
                key: self.text(&s.key, "redis.stampede.key")?,
                requests,
                identity: self.known_identity(&s.identity, "redis.stampede.identity", plan)?,
            });
        }
        if let Some(n) = &r.negative {
            target.negative = Some(MissingLookup {
                path: self.probe_path(&n.path, "redis.negative.path")?,
                identity: self.known_identity(&n.identity, "redis.negative.identity", plan)?,
            });
        }
        Ok(target)
    }

    fn probe_path(&self, value: &Spanned<String>, key: &str) -> Result<String, ConfigError> {
        let path = self.text(value, key)?;
        if !path.starts_with('/') || path.contains('{') {
            return Err(self.fail(value.span(), key, format!("`{path}` must be a concrete path starting with `/`")));
        }
        Ok(path)
    }

    fn known_identity(
        &self,
        value: &Option<Spanned<String>>,
        key: &str,
        plan: &Plan,
    ) -> Result<Option<String>, ConfigError> {
        let Some(v) = value else { return Ok(None) };
        if !plan.identities.contains_key(v.get_ref()) {
            return Err(self.fail(
                v.span(),
                key,
                format!("identity `{}` is not defined under [identities]", v.get_ref()),
            ));
        }
        Ok(Some(v.get_ref().clone()))
    }
}

#[cfg(test)]
mod tests {
    use crate::config::parse;
    use std::time::Duration;

    fn env(_: &str) -> Option<String> {
        None
    }

    const REDIS: &str = r#"
[identities.alice]
headers = { Authorization = "Bearer t" }

[redis]
url = "redis://127.0.0.1:6379"
key_pattern = "app:*"
delimiter = "/"
max_keys = 500
scan_budget = "2s"
active = true
statement_metric = "app_db_statements_total"

[redis.stampede]
path = "/products/42"
key = "app:product:42"
requests = 20
identity = "alice"

[redis.negative]
path = "/products/999999999"
"#;

    #[test]
    fn reads_the_sampling_bounds_and_the_active_probes() {
        let plan = parse("stethoscope.toml", REDIS, &env).unwrap_or_else(|e| panic!("{e}"));
        let r = plan.redis.expect("a redis target");
        assert_eq!((r.delimiter.as_str(), r.max_keys, r.scan_budget), ("/", 500, Duration::from_secs(2)));
        assert!(r.active);
        assert_eq!(r.statement_metric, "app_db_statements_total");
        let hot = r.stampede.expect("a hot key");
        assert_eq!((hot.path.as_str(), hot.key.as_str(), hot.requests), ("/products/42", "app:product:42", 20));
        assert_eq!(hot.identity.as_deref(), Some("alice"));
        assert_eq!(r.negative.expect("a missing id").path, "/products/999999999");
    }

    #[test]
    fn defaults_are_bounded_and_passive() {
        let plan = parse("stethoscope.toml", "[redis]\nurl = \"redis://127.0.0.1\"\n", &env).expect("valid");
        let r = plan.redis.expect("a redis target");
        assert_eq!((r.max_keys, r.scan_budget, r.active), (10_000, Duration::from_secs(5), false));
        assert!(r.stampede.is_none() && r.negative.is_none());
    }

    #[test]
    fn rejects_templates_unknown_identities_and_wild_counts() {
        let bad = |text: &str| parse("stethoscope.toml", text, &env).expect_err("rejected").to_string();
        let base = "[redis]\nurl = \"redis://127.0.0.1\"\n";
        let e = bad(&format!("{base}[redis.stampede]\npath = \"/products/{{id}}\"\nkey = \"k\"\n"));
        assert!(e.contains("redis.stampede.path") && e.contains("concrete path"), "{e}");
        let e = bad(&format!("{base}[redis.negative]\npath = \"/p/1\"\nidentity = \"mallory\"\n"));
        assert!(e.contains("identity `mallory` is not defined"), "{e}");
        let e = bad(&format!("{base}[redis.stampede]\npath = \"/p/1\"\nkey = \"k\"\nrequests = 1000000\n"));
        assert!(e.contains("redis.stampede.requests"), "{e}");
        let e = bad(&format!("{base}max_keys = 0\n"));
        assert!(e.contains("redis.max_keys"), "{e}");
    }
}
