//! `debrief build` over its own previous output: only what changed is drawn again, and the site
//! is byte for byte the one a clean build makes, whatever changed; with nothing changed, no file
//! is written at all.

#![cfg(unix)] // The cache knows a site by its folder's inode, and files by theirs.

mod common;
mod rebuild_bench;

use common::root;
use rebuild_bench::*;

#[test]
fn a_rebuild_is_a_clean_build_whatever_changed() {
    let bench = Bench::new();

    // One incident's notes, written, then edited: only that incident is drawn again.
    bench.write_notes("# Notes\n\nThe renewal job had no owner.\n");
    let said = bench.rebuild_matches_clean(&[], "writing one incident's notes");
    assert_eq!(kept(&said), 13, "{said}");
    bench.edit(NOTES_EDITED, "notes.md", |t| {
        t + "\nThe renewal job now pages the owner a week ahead.\n"
    });
    let said = bench.rebuild_matches_clean(&[], "editing one incident's notes");
    assert_eq!(kept(&said), 13, "{said}");

    // One incident's title: it shows in the related incidents of others, which are drawn
    // again; the rest are kept.
    bench.edit(TITLE_EDITED, "incident.toml", |t| {
        t.lines()
            .map(|l| match l.strip_prefix("title") {
                Some(rest) if rest.trim_start().starts_with('=') => {
                    l.replacen('"', "\"Renamed: ", 1)
                }
                _ => l.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    });
    let said = bench.rebuild_matches_clean(&[], "editing one incident's title");
    assert!((1..14).contains(&kept(&said)), "{said}");

    // An action item's status: the actions pages, the calendar and the CSV show it.
    bench.edit(TITLE_EDITED, "incident.toml", |t| {
        t.replacen("status   = \"open\"", "status   = \"in-progress\"", 1)
    });
    let said = bench.rebuild_matches_clean(&[], "moving an action item on");
    assert_eq!(kept(&said), 13, "{said}");

    // An incident added, under a new name.
    let added = bench.incidents().join("2026-11-30-copy-of-tls-expiry");
    copy_tree(&bench.incidents().join(NOTES_EDITED), &added);
    settle(&added);
    let said = bench.rebuild_matches_clean(&[], "adding an incident");
    assert!(said.contains("for 15 incidents"), "{said}");
    assert!(kept(&said) >= 1, "{said}");

    // An incident renamed: its old pages go, its new ones come.
    let renamed = bench.incidents().join("2026-12-01-renamed-copy");
    std::fs::rename(&added, &renamed).unwrap();
    let said = bench.rebuild_matches_clean(&[], "renaming an incident");
    assert!(
        !bench
            .out
            .join("incidents/2026-11-30-copy-of-tls-expiry")
            .exists()
    );
    assert!(kept(&said) >= 1, "{said}");

    // An incident removed.
    std::fs::remove_dir_all(&renamed).unwrap();
    let said = bench.rebuild_matches_clean(&[], "removing an incident");
    assert!(said.contains("for 14 incidents"), "{said}");

    // A tag no other incident has, taken off: its page goes.
    assert!(bench.out.join("tags/runbooks.html").is_file());
    bench.edit(
        "2026-09-29-edge-dns-provider-outage",
        "incident.toml",
        |t| t.replacen(", \"runbooks\"]", "]", 1),
    );
    bench.rebuild_matches_clean(&[], "taking a tag off");
    assert!(!bench.out.join("tags/runbooks.html").exists());

    // A file added to an incident's folder: its logs are part of it.
    std::fs::create_dir_all(bench.incidents().join(NOTES_EDITED).join("logs")).unwrap();
    std::fs::write(
        bench.incidents().join(NOTES_EDITED).join("logs/extra.log"),
        "2026-10-08T09:00:00Z ERROR certificate expired\n",
    )
    .unwrap();
    settle(&bench.incidents().join(NOTES_EDITED));
    let said = bench.rebuild_matches_clean(&[], "adding a file to an incident's folder");
    assert_eq!(kept(&said), 13, "{said}");
}

/// What a build says it kept of the archive-wide pages: `index, actions and trends pages`.
fn pages_kept(said: &str) -> String {
    said.split_once("as were the ")
        .or_else(|| said.split_once("(the "))
        .and_then(|(_, rest)| rest.split_once(" pages"))
        .map_or_else(String::new, |(pages, _)| pages.to_owned())
}

#[test]
fn each_kind_of_edit_draws_again_only_the_archive_pages_that_show_it() {
    let bench = Bench::new();
    let edit = |find: &str, replace: &str| {
        bench.edit(TITLE_EDITED, "incident.toml", |t| {
            assert!(t.contains(find), "{find}");
            t.replacen(find, replace, 1)
        })
    };
    // Each edit, and the archive-wide pages that do not show what it changes. Every rebuild
    // is compared with a clean build, so a page left as it was that shows the change fails.
    let cases: [(&str, &str, &str, &str); 8] = [
        (
            "summary",
            "summary  = \"\"\"\n",
            "summary  = \"\"\"\nFirst, the edit. ",
            "index, actions, exports, trends and docs",
        ),
        (
            "a factor's text",
            "each opening its own connections",
            "each opening a pool of its own",
            "index, feeds, status, docs and search",
        ),
        (
            "a factor's category",
            "category = \"technical\"",
            "category = \"process\"",
            "index, actions, exports, feeds, status and docs",
        ),
        (
            "the services",
            "services = [\"checkout-api\", \"postgres\"]",
            "services = [\"checkout-api\", \"postgres\", \"email\"]",
            "actions, exports, feeds and docs",
        ),
        (
            "the time it was resolved",
            "resolved  = 2026-09-15T20:52:00",
            "resolved  = 2026-09-15T20:58:00",
            "search",
        ),
        (
            "the impact",
            "started   = 2026-09-15T19:40:00",
            "started   = 2026-09-15T19:41:00",
            "search",
        ),
        (
            "the severity",
            "severity = \"SEV2\"",
            "severity = \"SEV1\"",
            "",
        ),
        (
            "an action item's owner",
            "owner    = \"tomas\"",
            "owner    = \"priya\"",
            "index, feeds, status, docs and search",
        ),
    ];
    for (what, find, replace, kept_pages) in cases {
        edit(find, replace);
        let said = bench.rebuild_matches_clean(&[], &format!("editing {what}"));
        // Some edits change what relates incidents, and other reports with it.
        assert!((1..14).contains(&kept(&said)), "{what}: {said}");
        assert_eq!(pages_kept(&said), kept_pages, "{what}: {said}");
    }
    // Nothing in the pages changed, but the build still read the records: every page kept.
    bench.edit(TITLE_EDITED, "incident.toml", |t| t + "\n# A comment.\n");
    let said = bench.rebuild_matches_clean(&[], "adding a comment");
    assert_eq!(
        pages_kept(&said),
        "index, actions, exports, trends, feeds, status, docs and search",
        "{said}"
    );
}

#[test]
fn settings_theme_date_and_version_each_draw_everything_again() {
    let bench = Bench::new();

    // debrief.toml.
    let config = bench.archive.join("debrief.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("title = \"Reviews, renamed\"\n{text}")).unwrap();
    let said = bench.rebuild_matches_clean(&[], "changing debrief.toml");
    assert_eq!(kept(&said), 0, "{said}");

    // A theme, then a change to it.
    let theme = bench.tmp.join("theme");
    std::fs::create_dir_all(theme.join("static")).unwrap();
    std::fs::write(theme.join("static/extra.css"), "body { color: #222; }\n").unwrap();
    let with_theme = ["--theme", theme.to_str().unwrap()];
    bench.build(&with_theme);
    std::fs::write(theme.join("static/extra.css"), "body { color: #111; }\n").unwrap();
    let said = bench.rebuild_matches_clean(&with_theme, "changing the theme");
    assert_eq!(kept(&said), 0, "{said}");

    // Another date to judge action items against.
    let said = bench.rebuild_matches_clean(&["--theme", theme.to_str().unwrap()], "nothing");
    assert!(said.contains("Nothing changed"), "{said}");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_debrief"))
        .current_dir(root())
        .env("DEBRIEF_CACHE_DIR", &bench.cache)
        .args(["build", bench.incidents().to_str().unwrap(), "--out"])
        .arg(&bench.out)
        .args(["--today", "2026-12-24", "--theme", theme.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(kept(&ok(&output)), 0);

    // Another debrief: the binary copied is another file, as an upgrade is.
    bench.build(&[]);
    let said = bench.build(&[]);
    assert!(said.contains("Nothing changed"), "{said}");
    let other = bench.tmp.join("debrief-other");
    std::fs::copy(env!("CARGO_BIN_EXE_debrief"), &other).unwrap();
    let said = bench.build_with(&other, &[]);
    assert!(said.contains("Built "), "{said}");
    assert_eq!(kept(&said), 0, "{said}");
    let said = bench.build_with(&other, &[]);
    assert!(said.contains("Nothing changed"), "{said}");
}

#[test]
fn with_nothing_changed_no_file_is_written() {
    let bench = Bench::new();
    let before = identities(&bench.out);
    let folder = std::fs::metadata(&bench.out).unwrap();
    let said = bench.build(&[]);
    assert!(
        said.starts_with("Nothing changed since the last build of")
            && said.contains("(14 incidents); no file written"),
        "{said}"
    );
    assert_eq!(identities(&bench.out), before, "every file as it was");
    let after = std::fs::metadata(&bench.out).unwrap();
    use std::os::unix::fs::MetadataExt as _;
    assert_eq!(after.ino(), folder.ino(), "the same folder, not a new one");
    // Nothing left beside the site either.
    assert!(beside(&bench).is_empty(), "{:?}", beside(&bench));
}

#[test]
fn an_edit_writes_only_the_files_that_change_and_never_into_a_file() {
    let bench = Bench::new();
    let before = identities(&bench.out);
    let folder = std::fs::metadata(&bench.out).unwrap();
    // A snapshot made of hard links to the site's files, as `cp -al` makes: a build that
    // wrote into a file would change the snapshot too.
    let snapshot = bench.tmp.join("snapshot");
    for rel in before.keys() {
        let to = snapshot.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::hard_link(bench.out.join(rel), &to).unwrap();
    }
    let texts = site(&bench.out);

    bench.write_notes("# Notes\n\nThe renewal job had no owner.\n");
    let said = bench.rebuild_matches_clean(&[], "editing one incident's notes");
    assert_eq!(kept(&said), 13, "{said}");

    let after = identities(&bench.out);
    let changed: Vec<&String> = after
        .iter()
        .filter(|(rel, id)| before.get(*rel) != Some(*id))
        .map(|(rel, _)| rel)
        .collect();
    let report = format!("incidents/{NOTES_EDITED}/index.html");
    assert!(changed.contains(&&report), "{changed:?}");
    // The edited incident's own files and the search's words; every other incident's files,
    // every other page, the folder itself: as they were.
    for rel in &changed {
        assert!(
            rel.starts_with(&format!("incidents/{NOTES_EDITED}/")) || rel.starts_with("search/"),
            "{rel} was written, though nothing it shows changed"
        );
    }
    assert!(changed.len() < 10, "{changed:?}");
    use std::os::unix::fs::MetadataExt as _;
    assert_eq!(
        std::fs::metadata(&bench.out).unwrap().ino(),
        folder.ino(),
        "the same folder, not a new one"
    );
    assert_eq!(site(&snapshot), texts, "the snapshot as it was");
}

#[test]
fn a_site_file_removed_or_changed_by_hand_is_written_again() {
    let bench = Bench::new();
    std::fs::remove_file(bench.out.join("index.html")).unwrap();
    let said = bench.rebuild_matches_clean(&[], "removing the site's index.html");
    assert!(said.contains("Built "), "{said}");

    // An incident's page cut short: the incident is drawn again, not linked as it is.
    let page = bench
        .out
        .join(format!("incidents/{NOTES_EDITED}/index.html"));
    std::fs::write(&page, "truncated").unwrap();
    let said = bench.rebuild_matches_clean(&[], "truncating a report");
    assert_eq!(kept(&said), 13, "{said}");
}

#[test]
fn a_file_modified_just_now_is_read_again_next_time() {
    let bench = Bench::new();
    // Written now, and not settled: the build draws it, and does not trust it next time, as a
    // write in the same clock tick would not show in its times.
    let notes = bench.incidents().join(NOTES_EDITED).join("notes.md");
    std::fs::write(&notes, "# Notes\n\nFirst edit.\n").unwrap();
    let said = bench.rebuild_matches_clean(&[], "an edit just now");
    assert_eq!(kept(&said), 13, "{said}");
    let said = bench.rebuild_matches_clean(&[], "nothing since");
    assert!(said.contains("Built "), "{said}");
    assert_eq!(kept(&said), 13, "{said}");
}

#[test]
fn a_corrupt_or_foreign_cache_is_ignored() {
    let bench = Bench::new();
    let caches = bench.caches();
    assert_eq!(caches.len(), 1, "{caches:?}");
    for damage in [
        b"not a cache\n".to_vec(),
        Vec::new(),
        std::fs::read(&caches[0]).unwrap()[..100].to_vec(),
    ] {
        std::fs::write(&caches[0], damage).unwrap();
        let said = bench.rebuild_matches_clean(&[], "damaging the cache");
        assert_eq!(kept(&said), 0, "{said}");
    }
    // The build after each writes a good cache again.
    let said = bench.build(&[]);
    assert!(said.contains("Nothing changed"), "{said}");
}

#[test]
fn another_build_in_between_or_a_file_added_is_not_taken_for_the_last() {
    let bench = Bench::new();
    // A build without this cache into the same folder, with another --base-url: the folder it
    // makes may even get the inode number of the one the cache knew.
    for n in 0..3 {
        let output = common::debrief(&root())
            .env("DEBRIEF_CACHE_DIR", "")
            .args(["build", bench.incidents().to_str().unwrap(), "--out"])
            .arg(&bench.out)
            .args(["--today", "2026-11-26", "--base-url"])
            .arg(format!("https://other-{n}.example/"))
            .output()
            .unwrap();
        ok(&output);
    }
    let said = bench.rebuild_matches_clean(&[], "another build in between");
    assert!(said.contains("Built "), "{said}");

    // A file put in the site by hand, at its top and deeper down: a clean build has neither.
    for extra in [
        "extra.txt".to_owned(),
        format!("incidents/{NOTES_EDITED}/extra.html"),
        "search/w/extra.js".to_owned(),
    ] {
        std::fs::write(bench.out.join(&extra), "hi\n").unwrap();
        let said = bench.rebuild_matches_clean(&[], &format!("{extra} added to the site"));
        assert!(said.contains("Built "), "{said}");
    }
}

#[test]
fn a_site_file_changed_at_the_same_length_or_restored_is_written_again() {
    let bench = Bench::new();
    let snapshot = bench.tmp.join("snapshot");
    copy_tree(&bench.out, &snapshot);
    // Edited by hand, at the same length.
    let index = bench.out.join("index.html");
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(&index, text.replacen("<title>", "<TITLE>", 1)).unwrap();
    let said = bench.rebuild_matches_clean(&[], "an edit at the same length");
    assert!(said.contains("Built "), "{said}");

    // An older copy of the site put back over it (as `cp -a` does, times and all).
    bench.edit(NOTES_EDITED, "incident.toml", |t| t + "\n# edited\n");
    bench.build(&[]);
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", snapshot.display()))
        .arg(&bench.out)
        .status()
        .unwrap();
    assert!(status.success());
    let said = bench.rebuild_matches_clean(&[], "an older copy put back");
    assert!(said.contains("Built "), "{said}");
}

#[test]
fn a_cache_changed_at_the_same_length_is_not_trusted() {
    let bench = Bench::new();
    let cache = bench.caches().remove(0);
    let text = std::fs::read_to_string(&cache).unwrap();
    let title = "Checkout returned errors";
    assert!(text.contains(title));
    std::fs::write(&cache, text.replacen(title, "Checkout RETURNED errors", 1)).unwrap();
    bench.edit(NOTES_EDITED, "incident.toml", |t| t + "\n# edited\n");
    let said = bench.rebuild_matches_clean(&[], "a cache changed by hand");
    assert_eq!(kept(&said), 0, "{said}");
}

#[test]
fn the_cache_folder_keeps_what_is_not_debriefs() {
    let bench = Bench::new();
    let forty_days_ago =
        std::time::SystemTime::now() - std::time::Duration::from_secs(40 * 24 * 3600);
    let old = |name: &str| {
        let path = bench.cache.join(name);
        std::fs::write(&path, "x").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(forty_days_ago)
            .unwrap();
        path
    };
    let theirs = [old(".tmp_notes"), old("site-plan.cache"), old("notes.txt")];
    let stale = old("site-0123456789abcdef0123456789abcdef.cache");
    bench.edit(NOTES_EDITED, "incident.toml", |t| t + "\n# edited\n");
    bench.build(&[]);
    for path in &theirs {
        assert!(path.exists(), "{} kept", path.display());
    }
    assert!(
        !stale.exists(),
        "a site's cache unused for 40 days is removed"
    );
}

#[test]
fn the_search_draws_again_only_the_shards_whose_words_changed_and_whole_when_in_doubt() {
    let bench = Bench::new();
    let shard = |c: &str| bench.out.join(format!("search/w/{c}.js"));
    // No word of the archive starts beyond ASCII: their shard, `_`, is not there yet.
    assert!(!shard("_").exists());
    bench.write_notes("# Notes\n\nÜberraschung: the renewal job had no owner.\n");
    let said = bench.rebuild_matches_clean(&[], "bringing a word of a new shard");
    assert_eq!(kept(&said), 13, "{said}");
    assert!(shard("_").is_file());
    // A word of a shard with others.
    bench.write_notes("# Notes\n\nÜberraschung: the renewal job had no pager.\n");
    bench.rebuild_matches_clean(&[], "bringing a word of a shard with others");
    // The shard's only word taken out: its file goes.
    bench.write_notes("# Notes\n\nThe renewal job had no pager.\n");
    bench.rebuild_matches_clean(&[], "taking out a shard's only word");
    assert!(!shard("_").exists());
    // A shard's file changed by hand: the search is drawn whole.
    std::fs::write(shard("p"), "changed").unwrap();
    bench.write_notes("# Notes\n\nThe renewal job had an owner.\n");
    bench.rebuild_matches_clean(&[], "a shard's file changed by hand");
    std::fs::write(bench.out.join("search/words.js"), "changed").unwrap();
    bench.write_notes("# Notes\n\nThe renewal job had an owner again.\n");
    bench.rebuild_matches_clean(&[], "the words list changed by hand");
    // An incident's place in the index moved, and every number in the postings with it.
    bench.edit(NOTES_EDITED, "incident.toml", |t| {
        t.replacen(
            "started   = 2026-10-08T00:00:00",
            "started   = 2026-06-01T00:00:00",
            1,
        )
    });
    let said = bench.rebuild_matches_clean(&[], "moving an incident down the index");
    assert!(said.contains("Built "), "{said}");
}
