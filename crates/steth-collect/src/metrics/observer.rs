//! Scrapes the service's metrics right before and right after each load phase and keeps the
//! query-duration histogram's deltas, attributed to the phase's endpoint (evidence for 2.1), the
//! families exposed (4.7, 5.2, 5.7, 5.8) and the request counter's growth per phase (5.2).

use super::requests::{METHOD_LABELS, ROUTE_LABELS, Series, growth, is_request_counter, mentions_requests};
use super::scrape::{MAX_BODY, Scraper};
use super::text::{Exposition, Shape, Totals, family_of, histogram};
use crate::load::{Finish, PhaseInfo, PhaseObserver};
use futures_util::future::BoxFuture;
use std::collections::BTreeMap;
use std::time::Duration;
use steth_core::config::{DurationUnit, Plan};
use steth_core::evidence::{
    AlertRules, Bucket, HistogramWindow, MetricFamily, MetricsEvidence, PhaseResult, QueryHistogram, RequestCounting,
    RequestWindow, Slot,
};
use tokio::sync::Mutex;

/// The longest one scrape may take (less when the target's timeout is shorter).
const SCRAPE_TIMEOUT: Duration = Duration::from_secs(5);

/// What to do without a `query_histogram` in the config.
const HOW_TO_NAME: &str = "name it under [metrics] query_histogram";

/// The candidate histogram families of one scrape, each summed over its label sets.
type Histograms = BTreeMap<String, Result<Totals, String>>;

/// What one scrape gives.
struct Reading {
    histograms: Histograms,
    families: BTreeMap<String, Shape>,
    /// The request counters' series, by family.
    requests: BTreeMap<String, Series>,
}

struct State {
    /// The family and its unit, once known.
    family: Result<(String, DurationUnit), String>,
    open: Option<(String, steth_core::evidence::Phase, Result<Reading, String>)>,
    windows: Vec<HistogramWindow>,
    /// Every family seen in any scrape.
    families: BTreeMap<String, Shape>,
    /// The request counter watched, once one is seen.
    request_family: Option<String>,
    request_windows: Vec<RequestWindow>,
    /// The first scrape that failed during the load phases: later ones are skipped, so a
    /// stalling endpoint costs one timeout, not two per phase.
    broken: Option<String>,
}

impl State {
    /// Adds a scrape's families to those seen, and picks the request counter once one shows.
    fn absorb(&mut self, reading: &Reading) {
        for (name, shape) in &reading.families {
            let seen = self.families.entry(name.clone()).or_default();
            seen.kind.clone_from(&shape.kind);
            seen.series = seen.series.max(shape.series);
            for (label, values) in &shape.labels {
                let kept = seen.labels.entry(label.clone()).or_default();
                for v in values {
                    if kept.len() < super::text::MAX_LABEL_VALUES {
                        kept.insert(v.clone());
                    }
                }
            }
        }
        // The counter with method and route labels, else any; a better one replaces an unlabelled
        // one (a counter registered on first use shows up late), and its windows start over.
        let labelled = |name: &String| {
            let shape = &self.families[name];
            let has = |names: &[&str]| shape.labels.keys().any(|l| names.contains(&l.as_str()));
            has(&METHOD_LABELS) && has(&ROUTE_LABELS)
        };
        if self.request_family.as_ref().is_some_and(labelled) {
            return;
        }
        let best = reading.requests.keys().find(|n| labelled(n)).or_else(|| reading.requests.keys().next());
        if best.is_some() && best != self.request_family.as_ref() && best.is_some_and(labelled) {
            self.request_windows.clear();
            self.request_family = best.cloned();
        } else if self.request_family.is_none() {
            self.request_family = best.cloned();
        }
    }
}

/// What the [`MetricsObserver`] hands over: its own slots of the metrics evidence (the alert
/// rules are read apart, [`evidence`] joins them).
#[derive(Debug, Clone)]
pub struct Scraped {
    /// The scraped URL, credentials redacted.
    pub url: String,
    /// The query-duration histogram's windows.
    pub query_histogram: Slot<QueryHistogram>,
    /// Every family of every scrape.
    pub families: Slot<Vec<MetricFamily>>,
    /// The request counter's growth around each phase.
    pub requests: Slot<RequestCounting>,
}

/// The metrics evidence, assembled once: what the scrapes found and the alert rules. Rules
/// configured without a scrape still make the evidence, its scraped parts then missing for the
/// scrape's reason.
pub fn evidence(scraped: Slot<Scraped>, rules: Slot<AlertRules>) -> Slot<MetricsEvidence> {
    let scraped = match scraped {
        Slot::Collected { data } => data,
        _ if matches!(rules, Slot::Unavailable { .. }) => return scraped.absence().unwrap_or_default(),
        missing => {
            let why = missing.absence::<()>().unwrap_or_default();
            use crate::load::missing_as as like;
            Scraped { url: String::new(), query_histogram: like(&why), families: like(&why), requests: like(&why) }
        }
    };
    let Scraped { url, query_histogram, families, requests } = scraped;
    Slot::collected(MetricsEvidence { url, query_histogram, families, requests, rules })
}

/// Snapshots the service's query-duration histogram around every load phase.
pub struct MetricsObserver {
    url: String,
    scraper: Result<Scraper, String>,
    configured: Option<String>,
    /// Each endpoint's method and path template, by display name.
    routes: BTreeMap<String, (String, String)>,
    /// The warm-up before each phase's measured requests.
    warmup: Duration,
    /// Why the first scrape failed; the observer then does nothing more.
    failed: Option<String>,
    state: Mutex<State>,
}

impl MetricsObserver {
    /// Scrapes once to find the histogram; `None` without a `[metrics]` url. A failed scrape is
    /// kept and reported by its [`Finish::finish`].
    pub async fn connect(plan: &Plan) -> Option<MetricsObserver> {
        let target = plan.metrics.as_ref()?;
        let endpoint = target.url.as_ref()?;
        // Each phase waits for two scrapes: a stalling endpoint must not eat the load's time bound.
        let timeout = plan.target.as_ref().map_or(SCRAPE_TIMEOUT, |t| t.timeout.min(SCRAPE_TIMEOUT));
        let scraper = Scraper::new(endpoint.clone(), MAX_BODY, timeout);
        let url = steth_core::config::redact_url(endpoint.as_str());
        let observer = Self::with_scraper(url, scraper, target.query_histogram.clone()).await;
        let routes = plan.endpoints.iter().map(|e| (e.name.clone(), e.method.clone(), e.path.clone()));
        Some(observer.for_endpoints(routes, plan.load.warmup))
    }

    /// Watches the request counter for these endpoints (display name, method, path template),
    /// each phase preceded by `warmup`.
    pub fn for_endpoints(
        mut self,
        routes: impl IntoIterator<Item = (String, String, String)>,
        warmup: Duration,
    ) -> Self {
        self.routes = routes.into_iter().map(|(name, method, path)| (name, (method, path))).collect();
        self.warmup = warmup;
        self
    }

    /// An observer scraping with `scraper`; `configured` names the family, else it is detected.
    pub async fn with_scraper(
        url: String,
        scraper: Result<Scraper, String>,
        configured: Option<String>,
    ) -> MetricsObserver {
        let state = State {
            family: Err("not scraped yet".into()),
            open: None,
            windows: Vec::new(),
            families: BTreeMap::new(),
            request_family: None,
            request_windows: Vec::new(),
            broken: None,
        };
        let (routes, warmup) = (BTreeMap::new(), Duration::ZERO);
        let mut observer =
            MetricsObserver { url, scraper, configured, routes, warmup, failed: None, state: Mutex::new(state) };
        match observer.read().await {
            Err(e) => observer.failed = Some(e),
            Ok(reading) => {
                let family = observer.resolve(&reading.histograms);
                let state = observer.state.get_mut();
                state.family = family;
                state.absorb(&reading);
            }
        }
        observer
    }

    /// The histogram's windows, the families and the request counter's growth, or why there
    /// are none.
    fn scraped(self) -> Slot<Scraped> {
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
        let families = state
            .families
            .into_iter()
            .map(|(name, shape)| MetricFamily {
                name,
                kind: shape.kind,
                labels: shape.labels.keys().cloned().collect(),
                values: shape.labels.into_iter().map(|(l, v)| (l, v.into_iter().collect())).collect(),
                series: shape.series,
            })
            .collect();
        let requests = match state.request_family {
            None => Slot::unavailable(format!(
                "the metrics at {url} expose no request counter (a counter whose name holds `request`)"
            )),
            Some(_) if state.request_windows.is_empty() => {
                Slot::unavailable("no load phase ran, so the request counter was not watched")
            }
            Some(family) => Slot::collected(RequestCounting { family, windows: state.request_windows }),
        };
        let families = Slot::collected(families);
        Slot::collected(Scraped { url, query_histogram, families, requests })
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
        let keep = |name: &str| self.candidate(family_of(name)) || mentions_requests(name);
        let expo = scraper.scrape(keep).await.map_err(|e| e.to_string())?;
        let mut requests: BTreeMap<String, Series> = BTreeMap::new();
        let counters: Vec<&String> =
            expo.families.iter().filter(|(n, s)| is_request_counter(n, s)).map(|(n, _)| n).collect();
        for sample in &expo.samples {
            let family = counters
                .iter()
                .copied()
                .find(|f| sample.name == **f || sample.name.strip_suffix("_total") == Some(f.as_str()));
            if let Some(family) = family {
                let mut labels = sample.labels.clone();
                labels.sort();
                *requests.entry(family.to_string()).or_default().entry(labels).or_default() += sample.value;
            }
        }
        Ok(Reading { histograms: self.candidates(&expo), families: expo.families, requests })
    }

    fn candidates(&self, expo: &Exposition) -> Histograms {
        let mut names: Vec<&str> = expo.histograms.iter().map(String::as_str).filter(|f| self.candidate(f)).collect();
        names.extend(expo.samples.iter().filter_map(|s| s.name.strip_suffix("_bucket")).filter(|f| self.candidate(f)));
        names.sort_unstable();
        names.dedup();
        names.into_iter().map(|f| (f.to_string(), histogram(expo, f))).collect()
    }

    /// The family to read and its unit, or why there is none: the unit is never guessed.
    fn resolve(&self, reading: &Histograms) -> Result<(String, DurationUnit), String> {
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

impl Finish for MetricsObserver {
    type Found = Slot<Scraped>;

    fn finish(self) -> impl std::future::Future<Output = Slot<Scraped>> + Send {
        std::future::ready(self.scraped())
    }
}

impl PhaseObserver for MetricsObserver {
    fn before(&self, info: &PhaseInfo) -> BoxFuture<'_, ()> {
        let (endpoint, phase) = (info.endpoint.clone(), info.phase);
        Box::pin(async move {
            if self.failed.is_some() {
                return;
            }
            let reading = self.read_unless_broken().await;
            let mut state = self.state.lock().await;
            if let Ok(r) = &reading {
                state.absorb(r);
            }
            state.open = Some((endpoint, phase, reading));
        })
    }

    fn after<'a>(&'a self, info: &'a PhaseInfo, result: &'a PhaseResult) -> BoxFuture<'a, ()> {
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
            if let Ok(r) = &after {
                state.absorb(r);
            }
            if let Some((method, route)) = self.routes.get(&endpoint) {
                // The engine counts measured requests only; the warm-up sent requests at the same
                // rate, and the service counted them inside this window.
                let warmup = result.target_rate.unwrap_or(result.achieved_rate) * self.warmup.as_secs_f64();
                let sent = result.requests + warmup.round() as u64;
                let window = state.request_family.clone().map(|family| {
                    let series = |r: &Result<Reading, String>| match r {
                        Ok(r) => Ok(r.requests.get(&family).cloned().unwrap_or_default()),
                        Err(e) => Err(e.clone()),
                    };
                    let grown =
                        series(&before).and_then(|b| series(&after).and_then(|a| growth(&b, &a, method, route)));
                    let (counted, elsewhere, largest_elsewhere, incomplete) = match grown {
                        Ok((c, e, l)) => (c, e, l, None),
                        Err(why) => (0.0, 0.0, None, Some(why)),
                    };
                    RequestWindow {
                        endpoint: endpoint.clone(),
                        phase,
                        method: method.clone(),
                        route: route.clone(),
                        sent,
                        counted,
                        elsewhere,
                        largest_elsewhere,
                        incomplete,
                    }
                });
                state.request_windows.extend(window);
            }
            // A histogram registered on first use appears only once the service has run a query.
            if state.family.is_err()
                && let Ok(reading) = &after
            {
                state.family = self.resolve(&reading.histograms);
            }
            let Ok((family, unit)) = &state.family else { return };
            let measured = match (before, after) {
                (Ok(b), Ok(a)) => {
                    let (mut b, mut a) = (b.histograms, a.histograms);
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
