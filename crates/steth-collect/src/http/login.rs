//! Identities that log in by themselves: the token from their login answer joins their headers.

use super::ProbeClient;
use reqwest::Method;
use steth_core::config::{Plan, Secret};
use steth_core::evidence::LoginAttempt;

/// A login answer is a small JSON document; anything longer is not one.
const LOGIN_ANSWER_CAP: u64 = 64 * 1024;

/// Logs in every identity with a `login` block; returns the plan with their tokens added to
/// their headers, and what each login gave.
pub(super) async fn log_in(client: &ProbeClient, plan: &Plan) -> (Plan, Vec<LoginAttempt>) {
    let mut resolved = plan.clone();
    let mut attempts = Vec::new();
    for (name, identity) in &plan.identities {
        let Some(login) = &identity.login else { continue };
        let request = format!("POST {}", login.path);
        let headers = [("content-type".to_string(), "application/json".to_string())];
        let body = reqwest::Body::from(login.body.expose().to_string());
        let (status, token) =
            match client.fetch(Method::POST, &login.path, &headers, Some(body), LOGIN_ANSWER_CAP).await {
                Err(e) => (None, Err(e)),
                Ok(f) if !(200..300).contains(&f.answer.status) => {
                    (Some(f.answer.status), Err(format!("login answered {}", f.answer.status)))
                }
                Ok(f) => (Some(f.answer.status), token(&f.body, &login.token_pointer)),
            };
        let error = match token {
            Ok(token) => {
                if let Some(i) = resolved.identities.get_mut(name) {
                    i.headers.retain(|(h, _)| !h.eq_ignore_ascii_case(&login.header));
                    i.headers.push((login.header.clone(), Secret::new(format!("{}{token}", login.prefix))));
                }
                None
            }
            Err(e) => Some(e),
        };
        attempts.push(LoginAttempt { identity: name.clone(), request, status, error });
    }
    (resolved, attempts)
}

/// The token at a JSON pointer of a login answer.
fn token(body: &[u8], pointer: &str) -> Result<String, String> {
    let json: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the login answer is not JSON: {e}"))?;
    match json.pointer(pointer) {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
        _ => Err(format!("the login answer has no token at `{pointer}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::token;

    #[test]
    fn tokens_are_found_by_pointer() {
        assert_eq!(token(br#"{"token":"abc"}"#, "/token"), Ok("abc".into()));
        assert_eq!(token(br#"{"data":{"t":7}}"#, "/data/t"), Ok("7".into()));
        assert!(token(br#"{"token":""}"#, "/token").is_err());
        assert!(token(b"<html>", "/token").unwrap_err().contains("not JSON"));
    }
}
