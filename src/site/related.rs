//! Related incidents: for each report, up to five others that share its services, tags or
//! factor categories, saying what they share.
//!
//! Reports are rendered one incident at a time, so the archive-wide facts come first, from a
//! quick read of every incident.toml (parsed, not validated: the build's own pass reports any
//! problem). In a public build the facts are taken from the redacted copy, and incidents left
//! out are not related to anything.

use std::collections::BTreeSet;

use rayon::prelude::*;
use serde::Serialize;

use crate::model::{Config, Incident};

/// What relates incidents, of one incident.
#[derive(Debug, Clone)]
pub struct Brief {
    pub id: String,
    pub title: String,
    pub date: String,
    pub services: BTreeSet<String>,
    pub tags: BTreeSet<String>,
    pub categories: BTreeSet<String>,
}

impl Brief {
    pub fn of(id: &str, incident: &Incident) -> Brief {
        Brief {
            id: id.to_owned(),
            title: incident.title.clone(),
            date: incident
                .opened()
                .map_or_else(String::new, |d| d.to_string()),
            services: incident.services.iter().cloned().collect(),
            tags: incident.tags.iter().cloned().collect(),
            categories: incident
                .factors
                .iter()
                .map(|f| f.category.to_string())
                .collect(),
        }
    }
}

/// Another incident as a report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct RelatedView {
    pub id: String,
    pub title: String,
    pub date: String,
    /// `services checkout-api, postgres; tag database`.
    pub shared: String,
}

/// Reports list at most this many related incidents.
pub const RELATED: usize = 5;

/// The briefs of the incidents in `dirs`, as a build of `config` would show them.
pub fn briefs_of_folders(dirs: &[std::path::PathBuf], config: &Config, public: bool) -> Vec<Brief> {
    dirs.par_iter()
        .filter_map(|dir| {
            let text = std::fs::read_to_string(dir.join(crate::load::INCIDENT_FILE)).ok()?;
            let incident: Incident = toml::from_str(&text).ok()?;
            brief(&crate::load::incident_id(dir), &incident, config, public)
        })
        .collect()
}

/// One incident's brief, redacted in a public build; `None` when a public build leaves it out.
pub fn brief(id: &str, incident: &Incident, config: &Config, public: bool) -> Option<Brief> {
    if !public {
        return Some(Brief::of(id, incident));
    }
    if !crate::public::shown(incident) {
        return None;
    }
    let redactor = crate::public::Redactor::for_incident(config, incident);
    let mut b = Brief::of(id, incident);
    let mut log = Vec::new();
    let place = crate::public::Place {
        incident: id,
        place: String::new(),
    };
    let mut r = |text: &str| redactor.redact(text, &place, &mut log).into_owned();
    b.title = r(&b.title);
    b.services = b.services.iter().map(|s| r(s)).collect();
    b.tags = b.tags.iter().map(|s| r(s)).collect();
    Some(b)
}

/// Up to [`RELATED`] incidents that share something with `me`, the most shared first: a
/// service counts three, a tag two, a factor category one (most incidents share
/// `technical`). Ties go to the nearer date.
pub fn related(me: &Brief, all: &[Brief]) -> Vec<RelatedView> {
    let mut scored: Vec<(u32, i64, &Brief, String)> = all
        .iter()
        .filter(|other| other.id != me.id)
        .filter_map(|other| {
            let services: Vec<&String> = me.services.intersection(&other.services).collect();
            let tags: Vec<&String> = me.tags.intersection(&other.tags).collect();
            let categories: Vec<&String> = me.categories.intersection(&other.categories).collect();
            let score = 3 * services.len() + 2 * tags.len() + categories.len();
            if score == 0 {
                return None;
            }
            let mut shared = Vec::new();
            for (what, items) in [
                ("service", services),
                ("tag", tags),
                ("factor category", categories),
            ] {
                if !items.is_empty() {
                    let names: Vec<&str> = items.iter().map(|s| s.as_str()).collect();
                    let label = if items.len() == 1 {
                        what.to_owned()
                    } else if what == "factor category" {
                        "factor categories".to_owned()
                    } else {
                        format!("{what}s")
                    };
                    shared.push(format!("{label} {}", names.join(", ")));
                }
            }
            Some((
                score as u32,
                days_apart(&me.date, &other.date),
                other,
                shared.join("; "),
            ))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.id.cmp(&b.2.id)));
    scored
        .into_iter()
        .take(RELATED)
        .map(|(_, _, other, shared)| RelatedView {
            id: other.id.clone(),
            title: other.title.clone(),
            date: other.date.clone(),
            shared,
        })
        .collect()
}

/// Days between two `YYYY-MM-DD` dates; far apart when either is missing.
fn days_apart(a: &str, b: &str) -> i64 {
    match (
        a.parse::<jiff::civil::Date>(),
        b.parse::<jiff::civil::Date>(),
    ) {
        (Ok(a), Ok(b)) => (a - b).get_days().abs().into(),
        _ => i64::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(id: &str, date: &str, services: &[&str], tags: &[&str], categories: &[&str]) -> Brief {
        let set = |xs: &[&str]| xs.iter().map(|s| (*s).to_owned()).collect();
        Brief {
            id: id.into(),
            title: id.to_uppercase(),
            date: date.into(),
            services: set(services),
            tags: set(tags),
            categories: set(categories),
        }
    }

    #[test]
    fn the_most_shared_come_first_and_say_what_they_share() {
        let me = b(
            "me",
            "2026-11-03",
            &["api", "db"],
            &["deploy"],
            &["technical"],
        );
        let all = vec![
            me.clone(),
            b("cat-only", "2026-11-02", &[], &[], &["technical"]),
            b("both", "2026-01-01", &["api", "db"], &["deploy"], &[]),
            b("one-near", "2026-11-01", &["db"], &[], &[]),
            b("one-far", "2025-11-01", &["db"], &[], &[]),
            b("nothing", "2026-11-03", &["web"], &["x"], &["process"]),
        ];
        let related = related(&me, &all);
        let ids: Vec<&str> = related.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["both", "one-near", "one-far", "cat-only"]);
        assert_eq!(related[0].shared, "services api, db; tag deploy");
        assert_eq!(related[3].shared, "factor category technical");
    }

    #[test]
    fn at_most_five() {
        let me = b("me", "2026-11-03", &["api"], &[], &[]);
        let mut all: Vec<Brief> = (0..9)
            .map(|n| b(&format!("o{n}"), "2026-11-01", &["api"], &[], &[]))
            .collect();
        all.push(me.clone());
        assert_eq!(related(&me, &all).len(), RELATED);
    }
}
