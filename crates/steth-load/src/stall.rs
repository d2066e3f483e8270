//! The load generator's own stalls, measured the way jHiccup does: a task that asks to wake
//! every few milliseconds records how late it woke. On a quiet machine it wakes within about a
//! millisecond; on an overloaded one (a CI runner busy with other jobs, a laptop compiling) it
//! wakes tens of milliseconds late, and so does every request the engine meant to send then.
//! Corrected latencies count that lateness against the service, so a phase's stall percentiles
//! say how much of a tail the host itself can explain.

use crate::report::LatencySummary;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// How often the meter asks to wake.
const PERIOD: Duration = Duration::from_millis(5);

/// A running stall meter; [`StallMeter::finish`] stops it and summarizes what it saw.
pub(crate) struct StallMeter {
    samples: Arc<Mutex<hdrhistogram::Histogram<u64>>>,
    task: tokio::task::JoinHandle<()>,
}

impl StallMeter {
    /// Starts measuring; wake-ups before `from` (the warm-up) are not recorded.
    pub(crate) fn start(from: Instant) -> StallMeter {
        let samples = Arc::new(Mutex::new(crate::histogram()));
        let task = tokio::spawn({
            let samples = samples.clone();
            async move {
                loop {
                    let asked = Instant::now();
                    tokio::time::sleep(PERIOD).await;
                    let woke = Instant::now();
                    if asked >= from {
                        let late = woke.saturating_duration_since(asked).saturating_sub(PERIOD);
                        let mut h = samples.lock().unwrap_or_else(|p| p.into_inner());
                        h.saturating_record(late.as_micros().min(u128::from(u64::MAX)) as u64);
                    }
                }
            }
        });
        StallMeter { samples, task }
    }

    /// Stops the meter: the late-wake percentiles of the measured window.
    pub(crate) fn finish(self) -> LatencySummary {
        self.task.abort();
        let h = self.samples.lock().unwrap_or_else(|p| p.into_inner());
        LatencySummary::of(&h)
    }
}

impl Drop for StallMeter {
    /// A phase dropped mid-way (its caller cancelled) does not leave the meter ticking.
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn a_quiet_runtime_wakes_on_time_and_a_blocked_one_does_not() {
        let meter = StallMeter::start(Instant::now());
        tokio::time::sleep(Duration::from_millis(200)).await;
        let quiet = meter.finish();
        assert!(quiet.count >= 10, "{quiet:?}");

        let meter = StallMeter::start(Instant::now());
        tokio::time::sleep(Duration::from_millis(20)).await;
        // Block the only worker thread for 120 ms, as a starved host would.
        std::thread::sleep(Duration::from_millis(120));
        tokio::time::sleep(Duration::from_millis(20)).await;
        let blocked = meter.finish();
        assert!(blocked.max_ms >= 100.0, "{blocked:?}");
        assert!(blocked.max_ms > quiet.max_ms, "{quiet:?} vs {blocked:?}");
    }
}
