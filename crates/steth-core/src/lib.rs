//! stethoscope's core model: the checklist catalog, evidence, outcomes, scoring, the report
//! model and the validated config. No async, no network, no I/O beyond reading a config file.
#![deny(missing_docs)]

pub mod catalog;
pub mod config;
pub mod diff;
pub mod evidence;
pub mod outcome;
pub mod policy;
pub mod report;
pub mod score;
pub mod section;
pub mod threshold;

pub use outcome::{Outcome, Status};
pub use section::Section;
pub use threshold::Threshold;
