//! The repository's practices read from its files (items 6.10, 7.7, 7.8, 9.1, 9.2, 9.4, 9.5).

use serde::{Deserialize, Serialize};

/// What the repository's files say about its practices.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RepoEvidence {}
