//! Timestamps as logs write them, parsed from bytes without allocating.
//!
//! Each parser reads one shape at the start of a byte slice and returns what it found and how
//! many bytes it used. Many shapes lack a year or an offset; [`When::resolve`] fills those in
//! from the source's settings, then the incident's.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};

/// A timestamp as read from a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// An instant, such as epoch seconds.
    Exact(Timestamp),
    /// A wall-clock reading, perhaps without a year or an offset.
    Civil(Civil),
}

/// A wall-clock reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: Option<i16>,
    pub month: i8,
    pub day: i8,
    pub hour: i8,
    pub minute: i8,
    pub second: i8,
    pub nanos: i32,
    /// Seconds east of UTC, when the log says.
    pub offset: Option<i32>,
}

impl Civil {
    /// A time of day alone, whose date comes from the [`Context`].
    pub(super) fn time_of_day(clock: Clock) -> When {
        Civil::when(None, 0, 0, clock, None)
    }

    /// Whether this is a time of day alone (month and day 0).
    pub fn is_time_of_day(&self) -> bool {
        self.month == 0 && self.day == 0 && self.year.is_none()
    }

    pub(super) fn when(
        year: Option<i16>,
        month: i8,
        day: i8,
        clock: Clock,
        offset: Option<i32>,
    ) -> When {
        let Clock {
            hour,
            minute,
            second,
            nanos,
        } = clock;
        When::Civil(Civil {
            year,
            month,
            day,
            hour,
            minute,
            second,
            nanos,
            offset,
        })
    }
}

/// A time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Clock {
    hour: i8,
    minute: i8,
    second: i8,
    nanos: i32,
}

/// What fills in a missing year, date or zone, and how to notice a year or a day boundary.
#[derive(Debug, Clone)]
pub struct Context {
    pub year: i16,
    pub tz: TimeZone,
    /// The date for times of day alone (`strace -tt`): the day the incident started.
    pub day: Option<jiff::civil::Date>,
    /// Months read so far step back across a new year (Dec → Jan) for formats without a year.
    last_month: i8,
    rollover: i16,
    /// Times of day step back across midnight for formats without a date.
    last_clock: Option<i32>,
    days: i32,
    /// The zone's one offset, when it has no transitions (UTC, a fixed offset).
    fixed: Option<Offset>,
    /// The last minute resolved with a fixed offset, and its first instant: logs are mostly
    /// in time order, so most readings fall in the minute before them, and adding seconds is
    /// much cheaper than validating a date and applying an offset.
    minute: Option<(MinuteKey, i64)>,
}

/// A reading to the minute: year, month, day, hour, minute, and the offset in seconds.
type MinuteKey = (i16, i8, i8, i8, i8, i32);

impl Context {
    pub fn new(year: i16, tz: TimeZone) -> Context {
        Context {
            year,
            fixed: tz.to_fixed_offset().ok(),
            tz,
            day: None,
            last_month: 0,
            rollover: 0,
            last_clock: None,
            days: 0,
            minute: None,
        }
    }

    /// The date of a time of day alone: the context's day, and one more each time the clock
    /// steps back by more than twelve hours (a trace that runs past midnight); a small step
    /// back (lines out of order) is not a new day.
    fn date_of(&mut self, c: &Civil) -> Option<jiff::civil::Date> {
        let clock = i32::from(c.hour) * 3600 + i32::from(c.minute) * 60 + i32::from(c.second);
        if self.last_clock.is_some_and(|last| clock + 12 * 3600 < last) {
            self.days += 1;
        }
        self.last_clock = Some(clock);
        self.day?
            .checked_add(jiff::Span::new().days(self.days))
            .ok()
    }
}

impl When {
    /// The instant, or `None` for a reading that names no real time (Feb 30).
    pub fn resolve(&self, ctx: &mut Context) -> Option<Timestamp> {
        let c = match self {
            When::Exact(ts) => return Some(*ts),
            When::Civil(c) => c,
        };
        if c.is_time_of_day() {
            let date = ctx.date_of(c)?;
            let dt = date.at(c.hour, c.minute, c.second, c.nanos);
            return ctx.tz.to_ambiguous_timestamp(dt).compatible().ok();
        }
        let year = match c.year {
            Some(y) => y,
            None => {
                // A year-less log that runs from December into January has stepped into a new
                // year; a small step back (out-of-order lines) has not.
                if ctx.last_month != 0 && c.month + 6 < ctx.last_month {
                    ctx.rollover += 1;
                }
                ctx.last_month = c.month;
                ctx.year + ctx.rollover
            }
        };
        // With a fixed offset a minute is 60 seconds without exception: a reading in the
        // minute resolved last is that minute's start plus its seconds. (Second 60, a leap
        // second, is no instant and is left to the full path.)
        let offset = c
            .offset
            .or_else(|| ctx.fixed.map(|o| o.seconds()))
            .filter(|_| (0..60).contains(&c.second));
        let key = offset.map(|o| (year, c.month, c.day, c.hour, c.minute, o));
        if let (Some(key), Some((last, start))) = (key, ctx.minute)
            && key == last
        {
            return Timestamp::new(start + i64::from(c.second), c.nanos).ok();
        }
        let dt = DateTime::new(year, c.month, c.day, c.hour, c.minute, c.second, c.nanos).ok()?;
        let at = match c.offset {
            Some(secs) => Offset::from_seconds(secs).ok()?.to_timestamp(dt).ok(),
            None => ctx.tz.to_ambiguous_timestamp(dt).compatible().ok(),
        }?;
        if let Some(key) = key {
            // Whole seconds since the epoch, rounded down (also before 1970).
            let second = (at.as_nanosecond() - i128::from(c.nanos)).div_euclid(1_000_000_000);
            ctx.minute = i64::try_from(second)
                .ok()
                .map(|s| (key, s - i64::from(c.second)));
        }
        Some(at)
    }
}

/// Exactly `n` ASCII digits at the start of `b`.
#[inline]
pub fn digits(b: &[u8], n: usize) -> Option<u32> {
    let bytes = b.get(..n)?;
    let mut value = 0u32;
    for &d in bytes {
        if !d.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(d - b'0');
    }
    Some(value)
}

/// Between `min` and `max` ASCII digits at the start of `b`: the value and the count.
#[inline]
pub fn digits_between(b: &[u8], min: usize, max: usize) -> Option<(u32, usize)> {
    let mut value = 0u32;
    let mut n = 0;
    while n < max && n < b.len() && b[n].is_ascii_digit() {
        // Saturate: long digit runs (epochs) are only counted here, and must never overflow.
        value = value
            .saturating_mul(10)
            .saturating_add(u32::from(b[n] - b'0'));
        n += 1;
    }
    (n >= min).then_some((value, n))
}

#[inline]
fn byte(b: &[u8], i: usize, want: u8) -> Option<()> {
    (b.get(i) == Some(&want)).then_some(())
}

/// A fraction of a second after `.` or `,`: nanoseconds and bytes used (including the mark).
fn fraction(b: &[u8]) -> (i32, usize) {
    if !matches!(b.first(), Some(b'.' | b',')) {
        return (0, 0);
    }
    let mut nanos = 0i32;
    let mut n = 0;
    while let Some(d) = b.get(1 + n).filter(|d| d.is_ascii_digit()) {
        if n < 9 {
            nanos = nanos * 10 + i32::from(d - b'0');
        }
        n += 1;
    }
    if n == 0 {
        return (0, 0);
    }
    // Scaled to nanoseconds: `.5` is 500,000,000.
    const SCALE: [i32; 9] = [
        100_000_000,
        10_000_000,
        1_000_000,
        100_000,
        10_000,
        1_000,
        100,
        10,
        1,
    ];
    (nanos * SCALE[n.min(9) - 1], 1 + n)
}

/// `HH:MM[:SS][.frac]`; returns the clock and the bytes used.
pub(super) fn clock(b: &[u8]) -> Option<(Clock, usize)> {
    let h = digits(b, 2)?;
    byte(b, 2, b':')?;
    let m = digits(&b[3..], 2)?;
    let (s, mut used) = match (b.get(5), b.get(6..).and_then(|rest| digits(rest, 2))) {
        (Some(b':'), Some(s)) => (s, 8),
        _ => (0, 5),
    };
    let (nanos, f) = if used == 8 { fraction(&b[8..]) } else { (0, 0) };
    used += f;
    let clock = Clock {
        hour: h as i8,
        minute: m as i8,
        second: s as i8,
        nanos,
    };
    (h < 24 && m < 60 && s < 61).then_some((clock, used))
}

/// A zone after a time: `Z`, `+01:00`, `+0100`, `+01`, or ` UTC`/` GMT`. Returns (offset, used).
pub(super) fn zone(b: &[u8]) -> (Option<i32>, usize) {
    match b.first() {
        Some(b'Z') => (Some(0), 1),
        Some(sign @ (b'+' | b'-')) => {
            let Some(h) = digits(&b[1..], 2) else {
                return (None, 0);
            };
            let (m, used) = match (
                b.get(3),
                digits(b.get(3..).unwrap_or(&[]), 2),
                digits(b.get(4..).unwrap_or(&[]), 2),
            ) {
                (Some(b':'), _, Some(m)) => (m, 6),
                (_, Some(m), _) => (m, 5),
                _ => (0, 3),
            };
            let secs = (h * 3600 + m * 60) as i32;
            (Some(if *sign == b'-' { -secs } else { secs }), used)
        }
        Some(b' ') if b.get(1..4) == Some(b"UTC") || b.get(1..4) == Some(b"GMT") => (Some(0), 4),
        _ => (None, 0),
    }
}

/// ISO 8601 / RFC 3339: `2026-11-03T14:02:11.123+01:00`, with `T` or a space, optional seconds,
/// fraction (`.` or `,`) and zone. `2026/11/03 14:02:11` is read too.
pub fn iso(b: &[u8]) -> Option<(When, usize)> {
    let year = digits(b, 4)?;
    // `-` per the standard; `/` and `.` as some loggers write it, used consistently.
    let sep = *b.get(4).filter(|c| matches!(c, b'-' | b'/' | b'.'))?;
    let month = digits(&b[5..], 2)?;
    byte(b, 7, sep)?;
    let day = digits(&b[8..], 2)?;
    if !matches!(b.get(10), Some(b'T' | b' ')) {
        return None;
    }
    let (time, used) = clock(&b[11..])?;
    let (offset, z) = zone(&b[11 + used..]);
    Some((
        Civil::when(Some(year as i16), month as i8, day as i8, time, offset),
        11 + used + z,
    ))
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

pub(super) fn month_name(b: &[u8]) -> Option<i8> {
    let name = b.get(..3)?;
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(name))
        .map(|i| i as i8 + 1)
}

/// BSD syslog: `Jun 14 15:16:01` or `Jul  1 09:00:00` (no year).
pub fn syslog(b: &[u8]) -> Option<(When, usize)> {
    let month = month_name(b)?;
    byte(b, 3, b' ')?;
    let mut i = 4;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    let (day, n) = digits_between(&b[i..], 1, 2)?;
    i += n;
    byte(b, i, b' ')?;
    let (time, used) = clock(&b[i + 1..])?;
    Some((
        Civil::when(None, month, day as i8, time, None),
        i + 1 + used,
    ))
}

/// The bracketed time of the common log format: `[03/Nov/2026:14:02:11 +0100]`.
pub fn clf(b: &[u8]) -> Option<(When, usize)> {
    byte(b, 0, b'[')?;
    let day = digits(&b[1..], 2)?;
    byte(b, 3, b'/')?;
    let month = month_name(&b[4..])?;
    byte(b, 7, b'/')?;
    let year = digits(&b[8..], 4)?;
    byte(b, 12, b':')?;
    let (time, used) = clock(&b[13..])?;
    let mut i = 13 + used;
    let mut offset = None;
    if b.get(i) == Some(&b' ') {
        let (z, n) = zone(&b[i + 1..]);
        offset = z;
        i += 1 + n;
    }
    byte(b, i, b']')?;
    Some((
        Civil::when(Some(year as i16), month, day as i8, time, offset),
        i + 1,
    ))
}

/// The Apache error log: `[Sun Dec 04 04:47:44 2005]` or `[Wed Oct 11 14:32:52.123456 2000]`.
pub fn apache_error(b: &[u8]) -> Option<(When, usize)> {
    byte(b, 0, b'[')?;
    if !b.get(1..4)?.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    byte(b, 4, b' ')?;
    let month = month_name(&b[5..])?;
    byte(b, 8, b' ')?;
    // ctime pads a one-digit day with a space: `Tue Nov  3`.
    let at = if b.get(9) == Some(&b' ') { 10 } else { 9 };
    let (day, n) = digits_between(b.get(at..)?, 1, 2)?;
    let mut i = at + n;
    byte(b, i, b' ')?;
    let (time, used) = clock(&b[i + 1..])?;
    i += 1 + used;
    byte(b, i, b' ')?;
    let year = digits(&b[i + 1..], 4)?;
    byte(b, i + 5, b']')?;
    Some((
        Civil::when(Some(year as i16), month, day as i8, time, None),
        i + 6,
    ))
}

/// Android logcat: `03-17 16:13:38.811` (no year).
pub fn logcat(b: &[u8]) -> Option<(When, usize)> {
    let month = digits(b, 2)?;
    byte(b, 2, b'-')?;
    let day = digits(&b[3..], 2)?;
    byte(b, 5, b' ')?;
    let (time, used) = clock(&b[6..])?;
    Some((
        Civil::when(None, month as i8, day as i8, time, None),
        6 + used,
    ))
}

/// Spark and Hadoop's short form: `17/06/09 20:10:40` (two-digit year first).
pub fn slashed(b: &[u8]) -> Option<(When, usize)> {
    let year = digits(b, 2)?;
    byte(b, 2, b'/')?;
    let month = digits(&b[3..], 2)?;
    byte(b, 5, b'/')?;
    let day = digits(&b[6..], 2)?;
    byte(b, 8, b' ')?;
    let (time, used) = clock(&b[9..])?;
    Some((
        Civil::when(Some(2000 + year as i16), month as i8, day as i8, time, None),
        9 + used,
    ))
}

/// HDFS: `081109 203615` (yyMMdd HHmmss).
pub fn hdfs(b: &[u8]) -> Option<(When, usize)> {
    let date = digits(b, 6)?;
    byte(b, 6, b' ')?;
    let time = digits(&b[7..], 6)?;
    if b.get(13).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let civil = Civil {
        year: Some(2000 + (date / 10_000) as i16),
        month: (date / 100 % 100) as i8,
        day: (date % 100) as i8,
        hour: (time / 10_000) as i8,
        minute: (time / 100 % 100) as i8,
        second: (time % 100) as i8,
        nanos: 0,
        offset: None,
    };
    Some((When::Civil(civil), 13))
}

/// A compact stamp with unpadded fields: `20171223-22:15:29:606` or `20171223-22:16:0:119`
/// (the last field is milliseconds).
pub fn compact(b: &[u8]) -> Option<(When, usize)> {
    let date = digits(b, 8)?;
    byte(b, 8, b'-')?;
    let mut i = 9;
    let mut parts = [0u32; 4];
    for (k, part) in parts.iter_mut().enumerate() {
        let (v, n) = digits_between(&b[i..], 1, if k == 3 { 3 } else { 2 })?;
        *part = v;
        i += n;
        if k < 3 {
            byte(b, i, b':')?;
            i += 1;
        }
    }
    let [hour, minute, second, millis] = parts;
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let civil = Civil {
        year: Some((date / 10_000) as i16),
        month: (date / 100 % 100) as i8,
        day: (date % 100) as i8,
        hour: hour as i8,
        minute: minute as i8,
        second: second as i8,
        nanos: millis as i32 * 1_000_000,
        offset: None,
    };
    Some((When::Civil(civil), i))
}

/// Epoch seconds (10 digits, optional fraction) or milliseconds (13 digits).
pub fn epoch(b: &[u8]) -> Option<(When, usize)> {
    let (_, n) = digits_between(b, 10, 13)?;
    if b.get(n).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let text = std::str::from_utf8(&b[..n]).ok()?;
    let whole: i64 = text.parse().ok()?;
    match n {
        10 => {
            let (nanos, f) = fraction(&b[n..]);
            let ts = Timestamp::new(whole, nanos).ok()?;
            Some((When::Exact(ts), n + f))
        }
        13 => Some((When::Exact(Timestamp::from_millisecond(whole).ok()?), n)),
        _ => None,
    }
}

/// A time written as text in a structured field (JSON, logfmt): RFC 3339 or epoch.
pub fn any_text(b: &[u8]) -> Option<When> {
    iso(b)
        .or_else(|| epoch(b))
        .or_else(|| syslog(b))
        .map(|(w, _)| w)
}

/// A JSON number of epoch time: seconds as a float, or milliseconds as an integer.
pub fn epoch_number(value: f64, is_integer: bool) -> Option<When> {
    let ts = if is_integer && value.abs() >= 1e11 {
        Timestamp::from_millisecond(value as i64).ok()?
    } else {
        let secs = value.trunc() as i64;
        let nanos = ((value - value.trunc()) * 1e9).round() as i32;
        Timestamp::new(secs, nanos).ok()?
    };
    Some(When::Exact(ts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_of_any_length_are_nanoseconds() {
        assert_eq!(fraction(b".5"), (500_000_000, 2));
        assert_eq!(fraction(b",000001Z"), (1_000, 7));
        assert_eq!(fraction(b".123456789"), (123_456_789, 10));
        // Past nanoseconds, digits are read but not counted.
        assert_eq!(fraction(b".1234567891234 x"), (123_456_789, 14));
        assert_eq!(fraction(b". 5"), (0, 0));
        assert_eq!(fraction(b"5"), (0, 0));
    }

    proptest::proptest! {
        /// Readings resolved one after another, which reuse the last minute, give the instants
        /// that each gives alone: across days that do not exist, leap seconds, explicit
        /// offsets and a zone with daylight saving.
        #[test]
        fn resolving_in_sequence_is_resolving_alone(
            readings in proptest::collection::vec(
                (
                    // Few minutes, so that one reading often falls in the minute before it.
                    proptest::option::of(proptest::prop_oneof![
                        proptest::strategy::Just(1969i16),
                        2026i16..2028
                    ]),
                    2i8..=3,
                    28i8..=29,
                    0i8..2,
                    0i8..2,
                    proptest::prop_oneof![proptest::strategy::Just(0i8), proptest::strategy::Just(59), proptest::strategy::Just(60), 0i8..61],
                    0i32..1_000_000_000,
                    proptest::option::of(proptest::prop_oneof![proptest::strategy::Just(0i32), proptest::strategy::Just(3600), proptest::strategy::Just(-19_800)]),
                ),
                1..40,
            ),
            zone in proptest::prop_oneof![proptest::strategy::Just("UTC"), proptest::strategy::Just("Europe/Berlin")],
        ) {
            let tz = TimeZone::get(zone).unwrap();
            let mut shared = Context::new(2026, tz.clone());
            for (year, month, day, hour, minute, second, nanos, offset) in readings {
                let clock = Clock { hour, minute, second, nanos };
                let when = Civil::when(year, month, day, clock, offset);
                // A fresh context, told the month before, rolls the year over the same way.
                let mut alone = Context::new(2026, tz.clone());
                alone.last_month = shared.last_month;
                alone.rollover = shared.rollover;
                proptest::prop_assert_eq!(when.resolve(&mut shared), when.resolve(&mut alone));
            }
        }
    }

    fn at(parsed: Option<(When, usize)>, year: i16, tz: &str) -> String {
        let (when, _) = parsed.expect("parses");
        let mut ctx = Context::new(year, TimeZone::get(tz).unwrap());
        when.resolve(&mut ctx).expect("a real time").to_string()
    }

    #[test]
    fn iso_with_every_kind_of_zone() {
        assert_eq!(
            at(iso(b"2026-11-03T14:02:11Z x"), 0, "UTC"),
            "2026-11-03T14:02:11Z"
        );
        assert_eq!(
            at(iso(b"2026-11-03T14:02:11+01:00"), 0, "UTC"),
            "2026-11-03T13:02:11Z"
        );
        assert_eq!(
            at(iso(b"2026-11-03T14:02:11+0100 host"), 0, "UTC"),
            "2026-11-03T13:02:11Z"
        );
        assert_eq!(
            at(iso(b"2026-11-03 14:02:11,978 INFO"), 0, "Europe/Berlin"),
            "2026-11-03T13:02:11.978Z"
        );
        assert_eq!(
            at(iso(b"2026-11-03 13:05:12.345 UTC [1]"), 0, "Europe/Berlin"),
            "2026-11-03T13:05:12.345Z"
        );
        assert_eq!(
            at(iso(b"2026-11-03T14:02"), 0, "UTC"),
            "2026-11-03T14:02:00Z"
        );
        let (_, used) = iso(b"2026-11-03T14:02:11.123456789-05:00 rest").unwrap();
        assert_eq!(used, 35);
        assert!(iso(b"2026-11-03").is_none());
        assert_eq!(
            at(iso(b"2026/11/03 14:02:11 x"), 0, "UTC"),
            "2026-11-03T14:02:11Z"
        );
        assert!(iso(b"2026/11-03 14:02:11").is_none());
        assert!(iso(b"2026-11-03T25:00:00").is_none());
    }

    #[test]
    fn yearless_shapes_take_the_context_year() {
        assert_eq!(
            at(syslog(b"Jun 14 15:16:01 combo"), 2005, "UTC"),
            "2005-06-14T15:16:01Z"
        );
        assert_eq!(
            at(syslog(b"Jul  1 09:00:00 combo"), 2005, "UTC"),
            "2005-07-01T09:00:00Z"
        );
        assert_eq!(
            at(logcat(b"03-17 16:13:38.811  1702"), 2017, "UTC"),
            "2017-03-17T16:13:38.811Z"
        );
    }

    #[test]
    fn a_yearless_log_crossing_new_year_rolls_over() {
        let mut ctx = Context::new(2025, TimeZone::UTC);
        let dec = syslog(b"Dec 31 23:59:59 h")
            .unwrap()
            .0
            .resolve(&mut ctx)
            .unwrap();
        let back = syslog(b"Dec 31 23:59:58 h")
            .unwrap()
            .0
            .resolve(&mut ctx)
            .unwrap();
        let jan = syslog(b"Jan  1 00:00:01 h")
            .unwrap()
            .0
            .resolve(&mut ctx)
            .unwrap();
        assert_eq!(dec.to_string(), "2025-12-31T23:59:59Z");
        assert_eq!(back.to_string(), "2025-12-31T23:59:58Z");
        assert_eq!(jan.to_string(), "2026-01-01T00:00:01Z");
    }

    #[test]
    fn bracketed_and_compact_shapes() {
        assert_eq!(
            at(clf(b"[03/Nov/2026:14:02:11 +0100] \"GET"), 0, "UTC"),
            "2026-11-03T13:02:11Z"
        );
        assert_eq!(
            at(
                apache_error(b"[Sun Dec 04 04:47:44 2005] [notice]"),
                0,
                "UTC"
            ),
            "2005-12-04T04:47:44Z"
        );
        assert_eq!(
            at(
                apache_error(b"[Wed Oct 11 14:32:52.123456 2000] [core:error]"),
                0,
                "UTC"
            ),
            "2000-10-11T14:32:52.123456Z"
        );
        assert_eq!(
            at(slashed(b"17/06/09 20:10:40 INFO"), 0, "UTC"),
            "2017-06-09T20:10:40Z"
        );
        assert_eq!(
            at(hdfs(b"081109 203615 148 INFO"), 0, "UTC"),
            "2008-11-09T20:36:15Z"
        );
        assert_eq!(
            at(compact(b"20171223-22:15:29:606|Step"), 0, "UTC"),
            "2017-12-23T22:15:29.606Z"
        );
        assert_eq!(
            at(compact(b"20171223-22:16:0:119|Step"), 0, "UTC"),
            "2017-12-23T22:16:00.119Z"
        );
        assert_eq!(
            at(compact(b"20171223-22:15:35:11|Step"), 0, "UTC"),
            "2017-12-23T22:15:35.011Z"
        );
    }

    #[test]
    fn epochs_in_seconds_and_milliseconds() {
        assert_eq!(
            at(epoch(b"1117838570 2005.06.03"), 0, "UTC"),
            "2005-06-03T22:42:50Z"
        );
        assert_eq!(
            at(epoch(b"1793711340.000200"), 0, "UTC"),
            "2026-11-03T13:09:00.0002Z"
        );
        assert_eq!(
            at(epoch(b"1793711340123 x"), 0, "UTC"),
            "2026-11-03T13:09:00.123Z"
        );
        assert!(epoch(b"12345").is_none());
        assert!(epoch(b"12345678901234567").is_none());
    }

    #[test]
    fn impossible_dates_do_not_resolve() {
        let (when, _) = iso(b"2026-02-30T10:00:00Z").unwrap();
        assert_eq!(when.resolve(&mut Context::new(2026, TimeZone::UTC)), None);
    }
}
