//! Markdown to safe HTML: comrak (GitHub-flavoured, raw HTML off), then ammonia.
//!
//! Everything people type, in the file or live in the meeting, passes through here before it
//! reaches a page. comrak drops raw HTML; ammonia then removes anything comrak let through that
//! could run (event attributes, `javascript:` links), keeping only plain document markup.

use std::collections::HashSet;
use std::sync::OnceLock;

use comrak::Options;

fn options() -> Options<'static> {
    let mut o = Options::default();
    o.extension.strikethrough = true;
    o.extension.table = true;
    o.extension.autolink = true;
    o.extension.tasklist = true;
    // Raw HTML is left out, not passed through.
    o.render.r#unsafe = false;
    o
}

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.url_schemes(HashSet::from(["http", "https", "mailto"]))
            .link_rel(Some("noopener noreferrer"))
            .add_tag_attributes("input", ["type", "checked", "disabled"])
            .add_tags(["input"]);
        b
    })
}

/// Whether `text` is plain prose: no character that Markdown or HTML gives meaning to, no
/// autolink, nothing that starts a list, quote or heading. Such text renders to itself, and
/// skipping the parser for it makes building large archives several times faster.
fn is_plain(text: &str) -> bool {
    // Bytes that Markdown or HTML give meaning to, as a table: this runs for every text.
    const SPECIAL: [bool; 128] = {
        let mut table = [false; 128];
        let special = b"*_`[]<>!&\\#|~\n\r\t@=";
        let mut i = 0;
        while i < special.len() {
            table[special[i] as usize] = true;
            i += 1;
        }
        table
    };
    let bytes = text.as_bytes();
    let starts_block = matches!(bytes.first(), Some(b'0'..=b'9' | b'-' | b'+' | b'>' | b' '));
    !bytes.is_empty()
        && !starts_block
        && !bytes.last().is_some_and(u8::is_ascii_whitespace)
        && !bytes.iter().any(|&b| b < 128 && SPECIAL[b as usize])
        && !text.contains('\u{a0}')
        && !text.contains("www.")
        // Autolinks: `https://…`, `mailto:…`, `xmpp:…`; a colon alone ("Decision: …") is prose.
        && !text.contains("://")
        && !text.contains("mailto:")
        && !text.contains("xmpp:")
}

/// A Markdown block (summary, impact, notes) as safe HTML.
pub fn block(markdown: &str) -> String {
    if is_plain(markdown) {
        return format!("<p>{markdown}</p>\n");
    }
    full_block(markdown)
}

fn full_block(markdown: &str) -> String {
    cleaner()
        .clean(&comrak::markdown_to_html(markdown, &options()))
        .to_string()
}

/// Inline Markdown (a timeline entry, a factor) as safe HTML without the wrapping paragraph.
pub fn inline(markdown: &str) -> String {
    if is_plain(markdown) {
        return markdown.to_owned();
    }
    let html = full_block(markdown);
    let trimmed = html.trim();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_owned(),
        _ => trimmed.to_owned(),
    }
}

/// Markdown reduced to plain text, for SVG labels and titles.
pub fn plain(markdown: &str) -> String {
    if is_plain(markdown) {
        return markdown.to_owned();
    }
    let html = inline(markdown);
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gfm_features_render() {
        let html =
            block("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ https://example.com\n\n- [x] done");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<del>old</del>"), "{html}");
        assert!(
            html.contains("<a href=\"https://example.com\" rel=\"noopener noreferrer\">"),
            "{html}"
        );
        assert!(html.contains("checkbox"), "{html}");
    }

    #[test]
    fn hostile_markdown_comes_out_inert() {
        let cases = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<svg onload=alert(1)>",
            "[click](javascript:alert(1))",
            "[click](JaVaScRiPt:alert(1))",
            "![x](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "\"onmouseover=alert(1)",
        ];
        for case in cases {
            let html = block(case).to_lowercase();
            for bad in [
                "<script",
                "onerror",
                "onload",
                "javascript:",
                "data:text",
                "<svg",
                "<img src=\"x\"",
            ] {
                assert!(!html.contains(bad), "{case:?} gave {html:?}");
            }
            assert!(!html.contains(" onmouseover="), "{case:?} gave {html:?}");
        }
    }

    /// The shortcut for plain text gives exactly what the parser and sanitiser would.
    #[test]
    fn plain_text_shortcut_matches_the_full_path() {
        let corpus = [
            "Rollout finished: 6 of 6 pods on v4.2.0",
            "Decision: roll back at 14:20, then 14:31",
            "Entry 12: replica 3 reported pool saturation",
            "Decision, roll back to v4.1.3",
            "Status page says \"Some customers cannot complete checkout.\"",
            "It's the pool's limit (40 per pod); we saw 298 of 300",
            "Ünïcode, emoji 🚒 and 'quotes' survive",
            "pool connection deploy latency replica timeout queue cache retry",
            "a b",
            "x",
        ];
        for text in corpus {
            assert!(
                is_plain(text) || text.contains(':'),
                "{text} should take the shortcut"
            );
            if is_plain(text) {
                assert_eq!(
                    inline(text),
                    full_block(text)
                        .trim()
                        .strip_prefix("<p>")
                        .unwrap()
                        .strip_suffix("</p>")
                        .unwrap(),
                    "{text}"
                );
                assert_eq!(block(text), full_block(text), "{text}");
            }
        }
        for text in [
            "- list",
            "1. one",
            "> quote",
            "# heading",
            "a *b*",
            "http://x.y",
            "www.x.org",
            "a\nb",
            " lead",
            "a & b",
            "x@y.z",
            "a\u{a0}b",
            "=== x",
        ] {
            assert!(!is_plain(text), "{text:?} must go through the parser");
        }
    }

    #[test]
    fn inline_drops_the_paragraph() {
        assert_eq!(
            inline("Deploy of **v4.2** starts"),
            "Deploy of <strong>v4.2</strong> starts"
        );
        assert_eq!(plain("Deploy of **v4.2** & `x<y`"), "Deploy of v4.2 & x<y");
    }
}
