//! Evidence: logs and exports streamed into timeline candidates and volume counts.
//!
//! Each `[[sources]]` entry names a file or a glob. Its entries become [`Candidate`]s with
//! their provenance (`path:line`), in a lane named after the source, and per-minute counts
//! become a [`Volume`] strip for the diagrams. Line logs are streamed and never loaded whole.

pub mod access;
pub mod columns;
pub mod crosscheck;
mod documents;
pub mod explain;
pub mod fields;
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

pub use format::{Format, Level, Parser};
pub use paths::resolve_paths;
use scan::{Filter, Output};
use timestamp::Context;

use crate::load::document::suggest;
use crate::model::validate::Finding;
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
    incident
        .incident
        .sources
        .iter()
        .filter_map(|s| resolve_paths(&incident.dir, &s.path).ok())
        .flatten()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
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

/// The whole number of hours (within ±14, the widest zone offsets) by which a source's span
/// `first..last` would have to move to overlap the incident's window `from..to`, when no shift
/// smaller in size does: the mark of a log read in the wrong zone.
fn whole_hours_off(
    first: Timestamp,
    last: Timestamp,
    from: Timestamp,
    to: Timestamp,
) -> Option<i64> {
    let mut shifts: Vec<i64> = (1..=14).flat_map(|h| [-h, h]).collect();
    shifts.sort_by_key(|h| h.abs());
    shifts.into_iter().find(|&h| {
        let d = jiff::SignedDuration::from_hours(h);
        let (a, b) = (
            first.saturating_add(d).unwrap_or(first),
            last.saturating_add(d).unwrap_or(last),
        );
        a <= to && b >= from
    })
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

/// The incident's window: started (or its first entry) to resolved (or mitigated, or its last
/// entry), when both ends are known.
fn window(incident: &Incident) -> Option<(Timestamp, Timestamp)> {
    let t = &incident.times;
    let sorted = incident.timeline_sorted();
    // `check` asks before the loader fixes floating times: read them in the incident's zone.
    let tz = incident.tz();
    let from = t
        .started
        .as_ref()
        .or_else(|| sorted.first().map(|e| &e.at))?
        .resolve(&tz)
        .0;
    let to = t
        .resolved
        .as_ref()
        .or(t.mitigated.as_ref())
        .or_else(|| sorted.last().map(|e| &e.at))?
        .resolve(&tz)
        .0;
    Some((from, to.max(from)))
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

/// The first and last times that the start and the end of a line-format file give (64 KiB of
/// each), read as the source reads them.
fn dated_range(path: &Path, parser: &Parser, ctx: &mut Context) -> Option<(Timestamp, Timestamp)> {
    use std::io::{Read, Seek, SeekFrom};
    const PART: u64 = 64 << 10;
    let mut file = File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let mut head = Vec::new();
    (&mut file).take(PART).read_to_end(&mut head).ok()?;
    let mut tail = Vec::new();
    if len > PART {
        file.seek(SeekFrom::Start(len - PART)).ok()?;
        file.read_to_end(&mut tail).ok()?;
        // The first line of the tail may be cut: skip it.
        let cut = memchr::memchr(b'\n', &tail).map_or(tail.len(), |i| i + 1);
        tail.drain(..cut);
    } else {
        tail = head.clone();
    }
    let mut times = |bytes: &[u8]| -> Vec<Timestamp> {
        bytes
            .split(|b| *b == b'\n')
            .filter_map(|line| parser.date(line))
            .filter_map(|when| when.resolve(ctx))
            .collect()
    };
    let first = times(&head).into_iter().min()?;
    let last = times(&tail).into_iter().max()?;
    Some((first, last.max(first)))
}

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

/// The parser a source asks for, or `None` for `auto`.
pub fn fixed_parser(source: &Source) -> Result<Option<Parser>, EvidenceError> {
    if let Some(pattern) = &source.regex {
        let re = Regex::new(pattern).map_err(|e| EvidenceError::Regex(e.to_string()))?;
        return Ok(Some(Parser::with_regex(re)));
    }
    match source.format.as_deref().unwrap_or("auto").parse::<Format>() {
        Ok(Format::Auto) => Ok(None),
        Ok(Format::Regex) => Err(EvidenceError::Regex(
            "`format = \"regex\"` needs `regex = '...'`".into(),
        )),
        Ok(format) => Ok(Some(Parser::new(format))),
        Err(_) => Err(EvidenceError::UnknownFormat(
            source.format.clone().unwrap_or_default(),
        )),
    }
}

/// The parser for one file: the source's own (`fixed`), or the format detected from the file.
/// Either way, a header that names the columns (W3C, Zeek) is read here.
pub fn file_parser(
    path: &Path,
    rel: &str,
    fixed: Option<&Parser>,
) -> Result<Parser, EvidenceError> {
    use std::io::Read;
    let mut head = Vec::with_capacity(SNIFF);
    File::open(path)
        .and_then(|f| f.take(SNIFF as u64).read_to_end(&mut head))
        .map_err(|cause| EvidenceError::Io {
            path: rel.to_owned(),
            cause,
        })?;
    let parser = match fixed {
        Some(parser) => parser.clone(),
        None => Parser::new(detect_head(path, rel, &head)?),
    };
    Ok(parser.for_file(&head))
}

/// Detects the format of a file from its first bytes (`head`), reading more of it (see
/// [`spread_sample`]) when those do not settle it.
fn detect_head(path: &Path, rel: &str, head: &[u8]) -> Result<Format, EvidenceError> {
    if head.iter().all(u8::is_ascii_whitespace) {
        // Nothing to detect in an empty file, and nothing to read either.
        return Ok(Format::Iso8601);
    }
    if let Some(format) = detect_document(head) {
        return Ok(format);
    }
    // A header that names the columns settles it.
    if let Some(columns) = columns::Columns::from_header(head) {
        return Ok(match columns.kind {
            columns::Kind::W3c => Format::W3c,
            columns::Kind::Zeek => Format::Zeek,
        });
    }
    let lines: Vec<&[u8]> = head
        .split(|b| *b == b'\n')
        .take(SNIFF_LINES)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect();
    let named = format::detect_counted(&lines);
    // A named format that dates most of the first lines is the answer. Otherwise (an unknown
    // format, or a banner or header that a named format happens to date) the locator learns a
    // layout from lines spread through the whole file, and wins when it dates clearly more.
    if let Some((format, dated)) = named
        && dated * 2 > lines.iter().filter(|l| !l.trim_ascii().is_empty()).count()
    {
        return Ok(format);
    }
    let spread = spread_sample(path, head).map_err(|cause| EvidenceError::Io {
        path: rel.to_owned(),
        cause,
    })?;
    let sample: Vec<&[u8]> = spread.iter().map(Vec::as_slice).collect();
    let located = locate::learn(&sample);
    let named_in_sample = named.map(|(format, _)| {
        let parser = Parser::new(format);
        (
            format,
            sample.iter().filter(|l| parser.parse(l).is_some()).count(),
        )
    });
    match (named_in_sample, located) {
        (Some((format, n)), Some(learned)) if n * 3 >= learned.dated * 2 => Ok(format),
        (_, Some(learned)) => Ok(Format::Located(learned.layout)),
        (Some((format, _)), None) => Ok(format),
        (None, None) => {
            let first: Vec<String> = lines
                .iter()
                .filter(|l| !l.trim_ascii().is_empty())
                .take(3)
                .enumerate()
                .map(|(i, l)| format!("  {}: {}", i + 1, shown_line(l)))
                .collect();
            Err(EvidenceError::Undetectable(
                rel.to_owned(),
                first.join("\n"),
            ))
        }
    }
}

/// A line of a file as an error message may show it: at most 120 characters, control
/// characters (a terminal's escape sequences among them) written as escapes, and binary data
/// named rather than shown.
pub(crate) fn shown_line(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    let odd = text
        .chars()
        .filter(|c| *c == char::REPLACEMENT_CHARACTER || (c.is_control() && *c != '\t'))
        .count();
    if line.contains(&0) || odd * 10 > text.chars().count() {
        return format!("(binary data, {} bytes)", line.len());
    }
    text.chars()
        .take(120)
        .map(|c| {
            if c.is_control() && c != '\t' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Lines from four places in the file (its start, a third and two thirds in, and its end), so
/// that a banner or a header at the start cannot decide alone how the file is read. `head` is
/// the start, already read.
fn spread_sample(path: &Path, head: &[u8]) -> std::io::Result<Vec<Vec<u8>>> {
    use std::io::{Read, Seek, SeekFrom};
    const WINDOW: u64 = 16 << 10;
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    // A window that starts inside the file begins with the end of a line, and one that stops
    // before the end of the file ends with the start of one: both pieces are left out.
    let lines_of = |bytes: &[u8], starts_inside: bool, stops_inside: bool| -> Vec<Vec<u8>> {
        let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        if starts_inside && !lines.is_empty() {
            lines.remove(0);
        }
        if stops_inside {
            lines.pop();
        }
        lines
            .into_iter()
            .take(SNIFF_LINES)
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l).to_vec())
            .collect()
    };
    let start = &head[..head.len().min(WINDOW as usize)];
    let mut sample = lines_of(start, false, (start.len() as u64) < len);
    if len > WINDOW {
        for at in [len / 3, len * 2 / 3, len - WINDOW] {
            let mut buf = Vec::with_capacity(WINDOW as usize);
            file.seek(SeekFrom::Start(at))?;
            (&mut file).take(WINDOW).read_to_end(&mut buf)?;
            sample.extend(lines_of(&buf, true, at + (buf.len() as u64) < len));
        }
    }
    Ok(sample)
}

/// Recognises the JSON exports by their shape.
fn detect_document(head: &[u8]) -> Option<Format> {
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let first_line_end = memchr::memchr(b'\n', &head[start..]).map_or(head.len(), |i| start + i);
    let first_line = head[start..first_line_end].trim_ascii_end();
    let contains = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
    match head[start] {
        b'[' if contains(b"\"ts\"") && contains(b"\"text\"") => Some(Format::Slack),
        b'[' if contains(b"\"created_at\"") => Some(Format::PagerDuty),
        // One object per line is JSON lines; an object spread over lines is a document.
        b'{' if first_line.last() == Some(&b'}') => None,
        b'{' if contains(b"\"alerts\"") && contains(b"\"startsAt\"") => Some(Format::Alertmanager),
        b'{' if contains(b"\"log_entries\"") => Some(Format::PagerDuty),
        _ => None,
    }
}

/// Reads every source of an incident, in parallel. Sources that fail are returned with their
/// error, in file order.
pub fn scan_all(
    incident: &LoadedIncident,
    options: ScanOptions,
) -> Vec<(String, Result<SourceScan, EvidenceError>)> {
    use rayon::prelude::*;
    (0..incident.incident.sources.len())
        .into_par_iter()
        .map(|i| {
            (
                incident.incident.sources[i].name.clone(),
                scan_source(incident, i, options),
            )
        })
        .collect()
}

/// What `check` says about each `[[metrics]]` file: read whole, an error at its file:line when
/// it cannot be.
pub fn metric_findings(incident: &Incident, dir: &Path) -> Vec<Finding> {
    incident
        .metrics
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let e = metrics::read(dir, incident, m).err()?;
            Some(
                Finding::error("invalid-metric", format!("metrics[{i}].path"), e.to_string())
                    .label("cannot be read as a metric")
                    .help("export it with `curl …/api/v1/query_range` (the JSON as it is), or write a CSV of `time,value` or `time,series,value` rows in time order"),
            )
        })
        .collect()
}

/// What `check` says about each source's format and level, reading only the start of each file.
/// Missing paths and broken regexes are reported by validation already.
pub fn source_findings(incident: &Incident, dir: &Path) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, source) in incident.sources.iter().enumerate() {
        if let Some(level) = &source.level
            && level.parse::<Level>().is_err()
        {
            out.push(
                Finding::error(
                    "invalid-value",
                    format!("sources[{i}].level"),
                    format!("unknown level `{level}`"),
                )
                .label("not a level")
                .help("use trace, debug, info, notice, warn, error or critical"),
            );
        }
        let fixed = match fixed_parser(source) {
            Ok(fixed) => fixed,
            Err(EvidenceError::UnknownFormat(name)) => {
                let names: Vec<String> = Format::names().into_iter().map(str::to_owned).collect();
                let help = match suggest(&name, &names) {
                    Some(best) => {
                        format!("did you mean `{best}`? Known formats: {}", names.join(", "))
                    }
                    None => format!(
                        "known formats: {}; or use `regex` with the groups `ts` and `msg`",
                        names.join(", ")
                    ),
                };
                out.push(
                    Finding::error(
                        "unknown-format",
                        format!("sources[{i}].format"),
                        format!("unknown format `{name}`"),
                    )
                    .label("not a known format")
                    .help(help),
                );
                continue;
            }
            // Regex problems are reported by validation, at the regex.
            Err(_) => continue,
        };
        let Ok(files) = resolve_paths(dir, &source.path) else {
            continue;
        };
        for path in files {
            let rel = relative(dir, &path);
            // A file whose every entry falls far outside the incident: most often a log
            // without a year or a zone, read with the wrong one.
            // The file's head is read once, for both findings below.
            let parsed = file_parser(&path, &rel, fixed.as_ref());
            let outside = parsed
                .as_ref()
                .ok()
                .filter(|parser| !parser.format.is_document())
            .and_then(|parser| {
                let (from, to) = window(incident)?;
                let margin = jiff::SignedDuration::from_hours(1);
                let mut ctx = source_context(incident, source);
                let (first, last) = dated_range(&path, parser, &mut ctx)?;
                let outside = last < from.saturating_sub(margin).unwrap_or(from)
                    || first > to.saturating_add(margin).unwrap_or(to);
                outside.then(|| {
                    let tz = ctx.tz.clone();
                    let show = |t: Timestamp| t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string();
                    Finding::warning(
                        "source-outside",
                        format!("sources[{i}].path"),
                        format!(
                            "every entry of `{rel}` ({} to {}) falls outside the incident ({} to {})",
                            show(first),
                            show(last),
                            show(from),
                            show(to)
                        ),
                    )
                    .label("no entry in the incident's window")
                    .help(match whole_hours_off(first, last, from, to).filter(|_| source.timezone.is_none()) {
                        Some(hours) => format!(
                            "read {} h {} it would fall inside the incident: the source has no `timezone` and is read in {}; if its file is written in another zone, set `timezone` on the source (most often \"UTC\")",
                            hours.abs(),
                            if hours < 0 { "earlier" } else { "later" },
                            source_zone_name(incident, source)
                        ),
                        None => "a log without a year or an offset takes the source's `year` and `timezone` (or the incident's): check them, and that this is the right file".to_owned(),
                    })
                })
            });
            out.extend(outside);
            if let Err(e @ EvidenceError::Undetectable(..)) = &parsed {
                out.push(
                    Finding::error(
                        "unknown-format",
                        format!("sources[{i}].path"),
                        e.to_string(),
                    )
                    .label("format not recognised")
                    .help(format!(
                        "set `format` to one of: {}",
                        Format::names()[1..].join(", ")
                    )),
                );
            }
        }
    }
    out
}
