//! Moments in logs: new warnings and errors, steps in rates and shares, and silences, found in
//! each source's templates and per-minute counts.

use jiff::tz::TimeZone;

use super::super::SourceScan;
use super::super::format::Level;
use super::super::templates::Template;
use super::changepoints::{poisson_steps, share_steps};
use super::moment::{
    Moment, clock, minute_start, percent, rate, step_moment, step_words, thousands,
};

/// Minutes without an entry that make a silence.
const MIN_SILENCE: i64 = 5;
/// Minutes of a source's life before a new template counts as new.
const SETTLED: i64 = 3;
/// Templates examined for steps: the most frequent, with at least this many entries.
const MIN_STEP_COUNT: u64 = 20;
const MAX_STEP_TEMPLATES: usize = 200;
/// The longest series examined, in minutes (four weeks); longer spans are cut to their end.
const MAX_MINUTES: i64 = 4 * 7 * 24 * 60;

/// Templates at warn or above that first appear once the source has been writing a while.
pub fn new_templates(scan: &SourceScan, tz: &TimeZone) -> Vec<Moment> {
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
pub fn steps(scan: &SourceScan) -> Vec<Moment> {
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
            super::super::Format::Clf
                | super::super::Format::W3c
                | super::super::Format::Uwsgi
                | super::super::Format::Zeek
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
            out.push(step_moment(
                &step,
                m,
                format!("{lane}: {short} per minute {}", step_words(&step)),
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
            out.push(step_moment(
                &step,
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
            out.push(step_moment(
                &step,
                m,
                format!("{}: `{}` {}", t.lane, t.text, step_words(&step)),
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
