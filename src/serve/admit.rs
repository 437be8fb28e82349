//! Whether a meeting operation leaves `incident.toml` as `debrief check` wants it.
//!
//! An acknowledged operation is journaled, and whatever is journaled goes into the file. So
//! before that, every operation that writes a value is tried on a small document of its own
//! (the incident's zone, and the element it adds or changes), which is then read and validated
//! by the same code as `debrief check`. A value that `check` would call an error (a time before
//! 1970, an offset TOML cannot write, a date outside TOML's years) is refused with 422 and
//! `check`'s own words, and never reaches the journal.
//!
//! The small document keeps this cheap (tens of microseconds), so a burst of hundreds of
//! operations is not slowed by re-reading a large incident for each.

use std::collections::HashSet;
use std::path::Path;

use toml_edit::DocumentMut;

use super::error::ApiError;
use crate::diagnostics::Severity;
use crate::model::{ActionStatus, Category, Config, Incident, Kind, validate};
use crate::store::{List, NewAction, NewEntry, NewFactor, Op, edit};

/// Refuses `op` when the file it writes would not pass `debrief check`. `timezone` is the
/// incident's `timezone`, which gives times without an offset their meaning.
pub fn admit(op: &Op, timezone: Option<&str>) -> Result<(), ApiError> {
    let mut doc = DocumentMut::new();
    doc["title"] = toml_edit::value("admission");
    if let Some(tz) = timezone {
        doc["timezone"] = toml_edit::value(tz);
    }
    // Ids that exist in the real file; references to them are checked by the meeting.
    let mut assumed = HashSet::new();
    match op {
        // Checked as the same change to an action of this incident would be.
        Op::Carried { id, changes, .. } => {
            return admit(
                &Op::UpdateAction {
                    id: id.clone(),
                    changes: changes.clone(),
                },
                None,
            );
        }
        Op::AddEntry(_) | Op::AddFactor(_) => {}
        Op::AddAction(action) => assumed.extend(action.factors.iter().cloned()),
        Op::UpdateAction { id, .. } => {
            edit::apply(&mut doc, &stand_in(List::Actions, id));
        }
        Op::UpdateEntry { id, .. } => {
            edit::apply(&mut doc, &stand_in(List::Timeline, id));
        }
        Op::EditText { list, id, .. } => {
            edit::apply(&mut doc, &stand_in(*list, id));
        }
        // Votes, links, phases and the rest write no value a person typed.
        _ => return Ok(()),
    }
    edit::apply(&mut doc, op);
    let incident: Incident = toml::from_str(&doc.to_string()).map_err(|e| {
        ApiError::new(
            422,
            "invalid",
            format!(
                "this would make incident.toml invalid: {}",
                e.message().trim()
            ),
        )
    })?;
    let findings = validate::validate(&incident, &Config::default(), Path::new("."), &assumed);
    match findings.into_iter().find(|f| f.severity == Severity::Error) {
        Some(f) => Err(ApiError::new(
            422,
            "invalid",
            format!("{}: {}", field(&f.path), f.message),
        )),
        None => Ok(()),
    }
}

/// The field a finding's path names, as the API calls it: `timeline[0].at` is `at`.
fn field(path: &str) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    format!("`{}`", last.split('[').next().unwrap_or(last))
}

/// A plain element with `id`, for an operation that changes one.
fn stand_in(list: List, id: &str) -> Op {
    let id = id.to_owned();
    let text = "stand-in".to_owned();
    match list {
        List::Timeline => Op::AddEntry(NewEntry {
            id,
            at: "2026-01-01T00:00:00Z".into(),
            text,
            kind: Kind::Observation,
            lane: None,
            by: None,
            source: None,
        }),
        List::Factors => Op::AddFactor(NewFactor {
            id,
            text,
            category: Category::Technical,
        }),
        List::Actions => Op::AddAction(NewAction {
            id,
            text,
            owner: None,
            due: None,
            priority: None,
            status: ActionStatus::Open,
            kind: None,
            factors: Vec::new(),
            ticket: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(at: &str) -> Op {
        Op::AddEntry(NewEntry {
            id: "t-1".into(),
            at: at.into(),
            text: "seen".into(),
            kind: Kind::Observation,
            lane: None,
            by: None,
            source: None,
        })
    }

    #[test]
    fn what_check_refuses_is_refused_and_the_rest_admitted() {
        assert!(admit(&entry("2026-11-03T14:05:00+01:00"), Some("Europe/Berlin")).is_ok());
        for bad in [
            "0001-01-01T00:00:00Z",
            "1890-06-01T12:00:00+00:53:28",
            "1969-12-31T23:59:59Z",
        ] {
            let e = admit(&entry(bad), Some("Europe/Berlin")).unwrap_err();
            assert_eq!((e.status, e.code), (422, "invalid"), "{bad}: {e:?}");
        }
        let bad_id = Op::AddFactor(NewFactor {
            id: "f bad".into(),
            text: "x".into(),
            category: Category::Process,
        });
        assert_eq!(admit(&bad_id, None).unwrap_err().status, 422);
        // A link writes nothing a person typed.
        let link = Op::Link {
            list: List::Factors,
            from: "f-1".into(),
            key: "leads_to".into(),
            to: "f-2".into(),
        };
        assert!(admit(&link, None).is_ok());
    }
}
