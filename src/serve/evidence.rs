//! The facilitator's evidence panel: what the logs say about the incident's window — notable
//! moments first, then the entries grouped by template, then every entry — and promoting any of
//! them onto the timeline.

use std::collections::HashMap;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::error::ApiError;
use super::limits;
use super::meeting;
use super::state::State;
use crate::evidence::moments::{self, Moment};
use crate::evidence::templates::Miner;
use crate::evidence::{Candidate, ScanOptions, SourceScan};
use crate::model::LoadedIncident;

/// The most log candidates the facilitator's panel is sent at once.
pub(super) const MAX_CANDIDATES_SHOWN: usize = 500;
/// The most entries a template lists when the panel expands it.
const MAX_LINES_PER_TEMPLATE: usize = 50;
/// The most templates the panel lists.
pub(super) const MAX_TEMPLATES_SHOWN: usize = 200;
/// The most moments the panel proposes.
pub(super) const MAX_MOMENTS_SHOWN: usize = 20;

/// The minutes either side of the incident that the candidate panel shows by default.
pub(super) const CANDIDATE_MARGIN: u32 = crate::evidence::WINDOW_MARGIN;

/// Everything the sources give: entries, per-minute counts and templates of every entry.
fn read_all(
    loaded: &LoadedIncident,
) -> Vec<(String, Result<SourceScan, crate::evidence::EvidenceError>)> {
    crate::evidence::scan_all(
        loaded,
        ScanOptions {
            candidates: true,
            volume: true,
            templates: true,
            template_lines: false,
        },
    )
}

/// The moments of the sources that fall inside `window`, best first.
fn moments_in(
    scans: &[(String, Result<SourceScan, crate::evidence::EvidenceError>)],
    loaded: &LoadedIncident,
    window: Option<(Timestamp, Timestamp)>,
) -> Vec<Moment> {
    let read: Vec<&SourceScan> = scans.iter().filter_map(|(_, s)| s.as_ref().ok()).collect();
    // Found over everything the logs hold (a step needs the minutes before it), shown in the
    // window.
    let (metrics, _) = crate::site::read_metrics(loaded);
    moments::find(&read, &metrics, &loaded.incident.tz(), 1000)
        .into_iter()
        .filter(|m| window.is_none_or(|(from, to)| m.at >= from && m.at <= to))
        .take(MAX_MOMENTS_SHOWN)
        .collect()
}

/// `path` and line number of `path:line`.
fn place(source: &str) -> (&str, u64) {
    let (path, line) = source.rsplit_once(':').unwrap_or((source, "0"));
    (path, line.parse().unwrap_or(0))
}

impl State {
    /// The evidence inside the incident's window (`margin` minutes either side of it; see
    /// [`crate::evidence::incident_window`]): moments, templates, and the entries sorted by time (at most
    /// [`MAX_CANDIDATES_SHOWN`]), with how many were left out and why.
    pub(super) async fn candidates(&self, margin: u32) -> Result<Value, ApiError> {
        let loaded = self.loaded()?;
        tokio::task::spawn_blocking(move || {
            let scans = read_all(&loaded);
            let promoted: std::collections::HashSet<&str> = loaded
                .incident
                .timeline
                .iter()
                .filter_map(|e| e.source.as_deref())
                .collect();
            let tz = loaded.incident.tz();
            let window = crate::evidence::incident_window(&loaded.incident, margin);
            let read: Vec<&Candidate> = scans
                .iter()
                .filter_map(|(_, s)| s.as_ref().ok())
                .flat_map(|s| &s.candidates)
                .collect();
            let mut inside: Vec<&Candidate> = read
                .iter()
                .copied()
                .filter(|c| window.is_none_or(|(from, to)| c.at >= from && c.at <= to))
                .collect();
            // Stable: entries of the same instant keep their sources' order.
            inside.sort_by_key(|c| c.at);
            let shown = &inside[..inside.len().min(MAX_CANDIDATES_SHOWN)];
            let day = |t: Timestamp| t.to_zoned(tz.clone()).date();
            let spans_days = match (inside.first(), inside.last()) {
                (Some(a), Some(b)) => day(a.at) != day(b.at),
                _ => false,
            };
            let capped: Vec<&str> = scans
                .iter()
                .filter(|(_, s)| s.as_ref().is_ok_and(|s| s.stats.capped))
                .map(|(name, _)| name.as_str())
                .collect();
            let local = |t: Timestamp| {
                t.to_zoned(tz.clone())
                    .strftime("%Y-%m-%dT%H:%M:%S%:z")
                    .to_string()
            };
            let entry = |c: &Candidate| {
                let (path, line) = place(&c.source);
                json!({
                    "at": local(c.at),
                    "text": c.text.chars().take(300).collect::<String>(),
                    "lane": c.lane,
                    "source": path,
                    "line": line,
                    "promoted": promoted.contains(c.source.as_str()),
                })
            };
            let list: Vec<Value> = shown.iter().map(|c| entry(c)).collect();
            // The window's entries grouped by template, per source, earliest first, each with
            // the entries it holds (to expand in the panel).
            let mut templates = Vec::new();
            let mut lines_of: HashMap<String, Vec<&Candidate>> = HashMap::new();
            let by_place: HashMap<&str, &Candidate> =
                inside.iter().map(|c| (c.source.as_str(), *c)).collect();
            for (name, scan) in &scans {
                let access = scan
                    .as_ref()
                    .is_ok_and(|s| s.files.iter().all(|(_, f)| f.is_access_log()));
                let mut miner = Miner::recording();
                for c in inside.iter().filter(|c| &c.lane == name) {
                    miner.add_entry(c.at, c.level, &c.message, &c.source, access);
                }
                let (found, lines) = miner.finish_with_lines(name);
                for l in lines {
                    let held = lines_of.entry(l.template).or_default();
                    if let Some(c) = by_place.get(format!("{}:{}", l.source, l.line).as_str()) {
                        held.push(c);
                    }
                }
                templates.extend(found);
            }
            templates.sort_by_key(|t| t.first);
            let template_count = templates.len();
            let templates: Vec<Value> = templates
                .iter()
                .take(MAX_TEMPLATES_SHOWN)
                .map(|t| {
                    let (path, line) = place(&t.source);
                    json!({
                        "text": t.text,
                        "lane": t.lane,
                        "count": t.count,
                        "level": t.level,
                        "first": local(t.first),
                        "last": local(t.last),
                        "example": t.example.chars().take(300).collect::<String>(),
                        "source": path,
                        "line": line,
                        "promoted": promoted.contains(t.source.as_str()),
                        "id": t.id,
                        "lines": lines_of
                            .get(&t.id)
                            .map(|held| {
                                held.iter()
                                    .take(MAX_LINES_PER_TEMPLATE)
                                    .map(|c| entry(c))
                                    .collect::<Vec<_>>()
                            })
                            .unwrap_or_default(),
                    })
                })
                .collect();
            let moments: Vec<Value> = moments_in(&scans, &loaded, window)
                .iter()
                .map(|m| {
                    let (path, line) = place(&m.source);
                    json!({
                        "at": local(m.at),
                        "text": m.text,
                        "lane": m.lane,
                        "reason": m.reason,
                        "score": moments::round3(m.score),
                        "source": path,
                        "line": line,
                        "promoted": loaded.incident.timeline.iter().any(|e| {
                            e.source.as_deref() == Some(m.source.as_str()) && e.text == m.text
                        }),
                    })
                })
                .collect();
            json!({
                "moments": moments,
                "templates": templates,
                "candidates": list,
                "window": window.map(|(from, to)| json!({
                    "from": local(from),
                    "to": local(to),
                    "margin_minutes": margin,
                })),
                "in_window": inside.len(),
                "left_out": {
                    "outside_window": read.len() - inside.len(),
                    "over_limit": inside.len() - shown.len(),
                    "limit": MAX_CANDIDATES_SHOWN,
                    "templates_over_limit": template_count.saturating_sub(MAX_TEMPLATES_SHOWN),
                    "capped_sources": capped,
                },
                "spans_days": spans_days,
            })
        })
        .await
        .map_err(|e| ApiError::new(500, "internal", e.to_string()))
    }

    /// The timeline entry that promoting line `line` of `source` adds: the log entry that starts
    /// there, or with `moment`, the notable moment whose first line it is (its words, its time).
    pub(super) async fn promotion(
        &self,
        source: &str,
        line: u64,
        moment: bool,
    ) -> Result<meeting::Command, ApiError> {
        let loaded = self.loaded()?;
        let wanted = format!("{source}:{line}");
        tokio::task::spawn_blocking(move || {
            // A line is on the timeline once; a moment once in its own words (its first line
            // may be on the timeline as itself).
            let already = |text: Option<&str>| {
                loaded.incident.timeline.iter().any(|e| {
                    e.source.as_deref() == Some(wanted.as_str()) && text.is_none_or(|t| e.text == t)
                })
            };
            let refuse = || {
                ApiError::new(
                    409,
                    "already-promoted",
                    format!("{wanted} is on the timeline already"),
                )
            };
            if !moment && already(None) {
                return Err(refuse());
            }
            let scans = read_all(&loaded);
            let (at, text, kind, lane) = if moment {
                let found = moments_in(&scans, &loaded, None)
                    .into_iter()
                    .find(|m| m.source == wanted)
                    .ok_or_else(|| {
                        ApiError::new(
                            404,
                            "not-found",
                            format!("no notable moment starts at {wanted}"),
                        )
                    })?;
                if already(Some(&found.text)) {
                    return Err(refuse());
                }
                (found.at, found.text, crate::model::Kind::Event, found.lane)
            } else {
                let found = scans
                    .iter()
                    .filter_map(|(_, s)| s.as_ref().ok())
                    .flat_map(|s| &s.candidates)
                    .find(|c| c.source == wanted)
                    .ok_or_else(|| {
                        ApiError::new(
                            404,
                            "not-found",
                            format!("no log entry of a [[sources]] entry starts at {wanted}"),
                        )
                    })?;
                let text = found.text.lines().next().unwrap_or("").to_owned();
                (found.at, text, found.kind, found.lane.clone())
            };
            let text: String = text.chars().take(limits::MAX_TEXT).collect();
            Ok(meeting::Command::AddEntry {
                at: at.to_string(),
                text: if text.trim().is_empty() {
                    "(empty log line)".into()
                } else {
                    text
                },
                kind,
                lane: Some(lane),
                source: Some(wanted),
            })
        })
        .await
        .map_err(|e| ApiError::new(500, "internal", e.to_string()))?
    }
}
