//! 9.1 explain-in-review: explain for every new query.

use crate::catalog::prelude::*;
use crate::catalog::repo_practice::practice_verdict;

declare_item! {
    /// ## What it checks
    /// The team's review process requires the query plan (`EXPLAIN` output) for every new or
    /// changed query before it is merged. The default threshold is "PR review requirement": the
    /// rule is written down where reviewers see it.
    ///
    /// ## Why it matters
    /// Plans depend on data volume and statistics. A query that is instant on 1 000 development
    /// rows does a sequential scan or an on-disk sort on 20 million production rows, and the first
    /// sign is an incident. Looking at the plan during review, against data of realistic size,
    /// catches the missing index while the fix is a one-line change in the same pull request.
    ///
    /// ## How it is measured
    /// - **source**: stethoscope looks in the repository for the requirement: a pull-request or
    ///   merge-request template that asks for the plan, or a CI step that runs `EXPLAIN` on new
    ///   queries.
    ///
    /// The files read are pull-request templates (`.github/pull_request_template.md`,
    /// `.github/PULL_REQUEST_TEMPLATE/*.md`, `docs/`), GitLab merge-request templates
    /// (`.gitlab/merge_request_templates/`), and `CONTRIBUTING`, `REVIEWING` and code-review
    /// guides, plus the CI configuration. The SQL keyword `EXPLAIN` in capitals, `explain analyze`
    /// or "query plan" counts; the verb "explain" in prose does not.
    ///
    /// If the rule lives elsewhere (a team handbook, a review checklist in a wiki), vouch for it in
    /// `[attest]`, e.g. `"9.1" = "review checklist, wiki page DB-Reviews"`; it is then shown as
    /// attested. Separately, stethoscope reviews the plans of frequent queries itself (item 2.7);
    /// this item is about the team's own process.
    ///
    /// ## How to fix
    /// Add the requirement to the pull-request template (`.github/pull_request_template.md` on
    /// GitHub):
    ///
    /// ```text
    /// ## Database changes
    /// - [ ] New or changed queries: EXPLAIN (ANALYZE, BUFFERS) output from staging attached
    /// - [ ] No sequential scans on tables over 10k rows; new indexes listed
    /// - [ ] Migrations checked for lock risk (see 9.4)
    /// ```
    ///
    /// Take plans on a database with production-like volume. `EXPLAIN ANALYZE` executes the
    /// statement, so run it for writes inside a transaction that is rolled back. `auto_explain` on
    /// staging logs the plans of slow statements automatically.
    pub EXPLAIN_IN_REVIEW = {
        id: "9.1",
        slug: "explain-in-review",
        title: "EXPLAIN for every new query",
        section: DevelopmentPractices,
        threshold: Threshold::requires("PR review requirement"),
        sources: [Source],
        severity: Low,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let repo = evidence.repo()?;
    Ok(practice_verdict(
        "9.1",
        &repo.explain,
        "a review template or contributing guide that asks for EXPLAIN output",
        "review checklist, wiki page DB-Reviews",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::practice_item_cases;

    #[test]
    fn an_explain_requirement_passes_its_absence_fails_attestably() {
        practice_item_cases(
            &EXPLAIN_IN_REVIEW,
            |r| &mut r.explain,
            "EXPLAIN requirement at .github/pull_request_template.md:4",
        );
    }
}
