//! What a build keeps of an incident once its own pages are written: enough for the
//! archive-wide pages (the index, the actions pages, the trends and the data files), in a form
//! small enough that an archive of ten thousand incidents fits in a CI runner's memory.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::spill::Spill;
use crate::forecast::{Assessment, Facts, Forecast};
use crate::model::{ActionState, LoadedIncident};
use crate::render::context::{ActionView, IncidentSummary, IncidentView};

/// An incident, as the archive-wide pages need it.
pub(super) struct Digest {
    pub summary: IncidentSummary,
    pub actions: Actions,
    /// Each contributing factor: its text as plain text, its category and its anchor.
    pub factors: Vec<FactorBrief>,
    /// The services it touched, for the themes and the services' pages.
    pub services: Vec<String>,
    /// Seconds to detect, to mitigate and to resolve, where known.
    pub durations: Vec<(&'static str, i64)>,
    /// For the feed: the day it was published (`published`, at midnight in its zone), else
    /// when it was resolved (RFC 3339); and its summary as plain text.
    pub updated: String,
    pub abstract_text: Option<String>,
    /// The incident's entry in the search index.
    pub search: super::search::Entry,
    /// When its impact began and ended, for the status page; no end while it is ongoing.
    pub impact: Option<Impact>,
}

/// The parts of a digest, each read by some of the archive-wide pages. The build cache keeps a
/// hash of each part of each incident, so that a rebuild draws again only the pages that read
/// a part that changed (see `wide`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Summary,
    /// The action items, as drawn before the whole archive's record judges them.
    Actions,
    Factors,
    Services,
    Durations,
    Updated,
    Abstract,
    Impact,
    /// The search index's entry: its document and its words.
    Search,
    /// Its place in the index's order (newest first): its date and id. While every incident's
    /// is the same, so is every incident's number in the search's postings.
    Order,
}

impl Part {
    pub const COUNT: usize = 10;
}

/// An incident's impact window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Impact {
    pub from: jiff::Timestamp,
    /// `None`: still going on (no `resolved` time, and the write-up is not published).
    pub to: Option<jiff::Timestamp>,
}

impl Impact {
    fn of(i: &crate::model::Incident, tz: &jiff::tz::TimeZone) -> Option<Impact> {
        let t = &i.times;
        let at = |s: &Option<crate::model::Stamp>| s.as_ref().map(|s| s.resolve(tz).0);
        let from = at(&t.started).or_else(|| i.first_instant())?;
        let to = match at(&t.resolved) {
            Some(resolved) => Some(resolved),
            // A published write-up is of something that is over, at its last known time.
            None if i.status == crate::model::Status::Published => Some(
                [at(&t.mitigated), at(&t.detected)]
                    .into_iter()
                    .flatten()
                    .fold(from, jiff::Timestamp::max),
            ),
            None => None,
        };
        Some(Impact {
            from,
            to: to.map(|to| to.max(from)),
        })
    }
}

impl Digest {
    /// The digest of an incident, given its search entry (made beside its pages); its action
    /// items go to `spill`.
    pub fn of(
        view: IncidentView,
        loaded: &LoadedIncident,
        search: super::search::Entry,
        spill: &Arc<Spill>,
    ) -> anyhow::Result<Digest> {
        let i = &loaded.incident;
        let tz = i.tz();
        // The feed announces a postmortem as of the day it was published, at midnight in the
        // incident's zone; before a `published` day is written, as of its resolution.
        let published_at = i.published.and_then(|d| {
            d.0.at(0, 0, 0, 0)
                .to_zoned(tz.clone())
                .ok()
                .map(|z| z.timestamp())
        });
        let updated = published_at
            .or_else(|| i.times.resolved.as_ref().map(|s| s.resolve(&tz).0))
            .or_else(|| i.first_instant())
            .map_or_else(String::new, |t| t.to_string());
        let facts = i.actions.iter().map(|a| Facts::of(loaded, a));
        Ok(Digest {
            impact: Impact::of(i, &tz),
            search,
            summary: view.summary(),
            actions: Actions::of(&view.actions, facts, spill)?,
            updated,
            abstract_text: i.summary.as_deref().map(crate::render::markdown::plain),
            factors: view
                .factors
                .into_iter()
                .map(|f| FactorBrief {
                    text: crate::render::markdown::plain(&f.text),
                    category: f.category,
                    anchor: f.anchor,
                    theme: f.theme,
                })
                .collect(),
            durations: view.durations.iter().map(|d| (d.name, d.seconds)).collect(),
            services: view.services,
        })
    }
}

/// A contributing factor, as the themes page needs it.
#[derive(Clone, Serialize, Deserialize)]
pub(super) struct FactorBrief {
    pub text: String,
    pub category: String,
    pub anchor: String,
    /// The theme people named on it.
    pub theme: Option<String>,
}

/// An incident's action items: each as JSON, end to end in one run of the build's spill file,
/// read back one at a time when a page shows it. Held as structs of strings, an archive's items
/// took more room than their JSON; held as JSON, they were still the most of what a build kept
/// per incident.
pub(super) struct Actions {
    spill: Arc<Spill>,
    /// Where the incident's run starts in the spill file.
    at: u64,
    /// Where each item's JSON ends in the run.
    ends: Box<[u32]>,
    /// What the actions pages sort and count by.
    pub keys: Box<[Key]>,
}

/// How an action item sorts and counts.
#[derive(Clone, Serialize, Deserialize)]
pub(super) struct Key {
    pub open: bool,
    pub due: Option<Box<str>>,
    pub anchor: Box<str>,
    /// What the archive-wide forecast needs, and what it said.
    pub facts: Facts,
    /// Made by [`judge`] for the whole archive, never kept from one build to the next.
    #[serde(skip)]
    pub assessment: Option<Assessment>,
}

impl Key {
    pub fn state(&self) -> Option<ActionState> {
        self.assessment.as_ref().map(|a| a.state)
    }
}

impl Actions {
    fn of(
        actions: &[ActionView],
        facts: impl Iterator<Item = Facts>,
        spill: &Arc<Spill>,
    ) -> anyhow::Result<Actions> {
        let mut json = Vec::new();
        let mut ends = Vec::with_capacity(actions.len());
        for action in actions {
            serde_json::to_writer(&mut json, action)?;
            ends.push(u32::try_from(json.len())?);
        }
        let keys = actions
            .iter()
            .zip(facts)
            .map(|(a, facts)| Key {
                open: a.open,
                due: a.due.as_deref().map(Into::into),
                anchor: a.anchor.as_str().into(),
                facts,
                assessment: None,
            })
            .collect();
        Actions::from_json(&json, ends, keys, spill)
    }

    /// The items of `json` (each ending where `ends` says), with their keys; the JSON goes to
    /// `spill`.
    /// No action items.
    pub fn none(spill: &Arc<Spill>) -> anyhow::Result<Actions> {
        Actions::from_json(&[], Vec::new(), Box::new([]), spill)
    }

    pub fn from_json(
        json: &[u8],
        ends: Vec<u32>,
        keys: Box<[Key]>,
        spill: &Arc<Spill>,
    ) -> anyhow::Result<Actions> {
        if ends.len() != keys.len() || ends.last().map_or(0, |&e| e as usize) != json.len() {
            anyhow::bail!("action items that do not match their keys");
        }
        let at = spill.put(json).map_err(|e| {
            anyhow::anyhow!("writing action items to the build's temporary file: {e}")
        })?;
        Ok(Actions {
            spill: spill.clone(),
            at,
            ends: ends.into_boxed_slice(),
            keys,
        })
    }

    /// Every item's JSON end to end, and where each ends: what [`Actions::from_json`] takes.
    pub fn json(&self) -> anyhow::Result<(Vec<u8>, Vec<u32>)> {
        let len = self.ends.last().map_or(0, |&e| e as usize);
        let json = self.spill.get(self.at, len).map_err(|e| {
            anyhow::anyhow!("reading action items from the build's temporary file: {e}")
        })?;
        Ok((json, self.ends.to_vec()))
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Item `i`, as the incident's view had it, judged by the archive's forecast once
    /// [`judge`] has run.
    pub fn get(&self, i: usize) -> anyhow::Result<ActionView> {
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1] as usize,
        };
        let json = self
            .spill
            .get(self.at + start as u64, self.ends[i] as usize - start)
            .map_err(|e| {
                anyhow::anyhow!("reading action items from the build's temporary file: {e}")
            })?;
        let mut view: ActionView = serde_json::from_slice(&json)?;
        if let Some(assessment) = &self.keys[i].assessment {
            view.judge(assessment.clone());
        }
        Ok(view)
    }

    /// Every item, in the incident's order.
    pub fn iter(&self) -> impl Iterator<Item = anyhow::Result<ActionView>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// Judges every action of the archive by the archive's record: the owners' load and history
/// count across incidents.
pub(super) fn judge(
    digests: &mut [Digest],
    forecast: impl FnOnce(&mut dyn Iterator<Item = &Facts>) -> Forecast,
) {
    let forecast = forecast(
        &mut digests
            .iter()
            .flat_map(|d| d.actions.keys.iter().map(|k| &k.facts)),
    );
    for d in digests {
        for k in d.actions.keys.iter_mut() {
            k.assessment = Some(forecast.assess(&k.facts));
        }
    }
}

/// Every action item of `digests` as (incident, item), in the order of the actions pages: the
/// overdue first, then those at risk, then the other open ones by due date; the done last.
pub(super) fn action_order(digests: &[Digest]) -> Vec<(usize, usize)> {
    let mut order: Vec<(usize, usize)> = digests
        .iter()
        .enumerate()
        .flat_map(|(i, d)| (0..d.actions.len()).map(move |j| (i, j)))
        .collect();
    let sort_key = |&(i, j): &(usize, usize)| {
        let k = &digests[i].actions.keys[j];
        let state = k.state();
        (
            state != Some(ActionState::Overdue),
            state != Some(ActionState::AtRisk),
            !k.open,
            k.due.is_none(),
            k.due.as_deref(),
            digests[i].summary.id.as_str(),
            &*k.anchor,
        )
    };
    order.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    order
}

/// The incidents, newest first (ties by id).
pub(super) fn newest_first(digests: &[Digest]) -> Vec<&Digest> {
    let mut newest: Vec<&Digest> = digests.iter().collect();
    newest.sort_by(|a, b| newer(&a.summary, &b.summary));
    newest
}

/// The order of the archive's lists: newest first, the same day by id.
pub(super) fn newer(a: &IncidentSummary, b: &IncidentSummary) -> std::cmp::Ordering {
    newer_of((&a.date, &a.id), (&b.date, &b.id))
}

/// [`newer`], of (date, id) pairs.
pub(super) fn newer_of(a: (&str, &str), b: (&str, &str)) -> std::cmp::Ordering {
    b.0.cmp(a.0).then(a.1.cmp(b.1))
}
