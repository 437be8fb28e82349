//! The `<!-- internal -->` parts of notes.md: what a public build leaves out, and the markers
//! that are wrong. A marker written almost right (`<!--internal-->`, `<!-- INTERNAL -->`,
//! `<!-- end internal -->`) would publish what someone meant to hide, so it is an error, not
//! a comment.

use std::ops::Range;

/// The marker that starts a part of notes.md left out of public builds, and the one that ends
/// it.
pub const INTERNAL_START: &str = "<!-- internal -->";
pub const INTERNAL_END: &str = "<!-- /internal -->";

/// notes.md without what sits between `<!-- internal -->` and `<!-- /internal -->`, and how
/// many such parts there were. Markers are checked when the incident loads, so they balance.
pub fn without_internal(notes: &str) -> (String, usize) {
    let mut out = String::with_capacity(notes.len());
    let mut rest = notes;
    let mut parts = 0;
    while let Some(start) = rest.find(INTERNAL_START) {
        out.push_str(&rest[..start]);
        parts += 1;
        match rest[start..].find(INTERNAL_END) {
            Some(end) => rest = &rest[start + end + INTERNAL_END.len()..],
            // Unbalanced (only when loading was skipped): leave out the rest, to be safe.
            None => return (out, parts),
        }
    }
    out.push_str(rest);
    (out, parts)
}

/// Byte ranges of markers in notes.md that are wrong: comments that look like a marker but are
/// not exactly one, an end without a start, a start inside another part, a start never ended.
/// For `debrief check` and every build.
pub fn marker_problems(notes: &str) -> Vec<(Range<usize>, &'static str)> {
    let mut problems = near_misses(notes);
    let mut open: Option<usize> = None;
    let mut at = 0;
    loop {
        let next_start = notes[at..].find(INTERNAL_START).map(|i| at + i);
        let next_end = notes[at..].find(INTERNAL_END).map(|i| at + i);
        match (next_start, next_end) {
            (Some(s), e) if e.is_none_or(|e| s < e) => {
                if let Some(o) = open {
                    problems.push((o..o + INTERNAL_START.len(), "this internal part is never ended: the next `<!-- internal -->` comes first"));
                }
                open = Some(s);
                at = s + INTERNAL_START.len();
            }
            (_, Some(e)) => {
                if open.take().is_none() {
                    problems.push((
                        e..e + INTERNAL_END.len(),
                        "`<!-- /internal -->` without a `<!-- internal -->` before it",
                    ));
                }
                at = e + INTERNAL_END.len();
            }
            (_, None) => break,
        }
    }
    if let Some(o) = open {
        problems.push((
            o..o + INTERNAL_START.len(),
            "this internal part is never ended with `<!-- /internal -->`",
        ));
    }
    problems.sort_by_key(|(r, _)| r.start);
    problems
}

/// Comments that are not exactly a marker but read like one: anything from `<!` to the next
/// `>` (`<!-- internal -- >`, `<! -- internal -->`, `<!-- internal --!>`) whose letters, in
/// any case and spacing, say internal (or one letter off: a typo or two letters swapped),
/// private or confidential, perhaps with `/`, `end`, `begin`, `start`, `only`.
fn near_misses(notes: &str) -> Vec<(Range<usize>, &'static str)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(open) = notes[at..].find("<!").map(|i| at + i) {
        let limit = notes.len().min(open + 200);
        let Some(close) = notes[open..limit].find('>').map(|i| open + i + 1) else {
            at = open + 2;
            continue;
        };
        let comment = &notes[open..close];
        at = close;
        if comment == INTERNAL_START || comment == INTERNAL_END {
            continue;
        }
        let letters: String = comment
            .chars()
            .filter(|c| c.is_alphabetic())
            .flat_map(char::to_lowercase)
            .collect();
        let mut word = letters.as_str();
        for _ in 0..3 {
            for affix in [
                "end", "begin", "start", "stop", "only", "of", "section", "part",
            ] {
                word = word
                    .strip_prefix(affix)
                    .or_else(|| word.strip_suffix(affix))
                    .unwrap_or(word);
            }
        }
        let marker_like = strsim::damerau_levenshtein(word, "internal") <= 1
            || word == "private"
            || word == "confidential";
        if marker_like {
            out.push((
                open..close,
                "this comment looks like an internal marker but is not one, so what it means to hide would be published: write exactly `<!-- internal -->` or `<!-- /internal -->`",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_parts_are_dropped_and_bad_markers_named() {
        let notes = "a\n<!-- internal -->\nsecret\n<!-- /internal -->\nb\n";
        assert_eq!(without_internal(notes), ("a\n\nb\n".to_owned(), 1));
        assert!(marker_problems(notes).is_empty());
        let bad = "x <!-- internal --> y";
        assert_eq!(marker_problems(bad)[0].0, 2..19);
        let bad = "x <!-- /internal --> y";
        assert_eq!(marker_problems(bad)[0].0, 2..20);
        let bad = "<!-- internal --> a <!-- internal --> b <!-- /internal -->";
        assert_eq!(marker_problems(bad).len(), 1);
    }

    #[test]
    fn near_misses_are_errors_and_other_comments_are_not() {
        for near in [
            "<!--internal-->",
            "<!-- INTERNAL -->",
            "<!--  internal  -->",
            "<!-- Internal: -->",
            "<!-- end internal -->",
            "<!-- / internal -->",
            "<!-- interal -->",
            "<!-- internal\n-->",
            "<!-- intenral -->",
            "<!-- internal -- >",
            "<!-- internal --!>",
            "<! -- internal -->",
            "<!-- internal only -->",
            "<!-- end of internal -->",
            "<!-- private -->",
        ] {
            let text = format!("a {near} b");
            let p = marker_problems(&text);
            assert_eq!(p.len(), 1, "{near:?}: {p:?}");
            assert_eq!(&text[p[0].0.clone()], near);
        }
        for fine in [
            "<!-- TODO: ask the vendor -->",
            "<!-- internal -->x<!-- /internal -->",
            "<!-- eternal -->x",
        ] {
            let problems = marker_problems(fine);
            assert!(problems.is_empty(), "{fine:?}: {problems:?}");
        }
    }
}
