//! Evidence from the repository (the `source` evidence source).

use super::{RepoEvidence, Slot};
use serde::{Deserialize, Serialize};

/// What the source collectors read from the repository.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceEvidence {
    /// The repository's practices: dependencies, migrations, CI jobs, flags, budgets.
    #[serde(default)]
    pub repo: Slot<RepoEvidence>,
}
