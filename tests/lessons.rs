//! The Lessons phase: went-well, went-wrong and lucky items from phones land in `[lessons]`,
//! can be edited and deleted, and bad requests journal nothing. The file on disk is the judge.

mod common;

use common::{Server, sample_copy, status_and_code, wait_for_text};
use serde_json::json;

#[test]
fn lessons_land_in_the_file_and_can_be_edited_and_deleted() {
    let (_tmp, dir) = sample_copy();
    let file = dir.join("incident.toml");
    let server = Server::start(&dir, &[]);
    let moved = server.as_facilitator("POST", "/api/phase", Some(r#"{"phase":"lessons"}"#));
    assert_eq!(moved.status, 200, "{}", moved.body);
    let state = server.as_facilitator("GET", "/api/state", None).json();
    assert_eq!(state["phase"], "lessons");
    let phases = state["phases"].as_array().unwrap();
    let at = |p: &str| phases.iter().position(|x| x == p).unwrap();
    assert_eq!(
        at("lessons"),
        at("actions") + 1,
        "between actions and wrap-up"
    );
    assert_eq!(at("wrap-up"), at("lessons") + 1);

    let alex = server.join(Some("Alex"));
    let bo = server.join(Some("Bo"));
    let add = |token: &str, kind: &str, text: &str| {
        server.call(
            "POST",
            "/api/lessons",
            token,
            Some(&json!({ "kind": kind, "text": text }).to_string()),
        )
    };
    let well = add(&alex, "went-well", "The rollback took two minutes");
    assert_eq!(well.status, 201, "{}", well.body);
    let well_id = well.json()["id"].as_str().unwrap().to_owned();
    assert!(well.json()["warnings"].as_array().unwrap().is_empty());
    let lucky = add(&bo, "lucky", "Traffic was low on a Tuesday");
    assert_eq!(lucky.status, 201);
    let lucky_id = lucky.json()["id"].as_str().unwrap().to_owned();
    let wrong = add(&bo, "went-wrong", "Nobody had tested the pool limit");
    assert_eq!(wrong.status, 201);
    let text = wait_for_text(&file, "Nobody had tested the pool limit");
    for lesson in [
        "The rollback took two minutes",
        "Traffic was low on a Tuesday",
    ] {
        assert!(text.contains(&format!("\"{lesson}\"")), "{text}");
    }
    // Appended to the sample's own lists, comments and all kept.
    let parsed: debrief::model::Incident = toml::from_str(&text).unwrap();
    assert_eq!(
        parsed.lessons.went_well.last().unwrap(),
        "The rollback took two minutes"
    );
    assert_eq!(
        parsed.lessons.lucky.last().unwrap(),
        "Traffic was low on a Tuesday"
    );
    assert!(text.starts_with("#:schema"), "the header comment stays");
    assert!(
        text.contains("\n  \"Traffic was low on a Tuesday\",\n]"),
        "one lesson a line, as the list was written: {text}"
    );

    // Live on every screen, with ids.
    let state = server.call("GET", "/api/state", &alex, None).json();
    let lessons = state["lessons"].as_array().unwrap();
    assert!(
        lessons
            .iter()
            .any(|l| l["id"] == well_id.as_str() && l["live"] == true)
    );
    assert!(
        lessons.iter().any(|l| l["live"] == false),
        "the sample's own lessons too"
    );

    // The author edits; someone else may not; the facilitator may.
    let patch = |token: &str, id: &str, text: &str| {
        server.call(
            "PATCH",
            &format!("/api/lessons/{id}"),
            token,
            Some(&json!({ "text": text }).to_string()),
        )
    };
    assert_eq!(
        patch(&alex, &well_id, "The rollback took under two minutes").status,
        200
    );
    assert_eq!(
        status_and_code(&patch(&alex, &lucky_id, "Mine now")),
        (403, "not-yours".into())
    );
    let text = wait_for_text(&file, "The rollback took under two minutes");
    assert!(
        !text.contains("\"The rollback took two minutes\""),
        "{text}"
    );
    // A lesson written by hand has an id from its text; the facilitator can edit it.
    let hand = state["lessons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["live"] == false)
        .unwrap()
        .clone();
    let reply = server.as_facilitator(
        "PATCH",
        &format!("/api/lessons/{}", hand["id"].as_str().unwrap()),
        Some(r#"{"text":"Reworded by the facilitator"}"#),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let text = wait_for_text(&file, "Reworded by the facilitator");
    assert!(!text.contains(hand["text"].as_str().unwrap()));

    // Deleting is the facilitator's.
    let del =
        |token: &str, id: &str| server.call("DELETE", &format!("/api/lessons/{id}"), token, None);
    assert_eq!(status_and_code(&del(&bo, &lucky_id)).0, 403);
    assert_eq!(del(common::KEY, &lucky_id).status, 200);
    common::wait_until("the text to go", || {
        !std::fs::read_to_string(&file)
            .unwrap()
            .contains("Traffic was low on a Tuesday")
    });
    assert_eq!(status_and_code(&del(common::KEY, &lucky_id)).0, 404);
}

#[test]
fn bad_lessons_get_clear_errors_and_nothing_is_journaled() {
    let (_tmp, dir) = sample_copy();
    let server = Server::start(&dir, &[]);
    let alex = server.join(Some("Alex"));
    let post =
        |body: &str| status_and_code(&server.call("POST", "/api/lessons", &alex, Some(body)));
    assert_eq!(
        post(r#"{"kind":"went-sideways","text":"x"}"#).0,
        422,
        "unknown kind"
    );
    assert_eq!(post(r#"{"kind":"lucky"}"#).0, 422, "no text");
    assert_eq!(post(r#"{"kind":"lucky","text":"  "}"#).0, 422, "empty text");
    let long = json!({ "kind": "lucky", "text": "a".repeat(2001) }).to_string();
    assert_eq!(post(&long).0, 422);
    assert_eq!(post("{").0, 400);
    assert_eq!(post(r#"{"kind":"lucky","text":"Low traffic"}"#).0, 201);
    assert_eq!(
        post(r#"{"kind":"lucky","text":"Low traffic"}"#),
        (409, "duplicate".into())
    );
    assert_eq!(
        status_and_code(&server.call(
            "PATCH",
            "/api/lessons/l-nope",
            &alex,
            Some(r#"{"text":"x"}"#)
        )),
        (404, "not-found".into())
    );
    assert_eq!(
        status_and_code(&server.call("GET", "/api/lessons", &alex, None)).0,
        404
    );
    let journal = std::fs::read_to_string(dir.join(".debrief/journal.jsonl")).unwrap();
    assert_eq!(journal.matches("\"add-lesson\"").count(), 1, "{journal}");
}

/// What the meeting adds reads like the file around it: a new `[[actions]]` table has its keys
/// aligned like the sample's, and lessons added to the empty lists of `debrief new` are written
/// one a line once they no longer fit on one.
#[test]
fn what_the_meeting_adds_reads_like_the_file_around_it() {
    let (_tmp, dir) = sample_copy();
    let file = dir.join("incident.toml");
    let server = Server::start(&dir, &[]);
    let added = server.as_facilitator(
        "POST",
        "/api/actions",
        Some(
            &json!({ "text": "Cap each pod's pool", "owner": "sam", "due": "2026-12-20", "priority": "P2" })
                .to_string(),
        ),
    );
    assert_eq!(added.status, 201, "{}", added.body);
    let text = wait_for_text(&file, "Cap each pod's pool");
    let table = text
        .split("\n[[actions]]\n")
        .find(|t| t.contains("Cap each pod's pool"))
        .unwrap();
    // The sample's actions align their `=` after `priority` (column 9).
    for line in table.lines().take_while(|l| !l.is_empty()) {
        assert_eq!(line.find(" = "), Some(8), "{line:?} in\n{table}");
    }
    drop(server);

    let tmp = tempfile::tempdir().unwrap();
    let out = common::run(tmp.path(), &["new", "fresh"]);
    assert!(out.status.success(), "{out:?}");
    let fresh = tmp.path().join("fresh");
    let server = Server::start(&fresh, &[]);
    let phone = server.join(Some("Alex"));
    let lessons = [
        "The status page went out within nine minutes",
        "The database on-call joined quickly",
        "Rolling back took one command",
    ];
    for lesson in lessons {
        let reply = server.call(
            "POST",
            "/api/lessons",
            &phone,
            Some(&json!({ "kind": "went-well", "text": lesson }).to_string()),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let text = wait_for_text(&fresh.join("incident.toml"), lessons[2]);
    let expected = format!(
        "went_well  = [\n    \"{}\",\n    \"{}\",\n    \"{}\",\n]\n",
        lessons[0], lessons[1], lessons[2]
    );
    assert!(text.contains(&expected), "{text}");
}
