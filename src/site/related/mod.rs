//! Related incidents: for each report, up to five others that share its services, the themes
//! people named on its factors, or its tags, saying what they share. Factor categories only
//! break ties: with four categories, most incidents share one.
//!
//! Reports are rendered one incident at a time, so the archive-wide facts come first, from a
//! quick read of every incident.toml (parsed, not validated: the build's own pass reports any
//! problem). In a public build the facts are taken from the redacted copy, and incidents left
//! out are not related to anything.
//!
//! `brief` makes each incident's brief; this module scores every pair of them.

mod brief;

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

pub use brief::{
    Brief, Flattened, brief, briefs_of_folders, public_brief, public_briefs_of_folders,
};

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
    /// Where each incident folder's brief is in `briefs`, when made by [`Archive::in_place`].
    places: Vec<Option<u32>>,
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
            places: Vec::new(),
        }
    }

    /// The archive of briefs made in their folders' places (see [`briefs_of_folders`]).
    pub fn in_place(briefs: Vec<Option<Brief>>) -> Archive {
        let mut places = Vec::with_capacity(briefs.len());
        let mut made = Vec::with_capacity(briefs.len());
        for brief in briefs {
            places.push(brief.map(|b| {
                made.push(b);
                (made.len() - 1) as u32
            }));
        }
        let mut archive = Archive::new(made);
        archive.places = places;
        archive
    }

    /// The brief of the incident folder `i`, in an archive made by [`Archive::in_place`].
    pub fn of_folder(&self, i: usize) -> Option<&Brief> {
        let k = (*self.places.get(i)?)?;
        self.briefs.get(k as usize)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn b(id: &str, date: &str, services: &[&str], tags: &[&str], categories: &[&str]) -> Brief {
        let set = |xs: &[&str]| xs.iter().map(|s| (*s).to_owned()).collect();
        Brief {
            id: id.into(),
            title: id.to_uppercase(),
            date: date.into(),
            day: date.parse().ok().map(brief::day),
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
