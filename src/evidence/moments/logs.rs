//! Moments in logs: new warnings and errors, steps in rates and shares, and silences, found in
//! each source's templates and per-minute counts.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::super::SourceScan;
use super::super::format::Level;
use super::super::templates::Template;
use super::changepoints::{poisson_steps, share_steps};
use super::moment::{Moment, clock, minute_start, percent, rate, step_moment, step_words};
use crate::diagnostics::thousands;

/// Minutes without an entry that make a silence.
const MIN_SILENCE: i64 = 5;
/// Minutes of a source's life before a new template counts as new.
const SETTLED: i64 = 3;
/// Templates examined for steps: the most frequent, with at least this many entries.
const MIN_STEP_COUNT: u64 = 20;
const MAX_STEP_TEMPLATES: usize = 200;
/// The longest series examined, in minutes (four weeks); longer spans are cut to their end.
const MAX_MINUTES: i64 = 4 * 7 * 24 * 60;

/// Whether a template is new to its source when it first appears: the source had been writing
/// for [`SETTLED`] minutes without it, and — for a template that recurs — its own rate would
/// have written it [`EXPECTED_BEFORE`] times or more in that quiet time. A template that ran at
/// a low rate all along is background, not news (its rise is found as a step). Gives the
/// minutes of quiet and the entries its rate would have written in them.
fn newness(scan: &SourceScan, t: &Template) -> Option<(i64, f64)> {
    let (&start, &end) = (
        scan.volume.minutes.keys().next()?,
        scan.volume.minutes.keys().next_back()?,
    );
    let first = t.first.as_second().div_euclid(60);
    let quiet = first - start;
    if quiet < SETTLED {
        return None;
    }
    let rate = t.count as f64 / (end - first + 1) as f64;
    let expected = rate * quiet as f64;
    if t.count >= 3 && expected < EXPECTED_BEFORE {
        return None;
    }
    Some((quiet, expected))
}

/// Entries a recurring template's own rate would have written in the quiet before it, at least,
/// for its first entry to be news.
const EXPECTED_BEFORE: f64 = 3.0;

/// Templates at warn or above that are new to their source.
pub fn new_templates(scan: &SourceScan, tz: &TimeZone) -> Vec<Moment> {
    scan.templates
        .iter()
        .filter(|t| t.level.is_some_and(|l| l >= Level::Warn))
        .filter_map(|t| {
            let (quiet, expected) = newness(scan, t)?;
            let level = t.level.unwrap_or(Level::Warn);
            let base = match level {
                Level::Critical => 0.75,
                Level::Error => 0.65,
                _ => 0.45,
            };
            // More entries, and a longer quiet before, are stronger evidence; both without a
            // ceiling in reach, so moments keep distinct scores.
            let volume = (1.0 + t.count as f64).ln() / 10_000f64.ln();
            let surprise = (quiet as f64).ln_1p() / 1_000f64.ln();
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
                    "new in `{}` at {}, after {quiet} minutes without it; {times}",
                    t.lane,
                    clock(t.first, tz)
                ),
                statistics: format!(
                    "template `{}` ({}); its own rate would have written {expected:.1} entries in the {quiet} quiet minutes before",
                    t.text, t.id
                ),
                score: base + 0.15 * volume.min(1.0) + 0.05 * surprise.min(1.0),
                group: format!("first:{}", t.id),
                trouble: level.is_error(),
            })
        })
        .collect()
}

/// Minutes before the first errors in which a new template (a deploy, a job starting, a
/// configuration push) is what changed just before.
const JUST_BEFORE: i64 = 10;

/// Templates of any level new to their source in the [`JUST_BEFORE`] minutes up to `anchor`
/// (the first sign of trouble in any source): what changed just before.
pub fn changed_just_before(
    scan: &SourceScan,
    anchor: jiff::Timestamp,
    tz: &TimeZone,
) -> Vec<Moment> {
    scan.templates
        .iter()
        // The errors themselves are the trouble, not what came before it.
        .filter(|t| !t.level.is_some_and(Level::is_error))
        .filter(|t| {
            t.first < anchor && anchor.as_second() - t.first.as_second() <= JUST_BEFORE * 60
        })
        .filter_map(|t| {
            let (quiet, expected) = newness(scan, t)?;
            let lead = anchor.as_second() - t.first.as_second();
            // Closer to the trouble is stronger; the strongest sit above every error moment.
            let score = 0.86 + 0.08 * (1.0 - lead as f64 / (JUST_BEFORE * 60) as f64)
                + 0.01 * (quiet as f64).ln_1p() / 1_000f64.ln();
            Some(Moment {
                at: t.first,
                text: format!("changed just before: {}", t.example),
                lane: t.lane.clone(),
                source: t.source.clone(),
                kind: "moment",
                reason: format!(
                    "new in `{}` at {}, {} before the first errors at {}",
                    t.lane,
                    clock(t.first, tz),
                    seconds(lead),
                    clock(anchor, tz)
                ),
                statistics: format!(
                    "template `{}` ({}), first after {quiet} minutes without it (its own rate: {expected:.1} entries in that time)",
                    t.text, t.id
                ),
                score: score.min(0.999),
                group: format!("first:{}", t.id),
                trouble: false,
            })
        })
        .collect()
}

/// `45 s`, `3 min 20 s`.
fn seconds(s: i64) -> String {
    match s {
        0..60 => format!("{s} s"),
        _ if s % 60 == 0 => format!("{} min", s / 60),
        _ => format!("{} min {} s", s / 60, s % 60),
    }
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

/// Steps in the source's rates and shares, and in its busiest templates' rates. Each is
/// placed at the first entry of the new regime.
pub fn steps(scan: &SourceScan, tz: &TimeZone) -> Vec<Moment> {
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
    // Where a step at minute `m` shows first: the earliest entry of that minute or after among
    // the templates that `pick` accepts, its place and time.
    let first_entry = |m: i64, pick: &Pick| -> (String, Timestamp) {
        let after = |pick: &Pick| {
            scan.templates
                .iter()
                .filter(|t| pick(t))
                .filter_map(|t| {
                    let i = t.minutes.partition_point(|(tm, _)| *tm < m);
                    Some((*t.minute_firsts.get(i)?, t.minute_sources.get(i)?))
                })
                .min_by_key(|(at, _)| *at)
                .map(|(at, source)| (source.clone(), at))
        };
        after(pick)
            .or_else(|| after(&|_| true))
            .unwrap_or_else(|| (last_entry_source(scan, m), minute_start(m)))
    };
    let access_log = scan.files.iter().any(|(_, f)| f.is_access_log());
    let is_error = |t: &Template| t.level.is_some_and(Level::is_error);
    let rates: [(&[f64], &str, &Pick); 2] = [
        (&total, "entries", &|_| true),
        (&errors, "errors", &is_error),
    ];
    for (counts, what, pick) in rates {
        if !counts.iter().any(|c| *c > 0.0) {
            continue;
        }
        for step in poisson_steps(counts) {
            let (source, at) = first_entry(start + step.at as i64, pick);
            let rising_errors = what == "errors" && step.after > step.before;
            out.push(step_moment(
                &step,
                at,
                format!("{lane}: {what} per minute {}", step_words(&step)),
                format!(
                    "{what} in `{lane}` went from {} to {} per minute at {}",
                    rate(step.before),
                    rate(step.after),
                    clock(at, tz)
                ),
                lane,
                source,
            ));
            if let Some(m) = out.last_mut() {
                m.trouble = rising_errors;
            }
        }
    }
    if errors.iter().any(|e| *e > 0.0) {
        let what = if access_log { "5xx" } else { "errors" };
        for step in share_steps(&errors, &total) {
            let (source, at) = first_entry(start + step.at as i64, &is_error);
            let moved = if step.after > step.before {
                "rose"
            } else {
                "fell"
            };
            let (before, after) = (percent(step.before), percent(step.after));
            out.push(step_moment(
                &step,
                at,
                format!("{lane}: share of {what} {moved} from {before} to {after}"),
                format!(
                    "the share of {what} in `{lane}` {moved} from {before} to {after} at {}",
                    clock(at, tz)
                ),
                lane,
                source,
            ));
            if let Some(m) = out.last_mut() {
                m.trouble = step.after > step.before;
            }
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
            let (source, at) = first_entry(start + step.at as i64, &|other| std::ptr::eq(other, t));
            out.push(step_moment(
                &step,
                at,
                format!("{}: `{}` {}", t.lane, t.text, step_words(&step)),
                format!(
                    "`{}` in `{}` went from {} to {} per minute at {}",
                    t.text,
                    t.lane,
                    rate(step.before),
                    rate(step.after),
                    clock(at, tz)
                ),
                lane,
                source,
            ));
        }
    }
    out
}

/// Which templates a moment's first line may come from.
type Pick<'a> = dyn Fn(&Template) -> bool + 'a;

/// Runs of [`MIN_SILENCE`] minutes or more without an entry, after a source wrote steadily,
/// up to `end` (the last minute of any source).
pub fn silences(scan: &SourceScan, end: i64, tz: &TimeZone) -> Vec<Moment> {
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
                    statistics: format!(
                        "{expected:.0} entries expected in the silence at the rate before; the longest pause before it: {longest} minutes"
                    ),
                    score: 0.4 + 0.5 * expected / (expected + 60.0),
                    group: format!("lane:{}", scan.name),
                    trouble: false,
                });
            }
            longest = longest.max(gap);
        }
        previous = Some(m);
    }
    out
}

/// `path:line` of an entry in the last minute at or before `m` that has one.
pub fn last_entry_source(scan: &SourceScan, m: i64) -> String {
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
