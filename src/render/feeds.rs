//! Files that calendars and feed readers subscribe to: the open action items as iCalendar
//! to-dos (RFC 5545), and the incidents as an Atom feed (RFC 4287).

use std::fmt::Write as _;

use jiff::civil::Date;

use crate::model::{ActionStatus, Priority};

/// One open action with a due date, as a calendar to-do.
#[derive(Debug, Clone)]
pub struct Todo<'a> {
    pub incident: &'a str,
    pub id: String,
    /// Plain text.
    pub summary: String,
    pub due: Date,
    pub status: ActionStatus,
    pub priority: Option<Priority>,
    /// Plain text: the owner, the state and why it may slip.
    pub description: String,
    /// The incident's report, when the site's address is known.
    pub url: Option<String>,
    /// The action's ticket, as written: in the description, and the to-do's link when there
    /// is no report to link to and it is a web address.
    pub ticket: Option<String>,
}

/// An iCalendar file with one VTODO per item. `stamp` is the day the file describes (the
/// build's today), so the same archive gives the same bytes.
pub fn calendar<'a>(todos: impl IntoIterator<Item = Todo<'a>>, stamp: Date) -> String {
    let mut out = String::new();
    let mut line = |text: &str| fold(&mut out, text);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//debrief//action items//EN");
    line("CALSCALE:GREGORIAN");
    line("X-WR-CALNAME:Action items");
    let stamp = format!("{}T000000Z", stamp.strftime("%Y%m%d"));
    for todo in todos {
        line("BEGIN:VTODO");
        // Incident folder names and action ids are unique together across an archive.
        line(&format!(
            "UID:{}",
            text(&format!("{}.{}@debrief", todo.id, todo.incident))
        ));
        line(&format!("DTSTAMP:{stamp}"));
        line(&format!("DUE;VALUE=DATE:{}", todo.due.strftime("%Y%m%d")));
        line(&format!("SUMMARY:{}", text(&todo.summary)));
        line(&format!(
            "STATUS:{}",
            match todo.status {
                ActionStatus::Open => "NEEDS-ACTION",
                ActionStatus::InProgress => "IN-PROCESS",
                ActionStatus::Done => "COMPLETED",
                ActionStatus::WontDo => "CANCELLED",
            }
        ));
        if let Some(p) = todo.priority {
            // RFC 5545: 1 is the highest priority, 9 the lowest.
            let level = match p {
                Priority::P0 => 1,
                Priority::P1 => 3,
                Priority::P2 => 5,
                Priority::P3 => 7,
            };
            line(&format!("PRIORITY:{level}"));
        }
        let mut description = todo.description.clone();
        if let Some(ticket) = todo.ticket.as_deref().filter(|t| !t.trim().is_empty()) {
            if !description.is_empty() {
                description.push(' ');
            }
            description.push_str(&format!("Ticket: {}", ticket.trim()));
        }
        if !description.is_empty() {
            line(&format!("DESCRIPTION:{}", text(&description)));
        }
        let ticket_link = todo
            .ticket
            .as_deref()
            .map(str::trim)
            .filter(|t| t.starts_with("https://") || t.starts_with("http://"));
        if let Some(url) = todo.url.as_deref().or(ticket_link).filter(|u| is_uri(u)) {
            line(&format!("URL:{url}"));
        }
        line("END:VTODO");
    }
    line("END:VCALENDAR");
    out
}

/// A TEXT value: backslashes, semicolons, commas and line breaks escaped (RFC 5545 3.3.11);
/// other control characters dropped.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A URI a calendar may link to: an absolute http(s) one (calendars have no base to resolve a
/// relative link against), with nothing that could end the line or the value.
fn is_uri(value: &str) -> bool {
    (value.starts_with("https://") || value.starts_with("http://"))
        && !value.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// Writes a content line, folded so that no line is longer than 75 octets (RFC 5545 3.1),
/// never inside a character, with CRLF line ends.
fn fold(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// One incident in the feed.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// RFC 3339.
    pub updated: String,
    /// Plain text.
    pub summary: Option<&'a str>,
    pub severity: Option<&'a str>,
    pub status: &'a str,
}

/// What a feed is and where it lives, relative to the site's root.
pub struct Channel<'a> {
    pub title: &'a str,
    /// The feed's own file (`feed.xml`, `services/api.xml`).
    pub path: &'a str,
    /// The page it follows (`index.html`, `services/api.html`).
    pub page: &'a str,
    /// From the feed's folder back to the site's root (`""`, `"../"`): without a site address,
    /// links are relative to the feed, as feed readers resolve them.
    pub root: &'a str,
}

/// An Atom feed of `entries` (newest first, as given). Links are absolute under `base_url`,
/// and relative to the feed's own place without one.
pub fn atom(
    channel: &Channel<'_>,
    base_url: Option<&str>,
    updated: &str,
    entries: &[Entry<'_>],
) -> String {
    let title = channel.title;
    let base = base_url.map(|b| b.trim_end_matches('/'));
    let link = |path: &str| match base {
        Some(b) => format!("{b}/{path}"),
        None => format!("{}{path}", channel.root),
    };
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let _ = writeln!(out, "  <title>{}</title>", xml(title));
    // The archive's feed keeps the id it always had; another is named by its file.
    let id = match (base, channel.path) {
        (Some(b), "feed.xml") => format!("{b}/"),
        (None, "feed.xml") => "urn:debrief:archive".to_owned(),
        (Some(_), path) => link(path),
        (None, path) => format!("urn:debrief:{path}"),
    };
    let _ = writeln!(out, "  <id>{}</id>", xml(&id));
    let _ = writeln!(out, "  <updated>{updated}</updated>");
    out.push_str("  <author><name>debrief</name></author>\n");
    out.push_str("  <generator>debrief</generator>\n");
    let _ = writeln!(
        out,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        xml(&link(channel.page))
    );
    if base.is_some() {
        let _ = writeln!(
            out,
            "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
            xml(&link(channel.path))
        );
    }
    for e in entries {
        let path = format!("incidents/{}/index.html", e.id);
        out.push_str("  <entry>\n");
        let _ = writeln!(out, "    <title>{}</title>", xml(e.title));
        let id = match base {
            Some(_) => link(&path),
            None => format!("urn:debrief:incident:{}", e.id),
        };
        let _ = writeln!(out, "    <id>{}</id>", xml(&id));
        let _ = writeln!(out, "    <updated>{}</updated>", e.updated);
        let _ = writeln!(
            out,
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
            xml(&link(&path))
        );
        if let Some(severity) = e.severity {
            let _ = writeln!(out, "    <category term=\"{}\"/>", xml(severity));
        }
        let _ = writeln!(out, "    <category term=\"{}\"/>", xml(e.status));
        if let Some(summary) = e.summary {
            let _ = writeln!(out, "    <summary>{}</summary>", xml(summary));
        }
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// Text for XML content and attributes; characters XML 1.0 cannot hold are dropped.
fn xml(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_between_characters() {
        let mut out = String::new();
        let summary = format!("SUMMARY:{}", "é".repeat(60));
        fold(&mut out, &summary);
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded.trim_end(), summary);
    }

    #[test]
    fn text_values_escape_what_ends_them() {
        assert_eq!(text("a;b,c\\d\ne\u{7}"), "a\\;b\\,c\\\\d\\ne");
        assert_eq!(
            xml("<a href=\"x\">&'\u{0}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
    }
}
