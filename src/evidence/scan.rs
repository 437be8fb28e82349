//! Streaming a log file into entries, in bounded memory.
//!
//! The file is read in 1 MiB chunks of whole lines. An entry is a dated line plus the undated
//! lines after it (a stack trace). The include filter runs over each whole chunk at once, which
//! is where regex engines are fastest; an entry is only taken apart when a match falls inside
//! it, or when every entry is needed (volume counts, a level threshold).

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::ops::ControlFlow;

use jiff::Timestamp;
use regex::bytes::Regex;

use super::fields::LastHeader;
use super::format::{Level, Parser};
use super::line::{Place, text_of};
use super::templates::Feed;
use super::timestamp::{Context, When};
use super::{Candidate, Stats, Volume};
use crate::model::Kind;

/// Bytes read at a time: small enough that a chunk is still in cache when the regex scans it
/// (measured in bench/evidence.sh: 128 KiB beat 64 KiB, 256 KiB and 1 MiB).
const CHUNK: usize = 128 << 10;
/// Longer lines are cut to this length, with a note.
pub const MAX_LINE: usize = 1 << 20;
/// Continuation text kept per entry; a 5,000-line stack trace is shown by its start.
const MAX_CONTINUATION: usize = 4 << 10;
/// Characters of an entry shown as its text.
const MAX_TEXT: usize = 2_000;

/// Which entries to keep.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Keep an entry when this matches any of its lines (all of `include`, joined).
    pub include: Option<Regex>,
    /// Drop an entry when this matches its text.
    pub exclude: Option<Regex>,
    /// Drop entries below this level (entries without a level are kept).
    pub level: Option<Level>,
    /// Stop after this many kept entries.
    pub cap: usize,
    /// Entries at these places (`path:line`) are left out: a public build's hidden lines.
    pub hidden: Vec<String>,
}

impl Filter {
    /// Whether an entry is kept: `matched` says the include regex matched somewhere in it, and
    /// `exclude` is matched against its raw lines (`first` and `continuation`).
    pub fn keeps(&self, e: &EntryParts<'_>) -> bool {
        let included = self.include.is_none() || e.matched;
        let above = match (self.level, e.level) {
            (Some(min), Some(level)) => level >= min,
            _ => true,
        };
        included
            && above
            && !self.excludes(e.raw, e.continuation)
            && (self.hidden.is_empty() || !self.hidden.contains(&e.place.to_string()))
    }

    fn excludes(&self, first: &[u8], continuation: &[u8]) -> bool {
        let Some(re) = &self.exclude else {
            return false;
        };
        if continuation.is_empty() {
            return re.is_match(first);
        }
        let mut all = Vec::with_capacity(first.len() + continuation.len());
        all.extend_from_slice(first);
        all.extend_from_slice(continuation);
        re.is_match(&all)
    }
}

/// Where entries go: candidates, volume counts, or both.
pub struct Output<'a> {
    pub candidates: Option<&'a mut Vec<Candidate>>,
    pub volume: Option<&'a mut Volume>,
    /// Entries that pass the filter are grouped into templates here.
    pub templates: Option<&'a mut Feed>,
    pub stats: &'a mut Stats,
    /// The lane of the source.
    pub lane: &'a str,
    /// The kind every candidate from this source gets.
    pub kind: Kind,
    /// Volume counts of the minute being read, added to `volume` when the minute changes (or
    /// the output is dropped): logs are mostly in time order, so this spares a map lookup for
    /// nearly every entry.
    pub(super) minute: Option<(i64, super::Count)>,
}

impl Drop for Output<'_> {
    fn drop(&mut self) {
        self.flush_minute();
    }
}

impl Output<'_> {
    fn count(&mut self, at: Timestamp, error: bool) {
        let minute = at.as_second().div_euclid(60);
        if self.minute.is_none_or(|(m, _)| m != minute) {
            self.flush_minute();
            self.minute = Some((minute, super::Count::default()));
        }
        if let Some((_, count)) = &mut self.minute {
            count.total += 1;
            count.errors += u32::from(error);
        }
    }

    fn flush_minute(&mut self) {
        if let (Some((minute, count)), Some(volume)) =
            (self.minute.take(), self.volume.as_deref_mut())
        {
            volume.add(minute, count);
        }
    }

    /// Keeps line `line_no` among the first lines without a time, to show.
    fn not_dated(&mut self, line: &[u8], line_no: u64) {
        if self.stats.not_dated.len() < super::NOT_DATED_SHOWN && !line.trim_ascii().is_empty() {
            self.stats
                .not_dated
                .push((line_no, super::shown_line(line)));
        }
    }

    /// Counts an entry and keeps it as a candidate if it passes. Breaks when the cap is reached.
    pub fn entry(
        &mut self,
        filter: &Filter,
        ctx: &mut Context,
        e: EntryParts<'_>,
    ) -> ControlFlow<()> {
        let wanted = (self.candidates.is_some() || self.templates.is_some()) && filter.keeps(&e);
        let needs_candidate = wanted && self.candidates.is_some();
        if self.volume.is_none() && !wanted {
            return ControlFlow::Continue(());
        }
        let Some(at) = e.when.resolve(ctx) else {
            self.stats.undatable += 1;
            return ControlFlow::Continue(());
        };
        self.stats.first = Some(self.stats.first.map_or(at, |t| t.min(at)));
        self.stats.last = Some(self.stats.last.map_or(at, |t| t.max(at)));
        if self.volume.is_some() {
            self.count(at, e.level.is_some_and(Level::is_error));
        }
        if let (true, Some(feed)) = (wanted, self.templates.as_deref_mut()) {
            let access = e.parser.is_some_and(|p| p.format.is_access_log());
            feed.add(at, e.level, &e.msg, &e.place, access);
        }
        if let (true, Some(candidates)) = (needs_candidate, self.candidates.as_deref_mut()) {
            let message = text_of(&e.msg).into_owned();
            let fields = e.parser.map(|p| p.fields(e.raw)).unwrap_or_default();
            let mut text = shown_text(&message, &fields);
            if !e.continuation.is_empty() {
                text.push_str(&String::from_utf8_lossy(e.continuation));
            }
            candidates.push(Candidate {
                at,
                text: clip(text),
                message: clip(message),
                fields: fields
                    .into_iter()
                    .map(|(name, value)| (name.to_owned(), value))
                    .collect(),
                kind: self.kind,
                lane: self.lane.to_owned(),
                source: e.place.to_string(),
                level: e.level,
            });
            self.stats.kept += 1;
            if self.stats.kept >= filter.cap as u64 {
                self.stats.capped = true;
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}

/// What an entry contributes once it is complete. Its parts are borrowed from the reader: the
/// text and the place become owned strings only where they are kept.
pub struct EntryParts<'a> {
    pub when: When,
    pub level: Option<Level>,
    /// The message of the first line, as read: shown with U+FFFD for bytes that are not UTF-8
    /// ([`text_of`]), which only entries that are kept pay for.
    pub msg: Cow<'a, [u8]>,
    /// The undated lines after the first, each starting with `\n`, as read.
    pub continuation: &'a [u8],
    /// The first line as read: with `continuation`, what `exclude` is matched against.
    pub raw: &'a [u8],
    pub matched: bool,
    pub place: Place<'a>,
    /// The parser that read the line, which names its header fields; `None` for documents.
    pub parser: Option<&'a Parser>,
}

/// What a timeline shows for an entry: its message, after the program or logger that wrote
/// it (`sshd: Failed password for root`, `MRAppMaster: Created MRAppMaster …`), as the rest of
/// the header is the same on every line.
fn shown_text(message: &str, fields: &[(&'static str, String)]) -> String {
    let writer = fields
        .iter()
        .find(|(name, _)| matches!(*name, "program" | "logger"))
        .map(|(_, value)| value.rsplit(['.', '$']).next().unwrap_or(value));
    match writer {
        Some(writer) if !writer.is_empty() && !message.is_empty() => {
            format!("{writer}: {message}")
        }
        _ => message.to_owned(),
    }
}

fn clip(text: String) -> String {
    match text.char_indices().nth(MAX_TEXT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The entry being read.
#[derive(Default)]
struct Open {
    active: bool,
    line_no: u64,
    first: Vec<u8>,
    continuation: Vec<u8>,
    matched: bool,
    /// The first line, taken apart already when finding its time did that.
    parsed: Option<super::line::Line>,
}

/// Reads one log file into `out`.
pub fn scan_file(
    file: File,
    rel_path: &str,
    parser: &Parser,
    filter: &Filter,
    ctx: &mut Context,
    out: &mut Output<'_>,
) -> io::Result<()> {
    let needs_every_entry =
        out.volume.is_some() || filter.include.is_none() || filter.level.is_some();
    let mut reader = FileReader {
        parser,
        restarted: None,
        directives: Vec::new(),
        filter,
        ctx,
        out,
        rel_path,
        needs_every_entry,
        plain: false,
        open: Open::default(),
        last_header: LastHeader::default(),
    };
    let mut line_no = 0u64;
    let mut first_chunk = true;
    let flow = for_each_chunk(file, |chunk, cut| {
        super::READ_BYTES.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
        if cut {
            reader.out.stats.cut_lines.push(line_no + 1);
        }
        // The first chunk is read line by line, so a file in the wrong format is noticed; after
        // that, an include filter alone lets the reader skip to its matches.
        let fast = filter
            .include
            .as_ref()
            .filter(|_| !needs_every_entry && !first_chunk);
        first_chunk = false;
        match fast {
            Some(re) => reader.fast_chunk(chunk, &mut line_no, re),
            None => reader.each_line(chunk, &mut line_no),
        }
    })?;
    if flow.is_continue() {
        let _ = reader.finish();
    }
    Ok(())
}

/// The most bytes of `#` lines kept while waiting for a field list.
const MAX_DIRECTIVES: usize = 64 << 10;

/// `#Fields:` (W3C) or `#fields` (Zeek): the directive that names a log's columns.
fn is_field_list(line: &[u8]) -> bool {
    line.starts_with(b"#Fields:") || line.starts_with(b"#fields")
}

/// Newlines in `bytes`, counted with SIMD: line numbers of skipped entries cost only this.
fn count_newlines(bytes: &[u8]) -> u64 {
    bytecount::count(bytes, b'\n') as u64
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The line starting at `start` (without its newline), and where the next line starts.
fn line_at(region: &[u8], start: usize) -> (&[u8], usize) {
    let end = memchr::memchr(b'\n', &region[start..]).map_or(region.len(), |i| start + i);
    (strip_cr(&region[start..end]), (end + 1).min(region.len()))
}

/// The state of reading one file: the entry being gathered, and where entries go.
struct FileReader<'a, 'o> {
    parser: &'a Parser,
    /// The parser for the columns of a header that restarts the file (IIS writes a new
    /// `#Fields:` when it restarts; concatenated Zeek logs repeat theirs), once one has.
    restarted: Option<Parser>,
    /// The `#` lines since the last data line.
    directives: Vec<u8>,
    filter: &'a Filter,
    ctx: &'a mut Context,
    out: &'a mut Output<'o>,
    rel_path: &'a str,
    /// Volume counts or a level threshold need every entry, not only those with a match.
    needs_every_entry: bool,
    /// The lines being read hold no escape byte, so no ANSI colour code to strip.
    plain: bool,
    open: Open,
    /// The header of the line before, which the next line most often repeats.
    last_header: LastHeader,
}

impl FileReader<'_, '_> {
    fn current(&self) -> &Parser {
        self.restarted.as_ref().unwrap_or(self.parser)
    }

    /// A header line: one that names the columns again takes effect for the lines after it.
    fn directive(&mut self, line: &[u8]) {
        if !self.current().has_columns() {
            return;
        }
        // A header block is a few lines; a file of nothing but `#` lines keeps only its last.
        if self.directives.len() + line.len() > MAX_DIRECTIVES {
            self.directives.clear();
        }
        self.directives.extend_from_slice(line);
        self.directives.push(b'\n');
        if is_field_list(line)
            && let Some(parser) = self.current().with_header(&self.directives)
        {
            self.restarted = Some(parser);
            self.last_header = LastHeader::default();
        }
    }

    /// Reads every line of `region` (whole lines) one by one.
    fn each_line(&mut self, region: &[u8], line_no: &mut u64) -> ControlFlow<()> {
        self.plain = memchr::memchr(0x1b, region).is_none();
        let matches: Vec<usize> = match &self.filter.include {
            Some(re) => re.find_iter(region).map(|m| m.start()).collect(),
            None => Vec::new(),
        };
        let mut next_match = 0;
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', region) {
            *line_no += 1;
            while next_match < matches.len() && matches[next_match] < start {
                next_match += 1;
            }
            let is_match = next_match < matches.len() && matches[next_match] <= end;
            self.line(strip_cr(&region[start..end]), *line_no, is_match)?;
            start = end + 1;
        }
        ControlFlow::Continue(())
    }

    fn dated(&self, line: &[u8]) -> bool {
        self.current().date(line).is_some()
    }

    /// Reads a chunk by its include matches only. Lines before the chunk's first entry continue
    /// the open entry, and its last entry may continue in the next chunk: both are read line by
    /// line. The entries between are only looked at where the regex matches.
    fn fast_chunk(&mut self, chunk: &[u8], line_no: &mut u64, re: &Regex) -> ControlFlow<()> {
        // A header that names the columns again must be seen where it is.
        if self.current().has_columns()
            && (memchr::memmem::find(chunk, b"#Fields:").is_some()
                || memchr::memmem::find(chunk, b"#fields").is_some())
        {
            return self.each_line(chunk, line_no);
        }
        // Where the chunk's first entry starts.
        let mut head_end = 0;
        while head_end < chunk.len() && !self.dated(line_at(chunk, head_end).0) {
            head_end = line_at(chunk, head_end).1;
        }
        if head_end >= chunk.len() {
            // One long entry (a huge stack trace): nothing to skip.
            return self.each_line(chunk, line_no);
        }
        // Where its last entry starts.
        let mut tail_start = memchr::memrchr(b'\n', &chunk[..chunk.len() - 1]).map_or(0, |i| i + 1);
        while tail_start > head_end && !self.dated(line_at(chunk, tail_start).0) {
            tail_start = memchr::memrchr(b'\n', &chunk[..tail_start - 1]).map_or(0, |i| i + 1);
        }
        self.each_line(&chunk[..head_end], line_no)?;
        self.finish()?;
        self.matched_entries(&chunk[head_end..tail_start], line_no, re)?;
        self.each_line(&chunk[tail_start..], line_no)
    }

    /// The entries of `body` (whole entries, starting with a dated line) that hold a match.
    fn matched_entries(&mut self, body: &[u8], line_no: &mut u64, re: &Regex) -> ControlFlow<()> {
        let first_line = *line_no;
        let mut pos = 0;
        let mut counted = 0;
        while let Some(m) = re.find_at(body, pos) {
            // Back to the dated line that starts the entry (pos is always an entry start) ...
            let mut start = memchr::memrchr(b'\n', &body[..m.start()])
                .map_or(0, |i| i + 1)
                .max(pos);
            while start > pos && !self.dated(line_at(body, start).0) {
                start = memchr::memrchr(b'\n', &body[..start - 1])
                    .map_or(0, |i| i + 1)
                    .max(pos);
            }
            // ... and on to the next dated line, which ends it.
            let (first, mut end) = line_at(body, start);
            let first_end = end;
            if end <= m.start() {
                end = line_at(body, m.start()).1;
            }
            while end < body.len() && !self.dated(line_at(body, end).0) {
                end = line_at(body, end).1;
            }
            *line_no += count_newlines(&body[counted..start]);
            counted = start;
            let open = &mut self.open;
            open.active = true;
            open.line_no = *line_no + 1;
            open.parsed = None;
            open.first.clear();
            open.first.extend_from_slice(first);
            open.continuation.clear();
            let mut next = first_end;
            while next < end {
                let (line, after) = line_at(body, next);
                if open.continuation.len() < MAX_CONTINUATION {
                    open.continuation.push(b'\n');
                    let room = MAX_CONTINUATION - open.continuation.len().min(MAX_CONTINUATION);
                    open.continuation
                        .extend_from_slice(&line[..line.len().min(room)]);
                }
                self.out.stats.continued += 1;
                next = after;
            }
            self.out.stats.dated += 1;
            // A match that runs past the entry (a multi-line regex) must match within it too.
            open.matched = m.end() <= end || re.is_match(&body[start..end]);
            self.finish()?;
            pos = end;
            if pos >= body.len() {
                break;
            }
        }
        *line_no += count_newlines(&body[counted..]);
        self.out.stats.lines += *line_no - first_line;
        ControlFlow::Continue(())
    }

    /// Takes one line: a dated line starts an entry, an undated one continues it.
    fn line(&mut self, line: &[u8], line_no: u64, is_match: bool) -> ControlFlow<()> {
        self.out.stats.lines += 1;
        if self.current().is_header(line) {
            self.out.stats.headers += 1;
            self.directive(line);
            return ControlFlow::Continue(());
        }
        self.directives.clear();
        // For most formats, finding the time takes the line apart: keep that for `finish`.
        // Structured lines have a cheaper test for a time, worth it only when most entries are
        // skipped unread.
        let parsed = if self.current().dates_by_parsing() || self.needs_every_entry {
            if self.plain {
                let parser = self.restarted.as_ref().unwrap_or(self.parser);
                parser.parse_plain_after(line, &mut self.last_header)
            } else {
                self.current().parse(line)
            }
        } else {
            None
        };
        if parsed.is_some()
            || (!self.current().dates_by_parsing() && self.current().date(line).is_some())
        {
            self.out.stats.dated += 1;
            self.finish()?;
            let open = &mut self.open;
            open.parsed = parsed;
            open.active = true;
            open.line_no = line_no;
            open.first.clear();
            open.first.extend_from_slice(line);
            open.continuation.clear();
            open.matched = is_match;
        } else if self.open.active {
            self.out.stats.continued += 1;
            self.out.not_dated(line, line_no);
            let open = &mut self.open;
            open.matched |= is_match;
            if open.continuation.len() < MAX_CONTINUATION {
                open.continuation.push(b'\n');
                let room = MAX_CONTINUATION - open.continuation.len().min(MAX_CONTINUATION);
                open.continuation
                    .extend_from_slice(&line[..line.len().min(room)]);
            }
        } else {
            self.out.stats.undated += 1;
            self.out.not_dated(line, line_no);
        }
        ControlFlow::Continue(())
    }

    /// Hands the gathered entry to the output.
    fn finish(&mut self) -> ControlFlow<()> {
        let parser = self.restarted.as_ref().unwrap_or(self.parser);
        let open = &mut self.open;
        if !open.active {
            return ControlFlow::Continue(());
        }
        open.active = false;
        if !self.needs_every_entry && !open.matched {
            return ControlFlow::Continue(());
        }
        // Only entries that may be kept or counted need a close look at their first line.
        let parsed = open.parsed.take();
        let Some(line) = parsed.or_else(|| parser.parse(&open.first)) else {
            self.out.stats.undatable += 1;
            return ControlFlow::Continue(());
        };
        let msg = match line.owned_msg {
            Some(msg) => Cow::Owned(msg.into_bytes()),
            None => Cow::Borrowed(&open.first[line.msg]),
        };
        let parts = EntryParts {
            when: line.when,
            level: line.level,
            msg,
            continuation: &open.continuation,
            raw: &open.first,
            matched: open.matched,
            place: Place {
                path: self.rel_path,
                line: open.line_no,
            },
            parser: Some(parser),
        };
        self.out.entry(self.filter, self.ctx, parts)
    }
}

/// Calls `f` with runs of whole lines, each ending in `\n`, straight from the read buffer where
/// possible. A line longer than [`MAX_LINE`] is cut, and `f` is told so (`cut = true`).
pub fn for_each_chunk(
    file: File,
    mut f: impl FnMut(&[u8], bool) -> ControlFlow<()>,
) -> io::Result<ControlFlow<()>> {
    let mut reader = BufReader::with_capacity(CHUNK, file);
    // A line that runs past the end of the buffer, gathered here.
    let mut pending: Vec<u8> = Vec::new();
    let mut in_pending = false;
    let mut cut = false;
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            if in_pending {
                pending.push(b'\n');
                return Ok(f(&pending, cut));
            }
            return Ok(ControlFlow::Continue(()));
        }
        let n = buf.len();
        if in_pending {
            let (take, done) = match memchr::memchr(b'\n', buf) {
                Some(i) => (i, true),
                None => (n, false),
            };
            let room = MAX_LINE.saturating_sub(pending.len());
            cut |= take > room;
            pending.extend_from_slice(&buf[..take.min(room)]);
            reader.consume(if done { take + 1 } else { take });
            if done {
                pending.push(b'\n');
                let flow = f(&pending, cut);
                pending.clear();
                in_pending = false;
                cut = false;
                if flow.is_break() {
                    return Ok(flow);
                }
            }
            continue;
        }
        match memchr::memrchr(b'\n', buf) {
            Some(i) => {
                let flow = f(&buf[..=i], false);
                reader.consume(i + 1);
                if flow.is_break() {
                    return Ok(flow);
                }
            }
            None => {
                in_pending = true;
                cut = n > MAX_LINE;
                pending.extend_from_slice(&buf[..n.min(MAX_LINE)]);
                reader.consume(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn chunks_of(content: &[u8]) -> Vec<(Vec<u8>, bool)> {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        tmp.write_all(content).unwrap();
        let mut seen = Vec::new();
        let flow = for_each_chunk(File::open(tmp.path()).unwrap(), |c, cut| {
            seen.push((c.to_vec(), cut));
            ControlFlow::Continue(())
        })
        .unwrap();
        assert!(flow.is_continue());
        seen
    }

    #[test]
    fn a_missing_final_newline_is_added() {
        let seen = chunks_of(b"a\nb");
        let all: Vec<u8> = seen.iter().flat_map(|(c, _)| c.clone()).collect();
        assert_eq!(all, b"a\nb\n");
    }

    #[test]
    fn lines_longer_than_the_limit_are_cut_and_reported() {
        let mut content = b"first\n".to_vec();
        content.extend(std::iter::repeat_n(b'x', 3 * MAX_LINE));
        content.extend_from_slice(b"\nlast\n");
        let seen = chunks_of(&content);
        let all: Vec<u8> = seen.iter().flat_map(|(c, _)| c.clone()).collect();
        let lines: Vec<&[u8]> = all.split(|b| *b == b'\n').collect();
        assert_eq!(
            lines.len(),
            4,
            "first, the cut line, last, and the empty tail"
        );
        assert_eq!(lines[1].len(), MAX_LINE);
        assert_eq!(lines[2], b"last");
        assert_eq!(seen.iter().filter(|(_, cut)| *cut).count(), 1);
    }

    #[test]
    fn an_empty_file_gives_nothing() {
        assert!(chunks_of(b"").is_empty());
    }
}
