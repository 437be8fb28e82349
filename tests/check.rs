//! `debrief check` on the sample incident and on broken and questionable fixtures.

mod common;

use common::{root, run, subdirs, transcript};

#[test]
fn the_sample_incident_is_clean() {
    let out = run(&root(), &["check", "sample-incident", "--deny-warnings"]);
    assert_eq!(
        transcript(&out),
        "exit: 0\n--- stdout\n\
         sources of sample-incident:\n  \
         checkout-api: jsonl in Europe/Berlin · 1010 of 1010 lines dated (100 %) · 2026-11-03 13:50:02 to 14:55:02\n  \
         nginx: clf in Europe/Berlin · 823 of 823 lines dated (100 %) · 2026-11-03 13:50:03 to 14:55:03\n  \
         postgres: postgres in Europe/Berlin · 397 of 397 lines dated (100 %) · 2026-11-03 13:50:15 to 14:55:10\n  \
         deploys: logfmt in Europe/Berlin · 35 of 35 lines dated (100 %) · 2026-11-03 13:52:00 to 14:49:00\n  \
         chat: slack in Europe/Berlin · 22 of 22 lines dated (100 %) · 2026-11-03 14:09:04 to 14:50:00\n  \
         alerts: alertmanager in Europe/Berlin · 2 of 2 lines dated (100 %) · 2026-11-03 14:08:30 to 14:09:00\n  \
         paging: pagerduty in Europe/Berlin · 6 of 6 lines dated (100 %) · 2026-11-03 14:09:04 to 14:49:20\n\
         configuration: none (no debrief.toml in sample-incident or its parents up to the repository root, .); defaults apply\n\
         checked 1 incident: no problems\n"
    );
}

/// Every broken fixture fails with exactly the diagnostics in its snapshot, and none panics.
#[test]
fn broken_fixtures_report_exact_diagnostics() {
    let dir = root().join("tests/fixtures/broken");
    let fixtures = subdirs(&dir);
    assert!(
        fixtures.len() >= 20,
        "only {} broken fixtures",
        fixtures.len()
    );
    for fixture in fixtures {
        let name = fixture.file_name().unwrap().to_str().unwrap().to_owned();
        let out = run(&dir, &["check", &name]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name} should fail with exit 1:\n{}",
            transcript(&out)
        );
        insta::assert_snapshot!(format!("broken-{name}"), transcript(&out));
    }
}

/// Warning fixtures pass `check`, fail `check --deny-warnings`, and say exactly what is wrong.
#[test]
fn warning_fixtures_pass_unless_warnings_are_denied() {
    let dir = root().join("tests/fixtures/warn");
    for fixture in subdirs(&dir) {
        let name = fixture.file_name().unwrap().to_str().unwrap().to_owned();
        let out = run(&dir, &["check", &name]);
        assert_eq!(out.status.code(), Some(0), "{name}:\n{}", transcript(&out));
        insta::assert_snapshot!(format!("warn-{name}"), transcript(&out));
        let denied = run(&dir, &["check", "--deny-warnings", &name]);
        assert_eq!(denied.status.code(), Some(1), "{name} with --deny-warnings");
    }
}

#[test]
fn json_output_gives_lines_and_columns() {
    let dir = root().join("tests/fixtures/broken");
    let out = run(&dir, &["check", "--format", "json", "many-errors"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(json["incidents"], 1);
    assert_eq!(json["errors"], 6, "{json:#}");
    let zone = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "invalid-timezone")
        .expect("a time zone diagnostic");
    assert_eq!(zone["file"], "many-errors/incident.toml");
    assert_eq!(
        (zone["line"].as_u64(), zone["column"].as_u64()),
        (Some(3), Some(12))
    );
    assert_eq!(zone["severity"], "error");
}

#[test]
fn several_paths_and_an_archive_are_checked_together() {
    let dir = root().join("tests/fixtures");
    let out = run(
        &dir,
        &["check", "warn", "broken/leads-to-cycle", "does-not-exist"],
    );
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text.contains("error[not-found]: does-not-exist: does not exist"),
        "{text}"
    );
    assert!(text.contains("error[cycle]"), "{text}");
    assert!(
        text.ends_with("checked 6 incidents: 2 errors, 22 warnings\n"),
        "{text}"
    );
}

#[test]
fn a_folder_without_incidents_is_an_error_not_a_silent_pass() {
    let empty = tempfile::tempdir().unwrap();
    let out = run(empty.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = transcript(&out);
    assert!(
        text.contains("holds no incidents: expected incident.toml there, or in its subfolders"),
        "{text}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = run(&root(), &["check", "--format", "xml"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&root(), &["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

/// An archive's severity scale applies to its incidents, also when one is checked on its own.
#[test]
fn the_archive_severity_scale_applies() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path();
    std::fs::write(
        archive.join("debrief.toml"),
        "[severities]\nlevels = [\"critical\", \"major\", \"minor\"]\n",
    )
    .unwrap();
    for (name, severity) in [("a-major", "major"), ("b-sev2", "SEV2")] {
        std::fs::create_dir(archive.join(name)).unwrap();
        let toml = format!("title = \"x\"\ntimezone = \"UTC\"\nseverity = \"{severity}\"\n");
        std::fs::write(archive.join(name).join("incident.toml"), toml).unwrap();
    }
    let alone = run(archive, &["check", "a-major"]);
    assert_eq!(
        transcript(&alone),
        "exit: 0\n--- stdout\nconfiguration: debrief.toml\nchecked 1 incident: no problems\n"
    );
    let out = run(archive, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = transcript(&out);
    assert!(
        text.contains("error[unknown-severity]: unknown severity `SEV2`"),
        "{text}"
    );
    assert!(
        text.contains("the scale is critical, major, minor"),
        "{text}"
    );
    let alone = run(&archive.join("b-sev2"), &["check"]);
    assert_eq!(
        alone.status.code(),
        Some(1),
        "the parent's debrief.toml applies to `check .` too"
    );
}

#[test]
fn a_file_given_for_an_incident_folder_says_why_once() {
    // `timeline` wants an incident folder; a log file given instead is named, with the
    // system's reason said once (not once in the message and again as its cause).
    let out = run(
        &root(),
        &["timeline", "sample-incident/logs/postgres.log", "--sources"],
    );
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let reason = "Not a directory";
    assert_eq!(text.matches(reason).count(), 1, "{text}");
    assert!(text.contains("sample-incident/logs/postgres.log"), "{text}");
}

/// A repository with `debrief.toml` at its root beside `incidents/`: `check incidents/` finds the
/// file in the parent (as git finds its repository), applies its policy, and says which file
/// it used; `--config` replaces the search, and with no file at all that is said once.
#[test]
fn configuration_is_found_in_the_parents_up_to_the_repository_root() {
    let dir = common::scratch();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    let incidents = repo.join("incidents");
    std::fs::create_dir_all(&incidents).unwrap();
    for name in ["2026-11-03-a", "2026-11-04-b"] {
        std::fs::create_dir_all(incidents.join(name)).unwrap();
        std::fs::write(
            incidents.join(name).join("incident.toml"),
            "title = \"Queue stalled\"\nseverity = \"SEV2\"\n\
             [times]\nstarted = 2026-11-03T10:00:00Z\n\
             [[actions]]\nid = \"a-1\"\ntext = \"Alert on queue depth\"\ndue = 2026-11-20\n",
        )
        .unwrap();
    }
    std::fs::write(
        repo.join("debrief.toml"),
        "[policy]\nrequire_owner = true\n",
    )
    .unwrap();

    let out = run(&repo, &["check", "incidents", "--today", "2026-11-10"]);
    let text = transcript(&out);
    assert_eq!(text.matches("[policy-owner]").count(), 2, "{text}");
    assert!(text.contains("\nconfiguration: debrief.toml\n"), "{text}");

    // From inside the folder the file is one level up.
    let out = run(&incidents, &["check", "--today", "2026-11-10"]);
    assert!(
        transcript(&out).contains("\nconfiguration: ../debrief.toml\n"),
        "{}",
        transcript(&out)
    );

    // --config replaces the search, for every command.
    std::fs::write(dir.path().join("other.toml"), "votes_per_person = 3\n").unwrap();
    let other = dir.path().join("other.toml");
    let out = run(
        &repo,
        &["check", "incidents", "--config", other.to_str().unwrap()],
    );
    let text = transcript(&out);
    assert_eq!(text.matches("[policy-owner]").count(), 0, "{text}");
    assert!(text.contains("other.toml (--config)"), "{text}");
    let out = run(&repo, &["--config", "nope.toml", "check", "incidents"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(transcript(&out).contains("--config nope.toml: no such file"));

    // No file: said once for two paths, naming where it looked; nothing above the repository.
    std::fs::remove_file(repo.join("debrief.toml")).unwrap();
    std::fs::write(
        dir.path().join("debrief.toml"),
        "[policy]\nrequire_owner = true\n",
    )
    .unwrap();
    let out = run(
        &repo,
        &["check", "incidents/2026-11-03-a", "incidents/2026-11-04-b"],
    );
    let text = transcript(&out);
    assert_eq!(text.matches("configuration: none").count(), 2, "{text}");
    let out = run(&repo, &["check", "incidents"]);
    let text = transcript(&out);
    assert_eq!(text.matches("configuration:").count(), 1, "{text}");
    assert!(
        text.contains(
            "configuration: none (no debrief.toml in incidents or its parents up to the \
             repository root, .); defaults apply"
        ),
        "{text}"
    );
    assert_eq!(text.matches("[policy-owner]").count(), 0, "{text}");
}
