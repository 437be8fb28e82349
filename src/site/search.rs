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
#[derive(Debug, Clone, Serialize)]
pub struct SearchDoc {
    /// Title.
    pub t: String,
    /// The incident's id: its report is `incidents/<id>/index.html`.
    pub i: String,
    /// Date, `YYYY-MM-DD` or empty.
    pub d: String,
    /// Severity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s: Option<String>,
    /// Services, tags, factor categories.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sv: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tg: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub c: Vec<String>,
    /// The summary's first words.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub x: String,
}

/// An incident's entry: its row and its words with their weights.
pub struct Entry {
    pub doc: SearchDoc,
    pub words: Vec<(String, u8)>,
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

/// The index entry of one incident, from its view (a public build's view is redacted).
pub fn entry(view: &IncidentView) -> Entry {
    let mut weights: rustc_hash::FxHashMap<String, u8> = Default::default();
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
    Entry {
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
        words: weights.into_iter().collect(),
    }
}

/// The shard a word's postings are in: its first character, or `_` when that is not a
/// letter or digit of ASCII.
pub fn shard(word: &str) -> char {
    match word.chars().next() {
        Some(c) if c.is_ascii_alphanumeric() => c,
        _ => '_',
    }
}

/// The index files: (path in the site, bytes).
pub fn files(entries: &[&Entry]) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let docs: Vec<&SearchDoc> = entries.iter().map(|e| &e.doc).collect();
    let mut postings: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (n, e) in entries.iter().enumerate() {
        for (w, weight) in &e.words {
            let list = postings.entry(w.as_str()).or_default();
            list.push(n as u32);
            list.push(u32::from(*weight));
        }
    }
    let words: Vec<&str> = postings.keys().copied().collect();
    let mut shards: BTreeMap<char, BTreeMap<&str, &Vec<u32>>> = BTreeMap::new();
    for (w, list) in &postings {
        shards.entry(shard(w)).or_default().insert(w, list);
    }
    let mut out = vec![script("docs.js", &docs)?, script("words.js", &words)?];
    for (c, words) in shards {
        out.push(script(&format!("w/{c}.js"), &words)?);
    }
    Ok(out)
}

/// Writes the index of `entries` (in the order of the archive's index) and `search.html`.
pub(super) fn write(out: Writer<'_>, entries: &[&Entry]) -> anyhow::Result<()> {
    for (path, bytes) in files(entries)? {
        out.file(&path, &bytes)?;
    }
    let ctx = out.common.context("search", "")?;
    out.page("search.html", "search.html", &ctx)
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
    fn shards_by_first_character() {
        assert_eq!(shard("pool"), 'p');
        assert_eq!(shard("4xx"), '4');
        assert_eq!(shard("été"), '_');
    }
}
