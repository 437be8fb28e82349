//! Which parser reads a file: the one its source names, or the format detected from the file's
//! first bytes (and, when those do not settle it, from lines spread through the whole file).

use std::fs::File;
use std::path::Path;

use regex::bytes::Regex;

use super::format::{self, Format, Parser};
use super::{EvidenceError, SNIFF, SNIFF_LINES, columns, locate};
use crate::model::Source;

/// The parser a source asks for, or `None` for `auto`.
pub fn fixed_parser(source: &Source) -> Result<Option<Parser>, EvidenceError> {
    if let Some(pattern) = &source.regex {
        let re = Regex::new(pattern).map_err(|e| EvidenceError::Regex(e.to_string()))?;
        return Ok(Some(Parser::with_regex(re)));
    }
    match source.format.as_deref().unwrap_or("auto").parse::<Format>() {
        Ok(Format::Auto) => Ok(None),
        Ok(Format::Regex) => Err(EvidenceError::Regex(
            "`format = \"regex\"` needs `regex = '...'`".into(),
        )),
        Ok(format) => Ok(Some(Parser::new(format))),
        Err(_) => Err(EvidenceError::UnknownFormat(
            source.format.clone().unwrap_or_default(),
        )),
    }
}

/// The parser for one file: the source's own (`fixed`), or the format detected from the file.
/// Either way, a header that names the columns (W3C, Zeek) is read here.
pub fn file_parser(
    path: &Path,
    rel: &str,
    fixed: Option<&Parser>,
) -> Result<Parser, EvidenceError> {
    use std::io::Read;
    let mut head = Vec::with_capacity(SNIFF);
    File::open(path)
        .and_then(|f| f.take(SNIFF as u64).read_to_end(&mut head))
        .map_err(|cause| EvidenceError::Io {
            path: rel.to_owned(),
            cause,
        })?;
    let parser = match fixed {
        Some(parser) => parser.clone(),
        None => Parser::new(detect_head(path, rel, &head)?),
    };
    Ok(parser.for_file(&head))
}

/// Detects the format of a file from its first bytes (`head`), reading more of it (see
/// [`spread_sample`]) when those do not settle it.
fn detect_head(path: &Path, rel: &str, head: &[u8]) -> Result<Format, EvidenceError> {
    if head.iter().all(u8::is_ascii_whitespace) {
        // Nothing to detect in an empty file, and nothing to read either.
        return Ok(Format::Iso8601);
    }
    if let Some(format) = detect_document(head) {
        return Ok(format);
    }
    // A header that names the columns settles it.
    if let Some(columns) = columns::Columns::from_header(head) {
        return Ok(match columns.kind {
            columns::Kind::W3c => Format::W3c,
            columns::Kind::Zeek => Format::Zeek,
        });
    }
    let lines: Vec<&[u8]> = head
        .split(|b| *b == b'\n')
        .take(SNIFF_LINES)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect();
    let named = format::detect_counted(&lines);
    // A named format that dates most of the first lines is the answer. Otherwise (an unknown
    // format, or a banner or header that a named format happens to date) the locator learns a
    // layout from lines spread through the whole file, and wins when it dates clearly more.
    if let Some((format, dated)) = named
        && dated * 2 > lines.iter().filter(|l| !l.trim_ascii().is_empty()).count()
    {
        return Ok(format);
    }
    let spread = spread_sample(path, head).map_err(|cause| EvidenceError::Io {
        path: rel.to_owned(),
        cause,
    })?;
    let sample: Vec<&[u8]> = spread.iter().map(Vec::as_slice).collect();
    let located = locate::learn(&sample);
    let named_in_sample = named.map(|(format, _)| {
        let parser = Parser::new(format);
        (
            format,
            sample.iter().filter(|l| parser.parse(l).is_some()).count(),
        )
    });
    match (named_in_sample, located) {
        (Some((format, n)), Some(learned)) if n * 3 >= learned.dated * 2 => Ok(format),
        (_, Some(learned)) => Ok(Format::Located(learned.layout)),
        (Some((format, _)), None) => Ok(format),
        (None, None) => {
            let first: Vec<String> = lines
                .iter()
                .filter(|l| !l.trim_ascii().is_empty())
                .take(3)
                .enumerate()
                .map(|(i, l)| format!("  {}: {}", i + 1, shown_line(l)))
                .collect();
            Err(EvidenceError::Undetectable(
                rel.to_owned(),
                first.join("\n"),
            ))
        }
    }
}

/// A line of a file as an error message may show it: at most 120 characters, control
/// characters (a terminal's escape sequences among them) written as escapes, and binary data
/// named rather than shown.
pub(crate) fn shown_line(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    let odd = text
        .chars()
        .filter(|c| *c == char::REPLACEMENT_CHARACTER || (c.is_control() && *c != '\t'))
        .count();
    if line.contains(&0) || odd * 10 > text.chars().count() {
        return format!("(binary data, {} bytes)", line.len());
    }
    text.chars()
        .take(120)
        .map(|c| {
            if c.is_control() && c != '\t' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Lines from four places in the file (its start, a third and two thirds in, and its end), so
/// that a banner or a header at the start cannot decide alone how the file is read. `head` is
/// the start, already read.
fn spread_sample(path: &Path, head: &[u8]) -> std::io::Result<Vec<Vec<u8>>> {
    use std::io::{Read, Seek, SeekFrom};
    const WINDOW: u64 = 16 << 10;
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    // A window that starts inside the file begins with the end of a line, and one that stops
    // before the end of the file ends with the start of one: both pieces are left out.
    let lines_of = |bytes: &[u8], starts_inside: bool, stops_inside: bool| -> Vec<Vec<u8>> {
        let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        if starts_inside && !lines.is_empty() {
            lines.remove(0);
        }
        if stops_inside {
            lines.pop();
        }
        lines
            .into_iter()
            .take(SNIFF_LINES)
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l).to_vec())
            .collect()
    };
    let start = &head[..head.len().min(WINDOW as usize)];
    let mut sample = lines_of(start, false, (start.len() as u64) < len);
    if len > WINDOW {
        for at in [len / 3, len * 2 / 3, len - WINDOW] {
            let mut buf = Vec::with_capacity(WINDOW as usize);
            file.seek(SeekFrom::Start(at))?;
            (&mut file).take(WINDOW).read_to_end(&mut buf)?;
            sample.extend(lines_of(&buf, true, at + (buf.len() as u64) < len));
        }
    }
    Ok(sample)
}

/// Recognises the JSON exports by their shape.
fn detect_document(head: &[u8]) -> Option<Format> {
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let first_line_end = memchr::memchr(b'\n', &head[start..]).map_or(head.len(), |i| start + i);
    let first_line = head[start..first_line_end].trim_ascii_end();
    let contains = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
    match head[start] {
        b'[' if contains(b"\"ts\"") && contains(b"\"text\"") => Some(Format::Slack),
        b'[' if contains(b"\"created_at\"") => Some(Format::PagerDuty),
        // One object per line is JSON lines; an object spread over lines is a document.
        b'{' if first_line.last() == Some(&b'}') => None,
        b'{' if contains(b"\"alerts\"") && contains(b"\"startsAt\"") => Some(Format::Alertmanager),
        b'{' if contains(b"\"log_entries\"") => Some(Format::PagerDuty),
        _ => None,
    }
}
