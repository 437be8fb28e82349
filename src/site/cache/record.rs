//! An incident's digest as the cache keeps it: what the archive-wide pages but the search need,
//! and what the search needs, in two parts, so that either can be read without the other.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::render::context::IncidentSummary;
use crate::site::digest::{Digest, FactorBrief, Impact, Key, Part};
use crate::site::search::{Entry, Postings, SearchDoc, Words};
use crate::site::spill::Spill;

/// What the archive-wide pages but the search need of an incident.
#[derive(Serialize, Deserialize)]
pub(in crate::site) struct Pages {
    summary: IncidentSummary,
    /// Each action item's JSON, as it is.
    actions: Vec<Box<serde_json::value::RawValue>>,
    keys: Vec<Key>,
    factors: Vec<FactorBrief>,
    services: Vec<String>,
    durations: Vec<(String, i64)>,
    updated: String,
    abstract_text: Option<String>,
    impact: Option<Impact>,
}

/// What the search needs of an incident.
#[derive(Serialize, Deserialize)]
pub(in crate::site) struct Search {
    doc: SearchDoc,
    /// The indexed words by weight, each weight's words in one string, apart by spaces (a word
    /// is letters and digits).
    words: Vec<(u8, String)>,
}

/// An incident's two parts as JSON, and the hash of each of its [`Part`]s.
pub(in crate::site) struct Encoded {
    pub pages: Vec<u8>,
    pub search: Vec<u8>,
    pub sums: Sums,
}

/// The hash of each [`Part`] of an incident's digest (or, in [`totals`], of the whole
/// archive's): equal hashes, equal pages for whatever reads only those parts.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(in crate::site) struct Sums([u64; Part::COUNT]);

impl Sums {
    pub fn of(&self, part: Part) -> u64 {
        self.0[part as usize]
    }
}

/// The first eight bytes of the SHA-256 of `bytes`.
fn sum(bytes: &[u8]) -> u64 {
    let digest = sha2::Sha256::digest(bytes);
    u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
}

/// The two parts of `d`, whose search entry indexed `words`.
pub(in crate::site) fn encode(d: &Digest, words: &Words) -> anyhow::Result<Encoded> {
    let (json, ends) = d.actions.json()?;
    let mut actions = Vec::with_capacity(ends.len());
    let mut start = 0;
    for end in ends {
        let one = std::str::from_utf8(&json[start..end as usize])?;
        actions.push(serde_json::value::RawValue::from_string(one.to_owned())?);
        start = end as usize;
    }
    let pages = Pages {
        summary: d.summary.clone(),
        actions,
        keys: d.actions.keys.to_vec(),
        factors: d.factors.clone(),
        services: d.services.clone(),
        durations: d
            .durations
            .iter()
            .map(|&(n, s)| (n.to_owned(), s))
            .collect(),
        updated: d.updated.clone(),
        abstract_text: d.abstract_text.clone(),
        impact: d.impact,
    };
    // Words in their order, not the map's, so the same words give the same bytes.
    let mut sorted: Vec<(&String, &u8)> = words.iter().collect();
    sorted.sort_unstable();
    let mut by_weight: std::collections::BTreeMap<u8, String> = Default::default();
    for (word, weight) in sorted {
        let list = by_weight.entry(*weight).or_default();
        if !list.is_empty() {
            list.push(' ');
        }
        list.push_str(word);
    }
    let search = Search {
        doc: d.search.doc.clone(),
        words: by_weight.into_iter().collect(),
    };
    let (pages_json, search) = (serde_json::to_vec(&pages)?, serde_json::to_vec(&search)?);
    let mut sums = [0; Part::COUNT];
    for (part, bytes) in [
        (Part::Summary, serde_json::to_vec(&pages.summary)?),
        // The items' text, then their facts.
        (
            Part::Actions,
            [json, serde_json::to_vec(&pages.keys)?].concat(),
        ),
        (Part::Factors, serde_json::to_vec(&pages.factors)?),
        (Part::Services, serde_json::to_vec(&pages.services)?),
        (Part::Durations, serde_json::to_vec(&pages.durations)?),
        (Part::Updated, serde_json::to_vec(&pages.updated)?),
        (Part::Abstract, serde_json::to_vec(&pages.abstract_text)?),
        (Part::Impact, serde_json::to_vec(&pages.impact)?),
        (Part::Search, search.clone()),
        (
            Part::Order,
            serde_json::to_vec(&(&d.search.doc.d, &d.search.doc.i))?,
        ),
    ] {
        sums[part as usize] = sum(&bytes);
    }
    let (pages, sums) = (pages_json, Sums(sums));
    Ok(Encoded {
        pages,
        search,
        sums,
    })
}

/// Each word of `words` (by weight, apart by spaces) with its weight.
fn weights(words: &[(u8, String)]) -> impl Iterator<Item = (&str, u8)> {
    words
        .iter()
        .flat_map(|(weight, list)| list.split(' ').map(move |w| (w, *weight)))
}

impl Search {
    /// Each indexed word with its weight.
    pub(super) fn weights(&self) -> impl Iterator<Item = (&str, u8)> {
        weights(&self.words)
    }

    /// The search entry again: its words go to `postings`.
    pub(super) fn entry(self, postings: &Postings) -> Entry {
        Entry::again(self.doc, weights(&self.words), postings)
    }
}

/// What [`Pages`] holds but the action items and the factors, which are skipped unread: enough
/// for the archive-wide pages that show neither.
#[derive(Deserialize)]
pub(in crate::site) struct Light {
    summary: IncidentSummary,
    services: Vec<String>,
    durations: Vec<(String, i64)>,
    updated: String,
    abstract_text: Option<String>,
    impact: Option<Impact>,
}

impl Pages {
    /// The digest again, with its search entry: its action items go to `spill`.
    pub(super) fn digest(self, search: Entry, spill: &Arc<Spill>) -> anyhow::Result<Digest> {
        let Pages {
            summary,
            actions,
            keys,
            factors,
            services,
            durations,
            updated,
            abstract_text,
            impact,
        } = self;
        let mut json = Vec::new();
        let mut ends = Vec::with_capacity(actions.len());
        for action in &actions {
            json.extend_from_slice(action.get().as_bytes());
            ends.push(u32::try_from(json.len())?);
        }
        let actions =
            crate::site::digest::Actions::from_json(&json, ends, keys.into_boxed_slice(), spill)?;
        let light = Light {
            summary,
            services,
            durations,
            updated,
            abstract_text,
            impact,
        };
        light.digest(search, actions, factors)
    }
}

impl Light {
    /// The digest again, with its search entry, its action items and its factors (none, for
    /// pages that show neither).
    pub(super) fn digest(
        self,
        search: Entry,
        actions: crate::site::digest::Actions,
        factors: Vec<FactorBrief>,
    ) -> anyhow::Result<Digest> {
        let durations = self
            .durations
            .into_iter()
            .map(|(name, s)| {
                crate::render::context::DURATIONS
                    .into_iter()
                    .find(|d| *d == name)
                    .map(|d| (d, s))
                    .ok_or_else(|| anyhow::anyhow!("unknown duration {name}"))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Digest {
            summary: self.summary,
            actions,
            factors,
            services: self.services,
            durations,
            updated: self.updated,
            abstract_text: self.abstract_text,
            search,
            impact: self.impact,
        })
    }
}

/// The hash of each part of a whole archive's records, from each incident's in the order of
/// the build's folders (so an incident added, removed or moved changes them all); `None` when
/// an incident has none.
pub(in crate::site) fn totals(each: impl IntoIterator<Item = Option<Sums>>) -> Option<Sums> {
    let mut all: [sha2::Sha256; Part::COUNT] = Default::default();
    for sums in each {
        let sums = sums?;
        for (hash, part) in all.iter_mut().zip(sums.0) {
            hash.update(part.to_le_bytes());
        }
    }
    Some(Sums(all.map(|h| {
        u64::from_le_bytes(h.finalize()[..8].try_into().unwrap_or_default())
    })))
}
