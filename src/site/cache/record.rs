//! An incident's digest as the cache keeps it.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::render::context::IncidentSummary;
use crate::site::digest::{Digest, FactorBrief, Impact, Key};
use crate::site::search::{Entry, Postings, SearchDoc, Words};
use crate::site::spill::Spill;

/// All the archive-wide pages need of an incident: its digest, as the cache keeps it.
#[derive(Serialize, Deserialize)]
pub(in crate::site) struct Record {
    summary: IncidentSummary,
    /// Each action item's JSON, as it is.
    actions: Vec<Box<serde_json::value::RawValue>>,
    keys: Vec<Key>,
    factors: Vec<FactorBrief>,
    services: Vec<String>,
    durations: Vec<(String, i64)>,
    updated: String,
    abstract_text: Option<String>,
    doc: SearchDoc,
    /// The indexed words by weight, each weight's words in one string, apart by spaces (a word
    /// is letters and digits).
    words: Vec<(u8, String)>,
    impact: Option<Impact>,
}

impl Record {
    pub fn of(d: &Digest, words: Words) -> anyhow::Result<Record> {
        let (json, ends) = d.actions.json()?;
        let mut actions = Vec::with_capacity(ends.len());
        let mut start = 0;
        for end in ends {
            let one = std::str::from_utf8(&json[start..end as usize])?;
            actions.push(serde_json::value::RawValue::from_string(one.to_owned())?);
            start = end as usize;
        }
        let mut by_weight: std::collections::BTreeMap<u8, String> = Default::default();
        for (word, weight) in words {
            let list = by_weight.entry(weight).or_default();
            if !list.is_empty() {
                list.push(' ');
            }
            list.push_str(&word);
        }
        Ok(Record {
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
            doc: d.search.doc.clone(),
            words: by_weight.into_iter().collect(),
            impact: d.impact,
        })
    }

    /// The digest again: its action items go to `spill`, its words to `postings`.
    pub(super) fn digest(self, spill: &Arc<Spill>, postings: &Postings) -> anyhow::Result<Digest> {
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
        let mut json = Vec::new();
        let mut ends = Vec::with_capacity(self.actions.len());
        for action in &self.actions {
            json.extend_from_slice(action.get().as_bytes());
            ends.push(u32::try_from(json.len())?);
        }
        let actions = crate::site::digest::Actions::from_json(
            &json,
            ends,
            self.keys.into_boxed_slice(),
            spill,
        )?;
        let words = self
            .words
            .iter()
            .flat_map(|(weight, list)| list.split(' ').map(move |w| (w, *weight)));
        Ok(Digest {
            summary: self.summary,
            actions,
            factors: self.factors,
            services: self.services,
            durations,
            updated: self.updated,
            abstract_text: self.abstract_text,
            search: Entry::again(self.doc, words, postings),
            impact: self.impact,
        })
    }
}
