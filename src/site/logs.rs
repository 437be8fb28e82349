//! What an incident's logs and metrics show its report: the volume strip under the timeline,
//! and the notable moments and message templates of the incident's window.

use crate::evidence::{self, ScanOptions};
use crate::model::LoadedIncident;
use crate::render::timeline;

/// The per-minute log volume of all of an incident's sources, for the strip under its timeline
/// (`None` when it has none), and the sources that could not be read.
pub fn log_volume(loaded: &LoadedIncident) -> (Option<evidence::Volume>, Vec<String>) {
    let (volume, _, warnings) = read_logs(loaded, None);
    (volume, warnings)
}

/// The incident's `[[metrics]]`, read; a file that cannot be read is left out, with a warning
/// naming it and the line.
pub fn read_metrics(loaded: &LoadedIncident) -> (Vec<evidence::metrics::MetricData>, Vec<String>) {
    let mut warnings = Vec::new();
    let metrics = evidence::metrics::read_all(loaded)
        .into_iter()
        .filter_map(|r| {
            r.map_err(|e| warnings.push(format!("{}: metric: {e}", loaded.id)))
                .ok()
        })
        .collect();
    (metrics, warnings)
}

/// What the report says the logs show: the notable moments and the message templates of the
/// incident's window.
#[derive(Debug, Default, serde::Serialize)]
pub struct LogStory {
    pub moments: Vec<MomentView>,
    pub templates: Vec<TemplateView>,
    /// Templates in the window, and the entries they hold.
    pub template_count: usize,
    pub entries: u64,
    /// The window, in the incident's zone.
    pub from: String,
    pub to: String,
}

impl LogStory {
    /// The story with every text the logs gave passed through a public build's redactor.
    pub(super) fn redact(
        &mut self,
        id: &str,
        redactor: &crate::public::Redactor,
        log: &mut Vec<crate::public::Redaction>,
    ) {
        let place = crate::public::Place {
            incident: id,
            place: "logs".to_owned(),
        };
        let mut r = |text: &mut String| {
            if let std::borrow::Cow::Owned(new) = redactor.redact(text, &place, log) {
                *text = new;
            }
        };
        for m in &mut self.moments {
            r(&mut m.text);
            r(&mut m.reason);
            r(&mut m.source);
        }
        for t in &mut self.templates {
            r(&mut t.lane);
            r(&mut t.text);
            r(&mut t.example);
            r(&mut t.source);
        }
    }
}

#[derive(Debug, serde::Serialize)]
pub struct MomentView {
    pub at_utc: String,
    pub at_local: String,
    pub text: String,
    pub reason: String,
    pub source: String,
}

#[derive(Debug, serde::Serialize)]
pub struct TemplateView {
    pub lane: String,
    pub text: String,
    /// Entries in the window (counted by the minute).
    pub count: u64,
    pub level: Option<evidence::Level>,
    #[serde(skip)]
    first: jiff::Timestamp,
    /// The template's first entry: when, what and where.
    pub first_utc: String,
    pub first_local: String,
    pub example: String,
    pub source: String,
}

/// Moments the report proposes at most, and templates it lists.
const REPORT_MOMENTS: usize = 5;
const REPORT_TEMPLATES: usize = 100;

/// Reads every source once: the volume strip, and (with the incident's metrics, `story`) the
/// moments and templates of the incident's window.
pub(super) fn read_logs(
    loaded: &LoadedIncident,
    story: Option<&[evidence::metrics::MetricData]>,
) -> (Option<evidence::Volume>, LogStory, Vec<String>) {
    let mut warnings = Vec::new();
    let scans: Vec<evidence::SourceScan> = evidence::scan_all(
        loaded,
        ScanOptions {
            candidates: false,
            volume: true,
            templates: story.is_some(),
            template_lines: false,
        },
    )
    .into_iter()
    .filter_map(|(name, r)| match r {
        Ok(scan) => Some(scan),
        Err(e) => {
            warnings.push(format!("{}: source `{name}`: {e}", loaded.id));
            None
        }
    })
    .collect();
    let volumes: Vec<evidence::Volume> = scans.iter().map(|s| s.volume.clone()).collect();
    let volume = (!volumes.is_empty()).then(|| timeline::combined(&volumes));
    let story = match story {
        Some(metrics) => log_story(loaded, &scans, metrics),
        None => LogStory::default(),
    };
    (volume, story, warnings)
}

fn log_story(
    loaded: &LoadedIncident,
    scans: &[evidence::SourceScan],
    metrics: &[evidence::metrics::MetricData],
) -> LogStory {
    let incident = &loaded.incident;
    let tz = incident.tz();
    let local = |t: jiff::Timestamp| {
        t.to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    let window = evidence::incident_window(incident, evidence::WINDOW_MARGIN);
    let inside = |t: jiff::Timestamp| window.is_none_or(|(from, to)| t >= from && t <= to);
    let read: Vec<&evidence::SourceScan> = scans.iter().collect();
    let moments: Vec<MomentView> = evidence::moments::find(&read, metrics, &tz, 1000)
        .into_iter()
        .filter(|m| inside(m.at))
        .take(REPORT_MOMENTS)
        .map(|m| MomentView {
            at_utc: crate::render::context::utc(m.at),
            at_local: local(m.at),
            text: m.text,
            reason: m.reason,
            source: m.source,
        })
        .collect();
    let (from_minute, to_minute) = window.map_or((i64::MIN, i64::MAX), |(from, to)| {
        (
            from.as_second().div_euclid(60),
            to.as_second().div_euclid(60),
        )
    });
    let mut templates: Vec<TemplateView> = scans
        .iter()
        .flat_map(|s| &s.templates)
        .filter_map(|t| {
            let count: u64 = t
                .minutes
                .iter()
                .filter(|(m, _)| (from_minute..=to_minute).contains(m))
                .map(|(_, n)| u64::from(*n))
                .sum();
            (count > 0).then(|| TemplateView {
                lane: t.lane.clone(),
                text: t.text.clone(),
                count,
                level: t.level,
                first: t.first,
                first_utc: crate::render::context::utc(t.first),
                first_local: local(t.first),
                example: t.example.chars().take(300).collect(),
                source: t.source.clone(),
            })
        })
        .collect();
    templates.sort_by_key(|t| t.first);
    let template_count = templates.len();
    let entries = templates.iter().map(|t| t.count).sum();
    templates.truncate(REPORT_TEMPLATES);
    let (from, to) = window.map_or((String::new(), String::new()), |(f, t)| {
        (local(f), local(t))
    });
    LogStory {
        moments,
        templates,
        template_count,
        entries,
        from,
        to,
    }
}
