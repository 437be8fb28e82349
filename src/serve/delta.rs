//! Compact changes between two states of the meeting, for screens that have the first.
//!
//! A state is sent whole when a screen connects. After that, a screen that has the previous
//! state gets only what changed: with 300 screens and a list of a thousand items, one new
//! item is a few hundred bytes instead of the whole list. A change is JSON, one node per
//! value, in one of these forms:
//!
//! - `{"=": v}`: the value is now `v`;
//! - `{"{": {key: node, ...}, "-": [key, ...]}`: an object whose listed keys changed (each by
//!   its node) and whose keys in `"-"` are gone (`"-"` only when some are);
//! - `{"[": [element, ...]}`: a list of objects with unique `"id"`s, now these elements in this
//!   order, each either the id of an item that is as it was, `{"=": item}` for a new item, or
//!   `{"@": id, "{": ..., "-": ...}` for an item that changed.
//!
//! Other lists that changed are sent whole. The event is `change`, with `base` (the `key` of
//! the state it applies to), `key` (the state it makes) and `change` (the root node).
//! `apply` in `pages/meeting.js` reads this format; [`apply`] here is its twin, for tests.

use serde_json::{Map, Value, json};

/// The change from `old` to `new`, or `None` when they are equal. Each value is compared
/// once: objects and lists by their parts.
pub fn diff(old: &Value, new: &Value) -> Option<Value> {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => object_diff(a, b).map(Value::Object),
        (Value::Array(a), Value::Array(b)) => match (ids(a), ids(b)) {
            (Some(old_ids), Some(new_ids)) => {
                let old_at: std::collections::HashMap<&str, usize> =
                    old_ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
                let mut changed = old_ids.len() != new_ids.len();
                let elements: Vec<Value> = b
                    .iter()
                    .zip(&new_ids)
                    .enumerate()
                    .map(|(at, (item, id))| {
                        let before = old_at.get(id).map(|&i| {
                            changed |= i != at;
                            &a[i]
                        });
                        let node = match (before, item) {
                            (Some(Value::Object(before)), Value::Object(after)) => {
                                match object_diff(before, after) {
                                    None => return json!(id),
                                    Some(mut node) => {
                                        node.insert("@".into(), json!(id));
                                        Value::Object(node)
                                    }
                                }
                            }
                            _ => json!({ "=": item }),
                        };
                        changed = true;
                        node
                    })
                    .collect();
                changed.then(|| json!({ "[": elements }))
            }
            _ => (a != b).then(|| json!({ "=": new })),
        },
        _ => (old != new).then(|| json!({ "=": new })),
    }
}

/// The node for an object: the keys that changed, and those that are gone; `None` when
/// nothing did.
fn object_diff(a: &Map<String, Value>, b: &Map<String, Value>) -> Option<Map<String, Value>> {
    let changed: Map<String, Value> = b
        .iter()
        .filter_map(|(k, v)| match a.get(k) {
            Some(old) => diff(old, v).map(|node| (k.clone(), node)),
            None => Some((k.clone(), json!({ "=": v }))),
        })
        .collect();
    let gone: Vec<&String> = a.keys().filter(|k| !b.contains_key(*k)).collect();
    if changed.is_empty() && gone.is_empty() {
        return None;
    }
    let mut node = Map::new();
    node.insert("{".into(), Value::Object(changed));
    if !gone.is_empty() {
        node.insert("-".into(), json!(gone));
    }
    Some(node)
}

/// The ids of a list whose items are all objects with distinct string ids.
fn ids(list: &[Value]) -> Option<Vec<&str>> {
    let ids: Vec<&str> = list
        .iter()
        .map(|item| item.get("id")?.as_str())
        .collect::<Option<_>>()?;
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    (sorted.len() == ids.len()).then_some(ids)
}

/// `old` with the change `node` made to it: what a screen does with a change.
pub fn apply(old: &Value, node: &Value) -> Value {
    if let Some(value) = node.get("=") {
        return value.clone();
    }
    if let Some(elements) = node.get("[").and_then(Value::as_array) {
        let before = |id: &str| {
            old.as_array()
                .into_iter()
                .flatten()
                .find(|item| item.get("id").and_then(Value::as_str) == Some(id))
                .cloned()
                .unwrap_or(Value::Null)
        };
        return Value::Array(
            elements
                .iter()
                .map(|e| match e {
                    Value::String(id) => before(id),
                    _ => match e.get("@").and_then(Value::as_str) {
                        Some(id) => apply(&before(id), e),
                        None => apply(&Value::Null, e),
                    },
                })
                .collect(),
        );
    }
    let mut out = old.as_object().cloned().unwrap_or_default();
    if let Some(changed) = node.get("{").and_then(Value::as_object) {
        for (k, child) in changed {
            let value = apply(out.get(k).unwrap_or(&Value::Null), child);
            out.insert(k.clone(), value);
        }
    }
    for k in node
        .get("-")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(k) = k.as_str() {
            out.remove(k);
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_new_item_costs_the_item_and_the_ids() {
        let items: Vec<Value> = (0..500)
            .map(|i| json!({ "id": format!("t-{i}"), "text": "x".repeat(200) }))
            .collect();
        let old = json!({ "incident": { "timeline": items }, "revision": 1 });
        let mut new = old.clone();
        new["revision"] = json!(2);
        new["incident"]["timeline"]
            .as_array_mut()
            .unwrap()
            .insert(7, json!({ "id": "t-new", "text": "a new one" }));
        new["incident"]["timeline"][100]["text"] = json!("edited");
        let change = diff(&old, &new).unwrap();
        assert_eq!(apply(&old, &change), new);
        let (whole, small) = (new.to_string().len(), change.to_string().len());
        assert!(small * 10 < whole, "{small} bytes for a {whole}-byte state");
    }

    #[test]
    fn keys_that_go_are_removed_and_equal_states_have_no_change() {
        let old = json!({ "join": "/join/x", "phase": "timeline" });
        let new = json!({ "phase": "vote" });
        let change = diff(&old, &new).unwrap();
        assert_eq!(
            change,
            json!({ "{": { "phase": { "=": "vote" } }, "-": ["join"] })
        );
        assert_eq!(apply(&old, &change), new);
        assert_eq!(diff(&new, &new), None);
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (0..5i64).prop_map(Value::from),
            "[a-c]{0,2}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
                // Lists of items with ids, as the meeting's lists are (ids may repeat: then
                // the list is sent whole).
                prop::collection::vec(("[a-e]", inner.clone()), 0..6).prop_map(|items| {
                    Value::from(
                        items
                            .into_iter()
                            .map(|(id, v)| json!({ "id": id, "v": v }))
                            .collect::<Vec<_>>(),
                    )
                }),
                prop::collection::btree_map("[a-d]", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn applying_the_change_gives_the_new_state(old in value(), new in value()) {
            match diff(&old, &new) {
                Some(change) => prop_assert_eq!(apply(&old, &change), new),
                None => prop_assert_eq!(old, new),
            }
        }
    }
}
