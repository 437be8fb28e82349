//! The site's search: `search.html`, and the index it loads: small static files, so search
//! works from any static host, under any sub-path, and from disk (`file://`) with no server.
//!
//! Each file is a script, `debriefSearchIndex("<name>", <JSON>);`, that the page adds as a
//! `<script>` element: browsers refuse `fetch` of `file://` URLs but run scripts from there.
//!
//! - `search/docs.js`: one row per incident: title, link, date, a short excerpt, and the
//!   facets (severity, services, tags, factor categories, year).
//! - `search/words.js`: every indexed word, sorted. The page matches the query against it:
//!   exactly, as a prefix, or (for words of five letters or more) with one typo: a letter
//!   added, dropped, changed, or two neighbours swapped.
//! - `search/w/<c>.js`: the postings of the words starting with `c`: word → `[incident,
//!   weight, incident, weight, …]`. A query loads only the files of the words it matched.
//!
//! Weights say where a word stands: the title counts most, then tags, services, categories
//! and roles, then the summary and impact, then the rest (timeline, factors, actions, lessons,
//! notes).

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use super::common::Writer;
use crate::render::context::IncidentView;

/// The weight of a word by where it stands.
const TITLE: u8 = 8;
const LABEL: u8 = 4;
const SUMMARY: u8 = 2;
const BODY: u8 = 1;

/// Words of the summary a result shows: enough to tell incidents apart, few enough that the
/// first query of a 1,000-incident archive stays under 300 KB: 284 KB of index with 9 words
/// and an ellipsis, 296 KB with the page and its script.
const EXCERPT_WORDS: usize = 9;

/// What the index keeps of an incident.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct SearchDoc {
    /// Title.
    pub t: String,
    /// The incident's id: its report is `incidents/<id>/index.html`.
    pub i: String,
    /// Date, `YYYY-MM-DD` or empty.
    pub d: String,
    /// Severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s: Option<String>,
    /// Services, tags, factor categories.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sv: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tg: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub c: Vec<String>,
    /// The summary's first words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub x: String,
}

/// An incident's entry: its row, and its number among the postings spilled so far.
pub struct Entry {
    pub doc: SearchDoc,
    number: u32,
}

/// The words of every incident with their weights, spilled to temporary files by shard as each
/// incident's entry is made, and read back one shard at a time when the index is written: an
/// archive's words never need to be in memory at once, only one shard's.
///
/// A record is the word, a NUL, the incident's number (four bytes, little-endian) and the
/// weight. The files are anonymous (unlinked from the start), so nothing is left behind, even
/// when the build is stopped.
#[derive(Default)]
pub struct Postings(std::sync::Mutex<Spill>);

#[derive(Default)]
struct Spill {
    shards: BTreeMap<char, std::io::BufWriter<std::fs::File>>,
    /// Entries made so far: the next one's number.
    made: u32,
    /// The first write that failed: the index cannot be written.
    error: Option<std::io::Error>,
    /// When set, the only shards whose words are kept from now on: the others' files are
    /// taken from the previous build (see [`Narrowed`]).
    only: Option<std::collections::BTreeSet<char>>,
}

impl Postings {
    /// Spills an incident's words, and says its number.
    fn add<'a>(&self, words: impl IntoIterator<Item = (&'a str, u8)>) -> u32 {
        // A panic elsewhere cannot leave a half-written record: the lock is held while writing
        // whole records only.
        let mut spill = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let number = spill.made;
        spill.made += 1;
        if spill.error.is_some() {
            return number;
        }
        let mut record = Vec::with_capacity(48);
        for (word, weight) in words {
            let c = shard(word);
            if spill.only.as_ref().is_some_and(|only| !only.contains(&c)) {
                continue;
            }
            record.clear();
            record.extend_from_slice(word.as_bytes());
            record.push(0);
            record.extend_from_slice(&number.to_le_bytes());
            record.push(weight);
            let written = match spill.shards.entry(c) {
                std::collections::btree_map::Entry::Occupied(file) => {
                    std::io::Write::write_all(file.into_mut(), &record)
                }
                std::collections::btree_map::Entry::Vacant(slot) => {
                    tempfile::tempfile().and_then(|file| {
                        let file = slot.insert(std::io::BufWriter::with_capacity(1 << 16, file));
                        std::io::Write::write_all(file, &record)
                    })
                }
            };
            if let Err(e) = written {
                spill.error = Some(e);
                break;
            }
        }
        number
    }

    /// From now on, keeps only the words of `shards`.
    pub fn only(&self, shards: std::collections::BTreeSet<char>) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .only = Some(shards);
    }

    /// The shards in the order of their words (digits, then letters, then the rest, which all
    /// start beyond ASCII), each with the file of its records.
    fn shards(self) -> anyhow::Result<Vec<(char, SpillFile)>> {
        let spill = self
            .0
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(e) = spill.error {
            return Err(anyhow::Error::new(e)
                .context("spilling the search index's postings to a temporary file"));
        }
        let mut shards: Vec<_> = spill.shards.into_iter().collect();
        shards.sort_by_key(|&(c, _)| (c == '_', c));
        Ok(shards)
    }
}

/// A shard's postings as they were spilled.
type SpillFile = std::io::BufWriter<std::fs::File>;

/// The records spilled to `file`.
fn records(file: SpillFile) -> anyhow::Result<Vec<u8>> {
    use std::io::{Read, Seek};
    let mut file = file.into_inner().map_err(|e| e.into_error())?;
    file.rewind()?;
    let mut records = Vec::new();
    file.read_to_end(&mut records)?;
    Ok(records)
}

/// Words too common to search for.
const STOP: &[&str] = &[
    "the", "and", "for", "with", "that", "this", "was", "were", "are", "but", "not", "its", "had",
    "has", "have", "into", "from", "our", "all", "any", "when", "than", "then", "they", "their",
    "there", "which", "while", "would", "could", "should", "also", "been", "after", "before",
];

/// Calls `f` with each word of `text` (lower case, letters and digits, two to forty
/// characters, stop words left out), lowered into one buffer: the index sees every word of
/// every incident, and most are words it has seen.
fn each_word(text: &str, mut f: impl FnMut(&str)) {
    let mut lower = String::new();
    // Most text is ASCII, which splits by bytes, not characters.
    let words: &mut dyn Iterator<Item = &str> = if text.is_ascii() {
        &mut text.split(|c: char| !c.is_ascii_alphanumeric())
    } else {
        &mut text.split(|c: char| !c.is_alphanumeric())
    };
    for w in words {
        let ascii = w.is_ascii();
        let n = if ascii { w.len() } else { w.chars().count() };
        if !(2..=40).contains(&n) {
            continue;
        }
        lower.clear();
        if ascii {
            lower.push_str(w);
            lower.make_ascii_lowercase();
        } else {
            lower.push_str(&w.to_lowercase());
        }
        // Stop words are three to six letters long.
        if !((3..=6).contains(&lower.len()) && STOP.contains(&lower.as_str())) {
            f(&lower);
        }
    }
}

/// An incident's indexed words, each with its weight.
pub type Words = rustc_hash::FxHashMap<String, u8>;

impl Entry {
    /// The entry of an incident indexed in an earlier build: its row and its words, which go
    /// to `postings`.
    pub fn again<'a>(
        doc: SearchDoc,
        words: impl IntoIterator<Item = (&'a str, u8)>,
        postings: &Postings,
    ) -> Entry {
        Entry {
            doc,
            number: postings.add(words),
        }
    }
}

/// The index entry of one incident, from its view (a public build's view is redacted), and
/// its words, which also go to `postings`.
pub fn entry(view: &IncidentView, postings: &Postings) -> (Entry, Words) {
    let mut weights: Words = Default::default();
    let mut add = |text: &str, weight: u8| {
        each_word(text, |w| match weights.get_mut(w) {
            Some(slot) => *slot = (*slot).max(weight),
            None => {
                weights.insert(w.to_owned(), weight);
            }
        });
    };
    add(&view.title, TITLE);
    for label in view
        .tags
        .iter()
        .chain(&view.services)
        .chain(view.factors.iter().map(|f| &f.category))
        .chain(view.people.iter().map(|p| &p.role))
    {
        add(label, LABEL);
    }
    for text in view.summary.iter().chain(&view.impact) {
        add(text, SUMMARY);
    }
    for e in &view.timeline {
        add(&e.text, BODY);
    }
    for f in &view.factors {
        add(&f.text, BODY);
    }
    for a in &view.actions {
        add(&a.text, BODY);
    }
    let l = &view.lessons;
    for lesson in l.went_well.iter().chain(&l.went_wrong).chain(&l.lucky) {
        add(lesson, BODY);
    }
    if let Some(notes) = &view.notes {
        add(notes, BODY);
    }
    let mut categories: Vec<String> = view.factors.iter().map(|f| f.category.clone()).collect();
    categories.sort();
    categories.dedup();
    let summary = view
        .summary
        .as_deref()
        .map(crate::render::markdown::plain)
        .unwrap_or_default();
    let mut words = summary.split_whitespace();
    let mut excerpt = words
        .by_ref()
        .take(EXCERPT_WORDS)
        .collect::<Vec<_>>()
        .join(" ");
    if words.next().is_some() {
        // The summary goes on: say so rather than stop mid-sentence.
        excerpt.push_str(" …");
    }
    let entry = Entry {
        doc: SearchDoc {
            t: view.title.clone(),
            i: view.id.clone(),
            d: view.date.clone(),
            s: view.severity.clone(),
            sv: view.services.clone(),
            tg: view.tags.clone(),
            c: categories,
            x: excerpt,
        },
        number: postings.add(weights.iter().map(|(w, n)| (w.as_str(), *n))),
    };
    (entry, weights)
}

/// The shard a word's postings are in: its first character, or `_` when that is not a
/// letter or digit of ASCII.
pub fn shard(word: &str) -> char {
    match word.chars().next() {
        Some(c) if c.is_ascii_alphanumeric() => c,
        _ => '_',
    }
}

/// The search drawn again for some of its shards only, when every incident keeps its number:
/// the other shards' files are the previous build's, as they are.
pub(super) struct Narrowed {
    /// The shards to draw again.
    pub shards: std::collections::BTreeSet<char>,
    /// The previous build's list of words (`words.js`).
    pub words: Vec<String>,
}

/// Writes the index of `entries` (in the order of the archive's index, which numbers the
/// incidents in the postings) and `search.html`; of the shards, only those `narrowed` names.
pub(super) fn write(
    out: Writer<'_>,
    entries: &[&Entry],
    postings: Postings,
    narrowed: Option<Narrowed>,
) -> anyhow::Result<()> {
    let docs: Vec<&SearchDoc> = entries.iter().map(|e| &e.doc).collect();
    let (path, bytes) = script("docs.js", &docs)?;
    out.file(&path, &bytes)?;
    // Where each incident stands in the index, by the number its postings carry.
    let mut position = vec![
        u32::MAX;
        entries
            .iter()
            .map(|e| e.number as usize + 1)
            .max()
            .unwrap_or(0)
    ];
    for (n, e) in entries.iter().enumerate() {
        position[e.number as usize] = n as u32;
    }
    // The shards side by side, each read and written on its own; their words in their order.
    let mut shards = postings.shards()?;
    if let Some(n) = &narrowed {
        shards.retain(|(c, _)| n.shards.contains(c));
    }
    let words = shards
        .into_par_iter()
        .map(|(c, file)| -> anyhow::Result<(char, Vec<String>)> {
            let records = records(file)?;
            let mut lists: BTreeMap<&str, Vec<(u32, u32)>> = BTreeMap::new();
            let mut rest = &records[..];
            while let Some(nul) = rest.iter().position(|&b| b == 0) {
                let (word, tail) = rest.split_at(nul);
                let [_, a, b, c, d, weight, ..] = *tail else {
                    anyhow::bail!("the search index's postings were cut short");
                };
                rest = &tail[6..];
                let n = position
                    .get(u32::from_le_bytes([a, b, c, d]) as usize)
                    .copied()
                    .unwrap_or(u32::MAX);
                if n != u32::MAX {
                    let word = std::str::from_utf8(word)?;
                    lists.entry(word).or_default().push((n, u32::from(weight)));
                }
            }
            let lists: BTreeMap<&str, Vec<u32>> = lists
                .into_iter()
                .map(|(word, mut list)| {
                    list.sort_unstable();
                    (word, list.into_iter().flat_map(|(n, w)| [n, w]).collect())
                })
                .collect();
            if lists.is_empty() {
                return Ok((c, Vec::new()));
            }
            let (path, bytes) = script(&format!("w/{c}.js"), &lists)?;
            out.file(&path, &bytes)?;
            Ok((c, lists.keys().map(|w| (*w).to_owned()).collect()))
        });
    let mut words: Vec<(char, Vec<String>)> = words.collect::<anyhow::Result<_>>()?;
    if let Some(n) = narrowed {
        // The other shards' words, as the previous build listed them.
        let mut kept: BTreeMap<char, Vec<String>> = BTreeMap::new();
        for word in n.words {
            let c = shard(&word);
            if !n.shards.contains(&c) {
                kept.entry(c).or_default().push(word);
            }
        }
        words.extend(kept);
        words.sort_by_key(|&(c, _)| (c == '_', c));
    }
    let words: Vec<String> = words.into_iter().flat_map(|(_, w)| w).collect();
    let (path, bytes) = script("words.js", &words)?;
    out.file(&path, &bytes)?;
    let ctx = out.common.context("search", "")?;
    out.page("search.html", "search.html", &ctx)
}

/// The list of words in `words.js` as [`script`] wrote it.
pub(super) fn words_of(file: &[u8]) -> Option<Vec<String>> {
    let json = file
        .strip_prefix(b"debriefSearchIndex(\"words.js\",")?
        .strip_suffix(b");\n")?;
    serde_json::from_slice(json).ok()
}

/// One index file: a script that hands `value` to the page under `name`, its path below
/// `search/`. JSON is a JavaScript expression, and the file is a script of its own, so no
/// text in it can end an element.
fn script(name: &str, value: &impl Serialize) -> anyhow::Result<(String, Vec<u8>)> {
    let mut bytes = format!("debriefSearchIndex({name:?},").into_bytes();
    serde_json::to_writer(&mut bytes, value)?;
    bytes.extend_from_slice(b");\n");
    Ok((format!("search/{name}"), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lower_case_and_skip_filler() {
        let mut w: Vec<String> = Vec::new();
        each_word("The Pool was EXHAUSTED: p99 at 2s, v4.2", |x| {
            w.push(x.to_owned())
        });
        assert_eq!(w, ["pool", "exhausted", "p99", "at", "2s", "v4"]);
        w.clear();
        each_word("ÉTÉ Straße é", |x| w.push(x.to_owned()));
        assert_eq!(w, ["été", "straße"]);
    }

    #[test]
    fn stop_words_are_three_to_six_letters() {
        // `each_word` looks a word up only when its length is in that range.
        assert!(STOP.iter().all(|w| (3..=6).contains(&w.len())));
    }

    #[test]
    fn each_file_is_a_script_that_names_itself() {
        let (path, bytes) = script("w/p.js", &["pool"]).unwrap();
        assert_eq!(path, "search/w/p.js");
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "debriefSearchIndex(\"w/p.js\",[\"pool\"]);\n"
        );
    }

    #[test]
    fn the_words_list_reads_back() {
        let words = ["pool".to_owned(), "été".to_owned()];
        let (_, bytes) = script("words.js", &words).unwrap();
        assert_eq!(words_of(&bytes).unwrap(), words);
        assert_eq!(words_of(b"debriefSearchIndex(\"docs.js\",[]);\n"), None);
    }

    #[test]
    fn shards_by_first_character() {
        assert_eq!(shard("pool"), 'p');
        assert_eq!(shard("4xx"), '4');
        assert_eq!(shard("été"), '_');
    }
}
