//! `PATCH /api/details`: the Details view's change to the incident record, checked field by
//! field as every other request is (length, characters, lists without repeats), before the
//! meeting checks the record as a whole.

use serde::Deserialize;

use super::error::ApiError;
use super::input::{keep_empty, text};
use super::limits::{MAX_DETAIL_ITEMS, MAX_NAME, MAX_SUMMARY};
use super::meeting::Command;
use crate::model::Status;
use crate::store::{DetailChanges, PersonDetail};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailsBody {
    title: Option<String>,
    severity: Option<String>,
    status: Option<Status>,
    #[serde(default)]
    times: Times,
    impact: Option<String>,
    summary: Option<String>,
    services: Option<Vec<String>>,
    tags: Option<Vec<String>>,
    people: Option<Vec<PersonBody>>,
}

/// Times as typed, in the incident's zone unless they carry an offset; empty removes one.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Times {
    started: Option<String>,
    detected: Option<String>,
    mitigated: Option<String>,
    resolved: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonBody {
    handle: String,
    name: Option<String>,
    role: Option<String>,
}

pub fn command(b: DetailsBody) -> Result<Command, ApiError> {
    let time = |field: &str, value: Option<String>| -> Result<Option<String>, ApiError> {
        match value {
            Some(v) if v.trim().is_empty() => Ok(Some(String::new())),
            Some(v) => text(field, v, 64).map(Some),
            None => Ok(None),
        }
    };
    let changes = DetailChanges {
        title: b.title.map(|t| one_line("title", t, 200)).transpose()?,
        severity: keep_empty("severity", b.severity, MAX_NAME)?,
        status: b.status,
        started: time("times.started", b.times.started)?,
        detected: time("times.detected", b.times.detected)?,
        mitigated: time("times.mitigated", b.times.mitigated)?,
        resolved: time("times.resolved", b.times.resolved)?,
        impact: multiline("impact", b.impact)?,
        summary: multiline("summary", b.summary)?,
        services: b.services.map(|l| names("services", l)).transpose()?,
        tags: b.tags.map(|l| names("tags", l)).transpose()?,
        people: b.people.map(people).transpose()?,
    };
    if changes.is_empty() {
        return Err(ApiError::new(
            422,
            "nothing-to-change",
            "the request changes nothing; send the fields to change",
        ));
    }
    Ok(Command::SetDetails { changes })
}

/// Markdown of several lines; blank removes it. Line endings become `\n`.
fn multiline(field: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    let value = value.map(|v| v.replace("\r\n", "\n").replace('\r', "\n"));
    keep_empty(field, value, MAX_SUMMARY)
}

/// Service or tag names: each trimmed, none empty or repeated.
fn names(field: &str, list: Vec<String>) -> Result<Vec<String>, ApiError> {
    if list.len() > MAX_DETAIL_ITEMS {
        return Err(ApiError::new(
            422,
            "too-many",
            format!("`{field}` holds more than {MAX_DETAIL_ITEMS} names"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for name in list {
        let name = one_line(field, name, MAX_NAME)?;
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

/// A text of one line: no line break of any kind (`\n`, a tab, U+2028, U+2029).
fn one_line(field: &str, value: String, max: usize) -> Result<String, ApiError> {
    let value = text(field, value, max)?;
    if value.contains(['\n', '\t', '\u{2028}', '\u{2029}']) {
        return Err(ApiError::new(
            422,
            "not-one-line",
            format!("`{field}` is one line"),
        ));
    }
    Ok(value)
}

fn people(list: Vec<PersonBody>) -> Result<Vec<PersonDetail>, ApiError> {
    if list.len() > MAX_DETAIL_ITEMS {
        return Err(ApiError::new(
            422,
            "too-many",
            format!("`people` holds more than {MAX_DETAIL_ITEMS} people"),
        ));
    }
    let mut out: Vec<PersonDetail> = Vec::with_capacity(list.len());
    for p in list {
        let handle = one_line("people.handle", p.handle, MAX_NAME)?;
        if handle.chars().any(char::is_whitespace) {
            return Err(ApiError::new(
                422,
                "bad-handle",
                format!(
                    "the handle `{handle}` has a space; a handle is one word, such as `sam` or `sam.lee`"
                ),
            ));
        }
        if out.iter().any(|o| o.handle == handle) {
            return Err(ApiError::new(
                422,
                "duplicate-handle",
                format!("`{handle}` is in `people` twice"),
            ));
        }
        let line = |field: &str, v: Option<String>| -> Result<Option<String>, ApiError> {
            v.filter(|v| !v.trim().is_empty())
                .map(|v| one_line(field, v, MAX_NAME))
                .transpose()
        };
        out.push(PersonDetail {
            name: line("people.name", p.name)?,
            role: line("people.role", p.role)?,
            handle,
        });
    }
    Ok(out)
}
