//! What a build remembers for the next build into the same folder, so that a rebuild after an
//! edit draws only the incidents that changed.
//!
//! The cache is one file per output folder in the user's cache folder (`DEBRIEF_CACHE_DIR`,
//! else `$XDG_CACHE_HOME/debrief`, else `~/.cache/debrief`), never inside the site, which gets
//! published. Each line is an incident drawn last time: a head, its record's two parts and a
//! checksum of the line, apart by tabs. A cache with a line that does not match its checksum
//! is not used.
//!
//! - The head: the incident's folder, its stamp (every file below it by path, size,
//!   modification and change time, and inode, so an edit, a `git checkout`, a file added or
//!   removed all change it), what relates it to other incidents, the related incidents its
//!   report lists, and its files in the site (length and modification time).
//! - The record: everything the archive-wide pages need of it (its row, its action items, its
//!   factors; its search entry and words).
//!
//! The last line holds the key of everything else a site's bytes depend on (debrief's own
//! binary, the theme, debrief.toml, `--today`, `--base-url`), which output folder it describes
//! (device, inode and modification time: another build's folder, or one changed since, does not
//! match), and the site's other files with their lengths and modification times. With another
//! key, nothing is reused.
//!
//! An incident whose stamp and related incidents are as recorded, and whose files are still in
//! the previous site at their lengths, is not read or drawn again: its files stay as they are
//! (the rebuild is in place), and its record is read when the archive-wide pages need it.
//!
//! A record has two parts, each with its hash in the head: what the archive-wide pages but the
//! search show, and what the search shows. The trailer keeps the hashes of the whole archive's
//! parts. When this build's come to the same, those pages are the previous site's (they are
//! made of the records and the key alone), and stay as they are: an edit to one incident's
//! notes writes its pages and the search index, nothing else. When nothing at all
//! differs, the build writes nothing.
//!
//! Never cached, so drawn on every build: an incident with a build warning (a log that could not
//! be read: it is printed on every build), one with a symbolic link below it or a source or
//! metric outside its folder, one with a file modified in the two seconds before the build
//! looked (file times are coarser than edits), and every public build.

mod previous;
mod record;
mod stamp;

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use super::digest::Digest;
use super::output::FileStamp;
use super::related::{Brief, RelatedView};
use super::search::{Entry, Postings};
use super::spill::Spill;
use previous::{Place, Previous};
pub(super) use record::{Encoded, Sums, encode, totals};
use stamp::hex;
pub(super) use stamp::{Stamp, folder_stamp, identity, key};

/// An incident's files in the site, below `incidents/<id>/`.
pub(super) const INCIDENT_FILES: [&str; 7] = [
    "index.html",
    "report.md",
    "timeline.svg",
    "flow.svg",
    "timeline-narrow.svg",
    "flow-narrow.svg",
    "incident.json",
];

/// A site's cache is removed when it was not used for this many days.
const KEEP_DAYS: u64 = 30;

/// Whether `rel` is one of an incident's own files.
pub(super) fn incident_file(rel: &str) -> bool {
    let mut parts = rel.split('/');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("incidents"), Some(_), Some(name), None) if INCIDENT_FILES.contains(&name)
    )
}

/// The cache file of the site at `out`; `None` where there is no cache folder
/// (`DEBRIEF_CACHE_DIR` set empty turns the cache off).
pub(super) fn file_for(out: &Path) -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name);
    let dir = match var("DEBRIEF_CACHE_DIR") {
        Some(dir) if dir.is_empty() => return None,
        Some(dir) => PathBuf::from(dir),
        None => var("XDG_CACHE_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                var("HOME")
                    .filter(|d| !d.is_empty())
                    .map(|h| PathBuf::from(h).join(".cache"))
            })?
            .join("debrief"),
    };
    // One name however the folder is written (`site`, `./site/`, `x/../site`).
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let out = std::fs::canonicalize(parent).ok()?.join(out.file_name()?);
    let name = hex(&sha2::Sha256::digest(out.as_os_str().as_encoded_bytes())[..16]);
    Some(dir.join(format!("site-{name}.cache")))
}

/// The related incidents a report lists, as a hash.
pub(super) fn related_hash(related: &[RelatedView]) -> String {
    short_hash(&serde_json::to_vec(related).unwrap_or_default())
}

/// What the cache says of an incident before its record.
#[derive(Serialize, Deserialize)]
pub(super) struct Head {
    pub dir: PathBuf,
    pub stamp: String,
    pub related: String,
    /// Its [`INCIDENT_FILES`] as the build left them.
    pub files: [FileStamp; 7],
    /// What relates it to other incidents, from the quick read of its file.
    pub brief: Option<Brief>,
    /// The hashes of its record's two parts.
    pub sums: Sums,
}

/// The cache's last line.
#[derive(Serialize, Deserialize)]
struct Trailer {
    key: String,
    out: (u64, u64, i64),
    /// The site's files other than the incidents' own, as the build left them.
    pages: Vec<(String, FileStamp)>,
    /// The hashes of every incident's record parts, in the order of the build's folders.
    totals: Option<Sums>,
    /// The files each group of archive-wide pages made (see `wide`), by the group's name.
    owners: Vec<(String, Vec<String>)>,
    /// A hash of every incident's brief, in the order of the build's folders: when it is the
    /// same, so is every report's list of related incidents.
    briefs: Option<String>,
    /// Every folder below the site's, by [`folder_stamp`]: a file added or removed in one, or
    /// a folder replaced (by a symbolic link, say), and the site is not the one the build left.
    folders: Vec<(String, (u64, i64))>,
}

/// A short hash of `text` in hexadecimal: of a report's related list, and of the archive's
/// briefs.
fn short_hash(text: &[u8]) -> String {
    hex(&sha2::Sha256::digest(text)[..16])
}

/// A cache line's checksum of the text before it, in hexadecimal: a line damaged or changed by
/// anything but a build is not trusted. CRC-32 finds any change of up to four bytes in a row
/// and all but one in four billion others; every line is checked on every build, and at
/// several gigabytes a second it costs a millisecond where SHA-256 took eight.
fn line_sum(text: &[u8]) -> String {
    hex(&crc32fast::hash(text).to_be_bytes())
}

/// An incident taken from the previous build: its files stay as they are, and its record is
/// read from the cache when the archive-wide pages need it.
pub(super) struct Reused {
    pub sums: Sums,
    place: Place,
}

/// A build's use of the cache: what the previous build left, and the cache being written.
pub(super) struct Session {
    pub previous: Option<Previous>,
    /// Each incident folder's stamp, in the order of the build's folders.
    pub stamps: Vec<Option<Stamp>>,
    key: String,
    path: PathBuf,
    next: Mutex<Option<std::io::BufWriter<tempfile::NamedTempFile>>>,
    /// The hash of this build's briefs (see [`Trailer::briefs`]), once known.
    briefs: std::sync::OnceLock<String>,
    /// The search's shards whose words changed in an incident drawn in this build; `None`
    /// when that is not known of some incident (one new, or not in the cache).
    shards: Mutex<Option<std::collections::BTreeSet<char>>>,
    /// Held until the cache is written: another build of the site waits for it.
    _lock: std::fs::File,
}

impl Session {
    /// The cache of a build of `dirs` into `out` with `key`; `None` when there is no cache
    /// folder or it cannot be written.
    pub fn start(path: PathBuf, key: String, dirs: &[PathBuf], out: &Path) -> Option<Session> {
        use rayon::prelude::*;
        let parent = path.parent()?;
        std::fs::create_dir_all(parent).ok()?;
        // One build of a site at a time: another waits, then finds this one's cache.
        let lock = std::fs::File::create(path.with_extension("lock")).ok()?;
        if let Err(std::fs::TryLockError::WouldBlock) = lock.try_lock() {
            eprintln!("waiting for another build of {} to finish", out.display());
            lock.lock().ok()?;
        }
        let next = tempfile::Builder::new()
            .prefix(TEMPORARY)
            .suffix(".tmp")
            .tempfile_in(parent)
            .ok()?;
        let now = std::time::SystemTime::now();
        let stamps = dirs.par_iter().map(|d| stamp::stamp(d, now)).collect();
        let previous = out
            .join(super::MARKER)
            .is_file()
            .then(|| Previous::open(&path, &key, out))
            .flatten()
            .filter(|p| p.folders_as_left(out));
        Some(Session {
            previous,
            stamps,
            key,
            path,
            next: Mutex::new(Some(std::io::BufWriter::new(next))),
            briefs: std::sync::OnceLock::new(),
            shards: Mutex::new(Some(Default::default())),
            _lock: lock,
        })
    }

    /// Marks the cache as used, though not written: caches unused for long are removed.
    pub fn touch(&self) {
        if let Ok(file) = std::fs::File::options().write(true).open(&self.path) {
            let _ = file.set_modified(std::time::SystemTime::now());
        }
    }

    /// The brief the previous build recorded for the incident `i` at `dir`, when its folder is
    /// as it was then.
    pub fn known_brief(&self, i: usize, dir: &Path) -> Option<Option<Brief>> {
        let previous = self.previous.as_ref()?;
        let brief = previous.brief(dir, self.stamps.get(i)?.as_ref())?;
        Some(brief.cloned())
    }

    /// Notes what relates the archive's incidents in this build: `briefs`, in the order of
    /// the build's folders.
    pub fn note_briefs<'a>(&self, briefs: impl Iterator<Item = Option<&'a Brief>>) {
        let briefs: Vec<_> = briefs.collect();
        if let Ok(json) = serde_json::to_vec(&briefs) {
            let _ = self.briefs.set(short_hash(&json));
        }
    }

    /// Notes the search's part of the record of the incident at `dir`, drawn in this build (or
    /// that it has none to note): the shards whose words it changed since the previous build.
    pub fn note_search(&self, dir: &Path, search: Option<&[u8]>) {
        let parse = |bytes: &[u8]| serde_json::from_slice::<record::Search>(bytes).ok();
        let was = self.previous.as_ref().and_then(|p| {
            let place = p.lines.get(dir)?.place;
            let bytes = p.bytes(place).ok()?;
            parse(&bytes[place.search..place.sum - 1])
        });
        let changed = match (was, search.and_then(parse)) {
            (Some(was), Some(now)) => {
                let was: HashMap<&str, u8> = was.weights().collect();
                let now: HashMap<&str, u8> = now.weights().collect();
                let differ = |a: &HashMap<&str, u8>, b: &HashMap<&str, u8>| {
                    a.iter()
                        .filter(|(w, n)| b.get(*w) != Some(*n))
                        .map(|(w, _)| crate::site::search::shard(w))
                        .collect::<Vec<char>>()
                };
                Some([differ(&was, &now), differ(&now, &was)].concat())
            }
            _ => None,
        };
        let mut shards = self
            .shards
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match (shards.as_mut(), changed) {
            (Some(shards), Some(changed)) => shards.extend(changed),
            _ => *shards = None,
        }
    }

    /// The search's shards whose words changed in some incident since the previous build;
    /// `None` when that is not known.
    pub fn changed_shards(&self) -> Option<std::collections::BTreeSet<char>> {
        self.shards
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Whether every incident's brief is as in the previous build: then so is every report's
    /// list of related incidents.
    fn briefs_as_before(&self) -> bool {
        let before = self.previous.as_ref().and_then(|p| p.briefs.as_ref());
        before.is_some() && before == self.briefs.get()
    }

    fn write(&self, bytes: &[u8]) {
        let mut next = self
            .next
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(file) = next.as_mut()
            && file.write_all(bytes).is_err()
        {
            *next = None;
        }
    }

    /// The incident `i` (at `dir`, its files below `incidents/<id>/`) as the previous build
    /// drew it, when nothing it shows has changed: its files are taken from the previous site.
    pub fn reuse(
        &self,
        i: usize,
        dir: &Path,
        related: impl FnOnce(&Brief) -> Vec<RelatedView>,
        out: &dyn super::Output,
    ) -> Option<Reused> {
        let previous = self.previous.as_ref()?;
        let line = previous.lines.get(dir)?;
        let stamp = self.stamps.get(i)?.as_ref()?;
        let brief = line.head.brief.as_ref()?;
        if line.head.stamp != stamp.hash
            || (!self.briefs_as_before() && line.head.related != related_hash(&related(brief)))
        {
            return None;
        }
        let bytes = previous.bytes(line.place).ok()?;
        let id = crate::load::incident_id(dir);
        let kept = INCIDENT_FILES
            .iter()
            .zip(line.head.files)
            .all(|(name, stamp)| out.keep(&format!("incidents/{id}/{name}"), stamp));
        if !kept {
            return None;
        }
        self.write(&bytes);
        Some(Reused {
            sums: line.head.sums,
            place: line.place,
        })
    }

    /// The search entry of a reused incident; its words go to `postings`.
    pub fn search(&self, reused: &Reused, postings: &Postings) -> anyhow::Result<Entry> {
        let read = || -> anyhow::Result<Entry> {
            let (_, search) = self.parts(reused)?;
            Ok(serde_json::from_slice::<record::Search>(&search)?.entry(postings))
        };
        read().map_err(|e| self.damaged(e))
    }

    /// The digest of a reused incident: its action items go to `spill`, its words to
    /// `postings`. Without `items`, it has no action items and no factors (for pages that
    /// show neither), and those are not read.
    pub fn digest(
        &self,
        reused: &Reused,
        spill: &Arc<Spill>,
        postings: &Postings,
        items: bool,
    ) -> anyhow::Result<Digest> {
        let read = || -> anyhow::Result<Digest> {
            let (pages, search) = self.parts(reused)?;
            let search = serde_json::from_slice::<record::Search>(&search)?.entry(postings);
            if items {
                return serde_json::from_slice::<record::Pages>(&pages)?.digest(search, spill);
            }
            let none = super::digest::Actions::none(spill)?;
            serde_json::from_slice::<record::Light>(&pages)?.digest(search, none, Vec::new())
        };
        read().map_err(|e| self.damaged(e))
    }

    /// An error reading the previous build's cache, saying what to do.
    fn damaged(&self, e: anyhow::Error) -> anyhow::Error {
        anyhow::anyhow!(
            "reading the build cache {}: {e:#}; nothing was written. Remove that file and build again",
            self.path.display()
        )
    }

    /// A reused incident's two parts, read again from the previous build's cache.
    fn parts(&self, reused: &Reused) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
        let previous = self
            .previous
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no previous build"))?;
        let place = reused.place;
        let bytes = previous.bytes(place)?;
        let pages = bytes[place.pages..place.search - 1].to_vec();
        let search = bytes[place.search..place.sum - 1].to_vec();
        Ok((pages, search))
    }

    /// What the archive's records came to in the previous build, part by part.
    pub fn previous_totals(&self) -> Option<Sums> {
        self.previous.as_ref().and_then(|p| p.totals)
    }

    /// The files the previous build's archive-wide pages named `group` made, with their
    /// stamps; `None` when it did not say.
    pub fn previous_owned(&self, group: &str) -> Option<Vec<(&str, FileStamp)>> {
        let previous = self.previous.as_ref()?;
        let (_, rels) = previous.owners.iter().find(|(g, _)| g == group)?;
        let stamps: HashMap<&str, FileStamp> = previous
            .pages
            .iter()
            .map(|(rel, stamp)| (rel.as_str(), *stamp))
            .collect();
        rels.iter()
            .map(|rel| Some((rel.as_str(), *stamps.get(rel.as_str())?)))
            .collect()
    }

    /// Removes the previous build's cache, before the site it describes is changed in place;
    /// the previous site's files other than the incidents' own.
    pub fn forget(&self) -> Vec<(String, FileStamp)> {
        let _ = std::fs::remove_file(&self.path);
        self.previous_pages().to_vec()
    }

    /// The previous site's files other than the incidents' own, with their lengths.
    pub fn previous_pages(&self) -> &[(String, FileStamp)] {
        self.previous.as_ref().map_or(&[], |p| &p.pages)
    }

    /// Records the incident `i`, drawn in this build, when it may be cached.
    pub fn record(&self, i: usize, head: impl FnOnce(String) -> Option<Head>, record: &Encoded) {
        let Some(Some(stamp)) = self.stamps.get(i) else {
            return;
        };
        if !stamp.settled {
            return;
        }
        let Some(head) = head(stamp.hash.clone()) else {
            return;
        };
        let Ok(mut line) = serde_json::to_vec(&head) else {
            return;
        };
        line.push(b'\t');
        line.extend_from_slice(&record.pages);
        line.push(b'\t');
        line.extend_from_slice(&record.search);
        let sum = line_sum(&line);
        line.push(b'\t');
        line.extend_from_slice(sum.as_bytes());
        line.push(b'\n');
        self.write(&line);
    }

    /// The stamps of `folders` below `site`: a folder this build did not change (not in
    /// `touched`, when the build was in place) keeps the stamp it had, the rest are read. One
    /// that cannot be read gets a stamp no folder has, so the next build does not trust the
    /// site.
    fn folder_stamps(
        &self,
        site: &Path,
        folders: std::collections::HashSet<String>,
        touched: Option<&std::collections::HashSet<String>>,
    ) -> Vec<(String, (u64, i64))> {
        use rayon::prelude::*;
        let before: HashMap<&str, (u64, i64)> = match (touched, &self.previous) {
            (Some(_), Some(previous)) => previous
                .folders
                .iter()
                .map(|(rel, stamp)| (rel.as_str(), *stamp))
                .collect(),
            _ => HashMap::new(),
        };
        folders
            .into_par_iter()
            .map(|rel| {
                let kept = before
                    .get(rel.as_str())
                    .filter(|_| !touched.is_some_and(|t| t.contains(&rel)));
                let stamp = kept
                    .copied()
                    .or_else(|| folder_stamp(&site.join(&rel)))
                    .unwrap_or((0, i64::MIN));
                (rel, stamp)
            })
            .collect()
    }

    /// Puts the cache in place for the next build, once the site (`site`, known to
    /// [`identity`] as `out` before it took the output folder's place) is there as the build
    /// `left` it.
    pub fn finish(
        self,
        out: Option<(u64, u64, i64)>,
        site: &Path,
        left: super::Left,
        totals: Option<Sums>,
        owners: Vec<(String, Vec<String>)>,
    ) -> anyhow::Result<()> {
        let folders = self.folder_stamps(site, left.folders, left.touched.as_ref());
        let next = self
            .next
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(mut next) = next else {
            anyhow::bail!("writing {} failed", self.path.display());
        };
        let Some(out) = out else {
            return Ok(());
        };
        let trailer = Trailer {
            key: self.key,
            out,
            totals,
            owners,
            briefs: self.briefs.into_inner(),
            folders,
            pages: left.pages,
        };
        serde_json::to_writer(&mut next, &trailer)?;
        next.write_all(b"\n")?;
        let file = next.into_inner().map_err(|e| e.into_error())?;
        file.persist(&self.path)?;
        if let Some(dir) = self.path.parent() {
            prune(dir);
        }
        Ok(())
    }
}

/// What a cache being written is named first.
const TEMPORARY: &str = ".debrief-site-";

/// Whether `name` is a site's cache: `site-` and 32 hexadecimal digits, `.cache`.
fn is_cache_name(name: &str) -> bool {
    name.strip_prefix("site-")
        .and_then(|n| n.strip_suffix(".cache").or_else(|| n.strip_suffix(".lock")))
        .is_some_and(|hash| hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Removes the caches (and their locks) of sites not built for [`KEEP_DAYS`] days (an output
/// folder long gone, or a test's), and files left for an hour by a build that was stopped
/// while writing its cache (a build writing one touches it all along).
fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // Only debrief's own files: the folder may hold others'.
        let keep = if is_cache_name(&name) {
            KEEP_DAYS * 24 * 3600
        } else if name.starts_with(TEMPORARY) && name.ends_with(".tmp") {
            3600
        } else {
            continue;
        };
        let age = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok());
        if age.is_some_and(|age| age.as_secs() > keep) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_incidents_own_files_are_told_from_the_rest() {
        assert!(incident_file("incidents/2026-11-03-x/index.html"));
        assert!(incident_file("incidents/2026-11-03-x/flow-narrow.svg"));
        assert!(!incident_file("incidents/index.md"));
        assert!(!incident_file("incidents/2026-11-03-x/other.html"));
        assert!(!incident_file("index.html"));
        assert!(!incident_file("incidents/a/b/index.html"));
    }
}
