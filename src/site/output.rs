//! Where a build's files go, and how a finished build takes the output folder's place.
//!
//! Files are written through an [`Output`]: a staging [`Folder`] next to the output folder
//! (where a file that comes out as in the previous build is hard-linked from it, not written
//! again), the output folder itself when the build cache vouches for it (`overlay`), or
//! [`Memory`] for `serve`. A complete build is swapped in whole; the output folder
//! is never wiped first, and one debrief did not make is refused unless `--force`, and even
//! then moved aside, not deleted.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rayon::prelude::*;

/// The file that marks a folder as debrief's output.
pub const MARKER: &str = ".debrief-site";

/// Refuses an output folder with files that debrief did not write.
pub(super) fn check_out(out: &Path, force: bool) -> anyhow::Result<()> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        bail!(
            "{} exists and is not a folder; choose another --out",
            out.display()
        );
    }
    let mut entries =
        std::fs::read_dir(out).with_context(|| format!("reading {}", out.display()))?;
    if entries.next().is_none() || out.join(MARKER).is_file() || force {
        return Ok(());
    }
    bail!(
        "{} is not empty and was not made by `debrief build`; choose another --out, or pass --force (the folder is then moved aside, not deleted)",
        out.display()
    )
}

/// The output folder to write: `out` itself, unless it is a symbolic link (the folder it
/// points to is the site, and the link stays) or ends in `.` or `..` (a folder cannot be
/// swapped by such a name, and the staging folder beside it would land inside it).
pub(super) fn resolve(out: &Path) -> PathBuf {
    let link = std::fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_symlink());
    if link || out.file_name().is_none() {
        std::fs::canonicalize(out).unwrap_or_else(|_| out.to_path_buf())
    } else {
        out.to_path_buf()
    }
}

/// Refuses a build whose inputs (`inputs`: the incidents' folders, the theme, `debrief.toml`)
/// are inside the output folder `out`, which the build replaces whole: they would go with it.
pub(super) fn check_inputs<'a>(
    out: &Path,
    inputs: impl Iterator<Item = &'a Path>,
) -> anyhow::Result<()> {
    let Ok(out_real) = std::fs::canonicalize(out) else {
        return Ok(());
    };
    // Incident folders share a parent or a few: each is resolved once.
    let mut seen = std::collections::HashSet::new();
    for input in inputs {
        let parent = match input.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if !seen.insert(parent.to_path_buf()) {
            continue;
        }
        let Ok(real) = std::fs::canonicalize(parent) else {
            continue;
        };
        if real.starts_with(&out_real) {
            bail!(
                "{} is inside the output folder {}, which the build replaces: choose an --out outside your incidents, theme and debrief.toml",
                input.display(),
                out.display()
            );
        }
    }
    Ok(())
}

/// Whether the process `pid` has ended (a folder named for it is then left over).
fn ended(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Some(pid) = i32::try_from(pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        else {
            return false;
        };
        rustix::process::test_kill_process(pid) == Err(rustix::io::Errno::SRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        false
    }
}

/// Removes the folders a build of `out` stopped by force left beside it
/// (`.<name>.staging-<pid>`, `.<name>.old-<pid>`, whose process has ended).
fn remove_leftovers(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(rest) = file
            .to_str()
            .and_then(|f| f.strip_prefix(&format!(".{name}.")))
        else {
            continue;
        };
        let pid = ["staging-", "old-"]
            .iter()
            .find_map(|what| rest.strip_prefix(what)?.parse::<u32>().ok());
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && pid.is_some_and(ended) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A path next to `out` for a temporary folder.
pub(super) fn sibling(out: &Path, what: &str) -> anyhow::Result<PathBuf> {
    let name = out
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    remove_leftovers(parent, &name);
    let path = parent.join(format!(".{name}.{what}-{}", std::process::id()));
    if path.exists() {
        std::fs::remove_dir_all(&path)
            .with_context(|| format!("removing the stale {}", path.display()))?;
    }
    Ok(path)
}

/// Makes the staging folder, and its `incidents/` folder when there are incidents, each marked
/// as the top of a tree whose subfolders are unrelated.
pub(super) fn prepare_staging(staging: &Path, incidents: bool) -> anyhow::Result<()> {
    let make = |dir: &Path| -> anyhow::Result<()> {
        std::fs::create_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
        spread_subfolders(dir);
        Ok(())
    };
    make(staging)?;
    if incidents {
        make(&staging.join("incidents"))?;
    }
    Ok(())
}

/// Asks the file system to spread `dir`'s subfolders over the disk (`chattr +T`, the flag ext4
/// gives the top of a directory hierarchy). ext4 puts a folder's files in its parent folder's
/// block group, and, without a journal, checks each free inode it could hand out against the
/// time it was freed, skipping the ones freed in the last minutes. A thousand incident folders
/// built right after the previous site was deleted all land in the groups full of its freed
/// inodes, and every new file scans past thousands of them: that was 80% of a build's time on
/// this kind of disk. Spread out, each group holds a few. Where the flag is not supported the
/// call fails, which changes nothing.
fn spread_subfolders(dir: &Path) {
    #[cfg(target_os = "linux")]
    if let Ok(folder) = std::fs::File::open(dir)
        && let Ok(flags) = rustix::fs::ioctl_getflags(&folder)
    {
        let _ = rustix::fs::ioctl_setflags(&folder, flags | rustix::fs::IFlags::TOPDIR);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = dir;
}

/// Puts the staged site in place of `out`. The old output is removed only if debrief made it.
pub(super) fn swap(staging: &Path, out: &Path) -> anyhow::Result<Option<PathBuf>> {
    if !out.exists() {
        std::fs::rename(staging, out)
            .with_context(|| format!("moving the new site to {}", out.display()))?;
        return Ok(None);
    }
    let ours = out.join(MARKER).is_file()
        || std::fs::read_dir(out)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
    let old = sibling(out, "old")?;
    std::fs::rename(out, &old)
        .with_context(|| format!("moving the previous site {} aside", out.display()))?;
    if let Err(e) = std::fs::rename(staging, out) {
        // Put the previous site back; nothing is lost.
        let _ = std::fs::rename(&old, out);
        return Err(e).with_context(|| format!("moving the new site to {}", out.display()));
    }
    if ours {
        std::fs::remove_dir_all(&old)
            .with_context(|| format!("removing the previous site {}", old.display()))?;
        Ok(None)
    } else {
        let stamp = jiff::Timestamp::now().as_second();
        let kept = PathBuf::from(format!("{}.replaced-{stamp}", out.display()));
        std::fs::rename(&old, &kept)
            .with_context(|| format!("keeping the replaced folder as {}", kept.display()))?;
        Ok(Some(kept))
    }
}

/// Every file of a public build but the theme's assets, read back from disk and searched with
/// the archive's redaction rules: whatever they still find is a leak.
pub(super) fn leak_check(
    staging: &Path,
    checker: &crate::public::Redactor,
) -> anyhow::Result<Vec<crate::public::Leak>> {
    let mut files = Vec::new();
    collect_files(staging, staging, &mut files)?;
    let leaks: Vec<crate::public::Leak> = files
        .par_iter()
        .filter(|rel| !rel.starts_with("assets/") && rel.as_str() != MARKER)
        .map(|rel| -> anyhow::Result<Vec<crate::public::Leak>> {
            let path = staging.join(rel);
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            Ok(crate::public::leaks(rel, &bytes, checker))
        })
        .collect::<anyhow::Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    Ok(leaks)
}

/// The files below `dir`, by their path relative to `root` with `/` separators.
fn collect_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect_files(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

/// Where a build's files go: a folder on disk, or memory (for `serve`).
pub trait Output: Sync {
    fn put(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()>;

    /// Takes the file `rel` from the previous build as it is, when it is there as `stamp`
    /// says; says whether it did.
    fn keep(&self, _rel: &str, _stamp: FileStamp) -> bool {
        false
    }

    /// The stamp of the file `rel` made in this build.
    fn stamp_of(&self, rel: &str) -> Option<FileStamp>;
}

/// A file of a site as a build left it: its length and modification time. A file changed
/// since, by hand or by restoring an older copy, has another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileStamp {
    pub len: u64,
    /// Nanoseconds since 1970.
    pub modified: i64,
}

impl FileStamp {
    /// The stamp of the file at `path`, when it is a plain file (not a link).
    pub fn at(path: &Path) -> Option<FileStamp> {
        std::fs::symlink_metadata(path)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .as_ref()
            .and_then(FileStamp::of)
    }

    pub fn of(meta: &std::fs::Metadata) -> Option<FileStamp> {
        let modified = meta.modified().ok()?;
        let nanos = modified
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_nanos();
        Some(FileStamp {
            len: meta.len(),
            modified: i64::try_from(nanos).ok()?,
        })
    }
}

/// Files written below a folder.
pub struct Folder {
    pub dir: PathBuf,
    /// The previous build of the same site: a file that comes out byte for byte the same is
    /// hard-linked from it instead of written. The file keeps its modification time (so a
    /// deploy by rsync or by HTTP caching sees it unchanged), and no new inode is made: on
    /// ext4, allocating thousands of inodes right after the previous site's were freed is most
    /// of a rebuild's time.
    pub previous: Option<PathBuf>,
    /// Files made so far (a file written twice counts once).
    pub files: std::sync::atomic::AtomicUsize,
    /// The files made so far that are not an incident's own, with their stamps: what the next
    /// build checks before it takes them as they are.
    pub pages: std::sync::Mutex<Vec<(String, FileStamp)>>,
    /// Every folder the files made so far are in, below the site's.
    pub folders: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// The site as a build left it: what the build cache records for the next build to check.
pub struct Left {
    /// Its files other than the incidents' own, with their stamps.
    pub pages: Vec<(String, FileStamp)>,
    /// Every folder below the site's.
    pub folders: std::collections::HashSet<String>,
    /// When the build changed the site in place: the folders it changed. (Else every folder
    /// is new.)
    pub touched: Option<std::collections::HashSet<String>>,
}

/// Adds the folders `rel` is in (`a/b` and `a` for `a/b/c.html`) to `folders`.
pub(super) fn add_folders(folders: &mut std::collections::HashSet<String>, rel: &str) {
    let mut rest = rel;
    while let Some((folder, _)) = rest.rsplit_once('/') {
        // Its own folders came with it.
        if folders.contains(folder) {
            return;
        }
        folders.insert(folder.to_owned());
        rest = folder;
    }
}

impl Folder {
    /// Links `path` to the previous build's `rel` when that holds exactly `bytes`; the stamp
    /// of the file linked.
    fn reuse(&self, rel: &str, path: &Path, bytes: &[u8]) -> Option<FileStamp> {
        let previous = self.previous.as_ref()?;
        let old = previous.join(rel);
        let stamp = match std::fs::symlink_metadata(&old) {
            Ok(meta) if meta.is_file() && meta.len() == bytes.len() as u64 => FileStamp::of(&meta)?,
            _ => return None,
        };
        if !std::fs::read(&old).is_ok_and(|b| b == bytes) {
            return None;
        }
        // A file system without hard links gets the file written instead.
        with_parent(path, || std::fs::hard_link(&old, path))
            .ok()
            .map(|()| stamp)
    }
}

/// Runs `make` (which creates `path`), and again after making `path`'s folder if it was
/// missing: most files go into a folder that already exists, so this costs one system call
/// per file instead of two.
pub(super) fn with_parent(
    path: &Path,
    make: impl Fn() -> std::io::Result<()>,
) -> std::io::Result<()> {
    match make() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            make()
        }
        result => result,
    }
}

/// Writes a new file at `path`, and says whether it is new, with its stamp. A file already
/// there (written twice in one build) is replaced, not truncated: it may be a link into the
/// previous build, which must stay as it was.
pub(super) fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<(bool, Option<FileStamp>)> {
    use std::io::Write as _;
    let stamp = std::cell::Cell::new(None);
    let create = || {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?;
        file.write_all(bytes)?;
        stamp.set(file.metadata().ok().as_ref().and_then(FileStamp::of));
        Ok(())
    };
    let new = match with_parent(path, create) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(path)?;
            create().map(|()| false)
        }
        result => result.map(|()| true),
    }?;
    Ok((new, stamp.get()))
}

impl Folder {
    /// A folder for a build, with the previous build to link unchanged files from.
    pub fn new(dir: PathBuf, previous: Option<PathBuf>) -> Folder {
        Folder {
            dir,
            previous,
            files: std::sync::atomic::AtomicUsize::new(0),
            pages: std::sync::Mutex::default(),
            folders: std::sync::Mutex::default(),
        }
    }

    fn made(&self, rel: &str, stamp: Option<FileStamp>) {
        self.files
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        add_folders(
            &mut self
                .folders
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            rel,
        );
        if !super::cache::incident_file(rel) {
            // A file without a stamp is never taken as it is: it is written again.
            let stamp = stamp.unwrap_or(FileStamp {
                len: u64::MAX,
                modified: 0,
            });
            self.pages
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((rel.to_owned(), stamp));
        }
    }
}

impl Folder {
    /// The new site as this build left it.
    pub fn left(self) -> Left {
        fn inner<T>(m: std::sync::Mutex<T>) -> T {
            m.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        }
        Left {
            pages: inner(self.pages),
            folders: inner(self.folders),
            touched: None,
        }
    }
}

impl Output for Folder {
    fn put(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.dir.join(rel);
        if let Some(stamp) = self.reuse(rel, &path, bytes) {
            self.made(rel, Some(stamp));
            return Ok(());
        }
        let (new, stamp) =
            write_new(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        if new {
            self.made(rel, stamp);
        }
        Ok(())
    }

    fn keep(&self, rel: &str, stamp: FileStamp) -> bool {
        let Some(previous) = &self.previous else {
            return false;
        };
        let old = previous.join(rel);
        let as_left = |path: &Path| FileStamp::at(path) == Some(stamp);
        if !as_left(&old) {
            return false;
        }
        let path = self.dir.join(rel);
        match with_parent(&path, || std::fs::hard_link(&old, &path)) {
            Ok(()) => {
                self.made(rel, Some(stamp));
                true
            }
            // Made already in this build (the theme's assets are written first).
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => as_left(&path),
            Err(_) => false,
        }
    }

    fn stamp_of(&self, rel: &str) -> Option<FileStamp> {
        let meta = std::fs::symlink_metadata(self.dir.join(rel)).ok()?;
        FileStamp::of(&meta)
    }
}

/// Files kept in memory, by their path in the site (`incidents/x/index.html`).
#[derive(Default)]
pub struct Memory(pub std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>);

impl Output for Memory {
    fn put(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let mut files = self
            .0
            .lock()
            .map_err(|_| anyhow::anyhow!("a render thread panicked"))?;
        files.insert(rel.to_owned(), bytes.to_vec());
        Ok(())
    }

    fn stamp_of(&self, _rel: &str) -> Option<FileStamp> {
        None
    }
}
