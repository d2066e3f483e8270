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
