//! Property tests of the parsers that read what a target sends: the Prometheus text format
//! never panics on arbitrary input, and a well-formed exposition reads back exactly.

use proptest::prelude::*;
use steth_collect::metrics::text;

/// A label value with the characters the format escapes, and the `}` and `,` that broke
/// other parsers.
fn label_value() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![Just('"'), Just('\\'), Just('\n'), Just('}'), Just(','), Just('='), any::<char>()],
        0..12,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(body in ".{0,600}") {
        let _ = text::parse(&body, |_| true);
    }

    #[test]
    fn near_miss_lines_never_panic(
        lines in proptest::collection::vec("(# (TYPE|HELP) )?[a-z_:]{0,8}(\\{[a-z]{0,3}=?\"?[a-z\\\\\"]{0,4}\"?,?\\}?)? ?[-+0-9.eEInfNa]{0,8}( [0-9]{0,5})?", 0..8),
    ) {
        let _ = text::parse(&lines.join("\n"), |_| true);
    }

    #[test]
    fn well_formed_samples_read_back(
        samples in proptest::collection::vec(
            ("[a-z_][a-z0-9_:]{0,10}", proptest::collection::btree_map("[a-z_][a-z0-9_]{0,6}", label_value(), 0..4), -1.0e12f64..1.0e12),
            1..10,
        ),
    ) {
        let mut body = String::new();
        for (name, labels, value) in &samples {
            let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect();
            body.push_str(&format!("# TYPE {name} gauge\n{name}{{{}}} {value}\n", labels.join(",")));
        }
        let expo = text::parse(&body, |_| true).expect("well-formed text parses");
        prop_assert_eq!(expo.samples.len(), samples.len());
        for (got, (name, labels, value)) in expo.samples.iter().zip(&samples) {
            prop_assert_eq!(&got.name, name);
            prop_assert_eq!(got.value, *value);
            let want: Vec<(String, String)> = labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let mut have = got.labels.clone();
            have.sort();
            prop_assert_eq!(have, want);
        }
    }
}
