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
        r"[A-Za-z0-9_.-]*(?i:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|session[_-]?(?:id|key)|signature)[A-Za-z0-9_.-]*"
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
        pattern: r"\b[A-Za-z][A-Za-z0-9+.-]{1,20}://(?P<s>[^\s/:@]*:[^\s/@]+)@",
        example: "dsn postgres://app:PgPass2026@db.example.com/shop",
        secret: "PgPass2026",
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
        pattern: r"-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----(?s:.*?-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----)?",
        example: "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----",
        secret: "MIIBOgIBAAJBAK",
    },
    Rule {
        id: "secret-assignment",
        // NAME=value, NAME: value, "name": "value", name => 'value', with any prefix.
        pattern: concat!(
            r"(?:^|[^A-Za-z0-9_.-])",
            secret_name!(),
            r#"["']?\s*(?::|=>?)\s*["']?(?P<s>[^\s"',;&<>\[\]{}()]{3,})"#
        ),
        example: r#"env PGPASSWORD=hunter2hunter DB_PASSWORD='s3cret!' {"client_secret": "cs-991"}"#,
        secret: "hunter2hunter",
    },
    Rule {
        id: "password-flag",
        pattern: r"(?i)(?:^|\s)--?(?:password|passwd|pass|token|secret|api-key)(?:=|\s+)(?P<s>[^\s\x22'&<>\[\]]{4,})",
        example: "mysql --password Tr0ub4dor -h db",
        secret: "Tr0ub4dor",
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
        for caps in re.captures_iter(text) {
            let m = caps.name("s").or_else(|| caps.get(0));
            if let Some(m) = m.filter(|m| !m.is_empty() && !already_redacted(text, m.start())) {
                found.push(m.range());
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

/// A value that is a redaction marker already (`[redacted secret]`) is not found again.
fn already_redacted(text: &str, at: usize) -> bool {
    text[at..].starts_with("[redacted") || text[at..].starts_with("redacted")
}

/// A token of 20 or more characters with upper case, lower case and digits, whose characters
/// are spread like random ones: at least 85% of the entropy a token of its length can have.
/// A base64 key, not a word, an identifier, a path or a hex digest (no upper case).
pub fn random_looking(token: &str) -> bool {
    let b = token.as_bytes();
    // A path (`internal/browse/CASE-88412`) has a segment that is a plain lower-case word.
    let word = |s: &str| s.len() >= 3 && s.bytes().all(|c| c.is_ascii_lowercase() || c == b'-');
    if token.contains('/') && token.split('/').any(word) {
        return false;
    }
    if !(b.iter().any(u8::is_ascii_uppercase)
        && b.iter().any(u8::is_ascii_lowercase)
        && b.iter().filter(|c| c.is_ascii_digit()).count() >= 2)
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
                at = r.end;
            }
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
    fn assignments_with_any_prefix_keep_their_name() {
        let text = "PGPASSWORD=hunter2hunter DB_PASSWORD='s3cret!' {\"client_secret\": \"cs-991\"} \
                    export GITHUB_TOKEN=abcd1234 x-api-key: k-777 password => 'p4ss'";
        let out = cut(text);
        for gone in [
            "hunter2hunter",
            "s3cret!",
            "cs-991",
            "abcd1234",
            "k-777",
            "p4ss",
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
            "Authorization: &#91;redacted secret&#93;",
            "DB&#95;PASSWORD=&#91;redacted secret&#93;",
        ] {
            assert_eq!(cut(kept), kept);
        }
    }

    #[test]
    fn prose_about_secrets_keeps_its_words() {
        let text = "the password was rotated; a token expired";
        assert_eq!(cut(text), text);
    }
}
