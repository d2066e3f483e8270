//! 3.1 cache-hit-rate: cache hit rate on hot read paths.

use crate::catalog::prelude::*;
use crate::evidence::EndpointKind;
use crate::evidence::{RedisEvidence, hit_rate};
use std::collections::BTreeMap;

declare_item! {
    /// ## What it checks
    /// The share of Redis lookups that find their key while the hot read endpoints are under
    /// load. The hit rate must be above **80 %**.
    ///
    /// ## Why it matters
    /// A cache that misses often adds a round trip to Redis on top of the database query it was
    /// meant to avoid, so at low hit rates it makes requests slower, not faster. At 60 % hits, 40
    /// % of reads still reach PostgreSQL; when traffic doubles, the database sees the full
    /// increase and the cache gives no headroom. Low hit rates usually come from keys that can
    /// never repeat (timestamps or unsorted parameters in the key), TTLs shorter than the access
    /// interval, or evictions (3.8).
    ///
    /// ## How it is measured
    /// Source: **redis**, attributed with **load**. stethoscope reads `keyspace_hits` and
    /// `keyspace_misses` from `INFO stats` before and after each read endpoint's load phase and
    /// computes hits / (hits + misses) from the deltas. Counters are read before any key
    /// sampling, because commands such as `TYPE`, `TTL` and `EXISTS` count as keyspace hits and
    /// would inflate the figure. The counters are instance-wide, so other clients of the same
    /// Redis are included: a read phase whose lookups do not fit the requests sent (fewer than
    /// one per ten requests, or over a hundred per request) is left out and reported as a shared
    /// instance whose per-endpoint rate is unreliable. When not one lookup was counted during
    /// the load phases, the service did not use this Redis: `not assessed`, asking whether
    /// `[redis] url` is the service's cache. Within 10 % of the threshold (80–88 %) is a `warn`.
    ///
    /// Without load phases (`--no-load`) the cumulative counters since startup are the
    /// fallback: with at least 1 000 lookups, a rate at or below the threshold is a measurement
    /// and fails; otherwise, or above the threshold, the result is a `warn` at most, since
    /// nothing ties the lookups to the hot read endpoints. Override with `"3.1" = "90%"` under
    /// `[thresholds]`.
    ///
    /// ## How to fix
    /// Make keys deterministic: build them from the entity id and normalized parameters, never
    /// from request time or unordered maps. Set TTLs from how long the data may be stale rather
    /// than from habit, populate the cache on every miss (cache-aside), and warm popular keys
    /// after deploys. If evictions are high (3.8), give Redis more memory or cache smaller
    /// values. Caching "not found" results (3.7) removes a whole class of repeated misses.
    pub CACHE_HIT_RATE = {
        id: "3.1",
        slug: "cache-hit-rate",
        title: "Cache hit rate on hot read paths",
        section: Caching,
        threshold: Threshold::percent_above(80.0),
        sources: [Redis, Load],
        severity: Medium,
        evaluate: Some(evaluate),
    }
}

/// An endpoint judged on its own needs this many lookups; below it only the overall rate counts.
const MIN_LOOKUPS: u64 = 20;

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let redis = evidence.redis.get()?;
    let limit = threshold.limit_number();
    let Some(phases) = redis.phases.data() else {
        return cumulative(redis, limit);
    };
    if let Some(why) = redis.no_service_lookups() {
        return Err(Outcome::not_assessed(why));
    }
    // Each read endpoint's phases together: lookups, and the requests they should fit.
    let read =
        crate::evidence::per_endpoint(phases.iter().filter(|w| w.kind == EndpointKind::Read && w.hits + w.misses > 0));
    let mut per_endpoint: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    let mut shared = Vec::new();
    for (endpoint, w) in read {
        if !w.lookups_fit_requests() {
            shared.push(format!(
                "{endpoint}: {} lookups during {} requests do not fit the requests sent: the instance looks shared \
                 with other clients, so this endpoint's rate is unreliable and left out",
                w.hits + w.misses,
                w.requests
            ));
            continue;
        }
        per_endpoint.insert(endpoint, (w.hits, w.misses));
    }
    if per_endpoint.is_empty() {
        let why = match shared.first() {
            Some(first) => format!(
                "no read endpoint's lookups can be tied to its requests ({first}); is `[redis] url` the service's cache?"
            ),
            None => "no cache lookup was counted during the read endpoints' load phases".to_string(),
        };
        return Err(Outcome::not_assessed(why));
    }
    let (hits, misses) = per_endpoint.values().fold((0, 0), |a, v| (a.0 + v.0, a.1 + v.1));
    let overall = hit_rate(hits, misses).unwrap_or(0.0);
    let findings: Vec<String> = per_endpoint
        .iter()
        .map(|(e, (h, m))| format!("{e}: {:.1} % of {} lookups hit", hit_rate(*h, *m).unwrap_or(0.0), h + m))
        .chain(shared)
        .collect();
    let worst = per_endpoint
        .iter()
        .filter(|(_, (h, m))| h + m >= MIN_LOOKUPS)
        .map(|(e, (h, m))| (*e, hit_rate(*h, *m).unwrap_or(0.0)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let (rate, measured) = match worst {
        Some((endpoint, rate)) if per_endpoint.len() > 1 => {
            (rate, format!("worst {rate:.1} % ({endpoint}), overall {overall:.1} %"))
        }
        Some((_, rate)) => (rate, format!("{rate:.1} % hits")),
        None => (overall, format!("{overall:.1} % hits")),
    };
    let note = format!(
        "{hits} hits, {misses} misses during the read endpoints' load phases (instance-wide keyspace counters)"
    );
    let outcome = if rate <= limit {
        Outcome::fail(measured, note).with_excess(1.0 + (limit - rate) / limit)
    } else if rate <= limit * 1.1 {
        Outcome::warn(measured, note)
    } else {
        Outcome::pass(measured, note)
    };
    Ok(outcome.with_findings(findings))
}

/// Lookups since startup from which a cumulative rate below the threshold is a measurement.
const CUMULATIVE_LOOKUPS: u64 = 1000;

/// Without load phases: the counters since startup. With enough lookups a rate at or below the
/// threshold fails; anything else warns at most, since the lookups are not tied to endpoints.
fn cumulative(redis: &RedisEvidence, limit: f64) -> Verdict {
    let c = redis.start;
    let Some(rate) = c.hit_rate() else {
        return Err(Outcome::not_assessed("no load phase ran and Redis has counted no lookups since startup"));
    };
    let lookups = c.keyspace_hits + c.keyspace_misses;
    let note = format!(
        "no load phase ran; cumulative since startup ({} s ago, instance-wide): {} hits, {} misses, not attributed \
         to endpoints",
        c.uptime_secs, c.keyspace_hits, c.keyspace_misses
    );
    let measured = format!("{rate:.1} % hits since startup");
    if rate <= limit && lookups >= CUMULATIVE_LOOKUPS {
        return Ok(Outcome::fail(measured, note).with_excess(1.0 + (limit - rate) / limit));
    }
    let why = if rate <= limit {
        format!("below the threshold over only {lookups} lookups (fewer than {CUMULATIVE_LOOKUPS})")
    } else {
        "above the threshold; a load phase ties the rate to the hot read endpoints".to_string()
    };
    Ok(Outcome::warn(format!("{measured} ({why})"), note))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, redis, with_redis};
    use crate::evidence::{CacheWindow, Slot};
    use crate::outcome::Status;

    fn window(endpoint: &str, kind: &str, hits: u64, misses: u64) -> CacheWindow {
        CacheWindow {
            endpoint: endpoint.into(),
            kind: crate::evidence::EndpointKind::parse(kind).expect("an endpoint kind"),
            phase: crate::evidence::Phase::Normal,
            requests: hits + misses,
            hits,
            misses,
            evictions: 0,
        }
    }

    fn with_windows(windows: Vec<CacheWindow>) -> Evidence {
        let mut r = redis();
        r.phases = Slot::collected(windows);
        with_redis(r)
    }

    #[test]
    fn a_high_hit_rate_under_load_passes() {
        let o = expect(&CACHE_HIT_RATE, &with_windows(vec![window("GET /p/{id}", "read", 190, 10)]), Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("95.0 % hits"));
    }

    #[test]
    fn the_worst_hot_endpoint_decides() {
        let ev = with_windows(vec![
            window("GET /p/{id}", "read", 190, 10),
            window("GET /u/{id}", "read", 40, 60),
            // Writes and endpoints without lookups do not count.
            window("POST /o", "write", 0, 100),
            window("GET /list", "read", 0, 0),
        ]);
        let o = expect(&CACHE_HIT_RATE, &ev, Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("worst 40.0 % (GET /u/{id}), overall 76.7 %"));
        assert_eq!(o.findings.len(), 2);
    }

    #[test]
    fn an_endpoint_with_few_lookups_counts_only_overall() {
        let ev = with_windows(vec![window("GET /p/{id}", "read", 190, 10), window("GET /u/{id}", "read", 1, 4)]);
        expect(&CACHE_HIT_RATE, &ev, Status::Pass);
    }

    #[test]
    fn the_edge_warns_and_the_threshold_fails() {
        expect(&CACHE_HIT_RATE, &with_windows(vec![window("GET /p", "read", 85, 15)]), Status::Warn);
        expect(&CACHE_HIT_RATE, &with_windows(vec![window("GET /p", "read", 80, 20)]), Status::Fail);
    }

    #[test]
    fn without_load_the_cumulative_rate_fails_below_the_threshold_over_enough_lookups() {
        // 90 % over 1 000 lookups: above the threshold, but not tied to endpoints: a warn.
        let o = expect(&CACHE_HIT_RATE, &with_redis(redis()), Status::Warn);
        assert!(o.evidence.contains("not attributed"), "{}", o.evidence);
        // 60 % over 1 000 lookups is a measurement: a fail.
        let mut r = redis();
        (r.start.keyspace_hits, r.start.keyspace_misses) = (600, 400);
        let o = expect(&CACHE_HIT_RATE, &with_redis(r.clone()), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("60.0 % hits since startup"));
        // 60 % over 999 lookups warns.
        r.start.keyspace_misses = 399;
        let o = expect(&CACHE_HIT_RATE, &with_redis(r), Status::Warn);
        assert!(o.measured.as_deref().is_some_and(|m| m.contains("fewer than 1000")), "{o:?}");
        let mut r = redis();
        r.start.keyspace_hits = 0;
        r.start.keyspace_misses = 0;
        expect(&CACHE_HIT_RATE, &with_redis(r), Status::NotAssessed);
        expect(&CACHE_HIT_RATE, &Evidence::default(), Status::NotAssessed);
    }

    #[test]
    fn load_without_a_single_lookup_is_not_assessed_whatever_happened_before() {
        let o = expect(&CACHE_HIT_RATE, &with_windows(vec![window("GET /list", "read", 0, 0)]), Status::NotAssessed);
        assert!(o.evidence.contains("is `[redis] url` the service's cache?"), "{}", o.evidence);
    }

    #[test]
    fn lookups_that_do_not_fit_the_requests_are_another_clients() {
        // 26 lookups, all hits, while 300 requests were sent: another client of a shared instance.
        let mut stray = window("GET /users/{id}", "read", 26, 0);
        stray.requests = 300;
        let o = expect(&CACHE_HIT_RATE, &with_windows(vec![stray.clone()]), Status::NotAssessed);
        assert!(o.evidence.contains("the instance looks shared"), "{}", o.evidence);
        // Next to an endpoint whose lookups fit, the stray window is left out and listed.
        let ev = with_windows(vec![window("GET /p/{id}", "read", 150, 50), stray]);
        let o = expect(&CACHE_HIT_RATE, &ev, Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("75.0 % hits"));
        assert!(o.findings.iter().any(|f| f.contains("rate is unreliable")), "{:?}", o.findings);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &CACHE_HIT_RATE,
            with_windows(vec![window("GET /p/{id}", "read", 190, 10)]),
            "96%",
            Status::Pass,
            Status::Fail,
        )
    }
}
