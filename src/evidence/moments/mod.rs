//! Notable moments: where the logs change, proposed for the timeline.
//!
//! From each source's templates and per-minute counts, three kinds of moment:
//!
//! - **A new warning or error**: a template at level warn or above whose first entry comes after
//!   the source had been writing for a while without it.
//! - **A step change** in a rate: a template's entries per minute, the source's entries per
//!   minute, its error-level entries per minute, and its share of error-level entries (for an
//!   access log, the share of 5xx answers). Steps are found by binary segmentation with a
//!   likelihood-ratio test — Poisson for rates, binomial for shares: the split of the series
//!   into two runs of constant rate that explains the counts best, kept when it beats one
//!   constant rate by [`MIN_LLR`](changepoints::MIN_LLR) (in nats) and the rate changes by at
//!   least [`MIN_RATIO`](changepoints::MIN_RATIO) times; each side is then split again. Chosen over a tabular CUSUM by measurement
//!   (`examples/changepoints.rs`): CUSUM needs a reference rate, which a postmortem can only
//!   guess from the first minutes, and it raised false alarms in most steady series where this
//!   raised none; its statistic is also a score that compares across series of any volume.
//! - **A silence**: a source that wrote steadily and then wrote nothing for five
//!   minutes or more, while other sources went on (or to the end of the logs).
//!
//! Each moment has a score from 0 to 1 and a reason in words. Moments of one lane within
//! [`NEAR`] minutes of a better one are left out: one change shows in several series.
//!
//! Rooms, each importing only those below it: `changepoints` (the statistics), `moment` (a
//! moment and its words), `logs` and `metric` (where moments are found), and this file, which
//! ranks them.

mod changepoints;
mod logs;
mod metric;
mod moment;

pub use changepoints::{Step, mean_steps, poisson_steps, share_steps};
pub use moment::{Moment, round3};

use jiff::tz::TimeZone;

use super::SourceScan;
use super::metrics::MetricData;

/// Moments of one group closer than this (minutes) to a better one are dropped.
const NEAR: i64 = 2;

/// The moments of every source and metric, best first, at most `limit`.
pub fn find(
    scans: &[&SourceScan],
    metrics: &[MetricData],
    tz: &TimeZone,
    limit: usize,
) -> Vec<Moment> {
    let end = scans
        .iter()
        .filter_map(|s| s.volume.minutes.keys().next_back())
        .max()
        .copied();
    let mut all = Vec::new();
    for scan in scans {
        all.extend(logs::new_templates(scan, tz));
        all.extend(logs::steps(scan, tz));
        if let Some(end) = end {
            all.extend(logs::silences(scan, end, tz));
        }
    }
    // The first sign of trouble: the earliest new error, or rise in errors or their share.
    let trouble = all.iter().filter(|m| m.trouble).map(|m| m.at).min();
    if let Some(anchor) = trouble {
        for scan in scans {
            all.extend(logs::changed_just_before(scan, anchor, tz));
        }
    }
    for metric in metrics {
        all.extend(metric::metric_steps(metric, tz));
    }
    best(all, limit)
}

/// Drops moments near a better one of the same group, then keeps the best `limit`.
fn best(mut all: Vec<Moment>, limit: usize) -> Vec<Moment> {
    all.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.at.cmp(&b.at)));
    let mut kept: Vec<Moment> = Vec::new();
    for m in all {
        let near = kept.iter().any(|k| {
            k.group == m.group && (k.at.as_second() - m.at.as_second()).abs() <= NEAR * 60
        });
        if !near {
            kept.push(m);
        }
        if kept.len() == limit {
            break;
        }
    }
    // A ranking that ranks: shown with three decimals, no two scores are the same; of two
    // equally strong, the earlier keeps its score and the later is shown a step below.
    let mut above = f64::INFINITY;
    for m in &mut kept {
        m.score = round3(m.score).min(round3(above - 0.001)).max(0.0);
        above = m.score;
    }
    kept
}
