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

/// A Markdown block (summary, impact, notes) as safe HTML.
pub fn block(markdown: &str) -> String {
    cleaner()
        .clean(&comrak::markdown_to_html(markdown, &options()))
        .to_string()
}

/// Inline Markdown (a timeline entry, a factor) as safe HTML without the wrapping paragraph.
pub fn inline(markdown: &str) -> String {
    let html = block(markdown);
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

    #[test]
    fn inline_drops_the_paragraph() {
        assert_eq!(
            inline("Deploy of **v4.2** starts"),
            "Deploy of <strong>v4.2</strong> starts"
        );
        assert_eq!(plain("Deploy of **v4.2** & `x<y`"), "Deploy of v4.2 & x<y");
    }
}
