//! What `check` says about an incident's evidence: metrics files that cannot be read, sources
//! whose format or level is unknown, and files whose every entry falls outside the incident
//! (most often a log read in the wrong zone or year).

use std::fs::File;
use std::path::Path;

use jiff::Timestamp;

use super::detect::{file_parser, fixed_parser};
use super::format::{Format, Level, Parser};
use super::timestamp::Context;
use super::{EvidenceError, metrics, relative, resolve_paths, source_context, source_zone_name};
use crate::load::document::suggest;
use crate::model::Incident;
use crate::model::validate::Finding;

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

/// What `check` says about each source's format and level, reading only the start of each file
/// (and its end, for the warning about a file outside the incident's window, looked for only
/// with `warnings`). Missing paths and broken regexes are reported by validation already.
pub fn source_findings(incident: &Incident, dir: &Path, warnings: bool) -> Vec<Finding> {
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
                .filter(|parser| warnings && !parser.format.is_document())
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
