//! Log templates: entries grouped by the shape of their message, Drain-style.
//!
//! A message is split into tokens; tokens that vary between entries of one kind — numbers,
//! ids, hex, IP addresses, paths, quoted values, the value of a `key=value` pair that holds
//! any of those — are masked as `<*>`. The masked tokens find their group through a tree of
//! fixed depth: the number of tokens, then the first two tokens (a masked token goes down the
//! `<*>` branch). In the leaf, the group whose template shares the most tokens position by
//! position takes the entry if it shares at least [`SIMILARITY`] of them; the positions that
//! differ become `<*>` in the template. Otherwise the entry starts a new group.
//!
//! An exact-shape cache in front of the tree makes the common case (a message whose masked
//! shape was seen before) one hash and one lookup, so grouping costs little more than reading.
//! This follows the Drain parser (He et al., "Drain: An Online Log Parsing Approach with
//! Fixed Depth Tree", ICWS 2017); the code is written here from that description.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use jiff::Timestamp;
use serde::Serialize;

use super::format::Level;

/// The wildcard a masked token becomes.
pub const WILDCARD: &str = "<*>";
/// The share of tokens an entry must have in common with a template to join it.
const SIMILARITY: f64 = 0.5;
/// Children of a tree node before new prefixes share the `<*>` branch.
const MAX_CHILDREN: usize = 100;
/// Tokens of a message looked at; the rest of a very long message is one token.
const MAX_TOKENS: usize = 64;
/// Groups per source at most; later shapes join the last group, `<*>`.
const MAX_GROUPS: usize = 5_000;

/// One group of entries with the same shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Template {
    /// The lane (the source's name).
    pub lane: String,
    /// The shape: `connection pool exhausted pool=<*>`.
    pub text: String,
    pub count: u64,
    pub first: Timestamp,
    pub last: Timestamp,
    /// The most severe level among the entries.
    pub level: Option<Level>,
    /// Entries per minute: `(minute since the epoch, count)`, minutes without entries left
    /// out, in time order. In JSON: `[{"at": RFC 3339, "count": n}]`.
    #[serde(serialize_with = "minutes_json")]
    pub minutes: Vec<(i64, u32)>,
    /// For each minute of `minutes`, where its earliest entry is (`path:line`).
    #[serde(skip)]
    pub minute_sources: Vec<String>,
    /// The earliest entry: its text and where it is (`path:line`).
    pub example: String,
    pub source: String,
}

fn minutes_json<S: serde::Serializer>(minutes: &[(i64, u32)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    #[derive(Serialize)]
    struct Minute {
        at: Timestamp,
        count: u32,
    }
    let mut seq = s.serialize_seq(Some(minutes.len()))?;
    for &(m, count) in minutes {
        let at = Timestamp::from_second(m * 60).unwrap_or(Timestamp::UNIX_EPOCH);
        seq.serialize_element(&Minute { at, count })?;
    }
    seq.end()
}

/// A group while it is being gathered.
#[derive(Debug, Clone)]
struct Group {
    tokens: Vec<String>,
    count: u64,
    first: Timestamp,
    last: Timestamp,
    level: Option<Level>,
    /// Minute → entries, and the earliest entry's time and place.
    minutes: rustc_hash::FxHashMap<i64, (u32, Timestamp, String)>,
    example: String,
    source: String,
}

/// The tree below level and length: first token → second token → groups in the leaf.
type Branches = HashMap<String, HashMap<String, Vec<usize>>>;

/// Groups entries of one source into templates.
#[derive(Debug, Default)]
pub struct Miner {
    groups: Vec<Group>,
    /// Level and token count → first token → second token → groups. Entries of one shape at
    /// different levels (an access log's 200s and 500s) are different stories.
    tree: HashMap<(Option<Level>, usize), Branches>,
    /// The hash of a masked shape → its group, for shapes seen before.
    seen: rustc_hash::FxHashMap<u64, usize>,
    tokens: Vec<String>,
}

impl Miner {
    pub fn new() -> Miner {
        Miner::default()
    }

    /// Adds one entry: its first line is what is grouped.
    pub fn add(
        &mut self,
        at: Timestamp,
        level: Option<Level>,
        text: &str,
        source: &(impl std::fmt::Display + ?Sized),
    ) {
        let line = memchr::memchr(b'\n', text.as_bytes()).map_or(text, |i| &text[..i]);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let shape = shape_hash(line, level);
        let index = match self.seen.get(&shape) {
            Some(&i) => i,
            None => {
                mask_into(line, &mut self.tokens);
                let i = self.place(level);
                if self.seen.len() < 100_000 {
                    self.seen.insert(shape, i);
                }
                i
            }
        };
        let g = &mut self.groups[index];
        g.count += 1;
        if at < g.first {
            g.first = at;
            g.example = line.to_owned();
            g.source = source.to_string();
        }
        g.last = g.last.max(at);
        g.level = g.level.max(level);
        let minute = g
            .minutes
            .entry(at.as_second().div_euclid(60))
            .or_insert_with(|| (0, at, source.to_string()));
        minute.0 += 1;
        if at < minute.1 {
            minute.1 = at;
            minute.2 = source.to_string();
        }
    }

    /// The group for the masked tokens in `self.tokens`: an existing one, updated, or a new one.
    fn place(&mut self, level: Option<Level>) -> usize {
        let tokens = std::mem::take(&mut self.tokens);
        let key = |i: usize| {
            tokens
                .get(i)
                .map_or(String::new(), |t| branch(t).to_owned())
        };
        let by_len = self.tree.entry((level, tokens.len())).or_default();
        let first = child(by_len, key(0));
        let second = child(by_len.get_mut(&first).unwrap(), key(1));
        let leaf = by_len
            .get_mut(&first)
            .and_then(|m| m.get_mut(&second))
            .unwrap();
        let best = leaf
            .iter()
            .map(|&i| (i, similarity(&self.groups[i].tokens, &tokens)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let index = match best {
            Some((i, sim)) if sim >= SIMILARITY || self.groups.len() >= MAX_GROUPS => {
                let template = &mut self.groups[i].tokens;
                for (t, new) in template.iter_mut().zip(&tokens) {
                    if t != new && t != WILDCARD {
                        *t = WILDCARD.to_owned();
                    }
                }
                i
            }
            _ => {
                let i = self.groups.len();
                self.groups.push(Group {
                    tokens: tokens.clone(),
                    count: 0,
                    first: Timestamp::MAX,
                    last: Timestamp::MIN,
                    level: None,
                    minutes: Default::default(),
                    example: String::new(),
                    source: String::new(),
                });
                leaf.push(i);
                i
            }
        };
        self.tokens = tokens;
        index
    }

    /// The templates, earliest first.
    pub fn finish(self, lane: &str) -> Vec<Template> {
        let mut out: Vec<Template> = self
            .groups
            .into_iter()
            .filter(|g| g.count > 0)
            .map(|g| {
                let minutes: BTreeMap<i64, (u32, Timestamp, String)> =
                    g.minutes.into_iter().collect();
                let (minutes, minute_sources) = minutes
                    .into_iter()
                    .map(|(m, (n, _, source))| ((m, n), source))
                    .unzip();
                Template {
                    lane: lane.to_owned(),
                    text: g.tokens.join(" "),
                    count: g.count,
                    first: g.first,
                    last: g.last,
                    level: g.level,
                    minutes,
                    minute_sources,
                    example: g.example,
                    source: g.source,
                }
            })
            .collect();
        out.sort_by(|a, b| a.first.cmp(&b.first).then(b.count.cmp(&a.count)));
        out
    }
}

/// The child `key` of a node, or the `<*>` child once the node has [`MAX_CHILDREN`].
fn child<V: Default>(node: &mut HashMap<String, V>, key: String) -> String {
    if node.contains_key(&key) || node.len() < MAX_CHILDREN {
        node.entry(key.clone()).or_default();
        key
    } else {
        node.entry(WILDCARD.to_owned()).or_default();
        WILDCARD.to_owned()
    }
}

/// The tree branch a token goes down: the token, or `<*>` for a masked one.
fn branch(token: &str) -> &str {
    if token.contains(WILDCARD) {
        WILDCARD
    } else {
        token
    }
}

/// The share of positions where the two have the same token.
fn similarity(template: &[String], tokens: &[String]) -> f64 {
    if tokens.is_empty() {
        return 1.0;
    }
    let same = template.iter().zip(tokens).filter(|(a, b)| a == b).count();
    same as f64 / tokens.len() as f64
}

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
const PUNCT: u8 = 1;
const VARIES: u8 = 2;
const HEX: u8 = 4;
/// May be part of a key in `key=value`.
const KEY: u8 = 8;
const ALPHA: u8 = 16;
const SPACE: u8 = 32;
const QUOTE: u8 = 64;
const CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
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
        table[b] = class;
        b += 1;
    }
    table
};

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

/// What a token becomes in a template.
enum Masked<'a> {
    /// `<*>`.
    Wild,
    /// `key=<*>`.
    Key(&'a str),
    /// `"GET <*>"`: a quoted HTTP request line keeps its method.
    Request(&'a str),
    /// The token as it is.
    Kept(&'a str),
}

impl Masked<'_> {
    fn of(token: &str) -> Masked<'_> {
        let bytes = token.as_bytes();
        // One pass finds `key=` (a run of key bytes, a letter among them, then `=`) and the
        // classes of all bytes, which settle most tokens without a closer look.
        let mut seen = 0;
        let mut in_key = true;
        for (i, &b) in bytes.iter().enumerate() {
            let class = CLASSES[b as usize];
            if in_key && b == b'=' {
                if i > 0 && seen & ALPHA != 0 {
                    let value = &bytes[i + 1..];
                    return if value.is_empty() || varies(value) {
                        Masked::Key(&token[..i])
                    } else {
                        Masked::Kept(token)
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
            return Masked::Request(&token[1..space]);
        }
        // A digit or slash anywhere varies; a short token without quotes is no hex run and no
        // quoted value, so it is kept. Only the rest needs the full test.
        let wild = if seen & VARIES != 0 {
            true
        } else if bytes.len() < 8 && seen & QUOTE == 0 {
            false
        } else {
            varies(bytes)
        };
        if wild {
            Masked::Wild
        } else {
            Masked::Kept(token)
        }
    }

    fn text(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Masked::Wild => Cow::Borrowed(WILDCARD),
            Masked::Key(key) => Cow::Owned(format!("{key}={WILDCARD}")),
            Masked::Request(method) => Cow::Owned(format!("\"{method} {WILDCARD}\"")),
            Masked::Kept(token) => Cow::Borrowed(token),
        }
    }

    /// Feeds the masked token to a hasher without building its text.
    fn hash_into(&self, h: &mut impl Hasher) {
        match self {
            Masked::Wild => h.write_u8(1),
            Masked::Key(key) => {
                h.write_u8(2);
                h.write(key.as_bytes());
            }
            Masked::Request(method) => {
                h.write_u8(3);
                h.write(method.as_bytes());
            }
            Masked::Kept(token) => {
                h.write_u8(4);
                h.write(token.as_bytes());
            }
        }
        h.write_u8(0xff);
    }
}

/// Masks the tokens of `line` into `out`.
fn mask_into(line: &str, out: &mut Vec<String>) {
    out.clear();
    out.extend(tokens(line).map(|t| Masked::of(t).text().into_owned()));
}

/// The masked shape of `line`, hashed, without building the tokens.
fn shape_hash(line: &str, level: Option<Level>) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    level.hash(&mut h);
    let mut n = 0usize;
    for t in tokens(line) {
        Masked::of(t).hash_into(&mut h);
        n += 1;
    }
    n.hash(&mut h);
    h.finish()
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

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_793_710_931 + s).unwrap()
    }

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

    #[test]
    fn entries_of_one_kind_form_one_template_and_others_their_own() {
        let mut m = Miner::new();
        for i in 0..50 {
            m.add(
                at(i * 10),
                Some(Level::Error),
                &format!(
                    "connection pool exhausted pool=p{} waited={}ms",
                    i % 3,
                    100 + i
                ),
                &format!("app.log:{}", i + 1),
            );
            m.add(
                at(i * 10 + 5),
                Some(Level::Info),
                &format!("order {} placed by customer {}", 1000 + i, i * 7),
                &format!("app.log:{}", i + 100),
            );
        }
        // A word that differs in one place of four is a variable too.
        m.add(
            at(3),
            Some(Level::Warn),
            "cache miss for carts",
            "app.log:500",
        );
        m.add(
            at(4),
            Some(Level::Warn),
            "cache miss for sessions",
            "app.log:501",
        );
        let t = m.finish("app");
        let texts: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "connection pool exhausted pool=<*> waited=<*>",
                "cache miss for <*>",
                "order <*> placed by customer <*>"
            ]
        );
        assert_eq!(t[0].count, 50);
        assert_eq!(t[0].level, Some(Level::Error));
        assert_eq!(t[0].source, "app.log:1");
        assert_eq!(
            t[0].example,
            "connection pool exhausted pool=p0 waited=100ms"
        );
        assert_eq!(t[0].minutes.iter().map(|(_, n)| n).sum::<u32>(), 50);
        assert_eq!(t[1].count, 2);
        assert_eq!(t[1].level, Some(Level::Warn));
    }

    #[test]
    fn the_first_words_keep_templates_apart() {
        let mut m = Miner::new();
        m.add(at(0), None, "GET /a 200", "x:1");
        m.add(at(1), None, "POST /a 200", "x:2");
        m.add(at(2), None, "GET /b 500", "x:3");
        let t = m.finish("x");
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].text, "GET <*> <*>");
        assert_eq!(t[0].count, 2);
    }

    #[test]
    fn an_earlier_entry_read_later_becomes_the_example() {
        let mut m = Miner::new();
        m.add(at(10), None, "retrying job 7", "b.log:1");
        m.add(at(5), None, "retrying job 8", "a.log:9");
        let t = m.finish("x");
        assert_eq!((t[0].first, t[0].last), (at(5), at(10)));
        assert_eq!(t[0].source, "a.log:9");
    }
}
