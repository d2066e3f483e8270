//! Each rule finds its format; placeholders, examples, hashes and public values are left alone.
//! Secrets are assembled at run time so this file holds none a scanner could find.

use super::*;

/// A deterministic random-looking string of `n` characters from `alphabet`.
fn noise(seed: u64, n: usize, alphabet: &str) -> String {
    let a = alphabet.as_bytes();
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            a[((x >> 33) % a.len() as u64) as usize] as char
        })
        .collect()
}

const B62: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &str = "0123456789abcdef";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn found(path: &str, text: &str) -> Vec<(&'static str, String)> {
    Detector::new()
        .scan(path, text.as_bytes())
        .into_iter()
        .map(|h| (RULES[h.rule].id, String::from_utf8(h.value).unwrap()))
        .collect()
}

#[track_caller]
fn finds(rule: &str, path: &str, text: &str, secret: &str) {
    let hits = found(path, text);
    assert!(hits.iter().any(|(r, v)| *r == rule && v == secret), "{rule} not found in {text:?}: {hits:?}");
}

#[track_caller]
fn clean(path: &str, text: &str) {
    let hits = found(path, text);
    assert!(hits.is_empty(), "false positive in {text:?}: {hits:?}");
}

/// One planted credential per rule: (rule, file, text, secret).
pub(crate) fn planted() -> Vec<(&'static str, &'static str, String, String)> {
    let mut out = Vec::new();
    let mut plant = |rule, path, text: String, secret: String| out.push((rule, path, text, secret));
    let aws = format!("AKIA{}", noise(1, 16, UPPER));
    plant("aws-access-key-id", "config.py", format!("AWS_ID = '{aws}'\n"), aws);
    let sk = noise(2, 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+");
    plant("aws-secret-access-key", "creds", format!("aws_secret_access_key = {sk}\n"), sk);
    let t = format!("ghp_{}", noise(3, 36, B62));
    plant("github-pat", "ci.sh", format!("export GH={t}\n"), t);
    let t = format!("github_pat_{}", noise(4, 82, B62));
    plant("github-fine-grained-pat", "a.txt", format!("{t}\n"), t);
    let t = format!("gho_{}", noise(5, 36, B62));
    plant("github-oauth", "a.json", format!("{{\"t\": \"{t}\"}}"), t);
    let t = format!("ghs_{}", noise(6, 36, B62));
    plant("github-app-token", "a.yml", format!("x: {t}\n"), t);
    let t = format!("glpat-{}", noise(7, 20, B62));
    plant("gitlab-token", "a.yml", format!("x: {t}\n"), t);
    let t = format!("xoxb-{}-{}-{}", noise(8, 11, "0123456789"), noise(9, 12, "0123456789"), noise(10, 24, B62));
    plant("slack-token", "bot.js", format!("const t = \"{t}\";\n"), t);
    let t = format!(
        "https://hooks.slack.com/services/T{}/B{}/{}",
        noise(11, 8, UPPER),
        noise(12, 8, UPPER),
        noise(13, 24, B62)
    );
    plant("slack-webhook", "n.py", format!("URL = \"{t}\"\n"), t);
    let t = format!("https://discord.com/api/webhooks/{}/{}", noise(14, 18, "0123456789"), noise(15, 68, B62));
    plant("discord-webhook", "n.py", format!("URL = \"{t}\"\n"), t);
    let t = format!("{}:AA{}", noise(16, 10, "0123456789"), noise(17, 33, B62));
    plant("telegram-bot-token", "bot.env.txt", format!("bot {t}\n"), t);
    let t = format!("sk_live_{}", noise(18, 24, B62));
    plant("stripe-secret-key", "pay.rb", format!("Stripe.api_key = '{t}'\n"), t);
    let t = format!("sq0csp-{}", noise(19, 43, B62));
    plant("square-token", "pay.rb", format!("SQ = '{t}'\n"), t);
    let t = format!(
        "access_token$production${}${}",
        noise(20, 16, "abcdefghijklmnopqrstuvwxyz0123456789"),
        noise(21, 32, HEX)
    );
    plant("paypal-braintree-token", "pay.rb", format!("BT = '{t}'\n"), t);
    let t = format!("SK{}", noise(22, 32, HEX));
    plant("twilio-api-key", "sms.py", format!("twilio_key = \"{t}\"\n"), t);
    let t = format!("SG.{}.{}", noise(23, 22, B62), noise(24, 43, B62));
    plant("sendgrid-api-key", "mail.py", format!("KEY = \"{t}\"\n"), t);
    let t = format!("key-{}", noise(25, 32, HEX));
    plant("mailgun-api-key", "mail.py", format!("MG = \"{t}\"\n"), t);
    let t = format!("AIza{}", noise(26, 35, B62));
    plant("google-api-key", "maps.js", format!("const k = '{t}';\n"), t);
    let t = format!("GOCSPX-{}", noise(27, 28, B62));
    plant("google-oauth-secret", "oauth.json", format!("{{\"client\": \"{t}\"}}"), t);
    let t = format!("{}==", noise(28, 86, B62));
    plant("azure-storage-key", "az.txt", format!("DefaultEndpointsProtocol=https;AccountName=x;AccountKey={t};\n"), t);
    let t = format!("{}8Q~{}", noise(29, 3, B62), noise(30, 34, B62));
    plant("azure-ad-client-secret", "az.txt", format!("secret {t}\n"), t);
    let t = format!("sk-proj-{}T3BlbkFJ{}", noise(31, 40, B62), noise(32, 40, B62));
    plant("openai-api-key", "ai.py", format!("openai.api_key = \"{t}\"\n"), t);
    let t = format!("sk-ant-api03-{}", noise(33, 93, B62));
    plant("anthropic-api-key", "ai.py", format!("K = \"{t}\"\n"), t);
    let t = format!("npm_{}", noise(34, 36, B62));
    plant("npm-token", ".npmrc", format!("//registry.npmjs.org/:_authToken={t}\n"), t);
    let t = format!("pypi-AgEIcHlwaS5vcmc{}", noise(35, 60, B62));
    plant("pypi-token", ".pypirc", format!("password = {t}\n"), t);
    let t = format!("dckr_pat_{}", noise(36, 27, B62));
    plant("dockerhub-token", "ci.yml", format!("x: {t}\n"), t);
    let t = format!("dop_v1_{}", noise(37, 64, HEX));
    plant("digitalocean-token", "do.tf", format!("token = \"{t}\"\n"), t);
    let t = format!("shpat_{}", noise(38, 32, HEX));
    plant("shopify-token", "shop.rb", format!("T = '{t}'\n"), t);
    let t = format!("hvs.{}", noise(39, 95, B62));
    plant("hashicorp-vault-token", "v.sh", format!("VAULT_TOKEN={t}\n"), t);
    let t = format!("{}.atlasv1.{}", noise(40, 14, B62), noise(41, 67, B62));
    plant("terraform-cloud-token", ".terraformrc", format!("token = \"{t}\"\n"), t);
    let t = format!(
        "{}-{}-{}-{}-{}",
        noise(42, 8, HEX),
        noise(43, 4, HEX),
        noise(44, 4, HEX),
        noise(45, 4, HEX),
        noise(46, 12, HEX)
    );
    plant("heroku-api-key", "deploy.sh", format!("HEROKU_API_KEY={t}\n"), t);
    let t = format!("lin_api_{}", noise(47, 40, B62));
    plant("linear-api-key", "l.ts", format!("const k = '{t}'\n"), t);
    let t = format!("NRAK-{}", noise(48, 27, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"));
    plant("newrelic-key", "nr.yml", format!("k: {t}\n"), t);
    let t = format!("glsa_{}_{}", noise(49, 32, B62), noise(50, 8, HEX));
    plant("grafana-token", "g.yml", format!("k: {t}\n"), t);
    let t = format!("AGE-SECRET-KEY-1{}", noise(51, 58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"));
    plant("age-secret-key", "key.txt", format!("# created\n{t}\n"), t);
    let body = (0..6).map(|i| noise(52 + i, 64, B62)).collect::<Vec<_>>().join("\n");
    let t = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----");
    plant("private-key", "id_rsa", format!("{t}\n"), t);
    let t = format!("eyJhbGciOiJIUzI1NiJ9.eyJ{}.{}", noise(60, 30, B62), noise(61, 43, B62));
    plant("jwt", "req.http", format!("Authorization: Bearer {t}\n"), t);
    let t = noise(62, 16, B62);
    plant("netrc-password", ".netrc", format!("machine api.example.com\n  login deploy\n  password {t}\n"), t);
    let t = noise(63, 14, B62);
    plant("database-url-password", "settings.py", format!("DB = \"postgresql://app:{t}@db.internal:5432/app\"\n"), t);
    let t = noise(64, 14, B62);
    plant("broker-url-password", "celery.py", format!("BROKER = 'amqp://app:{t}@mq.internal:5672//'\n"), t);
    let t = noise(65, 14, B62);
    plant("url-credentials", "fetch.sh", format!("curl https://deploy:{t}@artifacts.internal/x\n"), t);
    let t = noise(66, 12, B62);
    plant("dotenv-secret", "deploy/.env", format!("DEBUG=1\nSESSION_SECRET={t}\n"), t);
    let t = noise(67, 20, B62);
    plant("generic-secret-assignment", "app.py", format!("client_secret = \"{t}\"\n"), t);
    let t = noise(68, 24, B62);
    plant("generic-secret-unquoted", "app.yml", format!("db:\n  password: {t}\n"), t);
    out
}

#[test]
fn every_rule_finds_its_planted_secret() {
    let planted = planted();
    for rule in RULES {
        assert!(planted.iter().any(|(r, ..)| *r == rule.id), "no planted secret for {}", rule.id);
    }
    let missed: Vec<String> = planted
        .iter()
        .filter(|(rule, path, text, secret)| !found(path, text).iter().any(|(r, v)| r == rule && v == secret))
        .map(|(rule, _, text, _)| format!("{rule}: {text:?} gave {:?}", found("x", text)))
        .collect();
    assert!(missed.is_empty(), "{missed:#?}");
}

#[test]
fn a_secret_deep_in_a_large_or_binary_blob_is_found() {
    let t = format!("ghp_{}", noise(70, 36, B62));
    let mut blob = vec![0u8; 3 << 20];
    blob.extend_from_slice(format!("\x00\x01token={t}\x00").as_bytes());
    blob.extend(std::iter::repeat_n(0xffu8, 1 << 20));
    let hits = Detector::new().scan("assets/app.bin", &blob);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].value, t.as_bytes());
    assert_eq!(hits[0].offset, (3 << 20) + 8);
}

#[test]
fn placeholders_and_vendor_examples_are_not_flagged() {
    clean(
        "config.py",
        "AWS_ID = 'AKIAIOSFODNN7EXAMPLE'\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    );
    clean("app.py", "password = \"changeme\"\napi_key = \"<your-api-key>\"\ntoken = \"YOUR_TOKEN_HERE\"\n");
    clean("app.py", "secret = \"xxxxxxxxxxxxxxxx\"\npassword = \"${DB_PASSWORD}\"\ntoken: \"{{ vault_token }}\"\n");
    clean("app.yml", "password: ${POSTGRES_PASSWORD}\nsecret: REPLACE_ME_WITH_SECRET\n");
    clean(
        "settings.py",
        "DB = \"postgresql://app:${DB_PASSWORD}@db:5432/app\"\nR = 'redis://:password@localhost:6379'\n",
    );
    clean("settings.py", "DB = 'postgres://postgres:postgres@localhost/test'\nMQ = 'amqp://guest:guest@localhost//'\n");
    clean("README.md", "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n");
    clean(
        "docs.md",
        "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'",
    );
    clean(".env.example", "SESSION_SECRET=replace-with-a-long-random-value\nAPI_TOKEN=abcdef123456\n");
    clean("pay.js", "Stripe('pk_live_51HqLyjWDarjtT1zdp7dcAbCdEf');\n");
    clean(
        "tls.rs",
        "redis_plan(\"redis://:s3cret-pw@127.0.0.1:6379\")\nDB = 'postgres://app:Xk3p9Qw2Lm@localhost/app'\n",
    );
    clean("fixture.rs", "format!(\"postgresql://orders:{password}@db/orders\")\nURL=\"redis://:$redis_pw@h:6379\"\n");
    clean(
        "safety.rs",
        "let pg = \"postgresql://postgres:PG-USERINFO-S2@127.0.0.1/postgres\";\nX-Endpoint-Secret = \"ENDPOINT-HDR-S11\"\n",
    );
}

#[test]
fn hashes_uuids_integrity_and_public_keys_are_not_flagged() {
    let sha = noise(80, 64, HEX);
    let uuid = format!(
        "{}-{}-{}-{}-{}",
        noise(81, 8, HEX),
        noise(82, 4, HEX),
        noise(83, 4, HEX),
        noise(84, 4, HEX),
        noise(85, 12, HEX)
    );
    let sri = format!("sha384-{}", noise(86, 64, B62));
    clean(
        "lock.json",
        &format!("\"checksum_token\": \"{sha}\"\n\"session_token_id\": \"{uuid}\"\n\"integrity_secret\": \"{sri}\"\n"),
    );
    clean(
        "auth.py",
        &format!("public_key = \"{}\"\npublishable_key: \"{}\"\n", noise(87, 44, B62), noise(88, 32, B62)),
    );
    clean("id_rsa.pub", &format!("ssh-rsa AAAAB3NzaC1yc2E{} me@host\n", noise(89, 300, B62)));
    clean("key.pem", &format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", noise(90, 64, B62)));
    clean(
        "user.py",
        "password = request.form.get(\"password\")\ntoken = os.environ[\"API_TOKEN\"]\nsecret = settings.SECRET_KEY\n",
    );
    clean("auth.py", "password_hash = \"$2b$12$KIXQJ1u1j0XxZ2Jx8YQ2EuVtW3xW8x9QyJx8YQ2EuVtW3xW8x9Qy\"\n");
}

#[test]
fn a_generic_value_needs_entropy() {
    clean("app.py", "password = \"hellohello\"\n");
    finds("generic-secret-assignment", "app.py", "db_password = \"Xk3p9Qw2Lm7Zt4Rv\"\n", "Xk3p9Qw2Lm7Zt4Rv");
    assert!(entropy("aaaa") < 0.1);
    assert!((entropy("abcd") - 2.0).abs() < 1e-9);
}

#[test]
fn a_specific_rule_wins_over_the_generic_one() {
    let t = format!("ghp_{}", noise(91, 36, B62));
    let hits = found("app.py", &format!("github_token = \"{t}\"\n"));
    assert_eq!(hits, vec![("github-pat", t)]);
}
