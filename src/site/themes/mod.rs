//! `themes.html`: what the archive's contributing factors have in common, as distributions.
//!
//! For each factor category: how many incidents had one, and how long those incidents took to
//! resolve, as quantiles and as a histogram. Averages are left out on purpose: a few long
//! incidents pull an average of time-to-resolve far from the typical incident (the VOID report
//! found this over about 10,000 incidents), so the page gives the median and the spread.
//!
//! Then the themes that come back: factors of different incidents about the same thing, found
//! by their meaning-bearing words or named by people (see [`recurring`]).

mod recurring;
mod words;

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use super::digest::Digest;
use crate::model::time::human_duration;

/// Recurring themes the page lists at most.
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

/// A theme that comes back, as the page shows it.
#[derive(Debug, Serialize)]
pub struct ThemeView {
    /// The name people gave it, or the words its factors share.
    pub name: String,
    pub named: bool,
    pub incidents: usize,
    pub services: Vec<String>,
    pub factors: Vec<ThemeFactor>,
}

#[derive(Debug, Serialize)]
pub struct ThemeFactor {
    pub text: String,
    pub category: String,
    pub incident: Link,
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
    pub recurring: Vec<ThemeView>,
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
                values: bucketed(times),
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
        recurring: recurring_themes(digests),
    }
}

/// How many of `times` (seconds) fall in each of [`BUCKETS`].
fn bucketed(times: &[i64]) -> Vec<f64> {
    BUCKETS
        .iter()
        .enumerate()
        .map(|(b, (upper, _))| {
            let lower = b.checked_sub(1).map_or(i64::MIN, |p| BUCKETS[p].0);
            times.iter().filter(|&&t| t > lower && t <= *upper).count() as f64
        })
        .collect()
}

/// A histogram of one service's times to resolve (seconds), over the same spans as the
/// categories' histogram.
pub(super) fn resolve_histogram(service: &str, times: &[i64]) -> String {
    let labels: Vec<String> = BUCKETS.iter().map(|(_, l)| (*l).to_owned()).collect();
    let series = [crate::render::charts::Series {
        name: "incidents".to_owned(),
        values: bucketed(times),
    }];
    let title = format!("Time to resolve, {service}");
    crate::render::charts::stacked_bars(&crate::render::charts::Chart {
        id: "service-resolve",
        title: &title,
        desc: "How many of the service's incidents took each span of time to resolve.",
        categories: &labels,
        series: &series,
        y_label: "incidents",
    })
}

/// The `p` quantile (0 to 1) of sorted values, by the nearest rank.
pub(super) fn quantile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * (sorted.len() - 1) as f64).round() as usize;
    sorted.get(rank).copied()
}

/// A number of seconds as the reports write durations (`5h 48m`).
pub(super) fn shown(seconds: i64) -> String {
    human_duration(jiff::SignedDuration::from_secs(seconds))
}

/// The recurring themes of the archive, with their factors and incidents, linked.
fn recurring_themes(digests: &[Digest]) -> Vec<ThemeView> {
    let mut owners = Vec::new();
    let factors: Vec<recurring::Factor<'_>> = digests
        .iter()
        .enumerate()
        .flat_map(|(n, d)| {
            d.factors.iter().map(move |f| recurring::Factor {
                incident: n,
                text: &f.text,
                theme: f.theme.as_deref(),
                services: &d.services,
            })
        })
        .inspect(|f| owners.push(f.incident))
        .collect();
    let flat: Vec<&super::digest::FactorBrief> =
        digests.iter().flat_map(|d| d.factors.iter()).collect();
    // The themes come most widespread first: only those the page shows are made into views.
    recurring::recurring(&factors)
        .into_iter()
        .take(MAX_REPEATED)
        .map(|theme| {
            let mut services: Vec<String> = Vec::new();
            let mut incidents: Vec<usize> = Vec::new();
            let factors = theme
                .factors
                .iter()
                .map(|&k| {
                    let (n, f) = (owners[k], flat[k]);
                    let s = &digests[n].summary;
                    if !incidents.contains(&n) {
                        incidents.push(n);
                    }
                    for service in &digests[n].services {
                        if !services.contains(service) {
                            services.push(service.clone());
                        }
                    }
                    ThemeFactor {
                        text: f.text.clone(),
                        category: f.category.clone(),
                        incident: Link {
                            id: s.id.clone(),
                            title: s.title.clone(),
                            date: s.date.clone(),
                            anchor: f.anchor.clone(),
                        },
                    }
                })
                .collect();
            services.sort();
            ThemeView {
                name: theme.name,
                named: theme.named,
                incidents: theme.incidents,
                services,
                factors,
            }
        })
        .collect()
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
}
