//! Blameless nudges in the meeting: `POST /api/lint` as people type, warnings in the answer of
//! every route that takes a text (the text is accepted all the same), and a mark on the shared
//! screen's state.

mod common;

use common::{Server, sample_copy, status_and_code};
use serde_json::json;

#[test]
fn the_lint_endpoint_says_what_and_where_in_characters() {
    let (_tmp, dir) = sample_copy();
    let server = Server::start(&dir, &[]);
    let token = server.join(Some("Alex"));
    let text = "Ünlucky: priya ignored the alert, and we should have paged";
    let reply = server.call(
        "POST",
        "/api/lint",
        &token,
        Some(&json!({ "text": text }).to_string()),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let warnings = reply.json()["warnings"].clone();
    let rules: Vec<&str> = warnings
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["blameless/person", "blameless/counterfactual"]);
    // Offsets count characters, so a page can mark the phrase whatever the script.
    let chars: Vec<char> = text.chars().collect();
    let phrase = |w: &serde_json::Value| -> String {
        chars[w["start"].as_u64().unwrap() as usize..w["end"].as_u64().unwrap() as usize]
            .iter()
            .collect()
    };
    assert_eq!(phrase(&warnings[0]), "priya ignored");
    assert_eq!(phrase(&warnings[1]), "should have paged");
    assert!(
        warnings[1]["help"]
            .as_str()
            .unwrap()
            .starts_with("describe what happened"),
        "{warnings}"
    );

    // Clean text: an empty list. The facilitator may ask too.
    let clean = server.as_facilitator(
        "POST",
        "/api/lint",
        Some(r#"{"text":"The pool ran out at 14:09."}"#),
    );
    assert_eq!(clean.json(), json!({ "warnings": [] }));

    // Bad input.
    let ask = |token: &str, method: &str, body: Option<&str>| {
        status_and_code(&server.call(method, "/api/lint", token, body))
    };
    assert_eq!(ask(&token, "GET", None).0, 405);
    assert_eq!(ask("nobody", "POST", Some(r#"{"text":"x"}"#)).0, 401);
    assert_eq!(ask(&token, "POST", Some("{")).0, 400);
    assert_eq!(ask(&token, "POST", Some(r#"{"words":"x"}"#)).0, 422);
    let long = json!({ "text": "a".repeat(2001) }).to_string();
    assert_eq!(ask(&token, "POST", Some(&long)).0, 422);
}

#[test]
fn every_route_that_takes_text_answers_with_its_warnings_and_keeps_the_text() {
    let (_tmp, dir) = sample_copy();
    let file = dir.join("incident.toml");
    let server = Server::start(&dir, &[]);
    let token = server.join(Some("Alex"));
    let post = |path: &str, body: serde_json::Value| {
        let reply = server.call("POST", path, &token, Some(&body.to_string()));
        assert_eq!(reply.status, 201, "{path}: {}", reply.body);
        reply.json()
    };
    let rules = |answer: &serde_json::Value| -> Vec<String> {
        answer["warnings"]
            .as_array()
            .unwrap_or_else(|| panic!("no warnings in {answer}"))
            .iter()
            .map(|w| w["rule"].as_str().unwrap().to_owned())
            .collect()
    };
    let entry = post(
        "/api/timeline",
        json!({"at": "2026-11-03T14:05", "text": "The DBA should have caught the pool limit"}),
    );
    assert_eq!(rules(&entry), ["blameless/counterfactual"]);
    let factor = post(
        "/api/factors",
        json!({"text": "Human error in the deploy checklist"}),
    );
    assert_eq!(rules(&factor), ["blameless/human-error"]);
    let action = post("/api/actions", json!({"text": "Add a pool alert"}));
    assert_eq!(rules(&action), Vec::<String>::new(), "clean: an empty list");

    // Edits too.
    let id = factor["id"].as_str().unwrap();
    let edited = server.call(
        "PATCH",
        &format!("/api/factors/{id}"),
        &token,
        Some(r#"{"text":"The deploy checklist has no pool step"}"#),
    );
    assert_eq!(rules(&edited.json()), Vec::<String>::new());
    let id = action["id"].as_str().unwrap();
    let edited = server.call(
        "PATCH",
        &format!("/api/actions/{id}"),
        &token,
        Some(r#"{"text":"Make sure the careless deployer never does it again"}"#),
    );
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert!(!rules(&edited.json()).is_empty(), "{}", edited.body);
    let id = entry["id"].as_str().unwrap();
    let edited = server.call(
        "PATCH",
        &format!("/api/timeline/{id}"),
        &token,
        Some(r#"{"text":"The pool limit was not in the review checklist"}"#),
    );
    assert_eq!(rules(&edited.json()), Vec::<String>::new());
    // Routes without text say nothing about it.
    let phase = server.as_facilitator("POST", "/api/phase", Some(r#"{"phase":"factors"}"#));
    assert!(phase.json().get("warnings").is_none(), "{}", phase.body);

    // The flagged text is in the file as typed, and marked on the shared screen only.
    common::wait_for_text(&file, "the careless deployer");
    let shared = server.as_facilitator("GET", "/api/state", None).json();
    let marked: Vec<&serde_json::Value> = shared["incident"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a.get("nudged").is_some())
        .collect();
    assert_eq!(marked.len(), 1, "{shared}");
    assert_eq!(marked[0]["nudged"], json!(["blameless/character"]));
    let phone = server.call("GET", "/api/state", &token, None).json();
    assert!(!phone.to_string().contains("nudged"));
}
