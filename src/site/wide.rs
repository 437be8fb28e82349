//! The archive-wide pages, in groups by what they read of the incidents: the [`Part`]s of
//! their digests.
//!
//! A rebuild draws a group again only when a part it reads changed in some incident, or when
//! incidents came, went or moved in the archive's order; else it takes the group's files from
//! the previous build as they are. An edited summary, say, changes the feed, the status page
//! and the search, and leaves the index, the actions and the trends as they were. The build
//! cache keeps each group's files by the group's name.

use std::sync::Mutex;

use jiff::civil::Date;
use rayon::prelude::*;

use super::cache::{Session, Sums};
use super::common::Writer;
use super::digest::{self, Digest, Part};
use super::output::{FileStamp, Output};
use super::search::{Entry, Narrowed, Postings};
use crate::model::Config;
use crate::render::context::IncidentSummary;

/// A group of archive-wide pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Group {
    /// `index.html` in its four orders, and the tag pages.
    Index,
    /// `actions.html`, `actions-2.html`, …
    Actions,
    /// `data/actions.csv` and `actions.ics`.
    Exports,
    /// The trends and themes pages, and a page per service.
    Trends,
    /// The Atom feed and `data/incidents.json`.
    Feeds,
    /// The status page and its data.
    Status,
    /// What docs tools read beside the reports (`incidents/SUMMARY.md`, …).
    Docs,
    /// The search page and its index.
    Search,
}

impl Group {
    pub const ALL: [Group; 8] = [
        Group::Index,
        Group::Actions,
        Group::Exports,
        Group::Trends,
        Group::Feeds,
        Group::Status,
        Group::Docs,
        Group::Search,
    ];

    /// Its name in the build cache.
    pub fn name(self) -> &'static str {
        match self {
            Group::Index => "index",
            Group::Actions => "actions",
            Group::Exports => "exports",
            Group::Trends => "trends",
            Group::Feeds => "feeds",
            Group::Status => "status",
            Group::Docs => "docs",
            Group::Search => "search",
        }
    }

    /// The parts of each incident's digest that its pages read. A page that reads a part not
    /// named here would be left as it was when only that part changes; the rebuild tests
    /// compare a rebuild after each kind of edit with a clean build.
    fn reads(self) -> &'static [Part] {
        use Part::*;
        match self {
            Group::Index => &[Summary, Services],
            Group::Actions | Group::Exports => &[Summary, Actions],
            Group::Trends => &[Summary, Actions, Factors, Services, Durations],
            Group::Feeds => &[Summary, Updated, Abstract],
            Group::Status => &[Summary, Impact, Services, Updated, Abstract],
            Group::Docs => &[Summary],
            Group::Search => &[Search],
        }
    }

    /// Whether its pages show action items or factors.
    pub fn shows_items(self) -> bool {
        self.reads()
            .iter()
            .any(|p| matches!(p, Part::Actions | Part::Factors))
    }

    /// Takes the group's files from the previous build when every part it reads comes to what
    /// it came to then (`now` against the cache's totals); the files taken, or `None` when the
    /// group is to be drawn.
    pub fn take(self, dir: &dyn Output, cache: &Session, now: Option<Sums>) -> Option<Noted> {
        let (was, now) = (cache.previous_totals()?, now?);
        if !self.reads().iter().all(|&p| was.of(p) == now.of(p)) {
            return None;
        }
        let noted = Noted::new(self);
        let files = cache.previous_owned(self.name())?;
        files
            .into_iter()
            .all(|(rel, stamp)| noted.keep_in(dir, rel, stamp))
            .then_some(noted)
    }
}

/// Readies the postings before the reused incidents' records are read back: no words are kept
/// when the search is not among the groups `todo`, only those of the shards to draw again
/// when the search is narrowed (see [`narrow`]).
pub(super) fn prepare_search(
    todo: &[Group],
    cache: Option<&Session>,
    now: Option<Sums>,
    dir: &dyn Output,
    site: &std::path::Path,
    postings: &Postings,
) -> Option<(Noted, Narrowed)> {
    if !todo.contains(&Group::Search) {
        postings.only(Default::default());
        return None;
    }
    let narrowed = narrow(cache?, now, dir, site)?;
    postings.only(narrowed.1.shards.clone());
    Some(narrowed)
}

/// The search drawn again for the shards whose words changed only, when every incident keeps
/// its place in the index (and so its number in the postings): the other shards' files are
/// taken from the previous build, at `site`, through the search's [`Noted`]. `None`: the
/// search is to be drawn whole.
fn narrow(
    cache: &Session,
    now: Option<Sums>,
    dir: &dyn Output,
    site: &std::path::Path,
) -> Option<(Noted, Narrowed)> {
    let (was, now) = (cache.previous_totals()?, now?);
    if was.of(Part::Order) != now.of(Part::Order) {
        return None;
    }
    let shards = cache.changed_shards()?;
    let files = cache.previous_owned(Group::Search.name())?;
    let as_left = |rel: &str, stamp| FileStamp::at(&site.join(rel)) == Some(stamp);
    let words_file = "search/words.js";
    let (_, stamp) = files.iter().find(|(rel, _)| *rel == words_file)?;
    let words = std::fs::read(site.join(words_file)).ok();
    if !as_left(words_file, *stamp) {
        return None;
    }
    let words = super::search::words_of(&words?)?;
    // The shard a file of the search holds, when it holds one.
    let shard_of = |rel: &str| {
        let c = rel.strip_prefix("search/w/")?.strip_suffix(".js")?;
        let mut chars = c.chars();
        chars.next().filter(|_| chars.next().is_none())
    };
    let keep: Vec<_> = files
        .into_iter()
        .filter(|(rel, _)| shard_of(rel).is_some_and(|c| !shards.contains(&c)))
        .collect();
    // All or none: a file changed since is drawn again, and so is every shard.
    if !keep.iter().all(|&(rel, stamp)| as_left(rel, stamp)) {
        return None;
    }
    let noted = Noted::new(Group::Search);
    if !keep
        .into_iter()
        .all(|(rel, stamp)| noted.keep_in(dir, rel, stamp))
    {
        return None;
    }
    Some((noted, Narrowed { shards, words }))
}

/// The files a group made or took, noted as they go to the output.
pub(super) struct Noted {
    pub group: Group,
    files: Mutex<Vec<String>>,
}

impl Noted {
    pub fn new(group: Group) -> Noted {
        Noted {
            group,
            files: Mutex::default(),
        }
    }

    fn note(&self, rel: &str) {
        self.files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(rel.to_owned());
    }

    fn keep_in(&self, dir: &dyn Output, rel: &str, stamp: FileStamp) -> bool {
        let kept = dir.keep(rel, stamp);
        if kept {
            self.note(rel);
        }
        kept
    }

    /// The group's name and its files, for the build cache.
    pub fn owned(self) -> (String, Vec<String>) {
        let mut files = self
            .files
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A file taken and then drawn again is noted twice.
        files.sort_unstable();
        files.dedup();
        (self.group.name().to_owned(), files)
    }
}

/// A group's view of the output: every file put goes through, and is noted.
struct Through<'a> {
    dir: &'a dyn Output,
    noted: &'a Noted,
}

impl Output for Through<'_> {
    fn put(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        self.dir.put(rel, bytes)?;
        self.noted.note(rel);
        Ok(())
    }

    fn keep(&self, rel: &str, stamp: FileStamp) -> bool {
        self.noted.keep_in(self.dir, rel, stamp)
    }

    fn stamp_of(&self, rel: &str) -> Option<FileStamp> {
        self.dir.stamp_of(rel)
    }
}

/// What the groups draw from besides the incidents' digests.
pub(super) struct Inputs<'a> {
    pub config: &'a Config,
    pub today: Date,
    /// The search index's postings, taken by the search when it is drawn.
    pub postings: Mutex<Option<Postings>>,
    /// The search drawn for some shards only (see [`narrow`]).
    pub narrowed: Mutex<Option<(Noted, Narrowed)>>,
}

/// Takes what `slot` holds.
fn take<T>(slot: &Mutex<Option<T>>) -> Option<T> {
    slot.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
}

/// Draws each of `groups` (side by side: nothing in one depends on another) from `digests`;
/// the files of each.
pub(super) fn draw(
    groups: &[Group],
    out: Writer<'_>,
    digests: &[Digest],
    inputs: &Inputs<'_>,
) -> anyhow::Result<Vec<Noted>> {
    groups
        .par_iter()
        .map(|&group| {
            let (noted, narrowed) = match group {
                Group::Search => {
                    take(&inputs.narrowed).map_or((Noted::new(group), None), |(n, s)| (n, Some(s)))
                }
                _ => (Noted::new(group), None),
            };
            let dir = Through {
                dir: out.dir,
                noted: &noted,
            };
            let out = Writer { dir: &dir, ..out };
            let today = inputs.today;
            match group {
                Group::Index => super::index::write(out, digests),
                Group::Actions => super::actions::write_pages(out, digests, today),
                Group::Exports => super::actions::write_exports(out, digests, today),
                Group::Trends => super::trends::write(out, inputs.config, digests),
                Group::Feeds => super::feeds::write(out, digests, today),
                Group::Status => super::status::write(out, digests, today),
                Group::Docs => {
                    let newest = digest::newest_first(digests);
                    let summaries: Vec<&IncidentSummary> =
                        newest.iter().map(|d| &d.summary).collect();
                    let title = &out.common.site.title;
                    super::docs_sites::files(title, &summaries)
                        .iter()
                        .try_for_each(|(path, text)| out.file(path, text.as_bytes()))
                }
                Group::Search => {
                    // In the order of the archive's index (newest first).
                    let newest = digest::newest_first(digests);
                    let entries: Vec<&Entry> = newest.iter().map(|d| &d.search).collect();
                    let postings = take(&inputs.postings).unwrap_or_default();
                    super::search::write(out, &entries, postings, narrowed)
                }
            }?;
            Ok(noted)
        })
        .collect()
}

/// Draws the search alone, from `entries` (in any order), when it is the only group to draw.
pub(super) fn draw_search(
    out: Writer<'_>,
    mut entries: Vec<Entry>,
    postings: Postings,
    narrowed: Option<(Noted, Narrowed)>,
) -> anyhow::Result<Noted> {
    let (noted, narrowed) =
        narrowed.map_or((Noted::new(Group::Search), None), |(n, s)| (n, Some(s)));
    let dir = Through {
        dir: out.dir,
        noted: &noted,
    };
    // In the order of the archive's index (newest first).
    entries.sort_by(|a, b| digest::newer_of((&a.doc.d, &a.doc.i), (&b.doc.d, &b.doc.i)));
    let entries: Vec<&Entry> = entries.iter().collect();
    super::search::write(Writer { dir: &dir, ..out }, &entries, postings, narrowed)?;
    Ok(noted)
}
