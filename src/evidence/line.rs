//! One line taken apart: the [`Line`] a format reads, where an entry is ([`Place`]), its
//! text, and the byte-level helpers every reader shares (words, spaces, levels, colour codes).
//! It imports nothing of the readers, so each of them — named formats, W3C columns, the
//! timestamp locator — can use it without a circle.

use std::borrow::Cow;
use std::ops::Range;

use super::level::{Level, token_level};
use super::timestamp::When;

/// One dated line, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub when: When,
    pub level: Option<Level>,
    /// The message: the part of the line worth showing on a timeline.
    pub msg: Range<usize>,
    /// A message that is not a slice of the line (decoded JSON or logfmt).
    pub owned_msg: Option<String>,
    /// Where the header fields start (after the time, or after what the format took apart);
    /// the message follows them.
    pub head: usize,
    /// The level was read from a word further on, not from a place the format gives it: a
    /// file whose header is learned names its level there instead.
    pub level_in_text: bool,
}

impl Line {
    /// A line whose message is not a slice of it (decoded JSON or logfmt, columns put
    /// together).
    pub fn owned(when: When, level: Option<Level>, msg: String) -> Line {
        Line {
            when,
            level,
            msg: 0..0,
            owned_msg: Some(msg),
            head: 0,
            level_in_text: false,
        }
    }

    pub fn new(when: When, level: Option<Level>, msg: Range<usize>) -> Line {
        // A line that ends right after its time ("1793710931 ") has an empty message; skipping
        // spaces forward and trimming backward must not cross.
        let msg = msg.start.min(msg.end)..msg.end;
        Line {
            when,
            level,
            head: msg.start,
            msg,
            owned_msg: None,
            level_in_text: false,
        }
    }
}

pub fn skip_spaces(line: &[u8], mut i: usize) -> usize {
    while line.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
        i += 1;
    }
    i
}

pub fn trim_end(line: &[u8], end: usize) -> usize {
    let mut end = end.min(line.len());
    while end > 0 && line[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    end
}

/// The next whitespace-separated token from `i`: its range.
pub fn token(line: &[u8], i: usize) -> Range<usize> {
    let start = skip_spaces(line, i).min(line.len());
    let end = find_blank(&line[start..]).map_or(line.len(), |n| start + n);
    start..end
}

/// Where the first space or tab in `bytes` is. Words are short, too short for a memchr call to
/// pay, but often longer than a few bytes: this tests eight bytes at a time.
pub fn find_blank(bytes: &[u8]) -> Option<usize> {
    use super::swar;
    swar::find(
        bytes,
        |x| swar::equal(x, b' ') | swar::equal(x, b'\t'),
        |b| b == b' ' || b == b'\t',
    )
}

/// A level among the first few tokens after `from`, as `INFO`, `[error]`, `[core:warn]`,
/// `ERROR:` or `<WARN>`. Returns the level and where the message starts after it.
pub fn level_after(line: &[u8], from: usize, max_tokens: usize) -> (Option<Level>, usize) {
    let mut i = from;
    for _ in 0..max_tokens {
        let t = token(line, i);
        if t.is_empty() {
            break;
        }
        if let Some(level) = token_level(&line[t.clone()]) {
            return (Some(level), skip_spaces(line, t.end));
        }
        i = t.end;
    }
    (None, skip_spaces(line, from))
}

/// `Some(())` when `line` has `want` at `i`.
pub fn byte_at(line: &[u8], i: usize, want: u8) -> Option<()> {
    (line.get(i) == Some(&want)).then_some(())
}

/// `line` without ANSI escape sequences: CSI (`ESC [ … final byte`), as colour codes are, and
/// other two-byte escapes.
pub fn strip_ansi(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        if line[i] != 0x1b {
            out.push(line[i]);
            i += 1;
            continue;
        }
        i = ansi_end(line, i);
    }
    out
}

/// Where the ANSI escape sequence that starts at `at` (an ESC byte) ends: after a CSI's final
/// byte (`ESC [`, parameters, one byte in `@`..`~`), or after the one byte of another escape.
pub fn ansi_end(line: &[u8], at: usize) -> usize {
    let mut i = at + 1;
    if line.get(i) == Some(&b'[') {
        i += 1;
        while i < line.len() && !(0x40..=0x7e).contains(&line[i]) {
            i += 1;
        }
    }
    (i + 1).min(line.len())
}

/// Where an entry starts: shown as `path:line`.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub path: &'a str,
    pub line: u64,
}

impl std::fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.path, self.line)
    }
}

/// `bytes` as text, borrowed when it is valid UTF-8 (checked word by word), with U+FFFD for
/// invalid bytes otherwise.
pub fn text_of(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}
