//! The formats whose lines are text: a time (somewhere near the start), perhaps a level and
//! header fields, then the message — syslog, ISO 8601 prefixes, log4j, Python, PostgreSQL,
//! journalctl's short output, RFC 5424, access logs, Apache's error log, logcat, klog, HDFS,
//! the compact `time|…` form, epoch seconds and uWSGI.

use memchr::memmem;

use crate::evidence::level::{Level, token_level, written_as_level};
use crate::evidence::line::{Line, byte_at, level_after, skip_spaces, token, trim_end};
use crate::evidence::locate::{self, Layout};
use crate::evidence::timestamp::{self, When};

/// The line after its time (at `used`): a level right there is taken out of the message. Else a
/// level word among the next `max_tokens` words, written as one (`FATAL:`, `ERROR`, `[warn]`)
/// and with more text after it, is the line's level, and stays in the text; a file whose header
/// fields are learned reads its level from those instead ([`Line::level_in_text`]).
pub(super) fn level_or_further(line: &[u8], when: When, used: usize, max_tokens: usize) -> Line {
    let end = trim_end(line, line.len());
    if let (Some(level), msg) = level_after(line, used, 1) {
        return Line::new(when, Some(level), msg..end);
    }
    let mut i = used;
    let mut level = None;
    for _ in 0..max_tokens {
        let t = token(line, i);
        if t.is_empty() || skip_spaces(line, t.end) >= end {
            break;
        }
        let word = &line[t.clone()];
        if written_as_level(word)
            && let Some(l) = token_level(word)
        {
            level = Some(l);
            break;
        }
        i = t.end;
    }
    let mut parsed = Line::new(when, level, skip_spaces(line, used)..end);
    parsed.level_in_text = level.is_some();
    parsed
}

/// A time at the start of the line, then perhaps a level, then the message. A level further
/// on is looked for among the next `further` words (none where the file's header fields are
/// known: they name the level instead).
pub(super) fn prefixed(
    line: &[u8],
    time: fn(&[u8]) -> Option<(When, usize)>,
    further: usize,
) -> Option<Line> {
    let (when, used) = time(line)?;
    if line
        .get(used)
        .is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b'|' | b']' | b':'))
    {
        return None;
    }
    // A level right after the time is taken out; one further on stays in the text.
    Some(level_or_further(line, when, used, further))
}

pub(super) fn log4j(line: &[u8]) -> Option<Line> {
    let (when, used) = timestamp::iso(line)?;
    // log4j writes milliseconds with a comma, then the level (Zookeeper puts ` - ` between).
    if line.get(19) != Some(&b',') {
        return None;
    }
    let (level, msg) = level_after(line, used, 2);
    level.map(|level| Line::new(when, Some(level), msg..trim_end(line, line.len())))
}

pub(super) fn python(line: &[u8]) -> Option<Line> {
    let (when, used) = timestamp::iso(line)?;
    if line.get(19) != Some(&b',') || line.get(used..used + 3) != Some(b" - ") {
        return None;
    }
    // `- name - LEVEL - msg`
    let rest = &line[used + 3..];
    let name_end = memmem::find(rest, b" - ")?;
    let after_name = used + 3 + name_end + 3;
    let t = token(line, after_name);
    let level = Level::parse(&line[t.clone()])?;
    let msg = if line.get(t.end..t.end + 3) == Some(b" - ") {
        t.end + 3
    } else {
        skip_spaces(line, t.end)
    };
    Some(Line::new(
        when,
        Some(level),
        msg..trim_end(line, line.len()),
    ))
}

pub(super) fn postgres(line: &[u8]) -> Option<Line> {
    let (when, used) = timestamp::iso(line)?;
    let rest = &line[used..];
    // `%m [%p] LEVEL:  msg`, perhaps with a zone name the ISO parser did not take.
    let open = memchr::memchr(b'[', rest.get(..16.min(rest.len()))?)?;
    let close = memchr::memchr(b']', &rest[open..])? + open;
    let after = used + close + 1;
    let t = token(line, after);
    let word = line[t.clone()].strip_suffix(b":")?;
    let level = match word {
        b"LOG" | b"STATEMENT" | b"DETAIL" | b"HINT" | b"CONTEXT" | b"LOCATION" | b"QUERY" => {
            Level::Info
        }
        b"PANIC" => Level::Critical,
        other => Level::parse(other)?,
    };
    Some(Line::new(
        when,
        Some(level),
        skip_spaces(line, t.end)..trim_end(line, line.len()),
    ))
}

pub(super) fn journalctl(line: &[u8]) -> Option<Line> {
    let (when, used) = timestamp::iso(line)?;
    // short-iso always has a `T` and an offset, then the host and `ident[pid]:`.
    let timestamp::When::Civil(c) = when else {
        return None;
    };
    if line.get(10) != Some(&b'T') || c.offset.is_none() {
        return None;
    }
    let host = token(line, used);
    let ident = token(line, host.end);
    if !line[ident.clone()].ends_with(b":") {
        return None;
    }
    let (level, msg) = level_after(line, ident.end, 1);
    Some(Line::new(when, level, msg..trim_end(line, line.len())))
}

pub(super) fn rfc5424(line: &[u8]) -> Option<Line> {
    byte_at(line, 0, b'<')?;
    let close = memchr::memchr(b'>', line.get(..5)?)?;
    let pri: u8 = std::str::from_utf8(&line[1..close]).ok()?.parse().ok()?;
    if line.get(close + 1..close + 3) != Some(b"1 ") {
        return None;
    }
    let (when, used) = timestamp::iso(&line[close + 3..])?;
    let mut i = close + 3 + used;
    for _ in 0..4 {
        i = token(line, i).end; // host, app, procid, msgid
    }
    // Structured data: `-` or one or more `[...]`.
    i = skip_spaces(line, i);
    if line.get(i) == Some(&b'-') {
        i += 1;
    } else {
        while line.get(i) == Some(&b'[') {
            i = memchr::memchr(b']', &line[i..]).map_or(line.len(), |n| i + n + 1);
        }
    }
    let level = match pri % 8 {
        0..=2 => Level::Critical,
        3 => Level::Error,
        4 => Level::Warn,
        5 => Level::Notice,
        6 => Level::Info,
        _ => Level::Debug,
    };
    Some(Line::new(
        when,
        Some(level),
        skip_spaces(line, i)..trim_end(line, line.len()),
    ))
}

pub(super) fn clf(line: &[u8]) -> Option<Line> {
    // host ident user [time] "request" status size ...
    let host = token(line, 0);
    let ident = token(line, host.end);
    let user = token(line, ident.end);
    let open = skip_spaces(line, user.end);
    let (when, used) = timestamp::clf(line.get(open..)?)?;
    let after = open + used;
    byte_at(line, after, b' ')?;
    byte_at(line, after + 1, b'"')?;
    let close = memchr::memchr(b'"', &line[after + 2..])? + after + 2;
    let status = token(line, close + 1);
    let code = timestamp::digits(&line[status.clone()], 3)?;
    let level = match code {
        500.. => Level::Error,
        400..=499 => Level::Warn,
        _ => Level::Info,
    };
    Some(Line::new(
        when,
        Some(level),
        after + 1..trim_end(line, line.len()),
    ))
}

pub(super) fn apache_error(line: &[u8]) -> Option<Line> {
    let (when, used) = timestamp::apache_error(line)?;
    let (level, msg) = level_after(line, used, 1);
    Some(Line::new(when, level, msg..trim_end(line, line.len())))
}

pub(super) fn logcat(line: &[u8]) -> Option<Line> {
    let (when, used) = timestamp::logcat(line)?;
    // pid tid L tag: msg
    let pid = token(line, used);
    let tid = token(line, pid.end);
    let lvl = token(line, tid.end);
    if !line[pid.clone()].iter().all(u8::is_ascii_digit) || line[lvl.clone()].len() != 1 {
        return None;
    }
    let level = match line[lvl.start] {
        b'V' => Level::Trace,
        b'D' => Level::Debug,
        b'I' => Level::Info,
        b'W' => Level::Warn,
        b'E' => Level::Error,
        b'F' | b'A' => Level::Critical,
        _ => return None,
    };
    Some(Line::new(
        when,
        Some(level),
        skip_spaces(line, lvl.end)..trim_end(line, line.len()),
    ))
}

/// klog/glog: `Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg`. The header is the time (read by
/// the locator's klog layout, which gives the level), the thread id, and `file:line]`.
pub(super) fn klog(line: &[u8]) -> Option<Line> {
    let (when, span, level) =
        locate::find(line, Layout::Klog).filter(|(_, span, _)| span.start == 0)?;
    let thread = token(line, span.end);
    if !line[thread.clone()].iter().all(u8::is_ascii_digit) || thread.is_empty() {
        return None;
    }
    let place = token(line, thread.end);
    if !line[place.clone()].ends_with(b"]") {
        return None;
    }
    Some(Line::new(
        when,
        level,
        skip_spaces(line, place.end)..trim_end(line, line.len()),
    ))
}

pub(super) fn hdfs(line: &[u8]) -> Option<Line> {
    let (when, used) = timestamp::hdfs(line)?;
    let pid = token(line, used);
    if !line[pid.clone()].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let (level, msg) = level_after(line, pid.end, 1);
    Some(Line::new(when, level, msg..trim_end(line, line.len())))
}

pub(super) fn compact(line: &[u8]) -> Option<Line> {
    let (when, used) = timestamp::compact(line)?;
    byte_at(line, used, b'|')?;
    // time|component|pid|msg
    let mut i = used + 1;
    for _ in 0..2 {
        i = memchr::memchr(b'|', &line[i..]).map_or(i, |n| i + n + 1);
    }
    Some(Line::new(when, None, i..trim_end(line, line.len())))
}

pub(super) fn epoch(line: &[u8], further: usize) -> Option<Line> {
    // The epoch is the first field, or the second after a tag (`- 1117838570 …` in BGL).
    let first = token(line, 0);
    let (when, used, start) = match timestamp::epoch(&line[first.clone()]) {
        Some((when, used)) if used == first.len() => (when, used, first.start),
        _ => {
            let second = token(line, first.end);
            let (when, used) = timestamp::epoch(&line[second.clone()])?;
            if used != second.len() || first.len() > 16 {
                return None;
            }
            (when, used, second.start)
        }
    };
    Some(level_or_further(line, when, start + used, further))
}

/// uWSGI. A request line: `[pid: 1|app: 0|req: 1/1] 203.0.113.9 () {34 vars in 620 bytes}
/// [Tue Nov  3 14:02:11 2026] GET /checkout => generated 12 bytes in 8 msecs (HTTP/1.1 500) …`;
/// its level comes from the status. With `--logdate`, other lines start with the date and
/// ` - `: `Tue Nov  3 14:02:11 2026 - *** Starting uWSGI ***`.
pub(super) fn uwsgi(line: &[u8]) -> Option<Line> {
    if line.starts_with(b"[pid: ") {
        // The date is the bracket after `{… vars in … bytes}`.
        let vars = memmem::find(line, b" bytes} [")? + b" bytes} ".len();
        let (when, used) = timestamp::apache_error(&line[vars..])?;
        let msg = skip_spaces(line, vars + used);
        let level = memmem::find(&line[msg..], b"(HTTP/")
            .and_then(|i| {
                let at = msg + i;
                let close = memchr::memchr(b')', &line[at..])? + at;
                timestamp::digits(&line[close.checked_sub(3)?..close], 3)
            })
            .map(|code| match code {
                500.. => Level::Error,
                400..=499 => Level::Warn,
                _ => Level::Info,
            });
        let end = memmem::find(&line[msg..], b") ").map_or(line.len(), |i| msg + i + 1);
        return Some(Line::new(when, level, msg..trim_end(line, end)));
    }
    // `--logdate`: ctime without brackets, then ` - `.
    let mut bracketed = Vec::with_capacity(27);
    bracketed.push(b'[');
    bracketed.extend_from_slice(line.get(..24)?);
    bracketed.push(b']');
    let (when, _) = timestamp::apache_error(&bracketed)?;
    if line.get(24..27) != Some(b" - ") {
        return None;
    }
    let (level, msg) = level_after(line, 27, 1);
    Some(Line::new(when, level, msg..trim_end(line, line.len())))
}
