//! 3.7 negative-caching: negative caching.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That lookups for things that do not exist are cached too. Requesting the same missing id
    /// twice must not reach the database the second time: either the "not found" result is cached
    /// with a short TTL, or a Bloom filter of existing ids answers before the database is asked.
    ///
    /// ## Why it matters
    /// Misses on non-existent ids bypass a cache that only stores found values. Crawlers, clients
    /// holding ids of deleted records, and enumeration attempts (`/users/1`, `/users/2`, ...) all
    /// go straight to PostgreSQL on every request. An attacker can use this deliberately, known
    /// as cache penetration, to put full database load behind a well-cached endpoint with cheap
    /// requests.
    ///
    /// ## How it is measured
    /// Sources: **http** and **pg** (active, with the Redis collector). With `--active` (or
    /// `[redis] active = true`) and a missing id configured (`[redis.negative] path`, e.g.
    /// `/products/999999999`), stethoscope requests that path twice and counts the database
    /// statements each request causes: `pg_stat_statements` deltas (its own statements excluded)
    /// or, without it, the service's statement counter on its `/metrics`. If the second request
    /// still causes a statement, the item fails. A path that answers 2xx names an id that exists
    /// and is `not assessed`. The probe only reads, but it does create cache entries if negative
    /// caching is in place. This is a requirement rather than a number and has no threshold to
    /// override.
    ///
    /// ## How to fix
    /// Cache the absence with a sentinel value and a TTL shorter than for found values, and
    /// delete it when the entity is created:
    ///
    /// ```python
    /// row = db.fetch_product(pid)
    /// r.set(f"catalog:product:{pid}", json.dumps(row) if row else "null",
    ///       ex=300 if row else 30)
    /// ```
    ///
    /// For very large or attacker-controlled id spaces, keep a Bloom filter of existing ids
    /// (RedisBloom `BF.ADD` on insert, `BF.EXISTS` before the lookup) so most absent ids are
    /// rejected without touching the cache or the database.
    pub NEGATIVE_CACHING = {
        id: "3.7",
        slug: "negative-caching",
        title: "Negative caching",
        section: Caching,
        threshold: Threshold::requires("misses cached"),
        sources: [Redis, Http, Pg],
        severity: Low,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let probe = evidence.redis.get()?.negative.get()?;
    if let Some(found) = probe.statuses.iter().find(|s| (200..300).contains(*s)) {
        return Err(Outcome::not_assessed(format!(
            "{} answered {found}: the id exists; configure a missing one in [redis.negative] path",
            probe.path
        )));
    }
    let statuses: Vec<String> = probe.statuses.iter().map(u16::to_string).collect();
    let second = probe.second.statements;
    let note = format!(
        "active: {} requested twice (answers {}); the first caused {} statement(s), counted with {}",
        probe.path,
        statuses.join(", "),
        probe.first.statements,
        probe.second.source
    );
    let measured = format!("{second} statement(s) for the repeated miss");
    if second == 0 {
        return Ok(Outcome::pass(measured, note));
    }
    Ok(Outcome::fail(measured, note).with_findings([format!(
        "every request for {} reaches the database: cache the miss with a short TTL",
        probe.path
    )]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, redis, with_redis};
    use crate::evidence::{NegativeProbe, Slot, StatementCount};
    use crate::outcome::Status;

    fn twice(statuses: [u16; 2], first: u64, second: u64) -> Evidence {
        let count = |statements| StatementCount { source: "pg_stat_statements".into(), statements };
        let mut r = redis();
        r.negative = Slot::collected(NegativeProbe {
            path: "/products/999999999".into(),
            statuses: statuses.to_vec(),
            first: count(first),
            second: count(second),
            active: true,
        });
        with_redis(r)
    }

    #[test]
    fn a_cached_miss_passes() {
        let o = expect(&NEGATIVE_CACHING, &twice([404, 404], 1, 0), Status::Pass);
        assert!(o.evidence.starts_with("active:"));
    }

    #[test]
    fn a_second_query_fails() {
        let o = expect(&NEGATIVE_CACHING, &twice([404, 404], 1, 1), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("1 statement(s) for the repeated miss"));
    }

    #[test]
    fn an_existing_id_or_no_probe_is_not_assessed() {
        expect(&NEGATIVE_CACHING, &twice([200, 200], 1, 0), Status::NotAssessed);
        expect(&NEGATIVE_CACHING, &with_redis(redis()), Status::NotAssessed);
        expect(&NEGATIVE_CACHING, &Evidence::default(), Status::NotAssessed);
    }
}
