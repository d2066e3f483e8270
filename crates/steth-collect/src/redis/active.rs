//! The active cache probes, run only when enabled: 3.6 deletes a hot key and fires concurrent
//! requests; 3.7 asks for a missing id twice. Each counts the database statements its requests
//! cause, from `pg_stat_statements` or, without it, the service's own statement counter.

use futures_util::future::join_all;
use redis::aio::MultiplexedConnection;
use std::time::Duration;
use steth_core::config::{HotKey, MissingLookup, Plan};
use steth_core::evidence::{NegativeProbe, Slot, StampedeProbe, StatementCount};

/// Most bytes read from one probe answer; the body only matters so the connection is reused.
const MAX_BODY: u64 = 1 << 20;

/// Most bytes read from one scrape of the service's statement counter (as the metrics
/// collector's cap).
const METRICS_CAP: u64 = crate::metrics::MAX_BODY;

/// Where statements are counted.
pub(super) enum Counter {
    Statements(crate::pg::Session),
    Metric { client: reqwest::Client, url: url::Url, name: String, timeout: Duration },
}

/// `pg_stat_statements` of the service's database, stethoscope's own marked statements excluded.
const CALLS: &str = "/* stethoscope */ SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND query NOT LIKE '/* stethoscope */%'";

impl Counter {
    /// The best counter the plan offers, or why there is none.
    pub(super) async fn open(plan: &Plan) -> Result<Counter, String> {
        let mut why = Vec::new();
        if let Some(target) = &plan.postgres {
            // The PostgreSQL collector's own session: read-only, with its statement and lock
            // timeouts, and an application_name every figure excludes.
            match crate::pg::connect(target).await {
                Ok(session) => match session.client.query_one(CALLS, &[]).await {
                    Ok(_) => return Ok(Counter::Statements(session)),
                    Err(e) => why.push(format!("pg_stat_statements: {}", crate::pg::describe(&e))),
                },
                Err(e) => why.push(e),
            }
        } else {
            why.push("no [postgres] url for pg_stat_statements".to_string());
        }
        let name = plan.redis.as_ref().map_or("db_queries_total".to_string(), |r| r.statement_metric.clone());
        if let Some(url) = plan.metrics.as_ref().and_then(|m| m.url.clone()) {
            let client = http_client(plan)?;
            let counter = Counter::Metric { client, url, name: name.clone(), timeout: timeout(plan) };
            match counter.read().await {
                Ok(_) => return Ok(counter),
                Err(e) => why.push(e),
            }
        } else {
            why.push(format!("no [metrics] url for the service's `{name}` counter"));
        }
        Err(format!("no database statement count: {}", why.join("; ")))
    }

    fn source(&self) -> String {
        match self {
            Counter::Statements(_) => "pg_stat_statements".into(),
            Counter::Metric { name, .. } => format!("the service's {name} metric"),
        }
    }

    async fn read(&self) -> Result<u64, String> {
        match self {
            Counter::Statements(session) => {
                let row = session.client.query_one(CALLS, &[]).await.map_err(|e| crate::pg::describe(&e))?;
                Ok(row.get::<_, i64>(0).max(0) as u64)
            }
            Counter::Metric { client, url, name, timeout } => {
                let shown = steth_core::config::redact_url(url.as_str());
                let fetched = crate::http::fetch_url(client.get(url.clone()), METRICS_CAP, *timeout)
                    .await
                    .map_err(|e| format!("cannot read {shown}: {e}"))?;
                if !(200..300).contains(&fetched.answer.status) {
                    return Err(format!("{shown} answered HTTP {}", fetched.answer.status));
                }
                if fetched.truncated {
                    return Err(format!("{shown} sent more than {METRICS_CAP} bytes of metrics; stopped reading"));
                }
                let text = String::from_utf8_lossy(&fetched.body);
                metric_sum(&text, name).ok_or_else(|| format!("{shown} has no `{name}` samples"))
            }
        }
    }

    /// Statements counted while `work` ran.
    async fn around<T>(&self, work: impl Future<Output = T>) -> Result<(T, StatementCount), String> {
        let before = self.read().await?;
        let out = work.await;
        let after = self.read().await?;
        Ok((out, StatementCount { source: self.source(), statements: after.saturating_sub(before) }))
    }
}

/// The sum of every sample of a counter family in Prometheus text (`name` or `name{...}`).
fn metric_sum(text: &str, name: &str) -> Option<u64> {
    let mut found = None;
    for line in text.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        let Some(rest) = line.strip_prefix(name) else { continue };
        let value = if let Some(labels) = rest.strip_prefix('{') {
            // Label values may hold `}` inside quotes: find the closing brace outside them.
            let mut quoted = false;
            let mut escaped = false;
            let close = labels.char_indices().find(|&(_, c)| {
                let end = !quoted && c == '}';
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    quoted = !quoted;
                }
                end
            })?;
            &labels[close.0 + 1..]
        } else if rest.starts_with(' ') {
            rest
        } else {
            continue;
        };
        let v: f64 = value.split_whitespace().next()?.parse().ok()?;
        found = Some(found.unwrap_or(0) + v.max(0.0) as u64);
    }
    found
}

fn timeout(plan: &Plan) -> Duration {
    plan.target.as_ref().map_or(Duration::from_secs(10), |t| t.timeout)
}

fn http_client(plan: &Plan) -> Result<reqwest::Client, String> {
    crate::http::http_client(timeout(plan))
}

/// One GET; the status, or None when no answer came. The body is read (up to a cap, within
/// the timeout) so the connection goes back to the pool.
async fn get(client: &reqwest::Client, url: &url::Url, headers: &[(String, String)], timeout: Duration) -> Option<u16> {
    let mut request = client.get(url.clone());
    for (n, v) in headers {
        request = request.header(n, v);
    }
    match crate::http::fetch_url(request, MAX_BODY, timeout).await {
        Ok(f) => Some(f.answer.status),
        Err(_) => None,
    }
}

fn headers(plan: &Plan, identity: Option<&str>) -> Vec<(String, String)> {
    identity
        .and_then(|name| plan.identities.get(name))
        .map(|i| i.headers.iter().map(|(n, v)| (n.clone(), v.expose().to_string())).collect())
        .unwrap_or_default()
}

fn url_of(plan: &Plan, path: &str) -> Result<url::Url, String> {
    let base = &plan.target.as_ref().ok_or("no [target] base_url in the config")?.base_url;
    base.join(path).map_err(|e| format!("cannot join {path} to {base}: {e}"))
}

/// 3.6: warm the key (and a pool of connections), delete it, fire the requests at once.
pub(super) async fn stampede(
    plan: &Plan,
    conn: &mut MultiplexedConnection,
    counter: &Counter,
    hot: &HotKey,
) -> Slot<StampedeProbe> {
    let (url, client) = match (url_of(plan, &hot.path), http_client(plan)) {
        (Ok(u), Ok(c)) => (u, c),
        (Err(e), _) | (_, Err(e)) => return Slot::failed(e),
    };
    let headers = headers(plan, hot.identity.as_deref());
    let n = hot.requests as usize;
    // The warming round fills the key and leaves `n` open connections, so the burst's
    // requests arrive together instead of one TCP handshake apart.
    join_all((0..n).map(|_| get(&client, &url, &headers, timeout(plan)))).await;
    let deleted: redis::RedisResult<u64> = redis::cmd("DEL").arg(&hot.key).query_async(conn).await;
    let key_existed = match deleted {
        Ok(n) => n > 0,
        Err(e) => return Slot::failed(format!("cannot delete {}: {e}", hot.key)),
    };
    let burst = join_all((0..n).map(|_| get(&client, &url, &headers, timeout(plan))));
    match counter.around(burst).await {
        Ok((statuses, count)) => Slot::collected(StampedeProbe {
            path: hot.path.clone(),
            key: hot.key.clone(),
            key_existed,
            requests: n as u64,
            ok: statuses.iter().flatten().filter(|s| (200..300).contains(*s)).count() as u64,
            count,
            active: true,
        }),
        Err(e) => Slot::failed(e),
    }
}

/// 3.7: the missing id twice, statements counted around each request.
pub(super) async fn negative(plan: &Plan, counter: &Counter, missing: &MissingLookup) -> Slot<NegativeProbe> {
    let (url, client) = match (url_of(plan, &missing.path), http_client(plan)) {
        (Ok(u), Ok(c)) => (u, c),
        (Err(e), _) | (_, Err(e)) => return Slot::failed(e),
    };
    let headers = headers(plan, missing.identity.as_deref());
    let mut statuses = Vec::new();
    let mut counts = Vec::new();
    for _ in 0..2 {
        match counter.around(get(&client, &url, &headers, timeout(plan))).await {
            Ok((Some(status), count)) => {
                statuses.push(status);
                counts.push(count);
            }
            Ok((None, _)) => return Slot::failed(format!("{} did not answer", missing.path)),
            Err(e) => return Slot::failed(e),
        }
    }
    let second = counts.pop().expect("two requests were counted");
    let first = counts.pop().expect("two requests were counted");
    Slot::collected(NegativeProbe { path: missing.path.clone(), statuses, first, second, active: true })
}

#[cfg(test)]
mod tests {
    use super::metric_sum;

    #[test]
    fn sums_every_sample_of_a_counter() {
        let text = "# HELP db_queries_total Database statements run\n# TYPE db_queries_total counter\n\
            db_queries_total{query=\"product_by_id\"} 3\ndb_queries_total{query=\"a}b\\\"c\"} 4\n\
            db_queries_total_other 100\ndb_queries_totalx{a=\"b\"} 9\nhttp_requests_total 7\n";
        assert_eq!(metric_sum(text, "db_queries_total"), Some(7));
        assert_eq!(metric_sum("db_queries_total 12\n", "db_queries_total"), Some(12));
        assert_eq!(metric_sum("other 1\n", "db_queries_total"), None);
    }
}
