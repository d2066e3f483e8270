//! Validation of the HTTP probe settings: an identity's `login` block and the `[probes]` table.

use super::raw::{RawLogin, RawProbes};
use super::{ConfigError, IdentityLogin, ProbeSettings, Secret, Validator};
use crate::threshold::parse_bytes;
use toml::Spanned;

impl Validator<'_> {
    pub(super) fn login(&self, name: &str, l: &RawLogin) -> Result<IdentityLogin, ConfigError> {
        let key = |field: &str| format!("identities.{name}.login.{field}");
        let path = self.text(&l.path, &key("path"))?;
        if !path.starts_with('/') {
            return Err(self.fail(l.path.span(), key("path"), format!("`{path}` must start with `/`")));
        }
        let body = self.text(&l.body, &key("body"))?;
        if serde_json::from_str::<serde_json::Value>(&body).is_err() {
            return Err(self.fail(l.body.span(), key("body"), "is not valid JSON"));
        }
        let token_pointer = l.token.as_ref().map_or_else(|| "/token".to_string(), |t| t.get_ref().clone());
        if let Some(t) = &l.token
            && !token_pointer.starts_with('/')
        {
            return Err(self.fail(
                t.span(),
                key("token"),
                format!("`{token_pointer}` is not a JSON pointer such as `/token`"),
            ));
        }
        let header = l.header.as_ref().map_or_else(|| "Authorization".to_string(), |h| h.get_ref().clone());
        if let Some(h) = &l.header
            && (header.is_empty() || !header.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        {
            return Err(self.fail(h.span(), key("header"), format!("`{header}` is not a header name")));
        }
        let prefix = l.prefix.as_ref().map_or_else(|| "Bearer ".to_string(), |p| p.get_ref().clone());
        Ok(IdentityLogin { path, body: Secret::new(body), token_pointer, header, prefix })
    }

    pub(super) fn probes(&self, p: &RawProbes) -> Result<ProbeSettings, ConfigError> {
        let defaults = ProbeSettings::default();
        let bytes = |value: &Option<Spanned<String>>, key: &str, default: u64, min: u64| match value {
            None => Ok(default),
            Some(v) => parse_bytes(v.get_ref()).filter(|b| (min..=super::MAX_SIZE).contains(b)).ok_or_else(|| {
                self.fail(
                    v.span(),
                    key,
                    format!("`{}` is not a size from {min} bytes to 1GiB such as `16MiB`", v.get_ref()),
                )
            }),
        };
        let count = |value: &Option<Spanned<i64>>, key: &str, default: u32, max: u32| match value {
            None => Ok(default),
            Some(v) => u32::try_from(*v.get_ref())
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| self.fail(v.span(), key, format!("{} is not a count from 1 to {max}", v.get_ref()))),
        };
        Ok(ProbeSettings {
            body_size: bytes(&p.body_size, "probes.body_size", defaults.body_size, 1024)?,
            max_response: bytes(&p.max_response, "probes.max_response", defaults.max_response, 1024)?,
            burst_requests: count(&p.burst_requests, "probes.burst_requests", defaults.burst_requests, 100_000)?,
            burst_window: self.duration(&p.burst_window, "probes.burst_window", defaults.burst_window)?,
            login_attempts: count(&p.login_attempts, "probes.login_attempts", defaults.login_attempts, 1000)?,
            login_window: self.duration(&p.login_window, "probes.login_window", defaults.login_window)?,
        })
    }
}
