//! `themes.html`: what the archive's contributing factors have in common, as distributions.
//!
//! For each factor category: how many incidents had one, and how long those incidents took to
//! resolve, as quantiles and as a histogram. Averages are left out on purpose: a few long
//! incidents pull an average of time-to-resolve far from the typical incident (the VOID report
//! found this over about 10,000 incidents), so the page gives the median and the spread.
//!
//! Then the factors that come back: factor texts of different incidents that share most of
//! their words (Jaccard similarity of their word sets at least [`SIMILAR`]), grouped.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::digest::Digest;
use crate::model::time::human_duration;

/// Word-set similarity at which two factor texts are the same factor.
const SIMILAR: f64 = 0.5;
/// Repeated factors the page lists at most.
const MAX_REPEATED: usize = 50;

/// Buckets of time to resolve for the histogram: upper bound in seconds, and label.
const BUCKETS: [(i64, &str); 5] = [
    (15 * 60, "under 15 min"),
    (60 * 60, "15 min to 1 h"),
    (4 * 3600, "1 to 4 h"),
    (24 * 3600, "4 to 24 h"),
    (i64::MAX, "over a day"),
];

#[derive(Debug, Serialize)]
pub struct CategoryRow {
    pub name: String,
    pub incidents: usize,
    /// Share of the archive's incidents, in percent.
    pub share: u32,
    pub factors: usize,
    /// Incidents with a known time to resolve.
    pub resolved: usize,
    pub min: String,
    pub median: String,
    pub p90: String,
    pub max: String,
}

#[derive(Debug, Serialize)]
pub struct Repeated {
    pub text: String,
    pub category: String,
    pub incidents: Vec<Link>,
}

#[derive(Debug, Serialize)]
pub struct Link {
    pub id: String,
    pub title: String,
    pub date: String,
    pub anchor: String,
}

/// The page's data: category rows, the histogram (an SVG), and the repeated factors.
pub struct Themes {
    pub categories: Vec<CategoryRow>,
    pub histogram: Option<String>,
    pub repeated: Vec<Repeated>,
}

pub fn themes(digests: &[Digest]) -> Themes {
    let total = digests.len().max(1);
    let mut by_category: BTreeMap<&str, (usize, usize, Vec<i64>)> = BTreeMap::new();
    for d in digests {
        let resolve = d
            .durations
            .iter()
            .find(|(name, _)| *name == "to resolve")
            .map(|(_, s)| *s);
        let mut seen = HashSet::new();
        for f in &d.factors {
            let entry = by_category.entry(f.category.as_str()).or_default();
            entry.1 += 1;
            if seen.insert(f.category.as_str()) {
                entry.0 += 1;
                entry.2.extend(resolve);
            }
        }
    }
    let categories: Vec<CategoryRow> = by_category
        .iter()
        .map(|(name, (incidents, factors, times))| {
            let mut times = times.clone();
            times.sort_unstable();
            let q = |p: f64| quantile(&times, p).map_or_else(|| "–".to_owned(), shown);
            CategoryRow {
                name: (*name).to_owned(),
                incidents: *incidents,
                // Rounded, not cut: 12 of 14 is 86 %.
                share: ((*incidents * 100) as f64 / total as f64).round() as u32,
                factors: *factors,
                resolved: times.len(),
                min: q(0.0),
                median: q(0.5),
                p90: q(0.9),
                max: q(1.0),
            }
        })
        .collect();
    let histogram = (!by_category.is_empty()).then(|| {
        let labels: Vec<String> = BUCKETS.iter().map(|(_, l)| (*l).to_owned()).collect();
        let series: Vec<crate::render::charts::Series> = by_category
            .iter()
            .map(|(name, (_, _, times))| crate::render::charts::Series {
                name: (*name).to_owned(),
                values: BUCKETS
                    .iter()
                    .enumerate()
                    .map(|(b, (upper, _))| {
                        let lower = b.checked_sub(1).map_or(i64::MIN, |p| BUCKETS[p].0);
                        times.iter().filter(|&&t| t > lower && t <= *upper).count() as f64
                    })
                    .collect(),
            })
            .collect();
        // Side by side, not stacked: an incident with factors of two categories is in both
        // bars, and a stack would count it twice on an axis of incidents.
        crate::render::charts::grouped_bars(&crate::render::charts::Chart {
            id: "themes-resolve",
            title: "Time to resolve, by factor category",
            desc: "For each span of time to resolve, how many incidents with a factor of each category took that long; an incident with factors of several categories is in each of their bars.",
            categories: &labels,
            series: &series,
            y_label: "incidents",
        })
    });
    Themes {
        categories,
        histogram,
        repeated: repeated(digests),
    }
}

/// The `p` quantile (0 to 1) of sorted values, by the nearest rank.
fn quantile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * (sorted.len() - 1) as f64).round() as usize;
    sorted.get(rank).copied()
}

fn shown(seconds: i64) -> String {
    human_duration(jiff::SignedDuration::from_secs(seconds))
}

/// Words that say nothing about which factor it is.
const STOP: &[&str] = &[
    "the", "and", "for", "with", "that", "this", "was", "were", "not", "but", "are", "its", "had",
    "has", "have", "into", "from", "our", "all", "any", "one", "when", "than", "then", "they",
    "their", "there", "which", "while", "would", "could", "should", "only", "also",
];

fn words(text: &str) -> Vec<String> {
    let mut w: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|w| !STOP.contains(&w.as_str()))
        .collect();
    w.sort();
    w.dedup();
    w
}

/// Factors of two incidents or more that say nearly the same, the most widespread first.
fn repeated(digests: &[Digest]) -> Vec<Repeated> {
    struct Group {
        words: Vec<String>,
        text: String,
        category: String,
        incidents: Vec<(usize, String)>,
    }
    let mut groups: Vec<Group> = Vec::new();
    // Word → groups whose first text has it: only groups that share a word are compared.
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (n, d) in digests.iter().enumerate() {
        for f in &d.factors {
            let w = words(&f.text);
            if w.is_empty() {
                continue;
            }
            let mut shared: HashMap<usize, usize> = HashMap::new();
            for word in &w {
                for &g in index.get(word).into_iter().flatten() {
                    *shared.entry(g).or_default() += 1;
                }
            }
            let best = shared
                .into_iter()
                .map(|(g, s)| {
                    let union = w.len() + groups[g].words.len() - s;
                    (g, s as f64 / union as f64)
                })
                .filter(|(_, sim)| *sim >= SIMILAR)
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
            match best {
                Some((g, _)) => {
                    if groups[g].incidents.last().is_none_or(|(i, _)| *i != n) {
                        groups[g].incidents.push((n, f.anchor.clone()));
                    }
                }
                None => {
                    for word in &w {
                        index.entry(word.clone()).or_default().push(groups.len());
                    }
                    groups.push(Group {
                        words: w,
                        text: f.text.clone(),
                        category: f.category.clone(),
                        incidents: vec![(n, f.anchor.clone())],
                    });
                }
            }
        }
    }
    let mut out: Vec<Repeated> = groups
        .into_iter()
        .filter(|g| g.incidents.len() >= 2)
        .map(|g| Repeated {
            text: g.text,
            category: g.category,
            incidents: g
                .incidents
                .into_iter()
                .map(|(n, anchor)| {
                    let s = &digests[n].summary;
                    Link {
                        id: s.id.clone(),
                        title: s.title.clone(),
                        date: s.date.clone(),
                        anchor,
                    }
                })
                .collect(),
        })
        .collect();
    out.sort_by(|a, b| {
        b.incidents
            .len()
            .cmp(&a.incidents.len())
            .then(a.text.cmp(&b.text))
    });
    out.truncate(MAX_REPEATED);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank() {
        let v = [60, 120, 180, 240, 36_000];
        assert_eq!(quantile(&v, 0.5), Some(180));
        assert_eq!(quantile(&v, 0.9), Some(36_000));
        assert_eq!(quantile(&v, 0.0), Some(60));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn words_ignore_case_order_and_filler() {
        assert_eq!(
            words("The pool was exhausted; the POOL limit"),
            ["exhausted", "limit", "pool"]
        );
    }
}
