//! Exports that are one JSON document: Slack channel exports, Alertmanager webhook payloads and
//! PagerDuty log entries.
//!
//! These are read whole (up to [`MAX_DOCUMENT`]), unlike line logs: they are exports of one
//! channel or one incident, not streams. Each element keeps the line it starts on, found from
//! its offset in the text, so provenance stays `file:line`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::EvidenceError;
use super::format::{Format, Level};
use super::line::Place;
use super::scan::{EntryParts, Filter, Output};
use super::timestamp::{self, Context, When};
use crate::model::Kind;

/// The largest JSON export read.
pub const MAX_DOCUMENT: u64 = 64 << 20;

/// Reads one document file into `out`.
pub fn scan(
    path: &Path,
    rel: &str,
    format: Format,
    filter: &Filter,
    ctx: &mut Context,
    out: &mut Output<'_>,
) -> Result<(), EvidenceError> {
    let io = |cause| EvidenceError::Io {
        path: rel.to_owned(),
        cause,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_DOCUMENT {
        return Err(EvidenceError::Document {
            path: rel.to_owned(),
            message: format!(
                "it is {} MiB; {format} exports are read whole, up to {} MiB. Split it, or convert it to JSON lines",
                size >> 20,
                MAX_DOCUMENT >> 20
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let text = String::from_utf8_lossy(&bytes);
    let bad = |e: serde_json::Error| EvidenceError::Document {
        path: rel.to_owned(),
        message: format!("not a {format} export: {e}"),
    };
    let elements: Vec<&RawValue> = match format {
        Format::Slack => serde_json::from_str(&text).map_err(bad)?,
        Format::Alertmanager => {
            serde_json::from_str::<AlertmanagerPayload<'_>>(&text)
                .map_err(bad)?
                .alerts
        }
        Format::PagerDuty => match serde_json::from_str::<PagerDutyPage<'_>>(&text) {
            Ok(page) => page.log_entries,
            Err(_) => serde_json::from_str(&text).map_err(bad)?,
        },
        _ => return Ok(()),
    };
    let mut lines = LineIndex::new(&text);
    for raw in elements {
        out.stats.lines += 1;
        let line = lines.line_of(raw.get().as_ptr() as usize - text.as_ptr() as usize);
        let entries = match format {
            Format::Slack => slack(raw),
            Format::Alertmanager => alert(raw),
            _ => pagerduty(raw),
        };
        let Some(entries) = entries else {
            out.stats.undated += 1;
            continue;
        };
        out.stats.dated += 1;
        for (when, level, kind, text) in entries {
            let matched = filter
                .include
                .as_ref()
                .is_some_and(|re| re.is_match(text.as_bytes()));
            out.kind = kind;
            let parts = EntryParts {
                when,
                level,
                msg: Cow::Borrowed(text.as_bytes()),
                continuation: b"",
                raw: text.as_bytes(),
                matched,
                place: Place {
                    path: rel,
                    line: line as u64,
                },
                parser: None,
            };
            if out.entry(filter, ctx, parts).is_break() {
                return Ok(());
            }
        }
    }
    Ok(())
}

type Entry = (When, Option<Level>, Kind, String);

/// Line numbers of byte offsets that only move forward.
struct LineIndex<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        LineIndex {
            text,
            offset: 0,
            line: 1,
        }
    }

    fn line_of(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset >= self.offset {
            self.line +=
                memchr::memchr_iter(b'\n', &self.text.as_bytes()[self.offset..offset]).count();
            self.offset = offset;
        }
        self.line
    }
}

#[derive(Deserialize)]
struct SlackMessage {
    ts: String,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    user_profile: Option<SlackProfile>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    text: String,
    #[serde(default)]
    thread_ts: Option<String>,
}

#[derive(Deserialize)]
struct SlackProfile {
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
}

fn slack(raw: &RawValue) -> Option<Vec<Entry>> {
    let m: SlackMessage = serde_json::from_str(raw.get()).ok()?;
    let when = timestamp::any_text(m.ts.as_bytes())?;
    let profile = m.user_profile.as_ref();
    let who = profile
        .and_then(|p| {
            p.display_name
                .clone()
                .filter(|n| !n.is_empty())
                .or_else(|| p.real_name.clone())
        })
        .or(m.username)
        .or(m.user)
        .unwrap_or_else(|| "someone".to_owned());
    let reply = m.thread_ts.as_ref().is_some_and(|t| *t != m.ts);
    let text = format!("{who}{}: {}", if reply { " (thread)" } else { "" }, m.text);
    Some(vec![(when, None, Kind::Communication, text)])
}

#[derive(Deserialize)]
struct AlertmanagerPayload<'a> {
    #[serde(borrow)]
    alerts: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Alert {
    #[serde(default)]
    status: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    starts_at: String,
    #[serde(default)]
    ends_at: Option<String>,
}

fn alert(raw: &RawValue) -> Option<Vec<Entry>> {
    let a: Alert = serde_json::from_str(raw.get()).ok()?;
    let name = a.labels.get("alertname").map_or("alert", String::as_str);
    let about = a
        .annotations
        .get("summary")
        .or_else(|| a.annotations.get("description"));
    let about = about.map(|s| format!(": {s}")).unwrap_or_default();
    let level = a
        .labels
        .get("severity")
        .and_then(|s| Level::parse(s.as_bytes()))
        .or(Some(Level::Warn));
    let mut entries = vec![(
        timestamp::any_text(a.starts_at.as_bytes())?,
        level,
        Kind::Alert,
        format!("{name} firing{about}"),
    )];
    // A firing alert carries the zero time as its end; only a real end is an event.
    if let Some(end) = a.ends_at.as_deref().filter(|e| !e.starts_with("0001-"))
        && a.status == "resolved"
        && let Some(when) = timestamp::any_text(end.as_bytes())
    {
        entries.push((
            when,
            Some(Level::Info),
            Kind::Alert,
            format!("{name} resolved"),
        ));
    }
    Some(entries)
}

#[derive(Deserialize)]
struct PagerDutyPage<'a> {
    #[serde(borrow)]
    log_entries: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct LogEntry {
    created_at: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    summary: String,
}

fn pagerduty(raw: &RawValue) -> Option<Vec<Entry>> {
    let e: LogEntry = serde_json::from_str(raw.get()).ok()?;
    let when = timestamp::any_text(e.created_at.as_bytes())?;
    let (kind, level) = match e
        .kind
        .trim_end_matches("_reference")
        .trim_end_matches("_log_entry")
    {
        "trigger" => (Kind::Alert, Some(Level::Error)),
        "acknowledge" => (Kind::Action, None),
        "resolve" => (Kind::Event, None),
        _ => (Kind::Communication, None),
    };
    Some(vec![(when, level, kind, e.summary)])
}
