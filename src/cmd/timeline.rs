//! `debrief timeline`: the curated timeline, merged with evidence candidates, in the terminal.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::cli::{Format, TimelineArgs};
use crate::diagnostics::{Report, Style, thousands};
use crate::evidence::{self, Level, ScanOptions};
use crate::load::{Archive, Options};
use crate::model::{Kind, LoadedIncident};

/// One row of the merged timeline, in the stable JSON shape.
#[derive(Debug, Serialize)]
pub struct Row {
    /// RFC 3339, UTC.
    pub at: Timestamp,
    pub text: String,
    pub kind: Kind,
    pub lane: Option<String>,
    /// Provenance, `path:line`.
    pub source: Option<String>,
    pub level: Option<Level>,
    /// Whether the row is a curated `[[timeline]]` entry (as opposed to a log candidate).
    pub curated: bool,
    /// The curated entry's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub key: bool,
    /// A log entry's message alone: its first line without time, level and header fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A log entry's header fields by name (`host`, `program`, `pid`, `thread`, `logger`, …).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fields: std::collections::BTreeMap<String, String>,
}

pub fn run(args: &TimelineArgs, style: Style) -> anyhow::Result<ExitCode> {
    let (incident, warnings) = load_one(&args.incident, style)?;
    let shown = show(&incident, args);
    // The timeline comes first; what `check` would say is one line after it.
    if warnings > 0 {
        let path = args.incident.display();
        eprintln!(
            "{} warning{} about {path}: `debrief check {path}` lists {}",
            warnings,
            if warnings == 1 { "" } else { "s" },
            if warnings == 1 { "it" } else { "them" },
        );
    }
    shown
}

/// Prints what `args` asks for of a loaded incident.
fn show(incident: &LoadedIncident, args: &TimelineArgs) -> anyhow::Result<ExitCode> {
    // Reading big logs takes a while: a bar on a terminal shows how far it got.
    let _reading = (args.explain || args.templates || args.moments || args.sources)
        .then(|| crate::progress::reading(evidence::source_bytes(incident)));
    if args.explain {
        return explain(incident, args.format);
    }
    if args.templates || args.moments {
        return patterns(incident, args);
    }
    let mut rows = curated(incident);
    // A log line on the timeline already is shown once: as the timeline's entry.
    let promoted: std::collections::HashSet<String> =
        rows.iter().filter_map(|r| r.source.clone()).collect();
    let mut failed = false;
    if args.sources {
        for (name, result) in evidence::scan_all(
            incident,
            ScanOptions {
                candidates: true,
                volume: false,
                templates: false,
                template_lines: false,
            },
        ) {
            match result {
                Ok(scan) => {
                    for note in &scan.notes {
                        eprintln!("note: source `{name}`: {note}");
                    }
                    rows.extend(
                        scan.candidates
                            .into_iter()
                            .filter(|c| !promoted.contains(&c.source))
                            .map(|c| Row {
                                at: c.at,
                                text: c.text,
                                kind: c.kind,
                                lane: Some(c.lane),
                                source: Some(c.source),
                                level: c.level,
                                curated: false,
                                id: None,
                                key: false,
                                message: Some(c.message),
                                fields: c.fields,
                            }),
                    );
                }
                Err(e) => {
                    failed = true;
                    eprintln!("error: source `{name}`: {e}");
                }
            }
        }
    }
    // Stable: curated entries come first among equal instants, then file order.
    rows.sort_by_key(|r| r.at);
    let stdout = std::io::stdout();
    let on_terminal = std::io::IsTerminal::is_terminal(&stdout);
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        Format::Human if args.sources && on_terminal && !args.all => {
            let (shown, left_out) = near_the_incident(incident, rows);
            print_human(&mut out, incident, &shown)?;
            if let Some(note) = left_out {
                writeln!(out, "\n{note}")?;
            }
        }
        Format::Human => print_human(&mut out, incident, &rows)?,
    }
    out.flush()?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Loads exactly one incident, printing diagnostics if it has errors; with how many warnings
/// it has otherwise (`check` shows them).
pub fn load_one(path: &Path, style: Style) -> anyhow::Result<(LoadedIncident, usize)> {
    let mut report = Report::default();
    let archive = Archive::load(path, Options::default(), &mut report)?;
    if archive.layout.is_archive {
        bail!(
            "{} is an archive of {} incidents; name one incident folder",
            path.display(),
            archive.layout.incidents.len()
        );
    }
    let errors = report.errors();
    match archive.incidents.into_iter().next() {
        Some(incident) if errors == 0 => Ok((incident, report.warnings())),
        _ => {
            report.sort();
            eprint!("{}", report.render(style));
            bail!(
                "{} has errors; `debrief check {}` lists them",
                path.display(),
                path.display()
            )
        }
    }
}

/// Log entries a terminal shows at most.
const ON_A_TERMINAL: usize = 200;

/// What a terminal shows of `rows`: every curated entry, and the log entries within
/// [`evidence::WINDOW_MARGIN`] minutes of the incident, at most [`ON_A_TERMINAL`] of them, the
/// most severe first; with a line that says what was left out, when anything was.
fn near_the_incident(incident: &LoadedIncident, rows: Vec<Row>) -> (Vec<Row>, Option<String>) {
    let window = evidence::incident_window(&incident.incident, evidence::WINDOW_MARGIN);
    let logged = rows.iter().filter(|r| !r.curated).count();
    let inside = |r: &Row| window.is_none_or(|(from, to)| r.at >= from && r.at <= to);
    // Which log entries make the cut: errors before warnings before the rest, earlier first.
    let mut candidates: Vec<(usize, &Row)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.curated && inside(r))
        .collect();
    candidates.sort_by_key(|(n, r)| (std::cmp::Reverse(r.level), *n));
    candidates.truncate(ON_A_TERMINAL);
    let chosen: std::collections::HashSet<usize> = candidates.iter().map(|(n, _)| *n).collect();
    let kept = chosen.len();
    let shown: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .filter(|(n, r)| r.curated || chosen.contains(n))
        .map(|(_, r)| r)
        .collect();
    if kept == logged {
        return (shown, None);
    }
    let tz = incident.incident.tz();
    let which = match window {
        Some((from, to)) => format!(
            "those within {} minutes of the incident, from {} to {}",
            evidence::WINDOW_MARGIN,
            local(from, &tz),
            local(to, &tz)
        ),
        None => "the first".to_owned(),
    };
    let cap = if kept == ON_A_TERMINAL {
        format!(", at most {ON_A_TERMINAL} with the most severe first")
    } else {
        String::new()
    };
    let note = format!(
        "Shown: {} of {} log entries, {which}{cap}. `--all` shows every one; `--moments` and `--templates` sum them up.",
        thousands(kept as u64),
        thousands(logged as u64),
    );
    (shown, Some(note))
}

fn curated(incident: &LoadedIncident) -> Vec<Row> {
    incident
        .incident
        .timeline
        .iter()
        .map(|e| Row {
            at: e.at.instant(),
            text: e.text.clone(),
            kind: e.kind,
            lane: e.lane.clone(),
            source: e.source.clone(),
            level: None,
            curated: true,
            id: e.id.clone(),
            key: e.key,
            message: None,
            fields: Default::default(),
        })
        .collect()
}

fn print_human(
    out: &mut impl Write,
    incident: &LoadedIncident,
    rows: &[Row],
) -> std::io::Result<()> {
    let tz = incident.incident.tz();
    let zone = incident.incident.timezone.as_deref().unwrap_or("UTC");
    writeln!(
        out,
        "{} — {} (times in {zone})",
        incident.id, incident.incident.title
    )?;
    writeln!(out, "● curated entry   ★ key entry   · log candidate")?;
    writeln!(out)?;
    let lane_width = rows
        .iter()
        .filter_map(|r| r.lane.as_ref().map(|l| l.chars().count()))
        .max()
        .unwrap_or(0)
        .clamp(4, 16);
    for row in rows {
        let mark = match (row.curated, row.key) {
            (true, true) => '★',
            (true, false) => '●',
            _ => '·',
        };
        let what = row.level.map_or(row.kind.as_str(), Level::as_str);
        let lane: String = row
            .lane
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(lane_width)
            .collect();
        let text = one_line(&row.text, 110);
        write!(
            out,
            "{} {mark} {what:<13} {lane:<lane_width$}  {text}",
            local(row.at, &tz)
        )?;
        match &row.source {
            Some(source) => writeln!(out, "  [{source}]")?,
            None => writeln!(out)?,
        }
    }
    Ok(())
}

fn local(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned(tz.clone())
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The first line of `text`, at most `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let first = text.lines().next().unwrap_or("");
    let more = text.contains('\n');
    match first.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &first[..cut]),
        None if more => format!("{first} …"),
        None => first.to_owned(),
    }
}

/// `timeline --sources --explain`: how each source was read. Exit 1 when one could not be.
fn explain(incident: &LoadedIncident, format: Format) -> anyhow::Result<ExitCode> {
    let explained = evidence::explain::explain(incident);
    let failed = explained.iter().any(|e| e.error.is_some());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &explained)?;
            writeln!(out)?;
        }
        Format::Human => {
            let tz = incident.incident.tz();
            let zone = incident.incident.timezone.as_deref().unwrap_or("UTC");
            let show = |t: Timestamp| {
                t.to_zoned(tz.clone())
                    .strftime("%Y-%m-%d %H:%M:%S")
                    .to_string()
            };
            for (i, e) in explained.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                writeln!(out, "source `{}`", e.name)?;
                if let Some(error) = &e.error {
                    writeln!(out, "  error: {error}")?;
                    continue;
                }
                for f in &e.files {
                    writeln!(out, "  {}: {}", f.path, f.format)?;
                }
                writeln!(
                    out,
                    "  dated {} of {} lines ({})",
                    e.dated,
                    e.lines - e.headers,
                    e.percent()
                )?;
                if e.headers > 0 {
                    writeln!(out, "  {} header lines skipped", e.headers)?;
                }
                if let (Some(first), Some(last)) = (e.first, e.last) {
                    writeln!(out, "  from {} to {} ({zone})", show(first), show(last))?;
                }
                for n in &e.not_dated {
                    writeln!(out, "  no time on line {}: {}", n.line, n.text)?;
                }
                for note in &e.notes {
                    writeln!(out, "  note: {note}")?;
                }
            }
        }
    }
    out.flush()?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `timeline --templates` and `timeline --moments`. Exit 1 when a source could not be read.
fn patterns(incident: &LoadedIncident, args: &TimelineArgs) -> anyhow::Result<ExitCode> {
    let scans = evidence::scan_all(
        incident,
        ScanOptions {
            candidates: false,
            volume: true,
            templates: true,
            template_lines: args.lines,
        },
    );
    let mut read = Vec::new();
    let mut failed = false;
    for (name, result) in &scans {
        match result {
            Ok(scan) => read.push(scan),
            Err(e) => {
                failed = true;
                eprintln!("error: source `{name}`: {e}");
            }
        }
    }
    let tz = incident.incident.tz();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.lines {
        for line in read.iter().flat_map(|s| &s.template_lines) {
            serde_json::to_writer(&mut out, line)?;
            writeln!(out)?;
        }
    } else if args.moments {
        let mut metrics = Vec::new();
        for result in evidence::metrics::read_all(incident) {
            match result {
                Ok(m) => metrics.push(m),
                Err(e) => {
                    failed = true;
                    eprintln!("error: metric: {e}");
                }
            }
        }
        let moments = evidence::moments::find(&read, &metrics, &tz, args.limit as usize);
        match args.format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut out, &moments)?;
                writeln!(out)?;
            }
            Format::Human => {
                if moments.is_empty() {
                    writeln!(out, "no notable moments in the sources")?;
                }
                for m in &moments {
                    writeln!(out, "{}  {:.3}  {}", local(m.at, &tz), m.score, m.text)?;
                    writeln!(out, "    {}  [{}]", m.reason, m.source)?;
                }
            }
        }
    } else {
        let templates: Vec<&evidence::templates::Template> =
            read.iter().flat_map(|s| &s.templates).collect();
        match args.format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut out, &templates)?;
                writeln!(out)?;
            }
            Format::Human => {
                for scan in &read {
                    let entries: u64 = scan.templates.iter().map(|t| t.count).sum();
                    writeln!(
                        out,
                        "source `{}`: {} from {}",
                        scan.name,
                        crate::diagnostics::plural(scan.templates.len(), "template"),
                        match entries {
                            1 => "1 entry".to_owned(),
                            n => format!("{n} entries"),
                        }
                    )?;
                    for t in &scan.templates {
                        writeln!(
                            out,
                            "  ×{:<7} {:<8} first {}  last {}  {}  [{}]",
                            t.count,
                            t.level.map_or("-", Level::as_str),
                            local(t.first, &tz),
                            local(t.last, &tz),
                            one_line(&t.text, 120),
                            t.source
                        )?;
                    }
                }
            }
        }
    }
    out.flush()?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
