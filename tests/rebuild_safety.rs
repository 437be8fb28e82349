//! `debrief build` over its own previous output, when things go wrong: a build that fails part
//! way, links and inputs where the site is, another build at the same time, a build stopped by
//! force. The user's files are never lost, nothing is written through a link, and the next
//! build leaves a clean build's site.

#![cfg(unix)] // The cache knows a site by its folder's inode, and files by theirs.

mod common;
mod rebuild_bench;

use std::path::Path;

use common::{root, transcript};
use rebuild_bench::*;

#[test]
fn a_rebuild_in_place_that_fails_part_way_says_so_and_the_next_draws_it_whole() {
    let bench = Bench::new();
    // Where the edited report goes, a folder (with a file in it) that a file cannot replace;
    // and the incident's folder given back its time, so the cache cannot see the change: as
    // if it came while the build ran.
    let folder = bench.out.join(format!("incidents/{NOTES_EDITED}"));
    let time = std::fs::metadata(&folder).unwrap().modified().unwrap();
    let report = folder.join("index.html");
    std::fs::remove_file(&report).unwrap();
    std::fs::create_dir(&report).unwrap();
    std::fs::write(report.join("keep.txt"), "mine\n").unwrap();
    std::fs::File::open(&folder)
        .unwrap()
        .set_modified(time)
        .unwrap();
    bench.write_notes("# Notes\n\nThe renewal job had no owner.\n");
    let said = bench.build_failing(&bench.cache);
    assert!(
        said.contains("is partly updated; build again to draw it whole"),
        "{said}"
    );
    assert!(beside(&bench).is_empty(), "{:?}", beside(&bench));
    // The next build does not trust the site: it draws every incident and swaps it in whole.
    let said = bench.rebuild_matches_clean(&[], "a failed build in place");
    assert_eq!(kept(&said), 0, "{said}");
}

#[test]
fn a_site_folder_replaced_by_a_link_is_not_written_through() {
    let bench = Bench::new();
    // An incident's folder in the site replaced by a link to a folder elsewhere.
    let elsewhere = bench.tmp.join("elsewhere");
    let folder = bench.out.join(format!("incidents/{NOTES_EDITED}"));
    copy_tree(&folder, &elsewhere);
    std::fs::remove_dir_all(&folder).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &folder).unwrap();
    let before = site(&elsewhere);
    bench.write_notes("# Notes\n\nThe renewal job had no owner.\n");
    bench.rebuild_matches_clean(&[], "a folder replaced by a link");
    assert_eq!(site(&elsewhere), before, "nothing written through the link");
    let meta = std::fs::symlink_metadata(&folder).unwrap();
    assert!(meta.is_dir(), "a folder again, not the link");
}

#[test]
fn a_cache_folder_inside_the_site_is_not_used() {
    let bench = Bench::new();
    let inside = bench.out.join(".cache");
    let output = common::debrief(&root())
        .env("DEBRIEF_CACHE_DIR", &inside)
        .args(["build", bench.incidents().to_str().unwrap(), "--out"])
        .arg(&bench.out)
        .args(["--today", "2026-11-26"])
        .output()
        .unwrap();
    let said = ok(&output);
    assert!(
        said.contains("is inside --out; building without it"),
        "{said}"
    );
    assert!(!inside.exists());
    let replaced: Vec<_> = std::fs::read_dir(&bench.tmp)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("replaced"))
        .collect();
    assert!(replaced.is_empty(), "{replaced:?}");
    assert_eq!(site(&bench.out), bench.clean(&[]));
}

#[test]
fn a_refused_build_reports_what_a_build_without_the_cache_reports() {
    let bench = Bench::new();
    // One incident broken: the build is refused, and says the same with the cache as without.
    bench.edit(TITLE_EDITED, "incident.toml", |t| {
        t.replacen("severity = \"SEV2\"", "severity = 42", 1)
    });
    let before = identities(&bench.out);
    assert_eq!(
        bench.build_failing(&bench.cache),
        bench.build_failing(Path::new(""))
    );
    assert_eq!(identities(&bench.out), before, "the site as it was");
    assert!(beside(&bench).is_empty(), "{:?}", beside(&bench));
}

#[test]
fn incidents_theme_or_settings_inside_the_output_folder_are_refused() {
    let bench = Bench::new();
    // The archive moved into the site's folder: a build would replace it, archive and all.
    let inside = bench.out.join("src");
    copy_tree(&bench.incidents(), &inside);
    settle(&inside);
    let output = common::debrief(&root())
        .env("DEBRIEF_CACHE_DIR", &bench.cache)
        .args(["build", inside.to_str().unwrap(), "--out"])
        .arg(&bench.out)
        .args(["--today", "2026-11-26"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("is inside the output folder") && said.contains("choose an --out outside"),
        "{said}"
    );
    assert_eq!(
        site(&inside),
        site(&bench.incidents()),
        "the archive as it was"
    );
    // A theme there too.
    std::fs::remove_dir_all(&inside).unwrap();
    let theme = bench.out.join("theme");
    std::fs::create_dir_all(theme.join("templates")).unwrap();
    let said = bench.build_failing_with(&bench.cache, &["--theme", theme.to_str().unwrap()]);
    assert!(said.contains("is inside the output folder"), "{said}");
    assert!(theme.join("templates").is_dir());
}

#[test]
fn a_link_where_a_new_incidents_folder_goes_is_not_written_through() {
    let bench = Bench::new();
    let elsewhere = bench.tmp.join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("index.html"), "mine\n").unwrap();
    // A link where the next incident's pages go, the folder's time put back so the cache
    // cannot see it.
    let incidents = bench.out.join("incidents");
    let time = std::fs::metadata(&incidents).unwrap().modified().unwrap();
    let added = "2026-11-30-copy-of-tls-expiry";
    std::os::unix::fs::symlink(&elsewhere, incidents.join(added)).unwrap();
    std::fs::File::open(&incidents)
        .unwrap()
        .set_modified(time)
        .unwrap();
    copy_tree(
        &bench.incidents().join(NOTES_EDITED),
        &bench.incidents().join(added),
    );
    settle(&bench.incidents().join(added));
    let said = bench.build_failing(&bench.cache);
    assert!(
        said.contains("is not a folder the build made")
            && said.contains("the next build replaces it whole"),
        "{said}"
    );
    assert_eq!(
        std::fs::read_to_string(elsewhere.join("index.html")).unwrap(),
        "mine\n"
    );
    assert_eq!(common::files(&elsewhere).len(), 1, "nothing written there");
    let said = bench.rebuild_matches_clean(&[], "a link where a new incident goes");
    assert_eq!(kept(&said), 0, "{said}");
    assert_eq!(common::files(&elsewhere).len(), 1, "nothing written there");
}

#[test]
fn out_as_a_link_or_as_dot_builds_the_folder_itself() {
    let bench = Bench::new();
    // A link to the site: the folder it points to is built, and the link stays.
    let link = bench.tmp.join("public");
    std::os::unix::fs::symlink(&bench.out, &link).unwrap();
    bench.write_notes("# Notes\n\nThe renewal job had no owner.\n");
    let output = common::debrief(&root())
        .env("DEBRIEF_CACHE_DIR", &bench.cache)
        .args(["build", bench.incidents().to_str().unwrap(), "--out"])
        .arg(&link)
        .args(["--today", "2026-11-26"])
        .output()
        .unwrap();
    ok(&output);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(site(&bench.out), bench.clean(&[]));

    // The site's own folder as `.`: built there, with nothing left inside.
    bench.write_notes("# Notes\n\nThe renewal job now has an owner.\n");
    let output = common::debrief(&bench.out)
        .env("DEBRIEF_CACHE_DIR", &bench.cache)
        .args(["build", bench.incidents().to_str().unwrap(), "--out", "."])
        .args(["--today", "2026-11-26"])
        .output()
        .unwrap();
    ok(&output);
    assert_eq!(site(&bench.out), bench.clean(&[]));
    assert!(beside(&bench).is_empty(), "{:?}", beside(&bench));
}

#[test]
fn what_a_build_stopped_by_force_left_beside_the_site_is_removed() {
    let bench = Bench::new();
    // A process that has ended, and the folders a build by it would have left.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    for what in ["staging", "old"] {
        let left = bench.tmp.join(format!(".site.{what}-{pid}"));
        std::fs::create_dir_all(left.join("incidents")).unwrap();
        std::fs::write(left.join("index.html"), "half\n").unwrap();
    }
    // A folder of a build still running (this test's own process) stays.
    let running = bench
        .tmp
        .join(format!(".site.staging-{}", std::process::id()));
    std::fs::create_dir(&running).unwrap();
    bench.write_notes("# Notes\n\nThe renewal job had no owner.\n");
    bench.build(&[]);
    assert_eq!(
        beside(&bench),
        vec![format!(".site.staging-{}", std::process::id())]
    );
}
