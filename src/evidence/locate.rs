//! The timestamp locator: dates lines of a log that no named format knows.
//!
//! A named format knows where the time is and what follows it (the level, the message). A log
//! from other software puts the time somewhere else: after the file name it came from, after a
//! level letter, in the fourth column, in brackets, as `ts=` epoch milliseconds. The locator
//! looks for a timestamp wherever it sits in the first [`REACH`] bytes of a line — at the start,
//! or right after any byte that is not a letter or a digit (a space, a tab, a bracket, `=`, `|`,
//! the end of an ANSI colour code) — in any of the [`Layout`]s.
//!
//! It learns one layout per file from a sample of its lines ([`learn`]), then reads every line
//! with that layout only, so it costs little more than a named format. A match must stand alone:
//! it starts at such a boundary, ends before a letter or digit, and names a real date between
//! 1990 and 2100, so a number that is not a time (a port, a pid, a byte count) is never a time.

use jiff::Timestamp;

use super::level::Level;
use super::line::{Line, ansi_end, level_after};
use super::timestamp::{self, Civil, When, digits, digits_between};

/// How far into a line the locator looks for a timestamp, in bytes.
pub const REACH: usize = 256;

/// A timestamp layout the locator knows. Each reads a timestamp at the start of a slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// ISO 8601 / RFC 3339 and their variants: `2026-11-03T14:02:11.5+01:00`, `2026-11-03
    /// 14:02:11,123`, `2026/11/03 14:02:11`.
    Iso,
    /// The common log format's `[03/Nov/2026:14:02:11 +0100]`.
    Clf,
    /// `[Sun Dec 04 04:47:44 2005]`, as the Apache error log and `ctime` write it.
    Ctime,
    /// RFC 2822 / RFC 1123: `Tue, 03 Nov 2026 14:02:11 +0000`, the weekday optional.
    Rfc2822,
    /// `03-Nov-2026 14:02:11` (also with `/` or spaces between the parts).
    DayMonthYear,
    /// RFC 3164 syslog: `Nov  3 14:02:11` (no year).
    Rfc3164,
    /// klog/glog: `I1103 14:02:11.123456`, the level's letter first (no year).
    Klog,
    /// `20171223-22:15:29:606`.
    Compact,
    /// `081109 203615` (yyMMdd HHmmss).
    YyMmDd,
    /// `17/06/09 20:10:40` (yy/MM/dd).
    Slashed,
    /// `03-17 16:13:38.811` (MM-dd, no year).
    MonthDay,
    /// `11.03 14:02:11` (MM.dd, no year).
    Dotted,
    /// TAI64N: `@4000000068f5c2a1` and 8 more hex digits of nanoseconds.
    Tai64n,
    /// Unix time: seconds (10 digits, perhaps a fraction), milliseconds (13), microseconds
    /// (16) or nanoseconds (19).
    Epoch,
    /// A time of day alone, `14:02:11` or `14:02:11.123456`, as `strace -t`/`-tt` writes it:
    /// the date is the day the incident started, one more after each midnight.
    TimeOfDay,
}

impl Layout {
    /// Every layout, the most particular first: of two that date as many lines, the first wins.
    pub const ALL: &'static [Layout] = &[
        Layout::Iso,
        Layout::Clf,
        Layout::Ctime,
        Layout::Rfc2822,
        Layout::DayMonthYear,
        Layout::Klog,
        Layout::Rfc3164,
        Layout::Compact,
        Layout::YyMmDd,
        Layout::Slashed,
        Layout::MonthDay,
        Layout::Dotted,
        Layout::Tai64n,
        Layout::Epoch,
        Layout::TimeOfDay,
    ];

    /// The layout's name, as `timeline --sources --explain` and `check` show it.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Iso => "ISO 8601",
            Layout::Clf => "[dd/Mon/yyyy:HH:MM:SS zone]",
            Layout::Ctime => "[Day Mon dd HH:MM:SS yyyy]",
            Layout::Rfc2822 => "RFC 2822",
            Layout::DayMonthYear => "dd-Mon-yyyy HH:MM:SS",
            Layout::Rfc3164 => "RFC 3164 (Mon dd HH:MM:SS)",
            Layout::Klog => "klog (Lmmdd HH:MM:SS.ffffff)",
            Layout::Compact => "yyyyMMdd-H:M:S:ms",
            Layout::YyMmDd => "yyMMdd HHmmss",
            Layout::Slashed => "yy/MM/dd HH:MM:SS",
            Layout::MonthDay => "MM-dd HH:MM:SS",
            Layout::Dotted => "MM.dd HH:MM:SS",
            Layout::Tai64n => "TAI64N",
            Layout::Epoch => "Unix time",
            Layout::TimeOfDay => "HH:MM:SS (a time of day; the date is the incident's)",
        }
    }

    /// Reads a timestamp of this layout at the start of `b`: what it says, the bytes it used,
    /// and for klog the level its letter gives.
    fn read(self, b: &[u8]) -> Option<(When, usize, Option<Level>)> {
        let plain = |r: Option<(When, usize)>| r.map(|(w, n)| (w, n, None));
        match self {
            Layout::Iso => plain(timestamp::iso(b)),
            Layout::Clf => plain(timestamp::clf(b)),
            Layout::Ctime => plain(timestamp::apache_error(b)),
            Layout::Rfc2822 => plain(rfc2822(b)),
            Layout::DayMonthYear => plain(day_month_year(b)),
            Layout::Rfc3164 => plain(timestamp::syslog(b)),
            Layout::Klog => klog(b),
            Layout::Compact => plain(timestamp::compact(b)),
            Layout::YyMmDd => plain(timestamp::hdfs(b)),
            Layout::Slashed => plain(timestamp::slashed(b)),
            Layout::MonthDay => plain(timestamp::logcat(b)),
            Layout::Dotted => plain(dotted(b)),
            Layout::Tai64n => plain(tai64n(b)),
            Layout::Epoch => plain(epoch(b)),
            Layout::TimeOfDay => plain(time_of_day(b)),
        }
    }
}

/// Where a timestamp may start in `line`: at 0, and after every byte that is not a letter or a
/// digit, and after an ANSI escape sequence, within the first [`REACH`] bytes.
fn starts(line: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let reach = line.len().min(REACH);
    let mut i = 0;
    let mut boundary = true;
    std::iter::from_fn(move || {
        while i < reach {
            let at = i;
            let b = line[i];
            if b == 0x1b {
                i = ansi_end(line, i);
                boundary = true;
                continue;
            }
            i += 1;
            let was = boundary;
            boundary = !b.is_ascii_alphanumeric();
            if was && !b.is_ascii_whitespace() {
                return Some(at);
            }
        }
        None
    })
}

/// Whether the clock at `at` is the end of a longer timestamp (`2026-11-03 14:02:11`,
/// `[03/Nov/2026:14:02:11`, `11.03 14:02:11`): right after a space or a colon that follows a
/// word of digits with `-`, `/` or `.` in it. A time of day alone must not win a file from the
/// layout that reads the whole timestamp; a pid before it (`strace -f`) is no date.
fn after_a_date(line: &[u8], at: usize) -> bool {
    if at < 2 || !matches!(line[at - 1], b' ' | b':') || !line[at - 2].is_ascii_digit() {
        return false;
    }
    let word = &line[..at - 1];
    let start = word
        .iter()
        .rposition(|b| b.is_ascii_whitespace() || *b == b'[')
        .map_or(0, |i| i + 1);
    word[start..]
        .iter()
        .any(|b| matches!(b, b'-' | b'/' | b'.'))
}

/// Whether what a layout read is a real moment between 1990 and 2100.
fn plausible(when: &When) -> bool {
    let year_ok = |y: i64| (1990..=2100).contains(&y);
    match when {
        When::Exact(ts) => year_ok(i64::from(ts.to_zoned(jiff::tz::TimeZone::UTC).year())),
        When::Civil(c) if c.is_time_of_day() => true,
        When::Civil(c) => {
            c.year.is_none_or(|y| year_ok(i64::from(y)))
                && (1..=12).contains(&c.month)
                && (1..=31).contains(&c.day)
        }
    }
}

/// The first timestamp of `layout` in `line`: what it says, where it is, and the level a klog
/// letter gives.
pub fn find(line: &[u8], layout: Layout) -> Option<(When, std::ops::Range<usize>, Option<Level>)> {
    starts(line).find_map(|at| {
        if layout == Layout::TimeOfDay && after_a_date(line, at) {
            return None;
        }
        let (when, used, level) = layout.read(&line[at..])?;
        let end = at + used;
        // The time stands alone: what follows is not more of a word or a number.
        let alone = line.get(end).is_none_or(|b| !b.is_ascii_alphanumeric());
        (alone && plausible(&when)).then_some((when, at..end, level))
    })
}

/// Reads one line with `layout`: its time, its level (a klog letter, or a level word among
/// the next few tokens), and the message after them. Header and comment lines (`#`) carry no
/// time, whatever dates they mention.
pub fn parse(line: &[u8], layout: Layout) -> Option<Line> {
    if is_header(line) {
        return None;
    }
    let (when, span, letter) = find(line, layout)?;
    // Past what closes the time (`]`, `:`, `,`), then the level if one follows.
    let mut from = span.end;
    while line
        .get(from)
        .is_some_and(|b| matches!(b, b']' | b')' | b':' | b',' | b'|' | b'"'))
    {
        from += 1;
    }
    let (level, msg) = level_after(line, from, 3);
    let mut end = line.len();
    while end > msg && line[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    Some(Line::new(when, letter.or(level), msg..end))
}

/// Lines that say nothing to date: blank, or a comment or header (`#`).
fn is_header(line: &[u8]) -> bool {
    let t = line.trim_ascii();
    t.is_empty() || t.starts_with(b"#")
}

/// What the locator learned from a sample: the layout that dates the most lines, and how many
/// of the sample's lines (headers and comments left out) it dated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Learned {
    pub layout: Layout,
    pub dated: usize,
    pub lines: usize,
}

/// Learns the layout that dates the most of `sample`; `None` when no layout dates at least a
/// third of the lines (headers and comments aside).
pub fn learn(sample: &[&[u8]]) -> Option<Learned> {
    let lines: Vec<&[u8]> = sample.iter().copied().filter(|l| !is_header(l)).collect();
    let mut best: Option<Learned> = None;
    for &layout in Layout::ALL {
        let dated = lines.iter().filter(|l| find(l, layout).is_some()).count();
        if dated > 0 && best.is_none_or(|b| dated > b.dated) {
            best = Some(Learned {
                layout,
                dated,
                lines: lines.len(),
            });
        }
    }
    best.filter(|b| b.dated * 3 >= b.lines)
}

/// RFC 2822 / RFC 1123: `[Tue, ]03 Nov 2026 14:02:11 [+0000|GMT]`.
fn rfc2822(b: &[u8]) -> Option<(When, usize)> {
    let mut i = 0;
    if b.get(..3)
        .is_some_and(|w| w.iter().all(u8::is_ascii_alphabetic))
        && b.get(3) == Some(&b',')
    {
        i = 4;
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
    }
    let (day, n) = digits_between(b.get(i..)?, 1, 2)?;
    i += n;
    (b.get(i) == Some(&b' ')).then_some(())?;
    let month = timestamp::month_name(b.get(i + 1..)?)?;
    i += 4;
    (b.get(i) == Some(&b' ')).then_some(())?;
    let year = digits(b.get(i + 1..)?, 4)?;
    i += 5;
    (b.get(i) == Some(&b' ')).then_some(())?;
    let (clock, used) = timestamp::clock(b.get(i + 1..)?)?;
    i += 1 + used;
    let mut offset = None;
    if b.get(i) == Some(&b' ') {
        let (z, n) = timestamp::zone(&b[i + 1..]);
        if n > 0 {
            offset = z;
            i += 1 + n;
        } else if b.get(i + 1..i + 4) == Some(b"GMT") || b.get(i + 1..i + 4) == Some(b"UTC") {
            offset = Some(0);
            i += 4;
        }
    }
    Some((
        Civil::when(Some(year as i16), month, day as i8, clock, offset),
        i,
    ))
}

/// `03-Nov-2026 14:02:11[.fff]`, with `-`, `/` or a space between the date's parts.
fn day_month_year(b: &[u8]) -> Option<(When, usize)> {
    let (day, n) = digits_between(b, 1, 2)?;
    let sep = *b.get(n).filter(|c| matches!(c, b'-' | b'/' | b' '))?;
    let month = timestamp::month_name(b.get(n + 1..)?)?;
    (b.get(n + 4) == Some(&sep)).then_some(())?;
    let year = digits(b.get(n + 5..)?, 4)?;
    let i = n + 9;
    if !matches!(b.get(i), Some(b' ' | b':' | b'T')) {
        return None;
    }
    let (clock, used) = timestamp::clock(b.get(i + 1..)?)?;
    let (offset, z) = timestamp::zone(&b[i + 1 + used..]);
    Some((
        Civil::when(Some(year as i16), month, day as i8, clock, offset),
        i + 1 + used + z,
    ))
}

/// klog/glog: `Lmmdd hh:mm:ss.uuuuuu`, L one of I, W, E, F.
fn klog(b: &[u8]) -> Option<(When, usize, Option<Level>)> {
    let level = match b.first()? {
        b'I' => Level::Info,
        b'W' => Level::Warn,
        b'E' => Level::Error,
        b'F' => Level::Critical,
        _ => return None,
    };
    let date = digits(b.get(1..)?, 4)?;
    (b.get(5) == Some(&b' ')).then_some(())?;
    let (clock, used) = timestamp::clock(b.get(6..)?)?;
    Some((
        Civil::when(None, (date / 100) as i8, (date % 100) as i8, clock, None),
        6 + used,
        Some(level),
    ))
}

/// `HH:MM:SS` with an optional fraction, and no date: seconds are required, so that a
/// clock `HH:MM` in prose is not taken for one.
fn time_of_day(b: &[u8]) -> Option<(When, usize)> {
    let (clock, used) = timestamp::clock(b)?;
    (used >= 8).then(|| (Civil::time_of_day(clock), used))
}

/// `MM.dd HH:MM:SS` (no year), as Proxifier writes it in brackets.
fn dotted(b: &[u8]) -> Option<(When, usize)> {
    let month = digits(b, 2)?;
    (b.get(2) == Some(&b'.')).then_some(())?;
    let day = digits(b.get(3..)?, 2)?;
    (b.get(5) == Some(&b' ')).then_some(())?;
    let (clock, used) = timestamp::clock(b.get(6..)?)?;
    Some((
        Civil::when(None, month as i8, day as i8, clock, None),
        6 + used,
    ))
}

/// TAI64N: `@` and 24 hex digits, 16 of seconds since 2^62 (TAI, taken as Unix time plus 10
/// seconds, as daemontools' `tai64nlocal` does) and 8 of nanoseconds.
fn tai64n(b: &[u8]) -> Option<(When, usize)> {
    (b.first() == Some(&b'@')).then_some(())?;
    let hex = b.get(1..25)?;
    // Only hex digits: a multi-byte character must not be cut by the slices below.
    if !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let hex = std::str::from_utf8(hex).ok()?;
    let secs = u64::from_str_radix(&hex[..16], 16).ok()?;
    let nanos = u32::from_str_radix(&hex[16..], 16).ok()?;
    let unix = secs.checked_sub((1 << 62) + 10)?;
    let ts = Timestamp::new(i64::try_from(unix).ok()?, i32::try_from(nanos).ok()?).ok()?;
    Some((When::Exact(ts), 25))
}

/// Unix time by its number of digits: seconds (10, perhaps with a fraction), milliseconds (13),
/// microseconds (16) or nanoseconds (19).
fn epoch(b: &[u8]) -> Option<(When, usize)> {
    let (_, n) = digits_between(b, 10, 19)?;
    if b.get(n).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let whole: i64 = std::str::from_utf8(&b[..n]).ok()?.parse().ok()?;
    let ts = match n {
        10 => return timestamp::epoch(b),
        13 => Timestamp::from_millisecond(whole).ok()?,
        16 => Timestamp::from_microsecond(whole).ok()?,
        19 => Timestamp::from_nanosecond(i128::from(whole)).ok()?,
        _ => return None,
    };
    Some((When::Exact(ts), n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::tz::TimeZone;

    /// The instant the locator reads in `line` with the layout it learns from `line` alone,
    /// in UTC, the year 2026 for year-less layouts.
    fn dated(line: &str) -> Option<(Layout, String)> {
        let learned = learn(&[line.as_bytes()])?;
        let (when, _, _) = find(line.as_bytes(), learned.layout)?;
        let mut ctx = timestamp::Context::new(2026, TimeZone::UTC);
        Some((learned.layout, when.resolve(&mut ctx)?.to_string()))
    }

    #[test]
    fn a_tai64n_label_with_other_characters_is_not_a_time() {
        // A multi-byte character where the hex digits would be (found by fuzzing).
        assert!(tai64n("@4000000068f5c2ʚa10000000a".as_bytes()).is_none());
        assert!(tai64n(b"@4000000068f5c2a1000000zz").is_none());
        assert!(tai64n(b"@400000006ae9e96d0000000a").is_some());
    }

    #[test]
    fn every_layout_is_found_wherever_it_sits() {
        let cases = [
            // OpenStack nova: the file name first.
            (
                "nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server [req-38101a0b] 10.11.10.1 \"GET /v2/servers/detail HTTP/1.1\"",
                Layout::Iso,
                "2017-05-16T00:00:00.008Z",
            ),
            // An HPC log: the epoch in the fourth column.
            (
                "460610 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change",
                Layout::Epoch,
                "2004-02-26T14:12:22Z",
            ),
            // Proxifier.
            (
                "[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy",
                Layout::Dotted,
                "2026-10-30T16:49:06Z",
            ),
            (
                "I0430 12:34:56.789012    1 controller.go:42] Starting controller",
                Layout::Klog,
                "2026-04-30T12:34:56.789012Z",
            ),
            (
                "host=web-1 ts=1793714531123 msg=\"pool exhausted\"",
                Layout::Epoch,
                "2026-11-03T14:02:11.123Z",
            ),
            (
                "web-1 | 1793714531123456 | pool exhausted",
                Layout::Epoch,
                "2026-11-03T14:02:11.123456Z",
            ),
            (
                "1793714531123456789 pool exhausted",
                Layout::Epoch,
                "2026-11-03T14:02:11.123456789Z",
            ),
            (
                "Date: Tue, 03 Nov 2026 14:02:11 +0100 something",
                Layout::Rfc2822,
                "2026-11-03T13:02:11Z",
            ),
            (
                "worker 3: 03-Nov-2026 14:02:11 request done",
                Layout::DayMonthYear,
                "2026-11-03T14:02:11Z",
            ),
            (
                "\x1b[32mNov  3 14:02:11\x1b[0m web-1 sshd[42]: Accepted",
                Layout::Rfc3164,
                "2026-11-03T14:02:11Z",
            ),
            (
                "@400000006ae9e96d0000000a run: starting",
                Layout::Tai64n,
                "2026-11-03T14:02:11.00000001Z",
            ),
        ];
        for (line, layout, at) in cases {
            assert_eq!(dated(line), Some((layout, at.to_owned())), "{line:?}");
        }
    }

    #[test]
    fn numbers_that_are_not_times_are_not_dated() {
        for line in [
            // 9999999999 s is the year 2286; 12345 is no time at all.
            "port 8080 pid 12345 bytes 9999999999",
            // 11 digits is no epoch unit.
            "id=12345678901 count=3",
            // A date without a time, and a version.
            "build 20261103 finished",
            "version 1.2.3 released",
            // Glued to a word, or followed by more digits.
            "abc1793714531 glued to a word",
            "1793714531999999999999 too long",
            // No month 99 (and the clock after it belongs to that date), no day 40.
            "99.99 12:00:00 not a month",
            "[40/Nov/2026:14:02:11 +0000] no day 40",
        ] {
            let found: Vec<_> = Layout::ALL
                .iter()
                .filter_map(|&l| find(line.as_bytes(), l).map(|f| (l, f.1)))
                .collect();
            assert!(found.is_empty(), "{line}: {found:?}");
        }
    }

    #[test]
    fn headers_and_comments_do_not_count_and_a_third_must_be_dated() {
        let mut sample: Vec<&[u8]> = vec![
            b"#Software: Microsoft Internet Information Services 10.0",
            b"#Fields: date time s-ip cs-method",
            b"",
        ];
        sample.extend(std::iter::repeat_n(
            b"2026-11-03 14:02:11 10.0.0.1 GET".as_slice(),
            3,
        ));
        let learned = learn(&sample).unwrap();
        assert_eq!(
            (learned.layout, learned.dated, learned.lines),
            (Layout::Iso, 3, 3)
        );
        let prose: Vec<&[u8]> = vec![b"hello", b"world", b"at 2026-11-03 14:02:11", b"x", b"y"];
        assert_eq!(learn(&prose), None, "one line in five is not a log");
    }

    proptest::proptest! {
        /// Any bytes: no panic, and whatever is found is a real date of the layout it was
        /// asked for, inside the line and at a boundary.
        #[test]
        fn any_bytes_never_panic(line in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            for &layout in Layout::ALL {
                if let Some((when, span, _)) = find(&line, layout) {
                    proptest::prop_assert!(plausible(&when));
                    proptest::prop_assert!(span.end <= line.len());
                    proptest::prop_assert!(span.start == 0 || !line[span.start - 1].is_ascii_alphanumeric() || line[..span.start].contains(&0x1b));
                }
                let _ = parse(&line, layout);
            }
            let _ = learn(&[line.as_slice()]);
        }

        /// Words and numbers that are not times (no separators of a date or a clock, no run of
        /// 10, 13, 16 or 19 digits, and no two six-digit numbers in a row, which is how
        /// `yyMMdd HHmmss` looks) are never dated.
        #[test]
        fn numbers_that_are_not_times_never_date_a_line(
            words in proptest::collection::vec(
                proptest::prop_oneof![
                    "[a-z]{1,8}",
                    "[0-9]{1,5}",
                    "[0-9]{7,9}",
                    "[0-9]{11,12}",
                    "[0-9]{14,15}",
                    "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
                    "[a-z]+=[0-9]{1,9}",
                ],
                0..12,
            )
        ) {
            let line = words.join(" ");
            for &layout in Layout::ALL {
                proptest::prop_assert!(find(line.as_bytes(), layout).is_none(), "{:?} dated {:?}", layout, line);
            }
        }
    }

    #[test]
    fn the_message_and_level_follow_the_time() {
        let line = b"nova-api.log.1 2017-05-16 00:00:00.008 25746 INFO nova.osapi server started";
        let parsed = parse(line, Layout::Iso).unwrap();
        assert_eq!(parsed.level, Some(Level::Info));
        assert_eq!(&line[parsed.msg.clone()], b"nova.osapi server started");
        let klog = b"E0430 12:34:56.789012    1 file.go:42] connection refused";
        let parsed = parse(klog, Layout::Klog).unwrap();
        assert_eq!(parsed.level, Some(Level::Error));
    }
}
