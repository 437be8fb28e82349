//! What a build keeps of an incident once its own pages are written: enough for the
//! archive-wide pages (the index, the actions pages, the trends and the data files), in a form
//! small enough that an archive of ten thousand incidents fits in a CI runner's memory.

use crate::render::context::{ActionView, IncidentSummary, IncidentView};

/// An incident, as the archive-wide pages need it.
pub(super) struct Digest {
    pub summary: IncidentSummary,
    pub actions: Actions,
    /// The category of each contributing factor.
    pub categories: Vec<String>,
    /// Seconds to detect, to mitigate and to resolve, where known.
    pub durations: Vec<(&'static str, i64)>,
}

impl Digest {
    pub fn of(view: IncidentView) -> anyhow::Result<Digest> {
        Ok(Digest {
            summary: view.summary(),
            actions: Actions::of(&view.actions)?,
            categories: view.factors.into_iter().map(|f| f.category).collect(),
            durations: view.durations.iter().map(|d| (d.name, d.seconds)).collect(),
        })
    }
}

/// An incident's action items: each as JSON, end to end in one buffer, read back one at a
/// time when a page shows it. Held as structs of strings, an archive's items took more room
/// than their JSON, in a dozen allocations per item instead of two per incident.
pub(super) struct Actions {
    json: Box<[u8]>,
    /// Where each item's JSON ends in `json`.
    ends: Box<[u32]>,
    /// What the actions pages sort and count by.
    pub keys: Box<[Key]>,
}

/// How an action item sorts and counts.
pub(super) struct Key {
    pub overdue: bool,
    pub at_risk: bool,
    pub open: bool,
    pub due: Option<Box<str>>,
    pub anchor: Box<str>,
}

impl Actions {
    fn of(actions: &[ActionView]) -> anyhow::Result<Actions> {
        let mut json = Vec::new();
        let mut ends = Vec::with_capacity(actions.len());
        for action in actions {
            serde_json::to_writer(&mut json, action)?;
            ends.push(u32::try_from(json.len())?);
        }
        Ok(Actions {
            json: json.into_boxed_slice(),
            ends: ends.into_boxed_slice(),
            keys: actions
                .iter()
                .map(|a| Key {
                    overdue: a.overdue,
                    at_risk: a.at_risk,
                    open: a.open,
                    due: a.due.as_deref().map(Into::into),
                    anchor: a.anchor.as_str().into(),
                })
                .collect(),
        })
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Item `i`, as the incident's view had it.
    pub fn get(&self, i: usize) -> anyhow::Result<ActionView> {
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1] as usize,
        };
        Ok(serde_json::from_slice(
            &self.json[start..self.ends[i] as usize],
        )?)
    }

    /// Every item, in the incident's order.
    pub fn iter(&self) -> impl Iterator<Item = anyhow::Result<ActionView>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// Every action item of `digests` as (incident, item), in the order of the actions pages: the
/// overdue first, then those due soon, then the other open ones by due date; the done last.
pub(super) fn action_order(digests: &[Digest]) -> Vec<(usize, usize)> {
    let mut order: Vec<(usize, usize)> = digests
        .iter()
        .enumerate()
        .flat_map(|(i, d)| (0..d.actions.len()).map(move |j| (i, j)))
        .collect();
    let sort_key = |&(i, j): &(usize, usize)| {
        let k = &digests[i].actions.keys[j];
        (
            !k.overdue,
            !k.at_risk,
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
