//! Markdown to safe HTML: comrak (GitHub-flavoured, raw HTML off), then ammonia.
//!
//! Everything people type, in the file or live in the meeting, passes through here before it
//! reaches a page. comrak shows raw HTML as text; ammonia then removes anything comrak let
//! through that could run (event attributes, `javascript:` links), keeping only plain document
//! markup. [`portable`] writes Markdown back out for the docs sites that build `report.md`.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::OnceLock;

use comrak::Options;

fn options() -> Options<'static> {
    let mut o = Options::default();
    o.extension.strikethrough = true;
    o.extension.table = true;
    o.extension.autolink = true;
    o.extension.tasklist = true;
    // Raw HTML is shown as the text it is, as typed, not passed through (nor dropped: a
    // timeline entry about `<limits>` keeps the word).
    o.render.r#unsafe = false;
    o.render.escape = true;
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

/// A document of ATX headings and one-line paragraphs of plain prose (see [`is_plain`]),
/// separated by single blank lines, as notes often are: its blocks as (heading level, text),
/// level 0 for a paragraph. `None` for anything else, which goes through the parser.
fn plain_blocks(markdown: &str) -> Option<Vec<(usize, &str)>> {
    let body = markdown.strip_suffix('\n').unwrap_or(markdown);
    body.split("\n\n")
        .map(|chunk| {
            let hashes = chunk.bytes().take_while(|&b| b == b'#').count();
            let (level, text) = match hashes {
                0 => (0, chunk),
                1..=6 => (hashes, chunk[hashes..].strip_prefix(' ')?),
                _ => return None,
            };
            is_plain(text).then_some((level, text))
        })
        .collect()
}

/// A Markdown block (summary, impact, notes) as safe HTML.
pub fn block(markdown: &str) -> String {
    if let Some(blocks) = plain_blocks(markdown) {
        let mut html = String::with_capacity(markdown.len() + blocks.len() * 10);
        for (level, text) in blocks {
            // Plain text holds nothing to escape for HTML text.
            let _ = match level {
                0 => writeln!(html, "<p>{text}</p>"),
                n => writeln!(html, "<h{n}>{text}</h{n}>"),
            };
        }
        return html;
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

/// Plain text for a Markdown file that docs sites build (MkDocs, mdBook, Docusaurus' MDX):
/// every character those parsers would read as syntax is written as an HTML character
/// reference, which all of them turn back into the character. Backslash escapes would not do:
/// Python-Markdown (MkDocs) does not honour them before quotes or `<`, and MDX reads `{` as
/// code. This covers HTML (`<`, `&`), emphasis and code (`*`, `_`, `` ` ``, `~`), links (`[`,
/// `]`), table cells (`|`), MDX expressions (`{`, `}`), smart punctuation (quotes, `--`,
/// `...`) and what starts a block at the start of a line (`#`, `-`, `+`, `=`, `1.`). Line
/// breaks become spaces.
pub fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut prev = None;
    let mut digits_only = true;
    // Text between references is copied a run at a time.
    let mut copied = 0;
    for (i, c) in text.char_indices() {
        let first = i == 0;
        let reference = match c {
            '&' => Some("&amp;"),
            '<' => Some("&lt;"),
            '>' => Some("&gt;"),
            '"' => Some("&quot;"),
            '\'' => Some("&#39;"),
            '{' => Some("&#123;"),
            '}' => Some("&#125;"),
            '|' => Some("&#124;"),
            '*' => Some("&#42;"),
            '_' => Some("&#95;"),
            '`' => Some("&#96;"),
            '[' => Some("&#91;"),
            ']' => Some("&#93;"),
            '\\' => Some("&#92;"),
            '~' => Some("&#126;"),
            '$' => Some("&#36;"),
            '#' if first => Some("&#35;"),
            '+' | '=' if first => Some(if c == '+' { "&#43;" } else { "&#61;" }),
            '-' if first || prev == Some('-') => Some("&#45;"),
            '.' if prev == Some('.') || (digits_only && !first) => Some("&#46;"),
            ')' if digits_only && !first => Some("&#41;"),
            '\n' | '\r' => Some(" "),
            _ => None,
        };
        if let Some(r) = reference {
            out.push_str(&text[copied..i]);
            out.push_str(r);
            copied = i + c.len_utf8();
        }
        digits_only &= c.is_ascii_digit();
        prev = Some(c);
    }
    out.push_str(&text[copied..]);
    out
}

/// Markdown as written (a summary, notes) for a Markdown file that docs sites build: the
/// structure (paragraphs, lists, emphasis, links, code, tables) is kept, every piece of text is
/// written as [`literal`] does, and raw HTML becomes visible text, as it does on the HTML
/// report. Code keeps its characters: code is not parsed by any of the docs tools.
pub fn portable(markdown: &str) -> String {
    if let Some(blocks) = plain_blocks(markdown) {
        let mut out = String::with_capacity(markdown.len() + markdown.len() / 8);
        for (i, (level, text)) in blocks.into_iter().enumerate() {
            if i > 0 {
                out.push_str("\n\n");
            }
            for _ in 0..level {
                out.push('#');
            }
            if level > 0 {
                out.push(' ');
            }
            out.push_str(&literal(text));
        }
        out.push('\n');
        return out;
    }
    let arena = comrak::Arena::new();
    let mut opts = options();
    // A bare URL stays text: docs tools link it themselves, and MDX has no `<url>` autolinks.
    opts.extension.autolink = false;
    // MDX has no indented code: code blocks are fenced.
    opts.render.prefer_fenced = true;
    let root = comrak::parse_document(&arena, markdown, &opts);
    let nodes: Vec<_> = root.descendants().collect();
    for node in nodes {
        let value = node.data().value.clone();
        use comrak::nodes::NodeValue;
        match value {
            NodeValue::Text(text) => {
                node.data_mut().value = NodeValue::HtmlInline(literal(&text));
            }
            NodeValue::HtmlInline(html) => {
                node.data_mut().value = NodeValue::HtmlInline(literal(&html));
            }
            NodeValue::HtmlBlock(block) => {
                node.data_mut().value = NodeValue::Paragraph;
                let text = literal(block.literal.trim_end());
                let child = arena.alloc(
                    comrak::nodes::Ast::new(
                        NodeValue::HtmlInline(text),
                        node.data().sourcepos.start,
                    )
                    .into(),
                );
                node.append(child);
            }
            _ => {}
        }
    }
    let mut out = String::new();
    // Formatting into a String cannot fail.
    let _ = comrak::format_commonmark(root, &opts, &mut out);
    out
}

/// The heading level of a report's sections (`## Impact`, `## Timeline`, …).
const SECTION: usize = 2;

/// How far `levels` (of headings, in order, with whether the document starts with one) move
/// down so that notes fit under the report's sections: the first heading becomes a section
/// heading, or, when text comes first and `## Notes` goes above it, a subsection.
fn notes_shift(min_level: Option<usize>, starts_with_heading: bool) -> usize {
    let top = if starts_with_heading {
        SECTION
    } else {
        SECTION + 1
    };
    min_level.map_or(0, |level| top.saturating_sub(level))
}

/// Notes (notes.md) as a section of the report, in its heading scheme: its headings move down
/// so that the highest becomes a section heading (`# Notes` → `## Notes`, its `##` → `###`;
/// never past `######`), and notes that do not start with a heading get `## Notes` above them.
pub fn as_section(markdown: &str) -> String {
    let title = format!("{} Notes", "#".repeat(SECTION));
    if let Some(blocks) = plain_blocks(markdown) {
        let starts = blocks.first().is_some_and(|b| b.0 > 0);
        let shift = notes_shift(blocks.iter().map(|b| b.0).filter(|&l| l > 0).min(), starts);
        let mut out = String::with_capacity(markdown.len() + 16);
        if !starts {
            out.push_str(&title);
            out.push_str("\n\n");
        }
        for (i, (level, text)) in blocks.into_iter().enumerate() {
            if i > 0 {
                out.push_str("\n\n");
            }
            if level > 0 {
                out.push_str(&"#".repeat((level + shift).min(6)));
                out.push(' ');
            }
            out.push_str(text);
        }
        out.push('\n');
        return out;
    }
    use comrak::nodes::NodeValue;
    let arena = comrak::Arena::new();
    let opts = options();
    let root = comrak::parse_document(&arena, markdown, &opts);
    let level = |n: &comrak::nodes::AstNode<'_>| match &n.data().value {
        NodeValue::Heading(h) => Some(usize::from(h.level)),
        _ => None,
    };
    let starts = root.first_child().is_some_and(|n| level(n).is_some());
    let shift = notes_shift(root.descendants().filter_map(level).min(), starts);
    if shift > 0 {
        for node in root.descendants() {
            if let NodeValue::Heading(h) = &mut node.data_mut().value {
                h.level = (usize::from(h.level) + shift).min(6) as u8;
            }
        }
    }
    let mut out = String::new();
    if !starts {
        out.push_str(&title);
        out.push_str("\n\n");
    }
    // Formatting into a String cannot fail.
    let _ = comrak::format_commonmark(root, &opts, &mut out);
    out
}

/// Like [`portable`], on one line: for a table cell or a list item.
pub fn portable_inline(markdown: &str) -> String {
    if is_plain(markdown) {
        return literal(markdown);
    }
    portable(markdown)
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_take_the_reports_heading_levels() {
        // As `debrief new` writes them: `# Notes` becomes a section, its parts subsections.
        let from_new = "# Notes\n\nThe story.\n\n## Background\n\n## What happened\n";
        let want = "## Notes\n\nThe story.\n\n### Background\n\n### What happened\n";
        assert_eq!(as_section(from_new), want);
        // The same through the parser (a list is not plain).
        let listed = "# Notes\n\n- one\n- two\n\n## Background\n";
        assert_eq!(
            as_section(listed),
            "## Notes\n\n- one\n- two\n\n### Background\n"
        );
        // Text first: a heading above it, and its headings under that.
        assert_eq!(
            as_section("Prose first.\n\n# Later\n"),
            "## Notes\n\nProse first.\n\n### Later\n"
        );
        assert_eq!(
            as_section("- a list first\n\n# Later\n"),
            "## Notes\n\n- a list first\n\n### Later\n"
        );
        // Already below the sections: left as written; never past level 6.
        assert_eq!(as_section("### Deep\n\nText.\n"), "### Deep\n\nText.\n");
        assert_eq!(as_section("# A\n\n###### Six\n"), "## A\n\n###### Six\n");
    }

    proptest::proptest! {
        /// Documents of headings and paragraphs of plain prose skip the parser, and come out
        /// exactly as the parser would write them, in HTML and as portable Markdown.
        #[test]
        fn plain_documents_skip_the_parser_with_the_same_output(
            blocks in proptest::collection::vec(
                (0usize..8, proptest::collection::vec(
                    proptest::prop_oneof![
                        // Mostly prose, so that most documents take the plain path.
                        12 => proptest::sample::select(vec![
                            "pool", "Queue", "p99", "2s", "v4.2", "--flag", "it's",
                            "\"quoted\"", "a.b", "x,", "10.", "(note)", "$5", "50%", "été",
                            "(", "?", "-", "...", "{x}", ":", ";", "'", "Decision:", "1.",
                        ]),
                        1 => proptest::sample::select(vec![
                            "a|b", "*", "<b>", "#", "www.example.com", "https://x.io", "_x_",
                        ]),
                    ],
                    1..8,
                )),
                1..6,
            ),
            blank in proptest::bool::ANY,
        ) {
            let doc: Vec<String> = blocks
                .iter()
                .map(|(level, words)| {
                    let text = words.join(" ");
                    match level {
                        0..=5 => text,
                        n => format!("{} {text}", "#".repeat(n - 5)),
                    }
                })
                .collect();
            let mut doc = doc.join("\n\n");
            if blank {
                doc.push('\n');
            }
            if plain_blocks(&doc).is_some() {
                proptest::prop_assert_eq!(block(&doc), full_block(&doc));
                // The parser's path, forced by a block that is not plain.
                let slow = portable(&format!("{doc}\n\n* x"));
                let fast = portable(&doc);
                proptest::prop_assert_eq!(
                    slow.strip_suffix("\n\n  - x\n").or(slow.strip_suffix("\n\n- x\n")),
                    Some(fast.strip_suffix('\n').unwrap_or(&fast)),
                    "{:?}", slow
                );
            }
        }
    }

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
            // Raw HTML may show as text; no tag that reaches the browser may carry it.
            let tags: Vec<&str> = html
                .split('<')
                .skip(1)
                .map(|t| t.split('>').next().unwrap_or(t))
                .collect();
            for tag in &tags {
                for bad in [
                    "script",
                    "onerror",
                    "onload",
                    "onmouseover",
                    "javascript:",
                    "data:text",
                    "svg",
                    "src=\"x\"",
                ] {
                    assert!(!tag.contains(bad), "{case:?} gave {html:?}");
                }
            }
        }
        // What was typed stays visible.
        assert_eq!(
            block("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;\n"
        );
    }

    /// Text in report.md reaches every docs tool's page as typed: each character those tools
    /// would read as syntax is a character reference, while the Markdown's own structure stays.
    #[test]
    fn portable_markdown_escapes_text_and_keeps_structure() {
        assert_eq!(
            literal("a {b} <c> | d -- e... \"f\" 'g' *h* `i` [j] 🚒"),
            "a &#123;b&#125; &lt;c&gt; &#124; d -&#45; e.&#46;&#46; &quot;f&quot; &#39;g&#39; \
             &#42;h&#42; &#96;i&#96; &#91;j&#93; 🚒"
        );
        // What would start a block at the start of a line is escaped there only.
        assert_eq!(literal("- x-y"), "&#45; x-y");
        assert_eq!(literal("1. one 2. two"), "1&#46; one 2. two");
        assert_eq!(literal("# x #y"), "&#35; x #y");
        assert_eq!(literal("line\nbreak"), "line break");
        assert_eq!(
            portable("Run `a --b {c}` **now** -- <x>\n\n```\n{raw} <x>\n```\n"),
            "Run `a --b {c}` **now** -&#45; &lt;x&gt;\n\n```\n{raw} <x>\n```\n"
        );
        assert_eq!(portable("<!-- note -->\n"), "&lt;!-&#45; note -&#45;&gt;\n");
        assert_eq!(portable_inline("a\n*b* | c"), "a *b* &#124; c");
        // A bare URL stays as typed; MDX has no `<url>` autolinks.
        assert_eq!(
            portable_inline("see <https://x.example/a> and https://y.example"),
            "see [https://x.example/a](https://x.example/a) and https://y.example"
        );
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
