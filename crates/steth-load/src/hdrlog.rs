//! HdrHistogram interval logs (the standard `.hlog` format: `StartTimestamp,Interval_Length,
//! Interval_Max,Interval_Compressed_Histogram`), so runs from several machines can be merged
//! losslessly. Latencies are in microseconds; the max column is in milliseconds.

use crate::report::Interval;
use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::Deserializer;
use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};
use std::io::Write;
use std::time::{Duration, SystemTime};

/// Writes the intervals of a phase as an interval log.
pub fn write(
    out: &mut dyn Write,
    started: SystemTime,
    intervals: &[Interval],
    tag: Option<&str>,
) -> std::io::Result<()> {
    let epoch = started.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs_f64();
    writeln!(out, "#Written by stethoscope {}; latencies in microseconds", env!("CARGO_PKG_VERSION"))?;
    writeln!(out, "#[StartTime: {epoch:.3} (seconds since epoch)]")?;
    writeln!(out, "#[BaseTime: {epoch:.3} (seconds since epoch)]")?;
    writeln!(out, "#[MaxValueDivisor: 1000.000]")?;
    writeln!(out, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"")?;
    let tag =
        tag.filter(|t| !t.is_empty() && !t.contains([',', ' ', '\n'])).map(|t| format!("Tag={t},")).unwrap_or_default();
    for i in intervals {
        writeln!(
            out,
            "{tag}{:.3},{:.3},{:.3},{}",
            i.start.as_secs_f64(),
            i.length.as_secs_f64(),
            i.max_us as f64 / 1000.0,
            i.encoded
        )?;
    }
    Ok(())
}

/// One interval read back from a log.
#[derive(Debug, Clone)]
pub struct LoggedInterval {
    /// Start, relative to the log's base time.
    pub start: Duration,
    /// Length.
    pub length: Duration,
    /// Latencies in µs.
    pub histogram: Histogram<u64>,
}

/// Reads every interval of a log.
pub fn read(text: &[u8]) -> Result<Vec<LoggedInterval>, String> {
    let mut out = Vec::new();
    let mut deserializer = Deserializer::new();
    for (n, entry) in IntervalLogIterator::new(text).enumerate() {
        let entry = entry.map_err(|e| format!("entry {}: not an interval log line ({e:?})", n + 1))?;
        let LogEntry::Interval(interval) = entry else { continue };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(interval.encoded_histogram())
            .map_err(|e| format!("entry {}: bad base64 histogram: {e}", n + 1))?;
        let histogram: Histogram<u64> = deserializer
            .deserialize(&mut std::io::Cursor::new(bytes))
            .map_err(|e| format!("entry {}: bad histogram: {e:?}", n + 1))?;
        out.push(LoggedInterval { start: interval.start_timestamp(), length: interval.duration(), histogram });
    }
    Ok(out)
}

/// Adds every interval into one histogram.
pub fn merge(intervals: &[LoggedInterval]) -> Histogram<u64> {
    let mut total = crate::histogram();
    for i in intervals {
        // Histograms from other tools may have other bounds; values beyond ours saturate.
        if total.add(&i.histogram).is_err() {
            for v in i.histogram.iter_recorded() {
                let _ = total.record_n(v.value_iterated_to().min(crate::HISTOGRAM_HIGH_US), v.count_at_value());
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_round_trip_losslessly() {
        let mut a = crate::histogram();
        let mut b = crate::histogram();
        for v in [100u64, 250, 1_000, 99_000] {
            a.record(v).unwrap();
            b.record(v * 3).unwrap();
        }
        let intervals = vec![
            Interval::encode(Duration::from_secs(0), Duration::from_secs(1), &a),
            Interval::encode(Duration::from_secs(1), Duration::from_secs(1), &b),
        ];
        let mut log = Vec::new();
        write(&mut log, SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000), &intervals, Some("GET_/x"))
            .unwrap();
        let text = String::from_utf8(log.clone()).unwrap();
        assert!(
            text.contains("\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\""),
            "{text}"
        );
        assert!(text.contains("Tag=GET_/x,1.000,1.000,297."), "{text}");
        let back = read(&log).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].histogram, a);
        assert_eq!(back[1].start, Duration::from_secs(1));
        let merged = merge(&back);
        let mut expected = a.clone();
        expected.add(&b).unwrap();
        assert_eq!(merged, expected);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(read(b"0.1,1.0,2.0,notbase64!!\n").is_err());
    }
}
