//! Watching the incident: which file events mean "render again".
//!
//! Folders are watched, never single files, so editors that save by writing a new file and
//! renaming it over the old one are seen. Editor scratch files, debrief's own `.debrief/`
//! folder and built sites are ignored, so neither an editor's autosave nor the server's own
//! writes cause a rebuild.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::event::{MetadataKind, ModifyKind};
use notify::{Config, EventKind, PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{
    DebounceEventResult, Debouncer, FileIdMap, RecommendedCache, new_debouncer_opt,
};

/// How to learn about changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WatcherKind {
    /// inotify (Linux), FSEvents (macOS) or ReadDirectoryChanges (Windows).
    Native,
    /// Scan the folders twice a second; for network and container file systems.
    Poll,
}

/// Whether an event changed what a file holds: created, written, renamed or removed. Reads
/// and metadata (access times, permissions) do not count.
fn is_write(kind: &EventKind) -> bool {
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        // A polling watcher sees a save only as a new modification time.
        EventKind::Modify(ModifyKind::Metadata(MetadataKind::WriteTime)) => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(_) | EventKind::Any | EventKind::Other => false,
    }
}

/// Whether a changed path below the watched folder `root` should trigger a render.
pub fn is_relevant(path: &Path, root: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let scratch = name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".swo")
        || name.ends_with(".tmp")
        || name.ends_with(".bak")
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || name.contains("___jb_tmp___")
        || name.contains("___jb_old___")
        || name == ".DS_Store"
        || name == "4913"; // vim probes whether it may write a folder with this file
    if scratch {
        return false;
    }
    // debrief's own state, and any site that `debrief build` wrote inside the watched folder
    // (only folders below it count: what lies above is not ours to judge).
    !path
        .ancestors()
        .take_while(|dir| dir.starts_with(root))
        .any(|dir| {
            dir.file_name().is_some_and(|n| n == ".debrief")
                || (dir != root && dir.join(crate::site::MARKER).is_file())
        })
}

/// The watcher, kept alive for as long as the server runs.
pub enum Watcher {
    Native(Debouncer<RecommendedWatcher, RecommendedCache>),
    /// notify's poller keeps modification times in whole seconds, so a second save within a
    /// second would go unseen. Each folder gets a poller that compares the contents of its own
    /// files (incident.toml, notes.md: small), and one that compares times for everything below
    /// (logs, themes: possibly large).
    Poll(Vec<Debouncer<PollWatcher, FileIdMap>>),
}

/// Starts watching `dirs` (each with its subfolders or not), calling `on_change` with each batch
/// of relevant paths.
pub fn watch(
    dirs: &[(PathBuf, bool)],
    kind: WatcherKind,
    debounce: Duration,
    on_change: impl Fn(Vec<PathBuf>) + Send + 'static,
) -> anyhow::Result<Watcher> {
    // Events carry absolute paths, whatever the folders were called on the command line
    // (`debrief serve sample-incident`): compare and watch them in that form.
    let dirs: Vec<(PathBuf, bool)> = dirs
        .iter()
        .map(|(d, recursive)| (absolute(d), *recursive))
        .collect();
    let roots: Vec<PathBuf> = dirs.iter().map(|(d, _)| d.clone()).collect();
    let relevant = move |p: &Path| {
        roots
            .iter()
            .filter(|r| p.starts_with(r))
            .any(|root| is_relevant(p, root))
    };
    let handler = move |result: DebounceEventResult| match result {
        Ok(events) => {
            tracing::debug!(
                "file events: {:?}",
                events
                    .iter()
                    .map(|e| (&e.event.kind, &e.event.paths))
                    .collect::<Vec<_>>()
            );
            let mut paths: Vec<PathBuf> = events
                .into_iter()
                // Reading a file (as every render does) is an event too; only writes count.
                .filter(|e| is_write(&e.event.kind))
                .flat_map(|e| e.event.paths)
                // A path that is gone was a temporary file, or a deletion the last render shows.
                .filter(|p| relevant(p) && p.is_file())
                .collect();
            paths.sort();
            paths.dedup();
            if !paths.is_empty() {
                on_change(paths);
            }
        }
        Err(errors) => {
            for e in errors {
                tracing::warn!("watching: {e}");
            }
        }
    };
    // How often the debouncer checks for settled events: it adds up to one tick of delay after
    // the window, so keep it short whatever the window (measured in bench/serve.sh).
    let tick = Some(
        (debounce / 4)
            .clamp(Duration::from_millis(1), Duration::from_millis(5))
            .min(debounce),
    );
    let mode = |recursive: bool| {
        if recursive {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        }
    };
    match kind {
        WatcherKind::Native => {
            let mut debouncer = new_debouncer_opt(
                debounce,
                tick,
                handler,
                RecommendedCache::new(),
                Config::default(),
            )
            .map_err(explain)?;
            for (dir, recursive) in &dirs {
                debouncer
                    .watch(dir, mode(*recursive))
                    .map_err(|e| explain(e).context(format!("watching {}", dir.display())))?;
            }
            Ok(Watcher::Native(debouncer))
        }
        WatcherKind::Poll => {
            let handler = std::sync::Arc::new(std::sync::Mutex::new(handler));
            let poll = Config::default().with_poll_interval(Duration::from_millis(500));
            let mut pollers = Vec::new();
            for (dir, recursive) in &dirs {
                let setups = [(poll.with_compare_contents(true), false), (poll, true)];
                for (config, deep) in setups.into_iter().filter(|(_, deep)| !deep || *recursive) {
                    let shared = handler.clone();
                    let forward = move |result: DebounceEventResult| {
                        if let Ok(handle) = shared.lock() {
                            handle(result);
                        }
                    };
                    let mut debouncer =
                        new_debouncer_opt(debounce, tick, forward, FileIdMap::new(), config)
                            .map_err(explain)?;
                    debouncer
                        .watch(dir, mode(deep))
                        .map_err(|e| explain(e).context(format!("watching {}", dir.display())))?;
                    pollers.push(debouncer);
                }
            }
            Ok(Watcher::Poll(pollers))
        }
    }
}

/// `dir` as the watcher reports paths below it: absolute, with symlinks resolved.
pub fn absolute(dir: &Path) -> PathBuf {
    dir.canonicalize()
        .or_else(|_| std::path::absolute(dir))
        .unwrap_or_else(|_| dir.to_path_buf())
}

/// Turns the watcher's errors into advice.
fn explain(e: notify::Error) -> anyhow::Error {
    match e.kind {
        notify::ErrorKind::MaxFilesWatch => anyhow::anyhow!(
            "the system's limit on watched folders (inotify) is reached; raise it with `sudo sysctl fs.inotify.max_user_watches=524288`, or use `--watcher poll`"
        ),
        _ => anyhow::anyhow!(
            "{e}; if this file system does not report changes, try `--watcher poll`"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The filter on real files, as editors write them.
    #[test]
    fn editor_scratch_files_and_own_state_are_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::create_dir_all(dir.join(".debrief")).unwrap();
        std::fs::create_dir_all(dir.join("site")).unwrap();
        std::fs::write(dir.join("site").join(crate::site::MARKER), "").unwrap();
        std::fs::create_dir_all(dir.join("logs")).unwrap();
        let write = |rel: &str| {
            let path = dir.join(rel);
            std::fs::write(&path, "x").unwrap();
            path
        };
        for relevant in ["incident.toml", "notes.md", "logs/api.log", "debrief.toml"] {
            assert!(
                is_relevant(&write(relevant), dir),
                "{relevant} should trigger a render"
            );
        }
        for ignored in [
            ".incident.toml.swp",
            ".incident.toml.swx",
            "incident.toml~",
            "#notes.md#",
            ".#notes.md",
            "incident.toml___jb_tmp___",
            "incident.toml___jb_old___",
            ".DS_Store",
            "4913",
            "incident.toml.tmp",
            ".debrief/journal.jsonl",
            "site/index.html",
        ] {
            assert!(
                !is_relevant(&write(ignored), dir),
                "{ignored} should be ignored"
            );
        }
    }
}

#[cfg(test)]
mod live_tests {
    use super::*;

    /// Both watchers report a save of a real file, through the debouncer and the filter.
    #[test]
    fn both_watchers_report_a_save() {
        for kind in [WatcherKind::Native, WatcherKind::Poll] {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().canonicalize().unwrap();
            let file = dir.join("incident.toml");
            std::fs::write(&file, "title = \"a\"\n").unwrap();
            let (tx, rx) = std::sync::mpsc::channel();
            let _watcher = watch(
                &[(dir.clone(), true)],
                kind,
                Duration::from_millis(50),
                move |paths| {
                    let _ = tx.send(paths);
                },
            )
            .unwrap();
            // Let a polling watcher take its first look before the change.
            // No pause: a change right after watching starts must be seen too.
            std::fs::write(&file, "title = \"changed\"\n").unwrap();
            let paths = rx
                .recv_timeout(Duration::from_secs(10))
                .unwrap_or_else(|_| panic!("{kind:?}: no change reported"));
            assert_eq!(paths, vec![file.clone()], "{kind:?}");
        }
    }
}
