//! Parsing a TOML file into a typed value, reporting every error with its span.
//!
//! serde stops at the first error, which makes fixing a file a slow loop of one error per run.
//! Here a file that fails to deserialize is tried again piece by piece: each top-level key, each
//! entry of an array of tables, and each key of such an entry on its own. Every piece that fails
//! on its own gives one diagnostic, so a file with five mistakes in five places reports five.
//! The pieces are cut from the spanned tree of the original text, so every span stays exact.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::Path;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeArray, DeString, DeTable, DeValue, Deserializer};

use crate::diagnostics::Diagnostic;

/// What could be made of a file that does not deserialize as a whole.
#[derive(Debug)]
pub struct Partial<T> {
    /// Every problem found, located.
    pub errors: Vec<Diagnostic>,
    /// The file with its broken pieces left out, when that still makes a `T`. Validation runs on
    /// it, so one run reports broken references next to broken types.
    pub value: Option<T>,
    /// Ids of the array entries that were left out; references to them are not "missing".
    pub dropped_ids: HashSet<String>,
    /// For each array of tables, the file index of each entry that was kept.
    kept: HashMap<String, Vec<usize>>,
}

impl<T> Partial<T> {
    /// Translates a path in the partial value (`timeline[2].id`) to the file's (`timeline[3].id`).
    pub fn file_path(&self, path: &str) -> String {
        let Some((key, rest)) = path.split_once('[') else {
            return path.to_owned();
        };
        let Some((index, tail)) = rest.split_once(']') else {
            return path.to_owned();
        };
        match (self.kept.get(key), index.parse::<usize>()) {
            (Some(kept), Ok(i)) if i < kept.len() => format!("{key}[{}]{tail}", kept[i]),
            _ => path.to_owned(),
        }
    }
}

/// Parses `text` as a `T`, or says everything that is wrong with it.
pub fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, Partial<T>> {
    let (root, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        return Err(Partial {
            errors: syntax.iter().map(|e| syntax_error(path, text, e)).collect(),
            value: None,
            dropped_ids: HashSet::new(),
            kept: HashMap::new(),
        });
    }
    // The happy path consumes the tree; only a file with errors is parsed a second time.
    let first = match T::deserialize(Deserializer::from(root)) {
        Ok(value) => return Ok(value),
        Err(first) => first,
    };
    let (root, _) = DeTable::parse_recoverable(text);
    let mut split = Splitter {
        sentinel: text.len() + 1,
        errors: Vec::new(),
        dropped_ids: HashSet::new(),
        kept: HashMap::new(),
    };
    let pruned = split.prune::<T>(&root);
    let value = match T::deserialize(Deserializer::from(pruned)) {
        Ok(value) => Some(value),
        Err(e) => {
            // Required keys missing at the top level only show on the whole.
            split.errors.push(e);
            None
        }
    };
    if split.errors.is_empty() {
        // Splitting found nothing more specific; report what serde said about the whole.
        split.errors.push(first);
    }
    let mut errors: Vec<Diagnostic> = split
        .errors
        .iter()
        .map(|e| schema_error(path, text, e))
        .collect();
    errors.dedup();
    Err(Partial {
        errors,
        value,
        dropped_ids: split.dropped_ids,
        kept: split.kept,
    })
}

/// Spans of the values in a document, by path (`timeline[3].text`).
#[derive(Debug, Default)]
pub struct SpanMap {
    values: HashMap<String, Range<usize>>,
    /// The paths wanted, when not every one is: only tables and arrays on the way to one of
    /// them are walked.
    wanted: Option<Vec<String>>,
}

impl SpanMap {
    /// Builds the map; a document that does not parse gives an empty map.
    pub fn build(text: &str) -> SpanMap {
        SpanMap::walked(text, SpanMap::default())
    }

    /// A map that holds at least the paths `wanted` (and those on the way to them): a
    /// document of a thousand timeline entries with one finding about an action walks the
    /// actions alone.
    pub fn build_for<'w>(text: &str, wanted: impl IntoIterator<Item = &'w str>) -> SpanMap {
        let wanted = wanted.into_iter().map(str::to_owned).collect();
        SpanMap::walked(
            text,
            SpanMap {
                wanted: Some(wanted),
                ..SpanMap::default()
            },
        )
    }

    fn walked(text: &str, mut map: SpanMap) -> SpanMap {
        if let Ok(root) = DeTable::parse(text) {
            map.walk_table(String::new(), root.get_ref());
        }
        map
    }

    /// Whether a wanted path is `path` or lies inside it.
    fn leads_to_wanted(&self, path: &str) -> bool {
        self.wanted.as_ref().is_none_or(|wanted| {
            wanted.iter().any(|w| {
                w.strip_prefix(path)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
            })
        })
    }

    /// The span of the value at `path`.
    pub fn value(&self, path: &str) -> Option<Range<usize>> {
        self.values.get(path).cloned()
    }

    fn walk_table(&mut self, prefix: String, table: &DeTable<'_>) {
        for (key, value) in table.iter() {
            let path = if prefix.is_empty() {
                key.get_ref().to_string()
            } else {
                format!("{prefix}.{}", key.get_ref())
            };
            self.walk_value(path, value);
        }
    }

    fn walk_value(&mut self, path: String, value: &Spanned<DeValue<'_>>) {
        if !self.leads_to_wanted(&path) {
            return;
        }
        self.values.insert(path.clone(), value.span());
        match value.get_ref() {
            DeValue::Table(table) => self.walk_table(path, table),
            DeValue::Array(array) => {
                for (i, item) in array.iter().enumerate() {
                    self.walk_value(format!("{path}[{i}]"), item);
                }
            }
            _ => {}
        }
    }
}

/// Cuts a document into pieces, deserializes each alone, and keeps the pieces that work.
struct Splitter {
    /// A span no real value has; it marks the synthetic tables built here, so that errors about
    /// a cut-down table (such as its other keys being "missing") can be told from real ones.
    sentinel: usize,
    errors: Vec<toml::de::Error>,
    dropped_ids: HashSet<String>,
    kept: HashMap<String, Vec<usize>>,
}

impl Splitter {
    /// Records the error of every broken piece and returns the document without them.
    fn prune<'i, T: DeserializeOwned>(
        &mut self,
        root: &Spanned<DeTable<'i>>,
    ) -> Spanned<DeTable<'i>> {
        let sentinel = self.sentinel;
        let mut good = DeTable::new();
        for (key, value) in root.get_ref().iter() {
            match value.get_ref() {
                DeValue::Array(items) if is_array_of_tables(items) => {
                    let mut array = DeArray::new();
                    let mut kept = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        let wrap = |entry: Spanned<DeValue<'i>>| {
                            let mut one = DeArray::new();
                            one.push(entry);
                            synthetic(
                                sentinel,
                                key,
                                Spanned::new(value.span(), DeValue::Array(one)),
                            )
                        };
                        match self.prune_table::<T>(item, &wrap) {
                            Some(entry) => {
                                array.push(entry);
                                kept.push(i);
                            }
                            None => {
                                if let Some(id) =
                                    item.get_ref().get("id").and_then(|v| v.get_ref().as_str())
                                {
                                    self.dropped_ids.insert(id.to_owned());
                                }
                            }
                        }
                    }
                    self.kept.insert(key.get_ref().to_string(), kept);
                    good.insert(
                        key.clone(),
                        Spanned::new(value.span(), DeValue::Array(array)),
                    );
                }
                DeValue::Table(_) => {
                    let wrap = |entry| synthetic(sentinel, key, entry);
                    if let Some(entry) = self.prune_table::<T>(value, &wrap) {
                        good.insert(key.clone(), entry);
                    }
                }
                _ => {
                    if self.failed::<T>(synthetic(sentinel, key, value.clone())) {
                        continue;
                    }
                    good.insert(key.clone(), value.clone());
                }
            }
        }
        Spanned::new(root.span(), good)
    }

    /// Checks one table (a top-level table or an entry of an array of tables) key by key, and
    /// returns it without its broken keys, or `None` when what is left is still not valid.
    fn prune_table<'i, T: DeserializeOwned>(
        &mut self,
        entry: &Spanned<DeValue<'i>>,
        wrap: &dyn Fn(Spanned<DeValue<'i>>) -> Spanned<DeTable<'i>>,
    ) -> Option<Spanned<DeValue<'i>>> {
        let Some(whole) = self.error_of::<T>(wrap(entry.clone())) else {
            return Some(entry.clone());
        };
        let DeValue::Table(table) = entry.get_ref() else {
            self.errors.push(whole);
            return None;
        };
        if whole.span() == Some(entry.span()) && !whole.message().starts_with("missing field") {
            // The entry as a whole is wrong (say, a table where an array belongs).
            self.errors.push(whole);
            return None;
        }
        let before = self.errors.len();
        let mut good = DeTable::new();
        let mut failed = Vec::new();
        for (k, v) in table.iter() {
            let mut single = DeTable::new();
            single.insert(k.clone(), v.clone());
            let alone = Spanned::new(self.fake(), DeValue::Table(single));
            if self.failed::<T>(wrap(alone)) {
                failed.push(format!("missing field `{}`", k.get_ref()));
            } else {
                good.insert(k.clone(), v.clone());
            }
        }
        // Keys this entry lacks, reported at the entry itself; a key that is present but wrong
        // was reported above and is not also "missing".
        let rest = Spanned::new(entry.span(), DeValue::Table(good));
        match self.error_of::<T>(wrap(rest.clone())) {
            None => {
                if self.errors.len() == before {
                    self.errors.push(whole);
                    return None;
                }
                Some(rest)
            }
            Some(e) => {
                if !failed.iter().any(|f| e.message().starts_with(f.as_str())) {
                    self.errors.push(e);
                }
                if self.errors.len() == before {
                    self.errors.push(whole);
                }
                None
            }
        }
    }

    /// Records the error of a synthetic document, if it has one; says whether it did.
    fn failed<'i, T: DeserializeOwned>(&mut self, doc: Spanned<DeTable<'i>>) -> bool {
        match self.error_of::<T>(doc) {
            Some(e) => {
                self.errors.push(e);
                true
            }
            None => false,
        }
    }

    /// The error of a synthetic document, unless it only complains about the cut itself.
    fn error_of<'i, T: DeserializeOwned>(
        &self,
        doc: Spanned<DeTable<'i>>,
    ) -> Option<toml::de::Error> {
        let e = T::deserialize(Deserializer::from(doc)).err()?;
        let about_the_cut = e.span().is_some_and(|s| s.start == self.sentinel);
        (!about_the_cut).then_some(e)
    }

    fn fake(&self) -> Range<usize> {
        self.sentinel..self.sentinel
    }
}

/// A one-key document marked with the sentinel span.
fn synthetic<'i>(
    sentinel: usize,
    key: &Spanned<DeString<'i>>,
    value: Spanned<DeValue<'i>>,
) -> Spanned<DeTable<'i>> {
    let mut table = DeTable::new();
    table.insert(key.clone(), value);
    Spanned::new(sentinel..sentinel, table)
}

fn is_array_of_tables(items: &DeArray<'_>) -> bool {
    !items.is_empty() && items.iter().all(|v| v.get_ref().is_table())
}

fn syntax_error(path: &Path, text: &str, e: &toml::de::Error) -> Diagnostic {
    let message = first_line(e.message());
    // A span that runs onto the next line (an unclosed string or header) is shown at its start.
    let span = e.span().map(|s| {
        if text.get(s.clone()).is_some_and(|t| t.contains('\n')) {
            s.start..s.start
        } else {
            s
        }
    });
    Diagnostic::error("syntax", path, format!("invalid TOML: {message}"))
        .at(span.map(|s| widen(text, s)))
        .label(message)
}

/// Turns a serde error into a diagnostic with a friendly message and, where it helps, a hint.
fn schema_error(path: &Path, text: &str, e: &toml::de::Error) -> Diagnostic {
    let raw = first_line(e.message());
    let span = e
        .span()
        .filter(|s| s.start <= text.len())
        .map(|s| widen(text, s));
    if let Some((name, expected)) = parse_unknown(&raw, "unknown field `") {
        let mut d = Diagnostic::error("unknown-key", path, format!("unknown key `{name}`"))
            .at(span)
            .label("not a key of this table");
        d = match suggest(&name, &expected) {
            Some(best) => d.help(format!("did you mean `{best}`?")),
            None if expected.is_empty() => d.help("this table takes no keys"),
            None => d.help(format!("expected one of: {}", expected.join(", "))),
        };
        return d;
    }
    if let Some((name, expected)) = parse_unknown(&raw, "unknown variant `") {
        let mut d = Diagnostic::error("invalid-value", path, format!("unknown value `{name}`"))
            .at(span)
            .label("not one of the allowed values");
        d = match suggest(&name, &expected) {
            Some(best) => d.help(format!(
                "did you mean `{best}`? Allowed: {}",
                expected.join(", ")
            )),
            None => d.help(format!("allowed values: {}", expected.join(", "))),
        };
        return d;
    }
    if let Some(name) = raw
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        return Diagnostic::error(
            "missing-key",
            path,
            format!("missing required key `{name}`"),
        )
        .at(span)
        .label(format!("this table needs `{name}`"));
    }
    if raw.starts_with("invalid type") {
        let friendly = raw
            .replace("expected a sequence", "expected an array")
            .replace("expected a map", "expected a table")
            .replace("expected u32", "expected a whole number")
            .replace("expected u64", "expected a whole number")
            .replace("expected i16", "expected a year such as 2026")
            .replace("expected a boolean", "expected true or false");
        return Diagnostic::error("invalid-type", path, friendly.clone())
            .at(span)
            .label(short_label(&friendly));
    }
    Diagnostic::error("invalid-value", path, raw.clone())
        .at(span)
        .label(short_label(&raw))
}

/// Splits "unknown field `x`, expected one of `a`, `b`" into `x` and `[a, b]`.
fn parse_unknown(message: &str, prefix: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix(prefix)?;
    let (name, tail) = rest.split_once('`')?;
    let expected = tail
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    Some((name.to_owned(), expected))
}

/// The closest allowed word, when it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: &'a [String]) -> Option<&'a str> {
    let word = word.to_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(&word, &c.to_lowercase()), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.as_str())
}

fn short_label(message: &str) -> String {
    if message.starts_with("expected ") {
        return message
            .split(", found")
            .next()
            .unwrap_or(message)
            .to_owned();
    }
    match message.split_once(", expected ") {
        Some((_, expected)) => format!("expected {expected}"),
        None => message.to_owned(),
    }
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or("").trim().to_owned()
}

/// An empty span (a parser pointing between two characters) is widened to one character, so the
/// caret is visible.
fn widen(text: &str, span: Range<usize>) -> Range<usize> {
    if span.start == span.end && span.start < text.len() {
        let width = text[span.start..].chars().next().map_or(1, char::len_utf8);
        span.start..span.start + width
    } else {
        span
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// A map built for some paths gives those paths the spans the whole map gives, and
    /// leaves out what lies apart from them.
    #[test]
    fn a_map_for_some_paths_locates_them_as_the_whole_map_does() {
        let text = "title = \"t\"\n[times]\nstarted = 2026-11-03T10:00:00Z\n\
            [[timeline]]\nat = \"10:00\"\ntext = \"a\"\n\
            [[timeline]]\nat = \"10:05\"\ntext = \"b\"\n\
            [[actions]]\ntext = \"c\"\n[actions.links]\nticket = \"X-1\"\n";
        let whole = SpanMap::build(text);
        let wanted = [
            "actions[0].links.ticket",
            "timeline[1].at",
            "times",
            "nowhere.at.all",
        ];
        let some = SpanMap::build_for(text, wanted);
        for path in wanted {
            assert_eq!(some.value(path), whole.value(path), "{path}");
        }
        assert!(some.value("timeline[1].at").is_some());
        assert_eq!(
            some.value("timeline[0].text"),
            None,
            "apart from every wanted path"
        );
        assert_eq!(some.value("title"), None);
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // Fields are read by serde; the tests look at errors.
    struct Doc {
        title: String,
        #[serde(default)]
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        id: String,
        n: u32,
    }

    fn errors(text: &str) -> Vec<(String, String)> {
        parse::<Doc>(Path::new("t.toml"), text)
            .unwrap_err()
            .errors
            .into_iter()
            .map(|d| (d.message, text[d.span.unwrap()].to_owned()))
            .collect()
    }

    #[test]
    fn every_broken_entry_is_reported_at_its_place() {
        let text =
            "title = \"x\"\n[[items]]\nid = \"a\"\nn = \"one\"\n[[items]]\nid = \"b\"\nnn = 2\n";
        let found = errors(text);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found.contains(&(
            "invalid type: string \"one\", expected a whole number".into(),
            "\"one\"".into()
        )));
        assert!(
            found.contains(&("unknown key `nn`".into(), "nn".into())),
            "{found:?}"
        );
        assert!(
            found.iter().any(|(m, _)| m == "missing required key `n`"),
            "{found:?}"
        );
    }

    #[test]
    fn a_missing_top_level_key_is_reported_once() {
        let text = "[[items]]\nid = \"a\"\nn = 1\n";
        let found = errors(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "missing required key `title`");
    }

    #[test]
    fn spans_are_mapped_by_path() {
        let text = "title = \"x\"\n[[items]]\nid = \"a\"\nn = 1\n[[items]]\nid = \"b\"\nn = 2\n";
        let map = SpanMap::build(text);
        assert_eq!(&text[map.value("items[1].id").unwrap()], "\"b\"");
        assert_eq!(&text[map.value("title").unwrap()], "\"x\"");
    }

    #[test]
    fn typos_get_suggestions() {
        let keys: Vec<String> = ["severity", "summary", "status"].map(String::from).to_vec();
        assert_eq!(suggest("sevrity", &keys), Some("severity"));
        assert_eq!(suggest("zzz", &keys), None);
    }
}
