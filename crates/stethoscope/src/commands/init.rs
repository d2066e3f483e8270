//! `stethoscope init`: writes a commented starter config, optionally filled from OpenAPI.

use crate::cli::InitArgs;
use crate::exit::{Exit, Failure};
use crate::openapi;
use crate::output;

const HEADER: &str = r#"# stethoscope.toml — what `stethoscope audit` measures.
# Every key is optional except where noted; `stethoscope explain ID` documents each item.
# Values may reference environment variables as ${NAME}, so secrets stay out of this file.

[target]
base_url = "BASE_URL"      # the service's HTTP base URL (required for HTTP checks)
# timeout = "10s"          # per probe request
# serverless = false       # true makes 4.10 (connection proxy) apply

# [postgres]
# url = "postgresql://app:${DB_PASSWORD}@127.0.0.1:5432/app"   # stethoscope's session is read-only
# app_role = "app"          # the service's role (default: the URL's user)
# statement_timeout = "5s"  # stethoscope's own statement timeout
# lock_timeout = "1s"
# cores = 8                 # the database server's CPU cores, for the pool-size formula (4.2)

# [redis]
# url = "redis://127.0.0.1:6379"
# key_pattern = "app:*"     # the key sample sees only these keys
# active = false            # 3.6/3.7 active tests (or --active): delete one key, send a burst
# [redis.stampede]          # 3.6: a hot read path and the key it fills
# path = "/products/42"
# key = "app:product:42"
# [redis.negative]          # 3.7: a path for an id that does not exist
# path = "/products/999999999"

# [load]                    # load phases per endpoint (defaults shown)
# rate = 20.0               # normal load, requests per second per endpoint (open model)
# duration = "10s"          # measured, after a 1 s warm-up and a 3 s baseline at 2 req/s
# stress = 2.5              # optional stress phase at 2.5x the normal rate

# [metrics]
# url = "http://127.0.0.1:8080/metrics"
# query_histogram = "db_query_duration_seconds"  # 2.1 (default: the one histogram named *query*duration*)

# [source]
# path = "."

# [health]                  # tried first, before /livez, /healthz, /health, /readyz, /ready
# liveness = ["/health/live"]
# readiness = ["/health/ready"]

# [identities.alice]        # two users for authentication and authorization probes
# headers = { Authorization = "Bearer ${ALICE_TOKEN}" }
# owns = "/orders/1001"     # a resource only alice may read or change
# [identities.bob.login]    # or: bob logs in by itself before the probes
# path = "/login"
# body = '{"email":"bob@example.com","password":"${BOB_PASSWORD}"}'
# token = "/token"          # JSON pointer of the token in the answer
# header = "Authorization"  # where the token goes, after the prefix
# prefix = "Bearer "

# [probes]                  # bounds of the HTTP probes
# body_size = "16MiB"       # oversized body streamed to write endpoints (1.6)
# max_response = "4MiB"     # most body bytes read from one answer
# burst_requests = 200      # public-endpoint burst (6.3): set it above your rate limit
# burst_window = "10s"
# login_attempts = 20       # failed logins (6.4), to the endpoint marked `login = true`
# login_window = "60s"

# [thresholds]              # override a numeric default
# "1.1" = "150ms"
# "3.1" = "90%"

# [attest]                  # vouch for what cannot be measured; shown as attested, not passed
# "7.6" = "blue/green via Argo Rollouts, see runbook §3"

# [na]                      # items that do not apply; removed from the score
# "4.10" = "not serverless"
"#;

const EXAMPLE_ENDPOINTS: &str = r#"
# Hot endpoints: each gets its own probes (and later its own load phase).
# [[endpoints]]
# method = "GET"
# path = "/products/{id}"
# params.id = { range = [1, 1000] }   # or a list: params.id = ["a1", "b2"]
# kind = "read"                        # read | write | batch (default: GET is read, others write)
# public = true                        # reachable without credentials by design
# list = false                         # returns a list (pagination checks apply)
# login = false                        # the login endpoint (stricter rate limit expected)
# p99_budget = "150ms"                 # this endpoint's latency budget
#
# [[endpoints]]
# method = "POST"
# path = "/orders"
# identity = "alice"
# body = '{"items":[{"product_id":1,"quantity":1}]}'
"#;

/// The starter config text.
pub fn starter(base_url: &str, endpoints: Option<&str>) -> String {
    let mut text = HEADER.replace("BASE_URL", base_url);
    match endpoints {
        Some(e) => text.push_str(e),
        None => text.push_str(EXAMPLE_ENDPOINTS),
    }
    text
}

/// Runs `stethoscope init`.
pub fn run(args: InitArgs) -> Result<Exit, Failure> {
    if args.out.exists() && !args.force {
        return Err(Failure::usage(format!("{} exists; pass --force to overwrite it", args.out.display())));
    }
    let (endpoints, server) = match &args.openapi {
        Some(source) => {
            let doc = openapi::fetch(source)?;
            let spec = openapi::endpoints(&doc).map_err(|e| Failure::usage(format!("{source}: {e}")))?;
            (Some(spec.toml), spec.server)
        }
        None => (None, None),
    };
    let base = args.target.clone().or(server).unwrap_or_else(|| "http://127.0.0.1:8080".to_string());
    let text = starter(&base, endpoints.as_deref());
    // The text must be a valid config (env references aside) before it is written.
    steth_core::config::parse(&args.out.display().to_string(), &text, &|_| Some(String::new()))
        .map_err(|e| Failure::could_not_run(format!("generated config does not parse ({e}); please report this")))?;
    output::emit(Some(&args.out), |w| w.write_all(text.as_bytes()))?;
    eprintln!("wrote {}; edit it, then run `stethoscope audit`", args.out.display());
    Ok(Exit::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_commented_example_parses_when_uncommented() {
        let uncommented: String = starter("http://127.0.0.1:8080", None)
            .lines()
            .map(|l| l.strip_prefix("# ").filter(|rest| rest.starts_with('[') || rest.contains(" = ")).unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        steth_core::config::parse("stethoscope.toml", &uncommented, &|_| Some("x".into()))
            .unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
    }

    #[test]
    fn starter_config_parses() {
        let text = starter("http://127.0.0.1:8080", None);
        let plan = steth_core::config::parse("stethoscope.toml", &text, &|_| None).unwrap();
        assert_eq!(plan.target.unwrap().base_url.as_str(), "http://127.0.0.1:8080/");
    }
}
