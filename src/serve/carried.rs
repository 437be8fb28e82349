//! Follow-ups: the actions of related incidents that are not done yet, carried into this
//! meeting so the room sees what the last reviews promised.
//!
//! When the incident sits in an archive, the other incidents that share a service or a tag with
//! it are read once at the start. Their open actions are listed (overdue first) in the
//! Follow-ups phase, and the facilitator may change an action's status, owner or due date. Such
//! a change is journaled in this meeting's journal like any other, then written into the other
//! incident's file with toml_edit; a restart writes again whatever the journal holds, so an
//! acknowledged change is never lost.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use serde_json::json;

use super::error::ApiError;
use crate::diagnostics::{Report, Style};
use crate::forecast::{Facts, Forecast};
use crate::load::{self, Archive, Options};
use crate::model::{ActionState, ActionStatus, Config, Priority};
use crate::store::ActionChanges;

/// The most carried actions a meeting lists: the most urgent ones.
pub const MAX_CARRIED: usize = 200;

/// One action of another incident.
#[derive(Debug, Clone)]
pub struct Item {
    pub incident: String,
    pub id: String,
    pub text: String,
    ticket: Option<String>,
    /// What its incident shares with this one: `service checkout-api`, `tag database`.
    shares: Vec<String>,
    facts: Facts,
    state: ActionState,
    reasons: Vec<String>,
    /// What the archive's `[policy]` says of it now, as `check` says it.
    policy: Vec<String>,
}

/// The carried actions, as the journal has changed them.
#[derive(Debug, Clone)]
pub struct Carried {
    /// The archive folder.
    root: PathBuf,
    config: Config,
    forecast: Forecast,
    /// Every action of the archive, as the meeting has changed them: the forecast is learned
    /// again from these after each change, so reasons count the archive as it now is.
    all: Vec<(String, String, Facts)>,
    /// As read at the start, before this meeting changed any.
    base: Vec<Item>,
    base_all: Vec<(String, String, Facts)>,
    items: Vec<Item>,
}

impl Carried {
    /// The open actions of the incidents related to the one in `dir`, when `dir` sits in an
    /// archive (a folder that holds other incidents); `None` otherwise.
    pub fn gather(dir: &Path, today: Date) -> Option<Carried> {
        let dir = dir.canonicalize().ok()?;
        let root = dir.parent()?.to_path_buf();
        let layout = load::discover(&root).ok()?;
        // An archive of this incident alone has nothing to carry.
        if !layout.is_archive || layout.incidents.len() < 2 || !layout.incidents.contains(&dir) {
            return None;
        }
        let mut report = Report::default();
        let archive = Archive::load(&root, Options::default(), &mut report).ok()?;
        let this = load::incident_id(&dir);
        let (services, tags): (HashSet<&str>, HashSet<&str>) = archive
            .incidents
            .iter()
            .find(|l| l.id == this)
            .map(|l| {
                (
                    l.incident.services.iter().map(String::as_str).collect(),
                    l.incident.tags.iter().map(String::as_str).collect(),
                )
            })
            .unwrap_or_default();
        // Themes people named on factors, compared as the site compares them.
        let themes_of = |l: &crate::model::LoadedIncident| -> HashSet<String> {
            l.incident
                .factors
                .iter()
                .filter_map(|f| f.theme.as_deref())
                .map(crate::model::theme_key)
                .filter(|t| !t.is_empty())
                .collect()
        };
        let themes: HashSet<String> = archive
            .incidents
            .iter()
            .find(|l| l.id == this)
            .map(themes_of)
            .unwrap_or_default();
        let all: Vec<(String, String, Facts)> = archive
            .incidents
            .iter()
            .flat_map(|l| {
                l.incident
                    .actions
                    .iter()
                    .map(move |a| (l.id.clone(), a.id.clone(), Facts::of(l, a)))
            })
            .collect();
        let forecast = Forecast::new(all.iter().map(|x| &x.2), &archive.config.policy, today);
        let mut items: Vec<Item> = archive
            .incidents
            .iter()
            .filter(|l| l.id != this)
            .filter_map(|l| {
                // Services and named themes first: they say more about a shared cause than
                // tags do.
                let mut shared_themes: Vec<String> =
                    themes_of(l).intersection(&themes).cloned().collect();
                shared_themes.sort();
                let shares: Vec<String> = l
                    .incident
                    .services
                    .iter()
                    .filter(|s| services.contains(s.as_str()))
                    .map(|s| format!("service {s}"))
                    .chain(shared_themes.into_iter().map(|t| format!("theme {t}")))
                    .chain(
                        l.incident
                            .tags
                            .iter()
                            .filter(|t| tags.contains(t.as_str()))
                            .map(|t| format!("tag {t}")),
                    )
                    .collect();
                (!shares.is_empty()).then_some((l, shares))
            })
            .flat_map(|(l, shares)| {
                l.incident
                    .actions
                    .iter()
                    .filter(|a| matches!(a.status, ActionStatus::Open | ActionStatus::InProgress))
                    .map(move |a| Item {
                        incident: l.id.clone(),
                        id: a.id.clone(),
                        text: crate::render::markdown::plain(&a.text),
                        ticket: a.ticket.clone(),
                        shares: shares.clone(),
                        facts: Facts::of(l, a),
                        state: ActionState::OnTrack,
                        reasons: Vec::new(),
                        policy: Vec::new(),
                    })
            })
            .collect();
        for item in &mut items {
            item.assess(&forecast, &archive.config.policy);
        }
        items.sort_by(|a, b| {
            (
                a.state,
                a.facts.due.is_none(),
                a.facts.due,
                &a.incident,
                &a.id,
            )
                .cmp(&(
                    b.state,
                    b.facts.due.is_none(),
                    b.facts.due,
                    &b.incident,
                    &b.id,
                ))
        });
        items.truncate(MAX_CARRIED);
        Some(Carried {
            root,
            config: archive.config,
            forecast,
            base_all: all.clone(),
            all,
            base: items.clone(),
            items,
        })
    }

    /// The list as read at the start, for replaying the journal again.
    pub fn reset(mut self) -> Carried {
        self.items = self.base.clone();
        self.all = self.base_all.clone();
        self.relearn();
        self
    }

    /// Learns the owners' and teams' records again from the archive as the meeting has
    /// changed it, and judges every carried action by them.
    fn relearn(&mut self) {
        self.forecast = Forecast::new(
            self.all.iter().map(|x| &x.2),
            &self.config.policy,
            self.forecast.today(),
        );
        for item in &mut self.items {
            item.assess(&self.forecast, &self.config.policy);
        }
    }

    /// The file of `incident`, after checking that it holds `id` and loads without errors:
    /// a change is never journaled for a file it cannot go into.
    pub fn admit(&self, incident: &str, id: &str) -> Result<PathBuf, ApiError> {
        if !self
            .items
            .iter()
            .any(|i| i.incident == incident && i.id == id)
        {
            return Err(ApiError::new(
                404,
                "not-found",
                format!("there is no carried action `{id}` of `{incident}`"),
            ));
        }
        let dir = incident_dir(&self.root, incident)?;
        let mut report = Report::default();
        let loaded = load::load_incident(&dir, &self.config, Options::default(), &mut report);
        match loaded {
            Some(l) if l.incident.actions.iter().any(|a| a.id == id) => {
                Ok(dir.join(load::INCIDENT_FILE))
            }
            Some(_) => Err(ApiError::new(
                409,
                "gone",
                format!("`{incident}` no longer has an action `{id}`"),
            )),
            None => Err(ApiError::new(
                409,
                "broken-file",
                format!(
                    "`{incident}`'s incident.toml has errors, so the change cannot go into it; fix the file first\n{}",
                    report.render(Style::Plain).trim_end()
                ),
            )),
        }
    }

    /// The archive folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Folds a journaled change into the list.
    pub fn apply(&mut self, incident: &str, id: &str, changes: &ActionChanges) {
        let Some(item) = self
            .items
            .iter_mut()
            .find(|i| i.incident == incident && i.id == id)
        else {
            return;
        };
        let f = &mut item.facts;
        if let Some(status) = changes.status {
            f.status = status;
        }
        if let Some(owner) = &changes.owner {
            f.owner = Some(owner.trim()).filter(|o| !o.is_empty()).map(Into::into);
        }
        if let Some(due) = &changes.due {
            f.due = due.parse().ok();
        }
        if let Some(done) = &changes.done_on {
            f.done_on = done.parse().ok();
        }
        let facts = f.clone();
        if let Some(slot) = self
            .all
            .iter_mut()
            .find(|(i, a, _)| i == incident && a == id)
        {
            slot.2 = facts;
        }
        self.relearn();
    }

    /// The list as `GET /api/state` carries it.
    pub fn json(&self) -> serde_json::Value {
        json!(
            self.items
                .iter()
                .map(|i| json!({
                    "incident": i.incident,
                    "id": i.id,
                    "text": i.text,
                    "owner": i.facts.owner,
                    "due": i.facts.due.map(|d| d.to_string()),
                    "priority": i.facts.priority.map(Priority::as_str),
                    "ticket": i.ticket,
                    "status": i.facts.status,
                    "state": i.state,
                    "reasons": i.reasons,
                    "policy": i.policy,
                    "shares": i.shares,
                }))
                .collect::<Vec<_>>()
        )
    }
}

/// The folder of the incident named `incident` in the archive at `root`, refused when it is not
/// a plain folder name or when it leads out of the archive (a symbolic link to a folder
/// elsewhere): debrief writes only inside the archive it was started in.
pub fn incident_dir(root: &Path, incident: &str) -> Result<PathBuf, ApiError> {
    let plain = Path::new(incident).components().count() == 1
        && !matches!(incident, "" | "." | "..")
        && !incident.contains(['/', '\\']);
    if !plain {
        return Err(ApiError::new(
            404,
            "not-found",
            format!("there is no incident `{incident}` in the archive"),
        ));
    }
    let outside = || {
        ApiError::new(
            403,
            "outside-archive",
            format!(
                "`{incident}` leads out of the archive (a symbolic link to a folder elsewhere); debrief writes only inside {}",
                root.display()
            ),
        )
    };
    let dir = root.join(incident);
    let (Ok(real_root), Ok(real)) = (root.canonicalize(), dir.canonicalize()) else {
        return Err(ApiError::new(
            409,
            "gone",
            format!("`{incident}` is no longer in the archive"),
        ));
    };
    if real.parent() != Some(real_root.as_path()) {
        return Err(outside());
    }
    // The file itself may not lead elsewhere either.
    let file = real.join(load::INCIDENT_FILE);
    if std::fs::symlink_metadata(&file).is_ok_and(|m| m.file_type().is_symlink())
        && file
            .canonicalize()
            .map_or(true, |f| f.parent() != Some(real.as_path()))
    {
        return Err(outside());
    }
    Ok(real)
}

impl Item {
    /// Judges the action again: its forecast, and what the policy says of it, in the words
    /// `debrief check` uses.
    fn assess(&mut self, forecast: &Forecast, policy: &crate::model::config::Policy) {
        let assessment = forecast.assess(&self.facts);
        self.state = assessment.state;
        self.reasons = assessment.risk.reasons;
        self.policy = self.facts.policy(&self.id, policy);
    }
}
