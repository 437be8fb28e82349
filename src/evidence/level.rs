//! Level words: how severe an entry is, read from a word as logs write it (`WARN`, `[error]`,
//! `<crit>`, `ERROR:`), with table lookups that rule out nearly every other word at once.

use std::str::FromStr;

/// How severe an entry is, where the format says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Trace,
    Debug,
    Info,
    Notice,
    Warn,
    Error,
    Critical,
}

/// The level words [`Level::parse`] reads, in lower case (case does not matter).
const LEVEL_WORDS: &[(&[u8], Level)] = {
    use Level::*;
    &[
        (b"trace", Trace),
        (b"finest", Trace),
        (b"finer", Trace),
        (b"verbose", Trace),
        (b"debug", Debug),
        (b"fine", Debug),
        (b"dbg", Debug),
        (b"info", Info),
        (b"information", Info),
        (b"log", Info),
        (b"config", Info),
        (b"inf", Info),
        (b"notice", Notice),
        (b"warn", Warn),
        (b"warning", Warn),
        (b"wrn", Warn),
        (b"error", Error),
        (b"err", Error),
        (b"severe", Error),
        (b"fatal", Critical),
        (b"critical", Critical),
        (b"crit", Critical),
        (b"alert", Critical),
        (b"emerg", Critical),
        (b"emergency", Critical),
        (b"panic", Critical),
    ]
};

/// The shortest and the longest level word.
const SHORTEST_LEVEL: usize = 3;
const LONGEST_LEVEL: usize = {
    let mut longest = 0;
    let mut i = 0;
    while i < LEVEL_WORDS.len() {
        assert!(LEVEL_WORDS[i].0.len() >= SHORTEST_LEVEL);
        if LEVEL_WORDS[i].0.len() > longest {
            longest = LEVEL_WORDS[i].0.len();
        }
        i += 1;
    }
    longest
};

/// A letter's place in the alphabet, either case; 26 or more for any other byte.
const fn letter(b: u8) -> usize {
    (b | 0x20).wrapping_sub(b'a') as usize
}

/// For each first letter of a level word, its second letters, as bits: a table lookup rules out
/// nearly every word of a message, which is most of what [`Level::parse`] is asked about.
const LEVEL_PAIRS: [u32; 26] = {
    let mut pairs = [0u32; 26];
    let mut i = 0;
    while i < LEVEL_WORDS.len() {
        let word = LEVEL_WORDS[i].0;
        pairs[letter(word[0])] |= 1 << letter(word[1]);
        i += 1;
    }
    pairs
};

/// The level words by first letter and length (at `letter * (LONGEST_LEVEL + 1) + length`): the
/// places in [`LEVEL_WORDS`], plus one, of the words that start so and are so long (two at
/// most; 0 for none), so a word is compared with those alone.
const LEVEL_INDEX: [[u8; 2]; 26 * (LONGEST_LEVEL + 1)] = {
    let mut index = [[0u8; 2]; 26 * (LONGEST_LEVEL + 1)];
    let mut i = 0;
    while i < LEVEL_WORDS.len() {
        let word = LEVEL_WORDS[i].0;
        let slot = &mut index[letter(word[0]) * (LONGEST_LEVEL + 1) + word.len()];
        let free = if slot[0] == 0 { 0 } else { 1 };
        assert!(
            slot[free] == 0,
            "three level words of one first letter and length"
        );
        slot[free] = i as u8 + 1;
        i += 1;
    }
    index
};

/// For each last letter of a level word, the letters before it, as bits (as [`LEVEL_PAIRS`]).
const LEVEL_ENDINGS: [u32; 26] = {
    let mut endings = [0u32; 26];
    let mut i = 0;
    while i < LEVEL_WORDS.len() {
        let word = LEVEL_WORDS[i].0;
        let n = word.len();
        endings[letter(word[n - 1])] |= 1 << letter(word[n - 2]);
        i += 1;
    }
    endings
};

impl Level {
    /// Reads a level word as logs write it: `WARN`, `warning`, `FATAL`, `err`, …
    pub fn parse(word: &[u8]) -> Option<Level> {
        if !(SHORTEST_LEVEL..=LONGEST_LEVEL).contains(&word.len()) {
            return None;
        }
        let (first, second) = (letter(word[0]), letter(word[1]));
        if first >= 26 || second >= 26 || LEVEL_PAIRS[first] & 1 << second == 0 {
            return None;
        }
        LEVEL_INDEX[first * (LONGEST_LEVEL + 1) + word.len()]
            .iter()
            .filter(|&&i| i > 0)
            .map(|&i| LEVEL_WORDS[usize::from(i) - 1])
            .find(|(w, _)| w.eq_ignore_ascii_case(word))
            .map(|(_, level)| level)
    }

    pub fn is_error(self) -> bool {
        self >= Level::Error
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Notice => "notice",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Critical => "critical",
        }
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Level, String> {
        Level::parse(s.as_bytes()).ok_or_else(|| format!("unknown level `{s}`"))
    }
}

/// The level a token names: `INFO`, `[error]`, `[core:warn]`, `ERROR:` or `<WARN>`. Most tokens
/// name none. A level word ends the token but for closing brackets and colons, so the two
/// letters before those rule out nearly every token (two table lookups) before the token is
/// taken apart.
pub fn token_level(token: &[u8]) -> Option<Level> {
    let end = token.len()
        - token
            .iter()
            .rev()
            .take_while(|&&b| matches!(b, b':' | b']' | b'>'))
            .count();
    if end < SHORTEST_LEVEL {
        // Too short for a level word, or closing marks only.
        return None;
    }
    let (before, last) = (letter(token[end - 2]), letter(token[end - 1]));
    if before >= 26 || last >= 26 || LEVEL_ENDINGS[last] & 1 << before == 0 {
        return None;
    }
    last_part(strip(token.trim_ascii_start())).and_then(Level::parse)
}

/// The last part of `inner` between colons that is not empty (`core:warn` → `warn`), or all of
/// it when every part is empty; `None` when that part is too long to be a level word. It looks
/// only at the end of the word, as most words are no level.
pub fn last_part(inner: &[u8]) -> Option<&[u8]> {
    let mut end = inner.len();
    while end > 0 && inner[end - 1] == b':' {
        end -= 1;
    }
    if end == 0 {
        return Some(inner);
    }
    let mut start = end;
    while start > 0 && inner[start - 1] != b':' {
        start -= 1;
        if end - start > LONGEST_LEVEL {
            return None;
        }
    }
    Some(&inner[start..end])
}

pub fn strip(word: &[u8]) -> &[u8] {
    let word = word
        .strip_prefix(b"[")
        .or_else(|| word.strip_prefix(b"<"))
        .unwrap_or(word);
    let word = word.strip_suffix(b":").unwrap_or(word);
    word.strip_suffix(b"]")
        .or_else(|| word.strip_suffix(b">"))
        .unwrap_or(word)
}

/// Whether a word is written the way a level is, not the way a sentence's word is: in capitals
/// (`ERROR`), with a colon (`error:`) or in brackets (`[warn]`, `<crit>`). `Trace cache` and a
/// message's closing `error` are not.
pub fn written_as_level(word: &[u8]) -> bool {
    word.iter().all(|b| !b.is_ascii_lowercase())
        || word.ends_with(b":")
        || word.starts_with(b"[")
        || word.starts_with(b"<")
}
