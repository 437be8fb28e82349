//! A TOML document cut down to a few keys, for reading some facts of a file without building
//! the whole tree.
//!
//! The file is lexed and walked as a stream of events by toml's own parser; of the table
//! headers and key/value pairs, only those on a wanted path are kept, as written (the key, the
//! `=`, the value, comments inside a multi-line value). What comes out is still TOML with the
//! same structure for the kept keys, so it deserializes with the same types as the whole file
//! would, at a fraction of the cost: an incident.toml is mostly timeline text, and none of it
//! is copied.

use std::borrow::Cow;

use toml_parser::decoder::Encoding;
use toml_parser::parser::EventReceiver;
use toml_parser::{ErrorSink, ParseError, Raw, Source, Span};

/// `text` with the table headers and key/value pairs whose path (the table's path, then the
/// dotted key, array positions left out) is a wanted path or leads to one, e.g.
/// `times = { started = … }` for `["times", "started"]`. `None` when the structure of `text`
/// is not TOML; values are not decoded here, so a broken value that is kept fails where the
/// result is parsed.
pub fn keep(text: &str, wanted: &[&[&str]]) -> Option<String> {
    let source = Source::new(text);
    let tokens = source.lex().into_vec();
    let mut reducer = Reducer {
        text,
        wanted,
        out: String::with_capacity(text.len() / 8),
        table: Vec::new(),
        in_header: false,
        header_start: 0,
        keys: Vec::new(),
        key_start: 0,
        value: None,
        depth: 0,
    };
    let mut failed = Failed(false);
    toml_parser::parser::parse_document(&tokens, &mut reducer, &mut failed);
    (!failed.0).then_some(reducer.out)
}

struct Failed(bool);

impl ErrorSink for Failed {
    fn report_error(&mut self, _error: ParseError) {
        self.0 = true;
    }
}

struct Reducer<'a> {
    text: &'a str,
    wanted: &'a [&'a [&'a str]],
    out: String,
    /// The path of the current table header.
    table: Vec<Cow<'a, str>>,
    in_header: bool,
    header_start: usize,
    /// The dotted key of the pair being read.
    keys: Vec<Cow<'a, str>>,
    key_start: usize,
    /// After the `=` of a pair: whether it is kept.
    value: Option<bool>,
    /// Arrays and inline tables open inside the current value.
    depth: usize,
}

impl<'a> Reducer<'a> {
    fn key(&self, span: Span, encoding: Option<Encoding>) -> Cow<'a, str> {
        let raw = Raw::new_unchecked(&self.text[span.start()..span.end()], encoding, span);
        let mut key = Cow::Borrowed("");
        raw.decode_key(&mut key, &mut ());
        key
    }

    fn kept(&self) -> bool {
        let path = || self.table.iter().chain(&self.keys).map(|k| k.as_ref());
        let len = self.table.len() + self.keys.len();
        self.wanted.iter().any(|w| {
            let n = len.min(w.len());
            path().take(n).eq(w.iter().take(n).copied())
        })
    }

    /// The value that ends at `end` is complete.
    fn value_end(&mut self, end: usize) {
        if self.value == Some(true) {
            self.out.push_str(&self.text[self.key_start..end]);
            self.out.push('\n');
        }
        self.value = None;
        self.keys.clear();
    }
}

impl<'a> EventReceiver for Reducer<'a> {
    fn std_table_open(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        self.in_header = true;
        self.header_start = span.start();
        self.table.clear();
    }

    fn std_table_close(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        self.in_header = false;
        if self.kept() {
            self.out.push_str(&self.text[self.header_start..span.end()]);
            self.out.push('\n');
        }
    }

    fn array_table_open(&mut self, span: Span, error: &mut dyn ErrorSink) {
        self.std_table_open(span, error);
    }

    fn array_table_close(&mut self, span: Span, error: &mut dyn ErrorSink) {
        self.std_table_close(span, error);
    }

    // Arrays and inline tables alike are one value, however deep.
    fn inline_table_open(&mut self, _span: Span, _error: &mut dyn ErrorSink) -> bool {
        self.depth += 1;
        true
    }

    fn inline_table_close(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        self.depth = self.depth.saturating_sub(1);
        if self.depth == 0 {
            self.value_end(span.end());
        }
    }

    fn array_open(&mut self, span: Span, error: &mut dyn ErrorSink) -> bool {
        self.inline_table_open(span, error)
    }

    fn array_close(&mut self, span: Span, error: &mut dyn ErrorSink) {
        self.inline_table_close(span, error);
    }

    fn simple_key(&mut self, span: Span, encoding: Option<Encoding>, _error: &mut dyn ErrorSink) {
        if self.in_header {
            let key = self.key(span, encoding);
            self.table.push(key);
        } else if self.depth == 0 && self.value.is_none() {
            if self.keys.is_empty() {
                self.key_start = span.start();
            }
            let key = self.key(span, encoding);
            self.keys.push(key);
        }
    }

    fn key_val_sep(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        if self.depth == 0 && !self.in_header {
            self.value = Some(self.kept());
        }
    }

    fn scalar(&mut self, span: Span, _encoding: Option<Encoding>, _error: &mut dyn ErrorSink) {
        if self.depth == 0 && self.value.is_some() {
            self.value_end(span.end());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::keep;

    const WANTED: &[&[&str]] = &[&["title"], &["times", "started"], &["factors", "category"]];

    #[test]
    fn keeps_headers_and_wanted_pairs_as_written() {
        let text = r#"
# a comment
title = "Checkout \"down\"" # trailing
summary = """
[[factors]]
category = "fake"
"""
[times]
started = 2026-11-01T10:00:00Z
resolved = 2026-11-01T11:00:00Z

[[timeline]]
at = "10:00"
text = "x"

[[factors]]
id = "f1"
'category' = "process"
votes = { a = 1 }
"#;
        assert_eq!(
            keep(text, WANTED).unwrap(),
            "title = \"Checkout \\\"down\\\"\"\n[times]\nstarted = 2026-11-01T10:00:00Z\n\
             [[factors]]\n'category' = \"process\"\n"
        );
    }

    #[test]
    fn keeps_inline_tables_dotted_keys_and_arrays_that_lead_to_a_wanted_key() {
        let text = "title = 'x'\ntimes = { started = 2026-11-01T10:00:00Z, resolved = 1 }\n\
                    factors = [\n  { id = 'a', category = 'technical' },\n]\nother.times = 1\n";
        assert_eq!(
            keep(text, WANTED).unwrap(),
            "title = 'x'\ntimes = { started = 2026-11-01T10:00:00Z, resolved = 1 }\n\
             factors = [\n  { id = 'a', category = 'technical' },\n]\n"
        );
        let dotted = "times.started = 2026-11-01T10:00:00Z\ntimes.resolved = 1\n";
        assert_eq!(
            keep(dotted, WANTED).unwrap(),
            "times.started = 2026-11-01T10:00:00Z\n"
        );
    }

    proptest::proptest! {
        /// Any text, TOML or not, gives an answer without a panic, and keeps no more than it has.
        #[test]
        fn never_panics(text in "(title|times|started|factors|category|\\[|\\]|=|\"|'|\\{|\\}|,|\\.|\n|#| |x|1|é){0,80}") {
            if let Some(kept) = keep(&text, WANTED) {
                proptest::prop_assert!(kept.len() <= text.len() + text.matches('\n').count() + 1);
            }
        }
    }

    #[test]
    fn broken_toml_is_none() {
        assert_eq!(keep("title = \n[[x", WANTED), None);
        // Values are not decoded here: a broken one that is kept fails where it is parsed.
        let kept = keep("title = \"open", WANTED).unwrap();
        assert!(toml::from_str::<toml::Table>(&kept).is_err());
    }
}
