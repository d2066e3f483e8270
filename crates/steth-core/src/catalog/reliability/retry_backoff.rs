//! 7.2 retry-backoff: retries with capped, jittered backoff.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// Failed outbound calls are retried only a bounded number of times, with exponentially growing
    /// waits that are capped, and with random jitter added to each wait. Only transient failures of
    /// idempotent operations are retried. The default threshold is qualitative: implemented.
    ///
    /// ## Why it matters
    /// Immediate or fixed-interval retries turn a short outage into a retry storm: a thousand
    /// clients retrying three times without delay quadruple the load on a dependency exactly when
    /// it is weakest, and without jitter the retries arrive in synchronised waves that knock it
    /// over again as it recovers. Unbounded retries hold requests open indefinitely, and retrying a
    /// non-idempotent `POST /charges` charges the customer twice.
    ///
    /// ## How it is measured
    /// - **source**: stethoscope looks in the repository for retry logic around outbound calls,
    ///   from retry libraries and their configuration or from hand-written loops, and checks for an
    ///   attempt or time cap, exponential backoff with a maximum delay, and jitter. Retry loops
    ///   that lack one of these are reported with their location.
    ///
    /// If retries are handled outside the code, for example by a service mesh with retry budgets,
    /// vouch for it in `[attest]`; it is then shown as attested.
    ///
    /// ## How to fix
    /// Use a retry library instead of a hand-written loop. In Python with tenacity (full-jitter
    /// exponential backoff):
    ///
    /// ```python
    /// @retry(stop=stop_after_attempt(4),
    ///        wait=wait_random_exponential(multiplier=0.2, max=5),
    ///        retry=retry_if_exception_type((ConnectionError, TimeoutError)))
    /// def fetch_rates():
    ///     return http.get(RATES_URL, timeout=2)
    /// ```
    ///
    /// Retry in one layer only: three layers each retrying three times make 27 attempts. Honour
    /// `Retry-After`, give each retried call its own timeout, and make writes idempotent (an
    /// idempotency key) before retrying them.
    pub RETRY_BACKOFF = {
        id: "7.2",
        slug: "retry-backoff",
        title: "Retries with capped, jittered backoff",
        section: Reliability,
        threshold: Threshold::requires("implemented"),
        sources: [Source],
        severity: Medium,
        evaluate: None,
    }
}
