//! An archive built as it grows: incidents are read and written one at a time, the action
//! items are paged, and a broken incident anywhere still stops the whole build.

mod common;

use std::path::Path;

use common::{incident_with_actions as incident, root, run, transcript};

/// An empty archive with `config` as its debrief.toml.
fn archive(tmp: &Path, config: &str) -> std::path::PathBuf {
    let archive = tmp.join("archive");
    std::fs::create_dir_all(&archive).unwrap();
    std::fs::write(archive.join("debrief.toml"), config).unwrap();
    archive
}

fn build(archive: &Path, out: &Path) -> std::process::Output {
    run(
        &root(),
        &[
            "build",
            archive.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--today",
            "2026-12-01",
        ],
    )
}

/// The anchors of the action rows of a page, as `incident#anchor`, in page order.
fn rows(html: &str) -> Vec<String> {
    html.split("<tr")
        .skip(2)
        .filter_map(|row| {
            let href = row.split("href=\"").nth(1)?.split('"').next()?;
            let rest = href.strip_prefix("incidents/")?;
            let (incident, anchor) = rest.split_once("/index.html#")?;
            Some(format!("{incident}#{anchor}"))
        })
        .collect()
}

#[test]
fn a_large_archive_pages_its_action_items_and_loses_none() {
    let tmp = common::scratch();
    let archive = archive(tmp.path(), "title = \"Scale\"\n");
    for n in 0..3 {
        incident(&archive.join(format!("incident-{n}")), n, 450);
    }
    let out = tmp.path().join("site");
    let result = build(&archive, &out);
    assert!(result.status.success(), "{}", transcript(&result));

    let page = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();
    let first = page("actions.html");
    let second = page("actions-2.html");
    assert!(!out.join("actions-3.html").exists());
    assert!(
        first.contains("Items 1 to 1000 of 1350, page 1 of 2."),
        "{first}"
    );
    assert!(first.contains("<a href=\"actions-2.html\" rel=\"next\">"));
    assert!(!first.contains("rel=\"prev\""));
    assert!(second.contains("Items 1001 to 1350 of 1350, page 2 of 2."));
    assert!(second.contains("<a href=\"actions.html\" rel=\"prev\">"));
    assert!(!second.contains("rel=\"next\""));
    // Archive-wide counts on every page: 900 open, of which 540 due before today; each owner
    // has a hundred overdue actions across the archive, which puts the rest of theirs at risk.
    for html in [&first, &second] {
        assert!(
            html.contains("900 open: 540 overdue, 360 at risk"),
            "{html}"
        );
    }

    // Every item exactly once, the overdue first and the done last.
    let (a, b) = (rows(&first), rows(&second));
    assert_eq!((a.len(), b.len()), (1000, 350));
    let mut all: Vec<String> = a.iter().chain(&b).cloned().collect();
    let overdue_rows = first.matches("<tr class=\"overdue\">").count();
    assert_eq!(overdue_rows, 540);
    let last_overdue = first.rfind("<tr class=\"overdue\">").unwrap();
    let first_other = first.find("<tr class=\"at-risk\">").unwrap();
    assert!(last_overdue < first_other, "the overdue come first");
    assert!(second.matches("<tr class=\"overdue\">").next().is_none());
    assert!(b.iter().all(|r| {
        // Item numbers divisible by three are done, and done items sort last.
        let item: usize = r.rsplit_once("a-").unwrap().1.parse().unwrap();
        item.is_multiple_of(3)
    }));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 1350);

    let csv = page("data/actions.csv");
    assert_eq!(csv.lines().count(), 1351);
    let index = page("index.html");
    assert_eq!(index.matches("incidents/incident-").count(), 3, "{index}");
}

#[test]
fn a_small_archive_has_one_actions_page_without_a_pager() {
    let tmp = common::scratch();
    let archive = archive(tmp.path(), "");
    incident(&archive.join("only"), 0, 3);
    let out = tmp.path().join("site");
    let result = build(&archive, &out);
    assert!(result.status.success(), "{}", transcript(&result));
    let html = std::fs::read_to_string(out.join("actions.html")).unwrap();
    assert!(!html.contains("class=\"pager\""));
    assert!(!out.join("actions-2.html").exists());
    assert_eq!(rows(&html).len(), 3);
}

/// Incidents are built while the archive is read; a broken one at the start and one at the end
/// are both reported, and nothing is written, not even a staging folder.
#[test]
fn broken_incidents_anywhere_in_the_archive_stop_the_build_and_are_all_reported() {
    let tmp = common::scratch();
    let archive = archive(tmp.path(), "");
    for n in 1..=40 {
        incident(&archive.join(format!("incident-{n:02}")), n, 2);
    }
    for name in ["incident-00", "incident-99"] {
        std::fs::create_dir_all(archive.join(name)).unwrap();
        std::fs::write(
            archive.join(name).join("incident.toml"),
            "title = \"Broken\"\n[times]\nstarted = \"yesterday\"\n",
        )
        .unwrap();
    }
    let out = tmp.path().join("site");
    let result = build(&archive, &out);
    let text = transcript(&result);
    assert_eq!(result.status.code(), Some(1), "{text}");
    assert!(
        text.contains("2 of 42 incidents have errors; nothing was written"),
        "{text}"
    );
    assert!(text.contains("incident-00"), "{text}");
    assert!(text.contains("incident-99"), "{text}");
    assert!(!out.exists());
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["archive"], "a staging folder was left behind");
}

#[test]
fn a_broken_debrief_toml_stops_the_build_before_any_incident_is_read() {
    let tmp = common::scratch();
    let archive = archive(tmp.path(), "title = [\n");
    incident(&archive.join("one"), 1, 1);
    let out = tmp.path().join("site");
    let result = build(&archive, &out);
    let text = transcript(&result);
    assert_eq!(result.status.code(), Some(1), "{text}");
    assert!(text.contains("debrief.toml has errors"), "{text}");
    assert!(text.contains("debrief.toml:1"), "{text}");
    assert!(!out.exists());
}
