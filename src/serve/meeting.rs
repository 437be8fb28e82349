//! The meeting: who has joined, the phase and timer, the votes, and the one thread that turns
//! requests into journaled operations.
//!
//! Every write goes through [`Writer`], one thread that owns the [`Store`]. It takes every
//! request waiting at that moment as one batch, decides each against the meeting (limits,
//! missing ids), journals the whole batch with one fsync, answers, and then writes
//! `incident.toml` once. Batching is what keeps a burst of hundreds of operations fast: the
//! cost of an fsync and a file write is shared by everything that arrived while the previous
//! batch was being written.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use serde::Serialize;
use serde_json::json;
use sha2::Digest as _;
use tokio::sync::{oneshot, watch};

use super::carried::Carried;
use crate::model::{
    ActionKind, ActionStatus, Category, Incident, Kind, LessonKind, LoadedIncident, MeetingConfig,
    Phase, Priority,
};
use crate::store::{
    ActionChanges, EntryChanges, List, Mirror, NewAction, NewEntry, NewFactor, Op, Record, Store,
    StoreError,
};

/// The most people one meeting takes with one join code (the removed do not count).
pub const MAX_PARTICIPANTS: usize = 2000;
/// The most timeline entries, factors and actions an incident takes from the meeting. Far
/// more than any review writes; they keep every state, page and diagram small enough to send
/// to hundreds of screens on every change.
pub const MAX_ENTRIES: usize = 5000;
pub const MAX_FACTORS: usize = 1000;
pub const MAX_ACTIONS: usize = 1000;
/// The most `leads_to` links between factors in all, and links of one kind on one element.
pub const MAX_LEADS: usize = 2000;
pub const MAX_LINKS_PER_ITEM: usize = 50;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    Facilitator,
    Participant(String),
}

impl Caller {
    pub fn id(&self) -> &str {
        match self {
            Caller::Facilitator => "facilitator",
            Caller::Participant(id) => id,
        }
    }
}

/// An error for the HTTP API: a status, a stable code and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn json(&self) -> serde_json::Value {
        json!({ "error": { "code": self.code, "message": self.message } })
    }
}

fn not_found(what: &str, id: &str) -> ApiError {
    ApiError::new(404, "not-found", format!("there is no {what} `{id}`"))
}

/// A successful answer: the status and the JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: serde_json::Value,
}

/// What a caller asks for; checked and turned into operations by the writer.
#[derive(Debug, Clone)]
pub enum Command {
    Join {
        name: Option<String>,
    },
    /// The facilitator removes a participant, by their number in the facilitator's list.
    Remove {
        number: String,
    },
    AddEntry {
        at: String,
        text: String,
        kind: Kind,
        lane: Option<String>,
        source: Option<String>,
    },
    AddFactor {
        text: String,
        category: Category,
    },
    Vote {
        factor: String,
        up: bool,
    },
    AddAction {
        text: String,
        owner: Option<String>,
        due: Option<String>,
        priority: Option<Priority>,
        kind: Option<ActionKind>,
        factors: Vec<String>,
    },
    UpdateAction {
        id: String,
        changes: ActionChanges,
    },
    Link {
        from: String,
        to: String,
        remove: bool,
    },
    Phase {
        phase: Phase,
        seconds: Option<u32>,
    },
    Reveal {
        revealed: bool,
    },
    Delete {
        list: List,
        id: String,
    },
    EditText {
        list: List,
        id: String,
        text: String,
    },
    /// A timeline entry corrected; `at` as typed (normalised in the incident's zone).
    UpdateEntry {
        id: String,
        changes: EntryChanges,
    },
    /// The facilitator changes an action of another incident, carried into this meeting.
    UpdateCarried {
        incident: String,
        id: String,
        changes: ActionChanges,
    },
    AddLesson {
        kind: LessonKind,
        text: String,
    },
    EditLesson {
        id: String,
        text: String,
    },
    DeleteLesson {
        id: String,
    },
    /// A participant's feedback at wrap-up; a second replaces the first.
    Feedback {
        rating: u8,
        text: Option<String>,
    },
    /// Folds a duplicate factor into another: its events, what it feeds and what feeds it, the
    /// actions that address it and its votes move over, and the duplicate goes.
    Merge {
        from: String,
        into: String,
    },
}

impl Command {
    /// The text a person typed, for the blameless lint.
    pub fn text(&self) -> Option<&str> {
        match self {
            Command::AddEntry { text, .. }
            | Command::AddFactor { text, .. }
            | Command::AddAction { text, .. }
            | Command::EditText { text, .. }
            | Command::AddLesson { text, .. }
            | Command::EditLesson { text, .. } => Some(text),
            Command::UpdateAction { changes, .. } => changes.text.as_deref(),
            Command::UpdateEntry { changes, .. } => changes.text.as_deref(),
            _ => None,
        }
    }
}

/// The most lessons of one kind a meeting adds to.
pub const MAX_LESSONS: usize = 500;

fn duplicate_lesson() -> ApiError {
    ApiError::new(409, "duplicate", "that lesson is already on the list")
}

/// A lesson as the meeting shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lesson {
    pub id: String,
    pub kind: LessonKind,
    pub text: String,
    /// Added in this meeting.
    pub live: bool,
}

/// The id of a lesson written by hand: lessons are plain strings in the file, so it comes
/// from the text (and follows it when the text changes).
fn lesson_id(kind: LessonKind, text: &str) -> String {
    let digest = sha2::Sha256::digest(format!("{}\n{text}", kind.key()));
    format!(
        "l-{}",
        digest[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// One participant.
#[derive(Debug, Clone, Serialize)]
pub struct Participant {
    pub id: String,
    /// `None` for someone who joined anonymously.
    pub name: Option<String>,
    /// Removed by the facilitator: the token no longer works.
    pub removed: bool,
    /// Joined with the name or handle of someone in `[[people]]`: nobody checked it is them.
    pub unverified: bool,
}

impl Participant {
    /// The name as the meeting shows and records it: an unverified one says so.
    pub fn shown_name(&self) -> Option<String> {
        self.name.as_ref().map(|n| {
            if self.unverified {
                format!("{n} (unverified)")
            } else {
                n.clone()
            }
        })
    }
}

/// The meeting as the journal tells it, plus the incident as the file holds it.
#[derive(Debug)]
pub struct Meeting {
    pub config: MeetingConfig,
    pub phase: Phase,
    /// The timer's end (Unix ms) and its length.
    pub timer: Option<(i64, u32)>,
    pub revealed: bool,
    /// In the order they joined.
    pub participants: Vec<Participant>,
    /// Where the joins with the current join code start in `participants`.
    counted_from: usize,
    by_token: HashMap<String, usize>,
    /// This meeting's votes: factor → participant → dots.
    pub votes: BTreeMap<String, BTreeMap<String, u32>>,
    /// The last journaled sequence number.
    pub revision: u64,
    /// Counts every change of what the screens show: operations and new file contents.
    pub generation: u64,
    /// The last revision that `incident` (the file) holds.
    pub applied: u64,
    /// Answers already given, by caller and idempotency key.
    answers: HashMap<(String, String), Answer>,
    /// Ids added and deleted during the meeting, to check requests before the file has them.
    added: HashSet<(List, String)>,
    deleted: HashSet<(List, String)>,
    /// `leads_to` links made (true) and taken away (false) during the meeting, for finding
    /// loops before the file has them.
    leads: HashMap<(String, String), bool>,
    /// Who added what during the meeting; authors may fix their own typos.
    authors: HashMap<(List, String), String>,
    /// The same, by author.
    by_author: HashMap<String, Vec<(List, String)>>,
    /// The incident as the file held it after the last write.
    pub incident: Option<LoadedIncident>,
    /// Why the file could not be written, while it cannot.
    pub store_error: Option<String>,
    /// Why the last batch could not be journaled; cleared by the next batch that is.
    pub journal_error: Option<String>,
    /// The open actions of related incidents, when the incident sits in an archive.
    pub carried: Option<Carried>,
    /// Each participant's feedback id: known to the journal and the server, never the file.
    feedback_of: HashMap<String, String>,
    /// Lessons added in the meeting, by id, as they stand now; and who added each.
    lessons: HashMap<String, (LessonKind, String)>,
    lesson_authors: HashMap<String, String>,
    /// Why a carried change could not be written into its incident's file yet.
    pub carried_error: Option<String>,
}

impl Meeting {
    pub fn new(config: MeetingConfig) -> Meeting {
        Meeting {
            config,
            phase: Phase::Timeline,
            timer: None,
            revealed: false,
            participants: Vec::new(),
            counted_from: 0,
            by_token: HashMap::new(),
            votes: BTreeMap::new(),
            revision: 0,
            generation: 0,
            applied: 0,
            answers: HashMap::new(),
            added: HashSet::new(),
            deleted: HashSet::new(),
            authors: HashMap::new(),
            by_author: HashMap::new(),
            leads: HashMap::new(),
            incident: None,
            store_error: None,
            journal_error: None,
            carried: None,
            carried_error: None,
            feedback_of: HashMap::new(),
            lessons: HashMap::new(),
            lesson_authors: HashMap::new(),
        }
    }

    /// Carries the open actions of related incidents into the meeting, which then opens with
    /// them.
    pub fn carry(&mut self, carried: Carried) {
        self.carried = Some(carried);
        self.phase = Phase::FollowUps;
    }

    /// A new join code: the cap on participants counts from here.
    pub fn new_code(&mut self) {
        self.counted_from = self.participants.len();
    }

    /// The participants the cap counts: joined with this code, and not removed.
    fn counted(&self) -> usize {
        self.participants[self.counted_from.min(self.participants.len())..]
            .iter()
            .filter(|p| !p.removed)
            .count()
    }

    /// How many elements `list` holds: in the file, and added since.
    fn count(&self, list: List) -> usize {
        let in_file: HashSet<&str> = self
            .incident
            .iter()
            .flat_map(|l| {
                let i = &l.incident;
                let ids: Vec<&str> = match list {
                    List::Timeline => i.timeline.iter().filter_map(|e| e.id.as_deref()).collect(),
                    List::Factors => i.factors.iter().map(|f| f.id.as_str()).collect(),
                    List::Actions => i.actions.iter().map(|a| a.id.as_str()).collect(),
                };
                ids
            })
            .collect();
        let unnamed = match (list, &self.incident) {
            (List::Timeline, Some(l)) => l
                .incident
                .timeline
                .iter()
                .filter(|e| e.id.is_none())
                .count(),
            _ => 0,
        };
        let added = self
            .added
            .iter()
            .filter(|(l, id)| {
                *l == list
                    && !in_file.contains(id.as_str())
                    && !self.deleted.contains(&(*l, id.clone()))
            })
            .count();
        in_file.len() + unnamed + added
    }

    /// Refuses a new element of `list` once it holds `max`.
    fn room_for(&self, list: List, max: usize) -> Result<(), ApiError> {
        if self.count(list) >= max {
            return Err(ApiError::new(
                409,
                "list-full",
                format!(
                    "the incident already has {max} {}, the most a meeting adds to; merge or delete some first",
                    match list {
                        List::Timeline => "timeline entries",
                        List::Factors => "factors",
                        List::Actions => "actions",
                    }
                ),
            ));
        }
        Ok(())
    }

    /// The participant holding `token`.
    pub fn participant_by_token(&self, token: &str) -> Option<&Participant> {
        self.by_token
            .get(&token_hash(token))
            .map(|&i| &self.participants[i])
    }

    pub fn participant(&self, id: &str) -> Option<&Participant> {
        self.participants.iter().find(|p| p.id == id)
    }

    /// Dots `participant` has placed.
    pub fn votes_used(&self, participant: &str) -> u32 {
        self.votes.values().filter_map(|v| v.get(participant)).sum()
    }

    /// Folds one journaled operation into the meeting.
    pub fn apply(&mut self, record: &Record) {
        self.revision = self.revision.max(record.seq);
        if let Some(key) = &record.key {
            // After a restart, a retry of an answered request gets its answer again.
            let id = match &record.op {
                Op::AddEntry(e) => Some(e.id.as_str()),
                Op::AddFactor(f) => Some(f.id.as_str()),
                Op::AddAction(a) => Some(a.id.as_str()),
                Op::AddLesson { id, .. } => Some(id.as_str()),
                _ => None,
            };
            self.answers.insert(
                (record.by.clone(), key.clone()),
                Answer {
                    status: if id.is_some() { 201 } else { 200 },
                    body: json!({ "id": id, "revision": record.seq }),
                },
            );
        }
        let mut author = |list: List, id: &str| {
            self.authors
                .insert((list, id.to_owned()), record.by.clone());
            self.by_author
                .entry(record.by.clone())
                .or_default()
                .push((list, id.to_owned()));
        };
        match &record.op {
            Op::AddEntry(e) => author(List::Timeline, &e.id),
            Op::AddFactor(f) => author(List::Factors, &f.id),
            Op::AddAction(a) => author(List::Actions, &a.id),
            _ => {}
        }
        match &record.op {
            Op::Join {
                participant,
                name,
                token,
                unverified,
            } => {
                if self.participant(participant).is_none() {
                    self.by_token.insert(token.clone(), self.participants.len());
                    self.participants.push(Participant {
                        id: participant.clone(),
                        name: name.clone(),
                        removed: false,
                        unverified: *unverified,
                    });
                }
            }
            Op::Remove { participant } => {
                if let Some(i) = self.participants.iter().position(|p| p.id == *participant) {
                    self.participants[i].removed = true;
                    self.by_token.retain(|_, index| *index != i);
                }
            }
            Op::Vote {
                factor,
                participant,
                count,
            } => {
                let votes = self.votes.entry(factor.clone()).or_default();
                if *count == 0 {
                    votes.remove(participant);
                } else {
                    votes.insert(participant.clone(), *count);
                }
            }
            Op::AddEntry(e) => {
                self.added.insert((List::Timeline, e.id.clone()));
            }
            Op::AddFactor(f) => {
                self.added.insert((List::Factors, f.id.clone()));
            }
            Op::AddAction(a) => {
                self.added.insert((List::Actions, a.id.clone()));
            }
            Op::Delete { list, id } => {
                self.deleted.insert((*list, id.clone()));
                if *list == List::Factors {
                    self.votes.remove(id);
                }
            }
            Op::Phase {
                phase,
                ends_at,
                seconds,
            } => {
                self.phase = *phase;
                self.timer = ends_at.zip(*seconds);
            }
            Op::Reveal { revealed } => self.revealed = *revealed,
            Op::Link { key, from, to, .. } | Op::Unlink { key, from, to, .. }
                if key == "leads_to" =>
            {
                let linked = matches!(record.op, Op::Link { .. });
                self.leads.insert((from.clone(), to.clone()), linked);
            }
            Op::Feedback { id, .. } => {
                self.feedback_of.insert(record.by.clone(), id.clone());
            }
            Op::AddLesson { id, kind, text } => {
                self.lessons.insert(id.clone(), (*kind, text.clone()));
                self.lesson_authors.insert(id.clone(), record.by.clone());
            }
            Op::EditLesson { kind, from, to } => {
                for lesson in self.lessons.values_mut() {
                    if lesson.0 == *kind && lesson.1 == *from {
                        lesson.1 = to.clone();
                    }
                }
            }
            Op::DeleteLesson { kind, text } => {
                self.lessons.retain(|_, l| !(l.0 == *kind && l.1 == *text));
            }
            Op::Carried {
                incident,
                id,
                changes,
            } => {
                if let Some(carried) = &mut self.carried {
                    carried.apply(incident, id, changes);
                }
            }
            Op::UpdateAction { .. }
            | Op::EditText { .. }
            | Op::UpdateEntry { .. }
            | Op::Link { .. }
            | Op::Unlink { .. }
            | Op::End => {}
        }
    }

    /// Hides the ballots of this meeting from `incident` until the facilitator reveals them.
    ///
    /// This is the one place where what the room may see of the votes is decided: every page,
    /// diagram and export the server hands out (the state, the report, `/site/`, the flow
    /// diagram) is drawn from an incident passed through here. Votes that were in the file
    /// before the meeting (by handle, from an earlier review) are public already and stay.
    pub fn conceal(&self, incident: &mut Incident) {
        if self.revealed || self.participants.is_empty() {
            return;
        }
        let ours: HashSet<&str> = self.participants.iter().map(|p| p.id.as_str()).collect();
        for f in &mut incident.factors {
            f.votes.retain(|who, _| !ours.contains(who.as_str()));
        }
    }

    /// The incident as the room may see it now: see [`Meeting::conceal`]. Borrowed when
    /// there is nothing to hide.
    pub fn shown(&self) -> Option<std::borrow::Cow<'_, LoadedIncident>> {
        let loaded = self.incident.as_ref()?;
        if self.revealed || self.participants.is_empty() {
            return Some(std::borrow::Cow::Borrowed(loaded));
        }
        let mut loaded = loaded.clone();
        self.conceal(&mut loaded.incident);
        Some(std::borrow::Cow::Owned(loaded))
    }

    /// Whether `id` names an element of `list`, in the file or added since.
    pub fn exists(&self, list: List, id: &str) -> bool {
        let key = (list, id.to_owned());
        if self.deleted.contains(&key) {
            return false;
        }
        self.added.contains(&key)
            || self.incident.as_ref().is_some_and(|loaded| {
                let i = &loaded.incident;
                match list {
                    List::Timeline => i.timeline.iter().any(|e| e.id.as_deref() == Some(id)),
                    List::Factors => i.factors.iter().any(|f| f.id == id),
                    List::Actions => i.actions.iter().any(|a| a.id == id),
                }
            })
    }

    fn taken(&self, id: &str) -> bool {
        [List::Timeline, List::Factors, List::Actions]
            .into_iter()
            .any(|list| self.exists(list, id) || self.deleted.contains(&(list, id.to_owned())))
    }

    /// A fresh id with `prefix`, unused in the file and the meeting.
    fn fresh_id(&self, prefix: &str) -> String {
        loop {
            let id = format!("{prefix}-{}", random_hex(3));
            if !self.taken(&id) && self.participant(&id).is_none() {
                return id;
            }
        }
    }

    /// Today, in the incident's zone.
    fn today(&self) -> jiff::civil::Date {
        jiff::Timestamp::now().to_zoned(self.zone()).date()
    }

    /// Every lesson: those in the file, with the meeting's ids for those it added, and those
    /// added since the file was last read.
    pub fn lesson_items(&self) -> Vec<Lesson> {
        let mut items = Vec::new();
        let mut seen = HashSet::new();
        let live_id = |kind: LessonKind, text: &str| {
            self.lessons
                .iter()
                .find(|(_, l)| l.0 == kind && l.1 == text)
                .map(|(id, _)| id.clone())
        };
        if let Some(l) = &self.incident {
            for kind in LessonKind::ALL.iter().copied() {
                for text in l.incident.lessons.of(kind) {
                    if !seen.insert((kind, text.clone())) {
                        continue;
                    }
                    let live = live_id(kind, text);
                    items.push(Lesson {
                        id: live.clone().unwrap_or_else(|| lesson_id(kind, text)),
                        kind,
                        text: text.clone(),
                        live: live.is_some(),
                    });
                }
            }
        }
        let mut pending: Vec<(&String, &(LessonKind, String))> = self
            .lessons
            .iter()
            .filter(|(_, l)| !seen.contains(&(l.0, l.1.clone())))
            .collect();
        pending.sort();
        items.extend(pending.into_iter().map(|(id, (kind, text))| Lesson {
            id: id.clone(),
            kind: *kind,
            text: text.clone(),
            live: true,
        }));
        items
    }

    /// The lessons as the state carries them; the shared screen's with what the lint flags.
    fn lessons_json(&self, facilitator: bool) -> serde_json::Value {
        let lint = facilitator
            .then(|| {
                self.incident
                    .as_ref()
                    .map(|l| crate::model::validate::lint_for(&l.incident))
            })
            .flatten();
        json!(
            self.lesson_items()
                .into_iter()
                .map(|l| {
                    let mut value = json!(l);
                    let rules: Vec<&str> = lint
                        .as_ref()
                        .map(|lint| lint.check(&l.text).iter().map(|h| h.rule.code).collect())
                        .unwrap_or_default();
                    if !rules.is_empty() {
                        value["nudged"] = json!(rules);
                    }
                    value
                })
                .collect::<Vec<_>>()
        )
    }

    /// The lesson named `id`.
    fn lesson(&self, id: &str) -> Option<Lesson> {
        self.lesson_items().into_iter().find(|l| l.id == id)
    }

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

    /// The phases this meeting holds: follow-ups only when there are related incidents.
    pub fn phases(&self) -> Vec<Phase> {
        Phase::ALL
            .iter()
            .copied()
            .filter(|p| *p != Phase::FollowUps || self.carried.is_some())
            .collect()
    }

    fn zone(&self) -> jiff::tz::TimeZone {
        self.incident
            .as_ref()
            .map_or(jiff::tz::TimeZone::UTC, |l| l.incident.tz())
    }

    /// Checks a command and turns it into operations, or refuses it.
    fn decide(&self, caller: &Caller, command: Command) -> Result<(Vec<Op>, Answer), ApiError> {
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
            Command::Join { name } => {
                if self.counted() >= MAX_PARTICIPANTS {
                    return Err(ApiError::new(
                        409,
                        "meeting-full",
                        format!(
                            "the meeting already has {MAX_PARTICIPANTS} participants with this join link; the facilitator can remove some or make a new link"
                        ),
                    ));
                }
                let id = self.fresh_id("p");
                let token = random_hex(16);
                // Anyone can type a colleague's name: say so wherever the name shows.
                let unverified = name.as_deref().is_some_and(|n| {
                    self.incident
                        .iter()
                        .flat_map(|l| &l.incident.people)
                        .any(|p| {
                            p.handle.eq_ignore_ascii_case(n)
                                || p.name.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(n))
                        })
                });
                let op = Op::Join {
                    participant: id.clone(),
                    name: name.clone(),
                    token: token_hash(&token),
                    unverified,
                };
                Ok((
                    vec![op],
                    Answer {
                        status: 201,
                        body: json!({ "participant": id, "token": token, "name": name, "unverified": unverified }),
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
                    let owned = self
                        .incident
                        .iter()
                        .flat_map(|l| &l.incident.actions)
                        .any(|a| a.id == id && a.owner.as_deref().is_some_and(|o| !o.is_empty()));
                    let claiming = changes == claim
                        && changes.owner.as_deref().is_some_and(|o| !o.is_empty())
                        && !owned;
                    if !claiming {
                        return Err(ApiError::new(
                            403,
                            "not-yours",
                            "only the action's author or the facilitator can change it; anyone can claim an action that has no owner",
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

    fn merge(&self, from: String, into: String) -> Result<(Vec<Op>, Answer), ApiError> {
        for id in [&from, &into] {
            if !self.exists(List::Factors, id) {
                return Err(not_found("factor", id));
            }
        }
        if from == into {
            return Err(ApiError::new(
                422,
                "same-factor",
                "a factor cannot be merged into itself",
            ));
        }
        if self.merge_makes_loop(&from, &into) {
            return Err(ApiError::new(
                409,
                "cycle",
                format!(
                    "merging `{from}` into `{into}` would make a loop of `leads_to` links; unlink one first"
                ),
            ));
        }
        let incident = self.incident.as_ref().map(|l| &l.incident);
        let factors = incident.map_or(&[][..], |i| &i.factors[..]);
        let find = |id: &str| factors.iter().find(|f| f.id == id);
        let link = |list: List, owner: &str, key: &str, to: &str| Op::Link {
            list,
            from: owner.to_owned(),
            key: key.to_owned(),
            to: to.to_owned(),
        };
        let mut ops = Vec::new();
        if let Some(old) = find(&from) {
            for e in &old.events {
                ops.push(link(List::Factors, &into, "events", e));
            }
            for next in old.leads_to.iter().filter(|n| **n != into) {
                ops.push(link(List::Factors, &into, "leads_to", next));
            }
            // Votes add up, per voter.
            let theirs = |f: &crate::model::Factor, meeting: Option<&BTreeMap<String, u32>>| {
                let mut votes = f.votes.clone();
                if let Some(m) = meeting {
                    votes.extend(m.iter().map(|(k, v)| (k.clone(), *v)));
                }
                votes
            };
            let old_votes = theirs(old, self.votes.get(&from));
            let new_votes = find(&into)
                .map(|f| theirs(f, self.votes.get(&into)))
                .unwrap_or_default();
            for (voter, n) in old_votes {
                ops.push(Op::Vote {
                    factor: into.clone(),
                    participant: voter.clone(),
                    count: n + new_votes.get(&voter).copied().unwrap_or(0),
                });
            }
        }
        for f in factors
            .iter()
            .filter(|f| f.leads_to.contains(&from) && f.id != into)
        {
            ops.push(link(List::Factors, &f.id, "leads_to", &into));
        }
        for a in incident.map_or(&[][..], |i| &i.actions[..]) {
            if a.factors.contains(&from) {
                ops.push(link(List::Actions, &a.id, "factors", &into));
            }
        }
        ops.push(Op::Delete {
            list: List::Factors,
            id: from.clone(),
        });
        Ok((
            ops,
            Answer {
                status: 200,
                body: json!({ "merged": from, "into": into }),
            },
        ))
    }

    /// Whether `caller` may change the element `id` of `list`: its author, or the facilitator.
    fn may_change(&self, caller: &Caller, list: List, id: &str) -> bool {
        *caller == Caller::Facilitator
            || self.authors.get(&(list, id.to_owned())).map(String::as_str) == Some(caller.id())
    }

    /// How many links `from` (of `list`) has under `key`, in the file.
    fn links_of(&self, list: List, from: &str, key: &str) -> usize {
        let Some(loaded) = &self.incident else {
            return 0;
        };
        let i = &loaded.incident;
        match (list, key) {
            (List::Factors, "events") => i
                .factors
                .iter()
                .find(|f| f.id == from)
                .map_or(0, |f| f.events.len()),
            (List::Factors, _) => i
                .factors
                .iter()
                .find(|f| f.id == from)
                .map_or(0, |f| f.leads_to.len()),
            _ => i
                .actions
                .iter()
                .find(|a| a.id == from)
                .map_or(0, |a| a.factors.len()),
        }
    }

    /// A link from a factor to an event or a factor, or from an action to a factor. Anyone may
    /// link; taking a link away is for the author of `from` or the facilitator, so curated
    /// links stay.
    fn link(
        &self,
        caller: &Caller,
        from: String,
        to: String,
        remove: bool,
    ) -> Result<(Vec<Op>, Answer), ApiError> {
        let (list, key) = if self.exists(List::Factors, &from) {
            if self.exists(List::Timeline, &to) {
                (List::Factors, "events")
            } else if self.exists(List::Factors, &to) {
                (List::Factors, "leads_to")
            } else {
                return Err(not_found("timeline entry or factor", &to));
            }
        } else if self.exists(List::Actions, &from) {
            if !self.exists(List::Factors, &to) {
                return Err(not_found("factor", &to));
            }
            (List::Actions, "factors")
        } else {
            return Err(not_found("factor or action", &from));
        };
        if remove && !self.may_change(caller, list, &from) {
            return Err(ApiError::new(
                403,
                "not-yours",
                "only the author of this link's source or the facilitator can take the link away",
            ));
        }
        if !remove {
            if self.links_of(list, &from, key) >= MAX_LINKS_PER_ITEM {
                return Err(ApiError::new(
                    409,
                    "too-many-links",
                    format!("`{from}` already has {MAX_LINKS_PER_ITEM} links of this kind"),
                ));
            }
            if key == "leads_to"
                && self
                    .leads_graph()
                    .values()
                    .map(BTreeSet::len)
                    .sum::<usize>()
                    >= MAX_LEADS
            {
                return Err(ApiError::new(
                    409,
                    "too-many-links",
                    format!(
                        "the factors already have {MAX_LEADS} `leads_to` links, the most a meeting adds to"
                    ),
                ));
            }
        }
        if key == "leads_to" && !remove && self.leads_to_path(&to, &from) {
            return Err(ApiError::new(
                409,
                "cycle",
                format!("`{to}` already leads to `{from}`; this link would make a loop"),
            ));
        }
        let (list, from, key, to) = (list, from, key.to_owned(), to);
        let body = json!({ "from": from, "to": to, "linked": !remove });
        let op = if remove {
            Op::Unlink {
                list,
                from,
                key,
                to,
            }
        } else {
            Op::Link {
                list,
                from,
                key,
                to,
            }
        };
        Ok((vec![op], Answer { status: 200, body }))
    }

    /// The `leads_to` links between factors: in the file as last written, with the links made
    /// and taken away since.
    fn leads_graph(&self) -> HashMap<&str, BTreeSet<&str>> {
        let mut next: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for f in self.incident.iter().flat_map(|l| &l.incident.factors) {
            next.entry(&f.id)
                .or_default()
                .extend(f.leads_to.iter().map(String::as_str));
        }
        for ((from, to), linked) in &self.leads {
            let set = next.entry(from).or_default();
            if *linked {
                set.insert(to);
            } else {
                set.remove(to.as_str());
            }
        }
        next
    }

    /// Whether factor `a` leads to factor `b`, directly or not.
    fn leads_to_path(&self, a: &str, b: &str) -> bool {
        reaches(&self.leads_graph(), a, b)
    }

    /// Whether merging factor `from` into `into` would close a loop of `leads_to` links:
    /// `into` takes over every link of `from`, in both directions.
    fn merge_makes_loop(&self, from: &str, into: &str) -> bool {
        let rename = |id: &'_ str| {
            if id == from {
                into.to_owned()
            } else {
                id.to_owned()
            }
        };
        let mut merged: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (a, nexts) in self.leads_graph() {
            let a = rename(a);
            let set = merged.entry(a.clone()).or_default();
            set.extend(nexts.into_iter().map(rename).filter(|b| *b != a));
        }
        let graph: HashMap<&str, BTreeSet<&str>> = merged
            .iter()
            .map(|(a, set)| (a.as_str(), set.iter().map(String::as_str).collect()))
            .collect();
        graph
            .get(into)
            .into_iter()
            .flatten()
            .any(|next| reaches(&graph, next, into))
    }
}

/// Whether `a` reaches `b` along the links of `next`.
fn reaches(next: &HashMap<&str, BTreeSet<&str>>, a: &str, b: &str) -> bool {
    let mut seen = HashSet::new();
    let mut stack = vec![a];
    while let Some(id) = stack.pop() {
        if id == b {
            return true;
        }
        if seen.insert(id) {
            stack.extend(next.get(id).into_iter().flatten().copied());
        }
    }
    false
}

impl Phase {
    /// What the phase asks of the people in the meeting.
    pub fn prompt(self) -> &'static str {
        match self {
            Phase::FollowUps => {
                "Open actions from related incidents: what has moved since their reviews?"
            }
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
                if !facilitator {
                    // A phone gets what its phase shows, and its own submissions (in `you`);
                    // not the whole story, which would go to every phone on every change.
                    for key in [
                        "timeline", "people", "lessons", "summary", "impact", "services", "tags",
                    ] {
                        object.remove(key);
                    }
                    let (factors, actions) = match self.phase {
                        Phase::FollowUps | Phase::Timeline => (false, false),
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
                    .map(|(i, p)| json!({ "number": i + 1, "name": p.shown_name() }))
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
                "text": crate::serve::api::MAX_TEXT,
            },
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

/// Reads a time from a person: RFC 3339 with or without an offset, with `T` or a space, with
/// or without seconds. Without an offset it is a time in the incident's zone. The result is a
/// TOML datetime in that zone, with its offset.
pub fn normalise_time(text: &str, tz: &jiff::tz::TimeZone) -> Result<String, ApiError> {
    let bad = || {
        ApiError::new(
            422,
            "bad-time",
            format!(
                "`{}` is not a time; use a date and time such as 2026-11-03T14:05 or 2026-11-03T14:05:00+01:00",
                text.chars().take(40).collect::<String>()
            ),
        )
    };
    let text = text.trim();
    let instant = if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        ts
    } else {
        let civil: jiff::civil::DateTime = text.replacen(' ', "T", 1).parse().map_err(|_| bad())?;
        tz.to_ambiguous_zoned(civil)
            .compatible()
            .map_err(|_| bad())?
            .timestamp()
    };
    let zoned = instant.to_zoned(tz.clone());
    let offset = if zoned.offset().seconds() == 0 {
        "Z".to_owned()
    } else {
        zoned.strftime("%:z").to_string()
    };
    Ok(format!("{}{offset}", zoned.strftime("%Y-%m-%dT%H:%M:%S")))
}

pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// `bytes` random bytes, as hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // The operating system's generator; without it there is no safe secret to hand out.
    getrandom::fill(&mut buf).expect("the operating system's random generator failed");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the journal keeps of a token.
pub fn token_hash(token: &str) -> String {
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A request to the writer thread.
pub enum Job {
    Command {
        caller: Caller,
        key: Option<String>,
        /// Boxed: a command is far larger than the other jobs.
        command: Box<Command>,
        reply: oneshot::Sender<Result<Answer, ApiError>>,
    },
    /// `incident.toml` changed on disk.
    FileChanged,
    /// The meeting is over: write everything and mark the journal.
    End(oneshot::Sender<()>),
}

/// What the writer hands the thread that writes `incident.toml`.
enum Apply {
    Records(Vec<Record>),
    FileChanged,
    End(std::sync::mpsc::Sender<()>),
}

/// The handle through which requests reach the writer thread.
#[derive(Clone)]
pub struct Writer {
    tx: std::sync::mpsc::Sender<Job>,
    /// `incident.toml` as debrief last wrote or checked it, so the watcher can tell debrief's
    /// own writes from a person's.
    known: Arc<std::sync::Mutex<Option<crate::store::Version>>>,
}

/// The least time between two write-backs while changes stream in: everything that arrives in
/// between goes into the file in one write, and reaches the screens as one state.
const WRITE_INTERVAL: std::time::Duration = std::time::Duration::from_millis(15);

impl Writer {
    /// Opens the journal, replays the meeting so far onto the file, and starts two threads: the
    /// writer, which decides, journals and answers; and the mirror, which writes `incident.toml`
    /// and publishes the meeting's generation to `published` after every write. Answers never
    /// wait for the file.
    pub fn start(
        dir: PathBuf,
        id: String,
        meeting: Arc<RwLock<Meeting>>,
        published: Arc<watch::Sender<u64>>,
    ) -> anyhow::Result<Writer> {
        let (store, mirror, unreadable) = Store::open(&dir)?;
        for (line, reason) in unreadable {
            tracing::warn!("journal line {line} could not be read and is skipped: {reason}");
        }
        {
            let mut m = write(&meeting);
            for record in mirror.session() {
                m.apply(record);
            }
            m.revision = m.revision.max(store.next_seq() - 1);
            if mirror.session().is_empty() {
                // Earlier meetings ended cleanly: the file holds all of them.
                m.applied = m.revision;
            }
            if !mirror.session().is_empty() {
                tracing::info!(
                    "Resuming the meeting: {} changes from the journal",
                    mirror.session().len()
                );
            }
        }
        let known = Arc::new(std::sync::Mutex::new(None));
        let published_for_writer = published.clone();
        let carried_root = write(&meeting)
            .carried
            .as_ref()
            .map(|c| c.root().to_path_buf());
        let mut mirror = MirrorThread {
            pending: Vec::new(),
            carried_root,
            mirror,
            meeting: meeting.clone(),
            published,
            id,
            dir: dir.clone(),
            known: known.clone(),
        };
        // Replay before serving anything: a crash between journal and file loses nothing.
        mirror.write_back();
        let session = mirror.mirror.session().to_vec();
        mirror.carry(&session);
        mirror.publish();
        let (apply, applies) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("debrief-mirror".into())
            .spawn(move || mirror.run(applies))?;
        let (tx, rx) = std::sync::mpsc::channel();
        let writer = WriterThread {
            store,
            published: published_for_writer,
            dir: dir.clone(),
            meeting,
            apply,
        };
        std::thread::Builder::new()
            .name("debrief-writer".into())
            .spawn(move || writer.run(rx))?;
        Ok(Writer { tx, known })
    }

    /// Sends a command and waits for its answer.
    pub async fn send(
        &self,
        caller: Caller,
        key: Option<String>,
        command: Command,
    ) -> Result<Answer, ApiError> {
        let (reply, answer) = oneshot::channel();
        let job = Job::Command {
            caller,
            key,
            command: Box::new(command),
            reply,
        };
        if self.tx.send(job).is_err() {
            return Err(stopped());
        }
        answer.await.unwrap_or_else(|_| Err(stopped()))
    }

    pub fn file_changed(&self) {
        let _ = self.tx.send(Job::FileChanged);
    }

    /// Whether the file at `path` is `incident.toml` as debrief last wrote (or checked) it:
    /// the same bytes, and the same file, written at the same moment.
    pub fn is_own_write(&self, path: &std::path::Path) -> bool {
        let known = *self.known.lock().unwrap_or_else(|e| e.into_inner());
        known.is_some() && crate::store::Version::read(path).ok() == known
    }

    /// Ends the meeting: waits until every accepted change is in the file and the journal is
    /// marked.
    pub async fn end(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Job::End(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

fn stopped() -> ApiError {
    ApiError::new(503, "stopping", "the server is stopping")
}

fn write(meeting: &RwLock<Meeting>) -> std::sync::RwLockWriteGuard<'_, Meeting> {
    meeting.write().unwrap_or_else(|e| e.into_inner())
}

/// Decides, journals and answers.
struct WriterThread {
    store: Store,
    published: Arc<watch::Sender<u64>>,
    dir: PathBuf,
    meeting: Arc<RwLock<Meeting>>,
    apply: std::sync::mpsc::Sender<Apply>,
}

type Reply = oneshot::Sender<Result<Answer, ApiError>>;

impl WriterThread {
    fn run(mut self, rx: std::sync::mpsc::Receiver<Job>) {
        while let Ok(first) = rx.recv() {
            let mut jobs = vec![first];
            while jobs.len() < 1024 {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            let mut records = Vec::new();
            let mut waiting: Vec<(Reply, Answer)> = Vec::new();
            let mut ends = Vec::new();
            {
                let mut meeting = write(&self.meeting);
                for job in jobs {
                    match job {
                        Job::Command {
                            caller,
                            key,
                            command,
                            reply,
                        } => {
                            let seq = self.store.next_seq() + records.len() as u64;
                            match decide_one(&mut meeting, &caller, key, *command, seq) {
                                Ok((mut new, answer)) => {
                                    if new.is_empty() {
                                        // Answered before: the same answer again.
                                        let _ = reply.send(Ok(answer));
                                    } else {
                                        records.append(&mut new);
                                        waiting.push((reply, answer));
                                    }
                                }
                                Err(e) => {
                                    let _ = reply.send(Err(e));
                                }
                            }
                        }
                        Job::FileChanged => {
                            let _ = self.apply.send(Apply::FileChanged);
                        }
                        Job::End(done) => ends.push(done),
                    }
                }
            }
            if !records.is_empty() {
                match self.store.append(&records) {
                    Ok(()) => {
                        {
                            let mut meeting = write(&self.meeting);
                            if meeting.journal_error.take().is_some() {
                                meeting.generation += 1;
                                self.published.send_replace(meeting.generation);
                            }
                        }
                        for (reply, answer) in waiting {
                            let _ = reply.send(Ok(answer));
                        }
                        let _ = self.apply.send(Apply::Records(records));
                    }
                    Err(e) => {
                        tracing::error!("could not write the journal: {e}");
                        let error = ApiError::new(
                            500,
                            "journal",
                            format!("the change could not be saved: {e}"),
                        );
                        self.undo(&records);
                        // Every screen says so, as it says when the file is broken, before
                        // anyone is answered: whoever got the error sees it in the state.
                        {
                            let mut meeting = write(&self.meeting);
                            meeting.journal_error = Some(format!(
                                "changes cannot be saved: the journal could not be written ({e})"
                            ));
                            meeting.generation += 1;
                            self.published.send_replace(meeting.generation);
                        }
                        for (reply, _) in waiting {
                            let _ = reply.send(Err(error.clone()));
                        }
                    }
                }
            }
            if !ends.is_empty() {
                let (done, wait) = std::sync::mpsc::channel();
                if self.apply.send(Apply::End(done)).is_ok() {
                    let _ = wait.recv();
                }
                if let Err(e) = self.store.end() {
                    tracing::error!("could not mark the end of the meeting: {e}");
                }
                for done in ends {
                    let _ = done.send(());
                }
                return;
            }
        }
    }

    /// Takes back what a batch that could not be journaled did to the meeting: the meeting is
    /// replayed from the journal, which does not have the batch.
    fn undo(&mut self, failed: &[Record]) {
        let Ok((store, mirror, _)) = Store::open(&self.dir) else {
            return;
        };
        let mut meeting = write(&self.meeting);
        let mut fresh = Meeting::new(meeting.config.clone());
        fresh.incident = meeting.incident.take();
        if let Some(carried) = meeting.carried.take() {
            fresh.carry(carried.reset());
        }
        for record in mirror.session() {
            fresh.apply(record);
        }
        fresh.revision = store.next_seq() - 1;
        fresh.generation = meeting.generation;
        tracing::warn!("{} changes were refused and taken back", failed.len());
        *meeting = fresh;
    }
}

/// Writes `incident.toml` and tells the screens.
struct MirrorThread {
    /// Carried changes not yet in their incidents' files.
    pending: Vec<Record>,
    /// The archive the carried actions come from.
    carried_root: Option<PathBuf>,
    mirror: Mirror,
    meeting: Arc<RwLock<Meeting>>,
    published: Arc<watch::Sender<u64>>,
    id: String,
    dir: PathBuf,
    known: Arc<std::sync::Mutex<Option<crate::store::Version>>>,
}

impl MirrorThread {
    fn run(mut self, rx: std::sync::mpsc::Receiver<Apply>) {
        let mut last = std::time::Instant::now();
        while let Ok(first) = rx.recv() {
            // While changes stream in, gather them for a moment: one write, one state.
            let wait = WRITE_INTERVAL.saturating_sub(last.elapsed());
            if !wait.is_zero() && matches!(first, Apply::Records(_)) {
                std::thread::sleep(wait);
            }
            let mut ends = Vec::new();
            let mut records = false;
            for apply in std::iter::once(first).chain(rx.try_iter()) {
                match apply {
                    Apply::Records(new) => {
                        records = true;
                        self.carry(&new);
                        self.mirror.extend(new);
                    }
                    Apply::FileChanged => {}
                    Apply::End(done) => ends.push(done),
                }
            }
            last = std::time::Instant::now();
            let written = self.write_back();
            if records || written {
                self.publish();
            }
            if !ends.is_empty() {
                self.mirror.clear();
                for done in ends {
                    let _ = done.send(());
                }
                return;
            }
        }
    }

    /// Writes the meeting into the file; true when the file changed. A file that did not change
    /// is read by the render that its change caused, which tells the screens.
    fn write_back(&mut self) -> bool {
        let result = self.mirror.write_back();
        if let Some(version) = self.mirror.known_version() {
            *self.known.lock().unwrap_or_else(|e| e.into_inner()) = Some(version);
        }
        // Read the new text before taking the lock: screens keep reading meanwhile.
        let parsed = match &result {
            Ok(written) if !written.changed => None,
            Ok(written) => match toml::from_str::<Incident>(&written.text) {
                Ok(mut incident) => {
                    incident.fix_times();
                    Some(incident)
                }
                // The file has a mistake the loader reports (and the overlay shows); keep the
                // last good incident for the meeting.
                Err(e) => {
                    tracing::debug!("incident.toml does not load: {e}");
                    None
                }
            },
            Err(_) => None,
        };
        let applied = self.mirror.session().last().map_or(0, |r| r.seq);
        let changed = matches!(result, Ok(ref w) if w.changed);
        let mut meeting = write(&self.meeting);
        match result {
            Ok(_) => {
                meeting.store_error = None;
                meeting.applied = meeting.applied.max(applied);
            }
            Err(e @ StoreError::Broken { .. }) => meeting.store_error = Some(e.to_string()),
            Err(e) => {
                tracing::error!("{e}");
                meeting.store_error = Some(e.to_string());
            }
        }
        if let Some(incident) = parsed {
            let notes = meeting.incident.as_mut().and_then(|l| l.notes.take());
            meeting.incident = Some(LoadedIncident {
                id: self.id.clone(),
                dir: self.dir.clone(),
                incident,
                notes,
            });
        }
        changed
    }

    /// Writes carried changes into the files of their incidents. One that cannot be written
    /// (the file is broken or gone) waits, and the screens say why, until a later batch or a
    /// restart writes it: it is in the journal.
    fn carry(&mut self, records: &[Record]) {
        self.pending.extend(
            records
                .iter()
                .filter(|r| matches!(r.op, Op::Carried { .. }))
                .cloned(),
        );
        let Some(root) = &self.carried_root else {
            // Journaled when the incident sat in an archive, and it no longer does.
            for record in self.pending.drain(..) {
                tracing::warn!(
                    "journal record {} changes an action of another incident, but this incident is no longer in an archive with it; not applied",
                    record.seq
                );
            }
            return;
        };
        if self.pending.is_empty() {
            return;
        }
        let mut error = None;
        self.pending.retain(|record| {
            let Op::Carried {
                incident,
                id,
                changes,
            } = &record.op
            else {
                return false;
            };
            let file = root.join(incident).join(crate::load::INCIDENT_FILE);
            let op = Op::UpdateAction {
                id: id.clone(),
                changes: changes.clone(),
            };
            match crate::store::edit_file(&file, std::slice::from_ref(&op)) {
                Ok(_) => false,
                Err(e) => {
                    tracing::error!("a change to `{incident}` waits: {e}");
                    error = Some(format!(
                        "a change to an action of `{incident}` is saved in the journal but not yet in its file: {e}"
                    ));
                    true
                }
            }
        });
        let mut meeting = write(&self.meeting);
        if meeting.carried_error != error {
            meeting.carried_error = error;
            meeting.generation += 1;
            self.published.send_replace(meeting.generation);
        }
    }

    fn publish(&self) {
        let mut meeting = write(&self.meeting);
        meeting.generation += 1;
        self.published.send_replace(meeting.generation);
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
        super::admit::admit(op, timezone)?;
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
                Command::Join { name: None },
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
