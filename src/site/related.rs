//! Related incidents: for each report, up to five others that share its services, the themes
//! people named on its factors, or its tags, saying what they share. Factor categories only
//! break ties: with four categories, most incidents share one.
//!
//! Reports are rendered one incident at a time, so the archive-wide facts come first, from a
//! quick read of every incident.toml (parsed, not validated: the build's own pass reports any
//! problem). In a public build the facts are taken from the redacted copy, and incidents left
//! out are not related to anything.

use std::collections::{BTreeSet, HashMap};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::{Category, Config, Incident, Stamp, theme_key};

/// What relates incidents, of one incident.
#[derive(Debug, Clone, PartialEq)]
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
pub fn briefs_of_folders(
    dirs: &[std::path::PathBuf],
    config: &Config,
    public: bool,
) -> (Vec<Brief>, Vec<(String, String)>) {
    dirs.par_iter()
        .filter_map(|dir| {
            let text = std::fs::read_to_string(dir.join(crate::load::INCIDENT_FILE)).ok()?;
            let id = crate::load::incident_id(dir);
            if public {
                // A public build redacts with rules that may sit anywhere in the file.
                let incident: Incident = toml::from_str(&text).ok()?;
                Some(public_brief(&id, &incident, config))
            } else {
                Some((Some(Facts::read(&text)?.brief(&id)), None))
            }
        })
        .unzip::<_, _, Vec<_>, Vec<_>>()
        .flattened()
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

/// The briefs of an archive, with their labels as numbers: every pair of incidents is
/// compared, and comparing sorted numbers is several times faster than comparing sets of
/// strings.
pub struct Archive {
    briefs: Vec<Brief>,
    /// Per brief: its services, named themes, tags and categories as sorted label numbers.
    labels: Vec<[Vec<u32>; 4]>,
    numbers: HashMap<String, u32>,
    /// In a public build: the archive's folder names and what each becomes.
    pub folders: Option<std::sync::Arc<crate::public::Folders>>,
}

impl Archive {
    pub fn new(briefs: Vec<Brief>) -> Archive {
        let mut numbers: HashMap<String, u32> = HashMap::new();
        let labels = briefs
            .iter()
            .map(|b| {
                [&b.services, &b.themes, &b.tags, &b.categories].map(|set| {
                    let mut ids: Vec<u32> = set
                        .iter()
                        .map(|l| {
                            let next = numbers.len() as u32;
                            *numbers.entry(l.clone()).or_insert(next)
                        })
                        .collect();
                    ids.sort_unstable();
                    ids
                })
            })
            .collect();
        // Services, themes, tags and categories share one numbering; a tag named like a
        // service is still only counted as a tag, since each kind is compared with its own kind.
        Archive {
            briefs,
            labels,
            numbers,
            folders: None,
        }
    }

    /// A public build's archive: the folder names, replaced in every brief's texts and kept
    /// for every incident's redactor.
    pub fn public(mut briefs: Vec<Brief>, names: Vec<(String, String)>) -> Archive {
        let folders = std::sync::Arc::new(crate::public::Folders::new(names));
        let replace = |set: &mut BTreeSet<String>| {
            *set = set
                .iter()
                .map(|t| folders.replace(t).into_owned())
                .collect();
        };
        for b in &mut briefs {
            b.title = folders.replace(&b.title).into_owned();
            replace(&mut b.services);
            replace(&mut b.tags);
            replace(&mut b.themes);
        }
        let mut archive = Archive::new(briefs);
        archive.folders = Some(folders);
        archive
    }

    fn numbered(&self, me: &Brief) -> [Vec<u32>; 4] {
        [&me.services, &me.themes, &me.tags, &me.categories].map(|set| {
            let mut ids: Vec<u32> = set
                .iter()
                .filter_map(|l| self.numbers.get(l).copied())
                .collect();
            ids.sort_unstable();
            ids
        })
    }

    /// Up to [`RELATED`] incidents that share something with `me`, the most shared first: a
    /// service or a named theme counts three, a tag one. Factor categories never relate two
    /// incidents on their own (most incidents share `technical`); they break ties, and then
    /// the nearer date does. Every pair of an archive is scored, so scoring counts numbers
    /// without allocating; only the incidents listed get their words.
    pub fn related(&self, me: &Brief) -> Vec<RelatedView> {
        let mine = self.numbered(me);
        let all = &self.briefs;
        // Itself, found once rather than by comparing ids a million times in a big archive.
        let itself = all.iter().position(|b| b.id == me.id);
        let mut scored: Vec<((usize, usize), i64, usize)> = all
            .iter()
            .enumerate()
            .filter(|(k, _)| Some(*k) != itself)
            .filter_map(|(k, other)| {
                let theirs = &self.labels[k];
                let score = 3 * common(&mine[0], &theirs[0])
                    + 3 * common(&mine[1], &theirs[1])
                    + common(&mine[2], &theirs[2]);
                let apart = match (me.day, other.day) {
                    (Some(a), Some(b)) => (a - b).abs(),
                    _ => i64::MAX,
                };
                let ties = common(&mine[3], &theirs[3]);
                (score > 0).then_some(((score, ties), apart, k))
            })
            .collect();
        type Scored = ((usize, usize), i64, usize);
        let order = |a: &Scored, b: &Scored| {
            b.0.cmp(&a.0)
                .then(a.1.cmp(&b.1))
                .then(all[a.2].id.cmp(&all[b.2].id))
        };
        if scored.len() > RELATED {
            scored.select_nth_unstable_by(RELATED, order);
            scored.truncate(RELATED);
        }
        scored.sort_by(order);
        scored
            .into_iter()
            .map(|(_, _, k)| {
                let other = &all[k];
                RelatedView {
                    id: other.id.clone(),
                    title: other.title.clone(),
                    date: other.date.clone(),
                    shared: shared(me, other),
                }
            })
            .collect()
    }
}

/// How many numbers two sorted lists share.
fn common(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// What two incidents share, in words: `services api, db; theme expiring credentials; tag
/// deploy`. Categories are left out: they only break ties.
fn shared(me: &Brief, other: &Brief) -> String {
    let mut parts = Vec::new();
    for (one, many, mine, theirs) in [
        ("service", "services", &me.services, &other.services),
        ("theme", "themes", &me.themes, &other.themes),
        ("tag", "tags", &me.tags, &other.tags),
    ] {
        let names: Vec<&str> = mine.intersection(theirs).map(String::as_str).collect();
        match names.len() {
            0 => {}
            1 => parts.push(format!("{one} {}", names[0])),
            _ => parts.push(format!("{many} {}", names.join(", "))),
        }
    }
    parts.join("; ")
}

/// Days since 1970 of a date.
fn day(date: jiff::civil::Date) -> i64 {
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

    fn b(id: &str, date: &str, services: &[&str], tags: &[&str], categories: &[&str]) -> Brief {
        let set = |xs: &[&str]| xs.iter().map(|s| (*s).to_owned()).collect();
        Brief {
            id: id.into(),
            title: id.to_uppercase(),
            date: date.into(),
            day: date.parse().ok().map(day),
            services: set(services),
            tags: set(tags),
            themes: BTreeSet::new(),
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
        let related = Archive::new(all).related(&me);
        let ids: Vec<&str> = related.iter().map(|r| r.id.as_str()).collect();
        // A category alone relates nothing.
        assert_eq!(ids, ["both", "one-near", "one-far"]);
        assert_eq!(related[0].shared, "services api, db; tag deploy");
    }

    /// A shared service or named theme outweighs shared tags; categories only break ties.
    #[test]
    fn services_and_named_themes_outweigh_tags() {
        let mut me = b(
            "me",
            "2026-11-03",
            &["auth"],
            &["database", "deploy"],
            &["process", "technical"],
        );
        me.themes.insert("expiring credentials".into());
        let mut themed = b("themed", "2026-09-01", &["payments"], &[], &[]);
        themed.themes.insert("expiring credentials".into());
        let all = vec![
            me.clone(),
            b(
                "two-tags",
                "2026-11-02",
                &["search"],
                &["database", "deploy"],
                &["process", "technical"],
            ),
            b("service", "2026-08-01", &["auth"], &[], &[]),
            themed,
            b(
                "tag-cats",
                "2026-11-01",
                &["web"],
                &["database"],
                &["process", "technical"],
            ),
            b("tag", "2026-11-02", &["web"], &["database"], &[]),
        ];
        let related = Archive::new(all).related(&me);
        let ids: Vec<&str> = related.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["themed", "service", "two-tags", "tag-cats", "tag"]);
        assert_eq!(related[0].shared, "theme expiring credentials");
        assert_eq!(related[2].shared, "tags database, deploy");
    }

    #[test]
    fn at_most_five() {
        let me = b("me", "2026-11-03", &["api"], &[], &[]);
        let mut all: Vec<Brief> = (0..9)
            .map(|n| b(&format!("o{n}"), "2026-11-01", &["api"], &[], &[]))
            .collect();
        all.push(me.clone());
        assert_eq!(Archive::new(all).related(&me).len(), RELATED);
    }
}
