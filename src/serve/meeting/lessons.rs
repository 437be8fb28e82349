//! Lessons (went well, went wrong, where we got lucky): plain strings in the file, with ids the
//! meeting gives them.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::json;

use super::*;
use crate::model::LessonKind;
use crate::serve::error::ApiError;

pub(super) fn duplicate_lesson() -> ApiError {
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
/// from the text (and follows it when the text changes). The same id names it in `hide`.
pub(super) fn lesson_id(kind: LessonKind, text: &str) -> String {
    crate::model::Lessons::id(kind, text)
}

impl Meeting {
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
    pub(super) fn lessons_json(&self, facilitator: bool) -> serde_json::Value {
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
    pub(super) fn lesson(&self, id: &str) -> Option<Lesson> {
        self.lesson_items().into_iter().find(|l| l.id == id)
    }
}
