//! `debrief build`: the pages, their links, escaping, and the rules for the output folder.

mod common;

use std::path::{Path, PathBuf};

use common::{files, root, run, transcript};

/// Builds `path` into a fresh temporary folder with a fixed "today".
fn build(path: &Path) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    common::build_site(path, &out);
    (tmp, out)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

#[test]
fn the_sample_report_is_stable() {
    let (_tmp, out) = build(&root().join("sample-incident"));
    let dir = out.join("incidents/sample-incident");
    insta::assert_snapshot!("sample-report-html", read(&dir.join("index.html")));
    insta::assert_snapshot!("sample-report-md", read(&dir.join("report.md")));
    insta::assert_snapshot!("sample-timeline-svg", read(&dir.join("timeline.svg")));
    insta::assert_snapshot!("sample-flow-svg", read(&dir.join("flow.svg")));
    insta::assert_snapshot!(
        "sample-timeline-narrow-svg",
        read(&dir.join("timeline-narrow.svg"))
    );
    insta::assert_snapshot!("sample-flow-narrow-svg", read(&dir.join("flow-narrow.svg")));
    // The report shows the flow diagram, and report.md links the ones drawn for a docs column.
    assert!(read(&dir.join("index.html")).contains("<img src=\"flow.svg\""));
    assert!(read(&dir.join("report.md")).contains("](flow-narrow.svg)"));
    assert!(read(&dir.join("report.md")).contains("](timeline-narrow.svg)"));
    // The inline diagram is the standalone one, with links into the same page, and its font
    // from the page's stylesheet rather than inside it.
    let standalone = read(&dir.join("timeline.svg")).replace("index.html#", "#");
    let (head, rest) = standalone
        .split_once("<style>@font-face")
        .expect("embedded font");
    let tail = &rest[rest.find("</style>").expect("style ends") + "</style>".len()..];
    let inline = format!("{head}{tail}");
    let page = read(&dir.join("index.html"));
    assert!(page.contains(inline.trim_end()));
    assert!(
        !page.contains("<style>"),
        "no second copy of the font in the page"
    );
    let css = page.split_once("href=\"../../assets/style.").unwrap().1;
    let css = read(&out.join(format!("assets/style.{}", &css[..css.find('"').unwrap()])));
    assert!(css.contains("@font-face{font-family:debrief-sans;src:url(data:font/woff2;base64,"));
}

#[test]
fn the_site_has_the_documented_layout() {
    let (_tmp, out) = build(&root().join("sample-incident"));
    for file in [
        "index.html",
        "actions.html",
        "trends.html",
        "data/incidents.json",
        "data/actions.csv",
        "incidents/sample-incident/index.html",
        "incidents/sample-incident/timeline.svg",
        "incidents/sample-incident/flow.svg",
        "incidents/sample-incident/report.md",
        "incidents/sample-incident/incident.json",
        "incidents/SUMMARY.md",
        "themes.html",
        "tags/database.html",
        "search.html",
        "search/docs.js",
        "search/words.js",
        "search/w/p.js",
    ] {
        assert!(out.join(file).is_file(), "{file} is missing");
    }
    let assets: Vec<String> = files(&out.join("assets"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(assets.len(), 2, "{assets:?}");
    for (name, stem, ext) in [(&assets[0], "search", "js"), (&assets[1], "style", "css")] {
        assert!(
            name.starts_with(&format!("{stem}."))
                && name.ends_with(&format!(".{ext}"))
                && name.len() == stem.len() + ext.len() + 10,
            "{name}"
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&read(&out.join("incidents/sample-incident/incident.json"))).unwrap();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["times"]["started"], "2026-11-03T13:02:00Z");
    assert_eq!(json["durations_seconds"]["to_detect"], 424);
    let csv = read(&out.join("data/actions.csv"));
    assert_eq!(csv.lines().count(), 7, "a header and six actions:\n{csv}");
    // a-4 is due 2026-11-27 and open: due soon on 2026-11-26; a-5 (due 2026-11-24) is overdue.
    let actions = read(&out.join("actions.html"));
    assert!(
        actions.contains("6 open") || actions.contains("5 open"),
        "{actions}"
    );
    assert!(actions.contains("1 overdue, 1 at risk"), "{actions}");
    assert!(
        actions.contains(r#"<a class="ticket" href="https://tracker.example/OPS-1412">ticket</a>"#),
        "each action links its ticket: {actions}"
    );
}

/// Every relative href and src in every page points at a file of the site.
#[test]
fn every_internal_link_resolves() {
    let (_tmp, out) = build(&root().join("sample-incident"));
    let link = regex::Regex::new(r##"(?:href|src)="([^"#]*)(#[^"]*)?""##).unwrap();
    let anchor = regex::Regex::new(r##"href="#([^"]+)""##).unwrap();
    let mut checked = 0;
    for page in files(&out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html" || e == "svg"))
    {
        let html = read(&page).replace("&#x2F;", "/");
        for cap in link.captures_iter(&html) {
            let target = &cap[1].replace("&#x2F;", "/").replace("&amp;", "&");
            if target.is_empty()
                || target.starts_with("http://")
                || target.starts_with("https://")
                || target.starts_with("mailto:")
            {
                continue;
            }
            assert!(
                !target.starts_with('/'),
                "{}: absolute link {target}",
                page.display()
            );
            let resolved = page.parent().unwrap().join(target.as_str());
            assert!(
                resolved.is_file(),
                "{}: {target} does not resolve",
                page.display()
            );
            checked += 1;
        }
        // In-page anchors point at elements that exist.
        for cap in anchor.captures_iter(&html) {
            assert!(
                html.contains(&format!("id=\"{}\"", &cap[1])),
                "{}: #{} has no target",
                page.display(),
                &cap[1]
            );
        }
    }
    assert!(checked > 20, "only {checked} links checked");
}

#[test]
fn hostile_text_comes_out_inert_in_html_svg_and_markdown() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("2026-11-03-xss");
    std::fs::create_dir(&dir).unwrap();
    let payload = r#"<script>alert(1)</script> <img src=x onerror=alert(2)> \"onmouseover=alert(3) [x](javascript:alert(4)) <svg onload=alert(5)>"#;
    let toml = format!(
        r#"title = "{payload}"
timezone = "UTC"
summary = "{payload}"
services = ["{payload}"]
tags = ["{payload}"]
[times]
started = 2026-11-03T13:00:00Z
[impact]
text = "{payload}"
[[people]]
handle = "p1"
name = "{payload}"
role = "{payload}"
[[timeline]]
id = "t-1"
at = 2026-11-03T13:00:00Z
text = "{payload}"
by = "{payload}"
key = true
[[factors]]
id = "f-1"
text = "{payload}"
events = ["t-1"]
[[actions]]
id = "a-1"
text = "{payload}"
owner = "{payload}"
ticket = "javascript:alert(6)"
due = 2026-12-01
kind = "detect"
[lessons]
lucky = ["{payload}"]
"#
    );
    std::fs::write(dir.join("incident.toml"), toml).unwrap();
    std::fs::write(dir.join("notes.md"), payload).unwrap();
    let (_keep, out) = build(&dir);
    let event_attribute = regex::Regex::new(r"<[a-z][^>]*\son[a-z]+\s*=").unwrap();
    let own_script =
        regex::Regex::new(r#"<script src="assets/search\.[0-9a-f]{8}\.js"></script>"#).unwrap();
    for page in files(&out) {
        let mut text = read(&page).to_lowercase();
        let name = page.display().to_string();
        if name.ends_with("report.md") {
            // YAML front matter is data that docs tools put into pages unescaped (MkDocs the
            // title, MkDocs Material every tag): no value may hold markup. The Markdown after
            // it is markup.
            let (front, body) = text.split_once("\n---\n").expect("front matter");
            for line in front.lines().skip(1) {
                let (key, value) = line.split_once(": ").expect("key: value");
                if key == "date" {
                    // Written from a parsed date, a YAML date: no text of the incident's.
                    assert!(value.parse::<jiff::civil::Date>().is_ok(), "{name}: {line}");
                    continue;
                }
                assert!(
                    serde_json::from_str::<serde_json::Value>(value).is_ok(),
                    "{name}: {line} is a quoted value"
                );
                assert!(
                    !value.contains(['<', '>', '&', '\'', '`'])
                        && !value
                            .trim_matches(['[', ']'])
                            .split("\",\"")
                            .any(|v| v.trim_matches('"').contains('"')),
                    "{name}: {line} holds markup"
                );
            }
            text = body.to_owned();
        }
        if name.contains("/search/") && name.ends_with(".js") {
            // The search index: one call whose argument is JSON, so hostile text stays inside
            // its strings; the file is a script of its own, never part of a page. (The text
            // is lowered here.)
            let json = text
                .strip_prefix("debriefsearchindex(\"")
                .and_then(|t| t.split_once("\","))
                .and_then(|(_, t)| t.strip_suffix(");\n"));
            assert!(
                json.is_some_and(|j| serde_json::from_str::<serde_json::Value>(j).is_ok()),
                "{name} is not one call with JSON"
            );
            continue;
        }
        if name.ends_with(".json") || name.ends_with(".csv") || name.ends_with(".ics") {
            continue; // data, not markup; consumers escape for their own output
        }
        // The search page's own script is the one script tag a page may have.
        let text = own_script.replace_all(&text, "");
        assert!(!text.contains("<script"), "{name} has a script tag");
        assert!(!text.contains("<img src=x"), "{name} has a raw img tag");
        assert!(!text.contains("<svg onload"), "{name} has a raw svg tag");
        assert!(
            !text.contains("href=\"javascript:"),
            "{name} links to javascript:"
        );
        assert!(
            !event_attribute.is_match(&text),
            "{name} has an event attribute: {:?}",
            event_attribute.find(&text)
        );
    }
}

#[test]
fn the_output_folder_is_never_wiped_or_taken_over() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("docs");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("mine.txt"), "keep me").unwrap();
    let sample = root().join("sample-incident");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "build",
            sample.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--today",
            "2026-11-26",
        ];
        a.extend_from_slice(extra);
        a.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let refused = common::debrief(&root()).args(args(&[])).output().unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        transcript(&refused).contains("is not empty and was not made by `debrief build`"),
        "{}",
        transcript(&refused)
    );
    assert_eq!(read(&out.join("mine.txt")), "keep me");

    // --force replaces it, but keeps the old folder beside it.
    let forced = common::debrief(&root())
        .args(args(&["--force"]))
        .output()
        .unwrap();
    assert_eq!(forced.status.code(), Some(0), "{}", transcript(&forced));
    assert!(out.join("index.html").is_file());
    let kept: Vec<PathBuf> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("docs.replaced-"))
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(read(&kept[0].join("mine.txt")), "keep me");

    // Its own output is rebuilt without --force.
    let again = common::debrief(&root()).args(args(&[])).output().unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", transcript(&again));

    // A build that fails (a broken theme) leaves the previous site whole.
    let theme = tmp.path().join("theme/templates");
    std::fs::create_dir_all(&theme).unwrap();
    std::fs::write(theme.join("incident.html"), "{% extends \"base.html\" %}{% block main %}{{ incident.title | nosuchfilter }}{% endblock main %}").unwrap();
    let before = read(&out.join("index.html"));
    let broken = common::debrief(&root())
        .args(args(&[
            "--theme",
            tmp.path().join("theme").to_str().unwrap(),
        ]))
        .output()
        .unwrap();
    assert_eq!(broken.status.code(), Some(1), "{}", transcript(&broken));
    assert_eq!(read(&out.join("index.html")), before);
    let leftovers: Vec<PathBuf> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// `debrief build` of the sample into `out` with the theme folder `theme`.
/// A build keeps some of what it gathers in temporary files; where none can be made, it says so
/// and stops, and the previous site stays as it was, with nothing left beside it.
#[test]
fn a_build_without_a_temporary_folder_stops_and_keeps_the_previous_site() {
    let (tmp, out) = build(&root().join("sample-incident"));
    let before = read(&out.join("index.html"));
    let sample = root().join("sample-incident");
    let build_with = |temporary: &Path| {
        let args = [
            "build",
            sample.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        common::debrief(&root())
            .args(args)
            .args(["--today", "2026-11-26"])
            .env("TMPDIR", temporary)
            // Without the build cache, which would find nothing changed and write nothing.
            .env("DEBRIEF_CACHE_DIR", "")
            .output()
            .unwrap()
    };
    let failed = build_with(&tmp.path().join("missing"));
    assert_eq!(failed.status.code(), Some(1), "{}", transcript(&failed));
    assert!(
        transcript(&failed).contains("creating a temporary file for the build")
            && transcript(&failed).contains("set TMPDIR"),
        "{}",
        transcript(&failed)
    );
    assert_eq!(read(&out.join("index.html")), before);
    let beside: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(beside, ["site"], "nothing is left beside the site");

    // With a temporary folder, the build leaves nothing in it.
    let temporary = tmp.path().join("temporary");
    std::fs::create_dir(&temporary).unwrap();
    let built = build_with(&temporary);
    assert_eq!(built.status.code(), Some(0), "{}", transcript(&built));
    assert_eq!(read(&out.join("index.html")), before);
    assert_eq!(std::fs::read_dir(&temporary).unwrap().count(), 0);
}

fn build_sample_with_theme(out: &Path, theme: &Path) -> std::process::Output {
    let sample = root().join("sample-incident");
    run(
        &root(),
        &[
            "build",
            sample.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--theme",
            theme.to_str().unwrap(),
        ],
    )
}

#[test]
fn a_theme_overrides_file_by_file() {
    let tmp = tempfile::tempdir().unwrap();
    let theme = tmp.path().join("theme");
    std::fs::create_dir_all(theme.join("static")).unwrap();
    std::fs::write(
        theme.join("static/style.css"),
        "body { color: rebeccapurple; }",
    )
    .unwrap();
    std::fs::write(theme.join("static/logo.txt"), "logo").unwrap();
    let out = tmp.path().join("site");
    let result = build_sample_with_theme(&out, &theme);
    assert_eq!(result.status.code(), Some(0), "{}", transcript(&result));
    let assets: Vec<String> = files(&out.join("assets")).iter().map(|p| read(p)).collect();
    // The theme's stylesheet, with the diagrams' font added after its own rules.
    assert!(
        assets
            .iter()
            .any(|css| css.starts_with("body { color: rebeccapurple; }")
                && css.contains("@font-face{font-family:debrief-sans;")),
        "{:?}",
        assets
            .iter()
            .map(|a| &a[..a.len().min(80)])
            .collect::<Vec<_>>()
    );
    assert!(assets.contains(&"logo".to_owned()));
    // The templates it did not override are the default ones.
    assert!(read(&out.join("index.html")).contains("Sort by:"));
}

#[test]
fn an_archive_with_a_broken_incident_builds_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let result = run(
        &root(),
        &[
            "build",
            root().join("tests/fixtures/broken").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(result.status.code(), Some(1));
    assert!(
        transcript(&result).contains("have errors; nothing was written"),
        "{}",
        transcript(&result)
    );
    assert!(!out.exists());
}

/// A rebuild links the files that came out the same from the previous build (same inode,
/// same modification time), writes the rest anew without touching the old ones, and the site
/// is byte for byte what a fresh build makes.
#[cfg(unix)]
#[test]
fn a_rebuild_reuses_unchanged_files_and_matches_a_fresh_build() {
    use std::collections::BTreeMap;
    use std::os::unix::fs::MetadataExt as _;

    let tmp = tempfile::tempdir().unwrap();
    let incident = tmp.path().join("checkout-outage");
    std::fs::create_dir(&incident).unwrap();
    common::copy_sample(&incident);
    let out = tmp.path().join("site");
    let build_into = |out: &Path| common::build_site(&incident, out);
    let snapshot = |out: &Path| -> BTreeMap<String, (u64, Vec<u8>)> {
        files(out)
            .into_iter()
            .map(|p| {
                let rel = p.strip_prefix(out).unwrap().to_string_lossy().into_owned();
                (
                    rel,
                    (
                        std::fs::metadata(&p).unwrap().ino(),
                        std::fs::read(&p).unwrap(),
                    ),
                )
            })
            .collect()
    };
    build_into(&out);
    let first = snapshot(&out);
    let report = "incidents/checkout-outage/index.html";
    // Someone holds on to the old report (a link the build does not know about): it must keep
    // the old text, so the build never writes into a file of the previous site.
    let held = tmp.path().join("held.html");
    std::fs::hard_link(out.join(report), &held).unwrap();

    std::fs::write(
        incident.join("notes.md"),
        "## Follow-up\n\nA new paragraph of notes.\n",
    )
    .unwrap();
    build_into(&out);
    let second = snapshot(&out);
    assert_eq!(
        std::fs::read(&held).unwrap(),
        first[report].1,
        "the old report was written into"
    );

    let fresh = tmp.path().join("fresh");
    build_into(&fresh);
    let fresh = snapshot(&fresh);
    assert_eq!(
        second.keys().collect::<Vec<_>>(),
        fresh.keys().collect::<Vec<_>>()
    );
    let mut reused = 0;
    for (rel, (ino, bytes)) in &second {
        assert!(bytes == &fresh[rel].1, "{rel} differs from a fresh build");
        let (old_ino, old_bytes) = &first[rel];
        if old_bytes == bytes {
            assert_eq!(ino, old_ino, "{rel} is unchanged but was written again");
            reused += 1;
        } else {
            assert_ne!(ino, old_ino, "{rel} changed in place");
        }
    }
    assert_ne!(
        second[report].1, first[report].1,
        "the notes are in the report"
    );
    assert!(reused >= 10, "only {reused} files reused");
}

/// A theme written for Tera 1 is refused with the file, the place and what debrief expects.
#[test]
fn a_tera_1_theme_is_refused_with_the_place_of_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let templates = tmp.path().join("theme/templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("incident.html"),
        "{% extends \"base.html\" %}\n{% import \"macros.html\" as m %}\n",
    )
    .unwrap();
    let out = tmp.path().join("site");
    let result = build_sample_with_theme(&out, &tmp.path().join("theme"));
    let text = transcript(&result);
    assert_eq!(result.status.code(), Some(1), "{text}");
    for needle in ["Tera 2 templates", "Unknown tag", "incident.html:2:4"] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    assert!(!text.contains("error: error:"), "{text}");
    assert!(!out.exists(), "nothing is written");
}

/// A ticket link of 2,000 characters, with characters that mean something to Markdown, to a
/// table and to HTML, reaches the page that a CommonMark renderer (comrak, with GFM tables)
/// makes of report.md exactly as written, in its own cell.
#[test]
fn ticket_links_in_report_md_reach_the_page_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tickets");
    std::fs::create_dir(&dir).unwrap();
    common::copy_sample(&dir);
    let url = format!(
        "https://tracker.example/browse/OPS-1412?q=a|b&sort=c d&x=<y>&copy;&z=`]`#{}",
        "k".repeat(1900)
    );
    let toml = read(&dir.join("incident.toml")).replace(
        "ticket   = \"https://tracker.example/OPS-1412\"",
        &format!("ticket = {}", toml_string(&url)),
    );
    assert!(
        toml.contains("OPS-1412?q="),
        "the sample's ticket is in place"
    );
    std::fs::write(dir.join("incident.toml"), toml).unwrap();
    let (_keep, out) = build(&dir);
    let md = read(&out.join("incidents/tickets/report.md"));

    let mut options = comrak::Options::default();
    options.extension.table = true;
    let html = comrak::markdown_to_html(&md, &options);
    let row = html
        .split("<tr>")
        .find(|row| row.contains("Alert on connection-pool saturation") && row.contains("href"))
        .expect("the action's row");
    assert_eq!(row.matches("<td").count(), 8, "{row}");
    let href = row
        .split("href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link in the row");
    let href = href
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let decoded = percent_encoding::percent_decode_str(&href)
        .decode_utf8()
        .unwrap();
    assert_eq!(decoded, url);
    assert!(row.contains(">OPS-1412</a>"), "{row}");
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// The build writes mdBook's SUMMARY.md beside the reports: one line per report, newest
/// first, each path a report that exists, each title escaped like the reports' text.
#[test]
fn summary_md_lists_every_report_newest_first() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    for (id, date, title) in [
        ("2026-10-01-older", "2026-10-01", "Older <one> -- first"),
        ("2026-11-03-newer", "2026-11-03", "Newer one"),
    ] {
        let dir = archive.join(id);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("incident.toml"),
            format!(
                "title = {}\n[times]\nstarted = {date}T10:00:00Z\n",
                toml_string(title)
            ),
        )
        .unwrap();
    }
    let (_keep, out) = build(&archive);
    let summary = read(&out.join("incidents/SUMMARY.md"));
    assert_eq!(
        summary,
        "# Summary\n\n\
         - [2026-11-03 Newer one](2026-11-03-newer/report.md)\n\
         - [2026-10-01 Older &lt;one&gt; -&#45; first](2026-10-01-older/report.md)\n"
    );
    for id in ["2026-11-03-newer", "2026-10-01-older"] {
        assert!(out.join("incidents").join(id).join("report.md").is_file());
    }
}

/// Each report lists the incidents that share its services, tags or factor categories, with
/// what they share, in HTML and in report.md.
#[test]
fn reports_list_related_incidents_and_what_they_share() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    std::fs::create_dir_all(archive.join("2026-11-03-checkout")).unwrap();
    common::copy_sample(&archive.join("2026-11-03-checkout"));
    for (id, services, tags) in [
        ("2026-10-01-db", "[\"postgres\"]", "[\"database\"]"),
        ("2026-09-01-unrelated", "[\"search\"]", "[\"ui\"]"),
    ] {
        let dir = archive.join(id);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("incident.toml"),
            format!("title = \"{id}\"\nservices = {services}\ntags = {tags}\n[times]\nstarted = {}T10:00:00Z\n", &id[..10]),
        )
        .unwrap();
    }
    let (_keep, out) = build(&archive);
    let html = read(&out.join("incidents/2026-11-03-checkout/index.html"));
    assert!(
        html.contains("<a href=\"../2026-10-01-db/index.html\">2026-10-01-db</a> <span class=\"date\">2026-10-01</span><br><small>Shares service postgres; tag database</small>"),
        "{html}"
    );
    assert!(!html.contains("2026-09-01-unrelated"));
    let md = read(&out.join("incidents/2026-10-01-db/report.md"));
    assert!(
        md.contains("- [Checkout API returned 500s for 38 minutes](../2026-11-03-checkout/report.md) (2026-11-03): shares service postgres; tag database"),
        "{md}"
    );
}

/// Every tag gets a page of the archive with only its incidents, linked from every index page
/// and from each incident's row; tags that would share a file name get their own.
#[test]
fn the_archive_filters_by_tag() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    for (id, tags) in [
        ("2026-10-01-a", "[\"Database\", \"on call\"]"),
        ("2026-10-02-b", "[\"database\"]"),
        ("2026-10-03-c", "[]"),
    ] {
        let dir = archive.join(id);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("incident.toml"),
            format!(
                "title = \"{id}\"\ntags = {tags}\n[times]\nstarted = {}T10:00:00Z\n",
                &id[..10]
            ),
        )
        .unwrap();
    }
    let (_keep, out) = build(&archive);
    let index = read(&out.join("index.html"));
    for (file, label) in [
        ("tags/database.html", "#Database (1)"),
        ("tags/database-2.html", "#database (1)"),
        ("tags/on-call.html", "#on call (1)"),
    ] {
        assert!(
            index.contains(&format!(
                "<a class=\"badge tag\" href=\"{file}\">{label}</a>"
            )),
            "{file} in {index}"
        );
    }
    let page = read(&out.join("tags/on-call.html"));
    assert!(page.contains("Incidents tagged <span class=\"badge tag\">#on call</span>"));
    assert!(page.contains("href=\"../incidents/2026-10-01-a/index.html\""));
    assert!(!page.contains("2026-10-02-b"));
    assert!(!page.contains("2026-10-03-c"));
    assert!(page.contains("<a href=\"../index.html\">All incidents</a>"));
}

/// themes.html gives each factor category's time to resolve as a spread, and groups factors of
/// different incidents that say nearly the same.
#[test]
fn themes_show_categories_as_distributions_and_repeated_factors() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    for (n, minutes) in [10, 20, 30, 40, 600].iter().enumerate() {
        let dir = archive.join(format!("2026-10-0{}-i{n}", n + 1));
        std::fs::create_dir_all(&dir).unwrap();
        let text = if n < 3 {
            format!("The connection pool of service {n} was exhausted under peak load")
        } else {
            format!("A runbook step {n} was missing")
        };
        let category = if n < 3 { "technical" } else { "process" };
        std::fs::write(
            dir.join("incident.toml"),
            format!(
                "title = \"i{n}\"\n[times]\nstarted = 2026-10-0{d}T10:00:00Z\nresolved = 2026-10-0{d}T{h:02}:{m:02}:00Z\n\
                 [[factors]]\nid = \"f-1\"\ntext = \"{text}\"\ncategory = \"{category}\"\n",
                d = n + 1,
                h = 10 + minutes / 60,
                m = minutes % 60
            ),
        )
        .unwrap();
    }
    let (_keep, out) = build(&archive);
    let page = read(&out.join("themes.html"));
    // Technical: 10, 20, 30 minutes; process: 40 minutes and 10 hours.
    assert!(
        page.contains("<tr><th scope=\"row\">technical</th><td>3 <small>(60 %)</small></td><td>3</td><td>10m</td><td>20m</td><td>30m</td><td>30m</td></tr>"),
        "{page}"
    );
    assert!(
        page.contains("<tr><th scope=\"row\">process</th><td>2 <small>(40 %)</small></td><td>2</td><td>40m</td>"),
        "{page}"
    );
    assert!(page.contains("<svg"), "the histogram");
    let repeated = page.split("id=\"recurring\"").nth(1).unwrap();
    assert!(repeated.contains("In 3 incidents"), "{repeated}");
    assert!(repeated.contains("In 2 incidents"), "{repeated}");
    assert!(repeated.contains("href=\"incidents/2026-10-01-i0/index.html#f-1\""));
    assert!(!page.contains("average time"), "no averages");
}

/// The incident folders are spread over the disk: `incidents/` carries the "top of a
/// directory tree" flag (`chattr +T`) where the file system has it (ext4), so a build right
/// after the previous one was deleted does not crowd its files among the freed inodes.
#[cfg(target_os = "linux")]
#[test]
fn the_incidents_folder_asks_for_its_subfolders_to_be_spread() {
    // Inside the target folder: on disk, where `/tmp` may be tmpfs.
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let out = tmp.path().join("site");
    common::build_site(&root().join("sample-incident"), &out);
    let folder = std::fs::File::open(out.join("incidents")).unwrap();
    match rustix::fs::ioctl_getflags(&folder) {
        Ok(flags) => assert!(flags.contains(rustix::fs::IFlags::TOPDIR), "{flags:?}"),
        // tmpfs and others have no inode flags: nothing to ask for, and nothing to check.
        Err(e) => eprintln!("skipped: {} has no inode flags ({e})", tmp.path().display()),
    }
}

/// feed.xml holds the 50 newest incidents that are not drafts, newest first.
#[test]
fn the_feed_holds_the_newest_fifty_and_no_drafts() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    for n in 0..56 {
        let date = jiff::civil::date(2026, 1, 1) + jiff::Span::new().days(n);
        let dir = archive.join(format!("{date}-i{n}"));
        std::fs::create_dir_all(&dir).unwrap();
        // The newest is a draft.
        let status = if n == 55 { "draft" } else { "published" };
        std::fs::write(
            dir.join("incident.toml"),
            format!(
                "title = \"i{n}\"\nstatus = \"{status}\"\n[times]\nstarted = {date}T10:00:00Z\n"
            ),
        )
        .unwrap();
    }
    let (_keep, out) = build(&archive);
    let feed = read(&out.join("feed.xml"));
    assert_eq!(feed.matches("<entry>").count(), 50, "{feed}");
    let first = feed.split("<entry>").nth(1).unwrap();
    assert!(first.contains("<title>i54</title>"), "{first}");
    assert!(!feed.contains("<title>i55</title>"), "the draft");
}

/// A postmortem is announced when it is published: an old incident published today comes
/// first, dated by its `published` day; one still in review is not in the feed.
#[test]
fn the_feed_announces_a_postmortem_when_it_is_published() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    for (name, extra) in [
        (
            "2026-09-01-old",
            "status = \"published\"\npublished = 2026-11-20\ntimezone = \"Europe/Berlin\"",
        ),
        ("2026-11-01-recent", "status = \"published\""),
        ("2026-11-10-in-review", "status = \"review\""),
    ] {
        let dir = archive.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("incident.toml"),
            format!(
                "title = \"{name}\"\n{extra}\n[times]\nstarted = {}T10:00:00Z\nresolved = {}T11:00:00Z\n",
                &name[..10],
                &name[..10]
            ),
        )
        .unwrap();
    }
    let (_keep, out) = build(&archive);
    let feed = read(&out.join("feed.xml"));
    let entries: Vec<&str> = feed.split("<entry>").skip(1).collect();
    assert_eq!(entries.len(), 2, "{feed}");
    assert!(
        entries[0].contains("<title>2026-09-01-old</title>"),
        "{feed}"
    );
    // Midnight of the day it was published, in its zone.
    assert!(
        entries[0].contains("<updated>2026-11-19T23:00:00Z</updated>"),
        "{feed}"
    );
    assert!(
        entries[1].contains("<updated>2026-11-01T11:00:00Z</updated>"),
        "{feed}"
    );
    assert!(
        feed.contains("  <updated>2026-11-19T23:00:00Z</updated>"),
        "the feed's own date"
    );
}

/// A service or tag of any length gets a page: its file name is cut well below what a file
/// system takes, and two long names that start alike get two pages.
#[test]
fn long_service_and_tag_names_get_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    let long = "x".repeat(251);
    let cyrillic = format!("{}a", "ж".repeat(126));
    let cyrillic_b = format!("{}b", "ж".repeat(126));
    for (n, services) in [[&long, &cyrillic], [&cyrillic_b, &long]]
        .iter()
        .enumerate()
    {
        let dir = archive.join(format!("2026-10-0{}-i{n}", n + 1));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("incident.toml"),
            format!(
                "title = \"i{n}\"\nservices = [\"{}\", \"{}\"]\ntags = [\"{}\"]\n[times]\nstarted = 2026-10-0{}T10:00:00Z\n",
                services[0],
                services[1],
                services[1],
                n + 1
            ),
        )
        .unwrap();
    }
    let (_keep, out) = build(&archive);
    let pages: Vec<String> = std::fs::read_dir(out.join("services"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // A page and a feed per service.
    assert_eq!(pages.len(), 6, "{pages:?}");
    let feeds: Vec<String> = pages
        .iter()
        .filter(|p| p.ends_with(".xml"))
        .cloned()
        .collect();
    let pages: Vec<String> = pages.into_iter().filter(|p| p.ends_with(".html")).collect();
    assert_eq!(feeds.len(), 3, "{feeds:?}");
    assert!(pages.iter().all(|p| p.len() < 255), "{pages:?}");
    let index = read(&out.join("index.html"));
    for page in &pages {
        assert!(
            index.contains(&format!("services/{page}")),
            "{page} is linked"
        );
    }
}
