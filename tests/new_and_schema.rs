//! `debrief new` scaffolds an incident that passes `check`; `debrief schema` matches the model.

mod common;

use common::{root, run, transcript};

#[test]
fn new_scaffolds_an_incident_that_passes_check() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(
        tmp.path(),
        &[
            "new",
            "2026-11-03-checkout-500s",
            "--title",
            "Checkout \"500s\" after deploy",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let dir = tmp.path().join("2026-11-03-checkout-500s");
    for file in [
        "incident.toml",
        "notes.md",
        "logs/.gitkeep",
        ".debrief/incident.schema.json",
    ] {
        assert!(dir.join(file).is_file(), "{file} was not written");
    }
    let toml = std::fs::read_to_string(dir.join("incident.toml")).unwrap();
    assert!(
        toml.starts_with("#:schema .debrief/incident.schema.json\n"),
        "{toml}"
    );
    assert!(
        toml.contains(r#"title    = 'Checkout "500s" after deploy'"#),
        "{toml}"
    );

    let check = run(
        tmp.path(),
        &["check", "--deny-warnings", "2026-11-03-checkout-500s"],
    );
    assert_eq!(
        transcript(&check),
        "exit: 0\n--- stdout\nconfiguration: none (no debrief.toml in 2026-11-03-checkout-500s or .); defaults apply\n\
         checked 1 incident: no problems\n"
    );
}

#[test]
fn new_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("incident");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("incident.toml"), "title = \"mine\"\n").unwrap();
    let out = run(tmp.path(), &["new", "incident"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: incident already exists and is not empty; debrief new never overwrites files\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("incident.toml")).unwrap(),
        "title = \"mine\"\n"
    );
}

#[test]
fn new_fills_an_existing_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("empty")).unwrap();
    let out = run(tmp.path(), &["new", "empty"]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    assert!(tmp.path().join("empty/incident.toml").is_file());
}

#[test]
fn schema_is_json_that_rejects_unknown_keys() {
    let out = run(&root(), &["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the schema is JSON");
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(schema["required"], serde_json::json!(["title"]));
    let properties = schema["properties"].as_object().unwrap();
    for key in [
        "title", "severity", "status", "timezone", "times", "impact", "people", "sources",
        "timeline", "factors", "actions", "lessons",
    ] {
        assert!(properties.contains_key(key), "the schema lacks `{key}`");
    }
    let kinds = &schema["$defs"]["Kind"]["enum"];
    assert_eq!(kinds.as_array().map(Vec::len), Some(8), "{kinds}");
}

/// The sample ships the schema its `#:schema` line points at; it must match the binary's.
#[test]
fn the_sample_schema_is_current() {
    let out = run(&root(), &["schema"]);
    let shipped =
        std::fs::read_to_string(root().join("sample-incident/.debrief/incident.schema.json"))
            .unwrap();
    assert!(
        shipped == String::from_utf8_lossy(&out.stdout),
        "sample-incident/.debrief/incident.schema.json is stale: run `cargo run -- schema > sample-incident/.debrief/incident.schema.json`"
    );
}
