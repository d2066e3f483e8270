//! Scrapes the service's metrics right before and right after each load phase and keeps the
//! query-duration histogram's deltas, attributed to the phase's endpoint (evidence for 2.1).

use super::scrape::{MAX_BODY, Scraper};
use super::text::{Exposition, Totals, family_of, histogram};
use crate::load::{PhaseInfo, PhaseObserver};
use futures_util::future::BoxFuture;
use std::collections::BTreeMap;
use std::time::Duration;
use steth_core::config::{DurationUnit, Plan};
use steth_core::evidence::{Bucket, HistogramWindow, MetricsEvidence, PhaseResult, QueryHistogram, Slot};
use tokio::sync::Mutex;

/// The longest one scrape may take (less when the target's timeout is shorter).
const SCRAPE_TIMEOUT: Duration = Duration::from_secs(5);

/// What to do without a `query_histogram` in the config.
const HOW_TO_NAME: &str = "name it under [metrics] query_histogram";

/// The candidate histogram families of one scrape, each summed over its label sets.
type Reading = BTreeMap<String, Result<Totals, String>>;

struct State {
    /// The family and its unit, once known.
    family: Result<(String, DurationUnit), String>,
    open: Option<(String, &'static str, Result<Reading, String>)>,
    windows: Vec<HistogramWindow>,
    /// The first scrape that failed during the load phases: later ones are skipped, so a
    /// stalling endpoint costs one timeout, not two per phase.
    broken: Option<String>,
}

/// Snapshots the service's query-duration histogram around every load phase.
pub struct MetricsObserver {
    url: String,
    scraper: Result<Scraper, String>,
    configured: Option<String>,
    /// Why the first scrape failed; the observer then does nothing more.
    failed: Option<String>,
    state: Mutex<State>,
}

impl MetricsObserver {
    /// Scrapes once to find the histogram; `None` without a `[metrics]` url. A failed scrape is
    /// kept and reported by [`MetricsObserver::finish`].
    pub async fn connect(plan: &Plan) -> Option<MetricsObserver> {
        let target = plan.metrics.as_ref()?;
        // Each phase waits for two scrapes: a stalling endpoint must not eat the load's time bound.
        let timeout = plan.target.as_ref().map_or(SCRAPE_TIMEOUT, |t| t.timeout.min(SCRAPE_TIMEOUT));
        let scraper = Scraper::new(target.url.clone(), MAX_BODY, timeout);
        let url = steth_core::config::redact_url(target.url.as_str());
        Some(Self::with_scraper(url, scraper, target.query_histogram.clone()).await)
    }

    /// An observer scraping with `scraper`; `configured` names the family, else it is detected.
    pub async fn with_scraper(
        url: String,
        scraper: Result<Scraper, String>,
        configured: Option<String>,
    ) -> MetricsObserver {
        let state = State { family: Err("not scraped yet".into()), open: None, windows: Vec::new(), broken: None };
        let mut observer = MetricsObserver { url, scraper, configured, failed: None, state: Mutex::new(state) };
        match observer.read().await {
            Err(e) => observer.failed = Some(e),
            Ok(reading) => observer.state.get_mut().family = observer.resolve(&reading),
        }
        observer
    }

    /// The metrics evidence: the histogram's windows, or why there are none.
    pub fn finish(self) -> Slot<MetricsEvidence> {
        if let Some(e) = self.failed {
            return Slot::failed(e);
        }
        let url = self.url;
        let state = self.state.into_inner();
        let query_histogram = match state.family {
            Err(why) => Slot::unavailable(why),
            Ok(_) if state.windows.is_empty() => Slot::unavailable("no load phase ran, so no histogram window"),
            Ok((family, unit)) => Slot::collected(QueryHistogram {
                configured: self.configured.is_some(),
                family,
                unit: unit.word().to_string(),
                windows: state.windows,
            }),
        };
        Slot::collected(MetricsEvidence { url, query_histogram })
    }

    /// A scrape, unless an earlier one failed during the load phases (then its error).
    async fn read_unless_broken(&self) -> Result<Reading, String> {
        if let Some(e) = &self.state.lock().await.broken {
            return Err(format!("not scraped after an earlier scrape failed ({e})"));
        }
        let reading = self.read().await;
        if let Err(e) = &reading {
            self.state.lock().await.broken.get_or_insert_with(|| e.clone());
        }
        reading
    }

    fn candidate(&self, family: &str) -> bool {
        match &self.configured {
            Some(name) => family == name,
            None => {
                let lower = family.to_ascii_lowercase();
                lower.contains("query") && lower.contains("duration")
            }
        }
    }

    /// One scrape: every candidate family (declared a histogram or with `le` buckets), summed.
    async fn read(&self) -> Result<Reading, String> {
        let scraper = self.scraper.as_ref().map_err(Clone::clone)?;
        let expo = scraper.scrape(|name| self.candidate(family_of(name))).await.map_err(|e| e.to_string())?;
        Ok(self.candidates(&expo))
    }

    fn candidates(&self, expo: &Exposition) -> Reading {
        let mut names: Vec<&str> = expo.histograms.iter().map(String::as_str).filter(|f| self.candidate(f)).collect();
        names.extend(expo.samples.iter().filter_map(|s| s.name.strip_suffix("_bucket")).filter(|f| self.candidate(f)));
        names.sort_unstable();
        names.dedup();
        names.into_iter().map(|f| (f.to_string(), histogram(expo, f))).collect()
    }

    /// The family to read and its unit, or why there is none: the unit is never guessed.
    fn resolve(&self, reading: &Reading) -> Result<(String, DurationUnit), String> {
        let url = &self.url;
        let family = match (&self.configured, reading.keys().collect::<Vec<_>>().as_slice()) {
            (Some(name), []) => return Err(format!("the metrics at {url} have no `{name}` histogram")),
            (Some(name), _) => name.clone(),
            (None, []) => {
                return Err(format!(
                    "the metrics at {url} have no histogram whose name contains `query` and `duration`; {HOW_TO_NAME}"
                ));
            }
            (None, [one]) => one.to_string(),
            (None, several) => {
                let names: Vec<String> = several.iter().map(|n| format!("`{n}`")).collect();
                return Err(format!(
                    "the metrics at {url} have several query-duration histograms ({}); {HOW_TO_NAME}",
                    names.join(", ")
                ));
            }
        };
        let unit = DurationUnit::of(&family).ok_or_else(|| {
            format!(
                "`{family}` does not state its unit (suffix `_seconds`, `_milliseconds` or `_ms`), and stethoscope \
                 does not guess; rename it or expose one that does"
            )
        })?;
        Ok((family, unit))
    }
}

/// The change of a family between two readings, in milliseconds, or why it cannot be trusted.
fn delta(before: &Totals, after: &Totals, unit: DurationUnit) -> Result<(Vec<Bucket>, u64, f64), String> {
    const RESET: &str = "the histogram's counters went back during the window (the service restarted or reset them)";
    // Sums of several label sets may be added in another order at each scrape: a last-digit
    // difference is rounding, not a reset.
    let sum_slack = 1e-9 * before.sum.abs().max(1.0);
    if after.count < before.count || after.sum < before.sum - sum_slack {
        return Err(RESET.into());
    }
    if !before.buckets.is_empty() && before.buckets.iter().map(|b| b.0).ne(after.buckets.iter().map(|b| b.0)) {
        return Err("the histogram's bucket bounds changed during the window".into());
    }
    let mut buckets = Vec::with_capacity(after.buckets.len());
    for (i, &(le, count)) in after.buckets.iter().enumerate() {
        let d = count - before.buckets.get(i).map_or(0.0, |b| b.1);
        if d < 0.0 {
            return Err(RESET.into());
        }
        buckets.push(Bucket { le_ms: le * unit.ms(), count: d.round() as u64 });
    }
    let (count, sum) = (after.count - before.count, after.sum - before.sum);
    Ok((buckets, count.round() as u64, sum.max(0.0) * unit.ms()))
}

impl PhaseObserver for MetricsObserver {
    fn before(&self, info: &PhaseInfo) -> BoxFuture<'_, ()> {
        let (endpoint, phase) = (info.endpoint.clone(), info.phase);
        Box::pin(async move {
            if self.failed.is_some() {
                return;
            }
            let reading = self.read_unless_broken().await;
            self.state.lock().await.open = Some((endpoint, phase, reading));
        })
    }

    fn after<'a>(&'a self, info: &'a PhaseInfo, _: &'a PhaseResult) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if self.failed.is_some() {
                return;
            }
            let after = self.read_unless_broken().await;
            let mut state = self.state.lock().await;
            let Some((endpoint, phase, before)) = state.open.take() else { return };
            if endpoint != info.endpoint || phase != info.phase {
                return;
            }
            // A histogram registered on first use appears only once the service has run a query.
            if state.family.is_err()
                && let Ok(reading) = &after
            {
                state.family = self.resolve(reading);
            }
            let Ok((family, unit)) = &state.family else { return };
            let measured = match (before, after) {
                (Ok(mut b), Ok(mut a)) => {
                    let empty = || Ok(Totals::default());
                    match (b.remove(family).unwrap_or_else(empty), a.remove(family).unwrap_or_else(empty)) {
                        (Ok(b), Ok(a)) => delta(&b, &a, *unit),
                        (Err(e), _) | (_, Err(e)) => Err(e),
                    }
                }
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
            let (buckets, count, sum_ms, incomplete) = match measured {
                Ok((buckets, count, sum_ms)) => (buckets, count, sum_ms, None),
                Err(why) => (Vec::new(), 0, 0.0, Some(why)),
            };
            let phase = phase.to_string();
            state.windows.push(HistogramWindow { endpoint, phase, buckets, count, sum_ms, incomplete });
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(buckets: &[(f64, f64)], count: f64, sum: f64) -> Totals {
        Totals { buckets: buckets.to_vec(), count, sum, series: 1 }
    }

    #[test]
    fn deltas_are_converted_to_milliseconds() {
        let before = totals(&[(0.01, 5.0), (0.1, 8.0)], 9.0, 0.3);
        let after = totals(&[(0.01, 15.0), (0.1, 28.0)], 30.0, 1.3);
        let (buckets, count, sum_ms) = delta(&before, &after, DurationUnit::Seconds).unwrap();
        assert_eq!(buckets, vec![Bucket { le_ms: 10.0, count: 10 }, Bucket { le_ms: 100.0, count: 20 }]);
        assert_eq!(count, 21);
        assert!((sum_ms - 1000.0).abs() < 1e-6, "{sum_ms}");
        // A family with no samples yet counts from zero.
        let (_, count, _) = delta(&Totals::default(), &after, DurationUnit::Milliseconds).unwrap();
        assert_eq!(count, 30);
    }

    #[test]
    fn a_counter_reset_or_new_bounds_make_the_window_incomplete() {
        let before = totals(&[(0.01, 5.0), (0.1, 8.0)], 9.0, 0.3);
        let reset = totals(&[(0.01, 1.0), (0.1, 1.0)], 1.0, 0.01);
        assert!(delta(&before, &reset, DurationUnit::Seconds).unwrap_err().contains("went back"));
        let rebucketed = totals(&[(0.05, 50.0), (0.1, 80.0)], 90.0, 3.0);
        assert!(delta(&before, &rebucketed, DurationUnit::Seconds).unwrap_err().contains("bounds changed"));
        // The same sum added up in another order is not a reset.
        let (a, b, c) = (0.1, 0.2, 0.3);
        let quiet = totals(&[(0.01, 5.0), (0.1, 8.0)], 9.0, (a + b) + c);
        let noisy = totals(&[(0.01, 5.0), (0.1, 8.0)], 9.0, a + (b + c));
        assert_eq!(delta(&quiet, &noisy, DurationUnit::Seconds).map(|d| d.1), Ok(0));
    }
}
