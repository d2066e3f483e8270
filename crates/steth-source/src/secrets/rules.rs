//! The credential rules: one line per format, each with the keywords that must appear
//! before its pattern is tried. A pattern's group `s` is the secret; without it, the match is.

/// How a match is confirmed once the pattern has matched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Gate {
    /// The format itself is distinctive (a vendor prefix, a key block): no entropy needed.
    Format,
    /// A generic assignment: the value must look random, at least this many bits per character.
    Entropy(f64),
}

/// Which files a rule reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Files {
    /// Every file.
    All,
    /// Committed `.env` files only (not `.env.example` and its kin).
    DotEnv,
}

/// One credential format.
#[derive(Debug)]
pub(crate) struct Rule {
    /// Stable id, shown in findings and used as the SARIF rule id.
    pub id: &'static str,
    /// What it finds.
    pub title: &'static str,
    /// Lowercase words, one of which must appear (ASCII case-insensitively) near a match.
    pub keywords: &'static [&'static str],
    /// The pattern (bytes, ASCII classes).
    pub pattern: &'static str,
    /// How a match is confirmed.
    pub gate: Gate,
    /// Which files it reads.
    pub files: Files,
    /// Lines after the keyword's line a match may reach (private-key blocks, `.netrc`).
    pub lines_after: usize,
    /// The value is free-form (a password in a URL, a generic assignment) rather than a
    /// vendor's format, so a value shaped like a name (`YOUR_KEY`, `PG-PASSWORD-2`) is a stand-in.
    pub free_form: bool,
}

const fn rule(id: &'static str, title: &'static str, keywords: &'static [&'static str], pattern: &'static str) -> Rule {
    Rule { id, title, keywords, pattern, gate: Gate::Format, files: Files::All, lines_after: 0, free_form: false }
}

/// The name of a generic assignment: a key that says it holds a credential (a macro, so
/// `concat!` can build both generic patterns from it).
macro_rules! secret_name {
    () => {
        r"(?P<name>(?i:[a-z0-9_.\-]{0,40}?(?:password|passwd|passphrase|pwd|secret|token|api[_\-.]?key|access[_\-.]?key|auth[_\-.]?key|private[_\-.]?key|client[_\-.]?secret|credentials?)[a-z0-9_.\-]{0,20}))"
    };
}

/// The keywords of the generic rules: words [`secret_name`] contains.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "api-key",
    "access_key",
    "accesskey",
    "auth_key",
    "private_key",
    "credential",
];

/// Every rule, in report order.
pub(crate) const RULES: &[Rule] = &[
    rule(
        "aws-access-key-id",
        "AWS access key id",
        &["akia", "asia", "abia", "acca"],
        r"\b(?P<s>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b",
    ),
    rule(
        "aws-secret-access-key",
        "AWS secret access key",
        &["aws"],
        r#"(?i:aws)[A-Za-z0-9_.\-]{0,30}(?i:secret|sk)[A-Za-z0-9_.\-]{0,30}['"]?\s*(?:=|:|=>|:=)\s*['"]?(?P<s>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
    ),
    rule("github-pat", "GitHub personal access token", &["ghp_"], r"\b(?P<s>ghp_[A-Za-z0-9]{36})\b"),
    rule(
        "github-fine-grained-pat",
        "GitHub fine-grained token",
        &["github_pat_"],
        r"\b(?P<s>github_pat_[A-Za-z0-9_]{82})\b",
    ),
    rule("github-oauth", "GitHub OAuth token", &["gho_"], r"\b(?P<s>gho_[A-Za-z0-9]{36})\b"),
    rule("github-app-token", "GitHub App token", &["ghu_", "ghs_", "ghr_"], r"\b(?P<s>gh[usr]_[A-Za-z0-9]{36})\b"),
    rule(
        "gitlab-token",
        "GitLab token",
        &["glpat-", "glptt-", "gldt-", "glrt-", "gloas-"],
        r"\b(?P<s>(?:glpat|glptt|gldt|glrt|gloas)-[A-Za-z0-9_\-]{20,64})\b",
    ),
    rule(
        "slack-token",
        "Slack token",
        &["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe"],
        r"\b(?P<s>xox(?:[bpars]|e(?:\.xox[bp])?)-[0-9]{6,}-[A-Za-z0-9\-]{8,})",
    ),
    rule(
        "slack-webhook",
        "Slack incoming webhook",
        &["hooks.slack.com"],
        r"(?P<s>https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9+/]{30,})",
    ),
    rule(
        "discord-webhook",
        "Discord webhook",
        &["discord"],
        r"(?P<s>https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{6,}/[A-Za-z0-9_\-]{60,})",
    ),
    rule("telegram-bot-token", "Telegram bot token", &[":aa"], r"\b(?P<s>[0-9]{8,10}:AA[0-9A-Za-z_\-]{33})\b"),
    rule(
        "stripe-secret-key",
        "Stripe secret or restricted key",
        &["sk_live_", "rk_live_", "sk_test_", "rk_test_"],
        r"\b(?P<s>[sr]k_(?:live|test)_[0-9A-Za-z]{24,99})\b",
    ),
    rule(
        "square-token",
        "Square access token or secret",
        &["sq0atp-", "sq0csp-", "eaaa"],
        r"\b(?P<s>sq0(?:atp|csp)-[0-9A-Za-z_\-]{22,43}|EAAA[A-Za-z0-9_\-]{60})\b",
    ),
    rule(
        "paypal-braintree-token",
        "PayPal Braintree access token",
        &["access_token$production$"],
        r"(?P<s>access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32})",
    ),
    rule("twilio-api-key", "Twilio API key", &["twilio"], r"(?i:twilio)[^\n]{0,60}?\b(?P<s>SK[0-9a-fA-F]{32})\b"),
    rule("sendgrid-api-key", "SendGrid API key", &["sg."], r"\b(?P<s>SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})\b"),
    rule("mailgun-api-key", "Mailgun API key", &["key-"], r"\b(?P<s>key-[0-9a-f]{32})\b"),
    rule("google-api-key", "Google API key", &["aiza"], r"\b(?P<s>AIza[0-9A-Za-z_\-]{35})"),
    rule("google-oauth-secret", "Google OAuth client secret", &["gocspx-"], r"\b(?P<s>GOCSPX-[A-Za-z0-9_\-]{28})"),
    rule(
        "azure-storage-key",
        "Azure storage account key",
        &["accountkey="],
        r"(?i:AccountKey)=(?P<s>[A-Za-z0-9+/]{86}==)",
    ),
    rule(
        "azure-ad-client-secret",
        "Azure AD client secret",
        &["q~"],
        r"(?:^|[^A-Za-z0-9_~.\-])(?P<s>[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34})(?:$|[^A-Za-z0-9_~.\-])",
    ),
    rule(
        "openai-api-key",
        "OpenAI API key",
        &["t3blbkfj", "sk-proj-", "sk-svcacct-"],
        r"\b(?P<s>sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}|sk-(?:proj|svcacct)-[A-Za-z0-9_\-]{80,})",
    ),
    rule(
        "anthropic-api-key",
        "Anthropic API key",
        &["sk-ant-"],
        r"\b(?P<s>sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_\-]{80,})",
    ),
    rule("npm-token", "npm access token", &["npm_"], r"\b(?P<s>npm_[A-Za-z0-9]{36})\b"),
    rule("pypi-token", "PyPI upload token", &["pypi-ageich"], r"\b(?P<s>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,})"),
    rule("dockerhub-token", "Docker Hub access token", &["dckr_pat_"], r"\b(?P<s>dckr_pat_[A-Za-z0-9_\-]{27})\b"),
    rule(
        "digitalocean-token",
        "DigitalOcean token",
        &["dop_v1_", "doo_v1_", "dor_v1_"],
        r"\b(?P<s>do[por]_v1_[a-f0-9]{64})\b",
    ),
    rule(
        "shopify-token",
        "Shopify access token or secret",
        &["shpat_", "shpss_", "shpca_", "shppa_"],
        r"\b(?P<s>shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32})\b",
    ),
    rule("hashicorp-vault-token", "HashiCorp Vault token", &["hvs.", "hvb."], r"\b(?P<s>hv[sb]\.[A-Za-z0-9_\-]{90,})"),
    rule(
        "terraform-cloud-token",
        "Terraform Cloud token",
        &["atlasv1"],
        r"\b(?P<s>[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_\-=]{60,70})",
    ),
    rule(
        "heroku-api-key",
        "Heroku API key",
        &["heroku"],
        r"(?i:heroku)[^\n]{0,40}?\b(?P<s>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\b",
    ),
    rule("linear-api-key", "Linear API key", &["lin_api_"], r"\b(?P<s>lin_api_[A-Za-z0-9]{40})\b"),
    rule("newrelic-key", "New Relic API key", &["nrak-", "nrjs-"], r"\b(?P<s>NR(?:AK|JS)-[A-Z0-9]{27})\b"),
    rule(
        "grafana-token",
        "Grafana token",
        &["glsa_", "glc_ey"],
        r"\b(?P<s>glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_eyJ[A-Za-z0-9+/=]{60,})",
    ),
    rule(
        "age-secret-key",
        "age secret key",
        &["age-secret-key-1"],
        r"\b(?P<s>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b",
    ),
    Rule {
        lines_after: 200,
        ..rule(
            "private-key",
            "Private key block",
            &["private key"],
            r"(?P<s>-----BEGIN[ A-Z0-9]{0,24}PRIVATE KEY(?: BLOCK)?-----(?:\\[rn]|[\s])+[A-Za-z0-9+/=:\-,\s\\]{40,}?-----END[ A-Z0-9]{0,24}PRIVATE KEY(?: BLOCK)?-----)",
        )
    },
    rule(
        "jwt",
        "JSON Web Token",
        &["eyj"],
        r"\b(?P<s>eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{16,})",
    ),
    Rule {
        lines_after: 3,
        free_form: true,
        ..rule(
            "netrc-password",
            ".netrc credentials",
            &["machine"],
            r"(?m:^)[ \t]*machine\s+[A-Za-z0-9.\-]+\s+login\s+\S+\s+password\s+(?P<s>[^\s'\x22]{4,})",
        )
    },
    Rule {
        free_form: true,
        ..rule(
            "database-url-password",
            "Database URL with an inline password",
            &["://"],
            r"\b(?i:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|mssql|sqlserver|oracle|clickhouse|cockroachdb|couchdb|jdbc:[a-z]+)://[A-Za-z0-9_.%\-]+:(?P<s>[^\s:/@'\x22`]{3,})@(?P<host>[A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:.]+\])",
        )
    },
    Rule {
        free_form: true,
        ..rule(
            "broker-url-password",
            "Broker or cache URL with an inline password",
            &["://"],
            r"\b(?i:redis|rediss|amqps?|nats|kafka|mqtt|stomp|memcached)://[A-Za-z0-9_.%\-]*:(?P<s>[^\s:/@'\x22`]{3,})@(?P<host>[A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:.]+\])",
        )
    },
    Rule {
        free_form: true,
        ..rule(
            "url-credentials",
            "Password in an HTTP or FTP URL",
            &["://"],
            r"\b(?i:https?|ftps?|sftp|smtps?)://[A-Za-z0-9_.%\-]+:(?P<s>[^\s:/@'\x22`]{3,})@(?P<host>[A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:.]+\])",
        )
    },
    Rule {
        files: Files::DotEnv,
        free_form: true,
        ..rule(
            "dotenv-secret",
            "Secret in a committed .env file",
            &["="],
            r"(?m:^)[ \t]*(?:export[ \t]+)?(?i:[A-Z0-9_]*(?:PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH)[A-Z0-9_]*)[ \t]*=[ \t]*['\x22]?(?P<s>[^\s'\x22#]{6,})",
        )
    },
    Rule {
        gate: Gate::Entropy(3.3),
        free_form: true,
        ..rule(
            "generic-secret-assignment",
            "Credential assigned in code or config",
            SECRET_WORDS,
            // A quoted value after `=`, `:`, `=>`, `:=`; the name optionally quoted (JSON, YAML).
            concat!(
                secret_name!(),
                r#"['"]?\s*(?:=|:|=>|:=|==)\s*[@rbf]?['"`](?P<s>[^'"`\s\\\[\](){}<>,;]{8,200})['"`]"#
            ),
        )
    },
    Rule {
        gate: Gate::Entropy(3.6),
        free_form: true,
        ..rule(
            "generic-secret-unquoted",
            "Credential assigned unquoted in config",
            SECRET_WORDS,
            concat!(
                r"(?m:^)[ \t\-]*",
                secret_name!(),
                r#"[ \t]*(?:=|:)[ \t]*(?P<s>[A-Za-z0-9_\-+/=!@#%^&*~]{12,200})[ \t]*\r?(?:$|#)"#
            ),
        )
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_at_least_thirty_rules_with_unique_ids() {
        assert!(RULES.len() >= 30, "{} rules", RULES.len());
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }

    #[test]
    fn keywords_are_lowercase() {
        for r in RULES {
            for k in r.keywords {
                assert_eq!(*k, k.to_ascii_lowercase(), "{}", r.id);
            }
        }
    }
}
