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

use std::borrow::Cow;
use std::collections::HashMap;

use jiff::Timestamp;
use serde::Serialize;

use super::format::Level;

/// The wildcard a masked token becomes.
pub const WILDCARD: &str = "<*>";
/// An entry joins a template when more than this share of the tokens compared are the same.
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
    /// Names the template: `t` and eight hex digits, from the lane, the shape and the level, so
    /// the same logs give the same ids run after run.
    pub id: String,
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
    /// For each minute of `minutes`, the time of its earliest entry.
    #[serde(skip)]
    pub minute_firsts: Vec<Timestamp>,
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
    /// Entries per minute, with the earliest entry's time and place, in the order first seen.
    minutes: Vec<Minute>,
    /// Minute → its place in `minutes`.
    minute_index: rustc_hash::FxHashMap<i64, usize>,
    /// The place in `minutes` of the minute last added to: logs are mostly in time order, so
    /// the next entry is mostly in the same minute.
    last_minute: usize,
    example: String,
    source: String,
}

/// One minute of a group: the minute since the epoch, its entries, and the earliest entry's
/// time and place.
#[derive(Debug, Clone)]
struct Minute {
    minute: i64,
    count: u32,
    first: Timestamp,
    source: String,
}

impl Group {
    /// The minute `at` falls in, added when it is new.
    fn minute(&mut self, at: Timestamp, source: &(impl std::fmt::Display + ?Sized)) -> &mut Minute {
        let minute = at.as_second().div_euclid(60);
        if self
            .minutes
            .get(self.last_minute)
            .is_none_or(|m| m.minute != minute)
        {
            self.last_minute = *self.minute_index.entry(minute).or_insert_with(|| {
                self.minutes.push(Minute {
                    minute,
                    count: 0,
                    first: at,
                    source: source.to_string(),
                });
                self.minutes.len() - 1
            });
        }
        &mut self.minutes[self.last_minute]
    }
}

/// The tree below level and length: first token → second token → groups in the leaf.
type Branches = HashMap<String, HashMap<String, Vec<usize>>>;

/// Which template one entry joined: `timeline --templates --lines` prints one per entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateLine {
    /// The file, relative to the incident.
    pub source: String,
    pub line: u64,
    /// The template's id.
    pub template: String,
}

/// The group each entry joined, in the order the entries came: (file, line, group), the file
/// as an index into `paths`.
#[derive(Debug, Default)]
struct Recorded {
    paths: Vec<String>,
    entries: Vec<(u32, u64, u32)>,
}

/// Groups entries of one source into templates.
#[derive(Debug, Default)]
pub struct Miner {
    /// Kept only when asked for ([`Miner::recording`]): a large log has many entries.
    recorded: Option<Recorded>,
    groups: Vec<Group>,
    /// Level and token count → first token → second token → groups. Entries of one shape at
    /// different levels (an access log's 200s and 500s) are different stories.
    tree: HashMap<(Option<Level>, usize), Branches>,
    /// The hash of a masked shape → its group, for shapes seen before.
    seen: rustc_hash::FxHashMap<u64, usize>,
    /// An access log's template text (`GET /api/<*> 2xx`) → its group.
    exact: rustc_hash::FxHashMap<String, usize>,
    /// The access-log template of the entry being added.
    shaped: String,
    tokens: Vec<String>,
}

impl Miner {
    pub fn new() -> Miner {
        Miner::default()
    }

    /// A miner that also keeps which template each entry joined ([`Miner::finish_with_lines`]).
    pub fn recording() -> Miner {
        Miner {
            recorded: Some(Recorded::default()),
            ..Miner::default()
        }
    }

    /// Adds one entry found at `source` (`path:line`): its first line is what is grouped.
    pub fn add(&mut self, at: Timestamp, level: Option<Level>, text: &str, source: &str) {
        self.add_entry(at, level, text, source, false);
    }

    /// [`Miner::add`], where `access` says the entry is from an access log.
    pub fn add_entry(
        &mut self,
        at: Timestamp,
        level: Option<Level>,
        text: &str,
        source: &str,
        access: bool,
    ) {
        let (path, line) = source
            .rsplit_once(':')
            .and_then(|(path, line)| Some((path, line.parse().ok()?)))
            .unwrap_or((source, 0));
        let place = super::line::Place { path, line };
        self.add_line(at, level, first_line(text.as_bytes()), &place, access);
    }

    /// Adds one entry by the first line of its text, as read: bytes that are not UTF-8 are
    /// grouped as U+FFFD, as they are shown. An access log's entry (`access`) that holds a
    /// request is grouped by its method, route shape and status class instead.
    fn add_line(
        &mut self,
        at: Timestamp,
        level: Option<Level>,
        line: &[u8],
        source: &super::line::Place<'_>,
        access: bool,
    ) {
        // Nearly every line is ASCII, and saying so is cheaper than checking it is UTF-8.
        if !line.is_ascii()
            && let Cow::Owned(text) = String::from_utf8_lossy(line)
        {
            return self.add_line(at, level, text.as_bytes(), source, access);
        }
        let text = || super::line::text_of(line);
        let shaped = access && super::access::shape(&text(), &mut self.shaped);
        let index = if shaped {
            match self.exact.get(&self.shaped) {
                Some(&i) => i,
                None => {
                    let tokens = self.shaped.split(' ').map(str::to_owned).collect();
                    let i = self.new_group(tokens);
                    self.exact.insert(self.shaped.clone(), i);
                    i
                }
            }
        } else {
            self.group_of(line, level)
        };
        self.count(index, at, level, line, source);
    }

    /// The group of a line by its masked shape: one seen before, or placed in the tree.
    fn group_of(&mut self, line: &[u8], level: Option<Level>) -> usize {
        let shape = shape_hash(line, level);
        let text = || super::line::text_of(line);
        match self.seen.get(&shape) {
            Some(&i) => i,
            None => {
                mask_into(&text(), &mut self.tokens);
                let i = self.place(level);
                if self.seen.len() < 100_000 {
                    self.seen.insert(shape, i);
                }
                i
            }
        }
    }

    /// Counts an entry into group `index`.
    fn count(
        &mut self,
        index: usize,
        at: Timestamp,
        level: Option<Level>,
        line: &[u8],
        source: &super::line::Place<'_>,
    ) {
        let text = || super::line::text_of(line);
        if let Some(recorded) = &mut self.recorded {
            if recorded.paths.last().is_none_or(|p| p != source.path) {
                recorded.paths.push(source.path.to_owned());
            }
            let file = u32::try_from(recorded.paths.len() - 1).unwrap_or(u32::MAX);
            let group = u32::try_from(index).unwrap_or(u32::MAX);
            recorded.entries.push((file, source.line, group));
        }
        let g = &mut self.groups[index];
        g.count += 1;
        if at < g.first {
            g.first = at;
            g.example = text().into_owned();
            g.source = source.to_string();
        }
        g.last = g.last.max(at);
        g.level = g.level.max(level);
        let minute = g.minute(at, source);
        minute.count += 1;
        if at < minute.first {
            minute.first = at;
            minute.source = source.to_string();
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
            Some((i, sim)) if sim > SIMILARITY || self.groups.len() >= MAX_GROUPS => {
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
                leaf.push(i);
                self.new_group(tokens.clone());
                i
            }
        };
        self.tokens = tokens;
        index
    }

    /// A new, empty group of these tokens.
    fn new_group(&mut self, tokens: Vec<String>) -> usize {
        self.groups.push(Group {
            tokens,
            count: 0,
            first: Timestamp::MAX,
            last: Timestamp::MIN,
            level: None,
            minutes: Vec::new(),
            minute_index: Default::default(),
            last_minute: 0,
            example: String::new(),
            source: String::new(),
        });
        self.groups.len() - 1
    }

    /// The templates, earliest first.
    pub fn finish(self, lane: &str) -> Vec<Template> {
        self.finish_with_lines(lane).0
    }

    /// The templates, earliest first, and which template each entry joined (empty unless the
    /// miner was [recording](Miner::recording)), in the order the entries came.
    pub fn finish_with_lines(self, lane: &str) -> (Vec<Template>, Vec<TemplateLine>) {
        let mut out: Vec<(usize, Template)> = self
            .groups
            .into_iter()
            .enumerate()
            .filter(|(_, g)| g.count > 0)
            .map(|(i, mut g)| {
                g.minutes.sort_unstable_by_key(|m| m.minute);
                let minute_firsts = g.minutes.iter().map(|m| m.first).collect();
                let (minutes, minute_sources) = g
                    .minutes
                    .into_iter()
                    .map(|m| ((m.minute, m.count), m.source))
                    .unzip();
                let text = g.tokens.join(" ");
                let template = Template {
                    id: template_id(lane, &text, g.level),
                    lane: lane.to_owned(),
                    text,
                    count: g.count,
                    first: g.first,
                    last: g.last,
                    level: g.level,
                    minutes,
                    minute_sources,
                    minute_firsts,
                    example: g.example,
                    source: g.source,
                };
                (i, template)
            })
            .collect();
        out.sort_by(|(_, a), (_, b)| a.first.cmp(&b.first).then(b.count.cmp(&a.count)));
        // Two groups may end with one shape; the later one's id gets a suffix.
        let mut ids = std::collections::HashSet::new();
        for (_, t) in &mut out {
            let base = t.id.clone();
            let mut n = 1;
            while !ids.insert(t.id.clone()) {
                n += 1;
                t.id = format!("{base}-{n}");
            }
        }
        let lines = match self.recorded {
            None => Vec::new(),
            Some(recorded) => {
                let mut id_of =
                    vec![String::new(); out.iter().map(|(i, _)| i + 1).max().unwrap_or(0)];
                for (i, t) in &out {
                    id_of[*i].clone_from(&t.id);
                }
                recorded
                    .entries
                    .into_iter()
                    .map(|(file, line, group)| TemplateLine {
                        source: recorded.paths[file as usize].clone(),
                        line,
                        template: id_of[group as usize].clone(),
                    })
                    .collect()
            }
        };
        (out.into_iter().map(|(_, t)| t).collect(), lines)
    }
}

/// A template's id: `t` and the first eight hex digits of a SHA-256 of lane, level and shape.
fn template_id(lane: &str, text: &str, level: Option<Level>) -> String {
    use sha2::Digest;
    let level = level.map_or("-", Level::as_str);
    let digest = sha2::Sha256::digest(format!("{lane}\n{level}\n{text}"));
    let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("t{hex}")
}

/// The first line of `text`, without its line break.
fn first_line(text: &[u8]) -> &[u8] {
    let line = memchr::memchr(b'\n', text).map_or(text, |i| &text[..i]);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A [`Miner`] on a thread of its own, fed entries in batches: grouping takes about as long as
/// reading, so a large log is read and grouped on two cores at once. The miner sees the same
/// entries in the same order as if it were fed directly, so the templates are the same.
pub enum Feed {
    Thread {
        batch: Batch,
        sender: std::sync::mpsc::SyncSender<Batch>,
        thread: std::thread::JoinHandle<Miner>,
    },
    /// No thread could be had: entries are grouped as they come.
    Direct(Miner),
}

/// Entries on their way to the miner: their first lines, end to end in `text`.
#[derive(Default)]
pub struct Batch {
    /// The file the entries come from.
    path: String,
    /// Whether the file is an access log.
    access: bool,
    text: Vec<u8>,
    /// Time, level, where the line ends in `text`, and its line number in the file.
    entries: Vec<(Timestamp, Option<Level>, usize, u64)>,
}

impl Batch {
    fn give_to(&self, miner: &mut Miner) {
        let mut start = 0;
        for &(at, level, end, line) in &self.entries {
            let place = super::line::Place {
                path: &self.path,
                line,
            };
            miner.add_line(at, level, &self.text[start..end], &place, self.access);
            start = end;
        }
    }
}

/// Entries and bytes of text a batch holds at most before it is handed over.
const BATCH_ENTRIES: usize = 4096;
const BATCH_BYTES: usize = 256 << 10;
/// Batches on their way at most: this bounds the memory a fast reader can fill.
const BATCHES_AHEAD: usize = 4;

impl Feed {
    /// A feed to a new miner; `record` keeps which template each entry joined.
    pub fn start(record: bool) -> Feed {
        let new = move || {
            if record {
                Miner::recording()
            } else {
                Miner::new()
            }
        };
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Batch>(BATCHES_AHEAD);
        let thread = std::thread::Builder::new()
            .name("templates".into())
            .spawn(move || {
                let mut miner = new();
                for batch in receiver {
                    batch.give_to(&mut miner);
                }
                miner
            });
        match thread {
            Ok(thread) => Feed::Thread {
                batch: Batch::default(),
                sender,
                thread,
            },
            Err(_) => Feed::Direct(new()),
        }
    }

    /// Adds one entry: its first line is what is grouped; `access` says it is from an access
    /// log.
    pub fn add(
        &mut self,
        at: Timestamp,
        level: Option<Level>,
        text: &[u8],
        place: &super::line::Place<'_>,
        access: bool,
    ) {
        let (batch, sender) = match self {
            Feed::Direct(miner) => {
                return miner.add_line(at, level, first_line(text), place, access);
            }
            Feed::Thread { batch, sender, .. } => (batch, sender),
        };
        if batch.path != place.path || batch.access != access {
            send(batch, sender);
            batch.path.clear();
            batch.path.push_str(place.path);
            batch.access = access;
        }
        batch.text.extend_from_slice(first_line(text));
        batch
            .entries
            .push((at, level, batch.text.len(), place.line));
        if batch.entries.len() >= BATCH_ENTRIES || batch.text.len() >= BATCH_BYTES {
            send(batch, sender);
        }
    }

    /// The miner, once it has grouped every entry.
    pub fn finish(self) -> Miner {
        match self {
            Feed::Direct(miner) => miner,
            Feed::Thread {
                mut batch,
                sender,
                thread,
            } => {
                send(&mut batch, &sender);
                drop(sender);
                match thread.join() {
                    Ok(miner) => miner,
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
        }
    }
}

/// Hands a batch to the miner's thread and starts a new one for the same file.
fn send(batch: &mut Batch, sender: &std::sync::mpsc::SyncSender<Batch>) {
    if batch.entries.is_empty() {
        return;
    }
    let next = Batch {
        path: batch.path.clone(),
        access: batch.access,
        text: Vec::with_capacity(batch.text.capacity()),
        entries: Vec::with_capacity(batch.entries.capacity()),
    };
    // The thread ends early only by panicking, and `finish` passes that panic on: no result
    // is made without these entries.
    let _ = sender.send(std::mem::replace(batch, next));
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

/// How alike an entry is to a template: of the positions where either has a constant token, the
/// share where both have the same one. A `<*>` facing a `<*>` counts neither way: otherwise two
/// messages of one length that share only their variables would look alike, and a message
/// made mostly of variables would look unlike its own kind.
fn similarity(template: &[String], tokens: &[String]) -> f64 {
    let (mut same, mut compared) = (0usize, 0usize);
    for (a, b) in template.iter().zip(tokens) {
        if a == WILDCARD && b == WILDCARD {
            continue;
        }
        compared += 1;
        if a == b {
            same += 1;
        } else if decisive(a, b) {
            return 0.0;
        }
    }
    if compared == 0 {
        return 1.0;
    }
    same as f64 / compared as f64
}

/// Words whose difference decides what an entry means: an HTTP method, a state and its
/// opposite. Two entries that differ in one of them are never one template.
const DECISIVE: &[&str] = &[
    "get",
    "head",
    "post",
    "put",
    "patch",
    "delete",
    "options",
    "connect",
    "up",
    "down",
    "failed",
    "accepted",
    "succeeded",
    "success",
    "failure",
    "ok",
    "error",
    "denied",
    "allowed",
    "granted",
    "rejected",
    "started",
    "stopped",
    "opened",
    "closed",
    "connected",
    "disconnected",
    "enabled",
    "disabled",
    "online",
    "offline",
    "healthy",
    "unhealthy",
    "true",
    "false",
    "added",
    "removed",
    "created",
    "deleted",
    "acquired",
    "released",
    "elected",
    "lost",
    "passed",
    "valid",
    "invalid",
];

/// Whether two tokens at one position tell different stories: both decisive words (above), or
/// one `key=value` with two values that are words (`state=down`, `user=root`); a value that
/// varies (digits, ids) is masked before it gets here.
fn decisive(a: &str, b: &str) -> bool {
    let word = |t: &str| {
        let t = t.trim_matches(|c: char| c.is_ascii_punctuation());
        DECISIVE.iter().any(|d| d.eq_ignore_ascii_case(t))
    };
    if word(a) && word(b) {
        return true;
    }
    match (a.split_once('='), b.split_once('=')) {
        (Some((ka, va)), Some((kb, vb))) => {
            ka == kb
                && !ka.is_empty()
                && va != WILDCARD
                && vb != WILDCARD
                && !va.is_empty()
                && !vb.is_empty()
        }
        _ => false,
    }
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
/// part of a date in a message that is a word, and varies as the date does.
fn calendar_word(bytes: &[u8]) -> bool {
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
    if !(3..=9).contains(&bytes.len()) || !bytes[0].is_ascii_uppercase() {
        return false;
    }
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
struct ShapeHash(u64);

impl ShapeHash {
    /// rustc-hash's multiplier.
    const K: u64 = 0xf135_7aea_2e62_a9c5;

    fn word(&mut self, w: u64) {
        self.0 = (self.0 ^ w).wrapping_mul(Self::K).rotate_left(26);
    }

    fn bytes(&mut self, b: &[u8], kind: u64) {
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
fn mask_into(line: &str, out: &mut Vec<String>) {
    out.clear();
    out.extend(tokens(line).map(|t| Masked::of(t).text().into_owned()));
}

/// The masked shape of a line (UTF-8, as read) and its level, hashed: the same for entries of
/// the same shape, and different otherwise (but by chance).
///
/// This runs for every entry, so it is [`tokens`] and [`Masked::of`] fused into one pass over
/// the bytes: each byte's class is looked up once, for splitting and for masking both, and the
/// token is hashed in place. It gives the same hash as masking token by token (tested).
fn shape_hash(bytes: &[u8], level: Option<Level>) -> u64 {
    let mut h = ShapeHash(0);
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
            Masked::of(super::line::text_of(&bytes[start..]).trim_end()).hash_into(&mut h);
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
        let mut h = ShapeHash(0);
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
    fn minutes_count_entries_that_come_out_of_time_order() {
        let mut m = Miner::new();
        for (i, s) in [61, 125, 70, 200, 50, 130, 62].into_iter().enumerate() {
            m.add(at(s), None, "retrying job 7", &format!("a.log:{}", i + 1));
        }
        let t = m.finish("x");
        let base = at(0).as_second().div_euclid(60);
        let minutes: Vec<(i64, u32)> = t[0].minutes.iter().map(|&(m, n)| (m - base, n)).collect();
        let first_second = at(0).as_second() % 60;
        // Seconds 50, 61, 62, 70 … fall in minutes by the clock, not by the first entry.
        let expected: Vec<(i64, u32)> = {
            let mut counts = std::collections::BTreeMap::new();
            for s in [61, 125, 70, 200, 50, 130, 62] {
                *counts.entry((first_second + s).div_euclid(60)).or_insert(0) += 1;
            }
            counts.into_iter().collect()
        };
        assert_eq!(minutes, expected);
        assert_eq!(t[0].count, 7);
        // Each minute's place is its earliest entry.
        let earliest = t[0]
            .minutes
            .iter()
            .position(|&(m, _)| m - base == (first_second + 50) / 60);
        assert_eq!(t[0].minute_sources[earliest.unwrap()], "a.log:5");
    }

    #[test]
    fn a_feed_on_its_own_thread_gives_the_templates_of_a_miner_fed_directly() {
        let mut direct = Miner::new();
        let mut feed = Feed::start(false);
        assert!(matches!(feed, Feed::Thread { .. }));
        // Where no thread can be had, entries are grouped as they come: the same again.
        let mut inline = Feed::Direct(Miner::new());
        // Enough entries for several batches, from two files, out of time order, with
        // continuation lines that are not grouped.
        for i in 0..(3 * BATCH_ENTRIES as i64 + 17) {
            let path = if i < 5_000 { "a.log" } else { "b.log" };
            let place = crate::evidence::line::Place {
                path,
                line: i as u64 + 1,
            };
            let text = match i % 5 {
                0 => format!("retrying job {i}\n  at Worker.run"),
                1 => format!("pool exhausted pool=p{} waited={i}ms", i % 3),
                2 => format!(
                    "cache miss for {}",
                    ["carts", "users", "tokens"][i as usize % 3]
                ),
                3 => format!("GET /api/{i} 200"),
                _ => format!("worker {} stopped\r", i % 7),
            };
            let level = [None, Some(Level::Error), Some(Level::Warn)][i as usize % 3];
            let when = at((i * 7919) % 86_400);
            direct.add(when, level, &text, &place.to_string());
            feed.add(when, level, text.as_bytes(), &place, false);
            inline.add(when, level, text.as_bytes(), &place, false);
        }
        let direct = direct.finish("x");
        assert!(direct.len() > 5);
        assert_eq!(feed.finish().finish("x"), direct);
        assert_eq!(inline.finish().finish("x"), direct);
    }

    /// Bytes that are not UTF-8 are grouped as they are shown: as U+FFFD, whichever they are.
    #[test]
    fn lines_that_are_not_utf8_are_grouped_as_shown() {
        let mut feed = Feed::start(false);
        for (i, line) in [&b"\xff worker 7 stopped"[..], b"\xfe\xfe worker 9 stopped"]
            .into_iter()
            .enumerate()
        {
            let place = crate::evidence::line::Place {
                path: "a.log",
                line: i as u64 + 1,
            };
            feed.add(at(i as i64), None, line, &place, false);
        }
        let mut direct = Miner::new();
        direct.add(at(0), None, "\u{fffd} worker 7 stopped", "a.log:1");
        direct.add(at(1), None, "\u{fffd}\u{fffd} worker 9 stopped", "a.log:2");
        let templates = feed.finish().finish("x");
        assert_eq!(templates, direct.finish("x"));
        assert_eq!(templates.len(), 2, "one U+FFFD or two are different shapes");
        assert_eq!(templates[0].example, "\u{fffd} worker 7 stopped");
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
