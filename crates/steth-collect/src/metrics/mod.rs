//! The service's Prometheus metrics: a bounded scraper, a parser of the text format good
//! enough to trust a histogram, and the observer that keeps the query-duration histogram's
//! deltas around each load phase.

mod alerts;
mod observer;
mod requests;
mod rules;
mod scrape;
pub mod text;

pub use observer::{MetricsObserver, Scraped, evidence};
pub use rules::collect as collect_rules;
pub use scrape::{MAX_BODY, ScrapeError, Scraper};
