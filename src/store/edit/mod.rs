//! Applying operations to the text of `incident.toml` with toml_edit, so that every comment,
//! the order of keys and the whitespace a person wrote stay as they were.
//!
//! Every edit is idempotent: it states what the file must hold ("entry `t-1` exists", "p-2 has
//! 2 votes on `f-pool`") and changes the file only when it does not hold it yet. Replaying the
//! whole meeting onto any version of the file therefore repairs whatever an editor's stale
//! buffer overwrote, and touches nothing else.

use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, TableLike, Value};

mod details;

use super::layout;
use super::{List, Op};
use crate::model::LessonKind;

/// Applies `op` to `doc`; true when the document changed.
pub fn apply(doc: &mut DocumentMut, op: &Op) -> bool {
    match op {
        Op::AddEntry(entry) => add(doc, List::Timeline, &entry.id, |t| {
            set_str(t, "id", &entry.id);
            // Always a TOML datetime; the quoted form is the loader's fallback, never silence.
            match entry.at.parse::<toml_edit::Datetime>() {
                Ok(at) => t.insert("at", Item::Value(Value::from(at))),
                Err(_) => t.insert("at", Item::Value(Value::from(entry.at.as_str()))),
            };
            set_str(t, "text", &entry.text);
            set_str(t, "kind", entry.kind.as_str());
            if let Some(lane) = &entry.lane {
                set_str(t, "lane", lane);
            }
            if let Some(by) = &entry.by {
                set_str(t, "by", by);
            }
            if let Some(source) = &entry.source {
                set_str(t, "source", source);
            }
        }),
        Op::AddFactor(factor) => add(doc, List::Factors, &factor.id, |t| {
            set_str(t, "id", &factor.id);
            set_str(t, "text", &factor.text);
            set_str(t, "category", factor.category.as_str());
        }),
        Op::AddAction(action) => add(doc, List::Actions, &action.id, |t| {
            set_str(t, "id", &action.id);
            set_str(t, "text", &action.text);
            if let Some(owner) = &action.owner {
                set_str(t, "owner", owner);
            }
            if let Some(due) = action.due.as_deref().and_then(|d| d.parse().ok()) {
                t.insert(
                    "due",
                    Item::Value(Value::Datetime(toml_edit::Formatted::new(due))),
                );
            }
            if let Some(priority) = action.priority {
                set_str(t, "priority", priority.as_str());
            }
            set_str(t, "status", action.status.as_str());
            if let Some(kind) = action.kind {
                set_str(t, "kind", kind.as_str());
            }
            if let Some(ticket) = action.ticket.as_deref().filter(|t| !t.is_empty()) {
                set_str(t, "ticket", ticket);
            }
            if !action.factors.is_empty() {
                let array: Array = action.factors.iter().map(String::as_str).collect();
                t.insert("factors", Item::Value(Value::Array(array)));
            }
        }),
        Op::UpdateAction { id, changes } => with_item(doc, List::Actions, id, |t| {
            let mut changed = false;
            let mut put = |key: &str, value: Option<&str>| {
                changed |= match value {
                    Some(v) if !v.is_empty() => set_str_if_different(t, key, v),
                    Some(_) => t.remove(key).is_some(),
                    None => false,
                };
            };
            put("text", changes.text.as_deref());
            put("owner", changes.owner.as_deref());
            put("priority", changes.priority.map(|p| p.as_str()));
            put("status", changes.status.map(|s| s.as_str()));
            put("kind", changes.kind.map(|k| k.as_str()));
            put("ticket", changes.ticket.as_deref());
            changed |= put_date(t, "due", changes.due.as_deref());
            changed |= put_date(t, "done_on", changes.done_on.as_deref());
            changed
        }),
        Op::UpdateEntry { id, changes } => with_item(doc, List::Timeline, id, |t| {
            let mut changed = false;
            if let Some(at) = &changes.at {
                let same = t.get("at").and_then(Item::as_value).is_some_and(|v| {
                    v.as_datetime().map(|d| d.to_string()).as_deref() == Some(at.as_str())
                        || v.as_str() == Some(at.as_str())
                });
                if !same {
                    let value = match at.parse::<toml_edit::Datetime>() {
                        Ok(at) => Value::Datetime(toml_edit::Formatted::new(at)),
                        Err(_) => Value::from(at.as_str()),
                    };
                    set_value(t, "at", value);
                    changed = true;
                }
            }
            if let Some(text) = &changes.text {
                changed |= set_str_if_different(t, "text", text);
            }
            if let Some(kind) = changes.kind {
                changed |= set_str_if_different(t, "kind", kind.as_str());
            }
            match changes.lane.as_deref() {
                Some("") => changed |= t.remove("lane").is_some(),
                Some(lane) => changed |= set_str_if_different(t, "lane", lane),
                None => {}
            }
            changed
        }),
        Op::SetDetails { changes } => details::apply(doc, changes),
        Op::EditText { list, id, text } => {
            with_item(doc, *list, id, |t| set_str_if_different(t, "text", text))
        }
        Op::Vote {
            factor,
            participant,
            count,
        } => with_item(doc, List::Factors, factor, |t| {
            let current = t
                .get("votes")
                .and_then(|v| v.as_table_like())
                .and_then(|votes| votes.get(participant))
                .and_then(Item::as_integer);
            if current == Some(i64::from(*count)) || (current.is_none() && *count == 0) {
                return false;
            }
            if t.get("votes").and_then(Item::as_table_like).is_none() {
                t.insert("votes", Item::Value(Value::InlineTable(InlineTable::new())));
            }
            let Some(votes) = t.get_mut("votes").and_then(Item::as_table_like_mut) else {
                return false;
            };
            if *count == 0 {
                votes.remove(participant);
            } else if let Some(Item::Value(v)) = votes.get_mut(participant) {
                // Keep the spacing around the number.
                let decor = v.decor().clone();
                *v = Value::from(i64::from(*count));
                *v.decor_mut() = decor;
            } else {
                votes.insert(participant, Item::Value(Value::from(i64::from(*count))));
            }
            // The last ballot taken back leaves no `votes = {}` behind.
            if t.get("votes")
                .and_then(Item::as_table_like)
                .is_some_and(|v| v.is_empty())
            {
                t.remove("votes");
            } else if let Some(inline) = t.get_mut("votes").and_then(Item::as_inline_table_mut)
                && inline.len() == 1
            {
                inline.fmt();
            }
            true
        }),
        // A link to something that is gone (deleted later in the meeting) is not made again.
        Op::Link {
            list,
            from,
            key,
            to,
        } if !contains(doc, target_of(key), to) => false,
        Op::Link {
            list,
            from,
            key,
            to,
        } => with_item(doc, *list, from, |t| {
            let present = t
                .get(key)
                .and_then(Item::as_array)
                .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(to)));
            if present {
                return false;
            }
            match t.get_mut(key).and_then(Item::as_array_mut) {
                Some(array) => array.push(to.as_str()),
                None => {
                    let array: Array = std::iter::once(to.as_str()).collect();
                    t.insert(key, Item::Value(Value::Array(array)));
                }
            }
            true
        }),
        Op::Unlink {
            list,
            from,
            key,
            to,
        } => with_item(doc, *list, from, |t| {
            let Some(array) = t.get_mut(key).and_then(Item::as_array_mut) else {
                return false;
            };
            let before = array.len();
            array.retain(|v| v.as_str() != Some(to));
            before != array.len()
        }),
        Op::Delete { list, id } => {
            let mut changed = remove(doc, *list, id);
            // References to what is gone go too, so the file stays valid.
            let refs: &[(List, &str)] = match list {
                List::Timeline => &[(List::Factors, "events")],
                List::Factors => &[(List::Factors, "leads_to"), (List::Actions, "factors")],
                List::Actions => &[],
            };
            for (owner, key) in refs {
                changed |= unlink_everywhere(doc, *owner, key, id);
            }
            changed
        }
        Op::AddLesson { kind, text, .. } => with_lessons(doc, *kind, |list| {
            if list.iter().any(|v| v.as_str() == Some(text)) {
                return false;
            }
            // On its own line when the list has one item a line.
            let decor = list.iter().last().map(|v| v.decor().clone());
            list.push(text.as_str());
            if let (Some(decor), Some(v)) = (decor, list.iter_mut().last()) {
                *v.decor_mut() = decor;
            }
            layout::one_item_a_line_when_long(kind.key(), list);
            true
        }),
        Op::EditLesson { kind, from, to } => with_lessons(doc, *kind, |list| {
            if list.iter().any(|v| v.as_str() == Some(to)) {
                return false;
            }
            let Some(i) = list.iter().position(|v| v.as_str() == Some(from)) else {
                return false;
            };
            let decor = list.get(i).map(|v| v.decor().clone());
            list.replace(i, to.as_str());
            if let (Some(decor), Some(v)) = (decor, list.get_mut(i)) {
                *v.decor_mut() = decor;
            }
            true
        }),
        Op::DeleteLesson { kind, text } => with_lessons(doc, *kind, |list| {
            let before = list.len();
            list.retain(|v| v.as_str() != Some(text));
            before != list.len()
        }),
        // One answer per participant, under an id that does not say who: a second replaces it.
        Op::Feedback { id, rating, text } => {
            let fill = |t: &mut dyn TableLike| {
                let mut changed = false;
                if t.get("id").is_none() {
                    set_str(t, "id", id);
                    changed = true;
                }
                let same = t.get("rating").and_then(Item::as_integer) == Some(i64::from(*rating));
                if !same {
                    set_value(t, "rating", Value::from(i64::from(*rating)));
                    changed = true;
                }
                match text.as_deref() {
                    Some(text) => changed |= set_str_if_different(t, "text", text),
                    None => changed |= t.remove("text").is_some(),
                }
                changed
            };
            let exists = matches!(doc.get("feedback"), Some(Item::ArrayOfTables(aot)) if aot.iter().any(|t| id_of(t) == Some(id)))
                || matches!(doc.get("feedback"), Some(Item::Value(Value::Array(a))) if a.iter().any(|v| v.as_inline_table().and_then(|t| id_of(t)) == Some(id)));
            if exists {
                with_keyed(doc, "feedback", id, fill)
            } else {
                add_keyed(doc, "feedback", |t| {
                    fill(t);
                })
            }
        }
        // Another incident's file takes these: see `store::edit_file`.
        Op::Carried { .. } => false,
        Op::Join { .. } | Op::Remove { .. } | Op::Phase { .. } | Op::Reveal { .. } | Op::End => {
            false
        }
    }
}

/// Sets the date at `key` to `value` (`YYYY-MM-DD`), written as a TOML date; an empty value
/// removes it, and `None` leaves it alone. True when the table changed.
fn put_date(t: &mut dyn TableLike, key: &str, value: Option<&str>) -> bool {
    match value {
        Some("") => t.remove(key).is_some(),
        Some(date) => {
            let Ok(date) = date.parse::<toml_edit::Datetime>() else {
                return false;
            };
            let same = t.get(key).and_then(Item::as_value).is_some_and(|v| {
                v.as_datetime() == Some(&date) || v.as_str() == Some(&date.to_string())
            });
            if !same {
                set_value(t, key, Value::Datetime(toml_edit::Formatted::new(date)));
            }
            !same
        }
        None => false,
    }
}

/// Runs `f` on the array of strings `[lessons] <kind>`, made when missing.
fn with_lessons(
    doc: &mut DocumentMut,
    kind: LessonKind,
    f: impl FnOnce(&mut Array) -> bool,
) -> bool {
    if doc.get("lessons").and_then(Item::as_table_like).is_none() {
        doc.insert("lessons", Item::Table(Table::new()));
    }
    let Some(lessons) = doc.get_mut("lessons").and_then(Item::as_table_like_mut) else {
        return false;
    };
    if lessons.get(kind.key()).and_then(Item::as_array).is_none() {
        lessons.insert(kind.key(), Item::Value(Value::Array(Array::new())));
    }
    match lessons.get_mut(kind.key()).and_then(Item::as_array_mut) {
        Some(list) => f(list),
        None => false,
    }
}

/// The list that the ids of a link list (`events`, `leads_to`, `factors`) name.
fn target_of(key: &str) -> List {
    if key == "events" {
        List::Timeline
    } else {
        List::Factors
    }
}

/// The id of one element of a list, when it has one.
fn id_of(t: &dyn TableLike) -> Option<&str> {
    t.get("id").and_then(Item::as_str)
}

/// Runs `f` on the element of `list` whose id is `id`; false when there is none.
fn with_item(
    doc: &mut DocumentMut,
    list: List,
    id: &str,
    f: impl FnOnce(&mut dyn TableLike) -> bool,
) -> bool {
    with_keyed(doc, list.key(), id, f)
}

/// Runs `f` on the element with id `id` of the list of tables at `key`.
fn with_keyed(
    doc: &mut DocumentMut,
    key: &str,
    id: &str,
    f: impl FnOnce(&mut dyn TableLike) -> bool,
) -> bool {
    match doc.get_mut(key) {
        Some(Item::ArrayOfTables(aot)) => {
            let Some(n) = aot.iter().position(|t| id_of(t) == Some(id)) else {
                return false;
            };
            let t = aot.get_mut(n).expect("found above");
            let before: Vec<String> = t.iter().map(|(k, _)| k.to_owned()).collect();
            if !f(t) {
                return false;
            }
            let added: Vec<String> = t
                .iter()
                .map(|(k, _)| k.to_owned())
                .filter(|k| !before.contains(k))
                .collect();
            layout::drop_stale_notes(doc, key, n, &added);
            true
        }
        Some(Item::Value(Value::Array(array))) => array
            .iter_mut()
            .filter_map(Value::as_inline_table_mut)
            .find(|t| id_of(*t) == Some(id))
            .is_some_and(|t| f(t)),
        _ => false,
    }
}

fn contains(doc: &DocumentMut, list: List, id: &str) -> bool {
    match doc.get(list.key()) {
        Some(Item::ArrayOfTables(aot)) => aot.iter().any(|t| id_of(t) == Some(id)),
        Some(Item::Value(Value::Array(array))) => array
            .iter()
            .filter_map(Value::as_inline_table)
            .any(|t| id_of(t) == Some(id)),
        _ => false,
    }
}

/// Adds an element built by `fill` to `list`, unless one with `id` is there already.
fn add(doc: &mut DocumentMut, list: List, id: &str, fill: impl FnOnce(&mut dyn TableLike)) -> bool {
    if contains(doc, list, id) {
        return false;
    }
    add_keyed(doc, list.key(), fill)
}

/// Appends a table of `fields` to the list at `key`, unless one with the same `path` is there.
pub fn add_table(doc: &mut DocumentMut, key: &str, fields: &[(&str, Value)]) -> bool {
    let path = fields.iter().find(|(k, _)| *k == "path").map(|(_, v)| v);
    let same_path = |t: &dyn TableLike| {
        path.is_some_and(|p| t.get("path").and_then(Item::as_str) == p.as_str())
    };
    let there = match doc.get(key) {
        Some(Item::ArrayOfTables(aot)) => aot.iter().any(|t| same_path(t)),
        Some(Item::Value(Value::Array(array))) => array
            .iter()
            .filter_map(Value::as_inline_table)
            .any(|t| same_path(t)),
        _ => false,
    };
    if there {
        return false;
    }
    add_keyed(doc, key, |t| {
        for (name, value) in fields {
            t.insert(name, Item::Value(value.clone()));
        }
    })
}

/// Appends a table to the list at `key`, in the file's style.
fn add_keyed(doc: &mut DocumentMut, key: &str, fill: impl FnOnce(&mut dyn TableLike)) -> bool {
    match doc.get_mut(key) {
        // `timeline = [{ ... }, ...]`: keep the file's inline style.
        Some(Item::Value(Value::Array(array))) if !array.is_empty() => {
            let mut t = InlineTable::new();
            fill(&mut t);
            t.fmt();
            array.push(t);
            return true;
        }
        Some(Item::ArrayOfTables(_)) => {}
        // Missing, `timeline = []`, or something that is not a list (which the loader reports):
        // start a list of tables.
        _ => {
            doc.insert(key, Item::ArrayOfTables(ArrayOfTables::new()));
        }
    }
    let Some(Item::ArrayOfTables(aot)) = doc.get_mut(key) else {
        return false;
    };
    let mut t = Table::new();
    fill(&mut t);
    // Keys aligned like the table before it, when its keys are.
    if let Some(column) = aot.iter().last().and_then(|t| layout::aligned_column(t)) {
        layout::align(&mut t, column);
    }
    // A blank line before the header, like the tables people write.
    t.decor_mut().set_prefix("\n");
    aot.push(t);
    true
}

fn remove(doc: &mut DocumentMut, list: List, id: &str) -> bool {
    match doc.get_mut(list.key()) {
        Some(Item::ArrayOfTables(aot)) => {
            let before = aot.len();
            aot.retain(|t| id_of(t) != Some(id));
            before != aot.len()
        }
        Some(Item::Value(Value::Array(array))) => {
            let before = array.len();
            array.retain(|v| v.as_inline_table().and_then(|t| id_of(t)) != Some(id));
            before != array.len()
        }
        _ => false,
    }
}

/// Removes `id` from the list `key` of every element of `list`.
fn unlink_everywhere(doc: &mut DocumentMut, list: List, key: &str, id: &str) -> bool {
    let mut changed = false;
    let mut strip = |t: &mut dyn TableLike| {
        if let Some(array) = t.get_mut(key).and_then(Item::as_array_mut) {
            let before = array.len();
            array.retain(|v| v.as_str() != Some(id));
            changed |= before != array.len();
        }
    };
    match doc.get_mut(list.key()) {
        Some(Item::ArrayOfTables(aot)) => aot.iter_mut().for_each(|t| strip(t)),
        Some(Item::Value(Value::Array(array))) => array
            .iter_mut()
            .filter_map(Value::as_inline_table_mut)
            .for_each(|t| strip(t)),
        _ => {}
    }
    changed
}

fn set_str(t: &mut dyn TableLike, key: &str, value: &str) {
    set_value(t, key, Value::from(value));
}

/// Sets a value, keeping the comment and spacing around the old one, and the key as written
/// (a person's `status   =`, aligned with the keys around it, stays aligned).
fn set_value(t: &mut dyn TableLike, key: &str, mut value: Value) {
    match t.get_mut(key) {
        Some(Item::Value(old)) => {
            let mut decor = old.decor().clone();
            // A comment set in a column (three spaces or more after the value) stays in its
            // column (`# draft | review | published`
            // lines up with the comments above and below it).
            let width = |v: &Value| {
                let mut bare = v.clone();
                bare.decor_mut().clear();
                bare.to_string().chars().count()
            };
            let (was, now) = (width(old), width(&value));
            if let Some(suffix) = decor.suffix().and_then(|s| s.as_str()) {
                let spaces = suffix.len() - suffix.trim_start_matches(' ').len();
                let rest = &suffix[spaces..];
                if rest.starts_with('#') && spaces > 2 && was != now {
                    let spaces = (spaces + was).saturating_sub(now).max(1);
                    decor.set_suffix(format!("{}{rest}", " ".repeat(spaces)));
                }
            }
            *value.decor_mut() = decor;
            *old = value;
        }
        _ => {
            t.insert(key, Item::Value(value));
            layout::align_new_key(t, key);
        }
    }
}

fn set_str_if_different(t: &mut dyn TableLike, key: &str, value: &str) -> bool {
    if t.get(key).and_then(Item::as_str) == Some(value) {
        return false;
    }
    set_value(t, key, Value::from(value));
    true
}

#[cfg(test)]
mod tests;
