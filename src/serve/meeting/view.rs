//! The meeting as the screens see it: the shared state (votes hidden until the reveal, ballots
//! never), each caller's own part, the phase prompts and the blameless nudges.

use std::collections::BTreeMap;

use serde_json::json;

use super::*;
use crate::model::Phase;
use crate::store::List;

impl Phase {
    /// What the phase asks of the people in the meeting.
    pub fn prompt(self) -> &'static str {
        match self {
            Phase::FollowUps => {
                "Open actions from related incidents: what has moved since their reviews?"
            }
            Phase::Prepare => "Preparing: the incident's details, before the review starts.",
            Phase::Timeline => "Add what you saw happen, with the time you saw it.",
            Phase::Factors => "What made this possible? Propose contributing factors.",
            Phase::Vote => "Vote for the factors the team should work on.",
            Phase::Actions => "What will we change? Create an action, or claim one.",
            Phase::Lessons => "What went well, what went wrong, and where did we get lucky?",
            Phase::WrapUp => "Wrapping up: the top factors and who owns each action.",
        }
    }
}

impl Meeting {
    /// The meeting as `GET /api/state` and the `state` events show it to `caller`. Vote counts
    /// stay out until they are revealed, and who voted for what never leaves the server.
    ///
    /// This is the part every participant (or, with `facilitator`, every facilitator screen)
    /// shares; [`Meeting::you_json`] is the caller's own part.
    pub fn shared_json(&self, facilitator: bool, render_error: Option<&str>) -> serde_json::Value {
        let shown = self.shown();
        let incident = shown.as_deref().map(|loaded| {
            let mut value = serde_json::to_value(crate::render::context::incident_json(loaded))
                .unwrap_or_default();
            // The shared screen marks what the blameless lint flags.
            let lint = facilitator.then(|| crate::model::validate::lint_for(&loaded.incident));
            // Screens show text as text: the Markdown reduced to what it says.
            for list in ["timeline", "factors", "actions"] {
                for item in value
                    .get_mut(list)
                    .and_then(|l| l.as_array_mut())
                    .into_iter()
                    .flatten()
                {
                    let plain = item["text"].as_str().map(crate::render::markdown::plain);
                    let live = item["id"]
                        .as_str()
                        .and_then(|id| List::parse(list).map(|l| (l, id.to_owned())))
                        .is_some_and(|key| self.authors.contains_key(&key));
                    let nudged = lint.as_ref().map(|lint| {
                        item["text"]
                            .as_str()
                            .map(|t| lint.check(t).iter().map(|h| h.rule.code).collect::<Vec<_>>())
                            .unwrap_or_default()
                    });
                    if let Some(object) = item.as_object_mut() {
                        object.insert("plain".into(), json!(plain));
                        object.insert("live".into(), json!(live));
                        if let Some(rules) = nudged.filter(|r| !r.is_empty()) {
                            object.insert("nudged".into(), json!(rules));
                        }
                    }
                }
            }
            // An action the policy would warn about says so on the shared screen, in the words
            // of `debrief check`, as soon as the edit that breaks it lands.
            if facilitator
                && let Some(actions) = value.get_mut("actions").and_then(|a| a.as_array_mut())
            {
                let facts: Vec<crate::forecast::Facts> = loaded
                    .incident
                    .actions
                    .iter()
                    .map(|a| crate::forecast::Facts::of(loaded, a))
                    .collect();
                for ((item, action), facts) in actions.iter_mut().zip(&loaded.incident.actions).zip(&facts) {
                    let said = facts.policy(&action.id, &self.config.policy);
                    if let Some(object) = item.as_object_mut().filter(|_| !said.is_empty()) {
                        object.insert("policy".into(), json!(said));
                    }
                }
            }
            if let Some(factors) = value.get_mut("factors").and_then(|f| f.as_array_mut()) {
                for f in factors {
                    if let Some(f) = f.as_object_mut() {
                        // Even the totals wait for the reveal on the meeting's screens.
                        if !self.revealed {
                            f.insert("total_votes".into(), serde_json::Value::Null);
                        }
                    }
                }
            }
            if let Some(object) = value.as_object_mut() {
                // The zone's name and the window, for time pickers.
                object.insert(
                    "zone".into(),
                    json!(loaded.incident.tz().iana_name().unwrap_or("UTC")),
                );
                // The durations as the report writes them (`5h 48m`): one function formats
                // them for every screen and page.
                let d = loaded.incident.durations();
                let text = |d: Option<jiff::SignedDuration>| d.map(crate::model::time::human_duration);
                object.insert(
                    "durations".into(),
                    json!({
                        "to_detect": text(d.to_detect),
                        "to_mitigate": text(d.to_mitigate),
                        "to_resolve": text(d.to_resolve),
                    }),
                );
                if !facilitator {
                    // A phone gets what its phase shows, and its own submissions (in `you`);
                    // not the whole story, which would go to every phone on every change.
                    for key in [
                        "timeline", "people", "lessons", "summary", "impact", "services", "tags",
                    ] {
                        object.remove(key);
                    }
                    let (factors, actions) = match self.phase {
                        Phase::Prepare | Phase::FollowUps | Phase::Timeline => (false, false),
                        Phase::Factors | Phase::Vote => (true, false),
                        Phase::Actions | Phase::WrapUp => (true, true),
                        Phase::Lessons => (false, false),
                    };
                    if !factors {
                        object.insert("factors".into(), json!([]));
                    } else if self.phase != Phase::Vote {
                        // What a factor can be linked to: the timeline entries that have ids.
                        let events: Vec<serde_json::Value> = loaded
                            .incident
                            .timeline_sorted()
                            .into_iter()
                            .filter_map(|e| {
                                let id = e.id.as_ref()?;
                                let at = e.at.in_zone(&loaded.incident.tz()).strftime("%H:%M");
                                Some(json!({
                                    "id": id,
                                    "plain": format!("{at} {}", crate::render::markdown::plain(&e.text)),
                                }))
                            })
                            .collect();
                        object.insert("link_events".into(), json!(events));
                    }
                    if !actions {
                        object.insert("actions".into(), json!([]));
                    }
                }
            }
            value
        });
        // Those the facilitator removed are no longer in the room.
        let present: Vec<&Participant> = self.participants.iter().filter(|p| !p.removed).collect();
        let voters = present
            .iter()
            .filter(|p| self.votes_used(&p.id) > 0)
            .count();
        let mut participants = json!({
            "count": present.len(),
            "voted": voters,
        });
        if facilitator {
            let idle: Vec<&&Participant> = present
                .iter()
                .filter(|p| self.votes_used(&p.id) == 0)
                .collect();
            participants["names"] = json!(
                present
                    .iter()
                    .filter_map(|p| p.shown_name())
                    .collect::<Vec<_>>()
            );
            // For removing someone: their number (the order they joined in) and their name
            // unless they joined anonymously. Not their id, which the votes in the file carry:
            // who voted for what stays on the server.
            participants["people"] = json!(
                self.participants
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| !p.removed)
                    .map(|(i, p)| json!({ "number": i + 1, "name": p.shown_name(), "verified": p.verified }))
                    .collect::<Vec<_>>()
            );
            participants["not_voted"] = json!({
                "count": idle.len(),
                "names": idle.iter().filter_map(|p| p.shown_name()).collect::<Vec<_>>(),
                "anonymous": idle.iter().filter(|p| p.name.is_none()).count(),
            });
        }
        json!({
            // What the incident below holds; a change answered with revision N is in every
            // state whose revision is N or more.
            "revision": self.applied,
            "phase": self.phase,
            "phases": self.phases(),
            // Participants see the carried actions in their phase; the facilitator always.
            "carried": self
                .carried
                .as_ref()
                .filter(|_| facilitator || self.phase == Phase::FollowUps)
                .map(Carried::json),
            "prompt": self.phase.prompt(),
            "timer": self.timer.map(|(ends_at, seconds)| json!({ "ends_at": ends_at, "seconds": seconds })),
            "revealed": self.revealed,
            "limits": {
                "votes_per_person": self.config.votes_per_person,
                "max_votes_per_item": self.config.max_votes_per_item,
                "text": crate::serve::limits::MAX_TEXT,
            },
            // The scale the Details view offers for the severity, and the record as written
            // (the report's view fills in defaults a form must not save back).
            "severities": facilitator.then_some(&self.config.severities.levels),
            "details": self
                .incident
                .as_ref()
                .filter(|_| facilitator)
                .map(|l| super::details::record(&l.incident)),
            "anonymous": self.config.anonymous,
            "participants": participants,
            "lessons": self.lessons_json(facilitator),
            "feedback": self.incident.as_ref().map(|l| {
                let answers = &l.incident.feedback;
                let sum: u32 = answers.iter().map(|f| u32::from(f.rating)).sum();
                json!({
                    "count": answers.len(),
                    "average": (!answers.is_empty())
                        .then(|| (f64::from(sum) / answers.len() as f64 * 10.0).round() / 10.0),
                    "comments": answers.iter().filter_map(|f| f.text.as_deref()).collect::<Vec<_>>(),
                })
            }),
            "incident": incident,
            "error": render_error
                .or(self.journal_error.as_deref())
                .or(self.store_error.as_deref())
                .or(self.carried_error.as_deref()),
        })
    }

    /// The caller's own part of the state: their votes and what they added.
    pub fn you_json(&self, caller: &Caller) -> serde_json::Value {
        match caller {
            Caller::Facilitator => json!({ "role": "facilitator" }),
            Caller::Participant(id) => {
                let p = self.participant(id);
                let added = self.by_author.get(id).map_or(&[][..], Vec::as_slice);
                let mine_ids: Vec<&str> = added.iter().map(|(_, item)| item.as_str()).collect();
                let timeline = self
                    .incident
                    .as_ref()
                    .map_or(&[][..], |l| &l.incident.timeline);
                let incident = self.incident.as_ref().map(|l| &l.incident);
                let mut entries = Vec::new();
                for (list, item) in added {
                    let found = incident.and_then(|i| match list {
                        List::Timeline => timeline
                            .iter()
                            .find(|e| e.id.as_ref() == Some(item))
                            .map(|e| {
                                (
                                    e.text.as_str(),
                                    json!({ "at": e.at.instant(), "kind": e.kind }),
                                )
                            }),
                        List::Factors => i
                            .factors
                            .iter()
                            .find(|f| &f.id == item)
                            .map(|f| (f.text.as_str(), json!({ "category": f.category }))),
                        List::Actions => i
                            .actions
                            .iter()
                            .find(|a| &a.id == item)
                            .map(|a| (a.text.as_str(), json!({ "owner": a.owner }))),
                    });
                    if let Some((text, mut extra)) = found {
                        extra["id"] = json!(item);
                        extra["list"] = json!(list.key());
                        extra["text"] = json!(text);
                        extra["plain"] = json!(crate::render::markdown::plain(text));
                        entries.push(extra);
                    }
                }
                let mine: BTreeMap<&str, u32> = self
                    .votes
                    .iter()
                    .filter_map(|(f, v)| v.get(id).map(|n| (f.as_str(), *n)))
                    .collect();
                json!({
                    "role": "participant",
                    "participant": id,
                    "name": p.and_then(|p| p.name.as_deref()),
                    "votes": mine,
                    "votes_left": self.config.votes_per_person.saturating_sub(self.votes_used(id)),
                    "mine": mine_ids,
                    "entries": entries,
                    "feedback": self.feedback_of.get(id).and_then(|fid| {
                        incident?.feedback.iter().find(|f| f.id.as_deref() == Some(fid.as_str()))
                    }).map(|f| json!({ "rating": f.rating, "text": f.text })),
                })
            }
        }
    }
}

impl Meeting {
    /// The blameless lint's findings in `text`, with the incident's people as the names it
    /// knows: `[{rule, message, help, start, end}]`, where `start` and `end` count characters
    /// (Unicode scalar values) of the text as sent. Empty when the text is clean.
    pub fn nudges(&self, text: &str) -> serde_json::Value {
        let lint = match &self.incident {
            Some(l) => crate::model::validate::lint_for(&l.incident),
            None => crate::model::blameless::Lint::new(&Default::default()),
        };
        let chars = |byte: usize| text[..byte].chars().count();
        json!(
            lint.check(text)
                .iter()
                .map(|hit| json!({
                    "rule": hit.rule.code,
                    "message": hit.message(),
                    "help": hit.rule.help,
                    "start": chars(hit.range.start),
                    "end": chars(hit.range.end),
                }))
                .collect::<Vec<_>>()
        )
    }
}
