//! 9.2 load-tests-in-ci: load tests in ci.

use crate::catalog::prelude::*;
use crate::catalog::repo_practice::practice_verdict;

declare_item! {
    /// ## What it checks
    /// The CI pipeline runs load tests (k6, wrk, locust, Gatling, or stethoscope itself) so that
    /// performance regressions are caught before release. The default threshold is "present".
    ///
    /// ## Why it matters
    /// Functional tests pass with an N+1 query or a missing index; the regression only shows under
    /// concurrency and realistic data. Without load tests in CI, the first load test is the busiest
    /// day of the year in production. Even a two-minute run at a fixed rate against staging catches
    /// a threefold p99 regression on the pull request that caused it, when the cause is still
    /// obvious.
    ///
    /// ## How it is measured
    /// - **source**: stethoscope reads the CI configuration for a job that runs k6, wrk, locust,
    ///   Gatling or stethoscope (also JMeter, Artillery, Vegeta, oha), following the scripts, `make`
    ///   targets and npm scripts a CI line runs. Load-test scripts that exist in the repository but
    ///   that no CI job runs do not meet the item; they are listed with the failure. If load tests
    ///   run from another repository or pipeline, vouch for it in `[attest]`.
    ///
    /// ## How to fix
    /// Add a job after the staging deploy, with pass/fail thresholds in the script so the job fails
    /// on a regression. With k6 in GitHub Actions:
    ///
    /// ```yaml
    ///   load-test:
    ///     runs-on: ubuntu-latest
    ///     needs: deploy-staging
    ///     steps:
    ///       - uses: actions/checkout@v4
    ///       - uses: grafana/setup-k6-action@v1
    ///       - run: k6 run -e BASE_URL=${{ vars.STAGING_URL }} load/checkout.js
    /// ```
    ///
    /// ```js
    /// export const options = {
    ///   scenarios: { steady: { executor: "constant-arrival-rate", rate: 50, timeUnit: "1s",
    ///                          duration: "2m", preAllocatedVUs: 50 } },
    ///   thresholds: { http_req_duration: ["p(99)<500"], http_req_failed: ["rate<0.01"] },
    /// };
    /// ```
    ///
    /// A constant arrival rate (an open model) keeps sending at the target rate when the service
    /// slows down, so latency regressions are not hidden by a slower request rate.
    pub LOAD_TESTS_IN_CI = {
        id: "9.2",
        slug: "load-tests-in-ci",
        title: "Load tests in CI",
        section: DevelopmentPractices,
        threshold: Threshold::requires("present"),
        sources: [Source],
        severity: Medium,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let repo = evidence.repo()?;
    Ok(practice_verdict(
        "9.2",
        &repo.load_tests,
        "a CI job that runs a load tool",
        "nightly k6 run in the perf-pipeline repository",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::practice_item_cases;

    #[test]
    fn a_load_tool_in_ci_passes_its_absence_fails_attestably() {
        practice_item_cases(&LOAD_TESTS_IN_CI, |r| &mut r.load_tests, "k6 in CI at .github/workflows/ci.yml:40");
    }
}
