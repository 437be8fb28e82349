//! The meeting's decisions: each command checked against the meeting (who may, limits,
//! missing ids, the phase) and turned into journaled operations, or refused.

use serde_json::json;

use super::lessons::duplicate_lesson;
use super::*;
use crate::model::{ActionStatus, Phase, names};
use crate::serve::error::{ApiError, not_found};
use crate::serve::limits::{MAX_ACTIONS, MAX_ENTRIES, MAX_FACTORS, MAX_LESSONS, MAX_PARTICIPANTS};
use crate::store::{ActionChanges, List, NewAction, NewEntry, NewFactor, Op, Record};

impl Meeting {
    /// Checks a command and turns it into operations, or refuses it.
    pub(super) fn decide(
        &self,
        caller: &Caller,
        command: Command,
    ) -> Result<(Vec<Op>, Answer), ApiError> {
        let created = |id: &str| Answer {
            status: 201,
            body: json!({ "id": id }),
        };
        let author = || match caller {
            Caller::Facilitator => Some("facilitator".to_owned()),
            Caller::Participant(id) if !self.config.anonymous => {
                self.participant(id).and_then(Participant::shown_name)
            }
            Caller::Participant(_) => None,
        };
        match command {
            Command::Join { name, verified } => {
                if self.counted() >= MAX_PARTICIPANTS {
                    return Err(ApiError::new(
                        409,
                        "meeting-full",
                        format!(
                            "the meeting already has {MAX_PARTICIPANTS} participants with this join link; the facilitator can remove some or make a new link"
                        ),
                    ));
                }
                // An anonymous meeting keeps no names, in the journal or anywhere else: a name
                // typed all the same is dropped here.
                let name = name.filter(|_| !self.config.anonymous);
                let id = self.fresh_id("p");
                let token = random_hex(16);
                // Anyone can type a colleague's name: say so wherever the name shows. A name
                // that only looks like theirs (another case, a look-alike letter, a no-break
                // space, an invisible character) is theirs too.
                let verified = verified && name.is_some();
                let unverified = !verified
                    && name.as_deref().is_some_and(|n| {
                        self.incident
                            .iter()
                            .flat_map(|l| &l.incident.people)
                            .any(|p| {
                                names::same(&p.handle, n)
                                    || p.name.as_deref().is_some_and(|m| names::same(m, n))
                            })
                    });
                let op = Op::Join {
                    participant: id.clone(),
                    name: name.clone(),
                    token: token_hash(&token),
                    unverified,
                    verified,
                };
                Ok((
                    vec![op],
                    Answer {
                        status: 201,
                        body: json!({ "participant": id, "token": token, "name": name, "unverified": unverified, "verified": verified }),
                    },
                ))
            }
            Command::AddEntry {
                at,
                text,
                kind,
                lane,
                source,
            } => {
                if let Some(source) = &source
                    && self.promoted_already(source, &text)
                {
                    return Err(ApiError::new(
                        409,
                        "already-promoted",
                        format!("{source} is on the timeline already"),
                    ));
                }
                self.room_for(List::Timeline, MAX_ENTRIES)?;
                let at = normalise_time(&at, &self.zone())?;
                let id = self.fresh_id("t");
                let op = Op::AddEntry(NewEntry {
                    id: id.clone(),
                    at,
                    text,
                    kind,
                    lane,
                    by: if source.is_some() { None } else { author() },
                    source,
                });
                Ok((vec![op], created(&id)))
            }
            Command::AddFactor { text, category } => {
                self.room_for(List::Factors, MAX_FACTORS)?;
                let id = self.fresh_id("f");
                let op = Op::AddFactor(NewFactor {
                    id: id.clone(),
                    text,
                    category,
                });
                Ok((vec![op], created(&id)))
            }
            Command::Vote { factor, up } => {
                let Caller::Participant(participant) = caller else {
                    return Err(ApiError::new(
                        403,
                        "participants-only",
                        "votes are cast by participants; join the meeting to vote",
                    ));
                };
                if !self.exists(List::Factors, &factor) {
                    return Err(not_found("factor", &factor));
                }
                let mine = self
                    .votes
                    .get(&factor)
                    .and_then(|v| v.get(participant))
                    .copied()
                    .unwrap_or(0);
                let count = if up {
                    let used = self.votes_used(participant);
                    if used >= self.config.votes_per_person {
                        return Err(ApiError::new(
                            409,
                            "no-votes-left",
                            format!(
                                "all {} of your votes are placed; take one back to vote again",
                                self.config.votes_per_person
                            ),
                        ));
                    }
                    if mine >= self.config.max_votes_per_item {
                        return Err(ApiError::new(
                            409,
                            "item-limit",
                            format!(
                                "at most {} of your votes can go on one factor",
                                self.config.max_votes_per_item
                            ),
                        ));
                    }
                    mine + 1
                } else {
                    if mine == 0 {
                        return Err(ApiError::new(
                            409,
                            "no-vote-here",
                            "you have no vote on this factor to take back",
                        ));
                    }
                    mine - 1
                };
                let op = Op::Vote {
                    factor: factor.clone(),
                    participant: participant.clone(),
                    count,
                };
                let left = self.config.votes_per_person as i64
                    - (self.votes_used(participant) as i64 - mine as i64 + count as i64);
                Ok((
                    vec![op],
                    Answer {
                        status: 200,
                        body: json!({ "factor": factor, "votes": count, "votes_left": left }),
                    },
                ))
            }
            Command::AddAction {
                text,
                owner,
                due,
                priority,
                kind,
                factors,
                ticket,
            } => {
                self.room_for(List::Actions, MAX_ACTIONS)?;
                for f in &factors {
                    if !self.exists(List::Factors, f) {
                        return Err(ApiError::new(
                            422,
                            "unknown-factor",
                            format!("there is no factor `{f}` to link the action to"),
                        ));
                    }
                }
                let id = self.fresh_id("a");
                let op = Op::AddAction(NewAction {
                    id: id.clone(),
                    text,
                    owner,
                    due,
                    priority,
                    status: ActionStatus::Open,
                    kind,
                    factors,
                    ticket,
                });
                Ok((vec![op], created(&id)))
            }
            Command::UpdateAction { id, changes } => {
                if !self.exists(List::Actions, &id) {
                    return Err(not_found("action", &id));
                }
                if !self.may_change(caller, List::Actions, &id) {
                    // Anyone may claim an action nobody owns: set its owner, nothing else.
                    let claim = ActionChanges {
                        owner: changes.owner.clone(),
                        ..ActionChanges::default()
                    };
                    // Owned in the file, or claimed in this meeting and not yet written.
                    let owned = self.claimed_by.contains_key(&id)
                        || self
                            .incident
                            .iter()
                            .flat_map(|l| &l.incident.actions)
                            .any(|a| {
                                a.id == id && a.owner.as_deref().is_some_and(|o| !o.is_empty())
                            });
                    let claiming = changes == claim
                        && changes.owner.as_deref().is_some_and(|o| !o.is_empty())
                        && !owned;
                    if !claiming {
                        return Err(ApiError::new(
                            403,
                            "not-yours",
                            "only the action's author, the participant who claimed it or the facilitator can change it; anyone can claim an action that has no owner",
                        ));
                    }
                }
                Ok((
                    vec![Op::UpdateAction {
                        id: id.clone(),
                        changes: changes.date_done(self.today()),
                    }],
                    Answer {
                        status: 200,
                        body: json!({ "id": id }),
                    },
                ))
            }
            Command::Link { from, to, remove } => self.link(caller, from, to, remove),
            Command::SetDetails { changes } => self.set_details(changes),
            Command::EditText { list, id, text } => {
                if !self.exists(list, &id) {
                    return Err(not_found(list.key().trim_end_matches('s'), &id));
                }
                if !self.may_change(caller, list, &id) {
                    return Err(ApiError::new(
                        403,
                        "not-yours",
                        "only its author or the facilitator can change this text",
                    ));
                }
                Ok((
                    vec![Op::EditText {
                        list,
                        id: id.clone(),
                        text,
                    }],
                    Answer {
                        status: 200,
                        body: json!({ "id": id }),
                    },
                ))
            }
            Command::AddLesson { kind, text } => {
                if self
                    .lesson_items()
                    .iter()
                    .any(|l| l.kind == kind && l.text == text)
                {
                    return Err(duplicate_lesson());
                }
                if self
                    .lesson_items()
                    .iter()
                    .filter(|l| l.kind == kind)
                    .count()
                    >= MAX_LESSONS
                {
                    return Err(ApiError::new(
                        409,
                        "list-full",
                        format!("the incident already has {MAX_LESSONS} lessons of this kind"),
                    ));
                }
                let id = self.fresh_id("l");
                Ok((
                    vec![Op::AddLesson {
                        id: id.clone(),
                        kind,
                        text,
                    }],
                    created(&id),
                ))
            }
            Command::EditLesson { id, text } => {
                let lesson = self.lesson(&id).ok_or_else(|| not_found("lesson", &id))?;
                let mine = self.lesson_authors.get(&id).map(String::as_str) == Some(caller.id());
                if *caller != Caller::Facilitator && !mine {
                    return Err(ApiError::new(
                        403,
                        "not-yours",
                        "only its author or the facilitator can change this lesson",
                    ));
                }
                if lesson.text != text
                    && self
                        .lesson_items()
                        .iter()
                        .any(|l| l.kind == lesson.kind && l.text == text)
                {
                    return Err(duplicate_lesson());
                }
                Ok((
                    vec![Op::EditLesson {
                        kind: lesson.kind,
                        from: lesson.text,
                        to: text,
                    }],
                    Answer {
                        status: 200,
                        body: json!({ "id": id }),
                    },
                ))
            }
            Command::DeleteLesson { id } => {
                let lesson = self.lesson(&id).ok_or_else(|| not_found("lesson", &id))?;
                Ok((
                    vec![Op::DeleteLesson {
                        kind: lesson.kind,
                        text: lesson.text,
                    }],
                    Answer {
                        status: 200,
                        body: json!({ "id": id }),
                    },
                ))
            }
            Command::Feedback { rating, text } => {
                let Caller::Participant(participant) = caller else {
                    return Err(ApiError::new(
                        403,
                        "participants-only",
                        "feedback comes from the participants; join the meeting to give yours",
                    ));
                };
                if self.phase != Phase::WrapUp {
                    return Err(ApiError::new(
                        409,
                        "not-wrap-up",
                        "feedback is asked for at wrap-up; wait for the facilitator to get there",
                    ));
                }
                if !(1..=5).contains(&rating) {
                    return Err(ApiError::new(
                        422,
                        "bad-rating",
                        format!("`rating` is 1 to 5, not {rating}"),
                    ));
                }
                let (id, status) = match self.feedback_of.get(participant) {
                    Some(id) => (id.clone(), 200),
                    None => (self.fresh_id("fb"), 201),
                };
                Ok((
                    vec![Op::Feedback { id, rating, text }],
                    Answer {
                        status,
                        body: json!({ "rating": rating }),
                    },
                ))
            }
            Command::UpdateEntry { id, mut changes } => {
                if !self.exists(List::Timeline, &id) {
                    return Err(not_found("timeline entry", &id));
                }
                if !self.may_change(caller, List::Timeline, &id) {
                    return Err(ApiError::new(
                        403,
                        "not-yours",
                        "only its author or the facilitator can change this entry",
                    ));
                }
                if let Some(at) = changes.at.take() {
                    changes.at = Some(normalise_time(&at, &self.zone())?);
                }
                Ok((
                    vec![Op::UpdateEntry {
                        id: id.clone(),
                        changes,
                    }],
                    Answer {
                        status: 200,
                        body: json!({ "id": id }),
                    },
                ))
            }
            Command::UpdateCarried {
                incident,
                id,
                changes,
            } => {
                let Some(carried) = &self.carried else {
                    return Err(ApiError::new(
                        404,
                        "no-follow-ups",
                        "this incident is not in an archive, so no actions are carried into its meeting",
                    ));
                };
                carried.admit(&incident, &id)?;
                Ok((
                    vec![Op::Carried {
                        incident: incident.clone(),
                        id: id.clone(),
                        changes: changes.date_done(self.today()),
                    }],
                    Answer {
                        status: 200,
                        body: json!({ "incident": incident, "id": id }),
                    },
                ))
            }
            Command::Phase { phase, .. } if phase == Phase::FollowUps && self.carried.is_none() => {
                Err(ApiError::new(
                    409,
                    "no-follow-ups",
                    "the follow-ups phase needs an incident that sits in an archive",
                ))
            }
            Command::Phase { phase, seconds } => {
                let seconds = seconds.filter(|s| *s > 0);
                let ends_at = seconds.map(|s| now_ms() + i64::from(s) * 1000);
                Ok((
                    vec![Op::Phase {
                        phase,
                        ends_at,
                        seconds,
                    }],
                    Answer {
                        status: 200,
                        body: json!({ "phase": phase, "ends_at": ends_at }),
                    },
                ))
            }
            Command::Remove { number } => {
                let Some(p) = number
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|i| self.participants.get(i))
                else {
                    return Err(ApiError::new(
                        404,
                        "not-found",
                        format!("there is no participant number {number}"),
                    ));
                };
                let participant = p.id.clone();
                // Removing someone twice is fine; the second time changes nothing.
                let ops = if p.removed {
                    Vec::new()
                } else {
                    vec![Op::Remove {
                        participant: participant.clone(),
                    }]
                };
                Ok((
                    ops,
                    Answer {
                        status: 200,
                        body: json!({ "removed": number }),
                    },
                ))
            }
            Command::Reveal { revealed } => Ok((
                vec![Op::Reveal { revealed }],
                Answer {
                    status: 200,
                    body: json!({ "revealed": revealed }),
                },
            )),
            Command::Merge { from, into } => self.merge(from, into),
            Command::Delete { list, id } => {
                if !self.exists(list, &id) {
                    return Err(not_found(list.key().trim_end_matches('s'), &id));
                }
                Ok((
                    vec![Op::Delete {
                        list,
                        id: id.clone(),
                    }],
                    Answer {
                        status: 200,
                        body: json!({ "deleted": id }),
                    },
                ))
            }
        }
    }
}

/// Decides one command: the records to journal (numbered from `seq`) and the answer. An empty
/// list of records means the answer was given before, to the same idempotency key.
pub fn decide_one(
    meeting: &mut Meeting,
    caller: &Caller,
    key: Option<String>,
    command: Command,
    seq: u64,
) -> Result<(Vec<Record>, Answer), ApiError> {
    let memo = key.as_ref().map(|k| (caller.id().to_owned(), k.clone()));
    if let Some(answer) = memo.as_ref().and_then(|m| meeting.answers.get(m)) {
        return Ok((Vec::new(), answer.clone()));
    }
    let (ops, mut answer) = meeting.decide(caller, command)?;
    // Nothing is acknowledged that `debrief check` would refuse in the file.
    let timezone = meeting
        .incident
        .as_ref()
        .and_then(|l| l.incident.timezone.as_deref());
    for op in &ops {
        crate::serve::admit::admit(op, timezone)?;
    }
    let at = jiff::Timestamp::now().to_string();
    let mut records = Vec::with_capacity(ops.len());
    for (i, op) in ops.into_iter().enumerate() {
        let by = match &op {
            Op::Join { participant, .. } => participant.clone(),
            _ => caller.id().to_owned(),
        };
        let record = Record {
            seq: seq + i as u64,
            at: at.clone(),
            by,
            key: key.clone(),
            op,
        };
        meeting.apply(&record);
        records.push(record);
    }
    if let Some(body) = answer.body.as_object_mut() {
        body.insert("revision".into(), json!(meeting.revision));
    }
    if let Some(memo) = memo {
        meeting.answers.insert(memo, answer.clone());
    }
    Ok((records, answer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, MeetingConfig};
    use crate::serve::meeting::{Caller, Command, Meeting, normalise_time};

    #[test]
    fn times_are_read_in_the_incident_zone_and_written_with_its_offset() {
        let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(
            normalise_time("2026-11-03T14:05", &berlin).unwrap(),
            "2026-11-03T14:05:00+01:00"
        );
        assert_eq!(
            normalise_time("2026-11-03 14:05:30", &berlin).unwrap(),
            "2026-11-03T14:05:30+01:00"
        );
        assert_eq!(
            normalise_time("2026-11-03T13:05:00Z", &berlin).unwrap(),
            "2026-11-03T14:05:00+01:00"
        );
        assert_eq!(
            normalise_time("2026-07-03T12:00:00Z", &jiff::tz::TimeZone::UTC).unwrap(),
            "2026-07-03T12:00:00Z"
        );
        for bad in ["", "yesterday", "2026-13-01T10:00", "14:05"] {
            assert_eq!(
                normalise_time(bad, &berlin).unwrap_err().status,
                422,
                "{bad}"
            );
        }
    }

    #[test]
    fn the_participant_cap_leaves_out_the_removed_and_restarts_with_a_new_code() {
        let mut m = Meeting::new(MeetingConfig::default());
        let join = |m: &mut Meeting| {
            decide_one(
                m,
                &Caller::Facilitator,
                None,
                Command::Join {
                    name: None,
                    verified: false,
                },
                1,
            )
        };
        for _ in 0..MAX_PARTICIPANTS {
            join(&mut m).unwrap();
        }
        assert_eq!(join(&mut m).unwrap_err().code, "meeting-full");
        decide_one(
            &mut m,
            &Caller::Facilitator,
            None,
            Command::Remove { number: "1".into() },
            1,
        )
        .unwrap();
        join(&mut m).expect("a removed participant frees a place");
        assert_eq!(join(&mut m).unwrap_err().code, "meeting-full");
        m.new_code();
        join(&mut m).expect("a new join code starts the count again");
    }

    #[test]
    fn vote_limits_are_per_person_and_per_factor() {
        let mut m = Meeting::new(MeetingConfig::default());
        let p = Caller::Participant("p-1".into());
        let (records, _) = decide_one(
            &mut m,
            &p,
            None,
            Command::AddFactor {
                text: "a".into(),
                category: Category::Technical,
            },
            1,
        )
        .unwrap();
        let Op::AddFactor(f) = &records[0].op else {
            panic!()
        };
        let f = f.id.clone();
        let vote = |m: &mut Meeting, up| {
            decide_one(
                m,
                &p,
                None,
                Command::Vote {
                    factor: f.clone(),
                    up,
                },
                9,
            )
        };
        assert!(vote(&mut m, true).is_ok());
        assert!(vote(&mut m, true).is_ok());
        assert_eq!(vote(&mut m, true).unwrap_err().code, "item-limit");
        assert!(vote(&mut m, false).is_ok());
        assert!(vote(&mut m, false).is_ok());
        assert_eq!(vote(&mut m, false).unwrap_err().code, "no-vote-here");
        assert_eq!(m.votes_used("p-1"), 0);
    }
}
