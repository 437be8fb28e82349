//! `debrief build --public` against text written the way people write it: names split by line
//! breaks, entities and emphasis, in capitals and with look-alike letters; names typed in the
//! meeting; credentials with any prefix and inside URLs; host names in capitals and with site
//! codes; addresses after labels and with leading zeros; a hidden entry's log line; a folder
//! named after a customer. Every file of the public build, and every file name, is the judge.
//! The same archive's internal build shows every plant, so each one was really there.

mod common;

use std::path::{Path, PathBuf};

use common::{root, run, transcript};
use debrief::model::names::fold;
use debrief::public::folded::Folded;

const FOLDER: &str = "2026-11-05-acme-corp-outage";

/// Names that must not survive in any spelling: each is searched for folded (case, spaces,
/// markup, look-alike letters) in every public file.
const NAMES: &[&str] = &[
    "Samantha Quillfeather",
    "Samantha",
    "Quillfeather",
    "squill",
    "Dorotea Whitfield",
    "Whitfield",
    "Ruaridh Okonkwo",
    "Okonkwo",
    "Acme Corp",
    "acme-corp",
    "Tessaly Marrow",
];

/// Secrets, addresses and host names that must not survive as written.
const SECRETS: &[&str] = &[
    "Hunter2Secret",
    "PgPass2026",
    "q8Zr2LmN5vX7bK1pT4wY9sD3fG6hJ0c",
    "Sup3rS3cretValue",
    "cs_9f8e7d6c5b",
    "abcdef.ghijk12345",
    "SQLPROD01",
    "Grafana.prod",
    "status.acme.sh",
    "bb01.prn1",
    "2001:db8::42",
    "010.020.030.040",
    "10.9.8.7",
    "Zyxwquartz",
    "HIDDEN-LESSON-TEXT",
];

/// What a public build keeps: allowed addresses, the story's words, the sources' file names.
const KEPT: &[&str] = &[
    "1.1.1.1",
    "129.134.31.7",
    "logs/bb-routers.syslog",
    "The resolver fleet stopped answering",
    "Routers withdrew the anycast prefixes",
    "Add a canary to the maintenance job",
];

fn archive() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    let dir = archive.join(FOLDER);
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    std::fs::write(
        archive.join("debrief.toml"),
        r#"title = "Reviews"
[public]
redact = ["ip", "email", "hostname", "secret"]
names = ["Acme Corp"]
allow_ips = ["1.1.1.1", "129.134.30.0/23"]
"#,
    )
    .unwrap();
    let incident = r#"title = "The resolver fleet stopped answering"
timezone = "UTC"
services = ["dns"]
tags = ["network"]
summary = """
Samantha
Quillfeather paged the network team. Customers of Acme&nbsp;Corp saw failures.
"""
[times]
started = 2026-11-05T10:00:00Z
resolved = 2026-11-05T11:00:00Z
[impact]
text = "Lookups through 1.1.1.1 kept working; the prefix 129.134.31.7 was withdrawn."
[[people]]
handle = "squill"
name = "Samantha Quillfeather"
role = "incident commander"
[[sources]]
name = "routers"
path = "logs/bb-routers.syslog"
[[timeline]]
id = "t-1"
at = 2026-11-05T10:01:00Z
text = "Routers withdrew the anycast prefixes; **Samantha** __Quillfeather__ saw it on bb01.prn1"
by = "Dorotea Whitfield"
[[timeline]]
id = "t-2"
at = 2026-11-05T10:02:00Z
text = "SAMANTHA  QUILLFEATHER restarted SQLPROD01.corp.local and Grafana.prod.acme.internal"
[[timeline]]
id = "t-3"
at = 2026-11-05T10:03:00Z
text = "S\u0430mantha Quillfe\u0430ther checked status.acme.sh from ip:2001:db8::42 and 010.020.030.040"
[[timeline]]
id = "t-4"
at = 2026-11-05T10:04:00Z
text = "a private step"
source = "logs/bb-routers.syslog:3"
public = false
[[timeline]]
id = "t-5"
at = 2026-11-05T10:05:00Z
text = "Ran PGPASSWORD=Hunter2Secret psql against postgres://app:PgPass2026@db.example.net/shop"
[[factors]]
id = "f-1"
text = "The maintenance job ran with token q8Zr2LmN5vX7bK1pT4wY9sD3fG6hJ0c and DB_PASSWORD=Sup3rS3cretValue"
events = ["t-1"]
[[actions]]
id = "a-1"
text = "Add a canary to the maintenance job (client_secret=cs_9f8e7d6c5b, Authorization: Bearer abcdef.ghijk12345)"
owner = "Ruaridh Okonkwo"
due = 2026-12-01
factors = ["f-1"]
[lessons]
went_wrong = ["HIDDEN-LESSON-TEXT stays with the team", "Samantha paged the on-call late"]
went_well = ["The admin page https://10.9.8.7:8443/admin stayed up"]
[public]
hide = ["l-HIDDENID"]
"#;
    let mut incident = incident.to_owned();
    let lesson_id = debrief::model::Lessons::id(
        debrief::model::LessonKind::WentWrong,
        "HIDDEN-LESSON-TEXT stays with the team",
    );
    incident = incident.replace("l-HIDDENID", &lesson_id);
    std::fs::write(dir.join("incident.toml"), incident).unwrap();
    std::fs::write(
        dir.join("notes.md"),
        "# Notes\n\nThe review was led by <b>Samantha</b> <i>Quillfeather</i>.\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("logs/bb-routers.syslog"),
        "Nov  5 10:00:01 bb01 rpd[100]: BGP peer 129.134.31.7 up\n\
         Nov  5 10:00:30 bb01 rpd[100]: BGP peer 129.134.31.7 up\n\
         Nov  5 10:01:02 bb01 maint[7]: drain began under Zyxwquartz\n\
         Nov  5 10:01:05 bb01 rpd[100]: BGP peer 129.134.31.7 down\n\
         Nov  5 10:01:06 bb01 rpd[100]: BGP peer 129.134.31.8 down\n",
    )
    .unwrap();
    // The meeting's journal: a participant joined by name.
    std::fs::create_dir_all(dir.join(".debrief")).unwrap();
    std::fs::write(
        dir.join(".debrief/journal.jsonl"),
        "{\"seq\":1,\"at\":\"2026-11-06T09:00:00Z\",\"by\":\"p-1\",\"op\":{\"type\":\"join\",\"participant\":\"p-1\",\"name\":\"Tessaly Marrow\",\"token\":\"x\"}}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("notes.md"),
        "# Notes\n\nThe review was led by <b>Samantha</b> <i>Quillfeather</i>; Tessaly\nMarrow took notes.\n",
    )
    .unwrap();
    (tmp, archive)
}

/// Adds TOML tables (sources, metrics) to the incident, before its timeline.
fn add_tables(dir: &Path, tables: &str) {
    let toml = std::fs::read_to_string(dir.join("incident.toml")).unwrap();
    let at = "[[timeline]]\nid = \"t-1\"";
    std::fs::write(
        dir.join("incident.toml"),
        toml.replace(at, &format!("{tables}{at}")),
    )
    .unwrap();
}

fn build(archive: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    common::build_args(archive, out, extra)
}

/// Every file of a site as (its path inside the site, its text with JSON escapes undone).
fn site_texts(site: &Path) -> Vec<(String, String)> {
    common::site_texts(site, |raw| raw.replace("\\u003c", "<").replace("\\/", "/"))
}

/// Whether `name` is in `text`, however it is spelled.
fn has_name(text: &str, name: &str) -> bool {
    let needle = fold(name);
    let folded = Folded::new(text).text;
    let re = regex::Regex::new(&format!(
        r"\b{}\b",
        regex::escape(&needle).replace(' ', " ?")
    ))
    .unwrap();
    re.is_match(&folded)
}

#[test]
fn no_plant_reaches_any_public_file_or_file_name() {
    let (tmp, archive) = archive();
    let internal = tmp.path().join("internal");
    let built = build(&archive, &internal, &[]);
    assert_eq!(built.status.code(), Some(0), "{}", transcript(&built));
    let internal = site_texts(&internal);
    for plant in SECRETS {
        assert!(
            internal.iter().any(|(_, t)| t.contains(plant)),
            "the internal build shows {plant}"
        );
    }
    for name in NAMES {
        assert!(
            internal
                .iter()
                .any(|(f, t)| has_name(t, name) || has_name(f, name)),
            "the internal build shows {name}"
        );
    }

    let public = tmp.path().join("public");
    let built = build(&archive, &public, &["--public"]);
    assert_eq!(built.status.code(), Some(0), "{}", transcript(&built));
    let texts = site_texts(&public);
    for kind in ["html", "svg", "md", "json", "csv", "xml", "ics"] {
        assert!(
            texts.iter().any(|(f, _)| f.ends_with(&format!(".{kind}"))),
            "the public build has .{kind} files"
        );
    }
    for (file, text) in &texts {
        for plant in SECRETS {
            assert!(!text.contains(plant), "{file} holds {plant}");
        }
        for name in NAMES {
            assert!(!has_name(text, name), "{file} holds the name {name}");
            assert!(!has_name(file, name), "the file name {file} holds {name}");
        }
    }
    // The story is still told, with what must stay.
    let report = texts
        .iter()
        .find(|(f, _)| f.starts_with("incidents/2026-11-05-") && f.ends_with("/index.html"))
        .map(|(_, t)| t.clone())
        .expect("the report, named by its date and a hash");
    for kept in KEPT {
        assert!(report.contains(kept), "the public report shows {kept}");
    }
    for role in ["incident commander", "a responder", "a customer"] {
        assert!(report.contains(role), "the public report shows {role}");
    }
}

#[test]
fn a_marker_that_is_almost_right_is_an_error_at_its_line() {
    let (tmp, archive) = archive();
    let notes = archive.join(FOLDER).join("notes.md");
    std::fs::write(
        &notes,
        "# Notes\n\nShared.\n<!--internal-->\nVendor terms\n<!--/internal-->\n",
    )
    .unwrap();
    let built = build(&archive, &tmp.path().join("public"), &["--public"]);
    let text = transcript(&built);
    assert_eq!(built.status.code(), Some(1), "{text}");
    assert!(text.contains("notes.md:4:"), "{text}");
    assert!(text.contains("notes.md:6:"), "{text}");
    assert!(text.contains("looks like an internal marker"), "{text}");
    assert!(!tmp.path().join("public").exists());
    let checked = run(&root(), &["check", archive.to_str().unwrap()]);
    assert_eq!(checked.status.code(), Some(1), "{}", transcript(&checked));
}

#[cfg(unix)]
#[test]
fn evidence_outside_the_folder_is_a_warning_in_check_and_refused_in_public() {
    let (tmp, archive) = archive();
    let dir = archive.join(FOLDER);
    std::fs::write(
        tmp.path().join("elsewhere.log"),
        "Nov  5 10:00:01 h p: secret stuff\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("absolute.log"),
        "Nov  5 10:00:02 h p: more\n",
    )
    .unwrap();
    let absolute = tmp.path().join("absolute.log").display().to_string();
    std::os::unix::fs::symlink(
        tmp.path().join("elsewhere.log"),
        dir.join("logs/linked.log"),
    )
    .unwrap();
    add_tables(
        &dir,
        &format!(
            "[[sources]]\nname = \"linked\"\npath = \"logs/linked.log\"\n[[sources]]\nname = \"abs\"\npath = \"{absolute}\"\n"
        ),
    );
    let checked = run(&root(), &["check", dir.to_str().unwrap()]);
    let text = transcript(&checked);
    assert!(text.contains("warning[path-outside]"), "{text}");
    assert!(
        text.contains("`logs/linked.log` leads outside the incident's folder"),
        "{text}"
    );
    assert!(
        text.contains(&format!("`{absolute}` leads outside")),
        "{text}"
    );
    let out = tmp.path().join("public");
    let built = build(&archive, &out, &["--public"]);
    let text = transcript(&built);
    assert_eq!(built.status.code(), Some(1), "{text}");
    assert!(text.contains("error[path-outside]"), "{text}");
    assert!(text.contains("incident.toml:"), "{text}");
    assert!(!out.exists(), "nothing is written");
    // The internal build reads it, as the user asked.
    let built = build(&archive, &tmp.path().join("internal"), &[]);
    assert_eq!(built.status.code(), Some(0), "{}", transcript(&built));
}

#[cfg(unix)]
#[test]
fn a_pipe_or_a_device_as_evidence_is_an_error_not_a_hang() {
    let (tmp, archive) = archive();
    let dir = archive.join(FOLDER);
    rustix::fs::mknodat(
        rustix::fs::CWD,
        dir.join("logs/pipe.log"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("logs/zero.csv")).unwrap();
    add_tables(
        &dir,
        "[[sources]]\nname = \"pipe\"\npath = \"logs/pipe.log\"\n[[metrics]]\nname = \"zero\"\npath = \"logs/zero.csv\"\n",
    );
    let checked = run(&root(), &["check", dir.to_str().unwrap()]);
    let text = transcript(&checked);
    assert_eq!(checked.status.code(), Some(1), "{text}");
    assert!(
        text.contains("`logs/pipe.log` is not a regular file"),
        "{text}"
    );
    assert!(
        text.contains("not a regular file (a folder, a pipe or a device)"),
        "{text}"
    );
    drop(tmp);
}

/// The sample incident with every rule on: the story stays readable.
#[test]
fn the_sample_with_every_rule_still_tells_its_story() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    let dir = archive.join("2026-11-03-checkout-500s");
    copy_dir(&root().join("sample-incident"), &dir);
    std::fs::write(
        archive.join("debrief.toml"),
        "[public]\nredact = [\"ip\", \"email\", \"hostname\", \"secret\"]\n",
    )
    .unwrap();
    let out = tmp.path().join("public");
    let built = build(&archive, &out, &["--public"]);
    assert_eq!(built.status.code(), Some(0), "{}", transcript(&built));
    let incident: debrief::model::Incident =
        toml::from_str(&std::fs::read_to_string(dir.join("incident.toml")).unwrap()).unwrap();
    let texts = site_texts(&out);
    let (_, report) = texts
        .iter()
        .find(|(f, _)| f.starts_with("incidents/2026-11-03-") && f.ends_with("/report.md"))
        .expect("the report");
    let readable = |text: &str| {
        // The first words of each text, as Markdown writes them.
        let words: String = text
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        report.contains(&words) || report.contains(&words.replace('-', "&#45;"))
    };
    let shown =
        |items: Vec<&str>| items.iter().filter(|t| readable(t)).count() as f64 / items.len() as f64;
    let timeline = shown(incident.timeline.iter().map(|e| e.text.as_str()).collect());
    let factors = shown(incident.factors.iter().map(|f| f.text.as_str()).collect());
    let actions = shown(incident.actions.iter().map(|a| a.text.as_str()).collect());
    assert!(timeline >= 0.9, "timeline entries readable: {timeline}");
    assert!(factors >= 0.9, "factors readable: {factors}");
    assert!(actions >= 0.9, "actions readable: {actions}");
    for source in &incident.sources {
        assert!(
            report.contains(&source.path) || report.contains(&source.path.replace('-', "&#45;")),
            "the file name {} is intact",
            source.path
        );
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// What a first attack round on the redaction found, each planted the way it was found:
/// secrets in configs and shells, addresses after labels, internal parts outside notes.md,
/// names in ids and joined as user names, customer names joined by hyphens, a source file
/// named after a host, invisible characters inside a key.
#[test]
fn what_an_attacker_tried_reaches_no_public_file() {
    let (tmp, archive) = archive();
    let dir = archive.join(FOLDER);
    let toml = std::fs::read_to_string(dir.join("incident.toml")).unwrap();
    let toml = toml
        .replace(
            "summary = \"\"\"\n",
            "summary = \"\"\"\nThe pool ran dry.\n<!-- internal -->\nVENDOR-CONTRACT-XYZ terms apply\n<!-- /internal -->\n",
        )
        .replace("id = \"t-2\"", "id = \"t-quillfeather-call\"")
        .replace(
            "text = \"a private step\"",
            "text = \"backend:10.1.2.3 source:10.0.4.17:8080 node:fe80::1 failed; acme-corp and acme_corp saw it; ticket https://jira.example.com/browse/OPS-1?assignee=samantha.quillfeather; key AKIAIOSF\\u200bODNN7EXAMPLE\"",
        )
        .replace("public = false\n", "");
    std::fs::write(dir.join("incident.toml"), toml).unwrap();
    std::fs::write(
        dir.join("notes.md"),
        "# Notes\n\n```yaml\nenv:\n  - name: DB_PASSWORD\n    value: YamlS3cretAbc\n```\n\n\
         | setting | value |\n|---|---|\n| DB_PASSWORD | TableS3cret99 |\n\n\
         Ran `curl -u admin:Adm1nPassw0rd https://x` and `mysql -uroot -pMysqlS3cret1`.\n\n\
         `postgres://app:Hunter/2026x@db/shop` and `DB_PASSWORD=\"correct horse battery staple\"`\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("logs/hosts")).unwrap();
    std::fs::write(
        dir.join("logs/hosts/db1.corp.internal"),
        "Nov  5 10:00:01 db1 postgres[1]: ready\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("metrics")).unwrap();
    std::fs::write(
        dir.join("metrics/load.csv"),
        "time,series,value\n2026-11-05T10:00:00Z,db7.corp.internal,1\n2026-11-05T10:01:00Z,db7.corp.internal,9\n",
    )
    .unwrap();
    add_tables(
        &dir,
        "[[sources]]\nname = \"hosts\"\npath = \"logs/hosts/*\"\n[[metrics]]\nname = \"load\"\npath = \"metrics/load.csv\"\n[[timeline]]\nid = \"t-9\"\nat = 2026-11-05T10:09:00Z\ntext = \"db1.corp.internal went down\"\n",
    );
    let toml = std::fs::read_to_string(dir.join("incident.toml")).unwrap();
    std::fs::write(
        dir.join("incident.toml"),
        toml.replace(
            "role = \"incident commander\"\n",
            "role = \"incident commander\"\nteam = \"Acme Corp escalations\"\n",
        ),
    )
    .unwrap();
    let out = tmp.path().join("public");
    let built = build(&archive, &out, &["--public"]);
    assert_eq!(built.status.code(), Some(0), "{}", transcript(&built));
    for (file, text) in site_texts(&out) {
        for plant in [
            "VENDOR-CONTRACT-XYZ",
            "10.1.2.3",
            "10.0.4.17",
            "fe80::1",
            "YamlS3cretAbc",
            "TableS3cret99",
            "Adm1nPassw0rd",
            "MysqlS3cret1",
            "2026x",
            "battery staple",
            "ODNN7EXAMPLE",
            "db1.corp.internal went",
            "db7.corp.internal",
        ] {
            assert!(!text.contains(plant), "{file} holds {plant}");
        }
        // The file's own name is a file name, shown as the place of its lines; the host in
        // text is not.
        assert_eq!(
            text.matches("db1.corp.internal").count(),
            text.matches("hosts/db1.corp.internal").count(),
            "{file} holds the host outside the file's path"
        );
        for name in ["Quillfeather", "Acme Corp"] {
            assert!(!has_name(&text, name), "{file} holds the name {name}");
            assert!(!has_name(&file, name), "the file name {file} holds {name}");
        }
    }
}

#[cfg(unix)]
#[test]
fn notes_linked_from_outside_and_a_telling_public_id_are_refused() {
    let (tmp, archive) = archive();
    let dir = archive.join(FOLDER);
    std::fs::write(tmp.path().join("outside.md"), "OUTSIDE-NOTES\n").unwrap();
    std::fs::remove_file(dir.join("notes.md")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("outside.md"), dir.join("notes.md")).unwrap();
    let toml = std::fs::read_to_string(dir.join("incident.toml")).unwrap();
    std::fs::write(
        dir.join("incident.toml"),
        toml.replace(
            "timezone = \"UTC\"\n",
            "timezone = \"UTC\"\npublic_id = \"acme-corp-outage\"\n",
        ),
    )
    .unwrap();
    let out = tmp.path().join("public");
    let built = build(&archive, &out, &["--public"]);
    let text = transcript(&built);
    assert_eq!(built.status.code(), Some(1), "{text}");
    assert!(
        text.contains("notes.md leads outside the incident's folder"),
        "{text}"
    );
    assert!(
        text.contains("`acme-corp-outage` holds what this incident's [public] rules redact"),
        "{text}"
    );
    assert!(!out.exists());
}
