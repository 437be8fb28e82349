//! Parsing a TOML file into a typed value, reporting every error with its span.
//!
//! serde stops at the first error, which makes fixing a file a slow loop of one error per run.
//! Here a file that fails to deserialize is tried again piece by piece: each top-level key, each
//! entry of an array of tables, and each key of such an entry on its own. Every piece that fails
//! on its own gives one diagnostic, so a file with five mistakes in five places reports five.
//! The pieces are cut from the spanned tree of the original text, so every span stays exact.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeArray, DeString, DeTable, DeValue, Deserializer};

use crate::diagnostics::Diagnostic;

/// Parses `text` as a `T`, returning the value or every problem found.
pub fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, Vec<Diagnostic>> {
    let (root, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        return Err(syntax.iter().map(|e| syntax_error(path, text, e)).collect());
    }
    match T::deserialize(Deserializer::from(root.clone())) {
        Ok(value) => Ok(value),
        Err(first) => {
            let mut errors = Splitter {
                sentinel: text.len() + 1,
            }
            .errors::<T>(&root);
            if errors.is_empty() {
                // Splitting found nothing more specific; report what serde said about the whole.
                errors.push(first);
            }
            let mut diagnostics: Vec<Diagnostic> =
                errors.iter().map(|e| schema_error(path, text, e)).collect();
            diagnostics.dedup();
            Err(diagnostics)
        }
    }
}

/// Spans of every value in a document, by path (`timeline[3].text`).
#[derive(Debug, Default)]
pub struct SpanMap {
    values: HashMap<String, Range<usize>>,
}

impl SpanMap {
    /// Builds the map; a document that does not parse gives an empty map.
    pub fn build(text: &str) -> SpanMap {
        let mut map = SpanMap::default();
        if let Ok(root) = DeTable::parse(text) {
            map.walk_table(String::new(), root.get_ref());
        }
        map
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

/// Cuts a document into pieces and deserializes each alone.
struct Splitter {
    /// A span no real value has; it marks the synthetic tables built here, so that "missing key"
    /// errors about a cut-down table can be told from real ones.
    sentinel: usize,
}

impl Splitter {
    fn errors<'i, T: DeserializeOwned>(&self, root: &Spanned<DeTable<'i>>) -> Vec<toml::de::Error> {
        let mut errors = Vec::new();
        let mut good = DeTable::new();
        for (key, value) in root.get_ref().iter() {
            let before = errors.len();
            match value.get_ref() {
                DeValue::Array(items) if is_array_of_tables(items) => {
                    for item in items.iter() {
                        let wrap = |entry: Spanned<DeValue<'i>>| {
                            let mut array = DeArray::new();
                            array.push(entry);
                            self.doc(key, Spanned::new(value.span(), DeValue::Array(array)))
                        };
                        self.check_table::<T>(item, &wrap, &mut errors);
                    }
                }
                DeValue::Table(_) => {
                    self.check_table::<T>(value, &|entry| self.doc(key, entry), &mut errors);
                }
                _ => self.check::<T>(self.doc(key, value.clone()), &mut errors),
            }
            if errors.len() == before {
                good.insert(key.clone(), value.clone());
            }
        }
        // What is left is missing required keys at the top level, which only the whole shows.
        let whole = Spanned::new(root.span(), good);
        if let Err(e) = T::deserialize(Deserializer::from(whole)) {
            errors.push(e);
        }
        errors
    }

    /// Checks one table (a top-level table or an entry of an array of tables) key by key.
    fn check_table<'i, T: DeserializeOwned>(
        &self,
        entry: &Spanned<DeValue<'i>>,
        wrap: &dyn Fn(Spanned<DeValue<'i>>) -> Spanned<DeTable<'i>>,
        errors: &mut Vec<toml::de::Error>,
    ) {
        let before = errors.len();
        if self.try_doc::<T>(wrap(entry.clone())).is_none() {
            return;
        }
        let DeValue::Table(table) = entry.get_ref() else {
            self.check::<T>(wrap(entry.clone()), errors);
            return;
        };
        let mut good = DeTable::new();
        let mut failed = Vec::new();
        for (k, v) in table.iter() {
            let mut single = DeTable::new();
            single.insert(k.clone(), v.clone());
            let alone = Spanned::new(self.fake(), DeValue::Table(single));
            let n = errors.len();
            self.check::<T>(wrap(alone), errors);
            if errors.len() == n {
                good.insert(k.clone(), v.clone());
            } else {
                failed.push(format!("missing field `{}`", k.get_ref()));
            }
        }
        // Keys this entry lacks, reported at the entry itself; a key that is present but wrong
        // was reported above and is not also "missing".
        let rest = Spanned::new(entry.span(), DeValue::Table(good));
        if let Some(e) = self.try_doc::<T>(wrap(rest)) {
            if !failed.iter().any(|f| e.message().starts_with(f.as_str())) {
                errors.push(e);
            }
        }
        if errors.len() == before {
            // The entry fails as a whole although no key fails alone; report it as serde sees it.
            self.check::<T>(wrap(entry.clone()), errors);
        }
    }

    fn check<'i, T: DeserializeOwned>(
        &self,
        doc: Spanned<DeTable<'i>>,
        errors: &mut Vec<toml::de::Error>,
    ) {
        if let Some(e) = self.try_doc::<T>(doc) {
            errors.push(e);
        }
    }

    /// The error of a synthetic document, unless it only complains about what was cut away.
    fn try_doc<'i, T: DeserializeOwned>(
        &self,
        doc: Spanned<DeTable<'i>>,
    ) -> Option<toml::de::Error> {
        let e = T::deserialize(Deserializer::from(doc)).err()?;
        let cut_away = e.span().is_some_and(|s| s.start == self.sentinel)
            && e.message().starts_with("missing field");
        (!cut_away).then_some(e)
    }

    fn doc<'i>(
        &self,
        key: &Spanned<DeString<'i>>,
        value: Spanned<DeValue<'i>>,
    ) -> Spanned<DeTable<'i>> {
        let mut table = DeTable::new();
        table.insert(key.clone(), value);
        Spanned::new(self.fake(), table)
    }

    fn fake(&self) -> Range<usize> {
        self.sentinel..self.sentinel
    }
}

fn is_array_of_tables(items: &DeArray<'_>) -> bool {
    !items.is_empty() && items.iter().all(|v| v.get_ref().is_table())
}

fn syntax_error(path: &Path, text: &str, e: &toml::de::Error) -> Diagnostic {
    let message = first_line(e.message());
    Diagnostic::error("syntax", path, format!("invalid TOML: {message}"))
        .at(e.span().map(|s| widen(text, s)))
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
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.as_str())
}

fn short_label(message: &str) -> String {
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
