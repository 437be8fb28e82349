//! Feedback at wrap-up: one answer per participant (a second replaces the first), stored in
//! incident.toml without names, summed up on the shared screen; refused before wrap-up, from
//! the facilitator, from a removed participant and out of range, with nothing journaled.

mod common;

use common::{Server, sample_copy, status_and_code, wait_for_text};

#[test]
fn answers_land_without_names_and_a_second_replaces_the_first() {
    let (_tmp, dir) = sample_copy();
    let file = dir.join("incident.toml");
    let server = Server::start(&dir, &[]);
    let alex = server.join(Some("Alex"));
    let bo = server.join(Some("Bo"));
    let give = |token: &str, body: &str| server.call("POST", "/api/feedback", token, Some(body));

    // Before wrap-up, and from the facilitator: refused.
    assert_eq!(
        status_and_code(&give(&alex, r#"{"rating":4}"#)),
        (409, "not-wrap-up".into())
    );
    let moved = server.as_facilitator("POST", "/api/phase", Some(r#"{"phase":"wrap-up"}"#));
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(
        status_and_code(&server.as_facilitator("POST", "/api/feedback", Some(r#"{"rating":4}"#))),
        (403, "participants-only".into())
    );
    // Out of range, or not a number.
    for body in [
        r#"{"rating":0}"#,
        r#"{"rating":6}"#,
        r#"{"rating":300}"#,
        r#"{"rating":"great"}"#,
        r#"{"text":"no rating"}"#,
        r#"{"rating":3,"name":"Alex"}"#,
    ] {
        assert_eq!(give(&alex, body).status, 422, "{body}");
    }

    let first = give(
        &alex,
        r#"{"rating":4,"text":"Good pace; the timeline took long"}"#,
    );
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(give(&bo, r#"{"rating":5}"#).status, 201);
    wait_for_text(&file, "rating = 5");
    let again = give(&alex, r#"{"rating":2,"text":"Too long"}"#);
    assert_eq!(
        again.status, 200,
        "a second answer replaces the first: {}",
        again.body
    );
    let text = wait_for_text(&file, "rating = 2");
    assert_eq!(text.matches("[[feedback]]").count(), 2, "{text}");
    assert!(!text.contains("rating = 4"), "{text}");
    let tail = &text[text.find("[[feedback]]").unwrap()..];
    assert!(
        !tail.contains("Alex") && !tail.contains("Bo\"") && !tail.contains("p-"),
        "no names or participant ids: {tail}"
    );
    assert!(tail.contains("text = \"Too long\""), "{tail}");

    // The shared screen's summary, and each phone's own answer.
    let state = server.as_facilitator("GET", "/api/state", None).json();
    assert_eq!(state["feedback"]["count"], 2);
    assert_eq!(state["feedback"]["average"], 3.5);
    assert_eq!(
        state["feedback"]["comments"],
        serde_json::json!(["Too long"])
    );
    let mine = server.call("GET", "/api/state", &alex, None).json();
    assert_eq!(mine["you"]["feedback"]["rating"], 2);

    // A removed participant's token no longer works.
    let people = state["participants"]["people"].as_array().unwrap().clone();
    let number = people.iter().find(|p| p["name"] == "Bo").unwrap()["number"].to_string();
    let removed = server.as_facilitator("DELETE", &format!("/api/participants/{number}"), None);
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(give(&bo, r#"{"rating":1}"#).status, 401);

    // Only the accepted answers were journaled.
    let journal = std::fs::read_to_string(dir.join(".debrief/journal.jsonl")).unwrap();
    assert_eq!(
        journal.matches("\"type\":\"feedback\"").count(),
        3,
        "{journal}"
    );
    // And the file stays valid for `debrief check`.
    let check = common::run(&common::root(), &["check", dir.to_str().unwrap()]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        common::transcript(&check)
    );
}

#[test]
fn a_rating_out_of_range_in_the_file_is_an_error() {
    let (_tmp, dir) = sample_copy();
    let file = dir.join("incident.toml");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("\n[[feedback]]\nrating = 9\n");
    std::fs::write(&file, text).unwrap();
    let out = common::run(&common::root(), &["check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        common::transcript(&out).contains("a feedback rating is 1 to 5, not 9"),
        "{}",
        common::transcript(&out)
    );
}
