//! The previous build's cache, read back: which incidents it drew, and the site as it left it.

use std::collections::HashMap;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};

use super::stamp::{Stamp, folder_stamp, identity};
use super::{Head, INCIDENT_FILES, Sums, Trailer, line_sum};
use crate::site::output::FileStamp;
use crate::site::related::Brief;

/// Where an incident's record is in the previous build's cache: its line (where it starts,
/// its length with the newline) and where in the line its two parts and its checksum start.
#[derive(Clone, Copy)]
pub(super) struct Place {
    pub at: u64,
    pub len: usize,
    pub pages: usize,
    pub search: usize,
    pub sum: usize,
}

/// An incident in the previous build's cache.
pub(super) struct Line {
    pub head: Head,
    pub place: Place,
}

/// The previous build's cache, read when it describes the site at the output folder.
pub(in crate::site) struct Previous {
    file: std::fs::File,
    pub(super) lines: HashMap<PathBuf, Line>,
    pub(super) pages: Vec<(String, FileStamp)>,
    pub(super) totals: Option<Sums>,
    pub(super) owners: Vec<(String, Vec<String>)>,
    pub(super) briefs: Option<String>,
    pub(super) folders: Vec<(String, (u64, i64))>,
}

impl Previous {
    /// The cache at `path`, when it was written with `key` for the folder at `out` as it is.
    pub fn open(path: &Path, key: &str, out: &Path) -> Option<Previous> {
        let file = std::fs::File::open(path).ok()?;
        let mut reader = std::io::BufReader::new(&file);
        let mut lines = HashMap::new();
        let mut trailer = None;
        let mut at = 0u64;
        let mut line = Vec::new();
        loop {
            line.clear();
            let len = reader.read_until(b'\n', &mut line).ok()?;
            if len == 0 {
                break;
            }
            if line.last() != Some(&b'\n') || trailer.is_some() {
                // Cut short, or written by something else.
                return None;
            }
            let mut tabs = memchr::memchr_iter(b'\t', &line);
            match (tabs.next(), tabs.next(), tabs.next(), tabs.next()) {
                (Some(first), Some(second), Some(third), None) => {
                    if line_sum(&line[..third]).as_bytes() != &line[third + 1..len - 1] {
                        return None;
                    }
                    let head: Head = serde_json::from_slice(&line[..first]).ok()?;
                    let place = Place {
                        at,
                        len,
                        pages: first + 1,
                        search: second + 1,
                        sum: third + 1,
                    };
                    lines.insert(head.dir.clone(), Line { head, place });
                }
                (None, ..) => trailer = Some(serde_json::from_slice::<Trailer>(&line).ok()?),
                _ => return None,
            }
            at += len as u64;
        }
        let trailer = trailer?;
        (trailer.key == key && Some(trailer.out) == identity(out)).then_some(Previous {
            file,
            lines,
            pages: trailer.pages,
            totals: trailer.totals,
            owners: trailer.owners,
            briefs: trailer.briefs,
            folders: trailer.folders,
        })
    }

    /// Whether every folder of the site at `out` is as the build left it.
    pub(super) fn folders_as_left(&self, out: &Path) -> bool {
        use rayon::prelude::*;
        self.folders
            .par_iter()
            .all(|(rel, stamp)| folder_stamp(&out.join(rel)) == Some(*stamp))
    }

    /// The brief recorded for the incident at `dir` with the stamp `stamp`.
    pub fn brief(&self, dir: &Path, stamp: Option<&Stamp>) -> Option<Option<&Brief>> {
        let line = self.lines.get(dir)?;
        (Some(line.head.stamp.as_str()) == stamp.map(|s| s.hash.as_str()))
            .then_some(line.head.brief.as_ref())
    }

    pub(super) fn bytes(&self, place: Place) -> std::io::Result<Vec<u8>> {
        let mut bytes = vec![0; place.len];
        #[cfg(unix)]
        std::os::unix::fs::FileExt::read_exact_at(&self.file, &mut bytes, place.at)?;
        #[cfg(not(unix))]
        return Err(std::io::ErrorKind::Unsupported.into());
        Ok(bytes)
    }

    /// Whether the site at `out` is exactly what a build of the incidents at `dirs`, with
    /// these stamps, would write.
    pub fn unchanged(&self, dirs: &[PathBuf], stamps: &[Option<Stamp>], out: &Path) -> bool {
        let as_left = |rel: &str, stamp: FileStamp| FileStamp::at(&out.join(rel)) == Some(stamp);
        dirs.len() == self.lines.len()
            && dirs.iter().zip(stamps).all(|(dir, stamp)| {
                let (Some(line), Some(stamp)) = (self.lines.get(dir), stamp) else {
                    return false;
                };
                let id = crate::load::incident_id(dir);
                line.head.stamp == stamp.hash
                    && INCIDENT_FILES
                        .iter()
                        .zip(line.head.files)
                        .all(|(name, stamp)| as_left(&format!("incidents/{id}/{name}"), stamp))
            })
            && self.pages.iter().all(|(rel, stamp)| as_left(rel, *stamp))
    }
}
