//! What a cached build is checked against: the key of everything but the incidents, each
//! incident folder's stamp, and which folder the site is.

use std::path::Path;

use sha2::Digest as _;

/// A file changed this recently may change again within the file system's clock tick without
/// its times showing it: such an incident is drawn again next time.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(2);

pub(super) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        text.push(DIGITS[usize::from(b >> 4)] as char);
        text.push(DIGITS[usize::from(b & 15)] as char);
    }
    text
}

/// The key of what a site's bytes depend on besides its incidents; `None` when a part cannot
/// be read (then nothing is cached).
pub(in crate::site) fn key(
    config_file: Option<&Path>,
    theme: Option<&Path>,
    today: jiff::civil::Date,
    base_url: Option<&str>,
) -> Option<String> {
    let mut h = sha2::Sha256::new();
    h.update(b"debrief site cache 1\0");
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    // The binary itself: a debrief built again, with the same version, may draw differently.
    let exe = std::env::current_exe().ok()?.metadata().ok()?;
    h.update(exe.len().to_le_bytes());
    h.update(nanos(exe.modified().ok()?).to_le_bytes());
    match config_file {
        Some(file) => h.update(std::fs::read(file).ok()?),
        None => h.update(b"\0no debrief.toml"),
    }
    h.update(format!("\0{today}\0{base_url:?}\0").as_bytes());
    if let Some(theme) = theme {
        theme_files(theme, theme, &mut h).ok()?;
    }
    Some(hex(&h.finalize()))
}

/// Every file of a theme, by path and content.
fn theme_files(root: &Path, dir: &Path, h: &mut sha2::Sha256) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        if std::fs::metadata(&path)?.is_dir() {
            theme_files(root, &path, h)?;
        } else {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            h.update(rel.as_os_str().as_encoded_bytes());
            h.update(b"\0");
            let bytes = std::fs::read(&path)?;
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(&bytes);
        }
    }
    Ok(())
}

fn nanos(t: std::time::SystemTime) -> i128 {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

/// An incident folder as it is now.
pub(in crate::site) struct Stamp {
    pub hash: String,
    /// No file below it was modified in the last [`SETTLE`] seconds.
    pub settled: bool,
}

/// The stamp of the incident folder `dir`; `None` when it cannot be cached (a symbolic link
/// below it, a folder that cannot be read, a system without inode numbers).
pub(in crate::site) fn stamp(dir: &Path, now: std::time::SystemTime) -> Option<Stamp> {
    let mut h = sha2::Sha256::new();
    let mut newest = i128::MIN;
    stamp_files(dir, dir, &mut h, &mut newest).ok()??;
    Some(Stamp {
        hash: hex(&h.finalize()),
        settled: newest < nanos(now - SETTLE),
    })
}

#[cfg(unix)]
fn stamp_files(
    root: &Path,
    dir: &Path,
    h: &mut sha2::Sha256,
    newest: &mut i128,
) -> std::io::Result<Option<()>> {
    use std::os::unix::fs::MetadataExt as _;
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let meta = std::fs::symlink_metadata(&path)?;
        if meta.file_type().is_symlink() {
            return Ok(None);
        }
        if meta.is_dir() {
            if stamp_files(root, &path, h, newest)?.is_none() {
                return Ok(None);
            }
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(&path);
        h.update(rel.as_os_str().as_encoded_bytes());
        let mtime = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
        let ctime = i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec());
        // A write moves the modification time; a file written within the clock tick it was
        // read in keeps it, which is why a recent one is not trusted.
        *newest = (*newest).max(mtime);
        for n in [meta.len(), meta.ino(), meta.dev()] {
            h.update(n.to_le_bytes());
        }
        h.update(mtime.to_le_bytes());
        h.update(ctime.to_le_bytes());
    }
    Ok(Some(()))
}

#[cfg(not(unix))]
fn stamp_files(
    _root: &Path,
    _dir: &Path,
    _h: &mut sha2::Sha256,
    _newest: &mut i128,
) -> std::io::Result<Option<()>> {
    Ok(None)
}

/// Which folder `out` is: each build's site is a new folder, which keeps its identity when it
/// is renamed into place. Its inode number alone is not enough (a later build may be given
/// the number of a folder removed): with its modification time, a folder made by another
/// build, or changed since, has another identity.
#[cfg(unix)]
pub(in crate::site) fn identity(out: &Path) -> Option<(u64, u64, i64)> {
    use std::os::unix::fs::MetadataExt as _;
    let meta = std::fs::metadata(out).ok()?;
    let modified = meta.mtime().checked_mul(1_000_000_000)? + meta.mtime_nsec();
    Some((meta.dev(), meta.ino(), modified))
}

#[cfg(not(unix))]
pub(in crate::site) fn identity(_out: &Path) -> Option<(u64, u64, i64)> {
    None
}

/// Which folder `path` is, and whether anything in it changed: its inode and modification time
/// (a file added, removed or renamed in it moves the time). `None` for a symbolic link or
/// anything but a folder: a site folder a link replaced is not the one a build left.
#[cfg(unix)]
pub(in crate::site) fn folder_stamp(path: &Path) -> Option<(u64, i64)> {
    use std::os::unix::fs::MetadataExt as _;
    let meta = std::fs::symlink_metadata(path)
        .ok()
        .filter(|m| m.is_dir())?;
    let modified = meta.mtime().checked_mul(1_000_000_000)? + meta.mtime_nsec();
    Some((meta.ino(), modified))
}

#[cfg(not(unix))]
pub(in crate::site) fn folder_stamp(_path: &Path) -> Option<(u64, i64)> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_stamp_changes_with_any_file_below_the_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("incident.toml"), "title = \"x\"\n").unwrap();
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
        let hash = |d: &Path| stamp(d, later).unwrap().hash;
        let first = hash(dir);
        assert_eq!(hash(dir), first, "the same folder, the same stamp");
        std::fs::create_dir(dir.join("logs")).unwrap();
        std::fs::write(dir.join("logs/app.log"), "one\n").unwrap();
        let with_log = hash(dir);
        assert_ne!(with_log, first, "a file added");
        // (At the same length within one tick of the clock, the times would not show it: that
        // is what `settled` is for.)
        std::fs::write(dir.join("logs/app.log"), "two, longer\n").unwrap();
        let edited = hash(dir);
        assert_ne!(edited, with_log, "a file rewritten");
        std::fs::remove_file(dir.join("logs/app.log")).unwrap();
        assert_ne!(hash(dir), edited, "a file removed");

        // Just written: not settled until two seconds have passed.
        assert!(!stamp(dir, std::time::SystemTime::now()).unwrap().settled);
        assert!(stamp(dir, later).unwrap().settled);

        // A link may lead anywhere: the folder is not cached.
        std::os::unix::fs::symlink("/etc/hostname", dir.join("notes.md")).unwrap();
        assert!(stamp(dir, later).is_none());
    }
}
