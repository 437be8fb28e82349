//! `.debrief/journal.jsonl`: every accepted meeting operation, one JSON object per line,
//! written and fsynced before the operation is acknowledged.
//!
//! A crash can leave a half-written last line. That line was never fsynced, so it was never
//! acknowledged: it is cut off when the journal is opened, before anything is appended after it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Op;

/// The folder, inside the incident folder, that `serve` owns.
pub const STATE_DIR: &str = ".debrief";
/// The journal's file name inside [`STATE_DIR`].
pub const JOURNAL_FILE: &str = "journal.jsonl";

/// One accepted operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Counts every record of the journal, from 1; the meeting's revision.
    pub seq: u64,
    /// When it was accepted (RFC 3339, UTC).
    pub at: String,
    /// The participant id, or `facilitator`.
    pub by: String,
    /// The client's idempotency key, when it sent one: a retry with the same key gets the
    /// first answer instead of a second change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub op: Op,
}

/// The open journal.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Option<File>,
}

/// What an existing journal held.
#[derive(Debug, Default)]
pub struct Contents {
    pub records: Vec<Record>,
    /// Lines that could not be read: (line number, reason). A torn last line is not one of
    /// them; it is cut off silently because it was never acknowledged.
    pub unreadable: Vec<(usize, String)>,
}

impl Journal {
    /// Reads the journal of the incident folder `dir`, when there is one. The file itself is
    /// created only by the first [`Journal::append`], so a meeting without changes leaves the
    /// folder as it was.
    pub fn open(dir: &Path) -> io::Result<(Journal, Contents)> {
        let path = dir.join(STATE_DIR).join(JOURNAL_FILE);
        refuse_link(&dir.join(STATE_DIR))?;
        refuse_link(&path)?;
        let mut contents = Contents::default();
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok((Journal { path, file: None }, contents));
            }
            Err(e) => return Err(e),
        };
        // Everything after the last newline is a torn write.
        let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        for (n, line) in bytes[..whole].split(|&b| b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Record>(line) {
                Ok(record) => contents.records.push(record),
                Err(e) => contents.unreadable.push((n + 1, e.to_string())),
            }
        }
        let file = private(no_follow(OpenOptions::new().append(true)).open(&path)?)?;
        if whole < bytes.len() {
            file.set_len(whole as u64)?;
            file.sync_data()?;
        }
        Ok((
            Journal {
                path,
                file: Some(file),
            },
            contents,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends records and waits until they are on disk.
    pub fn append(&mut self, records: &[Record]) -> io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::with_capacity(records.len() * 160);
        for record in records {
            serde_json::to_writer(&mut buf, record).map_err(io::Error::other)?;
            buf.push(b'\n');
        }
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(create(&self.path)?),
        };
        // A failed write must not leave part of a line behind: the next record would be glued to
        // it and be unreadable.
        let before = file.metadata()?.len();
        let written = file.write_all(&buf).and_then(|()| file.sync_data());
        if written.is_err() {
            let _ = file.set_len(before);
        }
        written
    }

    /// Whether anything was ever written.
    pub fn exists(&self) -> bool {
        self.file.is_some()
    }
}

/// Creates the state folder (0700) and the journal in it (0600, readable by its owner alone: it
/// holds participant ids and, unless the meeting is anonymous, the names they typed), with the
/// `.gitignore` that keeps the journal out of git.
///
/// The folder is opened once, refusing a symbolic link, and the files are made inside what was
/// opened: a link planted at `.debrief` at any moment is refused, never written through.
#[cfg(unix)]
fn create(path: &Path) -> io::Result<File> {
    use rustix::fs::{CWD, Mode, OFlags, mkdirat, openat};
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default();
    match mkdirat(CWD, dir, Mode::from_raw_mode(0o700)) {
        Ok(()) | Err(rustix::io::Errno::EXIST) => {}
        Err(e) => return Err(e.into()),
    }
    let folder = openat(
        CWD,
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| match e {
        rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR => {
            refuse_link(dir).err().unwrap_or_else(|| e.into())
        }
        e => e.into(),
    })?;
    let owner_only = Mode::from_raw_mode(0o600);
    // Keep the journal out of git by default: it holds participant ids. Only the journal: a
    // schema or notes kept here stay visible to git.
    match openat(
        &folder,
        ".gitignore",
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        owner_only,
    ) {
        Ok(fd) => File::from(fd).write_all(format!("{JOURNAL_FILE}\n").as_bytes())?,
        // One is there already (or a link, which is not followed): leave it.
        Err(rustix::io::Errno::EXIST) => {}
        Err(e) => return Err(e.into()),
    }
    let fd = openat(
        &folder,
        name,
        OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        owner_only,
    )
    .map_err(|e| match e {
        rustix::io::Errno::LOOP => refuse_link(path).err().unwrap_or_else(|| e.into()),
        e => e.into(),
    })?;
    private(File::from(fd))
}

#[cfg(not(unix))]
fn create(path: &Path) -> io::Result<File> {
    let dir = path.parent().unwrap_or(Path::new("."));
    refuse_link(dir)?;
    fs::create_dir_all(dir)?;
    refuse_link(dir)?;
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dir.join(".gitignore"))
    {
        Ok(mut file) => file.write_all(format!("{JOURNAL_FILE}\n").as_bytes())?,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    OpenOptions::new().create(true).append(true).open(path)
}

/// `file`, made readable and writable by its owner alone (a journal of an earlier version may
/// be readable by everyone). A journal someone else owns (a shared folder) cannot be changed
/// so; that is said, and the meeting goes on.
fn private(file: File) -> io::Result<File> {
    #[cfg(unix)]
    if let Err(e) = rustix::fs::fchmod(&file, rustix::fs::Mode::from_raw_mode(0o600)) {
        tracing::warn!("cannot make the journal readable by its owner alone: {e}");
    }
    Ok(file)
}

/// Removes the journal of the incident folder `dir`, the `.gitignore` debrief put beside it, and
/// the folder when nothing else is left in it. Whether there was a journal to remove.
pub fn forget(dir: &Path) -> io::Result<bool> {
    let state = dir.join(STATE_DIR);
    refuse_link(&state)?;
    let journal = state.join(JOURNAL_FILE);
    let removed = match fs::remove_file(&journal) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(e),
    };
    let ignore = state.join(".gitignore");
    if fs::read(&ignore).is_ok_and(|text| text == format!("{JOURNAL_FILE}\n").as_bytes()) {
        fs::remove_file(&ignore)?;
    }
    // Fails, and is left, when something else is kept there (the schema).
    let _ = fs::remove_dir(&state);
    Ok(removed)
}

/// Refuses to go on when `path` is a symbolic link: the meeting's text would be written
/// wherever it points (a shell's start-up file, say), and an incident folder can come from
/// anyone's pull request.
fn refuse_link(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is a symbolic link; debrief writes the meeting's journal only into a real file and folder: remove the link",
                path.display()
            ),
        )),
        _ => Ok(()),
    }
}

/// Opening that fails on a symbolic link, where the system can say so (`O_NOFOLLOW`), so a
/// link planted after the check above is not followed either.
fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: u64) -> Record {
        Record {
            seq,
            at: "2026-11-03T13:00:00Z".into(),
            by: "p-1".into(),
            key: None,
            op: Op::Reveal { revealed: true },
        }
    }

    #[test]
    fn a_torn_last_line_is_cut_before_the_next_append() {
        let dir = tempfile::tempdir().unwrap();
        let (mut journal, contents) = Journal::open(dir.path()).unwrap();
        assert!(contents.records.is_empty());
        assert!(!dir.path().join(STATE_DIR).exists(), "nothing written yet");
        journal.append(&[record(1), record(2)]).unwrap();
        drop(journal);
        let path = dir.path().join(STATE_DIR).join(JOURNAL_FILE);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"seq\":3,\"at\":\"2026-").unwrap();
        drop(file);

        let (mut journal, contents) = Journal::open(dir.path()).unwrap();
        assert_eq!(contents.records, vec![record(1), record(2)]);
        assert!(contents.unreadable.is_empty());
        journal.append(&[record(3)]).unwrap();
        let (_, contents) = Journal::open(dir.path()).unwrap();
        assert_eq!(contents.records, vec![record(1), record(2), record(3)]);
    }

    #[test]
    fn a_damaged_middle_line_is_reported_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join(STATE_DIR)).unwrap();
        let good = serde_json::to_string(&record(1)).unwrap();
        fs::write(
            dir.path().join(STATE_DIR).join(JOURNAL_FILE),
            format!("{good}\nnot json\n{good}\n"),
        )
        .unwrap();
        let (_, contents) = Journal::open(dir.path()).unwrap();
        assert_eq!(contents.records.len(), 2);
        assert_eq!(contents.unreadable.len(), 1);
        assert_eq!(contents.unreadable[0].0, 2);
    }
}
