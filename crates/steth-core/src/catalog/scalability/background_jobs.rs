//! 8.5 background-jobs: long-running work in a queue.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// Long-running work (report generation, exports, image processing, bulk e-mail, slow
    /// third-party calls) runs in a job queue; the request only enqueues it and returns, typically
    /// `202 Accepted` with a job id. The default threshold is that no endpoint takes longer than
    /// 2 s; it can be changed in `[thresholds]`, e.g. `"8.5" = "5s"`.
    ///
    /// ## Why it matters
    /// A long request holds a worker and a connection for its whole duration: at 50 requests per
    /// second, a 10 s export needs 500 workers busy. Such requests run into load-balancer and proxy
    /// timeouts (often 60 s), the client retries and the work runs twice, and a deploy kills them
    /// halfway with nothing to resume them. A queue absorbs bursts, retries failures, and scales
    /// separately from the API.
    ///
    /// ## How it is measured
    /// - **load**: endpoints that take longer than the threshold during their load phases are
    ///   flagged.
    /// - **source**: the repository is searched for a job-queue library that is wired in.
    ///
    /// A queue library present in the code does not excuse a slow endpoint: it shows the queue is
    /// not used for that work. Source evidence alone, without load phases, is at most `warn`.
    ///
    /// ## How to fix
    /// Accept the request, enqueue the work, and let the client poll or be notified. With Celery:
    ///
    /// ```python
    /// @app.post("/reports", status_code=202)
    /// def create_report(req: ReportRequest):
    ///     job = build_report.delay(req.model_dump())
    ///     return {"job_id": job.id, "status_url": f"/reports/{job.id}"}
    /// ```
    ///
    /// Make jobs idempotent so retries are safe, retry with backoff, send repeatedly failing jobs
    /// to a dead-letter queue, and monitor queue depth and the age of the oldest job.
    pub BACKGROUND_JOBS = {
        id: "8.5",
        slug: "background-jobs",
        title: "Long-running work in a queue",
        section: Scalability,
        threshold: Threshold::duration_at_most_secs(2),
        sources: [Load, Source],
        severity: Medium,
        evaluate: None,
    }
}
