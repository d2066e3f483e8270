//! Property tests of the engine's parsers: whatever a server or a file sends, `Server-Timing`
//! and interval-log parsing never panic, and what the engine writes reads back the same.

use proptest::prelude::*;
use std::time::{Duration, SystemTime};
use steth_load::{Interval, hdrlog, server_timing};

proptest! {
    #[test]
    fn server_timing_never_panics(header in ".{0,400}") {
        for metric in server_timing::parse(&header) {
            prop_assert!(!metric.name.is_empty());
            prop_assert!(metric.dur_ms.is_none_or(f64::is_finite));
        }
    }

    #[test]
    fn server_timing_round_trips_well_formed_metrics(
        metrics in proptest::collection::vec(("[a-z][a-z0-9_-]{0,11}", proptest::option::of(0u32..100_000)), 0..8),
    ) {
        let header = metrics
            .iter()
            .map(|(name, dur)| match dur {
                Some(d) => format!("{name};desc=\"a, b; c\";dur={}", f64::from(*d) / 10.0),
                None => name.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let parsed = server_timing::parse(&header);
        prop_assert_eq!(parsed.len(), metrics.len());
        for (got, (name, dur)) in parsed.iter().zip(&metrics) {
            prop_assert_eq!(&got.name, name);
            prop_assert_eq!(got.dur_ms, dur.map(|d| f64::from(d) / 10.0));
        }
    }

    #[test]
    fn interval_log_reading_never_panics(text in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = hdrlog::read(&text);
    }

    #[test]
    fn interval_log_reading_never_panics_on_near_miss_lines(
        lines in proptest::collection::vec("(Tag=[a-z]{1,4},)?[0-9.]{0,8},[0-9.]{0,8},[0-9.]{0,8},[A-Za-z0-9+/=]{0,40}", 0..6),
    ) {
        let _ = hdrlog::read(lines.join("\n").as_bytes());
    }

    #[test]
    fn interval_logs_round_trip(
        intervals in proptest::collection::vec(proptest::collection::vec(1u64..60_000_000, 1..50), 1..5),
    ) {
        let mut encoded = Vec::new();
        let mut expected = Vec::new();
        for (n, values) in intervals.iter().enumerate() {
            let mut h = steth_load::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
            for v in values {
                h.record(*v).expect("within bounds");
            }
            encoded.push(Interval::encode(Duration::from_secs(n as u64), Duration::from_secs(1), &h));
            expected.push(h);
        }
        let mut out = Vec::new();
        hdrlog::write(&mut out, SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000), &encoded, Some("GET"))
            .expect("writes to memory");
        let read = hdrlog::read(&out).expect("reads back");
        prop_assert_eq!(read.len(), expected.len());
        for (got, want) in read.iter().zip(&expected) {
            prop_assert_eq!(got.histogram.len(), want.len());
            prop_assert_eq!(got.histogram.max(), want.max());
            prop_assert_eq!(got.histogram.value_at_quantile(0.99), want.value_at_quantile(0.99));
        }
    }
}
