//! Test support shared by steth-source's integration tests (and, by path, the binary's).

pub mod repo_fixture;
