//! People's names as people type them: one comparison for the meeting (is this the name of
//! someone in `[[people]]`?) and for public builds (is this a name to take out?).
//!
//! Two spellings are the same name when they fold to the same text: Unicode compatibility
//! forms composed (NFKC), invisible characters (zero-width spaces and joiners, bidi controls,
//! soft hyphens) dropped, any run of whitespace (a no-break space, a line break, a double
//! space) read as one space, case folded, and look-alike letters mapped to one skeleton by
//! Unicode's confusables table (UTS #39), so that a Cyrillic `а` is a Latin `a`.

use unicode_normalization::UnicodeNormalization;

/// Whether `c` shows nothing: format characters (zero-width space and joiners, bidi marks and
/// overrides, the byte order mark, soft hyphen) and variation selectors.
pub fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{E0000}'..='\u{E007F}')
}

/// The folded form of one character, appended to `out`: compatibility-composed, case folded,
/// accents dropped (`é` is `e`), and a letter of another script mapped to the Latin letter it
/// looks like (its confusable skeleton). ASCII stays as it is but for case, so that ordinary
/// words never fold into one another (the skeleton reads `m` as `rn` and `1` as `l`).
/// Whitespace becomes a space; invisible characters nothing.
pub fn fold_char_into(c: char, out: &mut String) {
    if invisible(c) {
        return;
    }
    if c.is_whitespace() {
        out.push(' ');
        return;
    }
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    let mut buf = [0u8; 4];
    let decomposed: String = c
        .encode_utf8(&mut buf)
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect();
    for c in decomposed.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        for lower in c.to_lowercase() {
            for s in unicode_security::skeleton(lower.encode_utf8(&mut buf)) {
                // A skeleton's own letters are compared as they are: `m` stays `m`.
                out.extend(s.to_lowercase());
            }
        }
    }
}

/// The folded form of a name: two names are the same when these are equal.
///
/// ```
/// use debrief::model::names::fold;
/// assert_eq!(fold("Sam  Example"), fold("sam\u{a0}EXAMPLE"));
/// assert_eq!(fold("Sam Example"), fold("S\u{430}m Ex\u{430}mple")); // Cyrillic а
/// assert_eq!(fold("Sam Example"), fold("Sam\u{200b} Example"));
/// assert_ne!(fold("Sam Example"), fold("Sam Exemple"));
/// ```
pub fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        fold_char_into(c, &mut out);
    }
    let mut collapsed = String::with_capacity(out.len());
    for word in out.split(' ').filter(|w| !w.is_empty()) {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    collapsed
}

/// Whether two spellings are the same name.
pub fn same(a: &str, b: &str) -> bool {
    fold(a) == fold(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_people_type_are_one_name() {
        for other in [
            "sam example",
            "SAM EXAMPLE",
            "Sam  Example",
            " Sam Example ",
            "Sam\u{a0}Example",
            "Sam\nExample",
            "S\u{430}m Ex\u{430}mple",
            "Sa\u{200b}m Example",
            "\u{202e}Sam Example",
            "Ｓａｍ Ｅｘａｍｐｌｅ",
            "Sám Exâmple",
        ] {
            assert!(same("Sam Example", other), "{other:?}");
        }
        assert!(!same("Sam Example", "Sam Examples"));
        assert!(!same("Sam Example", "Pam Example"));
        // Ordinary words stay apart: the skeleton would read `m` as `rn`, `1` as `l`.
        assert!(!same("Tom", "torn"));
        assert!(!same("Lo", "10"));
        assert!(!same("Dom", "dorn"));
    }
}
