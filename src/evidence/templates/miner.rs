//! The miner: masked messages find their group through a tree of fixed depth and a
//! similarity in the leaf (see the module above).

use std::borrow::Cow;
use std::collections::HashMap;

use jiff::Timestamp;
use serde::Serialize;

use super::super::format::Level;
use super::group::Group;
use super::mask::{WILDCARD, mask_into, shape_hash};
use super::recent::{Recent, digits_hash};
use super::variables::join_variable_keys;

/// An entry joins a template when more than this share of the tokens compared are the same.
const SIMILARITY: f64 = 0.5;
/// Children of a tree node before new prefixes share the `<*>` branch.
const MAX_CHILDREN: usize = 100;
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
    /// Lines seen lately, by [`digits_hash`] → their group, as `seen` has it.
    recent: Recent,
    /// An access log's template text (`GET /api/<*> 2xx`) → its group.
    exact: rustc_hash::FxHashMap<Vec<u8>, usize>,
    /// The access-log template of the entry being added.
    shaped: Vec<u8>,
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

    /// A miner that works out the shape of every line, never finding one by its bytes: what the
    /// cache of recent lines must agree with.
    #[cfg(test)]
    pub(super) fn without_recent() -> Miner {
        let mut m = Miner::new();
        m.recent.resting = u32::MAX;
        m
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
        let place = crate::evidence::line::Place { path, line };
        self.add_line(at, level, first_line(text.as_bytes()), &place, access);
    }

    /// Adds one entry by the first line of its text, as read: bytes that are not UTF-8 are
    /// grouped as U+FFFD, as they are shown. An access log's entry (`access`) that holds a
    /// request is grouped by its method, route shape and status class instead.
    pub(super) fn add_line(
        &mut self,
        at: Timestamp,
        level: Option<Level>,
        line: &[u8],
        source: &crate::evidence::line::Place<'_>,
        access: bool,
    ) {
        // Nearly every line is ASCII, and saying so is cheaper than checking it is UTF-8.
        if !line.is_ascii()
            && let Cow::Owned(text) = String::from_utf8_lossy(line)
        {
            return self.add_line(at, level, text.as_bytes(), source, access);
        }
        let shaped = access && crate::evidence::access::shape(line, &mut self.shaped);
        let index = if shaped {
            match self.exact.get(&self.shaped) {
                Some(&i) => i,
                None => {
                    // Cut at ASCII bytes of text: text still.
                    let tokens = String::from_utf8_lossy(&self.shaped)
                        .split(' ')
                        .map(str::to_owned)
                        .collect();
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
    ///
    /// Most lines of a log repeat one seen a moment ago but for their numbers, and such a
    /// line's group is found by a hash of its bytes (digits aside) before its shape is worked
    /// out.
    fn group_of(&mut self, line: &[u8], level: Option<Level>) -> usize {
        let whole = self.recent.worth_it().then(|| digits_hash(line, level));
        if let Some(i) = whole.and_then(|h| self.recent.get(h)) {
            return i;
        }
        let shape = shape_hash(line, level);
        let text = || crate::evidence::line::text_of(line);
        let i = match self.seen.get(&shape) {
            Some(&i) => i,
            None => {
                mask_into(&text(), &mut self.tokens);
                let i = self.place(level);
                if self.seen.len() >= 100_000 {
                    // Not remembered by shape, so not by its bytes either: the next line like
                    // it is placed again, as this one was.
                    return i;
                }
                self.seen.insert(shape, i);
                i
            }
        };
        if let Some(h) = whole {
            self.recent.put(h, i);
        }
        i
    }

    /// Counts an entry into group `index`.
    fn count(
        &mut self,
        index: usize,
        at: Timestamp,
        level: Option<Level>,
        line: &[u8],
        source: &crate::evidence::line::Place<'_>,
    ) {
        let text = || crate::evidence::line::text_of(line);
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
        self.groups.push(Group::empty(tokens));
        self.groups.len() - 1
    }

    /// The templates, earliest first.
    pub fn finish(self, lane: &str) -> Vec<Template> {
        self.finish_with_lines(lane).0
    }

    /// The templates, earliest first, and which template each entry joined (empty unless the
    /// miner was [recording](Miner::recording)), in the order the entries came.
    pub fn finish_with_lines(self, lane: &str) -> (Vec<Template>, Vec<TemplateLine>) {
        let (groups, into) = join_variables(self.groups);
        let mut out: Vec<(usize, Template)> = groups
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
                        template: id_of[into[group as usize]].clone(),
                    })
                    .collect()
            }
        };
        (out.into_iter().map(|(_, t)| t).collect(), lines)
    }
}

/// The groups once those that differ only in a variable key's value are one
/// ([`join_variable_keys`]), and the group each of the given groups ended in. A group joined
/// into another is left empty.
fn join_variables(mut groups: Vec<Group>) -> (Vec<Group>, Vec<usize>) {
    let mut tokens: Vec<Vec<String>> = groups
        .iter_mut()
        .map(|g| std::mem::take(&mut g.tokens))
        .collect();
    let levels: Vec<Option<Level>> = groups.iter().map(|g| g.level).collect();
    let live: Vec<bool> = groups.iter().map(|g| g.count > 0).collect();
    let mut into = join_variable_keys(&mut tokens, &levels, &live);
    for (g, t) in groups.iter_mut().zip(tokens) {
        g.tokens = t;
    }
    for i in 0..into.len() {
        let mut root = into[i];
        while into[root] != root {
            root = into[root];
        }
        into[i] = root;
        if root != i {
            let joined = std::mem::replace(&mut groups[i], Group::empty(Vec::new()));
            groups[root].absorb(joined);
        }
    }
    (groups, into)
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
pub(super) fn first_line(text: &[u8]) -> &[u8] {
    let line = memchr::memchr(b'\n', text).map_or(text, |i| &text[..i]);
    line.strip_suffix(b"\r").unwrap_or(line)
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
/// one `key=value` with two values that are words (`state=down`); a value that varies
/// (digits, ids) is masked before it gets here, and a key that turns out to take many word
/// values (`user=root`, `user=git`, …) is joined once mining ends (see `variables`).
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
