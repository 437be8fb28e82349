//! The only writer of incident files: the meeting's journal and the format-preserving,
//! atomic write-back into `incident.toml`.
//!
//! The rules (docs/serve.md, "Nothing accepted is lost"):
//! 1. an operation is appended to the journal and fsynced before it is acknowledged;
//! 2. it is then applied to `incident.toml` with toml_edit, through a temporary file and an
//!    atomic rename, after checking that the file did not change since it was read;
//! 3. edits are idempotent, and the whole meeting is replayed onto the file whenever it was
//!    changed by someone else, and on start.

pub mod details;
pub mod edit;
pub mod journal;
mod layout;

pub use details::{DetailChanges, PersonDetail};

use std::fs;
use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml_edit::DocumentMut;

use crate::model::{ActionKind, ActionStatus, Category, Kind, LessonKind, Phase, Priority};
pub use journal::{Journal, Record};

/// One of the lists of `incident.toml` whose elements have ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum List {
    Timeline,
    Factors,
    Actions,
}

impl List {
    pub fn key(self) -> &'static str {
        match self {
            List::Timeline => "timeline",
            List::Factors => "factors",
            List::Actions => "actions",
        }
    }

    pub fn parse(word: &str) -> Option<List> {
        match word {
            "timeline" => Some(List::Timeline),
            "factors" => Some(List::Factors),
            "actions" => Some(List::Actions),
            _ => None,
        }
    }
}

/// A timeline entry added during the meeting. `at` is a TOML datetime, already in the
/// incident's zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEntry {
    pub id: String,
    pub at: String,
    pub text: String,
    pub kind: Kind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lane: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewFactor {
    pub id: String,
    pub text: String,
    pub category: Category,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAction {
    pub id: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// A TOML local date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    pub status: ActionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ActionKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub factors: Vec<String>,
    /// A link to the action in a tracker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
}

/// Fields of a timeline entry to change; `None` leaves a field alone, and an empty `lane`
/// removes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntryChanges {
    /// RFC 3339, as the meeting writes times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lane: Option<String>,
}

/// Fields of an action to change; `None` leaves a field alone, and an empty string removes an
/// optional one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActionChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ActionStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ActionKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// The day the action became done, `YYYY-MM-DD`; set with the status, never by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_on: Option<String>,
}

impl ActionChanges {
    /// Records the day an action becomes done, and forgets it when the action is opened again.
    pub fn date_done(mut self, today: jiff::civil::Date) -> ActionChanges {
        self.done_on = match self.status {
            Some(crate::model::ActionStatus::Done) => Some(today.to_string()),
            Some(_) => Some(String::new()),
            None => self.done_on,
        };
        self
    }
}

/// An accepted meeting operation, as journaled. Each carries its final values, so applying it
/// needs nothing else and gives the same file every time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Op {
    /// A participant joined. `token` is the SHA-256 of their token, never the token itself.
    Join {
        participant: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        token: String,
        /// The name is that of someone in `[[people]]`, and nobody checked it is them.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        unverified: bool,
        /// The name came from the team's sign-in, through a trusted proxy.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        verified: bool,
    },
    /// The facilitator removed a participant: their token stops working. What they added
    /// stays.
    Remove {
        participant: String,
    },
    AddEntry(NewEntry),
    AddFactor(NewFactor),
    AddAction(NewAction),
    UpdateAction {
        id: String,
        #[serde(flatten)]
        changes: ActionChanges,
    },
    /// A change to an action of another incident of the archive, carried into this meeting.
    /// It is journaled here and written into that incident's file.
    Carried {
        incident: String,
        id: String,
        #[serde(flatten)]
        changes: ActionChanges,
    },
    /// A timeline entry corrected: its time, kind, lane or text.
    UpdateEntry {
        id: String,
        #[serde(flatten)]
        changes: EntryChanges,
    },
    /// A lesson added to `[lessons]`: the list of `kind` holds `text`. Lessons in the file are
    /// plain strings; the id is the meeting's name for it.
    AddLesson {
        id: String,
        kind: LessonKind,
        text: String,
    },
    /// The lesson `from` of `kind` now says `to`.
    EditLesson {
        kind: LessonKind,
        from: String,
        to: String,
    },
    /// The lesson `text` of `kind` is gone.
    DeleteLesson {
        kind: LessonKind,
        text: String,
    },
    /// A participant's feedback on the meeting. The id is random and stands for the
    /// participant only in the journal (`by`), never in the file.
    Feedback {
        id: String,
        rating: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// A typo fixed in the text of an entry or a factor.
    EditText {
        list: List,
        id: String,
        text: String,
    },
    /// `participant` now has `count` votes on `factor`.
    Vote {
        factor: String,
        participant: String,
        count: u32,
    },
    /// Adds `to` to the list `key` of the element `from` of `list`.
    Link {
        list: List,
        from: String,
        key: String,
        to: String,
    },
    Unlink {
        list: List,
        from: String,
        key: String,
        to: String,
    },
    Delete {
        list: List,
        id: String,
    },
    /// The phase, and the timer's end in Unix milliseconds.
    Phase {
        phase: Phase,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ends_at: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seconds: Option<u32>,
    },
    Reveal {
        revealed: bool,
    },
    /// The facilitator changed the incident record in the Details view.
    SetDetails {
        #[serde(flatten)]
        changes: DetailChanges,
    },
    /// The meeting ended cleanly; hand edits after this are final.
    End,
}

/// Why the file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {cause}")]
    Io { path: PathBuf, cause: io::Error },
    /// The file does not parse as TOML now; the meeting's changes wait in the journal until it
    /// does.
    #[error(
        "{path} is not valid TOML right now; the meeting's changes are kept in the journal and applied once it is fixed"
    )]
    Broken { path: PathBuf },
    #[error(
        "{path} kept changing while debrief tried to write it; the changes are kept in the journal"
    )]
    Busy { path: PathBuf },
}

/// The result of a write-back: the file's text now, and whether debrief changed it.
#[derive(Debug)]
pub struct Written {
    pub text: String,
    pub changed: bool,
}

/// Journal lines that could not be read: (line number, reason).
pub type Unreadable = Vec<(usize, String)>;

/// The journal side of an incident: numbers, appends and fsyncs accepted operations.
#[derive(Debug)]
pub struct Store {
    journal: Journal,
    /// Every record ever, for the next sequence number.
    last_seq: u64,
    /// Records since the last clean end of a meeting.
    in_session: usize,
}

/// The file side: brings `incident.toml` up to date with the meeting.
#[derive(Debug)]
pub struct Mirror {
    file: PathBuf,
    /// Everything since the last clean end of a meeting.
    session: Vec<Record>,
    /// How many of `session` the file held when debrief last wrote or checked it.
    applied: usize,
    /// The file as debrief last wrote or checked it.
    known: Option<Version>,
}

/// One version of a file on disk: what it holds, and which file it is. A file that holds
/// the same bytes as debrief's last write is still a person's save when it is another file
/// (`git checkout`, an editor's save by rename) or was written again (an undo, saved in
/// place): the identity tells those apart from debrief's own write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    pub hash: u64,
    /// Device, inode, modification time (ns) and length, where the system has them.
    pub identity: (u64, u64, i128, u64),
}

impl Version {
    /// The version of `bytes`, read from a file whose metadata is `meta`.
    pub fn of(bytes: &[u8], meta: &fs::Metadata) -> Version {
        Version {
            hash: hash(bytes),
            identity: identity(meta),
        }
    }

    /// The version of the file at `path` now.
    pub fn read(path: &Path) -> io::Result<Version> {
        use std::io::Read as _;
        // One open file for both, so they describe the same file.
        let mut file = fs::File::open(path)?;
        let meta = file.metadata()?;
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.read_to_end(&mut bytes)?;
        Ok(Version::of(&bytes, &meta))
    }
}

#[cfg(unix)]
fn identity(meta: &fs::Metadata) -> (u64, u64, i128, u64) {
    use std::os::unix::fs::MetadataExt as _;
    let mtime = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
    (meta.dev(), meta.ino(), mtime, meta.len())
}

#[cfg(not(unix))]
fn identity(meta: &fs::Metadata) -> (u64, u64, i128, u64) {
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128);
    (0, 0, mtime, meta.len())
}

impl Store {
    /// Opens the journal of the incident folder `dir`. The records since the last clean end are
    /// the meeting in progress: the returned [`Mirror`] holds them and replays them onto the file
    /// with its first [`Mirror::write_back`]. Unreadable journal lines come last, to be reported.
    pub fn open(dir: &Path) -> Result<(Store, Mirror, Unreadable), StoreError> {
        let (journal, contents) = Journal::open(dir).map_err(|cause| StoreError::Io {
            path: dir.join(journal::STATE_DIR).join(journal::JOURNAL_FILE),
            cause,
        })?;
        let last_seq = contents.records.last().map_or(0, |r| r.seq);
        let start = contents
            .records
            .iter()
            .rposition(|r| r.op == Op::End)
            .map_or(0, |i| i + 1);
        let session = contents.records[start..].to_vec();
        Ok((
            Store {
                journal,
                last_seq,
                in_session: session.len(),
            },
            Mirror {
                file: dir.join(crate::load::INCIDENT_FILE),
                session,
                applied: 0,
                known: None,
            },
            contents.unreadable,
        ))
    }

    pub fn next_seq(&self) -> u64 {
        self.last_seq + 1
    }

    /// Journals records (numbered from [`Store::next_seq`]) and waits until they are on disk.
    pub fn append(&mut self, records: &[Record]) -> Result<(), StoreError> {
        self.journal
            .append(records)
            .map_err(|cause| StoreError::Io {
                path: self.journal.path().to_path_buf(),
                cause,
            })?;
        if let Some(last) = records.last() {
            self.last_seq = last.seq;
        }
        self.in_session += records.len();
        Ok(())
    }

    /// Records that the meeting ended cleanly, when it changed anything. Call it once the
    /// [`Mirror`] has written everything.
    pub fn end(&mut self) -> Result<(), StoreError> {
        if !self.journal.exists() || self.in_session == 0 {
            return Ok(());
        }
        let record = Record {
            seq: self.next_seq(),
            at: jiff::Timestamp::now().to_string(),
            by: "facilitator".into(),
            key: None,
            op: Op::End,
        };
        self.append(&[record])?;
        self.in_session = 0;
        Ok(())
    }
}

impl Mirror {
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The meeting so far.
    pub fn session(&self) -> &[Record] {
        &self.session
    }

    /// Adds journaled records, for the next write-back.
    pub fn extend(&mut self, records: impl IntoIterator<Item = Record>) {
        self.session.extend(records);
    }

    /// Whether `bytes` is what the file held when debrief last wrote or checked it: a change
    /// event carrying them is debrief's own write.
    pub fn is_known(&self, bytes: &[u8]) -> bool {
        self.known.is_some_and(|k| k.hash == hash(bytes))
    }

    /// The file as debrief last wrote or checked it, for the watcher to tell its own writes
    /// from a person's.
    pub fn known_version(&self) -> Option<Version> {
        self.known
    }

    /// Brings `incident.toml` up to date with the meeting. When the file is as debrief left it,
    /// only the new operations are applied; otherwise (a hand edit, or the first write after a
    /// start) the whole meeting is replayed onto the newest text, which restores anything a
    /// stale editor buffer overwrote and keeps everything else of the edit.
    pub fn write_back(&mut self) -> Result<Written, StoreError> {
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |cause| StoreError::Io { path, cause }
        };
        for _ in 0..20 {
            // The metadata before the bytes: a save in between makes them disagree, and the
            // next change event is then taken for a person's save, which is the safe side.
            let meta = fs::metadata(&self.file).map_err(io_err(&self.file))?;
            let original = fs::read(&self.file).map_err(io_err(&self.file))?;
            let replay_all = !self.is_known(&original);
            let from = if replay_all { 0 } else { self.applied };
            let broken = || StoreError::Broken {
                path: self.file.clone(),
            };
            let text = std::str::from_utf8(&original).map_err(|_| broken())?;
            if from == self.session.len() {
                // Nothing of the meeting to apply: no need to read the document.
                self.known = Some(Version::of(&original, &meta));
                return Ok(Written {
                    text: text.to_owned(),
                    changed: false,
                });
            }
            let mut doc: DocumentMut = text.parse().map_err(|_| broken())?;
            if !doc.contains_key("title") {
                // Empty, or caught half-written by an editor: wait for the next change.
                return Err(broken());
            }
            let mut changed = false;
            for record in &self.session[from..] {
                changed |= edit::apply(&mut doc, &record.op);
            }
            if !changed {
                self.known = Some(Version::of(&original, &meta));
                self.applied = self.session.len();
                return Ok(Written {
                    text: text.to_owned(),
                    changed: false,
                });
            }
            let new = doc.to_string();
            if let Some(written) = replace_if_unchanged(&self.file, &original, new.as_bytes())
                .map_err(io_err(&self.file))?
            {
                self.known = Some(Version::of(new.as_bytes(), &written));
                self.applied = self.session.len();
                return Ok(Written {
                    text: new,
                    changed: true,
                });
            }
            // Someone saved in between: start again from their text.
        }
        Err(StoreError::Busy {
            path: self.file.clone(),
        })
    }

    /// The meeting ended: the next one starts empty.
    pub fn clear(&mut self) {
        self.session.clear();
        self.applied = 0;
    }
}

/// The hash of a file's bytes, as [`Mirror::known_hash`] gives it.
pub fn content_hash(bytes: &[u8]) -> u64 {
    hash(bytes)
}

fn hash(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// Applies `ops` to the `incident.toml` at `path` with toml_edit, keeping its comments and
/// layout, and puts the result in place only when nobody saved the file meanwhile (starting again
/// from their text when someone did). True when the file changed.
pub fn edit_file(path: &Path, ops: &[Op]) -> Result<bool, StoreError> {
    edit_with(path, |doc| {
        let mut changed = false;
        for op in ops {
            changed |= edit::apply(doc, op);
        }
        changed
    })
}

/// Appends a table of `fields` to the list at `key` (`[[metrics]]`, `[[sources]]`) of the
/// `incident.toml` at `path`, in the file's style, unless a table of that list already has the
/// same `path` field. True when the file changed.
pub fn add_to_list(
    path: &Path,
    key: &str,
    fields: &[(&str, toml_edit::Value)],
) -> Result<bool, StoreError> {
    edit_with(path, |doc| edit::add_table(doc, key, fields))
}

/// Changes the document at `path` with `change` (true when it changed anything), as
/// [`edit_file`] does.
fn edit_with(
    path: &Path,
    mut change: impl FnMut(&mut DocumentMut) -> bool,
) -> Result<bool, StoreError> {
    let io_err = |cause| StoreError::Io {
        path: path.to_path_buf(),
        cause,
    };
    for _ in 0..20 {
        let original = fs::read(path).map_err(io_err)?;
        let broken = || StoreError::Broken {
            path: path.to_path_buf(),
        };
        let text = std::str::from_utf8(&original).map_err(|_| broken())?;
        let mut doc: DocumentMut = text.parse().map_err(|_| broken())?;
        if !change(&mut doc) {
            return Ok(false);
        }
        let new = doc.to_string();
        if replace_if_unchanged(path, &original, new.as_bytes())
            .map_err(io_err)?
            .is_some()
        {
            return Ok(true);
        }
    }
    Err(StoreError::Busy {
        path: path.to_path_buf(),
    })
}

/// Writes `new` to a temporary file beside `path`, then renames it over `path`, but only when
/// `path` still holds `expected`. The metadata of the file written, or `None` when `path`
/// changed (nothing is changed then).
///
/// The temporary file has an unpredictable name and is created only when nothing is there
/// (`O_EXCL`, which also refuses a symlink planted under that name), so no one can make this
/// write land somewhere else.
fn replace_if_unchanged(
    path: &Path,
    expected: &[u8],
    new: &[u8],
) -> io::Result<Option<fs::Metadata>> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map_or_else(
        || "incident.toml".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut random = [0u8; 12];
    getrandom::fill(&mut random).map_err(|e| io::Error::other(e.to_string()))?;
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let temp = dir.join(format!(".{name}.debrief-{suffix}.tmp"));
    let mut created = false;
    let result = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        created = true;
        file.write_all(new)?;
        if let Ok(meta) = fs::symlink_metadata(path)
            && meta.is_file()
        {
            // Keep the file's permissions.
            file.set_permissions(meta.permissions())?;
        }
        file.sync_data()?;
        // The written file's identity, which the rename keeps.
        let written = file.metadata()?;
        drop(file);
        if fs::read(path)? != expected {
            return Ok(None);
        }
        Ok(swap_in(&temp, path, expected)?.then_some(written))
    })();
    if created && !matches!(result, Ok(Some(_))) {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Puts `temp` at `path`, which held `expected` a moment ago. On Linux the two are exchanged
/// in one step and what was displaced is checked: a save by hand that landed between the check
/// and the exchange (by rename, or written in place) is put back, and false says the file
/// changed. Elsewhere, a plain rename.
fn swap_in(temp: &Path, path: &Path, expected: &[u8]) -> io::Result<bool> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, temp, CWD, path, RenameFlags::EXCHANGE) {
            Ok(()) => {
                // `temp` now names what was at `path`.
                if fs::read(temp)? == expected {
                    fs::remove_file(temp)?;
                    return Ok(true);
                }
                renameat_with(CWD, temp, CWD, path, RenameFlags::EXCHANGE)?;
                return Ok(false);
            }
            // A file system without the exchange: the plain rename below.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(e.into()),
        }
    }
    fs::rename(temp, path)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_save_that_lands_between_the_check_and_the_swap_is_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("incident.toml");
        let temp = dir.path().join(".incident.toml.tmp");
        std::fs::write(&path, "by hand").unwrap();
        std::fs::write(&temp, "the meeting's").unwrap();
        // The file held "before" when it was checked; by the swap, a hand save replaced it.
        assert!(!swap_in(&temp, &path, b"before").unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "by hand");
        // Unchanged since the check: the new text goes in.
        assert!(swap_in(&temp, &path, b"by hand").unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "the meeting's");
        assert!(!temp.exists(), "no temporary file is left behind");
    }

    fn record(seq: u64, op: Op) -> Record {
        Record {
            seq,
            at: "2026-11-03T13:00:00Z".into(),
            by: "p-1".into(),
            key: None,
            op,
        }
    }

    fn append(store: &mut Store, mirror: &mut Mirror, record: Record) {
        store.append(std::slice::from_ref(&record)).unwrap();
        mirror.extend([record]);
    }

    fn factor(id: &str) -> Op {
        Op::AddFactor(NewFactor {
            id: id.into(),
            text: format!("factor {id}"),
            category: Category::Technical,
        })
    }

    #[test]
    fn a_stale_save_is_repaired_and_the_hand_edit_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("incident.toml");
        let original = "# mine\ntitle = \"x\"\n";
        fs::write(&file, original).unwrap();
        let (mut store, mut mirror, _) = Store::open(dir.path()).unwrap();
        append(&mut store, &mut mirror, record(1, factor("f-1")));
        let written = mirror.write_back().unwrap();
        assert!(written.changed && written.text.contains("id = \"f-1\""));
        assert!(mirror.is_known(&fs::read(&file).unwrap()));

        // An editor saves its old buffer with one more comment: f-1 is gone from the file.
        fs::write(&file, "# mine\n# and a note\ntitle = \"x\"\n").unwrap();
        append(&mut store, &mut mirror, record(2, factor("f-2")));
        let text = mirror.write_back().unwrap().text;
        assert!(text.contains("# and a note"), "{text}");
        assert!(
            text.contains("id = \"f-1\"") && text.contains("id = \"f-2\""),
            "{text}"
        );
        assert!(
            !dir.path()
                .read_dir()
                .unwrap()
                .any(|e| { e.unwrap().file_name().to_string_lossy().ends_with(".tmp") })
        );
    }

    #[test]
    fn a_broken_file_keeps_the_operations_for_later() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("incident.toml");
        fs::write(&file, "title = \n").unwrap();
        let (mut store, mut mirror, _) = Store::open(dir.path()).unwrap();
        append(&mut store, &mut mirror, record(1, factor("f-1")));
        assert!(matches!(
            mirror.write_back(),
            Err(StoreError::Broken { .. })
        ));
        assert_eq!(fs::read_to_string(&file).unwrap(), "title = \n");
        // An empty file (an editor caught half-way) is not written to either.
        fs::write(&file, "").unwrap();
        assert!(matches!(
            mirror.write_back(),
            Err(StoreError::Broken { .. })
        ));
        assert_eq!(fs::read_to_string(&file).unwrap(), "");
        fs::write(&file, "title = \"fixed\"\n").unwrap();
        assert!(mirror.write_back().unwrap().text.contains("f-1"));
    }

    #[test]
    fn a_clean_end_starts_the_next_meeting_empty_and_replay_restores_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("incident.toml");
        fs::write(&file, "title = \"x\"\n").unwrap();
        {
            let (mut store, mut mirror, _) = Store::open(dir.path()).unwrap();
            append(&mut store, &mut mirror, record(1, factor("f-1")));
            // A crash here: journaled, never written to the file.
        }
        let (mut store, mut mirror, _) = Store::open(dir.path()).unwrap();
        assert_eq!(mirror.session().len(), 1);
        assert!(mirror.write_back().unwrap().text.contains("f-1"));
        store.end().unwrap();
        // After the end, a hand deletion is final.
        fs::write(&file, "title = \"x\"\n").unwrap();
        let (store, mut mirror, _) = Store::open(dir.path()).unwrap();
        assert!(mirror.session().is_empty());
        assert_eq!(store.next_seq(), 3);
        assert!(!mirror.write_back().unwrap().changed);
        assert_eq!(fs::read_to_string(&file).unwrap(), "title = \"x\"\n");
    }
}
