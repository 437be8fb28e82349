//! A meeting for a remote team, behind its own proxy: names from the team's sign-in, believed
//! only from the proxy's address. (tests/remote-meeting/run.sh puts real nginx in front.)

mod common;

use common::{CODE, Server, sample_copy};

fn join_with(server: &Server, typed: &str, header: &str) -> serde_json::Value {
    let body = serde_json::json!({ "code": CODE, "name": typed, "anonymous": false });
    let reply = debrief::serve::probe::request(
        &server.addr,
        "POST",
        "/api/join",
        &[format!("X-Forwarded-User: {header}")],
        Some(&body.to_string()),
    )
    .unwrap();
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

/// A server that takes names from `X-Forwarded-User` sent from `proxy`.
fn behind_proxy_at(dir: &std::path::Path, proxy: &str) -> Server {
    Server::start(
        dir,
        &[
            "--trust-user-header",
            "X-Forwarded-User",
            "--trusted-proxy",
            proxy,
        ],
    )
}

fn journal(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join(".debrief/journal.jsonl")).unwrap()
}

#[test]
fn the_sign_in_names_a_participant_when_the_request_comes_from_the_proxy() {
    let (_tmp, dir) = sample_copy();
    let server = behind_proxy_at(&dir, "127.0.0.1");
    let answer = join_with(&server, "Someone Else", "dana.ops");
    assert_eq!(answer["name"], "dana.ops");
    assert_eq!(answer["verified"], true);
    let sign_in = debrief::serve::probe::request(
        &server.addr,
        "GET",
        "/api/sign-in",
        &["X-Forwarded-User: dana.ops".to_owned()],
        None,
    )
    .unwrap();
    assert_eq!(sign_in.status, 200);
    assert_eq!(sign_in.json()["name"], "dana.ops");
    // The facilitator's list says who signed in.
    let state = server.as_facilitator("GET", "/api/state", None).json();
    let people = &state["participants"]["people"];
    assert_eq!(people[0]["name"], "dana.ops", "{state}");
    assert_eq!(people[0]["verified"], true);
    let journal = journal(&dir);
    assert!(journal.contains(r#""name":"dana.ops""#), "{journal}");
    assert!(journal.contains(r#""verified":true"#), "{journal}");
    assert!(!journal.contains("Someone Else"), "{journal}");
    // Someone who chooses to be anonymous stays anonymous.
    let body = serde_json::json!({ "code": CODE, "name": null, "anonymous": true });
    let reply = debrief::serve::probe::request(
        &server.addr,
        "POST",
        "/api/join",
        &["X-Forwarded-User: erin".to_owned()],
        Some(&body.to_string()),
    )
    .unwrap();
    assert_eq!(reply.json()["name"], serde_json::Value::Null);
}

#[test]
fn the_header_from_any_other_address_is_ignored() {
    let (_tmp, dir) = sample_copy();
    // The proxy is at 127.0.0.2; this test connects from 127.0.0.1.
    let server = behind_proxy_at(&dir, "127.0.0.2");
    let answer = join_with(&server, "Frank", "root");
    assert_eq!(answer["name"], "Frank");
    assert_eq!(answer["verified"], false);
    let journal = journal(&dir);
    assert!(!journal.contains("root"), "{journal}");
    assert!(!journal.contains("verified\":true"), "{journal}");
}

#[test]
fn a_sign_in_without_a_proxy_address_is_refused_at_start() {
    let (_tmp, dir) = sample_copy();
    let out = common::run(
        &common::root(),
        &[
            "serve",
            dir.to_str().unwrap(),
            "--trust-user-header",
            "X-Forwarded-User",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", common::transcript(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--trusted-proxy"), "{err}");
}

#[test]
fn a_public_url_with_a_port_goes_into_the_join_link() {
    let (_tmp, dir) = sample_copy();
    let mut child = common::debrief(&common::root())
        .args(["serve", dir.to_str().unwrap(), "--port", "0"])
        .args(["--public-url", "https://meet.example.com:8443/"])
        .args(["--facilitator-key", common::KEY, "--join-code", CODE])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut out = String::new();
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !out.contains("/join/") {
        line.clear();
        if std::io::BufRead::read_line(&mut reader, &mut line).unwrap() == 0 {
            break;
        }
        out.push_str(&line);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        out.contains(&format!("https://meet.example.com:8443/join/{CODE}")),
        "{out}"
    );
    // Where the proxy passes requests to.
    assert!(
        out.contains("Listening on:                    http://127.0.0.1:"),
        "{out}"
    );
}
