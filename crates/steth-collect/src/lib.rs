//! stethoscope's collectors: they gather [`Evidence`](steth_core::evidence::Evidence) from the
//! running service and its dependencies, and never decide verdicts. The orchestrator in
//! [`audit`] is the one place that sequences them.
#![deny(missing_docs)]

pub mod audit;
mod cleanup;
pub mod dry_run;
pub mod http;
pub mod load;
pub mod metrics;
pub mod pg;
pub mod redis;
pub mod source;

pub use audit::{Needs, Progress, Session, Silent, collect, collect_with};
