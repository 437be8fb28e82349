//! Property tests: no input makes the timestamp parsers, the format detectors or the scanner
//! panic, whatever the bytes.

use std::io::Write;

use debrief::evidence::format::{Format, Parser, detect};
use debrief::evidence::timestamp;
use proptest::prelude::*;

/// Bytes that look a little like log lines, so the parsers get past their first checks.
fn loggy() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop::sample::select(vec![
        &b"2026-11-03"[..],
        b"T",
        b" ",
        b"14:02:11",
        b",978",
        b".5",
        b"Z",
        b"+01:00",
        b"+0100",
        b" UTC",
        b"[",
        b"]",
        b"03/Nov/2026:",
        b"Sun Dec 04 ",
        b"Jun 14 ",
        b"03-17 ",
        b"17/06/09 ",
        b"081109 203615",
        b"20171223-22:1:2:3",
        b"1793710931",
        b"1793710931123",
        b".000200",
        b"|",
        b"<34>1 ",
        b"{\"ts\":",
        b"\"level\":\"error\"",
        b"}",
        b"time=",
        b"msg=\"x\"",
        b"ERROR",
        b"INFO",
        b"-",
        b"\xff",
        b"\xe9",
        b"\0",
        b"99999999999999999999",
        b"9",
        b"\"",
        b"\x1b[31m",
        b"\x1b[",
        b"#Fields: date time",
        b"\t",
        b"__REALTIME_TIMESTAMP",
        b"@4000000068f5c2a1",
        "ʚé€".as_bytes(),
        b"[pid: 1|app: 0] () {2 vars in 9 bytes} [",
    ]);
    prop::collection::vec(pieces, 0..24).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn line_parsers_never_panic(line in prop_oneof![loggy(), prop::collection::vec(any::<u8>(), 0..200)]) {
        for &format in Format::LINE_FORMATS {
            let parser = Parser::new(format);
            if let Some(parsed) = parser.parse(&line) {
                // The message range always lies inside the line.
                prop_assert!(parsed.msg.start <= parsed.msg.end && parsed.msg.end <= line.len());
            }
            let _ = parser.date(&line);
        }
        // Formats whose header names the columns, with a header made of the same bytes.
        for format in [Format::W3c, Format::Zeek] {
            let mut head = b"#Fields: ".to_vec();
            head.extend_from_slice(&line);
            let parser = Parser::new(format).for_file(&head);
            let _ = parser.parse(&line);
            let parser = Parser::new(format).for_file(&line);
            let _ = parser.parse(&line);
        }
        let _ = debrief::evidence::format::strip_ansi(&line);
        let mut ctx = timestamp::Context::new(2026, jiff::tz::TimeZone::get("Europe/Berlin").unwrap());
        for parse in [timestamp::iso, timestamp::syslog, timestamp::clf, timestamp::apache_error, timestamp::logcat,
                      timestamp::slashed, timestamp::hdfs, timestamp::compact, timestamp::epoch] {
            if let Some((when, used)) = parse(&line) {
                prop_assert!(used <= line.len());
                let _ = when.resolve(&mut ctx);
            }
        }
        let _ = detect(&[&line[..], &line[..line.len() / 2]]);
    }

    #[test]
    fn the_scanner_never_panics(content in prop::collection::vec(prop_oneof![loggy(), Just(b"\n".to_vec()), Just(b"\r\n".to_vec())], 0..40),
                                format in prop::sample::select(vec!["auto", "iso8601", "jsonl", "logfmt", "syslog", "slack", "alertmanager", "pagerduty", "clf", "w3c", "zeek", "journald", "uwsgi"]),
                                include in prop::sample::select(vec!["", "ERROR", "14:0", "^$"])) {
        let tmp = tempfile::tempdir().unwrap();
        let mut file = std::fs::File::create(tmp.path().join("x.log")).unwrap();
        file.write_all(&content.concat()).unwrap();
        let include = if include.is_empty() { String::new() } else { format!("include = ['{include}']\n") };
        let toml = format!("title = \"t\"\n[[sources]]\nname = \"x\"\npath = \"x.log\"\nformat = \"{format}\"\n{include}");
        let incident = debrief::model::LoadedIncident {
            id: "t".into(),
            dir: tmp.path().to_path_buf(),
            incident: toml::from_str(&toml).unwrap(),
            notes: None,
        };
        let options = debrief::evidence::ScanOptions { candidates: true, volume: true, templates: true , template_lines: false};
        if let Ok(scan) = debrief::evidence::scan_source(&incident, 0, options) {
            prop_assert!(scan.stats.dated + scan.stats.continued + scan.stats.undated + scan.stats.headers == scan.stats.lines || format_is_document(format));
        }
    }
}

fn format_is_document(format: &str) -> bool {
    matches!(format, "slack" | "alertmanager" | "pagerduty" | "auto")
}

/// Header-ish words: hosts, programs with pids, threads, loggers, levels, separators, and
/// brackets left open or closed late, so that lines repeat a header's bytes but not always its
/// fields.
fn headerish() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop::sample::select(vec![
        &b"web-1"[..],
        b"web-2",
        b"sshd[42]:",
        b"sshd[43]:",
        b"sshd[4200]:",
        b"2026-11-03",
        b"12:01:02",
        b"9",
        b"INFO",
        b"ERROR",
        b"[main]",
        b"[",
        b"]",
        b"(",
        b")",
        b"com.shop.Checkout:",
        b"kernel:",
        b"|",
        b"-",
        b" ",
        b"  ",
        b"\t",
        b"x",
        b"42",
        b"msg",
    ]);
    prop::collection::vec(pieces, 0..12).prop_map(|parts| parts.concat())
}

/// Lines that a header is learned from: a syslog host and program, or a level, a thread and
/// a logger.
const SAMPLES: [[&str; 3]; 3] = [
    [
        "web-1 sshd[42]: session opened",
        "web-2 cron[7]: job started",
        "web-1 sshd[43]: session closed",
    ],
    [
        "INFO [main] com.shop.Checkout: cart priced",
        "WARN [pool-1] com.shop.Cart: slow",
        "INFO [main] com.shop.Checkout: cart saved",
    ],
    [
        "2005.06.03 24200 INFO [main] x.Y: cart priced",
        "2005.06.04 31 WARN [pool-1] x.Z: slow",
        "2005.06.03 24201 INFO [main] x.Y: cart saved",
    ],
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// The reader splits a line with the header of the line before remembered: that gives
    /// exactly what splitting the line alone gives, whatever the lines.
    #[test]
    fn a_remembered_header_splits_as_each_line_alone(
        sample in 0..SAMPLES.len(),
        lines in prop::collection::vec(
            (prop::sample::select(vec!["web-1 sshd[42]: ", "web-7 sshd[13]: ", "INFO [main] com.shop.Checkout: ", "WARN [main] com.shop.Checkout: ", "[web sshd: ", "", "web-1 ", "12:01:02 ", "2005.06.03 24200 INFO [main] x.Y: ", "2005.07.13 99 WARN [pool-12] x.Y: ", "web-12 sshd[4242]: ", "web-1 sshd[42424]: ", "2005.6.003 7 INFO [pool-123] x.Y: ", "web-1 sshd[42]x: "]), headerish()),
            1..40,
        ),
    ) {
        use debrief::evidence::fields::{Header, LastHeader};
        let header = Header::learn(SAMPLES[sample].iter().map(|l| (l.as_bytes(), 0))).unwrap();
        let mut last = LastHeader::default();
        for (head, tail) in &lines {
            let line = [head.as_bytes(), tail].concat();
            let alone = header.split(&line, 0, |_, _| {});
            prop_assert_eq!(header.split_message(&line, 0, &mut last), alone, "{:?}", String::from_utf8_lossy(&line));
        }
    }
}
