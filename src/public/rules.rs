//! Mistakes in `[public]` rules, found when the files load: a detector that does not exist, a
//! pattern that does not compile, an address that is not one, a `hide` entry that names
//! nothing.

use regex::Regex;

use super::detect::Detector;
use super::ip::Network;
use crate::model::config::PublicRules;
use crate::model::validate::Finding;
use crate::model::{Incident, LessonKind, Lessons};

/// Findings about `[public]` rules: detectors that do not exist and patterns that do not
/// compile (`prefix` is `public` in both files), and in incident.toml, `hide` entries that
/// name nothing.
pub fn rule_findings(rules: &PublicRules, incident: Option<&Incident>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (n, name) in rules.redact.iter().flatten().enumerate() {
        if Detector::parse(name).is_none() {
            let known: Vec<String> = Detector::ALL.iter().map(|d| d.name().to_owned()).collect();
            let help = match crate::load::document::suggest(name, &known) {
                Some(best) => format!(
                    "did you mean `{best}`? The detectors are ip, email, hostname and secret"
                ),
                None => "the detectors are ip, email, hostname and secret".to_owned(),
            };
            out.push(
                Finding::error(
                    "invalid-public",
                    format!("public.redact[{n}]"),
                    format!("there is no detector `{name}`"),
                )
                .label("unknown detector")
                .help(help),
            );
        }
    }
    for (n, ip) in rules.allow_ips.iter().enumerate() {
        if Network::parse(ip).is_none() {
            out.push(
                Finding::error(
                    "invalid-public",
                    format!("public.allow_ips[{n}]"),
                    format!("`{ip}` is not an IP address or a network"),
                )
                .label("not an address")
                .help("write an address (`1.1.1.1`, `2001:db8::1`) or a network in CIDR form (`129.134.30.0/23`)"),
            );
        }
    }
    for (n, pattern) in rules.patterns.iter().enumerate() {
        if let Err(e) = Regex::new(pattern) {
            let reason = e.to_string();
            let reason = reason
                .lines()
                .last()
                .unwrap_or("")
                .trim_start_matches("error: ");
            out.push(
                Finding::error(
                    "invalid-public",
                    format!("public.patterns[{n}]"),
                    format!("this pattern is not a valid regular expression: {reason}"),
                )
                .label("invalid regex")
                .help("patterns use Rust regex syntax; escape a literal `.`, `(` or `[` with `\\`"),
            );
        }
    }
    match incident {
        None => {
            for (n, _) in rules.hide.iter().enumerate() {
                out.push(
                    Finding::error(
                        "invalid-public",
                        format!("public.hide[{n}]"),
                        "`hide` belongs in an incident's incident.toml",
                    )
                    .help("list the ids to leave out in the [public] table of the incident that has them"),
                );
            }
        }
        Some(incident) => {
            let mut known: Vec<String> = incident
                .timeline
                .iter()
                .filter_map(|e| e.id.clone())
                .chain(incident.factors.iter().map(|f| f.id.clone()))
                .chain(incident.actions.iter().map(|a| a.id.clone()))
                .collect();
            for &kind in LessonKind::ALL {
                known.extend(
                    incident
                        .lessons
                        .of(kind)
                        .iter()
                        .map(|text| Lessons::id(kind, text)),
                );
            }
            for (n, id) in rules.hide.iter().enumerate() {
                if let Some(lesson) = lesson_by_position(incident, id) {
                    out.push(
                        Finding::error(
                            "invalid-public",
                            format!("public.hide[{n}]"),
                            format!("`{id}` names a lesson by its place in the list, which changes when a lesson before it is deleted"),
                        )
                        .label("a position, not an id")
                        .help(format!("name it by its id: `{}` (\"{}\")", Lessons::id(lesson.0, lesson.1), clip(lesson.1))),
                    );
                } else if !known.contains(id) {
                    let help = match crate::load::document::suggest(id, &known) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None => "hide takes ids of timeline entries, factors, actions and lessons (`l-…`: `debrief build --public --explain` lists them)".to_owned(),
                    };
                    out.push(
                        Finding::error(
                            "invalid-public",
                            format!("public.hide[{n}]"),
                            format!("nothing in this incident has the id `{id}`, so nothing would be hidden"),
                        )
                        .label("unknown id")
                        .help(help),
                    );
                }
            }
        }
    }
    out
}

/// The lesson a positional name (`went_wrong.2`, counting from 1) stands for.
fn lesson_by_position<'i>(incident: &'i Incident, name: &str) -> Option<(LessonKind, &'i str)> {
    let (key, n) = name.split_once('.')?;
    let kind = *LessonKind::ALL.iter().find(|k| k.key() == key)?;
    let n: usize = n.parse().ok()?;
    let text = incident.lessons.of(kind).get(n.checked_sub(1)?)?;
    Some((kind, text))
}

fn clip(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}
