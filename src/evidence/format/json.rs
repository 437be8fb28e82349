//! Reading the few keys debrief uses from a JSON line, without building the object: the other
//! values are skipped (but still checked as JSON), and strings without escapes are borrowed.
//!
//! Most log lines are JSON of the plainest kind: one flat object of strings without escapes,
//! numbers and literals. Those are read here directly, in one pass over the bytes, for a
//! fraction of what a general decoder costs per line. Anything else (an escape, a nested value,
//! a number other than digits alone where a known key holds it, bytes that are not UTF-8, or
//! anything that is not JSON at all) is left to serde_json, which reads all of JSON and rejects
//! what is not. A property test holds the two to the same result.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::keys::{LEVEL_KEYS, MSG_KEYS, TIME_KEYS};
use crate::evidence::level::Level;
use crate::evidence::swar;
use crate::evidence::timestamp;

const KNOWN: usize = TIME_KEYS.len() + LEVEL_KEYS.len() + MSG_KEYS.len();

/// The value of a known key.
#[derive(Debug, PartialEq)]
enum Field<'a> {
    Text(Cow<'a, str>),
    /// The number, and whether it was written as an integer.
    Number(f64, bool),
    Other,
}

/// The values of [`TIME_KEYS`], then [`LEVEL_KEYS`], then [`MSG_KEYS`], by position. A key
/// given twice keeps its last value, as a decoded object would.
#[derive(Debug, PartialEq)]
pub(super) struct Known<'a>([Option<Field<'a>>; KNOWN]);

impl Default for Known<'_> {
    fn default() -> Self {
        Known(std::array::from_fn(|_| None))
    }
}

impl<'a> Known<'a> {
    /// Reads the values of the known keys of the JSON object `line`. They are written in
    /// place: the values are large, and passing them back by value was a tenth of reading
    /// a line (measured).
    pub(super) fn read(&mut self, line: &'a [u8]) -> serde_json::Result<()> {
        if self.read_plain(line).is_some() {
            return Ok(());
        }
        *self = Known::default();
        self.read_decoded(line)
    }

    /// [`Known::read`] by serde_json: all of JSON.
    fn read_decoded(&mut self, line: &'a [u8]) -> serde_json::Result<()> {
        let mut de = serde_json::Deserializer::from_slice(line);
        Fill(self).deserialize(&mut de)?;
        de.end()
    }

    /// [`Known::read`] for the plainest JSON (see the module's notes); `None` for anything
    /// else, which may have left values behind.
    fn read_plain(&mut self, line: &'a [u8]) -> Option<()> {
        // Checked once for the line, so each string is text where it is cut out.
        let text = std::str::from_utf8(line).ok()?;
        let mut p = Plain {
            text,
            b: line,
            i: 0,
        };
        p.ws();
        p.expect(b'{')?;
        p.ws();
        if p.peek() == Some(b'}') {
            p.i += 1;
        } else {
            loop {
                let key = key_index(p.string()?.as_bytes());
                p.ws();
                p.expect(b':')?;
                p.ws();
                let value = match p.peek()? {
                    b'"' => Field::Text(Cow::Borrowed(p.string()?)),
                    b't' => p.literal(b"true")?,
                    b'f' => p.literal(b"false")?,
                    b'n' => p.literal(b"null")?,
                    _ => {
                        let number = p.number()?;
                        match key {
                            // As serde_json reads it: digits alone that fit in a u64. Any other
                            // number a known key holds (a sign, a fraction, an exponent,
                            // overflow) is left to serde_json, whose rounding is the one to keep.
                            Some(_) => {
                                let n: u64 = std::str::from_utf8(number).ok()?.parse().ok()?;
                                Field::Number(n as f64, true)
                            }
                            None => Field::Other,
                        }
                    }
                };
                if let Some(k) = key {
                    self.0[k] = Some(value);
                }
                p.ws();
                match p.next()? {
                    b',' => p.ws(),
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        p.ws();
        (p.i == line.len()).then_some(())
    }

    fn values(&self, from: usize, len: usize) -> impl Iterator<Item = &Field<'a>> {
        self.0[from..from + len].iter().flatten()
    }

    /// The first time key, in [`TIME_KEYS`] order, whose value is a time.
    pub(super) fn time(&self) -> Option<super::When> {
        self.values(0, TIME_KEYS.len()).find_map(|v| match v {
            Field::Text(s) => timestamp::any_text(s.as_bytes()),
            Field::Number(n, integer) => timestamp::epoch_number(*n, *integer),
            Field::Other => None,
        })
    }

    pub(super) fn level(&self) -> Option<Level> {
        self.values(TIME_KEYS.len(), LEVEL_KEYS.len())
            .find_map(|v| match v {
                Field::Text(s) => Level::parse(s.as_bytes()),
                _ => None,
            })
    }

    /// The first message key's text: borrowed from the line when it has no escapes.
    pub(super) fn message(&mut self) -> Option<Cow<'a, str>> {
        let from = TIME_KEYS.len() + LEVEL_KEYS.len();
        self.0[from..].iter_mut().find_map(|v| match v {
            Some(Field::Text(s)) => Some(std::mem::take(s)),
            _ => None,
        })
    }
}

/// Reads a JSON object into the [`Known`] it holds.
struct Fill<'k, 'de>(&'k mut Known<'de>);

impl<'de> DeserializeSeed<'de> for Fill<'_, 'de> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Fill<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(KeyIndex(key)) = map.next_key()? {
            match key {
                Some(i) => self.0.0[i] = Some(map.next_value()?),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// Where `key` is among the known keys, if it is one.
fn key_index(key: &[u8]) -> Option<usize> {
    TIME_KEYS
        .iter()
        .chain(LEVEL_KEYS)
        .chain(MSG_KEYS)
        .position(|k| k.as_bytes() == key)
}

/// A cursor over the plainest JSON: every method gives `None` for what is outside it.
struct Plain<'a> {
    text: &'a str,
    /// `text`'s bytes.
    b: &'a [u8],
    i: usize,
}

impl<'a> Plain<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    fn expect(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// JSON's whitespace: space, tab, line feed, carriage return.
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// A string without escapes or control characters: what is between its quotes.
    fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.i;
        let len = swar::find(
            &self.b[start..],
            |x| swar::equal(x, b'"') | swar::equal(x, b'\\') | swar::below(x, 0x20),
            |b| matches!(b, b'"' | b'\\' | 0..0x20),
        )?;
        self.i = start + len;
        self.expect(b'"')?;
        // Cut at ASCII quotes: always on a character boundary.
        self.text.get(start..start + len)
    }

    /// `true`, `false` or `null`. (What follows a value is checked where it is read: `truex`
    /// and `01` are not JSON.)
    fn literal(&mut self, word: &[u8]) -> Option<Field<'a>> {
        if !self.b[self.i..].starts_with(word) {
            return None;
        }
        self.i += word.len();
        Some(Field::Other)
    }

    /// A number as JSON writes it: its text.
    fn number(&mut self) -> Option<&'a [u8]> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.digit()?;
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            self.digit()?;
            self.digits();
        }
        Some(&self.b[start..self.i])
    }

    fn digit(&mut self) -> Option<()> {
        self.next()?.is_ascii_digit().then_some(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
    }
}

/// A key: its position among the known keys, if it is one.
struct KeyIndex(Option<usize>);

impl<'de> Deserialize<'de> for KeyIndex {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Key;
        impl Visitor<'_> for Key {
            type Value = KeyIndex;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<KeyIndex, E> {
                Ok(KeyIndex(key_index(key)))
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<KeyIndex, E> {
                self.visit_bytes(key.as_bytes())
            }
        }
        // As bytes: a key is only compared with the known ones, so checking that each is
        // UTF-8 first would be wasted (it was a tenth of reading a JSON line).
        d.deserialize_bytes(Key)
    }
}

impl<'de> Deserialize<'de> for Field<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Value;
        impl<'de> Visitor<'de> for Value {
            type Value = Field<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Field<'de>, E> {
                Ok(Field::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Field<'de>, E> {
                Ok(Field::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Field<'de>, E> {
                Ok(Field::Number(v as f64, true))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Field<'de>, E> {
                Ok(Field::Number(v as f64, true))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Field<'de>, E> {
                Ok(Field::Number(v, false))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Field<'de>, E> {
                Ok(Field::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Field<'de>, E> {
                Ok(Field::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Field<'de>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Field::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Field<'de>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Field::Other)
            }
        }
        d.deserialize_any(Value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A JSON value's text: of every kind, and some that are not JSON.
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            "\"[a-zA-Z0-9 :.\\-Té€]{0,12}\"",
            "\"[a-z]{0,3}(\\\\[n\"/u]|\\\\u00e9|é|\u{1}|\t)[a-z]{0,3}\"",
            "-?(0|[1-9][0-9]{0,21})(\\.[0-9]{0,3})?([eE][+-]?[0-9]{0,3})?",
            "0[0-9]|-|\\.5|1\\.|1e",
            "true|false|null|tru|nul|truex|True",
            "\\{\\}|\\[\\]|\\[1,\"a\"\\]|\\{\"ts\":1\\}",
            "\"2026-11-03T14:02:11Z\"|1793710931|1793710931\\.5|1793710931123",
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            // A few keys often, so that some are given twice.
            3 => "\"ts\"|\"msg\"|\"level\"",
            2 => proptest::sample::select(
                TIME_KEYS
                    .iter()
                    .chain(LEVEL_KEYS)
                    .chain(MSG_KEYS)
                    .map(|k| format!("\"{k}\""))
                    .collect::<Vec<_>>()
            ),
            1 => "\"[a-z@.]{0,6}\"",
            1 => "\"\\\\u0074s\"|\"m\\\\u0073g\"|ts|\"ts",
        ]
    }

    fn line() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec((key(), "[ \t]{0,1}", value()), 0..6),
            "[ \t\r\n]{0,2}",
            prop_oneof!["", "", "", ",", " x", "}", "\u{c}"],
        )
            .prop_map(|(members, ws, junk)| {
                let members: Vec<String> = members
                    .into_iter()
                    .map(|(k, space, v)| format!("{k}{space}:{space}{v}"))
                    .collect();
                format!("{ws}{{{ws}{}{ws}}}{junk}{ws}", members.join(","))
            })
    }

    proptest! {
        // Most generated lines hold something only serde_json reads: more cases, so that many
        // are read both ways.
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// Where the plain reader reads a line, serde_json reads it too, to the same values.
        #[test]
        fn the_plain_reader_agrees_with_serde_json(line in line()) {
            let mut plain = Known::default();
            if plain.read_plain(line.as_bytes()).is_some() {
                let mut decoded = Known::default();
                prop_assert!(decoded.read_decoded(line.as_bytes()).is_ok(), "{line}");
                prop_assert_eq!(plain, decoded, "{}", line);
            }
        }
    }

    #[test]
    fn plain_lines_are_read_plainly_and_the_rest_by_serde_json() {
        let plain = [
            r#"{"ts":"2026-11-03T00:00:00.128Z","level":"info","msg":"request completed","route":"/api/cart","status":200,"duration_ms":834,"ok":true,"parent":null,"ratio":-0.5e3}"#,
            r#" { "ts" : 1793710931 , "msg" : "" } "#,
            "{}",
            "{\"ts\":\"2026-11-03T00:00:00Z\",\"msg\":\"caf\u{e9}\"}",
        ];
        for line in plain {
            assert!(
                Known::default().read_plain(line.as_bytes()).is_some(),
                "{line}"
            );
        }
        let decoded = [
            r#"{"ts":"2026-11-03T00:00:00Z","msg":"say \"hi\""}"#,
            r#"{"ts":1793710931.5,"msg":"fraction in a time key"}"#,
            r#"{"ts":-1,"msg":"negative"}"#,
            r#"{"ts":18446744073709551616,"msg":"past u64"}"#,
            r#"{"ts":"2026-11-03T00:00:00Z","ctx":{"a":1}}"#,
        ];
        for line in decoded {
            assert!(
                Known::default().read_plain(line.as_bytes()).is_none(),
                "{line}"
            );
            assert!(Known::default().read(line.as_bytes()).is_ok(), "{line}");
        }
        // Text that is not UTF-8 is serde_json's to judge, where it is only skipped.
        let not_utf8 = b"{\"ts\":\"2026-11-03T00:00:00Z\",\"x\":\"\xff\"}";
        assert!(Known::default().read_plain(not_utf8).is_none());
        assert!(Known::default().read(not_utf8).is_ok());
        let mut twice = Known::default();
        twice
            .read_plain(br#"{"msg":"first","msg":"last"}"#)
            .unwrap();
        assert_eq!(
            twice.message().as_deref(),
            Some("last"),
            "a key given twice keeps its last value"
        );
        for not_json in [
            r#"{"ts":1,}"#,
            r#"{"ts":01}"#,
            r#"{"ts":tru}"#,
            "{\"a\":\"\u{1}\"}",
            r#"{"ts":1x"#,
            r#"x"ts":1}"#,
        ] {
            assert!(Known::default().read_plain(not_json.as_bytes()).is_none());
            assert!(
                Known::default().read(not_json.as_bytes()).is_err(),
                "{not_json}"
            );
        }
    }
}
