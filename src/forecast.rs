//! The action forecast: where each action item stands (overdue, at risk, on track…) and, for
//! those not done, how likely it is to miss its date and why.
//!
//! The model uses only what the files hold. Each signal that an action may slip becomes a
//! reason in words with a weight between 0 and 1; the risk score is the chance that at least
//! one of them bites, `1 − ∏(1 − weight)`, and an action with a due date is at risk from
//! [`AT_RISK`] on. docs/actions.md explains every reason and its weight.

use std::collections::HashMap;

use jiff::civil::Date;
use serde::Serialize;

use crate::model::config::Policy;
use crate::model::{Action, ActionState, ActionStatus, LoadedIncident, Priority};

/// From this score on, an action with a due date is at risk.
pub const AT_RISK: f64 = 0.5;

/// An open action due within this many days is always at risk.
pub const DUE_SOON_DAYS: i64 = 3;

/// What the forecast needs to know of one action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Facts {
    pub owner: Option<Box<str>>,
    /// The owner's team, from the incident's `[[people]]`.
    pub team: Option<Box<str>>,
    pub status: ActionStatus,
    pub priority: Option<Priority>,
    pub due: Option<Date>,
    pub done_on: Option<Date>,
    /// The day the incident started, which the time to the due date is measured from.
    pub opened: Option<Date>,
}

impl Facts {
    /// What the archive's `[policy]` says of this action, `id`, in the words of `debrief
    /// check` (the same rule: [`action_policy`](crate::model::validate::action_policy)).
    pub fn policy(&self, id: &str, policy: &crate::model::config::Policy) -> Vec<String> {
        let facts = crate::model::validate::PolicyFacts {
            id,
            status: self.status,
            owner: self.owner.as_deref(),
            priority: self.priority,
            due: self.due,
            opened: self.opened,
        };
        crate::model::validate::action_policy(0, &facts, policy)
            .into_iter()
            .map(|finding| finding.message)
            .collect()
    }

    pub fn of(loaded: &LoadedIncident, action: &Action) -> Facts {
        let owner = action
            .owner
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty());
        let team = owner.and_then(|o| {
            loaded
                .incident
                .people
                .iter()
                .find(|p| p.handle == o)
                .and_then(|p| p.team.as_deref())
        });
        Facts {
            owner: owner.map(Into::into),
            team: team.map(Into::into),
            status: action.status,
            priority: action.priority,
            due: action.due.map(|d| d.0),
            done_on: action.done_on.map(|d| d.0),
            opened: loaded.incident.opened(),
        }
    }

    fn finished(&self) -> bool {
        matches!(self.status, ActionStatus::Done | ActionStatus::WontDo)
    }

    fn overdue(&self, today: Date) -> bool {
        !self.finished() && self.due.is_some_and(|d| d < today)
    }
}

/// How likely an action is to miss its date, and why.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Risk {
    /// From 0 (nothing suggests it will slip) to 1 (it has).
    pub score: f64,
    pub reasons: Vec<String>,
}

/// The forecast of one action.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub state: ActionState,
    pub risk: Risk,
}

/// Open and overdue actions, and how past actions ended, of one owner or team.
#[derive(Debug, Clone, Copy, Default)]
struct Record {
    open: u32,
    overdue: u32,
    /// Finished actions that had a due date and a `done_on`, and how many of them were late.
    finished: u32,
    late: u32,
}

/// The archive's record, against which each action is judged.
#[derive(Debug, Clone)]
pub struct Forecast {
    today: Date,
    policy: Policy,
    owners: HashMap<Box<str>, Record>,
    teams: HashMap<Box<str>, Record>,
}

/// Finished actions (with a due date and a `done_on`) that make an owner's own record long
/// enough to decide; below it, the owner's team's record is used.
pub const MIN_HISTORY: u32 = 3;

impl Forecast {
    /// Learns the owners' and teams' records from every action of the archive.
    pub fn new<'a>(
        all: impl IntoIterator<Item = &'a Facts>,
        policy: &Policy,
        today: Date,
    ) -> Forecast {
        let mut owners: HashMap<Box<str>, Record> = HashMap::new();
        let mut teams: HashMap<Box<str>, Record> = HashMap::new();
        for facts in all {
            let count = |r: &mut Record| {
                if facts.finished() {
                    if facts.status == ActionStatus::Done
                        && let (Some(due), Some(done)) = (facts.due, facts.done_on)
                    {
                        r.finished += 1;
                        r.late += u32::from(done > due);
                    }
                } else {
                    r.open += 1;
                    r.overdue += u32::from(facts.overdue(today));
                }
            };
            if let Some(owner) = &facts.owner {
                count(owners.entry(owner.clone()).or_default());
            }
            if let Some(team) = &facts.team {
                count(teams.entry(team.clone()).or_default());
            }
        }
        Forecast {
            today,
            policy: policy.clone(),
            owners,
            teams,
        }
    }

    pub fn today(&self) -> Date {
        self.today
    }

    /// The state and the risk of one action, which the archive's record includes.
    pub fn assess(&self, facts: &Facts) -> Assessment {
        match facts.status {
            ActionStatus::Done => return finished(ActionState::Done),
            ActionStatus::WontDo => return finished(ActionState::WontDo),
            ActionStatus::Open | ActionStatus::InProgress => {}
        }
        let mut reasons: Vec<(f64, String)> = Vec::new();
        let started = facts.status == ActionStatus::InProgress;
        let days_left = facts.due.map(|d| days_between(self.today, d));
        if let Some(left) = days_left {
            // The share of the time from the incident to the due date that has passed.
            // Not started: from half the time on, 0.35 rising to 0.8 (at risk alone from two
            // thirds on). In progress: from three quarters on, 0.2 rising to 0.6.
            let (from, span, base, rise) = if started {
                (0.75, 0.25, 0.2, 0.4)
            } else {
                (0.5, 0.5, 0.35, 0.45)
            };
            let elapsed = self
                .elapsed(facts)
                .filter(|&share| share >= from)
                .map(|share| (share, base + rise * ((share - from) / span).min(1.0)));
            let how = if started {
                "still in progress"
            } else {
                "not started"
            };
            if left < 0 {
                reasons.push((1.0, format!("overdue by {}", days(-left))));
            } else if left <= DUE_SOON_DAYS {
                let when = match left {
                    0 => "due today".to_owned(),
                    1 => "due tomorrow".to_owned(),
                    n => format!("due in {n} days"),
                };
                // Never lighter than the share of time gone a day earlier: a score must not
                // fall as the date comes closer with nothing done.
                let soon = if started { 0.55 } else { 0.7 };
                let weight = elapsed.map_or(soon, |(_, w)| w.max(soon));
                reasons.push((weight, format!("{when} and {how}")));
            } else if let Some((share, weight)) = elapsed {
                // Never all of it before the day: "100%" of an action due in four days reads
                // as overdue.
                let percent = (share * 100.0).min(99.0);
                reasons.push((
                    weight,
                    format!("{percent:.0}% of the time to its due date has passed and it is {how}"),
                ));
            }
        }
        match &facts.owner {
            None if self.policy.require_owner => {
                reasons.push((0.5, "no owner, which the policy requires".into()));
            }
            None => reasons.push((0.35, "no owner".into())),
            Some(owner) => {
                let mine = self.owners.get(owner).copied().unwrap_or_default();
                // Not counting this action itself.
                let overdue = mine
                    .overdue
                    .saturating_sub(u32::from(facts.overdue(self.today)));
                let open = mine.open.saturating_sub(1);
                if overdue > 0 {
                    reasons.push((
                        (0.15 * f64::from(overdue)).min(0.45),
                        format!("owner has {}", plural(overdue, "other overdue action")),
                    ));
                }
                if open >= 5 {
                    reasons.push((
                        (0.04 * f64::from(open)).min(0.3),
                        format!("owner has {}", plural(open, "other open action")),
                    ));
                }
                let often_late = |r: &Record| r.late * 3 >= r.finished;
                if mine.finished >= MIN_HISTORY {
                    // The owner's own record decides, whatever their teammates did.
                    if often_late(&mine) {
                        reasons.push((
                            0.5 * f64::from(mine.late) / f64::from(mine.finished),
                            format!(
                                "owner finished {} of {} past actions late",
                                mine.late, mine.finished
                            ),
                        ));
                    }
                } else if let Some((team, record)) = facts
                    .team
                    .as_ref()
                    .and_then(|t| Some((t, self.teams.get(t)?)))
                    .filter(|(_, r)| r.finished >= MIN_HISTORY && often_late(r))
                {
                    reasons.push((
                        0.4 * f64::from(record.late) / f64::from(record.finished),
                        format!(
                            "owner's own record is short ({} finished, {MIN_HISTORY} needed): team {team} finished {} of {} past actions late",
                            mine.finished, record.late, record.finished
                        ),
                    ));
                }
            }
        }
        if let Some(days) = self.policy.due_within(facts.priority) {
            let priority = facts.priority.map_or("", |p| p.as_str());
            match (facts.due, facts.opened) {
                (None, _) => reasons.push((
                    0.4,
                    format!("no due date, and the policy wants {priority} actions due within {days} days"),
                )),
                (Some(due), Some(opened)) if days_between(opened, due) > i64::from(days) => {
                    reasons.push((
                        0.3,
                        format!(
                            "due {} after the incident, and the policy wants {priority} actions due within {days} days",
                            self::days(days_between(opened, due))
                        ),
                    ));
                }
                _ => {}
            }
        }
        // Shown with two decimals, and compared as shown: one number means one state.
        let score = 1.0 - reasons.iter().map(|(w, _)| 1.0 - w).product::<f64>();
        let score = (score * 100.0).round() / 100.0;
        let state = match days_left {
            None => ActionState::Unscheduled,
            Some(left) if left < 0 => ActionState::Overdue,
            Some(left) if left <= DUE_SOON_DAYS => ActionState::AtRisk,
            Some(_) if score >= AT_RISK => ActionState::AtRisk,
            Some(_) => ActionState::OnTrack,
        };
        // The heaviest reasons first.
        reasons.sort_by(|a, b| b.0.total_cmp(&a.0));
        Assessment {
            state,
            risk: Risk {
                score,
                reasons: reasons.into_iter().map(|(_, r)| r).collect(),
            },
        }
    }

    /// The share of the time from the incident to the due date that has passed.
    fn elapsed(&self, facts: &Facts) -> Option<f64> {
        let (opened, due) = (facts.opened?, facts.due?);
        let window = days_between(opened, due);
        (window > 0).then(|| days_between(opened, self.today).max(0) as f64 / window as f64)
    }
}

impl Assessment {
    /// A sentence for a calendar or a feed: the owner, the state and the reasons.
    pub fn describe(&self, owner: Option<&str>) -> String {
        let mut text = format!(
            "Owner: {}. State: {}.",
            owner.unwrap_or("nobody yet"),
            self.state
        );
        if !self.risk.reasons.is_empty() {
            text.push_str(&format!(" Reasons: {}.", self.risk.reasons.join("; ")));
        }
        text
    }
}

fn finished(state: ActionState) -> Assessment {
    Assessment {
        state,
        risk: Risk::default(),
    }
}

/// Whole days from `a` to `b` (negative when `b` is earlier).
pub fn days_between(a: Date, b: Date) -> i64 {
    // Civil dates: a span in days has no daylight-saving surprises.
    b.since((jiff::Unit::Day, a))
        .map_or(0, |s| i64::from(s.get_days()))
}

/// `date` plus `n` days; the last representable date when that is past it (a policy of four
/// billion days is a typo, not a reason to stop).
pub fn add_days(date: Date, n: u32) -> Date {
    jiff::Span::new()
        .try_days(i64::from(n))
        .ok()
        .and_then(|span| date.checked_add(span).ok())
        .unwrap_or(Date::MAX)
}

fn days(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

fn plural(n: u32, what: &str) -> String {
    crate::diagnostics::plural(n as usize, what)
}

#[cfg(test)]
mod tests;
