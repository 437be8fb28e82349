//! The meeting: who has joined, the phase and timer, the votes and the lessons, as the
//! journal tells them, plus the incident as the file holds it.
//!
//! Its decisions are in `decide` and `links`, what the screens see in `view`; the threads that
//! journal and write the file are the server's writer.

mod command;
mod decide;
mod details;
mod lessons;
mod links;
mod view;

pub use command::{Answer, Command};
pub use decide::decide_one;
pub use lessons::Lesson;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use serde_json::json;
use sha2::Digest as _;

use crate::model::{Incident, LessonKind, LoadedIncident, MeetingConfig, Phase};
use crate::serve::carried::Carried;
use crate::serve::error::ApiError;
use crate::store::{List, Op, Record};

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
        // jiff reads offsets up to ±25:59; no place on earth is further than ±14:00 from UTC,
        // and an offset past ±18:00 is a typo that would move the entry by a day.
        if let Some(seconds) = written_offset(text)
            && !crate::model::time::plausible_offset(seconds)
        {
            return Err(ApiError::new(
                422,
                "bad-offset",
                format!(
                    "`at` has the offset {}; an offset runs from -18:00 to +18:00",
                    jiff::tz::Offset::from_seconds(seconds)
                        .map_or_else(|_| seconds.to_string(), |o| o.to_string())
                ),
            ));
        }
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

/// The offset written in a time with one (`Z` is 0), in seconds.
fn written_offset(text: &str) -> Option<i32> {
    use jiff::fmt::temporal::{Pieces, PiecesOffset};
    match Pieces::parse(text).ok()?.offset()? {
        PiecesOffset::Zulu => Some(0),
        PiecesOffset::Numeric(n) => Some(n.offset().seconds()),
        _ => None,
    }
}

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
    /// Joined through the team's sign-in: the name is the one the proxy vouched for.
    pub verified: bool,
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
    /// Timeline entries with a source added during the meeting, by id: (source, text). A
    /// second promotion of the same line is refused before the file has the first.
    promoted: HashMap<String, (String, String)>,
    deleted: HashSet<(List, String)>,
    /// `leads_to` links made (true) and taken away (false) during the meeting, for finding
    /// loops before the file has them.
    leads: HashMap<(String, String), bool>,
    /// Who added what during the meeting; authors may fix their own typos.
    authors: HashMap<(List, String), String>,
    /// The same, by author.
    by_author: HashMap<String, Vec<(List, String)>>,
    /// Actions claimed during the meeting, by id: who claimed each. The owner may then change
    /// their action as its author may (a due date, a status); the facilitator giving it to
    /// someone else ends that.
    claimed_by: HashMap<String, String>,
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
            promoted: HashMap::new(),
            deleted: HashSet::new(),
            authors: HashMap::new(),
            by_author: HashMap::new(),
            claimed_by: HashMap::new(),
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

    /// Opens the meeting in the Prepare phase: the incident has no story yet (a folder fresh
    /// from `debrief new`), so the facilitator fills in its details first.
    pub fn prepare(&mut self) {
        self.phase = Phase::Prepare;
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
                verified,
            } => {
                if self.participant(participant).is_none() {
                    self.by_token.insert(token.clone(), self.participants.len());
                    self.participants.push(Participant {
                        id: participant.clone(),
                        name: name.clone(),
                        removed: false,
                        unverified: *unverified,
                        verified: *verified,
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
                if let Some(source) = &e.source {
                    self.promoted
                        .insert(e.id.clone(), (source.clone(), e.text.clone()));
                }
            }
            Op::AddFactor(f) => {
                self.added.insert((List::Factors, f.id.clone()));
            }
            Op::AddAction(a) => {
                self.added.insert((List::Actions, a.id.clone()));
            }
            Op::Delete { list, id } => {
                self.deleted.insert((*list, id.clone()));
                if *list == List::Timeline {
                    self.promoted.remove(id);
                }
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
            Op::UpdateAction { id, changes } => {
                if let Some(owner) = &changes.owner {
                    if owner.is_empty() || record.by == Caller::Facilitator.id() {
                        self.claimed_by.remove(id);
                    } else {
                        self.claimed_by.insert(id.clone(), record.by.clone());
                    }
                }
            }
            Op::EditText { .. }
            | Op::UpdateEntry { .. }
            | Op::Link { .. }
            | Op::Unlink { .. }
            | Op::SetDetails { .. }
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
    /// Whether an entry with this source and text was added during the meeting and is still
    /// there (the file may not have it yet).
    fn promoted_already(&self, source: &str, text: &str) -> bool {
        self.promoted
            .values()
            .any(|(s, t)| s == source && t == text)
    }

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
