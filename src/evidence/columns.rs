//! Logs whose header names their columns: the W3C extended log format (IIS writes it) and
//! Zeek's TSV logs.
//!
//! Both start with `#` directives. W3C's `#Fields: date time c-ip cs-method …` lists the
//! columns, separated by spaces; its times are UTC. Zeek's `#separator \x09` gives the separator
//! and `#fields ts uid id.orig_h …` the columns; `ts` is epoch seconds with a fraction, `-`
//! marks an unset field and `(empty)` an empty one. The header is read once per file
//! ([`Columns::from_header`]); every line is then read by position.

use std::sync::Arc;

use super::level::Level;
use super::line::Line;
use super::timestamp::{self, When};

/// Which of the two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    W3c,
    Zeek,
}

/// The columns a header named, and where the ones debrief reads are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    pub kind: Kind,
    /// Column names, in order.
    pub names: Vec<String>,
    /// The separator byte: a tab for Zeek, a space for W3C (which also accepts tabs).
    separator: u8,
    /// `#path` of a Zeek log (`conn`, `http`, `notice`), shown before each message.
    path: Option<String>,
    /// W3C's `#Date:` directive, for logs with a `time` column but no `date` column.
    date: Option<(i16, i8, i8)>,
}

/// IIS's default field list, for a W3C log read without its header.
const IIS_DEFAULT: &str = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken";

impl Columns {
    /// The columns a file's first lines declare, if they declare any: `#Fields:` (W3C) or
    /// `#fields` (Zeek). Directives after the first data line are not looked at.
    pub fn from_header(head: &[u8]) -> Option<Columns> {
        let mut separator = b'\t';
        let mut path = None;
        let mut date = None;
        for line in head.split(|b| *b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.trim_ascii().is_empty() {
                continue;
            }
            let Some(directive) = line.strip_prefix(b"#") else {
                break;
            };
            let text = String::from_utf8_lossy(directive);
            if let Some(fields) = text.strip_prefix("Fields:") {
                return Some(Columns {
                    kind: Kind::W3c,
                    names: fields.split_ascii_whitespace().map(str::to_owned).collect(),
                    separator: b' ',
                    path: None,
                    date,
                });
            } else if let Some(value) = text.strip_prefix("Date:") {
                date = timestamp::iso(value.trim().as_bytes()).and_then(|(when, _)| match when {
                    When::Civil(c) => Some((c.year?, c.month, c.day)),
                    When::Exact(_) => None,
                });
            } else if let Some(value) = text.strip_prefix("separator ") {
                separator = unescape_separator(value.trim()).unwrap_or(b'\t');
            } else if let Some(value) = text.strip_prefix("path") {
                path = Some(value.trim().to_owned()).filter(|p| !p.is_empty());
            } else if let Some(fields) = text.strip_prefix("fields") {
                return Some(Columns {
                    kind: Kind::Zeek,
                    names: fields
                        .split(separator as char)
                        .map(str::trim)
                        .filter(|f| !f.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    separator,
                    path,
                    date: None,
                });
            }
        }
        None
    }

    /// The columns to assume when a file names the format but has no header.
    pub fn default_for(kind: Kind) -> Arc<Columns> {
        let (names, separator) = match kind {
            Kind::W3c => (IIS_DEFAULT, b' '),
            // Zeek's logs always start with `ts`; the rest is read as one message.
            Kind::Zeek => ("ts", b'\t'),
        };
        Arc::new(Columns {
            kind,
            names: names.split(' ').map(str::to_owned).collect(),
            separator,
            path: None,
            date: None,
        })
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n.eq_ignore_ascii_case(name))
    }

    /// Reads one data line. Directive lines (`#…`) give `None`, like any undated line.
    pub fn parse(&self, line: &[u8]) -> Option<Line> {
        if line.first() == Some(&b'#') {
            return None;
        }
        let values: Vec<&[u8]> = match self.kind {
            Kind::Zeek => line.split(|b| *b == self.separator).collect(),
            // W3C separates by spaces; IIS writes `+` for a space inside a value.
            Kind::W3c => line
                .split(|b| *b == b' ' || *b == b'\t')
                .filter(|v| !v.is_empty())
                .collect(),
        };
        let get = |name: &str| {
            self.index(name)
                .and_then(|i| values.get(i).copied())
                .filter(|v| !is_unset(v))
        };
        let when = match self.kind {
            Kind::Zeek => {
                let ts = get("ts").or_else(|| values.first().copied())?;
                let (when, used) = timestamp::epoch(ts)?;
                (used == ts.len()).then_some(when)?
            }
            Kind::W3c => w3c_time(get("date"), get("time")?, self.date)?,
        };
        let status = get("sc-status")
            .or_else(|| get("status_code"))
            .and_then(|s| timestamp::digits(s, 3));
        let level = match status {
            Some(500..) => Some(Level::Error),
            Some(400..=499) => Some(Level::Warn),
            Some(_) => Some(Level::Info),
            None if self.path.as_deref() == Some("notice") => Some(Level::Warn),
            None => None,
        };
        let text = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
        let request = match self.kind {
            Kind::W3c => get("cs-method").zip(get("cs-uri-stem")).map(|(m, u)| {
                let query = get("cs-uri-query").map(|q| format!("?{}", text(q)));
                format!("{} {}{}", text(m), text(u), query.unwrap_or_default())
            }),
            Kind::Zeek => get("method").zip(get("uri")).map(|(m, u)| {
                let host = get("host").map(text).unwrap_or_default();
                format!("{} {host}{}", text(m), text(u))
            }),
        };
        let msg = match (request, status) {
            (Some(request), Some(code)) => format!("{request} {code}"),
            (Some(request), None) => request,
            _ => {
                // The other columns, by name: what a reader needs to tell entries apart.
                let skip = ["ts", "date", "time"];
                let pairs: Vec<String> = self
                    .names
                    .iter()
                    .zip(&values)
                    .filter(|(n, v)| !skip.contains(&n.as_str()) && !is_unset(v))
                    .map(|(n, v)| format!("{n}={}", text(v)))
                    .collect();
                if pairs.is_empty() {
                    // Columns the header did not name (a header-less log): the rest as written.
                    values.get(1..).map_or(String::new(), |rest| {
                        text(&rest.join(&self.separator)).trim().to_owned()
                    })
                } else {
                    pairs.join(" ")
                }
            }
        };
        let msg = match &self.path {
            Some(path) => format!("{path}: {msg}"),
            None => msg,
        };
        Some(Line::owned(when, level, msg))
    }
}

fn is_unset(value: &[u8]) -> bool {
    matches!(value, b"-" | b"(empty)" | b"")
}

/// `\x09` as Zeek writes its separator, or the character itself.
fn unescape_separator(value: &str) -> Option<u8> {
    match value.strip_prefix("\\x") {
        Some(hex) => u8::from_str_radix(hex, 16).ok(),
        None => value.bytes().next(),
    }
}

/// A W3C `date` (`2026-11-03`) and `time` (`14:02:11`, perhaps with a fraction), in UTC.
fn w3c_time(date: Option<&[u8]>, time: &[u8], header_date: Option<(i16, i8, i8)>) -> Option<When> {
    let (year, month, day) = match date {
        Some(date) => {
            let year = timestamp::digits(date, 4)?;
            let month = timestamp::digits(date.get(5..)?, 2)?;
            let day = timestamp::digits(date.get(8..)?, 2)?;
            (year as i16, month as i8, day as i8)
        }
        None => header_date?,
    };
    let text = format!(
        "{year:04}-{month:02}-{day:02}T{}Z",
        std::str::from_utf8(time).ok()?
    );
    let (when, used) = timestamp::iso(text.as_bytes())?;
    (used == text.len()).then_some(when)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(line: &Line) -> &str {
        line.owned_msg.as_deref().unwrap()
    }

    #[test]
    fn a_w3c_header_names_the_columns_and_a_line_is_read_by_them() {
        let head = b"#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2026-11-03 13:00:00\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port c-ip sc-status time-taken\r\n2026-11-03 13:02:11 10.0.0.5 POST /checkout cart=42 443 203.0.113.9 500 1234\r\n";
        let columns = Columns::from_header(head).unwrap();
        assert_eq!(columns.kind, Kind::W3c);
        assert_eq!(columns.names.len(), 10);
        let line = columns
            .parse(b"2026-11-03 13:02:11 10.0.0.5 POST /checkout cart=42 443 203.0.113.9 500 1234")
            .unwrap();
        assert_eq!(msg(&line), "POST /checkout?cart=42 500");
        assert_eq!(line.level, Some(Level::Error));
        let ts = line
            .when
            .resolve(&mut timestamp::Context::new(2000, jiff::tz::TimeZone::UTC))
            .unwrap();
        assert_eq!(ts.to_string(), "2026-11-03T13:02:11Z");
        assert!(columns.parse(b"#Fields: date time").is_none());
    }

    #[test]
    fn a_w3c_log_without_a_date_column_takes_the_header_date() {
        let head = b"#Version: 1.0\n#Date: 2026-11-03 13:00:00\n#Fields: time c-ip cs-method cs-uri-stem sc-status\n";
        let columns = Columns::from_header(head).unwrap();
        let line = columns
            .parse(b"13:02:11 203.0.113.9 GET /health 200")
            .unwrap();
        assert_eq!(msg(&line), "GET /health 200");
        assert_eq!(line.level, Some(Level::Info));
        let ts = line
            .when
            .resolve(&mut timestamp::Context::new(2000, jiff::tz::TimeZone::UTC))
            .unwrap();
        assert_eq!(ts.to_string(), "2026-11-03T13:02:11Z");
    }

    #[test]
    fn a_zeek_header_gives_the_separator_the_path_and_the_columns() {
        let head = b"#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\thttp\n#open\t2026-11-03-13-00-00\n#fields\tts\tuid\tid.orig_h\tmethod\thost\turi\tstatus_code\n#types\ttime\tstring\taddr\tstring\tstring\tstring\tcount\n";
        let columns = Columns::from_header(head).unwrap();
        assert_eq!(columns.kind, Kind::Zeek);
        assert_eq!(columns.names[0], "ts");
        let line = columns
            .parse(b"1793710931.003125\tCq2Fb31\t10.0.0.7\tGET\tshop.example\t/checkout\t503")
            .unwrap();
        assert_eq!(msg(&line), "http: GET shop.example/checkout 503");
        assert_eq!(line.level, Some(Level::Error));
        // Unset and empty fields are left out of a message made of pairs.
        let conn = Columns::from_header(
            b"#separator \\x09\n#path\tconn\n#fields\tts\tuid\tproto\tservice\n",
        )
        .unwrap();
        let line = conn.parse(b"1793710931.5\tC1\ttcp\t-").unwrap();
        assert_eq!(msg(&line), "conn: uid=C1 proto=tcp");
        assert!(conn.parse(b"#close\t2026-11-03-14-00-00").is_none());
        // A number that is not epoch seconds is not a time.
        assert!(conn.parse(b"12345\tC1\ttcp\t-").is_none());
    }

    #[test]
    fn a_header_must_come_before_the_data() {
        assert!(Columns::from_header(b"2026-11-03 13:02:11 GET /\n#Fields: date time\n").is_none());
        assert!(Columns::from_header(b"# just a comment\n").is_none());
    }
}
