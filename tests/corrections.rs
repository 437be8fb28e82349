//! Correcting a timeline entry in the meeting: its time, kind, lane and text, with the file on
//! disk as the judge, and the refusals that leave the journal untouched.

mod common;

use common::{Server, sample_copy, status_and_code};

#[test]
fn the_facilitator_corrects_time_kind_lane_and_text() {
    let (_tmp, dir) = sample_copy();
    let file = dir.join("incident.toml");
    let server = Server::start(&dir, &[]);
    let reply = server.as_facilitator(
        "PATCH",
        "/api/timeline/t-deploy",
        Some(r#"{"at":"2026-11-03T13:54:30","kind":"event","lane":"releases","text":"Rolling deploy of v4.2.0 starts"}"#),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    // Written in place, aligned as the person wrote it; a time in the incident's zone gets its
    // offset.
    let text = common::wait_for_text(&file, "Rolling deploy of v4.2.0 starts");
    assert!(
        text.contains(
            "id     = \"t-deploy\"\nat     = 2026-11-03T13:54:30+01:00\ntext   = \"Rolling deploy of v4.2.0 starts\"\nkind   = \"event\"\nlane   = \"releases\"\nsource = \"logs/deploy.log:8\"\n"
        ),
        "{text}"
    );
    // An empty lane removes it; nothing else moves.
    let reply = server.as_facilitator("PATCH", "/api/timeline/t-deploy", Some(r#"{"lane":""}"#));
    assert_eq!(reply.status, 200, "{}", reply.body);
    common::wait_until("the text to go", || {
        !std::fs::read_to_string(&file)
            .unwrap()
            .contains("lane   = \"releases\"")
    });
    let state = server.as_facilitator("GET", "/api/state", None).json();
    let entry = state["incident"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "t-deploy")
        .unwrap()
        .clone();
    assert_eq!(entry["kind"], "event");
    assert!(entry["lane"].is_null(), "{entry}");
}

#[test]
fn bad_corrections_are_refused_and_nothing_is_journaled() {
    let (_tmp, dir) = sample_copy();
    let file = dir.join("incident.toml");
    let before = std::fs::read_to_string(&file).unwrap();
    let server = Server::start(&dir, &[]);
    let patch =
        |path: &str, body: &str| status_and_code(&server.as_facilitator("PATCH", path, Some(body)));
    assert_eq!(
        patch("/api/timeline/t-deploy", r#"{"at":"yesterday"}"#),
        (422, "bad-time".into())
    );
    assert_eq!(
        patch("/api/timeline/t-deploy", r#"{"at":"1969-12-31T23:00:00Z"}"#),
        (422, "invalid".into()),
        "before 1970, as `check` refuses"
    );
    assert_eq!(
        patch("/api/timeline/t-deploy", r#"{"kind":"rumour"}"#).0,
        422
    );
    assert_eq!(
        patch("/api/timeline/t-deploy", "{}"),
        (422, "nothing-to-change".into())
    );
    assert_eq!(patch("/api/timeline/t-deploy", r#"{"text":"   "}"#).0, 422);
    assert_eq!(
        patch("/api/timeline/t-nope", r#"{"kind":"event"}"#),
        (404, "not-found".into())
    );
    assert_eq!(
        patch("/api/timeline/t-deploy", r#"{"votes":1}"#).0,
        422,
        "unknown fields"
    );
    // A participant corrects only what they added.
    let token = server.join(Some("Alex"));
    let theirs = server.call(
        "PATCH",
        "/api/timeline/t-deploy",
        &token,
        Some(r#"{"kind":"event"}"#),
    );
    assert_eq!(status_and_code(&theirs), (403, "not-yours".into()));
    let added = server.call(
        "POST",
        "/api/timeline",
        &token,
        Some(r#"{"at":"2026-11-03T14:03","text":"Saw the waiters climb"}"#),
    );
    assert_eq!(added.status, 201, "{}", added.body);
    let id = added.json()["id"].as_str().unwrap().to_owned();
    let own = server.call(
        "PATCH",
        &format!("/api/timeline/{id}"),
        &token,
        Some(r#"{"at":"2026-11-03T14:04:10","kind":"alert"}"#),
    );
    assert_eq!(own.status, 200, "{}", own.body);
    let text = common::wait_for_text(&file, "at = 2026-11-03T14:04:10+01:00");
    assert!(text.contains("kind = \"alert\""), "{text}");
    // The refused ones left no trace in the journal.
    let journal = std::fs::read_to_string(dir.join(".debrief/journal.jsonl")).unwrap();
    assert_eq!(
        journal.matches("\"update-entry\"").count(),
        1,
        "only the participant's own correction: {journal}"
    );
    assert!(before.contains("kind   = \"action\""));
}
