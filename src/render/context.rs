//! What templates see: views of incidents with times in their zone, rendered Markdown and links
//! between entries, factors and actions. Also the stable JSON export.
//!
//! Template context (documented in docs/themes.md):
//! - every page: `site` (title, base_url), `root` (relative path to the site root), `assets`
//!   (`css`: the stylesheet's hashed path), `page` (its name);
//! - `incident.html` and `report.md`: `incident` ([`IncidentView`]), `timeline_svg` (inline
//!   SVG; the flow diagram is the file `flow.svg` beside the report), `logs` (what the logs
//!   show), `related` (up to five incidents that share services, named themes or tags:
//!   `id`, `title`, `date`, `shared`);
//! - `index.html`: `incidents` (a list of [`IncidentView`]), `sort` and `views`;
//! - `actions.html`: `actions` (a page of [`ActionView`], with their incident), `pager`;
//! - `trends.html`: `charts` (a list of `{title, svg}`).

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::markdown;
use crate::forecast::{Assessment, Facts, Forecast};
use crate::model::time::human_duration;
use crate::model::{ActionState, ActionStatus, Config, LoadedIncident, Stamp};

/// A link to an entry, factor or action in the same report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkView {
    pub anchor: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Moment {
    pub name: &'static str,
    pub local: String,
    pub utc: String,
}

/// The durations a report gives, by name.
pub const DURATIONS: [&str; 3] = ["to detect", "to mitigate", "to resolve"];

#[derive(Debug, Clone, Serialize)]
pub struct DurationView {
    pub name: &'static str,
    pub text: String,
    pub seconds: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub anchor: String,
    pub id: Option<String>,
    pub at_local: String,
    pub at_utc: String,
    pub kind: String,
    pub lane: Option<String>,
    pub by: Option<String>,
    pub text_html: String,
    pub text: String,
    pub source: Option<String>,
    pub key: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FactorView {
    pub anchor: String,
    pub text_html: String,
    pub text: String,
    pub category: String,
    /// The recurring theme people named on it.
    pub theme: Option<String>,
    pub votes: u32,
    pub events: Vec<LinkView>,
    pub leads_to: Vec<LinkView>,
    pub actions: Vec<LinkView>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionView {
    pub anchor: String,
    pub text_html: String,
    pub text: String,
    pub owner: Option<String>,
    pub due: Option<String>,
    pub priority: Option<String>,
    pub status: String,
    pub kind: Option<String>,
    pub factors: Vec<LinkView>,
    /// Only http(s) URLs; anything else is shown as text.
    pub ticket_url: Option<String>,
    pub ticket: Option<String>,
    /// The day it was done, `YYYY-MM-DD`.
    pub done_on: Option<String>,
    pub overdue: bool,
    pub at_risk: bool,
    /// overdue, at-risk, on-track, unscheduled, done or wont-do.
    pub state: String,
    /// Why it may slip, heaviest first.
    pub reasons: Vec<String>,
    /// The risk score, 0 to 1, rounded as shown (0 for finished actions).
    pub risk: f64,
    pub open: bool,
    pub incident_id: String,
    pub incident_title: String,
}

/// A person of the response, as the report names them: role first.
#[derive(Debug, Clone, Serialize)]
pub struct PersonView {
    /// `incident commander`; `responder` when the file gives none.
    pub role: String,
    /// The name, or the handle when the file gives no name.
    pub name: String,
    pub handle: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    pub id: String,
    pub title: String,
    pub severity: Option<String>,
    /// Position in the severity scale (0 = worst); unknown severities sort last.
    pub severity_rank: usize,
    pub status: String,
    pub timezone: String,
    pub services: Vec<String>,
    pub tags: Vec<String>,
    /// `[[people]]` by role: who held which role in the response.
    pub people: Vec<PersonView>,
    /// Markdown as written (for report.md), and as safe HTML.
    pub summary: Option<String>,
    pub summary_html: Option<String>,
    pub impact: Option<String>,
    pub impact_html: Option<String>,
    /// notes.md as a section of the report, its headings under the report's (for report.md),
    /// and as safe HTML.
    pub notes: Option<String>,
    pub notes_html: Option<String>,
    /// The local date the incident started (or was first seen), `YYYY-MM-DD`.
    pub date: String,
    pub moments: Vec<Moment>,
    pub durations: Vec<DurationView>,
    /// Time to resolve (or mitigate), for sorting; 0 when unknown.
    pub duration_seconds: i64,
    pub duration: Option<String>,
    pub timeline: Vec<EntryView>,
    pub factors: Vec<FactorView>,
    pub actions: Vec<ActionView>,
    pub open_actions: usize,
    pub lessons: crate::model::Lessons,
}

/// What the archive index shows of an incident: a row, not the whole report.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct IncidentSummary {
    pub id: String,
    pub title: String,
    pub severity: Option<String>,
    pub severity_rank: usize,
    pub status: String,
    pub date: String,
    pub duration: Option<String>,
    pub duration_seconds: i64,
    pub open_actions: usize,
    pub tags: Vec<String>,
}

impl IncidentView {
    pub fn summary(&self) -> IncidentSummary {
        IncidentSummary {
            id: self.id.clone(),
            title: self.title.clone(),
            severity: self.severity.clone(),
            severity_rank: self.severity_rank,
            status: self.status.clone(),
            date: self.date.clone(),
            duration: self.duration.clone(),
            duration_seconds: self.duration_seconds,
            open_actions: self.open_actions,
            tags: self.tags.clone(),
        }
    }
}

fn local(t: Timestamp, tz: &TimeZone) -> String {
    clock(tz.to_datetime(t), ' ', "").unwrap_or_else(|| {
        t.to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string()
    })
}

/// An instant as HTML's `datetime` takes it: UTC, with at most three digits of a second.
pub(crate) fn utc(t: Timestamp) -> String {
    if t.subsec_nanosecond() == 0 {
        clock(TimeZone::UTC.to_datetime(t), 'T', "Z")
            .unwrap_or_else(|| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
    } else {
        t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }
}

/// `2026-03-02 14:05:09`, for years 0 to 9999 (what `%Y-%m-%d %H:%M:%S` gives them), written
/// directly: reports format a few hundred times each, and parsing the format string each time
/// was a visible part of a site build.
fn clock(dt: jiff::civil::DateTime, sep: char, end: &str) -> Option<String> {
    if !(0..=9999).contains(&dt.year()) {
        return None;
    }
    Some(format!(
        "{:04}-{:02}-{:02}{sep}{:02}:{:02}:{:02}{end}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    ))
}

/// The anchor of timeline entry `i`: its id, or a stable one from its position.
fn entry_anchor(id: Option<&str>, i: usize) -> String {
    id.map_or_else(|| format!("entry-{}", i + 1), str::to_owned)
}

/// Only web links become links.
fn safe_url(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let (_, rest) = lower.split_once("://")?;
    // A host has no spaces: one with a space (a public build's `[redacted hostname]`) is text.
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    ((lower.starts_with("https://") || lower.starts_with("http://")) && !host.contains(' '))
        .then(|| url.to_owned())
}

impl IncidentView {
    pub fn new(loaded: &LoadedIncident, config: &Config, today: Date) -> IncidentView {
        let i = &loaded.incident;
        let tz = i.tz();
        let t = &i.times;
        let stamp = |s: &Option<Stamp>| s.as_ref().map(Stamp::instant);
        let moments = [
            ("started", &t.started),
            ("detected", &t.detected),
            ("mitigated", &t.mitigated),
            ("resolved", &t.resolved),
        ]
        .into_iter()
        .filter_map(|(name, s)| {
            Some(Moment {
                name,
                local: local(stamp(s)?, &tz),
                utc: utc(stamp(s)?),
            })
        })
        .collect();
        let d = i.durations();
        let durations: Vec<DurationView> = DURATIONS
            .into_iter()
            .zip([d.to_detect, d.to_mitigate, d.to_resolve])
            .filter_map(|(name, d)| {
                Some(DurationView {
                    name,
                    text: human_duration(d?),
                    seconds: d?.as_secs(),
                })
            })
            .collect();
        let total = d.to_resolve.or(d.to_mitigate);
        let date = i.opened().map_or_else(String::new, |d| d.to_string());

        let mut timeline: Vec<(Timestamp, EntryView)> = i
            .timeline
            .iter()
            .enumerate()
            .map(|(n, e)| {
                let view = EntryView {
                    anchor: entry_anchor(e.id.as_deref(), n),
                    id: e.id.clone(),
                    at_local: local(e.at.instant(), &tz),
                    at_utc: utc(e.at.instant()),
                    kind: e.kind.to_string(),
                    lane: e.lane.clone(),
                    by: e.by.clone(),
                    text_html: markdown::inline(&e.text),
                    text: e.text.clone(),
                    source: e.source.clone(),
                    key: e.key,
                };
                (e.at.instant(), view)
            })
            .collect();
        // Stable: entries at the same instant keep file order.
        timeline.sort_by_key(|(at, _)| *at);
        let timeline: Vec<EntryView> = timeline.into_iter().map(|(_, v)| v).collect();

        let entry_link = |id: &str| {
            let text = i
                .timeline
                .iter()
                .find(|e| e.id.as_deref() == Some(id))
                .map(|e| markdown::plain(&e.text));
            LinkView {
                anchor: id.to_owned(),
                text: text.unwrap_or_else(|| id.to_owned()),
            }
        };
        let factor_link = |id: &str| {
            let text = i
                .factors
                .iter()
                .find(|f| f.id == id)
                .map(|f| markdown::plain(&f.text));
            LinkView {
                anchor: id.to_owned(),
                text: text.unwrap_or_else(|| id.to_owned()),
            }
        };
        let factors = i
            .factors_ranked()
            .into_iter()
            .map(|f| FactorView {
                anchor: f.id.clone(),
                text_html: markdown::inline(&f.text),
                text: f.text.clone(),
                category: f.category.to_string(),
                theme: f.theme.clone(),
                votes: f.total_votes(),
                events: f.events.iter().map(|e| entry_link(e)).collect(),
                leads_to: f.leads_to.iter().map(|e| factor_link(e)).collect(),
                actions: i
                    .actions
                    .iter()
                    .filter(|a| a.factors.contains(&f.id))
                    .map(|a| LinkView {
                        anchor: a.id.clone(),
                        text: markdown::plain(&a.text),
                    })
                    .collect(),
            })
            .collect();
        // A report judges its actions by its own incident; the archive's actions pages and
        // `debrief actions` by the whole archive.
        let facts: Vec<Facts> = i.actions.iter().map(|a| Facts::of(loaded, a)).collect();
        let forecast = Forecast::new(&facts, &config.policy, today);
        let actions: Vec<ActionView> = i
            .actions
            .iter()
            .zip(&facts)
            .map(|(a, f)| action_view(a, loaded, forecast.assess(f), &factor_link))
            .collect();
        let open_actions = actions.iter().filter(|a| a.open).count();
        let levels = &config.severities;
        IncidentView {
            id: loaded.id.clone(),
            title: i.title.clone(),
            severity: i.severity.clone(),
            severity_rank: i
                .severity
                .as_deref()
                .and_then(|s| levels.rank(s))
                .unwrap_or(usize::MAX / 2),
            status: i.status.to_string(),
            timezone: i.timezone.clone().unwrap_or_else(|| "UTC".to_owned()),
            services: i.services.clone(),
            tags: i.tags.clone(),
            people: i
                .people
                .iter()
                .map(|p| PersonView {
                    role: p.role.clone().unwrap_or_else(|| "responder".to_owned()),
                    name: p.name.clone().unwrap_or_else(|| p.handle.clone()),
                    handle: p.handle.clone(),
                })
                .collect(),
            summary: i.summary.clone(),
            summary_html: i.summary.as_deref().map(markdown::block),
            impact: i.impact.text.clone(),
            impact_html: i.impact.text.as_deref().map(markdown::block),
            notes: loaded.notes.as_deref().map(markdown::as_section),
            notes_html: loaded
                .notes
                .as_deref()
                .map(|n| markdown::block(&markdown::as_section(n))),
            date,
            moments,
            durations,
            duration_seconds: total.map_or(0, |d| d.as_secs()),
            duration: total.map(human_duration),
            timeline,
            factors,
            actions,
            open_actions,
            lessons: i.lessons.clone(),
        }
    }
}

fn action_view(
    a: &crate::model::Action,
    loaded: &LoadedIncident,
    assessment: Assessment,
    factor_link: &dyn Fn(&str) -> LinkView,
) -> ActionView {
    let open = matches!(a.status, ActionStatus::Open | ActionStatus::InProgress);
    let due = a.due.map(|d| d.0);
    let mut view = ActionView {
        anchor: a.id.clone(),
        text_html: markdown::inline(&a.text),
        text: a.text.clone(),
        owner: a.owner.clone(),
        due: due.map(|d| d.to_string()),
        priority: a.priority.map(|p| p.to_string()),
        status: a.status.to_string(),
        kind: a.kind.map(|k| k.to_string()),
        factors: a.factors.iter().map(|f| factor_link(f)).collect(),
        ticket_url: a.ticket.as_deref().and_then(safe_url),
        ticket: a.ticket.clone(),
        done_on: a.done_on.map(|d| d.to_string()),
        overdue: false,
        at_risk: false,
        state: String::new(),
        reasons: Vec::new(),
        risk: 0.0,
        open,
        incident_id: loaded.id.clone(),
        incident_title: loaded.incident.title.clone(),
    };
    view.judge(assessment);
    view
}

impl ActionView {
    /// Sets where the action stands, and why it may slip.
    pub fn judge(&mut self, assessment: Assessment) {
        self.overdue = assessment.state == ActionState::Overdue;
        self.at_risk = assessment.state == ActionState::AtRisk;
        self.state = assessment.state.to_string();
        self.risk = assessment.risk.score;
        self.reasons = assessment.risk.reasons;
    }
}

/// The stable, machine-readable export of one incident (`incident.json`), schema version 1:
/// raw Markdown text, times as RFC 3339 UTC, durations in seconds.
#[derive(Debug, Serialize)]
pub struct IncidentJson<'a> {
    pub schema: u32,
    pub id: &'a str,
    pub title: &'a str,
    pub severity: Option<&'a str>,
    pub status: crate::model::Status,
    pub timezone: Option<&'a str>,
    pub services: &'a [String],
    pub tags: &'a [String],
    pub summary: Option<&'a str>,
    pub impact: Option<&'a str>,
    pub times: TimesJson,
    pub durations_seconds: DurationsJson,
    pub people: &'a [crate::model::Person],
    pub timeline: Vec<EntryJson<'a>>,
    pub factors: Vec<FactorJson<'a>>,
    pub actions: &'a [crate::model::Action],
    pub lessons: &'a crate::model::Lessons,
}

#[derive(Debug, Serialize)]
pub struct TimesJson {
    pub started: Option<Timestamp>,
    pub detected: Option<Timestamp>,
    pub mitigated: Option<Timestamp>,
    pub resolved: Option<Timestamp>,
}

#[derive(Debug, Serialize)]
pub struct DurationsJson {
    pub to_detect: Option<i64>,
    pub to_mitigate: Option<i64>,
    pub to_resolve: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct EntryJson<'a> {
    pub id: Option<&'a str>,
    pub at: Timestamp,
    pub text: &'a str,
    pub kind: crate::model::Kind,
    pub lane: Option<&'a str>,
    pub by: Option<&'a str>,
    pub source: Option<&'a str>,
    pub key: bool,
}

#[derive(Debug, Serialize)]
pub struct FactorJson<'a> {
    pub id: &'a str,
    pub text: &'a str,
    pub category: crate::model::Category,
    /// The dots the factor got, added up. Who placed them is not published: a ballot named
    /// by participant would undo the secrecy of the vote.
    pub total_votes: u32,
    pub events: &'a [String],
    pub leads_to: &'a [String],
}

pub fn incident_json(loaded: &LoadedIncident) -> IncidentJson<'_> {
    let i = &loaded.incident;
    let t = &i.times;
    let at = |s: &Option<Stamp>| s.as_ref().map(Stamp::instant);
    let d = i.durations();
    let secs = |d: Option<SignedDuration>| d.map(|d| d.as_secs());
    IncidentJson {
        schema: 1,
        id: &loaded.id,
        title: &i.title,
        severity: i.severity.as_deref(),
        status: i.status,
        timezone: i.timezone.as_deref(),
        services: &i.services,
        tags: &i.tags,
        summary: i.summary.as_deref(),
        impact: i.impact.text.as_deref(),
        times: TimesJson {
            started: at(&t.started),
            detected: at(&t.detected),
            mitigated: at(&t.mitigated),
            resolved: at(&t.resolved),
        },
        durations_seconds: DurationsJson {
            to_detect: secs(d.to_detect),
            to_mitigate: secs(d.to_mitigate),
            to_resolve: secs(d.to_resolve),
        },
        people: &i.people,
        timeline: i
            .timeline_sorted()
            .into_iter()
            .map(|e| EntryJson {
                id: e.id.as_deref(),
                at: e.at.instant(),
                text: &e.text,
                kind: e.kind,
                lane: e.lane.as_deref(),
                by: e.by.as_deref(),
                source: e.source.as_deref(),
                key: e.key,
            })
            .collect(),
        factors: i
            .factors
            .iter()
            .map(|f| FactorJson {
                id: &f.id,
                text: &f.text,
                category: f.category,
                total_votes: f.total_votes(),
                events: &f.events,
                leads_to: &f.leads_to,
            })
            .collect(),
        actions: &i.actions,
        lessons: &i.lessons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct formatting gives what `strftime` gives, across zones, leap days and years.
    #[test]
    fn times_read_as_strftime_writes_them() {
        let zones = [
            "UTC",
            "America/St_Johns",
            "Asia/Kathmandu",
            "Pacific/Kiritimati",
        ];
        let mut t: Timestamp = "0001-01-01T00:00:00Z".parse().unwrap();
        let step = jiff::SignedDuration::from_secs(86_399 * 97 + 1_234);
        for _ in 0..20_000 {
            for z in zones {
                let tz = TimeZone::get(z).unwrap();
                let want = t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M:%S");
                assert_eq!(local(t, &tz), want.to_string());
            }
            assert_eq!(utc(t), t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
            t = t.checked_add(step).unwrap();
        }
        let t: Timestamp = "2026-03-02T14:05:09.5Z".parse().unwrap();
        assert_eq!(utc(t), "2026-03-02T14:05:09.500Z");
    }
}
