//! The service's sessions in `pg_stat_activity`, sampled at every counter snapshot and after
//! the last phase (evidence for 4.2, 4.4, 4.5 and 4.6): for each session and state, the longest
//! time seen in it. One sample at the end would miss a connection that idled for a while and
//! was retired before the audit ended.

use super::session::describe;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use steth_core::evidence::{AppSession, PgActivity, Slot};
use tokio_postgres::Client;

const ACTIVITY: &str = "/* stethoscope */ SELECT pid, coalesce(application_name, ''), state,
       extract(epoch FROM clock_timestamp() - backend_start)::float8,
       coalesce(extract(epoch FROM clock_timestamp() - state_change)::float8, 0),
       left(regexp_replace(coalesce(query, ''), '\\s+', ' ', 'g'), 200)
  FROM pg_stat_activity
 WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
   AND usename = $1 AND application_name IS DISTINCT FROM 'stethoscope'";

/// What the samples saw so far.
#[derive(Default)]
pub(super) struct SessionLog {
    longest: BTreeMap<(i32, String), AppSession>,
    samples: u32,
    peak: (u32, String),
    /// The first sample that could not be read, which then stands for all of them.
    problem: Option<Slot<PgActivity>>,
}

impl SessionLog {
    /// Reads `pg_stat_activity` once and keeps each session's longest stay in each state.
    pub(super) async fn sample(&mut self, client: &Client, app_role: &str, when: &str) {
        if self.problem.is_some() {
            return;
        }
        let rows = match client.query(ACTIVITY, &[&app_role]).await {
            Ok(rows) => rows,
            Err(e) => {
                self.problem = Some(Slot::failed(format!("cannot read pg_stat_activity: {}", describe(&e))));
                return;
            }
        };
        self.samples += 1;
        for known in self.longest.values_mut() {
            known.current = false;
        }
        let open = rows.len() as u32;
        if open > self.peak.0 {
            self.peak = (open, when.to_string());
        }
        // A role without pg_read_all_stats sees no state of any other role's session; a lone
        // NULL is a backend still starting up, which the next sample sees.
        if !rows.is_empty() && rows.iter().all(|r| r.get::<_, Option<String>>(2).is_none()) {
            self.problem = Some(Slot::unavailable(format!(
                "stethoscope's role cannot see the state of {app_role}'s sessions: \
                 GRANT pg_read_all_stats TO <stethoscope's role>; (pg_monitor includes it)"
            )));
            return;
        }
        for r in rows {
            let Some(state) = r.get::<_, Option<String>>(2) else { continue };
            let seen = AppSession {
                pid: r.get(0),
                application_name: r.get(1),
                state: state.clone(),
                age_secs: r.get(3),
                state_secs: r.get(4),
                query: r.get(5),
                current: true,
            };
            match self.longest.get_mut(&(seen.pid, state.clone())) {
                Some(known) => {
                    known.current = true;
                    known.age_secs = known.age_secs.max(seen.age_secs);
                    if seen.state_secs > known.state_secs {
                        known.state_secs = seen.state_secs;
                        known.query = seen.query;
                    }
                }
                None => {
                    self.longest.insert((seen.pid, state), seen);
                }
            }
        }
    }

    /// Keeps sampling, about once a second, the sessions that are idle or idle in transaction
    /// now, until each has left that state or stayed in it `bound` (a glimpse at a session idle
    /// in transaction for 1 s says nothing about whether it leaks), or `bound` has passed.
    /// Sessions that become idle meanwhile are not waited for. Returns the seconds watched.
    pub(super) async fn watch_idle(&mut self, client: &Client, app_role: &str, bound: Duration) -> f64 {
        let start = Instant::now();
        let limit = bound.as_secs_f64();
        let watched: Vec<(i32, String)> = self
            .longest
            .iter()
            .filter(|(_, s)| s.current && s.state.starts_with("idle") && s.state_secs < limit)
            .map(|(key, _)| key.clone())
            .collect();
        while !watched.is_empty() && self.problem.is_none() {
            let pending =
                watched.iter().any(|key| self.longest.get(key).is_some_and(|s| s.current && s.state_secs <= limit));
            let left = bound.saturating_sub(start.elapsed());
            if !pending || left.is_zero() {
                break;
            }
            tokio::time::sleep(left.min(Duration::from_secs(1))).await;
            self.sample(client, app_role, "while watching idle sessions").await;
        }
        start.elapsed().as_secs_f64()
    }

    /// The evidence: every session and state seen, with the longest stay.
    pub(super) fn finish(self, observed_secs: f64, watched_after_secs: f64, bound: Duration) -> Slot<PgActivity> {
        if let Some(problem) = self.problem {
            return problem;
        }
        Slot::collected(PgActivity {
            sessions: self.longest.into_values().collect(),
            observed_secs,
            samples: self.samples,
            peak_sessions: self.peak.0,
            peak_at: self.peak.1,
            watched_after_secs,
            watch_bound_secs: bound.as_secs_f64(),
        })
    }
}
