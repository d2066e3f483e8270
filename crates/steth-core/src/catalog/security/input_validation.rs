//! 6.6 input-validation: input validation.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// Requests are validated at the boundary: malformed JSON, wrong types, missing or out-of-range
    /// fields and oversized values are rejected with 400 or 422 and a message saying what is wrong.
    /// Invalid input must never produce a 500. The default threshold is "400 or 422 on bad input".
    ///
    /// ## Why it matters
    /// A 500 on bad input means unchecked data reached code that did not expect it: a string where
    /// the handler assumed an integer raises an exception, a 2 MB `name` hits a `varchar(255)`
    /// column and the database error bubbles up, a negative quantity turns an order into a refund.
    /// Besides the bug itself, these 500s trigger error-rate alerts (5.5) for what are client
    /// mistakes, and error pages with stack traces leak internals.
    ///
    /// ## How it is measured
    /// - **http**: stethoscope sends each write endpoint a small, fixed set of bad requests:
    ///   syntactically broken JSON, fields with the wrong type, and oversized field values. Each
    ///   must be answered with 400 or 422; a 500 fails, and a 2xx means invalid input was accepted.
    ///
    /// The probes are bounded in number of requests, bytes sent and read, and time.
    ///
    /// ## How to fix
    /// Declare a schema per request body and validate before any business logic runs. With Pydantic
    /// (FastAPI answers 422 automatically):
    ///
    /// ```python
    /// class OrderIn(BaseModel):
    ///     product_id: int = Field(gt=0)
    ///     quantity: int = Field(ge=1, le=100)
    ///     note: str | None = Field(default=None, max_length=500)
    /// ```
    ///
    /// In Node use zod or ajv, in Go decode with `DisallowUnknownFields` and validate the struct.
    /// Map body-parsing errors to 400 in the global error handler, so they never fall through to
    /// the generic 500 path, and return validation errors without stack traces.
    pub INPUT_VALIDATION = {
        id: "6.6",
        slug: "input-validation",
        title: "Input validation",
        section: Security,
        threshold: Threshold::requires("400 or 422 on bad input"),
        sources: [Http],
        severity: High,
        evaluate: None,
    }
}
