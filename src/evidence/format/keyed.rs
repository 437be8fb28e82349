//! The formats whose lines name their fields: JSON lines, logfmt and journald's JSON. The
//! time is found by its key without decoding the line; the whole line is decoded only when it
//! is taken apart.

use std::borrow::Cow;
use std::ops::Range;

use memchr::memmem;

use super::json;
use super::keys::{LEVEL_KEYS, MSG_KEYS, TIME_KEYS, TIME_KEYS_JSON, TIME_KEYS_LOGFMT};
use crate::evidence::level::Level;
use crate::evidence::line::{Line, byte_at, skip_spaces, text_of};
use crate::evidence::timestamp::{self, When};

/// The time of a JSON line, found by its key without decoding the object. Keys cannot occur
/// inside JSON strings unescaped, so a match on `"ts":` is a key.
pub(super) fn json_date(line: &[u8]) -> Option<When> {
    if line.trim_ascii_start().first() != Some(&b'{') {
        return None;
    }
    for quoted in TIME_KEYS_JSON {
        let mut from = 0;
        while let Some(i) = memmem::find(&line[from..], quoted.as_bytes()) {
            let mut j = skip_ws(line, from + i + quoted.len());
            from += i + 1;
            if line.get(j) != Some(&b':') {
                continue;
            }
            j = skip_ws(line, j + 1);
            return match line.get(j)? {
                b'"' => {
                    let end = memchr::memchr(b'"', &line[j + 1..])?;
                    timestamp::any_text(&line[j + 1..j + 1 + end])
                }
                b'0'..=b'9' => {
                    let len = line[j..]
                        .iter()
                        .take_while(|b| matches!(b, b'0'..=b'9' | b'+' | b'-' | b'.' | b'e' | b'E'))
                        .count();
                    let text = std::str::from_utf8(&line[j..j + len]).ok()?;
                    let integer = text.bytes().all(|b| b.is_ascii_digit());
                    timestamp::epoch_number(text.parse().ok()?, integer)
                }
                _ => None,
            };
        }
    }
    None
}

pub(super) fn skip_ws(line: &[u8], mut i: usize) -> usize {
    while line.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The time of a logfmt line, found by its key.
pub(super) fn logfmt_date(line: &[u8]) -> Option<When> {
    let first_eq = memchr::memchr(b'=', line.get(..32.min(line.len()))?)?;
    if line[..first_eq].contains(&b' ') {
        return None;
    }
    for with_eq in TIME_KEYS_LOGFMT {
        let mut from = 0;
        while let Some(i) = memmem::find(&line[from..], with_eq.as_bytes()) {
            let at = from + i;
            from = at + 1;
            if at > 0 && line[at - 1] != b' ' {
                continue;
            }
            let v = at + with_eq.len();
            let value = if line.get(v) == Some(&b'"') {
                let end = memchr::memchr(b'"', &line[v + 1..])?;
                &line[v + 1..v + 1 + end]
            } else {
                let end = memchr::memchr(b' ', &line[v..]).unwrap_or(line.len() - v);
                &line[v..v + end]
            };
            return timestamp::any_text(value);
        }
    }
    None
}

pub(super) fn json_line(line: &[u8]) -> Option<Line> {
    let trimmed = line.trim_ascii();
    if trimmed.first() != Some(&b'{') || trimmed.last() != Some(&b'}') {
        return None;
    }
    let mut known = json::Known::default();
    known.read(trimmed).ok()?;
    let when = known.time()?;
    let level = known.level();
    match known.message() {
        // Text without escapes is part of the line: it is kept as where it is, which spares
        // a copy of every message.
        Some(Cow::Borrowed(text)) => {
            let start = text.as_ptr() as usize - line.as_ptr() as usize;
            Some(Line::new(when, level, start..start + text.len()))
        }
        Some(Cow::Owned(msg)) => Some(Line::owned(when, level, msg)),
        None => json_line_without_message(trimmed),
    }
}

/// A JSON line with no message key shows its other fields: this needs the whole object.
pub(super) fn json_line_without_message(trimmed: &[u8]) -> Option<Line> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(trimmed).ok()?;
    let when = TIME_KEYS.iter().find_map(|k| match map.get(*k)? {
        serde_json::Value::String(s) => timestamp::any_text(s.as_bytes()),
        serde_json::Value::Number(n) => {
            timestamp::epoch_number(n.as_f64()?, n.is_i64() || n.is_u64())
        }
        _ => None,
    })?;
    let level = LEVEL_KEYS
        .iter()
        .find_map(|k| Level::parse(map.get(*k)?.as_str()?.as_bytes()));
    let msg = MSG_KEYS
        .iter()
        .find_map(|k| map.get(*k)?.as_str().map(str::to_owned));
    let msg = msg.unwrap_or_else(|| {
        // No message key: show the other fields.
        map.iter()
            .filter(|(k, _)| !TIME_KEYS.contains(&k.as_str()) && !LEVEL_KEYS.contains(&k.as_str()))
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    });
    Some(Line::owned(when, level, msg))
}

/// A logfmt value: where it stands in the line, or, when it holds an escape, what the escapes
/// stand for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogfmtValue {
    At(Range<usize>),
    Unescaped(Vec<u8>),
}

impl LogfmtValue {
    pub fn bytes<'a>(&'a self, line: &'a [u8]) -> &'a [u8] {
        match self {
            LogfmtValue::At(r) => &line[r.clone()],
            LogfmtValue::Unescaped(v) => v,
        }
    }
}

/// Splits a logfmt line into keys (where they stand) and values; quoted values may hold spaces
/// and `\"`. Keys and values are cut at ASCII bytes, so each is text where the line is.
pub fn logfmt_pairs(line: &[u8]) -> Vec<(Range<usize>, LogfmtValue)> {
    let mut pairs = Vec::with_capacity(8);
    let mut i = 0;
    while i < line.len() {
        i = skip_spaces(line, i);
        let key_start = i;
        while i < line.len() && line[i] != b'=' && line[i] != b' ' {
            i += 1;
        }
        let key = key_start..i;
        if line.get(i) != Some(&b'=') {
            if !key.is_empty() {
                pairs.push((key, LogfmtValue::At(i..i)));
            }
            continue;
        }
        i += 1;
        let value = if line.get(i) == Some(&b'"') {
            i += 1;
            let start = i;
            while i < line.len() && line[i] != b'"' && line[i] != b'\\' {
                i += 1;
            }
            if line.get(i) == Some(&b'\\') {
                let mut value = line[start..i].to_vec();
                while i < line.len() && line[i] != b'"' {
                    if line[i] == b'\\' && i + 1 < line.len() {
                        i += 1;
                    }
                    value.push(line[i]);
                    i += 1;
                }
                i += 1;
                LogfmtValue::Unescaped(value)
            } else {
                let end = i;
                i += 1;
                LogfmtValue::At(start..end)
            }
        } else {
            let start = i;
            while i < line.len() && line[i] != b' ' {
                i += 1;
            }
            LogfmtValue::At(start..i)
        };
        pairs.push((key, value));
    }
    pairs
}

/// What a logfmt key holds: the time, the level, the message, or another field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Time,
    Level,
    Message,
    Field,
}

impl Role {
    fn of(key: &[u8]) -> Role {
        let is = |keys: &[&str]| keys.iter().any(|want| want.as_bytes() == key);
        if is(TIME_KEYS) {
            Role::Time
        } else if is(LEVEL_KEYS) {
            Role::Level
        } else if is(MSG_KEYS) {
            Role::Message
        } else {
            Role::Field
        }
    }
}

pub(super) fn logfmt(line: &[u8]) -> Option<Line> {
    // Cheap check first: logfmt lines start with `key=`.
    let first_eq = memchr::memchr(b'=', line.get(..32.min(line.len()))?)?;
    if line[..first_eq].contains(&b' ') {
        return None;
    }
    let pairs = logfmt_pairs(line);
    let roles: Vec<Role> = pairs
        .iter()
        .map(|(k, _)| Role::of(&line[k.clone()]))
        .collect();
    let get = |role: Role| {
        let at = roles.iter().position(|r| *r == role)?;
        Some(pairs[at].1.bytes(line))
    };
    let when = timestamp::any_text(text_of(get(Role::Time)?).as_bytes())?;
    let level = get(Role::Level).and_then(|v| Level::parse(text_of(v).as_bytes()));
    let msg = match get(Role::Message) {
        Some(msg) => {
            // The message, then the other fields. A line that is UTF-8 is checked once: every
            // key and value is cut from it at ASCII bytes.
            let text = std::str::from_utf8(line).ok();
            let push = |out: &mut String, range: &Range<usize>| match text {
                Some(text) => out.push_str(&text[range.clone()]),
                None => out.push_str(&String::from_utf8_lossy(&line[range.clone()])),
            };
            let push_value = |out: &mut String, value: &LogfmtValue| match value {
                LogfmtValue::At(range) => push(out, range),
                LogfmtValue::Unescaped(v) => out.push_str(&String::from_utf8_lossy(v)),
            };
            let mut out = String::with_capacity(line.len());
            out.push_str(&text_of(msg));
            for ((k, v), role) in pairs.iter().zip(&roles) {
                if *role == Role::Field {
                    out.push(' ');
                    push(&mut out, k);
                    out.push('=');
                    push_value(&mut out, v);
                }
            }
            out
        }
        None => String::from_utf8_lossy(line).into_owned(),
    };
    Some(Line::owned(when, level, msg))
}

/// The microseconds of `"__REALTIME_TIMESTAMP":"…"`, found without decoding the object.
pub(super) fn journald_date(line: &[u8]) -> Option<When> {
    const KEY: &[u8] = b"\"__REALTIME_TIMESTAMP\"";
    let at = memmem::find(line, KEY)? + KEY.len();
    let mut i = skip_ws(line, at);
    byte_at(line, i, b':')?;
    i = skip_ws(line, i + 1);
    if line.get(i) == Some(&b'"') {
        i += 1;
    }
    let len = line[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    let micros: i64 = std::str::from_utf8(&line[i..i + len]).ok()?.parse().ok()?;
    Some(When::Exact(jiff::Timestamp::from_microsecond(micros).ok()?))
}

/// `journalctl -o json`: fields are strings, byte arrays (binary or non-UTF-8 values), or
/// arrays of those (a field set more than once). The message shows `ident[pid]: MESSAGE`, as
/// journalctl's own short output does; `PRIORITY` is syslog's 0 (emerg) to 7 (debug).
pub(super) fn journald(line: &[u8]) -> Option<Line> {
    let when = journald_date(line)?;
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(line.trim_ascii()).ok()?;
    let field = |key: &str| -> Option<String> {
        use serde_json::Value;
        let bytes = |v: &Value| -> Option<String> {
            match v {
                Value::String(s) => Some(s.clone()),
                Value::Array(items) if items.iter().all(Value::is_u64) => {
                    let raw: Vec<u8> = items
                        .iter()
                        .filter_map(|n| n.as_u64())
                        .map(|n| n as u8)
                        .collect();
                    Some(String::from_utf8_lossy(&raw).into_owned())
                }
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        match map.get(key)? {
            Value::Array(items) if items.iter().any(|v| !v.is_u64()) => {
                items.iter().find_map(bytes)
            }
            v => bytes(v),
        }
    };
    let level = field("PRIORITY").and_then(|p| match p.trim() {
        "0" | "1" | "2" => Some(Level::Critical),
        "3" => Some(Level::Error),
        "4" => Some(Level::Warn),
        "5" => Some(Level::Notice),
        "6" => Some(Level::Info),
        "7" => Some(Level::Debug),
        _ => None,
    });
    let ident = field("SYSLOG_IDENTIFIER")
        .or_else(|| field("_COMM"))
        .or_else(|| field("_SYSTEMD_UNIT"));
    let pid = field("SYSLOG_PID").or_else(|| field("_PID"));
    let message = field("MESSAGE").unwrap_or_default();
    let msg = match (ident, pid) {
        (Some(ident), Some(pid)) => format!("{ident}[{pid}]: {message}"),
        (Some(ident), None) => format!("{ident}: {message}"),
        _ => message,
    };
    Some(Line::owned(when, level, msg))
}
