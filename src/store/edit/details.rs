//! The Details view's changes to the incident record, written with toml_edit like every other
//! edit: a key that changes keeps its comment and alignment, `[times]` and `[impact]` are made
//! when missing, and people who stay keep their tables.

use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, TableLike, Value};

use super::{set_str_if_different, set_value};
use crate::store::details::{DetailChanges, PersonDetail};

pub(super) fn apply(doc: &mut DocumentMut, c: &DetailChanges) -> bool {
    let mut changed = false;
    let root = doc.as_table_mut();
    if let Some(title) = c.title.as_deref().filter(|t| !t.is_empty()) {
        changed |= set_str_if_different(root, "title", title);
    }
    changed |= put_optional(root, "severity", c.severity.as_deref());
    if let Some(status) = c.status {
        changed |= set_str_if_different(root, "status", status.as_str());
    }
    changed |= put_optional(root, "summary", c.summary.as_deref());
    changed |= put_list(root, "services", c.services.as_deref());
    changed |= put_list(root, "tags", c.tags.as_deref());
    if c.times().iter().any(|(_, v)| v.is_some()) {
        let times = sub_table(root, "times");
        let mut set = Vec::new();
        for (key, value) in c.times() {
            if put_time(times, key, value) {
                changed = true;
                if value.is_some_and(|v| !v.is_empty()) {
                    set.push(key.to_owned());
                }
            }
        }
        super::layout::drop_stale_notes_of_table(doc, "times", &set);
        tidy_inline(doc, "times");
    }
    let root = doc.as_table_mut();
    if c.impact.is_some() {
        let impact = sub_table(root, "impact");
        changed |= put_optional(impact, "text", c.impact.as_deref());
        tidy_inline(doc, "impact");
    }
    if let Some(people) = &c.people {
        changed |= put_people(doc, people);
    }
    changed
}

/// An inline table (`times = { … }`) spaced as toml_edit spaces one, after a key came or went.
fn tidy_inline(doc: &mut DocumentMut, key: &str) {
    if let Some(Item::Value(Value::InlineTable(t))) = doc.get_mut(key) {
        t.fmt();
    }
}

/// Optional text: set it, or remove the key when it is empty.
fn put_optional(t: &mut dyn TableLike, key: &str, value: Option<&str>) -> bool {
    match value {
        Some("") => t.remove(key).is_some(),
        Some(v) => set_str_if_different(t, key, v),
        None => false,
    }
}

fn put_list(t: &mut dyn TableLike, key: &str, value: Option<&[String]>) -> bool {
    let Some(value) = value else { return false };
    let now: Option<Vec<&str>> = t
        .get(key)
        .and_then(Item::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect());
    if now.as_deref() == Some(&value.iter().map(String::as_str).collect::<Vec<_>>()[..]) {
        return false;
    }
    if value.is_empty() {
        return t.remove(key).is_some();
    }
    let array: Array = value.iter().map(String::as_str).collect();
    set_value(t, key, Value::Array(array));
    true
}

fn put_time(t: &mut dyn TableLike, key: &str, value: Option<&str>) -> bool {
    match value {
        Some("") => t.remove(key).is_some(),
        Some(text) => {
            let Ok(at) = text.parse::<toml_edit::Datetime>() else {
                return false;
            };
            let same = t
                .get(key)
                .and_then(Item::as_value)
                .is_some_and(|v| v.as_datetime() == Some(&at));
            if !same {
                set_value(t, key, Value::Datetime(toml_edit::Formatted::new(at)));
            }
            !same
        }
        None => false,
    }
}

/// The table `key` of the root, as written (`[times]`, or inline: `times = { … }`), or made
/// when it is missing (or is not a table, which the loader reports).
fn sub_table<'t>(root: &'t mut Table, key: &str) -> &'t mut dyn TableLike {
    let is_table = matches!(
        root.get(key),
        Some(Item::Table(_) | Item::Value(Value::InlineTable(_)))
    );
    if !is_table {
        let mut table = Table::new();
        table.decor_mut().set_prefix("\n");
        root.insert(key, Item::Table(table));
    }
    match root.get_mut(key).and_then(Item::as_table_like_mut) {
        Some(t) => t,
        // A table of either kind is there: found above, or inserted just now.
        None => unreachable!("the table was just inserted"),
    }
}

/// `[[people]]` made to hold `people`, in their order for new ones: a person who stays keeps
/// their table (comments, `team`), with name and role set or removed; one who is gone is
/// removed.
fn put_people(doc: &mut DocumentMut, people: &[PersonDetail]) -> bool {
    let handle_of = |t: &Table| t.get("handle").and_then(Item::as_str).map(str::to_owned);
    let current: Vec<String> = match doc.get("people") {
        Some(Item::ArrayOfTables(aot)) => aot.iter().filter_map(handle_of).collect(),
        Some(_) | None => Vec::new(),
    };
    let mut changed = false;
    if !matches!(doc.get("people"), Some(Item::ArrayOfTables(_))) {
        if people.is_empty() {
            return doc.remove("people").is_some();
        }
        doc.remove("people");
        doc.insert("people", Item::ArrayOfTables(ArrayOfTables::new()));
        changed = true;
    }
    let Some(Item::ArrayOfTables(aot)) = doc.get_mut("people") else {
        return changed;
    };
    // Those gone, from the end so the indexes stay right.
    for (i, handle) in current.iter().enumerate().rev() {
        if !people.iter().any(|p| &p.handle == handle) {
            aot.remove(i);
            changed = true;
        }
    }
    for person in people {
        let existing = aot
            .iter_mut()
            .find(|t| t.get("handle").and_then(Item::as_str) == Some(person.handle.as_str()));
        match existing {
            Some(t) => {
                changed |= put_optional(t, "name", Some(person.name.as_deref().unwrap_or("")));
                changed |= put_optional(t, "role", Some(person.role.as_deref().unwrap_or("")));
            }
            None => {
                let mut t = Table::new();
                t.insert("handle", Item::Value(Value::from(person.handle.as_str())));
                if let Some(name) = person.name.as_deref().filter(|n| !n.is_empty()) {
                    t.insert("name", Item::Value(Value::from(name)));
                }
                if let Some(role) = person.role.as_deref().filter(|r| !r.is_empty()) {
                    t.insert("role", Item::Value(Value::from(role)));
                }
                if let Some(column) = aot
                    .iter()
                    .last()
                    .and_then(|t| super::layout::aligned_column(t))
                {
                    super::layout::align(&mut t, column);
                }
                t.decor_mut().set_prefix("\n");
                aot.push(t);
                changed = true;
            }
        }
    }
    if aot.is_empty() {
        doc.remove("people");
    }
    changed
}
