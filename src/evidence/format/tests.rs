//! The line formats, each read from real lines.

use super::*;
use crate::evidence::level::token_level;
use crate::evidence::line::find_blank;

proptest::proptest! {
    /// The level of a word read from its end is the level of its last non-empty part.
    #[test]
    fn a_level_read_from_the_end_of_a_word_is_the_level_of_its_last_part(
        word in "[a-zA-Z:\\[\\]<>]{0,20}(warn|ERROR|Info|crit)?:{0,3}",
    ) {
        use crate::evidence::level::{last_part, strip};
        let inner = strip(word.as_bytes());
        let plain = inner
            .rsplit(|b| *b == b':')
            .find(|w| !w.is_empty())
            .unwrap_or(inner);
        proptest::prop_assert_eq!(
            last_part(inner).and_then(Level::parse),
            Level::parse(plain)
        );
        proptest::prop_assert_eq!(token_level(word.as_bytes()), Level::parse(plain));
    }

    /// The blank finder that reads eight bytes at a time finds the first space or tab.
    #[test]
    fn the_first_blank_is_found_a_word_at_a_time(line in "[a-z \t\u{e9}\u{a0}]{0,40}") {
        let bytes = line.as_bytes();
        proptest::prop_assert_eq!(
            find_blank(bytes),
            bytes.iter().position(|&b| b == b' ' || b == b'\t')
        );
    }
}

/// Concatenated Zeek logs repeat their header; a later `#fields` with other columns gives
/// a parser for them, and the same header gives none.
#[test]
fn a_repeated_zeek_header_with_other_fields_restarts_the_columns() {
    let head = b"#separator \\x09\n#path\thttp\n#fields\tts\tmethod\turi\n";
    let parser = Parser::new(Format::Zeek).for_file(head);
    assert!(parser.with_header(head).is_none());
    let again = b"#separator \\x09\n#path\thttp\n#fields\tts\thost\tmethod\turi\n";
    let restarted = parser.with_header(again).expect("new columns");
    let line = restarted
        .parse(b"1762178531.5\tshop.example\tGET\t/pay")
        .expect("dated");
    assert_eq!(
        line.owned_msg.as_deref(),
        Some("http: GET shop.example/pay")
    );
    assert!(Parser::new(Format::Iso8601).with_header(again).is_none());
}

fn parse(format: Format, line: &str) -> Option<(Option<Level>, String)> {
    let parsed = Parser::new(format).parse(line.as_bytes())?;
    let msg = parsed
        .owned_msg
        .clone()
        .unwrap_or_else(|| line[parsed.msg.clone()].to_owned());
    Some((parsed.level, msg))
}

#[test]
fn levels_and_messages_per_format() {
    let cases: &[(Format, &str, Option<Level>, &str)] = &[
        (
            Format::Log4j,
            "2015-10-18 18:01:47,978 INFO [main] org.x.App: Created",
            Some(Level::Info),
            "[main] org.x.App: Created",
        ),
        (
            Format::Log4j,
            "2015-07-29 19:04:29,071 - WARN  [SendWorker:1] - Send worker leaving",
            Some(Level::Warn),
            "[SendWorker:1] - Send worker leaving",
        ),
        (
            Format::Klog,
            "E1103 14:02:11.123456    2841 pod_workers.go:1298] \"Error syncing pod\" err=\"back-off\"",
            Some(Level::Error),
            "\"Error syncing pod\" err=\"back-off\"",
        ),
        (
            Format::Klog,
            "W1103 14:02:12.000001       1 reflector.go:424] watch closed",
            Some(Level::Warn),
            "watch closed",
        ),
        (
            Format::Python,
            "2026-11-03 14:02:11,123 - app.db - ERROR - pool exhausted",
            Some(Level::Error),
            "pool exhausted",
        ),
        (
            Format::Postgres,
            "2026-11-03 13:05:12.345 UTC [48211] FATAL:  sorry, too many clients already",
            Some(Level::Critical),
            "sorry, too many clients already",
        ),
        (
            Format::Journalctl,
            "2026-11-03T14:02:11+0100 web-1 nginx[812]: upstream timed out",
            None,
            "upstream timed out",
        ),
        (
            Format::Rfc5424,
            "<11>1 2026-11-03T14:02:11.003Z web-1 api 812 ID47 [x@1 a=\"b\"] pool exhausted",
            Some(Level::Error),
            "pool exhausted",
        ),
        (
            Format::Syslog,
            "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure;",
            None,
            "combo sshd(pam_unix)[19939]: authentication failure;",
        ),
        // A level after the host and program keeps them in the message.
        (
            Format::Syslog,
            "Nov  3 14:02:11 db-1 postgres[812]: FATAL: sorry, too many clients already",
            Some(Level::Critical),
            "db-1 postgres[812]: FATAL: sorry, too many clients already",
        ),
        // A level right after the time is taken out.
        (
            Format::Iso8601,
            "2026-11-03T14:02:11Z ERROR pool exhausted",
            Some(Level::Error),
            "pool exhausted",
        ),
        (
            Format::Clf,
            r#"203.0.113.9 - - [03/Nov/2026:14:02:11 +0100] "POST /api/checkout HTTP/1.1" 500 187 "-" "curl""#,
            Some(Level::Error),
            r#""POST /api/checkout HTTP/1.1" 500 187 "-" "curl""#,
        ),
        (
            Format::ApacheError,
            "[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6",
            Some(Level::Error),
            "mod_jk child workerEnv in error state 6",
        ),
        (
            Format::Logcat,
            "03-17 16:13:38.811  1702  2395 D WindowManager: printFreezing",
            Some(Level::Debug),
            "WindowManager: printFreezing",
        ),
        (
            Format::Spark,
            "17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls",
            Some(Level::Info),
            "spark.SecurityManager: Changing view acls",
        ),
        (
            Format::Hdfs,
            "081109 203615 148 INFO dfs.DataNode$PacketResponder: terminating",
            Some(Level::Info),
            "dfs.DataNode$PacketResponder: terminating",
        ),
        (
            Format::Compact,
            "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579",
            None,
            "onStandStepChanged 3579",
        ),
        (
            Format::Epoch,
            "- 1117838570 2005.06.03 R02-M1-N0 2005-06-03-15.42.50.675872 R02 RAS KERNEL INFO instruction cache parity error corrected",
            Some(Level::Info),
            // One line alone: the header is learned from a file's lines (tested there).
            "2005.06.03 R02-M1-N0 2005-06-03-15.42.50.675872 R02 RAS KERNEL INFO instruction cache parity error corrected",
        ),
        (
            Format::JsonLines,
            r#"{"ts":"2026-11-03T13:02:00.1Z","level":"error","msg":"timeout acquiring connection"}"#,
            Some(Level::Error),
            "timeout acquiring connection",
        ),
        (
            Format::Logfmt,
            r#"time=2026-11-03T12:55:00Z level=info msg="rollout started" app=checkout-api"#,
            Some(Level::Info),
            "rollout started app=checkout-api",
        ),
    ];
    for (format, line, level, msg) in cases {
        assert_eq!(
            parse(*format, line),
            Some((*level, (*msg).to_owned())),
            "{format}: {line}"
        );
    }
}

/// Found by the property test: a time followed only by spaces.
#[test]
fn a_line_with_a_time_and_no_message_has_an_empty_message() {
    let cases = [
        (Format::Epoch, "1793710931 "),
        (Format::Iso8601, "2026-11-03T14:02:11Z   "),
        (Format::Syslog, "Jun 14 15:16:01 "),
    ];
    for (format, line) in cases {
        let parsed = Parser::new(format).parse(line.as_bytes()).unwrap();
        assert!(
            parsed.msg.start <= parsed.msg.end && parsed.msg.end <= line.len(),
            "{format}: {:?}",
            parsed.msg
        );
        assert_eq!(&line[parsed.msg.clone()], "", "{format}");
    }
}

#[test]
fn detection_picks_the_most_specific_format() {
    let detect_one = |line: &str| detect(&[line.as_bytes()]);
    assert_eq!(
        detect_one("2015-10-18 18:01:47,978 INFO [main] x: y"),
        Some(Format::Log4j)
    );
    assert_eq!(
        detect_one("2026-11-03T14:02:11Z something happened"),
        Some(Format::Iso8601)
    );
    assert_eq!(
        detect_one("2026-11-03 13:05:12.345 UTC [48211] LOG:  x"),
        Some(Format::Postgres)
    );
    assert_eq!(
        detect_one(r#"{"time": 1793711340.5, "message": "x"}"#),
        Some(Format::JsonLines)
    );
    assert_eq!(
        detect_one("Dec 10 06:55:46 LabSZ sshd[24200]: x"),
        Some(Format::Syslog)
    );
    assert_eq!(
        detect_one("I1103 14:02:11.123456    1 controller.go:42] Starting"),
        Some(Format::Klog)
    );
    assert_eq!(detect_one("not a log line at all"), None);
}

#[test]
fn json_times_as_epoch_numbers() {
    let parsed = Parser::new(Format::JsonLines)
        .parse(br#"{"ts":1793711340123,"msg":"x"}"#)
        .unwrap();
    let mut ctx = timestamp::Context::new(2026, jiff::tz::TimeZone::UTC);
    assert_eq!(
        parsed.when.resolve(&mut ctx).unwrap().to_string(),
        "2026-11-03T13:09:00.123Z"
    );
    let parsed = Parser::new(Format::JsonLines)
        .parse(br#"{"time":1793711340.25,"msg":"x"}"#)
        .unwrap();
    assert_eq!(
        parsed.when.resolve(&mut ctx).unwrap().to_string(),
        "2026-11-03T13:09:00.25Z"
    );
}

#[test]
fn json_lines_read_only_the_keys_they_need() {
    let json = Parser::new(Format::JsonLines);
    let mut ctx = timestamp::Context::new(2026, jiff::tz::TimeZone::UTC);
    let read = |line: &[u8]| {
        json.parse(line).map(|l| {
            let msg = l
                .owned_msg
                .unwrap_or_else(|| String::from_utf8_lossy(&line[l.msg]).into_owned());
            (l.when, l.level, Some(msg))
        })
    };
    // Escapes are decoded; nested values and unknown keys are skipped; a key given twice
    // keeps its last value; a time key that holds no time gives way to the next one.
    let (when, level, msg) = read(
            br#"{"ts":true,"nested":{"a":[1,{"b":"}"}]},"level":"warn","level":"Error","time":"2026-11-03T13:09:00Z","msg":"pool \"main\" \u00e9\nnext"}"#,
        )
        .unwrap();
    assert_eq!(
        when.resolve(&mut ctx).unwrap().to_string(),
        "2026-11-03T13:09:00Z"
    );
    assert_eq!(level, Some(Level::Error));
    assert_eq!(msg.as_deref(), Some("pool \"main\" \u{e9}\nnext"));
    // A message without escapes is where it is in the line, not a copy.
    let plain = br#"{"ts":"2026-11-03T13:09:00Z","msg":"pool exhausted","n":2}"#;
    let line = json.parse(plain).unwrap();
    assert_eq!(
        (line.owned_msg, &plain[line.msg]),
        (None, &b"pool exhausted"[..])
    );
    // Without a message key, the other fields are the message.
    let (_, _, msg) = read(br#"{"ts":"2026-11-03T13:09:00Z","route":"/a","n":2}"#).unwrap();
    assert_eq!(msg.as_deref(), Some(r#"n=2 route="/a""#));
    // A key is matched once its escapes are decoded, and a key that is not UTF-8 is one
    // more unknown key.
    let (_, _, msg) =
        read(b"{\"ts\":\"2026-11-03T13:09:00Z\",\"\\u006dsg\":\"escaped\",\"\xff\":1}").unwrap();
    assert_eq!(msg.as_deref(), Some("escaped"));
    // Broken JSON, a non-object and an object without a time are not entries.
    assert!(read(br#"{"ts":"2026-11-03T13:09:00Z","msg":"x",}"#).is_none());
    assert!(read(br#"{"ts":"2026-11-03T13:09:00Z","msg":"x"} {}"#).is_none());
    assert!(read(br#"["ts","2026-11-03T13:09:00Z"]"#).is_none());
    assert!(read(br#"{"msg":"no time"}"#).is_none());
}

#[test]
fn long_level_words_are_levels_too() {
    assert_eq!(Level::parse(b"Information"), Some(Level::Info));
    assert_eq!(Level::parse(b"EMERGENCY"), Some(Level::Critical));
    assert_eq!(Level::parse(b"12345"), None);
    assert_eq!(Level::parse(b"wa"), None);
}

#[test]
fn every_level_word_is_read_in_any_case_and_near_misses_are_not() {
    let words: &[(&str, Level)] = &[
        ("trace", Level::Trace),
        ("finest", Level::Trace),
        ("finer", Level::Trace),
        ("verbose", Level::Trace),
        ("debug", Level::Debug),
        ("fine", Level::Debug),
        ("dbg", Level::Debug),
        ("info", Level::Info),
        ("information", Level::Info),
        ("log", Level::Info),
        ("config", Level::Info),
        ("inf", Level::Info),
        ("notice", Level::Notice),
        ("warn", Level::Warn),
        ("warning", Level::Warn),
        ("wrn", Level::Warn),
        ("error", Level::Error),
        ("err", Level::Error),
        ("severe", Level::Error),
        ("fatal", Level::Critical),
        ("critical", Level::Critical),
        ("crit", Level::Critical),
        ("alert", Level::Critical),
        ("emerg", Level::Critical),
        ("emergency", Level::Critical),
        ("panic", Level::Critical),
    ];
    for &(word, level) in words {
        for w in [word.to_owned(), word.to_uppercase(), {
            let mut c = word.chars();
            c.next().unwrap().to_uppercase().chain(c).collect()
        }] {
            assert_eq!(Level::parse(w.as_bytes()), Some(level), "{w}");
        }
        // One letter more: no level.
        assert_eq!(Level::parse(format!("{word}x").as_bytes()), None, "{word}x");
    }
    for near in [
        "warns", "infos", "errorx", "panics", "debugger", "notices", "in", "er",
    ] {
        assert_eq!(Level::parse(near.as_bytes()), None, "{near}");
    }
}

#[test]
fn names_round_trip() {
    for (format, name) in Format::NAMES {
        assert_eq!(name.parse::<Format>(), Ok(*format));
    }
    assert_eq!("nginx".parse::<Format>(), Ok(Format::Clf));
    assert!("xml".parse::<Format>().is_err());
}

#[test]
fn logfmt_values_unescaped_and_fields_after_the_message() {
    let line = r#"ts=2026-11-03T12:55:00Z msg="say \"hi\" now" level=warn path="/a b" n=5 flag msg=second"#;
    assert_eq!(
        parse(Format::Logfmt, line),
        Some((
            Some(Level::Warn),
            r#"say "hi" now path=/a b n=5 flag="#.to_owned()
        )),
        "the first message key wins; bare keys and other fields follow it"
    );
    // Bytes that are not UTF-8 read as U+FFFD, in the message and in the fields.
    let bytes = b"ts=2026-11-03T12:55:00Z msg=\"caf\xe9\" k=\xff\xfe x=\"a\\\xe9\"";
    let parsed = Parser::new(Format::Logfmt).parse(bytes).unwrap();
    assert_eq!(
        parsed.owned_msg.as_deref(),
        Some("caf\u{FFFD} k=\u{FFFD}\u{FFFD} x=a\u{FFFD}")
    );
    // An unterminated quote runs to the end of the line.
    assert_eq!(
        parse(Format::Logfmt, r#"ts=2026-11-03T12:55:00Z msg="open k=1"#),
        Some((None, "open k=1".to_owned()))
    );
}
