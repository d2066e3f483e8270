//! stethoscope's static analysis: what is decided from a repository's files and its git
//! history (secrets, dependency advisories, migrations, CI practices). Collectors here read
//! files and run `git`; they never score.
#![deny(missing_docs)]

pub mod repo;
pub mod secrets;
