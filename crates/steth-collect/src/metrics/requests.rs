//! The request counter (5.2): which family counts requests, and how much its series matching an
//! endpoint's method and route template grew between two scrapes.

use super::text::Shape;
use std::collections::BTreeMap;

/// A request counter's series: label pairs (sorted) and value.
pub(super) type Series = BTreeMap<Vec<(String, String)>, f64>;

pub(super) use steth_core::evidence::{METHOD_LABELS, ROUTE_LABELS, mentions_requests};

/// A counter (or an untyped family ending in `_total`) of requests, not of their time or size.
pub(super) fn is_request_counter(name: &str, shape: &Shape) -> bool {
    steth_core::evidence::is_request_counter(name, &shape.kind)
}

/// A route template with its placeholders (`{id}`, `:id`, `<id>`) made alike and no trailing `/`.
fn normalize(route: &str) -> String {
    let segments = route.trim_end_matches('/').split('/').map(|s| {
        let placeholder =
            (s.starts_with('{') && s.ends_with('}')) || s.starts_with(':') || (s.starts_with('<') && s.ends_with('>'));
        if placeholder { "{}" } else { s }
    });
    segments.collect::<Vec<_>>().join("/")
}

/// The growth of the series matching `method` and `route`, of every other series and the other
/// series that grew most, or why it cannot be trusted.
pub(super) fn growth(
    before: &Series,
    after: &Series,
    method: &str,
    route: &str,
) -> Result<(f64, f64, Option<String>), String> {
    const RESET: &str = "the request counter went back during the window (the service restarted or reset it)";
    if before.keys().any(|k| !after.contains_key(k)) {
        return Err(RESET.into());
    }
    let route = normalize(route);
    let (mut counted, mut elsewhere, mut largest) = (0.0, 0.0, None::<(f64, &Vec<(String, String)>)>);
    for (labels, value) in after {
        let d = value - before.get(labels).copied().unwrap_or(0.0);
        if d < 0.0 {
            return Err(RESET.into());
        }
        let label = |names: &[&str]| labels.iter().find(|(n, _)| names.contains(&n.as_str())).map(|(_, v)| v.as_str());
        let same_method = label(&METHOD_LABELS).is_some_and(|m| m.eq_ignore_ascii_case(method));
        if same_method && label(&ROUTE_LABELS).is_some_and(|r| normalize(r) == route) {
            counted += d;
        } else if d > 0.0 {
            elsewhere += d;
            if largest.is_none_or(|(most, _)| d > most) {
                largest = Some((d, labels));
            }
        }
    }
    let largest =
        largest.map(|(_, labels)| labels.iter().map(|(n, v)| format!("{n}=\"{v}\"")).collect::<Vec<_>>().join(", "));
    Ok((counted, elsewhere, largest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(rows: &[(&str, &str, f64)]) -> Series {
        rows.iter()
            .map(|&(m, r, v)| (vec![("method".to_string(), m.to_string()), ("route".to_string(), r.to_string())], v))
            .collect()
    }

    #[test]
    fn route_templates_match_whatever_their_placeholder_style() {
        assert_eq!(normalize("/products/{id}/"), normalize("/products/:id"));
        assert_eq!(normalize("/products/<int:id>"), "/products/{}");
        assert_ne!(normalize("/products/7"), normalize("/products/{id}"));
    }

    #[test]
    fn growth_is_split_between_the_endpoint_and_the_rest() {
        let before = series(&[("GET", "/p/:id", 10.0), ("GET", "/p/7", 1.0)]);
        let after =
            series(&[("GET", "/p/:id", 30.0), ("get", "/p/:id/", 5.0), ("GET", "/p/7", 4.0), ("POST", "/p/{id}", 2.0)]);
        let (counted, elsewhere, largest) = growth(&before, &after, "GET", "/p/{id}").unwrap();
        assert_eq!((counted, elsewhere), (25.0, 5.0));
        assert_eq!(largest.as_deref(), Some("method=\"GET\", route=\"/p/7\""));
        // A series that went back or vanished is a reset.
        assert!(growth(&after, &before, "GET", "/p/{id}").unwrap_err().contains("went back"));
        assert!(growth(&before, &series(&[]), "GET", "/p/{id}").is_err());
    }
}
