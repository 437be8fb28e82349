//! Which `debrief.toml` applies: found the way git finds its repository.
//!
//! The file is looked for in the folder given, then in each parent up to the repository root
//! (the first folder that holds `.git`), so `debrief check incidents/` uses the `debrief.toml`
//! at the root of the repository beside `incidents/`. Outside a repository the search is the
//! folder alone, and for an incident folder its parent too (the archive it sits in): a stray
//! file in a home folder never applies. `--config FILE` replaces the search.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::CONFIG_FILE;

/// The file named with `--config`, for the whole run.
static CHOSEN: OnceLock<PathBuf> = OnceLock::new();

/// Makes `path` the configuration of every command in this run (`--config`).
pub fn choose(path: PathBuf) {
    // The command line is read once; a second call would be a bug in the caller.
    let _ = CHOSEN.set(path);
}

/// The file named with `--config`, if any.
pub fn chosen() -> Option<&'static Path> {
    CHOSEN.get().map(PathBuf::as_path)
}

/// The outcome of looking for `debrief.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Search {
    /// The file that applies.
    pub found: Option<PathBuf>,
    /// The folders looked in, nearest first (empty when `--config` chose the file).
    pub looked: Vec<PathBuf>,
    /// Whether the last folder looked in is the root of a git repository.
    pub to_repository_root: bool,
}

impl Search {
    /// One line for people: which file is used, or where none was found.
    pub fn describe(&self) -> String {
        if let Some(file) = &self.found {
            let how = if self.looked.is_empty() {
                " (--config)"
            } else {
                ""
            };
            return format!("configuration: {}{how}", file.display());
        }
        match (self.looked.first(), self.looked.last()) {
            (Some(first), Some(last)) if first != last && self.to_repository_root => format!(
                "configuration: none (no {CONFIG_FILE} in {} or its parents up to the repository root, {}); defaults apply",
                first.display(),
                last.display()
            ),
            (Some(first), Some(last)) if first != last => format!(
                "configuration: none (no {CONFIG_FILE} in {} or {}); defaults apply",
                first.display(),
                last.display()
            ),
            (Some(only), _) => format!(
                "configuration: none (no {CONFIG_FILE} in {}); defaults apply",
                only.display()
            ),
            _ => "configuration: none; defaults apply".to_owned(),
        }
    }
}

/// Looks for the `debrief.toml` of `dir`, an incident folder when `incident` is true and an
/// archive folder otherwise.
pub fn find(dir: &Path, incident: bool) -> Search {
    if let Some(file) = chosen() {
        return Search {
            found: Some(file.to_path_buf()),
            looked: Vec::new(),
            to_repository_root: false,
        };
    }
    let Ok(start) = dir.canonicalize() else {
        return Search::default();
    };
    let mut chain: Vec<&Path> = start.ancestors().collect();
    let repository = chain.iter().position(|d| d.join(".git").exists());
    match repository {
        Some(root) => chain.truncate(root + 1),
        None => chain.truncate(if incident { 2 } else { 1 }),
    }
    // Paths as people would type them, for messages and diagnostics.
    let found = chain
        .iter()
        .map(|d| d.join(CONFIG_FILE))
        .find(|f| f.is_file())
        .map(|f| shown(&f));
    Search {
        found,
        looked: chain.into_iter().map(shown).collect(),
        to_repository_root: repository.is_some(),
    }
}

/// `path` as people would type it from the working folder: relative when it is inside it or
/// in one of its parents (`../../debrief.toml`), absolute otherwise.
fn shown(path: &Path) -> PathBuf {
    let Ok(here) = std::env::current_dir().and_then(|d| d.canonicalize()) else {
        return path.to_path_buf();
    };
    if path == here {
        return PathBuf::from(".");
    }
    if let Ok(inside) = path.strip_prefix(&here) {
        return inside.to_path_buf();
    }
    if let Ok(below) = here.strip_prefix(path) {
        return std::iter::repeat_n("..", below.components().count()).collect();
    }
    let up = path
        .parent()
        .and_then(|parent| here.strip_prefix(parent).ok())
        .map(|below| below.components().count());
    match (up, path.file_name()) {
        (Some(n), Some(name)) => {
            let mut rel: PathBuf = std::iter::repeat_n("..", n).collect();
            rel.push(name);
            rel
        }
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(dirs: &[&str], files: &[&str]) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        for d in dirs {
            std::fs::create_dir_all(root.path().join(d)).unwrap();
        }
        for f in files {
            std::fs::write(root.path().join(f), "").unwrap();
        }
        root
    }

    #[test]
    fn found_up_to_the_repository_root() {
        let t = tree(&["repo/.git", "repo/incidents/a"], &["repo/debrief.toml"]);
        let repo = t.path().join("repo").canonicalize().unwrap();
        let s = find(&t.path().join("repo/incidents"), false);
        assert_eq!(s.found, Some(repo.join(CONFIG_FILE)));
        let s = find(&t.path().join("repo/incidents/a"), true);
        assert_eq!(s.found, Some(repo.join(CONFIG_FILE)));
        assert_eq!(s.looked.len(), 3);
    }

    #[test]
    fn the_nearest_file_wins() {
        let t = tree(
            &["repo/.git", "repo/incidents/a"],
            &["repo/debrief.toml", "repo/incidents/debrief.toml"],
        );
        let s = find(&t.path().join("repo/incidents/a"), true);
        assert_eq!(
            s.found,
            Some(
                t.path()
                    .join("repo/incidents/debrief.toml")
                    .canonicalize()
                    .unwrap()
            )
        );
    }

    #[test]
    fn never_above_the_repository_root() {
        let t = tree(&["repo/.git", "repo/incidents"], &["debrief.toml"]);
        let s = find(&t.path().join("repo/incidents"), false);
        assert_eq!(s.found, None);
        assert_eq!(s.looked.len(), 2);
        assert!(
            s.describe().contains("or its parents up to"),
            "{}",
            s.describe()
        );
    }

    #[test]
    fn outside_a_repository_only_the_folder_and_an_incidents_archive() {
        let t = tree(
            &["a/archive/inc"],
            &["a/debrief.toml", "a/archive/debrief.toml"],
        );
        let s = find(&t.path().join("a/archive"), false);
        assert!(s.found.unwrap().ends_with("archive/debrief.toml"));
        let s = find(&t.path().join("a/archive/inc"), true);
        assert!(s.found.unwrap().ends_with("archive/debrief.toml"));
        std::fs::remove_file(t.path().join("a/archive/debrief.toml")).unwrap();
        // The file two levels up is not the archive's.
        assert_eq!(find(&t.path().join("a/archive/inc"), true).found, None);
        assert_eq!(find(&t.path().join("a/archive"), false).found, None);
    }
}
