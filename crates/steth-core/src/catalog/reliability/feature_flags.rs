//! 7.8 feature-flags: feature flags.

use crate::catalog::prelude::*;
use crate::catalog::repo_practice::practice_verdict;

declare_item! {
    /// ## What it checks
    /// The service uses a feature-flag system, so new behaviour can ship switched off, be enabled
    /// for a share of users, and be turned off again without a deploy. The default threshold is
    /// "flag system in use".
    ///
    /// ## Why it matters
    /// Without flags, the only way to turn off a broken feature is a rollback or a hotfix deploy:
    /// 10 to 30 minutes during which the incident continues, and a rollback also reverts unrelated
    /// fixes shipped in the same release. With a flag, disabling the new checkout flow takes
    /// seconds, and a percentage rollout exposes a problem to 1 % of traffic instead of all of it.
    ///
    /// ## How it is measured
    /// - **source**: stethoscope searches the dependency manifests (package.json, pyproject.toml,
    ///   requirements*.txt, Pipfile, Gemfile, go.mod, Cargo.toml, pom.xml, build.gradle,
    ///   composer.json, *.csproj, mix.exs) for a flag SDK: OpenFeature, LaunchDarkly, Unleash,
    ///   Flagsmith, GrowthBook, ConfigCat, Flipt, Flipper, django-waffle, Split, Statsig,
    ///   Optimizely, flagd, Togglz, FF4j, Microsoft.FeatureManagement, fun_with_flags. Each SDK
    ///   found is listed with its manifest line.
    ///
    /// When none is detected the item does not pass. A home-grown system (flags in a settings
    /// table, toggled from an admin page) may not be recognisable; vouch for it in `[attest]`, e.g.
    /// `"7.8" = "flags in table feature_flags, admin UI at /admin/flags"`, and it is shown as
    /// attested.
    ///
    /// ## How to fix
    /// Adopt a flag service (LaunchDarkly, Unleash, Flagsmith, GrowthBook) or a vendor-neutral API
    /// such as OpenFeature:
    ///
    /// ```js
    /// import { OpenFeature } from "@openfeature/server-sdk";
    ///
    /// const flags = OpenFeature.getClient();
    /// const enabled = await flags.getBooleanValue("new-checkout", false, {
    ///   targetingKey: user.id,
    /// });
    /// ```
    ///
    /// Give every flag a safe default for when the flag service is unreachable, evaluate flags from
    /// a local cache rather than a network call per request, and remove flags once a rollout is
    /// done.
    pub FEATURE_FLAGS = {
        id: "7.8",
        slug: "feature-flags",
        title: "Feature flags",
        section: Reliability,
        threshold: Threshold::requires("flag system in use"),
        sources: [Source],
        severity: Low,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let repo = evidence.repo()?;
    Ok(practice_verdict(
        "7.8",
        &repo.flags,
        "a feature-flag SDK in the dependency manifests",
        "flags in table feature_flags, admin UI at /admin/flags",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::practice_item_cases;

    #[test]
    fn a_flag_sdk_passes_its_absence_fails_attestably() {
        practice_item_cases(&FEATURE_FLAGS, |r| &mut r.flags, "OpenFeature SDK at package.json:9");
    }
}
