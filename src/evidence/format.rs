//! Log formats: recognising a line, finding its time, level and message, and detecting which
//! format a file uses from its first lines.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use regex::bytes::Regex;

use std::sync::Arc;

use super::columns::{self, Columns};
use super::fields::{self, Header};
pub use super::level::Level;
pub use super::line::{Line, strip_ansi};
use super::locate::{self, Layout};
use super::timestamp::{self, When};

/// The formats debrief reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Detect from the first lines.
    Auto,
    /// Java/log4j: `2015-10-18 18:01:47,978 INFO [main] class: msg`.
    Log4j,
    /// Python logging: `2026-11-03 14:02:11,123 - name - ERROR - msg`.
    Python,
    /// PostgreSQL: `2026-11-03 13:05:12.345 UTC [48211] FATAL:  msg`.
    Postgres,
    /// `journalctl -o short-iso`: `2026-11-03T14:02:11+0100 host unit[pid]: msg`.
    Journalctl,
    /// `journalctl -o json`: one object per line with `__REALTIME_TIMESTAMP` (microseconds),
    /// `MESSAGE` and `PRIORITY`.
    Journald,
    /// The W3C extended log format (IIS): a `#Fields:` header, then columns by space, in UTC.
    W3c,
    /// Zeek (Bro) TSV logs: `#separator` and `#fields` headers, then `ts` in epoch seconds.
    Zeek,
    /// uWSGI's request log `[pid: 1|app: 0|req: 1/1] … [Tue Nov  3 14:02:11 2026] GET / => …`
    /// and its `--logdate` lines.
    Uwsgi,
    /// Any line that starts with an RFC 3339 / ISO 8601 time.
    Iso8601,
    /// RFC 5424 syslog: `<34>1 2026-11-03T14:02:11.003Z host app 123 ID47 - msg`.
    Rfc5424,
    /// BSD syslog: `Jun 14 15:16:01 host proc[pid]: msg` (no year).
    Syslog,
    /// nginx/Apache common or combined log format.
    Clf,
    /// The Apache error log: `[Sun Dec 04 04:47:44 2005] [error] msg`.
    ApacheError,
    /// Android logcat: `03-17 16:13:38.811  1702  2395 D Tag: msg` (no year).
    Logcat,
    /// klog/glog, as every Kubernetes component writes: `I1103 14:02:11.123456    1
    /// file.go:42] msg` (no year; the letter is the level).
    Klog,
    /// Spark/Hadoop: `17/06/09 20:10:40 INFO class: msg`.
    Spark,
    /// HDFS: `081109 203615 148 INFO class: msg`.
    Hdfs,
    /// `20171223-22:15:29:606|component|pid|msg`, fields not always zero-padded.
    Compact,
    /// Epoch seconds or milliseconds as the first or second field.
    Epoch,
    /// One JSON object per line.
    JsonLines,
    /// `key=value` pairs.
    Logfmt,
    /// A Slack channel export (a JSON array of messages).
    Slack,
    /// An Alertmanager webhook payload.
    Alertmanager,
    /// PagerDuty log entries (`{"log_entries": [...]}`).
    PagerDuty,
    /// `regex = '...'` with the named groups `ts` and `msg`.
    Regex,
    /// No named format: the timestamp locator found this layout in the file's lines, wherever
    /// it sits in them (see [`super::locate`]).
    Located(Layout),
}

impl Format {
    /// Line formats, most specific first: detection prefers the first of equally good matches.
    pub const LINE_FORMATS: &'static [Format] = &[
        Format::Journald,
        Format::JsonLines,
        Format::Log4j,
        Format::Python,
        Format::Postgres,
        Format::Journalctl,
        Format::Rfc5424,
        Format::Clf,
        Format::ApacheError,
        Format::Uwsgi,
        Format::Logcat,
        Format::Klog,
        Format::Spark,
        Format::Hdfs,
        Format::Compact,
        Format::Epoch,
        Format::Syslog,
        Format::Logfmt,
        Format::Iso8601,
    ];

    const NAMES: &'static [(Format, &'static str)] = &[
        (Format::Auto, "auto"),
        (Format::Log4j, "log4j"),
        (Format::Python, "python"),
        (Format::Postgres, "postgres"),
        (Format::Journalctl, "journalctl"),
        (Format::Journald, "journald"),
        (Format::W3c, "w3c"),
        (Format::Zeek, "zeek"),
        (Format::Uwsgi, "uwsgi"),
        (Format::Iso8601, "iso8601"),
        (Format::Rfc5424, "rfc5424"),
        (Format::Syslog, "syslog"),
        (Format::Clf, "clf"),
        (Format::ApacheError, "apache-error"),
        (Format::Logcat, "logcat"),
        (Format::Klog, "klog"),
        (Format::Spark, "spark"),
        (Format::Hdfs, "hdfs"),
        (Format::Compact, "compact"),
        (Format::Epoch, "epoch"),
        (Format::JsonLines, "jsonl"),
        (Format::Logfmt, "logfmt"),
        (Format::Slack, "slack"),
        (Format::Alertmanager, "alertmanager"),
        (Format::PagerDuty, "pagerduty"),
        (Format::Regex, "regex"),
    ];

    /// Every name `format =` accepts, for help texts.
    pub fn names() -> Vec<&'static str> {
        let mut names: Vec<&str> = Self::NAMES
            .iter()
            .map(|(_, n)| *n)
            .filter(|n| *n != "regex")
            .collect();
        names.extend(["nginx", "json"]);
        names
    }

    pub fn name(self) -> &'static str {
        if let Format::Located(_) = self {
            return "located";
        }
        Self::NAMES
            .iter()
            .find(|(f, _)| *f == self)
            .map_or("auto", |(_, n)| n)
    }

    /// Formats whose lines are free text after the time, where the fields before the message
    /// are found by the shape the file's lines share ([`Header`]). Structured formats name
    /// their fields, and a user's regex says where the message is.
    pub fn has_free_header(self) -> bool {
        !matches!(
            self,
            Format::JsonLines
                | Format::Logfmt
                | Format::Journald
                | Format::W3c
                | Format::Zeek
                | Format::Clf
                | Format::Uwsgi
                | Format::Rfc5424
                | Format::Regex
                | Format::Auto
                | Format::Slack
                | Format::Alertmanager
                | Format::PagerDuty
        )
    }

    /// Access logs: one line per request, grouped by method, route and status class.
    pub fn is_access_log(self) -> bool {
        matches!(
            self,
            Format::Clf | Format::W3c | Format::Uwsgi | Format::Zeek
        )
    }

    /// Formats that are whole JSON documents rather than lines.
    pub fn is_document(self) -> bool {
        matches!(
            self,
            Format::Slack | Format::Alertmanager | Format::PagerDuty
        )
    }
}

impl serde::Serialize for Format {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::Located(layout) => write!(f, "{} (found by the locator)", layout.name()),
            _ => f.write_str(self.name()),
        }
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        let s = s.to_ascii_lowercase();
        let alias = match s.as_str() {
            "nginx" | "apache" | "combined" | "common" | "apache-access" => Some(Format::Clf),
            "json" | "json-lines" | "ndjson" => Some(Format::JsonLines),
            "java" => Some(Format::Log4j),
            "rfc3339" | "iso" => Some(Format::Iso8601),
            "android" => Some(Format::Logcat),
            "glog" | "kubernetes" => Some(Format::Klog),
            "journal" | "journal-json" | "journalctl-json" => Some(Format::Journald),
            "iis" | "w3c-extended" => Some(Format::W3c),
            "bro" => Some(Format::Zeek),
            "uwsgi-request" => Some(Format::Uwsgi),
            "hadoop" => Some(Format::Spark),
            _ => None,
        };
        alias
            .or_else(|| Self::NAMES.iter().find(|(_, n)| *n == s).map(|(f, _)| *f))
            .ok_or_else(|| format!("unknown format `{s}`"))
    }
}

/// A format ready to read lines: a named format, or a user's regex.
#[derive(Debug, Clone)]
pub struct Parser {
    pub format: Format,
    regex: Option<Regex>,
    /// The columns a W3C or Zeek header named.
    columns: Option<Arc<Columns>>,
    /// The header fields the file's lines share, learned from its first lines.
    header: Option<Arc<Header>>,
}

impl Parser {
    pub fn new(format: Format) -> Parser {
        Parser {
            format,
            regex: None,
            columns: None,
            header: None,
        }
    }

    /// A parser for `regex = '...'`; the regex needs the groups `ts` and `msg`.
    pub fn with_regex(regex: Regex) -> Parser {
        Parser {
            format: Format::Regex,
            regex: Some(regex),
            columns: None,
            header: None,
        }
    }

    /// The parser for one file whose first bytes are `head`: formats whose header names the
    /// columns (W3C, Zeek) read it here, once.
    pub fn for_file(mut self, head: &[u8]) -> Parser {
        let kind = match self.format {
            Format::W3c => columns::Kind::W3c,
            Format::Zeek => columns::Kind::Zeek,
            _ => {
                self.header = self.learn_header(head).map(Arc::new);
                return self;
            }
        };
        self.columns = Some(
            Columns::from_header(head)
                .filter(|c| c.kind == kind)
                .map_or_else(|| Columns::default_for(kind), Arc::new),
        );
        self
    }

    /// The header fields that the lines in `head` (a file's first bytes) share, for formats
    /// whose lines are free text after the time.
    fn learn_header(&self, head: &[u8]) -> Option<Header> {
        if !self.format.has_free_header() {
            return None;
        }
        let mut lines: Vec<&[u8]> = head.split(|&b| b == b'\n').collect();
        // The last piece may be cut off.
        lines.pop();
        // Read without colour codes, as `parse` reads each line.
        let plain: Vec<Cow<[u8]>> = lines
            .into_iter()
            .take(2_000)
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .map(|l| match memchr::memchr(0x1b, l) {
                Some(_) => Cow::Owned(strip_ansi(l)),
                None => Cow::Borrowed(l),
            })
            .collect();
        let parsed = plain
            .iter()
            .filter_map(|l| Some((l.as_ref(), self.parse_format(l)?.head)));
        Header::learn(parsed)
    }

    /// The header fields of a line, by name, as its file's lines share them; empty for a
    /// format without such a header.
    ///
    /// It reads the line again (by its format alone), which only entries that are kept pay for.
    pub fn fields(&self, line: &[u8]) -> Vec<(&'static str, String)> {
        let Some(header) = &self.header else {
            return Vec::new();
        };
        // The header is found in the line without colour codes, as `parse` reads it.
        let line = match memchr::memchr(0x1b, line) {
            Some(_) => Cow::Owned(strip_ansi(line)),
            None => Cow::Borrowed(line),
        };
        let Some(parsed) = self.parse_format(&line) else {
            return Vec::new();
        };
        let mut kinds = Vec::new();
        header.split(&line, parsed.head, |kind, range| kinds.push((kind, range)));
        fields::named(&line, &kinds)
    }

    /// This parser with the columns that `header` (the `#` lines before a data line) names,
    /// when it names others than the parser has; `None` otherwise, and for formats without
    /// a header.
    pub fn with_header(&self, header: &[u8]) -> Option<Parser> {
        let current = self.columns.as_ref()?;
        let columns = Columns::from_header(header).filter(|c| c.kind == current.kind)?;
        (columns != **current).then(|| Parser {
            columns: Some(Arc::new(columns)),
            ..self.clone()
        })
    }

    /// Whether lines are read by the columns a header names (W3C, Zeek).
    pub fn has_columns(&self) -> bool {
        self.columns.is_some()
    }

    /// A header or comment line, which is neither an entry nor part of one: the `#` directives
    /// of W3C and Zeek logs, and `#` lines in a log the locator reads.
    pub fn is_header(&self, line: &[u8]) -> bool {
        matches!(self.format, Format::W3c | Format::Zeek | Format::Located(_))
            && line.first() == Some(&b'#')
    }

    /// Whether [`Parser::date`] takes the whole line apart (so its [`Parser::parse`] may as
    /// well be kept), rather than finding the time alone as it does for structured lines.
    pub fn dates_by_parsing(&self) -> bool {
        !matches!(
            self.format,
            Format::JsonLines | Format::Logfmt | Format::Journald
        )
    }

    /// The time of a line, or `None` when it has none (it continues the entry before it).
    /// Cheaper than [`Parser::parse`] for structured formats, which it does not fully decode.
    pub fn date(&self, line: &[u8]) -> Option<When> {
        match self.format {
            Format::JsonLines => json_date(line),
            Format::Logfmt => logfmt_date(line),
            Format::Journald => journald_date(line),
            _ => self.parse(line).map(|l| l.when),
        }
    }

    /// Reads one line (without its line ending). `None` means the line carries no time: it
    /// continues the entry before it. ANSI colour codes (as `journalctl` or a terminal logger
    /// writes them) are taken out first.
    pub fn parse(&self, line: &[u8]) -> Option<Line> {
        if memchr::memchr(0x1b, line).is_some() {
            let plain = strip_ansi(line);
            let mut parsed = self.parse_plain(&plain)?;
            if parsed.owned_msg.is_none() {
                parsed.owned_msg =
                    Some(String::from_utf8_lossy(&plain[parsed.msg.clone()]).into_owned());
            }
            return Some(parsed);
        }
        self.parse_plain(line)
    }

    /// [`Parser::parse`] for a line known to hold no escape byte (no ANSI colour codes): the
    /// reader checks a whole chunk of lines at once, which costs far less than a check per line.
    pub(super) fn parse_plain(&self, line: &[u8]) -> Option<Line> {
        let mut parsed = self.parse_format(line)?;
        if let Some(header) = &self.header {
            let (message, level) = header.split(line, parsed.head, |_, _| {});
            parsed.msg.start = message.min(parsed.msg.end);
            if parsed.level_in_text {
                parsed.level = None;
            }
            parsed.level = parsed.level.or(level);
        }
        Some(parsed)
    }

    /// A line read by its format alone.
    fn parse_format(&self, line: &[u8]) -> Option<Line> {
        match self.format {
            Format::Log4j => log4j(line),
            Format::Python => python(line),
            Format::Postgres => postgres(line),
            Format::Journalctl => journalctl(line),
            Format::Journald => journald(line),
            Format::W3c | Format::Zeek => self.columns.as_ref()?.parse(line),
            Format::Uwsgi => uwsgi(line),
            Format::Iso8601 => prefixed(line, timestamp::iso),
            Format::Rfc5424 => rfc5424(line),
            Format::Syslog => prefixed(line, timestamp::syslog),
            Format::Clf => clf(line),
            Format::ApacheError => apache_error(line),
            Format::Logcat => logcat(line),
            Format::Klog => klog(line),
            Format::Spark => prefixed(line, timestamp::slashed),
            Format::Hdfs => hdfs(line),
            Format::Compact => compact(line),
            Format::Epoch => epoch(line),
            Format::JsonLines => json_line(line),
            Format::Logfmt => logfmt(line),
            Format::Regex => self.regex.as_ref().and_then(|re| by_regex(re, line)),
            Format::Located(layout) => locate::parse(line, layout),
            Format::Auto | Format::Slack | Format::Alertmanager | Format::PagerDuty => None,
        }
    }
}

/// Picks the line format that dates the most of `lines`; ties go to the more specific format.
pub fn detect(lines: &[&[u8]]) -> Option<Format> {
    detect_counted(lines).map(|(format, _)| format)
}

/// [`detect`], with how many of the lines the format dates.
pub fn detect_counted(lines: &[&[u8]]) -> Option<(Format, usize)> {
    let sample: Vec<&[u8]> = lines
        .iter()
        .copied()
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .collect();
    let mut best: Option<(Format, usize)> = None;
    for &format in Format::LINE_FORMATS {
        let parser = Parser::new(format);
        let dated = sample.iter().filter(|l| parser.parse(l).is_some()).count();
        if dated > 0 && best.is_none_or(|(_, n)| dated > n) {
            best = Some((format, dated));
        }
    }
    best
}

fn by_regex(re: &Regex, line: &[u8]) -> Option<Line> {
    let caps = re.captures(line)?;
    let ts = caps.name("ts")?;
    let when = timestamp::any_text(ts.as_bytes()).or_else(|| {
        [
            timestamp::clf,
            timestamp::apache_error,
            timestamp::logcat,
            timestamp::slashed,
            timestamp::hdfs,
            timestamp::compact,
        ]
        .iter()
        .find_map(|p| p(ts.as_bytes()).map(|(w, _)| w))
    })?;
    let level = caps.name("level").and_then(|l| Level::parse(l.as_bytes()));
    let msg = caps.name("msg").map_or(ts.end()..line.len(), |m| m.range());
    Some(Line::new(when, level, msg))
}

mod json;
mod keyed;
mod keys;
mod text;

pub use keyed::logfmt_pairs;
use keyed::{journald, journald_date, json_date, json_line, logfmt, logfmt_date};
use text::{
    apache_error, clf, compact, epoch, hdfs, journalctl, klog, log4j, logcat, postgres, prefixed,
    python, rfc5424, uwsgi,
};

#[cfg(test)]
mod tests {
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
            read(b"{\"ts\":\"2026-11-03T13:09:00Z\",\"\\u006dsg\":\"escaped\",\"\xff\":1}")
                .unwrap();
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
}
