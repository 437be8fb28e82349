//! `debrief mdbook`: an mdBook preprocessor that removes the YAML front matter of reports.
//!
//! mdBook runs a preprocessor twice: `debrief mdbook supports <renderer>` (exit 0: yes), then
//! `debrief mdbook` with `[context, book]` as JSON on stdin, expecting the book back on stdout.
//! The book is walked as JSON, so the layout of mdBook's chapters (which changed between
//! versions) does not matter: any object with a `content` string is a chapter.

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::Context;

pub fn run(query: &[String]) -> anyhow::Result<ExitCode> {
    if query.first().map(String::as_str) == Some("supports") {
        return Ok(ExitCode::SUCCESS);
    }
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("reading the book from mdBook")?;
    let (_context, mut book): (serde_json::Value, serde_json::Value) =
        serde_json::from_str(&input).context("mdBook's input is not [context, book] as JSON")?;
    strip_chapters(&mut book);
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &book)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Removes the front matter of every chapter below `value`.
fn strip_chapters(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(content)) = map.get_mut("content")
                && let Some(body) = without_front_matter(content)
            {
                *content = body.to_owned();
            }
            map.values_mut().for_each(strip_chapters);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_chapters),
        _ => {}
    }
}

/// The text after a leading `---` … `---` block, if the text starts with one.
pub fn without_front_matter(text: &str) -> Option<&str> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        offset += line.len();
        if line.trim_end() == "---" {
            return Some(&rest[offset..]);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_removed_from_every_chapter_and_nothing_else() {
        assert_eq!(
            without_front_matter("---\ntitle: \"a\"\n---\n\n# A\n"),
            Some("\n# A\n")
        );
        assert_eq!(without_front_matter("# A\n\n---\n"), None);
        assert_eq!(without_front_matter("---\nnever closed\n"), None);
        let mut book = serde_json::json!({"items": [
            {"Chapter": {"name": "A", "content": "---\ntitle: a\n---\nbody A", "sub_items": [
                {"Chapter": {"name": "B", "content": "---\r\nx: 1\r\n---\r\nbody B", "sub_items": []}}
            ]}},
            "Separator",
            {"Chapter": {"name": "C", "content": "no front matter\n---\n", "sub_items": []}}
        ]});
        strip_chapters(&mut book);
        let text = book.to_string();
        assert!(text.contains("\"content\":\"body A\""), "{text}");
        assert!(text.contains("\"content\":\"body B\""), "{text}");
        assert!(
            text.contains("\"content\":\"no front matter\\n---\\n\""),
            "{text}"
        );
    }
}
