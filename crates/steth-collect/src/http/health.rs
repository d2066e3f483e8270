//! Liveness and readiness paths (evidence for 7.5).

use super::ProbeClient;
use reqwest::Method;
use steth_core::config::Plan;
use steth_core::evidence::{HealthAnswer, HealthProbe, Slot};

/// Tries each candidate path in order until one answers 2xx.
async fn first_answering(client: &ProbeClient, paths: &[String]) -> Vec<HealthAnswer> {
    let mut answers = Vec::new();
    for path in paths {
        let answer = match client.send(Method::GET, path, &[]).await {
            Ok(a) => HealthAnswer { path: path.clone(), status: Some(a.status), error: None },
            Err(e) => HealthAnswer { path: path.clone(), status: None, error: Some(e) },
        };
        let done = answer.status.is_some_and(|s| (200..300).contains(&s));
        answers.push(answer);
        if done {
            break;
        }
    }
    answers
}

/// Probes the configured and common health paths.
pub(super) async fn probe(client: &ProbeClient, plan: &Plan) -> Slot<HealthProbe> {
    let liveness = first_answering(client, &plan.health.liveness).await;
    let readiness = first_answering(client, &plan.health.readiness).await;
    Slot::collected(HealthProbe { liveness, readiness })
}
