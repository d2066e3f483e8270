//! 3.5 key-namespaces: no key namespace collisions.

use crate::catalog::prelude::*;
use crate::evidence::{KeySample, KeyShape, Namespace};

declare_item! {
    /// ## What it checks
    /// That each key prefix in Redis belongs to a single kind of entity. A prefix that holds keys
    /// of different Redis types or different shapes, or keys without any namespace at all, is a
    /// collision; the default allows **0**.
    ///
    /// ## Why it matters
    /// When two features or services write under the same prefix, they eventually write the same
    /// key: one stores `user:42` as a JSON string, the other as a hash, and reads start failing
    /// with `WRONGTYPE Operation against a key holding the wrong kind of value`, or, worse, one
    /// feature silently reads the other's data. Un-namespaced keys also make it impossible to
    /// invalidate, measure or delete one feature's data without touching the rest.
    ///
    /// ## How it is measured
    /// Source: **redis**. stethoscope takes the keys sampled with `SCAN` (see 3.2), groups them
    /// by prefix, and records each key's type and structure. A prefix with mixed types or mixed
    /// key shapes is a namespace collision. Every shape under a common prefix is compared,
    /// across levels too: `user:{n}` hashes and `user:session:{s}` strings share the `user`
    /// namespace with different types, which collides (a deeper level of the same type, or a
    /// sub-key such as `product:{n}:stock`, does not). Keys that have no prefix are counted
    /// apart, as keys without a namespace. Each finding is listed with examples. The `TYPE` calls needed for this count as keyspace hits, so they run only after
    /// the hit counters for 3.1 have been read. The allowed count is overridable (`"3.5" = "0"`).
    ///
    /// ## How to fix
    /// Adopt one key convention and build keys in one place in the code:
    ///
    /// ```text
    /// <service>:<entity>:<version>:<id>[:<field>]
    /// catalog:product:v2:42
    /// catalog:product:v2:42:stock
    /// ```
    ///
    /// A version segment lets you change the serialized format without reading old values with
    /// new code. Keep different services on separate Redis databases or instances when they do
    /// not need to share data, and rename colliding prefixes with a short migration or by letting
    /// the old keys expire.
    pub KEY_NAMESPACES = {
        id: "3.5",
        slug: "key-namespaces",
        title: "No key namespace collisions",
        section: Caching,
        threshold: Threshold::at_most(0),
        sources: [Redis],
        severity: Low,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let sample = evidence.redis.get()?.sample.get()?;
    if sample.sampled == 0 {
        return Err(Outcome::not_assessed("no keys were sampled"));
    }
    let allowed = threshold.limit_count();
    let unprefixed: Vec<String> =
        sample.namespaces.iter().filter(|ns| ns.prefix.is_empty()).filter_map(|ns| collision(ns, sample)).collect();
    let mut collisions: Vec<String> =
        sample.namespaces.iter().filter(|ns| !ns.prefix.is_empty()).filter_map(|ns| collision(ns, sample)).collect();
    collisions.extend(across_levels(sample));
    let unprefixed_keys: u64 = sample
        .namespaces
        .iter()
        .filter(|ns| ns.prefix.is_empty())
        .flat_map(|ns| &ns.shapes)
        .map(|s| s.types.values().sum::<u64>())
        .sum();
    let measured = format!(
        "{} namespace collision(s), {unprefixed_keys} key(s) without a namespace, in {} sampled keys",
        collisions.len(),
        sample.sampled
    );
    let collisions: Vec<String> = collisions.into_iter().chain(unprefixed).collect();
    let note = format!(
        "{} namespace(s) seen{}",
        sample.namespaces.len(),
        match &sample.truncated {
            Some(why) => format!(" ({why})"),
            None => String::new(),
        }
    );
    if collisions.len() as u64 <= allowed {
        return Ok(Outcome::pass(measured, note));
    }
    let first = collisions[0].clone();
    Ok(Outcome::fail(measured, format!("{note}; {first}")).with_findings(collisions).with_excess(2.0))
}

/// Why a namespace collides, if it does: keys without a namespace, shapes that are not
/// extensions of one another, or one shape holding several Redis types.
fn collision(ns: &Namespace, sample: &KeySample) -> Option<String> {
    let shown = |shape: &KeyShape| format!("{} ({})", shape.shape, types(shape));
    if ns.prefix.is_empty() {
        let keys: u64 = ns.shapes.iter().map(|s| s.types.values().sum::<u64>()).sum();
        let example = ns.shapes.first().map(|s| s.example.as_str()).unwrap_or_default();
        return Some(format!("{keys} key(s) without a namespace, e.g. {example}"));
    }
    let name = format!("{}{}", sample.scope, ns.prefix);
    if let Some(mixed) = ns.shapes.iter().find(|s| s.types.len() > 1) {
        return Some(format!(
            "{name}: keys of one shape hold different types: {}, e.g. {}",
            shown(mixed),
            mixed.example
        ));
    }
    let rest = |s: &KeyShape| -> Vec<String> { s.shape.split(sample.delimiter.as_str()).map(str::to_string).collect() };
    for (i, a) in ns.shapes.iter().enumerate() {
        for b in &ns.shapes[i + 1..] {
            let (x, y) = (rest(a), rest(b));
            // `product:{n}:stock` extends `product:{n}`: sub-keys of one entity are fine.
            if !x.iter().zip(&y).all(|(p, q)| p == q) {
                return Some(format!("{name}: {} and {}, e.g. {} and {}", shown(a), shown(b), a.example, b.example));
            }
        }
    }
    None
}

/// Shapes of two namespaces where one is a deeper level of the other (`user` and
/// `user:session`) that hold different types and do not extend one another: `user:{n}` hashes
/// and `user:session:{s}` strings share the `user` namespace.
fn across_levels(sample: &KeySample) -> Vec<String> {
    let d = sample.delimiter.as_str();
    let segments = |s: &KeyShape| -> Vec<String> { s.shape.split(d).map(str::to_string).collect() };
    let mut found = Vec::new();
    for outer in sample.namespaces.iter().filter(|ns| !ns.prefix.is_empty()) {
        let deeper = format!("{}{d}", outer.prefix);
        for inner in sample.namespaces.iter().filter(|ns| ns.prefix.starts_with(&deeper)) {
            let pair = outer.shapes.iter().flat_map(|a| inner.shapes.iter().map(move |b| (a, b))).find(|(a, b)| {
                let (x, y) = (segments(a), segments(b));
                a.types.keys().ne(b.types.keys()) && !x.iter().zip(&y).all(|(p, q)| p == q)
            });
            if let Some((a, b)) = pair {
                found.push(format!(
                    "{}{}: {} ({}) and {} ({}) share the namespace across prefix levels with different types, e.g. {} and {}",
                    sample.scope,
                    outer.prefix,
                    a.shape,
                    types(a),
                    b.shape,
                    types(b),
                    a.example,
                    b.example
                ));
            }
        }
    }
    found
}

fn types(shape: &KeyShape) -> String {
    shape.types.iter().map(|(t, n)| format!("{n} {t}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, redis, with_redis};
    use crate::evidence::Slot;
    use crate::outcome::Status;

    fn shape(shape: &str, kind: &str, n: u64, example: &str) -> KeyShape {
        KeyShape { shape: shape.into(), types: [(kind.to_string(), n)].into_iter().collect(), example: example.into() }
    }

    fn sampled(namespaces: Vec<Namespace>) -> Evidence {
        let mut r = redis();
        let sampled = namespaces.iter().flat_map(|n| &n.shapes).map(|s| s.types.values().sum::<u64>()).sum();
        r.sample = Slot::collected(KeySample {
            delimiter: ":".into(),
            scope: "shop:".into(),
            sampled,
            namespaces,
            ..KeySample::default()
        });
        with_redis(r)
    }

    fn ns(prefix: &str, shapes: Vec<KeyShape>) -> Namespace {
        Namespace { prefix: prefix.into(), shapes }
    }

    #[test]
    fn one_shape_per_namespace_passes_and_sub_keys_extend_it() {
        let ev = sampled(vec![
            ns(
                "product",
                vec![
                    shape("product:{n}", "string", 40, "shop:product:4"),
                    shape("product:{n}:stock", "string", 3, "shop:product:4:stock"),
                ],
            ),
            ns("rate-limit", vec![shape("rate-limit:{s}:{n}", "string", 2, "shop:rate-limit:127.0.0.1:9")]),
        ]);
        let o = expect(&KEY_NAMESPACES, &ev, Status::Pass);
        assert_eq!(
            o.measured.as_deref(),
            Some("0 namespace collision(s), 0 key(s) without a namespace, in 45 sampled keys")
        );
    }

    #[test]
    fn shapes_of_different_types_collide_across_prefix_levels() {
        let ev = sampled(vec![
            ns("user", vec![shape("user:{n}", "hash", 2, "shop:user:1")]),
            ns("user:session", vec![shape("user:session:{s}", "string", 3, "shop:user:session:ab12")]),
        ]);
        let o = expect(&KEY_NAMESPACES, &ev, Status::Fail);
        assert_eq!(
            o.measured.as_deref(),
            Some("1 namespace collision(s), 0 key(s) without a namespace, in 5 sampled keys")
        );
        assert!(
            o.findings[0]
                .starts_with("shop:user: user:{n} (2 hash) and user:session:{s} (3 string) share the namespace"),
            "{:?}",
            o.findings
        );
        // A sub-key of an entity, or a deeper level of the same type, is no collision.
        let ev = sampled(vec![
            ns("product", vec![shape("product:{n}", "string", 2, "shop:product:1")]),
            ns("product:v2", vec![shape("product:v2:{n}", "string", 3, "shop:product:v2:1")]),
        ]);
        expect(&KEY_NAMESPACES, &ev, Status::Pass);
    }

    #[test]
    fn two_shapes_that_do_not_extend_each_other_collide() {
        let ev = sampled(vec![ns(
            "product",
            vec![
                shape("product:{n}", "string", 40, "shop:product:4"),
                shape("product:{s}:{n}", "string", 3, "shop:product:rate-limit-127.0.0.1:9"),
            ],
        )]);
        let o = expect(&KEY_NAMESPACES, &ev, Status::Fail);
        assert!(o.findings[0].starts_with("shop:product: product:{n} (40 string) and"), "{:?}", o.findings);
    }

    #[test]
    fn one_shape_with_two_types_collides() {
        let mut mixed = shape("user:{n}", "string", 4, "shop:user:1");
        mixed.types.insert("hash".into(), 2);
        let o = expect(&KEY_NAMESPACES, &sampled(vec![ns("user", vec![mixed])]), Status::Fail);
        assert!(o.findings[0].contains("different types"), "{:?}", o.findings);
    }

    #[test]
    fn keys_without_a_namespace_collide() {
        let ev = sampled(vec![ns("", vec![shape("{n}", "string", 7, "shop:42")])]);
        let o = expect(&KEY_NAMESPACES, &ev, Status::Fail);
        assert_eq!(o.findings, vec!["7 key(s) without a namespace, e.g. shop:42".to_string()]);
        assert_eq!(
            o.measured.as_deref(),
            Some("0 namespace collision(s), 7 key(s) without a namespace, in 7 sampled keys")
        );
    }

    #[test]
    fn an_empty_or_missing_sample_is_not_assessed() {
        expect(&KEY_NAMESPACES, &sampled(vec![]), Status::NotAssessed);
        expect(&KEY_NAMESPACES, &Evidence::default(), Status::NotAssessed);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &KEY_NAMESPACES,
            sampled(vec![ns(
                "product",
                vec![
                    shape("product:{n}", "string", 40, "shop:product:4"),
                    shape("product:{s}:{n}", "string", 3, "shop:product:rate-limit-127.0.0.1:9"),
                ],
            )]),
            "1",
            Status::Fail,
            Status::Pass,
        )
    }
}
