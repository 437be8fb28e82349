//! Rendering: the Tera environment and its themes, Markdown, diagrams and charts, and the
//! contexts that templates see. `build` writes what this produces; `serve` keeps it in memory.

pub mod charts;
pub mod context;
pub mod feeds;
pub mod flow;
pub mod markdown;
pub mod svg;
pub mod table;
pub mod timeline;

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use tera::Tera;

/// The default theme, embedded: (path inside the theme, contents).
const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    (
        "components.html",
        include_str!("../../themes/default/templates/components.html"),
    ),
    (
        "base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "index.html",
        include_str!("../../themes/default/templates/index.html"),
    ),
    (
        "incident.html",
        include_str!("../../themes/default/templates/incident.html"),
    ),
    (
        "actions.html",
        include_str!("../../themes/default/templates/actions.html"),
    ),
    (
        "trends.html",
        include_str!("../../themes/default/templates/trends.html"),
    ),
    (
        "themes.html",
        include_str!("../../themes/default/templates/themes.html"),
    ),
    (
        "service.html",
        include_str!("../../themes/default/templates/service.html"),
    ),
    (
        "status.html",
        include_str!("../../themes/default/templates/status.html"),
    ),
    (
        "search.html",
        include_str!("../../themes/default/templates/search.html"),
    ),
    (
        "report.md",
        include_str!("../../themes/default/templates/report.md"),
    ),
];

/// Macros the default templates import; registered first, since imports are checked as
/// templates are added.
const DEFAULT_STATIC: &[(&str, &[u8])] = &[
    (
        "style.css",
        include_bytes!("../../themes/default/static/style.css"),
    ),
    (
        "search.js",
        include_bytes!("../../themes/default/static/search.js"),
    ),
];

/// A theme: templates plus static files, the default overridden file by file by a folder.
pub struct Theme {
    pub tera: Tera,
    /// Static files: (path inside `static/`, bytes).
    pub statics: Vec<(String, Vec<u8>)>,
}

impl Theme {
    /// The default theme, with `dir/templates/*` and `dir/static/*` laid over it.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Theme> {
        let mut tera = Tera::default();
        // Markdown templates are not HTML: Tera escapes only .html, and report.md escapes user
        // text itself with the `md_*` filters, for the docs sites that build it.
        tera.autoescape_on(vec![".html"]);
        tera.register_filter("md_text", md_text);
        tera.register_filter("md_block", md_block);
        tera.register_filter("md_cell", md_cell);
        tera.register_filter("md_code", md_code);
        tera.register_filter("md_link", md_link);
        tera.register_filter("yaml", yaml);
        tera.add_raw_templates(DEFAULT_TEMPLATES.iter().copied())
            .map_err(|e| anyhow::anyhow!(tera_error(&e)))
            .context("the default theme's templates")?;
        let mut statics: Vec<(String, Vec<u8>)> = DEFAULT_STATIC
            .iter()
            .map(|(n, b)| ((*n).to_owned(), b.to_vec()))
            .collect();
        if let Some(dir) = dir {
            if !dir.is_dir() {
                anyhow::bail!("the theme folder {} does not exist", dir.display());
            }
            let templates = files_under(&dir.join("templates"))?;
            let mut own = Vec::new();
            for (name, path) in &templates {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                own.push((name.clone(), text));
            }
            tera.add_raw_templates(own.iter().map(|(n, t)| (n.as_str(), t.as_str())))
                .map_err(|e| anyhow::anyhow!(tera_error(&e)))
                .with_context(|| {
                    format!(
                        "the templates of the theme in {} (Tera 2 templates; docs/themes.md lists what they get)",
                        dir.display()
                    )
                })?;
            for (name, path) in files_under(&dir.join("static"))? {
                let bytes =
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                match statics.iter_mut().find(|(n, _)| *n == name) {
                    Some(slot) => slot.1 = bytes,
                    None => statics.push((name, bytes)),
                }
            }
        }
        Ok(Theme { tera, statics })
    }
}

/// Files below `dir` (if it exists), by their path relative to it with `/` separators.
fn files_under(dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let path = entry
                .with_context(|| format!("reading {}", d.display()))?
                .path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                let name = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((name, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A short, stable content hash for asset names (FNV-1a, 64 bits).
pub fn content_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:08x}", h >> 32)
}

/// A Tera error with its sources: the top says which template, the sources what went wrong.
pub fn tera_error(e: &tera::Error) -> String {
    // Tera's report starts with its own "error: "; ours already says that.
    let top = e.to_string();
    let mut message = top.strip_prefix("error: ").unwrap_or(&top).to_owned();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

/// `md_text`: plain user text (a title, a name, a lesson) for Markdown, shown exactly as typed
/// by every docs tool (see [`markdown::literal`]). Anything but a string (a missing owner, say)
/// is empty.
fn md_text(value: &tera::Value, _: tera::Kwargs, _: &tera::State) -> String {
    value.as_str().map(markdown::literal).unwrap_or_default()
}

/// `md_block`: Markdown as written (a summary, the notes), kept as Markdown with its text
/// escaped for docs tools (see [`markdown::portable`]).
fn md_block(value: &tera::Value, _: tera::Kwargs, _: &tera::State) -> String {
    value.as_str().map(markdown::portable).unwrap_or_default()
}

/// `md_code`: a log template or a `path:line` as a code span; as escaped text when it holds a
/// backtick, a pipe (a table cell's edge even inside code in GFM) or a line break.
fn md_code(value: &tera::Value, _: tera::Kwargs, _: &tera::State) -> String {
    match value.as_str() {
        Some(text) if !text.is_empty() && !text.contains(['`', '|', '\n', '\r']) => {
            format!("`{text}`")
        }
        Some(text) => markdown::literal(text),
        None => String::new(),
    }
}

/// `yaml`: a value for YAML front matter, as JSON (strings double-quoted, lists in brackets),
/// which YAML reads as the same value, with every string made inert as HTML: docs tools put
/// front-matter values into their pages unescaped (MkDocs the title, MkDocs Material's tags
/// plugin each tag), so `<`, `>`, `&` and quotes become their full-width look-alikes, which
/// read the same and are never markup.
fn yaml(value: &tera::Value, _: tera::Kwargs, _: &tera::State) -> String {
    serde_json::to_string(&inert(value)).unwrap_or_default()
}

/// A quoted YAML string that no docs tool can take for markup (see `yaml`).
pub fn yaml_string(text: &str) -> String {
    serde_json::to_string(&inert_text(text)).unwrap_or_default()
}

/// See `yaml`.
fn inert(value: &tera::Value) -> serde_json::Value {
    match serde_json::to_value(value).unwrap_or_default() {
        serde_json::Value::String(s) => serde_json::Value::String(inert_text(&s)),
        serde_json::Value::Array(items) => serde_json::Value::Array(
            items
                .into_iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => serde_json::Value::String(inert_text(&s)),
                    other => other,
                })
                .collect(),
        ),
        other => other,
    }
}

pub(crate) fn inert_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '<' => '\u{FF1C}',
            '>' => '\u{FF1E}',
            '&' => '\u{FF06}',
            '"' => '\u{FF02}',
            '\'' => '\u{FF07}',
            '`' => '\u{FF40}',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// `md_link`: a web link as a Markdown link in a table cell, `[label](<url>)`: the label is the
/// link's last path segment (a ticket's key, such as `OPS-1412`), and the characters a
/// destination or a table cell cannot hold are percent-encoded. Anything but a string is empty.
fn md_link(value: &tera::Value, _: tera::Kwargs, _: &tera::State) -> String {
    value.as_str().map(markdown_link).unwrap_or_default()
}

/// See `md_link`.
fn markdown_link(url: &str) -> String {
    let label = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty() && !s.contains(':'))
        .unwrap_or("ticket");
    let mut destination = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            // CommonMark decodes entities in a destination: `&` stays `&` as `&amp;`.
            '&' => destination.push_str("&amp;"),
            ' ' | '<' | '>' | '|' | '\\' | '`' | '\n' | '\r' => {
                let mut buf = [0; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    destination.push_str(&format!("%{byte:02X}"));
                }
            }
            c => destination.push(c),
        }
    }
    let label = markdown::literal(label);
    format!("[{label}](<{destination}>)")
}

/// `md_cell`: inline Markdown as written (a timeline entry, an action) on one line, for a
/// table cell or a list item (see [`markdown::portable_inline`]).
fn md_cell(value: &tera::Value, _: tera::Kwargs, _: &tera::State) -> String {
    value
        .as_str()
        .map(markdown::portable_inline)
        .unwrap_or_default()
}
