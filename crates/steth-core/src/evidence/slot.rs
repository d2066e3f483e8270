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

/// Whether a slot's evidence was gathered, without the evidence: what progress lines, the
/// report's source table and the exit code look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotState {
    /// Gathered.
    Collected,
    /// Not gathered, for a reason that is not a failure.
    Unavailable,
    /// The source failed.
    Failed,
    /// The config never named the source: nobody asked for it. Only the report's source table
    /// says this (a slot itself is `Unavailable`), so a source left out is not mistaken for one
    /// that could not be used.
    NotConfigured,
}

impl SlotState {
    /// The state's word, as serialised.
    pub fn word(self) -> &'static str {
        match self {
            SlotState::Collected => "collected",
            SlotState::Unavailable => "unavailable",
            SlotState::Failed => "failed",
            SlotState::NotConfigured => "not_configured",
        }
    }
}

impl std::fmt::Display for SlotState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.word())
    }
}

/// What every slot can say about itself whatever its evidence type, so the sources can be
/// walked as a list (`Evidence::slot`).
pub trait AnySlot {
    /// Whether the evidence was gathered.
    fn state(&self) -> SlotState;
    /// The reason it is unavailable or the error it failed with.
    fn detail(&self) -> Option<&str>;
    /// Drops the evidence: the slot becomes unavailable for `reason`.
    fn blank(&mut self, reason: &str);
}

impl<T> AnySlot for Slot<T> {
    fn state(&self) -> SlotState {
        match self {
            Slot::Collected { .. } => SlotState::Collected,
            Slot::Unavailable { .. } => SlotState::Unavailable,
            Slot::Failed { .. } => SlotState::Failed,
        }
    }
    fn detail(&self) -> Option<&str> {
        match self {
            Slot::Collected { .. } => None,
            Slot::Unavailable { reason } => Some(reason),
            Slot::Failed { error } => Some(error),
        }
    }
    fn blank(&mut self, reason: &str) {
        *self = Slot::unavailable(reason);
    }
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
    /// The evidence turned into another, an absence kept as it is.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Slot<U> {
        match self {
            Slot::Collected { data } => Slot::collected(f(data)),
            Slot::Unavailable { reason } => Slot::unavailable(reason),
            Slot::Failed { error } => Slot::failed(error),
        }
    }
    /// The same absence for evidence of another type: unavailable or failed for the same
    /// reason, so every part that depends on this slot says why it is missing. A collected slot
    /// gives `None`.
    pub fn absence<U>(&self) -> Option<Slot<U>> {
        match self {
            Slot::Collected { .. } => None,
            Slot::Unavailable { reason } => Some(Slot::unavailable(reason.clone())),
            Slot::Failed { error } => Some(Slot::failed(error.clone())),
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
