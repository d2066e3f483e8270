//! 9.5 performance-budget: performance budget defined.

use crate::catalog::prelude::*;
use crate::catalog::repo_practice::{absent, seen, sightings};

declare_item! {
    /// ## What it checks
    /// Each endpoint has an explicit latency budget, a p99 target, written down where people and
    /// tools can find it. The default threshold is "p99 budget per endpoint".
    ///
    /// ## Why it matters
    /// Without a budget, "is 400 ms acceptable for search?" has no answer, regressions accumulate
    /// 20 ms at a time, and alert thresholds are picked arbitrarily. A budget per endpoint turns
    /// performance into a testable requirement: load tests (9.2) and latency alerts (5.6) check
    /// against it, and an endpoint that cannot meet it is a known decision rather than a surprise.
    ///
    /// ## How it is measured
    /// - **config**: per-endpoint budgets declared with the endpoints in the stethoscope
    ///   configuration.
    /// - **source**: documented budgets found in the repository.
    ///
    /// Budgets that cover only some of the hot endpoints are partial evidence and give `warn`.
    ///
    /// The endpoints are those of the audit's configuration (every endpoint but logins, with its
    /// declared `p99_budget`) and of any stethoscope config committed in the repository
    /// (`stethoscope*.toml`). Documented budgets
    /// are k6 `thresholds` on `http_req_duration`, Artillery `ensure` percentiles, SLO files
    /// (OpenSLO, Sloth, Pyrra) and budget tables in Markdown files named for budgets, SLOs or
    /// performance. When none is found the item fails with what was searched; budgets kept in
    /// another system can be vouched for in `[attest]`.
    ///
    /// ## How to fix
    /// Agree on a p99 target per endpoint with the people who own the product, and keep the table
    /// in the repository next to the code, for example in `docs/performance-budgets.md`:
    ///
    /// ```text
    /// | endpoint             | p99 budget | note                        |
    /// |----------------------|------------|-----------------------------|
    /// | GET /products        | 150 ms     | cached, read-heavy          |
    /// | GET /products/{id}   | 100 ms     |                             |
    /// | POST /orders         | 400 ms     | includes payment pre-auth   |
    /// | GET /reports/{id}    | 2 s        | moving to a queue, see 8.5  |
    /// ```
    ///
    /// Then declare the same budgets for the endpoints in the stethoscope configuration, and encode
    /// them in load-test thresholds and alert rules, so a regression fails a build or pages
    /// someone.
    pub PERFORMANCE_BUDGET = {
        id: "9.5",
        slug: "performance-budget",
        title: "Performance budget defined",
        section: DevelopmentPractices,
        threshold: Threshold::requires("p99 budget per endpoint"),
        sources: [Config, Source],
        severity: Low,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    // Endpoints with or without a budget: the audit's own config, then committed configs.
    let mut endpoints: Vec<(String, bool, String)> = Vec::new();
    if let Some(declared) = evidence.config.data() {
        for e in &declared.endpoints {
            endpoints.push((e.name.clone(), e.p99_budget_ms.is_some(), "the audit's config".into()));
        }
    }
    let repo = evidence.repo();
    if let Ok(repo) = repo {
        for e in &repo.budgets.endpoints {
            if !endpoints.iter().any(|(name, ..)| *name == e.endpoint) {
                endpoints.push((e.endpoint.clone(), e.p99_budget.is_some(), e.at.to_string()));
            }
        }
    }
    let budgeted = endpoints.iter().filter(|(_, b, _)| *b).count();
    let row = |(name, has, at): &(String, bool, String)| {
        format!("{name}: {} ({at})", if *has { "p99 budget" } else { "no p99 budget" })
    };
    if !endpoints.is_empty() && budgeted == endpoints.len() {
        let measured = format!("{budgeted}/{} endpoint(s) with a p99 budget", endpoints.len());
        return Ok(Outcome::pass(measured, "every declared endpoint has a p99 budget")
            .with_findings(endpoints.iter().map(row)));
    }
    if budgeted > 0 {
        let measured = format!("{budgeted}/{} endpoint(s) with a p99 budget", endpoints.len());
        let missing = endpoints.iter().filter(|(_, b, _)| !b).map(row);
        return Ok(Outcome::warn(measured, "budgets cover only some of the declared endpoints").with_findings(missing));
    }
    let repo = repo?;
    let documented = &repo.budgets.documented;
    if !documented.found.is_empty() {
        let note = if endpoints.is_empty() {
            String::new()
        } else {
            format!("; {} configured endpoint(s) without `p99_budget`", endpoints.len())
        };
        return Ok(Outcome::pass(
            seen(&documented.found),
            format!("{} documented budget(s){note}", documented.found.len()),
        )
        .with_findings(sightings(&documented.found)));
    }
    let outcome = absent(
        "9.5",
        "a p99 budget (stethoscope `p99_budget`, k6 thresholds, SLO files, a budget table)",
        documented,
        "budgets per endpoint in the product wiki, page Perf-Budgets",
    );
    Ok(outcome.with_findings(endpoints.iter().map(row)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, practice, repo, sighting, with_budget, with_declared, with_repo};
    use crate::evidence::{Declared, DeclaredEndpoint, EndpointBudget, Location, RepoEvidence, Slot, SourceEvidence};
    use crate::outcome::Status;

    fn endpoint(name: &str, budget: Option<&str>) -> EndpointBudget {
        EndpointBudget {
            endpoint: name.into(),
            p99_budget: budget.map(str::to_string),
            at: Location { file: "stethoscope.toml".into(), line: 4 },
        }
    }

    fn with(change: impl FnOnce(&mut RepoEvidence)) -> Evidence {
        let mut r = repo();
        change(&mut r);
        with_repo(r)
    }

    #[test]
    fn a_budget_on_every_endpoint_passes() {
        let o = expect(&PERFORMANCE_BUDGET, &with(|_| {}), Status::Pass);
        assert_eq!(o.findings, ["GET /products: p99 budget (stethoscope.toml:5)"]);
    }

    #[test]
    fn budgets_on_some_endpoints_warn() {
        let e = with(|r| r.budgets.endpoints.push(endpoint("POST /orders", None)));
        let o = expect(&PERFORMANCE_BUDGET, &e, Status::Warn);
        assert_eq!(o.findings, ["POST /orders: no p99 budget (stethoscope.toml:4)"]);
    }

    #[test]
    fn documented_budgets_pass_without_config_budgets() {
        let e = with(|r| {
            r.budgets.endpoints = vec![endpoint("GET /a", None)];
            r.budgets.documented =
                practice(vec![sighting("k6 threshold on http_req_duration", "load/a.js", 7)], &["load/a.js"]);
        });
        let o = expect(&PERFORMANCE_BUDGET, &e, Status::Pass);
        assert_eq!(o.findings, ["k6 threshold on http_req_duration at load/a.js:7"]);
    }

    #[test]
    fn no_budget_anywhere_fails_with_the_attest_hint() {
        let e = with(|r| {
            r.budgets.endpoints = vec![endpoint("GET /a", None)];
            r.budgets.documented = practice(Vec::new(), &["stethoscope.toml"]);
        });
        let o = expect(&PERFORMANCE_BUDGET, &e, Status::Fail);
        assert!(o.evidence.contains("[attest]"), "{}", o.evidence);
        assert_eq!(o.findings, ["searched stethoscope.toml", "GET /a: no p99 budget (stethoscope.toml:4)"]);
    }

    #[test]
    fn the_audits_own_budgets_count_and_nothing_read_is_not_assessed() {
        let unbudgeted = DeclaredEndpoint { name: "GET /a".into(), p99_budget_ms: None };
        let mut e = with_declared(Evidence::default(), Declared { endpoints: vec![unbudgeted], ..Default::default() });
        expect(&PERFORMANCE_BUDGET, &e, Status::NotAssessed);
        e = with_budget(Evidence::default(), "GET /a", 100.0);
        expect(&PERFORMANCE_BUDGET, &e, Status::Pass);
        e.source = Slot::collected(SourceEvidence {
            repo: Slot::collected(RepoEvidence::default()),
            ..SourceEvidence::default()
        });
        expect(&PERFORMANCE_BUDGET, &e, Status::Pass);
        expect(&PERFORMANCE_BUDGET, &Evidence::default(), Status::NotAssessed);
    }
}
