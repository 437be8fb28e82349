//! `debrief build --public`, second attack round: an archive whose debrief.toml names no
//! detector (all are on), folder names written in notes and links, roles and metric units that
//! name people, hyphenated and apostrophe names and their spellings, secrets behind entities
//! and curly quotes, wildcard and dot-less host names, addresses in cloud host names, and log
//! lines whose templates hold `password=<*>`. Every file of the public build is the judge,
//! read as a reader gets it (entities and JSON escapes undone, case folded).

mod common;

use std::path::Path;

use common::transcript;
use debrief::public::folded::Readable;

const MAIN: &str = "2026-11-05-initech-sso-breach";
const OTHER: &str = "2026-11-04-globex-db-meltdown";
const HIDDEN: &str = "2026-11-03-vendor-terms";

const INCIDENT: &str = r#"title = "Single sign-on stopped issuing tokens"
timezone = "UTC"
services = ["sso"]
summary = """
Aoife O'Brien led; then OBrien handed over to Mueller. See 2026-11-04-globex-db-meltdown and
2026-11-03-vendor-terms. The runbook said DB_PASSWORD=&quot;EntQuotPass99&quot; and
DB_PASSWORD=“Curly Quote Pass99”; the old DB_PASSWORD="QuotedPass99x" still worked.
"""
[times]
started = 2026-11-05T10:00:00Z
resolved = 2026-11-05T11:00:00Z
[[people]]
handle = "jmueller"
name = "Jörg Müller"
role = "database on-call"
[[people]]
handle = "aobrien"
name = "Aoife O'Brien"
role = "deputy to Jörg Müller"
[[sources]]
name = "app"
path = "logs/app.log"
[[metrics]]
name = "queue"
path = "metrics/queue.csv"
unit = "pages for Jörg Müller"
[[timeline]]
id = "t-1"
at = 2026-11-05T10:01:00Z
text = "cert for *.corp.internal expired on db01.**corp**.internal and ip-10-9-8-7"
by = "aobrien"
[[timeline]]
id = "t-2"
at = 2026-11-05T10:02:00Z
text = "jdbc:mysql://dbhost7:3306/sso refused; props.setProperty(\"password\", \"JavaPropPw99\")"
[[timeline]]
id = "t-3"
at = 2026-11-05T10:03:00Z
text = "Grafana at https://grafana%2Ecorp%2Einternal/d/1 went red"
[[actions]]
id = "a-1"
text = "Rotate the signing keys"
owner = "jmueller"
due = 2026-12-01
"#;

/// What must reach no public file, however it is written there.
const PLANTS: &[&str] = &[
    "initech",
    "globex",
    "vendor-terms",
    "O'Brien",
    "OBrien",
    "Brien",
    "Aoife",
    "Mueller",
    "Müller",
    "Jörg",
    "EntQuotPass99",
    "Curly Quote",
    "Pass99",
    "QuotedPass99x",
    "corp.internal",
    "db01",
    "dbhost7",
    "ip-10-9-8-7",
    "JavaPropPw99",
];

/// What the public report still says.
const KEPT: &[&str] = &[
    "Single sign-on stopped issuing tokens",
    "handed over to database on-call",
    "deputy to database on-call",
    "Rotate the signing keys",
    "went red",
];

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn archive(root: &Path) {
    write(
        &root.join("debrief.toml"),
        "title = \"Reviews\"\n[public]\nnames = [\"Globex\", \"Initech\"]\n",
    );
    let main = root.join(MAIN);
    write(&main.join("incident.toml"), INCIDENT);
    write(
        &main.join("notes.md"),
        "# Notes\n\nAs in [the meltdown](../2026-11-04-globex-db-meltdown/) and \
         2026-11-04-GLOBEX-DB-MELTDOWN.\n",
    );
    write(
        &main.join("logs/app.log"),
        "2026-11-05T10:00:01Z level=error msg=\"login failed\" user=svc password=LogfmtPw99\n\
         2026-11-05T10:00:02Z level=error msg=\"login failed\" user=svc password=hunter2x\n",
    );
    write(
        &main.join("metrics/queue.csv"),
        "time,value\n2026-11-05T10:00:00Z,1\n2026-11-05T10:30:00Z,9\n",
    );
    let other = "title = \"The database melted\"\n[times]\nstarted = 2026-11-04T10:00:00Z\n";
    write(&root.join(OTHER).join("incident.toml"), other);
    let hidden =
        "title = \"Vendor terms\"\npublic = false\n[times]\nstarted = 2026-11-03T10:00:00Z\n";
    write(&root.join(HIDDEN).join("incident.toml"), hidden);
}

/// Every file of a site as (its path, its text as a reader gets it, in lower case).
fn site_texts(site: &Path) -> Vec<(String, String)> {
    common::site_texts(site, |raw| Readable::new(raw, true).text.to_lowercase())
}

#[test]
fn disguised_plants_reach_no_public_file_and_the_story_stays() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("archive");
    archive(&root);

    let internal = tmp.path().join("internal");
    let built = common::build_args(&root, &internal, &[]);
    assert_eq!(built.status.code(), Some(0), "{}", transcript(&built));
    let inside = site_texts(&internal);
    for plant in PLANTS {
        let plant = plant.to_lowercase();
        assert!(
            inside
                .iter()
                .any(|(f, t)| t.contains(&plant) || f.contains(&plant)),
            "the internal build shows {plant}"
        );
    }

    let public = tmp.path().join("public");
    let built = common::build_args(&root, &public, &["--public"]);
    assert_eq!(built.status.code(), Some(0), "{}", transcript(&built));
    let texts = site_texts(&public);
    for (file, text) in &texts {
        for plant in PLANTS {
            let plant = plant.to_lowercase();
            assert!(!text.contains(&plant), "{file} holds {plant}");
            assert!(!file.to_lowercase().contains(&plant), "file name {file}");
        }
    }
    // Links between incidents go by public id, and the hidden one is "another incident".
    let (_, report) = texts
        .iter()
        .find(|(f, _)| f.starts_with("incidents/2026-11-05-") && f.ends_with("/index.html"))
        .expect("the report, by its public id");
    let other_id = texts
        .iter()
        .find_map(|(f, _)| {
            f.strip_prefix("incidents/2026-11-04-")
                .and_then(|rest| rest.strip_suffix("/index.html"))
        })
        .expect("the other incident's page");
    assert!(
        report.contains(&format!("../2026-11-04-{other_id}/")),
        "the link to the other incident follows its public id"
    );
    assert!(report.contains("another incident"), "the hidden one");
    for kept in KEPT {
        assert!(
            report.contains(&kept.to_lowercase()),
            "the report shows {kept}"
        );
    }
}

#[test]
fn redact_set_to_nothing_turns_the_detectors_off() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("archive");
    archive(&root);
    write(
        &root.join("debrief.toml"),
        "title = \"Reviews\"\n[public]\nredact = []\nnames = [\"Globex\", \"Initech\"]\n",
    );
    let public = tmp.path().join("public");
    let built = common::build_args(&root, &public, &["--public"]);
    assert_eq!(built.status.code(), Some(0), "{}", transcript(&built));
    let texts = site_texts(&public);
    assert!(
        texts.iter().any(|(_, t)| t.contains("dbhost7")),
        "with redact = [] host names stay"
    );
    // People and names are still redacted: they do not depend on the detectors.
    assert!(!texts.iter().any(|(_, t)| t.contains("aoife")));
}
