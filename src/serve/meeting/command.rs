//! What a caller asks of the meeting, and the answer it gets.

use crate::model::{ActionKind, Category, Kind, LessonKind, Phase, Priority};
use crate::store::{ActionChanges, EntryChanges, List};

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
        /// The name comes from the team's sign-in (a trusted proxy's header).
        verified: bool,
    },
    /// The facilitator changes the incident record (the Details view). Times are as typed.
    SetDetails {
        changes: crate::store::DetailChanges,
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
        ticket: Option<String>,
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
