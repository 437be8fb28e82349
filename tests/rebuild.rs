//! `debrief build` over its own previous output: only what changed is drawn again, and the site
//! is byte for byte the one a clean build makes, whatever changed; with nothing changed, no file
//! is written at all.

#![cfg(unix)] // The cache knows a site by its folder's inode, and files by theirs.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{root, scratch, transcript};

/// An archive to change, its output folder, and the cache folder its builds share.
struct Bench {
    _tmp: tempfile::TempDir,
    archive: PathBuf,
    out: PathBuf,
    cache: PathBuf,
    tmp: PathBuf,
}

/// Sets every file below `dir` to have been modified an hour ago, as files are that were not
/// just written: a build does not trust a file modified in the last seconds to stay as read.
fn settle(dir: &Path) {
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for file in common::files(dir) {
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Every file of a site by its path inside it, with its bytes.
fn site(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    common::files(dir)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (rel, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// Every folder below `dir`, by its path inside it: a rebuild leaves no empty one behind.
fn folders(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                found.push(
                    path.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
                stack.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The names beside the site that start with a dot: what a build left behind.
fn beside(bench: &Bench) -> Vec<String> {
    std::fs::read_dir(&bench.tmp)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// Every file of a site by its path, with its inode and modification time.
fn identities(dir: &Path) -> BTreeMap<String, (u64, std::time::SystemTime)> {
    use std::os::unix::fs::MetadataExt as _;
    common::files(dir)
        .into_iter()
        .map(|p| {
            let meta = std::fs::metadata(&p).unwrap();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (rel, (meta.ino(), meta.modified().unwrap()))
        })
        .collect()
}

impl Bench {
    /// The quarter's fourteen incidents, settled, built once.
    fn new() -> Bench {
        let tmp = scratch();
        let archive = tmp.path().join("archive");
        copy_tree(&root().join("tests/fixtures/quarter"), &archive);
        settle(&archive);
        let bench = Bench {
            archive,
            out: tmp.path().join("site"),
            cache: tmp.path().join("cache"),
            tmp: tmp.path().to_path_buf(),
            _tmp: tmp,
        };
        let first = bench.build(&[]);
        assert!(first.contains("Built "), "{first}");
        assert!(!first.contains("unchanged"), "{first}");
        bench
    }

    fn incidents(&self) -> PathBuf {
        self.archive.join("incidents")
    }

    /// Builds the archive into the bench's output folder, with its cache; the stderr.
    fn build_with(&self, bin: &Path, extra: &[&str]) -> String {
        let output = std::process::Command::new(bin)
            .current_dir(root())
            .env("NO_COLOR", "1")
            .env("TZ", "UTC")
            .env("DEBRIEF_CACHE_DIR", &self.cache)
            .args(["build", self.incidents().to_str().unwrap(), "--out"])
            .arg(&self.out)
            .args(["--today", "2026-11-26"])
            .args(extra)
            .output()
            .unwrap();
        ok(&output)
    }

    fn build(&self, extra: &[&str]) -> String {
        self.build_with(Path::new(env!("CARGO_BIN_EXE_debrief")), extra)
    }

    /// The site a build with no previous output and no cache makes, with `extra` arguments.
    fn clean(&self, extra: &[&str]) -> BTreeMap<String, Vec<u8>> {
        let out = self.tmp.join("clean");
        let _ = std::fs::remove_dir_all(&out);
        let output = common::debrief(&root())
            .env("DEBRIEF_CACHE_DIR", "")
            .args(["build", self.incidents().to_str().unwrap(), "--out"])
            .arg(&out)
            .args(["--today", "2026-11-26"])
            .args(extra)
            .output()
            .unwrap();
        ok(&output);
        site(&out)
    }

    /// Rebuilds, checks the site against a clean build's, and returns what the build said.
    fn rebuild_matches_clean(&self, extra: &[&str], change: &str) -> String {
        let said = self.build(extra);
        let (rebuilt, clean) = (site(&self.out), self.clean(extra));
        assert_eq!(
            rebuilt.keys().collect::<Vec<_>>(),
            clean.keys().collect::<Vec<_>>(),
            "after {change}: the same files"
        );
        for (rel, bytes) in &rebuilt {
            assert!(
                bytes == &clean[rel],
                "after {change}: {rel} differs from a clean build's"
            );
        }
        assert_eq!(
            folders(&self.out),
            folders(&self.tmp.join("clean")),
            "after {change}: the same folders"
        );
        assert!(
            beside(self).is_empty(),
            "after {change}: {:?}",
            beside(self)
        );
        said
    }

    /// Builds with the cache folder `cache` (empty: none), expecting the build to fail; the
    /// stderr.
    fn build_failing(&self, cache: &Path) -> String {
        let output = common::debrief(&root())
            .env("DEBRIEF_CACHE_DIR", cache)
            .args(["build", self.incidents().to_str().unwrap(), "--out"])
            .arg(&self.out)
            .args(["--today", "2026-11-26"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    /// Writes the notes of the incident [`NOTES_EDITED`], and settles them.
    fn write_notes(&self, text: &str) {
        let dir = self.incidents().join(NOTES_EDITED);
        std::fs::write(dir.join("notes.md"), text).unwrap();
        settle(&dir);
    }

    /// Edits `file` of the incident `id` with `edit`, and settles it.
    fn edit(&self, id: &str, file: &str, edit: impl FnOnce(String) -> String) {
        let path = self.incidents().join(id).join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let changed = edit(text.clone());
        assert!(changed != text, "the edit of {id}/{file} changes it");
        std::fs::write(&path, changed).unwrap();
        settle(&self.incidents().join(id));
    }
}

fn ok(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(0), "{}", transcript(output));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// How many incidents the build said it kept from the last one.
fn kept(said: &str) -> usize {
    said.split_once(" unchanged, kept")
        .and_then(|(before, _)| before.rsplit_once('(')?.1.parse().ok())
        .unwrap_or(0)
}

const NOTES_EDITED: &str = "2026-10-08-edge-tls-expiry";
const TITLE_EDITED: &str = "2026-09-15-checkout-pool-exhaustion";

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
    let caches: Vec<_> = common::files(&bench.cache);
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
    let cache = common::files(&bench.cache).remove(0);
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
