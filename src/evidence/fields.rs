//! The header of a log line: the fields between its time and its message — host, program and
//! pid, thread, logger, level, a repeated time — found by their structure, not by names.
//!
//! A header is what every line of a file carries in the same shape at the same place. So the
//! shape is learned from a sample of the file's lines: token by token after the time, each
//! token's kind (a level word, `name[pid]:`, `[thread]`, a number, a time, a dotted logger name,
//! a separator such as `-` or `|`, or a plain word) is tallied, and as long as one kind holds
//! [`CONSISTENT`] of the lines that got this far, that position is part of the header. A
//! message's first words vary from line to line; a header's kinds do not. The header ends at
//! the first `name:` tag, as a logger's or a program's name ends the prefix, and never with
//! a plain word, a number or a time (a host name or a pid is a header field only with a
//! program, a level or a separator after it); after a level
//! only a thread, a logger or a separator is still header.
//!
//! Each line is then split by walking the learned kinds; the message is what follows the last
//! one it matches. A line that does not match at all keeps its whole text as the message.

use std::ops::Range;

use super::level::{Level, token_level, written_as_level};

/// The share of sampled lines that must agree on a position's kind for it to be a header field.
const CONSISTENT: f64 = 0.9;
/// Header fields at most.
const MAX_FIELDS: usize = 12;
/// Sampled lines needed to learn anything: two lines that agree on a level, a tag or a
/// separator at one place already show a header, as a message does not end in one.
const MIN_LINES: usize = 2;
/// A bracketed field longer than this is message text.
const MAX_BRACKET: usize = 300;

/// What a header token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `INFO`, `[error]`, `<warn>`, `E` is not one (single letters are words).
    Level,
    /// `sshd[42]:`, `org.apache.Foo:`, `kernel:`.
    Tag,
    /// `[main]`, `(worker-3)`, `<ctx>`.
    Bracket,
    /// `24200`.
    Number,
    /// A date or a time again: `2005.06.03`, `2005-06-03-15.42.50.675872`, `12:01:01`.
    Stamp,
    /// `nova.osapi_compute.wsgi.server`, a logger without a colon.
    Dotted,
    /// `-`, `|`, `::`.
    Separator,
    /// Anything else, such as a host name.
    Word,
}

impl Kind {
    /// Whether a header may end with this kind. A plain word, a number or a time may not: a
    /// header that ended in one could as well be the message's first word (`retry 3 of 5`).
    fn ends(self) -> bool {
        !matches!(self, Kind::Word | Kind::Number | Kind::Stamp)
    }
}

/// The header a file's lines share: the kind of each field, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    kinds: Vec<Kind>,
}

/// The end of the token that starts at `i` (no leading spaces): up to a space, or for a
/// bracket to its match, or a lone `|`.
fn token_end(line: &[u8], i: usize) -> usize {
    match line.get(i) {
        None => return i,
        Some(b'|') => return i + 1,
        Some(_) => {}
    }
    match bracket_end(&line[i..]) {
        // `[pid]:` and `(x)[1]:` go on to the end of the word.
        Some(n) => i + n + word_end(&line[i + n..]),
        None => i + word_end(&line[i..]),
    }
}

/// Where the bracket that `text` opens with is closed (just after the close), looking no
/// further than [`MAX_BRACKET`] bytes; `None` when `text` opens none or it stays open.
fn bracket_end(text: &[u8]) -> Option<usize> {
    let open = *text.first()?;
    let close = match open {
        b'[' => b']',
        b'(' => b')',
        b'<' => b'>',
        b'{' => b'}',
        _ => return None,
    };
    let mut depth = 0usize;
    for (n, &b) in text.iter().enumerate().take(MAX_BRACKET) {
        if b == open {
            depth += 1;
        } else if b == close {
            depth -= 1;
            if depth == 0 {
                return Some(n + 1);
            }
        }
    }
    None
}

fn word_end(rest: &[u8]) -> usize {
    rest.iter()
        .position(|&b| b == b' ' || b == b'\t' || b == b'|')
        .unwrap_or(rest.len())
}

fn skip_blanks(line: &[u8], mut i: usize) -> usize {
    while i < line.len() && matches!(line[i], b' ' | b'\t') {
        i += 1;
    }
    i
}

/// The tokens of `line` from `from`, as ranges, at most `max`.
fn tokens(line: &[u8], from: usize, max: usize) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut i = skip_blanks(line, from);
    std::iter::from_fn(move || {
        if i >= line.len() {
            return None;
        }
        let end = token_end(line, i);
        let token = i..end;
        i = skip_blanks(line, end);
        Some(token)
    })
    .take(max)
}

/// The kind of one token.
pub fn kind(token: &[u8]) -> Kind {
    let (Some(&first), Some(&last)) = (token.first(), token.last()) else {
        return Kind::Word;
    };
    if token.len() <= 3 && token.iter().all(u8::is_ascii_punctuation) {
        return Kind::Separator;
    }
    if token.len() >= 3 && token_level(token).is_some() {
        return Kind::Level;
    }
    let closes = matches!(
        (first, last),
        (b'[', b']') | (b'(', b')') | (b'<', b'>') | (b'{', b'}')
    );
    if closes {
        return Kind::Bracket;
    }
    if last == b':' && token.len() >= 2 && !token.ends_with(b"::") {
        let body = &token[..token.len() - 1];
        // `postfix/postdrop[42]:` is a program; `/var/log:` and `http://x:` are not.
        let path_like = body.first() == Some(&b'/') || body.windows(2).any(|w| w == b"//");
        if body.iter().any(u8::is_ascii_alphabetic) && !path_like {
            return Kind::Tag;
        }
        if is_stamp(body) {
            return Kind::Stamp;
        }
    }
    if token.iter().all(u8::is_ascii_digit) {
        return Kind::Number;
    }
    if is_stamp(token) {
        return Kind::Stamp;
    }
    if first.is_ascii_alphabetic()
        && last.is_ascii_alphanumeric()
        && token.contains(&b'.')
        && token
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'$' | b'-'))
    {
        return Kind::Dotted;
    }
    Kind::Word
}

/// Digits and the marks dates and times use, in two runs of digits or more.
fn is_stamp(token: &[u8]) -> bool {
    let marks = |b: &u8| matches!(b, b'-' | b'.' | b':' | b'/' | b',' | b'_' | b'T');
    token.iter().all(|b| b.is_ascii_digit() || marks(b))
        && token.first().is_some_and(u8::is_ascii_digit)
        && token.split(marks).filter(|run| !run.is_empty()).count() >= 2
}

/// A level word that starts a message and is written as one — `ERROR`, `error:`, `[warn]` —
/// with more text after it. `Trace cache: …` and a message that ends in `error` name none.
fn leading_level(line: &[u8], message: usize) -> Option<Level> {
    let end = token_end(line, message.min(line.len().saturating_sub(1)));
    let token = line.get(message..end)?;
    let more = skip_blanks(line, end) < line.len();
    if written_as_level(token) && more {
        token_level(token)
    } else {
        None
    }
}

/// Whether a token fits a field of kind `want`. A level field takes any single upper-case
/// word too: a file's levels include words no list knows (`FAILURE`).
fn fits(token: &[u8], want: Kind) -> bool {
    let got = kind(token);
    got == want
        || (want == Kind::Level
            && got == Kind::Word
            && token.len() <= 12
            && token.iter().all(u8::is_ascii_uppercase))
}

impl Header {
    /// Learns the header from sample lines: each is a line and where its header starts (right
    /// after its time, or after what its format already took apart).
    pub fn learn<'a>(sample: impl IntoIterator<Item = (&'a [u8], usize)>) -> Option<Header> {
        let sample: Vec<(&[u8], Vec<Range<usize>>)> = sample
            .into_iter()
            .map(|(line, from)| (line, tokens(line, from, MAX_FIELDS + 1).collect()))
            .collect();
        if sample.len() < MIN_LINES {
            return None;
        }
        // The lines still following the header learned so far.
        let mut following: Vec<usize> = (0..sample.len()).collect();
        let mut kinds = Vec::new();
        let mut ends_at = 0;
        for position in 0..MAX_FIELDS {
            // A field needs a message after it: count only lines with a token beyond it.
            let mut tally: Vec<(Kind, usize)> = Vec::new();
            let mut with_token = 0;
            for &l in &following {
                let (line, tokens) = &sample[l];
                if tokens.len() <= position + 1 {
                    continue;
                }
                with_token += 1;
                let k = kind(&line[tokens[position].clone()]);
                match tally.iter_mut().find(|(kind, _)| *kind == k) {
                    Some((_, n)) => *n += 1,
                    None => tally.push((k, 1)),
                }
            }
            let Some(&(k, _)) = tally.iter().max_by_key(|(_, n)| *n) else {
                break;
            };
            let n = following
                .iter()
                .filter(|&&l| {
                    let (line, tokens) = &sample[l];
                    tokens.len() > position + 1 && fits(&line[tokens[position].clone()], k)
                })
                .count();
            // Lines too short for a field here count neither way, unless they are most.
            if with_token < MIN_LINES
                || with_token * 2 < following.len()
                || (n as f64) < CONSISTENT * with_token as f64
            {
                break;
            }
            // After the level only a thread, a logger or a separator is still header.
            let after_level = kinds.contains(&Kind::Level);
            if after_level
                && !matches!(
                    k,
                    Kind::Bracket | Kind::Separator | Kind::Tag | Kind::Dotted
                )
            {
                break;
            }
            kinds.push(k);
            if k.ends() {
                ends_at = kinds.len();
            }
            if k == Kind::Tag {
                break;
            }
            following.retain(|&l| {
                let (line, tokens) = &sample[l];
                tokens
                    .get(position)
                    .is_some_and(|t| fits(&line[t.clone()], k))
            });
        }
        kinds.truncate(ends_at);
        (!kinds.is_empty()).then_some(Header { kinds })
    }

    /// Splits one line whose header starts at `from`: where its message starts, and the level
    /// a header field names. `field` is told each field, in order.
    pub fn split(
        &self,
        line: &[u8],
        from: usize,
        field: impl FnMut(Kind, Range<usize>),
    ) -> (usize, Option<Level>) {
        let (message, level) = self.split_header(line, from, field);
        (message, level.or_else(|| leading_level(line, message)))
    }

    /// [`Header::split`], with the level that a header field names alone (no level word at
    /// the start of the message).
    fn split_header(
        &self,
        line: &[u8],
        from: usize,
        mut field: impl FnMut(Kind, Range<usize>),
    ) -> (usize, Option<Level>) {
        let mut found: [(Kind, usize, usize); MAX_FIELDS] = [(Kind::Word, 0, 0); MAX_FIELDS];
        let mut n = 0;
        for (token, &want) in tokens(line, from, self.kinds.len()).zip(&self.kinds) {
            if !fits(&line[token.clone()], want) {
                break;
            }
            found[n] = (want, token.start, token.end);
            n += 1;
        }
        // Back to the last field a header may end with, and keep a message after it.
        while n > 0 {
            let (k, _, end) = found[n - 1];
            if k.ends() && skip_blanks(line, end) < line.len() {
                break;
            }
            n -= 1;
        }
        let mut level = None;
        for &(k, start, end) in &found[..n] {
            if k == Kind::Level {
                level = token_level(&line[start..end]).or(Some(Level::Info));
            }
            field(k, start..end);
        }
        let message = match n {
            0 => skip_blanks(line, from),
            n => skip_blanks(line, found[n - 1].2),
        };
        (message, level)
    }

    pub fn kinds(&self) -> &[Kind] {
        &self.kinds
    }

    /// [`Header::split`] for the message and level alone, remembering in `last` the header of
    /// the last line whose fields all matched: most lines of a file repeat their header byte
    /// for byte (`INFO [main] com.shop.Checkout: `) or but for the numbers in it
    /// (`web-3 sshd[5843]: `, then `web-12 sshd[17]: `), and one comparison then splits them.
    /// A field's kind and level never depend on the digits of a run of digits, nor on how
    /// many there are: only on where runs of digits are. (A bracket is looked for as far as
    /// [`MAX_BRACKET`] bytes, so a header longer than that must match byte for byte.)
    pub fn split_message(
        &self,
        line: &[u8],
        from: usize,
        last: &mut LastHeader,
    ) -> (usize, Option<Level>) {
        let rest = line.get(from..).unwrap_or_default();
        if last.valid
            && let Some(n) = same_but_digits(rest, &last.prefix)
            && rest.len() > n
            && !matches!(rest[n], b' ' | b'\t')
        {
            let message = from + n;
            return (message, last.level.or_else(|| leading_level(line, message)));
        }
        let mut fields = 0;
        let mut closed = true;
        let (message, level) = self.split_header(line, from, |_, range| {
            fields += 1;
            closed &= brackets_close(&line[range]);
        });
        // The same bytes split the same way only when every field matched, the header ends in
        // a blank and each bracket closed within its field (one left open would be looked for
        // in the message).
        last.valid = fields == self.kinds.len()
            && closed
            && message > from
            && matches!(line[message - 1], b' ' | b'\t');
        if last.valid {
            last.prefix.clear();
            last.prefix.extend_from_slice(&line[from..message]);
            last.level = level;
        }
        (message, level.or_else(|| leading_level(line, message)))
    }
}

/// The header of the last line [`Header::split_message`] split whole: its bytes from where the
/// header starts to where the message starts, and the level a field named.
#[derive(Debug, Clone, Default)]
pub struct LastHeader {
    valid: bool,
    prefix: Vec<u8>,
    level: Option<Level>,
}

/// How long the start of `text` is that is `prefix` but for its runs of digits, which may differ
/// in value and in length; `None` when `text` does not start so. A match that is not `prefix`
/// byte for byte is taken only up to [`MAX_BRACKET`] bytes: runs of digits that move within a
/// longer header could carry a bracket past the limit its close is looked for within.
fn same_but_digits(text: &[u8], prefix: &[u8]) -> Option<usize> {
    if text.starts_with(prefix) {
        return Some(prefix.len());
    }
    let digits = |b: &[u8]| b.iter().take_while(|b| b.is_ascii_digit()).count();
    let (mut i, mut j) = (0, 0);
    while j < prefix.len() {
        let (a, b) = (*text.get(i)?, prefix[j]);
        if a.is_ascii_digit() && b.is_ascii_digit() {
            i += digits(&text[i..]);
            j += digits(&prefix[j..]);
        } else if a == b {
            i += 1;
            j += 1;
        } else {
            return None;
        }
    }
    (i <= MAX_BRACKET).then_some(i)
}

/// Whether a token that opens a bracket closes it, as [`token_end`] looks for the close.
fn brackets_close(token: &[u8]) -> bool {
    !matches!(token.first(), Some(b'[' | b'(' | b'<' | b'{')) || bracket_end(token).is_some()
}

/// Names the fields of a split header: `level`, `program` and `pid` from `sshd[42]:`, `logger`
/// from a dotted name, `thread` from the first bracket, `host` from a word before the program,
/// `pid` and `tid` from numbers. Separators and repeated times are left out; other fields are
/// `field1`, `field2`, … by position.
pub fn named(line: &[u8], fields: &[(Kind, Range<usize>)]) -> Vec<(&'static str, String)> {
    const NUMBERS: [&str; 2] = ["pid", "tid"];
    const POSITIONS: [&str; MAX_FIELDS] = [
        "field1", "field2", "field3", "field4", "field5", "field6", "field7", "field8", "field9",
        "field10", "field11", "field12",
    ];
    let text = |r: &Range<usize>| String::from_utf8_lossy(&line[r.clone()]).into_owned();
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let put = |out: &mut Vec<(&'static str, String)>, name: &'static str, value: String| {
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, value));
        }
    };
    // A program's own `[pid]` names the pid; numbers are then something else (a day).
    let tagged_pid = fields
        .iter()
        .any(|(k, r)| *k == Kind::Tag && line[r.clone()].ends_with(b"]:"));
    let mut numbers = if tagged_pid { NUMBERS.len() } else { 0 };
    for (i, (kind, range)) in fields.iter().enumerate() {
        let value = text(range);
        match kind {
            Kind::Separator | Kind::Stamp => {}
            Kind::Level => put(&mut out, "level", value),
            Kind::Tag => {
                let name = value.trim_end_matches(':');
                let (name, pid) = match name.strip_suffix(']').and_then(|n| n.rsplit_once('[')) {
                    Some((name, pid)) => (name, Some(pid)),
                    None => (name, None),
                };
                let role = if name.contains('.') || name.contains('$') {
                    "logger"
                } else {
                    "program"
                };
                put(&mut out, role, name.to_owned());
                if let Some(pid) = pid {
                    put(&mut out, "pid", pid.to_owned());
                }
            }
            Kind::Dotted => put(&mut out, "logger", value),
            Kind::Bracket => put(
                &mut out,
                "thread",
                value[1..value.len().saturating_sub(1).max(1)].to_owned(),
            ),
            Kind::Number if numbers < NUMBERS.len() => {
                put(&mut out, NUMBERS[numbers], value);
                numbers += 1;
            }
            Kind::Word if fields.get(i + 1).is_some_and(|(k, _)| *k == Kind::Tag) => {
                put(&mut out, "host", value)
            }
            _ => put(&mut out, POSITIONS[i.min(MAX_FIELDS - 1)], value),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learned(lines: &[&str]) -> Vec<Kind> {
        Header::learn(lines.iter().map(|l| (l.as_bytes(), 0)))
            .map(|h| h.kinds)
            .unwrap_or_default()
    }

    fn message<'a>(lines: &[&'a str], i: usize) -> &'a str {
        let h = Header::learn(lines.iter().map(|l| (l.as_bytes(), 0))).unwrap_or_default();
        &lines[i][h.split(lines[i].as_bytes(), 0, |_, _| {}).0..]
    }

    #[test]
    fn a_syslog_header_is_the_host_and_the_program() {
        let lines = [
            "combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0",
            "combo sshd(pam_unix)[19937]: check pass; user unknown",
            "combo kernel: CPU: Trace cache: 12K uops, L1 D cache: 8K",
            "combo su(pam_unix)[21416]: session opened for user cyrus by (uid=0)",
            "combo logrotate: ALERT exited abnormally with [1]",
            "combo ftpd[24487]: connection from 207.30.238.8 () at Sun Jul 17 14:03:05 2005",
            "combo kernel: Link error",
            "combo sshd(pam_unix)[19939]: check pass; user unknown",
            "combo kernel: 1 warning",
        ];
        assert_eq!(learned(&lines), [Kind::Word, Kind::Tag]);
        assert_eq!(
            message(&lines, 2),
            "CPU: Trace cache: 12K uops, L1 D cache: 8K"
        );
        assert_eq!(message(&lines, 6), "Link error");
        assert_eq!(message(&lines, 8), "1 warning");
        let h = Header::learn(lines.iter().map(|l| (l.as_bytes(), 0))).unwrap();
        assert_eq!(h.split(lines[2].as_bytes(), 0, |_, _| {}).1, None);
        assert_eq!(
            h.split(lines[4].as_bytes(), 0, |_, _| {}).1,
            Some(Level::Critical)
        );
    }

    /// Splitting line after line with the last header remembered gives what splitting each
    /// line alone gives, also where a line repeats the header's bytes but not its fields.
    #[test]
    fn a_remembered_header_splits_as_the_line_alone_would() {
        let learn_from = [
            "web-1 sshd[1]: session opened",
            "web-2 cron[2]: job started",
            "web-1 sshd[3]: session closed",
        ];
        let h = Header::learn(learn_from.iter().map(|l| (l.as_bytes(), 0))).unwrap();
        let lines = [
            "web-1 sshd[1]: session opened",
            "web-1 sshd[1]: ERROR disk full",
            "web-1 sshd[1]:  two blanks",
            "web-1 sshd[1]: ",
            "web-1 sshd[1]:",
            "[web sshd: hello",
            "[web sshd: hello] world",
            "web-1 sshd[1]:x",
            "web-1 sshd[1]: after",
            "web-9 sshd[7]: the same header but for its digits",
            "web-9 sshd[71]: a longer pid",
            "web-1 sshd[1]|pipe",
            "",
        ];
        let mut last = LastHeader::default();
        for line in lines {
            let alone = h.split(line.as_bytes(), 0, |_, _| {});
            let remembered = h.split_message(line.as_bytes(), 0, &mut last);
            assert_eq!(remembered, alone, "{line:?}");
        }
        // A header that differs in how many digits its numbers have is split by the one
        // remembered, which stays as it was.
        let mut last = LastHeader::default();
        h.split_message(b"web-9 sshd[7]: one", 0, &mut last);
        let line = b"web-10 sshd[7123]: two";
        assert_eq!(
            h.split_message(line, 0, &mut last),
            h.split(line, 0, |_, _| {})
        );
        assert_eq!(last.prefix, b"web-9 sshd[7]: ");
        // Digit runs that move within a header longer than the bracket limit can carry a
        // bracket past it: such a line is split alone.
        let a = format!("[{} 1] p[1234]: m", "a".repeat(295));
        let b = format!("[{} 1234] p[1]: m", "a".repeat(295));
        let long = Header::learn((0..9).map(|_| (a.as_bytes(), 0))).unwrap();
        let mut last = LastHeader::default();
        long.split_message(a.as_bytes(), 0, &mut last);
        assert!(last.valid);
        let alone = long.split(b.as_bytes(), 0, |_, _| {});
        assert_eq!(alone.0, 0, "read alone, the bracket never closes");
        assert_eq!(long.split_message(b.as_bytes(), 0, &mut last), alone);
        // The trap: the first line's open bracket closes in the second line's message.
        let mut last = LastHeader::default();
        h.split_message(b"[web sshd: hello", 0, &mut last);
        assert!(!last.valid);
    }

    #[test]
    fn messages_that_vary_are_not_a_header() {
        let lines = [
            "connection from 10.0.0.1 accepted",
            "GET /index.html 200",
            "worker 3 started",
            "[client 1.2.3.4] File does not exist: /var/www/favicon.ico",
            "retrying in 5s",
            "cache warmed: 1200 keys",
            "shutting down",
            "disk /dev/sda1 at 91%",
            "user alice logged in",
        ];
        assert_eq!(learned(&lines), []);
    }

    #[test]
    fn a_fixed_header_with_a_repeated_time_and_a_level_is_read_through() {
        let lines: Vec<String> = (0..10)
            .map(|i| {
                let level = ["INFO", "FATAL", "INFO", "FAILURE", "INFO"][i % 5];
                format!("2005.06.03 R02-M1-N{i}-C:J12-U11 2005-06-03-15.42.5{i}.675872 R02-M1-N{i}-C:J12-U11 RAS KERNEL {level} instruction cache parity error corrected {i}")
            })
            .collect();
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert_eq!(
            learned(&lines),
            [
                Kind::Stamp,
                Kind::Word,
                Kind::Stamp,
                Kind::Word,
                Kind::Word,
                Kind::Word,
                Kind::Level
            ]
        );
        assert_eq!(
            message(&lines, 3),
            "instruction cache parity error corrected 3"
        );
    }
}
