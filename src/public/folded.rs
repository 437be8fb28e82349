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
    fn a_lone_angle_bracket_or_ampersand_is_text() {
        assert_eq!(Folded::new("a < b & c").text, "a < b & c");
    }

    #[test]
    fn a_tag_with_attributes_is_text_so_what_it_holds_is_seen() {
        let f = Folded::new("<x Sam Example> and <br/>Sam<b >Example");
        assert_eq!(f.text, "<x sam example> and samexample");
    }
}
