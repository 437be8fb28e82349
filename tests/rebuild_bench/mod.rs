//! What the rebuild tests share: an archive to change, its site, and how to compare a rebuilt
//! site with a clean build's.

#![allow(dead_code)] // Each rebuild test crate uses a different subset.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{self, root, scratch, transcript};

/// An archive to change, its output folder, and the cache folder its builds share.
pub struct Bench {
    _tmp: tempfile::TempDir,
    pub archive: PathBuf,
    pub out: PathBuf,
    pub cache: PathBuf,
    pub tmp: PathBuf,
}

/// Sets every file below `dir` to have been modified an hour ago, as files are that were not
/// just written: a build does not trust a file modified in the last seconds to stay as read.
pub fn settle(dir: &Path) {
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for file in common::files(dir) {
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
    }
}

pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Every file of a site by its path inside it, with its bytes.
pub fn site(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    common::files(dir)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (rel, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// Every folder below `dir`, by its path inside it: a rebuild leaves no empty one behind.
pub fn folders(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                found.push(
                    path.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
                stack.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The names beside the site that start with a dot: what a build left behind.
pub fn beside(bench: &Bench) -> Vec<String> {
    std::fs::read_dir(&bench.tmp)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// Every file of a site by its path, with its inode and modification time.
pub fn identities(dir: &Path) -> BTreeMap<String, (u64, std::time::SystemTime)> {
    use std::os::unix::fs::MetadataExt as _;
    common::files(dir)
        .into_iter()
        .map(|p| {
            let meta = std::fs::metadata(&p).unwrap();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (rel, (meta.ino(), meta.modified().unwrap()))
        })
        .collect()
}

impl Bench {
    /// The quarter's fourteen incidents, settled, built once.
    pub fn new() -> Bench {
        let tmp = scratch();
        let archive = tmp.path().join("archive");
        copy_tree(&root().join("tests/fixtures/quarter"), &archive);
        settle(&archive);
        let bench = Bench {
            archive,
            out: tmp.path().join("site"),
            cache: tmp.path().join("cache"),
            tmp: tmp.path().to_path_buf(),
            _tmp: tmp,
        };
        let first = bench.build(&[]);
        assert!(first.contains("Built "), "{first}");
        assert!(!first.contains("unchanged"), "{first}");
        bench
    }

    pub fn incidents(&self) -> PathBuf {
        self.archive.join("incidents")
    }

    /// Runs `bin build` of the archive into the bench's output folder, with the cache folder
    /// `cache` (empty: none).
    fn run(&self, bin: &Path, cache: &Path, extra: &[&str]) -> Output {
        std::process::Command::new(bin)
            .current_dir(root())
            .env("NO_COLOR", "1")
            .env("TZ", "UTC")
            .env("DEBRIEF_CACHE_DIR", cache)
            .args(["build", self.incidents().to_str().unwrap(), "--out"])
            .arg(&self.out)
            .args(["--today", "2026-11-26"])
            .args(extra)
            .output()
            .unwrap()
    }

    /// Builds the archive into the bench's output folder, with its cache; the stderr.
    pub fn build_with(&self, bin: &Path, extra: &[&str]) -> String {
        ok(&self.run(bin, &self.cache, extra))
    }

    pub fn build(&self, extra: &[&str]) -> String {
        self.build_with(Path::new(env!("CARGO_BIN_EXE_debrief")), extra)
    }

    /// The site a build with no previous output and no cache makes, with `extra` arguments.
    pub fn clean(&self, extra: &[&str]) -> BTreeMap<String, Vec<u8>> {
        let out = self.tmp.join("clean");
        let _ = std::fs::remove_dir_all(&out);
        let output = common::debrief(&root())
            .env("DEBRIEF_CACHE_DIR", "")
            .args(["build", self.incidents().to_str().unwrap(), "--out"])
            .arg(&out)
            .args(["--today", "2026-11-26"])
            .args(extra)
            .output()
            .unwrap();
        ok(&output);
        site(&out)
    }

    /// Rebuilds, checks the site against a clean build's, and returns what the build said.
    pub fn rebuild_matches_clean(&self, extra: &[&str], change: &str) -> String {
        let said = self.build(extra);
        let (rebuilt, clean) = (site(&self.out), self.clean(extra));
        assert_eq!(
            rebuilt.keys().collect::<Vec<_>>(),
            clean.keys().collect::<Vec<_>>(),
            "after {change}: the same files"
        );
        for (rel, bytes) in &rebuilt {
            assert!(
                bytes == &clean[rel],
                "after {change}: {rel} differs from a clean build's"
            );
        }
        assert_eq!(
            folders(&self.out),
            folders(&self.tmp.join("clean")),
            "after {change}: the same folders"
        );
        assert!(
            beside(self).is_empty(),
            "after {change}: {:?}",
            beside(self)
        );
        said
    }

    /// Builds with the cache folder `cache` (empty: none), expecting the build to fail; the
    /// stderr.
    pub fn build_failing(&self, cache: &Path) -> String {
        self.build_failing_with(cache, &[])
    }

    pub fn build_failing_with(&self, cache: &Path, extra: &[&str]) -> String {
        let output = self.run(Path::new(env!("CARGO_BIN_EXE_debrief")), cache, extra);
        assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    /// The cache files in the bench's cache folder.
    pub fn caches(&self) -> Vec<PathBuf> {
        common::files(&self.cache)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "cache"))
            .collect()
    }

    /// Writes the notes of the incident [`NOTES_EDITED`], and settles them.
    pub fn write_notes(&self, text: &str) {
        let dir = self.incidents().join(NOTES_EDITED);
        std::fs::write(dir.join("notes.md"), text).unwrap();
        settle(&dir);
    }

    /// Edits `file` of the incident `id` with `edit`, and settles it.
    pub fn edit(&self, id: &str, file: &str, edit: impl FnOnce(String) -> String) {
        let path = self.incidents().join(id).join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let changed = edit(text.clone());
        assert!(changed != text, "the edit of {id}/{file} changes it");
        std::fs::write(&path, changed).unwrap();
        settle(&self.incidents().join(id));
    }
}

pub fn ok(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(0), "{}", transcript(output));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// How many incidents the build said it kept from the last one.
pub fn kept(said: &str) -> usize {
    said.split_once(" unchanged, kept")
        .and_then(|(before, _)| before.rsplit_once('(')?.1.parse().ok())
        .unwrap_or(0)
}

pub const NOTES_EDITED: &str = "2026-10-08-edge-tls-expiry";
pub const TITLE_EDITED: &str = "2026-09-15-checkout-pool-exhaustion";
