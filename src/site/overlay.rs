//! A rebuild in place: the build cache vouches for the output folder as its previous build
//! left it, so only the files that change are written, and the rest are not touched at all.
//!
//! Nothing in the site changes until the whole build has succeeded. A file that comes out
//! differently is written to a staging folder beside the site; a file that comes out the same
//! stays as it is (its inode and modification time too, so a deploy by rsync or HTTP caching
//! sees it unchanged). Once every page is drawn, each staged file is renamed over its place
//! (one atomic step per file: a reader never sees half a file, and a file hard-linked
//! elsewhere, as in a `cp -al` snapshot, is never written into), then the files of the
//! previous site that this build did not make are removed: an incident's folder when the
//! incident is gone, and the archive-wide pages that no longer exist (a tag no incident has
//! any more).
//!
//! The cache vouches for every folder of the site by its inode and modification time, so a file
//! added or removed by hand, or a folder replaced by a link, makes the build a whole one: an
//! in-place build writes only into folders it made.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::Context as _;

use super::output::{FileStamp, Left, Output, add_folders, with_parent, write_new};

/// The files of a build in place: the site, and where its changed files wait.
pub struct Overlay {
    site: PathBuf,
    staging: PathBuf,
    /// Every file this build makes, with its stamp once in place (a rename keeps it).
    made: Mutex<HashMap<String, FileStamp>>,
    /// The files written to the staging folder, to be renamed into the site.
    changed: Mutex<HashSet<String>>,
}

impl Overlay {
    pub fn new(site: PathBuf, staging: PathBuf) -> Overlay {
        Overlay {
            site,
            staging,
            made: Mutex::default(),
            changed: Mutex::default(),
        }
    }

    fn made(&self) -> std::sync::MutexGuard<'_, HashMap<String, FileStamp>> {
        self.made
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn changed(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.changed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How many files the site has once this build is in place.
    pub fn files(&self) -> usize {
        self.made().len()
    }

    /// Whether the site's `rel` holds exactly `bytes`; its stamp if so.
    fn same(&self, rel: &str, bytes: &[u8]) -> Option<FileStamp> {
        let path = self.site.join(rel);
        let stamp = FileStamp::at(&path).filter(|s| s.len == bytes.len() as u64)?;
        std::fs::read(&path)
            .is_ok_and(|b| b == bytes)
            .then_some(stamp)
    }

    /// Checks that every folder this build would write into or remove from is a folder, not a
    /// symbolic link put in the site since (one the cache could not see, as a new incident's
    /// folder is not in it): the build writes through none.
    pub fn check(&self, previous_pages: &[(String, FileStamp)]) -> anyhow::Result<()> {
        let changed = self.changed();
        let obsolete = previous_pages.iter().map(|(rel, _)| rel);
        let mut folders = HashSet::new();
        for rel in changed.iter().chain(obsolete) {
            add_folders(&mut folders, rel);
        }
        folders.insert("incidents".to_owned());
        for rel in folders {
            let path = self.site.join(&rel);
            match std::fs::symlink_metadata(&path) {
                Ok(meta) if !meta.is_dir() => anyhow::bail!(
                    "{} is not a folder the build made (a link, or a file); the site was left as it was, and the next build replaces it whole",
                    path.display()
                ),
                _ => {}
            }
        }
        Ok(())
    }

    /// Puts the staged files in place and removes what the previous build made that this one
    /// did not (`previous_pages`: its files other than the incidents' own); the site as this
    /// build left it.
    pub fn commit(self, previous_pages: &[(String, FileStamp)]) -> anyhow::Result<Left> {
        let made = self
            .made
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let changed = self
            .changed
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let site = &self.site;
        // The folders whose entries this build changes: any a file is moved into or removed
        // from, and the ones above those (a folder made or removed in them).
        let mut touched = HashSet::new();
        for rel in &changed {
            add_folders(&mut touched, rel);
        }
        for rel in &changed {
            let (from, to) = (self.staging.join(rel), site.join(rel));
            with_parent(&to, || std::fs::rename(&from, &to))
                .with_context(|| format!("moving the new {} into place", to.display()))?;
        }
        // Archive-wide pages no longer made, and the folders they leave empty.
        for (rel, _) in previous_pages {
            if made.contains_key(rel) {
                continue;
            }
            add_folders(&mut touched, rel);
            let path = site.join(rel);
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e).with_context(|| format!("removing {}", path.display()));
                }
                _ => {}
            }
            for folder in path.ancestors().skip(1) {
                if folder == site.as_path() || std::fs::remove_dir(folder).is_err() {
                    break;
                }
            }
        }
        // The folders of incidents no longer in the archive.
        let kept: HashSet<&str> = made
            .keys()
            .filter_map(|rel| rel.strip_prefix("incidents/")?.split_once('/'))
            .map(|(id, _)| id)
            .collect();
        let incidents = site.join("incidents");
        if let Ok(entries) = std::fs::read_dir(&incidents) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                if is_dir && !kept.contains(name.to_string_lossy().as_ref()) {
                    touched.insert("incidents".to_owned());
                    std::fs::remove_dir_all(entry.path())
                        .with_context(|| format!("removing {}", entry.path().display()))?;
                }
            }
            // No incidents left: a clean build has no such folder.
            if kept.is_empty() {
                let _ = std::fs::remove_dir(&incidents);
            }
        }
        std::fs::remove_dir_all(&self.staging)
            .with_context(|| format!("removing {}", self.staging.display()))?;
        let mut folders = HashSet::new();
        for rel in made.keys() {
            add_folders(&mut folders, rel);
        }
        let pages = made
            .into_iter()
            .filter(|(rel, _)| !super::cache::incident_file(rel))
            .collect();
        Ok(Left {
            pages,
            folders,
            touched: Some(touched),
        })
    }
}

impl Output for Overlay {
    fn put(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        // Once staged, a file written again in this build is staged again.
        if !self.changed().contains(rel)
            && let Some(stamp) = self.same(rel, bytes)
        {
            self.made().insert(rel.to_owned(), stamp);
            return Ok(());
        }
        let path = self.staging.join(rel);
        let (_, stamp) =
            write_new(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        // A file without a stamp is never taken as it is next time: it is written again.
        let stamp = stamp.unwrap_or(FileStamp {
            len: u64::MAX,
            modified: 0,
        });
        self.changed().insert(rel.to_owned());
        self.made().insert(rel.to_owned(), stamp);
        Ok(())
    }

    fn keep(&self, rel: &str, stamp: FileStamp) -> bool {
        if self.changed().contains(rel) || FileStamp::at(&self.site.join(rel)) != Some(stamp) {
            return false;
        }
        self.made().insert(rel.to_owned(), stamp);
        true
    }

    fn stamp_of(&self, rel: &str) -> Option<FileStamp> {
        self.made().get(rel).copied()
    }
}
