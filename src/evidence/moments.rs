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
//!   constant rate by [`MIN_LLR`] (in nats) and the rate changes by at least [`MIN_RATIO`]
//!   times; each side is then split again. Chosen over a tabular CUSUM by measurement
//!   (`examples/changepoints.rs`): CUSUM needs a reference rate, which a postmortem can only
//!   guess from the first minutes, and it raised false alarms in most steady series where this
//!   raised none; its statistic is also a score that compares across series of any volume.
//! - **A silence**: a source that wrote steadily and then wrote nothing for [`MIN_SILENCE`]
//!   minutes or more, while other sources went on (or to the end of the logs).
//!
//! Each moment has a score from 0 to 1 and a reason in words. Moments of one lane within
//! [`NEAR`] minutes of a better one are left out: one change shows in several series.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::SourceScan;
use super::format::Level;
use super::metrics::{MetricData, short};
use super::templates::Template;

/// The least likelihood gain (nats) for a step to count.
const MIN_LLR: f64 = 12.0;
/// The least change in rate, as a ratio, for a step to count.
const MIN_RATIO: f64 = 1.8;
/// Minutes on each side of a step, at least.
const MIN_RUN: usize = 3;
/// Minutes without an entry that make a silence.
const MIN_SILENCE: i64 = 5;
/// Minutes of a source's life before a new template counts as new.
const SETTLED: i64 = 3;
/// Moments of one lane closer than this (minutes) to a better one are dropped.
const NEAR: i64 = 2;
/// Templates examined for steps: the most frequent, with at least this many entries.
const MIN_STEP_COUNT: u64 = 20;
const MAX_STEP_TEMPLATES: usize = 200;
/// How deep binary segmentation recurses.
const MAX_DEPTH: usize = 3;
/// The longest series examined, in minutes (four weeks); longer spans are cut to their end.
const MAX_MINUTES: i64 = 4 * 7 * 24 * 60;

/// A proposed moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moment {
    pub at: Timestamp,
    /// What happened, in one line: the timeline text if promoted.
    pub text: String,
    pub lane: String,
    /// `path:line` of the first line that shows it.
    pub source: String,
    /// Always `moment`.
    pub kind: &'static str,
    /// Why it is proposed, in words.
    pub reason: String,
    /// 0 to 1; higher is more notable.
    pub score: f64,
}

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
        all.extend(new_templates(scan, tz));
        all.extend(steps(scan));
        if let Some(end) = end {
            all.extend(silences(scan, end, tz));
        }
    }
    for metric in metrics {
        all.extend(metric_steps(metric));
    }
    best(all, limit)
}

/// Drops moments near a better one of the same lane, then keeps the best `limit`.
fn best(mut all: Vec<Moment>, limit: usize) -> Vec<Moment> {
    all.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.at.cmp(&b.at)));
    let mut kept: Vec<Moment> = Vec::new();
    for m in all {
        let near = kept
            .iter()
            .any(|k| k.lane == m.lane && (k.at.as_second() - m.at.as_second()).abs() <= NEAR * 60);
        if !near {
            kept.push(m);
        }
        if kept.len() == limit {
            break;
        }
    }
    kept
}

fn clock(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).strftime("%H:%M:%S").to_string()
}

fn minute_start(minute: i64) -> Timestamp {
    Timestamp::from_second(minute * 60).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Templates at warn or above that first appear once the source has been writing a while.
fn new_templates(scan: &SourceScan, tz: &TimeZone) -> Vec<Moment> {
    let Some(&start) = scan.volume.minutes.keys().next() else {
        return Vec::new();
    };
    scan.templates
        .iter()
        .filter(|t| t.level.is_some_and(|l| l >= Level::Warn))
        .filter_map(|t| {
            let first_minute = t.first.as_second().div_euclid(60);
            let quiet = first_minute - start;
            if quiet < SETTLED {
                return None;
            }
            let level = t.level.unwrap_or(Level::Warn);
            let base = match level {
                Level::Critical => 0.75,
                Level::Error => 0.65,
                _ => 0.45,
            };
            let volume = ((1 + t.count) as f64).ln() / 1000f64.ln();
            let times = if t.count == 1 {
                "once".to_owned()
            } else {
                format!(
                    "{} times up to {}",
                    thousands(t.count),
                    clock(t.last, tz)
                )
            };
            Some(Moment {
                at: t.first,
                text: format!("first {}: {}", level.as_str(), t.example),
                lane: t.lane.clone(),
                source: t.source.clone(),
                kind: "moment",
                reason: format!(
                    "a new {}-level message (`{}`), absent from `{}` in the {quiet} minutes before; {times}",
                    level.as_str(),
                    t.text,
                    t.lane
                ),
                score: base + 0.3 * volume.min(1.0),
            })
        })
        .collect()
}

/// A series of per-minute values, from `start` for `len` minutes, zeros filled in.
fn series(minutes: impl Iterator<Item = (i64, f64)>, start: i64, len: usize) -> Vec<f64> {
    let mut out = vec![0.0; len];
    for (m, v) in minutes {
        if let Some(slot) = usize::try_from(m - start).ok().and_then(|i| out.get_mut(i)) {
            *slot += v;
        }
    }
    out
}

/// Steps in the source's rates and shares, and in its busiest templates' rates.
fn steps(scan: &SourceScan) -> Vec<Moment> {
    let minutes = &scan.volume.minutes;
    let (Some(&first), Some(&last)) = (minutes.keys().next(), minutes.keys().next_back()) else {
        return Vec::new();
    };
    let start = first.max(last - MAX_MINUTES);
    let len = (last - start + 1) as usize;
    let total = series(
        minutes.iter().map(|(m, c)| (*m, c.total as f64)),
        start,
        len,
    );
    let errors = series(
        minutes.iter().map(|(m, c)| (*m, c.errors as f64)),
        start,
        len,
    );
    let mut out = Vec::new();
    let lane = &scan.name;
    // Where a step at minute `m` shows first: the earliest template entry of that minute or
    // after, among the templates that `pick` accepts.
    let first_line = |m: i64, pick: &dyn Fn(&Template) -> bool| -> String {
        let after = |pick: &dyn Fn(&Template) -> bool| {
            scan.templates
                .iter()
                .filter(|t| pick(t))
                .filter_map(|t| {
                    let i = t.minutes.partition_point(|(tm, _)| *tm < m);
                    Some((t.minutes.get(i)?.0, t.minute_sources.get(i)?))
                })
                .min_by_key(|(tm, _)| *tm)
                .map(|(_, source)| source.clone())
        };
        after(pick)
            .or_else(|| after(&|_| true))
            .unwrap_or_else(|| last_entry_source(scan, m))
    };
    let access_log = scan.files.iter().any(|(_, f)| {
        matches!(
            f,
            super::Format::Clf | super::Format::W3c | super::Format::Uwsgi | super::Format::Zeek
        )
    });
    let is_error = |t: &Template| t.level.is_some_and(Level::is_error);
    let rates: [(&[f64], &str, &Pick); 2] = [
        (&total, "entries", &|_| true),
        (&errors, "error-level entries", &is_error),
    ];
    for (counts, what, pick) in rates {
        if !counts.iter().any(|c| *c > 0.0) {
            continue;
        }
        for step in poisson_steps(counts) {
            let m = start + step.at as i64;
            let short = if what == "entries" {
                "entries"
            } else {
                "errors"
            };
            out.push(step.moment(
                m,
                format!("{lane}: {short} per minute {}", step.words()),
                format!(
                    "{what} of `{lane}` changed from {} to {} per minute",
                    rate(step.before),
                    rate(step.after)
                ),
                lane,
                first_line(m, pick),
            ));
        }
    }
    if errors.iter().any(|e| *e > 0.0) {
        for step in share_steps(&errors, &total) {
            let m = start + step.at as i64;
            out.push(step.moment(
                m,
                format!(
                    "{lane}: share of {} {} from {} to {}",
                    if access_log { "5xx" } else { "errors" },
                    if step.after > step.before {
                        "rose"
                    } else {
                        "fell"
                    },
                    percent(step.before),
                    percent(step.after)
                ),
                format!(
                    "the share of {} in `{lane}` stepped from {} to {}",
                    if access_log {
                        "5xx answers"
                    } else {
                        "error-level entries"
                    },
                    percent(step.before),
                    percent(step.after)
                ),
                lane,
                first_line(m, &is_error),
            ));
        }
    }
    let mut busiest: Vec<&Template> = scan
        .templates
        .iter()
        .filter(|t| t.count >= MIN_STEP_COUNT)
        .collect();
    busiest.sort_by_key(|t| std::cmp::Reverse(t.count));
    for t in busiest.into_iter().take(MAX_STEP_TEMPLATES) {
        let counts = series(t.minutes.iter().map(|(m, n)| (*m, *n as f64)), start, len);
        for step in poisson_steps(&counts) {
            let m = start + step.at as i64;
            out.push(step.moment(
                m,
                format!("{}: `{}` {}", t.lane, t.text, step.words()),
                format!(
                    "`{}` in `{}` changed from {} to {} per minute",
                    t.text,
                    t.lane,
                    rate(step.before),
                    rate(step.after)
                ),
                lane,
                first_line(m, &|other| std::ptr::eq(other, t)),
            ));
        }
    }
    out
}

fn rate(per_minute: f64) -> String {
    if per_minute >= 10.0 {
        format!("{per_minute:.0}")
    } else {
        format!("{per_minute:.1}")
    }
}

fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p >= 10.0 || p == 0.0 {
        format!("{p:.0} %")
    } else {
        format!("{p:.1} %")
    }
}

/// Which templates a moment's first line may come from.
type Pick<'a> = dyn Fn(&Template) -> bool + 'a;

/// A change found in a series: where (index of the first minute after it), how sure, and the
/// rates (or shares) on each side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub at: usize,
    pub llr: f64,
    pub before: f64,
    pub after: f64,
}

impl Step {
    fn words(&self) -> String {
        let ratio = if self.before > 0.0 {
            self.after / self.before
        } else {
            f64::INFINITY
        };
        if ratio.is_infinite() {
            format!("started: {} per minute", rate(self.after))
        } else if ratio >= 1.0 {
            format!(
                "rose {:.0}× ({} → {} per minute)",
                ratio,
                rate(self.before),
                rate(self.after)
            )
        } else {
            format!(
                "fell from {} to {} per minute",
                rate(self.before),
                rate(self.after)
            )
        }
    }

    fn moment(
        &self,
        minute: i64,
        text: String,
        reason: String,
        lane: &str,
        source: String,
    ) -> Moment {
        Moment {
            at: minute_start(minute),
            text,
            lane: lane.to_owned(),
            source,
            kind: "moment",
            reason: format!(
                "{reason}; a step fits the counts far better than one steady rate (log-likelihood ratio {:.0})",
                self.llr
            ),
            score: 0.3 + 0.6 * (1.0 - (-self.llr / 60.0).exp()),
        }
    }
}

fn xlogx(x: f64) -> f64 {
    if x <= 0.0 { 0.0 } else { x * x.ln() }
}

/// Steps in a Poisson rate, by binary segmentation.
pub fn poisson_steps(counts: &[f64]) -> Vec<Step> {
    let mut prefix = Vec::with_capacity(counts.len() + 1);
    prefix.push(0.0);
    for c in counts {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + c);
    }
    // The log-likelihood of counts[a..b] at their own constant rate, up to terms that cancel.
    let ll = |a: usize, b: usize| {
        let s = prefix[b] - prefix[a];
        xlogx(s) - s * ((b - a) as f64).ln()
    };
    let mut out = Vec::new();
    segment(
        0,
        counts.len(),
        0,
        &ll,
        &|a, b| (prefix[b] - prefix[a]) / (b - a) as f64,
        &mut out,
    );
    out.sort_by_key(|s| s.at);
    out
}

/// Steps in the share `errors / total`, by binary segmentation with a binomial likelihood.
pub fn share_steps(errors: &[f64], total: &[f64]) -> Vec<Step> {
    let sums = |v: &[f64]| {
        let mut p = vec![0.0];
        for x in v {
            p.push(p.last().copied().unwrap_or(0.0) + x);
        }
        p
    };
    let (pe, pn) = (sums(errors), sums(total));
    let ll = |a: usize, b: usize| {
        let e = pe[b] - pe[a];
        let n = pn[b] - pn[a];
        if n <= 0.0 {
            return 0.0;
        }
        xlogx(e) + xlogx(n - e) - xlogx(n)
    };
    let share = |a: usize, b: usize| {
        let n = pn[b] - pn[a];
        if n > 0.0 { (pe[b] - pe[a]) / n } else { 0.0 }
    };
    let mut out = Vec::new();
    segment(0, errors.len(), 0, &ll, &share, &mut out);
    // A share needs entries on both sides to mean anything.
    out.retain(|s| s.before > 0.0 || s.after > 0.0);
    out.sort_by_key(|s| s.at);
    out
}

/// Finds the best split of `[a, b)`; keeps it if it is a real step, and looks on each side.
fn segment(
    a: usize,
    b: usize,
    depth: usize,
    ll: &dyn Fn(usize, usize) -> f64,
    level: &dyn Fn(usize, usize) -> f64,
    out: &mut Vec<Step>,
) {
    if depth >= MAX_DEPTH || b - a < 2 * MIN_RUN {
        return;
    }
    let whole = ll(a, b);
    let best = (a + MIN_RUN..=b - MIN_RUN)
        .map(|k| (k, ll(a, k) + ll(k, b) - whole))
        .max_by(|x, y| x.1.total_cmp(&y.1));
    let Some((k, gain)) = best else {
        return;
    };
    let (before, after) = (level(a, k), level(k, b));
    let (lo, hi) = (before.min(after), before.max(after));
    let big = hi > 0.0 && (lo == 0.0 || hi / lo >= MIN_RATIO);
    if gain < MIN_LLR || !big {
        return;
    }
    out.push(Step {
        at: k,
        llr: gain,
        before,
        after,
    });
    segment(a, k, depth + 1, ll, level, out);
    segment(k, b, depth + 1, ll, level, out);
}

/// Steps in a metric's series: a shift of the mean, by binary segmentation with a Gaussian
/// likelihood (the values are levels, not counts).
fn metric_steps(metric: &MetricData) -> Vec<Moment> {
    let mut out = Vec::new();
    for series in &metric.series {
        let points: Vec<(Timestamp, f64, u64)> = series
            .points
            .iter()
            .zip(&series.lines)
            .filter_map(|((t, v), line)| Some((*t, (*v)?, *line)))
            .collect();
        let values: Vec<f64> = points.iter().map(|p| p.1).collect();
        for step in mean_steps(&values) {
            let (at, _, line) = points[step.at];
            let which = if metric.series.len() > 1 {
                format!(" ({})", series.label)
            } else {
                String::new()
            };
            let unit = &metric.unit;
            let (before, after) = (short(step.before), short(step.after));
            let moved = if step.after > step.before {
                "rose"
            } else {
                "fell"
            };
            let mut m = step.moment(
                at.as_second().div_euclid(60),
                format!("{}{which} {moved} from {before}{unit} to {after}{unit}", metric.name),
                format!(
                    "the metric `{}`{which} stepped from about {before}{unit} to about {after}{unit}",
                    metric.name
                ),
                &metric.name,
                format!("{}:{line}", metric.path),
            );
            m.at = at;
            out.push(m);
        }
    }
    out
}

/// Steps in the mean of `values`, by binary segmentation with a Gaussian likelihood: a split's
/// gain is `n/2 · ln(SSE of the whole / SSE of the two sides)`.
pub fn mean_steps(values: &[f64]) -> Vec<Step> {
    let mut sum = vec![0.0];
    let mut squares = vec![0.0];
    for v in values {
        sum.push(sum.last().copied().unwrap_or(0.0) + v);
        squares.push(squares.last().copied().unwrap_or(0.0) + v * v);
    }
    let scale = values.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-9);
    // Within a run, values wander at least this much: a perfectly flat run is not infinitely
    // sure of anything.
    let floor = (1e-3 * scale).powi(2);
    let sse = |a: usize, b: usize| {
        let n = (b - a) as f64;
        let s = sum[b] - sum[a];
        ((squares[b] - squares[a]) - s * s / n).max(0.0) + floor * n
    };
    let ll = |a: usize, b: usize| -((b - a) as f64) / 2.0 * (sse(a, b) / (b - a) as f64).ln();
    let mean = |a: usize, b: usize| (sum[b] - sum[a]) / (b - a) as f64;
    let mut out = Vec::new();
    segment(0, values.len(), 0, &ll, &mean, &mut out);
    out.sort_by_key(|s| s.at);
    out
}

/// Runs of [`MIN_SILENCE`] minutes or more without an entry, after a source wrote steadily,
/// up to `end` (the last minute of any source).
fn silences(scan: &SourceScan, end: i64, tz: &TimeZone) -> Vec<Moment> {
    let minutes = &scan.volume.minutes;
    let Some(&first) = minutes.keys().next() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut previous: Option<i64> = None;
    // The longest pause so far, in minutes.
    let mut longest = 0;
    let bounds = minutes.keys().copied().chain(std::iter::once(end + 1));
    for m in bounds {
        if let Some(p) = previous {
            let gap = m - p - 1;
            // The ten minutes before the gap: entries per minute, and in how many of them.
            let from = (p - 9).max(first);
            let before: u32 = minutes.range(from..=p).map(|(_, c)| c.total).sum();
            let busy = minutes.range(from..=p).count() as i64;
            let span = p - from + 1;
            let per_minute = f64::from(before) / span as f64;
            // A source that wrote in nearly every minute (not in bursts, as a deploy log does),
            // then stopped for longer than any pause it made before: that is news.
            let steady = span >= SETTLED && busy * 10 >= span * 8 && per_minute >= 1.0;
            if gap >= MIN_SILENCE.max(3 * longest) && steady {
                let last_entry = last_entry_source(scan, p);
                let until = if m > end {
                    "to the end of the logs".to_owned()
                } else {
                    format!("until {}", clock(minute_start(m), tz))
                };
                let expected = per_minute * gap as f64;
                out.push(Moment {
                    at: minute_start(p + 1),
                    text: format!("{}: silent for {gap} minutes", scan.name),
                    lane: scan.name.clone(),
                    source: last_entry,
                    kind: "moment",
                    reason: format!(
                        "`{}` wrote {} entries per minute, then nothing {until} ({gap} minutes)",
                        scan.name,
                        rate(per_minute)
                    ),
                    score: 0.4 + 0.5 * (1.0 - (-expected / 60.0).exp()),
                });
            }
            longest = longest.max(gap);
        }
        previous = Some(m);
    }
    out
}

/// `path:line` of an entry in the last minute at or before `m` that has one.
fn last_entry_source(scan: &SourceScan, m: i64) -> String {
    scan.templates
        .iter()
        .filter_map(|t| {
            let i = t
                .minutes
                .partition_point(|(tm, _)| *tm <= m)
                .checked_sub(1)?;
            Some((t.minutes[i].0, t.minute_sources.get(i)?))
        })
        .max_by_key(|(tm, _)| *tm)
        .map(|(_, source)| source.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_step_is_found_where_it_is() {
        let mut counts = vec![5.0; 60];
        counts.extend(vec![20.0; 60]);
        let steps = poisson_steps(&counts);
        assert_eq!(steps.len(), 1, "{steps:?}");
        assert_eq!(steps[0].at, 60);
        assert_eq!((steps[0].before, steps[0].after), (5.0, 20.0));
    }

    #[test]
    fn a_constant_rate_has_no_step() {
        // Counts that wander as Poisson counts do, around 10 a minute.
        let counts: Vec<f64> = (0..180)
            .map(|i| [8.0, 12.0, 10.0, 9.0, 11.0, 13.0, 7.0][i % 7])
            .collect();
        assert!(poisson_steps(&counts).is_empty());
        assert!(poisson_steps(&[]).is_empty());
        assert!(poisson_steps(&[3.0]).is_empty());
    }

    #[test]
    fn a_share_step_is_found() {
        let total = vec![100.0; 40];
        let mut errors = vec![2.0; 20];
        errors.extend(vec![25.0; 20]);
        let steps = share_steps(&errors, &total);
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].at, 20);
        assert_eq!(percent(steps[0].before), "2.0 %");
        assert_eq!(percent(steps[0].after), "25 %");
    }

    #[test]
    fn a_shift_in_a_metric_is_found() {
        let mut values: Vec<f64> = (0..60).map(|i| 120.0 + (i % 5) as f64).collect();
        values.extend((0..60).map(|i| 480.0 + (i % 7) as f64));
        let steps = mean_steps(&values);
        assert_eq!(steps.len(), 1, "{steps:?}");
        assert_eq!(steps[0].at, 60);
        let flat: Vec<f64> = (0..120).map(|i| 120.0 + (i % 5) as f64).collect();
        assert!(mean_steps(&flat).is_empty());
        assert!(mean_steps(&[1.0; 50]).is_empty());
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(1412), "1,412");
        assert_eq!(thousands(12), "12");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
