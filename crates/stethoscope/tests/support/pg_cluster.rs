//! The throwaway PostgreSQL cluster the tests start (`pg_stat_statements` preloaded); it lives in
//! the fixture crate, where the demo starts one too.

pub use shop::cluster::Cluster;
