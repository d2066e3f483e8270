//! The one evidence builder and assertion helper the item tests share.

use super::Item;
use crate::evidence::{Evidence, HttpEvidence, PgEvidence, PgSchema, PgSettings, Slot};
use crate::outcome::{Outcome, Status};
use crate::threshold::Threshold;

/// HTTP evidence with every probe unavailable; tests fill the probe they exercise.
pub fn http(https: bool) -> HttpEvidence {
    HttpEvidence {
        base_url: if https { "https://api.test".into() } else { "http://api.test".into() },
        https,
        headers: Slot::unavailable("not probed"),
        cors: Slot::unavailable("not probed"),
        health: Slot::unavailable("not probed"),
    }
}

/// PostgreSQL evidence with an empty schema and default settings.
pub fn pg() -> PgEvidence {
    PgEvidence {
        server_version: "15.19".into(),
        database: "shop".into(),
        app_role: "shop".into(),
        schema: Slot::collected(PgSchema::default()),
        settings: Slot::collected(PgSettings::default()),
    }
}

/// Evidence holding only the given HTTP evidence.
pub fn with_http(http: HttpEvidence) -> Evidence {
    Evidence { http: Slot::collected(http), ..Evidence::default() }
}

/// Evidence holding only the given PostgreSQL evidence.
pub fn with_pg(pg: PgEvidence) -> Evidence {
    Evidence { pg: Slot::collected(pg), ..Evidence::default() }
}

/// Assesses the item with its default threshold and asserts the status.
#[track_caller]
pub fn expect(item: &Item, evidence: &Evidence, status: Status) -> Outcome {
    expect_with(item, evidence, &item.default_threshold, status)
}

/// Assesses the item with the given threshold and asserts the status.
#[track_caller]
pub fn expect_with(item: &Item, evidence: &Evidence, threshold: &Threshold, status: Status) -> Outcome {
    let outcome = item.assess(evidence, threshold);
    assert_eq!(outcome.status, status, "{} gave {:?}", item.id, outcome);
    outcome
}
