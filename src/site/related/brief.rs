//! What relates incidents, of each: its brief, from a quick read of its incident.toml (parsed,
//! not validated: the build's own pass reports any problem), or in a public build from the
//! redacted copy.

use std::collections::BTreeSet;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::{Category, Config, Incident, Stamp, theme_key};

/// What relates incidents, of one incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Brief {
    pub id: String,
    pub title: String,
    pub date: String,
    /// The date as days since 1970, for how far apart two incidents are.
    pub day: Option<i64>,
    pub services: BTreeSet<String>,
    pub tags: BTreeSet<String>,
    /// The themes named on its factors (`theme = "…"`), as written first.
    pub themes: BTreeSet<String>,
    pub categories: BTreeSet<String>,
}

impl Brief {
    pub fn of(id: &str, incident: &Incident) -> Brief {
        Brief::new(
            id,
            incident.title.clone(),
            incident.opened(),
            &incident.services,
            &incident.tags,
            incident
                .factors
                .iter()
                .map(|f| (f.category, f.theme.as_deref())),
        )
    }

    fn new<'a>(
        id: &str,
        title: String,
        opened: Option<jiff::civil::Date>,
        services: &[String],
        tags: &[String],
        factors: impl Iterator<Item = (Category, Option<&'a str>)>,
    ) -> Brief {
        let mut categories = BTreeSet::new();
        let mut themes = BTreeSet::new();
        for (category, theme) in factors {
            categories.insert(category.to_string());
            if let Some(theme) = theme.map(theme_key).filter(|t| !t.is_empty()) {
                themes.insert(theme);
            }
        }
        Brief {
            id: id.to_owned(),
            title,
            date: opened.map_or_else(String::new, |d| d.to_string()),
            day: opened.map(day),
            services: services.iter().cloned().collect(),
            tags: tags.iter().cloned().collect(),
            themes,
            categories,
        }
    }
}

/// The parts of incident.toml a brief is made of, read from the file cut down to them
/// (`FACTS`): most of a file is timeline text that relating incidents does not need.
#[derive(Deserialize)]
struct Facts {
    title: String,
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    times: FactTimes,
    #[serde(default)]
    timeline: Vec<FactEntry>,
    #[serde(default)]
    factors: Vec<FactFactor>,
}

/// The keys `Facts` reads; the timeline's times only when `started` is missing.
const FACTS: &[&[&str]] = &[
    &["title"],
    &["timezone"],
    &["services"],
    &["tags"],
    &["times", "started"],
    &["factors", "category"],
    &["factors", "theme"],
    &["timeline", "at"],
];

#[derive(Deserialize, Default)]
struct FactTimes {
    #[serde(default)]
    started: Option<Stamp>,
}

#[derive(Deserialize)]
struct FactEntry {
    at: Stamp,
}

#[derive(Deserialize)]
struct FactFactor {
    #[serde(default)]
    category: Category,
    #[serde(default)]
    theme: Option<String>,
}

impl Facts {
    fn read(text: &str) -> Option<Facts> {
        let read = |keys| toml::from_str::<Facts>(&crate::load::reduce::keep(text, keys)?).ok();
        let facts = read(&FACTS[..FACTS.len() - 1])?;
        if facts.times.started.is_some() {
            return Some(facts);
        }
        read(FACTS)
    }

    fn brief(self, id: &str) -> Brief {
        let opened = crate::model::opened(
            self.timezone.as_deref(),
            self.times.started.as_ref(),
            self.timeline.iter().map(|e| &e.at),
        );
        Brief::new(
            id,
            self.title,
            opened,
            &self.services,
            &self.tags,
            self.factors
                .iter()
                .map(|f| (f.category, f.theme.as_deref())),
        )
    }
}

/// The briefs of the incidents in `dirs`, as a public build of `config` would show them.
pub fn public_briefs_of_folders(
    dirs: &[std::path::PathBuf],
    config: &Config,
) -> (Vec<Brief>, Vec<(String, String)>) {
    dirs.par_iter()
        .filter_map(|dir| {
            let text = std::fs::read_to_string(dir.join(crate::load::INCIDENT_FILE)).ok()?;
            let id = crate::load::incident_id(dir);
            // A public build redacts with rules that may sit anywhere in the file.
            let incident: Incident = toml::from_str(&text).ok()?;
            Some(public_brief(&id, &incident, config))
        })
        .unzip::<_, _, Vec<_>, Vec<_>>()
        .flattened()
}

/// The brief of each incident in `dirs` (in a build that is not public), in its folder's
/// place: what `known` has of it (an earlier build's, for an incident unchanged since), else
/// from a quick read of its file; `None` when that cannot be read.
pub fn briefs_of_folders(
    dirs: &[std::path::PathBuf],
    known: impl Fn(usize) -> Option<Option<Brief>> + Sync,
) -> Vec<Option<Brief>> {
    dirs.par_iter()
        .enumerate()
        .map(|(i, dir)| {
            known(i).unwrap_or_else(|| {
                let text = std::fs::read_to_string(dir.join(crate::load::INCIDENT_FILE)).ok()?;
                Some(Facts::read(&text)?.brief(&crate::load::incident_id(dir)))
            })
        })
        .collect()
}

/// Briefs and folder names, each as made: the ones there are.
pub trait Flattened {
    fn flattened(self) -> (Vec<Brief>, Vec<(String, String)>);
}

impl Flattened for (Vec<Option<Brief>>, Vec<Option<(String, String)>>) {
    fn flattened(self) -> (Vec<Brief>, Vec<(String, String)>) {
        (
            self.0.into_iter().flatten().collect(),
            self.1.into_iter().flatten().collect(),
        )
    }
}

/// In a public build: the incident's brief (none when it is left out), and its folder name
/// with what the folder name becomes where a text names it.
pub fn public_brief(
    id: &str,
    incident: &Incident,
    config: &Config,
) -> (Option<Brief>, Option<(String, String)>) {
    let becomes = if crate::public::shown(incident) {
        crate::public::public_id(id, incident)
    } else {
        crate::public::ANOTHER_INCIDENT.to_owned()
    };
    (
        brief(id, incident, config, true),
        Some((id.to_owned(), becomes)),
    )
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
    let public_id = crate::public::public_id(id, incident);
    let mut b = Brief::of(&public_id, incident);
    // A factor left out of the public build takes its theme with it.
    b.themes = incident
        .factors
        .iter()
        .filter(|f| f.public)
        .filter_map(|f| f.theme.as_deref().map(theme_key))
        .filter(|t| !t.is_empty())
        .collect();
    let mut log = Vec::new();
    let place = crate::public::Place {
        incident: id,
        place: String::new(),
    };
    let mut r = |text: &str| redactor.redact(text, &place, &mut log).into_owned();
    b.title = r(&b.title);
    b.services = b.services.iter().map(|s| r(s)).collect();
    b.tags = b.tags.iter().map(|s| r(s)).collect();
    b.themes = b.themes.iter().map(|s| r(s)).collect();
    Some(b)
}

/// Days since 1970 of a date.
pub(super) fn day(date: jiff::civil::Date) -> i64 {
    i64::from((date - jiff::civil::date(1970, 1, 1)).get_days())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every incident.toml of the repository that parses, and hand-written shapes the cut-down
    /// read must follow (inline tables, dotted and quoted keys, a timeline without `started`,
    /// a zone that moves the date), give the same brief as reading the whole file.
    #[test]
    fn facts_give_the_brief_of_the_whole_file() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts: Vec<String> = Vec::new();
        let mut stack = vec![
            root.join("sample-incident"),
            root.join("tests"),
            root.join("templates"),
        ];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.ends_with(crate::load::INCIDENT_FILE)
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    texts.push(text);
                }
            }
        }
        let files = texts.len();
        texts.push(
            "title = 'Late night'\ntimezone = \"America/Los_Angeles\"\n\
             times = { detected = 2026-03-02T06:30:00Z }\n\
             timeline = [{ at = 2026-03-02T07:10:00Z, text = 'b' }, { at = 2026-03-02T06:10:00Z, text = 'a' }]\n\
             factors = [{ id = 'f', text = 't', \"category\" = 'process' }]\n\
             \"services\" = ['db', 'api']\n"
                .into(),
        );
        texts.push(
            "title = \"\"\"\nMulti\n[[factors]]\ncategory = 'fake'\"\"\"\n\
             times.started = \"2026-01-05 23:30\"\ntimezone = 'Asia/Tokyo'\ntags = ['a']\n\
             [[factors]]\nid = 'f1'\ntext = 'x'\n[factors.votes]\nann = 2\n\
             [[factors]]\nid = 'f2'\ntext = 'y'\ncategory = 'external'\n"
                .into(),
        );
        let mut compared = 0;
        for (i, text) in texts.iter().enumerate() {
            let incident = match toml::from_str::<Incident>(text) {
                Ok(incident) => incident,
                Err(_) if i < files => continue,
                Err(e) => panic!("{e}"),
            };
            let facts = Facts::read(text).expect("a file that parses gives its facts");
            assert_eq!(facts.brief("x"), Brief::of("x", &incident), "{text}");
            compared += 1;
        }
        assert!(compared >= 10, "only {compared} files compared");
    }
}
