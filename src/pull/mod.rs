//! `debrief pull`: evidence from live systems, saved into the incident before the systems
//! forget it (Prometheus keeps 15 days by default, Alertmanager only what still fires).
//!
//! Each pull asks its server over the incident's window, checks the answer in memory, writes
//! the file under `metrics/` or `alerts/` in the format the timeline reads, and only then adds
//! its `[[metrics]]` or `[[sources]]` entry to `incident.toml` (comments and layout kept). When
//! any step fails, nothing stays behind: a file written before a failed edit is taken back.

pub mod alertmanager;
pub mod http;
pub mod prometheus;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use jiff::{SignedDuration, Timestamp};

use crate::model::Incident;

/// The span a pull asks about: the incident from `times.started` to its last time (or now,
/// while it runs), widened by a margin on both sides, never into the future.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: Timestamp,
    pub to: Timestamp,
}

impl Window {
    pub fn of(
        incident: &Incident,
        margin: SignedDuration,
        now: Timestamp,
    ) -> anyhow::Result<Window> {
        let t = &incident.times;
        let Some(started) = t.started.as_ref().map(|s| s.instant()) else {
            bail!(
                "the incident has no times.started, so there is no window to ask about; add `started = …` under [times]"
            );
        };
        let end = [&t.detected, &t.mitigated, &t.resolved]
            .into_iter()
            .flatten()
            .map(|s| s.instant())
            .chain([started])
            .max()
            .unwrap_or(started);
        // An incident without an end is still running: up to now.
        let end = if t.resolved.is_none() && t.mitigated.is_none() {
            end.max(now)
        } else {
            end
        };
        let from = started.saturating_sub(margin).unwrap_or(started);
        let to = end.saturating_add(margin).unwrap_or(end).min(now);
        if from >= to {
            bail!(
                "the incident's window ({} to {}) is in the future; check times.started",
                from,
                to
            );
        }
        Ok(Window { from, to })
    }

    pub fn seconds(&self) -> i64 {
        self.to.duration_since(self.from).as_secs()
    }
}

/// Parses a duration as people write it: `30m`, `1h 30m`, `90s`, `2h`, or seconds alone.
pub fn duration(text: &str) -> anyhow::Result<SignedDuration> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u32>() {
        return Ok(SignedDuration::from_secs(i64::from(seconds)));
    }
    let parsed: SignedDuration = text
        .parse()
        .with_context(|| format!("`{text}` is not a duration; write it like 30s, 5m or 1h"))?;
    if parsed.is_negative() {
        bail!("`{text}` is negative; a duration here is 0 or more");
    }
    Ok(parsed)
}

/// A file name from what a person called something: lower-case letters, digits and `-`.
pub fn slug(name: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 48 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        fallback.to_owned()
    } else {
        out
    }
}

/// A file the pull is about to write, relative to the incident folder.
pub struct Target {
    pub dir: PathBuf,
    /// `metrics/…json`, as the entry in `incident.toml` names it.
    pub relative: String,
}

impl Target {
    pub fn new(dir: &Path, relative: String) -> Target {
        Target {
            dir: dir.to_path_buf(),
            relative,
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(&self.relative)
    }

    /// Refuses to replace a file unless asked to, before anything is asked of a server.
    pub fn check_free(&self, force: bool) -> anyhow::Result<()> {
        let path = self.path();
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => bail!(
                "{} is a symbolic link; debrief does not write through links",
                path.display()
            ),
            Ok(_) if !force => bail!(
                "{} exists; pass --force to replace it, or --name to save under another name",
                path.display()
            ),
            _ => Ok(()),
        }
    }

    /// Writes `bytes` to the file (a temporary file renamed over it), then adds the entry to
    /// `incident.toml` with `add`. When `add` fails, the file is put back as it was.
    pub fn save(
        &self,
        bytes: &[u8],
        add: impl FnOnce() -> anyhow::Result<bool>,
    ) -> anyhow::Result<bool> {
        let path = self.path();
        let parent = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
        let before = std::fs::read(&path).ok();
        let temp = parent.join(format!(
            ".{}.debrief-pull.tmp",
            path.file_name()
                .map_or_else(|| "pull".into(), |n| n.to_string_lossy())
        ));
        let written = std::fs::write(&temp, bytes)
            .and_then(|()| std::fs::rename(&temp, &path))
            .with_context(|| format!("writing {}", path.display()));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(e);
        }
        match add() {
            Ok(added) => Ok(added),
            Err(e) => {
                // Nothing half-written: the file goes back to what it was.
                let _ = match before {
                    Some(old) => std::fs::write(&path, old),
                    None => std::fs::remove_file(&path),
                };
                Err(e)
            }
        }
    }
}

/// Adds a table of `fields` to the list `key` of the incident's file; false when an entry with
/// that path is there already.
pub fn add_entry(
    dir: &Path,
    key: &str,
    fields: &[(&str, toml_edit::Value)],
) -> anyhow::Result<bool> {
    let file = dir.join(crate::load::INCIDENT_FILE);
    crate::store::add_to_list(&file, key, fields)
        .with_context(|| format!("adding the [[{key}]] entry to {}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(times: &str) -> Incident {
        toml::from_str(&format!("title = \"t\"\n[times]\n{times}")).unwrap()
    }

    #[test]
    fn the_window_runs_from_the_start_to_the_last_time_with_margins() {
        let now: Timestamp = "2026-12-06T12:00:00Z".parse().unwrap();
        let m = SignedDuration::from_mins(30);
        let w = Window::of(
            &incident("started = 2026-12-01T10:00:00Z\nresolved = 2026-12-01T11:00:00Z"),
            m,
            now,
        )
        .unwrap();
        assert_eq!(w.from.to_string(), "2026-12-01T09:30:00Z");
        assert_eq!(w.to.to_string(), "2026-12-01T11:30:00Z");
        // Still running: up to now, not past it.
        let w = Window::of(&incident("started = 2026-12-06T11:50:00Z"), m, now).unwrap();
        assert_eq!(w.to, now);
        let err = Window::of(&incident(""), m, now).unwrap_err().to_string();
        assert!(err.contains("times.started"), "{err}");
        let err = Window::of(&incident("started = 2027-01-01T00:00:00Z"), m, now)
            .unwrap_err()
            .to_string();
        assert!(err.contains("future"), "{err}");
    }

    #[test]
    fn durations_and_slugs() {
        assert_eq!(duration("30m").unwrap(), SignedDuration::from_mins(30));
        assert_eq!(duration("1h 30m").unwrap(), SignedDuration::from_mins(90));
        assert_eq!(duration("90").unwrap(), SignedDuration::from_secs(90));
        assert!(duration("soon").is_err());
        assert_eq!(
            slug("rate(http_requests_total{code=~\"5..\"}[5m])", "q"),
            "rate-http-requests-total-code-5-5m"
        );
        assert_eq!(slug("CPU %", "q"), "cpu");
        assert_eq!(slug("∑", "query"), "query");
    }
}
