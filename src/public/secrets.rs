//! The `secret` detector's rules, as data: one row per kind of leak, each with an example it
//! must find and the part of the example that must be gone. The rows follow what real leaks
//! look like (the shapes gitleaks and detect-secrets know): provider key formats, credentials in
//! URLs and headers, and `NAME=value` assignments whose name says secret, with any prefix.
//! Long random-looking tokens are found apart from the rows, by their entropy.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

/// One kind of secret.
pub struct Rule {
    pub id: &'static str,
    /// A regular expression; when it has a group named `s`, only that group is the secret (the
    /// name before it stays readable: `DB_PASSWORD=[redacted secret]`).
    pub pattern: &'static str,
    /// A text the rule must find, and the secret in it that must not survive.
    pub example: &'static str,
    pub secret: &'static str,
}

/// Words that make a name a secret's name, with any prefix or suffix: `PGPASSWORD`,
/// `DB_PASSWORD`, `client_secret`, `GITHUB_TOKEN`, `x-api-key`.
macro_rules! secret_name {
    () => {
        r"(?:[A-Za-z0-9_.-]*(?i:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|session[_-]?(?:id|key)|signature)[A-Za-z0-9_.-]*|[A-Za-z0-9_.-]*[A-Za-z0-9][_-](?i:pass|pw|key)|(?i:pass|pw))"
    };
}

pub const RULES: &[Rule] = &[
    Rule {
        id: "aws-access-key-id",
        pattern: r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b",
        example: "key AKIAIOSFODNN7EXAMPLE in use",
        secret: "AKIAIOSFODNN7EXAMPLE",
    },
    Rule {
        id: "jwt",
        pattern: r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
        example: "cookie eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl sent",
        secret: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0",
    },
    Rule {
        id: "authorization-header",
        pattern: r"(?i)\b(?:proxy-)?authorization\s*[:=]\s*(?P<s>(?:[A-Za-z]+\s+)?[A-Za-z0-9._~+/=:-]{4,})",
        example: "Authorization: Digest abc123xyz",
        secret: "abc123xyz",
    },
    Rule {
        id: "bearer-or-basic",
        pattern: r"(?i)\b(?:bearer|basic)\s+(?P<s>[A-Za-z0-9._~+/=-]{8,})",
        example: "sent Bearer abcdef123456 upstream",
        secret: "abcdef123456",
    },
    Rule {
        id: "url-credentials",
        pattern: r"\b[A-Za-z][A-Za-z0-9+.-]{1,20}://(?P<s>[^\s/:@]*:\S+)@[A-Za-z0-9.\[\]:-]+",
        example: "dsn postgres://app:p@ss/w0rd@db.example.com/shop",
        secret: "ss/w0rd",
    },
    Rule {
        id: "slack-token",
        pattern: r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
        example: "xoxb-123456789012-abcdefghij",
        secret: "xoxb-123456789012-abcdefghij",
    },
    Rule {
        id: "slack-webhook",
        pattern: r"(?i)https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]+",
        example: "posted to https://hooks.slack.com/services/T000/B000/XXXXabcd",
        secret: "T000/B000/XXXXabcd",
    },
    Rule {
        id: "github-token",
        pattern: r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{20,})",
        example: "ghp_0123456789abcdefghijABCDEFGHIJ012345",
        secret: "ghp_0123456789abcdefghijABCDEFGHIJ012345",
    },
    Rule {
        id: "gitlab-token",
        pattern: r"\bglpat-[A-Za-z0-9_-]{20,}",
        example: "glpat-abcdEFGH1234ijklMNOP",
        secret: "glpat-abcdEFGH1234ijklMNOP",
    },
    Rule {
        id: "stripe-key",
        pattern: r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}",
        example: "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        secret: "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    },
    Rule {
        id: "google-api-key",
        pattern: r"\bAIza[0-9A-Za-z_-]{35}",
        example: "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
        secret: "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
    },
    Rule {
        id: "private-key",
        // To its end line, or to the end of the text when it was cut.
        pattern: r"-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----(?s:.*?(?:-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----|\z))",
        example: "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\nQx7",
        secret: "Qx7",
    },
    Rule {
        id: "secret-assignment",
        // NAME=value, NAME: value, "name": "value", name => 'value', with any prefix; a value
        // whose closing quote was cut off is still a value.
        pattern: concat!(
            r"(?:^|[^A-Za-z0-9_.-])",
            secret_name!(),
            // `cfg['password'] =` and Go's `secret :=` too. Quotes straight or curly (an editor
            // or a chat turned them), a shell's `$'…'`, a YAML block (`password: |`).
            r#"(?:["'’]\]?)?\s*(?::=|:|=>?)\s*\$?(?:"(?P<s>[^"\n]{1,200})"|'(?P<s2>[^'\n]{1,200})'|“(?P<s4>[^”\n]{1,200})”|‘(?P<s5>[^’\n]{1,200})’|«(?P<s6>[^»\n]{1,200})»|[|>][+-]?[ \t]*\n[ \t]+(?P<s7>[^\n]{1,200})|["'“‘«]?\(?(?P<s3>[^\s"';<>\[\]{}()“”‘’«»]{3,}))"#
        ),
        example: "env PGPASSWORD=hunter2hunter DB_PASSWORD='s3cret!' {\"client_secret\": \"cs-991\"} \
                  DB_PASSWORD=“Curly Quote Pass99” cfg['password'] = 'PyDictPw99' \
                  secret := \"GoShortVarPw99\" PGPASSWORD=$'DollarPw 99' PGPASSWORD=(ParenPw99)\n\
                  password: |\n  BlockYamlPass99",
        secret: "hunter2hunter",
    },
    Rule {
        id: "call-argument-secret",
        // setProperty("password", "…"), os.environ.setdefault('DB_TOKEN', '…').
        pattern: concat!(
            r#"\(\s*["']"#,
            secret_name!(),
            r#"["']\s*,\s*["'](?P<s>[^"'\n]{1,200})["']"#
        ),
        example: r#"props.setProperty("password", "JavaPropPw99");"#,
        secret: "JavaPropPw99",
    },
    Rule {
        id: "hcl-variable-secret",
        // variable "db_password" { default = "…" }, in Terraform.
        pattern: concat!(
            r#"\bvariable\s+"(?:"#,
            secret_name!(),
            r#")"\s*\{[^}]*?\bdefault\s*=\s*"(?P<s>[^"\n]{1,200})""#
        ),
        example: r#"variable "db_password" { default = "HclDefaultPw99" }"#,
        secret: "HclDefaultPw99",
    },
    Rule {
        id: "password-flag",
        pattern: r"(?i)(?:^|\s)--?[a-z0-9-]*(?:password|passwd|pass|token|secret|api-key|key)(?:=|\s+)[\x22']?(?P<s>[^\s\x22'&<>\[\]]{4,})",
        example: "app --db-password Tr0ub4dor --auth-token tok3nValue99 -h db",
        secret: "tok3nValue99",
    },
    Rule {
        id: "client-password-flag",
        // curl -u user:pass, mysql -pPASS, redis-cli -a PASS, sshpass -p PASS, docker login -p PASS.
        pattern: r"(?:\bcurl\b[^\n]*?\s(?:-u|--user)\s+[^\s:]+:(?P<s>\S+)|\bmysql(?:admin|dump)?\b[^\n]*?\s-p(?P<s2>[^\s-]\S{2,})|\b(?:redis-cli|sshpass|docker\s+login|mysql(?:admin|dump)?)\b[^\n]*?\s-(?:a|p)\s+(?P<s3>\S+)|\bldap(?:search|modify|add|delete|passwd|whoami|compare)\b[^\n]*?\s-w\s+(?P<s4>\S+))",
        example: "curl -u admin:Adm1nPassw0rd https://x; mysql -uroot -pHunter2Secret; redis-cli -a RedisS3cretA; \
                  ldapsearch -x -D cn=admin -w LdapBindPw99 -b dc=x",
        secret: "RedisS3cretA",
    },
    Rule {
        id: "sql-password",
        pattern: r"(?i)\b(?:identified\s+by|with\s+(?:encrypted\s+)?password|password)\s+'(?P<s>[^'\n]+)'",
        example: "ALTER USER app WITH PASSWORD 'PgAlterS3cr';",
        secret: "PgAlterS3cr",
    },
    Rule {
        id: "xml-secret",
        // <password>…</password>, and <add key="DbPassword" value="…"/>.
        pattern: r#"(?i)<([A-Za-z0-9_:.-]*(?:password|passwd|pwd|secret|token|apikey|api_key)[A-Za-z0-9_:.-]*)>(?P<s>[^<]{1,200})</|(?:key|name)\s*=\s*"[^"]*(?:password|passwd|pwd|secret|token|apikey|api_key)[^"]*"\s+value\s*=\s*"(?P<s2>[^"]{1,200})""#,
        example: r#"<password>Hunter2Secret</password> <add key="DbPassword" value="XmlPass2026"/>"#,
        secret: "XmlPass2026",
    },
    Rule {
        id: "name-value-secret",
        // A Kubernetes env entry or an ECS/JSON one: name DB_PASSWORD, then its value.
        pattern: concat!(
            r#"(?i)\bname["']?\s*[:=]\s*["']?"#,
            secret_name!(),
            r#"["']?\s*,?\s*(?:\n\s*)?["']?value["']?\s*[:=]\s*["']?(?P<s>[^\s"',}]+)"#
        ),
        example: "env:\n  - name: DB_PASSWORD\n    value: YamlS3cretAbc",
        secret: "YamlS3cretAbc",
    },
    Rule {
        id: "value-name-secret",
        // The same entry with its value first: `- value: …` then `name: DB_PASSWORD`.
        pattern: concat!(
            r#"(?i)\bvalue["']?\s*[:=]\s*["']?(?P<s>[^\s"',}]+)["']?\s*,?\s*(?:\n\s*)?["']?name["']?\s*[:=]\s*["']?"#,
            secret_name!(),
            r"\b"
        ),
        example: "env:\n  - value: ValueFirstPw99\n    name: DB_PASSWORD",
        secret: "ValueFirstPw99",
    },
    Rule {
        id: "table-secret",
        // | DB_PASSWORD | value | in a Markdown table.
        pattern: concat!(
            r"\|\s*`?(?:[A-Za-z0-9_.-]+ )*",
            secret_name!(),
            r"`?\s*\|\s*`?(?P<s>[^|`\s][^|`\n]*?)`?\s*\|"
        ),
        example: "| DB_PASSWORD | TableS3cret99 |\n| admin password | TableS3cret99 |",
        secret: "TableS3cret99",
    },
    Rule {
        id: "cookie",
        pattern: r"(?i)\b(?:set-)?cookie\s*:\s*(?P<s>[^\n]+)",
        example: "Cookie: _session=8f3a9c2e71b44d; sid=s3ss10nV4lue",
        secret: "s3ss10nV4lue",
    },
    Rule {
        id: "url-query-secret",
        // ?token=…&sig=… in a link: an Azure SAS signature, an OAuth token, an API key.
        pattern: r"(?i)[?&](?:sig|signature|token|access_token|id_token|api_key|apikey|key|secret|password|passwd|pwd|auth|code|credential|x-amz-signature|x-amz-credential|x-goog-signature)=(?P<s>[^&\s#\x22'<>]+)",
        example: "https://acct.blob.core.windows.net/c/f?sv=2022&sig=Hq0b%2FkQ8mZ2x9Lp7%3D&se=1",
        secret: "Hq0b%2FkQ8mZ2x9Lp7",
    },
    Rule {
        id: "pgpass-line",
        // host:port:database:user:password, as in .pgpass.
        pattern: r"(?m)^[A-Za-z0-9_.*-]+:(?:\d+|\*):[^:\s]+:[^:\s]+:(?P<s>\S+)$",
        example: "db.internal:5432:app:appuser:PgpassS3cret",
        secret: "PgpassS3cret",
    },
];

struct Compiled {
    rules: Vec<Regex>,
    token: Regex,
}

fn compiled() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(|| Compiled {
        // The rules are fixed and tested; they compile.
        rules: RULES
            .iter()
            .map(|r| Regex::new(r.pattern).expect("a built-in secret rule"))
            .collect(),
        token: Regex::new(r"[A-Za-z0-9+/_-]{20,}={0,2}").expect("the token pattern"),
    })
}

/// Where secrets are in `text`.
pub fn find(text: &str) -> Vec<Range<usize>> {
    let c = compiled();
    let mut found = Vec::new();
    for re in &c.rules {
        let mut at = 0;
        while let Some(caps) = re.captures_at(text, at) {
            let whole = caps.get(0).expect("a match has its whole");
            let secret = ["s", "s2", "s3", "s4", "s5", "s6", "s7"]
                .iter()
                .find_map(|g| caps.name(g))
                .unwrap_or(whole);
            if !secret.is_empty() && !already_redacted(text, secret.range()) {
                found.push(secret.range());
            }
            // The next search starts inside the value, not after it: a quoted value whose
            // closing quote is missing runs on to the next quote, and may swallow the name of
            // a second secret (`PASSWORD="a … PASSWORD="b`), whose value must still be found.
            at = if secret.start() > whole.start() {
                secret.start()
            } else {
                whole.end().max(whole.start() + 1)
            };
            while at < text.len() && !text.is_char_boundary(at) {
                at += 1;
            }
            if at > text.len() {
                break;
            }
        }
    }
    found.extend(
        c.token
            .find_iter(text)
            .filter(|m| random_looking(m.as_str()))
            .map(|m| m.range()),
    );
    found
}

/// A value that is a redaction marker already (`[redacted secret]`, as written or in HTML)
/// is not found again; nor is the start of one that a diagram cut at its line's end (`[r`).
fn already_redacted(text: &str, value: Range<usize>) -> bool {
    let rest = &text[value.start..];
    let cut = &text[value];
    ["[redacted", "redacted", "&#91;redacted", "\\[redacted"]
        .iter()
        .any(|m| rest.starts_with(m) || (cut.len() >= 2 && m.starts_with(cut)))
}

/// A token of 20 or more characters with upper case, lower case and digits, whose characters
/// are spread like random ones: at least 85% of the entropy a token of its length can have.
/// A base64 key, not a word, an identifier, a path or a hex digest (no upper case).
pub fn random_looking(token: &str) -> bool {
    let b = token.as_bytes();
    // An identifier of words (`CheckoutServiceV2Deployment2026`): most of its letters stand
    // in runs of four or more lower-case letters; a random token's seldom do.
    let mut in_words = 0;
    let mut run = 0;
    for &c in b.iter().chain(std::iter::once(&b' ')) {
        if c.is_ascii_lowercase() {
            run += 1;
        } else {
            if run >= 4 {
                in_words += run;
            }
            run = 0;
        }
    }
    if in_words * 2 > b.len() {
        return false;
    }
    // A path (`internal/browse/CASE-88412`) has a segment that is a plain lower-case word.
    let word = |s: &str| s.len() >= 3 && s.bytes().all(|c| c.is_ascii_lowercase() || c == b'-');
    if token.contains('/') && token.split('/').any(word) {
        return false;
    }
    // Two digits at least; a longer token (an AWS secret key) may have only one.
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    if !(b.iter().any(u8::is_ascii_uppercase)
        && b.iter().any(u8::is_ascii_lowercase)
        && (digits >= 2 || (digits == 1 && b.len() >= 24)))
    {
        return false;
    }
    let mut counts = [0u32; 256];
    for &c in b {
        counts[c as usize] += 1;
    }
    let n = b.len() as f64;
    let entropy: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum();
    entropy >= 0.85 * n.min(64.0).log2()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(text: &str) -> String {
        let mut ranges = find(text);
        ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
        let mut out = String::new();
        let mut at = 0;
        for r in ranges {
            if r.start >= at {
                out.push_str(&text[at..r.start]);
                out.push('#');
            }
            at = at.max(r.end);
        }
        out.push_str(&text[at..]);
        out
    }

    #[test]
    fn every_rule_finds_its_example_and_the_secret_is_gone() {
        for (rule, re) in RULES.iter().zip(&compiled().rules) {
            assert!(
                re.is_match(rule.example),
                "{}: the rule misses its example",
                rule.id
            );
            let out = cut(rule.example);
            assert!(
                !out.contains(rule.secret),
                "{}: {:?} survives in {out:?}",
                rule.id,
                rule.secret
            );
        }
    }

    #[test]
    fn a_value_missing_its_closing_quote_does_not_hide_the_next_secret() {
        // The first value runs on to the second's opening quote and takes its name along.
        for text in [
            "PGPASSWORD=\"Zq8vR2mK9xL4 *[[ PGPASSWORD=\"Zq8vR2mK9xL4 done",
            "token: 'Zq8vR2mK9xL4 and api_key: 'Zq8vR2mK9xL4",
        ] {
            let out = cut(text);
            assert!(!out.contains("Zq8vR2mK9xL4"), "{out}");
        }
    }

    #[test]
    fn values_in_every_quoting_people_use_are_found_whole() {
        let text = "DB_PASSWORD=“Curly Quote Pass99” pass: ‘Single Curly Pw99’ token: «Guillemet Pw99» \
                    cfg['password'] = 'PyDictPw99' secret := \"GoShortVarPw99\" \
                    PGPASSWORD=$'DollarPw 99' PGPASSWORD=(ParenPw99)\npassword: |\n  BlockYamlPass99\n\
                    aws_secret_access_key was rotated; old value wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let out = cut(text);
        for gone in [
            "Curly",
            "Quote",
            "Pass99",
            "Single",
            "Guillemet",
            "PyDictPw99",
            "GoShortVarPw99",
            "DollarPw",
            "ParenPw99",
            "BlockYamlPass99",
            "wJalrXUtnFEMI",
        ] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        assert!(out.contains("DB_PASSWORD=“#”"), "{out}");
    }

    #[test]
    fn a_marker_and_what_follows_it_are_not_a_secret() {
        for text in [
            "root:$6$salt$[redacted secret]:18000:0:99999:7:::",
            "DB_PASSWORD=\"[redacted secret]\" and token: [redacted secret]",
            "password=\"[r",
        ] {
            assert_eq!(cut(text), text);
        }
    }

    #[test]
    fn assignments_with_any_prefix_keep_their_name() {
        let text = "PGPASSWORD=hunter2hunter DB_PASSWORD='s3cret!' {\"client_secret\": \"cs-991\"} \
                    export GITHUB_TOKEN=abcd1234 x-api-key: k-777 password => 'p4ss' \
                    DB_password=\"cutoff77 app.Secret:'cutoff88 --db-password 'cutoff99";
        let out = cut(text);
        for gone in [
            "hunter2hunter",
            "s3cret!",
            "cs-991",
            "abcd1234",
            "k-777",
            "p4ss",
            "cutoff77",
            "cutoff88",
            "cutoff99",
        ] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        for kept in [
            "PGPASSWORD=",
            "DB_PASSWORD=",
            "client_secret",
            "GITHUB_TOKEN=",
            "x-api-key",
        ] {
            assert!(out.contains(kept), "{kept} in {out}");
        }
    }

    #[test]
    fn tokens_from_twenty_characters_and_not_digests_or_identifiers() {
        // 31 and 20 characters.
        assert_eq!(cut("t q8Zr2LmN5vX7bK1pT4wY9sD3fG6hJ0c x"), "t # x");
        assert_eq!(cut("t Zr2LmN5vX7bK1pT4wY9s x"), "t # x");
        for kept in [
            "9fceb02d0ae598e95dc970b74767f19372d61af8",
            "4bf92f3577b34da6a3ce929d0e0e4736",
            "/var/lib/postgresql/data/base",
            "CheckoutServiceDeploymentV2",
            "checkout-api-7d9f8b6c5-x2x9q",
            "ERR_CONNECTION_REFUSED_2026",
            "2026-11-20T14:02:11.123456Z",
            "internal/browse/CASE-88412",
            "CheckoutServiceV2Deployment2026",
            "Authorization: &#91;redacted secret&#93;",
            "DB&#95;PASSWORD=&#91;redacted secret&#93;",
        ] {
            assert_eq!(cut(kept), kept);
        }
    }

    #[test]
    fn secrets_as_configs_shells_and_links_write_them() {
        let cases = [
            (
                "env:\n  - name: DB_PASSWORD\n    value: YamlS3cretAbc",
                "YamlS3cretAbc",
            ),
            (
                r#"[{"name": "DB_PASSWORD", "value": "EnvJs0nVal"}]"#,
                "EnvJs0nVal",
            ),
            ("| DB_PASSWORD | TableS3cret99 |", "TableS3cret99"),
            ("curl -u admin:Adm1nPassw0rd https://x", "Adm1nPassw0rd"),
            ("mysql -uroot -pHunter2Secret", "Hunter2Secret"),
            (
                "--db-password Hunter2Secret --auth-token tok3nValue99",
                "tok3nValue99",
            ),
            (
                "DB_PASS=p4ssA RABBITMQ_DEFAULT_PASS=r4bbitB SMTP_PASS=smtpC9",
                "r4bbitB",
            ),
            (
                "ENCRYPTION_KEY=Enc4yptK3yVal MASTER_KEY=m4sterK3y!",
                "m4sterK3y!",
            ),
            (
                "Cookie: _session=8f3a9c2e71b44d; sid=s3ss10nV4lue",
                "8f3a9c2e71b44d",
            ),
            ("<password>Hunter2Secret</password>", "Hunter2Secret"),
            ("login pw: Hunter2x", "Hunter2x"),
            ("redis-cli -a RedisS3cretA", "RedisS3cretA"),
            ("sshpass -p SshpassS3cr ssh db", "SshpassS3cr"),
            ("db:5432:app:appuser:PgpassS3cret", "PgpassS3cret"),
            ("CREATE USER x IDENTIFIED BY 'SqlS3cretPw';", "SqlS3cretPw"),
            ("docker login -u ci -p DockerS3cret reg", "DockerS3cret"),
            ("DB_PASSWORD='Pa;ssw0rd99'", "ssw0rd99"),
            ("REDIS_PASSWORD=x,Yz9!Qrst", "Yz9!Qrst"),
            ("PGPASSWORD=Tr0ub&dor3x", "dor3x"),
            ("DB_PASSWORD=\"correct horse battery staple\"", "battery"),
            ("postgres://app:Hunter/2026x@db/shop", "2026x"),
            ("postgres://app:p@ss@word99@db/shop", "word99"),
            (
                "https://a.blob.core.windows.net/c?sv=1&sig=Hq0b%2FkQ8mZ2x9Lp7%3D",
                "kQ8mZ2x9",
            ),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nJIoekk6P0K4u",
                "JIoekk6P0K4u",
            ),
        ];
        for (text, secret) in cases {
            let out = cut(text);
            assert!(!out.contains(secret), "{secret} survives in {out:?}");
        }
    }

    #[test]
    fn prose_about_secrets_keeps_its_words() {
        let text = "the password was rotated; a token expired";
        assert_eq!(cut(text), text);
    }
}
