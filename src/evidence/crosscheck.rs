//! Cross-checks between the curated timeline and the logs it cites, for `debrief check`.
//!
//! A timeline entry promoted from the logs keeps its place (`source = "logs/router.log:692"`).
//! When that line, read as its source reads it, is more than a minute away from the entry's
//! `at`, one of the two is wrong: most often the source is read in the wrong zone (a syslog
//! written in UTC, read in the incident's `America/Los_Angeles`, is seven or eight hours off),
//! and every time it gives the report is off by as much, silently.

use std::io::{BufRead, BufReader};
use std::path::Path;

use jiff::{SignedDuration, Timestamp};

use super::{file_parser, fixed_parser, relative, resolve_paths, source_context};
use crate::model::validate::Finding;
use crate::model::{Incident, Source};

/// How far a cited line may be from its entry before `check` says so.
const TOLERANCE: SignedDuration = SignedDuration::from_secs(60);

/// A warning for each timeline entry whose cited log line reads more than a minute away.
pub fn cited_line_findings(incident: &Incident, dir: &Path) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, entry) in incident.timeline.iter().enumerate() {
        let Some((path, line)) = entry.source.as_deref().and_then(place) else {
            continue;
        };
        let Some((source, file)) = source_of(incident, dir, path) else {
            continue;
        };
        let Some(read) = time_of_line(incident, dir, source, &file, line) else {
            continue;
        };
        let at = entry.at.resolve(&incident.tz()).0;
        let off = read.duration_since(at);
        if off.abs() <= TOLERANCE {
            continue;
        }
        let tz = incident.tz();
        let show = |t: Timestamp| {
            t.to_zoned(tz.clone())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        };
        let hours = off.as_secs() as f64 / 3600.0;
        let whole_hours = (hours.round() - hours).abs() < 0.05 && hours.round() != 0.0;
        let help = if source.timezone.is_none() && whole_hours {
            format!(
                "the two are {} h apart, a whole number of hours: the source `{}` has no `timezone` and is read in {}; if its file is written in another zone, set `timezone` on the source (most often \"UTC\")",
                hours.round(),
                source.name,
                super::source_zone_name(incident, source)
            )
        } else {
            "check the entry's `at`, and the source's `timezone` and `year`".to_owned()
        };
        out.push(
            Finding::warning(
                "source-time",
                format!("timeline[{i}].source"),
                format!(
                    "line {line} of `{path}` reads {}, {} from this entry's time {}",
                    show(read),
                    crate::model::time::human_duration(off.abs()),
                    show(at)
                ),
            )
            .label("the cited line is at another time")
            .help(help),
        );
    }
    out
}

/// `logs/app.log:692` as a path and a line number.
fn place(source: &str) -> Option<(&str, u64)> {
    let (path, line) = source.rsplit_once(':')?;
    let line = line.split(['-', ',']).next()?.trim().parse().ok()?;
    Some((path, line))
}

/// The source whose files hold `path`, and that file.
fn source_of<'i>(
    incident: &'i Incident,
    dir: &Path,
    path: &str,
) -> Option<(&'i Source, std::path::PathBuf)> {
    incident.sources.iter().find_map(|s| {
        let files = resolve_paths(dir, &s.path).ok()?;
        files
            .into_iter()
            .find(|f| relative(dir, f) == path)
            .map(|f| (s, f))
    })
}

/// The time line `line` of `file` gives, read as `source` reads it.
fn time_of_line(
    incident: &Incident,
    dir: &Path,
    source: &Source,
    file: &Path,
    line: u64,
) -> Option<Timestamp> {
    let fixed = fixed_parser(source).ok()?;
    let parser = file_parser(file, &relative(dir, file), fixed.as_ref()).ok()?;
    if parser.format.is_document() || line == 0 {
        return None;
    }
    let mut reader = BufReader::new(std::fs::File::open(file).ok()?);
    let mut text = Vec::new();
    for _ in 0..line {
        text.clear();
        // A line longer than this is not one a person cited by its time.
        if std::io::Read::take(&mut reader, 1 << 20)
            .read_until(b'\n', &mut text)
            .ok()?
            == 0
        {
            return None;
        }
    }
    let mut ctx = source_context(incident, source);
    parser.date(&text).and_then(|when| when.resolve(&mut ctx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_read_as_path_and_line() {
        assert_eq!(place("logs/a.log:692"), Some(("logs/a.log", 692)));
        assert_eq!(place("logs/a.log:10-12"), Some(("logs/a.log", 10)));
        assert_eq!(place("logs/a.log"), None);
        assert_eq!(place("C:x"), None);
    }
}
