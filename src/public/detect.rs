//! The built-in detectors of a public build: IP addresses, e-mail addresses, host names and
//! secrets. Each finds byte ranges in a text; the same code redacts the incidents before
//! rendering and checks every rendered file afterwards.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use super::hosts::Keep;
use super::ip::Network;

/// A built-in detector, by its name in `redact = [...]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Detector {
    Ip,
    Email,
    Hostname,
    Secret,
}

/// What the detectors leave alone: `allow_domains`, `allow_ips` and the incident's own files.
#[derive(Debug, Clone, Default)]
pub struct Allow {
    pub hosts: Keep,
    pub ips: Vec<Network>,
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

    /// Where this detector finds something in `text`.
    pub fn find(self, text: &str, allow: &Allow) -> Vec<Range<usize>> {
        match self {
            Detector::Ip => super::ip::find(text, &allow.ips),
            Detector::Email => email().find_iter(text).map(|m| m.range()).collect(),
            Detector::Hostname => super::hosts::find(text, &allow.hosts),
            Detector::Secret => super::secrets::find(text),
        }
    }
}

fn email() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
            .expect("the e-mail pattern")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_in_any_case() {
        let text = "mail Priya@Corp.Internal or ops@acme.test now";
        let found: Vec<&str> = Detector::Email
            .find(text, &Allow::default())
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(found, ["Priya@Corp.Internal", "ops@acme.test"]);
    }
}
