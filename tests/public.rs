//! `debrief build --public`: secrets planted everywhere an incident holds text must reach no
//! file of the public build, while the internal build keeps them; hidden items and internal
//! notes stay out; bad rules get errors with their place; a leak fails the build.

mod common;

use std::path::{Path, PathBuf};

use common::{files, root, run, transcript};

/// Every secret the detectors know, and the names and patterns the rules list. Each is
/// planted in the incident's texts, its notes and its logs.
const PLANTED: &[&str] = &[
    "10.20.30.40",
    "2001:db8:85a3::8a2e:370:7334",
    "ops-lead@corp.internal",
    "db-7.prod.corp.internal",
    "AKIAZ7QXJ3P4EXAMPLE2",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaGVja291dCJ9.T2hOb1RoaXNJc0FTaWduYXR1cmU",
    "Bearer s3cr3tT0kenValue99",
    "xoxb-2840-99281-Zq8bXyTokenValue",
    "ghp_Aa0Bb1Cc2Dd3Ee4Ff5Gg6Hh7Ii8Jj9Kk0Ll1",
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "q8Zr2LmN5vX7bK1pT4wY9sD3fG6hJ0cVaEuRiOyW",
    "Globex Industries",
    "CASE-88412",
    "Jordan Avery",
    "javery",
];

/// Texts of items and parts left out of the public build.
const HIDDEN: &[&str] = &[
    "HIDDEN-TIMELINE-ENTRY",
    "PRIVATE-TIMELINE-ENTRY",
    "PRIVATE-FACTOR",
    "PRIVATE-ACTION",
    "HIDDEN-LESSON",
    "INTERNAL-NOTES-PART",
    "PRIVATE-INCIDENT",
    "INTERNAL-TITLE-PART",
    "INTERNAL-THEME-PART",
    "PRIVATE-THEME",
];

fn plant(i: usize) -> String {
    // A different mix in each place, so every text holds several.
    let n = PLANTED.len();
    format!(
        "saw {} with {} and {}",
        PLANTED[i % n],
        PLANTED[(i + 5) % n],
        PLANTED[(i + 10) % n]
    )
}

/// An archive with one incident full of planted secrets, and one marked `public = false`.
fn archive() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    let dir = archive.join("2026-11-20-leaky");
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    std::fs::write(
        archive.join("debrief.toml"),
        r#"title = "Reviews"
[public]
redact = ["ip", "email", "hostname", "secret"]
names = ["Globex Industries"]
allow_domains = ["example.com"]
"#,
    )
    .unwrap();
    let mut toml = format!(
        r#"title = "Checkout failed for Globex Industries <!-- internal -->INTERNAL-TITLE-PART<!-- /internal -->"
timezone = "UTC"
summary = "{}"
services = ["checkout"]
[times]
started = 2026-11-20T10:00:00Z
resolved = 2026-11-20T11:00:00Z
[impact]
text = "{}"
[[people]]
handle = "javery"
name = "Jordan Avery"
role = "incident commander"
[[sources]]
name = "app"
path = "logs/app.log"
[public]
patterns = ['CASE-\d+']
hide = ["t-hidden", "l-7e69f6ea"]
"#,
        plant(0),
        plant(1)
    );
    for k in 0..PLANTED.len() {
        toml.push_str(&format!(
            "[[timeline]]\nid = \"t-{k}\"\nat = 2026-11-20T10:{:02}:00Z\ntext = \"{}\"\nby = \"javery\"\n",
            k + 1,
            plant(k + 2)
        ));
    }
    toml.push_str(
        "[[timeline]]\nid = \"t-hidden\"\nat = 2026-11-20T10:40:00Z\ntext = \"HIDDEN-TIMELINE-ENTRY\"\n\
         [[timeline]]\nid = \"t-private\"\nat = 2026-11-20T10:41:00Z\ntext = \"PRIVATE-TIMELINE-ENTRY\"\npublic = false\n",
    );
    toml.push_str(&format!(
        "[[factors]]\nid = \"f-1\"\ntext = \"{}\"\nevents = [\"t-1\", \"t-hidden\"]\ntheme = \"{} <!-- internal -->INTERNAL-THEME-PART<!-- /internal -->\"\n\
         [[factors]]\nid = \"f-private\"\ntext = \"PRIVATE-FACTOR\"\npublic = false\ntheme = \"PRIVATE-THEME\"\n\
         [[actions]]\nid = \"a-1\"\ntext = \"{}\"\nowner = \"javery\"\nfactors = [\"f-1\", \"f-private\"]\nticket = \"https://jira.corp.internal/browse/CASE-88412\"\n\
         [[actions]]\nid = \"a-private\"\ntext = \"PRIVATE-ACTION\"\nowner = \"javery\"\npublic = false\n\
         [lessons]\nwent_well = [\"{}\"]\nwent_wrong = [\"{}\", \"HIDDEN-LESSON\"]\nlucky = [\"{}\"]\n",
        plant(20),
        plant(25),
        plant(21),
        plant(22),
        plant(23),
        plant(24)
    ));
    std::fs::write(dir.join("incident.toml"), toml).unwrap();
    let mut notes = String::from("# Notes\n\n");
    for k in 0..PLANTED.len() {
        notes.push_str(&format!("- {}\n", plant(k + 30)));
    }
    notes.push_str("\n<!-- internal -->\nINTERNAL-NOTES-PART\n<!-- /internal -->\n");
    std::fs::write(dir.join("notes.md"), notes).unwrap();
    let mut log = String::new();
    for k in 0..PLANTED.len() * 4 {
        log.push_str(&format!(
            "2026-11-20T10:{:02}:{:02}Z ERROR request failed: {}\n",
            10 + k / 30,
            k % 60,
            plant(k + 40)
        ));
    }
    std::fs::write(dir.join("logs/app.log"), log).unwrap();

    let hidden = archive.join("2026-11-21-private");
    std::fs::create_dir_all(&hidden).unwrap();
    std::fs::write(
        hidden.join("incident.toml"),
        format!(
            "title = \"PRIVATE-INCIDENT\"\npublic = false\nservices = [\"checkout\"]\n[times]\nstarted = 2026-11-21T10:00:00Z\n\
             [[factors]]\nid = \"f-1\"\ntext = \"x\"\ntheme = \"{} <!-- internal -->INTERNAL-THEME-PART<!-- /internal -->\"\n\
             [[factors]]\nid = \"f-2\"\ntext = \"y\"\ntheme = \"PRIVATE-THEME\"\n",
            plant(25)
        ),
    )
    .unwrap();
    (tmp, archive)
}

/// Every file of the site as text, JSON and HTML escapes undone, so that a secret written
/// escaped is found too.
fn all_text(dir: &Path) -> Vec<(PathBuf, String)> {
    files(dir)
        .into_iter()
        .map(|p| {
            let raw = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            let text = raw
                .replace("\\u003c", "<")
                .replace("\\/", "/")
                .replace("&#45;", "-")
                .replace("&#95;", "_")
                .replace("&#46;", ".")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            (p, text)
        })
        .collect()
}

/// The one incident's report in a public build, whose folder is named by its public id.
fn public_report(site: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = std::fs::read_dir(site.join("incidents"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let name = dirs[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("2026-11-20-") && name.len() == 19,
        "{name}"
    );
    dirs[0].join("index.html")
}

fn build(archive: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    common::build_args(archive, out, extra)
}

#[test]
fn no_planted_secret_reaches_any_file_of_the_public_build() {
    let (tmp, archive) = archive();
    let internal = tmp.path().join("internal");
    let public = tmp.path().join("public");
    let built = build(&archive, &internal, &[]);
    assert_eq!(built.status.code(), Some(0), "{}", transcript(&built));
    let built = build(&archive, &public, &["--public"]);
    assert_eq!(built.status.code(), Some(0), "{}", transcript(&built));

    let internal_text = all_text(&internal);
    for secret in PLANTED {
        assert!(
            internal_text.iter().any(|(_, t)| t.contains(secret)),
            "the internal build shows {secret}"
        );
    }
    for hidden in HIDDEN {
        assert!(
            internal_text.iter().any(|(_, t)| t.contains(hidden)),
            "the internal build shows {hidden}"
        );
    }

    let public_text = all_text(&public);
    let kinds: Vec<String> = public_text
        .iter()
        .map(|(p, _)| {
            p.extension()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for kind in ["html", "svg", "md", "json", "csv", "xml", "ics"] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "the public build has .{kind} files"
        );
    }
    for (path, text) in &public_text {
        for secret in PLANTED
            .iter()
            .chain(HIDDEN)
            .chain(&["2026-11-21-private", "leaky"])
        {
            assert!(!text.contains(secret), "{} holds {secret}", path.display());
        }
    }
    // What replaced them is visible: markers, roles and "a customer".
    let report = std::fs::read_to_string(public_report(&public)).unwrap();
    for marker in [
        "[redacted ip]",
        "[redacted email]",
        "[redacted hostname]",
        "[redacted secret]",
        "[redacted]",
        "a customer",
        "incident commander",
    ] {
        assert!(report.contains(marker), "the public report shows {marker}");
    }
}

#[test]
fn explain_lists_what_was_redacted_on_stdout_only() {
    let (tmp, archive) = archive();
    let public = tmp.path().join("public");
    let built = build(&archive, &public, &["--public", "--explain"]);
    assert_eq!(built.status.code(), Some(0), "{}", transcript(&built));
    let stdout = String::from_utf8_lossy(&built.stdout);
    for line in [
        "2026-11-21-private: left out (public = false)",
        "2026-11-20-leaky: timeline t-hidden: left out",
        "2026-11-20-leaky: timeline t-private: left out",
        "2026-11-20-leaky: factor f-private: left out",
        "2026-11-20-leaky: action a-private: left out",
        "2026-11-20-leaky: lesson l-7e69f6ea: left out",
        "2026-11-20-leaky: notes.md: an internal part: left out",
        "2026-11-20-leaky: title: name `Globex Industries`",
        "2026-11-20-leaky: action a-1: hostname `jira.corp.internal`",
        "2026-11-20-leaky: logs: ip `10.20.30.40`",
    ] {
        assert!(stdout.contains(line), "{line:?} in\n{stdout}");
    }
    for (path, text) in all_text(&public) {
        assert!(!text.contains("left out (public"), "{}", path.display());
    }
    // --explain needs --public.
    let refused = build(&archive, &tmp.path().join("x"), &["--explain"]);
    assert_eq!(refused.status.code(), Some(2), "{}", transcript(&refused));
}

/// Each bad rule gets an error at its place in the file, and the build writes nothing.
#[test]
fn bad_rules_are_errors_with_their_place() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("2026-11-20-bad");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("incident.toml"),
        r#"title = "t"
[[timeline]]
id = "t-1"
at = 2026-11-20T10:00:00Z
text = "x"
[public]
redact = ["ip", "ipv4"]
patterns = ['CASE-(\d+']
hide = ["t-2"]
"#,
    )
    .unwrap();
    std::fs::write(dir.join("notes.md"), "a\n\n<!-- internal -->\nb\n").unwrap();
    let out = tmp.path().join("site");
    let built = build(&dir, &out, &["--public"]);
    let text = transcript(&built);
    assert_eq!(built.status.code(), Some(1), "{text}");
    assert!(!out.exists(), "nothing is written");
    for (what, place) in [
        ("there is no detector `ipv4`", "incident.toml:7:"),
        ("did you mean `ip`?", ""),
        (
            "this pattern is not a valid regular expression",
            "incident.toml:8:",
        ),
        (
            "nothing in this incident has the id `t-2`",
            "incident.toml:9:",
        ),
        ("did you mean `t-1`?", ""),
        ("never ended with `<!-- /internal -->`", "notes.md:3:"),
    ] {
        assert!(text.contains(what), "{what} in\n{text}");
        assert!(text.contains(place), "{place} in\n{text}");
    }
    // The same in debrief.toml.
    let archive = tmp.path().join("archive");
    std::fs::create_dir_all(archive.join("2026-11-20-ok")).unwrap();
    std::fs::write(
        archive.join("2026-11-20-ok/incident.toml"),
        "title = \"ok\"\n",
    )
    .unwrap();
    std::fs::write(
        archive.join("debrief.toml"),
        "[public]\nredact = [\"emails\"]\npatterns = ['[']\n",
    )
    .unwrap();
    let checked = run(&root(), &["check", archive.to_str().unwrap()]);
    let text = transcript(&checked);
    assert_ne!(checked.status.code(), Some(0), "{text}");
    assert!(text.contains("there is no detector `emails`"), "{text}");
    assert!(text.contains("debrief.toml:2:"), "{text}");
    assert!(text.contains("debrief.toml:3:"), "{text}");
}

/// A theme that writes a secret into every page: the leak check finds it in the rendered
/// files, names them, and the build writes nothing.
#[test]
fn a_leak_from_a_theme_fails_the_build_and_writes_nothing() {
    let (tmp, archive) = archive();
    let theme = tmp.path().join("theme/templates");
    std::fs::create_dir_all(&theme).unwrap();
    let base = std::fs::read_to_string(root().join("themes/default/templates/base.html")).unwrap();
    std::fs::write(
        theme.join("base.html"),
        base.replace("</body>", "<p>Questions: support@corp.internal</p></body>"),
    )
    .unwrap();
    let out = tmp.path().join("public");
    let built = build(
        &archive,
        &out,
        &[
            "--public",
            "--theme",
            tmp.path().join("theme").to_str().unwrap(),
        ],
    );
    let text = transcript(&built);
    assert_eq!(built.status.code(), Some(1), "{text}");
    assert!(
        text.contains("error[leak]: index.html: still holds email `support@corp.internal`"),
        "{text}"
    );
    assert!(text.contains("nothing was written"), "{text}");
    assert!(!out.exists());
    // The internal build of the same archive and theme is fine.
    let internal = build(
        &archive,
        &tmp.path().join("internal"),
        &["--theme", tmp.path().join("theme").to_str().unwrap()],
    );
    assert_eq!(internal.status.code(), Some(0), "{}", transcript(&internal));
}

/// A misspelt internal marker in a factor's theme is an error, as in any text of the file:
/// otherwise the part meant for the team would be published.
#[test]
fn a_misspelt_marker_in_a_theme_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("2026-11-20-x");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("incident.toml"),
        "title = \"x\"\n[[factors]]\nid = \"f-1\"\ntext = \"t\"\ntheme = \"pool <!--internal-->x<!--/internal--> sizing\"\n",
    )
    .unwrap();
    let out = run(tmp.path(), &["check", "2026-11-20-x"]);
    let t = transcript(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("error[unbalanced-internal]"), "{t}");
    assert!(
        t.contains("theme = \"pool <!--internal-->"),
        "points at the theme: {t}"
    );
}
