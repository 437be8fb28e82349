//! Log formats: recognising a line, finding its time, level and message, and detecting which
//! format a file uses from its first lines.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use regex::bytes::Regex;

use std::sync::Arc;

use super::columns::{self, Columns};
use super::fields::{self, Header, LastHeader};
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
        self.parse_plain_after(line, &mut LastHeader::default())
    }

    /// [`Parser::parse_plain`] for the next line of a file, where `last` remembers the header
    /// of the line before: the reader keeps one per file.
    pub(super) fn parse_plain_after(&self, line: &[u8], last: &mut LastHeader) -> Option<Line> {
        let mut parsed = self.parse_format(line)?;
        if let Some(header) = &self.header {
            let (message, level) = header.split_message(line, parsed.head, last);
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
        // Words after the time that may hold the level: none once the header fields are known,
        // as they name the level (a level word in the message is message text).
        let further = |words: usize| if self.header.is_some() { 0 } else { words };
        match self.format {
            Format::Log4j => log4j(line),
            Format::Python => python(line),
            Format::Postgres => postgres(line),
            Format::Journalctl => journalctl(line),
            Format::Journald => journald(line),
            Format::W3c | Format::Zeek => self.columns.as_ref()?.parse(line),
            Format::Uwsgi => uwsgi(line),
            Format::Iso8601 => prefixed(line, timestamp::iso, further(4)),
            Format::Rfc5424 => rfc5424(line),
            Format::Syslog => prefixed(line, timestamp::syslog, further(4)),
            Format::Clf => clf(line),
            Format::ApacheError => apache_error(line),
            Format::Logcat => logcat(line),
            Format::Klog => klog(line),
            Format::Spark => prefixed(line, timestamp::slashed, further(4)),
            Format::Hdfs => hdfs(line),
            Format::Compact => compact(line),
            Format::Epoch => epoch(line, further(8)),
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

pub use keyed::{LogfmtValue, logfmt_pairs};
use keyed::{journald, journald_date, json_date, json_line, logfmt, logfmt_date};
use text::{
    apache_error, clf, compact, epoch, hdfs, journalctl, klog, log4j, logcat, postgres, prefixed,
    python, rfc5424, uwsgi,
};

#[cfg(test)]
mod tests;
