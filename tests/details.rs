//! The Details view's API, `PATCH /api/details`, judged by the file on disk: the incident
//! record changes with its comments and layout kept, only the facilitator may change it, what
//! `check` would refuse is refused before anything is written, and an acknowledged change
//! survives kill -9.

mod common;

use common::{KEY, Server, status_and_code};

fn patch(server: &Server, token: &str, body: &str) -> debrief::serve::probe::Reply {
    server.call("PATCH", "/api/details", token, Some(body))
}

#[test]
fn a_fresh_incident_opens_in_prepare_and_its_record_lands_in_the_file() {
    let (_tmp, dir) = common::fresh_incident();
    let file = dir.join("incident.toml");
    let before = std::fs::read_to_string(&file).unwrap();
    let server = Server::start(&dir, &[]);
    let state = server.as_facilitator("GET", "/api/state", None).json();
    assert_eq!(state["phase"], "prepare");
    assert_eq!(state["phases"][0], "prepare");
    let reply = patch(
        &server,
        KEY,
        r#"{"title":"Checkout returned 500s","severity":"SEV2","status":"review",
            "times":{"started":"2026-12-06 09:00","resolved":"2026-12-06T10:30:00+01:00"},
            "summary":"Line one.\r\nLine two.","impact":"Half of checkouts failed.",
            "services":["checkout","payments","checkout"],"tags":["database"],
            "people":[{"handle":"sam","name":"Sam Lee","role":"incident commander"},{"handle":"ana","role":"scribe"}]}"#,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let after = common::wait_for_text(&file, "handle = \"ana\"");
    // `debrief new` dates its commented examples on the day it runs.
    let day = before
        .lines()
        .find_map(|l| l.strip_prefix("# started   = "))
        .and_then(|v| v.split('T').next())
        .expect("a commented start time");
    let expected = before
        .replace(
            "title    = \"Checkout down\"",
            "title    = \"Checkout returned 500s\"",
        )
        .replace("severity = \"SEV3\"     ", "severity = \"SEV2\"     ")
        .replace("status   = \"draft\"    ", "status   = \"review\"   ")
        .replace("services = []", "services = [\"checkout\", \"payments\"]")
        .replace("tags     = []", "tags     = [\"database\"]")
        .replace(
            "summary  = \"\"\"\nWhat happened, in two or three sentences, for someone who was not there.\n\"\"\"",
            "summary  = \"\"\"\nLine one.\nLine two.\"\"\"",
        )
        .replace(
            &format!("[times]\n# started   = {day}T09:00:00\n# detected  = {day}T09:05:00\n# mitigated = {day}T09:30:00\n# resolved  = {day}T10:00:00\n"),
            &format!("[times]\nstarted = 2026-12-06T09:00:00Z\nresolved = 2026-12-06T09:30:00Z\n# detected  = {day}T09:05:00\n# mitigated = {day}T09:30:00\n"),
        )
        .replace(
            "text = \"Who was affected, how, and for how long.\"",
            "text = \"Half of checkouts failed.\"",
        )
        + "\n[[people]]\nhandle = \"sam\"\nname = \"Sam Lee\"\nrole = \"incident commander\"\n\n[[people]]\nhandle = \"ana\"\nrole = \"scribe\"\n";
    assert_eq!(after, expected);
    let checked = common::run(&dir, &["check", "."]);
    assert!(checked.status.success(), "{}", common::transcript(&checked));
    // The form is filled from the record as written, not from the report's view of it.
    let details = server.as_facilitator("GET", "/api/state", None).json()["details"].clone();
    assert_eq!(details["times"]["started"], "2026-12-06T09:00:00Z");
    assert_eq!(details["impact"], "Half of checkouts failed.");
    assert_eq!(
        details["people"][1],
        serde_json::json!({ "handle": "ana", "name": null, "role": "scribe" })
    );
    let token = server.join(Some("Alex"));
    let phone = server.call("GET", "/api/state", &token, None).json();
    assert!(
        phone["details"].is_null(),
        "a phone does not get the record: {phone}"
    );

    // People are matched by handle: Sam keeps his table, Ana goes, Kim comes.
    let reply = patch(
        &server,
        KEY,
        r#"{"people":[{"handle":"sam","name":"Sam Lee","role":"communications"},{"handle":"kim"}]}"#,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let after = common::wait_for_text(&file, "handle = \"kim\"");
    assert!(
        after.contains(
            "[[people]]\nhandle = \"sam\"\nname = \"Sam Lee\"\nrole = \"communications\"\n"
        ),
        "{after}"
    );
    assert!(!after.contains("ana"), "{after}");
    // A time emptied is removed.
    let reply = patch(&server, KEY, r#"{"times":{"resolved":""}}"#);
    assert_eq!(reply.status, 200, "{}", reply.body);
    common::wait_until("resolved removed", || {
        !std::fs::read_to_string(&file)
            .unwrap()
            .contains("resolved = 2026")
    });
}

#[test]
fn what_check_would_refuse_is_refused_before_the_file_changes() {
    let (_tmp, dir) = common::fresh_incident();
    let file = dir.join("incident.toml");
    let server = Server::start(&dir, &[]);
    let before = std::fs::read_to_string(&file).unwrap();
    for (body, status, code) in [
        (r#"{"severity":"SEV9"}"#, 422, "invalid"),
        (r#"{"title":"  "}"#, 422, "empty"),
        (r#"{"times":{"started":"yesterday"}}"#, 422, "bad-time"),
        (
            r#"{"people":[{"handle":"sam"},{"handle":"sam"}]}"#,
            422,
            "duplicate-handle",
        ),
        (r#"{"people":[{"handle":"sam lee"}]}"#, 422, "bad-handle"),
        (r#"{"summary":"a\u202eb"}"#, 422, "bidi-control"),
        (r#"{"title":"a\nb"}"#, 422, "not-one-line"),
        (r#"{"services":["a\u2028b"]}"#, 422, "not-one-line"),
        (r#"{"title":"x","owner":"y"}"#, 422, "invalid"),
        (r#"{}"#, 422, "nothing-to-change"),
        (r#"{"status":"done"}"#, 422, "invalid"),
    ] {
        let reply = patch(&server, KEY, body);
        assert_eq!(
            status_and_code(&reply),
            (status, code.to_owned()),
            "{body}: {}",
            reply.body
        );
    }
    // A participant may not change the record.
    let token = server.join(Some("Alex"));
    let reply = patch(&server, &token, r#"{"title":"Mine now"}"#);
    assert_eq!(
        status_and_code(&reply),
        (403, "facilitator-only".to_owned())
    );
    // Refused before the journal: nothing is pending that could reach the file later.
    let journal = std::fs::read_to_string(dir.join(".debrief/journal.jsonl")).unwrap_or_default();
    assert!(!journal.contains("set-details"), "{journal}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
}

#[test]
fn an_incident_with_a_story_opens_where_it_did() {
    let (_tmp, dir) = common::sample_copy();
    let server = Server::start(&dir, &[]);
    let state = server.as_facilitator("GET", "/api/state", None).json();
    assert_eq!(state["phase"], "timeline");
    // Prepare stays one click away.
    let reply = server.as_facilitator("POST", "/api/phase", Some(r#"{"phase":"prepare"}"#));
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[test]
fn an_acknowledged_change_of_the_record_survives_kill_9() {
    let (_tmp, dir) = common::fresh_incident();
    let file = dir.join("incident.toml");
    let before = std::fs::read_to_string(&file).unwrap();
    {
        let server = Server::start(&dir, &[]);
        let reply = patch(
            &server,
            KEY,
            r#"{"title":"Written before the kill","services":["checkout"]}"#,
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        common::signal(&server.child, "-9");
    }
    // Whether or not the write landed before the kill, it is in the journal.
    std::fs::write(&file, &before).unwrap();
    let _server = Server::start(&dir, &[]);
    let after = common::wait_for_text(&file, "Written before the kill");
    assert!(after.contains("services = [\"checkout\"]"), "{after}");
    assert!(
        after.starts_with("#:schema .debrief/incident.schema.json\n# An incident for debrief."),
        "{after}"
    );
}
