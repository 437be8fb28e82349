//! Text as a reader sees it, for finding names however they are written.
//!
//! A name can reach a page split by a line break, a no-break space or an entity, wrapped in
//! Markdown emphasis or an HTML tag, in capitals, or with a look-alike letter. [`Folded`] reads
//! a text into one form where all of those are the same (see [`crate::model::names`]), and
//! keeps, for every byte of that form, where it came from, so that a match can be cut out of
//! the original text whole, markup and all.

use crate::model::names::fold_char_into;

/// A text folded for matching, with the original byte range of every folded byte.
pub struct Folded {
    pub text: String,
    /// For each byte of `text`: the original range it came from.
    from: Vec<(u32, u32)>,
}

impl Folded {
    pub fn new(original: &str) -> Folded {
        let mut f = Folded {
            text: String::with_capacity(original.len()),
            from: Vec::with_capacity(original.len()),
        };
        let bytes = original.as_bytes();
        let mut i = 0;
        while i < original.len() {
            let c = original[i..].chars().next().unwrap_or(' ');
            // An HTML tag reads as nothing: `Sam</b> <b>Example` is the name.
            if c == '<'
                && let Some(len) = tag_len(&bytes[i..])
            {
                i += len;
                continue;
            }
            // An entity reads as the character it stands for.
            if c == '&'
                && let Some((decoded, len)) = entity(&original[i..])
            {
                f.push(decoded, i, i + len);
                i += len;
                continue;
            }
            // Markdown emphasis and code marks read as nothing.
            if matches!(c, '*' | '_' | '~' | '`') {
                i += 1;
                continue;
            }
            let len = c.len_utf8();
            f.push(c, i, i + len);
            i += len;
        }
        f
    }

    fn push(&mut self, c: char, start: usize, end: usize) {
        let before = self.text.len();
        fold_char_into(c, &mut self.text);
        // A run of spaces folds to one.
        if self.text.len() == before + 1
            && self.text.ends_with(' ')
            && self.text[..before].ends_with(' ')
        {
            self.text.pop();
            if let Some(last) = self.from.last_mut() {
                last.1 = end as u32;
            }
            return;
        }
        let range = (start as u32, end as u32);
        self.from
            .extend(std::iter::repeat_n(range, self.text.len() - before));
    }

    /// The original byte range of the folded range `start..end`, with the emphasis marks
    /// right around it (`**Sam Example**` goes whole).
    pub fn original(&self, original: &str, start: usize, end: usize) -> std::ops::Range<usize> {
        let mark = |b: &u8| matches!(b, b'*' | b'_' | b'~' | b'`');
        let mut s = self.from[start].0 as usize;
        let mut e = self.from[end - 1].1 as usize;
        let bytes = original.as_bytes();
        while s > 0 && mark(&bytes[s - 1]) {
            s -= 1;
        }
        while e < bytes.len() && mark(&bytes[e]) {
            e += 1;
        }
        s..e
    }
}

/// The length of a plain HTML tag at the start of `b` (`<b>`, `</span>`, `<br/>`), or `None`
/// when `<` starts none (`a < b`). A tag with attributes is read as text: in a Markdown source
/// it may be shown as typed, and what it holds must be matched.
fn tag_len(b: &[u8]) -> Option<usize> {
    let mut i = 1;
    if b.get(i) == Some(&b'/') {
        i += 1;
    }
    let name = b[i..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    if name == 0 || !b[i].is_ascii_alphabetic() || name > 16 {
        return None;
    }
    i += name;
    while b.get(i).is_some_and(|c| *c == b' ') {
        i += 1;
    }
    if b.get(i) == Some(&b'/') {
        i += 1;
    }
    (b.get(i) == Some(&b'>')).then_some(i + 1)
}

/// A text as its reader gets it, with the way back: HTML character references (`&quot;`,
/// `&#101;`, `&nbsp;`) read as the characters they stand for, invisible ones as nothing, and
/// the full stops of other scripts (`。`, `｡`) and a percent-encoded one (`%2E`) as `.`; in a
/// rendered file, also the JSON
/// escapes a page's data uses (`\\u003c`, `\\/`). The detectors search this, so that neither a
/// secret spelled with references (`DB_PASSWORD=&quot;…&quot;`) nor the markup's own escaping
/// (a log template's `password=&lt;*&gt;`) decides what they find.
pub struct Readable<'t> {
    pub text: std::borrow::Cow<'t, str>,
    /// For each byte of `text`, when it differs from the original: the original range.
    from: Vec<(u32, u32)>,
}

impl<'t> Readable<'t> {
    /// `json`: a rendered file, whose JSON escapes read as their characters too.
    pub fn new(original: &'t str, json: bool) -> Readable<'t> {
        let special = |c: char| matches!(c, '&' | '%' | '。' | '｡' | '*' | '~' | '`' | '<' | '\\');
        if !original.contains(special) {
            return Readable {
                text: std::borrow::Cow::Borrowed(original),
                from: Vec::new(),
            };
        }
        let mut text = String::with_capacity(original.len());
        let mut from = Vec::with_capacity(original.len());
        let mut i = 0;
        while i < original.len() {
            let rest = &original[i..];
            let c = rest.chars().next().unwrap_or(' ');
            let (read, len) = match c {
                '&' => entity(rest).unwrap_or(('&', 1)),
                // A JSON escape in a rendered file; a Markdown one (`db01\\.corp`) anywhere.
                '\\' => json
                    .then(|| json_escape(rest))
                    .flatten()
                    .or_else(|| markdown_escape(rest))
                    .unwrap_or(('\\', 1)),
                '。' | '｡' => ('.', c.len_utf8()),
                // Emphasis inside a token (`db01.**corp**.internal`, `10.1.<b>2</b>.3`) is
                // not seen by a reader: the token reads whole.
                '*' | '~' | '`' | '<' if let Some(len) = inline_mark(original, i) => {
                    i += len;
                    continue;
                }
                // A dot percent-encoded in a link (`grafana%2Ecorp%2Einternal`).
                '%' if rest.get(..3).is_some_and(|e| e.eq_ignore_ascii_case("%2e")) => ('.', 3),
                _ => (c, c.len_utf8()),
            };
            if read != '\u{200B}' {
                text.push(read);
                from.extend(std::iter::repeat_n(
                    (i as u32, (i + len) as u32),
                    read.len_utf8(),
                ));
            }
            i += len;
        }
        Readable {
            text: std::borrow::Cow::Owned(text),
            from,
        }
    }

    /// The original byte range of `range` of the readable text.
    pub fn original(&self, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
        if self.from.is_empty() || range.is_empty() {
            return range;
        }
        self.from[range.start].0 as usize..self.from[range.end - 1].1 as usize
    }
}

/// The length of the emphasis mark at `at` (a run of `*`, `~` or `` ` ``, or an inline tag
/// without attributes: `<b>`, `</strong>`) when it stands inside a token, between two of a
/// token's characters.
fn inline_mark(text: &str, at: usize) -> Option<usize> {
    let b = text.as_bytes();
    let len = match b[at] {
        b'<' => {
            let len = tag_len(&b[at..])?;
            let name = text[at + 1..at + len - 1].trim_matches(['/', ' ']);
            INLINE_TAGS
                .iter()
                .any(|t| t.eq_ignore_ascii_case(name))
                .then_some(len)?
        }
        mark => b[at..].iter().take_while(|&&c| c == mark).count(),
    };
    let token = |c: &u8| {
        c.is_ascii_alphanumeric() || matches!(c, b'.' | b'@' | b':' | b'=' | b'-' | b'_' | b'/')
    };
    (at > 0 && token(&b[at - 1]) && b.get(at + len).is_some_and(token)).then_some(len)
}

/// Tags that mark text inline without breaking a word.
const INLINE_TAGS: &[&str] = &[
    "b", "i", "em", "strong", "code", "del", "s", "u", "mark", "span", "ins", "sub", "sup",
    "small", "kbd", "samp", "var",
];

/// The punctuation a Markdown backslash escape at the start of `s` stands for (`\\.`), but for
/// a quote or a backslash, which are a JSON string's own escapes.
fn markdown_escape(s: &str) -> Option<(char, usize)> {
    let c = *s.as_bytes().get(1)?;
    (c.is_ascii_punctuation() && !matches!(c, b'"' | b'\\')).then_some((char::from(c), 2))
}

/// The character a JSON escape at the start of `s` stands for (`\\u003c`, `\\/`), and its
/// length. Escapes of quotes, backslashes and control characters stay as written: they are
/// the file's syntax.
fn json_escape(s: &str) -> Option<(char, usize)> {
    if s.starts_with("\\/") {
        return Some(('/', 2));
    }
    let hex = s.strip_prefix("\\u")?.get(..4)?;
    let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    (!c.is_control() && !matches!(c, '"' | '\\')).then_some((c, 6))
}

/// The character an HTML entity at the start of `s` stands for, and the entity's length.
fn entity(s: &str) -> Option<(char, usize)> {
    let end = s.as_bytes().iter().take(12).position(|&c| c == b';')?;
    let body = &s[1..end];
    let c = if let Some(num) = body.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        char::from_u32(code)?
    } else {
        match body {
            "nbsp" | "ensp" | "emsp" | "thinsp" | "NewLine" | "Tab" => ' ',
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "shy" | "zwj" | "zwnj" | "ZeroWidthSpace" | "lrm" | "rlm" => '\u{200B}',
            "hyphen" | "dash" => '-',
            // The punctuation a host name, an address or an assignment is made of.
            "period" => '.',
            "colon" => ':',
            "commat" => '@',
            "sol" => '/',
            "bsol" => '\\',
            "lowbar" | "UnderBar" => '_',
            "equals" => '=',
            "comma" => ',',
            "semi" => ';',
            "num" => '#',
            "quest" => '?',
            "excl" => '!',
            "dollar" => '$',
            "percnt" => '%',
            "ast" | "midast" => '*',
            "plus" => '+',
            "lpar" => '(',
            "rpar" => ')',
            "lsqb" | "lbrack" => '[',
            "rsqb" | "rbrack" => ']',
            "lcub" | "lbrace" => '{',
            "rcub" | "rbrace" => '}',
            "grave" => '`',
            "verbar" | "vert" => '|',
            _ => return None,
        }
    };
    Some((c, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_entities_and_spaces_fold_away_and_map_back() {
        for text in [
            "so Sam Example paged",
            "so Sam\nExample paged",
            "so Sam&nbsp;Example paged",
            "so Sam  Example paged",
            "so Sam **Example** paged",
            "so <b>Sam</b> <i>Example</i> paged",
            "so SAM EXAMPLE paged",
            "so S\u{430}m Ex\u{430}mple paged",
            "so Sam&#160;Example paged",
        ] {
            let f = Folded::new(text);
            let needle = crate::model::names::fold("Sam Example");
            let at = f
                .text
                .find(&needle)
                .unwrap_or_else(|| panic!("{text:?}: {}", f.text));
            let r = f.original(text, at, at + needle.len());
            let (before, cut, after) = (&text[..r.start], &text[r.clone()], &text[r.end..]);
            assert!(cut.starts_with('S'), "{text:?}: {cut:?}");
            assert!(cut.ends_with(['e', 'E', '*']), "{text:?}: {cut:?}");
            assert!(
                before.ends_with("so ") || before.ends_with("so <b>"),
                "{text:?}"
            );
            assert!(
                after.starts_with(" paged") || after.starts_with("</i> paged"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn references_escapes_and_other_full_stops_read_as_their_characters_and_map_back() {
        let text = "password=&lt;*&gt; Hunt&#101;r2 a&#x200B;b \\u003cx\\u003e a\\/b \\\" & db1。corp%2einternal 5% \
                    db01.**corp**.internal 10.1.<b>2</b>.3 DB_`PASSWORD`=x a * b <b>c</b> \
                    db02\\.corp&period;internal";
        let r = Readable::new(text, true);
        assert_eq!(
            r.text,
            "password=<*> Hunter2 ab <x> a/b \\\" & db1.corp.internal 5% \
             db01.corp.internal 10.1.2.3 DB_PASSWORD=x a * b <b>c</b> db02.corp.internal"
        );
        let at = r.text.find("Hunter2").unwrap();
        assert_eq!(&text[r.original(at..at + 7)], "Hunt&#101;r2");
        assert_eq!(Readable::new(text, false).text.matches("u003c").count(), 1);
        assert!(matches!(
            Readable::new("plain", true).text,
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_lone_angle_bracket_or_ampersand_is_text() {
        assert_eq!(Folded::new("a < b & c").text, "a < b & c");
    }

    #[test]
    fn a_tag_with_attributes_is_text_so_what_it_holds_is_seen() {
        let f = Folded::new("<x Sam Example> and <br/>Sam<b >Example");
        assert_eq!(f.text, "<x sam example> and samexample");
    }
}
