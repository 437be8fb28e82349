//! Evidence: logs and exports streamed into timeline candidates and volume counts.
//!
//! Each `[[sources]]` entry names a file or a glob. Its entries become [`Candidate`]s with
//! their provenance (`path:line`), in a lane named after the source, and per-minute counts
//! become a [`Volume`] strip for the diagrams. Line logs are streamed and never loaded whole.

pub mod access;
pub mod columns;
pub mod crosscheck;
mod detect;
mod documents;
pub mod explain;
pub mod fields;
mod findings;
pub mod format;
pub mod level;
pub mod line;
pub mod locate;
pub mod metrics;
pub mod moments;
pub mod paths;
pub mod scan;
mod swar;
pub mod templates;
pub mod timestamp;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use regex::bytes::Regex;
use serde::Serialize;

pub(crate) use detect::shown_line;
pub use detect::{file_parser, fixed_parser};
pub use findings::{metric_findings, source_findings};
pub use format::{Format, Level, Parser};
pub use paths::resolve_paths;
use scan::{Filter, Output};
use timestamp::Context;

use crate::model::{Incident, Kind, LoadedIncident, Source};

/// How many candidates a source gives at most unless `max_entries` says otherwise.
pub const DEFAULT_CAP: u64 = 100_000;
/// Bytes read from the start of a file to detect its format.
const SNIFF: usize = 64 << 10;
/// Lines looked at to detect a format.
const SNIFF_LINES: usize = 64;

/// A log entry that may be promoted to the curated timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub at: Timestamp,
    /// What people see: the message, after the program or logger that wrote it, and the
    /// entry's further lines.
    pub text: String,
    /// The message alone: the first line without its time, level and header fields.
    pub message: String,
    /// The header fields by name (`host`, `program`, `pid`, `thread`, `logger`, …), where the
    /// format's lines have them.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fields: std::collections::BTreeMap<String, String>,
    pub kind: Kind,
    /// The source's name.
    pub lane: String,
    /// `path:line`, relative to the incident folder.
    pub source: String,
    pub level: Option<Level>,
}

/// Entries per minute.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Volume {
    /// Minute (seconds since the epoch, divided by 60) → counts.
    pub minutes: BTreeMap<i64, Count>,
}

/// Entries in one minute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    pub total: u32,
    /// Entries at level error or above.
    pub errors: u32,
}

impl Volume {
    /// Adds `count` entries to `minute` (since the epoch).
    pub fn add(&mut self, minute: i64, count: Count) {
        let slot = self.minutes.entry(minute).or_default();
        slot.total += count.total;
        slot.errors += count.errors;
    }
}

/// What reading a source found, beyond its entries.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Lines read (for JSON exports: elements).
    pub lines: u64,
    /// Lines that start an entry. With an include filter alone, entries far from any match
    /// are skipped unread after the first 1 MiB, and are not counted here.
    pub dated: u64,
    /// Undated lines attached to the entry before them (counted like `dated`).
    pub continued: u64,
    /// Undated lines with no entry before them (at the start of a file).
    pub undated: u64,
    /// Header and comment lines (`#Fields:`, `#close`), which are no part of any entry.
    pub headers: u64,
    /// Entries whose time names no real instant (such as February 30).
    pub undatable: u64,
    /// Candidates kept.
    pub kept: u64,
    /// Reading stopped at the cap.
    pub capped: bool,
    /// Line numbers of lines that were cut for length.
    pub cut_lines: Vec<u64>,
    /// The earliest and the latest instant of the entries read (of every entry when the
    /// volume is counted; of the kept candidates otherwise).
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    /// The first few lines that carry no time, with their line numbers (at most
    /// [`NOT_DATED_SHOWN`]; as an error message may show them: clipped, escaped).
    pub not_dated: Vec<(u64, String)>,
}

/// How many lines without a time a scan keeps to show.
pub const NOT_DATED_SHOWN: usize = 3;

/// One source, read.
#[derive(Debug, Clone, Serialize)]
pub struct SourceScan {
    pub name: String,
    /// The format of each file, by relative path.
    pub files: Vec<(String, Format)>,
    pub candidates: Vec<Candidate>,
    pub volume: Volume,
    /// The entries' templates, earliest first (when asked for).
    pub templates: Vec<templates::Template>,
    /// Which template each entry joined, in file order (when asked for).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub template_lines: Vec<templates::TemplateLine>,
    pub stats: Stats,
    /// Things the reader should know: caps hit, lines cut, lines that could not be dated.
    pub notes: Vec<String>,
}

/// Bytes of log files read so far by this process, for progress bars.
pub static READ_BYTES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The size of every file the incident's sources name, for a progress bar's total.
pub fn source_bytes(incident: &LoadedIncident) -> u64 {
    (0..incident.incident.sources.len())
        .map(|i| bytes_of_source(incident, i))
        .sum()
}

/// The bytes of one source's files, as far as they can be told (0 when they cannot: its scan
/// says why).
fn bytes_of_source(incident: &LoadedIncident, index: usize) -> u64 {
    resolve_paths(&incident.dir, &incident.incident.sources[index].path)
        .map(|files| {
            files
                .iter()
                .filter_map(|f| std::fs::metadata(f).ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// What to compute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanOptions {
    pub candidates: bool,
    pub volume: bool,
    /// Group the entries into templates.
    pub templates: bool,
    /// With `templates`: keep which template each entry joined.
    pub template_lines: bool,
}

/// Why a source could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("`{0}` does not exist")]
    Missing(String),
    #[error("`{0}` is a folder; name a file, or a glob such as `logs/*.log`")]
    NotAFile(String),
    #[error("`{0}` is not a regular file (a pipe, a device or a socket); name a log file")]
    NotRegular(String),
    #[error("`{0}` matches no file")]
    NoMatch(String),
    #[error("`{0}` is not a valid glob: {1}")]
    BadGlob(String, String),
    #[error("cannot read `{path}`: {cause}")]
    Io { path: String, cause: std::io::Error },
    #[error("unknown format `{0}`; known formats: {known}", known = Format::names().join(", "))]
    UnknownFormat(String),
    #[error("unknown level `{0}`; use trace, debug, info, notice, warn, error or critical")]
    UnknownLevel(String),
    #[error(
        "cannot date the lines of `{0}`: no known format or timestamp layout dates a third of them. Its first lines:\n{1}\nSet `format`, or `regex` with the groups `ts` and `msg`"
    )]
    Undetectable(String, String),
    #[error("invalid regex: {0}")]
    Regex(String),
    #[error("`{path}`: {message}")]
    Document { path: String, message: String },
}

/// Reads the source at `index` of `incident`.
pub fn scan_source(
    incident: &LoadedIncident,
    index: usize,
    options: ScanOptions,
) -> Result<SourceScan, EvidenceError> {
    let source = &incident.incident.sources[index];
    let files = resolve_paths(&incident.dir, &source.path)?;
    let mut ctx = context(incident, source);
    let filter = filter(source)?;
    let fixed = fixed_parser(source)?;
    let mut scan = SourceScan {
        name: source.name.clone(),
        files: Vec::new(),
        candidates: Vec::new(),
        volume: Volume::default(),
        templates: Vec::new(),
        template_lines: Vec::new(),
        stats: Stats::default(),
        notes: Vec::new(),
    };
    let mut feed = options
        .templates
        .then(|| templates::Feed::start(options.template_lines));
    for path in files {
        let rel = relative(&incident.dir, &path);
        let parser = file_parser(&path, &rel, fixed.as_ref())?;
        scan.files.push((rel.clone(), parser.format));
        let before = scan.stats.clone();
        let mut out = Output {
            candidates: options.candidates.then_some(&mut scan.candidates),
            volume: options.volume.then_some(&mut scan.volume),
            templates: feed.as_mut(),
            stats: &mut scan.stats,
            lane: &source.name,
            kind: Kind::Event,
            minute: None,
        };
        if parser.format.is_document() {
            documents::scan(&path, &rel, parser.format, &filter, &mut ctx, &mut out)?;
        } else {
            let file = File::open(&path).map_err(|cause| EvidenceError::Io {
                path: rel.clone(),
                cause,
            })?;
            scan::scan_file(file, &rel, &parser, &filter, &mut ctx, &mut out).map_err(|cause| {
                EvidenceError::Io {
                    path: rel.clone(),
                    cause,
                }
            })?;
        }
        // The last minute's volume counts are added when the output is dropped.
        drop(out);
        // Times of day alone need the incident's day; without one none of them can be placed.
        let dateless =
            parser.format == Format::Located(locate::Layout::TimeOfDay) && ctx.day.is_none();
        note_file(
            &mut scan.notes,
            &rel,
            parser.format,
            &before,
            &scan.stats,
            dateless,
        );
        if scan.stats.capped {
            let cap = source.max_entries.unwrap_or(DEFAULT_CAP);
            let setting = if source.max_entries.is_some() {
                "max_entries"
            } else {
                "the default cap; raise it with max_entries"
            };
            scan.notes.push(format!(
                "stopped after {cap} entries ({setting}); later entries were not read"
            ));
            break;
        }
    }
    // Entries stay in file order within a file; the candidates are sorted by time.
    scan.candidates.sort_by_key(|c| c.at);
    if let Some(feed) = feed {
        (scan.templates, scan.template_lines) = feed.finish().finish_with_lines(&source.name);
    }
    Ok(scan)
}

fn note_file(
    notes: &mut Vec<String>,
    rel: &str,
    format: Format,
    before: &Stats,
    after: &Stats,
    dateless: bool,
) {
    let lines = after.lines - before.lines;
    let dated = after.dated - before.dated;
    if lines > 0 && dated == 0 {
        notes.push(format!("no line of `{rel}` could be dated as {format}"));
    } else if after.undated > before.undated {
        notes.push(format!(
            "{} lines at the start of `{rel}` have no time and no entry before them",
            after.undated - before.undated
        ));
    }
    for line in &after.cut_lines[before.cut_lines.len()..] {
        notes.push(format!(
            "line {line} of `{rel}` is longer than 1 MiB; it was cut"
        ));
    }
    if dateless {
        notes.push(format!(
            "`{rel}` has times of day without a date: give the incident `times.started` (or a \
             timeline entry) to place them"
        ));
    } else if after.undatable > before.undatable {
        notes.push(format!(
            "{} entries of `{rel}` name times that do not exist and were skipped",
            after.undatable - before.undatable
        ));
    }
}

/// `path` relative to `dir`, with `/` between its parts, as places are shown.
pub fn relative(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The year and zone that fill in what log lines leave out: the source's, then the incident's.
fn context(incident: &LoadedIncident, source: &Source) -> Context {
    source_context(&incident.incident, source)
}

fn source_context(incident: &Incident, source: &Source) -> Context {
    let tz = source
        .timezone
        .as_deref()
        .and_then(|z| TimeZone::get(z).ok())
        .unwrap_or_else(|| incident.tz());
    let year = source.year.unwrap_or_else(|| year_of(incident));
    let mut ctx = Context::new(year, tz.clone());
    // Times of day alone are dated by the day the incident started, in the source's zone.
    ctx.day = first_of(incident).map(|s| s.instant().to_zoned(tz).date());
    ctx
}

/// The zone a source's times without an offset are read in: its `timezone`, else the
/// incident's, by name.
fn source_zone_name(incident: &Incident, source: &Source) -> String {
    source
        .timezone
        .clone()
        .or_else(|| incident.timezone.clone())
        .unwrap_or_else(|| "UTC".to_owned())
}

/// The window the evidence of an incident is looked at in: from `margin` minutes before
/// `times.started` to `margin` minutes after `times.resolved` (or the latest of the incident's
/// times); without a start, around the curated timeline; `None` (everything) when the incident
/// has neither.
pub fn incident_window(incident: &Incident, margin: u32) -> Option<(Timestamp, Timestamp)> {
    let t = &incident.times;
    let times: Vec<Timestamp> = [&t.started, &t.detected, &t.mitigated, &t.resolved]
        .into_iter()
        .flatten()
        .map(|s| s.instant())
        .collect();
    let (from, to) = match (t.started.as_ref().map(|s| s.instant()), times.iter().max()) {
        (Some(start), Some(end)) => (start, *end),
        _ => {
            let entries: Vec<Timestamp> =
                incident.timeline.iter().map(|e| e.at.instant()).collect();
            (*entries.iter().min()?, *entries.iter().max()?)
        }
    };
    let margin = jiff::SignedDuration::from_mins(i64::from(margin));
    Some((
        from.saturating_sub(margin).ok()?,
        to.saturating_add(margin).ok()?,
    ))
}

/// The minutes either side of an incident that its evidence is looked at by default.
pub const WINDOW_MARGIN: u32 = 30;

/// The year the incident started: `times.started`, else its first timeline entry, else now.
pub fn incident_year(incident: &LoadedIncident) -> i16 {
    year_of(&incident.incident)
}

fn year_of(i: &Incident) -> i16 {
    let at = first_of(i).map_or_else(Timestamp::now, |s| s.instant());
    at.to_zoned(i.tz()).year()
}

/// When the incident started, or its first timeline entry.
fn first_of(i: &Incident) -> Option<&crate::model::Stamp> {
    i.times
        .started
        .as_ref()
        .or_else(|| i.timeline_sorted().first().map(|e| &e.at))
}

fn joined(patterns: &[String]) -> Result<Option<Regex>, EvidenceError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let alternation = patterns
        .iter()
        .map(|p| format!("(?:{p})"))
        .collect::<Vec<_>>()
        .join("|");
    Regex::new(&alternation)
        .map(Some)
        .map_err(|e| EvidenceError::Regex(e.to_string()))
}

fn filter(source: &Source) -> Result<Filter, EvidenceError> {
    let level = match &source.level {
        Some(l) => Some(
            l.parse::<Level>()
                .map_err(|_| EvidenceError::UnknownLevel(l.clone()))?,
        ),
        None => None,
    };
    Ok(Filter {
        include: joined(&source.include)?,
        exclude: joined(&source.exclude)?,
        level,
        cap: source.max_entries.unwrap_or(DEFAULT_CAP).max(1) as usize,
        hidden: source.hidden_lines.clone(),
    })
}

/// Reads every source of an incident, in parallel. Sources that fail are returned with their
/// error, in file order.
///
/// The largest sources start first, and each thread takes the next source when it is free: a
/// source is read on one thread, so a large one started last would run alone at the end while
/// the other cores wait.
pub fn scan_all(
    incident: &LoadedIncident,
    options: ScanOptions,
) -> Vec<(String, Result<SourceScan, EvidenceError>)> {
    use rayon::prelude::*;
    let sources = &incident.incident.sources;
    let mut order: Vec<(u64, usize)> = (0..sources.len())
        .map(|i| (bytes_of_source(incident, i), i))
        .collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut scanned: Vec<(usize, Result<SourceScan, EvidenceError>)> = order
        .into_iter()
        .par_bridge()
        .map(|(_, i)| (i, scan_source(incident, i, options)))
        .collect();
    scanned.sort_by_key(|s| s.0);
    scanned
        .into_iter()
        .map(|(i, scan)| (sources[i].name.clone(), scan))
        .collect()
}
