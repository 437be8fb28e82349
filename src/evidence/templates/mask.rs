//! Masking: a message split into tokens, each kept or masked as `<*>` when it varies between
//! entries of one kind, and the masked shape hashed in one pass over the bytes.

use super::super::format::Level;

/// The wildcard a masked token becomes.
pub const WILDCARD: &str = "<*>";
/// Tokens of a message looked at; the rest of a very long message is one token.
const MAX_TOKENS: usize = 64;

/// Splits a message into tokens: runs of non-space, except that a quoted value (`"a b"`, also
/// after `key=`) is one token. Past [`MAX_TOKENS`] the rest is one token.
fn tokens(line: &str) -> impl Iterator<Item = &str> {
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut n = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() && CLASSES[bytes[i] as usize] & SPACE != 0 {
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        let start = i;
        n += 1;
        if n >= MAX_TOKENS {
            i = bytes.len();
            return Some(line[start..].trim_end());
        }
        let mut quote = None;
        while i < bytes.len() {
            let b = bytes[i];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                // A quoted value (also after `key=`) is one token, spaces and all.
                None if b == b'"' || (b == b'\'' && (i == start || bytes[i - 1] == b'=')) => {
                    quote = Some(b)
                }
                None if CLASSES[b as usize] & SPACE != 0 => break,
                None => {}
            }
            i += 1;
        }
        Some(&line[start..i])
    })
}

/// Byte classes, looked up once per byte: for [`varies`], for `key=` and for splitting.
type Class = u16;
const PUNCT: Class = 1;
const VARIES: Class = 2;
const HEX: Class = 4;
/// May be part of a key in `key=value`.
const KEY: Class = 8;
const ALPHA: Class = 16;
const SPACE: Class = 32;
const QUOTE: Class = 64;
/// `=`: the token may be `key=value`.
const EQUALS: Class = 128;
/// Neither a hex digit nor punctuation: a token holding one is no hex run.
const NOT_HEX: Class = 256;
const CLASSES: [Class; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let mut class = 0;
        if matches!(
            c,
            b',' | b';' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'.' | b':'
        ) {
            class |= PUNCT;
        }
        if c.is_ascii_digit() || c == b'/' || c == b'\\' {
            class |= VARIES;
        }
        if c.is_ascii_hexdigit() {
            class |= HEX;
        }
        if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-') {
            class |= KEY;
        }
        if c.is_ascii_alphabetic() {
            class |= ALPHA;
        }
        if c.is_ascii_whitespace() {
            class |= SPACE;
        }
        if c == b'"' || c == b'\'' {
            class |= QUOTE;
        }
        if c == b'=' {
            class |= EQUALS;
        }
        if class & (HEX | PUNCT) == 0 {
            class |= NOT_HEX;
        }
        table[b] = class;
        b += 1;
    }
    table
};

/// Whether `b` may be part of a key in `key=value`.
pub(super) fn key_byte(b: u8) -> bool {
    CLASSES[b as usize] & KEY != 0
}

/// Whether a token (or a `key=value` value) varies between entries of one kind: it holds a
/// digit, a slash or a backslash, is quoted whole, or is a run of 8 or more hex digits. One pass
/// over the bytes by table: this runs for every token of every entry.
fn varies(token: &[u8]) -> bool {
    let class = |b: &u8| CLASSES[*b as usize];
    let start = token
        .iter()
        .position(|b| class(b) & PUNCT == 0)
        .unwrap_or(token.len());
    let end = token
        .iter()
        .rposition(|b| class(b) & PUNCT == 0)
        .map_or(start, |i| i + 1);
    let t = &token[start..end.max(start)];
    if t.is_empty() {
        return false;
    }
    if t.len() >= 2 && (t[0] == b'"' || t[0] == b'\'') && t[t.len() - 1] == t[0] {
        return true;
    }
    let mut all = HEX;
    for b in t {
        let c = class(b);
        if c & VARIES != 0 {
            return true;
        }
        all &= c;
    }
    t.len() >= 8 && all & HEX != 0
}

/// A month or a day of the week, capitalised as dates write them (`Jul`, `Sunday`, `MON`): the
/// part of a date in a message that is a word, and varies as the date does. Inlined, as the
/// first test settles nearly every word of every entry.
#[inline(always)]
fn calendar_word(bytes: &[u8]) -> bool {
    (3..=9).contains(&bytes.len()) && bytes[0].is_ascii_uppercase() && named_calendar_word(bytes)
}

/// [`calendar_word`] for a capitalised word of 3 to 9 letters.
fn named_calendar_word(bytes: &[u8]) -> bool {
    const NAMES: [&[u8]; 19] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec", b"mon", b"tue", b"wed", b"thu", b"fri", b"sat", b"sun",
    ];
    const FULL: [&[u8]; 19] = [
        b"january",
        b"february",
        b"march",
        b"april",
        b"may",
        b"june",
        b"july",
        b"august",
        b"september",
        b"october",
        b"november",
        b"december",
        b"monday",
        b"tuesday",
        b"wednesday",
        b"thursday",
        b"friday",
        b"saturday",
        b"sunday",
    ];
    let rest = &bytes[1..];
    if !(rest.iter().all(u8::is_ascii_lowercase) || rest.iter().all(u8::is_ascii_uppercase)) {
        return false;
    }
    let prefix = &bytes[..3];
    NAMES.iter().enumerate().any(|(i, name)| {
        prefix.eq_ignore_ascii_case(name)
            && (bytes.len() == 3 || bytes.eq_ignore_ascii_case(FULL[i]))
    })
}

/// What a token becomes in a template.
///
/// It holds bytes, not text: tokens are cut at ASCII bytes, so each part of a `str` is text
/// still, and working on bytes spares a char-boundary check at every cut of every entry.
enum Masked<'a> {
    /// `<*>`.
    Wild,
    /// `key=<*>`.
    Key(&'a [u8]),
    /// `"GET <*>"`: a quoted HTTP request line keeps its method.
    Request(&'a [u8]),
    /// The token as it is.
    Kept(&'a [u8]),
}

impl Masked<'_> {
    fn of(token: &str) -> Masked<'_> {
        let token = token.as_bytes();
        let seen = token.iter().fold(0, |seen, &b| seen | CLASSES[b as usize]);
        Masked::classify(token, seen)
    }

    /// What `token` becomes, given the classes of all its bytes (`seen`), which settle most
    /// tokens without a second look. Inlined: it runs for every token of every entry, and a
    /// call (with the result passed through memory) cost more than the work (measured).
    #[inline(always)]
    fn classify(bytes: &[u8], seen: Class) -> Masked<'_> {
        // `key=value`: a run of key bytes with a letter among them, then `=`.
        if seen & EQUALS != 0 {
            let key = bytes
                .iter()
                .position(|&b| CLASSES[b as usize] & KEY == 0)
                .unwrap_or(bytes.len());
            if key > 0
                && bytes[key] == b'='
                && bytes[..key]
                    .iter()
                    .any(|&b| CLASSES[b as usize] & ALPHA != 0)
            {
                let value = &bytes[key + 1..];
                return if value.is_empty() || varies(value) {
                    Masked::Key(&bytes[..key])
                } else {
                    Masked::Kept(bytes)
                };
            }
        }
        if bytes.first() == Some(&b'"')
            && let Some(space) = bytes.iter().take(9).position(|&b| b == b' ')
            && (4..=8).contains(&space)
            && bytes[1..space].iter().all(u8::is_ascii_uppercase)
        {
            return Masked::Request(&bytes[1..space]);
        }
        // A digit or slash anywhere varies. A token without quotes is no quoted value, and one
        // that is short or holds a byte that is neither hex nor punctuation is no hex run: it is
        // kept. Only the rest needs the full test.
        let wild = if seen & VARIES != 0 {
            true
        } else if seen & QUOTE == 0 && (bytes.len() < 8 || seen & NOT_HEX != 0) {
            false
        } else {
            varies(bytes)
        };
        if wild || calendar_word(bytes) {
            Masked::Wild
        } else {
            Masked::Kept(bytes)
        }
    }

    fn text(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        // Parts of text cut at ASCII bytes: always text, so this never replaces anything.
        let text = String::from_utf8_lossy;
        match self {
            Masked::Wild => Cow::Borrowed(WILDCARD),
            Masked::Key(key) => Cow::Owned(format!("{}={WILDCARD}", text(key))),
            Masked::Request(method) => Cow::Owned(format!("\"{} {WILDCARD}\"", text(method))),
            Masked::Kept(token) => text(token),
        }
    }

    /// Feeds the masked token to a shape hash without building its text. Inlined, as
    /// [`Masked::classify`] is, so the hash stays in a register.
    #[inline(always)]
    fn hash_into(&self, h: &mut ShapeHash) {
        match self {
            Masked::Wild => h.word(1),
            Masked::Key(key) => h.bytes(key, 2),
            Masked::Request(method) => h.bytes(method, 3),
            Masked::Kept(token) => h.bytes(token, 4),
        }
    }
}

/// A 64-bit hash of a masked shape, fed token by token. Each step (xor, multiply by an odd
/// constant, rotate) is a bijection of the state, every byte of a token is read, and each token
/// ends with its length and kind, so shapes that differ give different hashes but by chance.
/// It reads a token in whole words, where a general-purpose hasher would start over per token.
///
/// Because each step can be undone, anyone who knew the starting state could write a line that
/// hashes like another and so joins its template (a line hidden among a thousand like it). The
/// state therefore starts from a key drawn once per process, which a log's writer cannot know.
pub(super) struct ShapeHash(pub(super) u64);

impl ShapeHash {
    pub(super) fn new() -> ShapeHash {
        static KEY: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        ShapeHash(*KEY.get_or_init(|| {
            use std::hash::BuildHasher;
            std::collections::hash_map::RandomState::new().hash_one(0u64)
        }))
    }

    /// rustc-hash's multiplier.
    const K: u64 = 0xf135_7aea_2e62_a9c5;

    pub(super) fn word(&mut self, w: u64) {
        self.0 = (self.0 ^ w).wrapping_mul(Self::K).rotate_left(26);
    }

    pub(super) fn bytes(&mut self, b: &[u8], kind: u64) {
        let n = b.len();
        let word = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
        if n >= 8 {
            let mut i = 0;
            while i + 8 <= n {
                self.word(word(i));
                i += 8;
            }
            if i < n {
                // The last bytes, as the word that ends the token (it overlaps the one before).
                self.word(word(n - 8));
            }
        } else if n >= 4 {
            let half = |i: usize| u64::from(u32::from_le_bytes(b[i..i + 4].try_into().unwrap()));
            self.word(half(0) | half(n - 4) << 32);
        } else if n > 0 {
            self.word(u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16);
        }
        self.word((n as u64) << 8 | kind);
    }
}

/// Masks the tokens of `line` into `out`.
pub(super) fn mask_into(line: &str, out: &mut Vec<String>) {
    out.clear();
    out.extend(tokens(line).map(|t| Masked::of(t).text().into_owned()));
}

/// The masked shape of a line (UTF-8, as read) and its level, hashed: the same for entries of
/// the same shape, and different otherwise (but by chance).
///
/// This runs for every entry, so it is [`tokens`] and [`Masked::of`] fused into one pass over
/// the bytes: each byte's class is looked up once, for splitting and for masking both, and the
/// token is hashed in place. It gives the same hash as masking token by token (tested).
pub(super) fn shape_hash(bytes: &[u8], level: Option<Level>) -> u64 {
    let mut h = ShapeHash::new();
    h.word(level.map_or(0, |l| l as u64 + 1));
    let mut i = 0;
    let mut n = 0usize;
    loop {
        while i < bytes.len() && CLASSES[bytes[i] as usize] & SPACE != 0 {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let start = i;
        n += 1;
        if n >= MAX_TOKENS {
            Masked::of(crate::evidence::line::text_of(&bytes[start..]).trim_end())
                .hash_into(&mut h);
            break;
        }
        // The classes of all bytes of the token, and where it ends.
        let mut seen: Class = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let class = CLASSES[b as usize];
            if class & (SPACE | QUOTE) != 0 {
                if class & SPACE != 0 {
                    break;
                }
                // A quoted value is one token, spaces and all (as in `tokens`).
                if b == b'"' || i == start || bytes[i - 1] == b'=' {
                    seen |= class;
                    i += 1;
                    while i < bytes.len() && bytes[i] != b {
                        seen |= CLASSES[bytes[i] as usize];
                        i += 1;
                    }
                    if i >= bytes.len() {
                        break;
                    }
                }
            }
            seen |= class;
            i += 1;
        }
        Masked::classify(&bytes[start..i], seen).hash_into(&mut h);
    }
    h.word(n as u64);
    h.0
}

/// The template's text for a line: what it would look like alone (for tests and docs).
pub fn masked(line: &str) -> String {
    tokens(line)
        .map(|t| Masked::of(t).text().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_varies_is_masked() {
        assert_eq!(
            masked("connection pool exhausted pool=main-7 waited=5000ms"),
            "connection pool exhausted pool=<*> waited=<*>"
        );
        assert_eq!(
            masked("GET /api/checkout from 203.0.113.9 took 12ms"),
            "GET <*> from <*> took <*>"
        );
        assert_eq!(
            masked(r#"user="Ada Lovelace" logged in, session deadbeefcafe0042"#),
            "user=<*> logged in, session <*>"
        );
        assert_eq!(
            masked(r#""GET /cart HTTP/1.1" 503 "-" rt=0.5"#),
            r#""GET <*>" <*> <*> rt=<*>"#
        );
        assert_eq!(
            masked("msg=\"pool is full\" retry=true"),
            "msg=<*> retry=true"
        );
        assert_eq!(masked("worker 0x7f3a crashed"), "worker <*> crashed");
        assert_eq!(masked("  "), "");
    }

    /// What a token becomes, the plain way: the masking rules as first written, byte by
    /// byte, without the shortcuts taken for speed.
    fn masked_plainly(token: &str) -> Masked<'_> {
        let bytes = token.as_bytes();
        let mut seen = 0;
        let mut in_key = true;
        for (i, &b) in bytes.iter().enumerate() {
            let class = CLASSES[b as usize];
            if in_key && b == b'=' {
                if i > 0 && seen & ALPHA != 0 {
                    let value = &bytes[i + 1..];
                    return if value.is_empty() || varies(value) {
                        Masked::Key(&bytes[..i])
                    } else {
                        Masked::Kept(bytes)
                    };
                }
                in_key = false;
            } else if in_key && class & KEY == 0 {
                in_key = false;
            }
            seen |= class;
        }
        if bytes.first() == Some(&b'"')
            && let Some(space) = bytes.iter().take(9).position(|&b| b == b' ')
            && (4..=8).contains(&space)
            && bytes[1..space].iter().all(u8::is_ascii_uppercase)
        {
            return Masked::Request(&bytes[1..space]);
        }
        if varies(bytes) {
            Masked::Wild
        } else {
            Masked::Kept(bytes)
        }
    }

    /// The shape's hash taken the plain way: token by token, each masked on its own.
    fn hash_by_tokens(line: &str, level: Option<Level>) -> u64 {
        let mut h = ShapeHash::new();
        h.word(level.map_or(0, |l| l as u64 + 1));
        let mut n = 0;
        for t in tokens(line) {
            masked_plainly(t).hash_into(&mut h);
            n += 1;
        }
        h.word(n);
        h.0
    }

    proptest::proptest! {
        #[test]
        fn the_fused_shape_hash_is_the_hash_of_the_masked_tokens(
            line in r#"([a-zA-Z0-9 ="'/:.\t\r\n\x00\x01\x0b\x0c\x1f\x7f\\\[\]{}_\-]|GET |é){0,200}"#,
        ) {
            proptest::prop_assert_eq!(
                shape_hash(line.as_bytes(), Some(Level::Warn)),
                hash_by_tokens(&line, Some(Level::Warn))
            );
        }
    }

    #[test]
    fn the_fused_shape_hash_agrees_on_awkward_lines() {
        let long = "w ".repeat(MAX_TOKENS + 5);
        // Long tokens, and a long quoted value.
        let wide = format!(
            "{} {}=\"{}\" 'x",
            "k".repeat(70),
            "k".repeat(50),
            "7 ".repeat(40)
        );
        let long_token = format!("x {} y", "k".repeat(70));
        for line in [
            wide.as_str(),
            long_token.as_str(),
            "",
            "   ",
            "plain words only",
            r#"msg="pool is full" retry=true"#,
            r#""GET /cart HTTP/1.1" 503"#,
            "it's a 'quoted value' and don't",
            r#"say "it's fine, 'really'" ok x='a "b" c' 1234567"#,
            "abcdefgh deadbeef'x 0xdead'beefcafe",
            "x='unterminated quote",
            "\"unterminated",
            "abcdef0123456789 deadbeefcafe a=",
            "(deadbeef), deadbeefg [cafebabe] feedface.",
            "=x ==y a=b=c 1=a",
            long.as_str(),
            "tab\tseparated\r\n",
        ] {
            assert_eq!(
                shape_hash(line.as_bytes(), None),
                hash_by_tokens(line, None),
                "{line:?}"
            );
        }
    }

    #[test]
    fn different_shapes_hash_apart() {
        let shapes = [
            "a b",
            "ab",
            "b a",
            "a b c",
            "a 5",
            "a key=5",
            "a key=x",
            "a kez=5",
            r#""GET /x""#,
            r#""PUT /x""#,
            "connection pool exhausted",
            "connection pool exhaustes",
            "connection pool exhausted!",
            "abcdefgh",
            "abcdefgi",
            "abcdefghabcdefgh",
        ];
        let mut hashes: Vec<u64> = shapes
            .iter()
            .map(|s| shape_hash(s.as_bytes(), None))
            .collect();
        hashes.push(shape_hash(b"a b", Some(Level::Error)));
        let all = hashes.len();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), all);
        assert_eq!(shape_hash(b"a 5", None), shape_hash(b"a 77", None));
        assert_eq!(
            shape_hash(b"a key=5", None),
            shape_hash(b"a   key=0.5", None)
        );
    }
}
