//! The built-in detectors of a public build: IP addresses, e-mail addresses, internal host
//! names and secrets. Each finds byte ranges in a text; the same code redacts the incidents
//! before rendering and checks every rendered file afterwards.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

/// A built-in detector, by its name in `redact = [...]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Detector {
    Ip,
    Email,
    Hostname,
    Secret,
}

impl Detector {
    pub const ALL: [Detector; 4] = [
        Detector::Secret,
        Detector::Email,
        Detector::Ip,
        Detector::Hostname,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Detector::Ip => "ip",
            Detector::Email => "email",
            Detector::Hostname => "hostname",
            Detector::Secret => "secret",
        }
    }

    pub fn parse(name: &str) -> Option<Detector> {
        Detector::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Where this detector finds something in `text`. `allow` holds the domains whose host
    /// names stay.
    pub fn find(self, text: &str, allow: &[String]) -> Vec<Range<usize>> {
        match self {
            Detector::Ip => ips(text),
            Detector::Email => regexes().email.find_iter(text).map(|m| m.range()).collect(),
            Detector::Hostname => hostnames(text, allow),
            Detector::Secret => secrets(text),
        }
    }
}

struct Regexes {
    email: Regex,
    ipv4: Regex,
    hostname: Regex,
    secret: Vec<Regex>,
    token: Regex,
}

fn regexes() -> &'static Regexes {
    static REGEXES: OnceLock<Regexes> = OnceLock::new();
    REGEXES.get_or_init(|| {
        // These patterns are fixed and tested; they compile.
        let re = |p: &str| Regex::new(p).expect("a built-in detector's pattern");
        Regexes {
            email: re(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
            ipv4: re(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"),
            hostname: re(r"\b[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+\b"),
            secret: vec![
                // AWS access key ids.
                re(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),
                // JSON Web Tokens.
                re(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
                // Bearer tokens and basic credentials after the scheme.
                re(r"(?i)\b(?:bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"),
                // Slack tokens and webhooks.
                re(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
                re(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+"),
                // GitHub tokens.
                re(r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
                re(r"\bgithub_pat_[A-Za-z0-9_]{20,}"),
                // Private keys, whole or from their first line.
                re(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?s:.*?-----END [A-Z ]*PRIVATE KEY-----)?"),
                // password=…, secret: …, api_key "…" and the like.
                re(r#"(?i)\b(?:password|passwd|secret|api[_-]?key|access[_-]?key|token)\b["']?\s*[:=]\s*["']?[^\s"',;]{6,}"#),
            ],
            token: re(r"[A-Za-z0-9+/_=-]{32,}"),
        }
    })
}

/// IPv4 addresses (each part at most 255) and IPv6 addresses (as the standard library reads
/// them, with two colons or more and a digit, not inside a longer word: `a::b` in prose is
/// a path, not an address).
fn ips(text: &str) -> Vec<Range<usize>> {
    let mut found: Vec<Range<usize>> = regexes()
        .ipv4
        .find_iter(text)
        .filter(|m| m.as_str().parse::<Ipv4Addr>().is_ok())
        .map(|m| m.range())
        .collect();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if !(c.is_ascii_hexdigit() || c == b':') {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_hexdigit() || matches!(bytes[i], b':' | b'.')) {
            i += 1;
        }
        let mut end = i;
        // A sentence's full stop is not part of the address.
        while end > start && bytes[end - 1] == b'.' {
            end -= 1;
        }
        let candidate = &text[start..end];
        let before = start.checked_sub(1).map(|b| bytes[b]);
        let after = bytes.get(i).copied();
        let inside_word = before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
            || after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !inside_word
            && candidate.matches(':').count() >= 2
            && candidate.bytes().any(|b| b.is_ascii_digit())
            && candidate.parse::<Ipv6Addr>().is_ok()
        {
            found.push(start..end);
        }
    }
    found
}

/// File name endings that look like top-level domains but end file names in incidents.
const FILE_ENDINGS: &[&str] = &[
    "log", "md", "toml", "json", "jsonl", "yaml", "yml", "txt", "csv", "tsv", "html", "htm", "svg",
    "png", "jpg", "jpeg", "gif", "webp", "css", "js", "mjs", "ts", "rs", "py", "go", "java", "rb",
    "php", "sh", "sql", "conf", "cfg", "ini", "xml", "ics", "gz", "zip", "tar", "pdf", "pem",
    "crt", "key", "lock", "service", "socket", "timer", "tf", "hcl", "proto", "env", "bak", "tmp",
    "old", "out", "err", "pid", "db", "so", "dll", "exe", "bin", "class", "jar", "war", "deb",
    "rpm", "wasm",
];

/// Lower-case names of two or more labels whose last label is letters and not a file ending,
/// outside the allowed domains: `db-3.prod.internal`, `tracker.example.net`.
fn hostnames(text: &str, allow: &[String]) -> Vec<Range<usize>> {
    regexes()
        .hostname
        .find_iter(text)
        .filter(|m| {
            let name = m.as_str();
            let last = name.rsplit('.').next().unwrap_or(name);
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            last.len() >= 2
                && last.bytes().all(|b| b.is_ascii_lowercase())
                && !FILE_ENDINGS.contains(&last)
                // Not part of a path with a file ending (`logs/app.v2.log`), an address
                // (`user@host` is the e-mail detector's) or a longer dotted word.
                && !before.is_some_and(|c| c == '@' || c == '.' || c.is_alphanumeric())
                && !after.is_some_and(|c| c == '@' || c.is_alphanumeric())
                && !text[m.end()..].strip_prefix('.').is_some_and(|rest| {
                    rest.chars().next().is_some_and(char::is_alphanumeric)
                })
                && !allowed(name, allow)
        })
        .map(|m| m.range())
        .collect()
}

/// Whether `name` is an allowed domain or below one.
pub fn allowed(name: &str, allow: &[String]) -> bool {
    allow.iter().any(|domain| {
        let domain = domain.trim_start_matches('.').to_ascii_lowercase();
        name == domain || name.ends_with(&format!(".{domain}"))
    })
}

/// Secrets: known token shapes, and long tokens of mixed case and digits with high entropy.
fn secrets(text: &str) -> Vec<Range<usize>> {
    let r = regexes();
    let mut found: Vec<Range<usize>> = r
        .secret
        .iter()
        .flat_map(|re| re.find_iter(text).map(|m| m.range()))
        .collect();
    found.extend(
        r.token
            .find_iter(text)
            .filter(|m| random_looking(m.as_str()))
            .map(|m| m.range()),
    );
    found
}

/// A token of 32 or more characters with upper case, lower case and digits, and more than
/// 4.2 bits of entropy per character: a base64 key, not a word, a path or a hex digest.
fn random_looking(token: &str) -> bool {
    let b = token.as_bytes();
    if !(b.iter().any(u8::is_ascii_uppercase)
        && b.iter().any(u8::is_ascii_lowercase)
        && b.iter().any(u8::is_ascii_digit))
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
    entropy > 4.2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(d: Detector, text: &str) -> Vec<&str> {
        d.find(text, &["example.com".to_owned()])
            .into_iter()
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn ip_addresses_and_not_times_or_versions() {
        assert_eq!(
            found(
                Detector::Ip,
                "from 10.1.2.3, to fe80::1 and 2001:db8::8a2e:370:7334."
            ),
            ["10.1.2.3", "fe80::1", "2001:db8::8a2e:370:7334"]
        );
        assert!(
            found(
                Detector::Ip,
                "at 14:02:00, v4.1.3, 999.1.1.1, std::io, a::b"
            )
            .is_empty()
        );
    }

    #[test]
    fn emails_and_host_names_outside_allowed_domains() {
        assert_eq!(
            found(Detector::Email, "mail priya@corp.internal now"),
            ["priya@corp.internal"]
        );
        assert_eq!(
            found(
                Detector::Hostname,
                "db-3.prod.internal and status.example.com, logs/deploy.log, notes.md, v4.2, e.g. com.shop.Checkout"
            ),
            ["db-3.prod.internal"]
        );
    }

    #[test]
    fn secrets_of_every_kind_and_not_digests() {
        let text = "AKIAIOSFODNN7EXAMPLE eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl \
             Authorization: Bearer abcdef123456 xoxb-123456789012-abcdefghij \
             ghp_0123456789abcdefghijABCDEFGHIJ012345 password=hunter2hunter \
             -----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY----- \
             wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
        let hits = found(Detector::Secret, text);
        for planted in [
            "AKIAIOSFODNN7EXAMPLE",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
            "Bearer abcdef123456",
            "xoxb-123456789012-abcdefghij",
            "ghp_0123456789abcdefghijABCDEFGHIJ012345",
            "password=hunter2hunter",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
        ] {
            assert!(
                hits.iter().any(|h| h.contains(planted)),
                "{planted} in {hits:?}"
            );
        }
        assert!(hits.iter().any(|h| h.starts_with("-----BEGIN RSA")));
        // A git commit, a trace id and a path are not secrets.
        assert!(
            found(
                Detector::Secret,
                "9fceb02d0ae598e95dc970b74767f19372d61af8 4bf92f3577b34da6a3ce929d0e0e4736 /var/lib/postgresql/data/base"
            )
            .is_empty()
        );
    }
}
