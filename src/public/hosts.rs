//! Host names in text: the `hostname` detector.
//!
//! A dotted name is a host name when a reader would take it for one: it ends in a suffix
//! that only private networks use (`.internal`, `.local`, `.corp`, `.lan`, …), in a site code
//! (`bb01.prn1`, `db-3.iad2`), or in a public suffix of the Public Suffix List (`.com`,
//! `.co.uk`, `.sh`). Case does not matter: `SQLPROD01.corp.local` is one. File names
//! (`deploy.log`, `notes.md`, `run.sh`), the incident's own files, dotted identifiers in code
//! (`com.shop.Checkout`, `kafka.server.KafkaApis`) and versions are not.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

/// Suffixes of private networks: never on the public internet, always a host.
const INTERNAL_SUFFIXES: &[&str] = &[
    "internal",
    "local",
    "localdomain",
    "localhost",
    "corp",
    "lan",
    "intranet",
    "intra",
    "private",
    "priv",
    "home",
    "arpa",
    // Reserved for examples and tests (RFC 2606, RFC 6761): never a public host either.
    "example",
    "test",
    "invalid",
];

/// File name endings, some of them top-level domains too (`.md`, `.sh`, `.py`, `.zip`): after
/// one other label, the name is a file's.
const FILE_ENDINGS: &[&str] = &[
    "log", "md", "toml", "json", "jsonl", "ndjson", "yaml", "yml", "txt", "csv", "tsv", "html",
    "htm", "svg", "png", "jpg", "jpeg", "gif", "webp", "css", "js", "mjs", "ts", "tsx", "jsx",
    "rs", "py", "go", "java", "kt", "rb", "php", "pl", "sh", "bash", "zsh", "ps1", "sql", "conf",
    "cfg", "ini", "xml", "ics", "gz", "zip", "tar", "tgz", "bz2", "xz", "zst", "pdf", "pem", "crt",
    "cer", "key", "p12", "lock", "service", "socket", "timer", "tf", "tfvars", "hcl", "proto",
    "env", "bak", "tmp", "old", "out", "err", "pid", "db", "so", "dll", "exe", "bin", "class",
    "jar", "war", "deb", "rpm", "wasm", "mp3", "mp4", "mov", "c", "h", "cc", "cpp", "hpp", "cs",
    "swift", "scala", "ex", "exs", "erl", "lua", "r", "ipynb", "syslog", "pcap", "har", "dump",
    "trace", "prom", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "diff", "patch", "cnf",
];

/// First labels of reverse-domain identifiers in code: `com.acme.shop` is a package.
const REVERSE_DOMAIN_STARTS: &[&str] = &[
    "com", "org", "net", "io", "de", "uk", "fr", "nl", "edu", "gov", "java", "javax", "android",
    "kotlin", "scala",
];

/// Public suffixes that are more often the last word of a dotted identifier than a domain
/// (`group.id`, `user.name`, `logger.info`, `max.poll.interval.ms`, `socket.io`): a name
/// ending in one is a host only in a URL (`https://status.acme.io`).
const IDENTIFIER_SUFFIXES: &[&str] = &[
    "id", "name", "info", "ms", "type", "size", "count", "time", "date", "page", "host", "link",
    "run", "data", "mode", "store", "io", "value", "level", "map", "list", "events", "email",
];

/// Where a dotted name stands: after `/` in a path, after `://` in a URL, or elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Path,
    Url,
    Text,
}

/// What a public build keeps: the allowed domains (and their subdomains) and the names of the
/// incident's own files.
#[derive(Debug, Clone, Default)]
pub struct Keep {
    pub domains: Vec<String>,
    pub files: Vec<String>,
}

fn pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // Labels may hold `_` too: not allowed in host names, common in them all the same
        // (`db_primary.corp.internal`, `_ldap._tcp.dc.corp.local`).
        Regex::new(r"_?[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(?:\._?[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)+")
            .expect("the host name pattern")
    })
}

/// Where host names are in `text`.
pub fn find(text: &str, keep: &Keep) -> Vec<Range<usize>> {
    pattern()
        .find_iter(text)
        .filter_map(|m| {
            let head = &text[..m.start()];
            let mut before = head.chars().next_back();
            let after = text[m.end()..].chars().next();
            // A name after a lone dot (`..db01.corp.internal`) or a wildcard label
            // (`*.corp.internal`, `db*.corp.internal`) is a host name too; after a dot that
            // follows a word, it is the rest of a longer name that was not one.
            let mut start = m.start();
            if before == Some('.') {
                let glob = head[..head.len() - 1].trim_end_matches(|c: char| {
                    c == '*' || c == '?' || c == '-' || c == '_' || c.is_ascii_alphanumeric()
                });
                let label = &head[glob.len()..head.len() - 1];
                if label.contains(['*', '?']) {
                    start = glob.len();
                    before = glob.chars().next_back();
                } else if label.is_empty() {
                    before = None;
                }
            }
            // Not part of an address (`user@host` is the e-mail detector's) or of a longer word.
            let kept = !before
                .is_some_and(|c| c == '@' || c == '.' || c == '_' || c.is_alphanumeric())
                && !after.is_some_and(|c| c == '@' || c == '_' || c.is_alphanumeric())
                && !text[m.end()..]
                    .strip_prefix('.')
                    .is_some_and(|rest| rest.chars().next().is_some_and(char::is_alphanumeric))
                && is_host(m.as_str(), keep, context(&text[..start]));
            kept.then_some(start..m.end())
        })
        .chain(url_hosts_without_dot(text, keep))
        .collect()
}

/// A URL's host without a dot (`jdbc:mysql://dbhost7:3306/`, `http://grafana/d/1`): a name only
/// the internal network resolves. `localhost` stays.
fn url_hosts_without_dot<'t>(
    text: &'t str,
    keep: &'t Keep,
) -> impl Iterator<Item = Range<usize>> + 't {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r#"\b[A-Za-z][A-Za-z0-9+.-]{0,20}://(?:[^\s/@]*@)?(?P<h>[A-Za-z0-9_-]*[A-Za-z][A-Za-z0-9_-]*)(?:\.(?:[^A-Za-z0-9]|$)|[^A-Za-z0-9_.-]|$)"#)
            .expect("the URL host pattern")
    });
    re.captures_iter(text).filter_map(|c| {
        let host = c.name("h")?;
        let name = host.as_str();
        (!name.eq_ignore_ascii_case("localhost") && !allowed(name, &keep.domains))
            .then(|| host.range())
    })
}

fn context(before: &str) -> Context {
    if before.ends_with("://") || before.ends_with('@') {
        Context::Url
    } else if before.ends_with('/') {
        Context::Path
    } else {
        Context::Text
    }
}

/// Whether a dotted name is a host name a public build must not show.
pub fn is_host(name: &str, keep: &Keep, context: Context) -> bool {
    let lower = name.to_ascii_lowercase();
    let labels: Vec<&str> = lower.split('.').collect();
    let last = labels[labels.len() - 1];
    if last.bytes().all(|b| b.is_ascii_digit()) || allowed(&lower, &keep.domains) {
        return false;
    }
    // The incident's own files, named in a path (`logs/bb-routers.syslog`). The same name
    // alone in prose is judged as any other name.
    if context == Context::Path
        && keep
            .files
            .iter()
            .any(|f| f.to_ascii_lowercase().ends_with(&format!("/{lower}")))
    {
        return false;
    }
    if INTERNAL_SUFFIXES.contains(&last) {
        return true;
    }
    if FILE_ENDINGS.contains(&last) {
        // `deploy.sh` is a file; `db1.corp.internal.crt` a file named after a host, and
        // `status.acme.sh` a host under a suffix that also ends files.
        let stem = &name[..name.len() - last.len() - 1];
        return labels.len() > 2
            && (is_host(stem, keep, Context::Text)
                || psl::suffix(lower.as_bytes()).is_some_and(|s| s.is_known()));
    }
    if site_code(last) {
        return true;
    }
    if labels.len() >= 3 && REVERSE_DOMAIN_STARTS.contains(&labels[0]) {
        return false;
    }
    if IDENTIFIER_SUFFIXES.contains(&last) && context != Context::Url {
        return false;
    }
    // A file name of two labels was ruled out above: `status.acme.sh` is a host, `run.sh` not.
    psl::suffix(lower.as_bytes()).is_some_and(|s| s.is_known())
}

/// A data centre's or site's code as the last label: two to five letters and one to three
/// digits (`prn1`, `iad2`, `fra03`).
fn site_code(label: &str) -> bool {
    let letters = label.bytes().take_while(u8::is_ascii_lowercase).count();
    let digits = label.len() - letters;
    (2..=5).contains(&letters)
        && (1..=3).contains(&digits)
        && label[letters..].bytes().all(|b| b.is_ascii_digit())
}

/// Whether `name` is an allowed domain or below one.
pub fn allowed(name: &str, allow: &[String]) -> bool {
    allow.iter().any(|domain| {
        let domain = domain.trim_start_matches('.').to_ascii_lowercase();
        let name = name.to_ascii_lowercase();
        name == domain || name.ends_with(&format!(".{domain}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found<'t>(text: &'t str, keep: &Keep) -> Vec<&'t str> {
        find(text, keep).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn host_names_in_any_case_with_any_kind_of_suffix() {
        let keep = Keep {
            domains: vec!["example.com".into()],
            files: vec![
                "logs/bb-routers.syslog".into(),
                "logs/edge.acme.net.log".into(),
                "logs/hosts/db1.corp.internal".into(),
            ],
        };
        assert_eq!(
            found(
                "SQLPROD01.corp.local, Grafana.prod.acme.internal, status.acme.sh, bb01.prn1, \
                 https://db-7.iad2/x, api.shop.co.uk and acme.com. Not: status.example.com, \
                 logs/bb-routers.syslog, deploy.log, notes.md, run.sh, app.py, v4.2.1, e.g. \
                 com.shop.Checkout, kafka.server.KafkaApis, com.acme.app, 1.2.3.4, logs/edge.acme.net.log, \
                 group.id, max.poll.interval.ms, user.name, logger.info. And: db1.corp.internal.crt, \
                 https://status.acme.io/x, a file bb-routers.syslog, db1.corp.internal went, \
                 db_primary.corp.internal, _ldap._tcp.dc.corp.local, my_module.py, \
                 *.corp.internal, db*.acme-prod.com, ..db02.corp.internal, v1.2.x.corp, \
                 jdbc:mysql://dbhost7:3306/x, http://localhost:8080/, `https://grafana` and \
                 http://kibana. Then",
                &keep
            ),
            [
                "SQLPROD01.corp.local",
                "Grafana.prod.acme.internal",
                "status.acme.sh",
                "bb01.prn1",
                "db-7.iad2",
                "api.shop.co.uk",
                "acme.com",
                "db1.corp.internal.crt",
                "status.acme.io",
                "db1.corp.internal",
                "db_primary.corp.internal",
                "_ldap._tcp.dc.corp.local",
                "*.corp.internal",
                "db*.acme-prod.com",
                "db02.corp.internal",
                "v1.2.x.corp",
                "dbhost7",
                "grafana",
                "kibana"
            ]
        );
    }

    #[test]
    fn site_codes() {
        for code in ["prn1", "iad2", "fra03", "sjc12"] {
            assert!(site_code(code), "{code}");
        }
        for not in ["v2", "utf8mb4", "prn", "123", "abcdef1"] {
            assert!(!site_code(not), "{not}");
        }
    }
}
