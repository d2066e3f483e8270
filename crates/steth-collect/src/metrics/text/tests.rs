//! The parser against well-formed, odd and hostile exposition text.

use super::*;

const SHOP: &str = r#"# HELP db_query_duration_seconds Database statement duration
# TYPE db_query_duration_seconds histogram
db_query_duration_seconds_bucket{query="orders_summary",le="0.05"} 3
db_query_duration_seconds_bucket{query="orders_summary",le="0.1"} 4
db_query_duration_seconds_bucket{query="orders_summary",le="+Inf"} 10
db_query_duration_seconds_sum{query="orders_summary"} 1.5
db_query_duration_seconds_count{query="orders_summary"} 10
db_query_duration_seconds_bucket{query="say \"hi\", \\ {x}\nok",le="0.05"} 7
db_query_duration_seconds_bucket{query="say \"hi\", \\ {x}\nok",le="0.1"} 8
db_query_duration_seconds_bucket{query="say \"hi\", \\ {x}\nok",le="+Inf"} 8
db_query_duration_seconds_sum{query="say \"hi\", \\ {x}\nok"} 0.25
db_query_duration_seconds_count{query="say \"hi\", \\ {x}\nok"} 8
# TYPE db_pool_connections gauge
db_pool_connections{state="idle"} 4 1700000000000
up 1
"#;

fn all(text: &str) -> Result<Exposition, ParseError> {
    parse(text, |_| true)
}

#[test]
fn label_sets_are_summed_per_bound() {
    let expo = all(SHOP).unwrap();
    assert!(expo.histograms.contains("db_query_duration_seconds"));
    let t = histogram(&expo, "db_query_duration_seconds").unwrap();
    assert_eq!(t.buckets, vec![(0.05, 10.0), (0.1, 12.0)]);
    assert_eq!((t.count, t.series), (18.0, 2));
    assert!((t.sum - 1.75).abs() < 1e-9);
}

#[test]
fn escaped_label_values_are_unescaped() {
    let expo = all(SHOP).unwrap();
    let s = &expo.samples[5];
    assert_eq!(s.label("query"), Some("say \"hi\", \\ {x}\nok"));
    assert_eq!(s.label("le"), Some("0.05"));
    assert_eq!(expo.samples.iter().find(|s| s.name == "db_pool_connections").map(|s| s.value), Some(4.0));
}

#[test]
fn values_may_be_special_and_labels_may_trail_a_comma() {
    let expo = all("a{x=\"1\",} +Inf\nb NaN\nc -Inf\nd{} 1e3\ne 2 # {trace_id=\"abc\"} 1.0\n").unwrap();
    let values: Vec<f64> = expo.samples.iter().map(|s| s.value).collect();
    assert_eq!(values[0], f64::INFINITY);
    assert!(values[1].is_nan());
    assert_eq!(&values[2..], &[f64::NEG_INFINITY, 1000.0, 2.0]);
}

#[test]
fn only_kept_samples_are_stored_but_every_line_is_checked() {
    let expo = parse(SHOP, |name| name.starts_with("db_query")).unwrap();
    assert_eq!(expo.samples.len(), 10);
    let e =
        parse("db_query_duration_seconds_count 1\nnoise{oops 3\n", |name| name.starts_with("db_query")).unwrap_err();
    assert_eq!(e.line, 2);
}

#[test]
fn garbage_is_an_error_naming_the_line() {
    for (text, what) in [
        ("up 1\n\u{0}\u{1}binary", "invalid metric name"),
        ("up", "no value"),
        ("up one", "`one` is not a number"),
        ("up 1 2 3", "unexpected text"),
        ("up 1 soon", "`soon` is not a timestamp"),
        ("up{a=1} 1", "label value must be quoted"),
        ("up{a=\"1} 1", "unterminated label value"),
        ("up{a=\"\\q\"} 1", "invalid escape `\\q`"),
        ("up{a=\"1\" b=\"2\"} 1", "expected `,` or `}`"),
        ("up{a=\"1\",a=\"2\"} 1", "appears twice"),
        ("up{9a=\"1\"} 1", "invalid label name"),
        ("up{a=\"1\"", "unterminated"),
        ("# TYPE", "needs a metric name"),
        ("<html><body>Not found</body></html>", "invalid metric name"),
    ] {
        let e = all(text).expect_err(text);
        assert!(e.what.contains(what), "{text:?}: {e}");
        assert!(e.to_string().starts_with(&format!("line {}: ", e.line)), "{e}");
    }
    let many: Vec<String> = (0..200).map(|i| format!("l{i}=\"v\"")).collect();
    let e = all(&format!("up{{{}}} 1", many.join(","))).unwrap_err();
    assert!(e.what.contains("more than 128 labels"), "{e}");
    let long = format!("{} oops", "x".repeat(200));
    let e = all(&long).unwrap_err();
    assert!(e.excerpt.ends_with('…') && e.excerpt.chars().count() == 81, "{e}");
}

#[test]
fn a_histogram_without_inf_or_with_uneven_label_sets_is_refused() {
    let no_inf = all("h_bucket{le=\"1\"} 3\n").unwrap();
    assert!(histogram(&no_inf, "h").unwrap_err().contains("no le=\"+Inf\""));
    let uneven =
        all("h_bucket{a=\"1\",le=\"1\"} 3\nh_bucket{a=\"1\",le=\"+Inf\"} 3\nh_bucket{a=\"2\",le=\"+Inf\"} 3\n");
    assert!(histogram(&uneven.unwrap(), "h").unwrap_err().contains("do not share their buckets"));
    let bad_le = all("h_bucket{le=\"soon\"} 3\n").unwrap();
    assert!(histogram(&bad_le, "h").unwrap_err().contains("not a number"));
    let no_le = all("h_bucket 3\n").unwrap();
    assert!(histogram(&no_le, "h").unwrap_err().contains("without an `le` label"));
}

#[test]
fn a_declared_family_without_samples_is_empty() {
    let expo = all("# TYPE h histogram\n").unwrap();
    assert_eq!(histogram(&expo, "h"), Ok(Totals::default()));
    assert_eq!(family_of("h_bucket"), "h");
    assert_eq!(family_of("h_count"), "h");
    assert_eq!(family_of("h"), "h");
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A cheap fuzz: every prefix of a mangled exposition parses or errors, never panics.
    let mangled = format!("{SHOP}\u{feff}{{\"}}\\\\\\\n=,=,{{le=\"+Inf\"}} \t\r\n# TYPE x\n{{}}{{");
    for end in (0..mangled.len()).filter(|i| mangled.is_char_boundary(*i)) {
        if let Ok(expo) = all(&mangled[..end]) {
            let _ = histogram(&expo, "db_query_duration_seconds");
        }
    }
}

#[test]
fn every_family_is_listed_with_its_type_labels_and_series() {
    let text = "# TYPE http_requests_total counter\nhttp_requests_total{method=\"GET\",route=\"/a\",status=\"200\"} 3\n\
        http_requests_total{method=\"POST\",route=\"/a\",status=\"201\"} 1\n# TYPE cache_requests counter\n\
        cache_requests_total{result=\"hit\"} 1\ncache_requests_total{result=\"miss\"} 1\n";
    let expo = parse(&format!("{SHOP}{text}"), |_| false).unwrap();
    assert!(expo.samples.is_empty());
    let names: Vec<&str> = expo.families.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["cache_requests", "db_pool_connections", "db_query_duration_seconds", "http_requests_total", "up"]
    );
    let h = &expo.families["db_query_duration_seconds"];
    assert_eq!((h.kind.as_str(), h.series), ("histogram", 2));
    assert_eq!(h.labels.keys().collect::<Vec<_>>(), ["query"]);
    let c = &expo.families["http_requests_total"];
    assert_eq!((c.kind.as_str(), c.series), ("counter", 2));
    assert_eq!(c.labels["method"].iter().collect::<Vec<_>>(), ["GET", "POST"]);
    let cache = &expo.families["cache_requests"];
    assert_eq!(cache.labels["result"].len(), 2);
    assert_eq!(expo.families["up"].kind, "untyped");
}

#[test]
fn label_values_are_capped_per_label() {
    let text: String = (0..100).map(|i| format!("x{{id=\"{i}\"}} 1\n")).collect();
    let expo = parse(&text, |_| false).unwrap();
    assert_eq!(expo.families["x"].labels["id"].len(), MAX_LABEL_VALUES);
    assert_eq!(expo.families["x"].series, 100);
}
