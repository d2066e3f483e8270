//! A slot of evidence: collected, unavailable with a reason, or failed with an error.

use crate::outcome::Outcome;
use serde::{Deserialize, Serialize};

/// One piece of evidence and whether it could be gathered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Slot<T> {
    /// Gathered.
    Collected {
        /// The evidence itself.
        data: T,
    },
    /// Not gathered, for a reason that is not a failure (not configured, no privilege).
    Unavailable {
        /// Why, in words the user can act on.
        reason: String,
    },
    /// The source failed (unreachable, timeout).
    Failed {
        /// What went wrong.
        error: String,
    },
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot::Unavailable { reason: "not configured".into() }
    }
}

impl<T> Slot<T> {
    /// A gathered slot.
    pub fn collected(data: T) -> Slot<T> {
        Slot::Collected { data }
    }
    /// A slot that could not be gathered, with the reason.
    pub fn unavailable(reason: impl Into<String>) -> Slot<T> {
        Slot::Unavailable { reason: reason.into() }
    }
    /// A slot whose source failed.
    pub fn failed(error: impl Into<String>) -> Slot<T> {
        Slot::Failed { error: error.into() }
    }
    /// The evidence, or the outcome a check reports without it: `not assessed` or `error`.
    pub fn get(&self) -> Result<&T, Outcome> {
        match self {
            Slot::Collected { data } => Ok(data),
            Slot::Unavailable { reason } => Err(Outcome::not_assessed(reason.clone())),
            Slot::Failed { error } => Err(Outcome::error(error.clone())),
        }
    }
    /// The evidence when it was gathered.
    pub fn data(&self) -> Option<&T> {
        match self {
            Slot::Collected { data } => Some(data),
            _ => None,
        }
    }
}

impl<T, E: std::fmt::Display> From<Result<T, E>> for Slot<T> {
    fn from(r: Result<T, E>) -> Slot<T> {
        match r {
            Ok(data) => Slot::Collected { data },
            Err(e) => Slot::Failed { error: e.to_string() },
        }
    }
}
