//! The timeline's time axis: linear when that leaves key moments room, otherwise a focus and
//! context axis that gives busy stretches room and compresses quiet ones.
//!
//! The fitted axis is piecewise linear between the key instants (key entries and the
//! incident's moments). Each stretch between two of them gets at least [`Axis::fitted`]'s
//! `room` per minute of it (so key events a minute apart are that far apart), and what width is
//! left is shared by the square roots of the stretches' lengths: a longer stretch is always
//! wider, but seven quiet hours do not push ten busy minutes into a corner. Stretches drawn at a
//! quarter of the busiest scale or less are marked as breaks, with their length in words, so no
//! one reads the axis as linear; tick marks are placed per stretch at a step that suits its own
//! scale.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::model::time::human_duration;

/// Tick steps, in seconds: minutes, hours, days, weeks, months.
const STEPS: [i64; 15] = [
    60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000,
];

/// A stretch drawn at this share of the busiest stretch's scale, or less, is a break.
const BREAK_SCALE: f64 = 0.25;
/// A stretch shorter than this is never a break, however it is drawn.
const BREAK_MIN: i64 = 10 * 60;

/// Where times go across the diagram.
#[derive(Debug, Clone)]
pub struct Axis {
    /// (time in milliseconds, x), increasing in both; at least two.
    knots: Vec<(i64, f64)>,
    /// Whether the knots are the two ends of one linear scale.
    linear: bool,
}

/// A stretch of the axis drawn compressed: from x, to x, and how long it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Break {
    pub x0: f64,
    pub x1: f64,
    pub length: SignedDuration,
}

impl Axis {
    /// One linear scale from `from` at `x0` to `to` at `x1`.
    pub fn linear(from: Timestamp, to: Timestamp, x0: f64, x1: f64) -> Axis {
        let (a, b) = (
            from.as_millisecond(),
            to.as_millisecond().max(from.as_millisecond() + 1),
        );
        Axis {
            knots: vec![(a, x0), (b, x1)],
            linear: true,
        }
    }

    /// An axis from `from` at `x0` to `to` at `x1` on which consecutive `key` instants are at
    /// least `room` apart per minute between them (`room` for a minute or more, less for
    /// seconds); linear when a linear scale already does that.
    pub fn fitted(
        from: Timestamp,
        to: Timestamp,
        x0: f64,
        x1: f64,
        key: &[Timestamp],
        room: f64,
    ) -> Axis {
        let (a, b) = (
            from.as_millisecond(),
            to.as_millisecond().max(from.as_millisecond() + 1),
        );
        let mut times: Vec<i64> = key
            .iter()
            .map(|t| t.as_millisecond())
            .filter(|t| *t > a && *t < b)
            .collect();
        times.sort_unstable();
        times.dedup();
        let width = x1 - x0;
        // Room for a stretch of `ms` between two key instants: `room` a minute, less below.
        let need = |ms: i64| room * (ms as f64 / 60_000.0).min(1.0);
        let linear_scale = width / (b - a) as f64;
        let crowded = times
            .windows(2)
            .any(|w| ((w[1] - w[0]) as f64) * linear_scale < need(w[1] - w[0]) - 0.01);
        if !crowded {
            return Axis::linear(from, to, x0, x1);
        }
        let mut points = vec![a];
        points.extend(&times);
        points.push(b);
        let gaps: Vec<i64> = points.windows(2).map(|w| w[1] - w[0]).collect();
        // The padding before the first and after the last key instant needs no room of its own.
        let needs: Vec<f64> = gaps
            .iter()
            .enumerate()
            .map(|(i, g)| {
                if i == 0 || i == gaps.len() - 1 {
                    0.0
                } else {
                    need(*g)
                }
            })
            .collect();
        let total_need: f64 = needs.iter().sum();
        let widths: Vec<f64> = if total_need >= width {
            // More key moments than the width holds: share it by need alone.
            needs.iter().map(|n| n / total_need * width).collect()
        } else {
            let root = |g: i64| (g as f64 / 60_000.0).sqrt();
            let sum = |c: f64| -> f64 {
                gaps.iter()
                    .zip(&needs)
                    .map(|(g, n)| n.max(c * root(*g)))
                    .sum()
            };
            // The factor that makes the widths fill the axis, by bisection: `sum` grows with it.
            let (mut lo, mut hi) = (
                0.0,
                width / gaps.iter().map(|g| root(*g)).sum::<f64>().max(1e-9),
            );
            while sum(hi) < width {
                hi *= 2.0;
            }
            for _ in 0..60 {
                let mid = (lo + hi) / 2.0;
                if sum(mid) < width {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let widths: Vec<f64> = gaps
                .iter()
                .zip(&needs)
                .map(|(g, n)| n.max(hi * root(*g)))
                .collect();
            let drawn: f64 = widths.iter().sum();
            widths.iter().map(|w| w * width / drawn).collect()
        };
        let mut x = x0;
        let mut knots = vec![(a, x0)];
        for (w, t) in widths.iter().zip(&points[1..]) {
            x += w;
            knots.push((*t, x));
        }
        if let Some(last) = knots.last_mut() {
            last.1 = x1;
        }
        Axis {
            knots,
            linear: false,
        }
    }

    /// The x of `t`; times outside the axis continue its first or last stretch.
    pub fn x(&self, t: Timestamp) -> f64 {
        let ms = t.as_millisecond();
        let k = &self.knots;
        let i = k.partition_point(|(t, _)| *t <= ms).clamp(1, k.len() - 1);
        let ((t0, x0), (t1, x1)) = (k[i - 1], k[i]);
        x0 + (ms - t0) as f64 / ((t1 - t0).max(1)) as f64 * (x1 - x0)
    }

    /// The stretches drawn compressed, left to right.
    pub fn breaks(&self) -> Vec<Break> {
        if self.linear {
            return Vec::new();
        }
        let scale = |w: &[(i64, f64)]| (w[1].1 - w[0].1) / ((w[1].0 - w[0].0).max(1)) as f64;
        let busiest = self.knots.windows(2).map(scale).fold(0.0, f64::max);
        let last = self.knots.len() - 2;
        // The padding before the first key instant and after the last holds none: not a break.
        self.knots
            .windows(2)
            .enumerate()
            .filter(|(i, _)| *i != 0 && *i != last)
            .map(|(_, w)| w)
            .filter(|w| w[1].0 - w[0].0 >= BREAK_MIN * 1000 && scale(w) <= busiest * BREAK_SCALE)
            .map(|w| Break {
                x0: w[0].1,
                x1: w[1].1,
                length: SignedDuration::from_millis(w[1].0 - w[0].0),
            })
            .collect()
    }

    /// Tick marks at least `spacing` apart: a step that suits each stretch's scale, aligned
    /// to local time, labelled with the clock (or the date, at midnight and for steps of days).
    pub fn ticks(&self, tz: &TimeZone, spacing: f64) -> Vec<(Timestamp, String)> {
        let (first, last) = (self.knots[0], self.knots[self.knots.len() - 1]);
        if self.linear {
            // About ten ticks over the span, at the first step that gives no more.
            let (from, to) = (first.0.div_euclid(1000), last.0.div_euclid(1000));
            let span = (to - from).max(1);
            let step = STEPS
                .iter()
                .copied()
                .find(|s| span / s <= 10)
                .unwrap_or(STEPS[STEPS.len() - 1]);
            return aligned(from, to, step, tz)
                .map(|t| (t, tick_label(t, step, tz)))
                .collect();
        }
        let mut out: Vec<(Timestamp, String)> = Vec::new();
        let mut last_x = f64::NEG_INFINITY;
        for w in self.knots.windows(2) {
            let ((t0, x0), (t1, x1)) = (w[0], w[1]);
            let per_second = (x1 - x0) / ((t1 - t0).max(1) as f64 / 1000.0);
            let step = STEPS
                .iter()
                .copied()
                .find(|s| *s as f64 * per_second >= spacing)
                .unwrap_or(STEPS[STEPS.len() - 1]);
            for t in aligned(t0.div_euclid(1000), t1.div_euclid(1000), step, tz) {
                let x = self.x(t);
                if x >= last_x + spacing && x >= first.1 && x <= last.1 {
                    out.push((t, tick_label(t, step, tz)));
                    last_x = x;
                }
            }
        }
        out
    }

    pub fn is_linear(&self) -> bool {
        self.linear
    }
}

/// The multiples of `step` seconds after `from` up to `to` (seconds since the epoch), aligned
/// in local time so ticks fall on round local hours and midnights.
fn aligned(from: i64, to: i64, step: i64, tz: &TimeZone) -> impl Iterator<Item = Timestamp> {
    let offset = Timestamp::from_second(from)
        .map(|t| i64::from(tz.to_offset(t).seconds()))
        .unwrap_or(0);
    let first = ((from + offset).div_euclid(step) + 1) * step - offset;
    (0..)
        .map(move |k| first + k * step)
        .take_while(move |s| *s <= to)
        .filter_map(|s| Timestamp::from_second(s).ok())
}

/// A tick's label: the date at midnight and for steps of days, otherwise the clock.
fn tick_label(t: Timestamp, step: i64, tz: &TimeZone) -> String {
    let z = t.to_zoned(tz.clone());
    if step >= 86400 || (z.hour() == 0 && z.minute() == 0) {
        z.strftime("%b %-d").to_string()
    } else {
        z.strftime("%H:%M").to_string()
    }
}

impl Break {
    /// `2h 10m`, as durations read everywhere else.
    pub fn words(&self) -> String {
        human_duration(self.length)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn ticks_suit_the_span() {
        let utc = TimeZone::UTC;
        let ticks = |a: &str, b: &str| Axis::linear(t(a), t(b), 0.0, 1000.0).ticks(&utc, 70.0);
        let short = ticks("2026-11-03T13:00:00Z", "2026-11-03T13:40:00Z");
        assert_eq!(short.first().map(|x| x.1.as_str()), Some("13:05"));
        assert!(short.len() <= 10 && short.len() >= 4, "{short:?}");
        let days = ticks("2026-11-01T00:00:00Z", "2026-11-08T00:00:00Z");
        assert!(days.iter().all(|(_, l)| l.starts_with("Nov")), "{days:?}");
    }

    #[test]
    fn a_short_incident_keeps_a_linear_axis() {
        let key = [t("2026-11-03T13:10:00Z"), t("2026-11-03T13:20:00Z")];
        let axis = Axis::fitted(
            t("2026-11-03T13:00:00Z"),
            t("2026-11-03T13:30:00Z"),
            0.0,
            1200.0,
            &key,
            40.0,
        );
        assert!(axis.is_linear());
        assert_eq!(axis.x(t("2026-11-03T13:15:00Z")), 600.0);
        assert!(axis.breaks().is_empty());
    }

    #[test]
    fn busy_minutes_get_room_and_quiet_hours_are_marked() {
        // Six key events a minute apart, then one every hour for six hours.
        let mut key: Vec<Timestamp> = (0..6)
            .map(|m| t("2026-11-03T14:00:00Z") + SignedDuration::from_mins(m))
            .collect();
        key.extend((1..=6).map(|h| t("2026-11-03T14:05:00Z") + SignedDuration::from_hours(h)));
        let axis = Axis::fitted(
            t("2026-11-03T13:45:00Z"),
            t("2026-11-03T20:20:00Z"),
            190.0,
            1896.0,
            &key,
            40.0,
        );
        assert!(!axis.is_linear());
        let xs: Vec<f64> = key.iter().map(|k| axis.x(*k)).collect();
        for w in xs.windows(2) {
            assert!(w[1] - w[0] >= 40.0 - 1e-6, "{xs:?}");
        }
        // Longer stretches are never narrower.
        assert!(xs[7] - xs[6] >= xs[1] - xs[0]);
        assert_eq!(axis.x(t("2026-11-03T13:45:00Z")), 190.0);
        assert!((axis.x(t("2026-11-03T20:20:00Z")) - 1896.0).abs() < 1e-6);
        let breaks = axis.breaks();
        assert!(!breaks.is_empty(), "the hours are compressed");
        assert!(
            breaks
                .iter()
                .all(|b| b.words() == "1h" || b.length > SignedDuration::from_mins(10)),
            "{breaks:?}"
        );
        let ticks = axis.ticks(&TimeZone::UTC, 70.0);
        let tx: Vec<f64> = ticks.iter().map(|(t, _)| axis.x(*t)).collect();
        assert!(tx.windows(2).all(|w| w[1] - w[0] >= 70.0), "{ticks:?}");
        assert!(
            ticks.iter().any(|(_, l)| l == "14:01" || l == "14:02"),
            "{ticks:?}"
        );
    }

    #[test]
    fn more_key_events_than_room_share_the_width() {
        let key: Vec<Timestamp> = (0..100)
            .map(|m| t("2026-11-03T14:00:00Z") + SignedDuration::from_mins(m))
            .collect();
        let axis = Axis::fitted(
            t("2026-11-03T13:59:00Z"),
            t("2026-11-03T15:41:00Z"),
            0.0,
            1000.0,
            &key,
            40.0,
        );
        let xs: Vec<f64> = key.iter().map(|k| axis.x(*k)).collect();
        assert!(xs.windows(2).all(|w| w[1] > w[0]));
        assert!(xs.iter().all(|x| (0.0..=1000.0).contains(x)));
    }
}
