//! How each source was read: the format or layout chosen, the share of lines dated, the first
//! and last instant, and the first lines that carry no time. `timeline --sources --explain`
//! prints it in full, `check` in one line per source.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::{ScanOptions, scan_all};
use crate::model::LoadedIncident;

/// How one source was read.
#[derive(Debug, Clone, Serialize)]
pub struct Explained {
    pub name: String,
    /// The zone its times without an offset are read in: the source's `timezone`, else the
    /// incident's.
    pub zone: String,
    /// Each file's format: a named one, or the timestamp layout the locator found.
    pub files: Vec<ExplainedFile>,
    pub lines: u64,
    pub dated: u64,
    /// Header and comment lines (`#Fields:`, `#close`), left out of the share.
    pub headers: u64,
    /// `dated / (lines - headers)`, 0 to 1.
    pub share: f64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    /// The first lines that carry no time: `{line, text}`.
    pub not_dated: Vec<NotDated>,
    /// Why the source could not be read, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the reader noticed: lines cut, entries skipped, times it could not place.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExplainedFile {
    pub path: String,
    pub format: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotDated {
    pub line: u64,
    pub text: String,
}

/// Reads every source of `incident` (counting, keeping no candidates) and says how.
pub fn explain(incident: &LoadedIncident) -> Vec<Explained> {
    let options = ScanOptions {
        candidates: false,
        volume: true,
        templates: false,
        template_lines: false,
    };
    scan_all(incident, options)
        .into_iter()
        .zip(&incident.incident.sources)
        .map(|((name, result), source)| {
            (
                name,
                result,
                super::source_zone_name(&incident.incident, source),
            )
        })
        .map(|(name, result, zone)| match result {
            Ok(scan) => {
                let s = scan.stats;
                let body = s.lines - s.headers.min(s.lines);
                Explained {
                    name,
                    zone,
                    files: scan
                        .files
                        .iter()
                        .map(|(path, format)| ExplainedFile {
                            path: path.clone(),
                            format: format.to_string(),
                        })
                        .collect(),
                    lines: s.lines,
                    dated: s.dated,
                    headers: s.headers,
                    share: if body == 0 {
                        0.0
                    } else {
                        s.dated as f64 / body as f64
                    },
                    first: s.first,
                    last: s.last,
                    not_dated: s
                        .not_dated
                        .into_iter()
                        .map(|(line, text)| NotDated { line, text })
                        .collect(),
                    error: None,
                    notes: scan.notes,
                }
            }
            Err(e) => Explained {
                name,
                zone,
                files: Vec::new(),
                lines: 0,
                dated: 0,
                headers: 0,
                share: 0.0,
                first: None,
                last: None,
                not_dated: Vec::new(),
                error: Some(e.to_string()),
                notes: Vec::new(),
            },
        })
        .collect()
}

impl Explained {
    /// The formats of the files, named once each: `jsonl`, or `clf, ISO 8601 (found by the
    /// locator)` for a glob over files of two kinds.
    pub fn formats(&self) -> String {
        let mut names: Vec<&str> = Vec::new();
        for f in &self.files {
            if !names.contains(&f.format.as_str()) {
                names.push(&f.format);
            }
        }
        names.join(", ")
    }

    /// The share dated, as a person reads it: `100 %`, `99.7 %`.
    pub fn percent(&self) -> String {
        let p = self.share * 100.0;
        if p == 100.0 || p == 0.0 {
            format!("{p:.0} %")
        } else {
            format!("{:.1} %", (p * 10.0).floor() / 10.0)
        }
    }

    /// One line for `check`: `app: jsonl in Europe/Berlin · 412 of 412 lines dated (100 %) ·
    /// 2026-11-03 13:55 to 14:52 · no time on line 3: …`.
    pub fn one_line(&self, tz: &TimeZone) -> String {
        if let Some(error) = &self.error {
            let first = error.lines().next().unwrap_or(error);
            return format!("{}: cannot be read: {first}", self.name);
        }
        let body = self.lines - self.headers.min(self.lines);
        let mut parts = vec![
            format!("{}: {} in {}", self.name, self.formats(), self.zone),
            format!(
                "{} of {} lines dated ({})",
                self.dated,
                body,
                self.percent()
            ),
        ];
        if let (Some(first), Some(last)) = (self.first, self.last) {
            let show =
                |t: Timestamp, pattern: &str| t.to_zoned(tz.clone()).strftime(pattern).to_string();
            let same_day = show(first, "%F") == show(last, "%F");
            let end = if same_day { "%H:%M:%S" } else { "%F %H:%M:%S" };
            parts.push(format!(
                "{} to {}",
                show(first, "%F %H:%M:%S"),
                show(last, end)
            ));
        }
        if let Some(n) = self.not_dated.first() {
            let text: String = n.text.chars().take(60).collect();
            parts.push(format!("no time on line {}: {text}", n.line));
        }
        parts.join(" · ")
    }
}
