//! How what the meeting adds is laid out in `incident.toml`, so that it reads like what people
//! wrote around it: keys aligned like the neighbouring table's (`id       = …` under `id
//! = …`), and a list of lessons one item a line once it no longer fits on one.

use toml_edit::{Array, DocumentMut, Item, TableLike};

/// A list written on one line is broken into one item a line past this many characters.
const LINE: usize = 100;

/// The column a table's `=` signs share when its keys are aligned: every key padded to the
/// same width, and at least two of them of different lengths (or all padded past one space).
/// `None` when they are not aligned.
pub fn aligned_column(t: &dyn TableLike) -> Option<usize> {
    let widths: Vec<(usize, usize)> = t
        .iter()
        .filter(|(_, item)| item.is_value())
        .filter_map(|(name, _)| {
            let key = t.key(name)?;
            let len = key.display_repr().chars().count();
            let pad = key
                .leaf_decor()
                .suffix()
                .map_or(Some(1), |s| s.as_str().map(|s| s.chars().count()))?;
            Some((len, len + pad))
        })
        .collect();
    let (&(first_len, column), rest) = widths.split_first()?;
    let same = rest.iter().all(|(_, c)| *c == column);
    let padded = column > first_len + 1 || rest.iter().any(|(len, _)| *len != first_len);
    (same && padded && !rest.is_empty()).then_some(column)
}

/// Pads the keys of `t` so that their `=` signs stand in `column`, or one space after the
/// longest key when that is further right.
pub fn align(t: &mut dyn TableLike, column: usize) {
    let names: Vec<String> = t
        .iter()
        .filter(|(_, item)| item.is_value())
        .map(|(name, _)| name.to_owned())
        .collect();
    let len = |t: &dyn TableLike, name: &str| {
        t.key(name)
            .map_or(name.chars().count(), |k| k.display_repr().chars().count())
    };
    let column = names
        .iter()
        .map(|n| len(&*t, n) + 1)
        .max()
        .unwrap_or(0)
        .max(column);
    for name in names {
        let pad = column - len(&*t, &name);
        if let Some(mut key) = t.key_mut(&name) {
            key.leaf_decor_mut().set_suffix(" ".repeat(pad));
        }
    }
}

/// Pads one key, new in a table whose other keys are aligned, to their column.
pub fn align_new_key(t: &mut dyn TableLike, name: &str) {
    let Some(column) = aligned_column_without(t, name) else {
        return;
    };
    let len = t
        .key(name)
        .map_or(name.chars().count(), |k| k.display_repr().chars().count());
    if len < column
        && let Some(mut key) = t.key_mut(name)
    {
        key.leaf_decor_mut().set_suffix(" ".repeat(column - len));
    }
}

/// [`aligned_column`] of `t` as it was before `name` was added.
fn aligned_column_without(t: &dyn TableLike, name: &str) -> Option<usize> {
    let mut others = toml_edit::Table::new();
    for (key, item) in t.iter().filter(|(k, i)| *k != name && i.is_value()) {
        if let Some(k) = t.key(key) {
            others.insert_formatted(k, item.clone());
        }
    }
    aligned_column(&others)
}

/// Writes `list` one item a line, indented by four spaces, when on one line it would be
/// longer than [`LINE`] (with its key, `key = [`) and it is not laid out that way already.
pub fn one_item_a_line_when_long(key: &str, list: &mut Array) {
    let one_line = key.len() + 4 + list.to_string().trim().chars().count();
    let already = list.iter().any(|v| {
        v.decor()
            .prefix()
            .and_then(|p| p.as_str())
            .is_some_and(|p| p.contains('\n'))
    });
    if already || one_line <= LINE {
        return;
    }
    for v in list.iter_mut() {
        v.decor_mut().set_prefix("\n    ");
        v.decor_mut().set_suffix("");
    }
    list.set_trailing_comma(true);
    list.set_trailing("\n");
}

/// Whether a comment line is a note about `key` that a value now answers: `# owner: nobody
/// volunteered`, `# owner = "handle"` (a key left commented out), in any case.
fn notes_key(line: &str, key: &str) -> bool {
    let Some(text) = line.trim_start().strip_prefix('#') else {
        return false;
    };
    let text = text.trim_start();
    text.get(..key.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(key))
        && text[key.len()..].trim_start().starts_with([':', '='])
}

/// `text` (a run of comment and blank lines) without the notes about any of `keys`; `None`
/// when there are none.
pub fn without_notes(text: &str, keys: &[String]) -> Option<String> {
    let stale = |line: &str| keys.iter().any(|k| notes_key(line, k));
    if !text.lines().any(stale) {
        return None;
    }
    let mut kept: String = text
        .split_inclusive('\n')
        .filter(|line| !stale(line))
        .collect();
    if text.ends_with('\n') && !kept.is_empty() && !kept.ends_with('\n') {
        kept.push('\n');
    }
    Some(kept)
}

/// Takes out the comment lines that were notes about the keys just `added` to element `n` of
/// the array of tables `list` (see [`without_notes`]): once the meeting sets `owner`,
/// `# owner: nobody volunteered` is no longer true, and a reader would take it for the new
/// value's comment. Notes sit between the element's keys, or after them: in the prefix of the
/// next element, or at the end of the file.
pub fn drop_stale_notes(doc: &mut DocumentMut, list: &str, n: usize, added: &[String]) {
    if added.is_empty() {
        return;
    }
    let last_item = doc.iter().last().map(|(k, _)| k.to_owned());
    let Some(aot) = doc.get_mut(list).and_then(Item::as_array_of_tables_mut) else {
        return;
    };
    if let Some(t) = aot.get_mut(n) {
        drop_notes_between_keys(t, added);
    }
    let fix = |text: Option<&str>| text.and_then(|p| without_notes(p, added));
    if let Some(next) = aot.get_mut(n + 1) {
        let decor = next.decor_mut();
        if let Some(kept) = fix(decor.prefix().and_then(|p| p.as_str())) {
            decor.set_prefix(kept);
        }
    } else if n + 1 == aot.len()
        && last_item.as_deref() == Some(list)
        && let Some(kept) = fix(doc.trailing().as_str())
    {
        doc.set_trailing(kept);
    }
}

/// Takes out the notes about `added` keys of the table `key` (`[times]`), which sit between its
/// keys or after them: in the prefix of the table that comes next in the file, or at its end.
/// A template's `# started = 2026-…` example is no longer true once `started` is set.
pub fn drop_stale_notes_of_table(doc: &mut DocumentMut, key: &str, added: &[String]) {
    if added.is_empty() {
        return;
    }
    let Some(position) = doc
        .get(key)
        .and_then(Item::as_table)
        .and_then(toml_edit::Table::position)
    else {
        return;
    };
    if let Some(t) = doc.get_mut(key).and_then(Item::as_table_like_mut) {
        drop_notes_between_keys(t, added);
    }
    // The header that follows in the file: a table, or the first of a list of tables.
    let next = doc
        .iter()
        .filter_map(|(k, item)| {
            let at = match item {
                Item::Table(t) => t.position(),
                Item::ArrayOfTables(a) => a.iter().next().and_then(toml_edit::Table::position),
                _ => None,
            }?;
            (at > position).then(|| (at, k.to_owned()))
        })
        .min();
    let fix = |text: Option<&str>| text.and_then(|p| without_notes(p, added));
    match next {
        Some((_, next)) => {
            let decor = match doc.get_mut(&next) {
                Some(Item::Table(t)) => Some(t.decor_mut()),
                Some(Item::ArrayOfTables(a)) => a.get_mut(0).map(toml_edit::Table::decor_mut),
                _ => None,
            };
            if let Some(decor) = decor
                && let Some(kept) = fix(decor.prefix().and_then(|p| p.as_str()))
            {
                decor.set_prefix(kept);
            }
        }
        None => {
            if let Some(kept) = fix(doc.trailing().as_str()) {
                doc.set_trailing(kept);
            }
        }
    }
}

fn drop_notes_between_keys(t: &mut dyn TableLike, added: &[String]) {
    let names: Vec<String> = t.iter().map(|(k, _)| k.to_owned()).collect();
    for name in names {
        if let Some(mut key) = t.key_mut(&name) {
            let decor = key.leaf_decor_mut();
            let prefix = decor.prefix().and_then(|p| p.as_str()).map(str::to_owned);
            if let Some(kept) = prefix.and_then(|p| without_notes(&p, added)) {
                decor.set_prefix(kept);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use toml_edit::{DocumentMut, Item};

    fn table<'a>(doc: &'a DocumentMut, key: &str) -> &'a dyn TableLike {
        doc.get(key).and_then(Item::as_table_like).unwrap()
    }

    #[test]
    fn an_aligned_table_is_seen_as_aligned() {
        let doc: DocumentMut =
            "[a]\nid       = 1\npriority = 2\n[b]\nid = 1\npriority = 2\n[c]\nid   = 1\n"
                .parse()
                .unwrap();
        assert_eq!(aligned_column(table(&doc, "a")), Some(9));
        assert_eq!(aligned_column(table(&doc, "b")), None);
        // One key: nothing to be aligned with.
        assert_eq!(aligned_column(table(&doc, "c")), None);
    }

    #[test]
    fn new_keys_take_the_column() {
        let mut doc: DocumentMut = "[a]\nid    = 1\nowner = 2\n".parse().unwrap();
        let t = doc.get_mut("a").and_then(Item::as_table_like_mut).unwrap();
        t.insert("due", Item::Value(3.into()));
        align_new_key(t, "due");
        assert_eq!(doc.to_string(), "[a]\nid    = 1\nowner = 2\ndue   = 3\n");
        let mut doc: DocumentMut = "[a]\nx = 1\n".parse().unwrap();
        let t = doc.get_mut("a").and_then(Item::as_table_like_mut).unwrap();
        t.insert("status", Item::Value(3.into()));
        align(t, 4);
        assert_eq!(doc.to_string(), "[a]\nx      = 1\nstatus = 3\n");
    }

    #[test]
    fn a_long_list_is_broken_into_lines_once() {
        let mut doc: DocumentMut = "went_well = [\"short\"]\n".parse().unwrap();
        let list = doc
            .get_mut("went_well")
            .and_then(Item::as_array_mut)
            .unwrap();
        one_item_a_line_when_long("went_well", list);
        assert_eq!(doc.to_string(), "went_well = [\"short\"]\n");
        let list = doc
            .get_mut("went_well")
            .and_then(Item::as_array_mut)
            .unwrap();
        list.push("The rollback path was documented after all, in a place nobody looked");
        list.push("Paging worked");
        one_item_a_line_when_long("went_well", list);
        assert_eq!(
            doc.to_string(),
            "went_well = [\n    \"short\",\n    \"The rollback path was documented after all, in a place nobody looked\",\n    \"Paging worked\",\n]\n"
        );
    }
}
