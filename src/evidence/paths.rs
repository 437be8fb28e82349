//! Where an incident's evidence files are: the files a source's path or glob names, each a
//! regular file, and whether they stay inside the incident's folder.
//!
//! A path may be absolute, climb out with `..`, or pass through a symbolic link to anywhere on
//! the machine. Reading such a file is the user's choice in `timeline` and an internal build,
//! and `check` warns about it; a public build refuses it, because whatever it reads could be
//! published. A pipe or a device is never read: a FIFO would block, `/dev/zero` never ends.

use std::path::{Path, PathBuf};

use super::EvidenceError;
use crate::model::Incident;
use crate::model::validate::Finding;

/// The files a source names, sorted.
pub fn resolve_paths(dir: &Path, pattern: &str) -> Result<Vec<PathBuf>, EvidenceError> {
    if !pattern.contains(['*', '?', '[']) {
        let path = dir.join(pattern);
        return match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => Ok(vec![path]),
            Ok(m) if m.is_dir() => Err(EvidenceError::NotAFile(pattern.to_owned())),
            Ok(_) => Err(EvidenceError::NotRegular(pattern.to_owned())),
            Err(_) => Err(EvidenceError::Missing(pattern.to_owned())),
        };
    }
    let full = dir.join(pattern);
    let paths = glob::glob(&full.to_string_lossy())
        .map_err(|e| EvidenceError::BadGlob(pattern.to_owned(), e.msg.to_owned()))?;
    let mut files: Vec<PathBuf> = paths
        .filter_map(Result::ok)
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(EvidenceError::NoMatch(pattern.to_owned()));
    }
    Ok(files)
}

/// Where `pattern` leads outside the folder `dir`, once `..` and symbolic links are resolved:
/// the first such file (or the path itself, when it names nothing yet), or `None` when it
/// stays inside.
pub fn outside(dir: &Path, pattern: &str) -> Option<PathBuf> {
    let Ok(root) = dir.canonicalize() else {
        return None;
    };
    let candidates = match resolve_paths(dir, pattern) {
        Ok(files) => files,
        Err(_) => vec![root.join(pattern)],
    };
    candidates.into_iter().find_map(|path| {
        let real = path
            .canonicalize()
            .unwrap_or_else(|_| lexical(&root.join(&path)));
        (!real.starts_with(&root)).then_some(real)
    })
}

/// `path` with `.` and `..` taken out without asking the file system (for a path that does
/// not exist).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Every source and metric path that leads outside the incident folder: `(field, path, where
/// it leads)`.
pub fn paths_outside(incident: &Incident, dir: &Path) -> Vec<(String, String, PathBuf)> {
    let sources = incident
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("sources[{i}].path"), &s.path));
    let metrics = incident
        .metrics
        .iter()
        .enumerate()
        .map(|(i, m)| (format!("metrics[{i}].path"), &m.path));
    sources
        .chain(metrics)
        .filter_map(|(field, path)| outside(dir, path).map(|to| (field, path.clone(), to)))
        .collect()
}

/// What `check` says about paths outside the folder: a warning each.
pub fn outside_findings(incident: &Incident, dir: &Path) -> Vec<Finding> {
    paths_outside(incident, dir)
        .into_iter()
        .map(|(field, path, to)| outside_finding(field, &path, &to, false))
        .collect()
}

/// The finding for one path outside the folder; an error in a public build, which refuses it.
pub fn outside_finding(field: String, path: &str, to: &Path, public: bool) -> Finding {
    let message = format!(
        "`{path}` leads outside the incident's folder, to {}",
        to.display()
    );
    let finding = if public {
        Finding::error("path-outside", field, message)
            .help("a public build reads only files inside the incident's folder: copy the file in, or leave the source out")
    } else {
        Finding::warning("path-outside", field, message)
            .help("keep evidence inside the incident's folder, so it travels with it in git; a public build refuses this path")
    };
    finding.label("outside the incident")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_inside_and_out() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("incident");
        std::fs::create_dir_all(dir.join("logs")).unwrap();
        std::fs::write(dir.join("logs/a.log"), "x").unwrap();
        std::fs::write(tmp.path().join("secret.log"), "x").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(tmp.path().join("secret.log"), dir.join("logs/link.log"))
            .unwrap();
        assert_eq!(outside(&dir, "logs/a.log"), None);
        assert_eq!(outside(&dir, "logs/*.log").is_some(), cfg!(unix));
        assert!(outside(&dir, "../secret.log").is_some());
        assert!(outside(&dir, "/etc/hostname").is_some());
        assert!(outside(&dir, "logs/../../nothing.log").is_some());
        assert_eq!(outside(&dir, "logs/missing.log"), None);
    }

    #[cfg(unix)]
    #[test]
    fn pipes_and_devices_are_not_read() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("fifo.log");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        assert!(matches!(
            resolve_paths(tmp.path(), "fifo.log"),
            Err(EvidenceError::NotRegular(_))
        ));
        assert!(matches!(
            resolve_paths(Path::new("/"), "dev/zero"),
            Err(EvidenceError::NotRegular(_))
        ));
        assert!(matches!(
            resolve_paths(tmp.path(), "*.log"),
            Err(EvidenceError::NoMatch(_))
        ));
    }
}
