//! Reading an incident folder, or an archive of them, into the model.
//!
//! `PATH` may be an incident folder (it holds `incident.toml`) or an archive folder whose
//! subfolders are incidents, with an optional `debrief.toml`. A single incident folder takes its
//! settings from a `debrief.toml` in its parent, so `debrief serve archive/2026-11-03-x` uses the
//! archive's meeting settings. Every problem becomes a [`Diagnostic`] in the caller's
//! [`Report`]; loading goes on past broken incidents so one run reports them all.

pub mod config_file;
pub mod document;
pub mod reduce;

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Report};
use crate::model::validate::{self, Finding};
use crate::model::{Config, Incident, LoadedIncident};
use document::SpanMap;

/// The file that makes a folder an incident.
pub const INCIDENT_FILE: &str = "incident.toml";
/// The archive's settings file.
pub const CONFIG_FILE: &str = "debrief.toml";
/// The optional narrative beside `incident.toml`.
pub const NOTES_FILE: &str = "notes.md";

/// Problems that stop loading altogether (as opposed to problems in one incident).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{} does not exist{}", .0.display(), did_you_mean(.0))]
    NotFound(PathBuf),
    #[error(
        "no incidents in {}: expected {INCIDENT_FILE} there, or in its subfolders",
        .0.display()
    )]
    NoIncidents(PathBuf),
    #[error("--config {}: does not exist{}", .0.display(), did_you_mean(.0))]
    ConfigNotFound(PathBuf),
    #[error("reading {}: {cause}", path.display())]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
}

impl LoadError {
    /// The problem without the path, for reports that name the path already.
    pub fn reason(&self) -> String {
        match self {
            LoadError::NotFound(path) => format!("does not exist{}", did_you_mean(path)),
            LoadError::NoIncidents(_) => {
                format!("holds no incidents: expected {INCIDENT_FILE} there, or in its subfolders")
            }
            LoadError::ConfigNotFound(_) => self.to_string(),
            LoadError::Io { cause, .. } => format!("cannot be read: {cause}"),
        }
    }
}

/// `; did you mean `x`?` when the folder of a missing `path` holds a name close to it (the
/// same but for case, or a typo), and nothing otherwise.
fn did_you_mean(path: &Path) -> String {
    match near_name(path) {
        Some(near) => format!("; did you mean `{}`?", near.display()),
        None => String::new(),
    }
}

/// The file or folder beside `path` (which does not exist) whose name is the near miss of
/// `path`'s: the same in another case, or a likely typo.
pub fn near_name(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let names: Vec<String> = std::fs::read_dir(&parent)
        .ok()?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let close = names
        .iter()
        .find(|n| n.eq_ignore_ascii_case(&name))
        .map(String::as_str)
        .or_else(|| document::suggest(&name, &names))?;
    Some(path.with_file_name(close))
}

/// What a path turned out to hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The archive folder, or the incident folder itself when it stands alone.
    pub root: PathBuf,
    /// Incident folders, sorted by name.
    pub incidents: Vec<PathBuf>,
    /// The `debrief.toml` that applies, if any.
    pub config: Option<PathBuf>,
    /// The folders where `debrief.toml` was looked for, nearest first (see [`config_file`]).
    pub config_looked: Vec<PathBuf>,
    /// Whether the search went up to the root of a git repository.
    pub config_to_repository_root: bool,
    /// Whether `root` is an archive (as opposed to a single incident folder).
    pub is_archive: bool,
}

impl Layout {
    /// Which `debrief.toml` applies, or where none was found, in one line.
    pub fn config_line(&self) -> String {
        config_file::Search {
            found: self.config.clone(),
            looked: self.config_looked.clone(),
            to_repository_root: self.config_to_repository_root,
        }
        .describe()
    }
}

/// Finds the incidents at `path`.
pub fn discover(path: &Path) -> Result<Layout, LoadError> {
    if !path.exists() {
        return Err(LoadError::NotFound(path.to_path_buf()));
    }
    // `debrief check path/to/incident.toml` means its folder.
    let dir = if path.is_file() && path.file_name().is_some_and(|n| n == INCIDENT_FILE) {
        path.parent().map_or_else(
            || PathBuf::from("."),
            |p| {
                if p.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    p.to_path_buf()
                }
            },
        )
    } else {
        path.to_path_buf()
    };
    if let Some(chosen) = config_file::chosen().filter(|f| !f.is_file()) {
        return Err(LoadError::ConfigNotFound(chosen.to_path_buf()));
    }
    if dir.join(INCIDENT_FILE).is_file() {
        let search = config_file::find(&dir, true);
        return Ok(Layout {
            root: dir.clone(),
            incidents: vec![dir],
            config: search.found,
            config_looked: search.looked,
            config_to_repository_root: search.to_repository_root,
            is_archive: false,
        });
    }
    let entries = std::fs::read_dir(&dir).map_err(|cause| LoadError::Io {
        path: dir.clone(),
        cause,
    })?;
    let mut incidents = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|cause| LoadError::Io {
            path: dir.clone(),
            cause,
        })?;
        let sub = entry.path();
        if sub.join(INCIDENT_FILE).is_file() {
            incidents.push(sub);
        }
    }
    if incidents.is_empty() {
        return Err(LoadError::NoIncidents(dir));
    }
    incidents.sort();
    let search = config_file::find(&dir, false);
    Ok(Layout {
        root: dir,
        incidents,
        config: search.found,
        config_looked: search.looked,
        config_to_repository_root: search.to_repository_root,
        is_archive: true,
    })
}

/// An archive (or a single incident) loaded into memory.
#[derive(Debug)]
pub struct Archive {
    pub layout: Layout,
    pub config: Config,
    /// The incidents that loaded without errors.
    pub incidents: Vec<LoadedIncident>,
}

/// How much to check while loading.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Run the blameless-language lint, and check the archive's `[policy]`.
    pub lint: bool,
    /// The day policies are judged against (default: today).
    pub today: Option<jiff::civil::Date>,
    /// Report errors alone: a live render shows only what stops it, and finding the lines of
    /// warnings would read the file again on every save.
    pub errors_only: bool,
}

impl Archive {
    /// Loads everything at `path`. Problems in files go into `report`; the error is for a path
    /// that holds no incidents at all.
    pub fn load(path: &Path, options: Options, report: &mut Report) -> Result<Archive, LoadError> {
        let layout = discover(path)?;
        let config = match &layout.config {
            Some(file) => load_config(file, report).unwrap_or_default(),
            None => Config::default(),
        };
        // Incidents load in parallel, each into its own report, merged in folder order.
        use rayon::prelude::*;
        let loaded: Vec<(Option<LoadedIncident>, Report)> = layout
            .incidents
            .par_iter()
            .map(|dir| {
                let mut own = Report::default();
                let incident = load_incident(dir, &config, options, &mut own);
                // Keep only the text of files a diagnostic quotes, not a copy of every file.
                own.drop_unquoted();
                (incident, own)
            })
            .collect();
        let mut incidents = Vec::with_capacity(loaded.len());
        for (incident, own) in loaded {
            report.merge(own);
            incidents.extend(incident);
        }
        Ok(Archive {
            layout,
            config,
            incidents,
        })
    }
}

/// Reads `debrief.toml`.
pub fn load_config(path: &Path, report: &mut Report) -> Option<Config> {
    let text = read_text(path, report)?;
    match document::parse::<Config>(path, &text) {
        Ok(config) => {
            if config.severities.levels.is_empty() {
                let spans = SpanMap::build(&text);
                report.push(
                    Diagnostic::error("invalid-value", path, "`severities.levels` is empty")
                        .at(spans.value("severities.levels"))
                        .help("list the severities, most severe first: levels = [\"SEV1\", \"SEV2\", \"SEV3\"]"),
                );
                return None;
            }
            let public = config
                .public
                .as_ref()
                .map(|rules| crate::public::rule_findings(rules, None))
                .unwrap_or_default();
            if !public.is_empty() {
                report.extend(locate(path, &text, public));
                return None;
            }
            let unknown = policy_names(&config);
            if !unknown.is_empty() {
                let spans = SpanMap::build(&text);
                for (path_in_file, message, help) in unknown {
                    report.push(
                        Diagnostic::error(INVALID_POLICY, path, message)
                            .at(spans.value(&path_in_file))
                            .help(help),
                    );
                }
                return None;
            }
            Some(config)
        }
        Err(partial) => {
            report.extend(partial.errors);
            None
        }
    }
}

/// The code of a `[policy]` that names a severity or a priority the archive does not define:
/// a mistake in the set-up rather than in an incident, which commands report with exit code 2.
pub const INVALID_POLICY: &str = "invalid-policy";

/// Severities and priorities that `[policy]` names and the archive does not define: the key's
/// path in the file, the message and the help.
fn policy_names(config: &Config) -> Vec<(String, String, String)> {
    let policy = &config.policy;
    let levels = &config.severities.levels;
    let severities = policy
        .review_within_days
        .keys()
        .filter(|k| !levels.contains(k))
        .map(|k| {
            (
                format!("policy.review_within_days.{k}"),
                format!("`[policy] review_within_days` names the severity `{k}`, which the archive does not define"),
                format!("the severities are {}", levels.join(", ")),
            )
        });
    let priorities = policy
        .action_due_within_days
        .keys()
        .filter(|k| k.parse::<crate::model::Priority>().is_err())
        .map(|k| {
            (
                format!("policy.action_due_within_days.{k}"),
                format!("`[policy] action_due_within_days` names the priority `{k}`, which does not exist"),
                "the priorities are P0, P1, P2 and P3".to_owned(),
            )
        });
    severities.chain(priorities).collect()
}

/// Loads, validates and (if asked) lints one incident folder. Returns `None` when it has errors.
pub fn load_incident(
    dir: &Path,
    config: &Config,
    options: Options,
    report: &mut Report,
) -> Option<LoadedIncident> {
    let path = dir.join(INCIDENT_FILE);
    let text = read_text(&path, report)?;
    if text.trim().is_empty() {
        report.push(
            Diagnostic::error("empty-file", &path, "the file is empty")
                .help("an incident needs at least `title = \"...\"`; `debrief new <dir>` writes a commented template"),
        );
        return None;
    }
    let (mut incident, partial) = match document::parse::<Incident>(&path, &text) {
        Ok(incident) => (incident, None),
        Err(mut partial) => {
            report.extend(std::mem::take(&mut partial.errors));
            match partial.value.take() {
                Some(incident) => (incident, Some(partial)),
                None => return None,
            }
        }
    };
    let assumed = partial
        .as_ref()
        .map(|p| p.dropped_ids.clone())
        .unwrap_or_default();
    let mut findings = validate::validate(&incident, config, dir, &assumed);
    // Warnings that read the logs (a source outside the incident's window, a cited line at
    // another time) are not looked for where only errors are reported.
    let warnings = !options.errors_only;
    findings.extend(crate::evidence::source_findings(&incident, dir, warnings));
    findings.extend(crate::evidence::metric_findings(&incident, dir));
    findings.extend(crate::evidence::paths::outside_findings(&incident, dir));
    if warnings {
        findings.extend(crate::evidence::crosscheck::cited_line_findings(
            &incident, dir,
        ));
    }
    findings.extend(crate::public::incident_findings(&incident));
    if options.lint {
        let today = options
            .today
            .unwrap_or_else(|| jiff::Timestamp::now().to_zoned(incident.tz()).date());
        findings.extend(validate::policy(&incident, &config.policy, today));
        findings.extend(validate::lint_incident(
            &incident,
            &validate::lint_for(&incident),
        ));
    }
    if let Some(partial) = &partial {
        // Paths in the partial incident skip the entries that were left out; point at the file's.
        findings
            .iter_mut()
            .for_each(|f| f.path = partial.file_path(&f.path));
    }
    let notes = read_notes(dir, report);
    let unbalanced = notes
        .as_deref()
        .map(crate::public::marker_problems)
        .unwrap_or_default();
    for (span, message) in &unbalanced {
        report.push(
            Diagnostic::error("unbalanced-internal", &dir.join(NOTES_FILE), *message)
                .at(Some(span.clone()))
                .label("internal marker")
                .help("a part meant for the team alone sits between `<!-- internal -->` and `<!-- /internal -->`, written exactly so; a public build leaves it out"),
        );
    }
    if options.lint
        && let Some(notes) = &notes
    {
        lint_notes(&dir.join(NOTES_FILE), notes, &incident, report);
    }
    let failed = partial.is_some()
        || !unbalanced.is_empty()
        || findings
            .iter()
            .any(|f| f.severity == crate::diagnostics::Severity::Error);
    if options.errors_only {
        findings.retain(|f| f.severity == crate::diagnostics::Severity::Error);
    }
    report.extend(locate(&path, &text, findings));
    if failed {
        return None;
    }
    incident.fix_times();
    let id = incident_id(dir);
    Some(LoadedIncident {
        id,
        dir: dir.to_path_buf(),
        incident,
        notes,
    })
}

/// The incident's id: its folder's name.
pub fn incident_id(dir: &Path) -> String {
    let named = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    named
        .or_else(|| {
            dir.canonicalize()
                .ok()?
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "incident".to_owned())
}

fn read_notes(dir: &Path, report: &mut Report) -> Option<String> {
    let path = dir.join(NOTES_FILE);
    path.is_file().then(|| read_text(&path, report)).flatten()
}

/// Reads a text file, reporting IO errors and invalid UTF-8 (at the first bad byte).
fn read_text(path: &Path, report: &mut Report) -> Option<String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            report.push(Diagnostic::error(
                "io",
                path,
                format!("cannot read the file: {e}"),
            ));
            return None;
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => {
            report.add_file(path, text.clone());
            Some(text)
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            report.add_file(path, lossy);
            report.push(
                Diagnostic::error("encoding", path, "the file is not valid UTF-8")
                    .at(Some(at..at + 1))
                    .label("invalid byte")
                    .help("save the file as UTF-8"),
            );
            None
        }
    }
}

/// Turns findings (named by document path) into diagnostics (located by span).
/// Findings about `file` as diagnostics at their places in it (read again from disk).
pub fn locate_in_file(file: &Path, findings: Vec<Finding>) -> Vec<Diagnostic> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    locate(file, &text, findings)
}

fn locate(file: &Path, text: &str, findings: Vec<Finding>) -> Vec<Diagnostic> {
    if findings.is_empty() {
        return Vec::new();
    }
    let wanted = findings
        .iter()
        .flat_map(|f| [Some(f.path.as_str()), f.related.as_deref()])
        .flatten();
    let spans = SpanMap::build_for(text, wanted);
    findings
        .into_iter()
        .map(|f| {
            let span = if f.path.is_empty() {
                None
            } else {
                spans.value(&f.path)
            };
            let span = match (&f.within, span) {
                (Some(inner), Some(outer)) => Some(inside_string(text, outer, inner.clone())),
                (_, span) => span,
            };
            let mut d = Diagnostic {
                severity: f.severity,
                code: f.code,
                message: f.message,
                file: file.to_path_buf(),
                span,
                label: f.label,
                help: f.help,
            };
            if let (Some(help), Some(line)) = (
                &mut d.help,
                f.related.as_deref().and_then(|r| spans.value(r)),
            ) {
                *help = help.replace(
                    "{line}",
                    &crate::diagnostics::line_col(text, line.start).0.to_string(),
                );
            }
            if d.label.is_none() && d.code.starts_with("blameless/") {
                d.label = Some("blaming language".into());
            }
            d
        })
        .collect()
}

/// Maps a range in a string's decoded text to the file, given the span of the quoted value.
/// Exact for strings without escapes; otherwise points at the start of the string.
fn inside_string(text: &str, outer: Range<usize>, inner: Range<usize>) -> Range<usize> {
    let raw = &text[outer.clone()];
    let quote = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
        3
    } else {
        1
    };
    let mut start = outer.start + quote;
    if quote == 3 {
        // TOML drops a newline right after the opening quotes.
        if text[start..].starts_with("\r\n") {
            start += 2;
        } else if text[start..].starts_with('\n') {
            start += 1;
        }
    }
    let content = &text[start..outer.end.saturating_sub(quote).max(start)];
    let escaped = raw.starts_with('"') && content.contains('\\');
    if escaped || inner.end > content.len() {
        outer.start..outer.start + quote
    } else {
        start + inner.start..start + inner.end
    }
}

/// Lints `notes.md`, skipping fenced code blocks (pasted logs are not prose).
fn lint_notes(path: &Path, notes: &str, incident: &Incident, report: &mut Report) {
    let lint = validate::lint_for(incident);
    let mut offset = 0;
    let mut in_fence = false;
    for line in notes.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        } else if !in_fence {
            for hit in lint.check(line) {
                report.push(
                    Diagnostic::warning(hit.rule.code, path, hit.message())
                        .at(Some(offset + hit.range.start..offset + hit.range.end))
                        .label("blaming language")
                        .help(hit.rule.help),
                );
            }
        }
        offset += line.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_inside_strings_map_to_the_file() {
        let text = "a = \"we should have\"\nb = \"\"\"\nthe x\"\"\"\nc = \"tab\\there x\"\n";
        let a = text.find("\"we").unwrap();
        let span = inside_string(text, a..a + 16, 3..14);
        assert_eq!(&text[span], "should have");
        let b = text.find("\"\"\"").unwrap();
        let end = text.find("x\"\"\"").unwrap() + 4;
        let span = inside_string(text, b..end, 4..5);
        assert_eq!(&text[span], "x");
        // With an escape the decoded offsets do not line up; point at the string instead.
        let c = text.find("\"tab").unwrap();
        let span = inside_string(text, c..text.len() - 1, 9..10);
        assert_eq!(span, c..c + 1);
    }
}
