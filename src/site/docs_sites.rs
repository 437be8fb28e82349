//! What docs tools read beside the reports in `incidents/` (docs/docs-sites.md):
//!
//! - `SUMMARY.md`: mdBook's table of contents, newest first.
//! - `index.md`: a home page that lists the reports, for MkDocs and Docusaurus (mdBook reads
//!   only what `SUMMARY.md` names).
//! - `mkdocs.yml`: configuration a site's own `mkdocs.yml` inherits (`INHERIT:`): navigation
//!   titled by the incidents' titles, and the site's other files (the HTML reports, JSON,
//!   these files) kept out of the docs.
//! - `sidebars.json`: Docusaurus' sidebar (its docs plugin's `sidebarPath`): the home page,
//!   then each report labelled by its date and title, not by its folder.

use crate::render::context::IncidentSummary;
use crate::render::markdown::literal;

/// The files, as (path in the site, text), for the incidents newest first.
pub fn files(title: &str, newest: &[&IncidentSummary]) -> [(&'static str, String); 4] {
    [
        ("incidents/SUMMARY.md", mdbook_summary(newest)),
        ("incidents/index.md", home_page(title, newest)),
        ("incidents/mkdocs.yml", mkdocs(title, newest)),
        ("incidents/sidebars.json", docusaurus_sidebar(title, newest)),
    ]
}

/// "2026-11-03 Title", or the title alone when the date is not known.
fn label(s: &IncidentSummary) -> String {
    if s.date.is_empty() {
        s.title.clone()
    } else {
        format!("{} {}", s.date, s.title)
    }
}

fn mdbook_summary(newest: &[&IncidentSummary]) -> String {
    let mut out = String::from("# Summary\n\n");
    for s in newest {
        out.push_str(&format!("- [{}]({}/report.md)\n", literal(&label(s)), s.id));
    }
    out
}

/// The reports as a list, newest first, with severity and status. Text is written as typed
/// with [`literal`], as report.md is: safe in MkDocs, mdBook and MDX alike.
fn home_page(title: &str, newest: &[&IncidentSummary]) -> String {
    let mut out = format!(
        "---\ntitle: {}\n---\n\n# {}\n\n",
        crate::render::yaml_string(title),
        literal(title)
    );
    if newest.is_empty() {
        out.push_str("No incidents yet.\n");
    }
    for s in newest {
        let mut facts: Vec<String> = Vec::new();
        if let Some(severity) = &s.severity {
            facts.push(literal(severity));
        }
        facts.push(literal(&s.status));
        if let Some(duration) = &s.duration {
            facts.push(literal(duration));
        }
        out.push_str(&format!(
            "- [{}]({}/report.md) · {}\n",
            literal(&label(s)),
            s.id,
            facts.join(" · ")
        ));
    }
    out
}

/// MkDocs configuration to inherit: the navigation, and what is not a page.
fn mkdocs(title: &str, newest: &[&IncidentSummary]) -> String {
    let mut out = String::from(
        "# Written by `debrief build`. Inherit it from your mkdocs.yml:\n\
         #   INHERIT: site/incidents/mkdocs.yml\n\
         nav:\n",
    );
    let entry =
        |label: &str, path: &str| format!("  - {}: {path}\n", crate::render::yaml_string(label));
    out.push_str(&entry(title, "index.md"));
    for s in newest {
        out.push_str(&entry(&label(s), &format!("{}/report.md", s.id)));
    }
    // The HTML reports and the data beside the Markdown are the static site's, not pages.
    out.push_str("exclude_docs: |\n  /SUMMARY.md\n  /mkdocs.yml\n  *.html\n  *.json\n");
    out
}

/// Docusaurus' sidebar: one sidebar, `postmortems`, of the home page and the reports. A doc's
/// id is its path without `.md`. Docusaurus shows a label as text in the sidebar, but also
/// writes it unescaped into the page's JSON-LD breadcrumbs, so its `<`, `>`, `&` and quotes
/// are their full-width look-alikes, as in the MkDocs navigation.
fn docusaurus_sidebar(title: &str, newest: &[&IncidentSummary]) -> String {
    let doc = |id: String, label: String| serde_json::json!({"type": "doc", "id": id, "label": crate::render::inert_text(&label)});
    let items: Vec<serde_json::Value> = std::iter::once(doc("index".into(), title.to_owned()))
        .chain(
            newest
                .iter()
                .map(|s| doc(format!("{}/report", s.id), label(s))),
        )
        .collect();
    let mut out = serde_json::to_string_pretty(&serde_json::json!({ "postmortems": items }))
        .unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(id: &str, title: &str, date: &str) -> IncidentSummary {
        IncidentSummary {
            id: id.into(),
            title: title.into(),
            severity: Some("SEV2".into()),
            severity_rank: 1,
            status: "review".into(),
            date: date.into(),
            duration: Some("38m".into()),
            duration_seconds: 2280,
            open_actions: 0,
            tags: Vec::new(),
        }
    }

    #[test]
    fn the_docusaurus_sidebar_names_each_report_by_its_title_and_never_as_markup() {
        let a = summary(
            "2026-11-03-a",
            "Pool </script><b>exhausted</b>",
            "2026-11-03",
        );
        let sidebar = docusaurus_sidebar("Reviews", &[&a]);
        let json: serde_json::Value = serde_json::from_str(&sidebar).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"postmortems": [
                {"type": "doc", "id": "index", "label": "Reviews"},
                {"type": "doc", "id": "2026-11-03-a/report",
                 "label": "2026-11-03 Pool ＜/script＞＜b＞exhausted＜/b＞"},
            ]})
        );
    }

    #[test]
    fn titles_are_written_as_typed_and_never_markup() {
        let a = summary(
            "2026-11-03-a",
            "Pool <b>exhausted</b>: *all* \"checkouts\"",
            "2026-11-03",
        );
        let b = summary("b", "No date", "");
        let [(_, toc), (_, home), (_, nav), _] = files("Postmortems", &[&a, &b]);
        assert_eq!(
            toc,
            "# Summary\n\n- [2026-11-03 Pool &lt;b&gt;exhausted&lt;/b&gt;: &#42;all&#42; &quot;checkouts&quot;](2026-11-03-a/report.md)\n- [No date](b/report.md)\n"
        );
        assert!(
            home.starts_with("---\ntitle: \"Postmortems\"\n---\n\n# Postmortems\n\n"),
            "{home}"
        );
        assert!(
            home.contains("- [No date](b/report.md) · SEV2 · review · 38m\n"),
            "{home}"
        );
        assert!(
            nav.contains("  - \"2026-11-03 Pool ＜b＞exhausted＜/b＞: *all* ＂checkouts＂\": 2026-11-03-a/report.md\n"),
            "{nav}"
        );
        assert!(nav.contains("  - \"Postmortems\": index.md\n"), "{nav}");
    }
}
