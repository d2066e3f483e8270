//! The repository's practices: dependency advisories, migrations, CI jobs, feature flags
//! (items 6.10, 7.7, 7.8, 9.1, 9.2, 9.4, 9.5).
