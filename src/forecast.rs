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
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// Past actions needed before a record of lateness counts.
const MIN_HISTORY: u32 = 3;

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
            if left < 0 {
                reasons.push((1.0, format!("overdue by {}", days(-left))));
            } else if left <= DUE_SOON_DAYS {
                let when = match left {
                    0 => "due today".to_owned(),
                    1 => "due tomorrow".to_owned(),
                    n => format!("due in {n} days"),
                };
                let how = if started {
                    "and still in progress"
                } else {
                    "and not started"
                };
                reasons.push((if started { 0.55 } else { 0.7 }, format!("{when} {how}")));
            } else if let Some(share) = self.elapsed(facts) {
                // The share of the time from the incident to the due date that has passed.
                // Not started: from half the time on, 0.35 rising to 0.8 (at risk alone from
                // two thirds on). In progress: from three quarters on, 0.2 rising to 0.6.
                let (from, span, base, rise) = if started {
                    (0.75, 0.25, 0.2, 0.4)
                } else {
                    (0.5, 0.5, 0.35, 0.45)
                };
                if share >= from {
                    let weight = base + rise * ((share - from) / span).min(1.0);
                    let how = if started {
                        "it is still in progress"
                    } else {
                        "it is not started"
                    };
                    // Never all of it before the day: "100%" of an action due in four days
                    // reads as overdue.
                    let percent = (share * 100.0).min(99.0);
                    reasons.push((
                        weight,
                        format!("{percent:.0}% of the time to its due date has passed and {how}"),
                    ));
                }
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
                let history = |r: &Record| r.finished >= MIN_HISTORY && r.late * 3 >= r.finished;
                if history(&mine) {
                    reasons.push((
                        0.5 * f64::from(mine.late) / f64::from(mine.finished),
                        format!(
                            "owner finished {} of {} past actions late",
                            mine.late, mine.finished
                        ),
                    ));
                } else if let Some((team, record)) = facts
                    .team
                    .as_ref()
                    .and_then(|t| Some((t, self.teams.get(t)?)))
                    .filter(|(_, r)| history(r))
                {
                    reasons.push((
                        0.4 * f64::from(record.late) / f64::from(record.finished),
                        format!(
                            "team {team} finished {} of {} past actions late",
                            record.late, record.finished
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
        let score = 1.0 - reasons.iter().map(|(w, _)| 1.0 - w).product::<f64>();
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
                score: (score * 100.0).round() / 100.0,
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
mod tests {
    use super::*;
    use jiff::civil::date;

    fn facts(owner: Option<&str>, status: ActionStatus, due: Option<Date>) -> Facts {
        Facts {
            owner: owner.map(Into::into),
            team: None,
            status,
            priority: None,
            due,
            done_on: None,
            opened: Some(date(2026, 11, 1)),
        }
    }

    const TODAY: Date = date(2026, 11, 30);

    fn assess(all: &[Facts], one: &Facts, policy: &Policy) -> Assessment {
        Forecast::new(all, policy, TODAY).assess(one)
    }

    #[test]
    fn states_follow_status_and_date() {
        let policy = Policy::default();
        let state = |status, due| {
            let f = facts(Some("ana"), status, due);
            assess(std::slice::from_ref(&f), &f, &policy).state
        };
        assert_eq!(state(ActionStatus::Done, None), ActionState::Done);
        assert_eq!(
            state(ActionStatus::WontDo, Some(date(2026, 1, 1))),
            ActionState::WontDo
        );
        assert_eq!(
            state(ActionStatus::Open, Some(date(2026, 11, 29))),
            ActionState::Overdue
        );
        assert_eq!(state(ActionStatus::Open, None), ActionState::Unscheduled);
        assert_eq!(
            state(ActionStatus::InProgress, Some(date(2027, 3, 1))),
            ActionState::OnTrack
        );
        // Due within three days: always at risk, even in progress.
        assert_eq!(
            state(ActionStatus::InProgress, Some(date(2026, 12, 3))),
            ActionState::AtRisk
        );
        assert_eq!(
            state(ActionStatus::InProgress, Some(date(2026, 12, 4))),
            ActionState::OnTrack
        );
    }

    #[test]
    fn each_reason_is_given_in_words() {
        let policy = Policy::default();
        let reasons = |all: &[Facts], one: &Facts| assess(all, one, &policy).risk.reasons;
        let due = |y, m, d| Some(date(y, m, d));

        let soon = facts(Some("ana"), ActionStatus::Open, due(2026, 12, 2));
        assert_eq!(
            reasons(std::slice::from_ref(&soon), &soon),
            ["due in 2 days and not started"]
        );
        let tomorrow = facts(Some("ana"), ActionStatus::InProgress, due(2026, 12, 1));
        assert_eq!(
            reasons(std::slice::from_ref(&tomorrow), &tomorrow),
            ["due tomorrow and still in progress"]
        );
        let late = facts(Some("ana"), ActionStatus::Open, due(2026, 11, 20));
        assert_eq!(
            reasons(std::slice::from_ref(&late), &late),
            ["overdue by 10 days"]
        );

        // Opened 2026-11-01, due 2026-12-11: 29 of 40 days gone.
        let slow = facts(Some("ana"), ActionStatus::Open, due(2026, 12, 11));
        let a = assess(std::slice::from_ref(&slow), &slow, &policy);
        assert_eq!(
            a.risk.reasons,
            ["72% of the time to its due date has passed and it is not started"]
        );
        assert_eq!(a.state, ActionState::AtRisk);
        // Opened three years ago and due in four days: nearly all of the time, never "100%".
        let old = Facts {
            opened: Some(date(2023, 11, 1)),
            ..facts(Some("ana"), ActionStatus::Open, due(2026, 12, 4))
        };
        assert_eq!(
            reasons(std::slice::from_ref(&old), &old),
            ["99% of the time to its due date has passed and it is not started"]
        );
        let started = Facts {
            status: ActionStatus::InProgress,
            ..slow.clone()
        };
        assert!(reasons(std::slice::from_ref(&started), &started).is_empty());
        // In progress, 29 of 33 days gone (88%): a reason, not yet at risk alone.
        let late_start = Facts {
            status: ActionStatus::InProgress,
            ..facts(Some("ana"), ActionStatus::Open, due(2026, 12, 4))
        };
        let a = assess(std::slice::from_ref(&late_start), &late_start, &policy);
        assert_eq!(
            a.risk.reasons,
            ["88% of the time to its due date has passed and it is still in progress"]
        );
        assert_eq!(a.state, ActionState::OnTrack);
        assert!(
            a.risk.score > 0.3 && a.risk.score < AT_RISK,
            "{}",
            a.risk.score
        );

        let nobody = facts(None, ActionStatus::Open, due(2027, 6, 1));
        let a = assess(std::slice::from_ref(&nobody), &nobody, &policy);
        assert_eq!(a.risk.reasons, ["no owner"]);
        assert_eq!(
            a.state,
            ActionState::OnTrack,
            "one soft reason is not enough"
        );
        let strict = Policy {
            require_owner: true,
            ..Policy::default()
        };
        let a = assess(std::slice::from_ref(&nobody), &nobody, &strict);
        assert_eq!(a.risk.reasons, ["no owner, which the policy requires"]);
        assert_eq!(a.state, ActionState::AtRisk);
    }

    #[test]
    fn the_owners_load_and_record_count() {
        let policy = Policy::default();
        let due = |y, m, d| Some(date(y, m, d));
        let this = facts(Some("bo"), ActionStatus::Open, due(2027, 6, 1));
        let mut all = vec![this.clone()];
        all.extend((0..4).map(|_| facts(Some("bo"), ActionStatus::Open, due(2026, 10, 1))));
        all.extend((0..2).map(|_| facts(Some("bo"), ActionStatus::Open, due(2027, 1, 1))));
        let a = assess(&all, &this, &policy);
        assert_eq!(
            a.risk.reasons,
            [
                "owner has 4 other overdue actions",
                "owner has 6 other open actions"
            ]
        );
        assert_eq!(a.state, ActionState::AtRisk);

        // History: 3 of 4 finished late.
        let done = |due: Date, on: Date| Facts {
            done_on: Some(on),
            ..facts(Some("cy"), ActionStatus::Done, Some(due))
        };
        let this = facts(Some("cy"), ActionStatus::Open, due(2027, 6, 1));
        let mut all = vec![this.clone()];
        all.push(done(date(2026, 5, 1), date(2026, 5, 9)));
        all.push(done(date(2026, 6, 1), date(2026, 6, 2)));
        all.push(done(date(2026, 7, 1), date(2026, 7, 30)));
        all.push(done(date(2026, 8, 1), date(2026, 7, 30)));
        assert_eq!(
            assess(&all, &this, &policy).risk.reasons,
            ["owner finished 3 of 4 past actions late"]
        );

        // A new owner in a team that is often late: the team's record speaks.
        let teamed = |f: Facts| Facts {
            team: Some("payments".into()),
            ..f
        };
        let newcomer = teamed(facts(Some("dee"), ActionStatus::Open, due(2027, 6, 1)));
        let mut all: Vec<Facts> = all.into_iter().map(teamed).collect();
        all.push(newcomer.clone());
        assert_eq!(
            assess(&all, &newcomer, &policy).risk.reasons,
            ["team payments finished 3 of 4 past actions late"]
        );
    }

    #[test]
    fn an_owner_the_archive_has_not_seen_is_judged_without_a_record() {
        // The meeting changes an owner after the forecast learned the archive's records.
        let learned = facts(Some("ana"), ActionStatus::Open, Some(date(2026, 11, 1)));
        let forecast = Forecast::new([&learned], &Policy::default(), TODAY);
        let moved = Facts {
            owner: Some("robin".into()),
            ..learned
        };
        let a = forecast.assess(&moved);
        assert_eq!(a.state, ActionState::Overdue);
        assert_eq!(a.risk.reasons, ["overdue by 29 days"]);
    }

    #[test]
    fn the_policy_deadlines_count() {
        let policy = Policy {
            action_due_within_days: [("P0".to_owned(), 7)].into(),
            ..Policy::default()
        };
        let p0 = |due| Facts {
            priority: Some(Priority::P0),
            ..facts(Some("ana"), ActionStatus::Open, due)
        };
        let undated = p0(None);
        let a = assess(std::slice::from_ref(&undated), &undated, &policy);
        assert_eq!(
            a.risk.reasons,
            ["no due date, and the policy wants P0 actions due within 7 days"]
        );
        assert_eq!(a.state, ActionState::Unscheduled);
        let far = p0(Some(date(2027, 6, 1)));
        assert_eq!(
            assess(std::slice::from_ref(&far), &far, &policy)
                .risk
                .reasons,
            ["due 212 days after the incident, and the policy wants P0 actions due within 7 days"]
        );
        let near = p0(Some(date(2026, 11, 8)));
        assert!(
            !assess(std::slice::from_ref(&near), &near, &policy)
                .risk
                .reasons
                .iter()
                .any(|r| r.contains("policy"))
        );
    }
}
