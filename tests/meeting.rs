//! The live meeting end to end: the real binary, real HTTP, and `incident.toml` on disk.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use common::{CODE, KEY, Server, copy_sample};
use debrief::model::Incident;
use debrief::serve::probe::{Reply, request};
use serde_json::json;

fn incident(dir: &Path) -> Incident {
    let text = std::fs::read_to_string(dir.join("incident.toml")).unwrap();
    toml::from_str(&text).unwrap_or_else(|e| panic!("incident.toml does not load: {e}\n{text}"))
}

fn sample() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = common::scratch();
    let dir = tmp.path().join("2026-11-03-checkout");
    std::fs::create_dir(&dir).unwrap();
    copy_sample(&dir);
    (tmp, dir)
}

/// Waits until `check` holds for the incident on disk, or fails after 15 s with the file.
fn until(dir: &Path, what: &str, check: impl Fn(&Incident, &str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = std::fs::read_to_string(dir.join("incident.toml")).unwrap_or_default();
        if let Ok(i) = toml::from_str::<Incident>(&text)
            && check(&i, &text)
        {
            return;
        }
        assert!(Instant::now() < deadline, "{what}; the file is:\n{text}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn post(server: &Server, token: &str, path: &str, body: serde_json::Value) -> Reply {
    server.call("POST", path, token, Some(&body.to_string()))
}

/// Whether the timeline has exactly one entry with `id`.
fn once_on_timeline(i: &Incident, id: &str) -> bool {
    i.timeline
        .iter()
        .filter(|e| e.id.as_deref() == Some(id))
        .count()
        == 1
}

/// The factor `id` in a state from `/api/state`.
fn factor_in(state: &serde_json::Value, id: &str) -> serde_json::Value {
    state["incident"]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no factor {id} in {state}"))
        .clone()
}

/// Posts, expects `201 Created`, and gives the new id.
fn created(server: &Server, token: &str, path: &str, body: serde_json::Value) -> String {
    let reply = post(server, token, path, body);
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()["id"].as_str().unwrap().to_owned()
}

fn status_and_code(reply: &Reply) -> (u16, String) {
    (
        reply.status,
        reply.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
    )
}

#[test]
fn joining_sets_a_strict_cookie_and_checks_the_code() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &[]);
    let join = |body: &str| request(&server.addr, "POST", "/api/join", &[], Some(body)).unwrap();

    let ok = join(&json!({ "code": CODE, "name": "Alex" }).to_string());
    assert_eq!(ok.status, 201, "{}", ok.body);
    let token = ok.json()["token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 32, "128 bits at least");
    // Named per port: a browser sends cookies to every port of a host.
    let port = server.addr.rsplit(':').next().unwrap();
    assert_eq!(
        ok.header("set-cookie"),
        Some(format!("debrief_session_{port}={token}; HttpOnly; SameSite=Strict; Path=/").as_str())
    );
    // The cookie works like the bearer token.
    let state = request(
        &server.addr,
        "GET",
        "/api/state",
        &[format!("Cookie: debrief_session_{port}={token}")],
        None,
    )
    .unwrap();
    assert_eq!(state.status, 200);
    assert_eq!(state.json()["you"]["name"], "Alex");

    assert_eq!(
        status_and_code(&join(
            &json!({ "code": "wrong-code", "name": "Eve" }).to_string()
        )),
        (403, "bad-code".into())
    );
    assert_eq!(
        status_and_code(&join("{\"code\": ")),
        (400, "bad-json".into())
    );
    assert_eq!(
        status_and_code(&join(&json!({ "code": CODE, "admin": true }).to_string())),
        (422, "invalid".into())
    );
    assert_eq!(
        status_and_code(&join(
            &json!({ "code": CODE, "name": "x".repeat(81) }).to_string()
        )),
        (422, "too-long".into())
    );
    let anonymous =
        join(&json!({ "code": CODE, "name": "ignored", "anonymous": true }).to_string());
    assert_eq!(anonymous.status, 201);
    assert_eq!(anonymous.json()["name"], serde_json::Value::Null);

    // Pages: the join page with the right code only; the facilitator screen with the key only.
    let get = |path: &str| request(&server.addr, "GET", path, &[], None).unwrap();
    assert_eq!(get(&format!("/join/{CODE}")).status, 200);
    assert!(
        get(&format!("/join/{CODE}"))
            .header("content-security-policy")
            .is_some_and(|c| c.contains("script-src 'self'"))
    );
    assert_eq!(get("/join/guess").status, 404);
    assert_eq!(get("/").status, 401);
    let door = get(&format!("/?key={KEY}"));
    assert_eq!(door.status, 303);
    assert_eq!(door.header("location"), Some("/"));
    assert_eq!(
        door.header("set-cookie"),
        Some(format!("debrief_key_{port}={KEY}; HttpOnly; SameSite=Strict; Path=/").as_str())
    );
    assert_eq!(get("/?key=guess").status, 401);
    assert_eq!(server.as_facilitator("GET", "/", None).status, 200);
    assert_eq!(
        get("/report/").status,
        401,
        "the report preview needs a session"
    );
    assert_eq!(get("/api/state").status, 401);
    assert_eq!(get("/api/events").status, 401);
}

#[test]
fn every_route_answers_and_refuses_as_documented() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &[]);
    let alex = server.join(Some("Alex"));
    let anon = server.join(None);

    // Observations.
    let added = post(
        &server,
        &alex,
        "/api/timeline",
        json!({ "at": "2026-11-03T14:05", "text": "Dashboards showed <b>errors</b>", "kind": "detection" }),
    );
    assert_eq!(added.status, 201, "{}", added.body);
    let entry = added.json()["id"].as_str().unwrap().to_owned();
    assert!(added.json()["revision"].as_u64().unwrap() > 0);
    let hidden = created(
        &server,
        &anon,
        "/api/timeline",
        json!({ "at": "2026-11-03T13:06:00Z", "text": "Someone anonymous saw this" }),
    );
    until(&dir, "both observations are written", |i, _| {
        i.timeline.iter().any(|e| e.id.as_deref() == Some(&hidden))
    });
    let i = incident(&dir);
    let e = i
        .timeline
        .iter()
        .find(|e| e.id.as_deref() == Some(&entry))
        .unwrap();
    assert_eq!(e.text, "Dashboards showed <b>errors</b>");
    assert_eq!(e.by.as_deref(), Some("Alex"));
    assert_eq!(e.at.to_string(), "2026-11-03T14:05:00+01:00");
    let h = i
        .timeline
        .iter()
        .find(|e| e.id.as_deref() == Some(&hidden))
        .unwrap();
    assert_eq!(h.by, None, "anonymous observations carry no author");
    assert_eq!(h.at.to_string(), "2026-11-03T14:06:00+01:00");
    let toml = std::fs::read_to_string(dir.join("incident.toml")).unwrap();
    assert!(toml.contains("# Contributing factors, ranked in the review by dot votes."));
    assert!(toml.contains(
        "started   = 2026-11-03T14:02:00          # first pool timeouts (Europe/Berlin)"
    ));

    for (body, expected) in [
        (json!({ "at": "soon", "text": "x" }), (422, "bad-time")),
        (
            json!({ "at": "2026-11-03T14:05", "text": "   " }),
            (422, "empty"),
        ),
        (
            json!({ "at": "2026-11-03T14:05", "text": "x".repeat(2001) }),
            (422, "too-long"),
        ),
        (
            json!({ "at": "2026-11-03T14:05", "text": "a\u{0}b" }),
            (422, "control-characters"),
        ),
        (
            json!({ "at": "2026-11-03T14:05", "text": "x", "kind": "rumour" }),
            (422, "invalid"),
        ),
        (json!({ "text": "x" }), (422, "invalid")),
    ] {
        let reply = post(&server, &alex, "/api/timeline", body.clone());
        assert_eq!(
            status_and_code(&reply),
            (expected.0, expected.1.into()),
            "{body}"
        );
    }
    let big = json!({ "at": "2026-11-03T14:05", "text": "x".repeat(20_000) }).to_string();
    assert_eq!(
        status_and_code(&server.call("POST", "/api/timeline", &alex, Some(&big))),
        (413, "too-large".into())
    );
    assert_eq!(
        status_and_code(&server.call("POST", "/api/timeline", &alex, Some("{not json"))),
        (400, "bad-json".into())
    );
    assert_eq!(
        status_and_code(&server.call("POST", "/api/timeline", "not-a-token", Some("{}"))),
        (401, "unauthorised".into())
    );
    let foreign = request(
        &server.addr,
        "POST",
        "/api/timeline",
        &[
            format!("Authorization: Bearer {alex}"),
            "Origin: http://evil.example".into(),
        ],
        Some(&json!({ "at": "2026-11-03T14:05", "text": "x" }).to_string()),
    )
    .unwrap();
    assert_eq!(status_and_code(&foreign), (403, "foreign-origin".into()));
    let same_origin = request(
        &server.addr,
        "POST",
        "/api/timeline",
        &[
            format!("Authorization: Bearer {alex}"),
            format!("Origin: http://{}", server.addr),
        ],
        Some(&json!({ "at": "2026-11-03T14:05", "text": "from the page" }).to_string()),
    )
    .unwrap();
    assert_eq!(same_origin.status, 201);
    let rebound = {
        let mut stream = std::net::TcpStream::connect(&server.addr).unwrap();
        use std::io::{Read, Write};
        write!(
            stream,
            "GET /api/state HTTP/1.1\r\nHost: attacker.example:80\r\nAuthorization: Bearer {KEY}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).unwrap();
        out
    };
    assert!(rebound.starts_with("HTTP/1.1 403"), "{rebound}");
    assert!(rebound.contains("bad-host"));

    // Fixing a typo: the author may, others may not.
    let fix = server.call(
        "PATCH",
        &format!("/api/timeline/{entry}"),
        &alex,
        Some(&json!({ "text": "Dashboards showed errors" }).to_string()),
    );
    assert_eq!(fix.status, 200, "{}", fix.body);
    let not_yours = server.call(
        "PATCH",
        &format!("/api/timeline/{entry}"),
        &anon,
        Some(&json!({ "text": "mine now" }).to_string()),
    );
    assert_eq!(status_and_code(&not_yours), (403, "not-yours".into()));

    // Factors and votes.
    let factor = created(
        &server,
        &alex,
        "/api/factors",
        json!({ "text": "No alert on pool saturation", "category": "process" }),
    );
    assert_eq!(
        status_and_code(&post(
            &server,
            &alex,
            "/api/factors",
            json!({ "text": "x", "category": "blame" })
        )),
        (422, "invalid".into())
    );
    let vote = |token: &str, id: &str, method: &str| {
        server.call(method, &format!("/api/factors/{id}/votes"), token, None)
    };
    assert_eq!(vote(&alex, &factor, "POST").json()["votes_left"], 2);
    assert_eq!(vote(&alex, &factor, "POST").json()["votes"], 2);
    assert_eq!(
        status_and_code(&vote(&alex, &factor, "POST")),
        (409, "item-limit".into())
    );
    assert_eq!(vote(&alex, "f-hpa", "POST").status, 200);
    assert_eq!(
        status_and_code(&vote(&alex, "f-alerting", "POST")),
        (409, "no-votes-left".into())
    );
    assert_eq!(vote(&alex, "f-hpa", "DELETE").status, 200);
    assert_eq!(
        status_and_code(&vote(&alex, "f-hpa", "DELETE")),
        (409, "no-vote-here".into())
    );
    assert_eq!(
        status_and_code(&vote(&alex, "f-missing", "POST")),
        (404, "not-found".into())
    );
    assert_eq!(
        status_and_code(&vote(KEY, &factor, "POST")),
        (403, "participants-only".into())
    );
    assert_eq!(vote(&anon, &factor, "POST").status, 200);

    // Counts stay hidden until the facilitator reveals them; who voted never leaves the server.
    // Phones get the factors in the phases that need them.
    let state = server.call("GET", "/api/state", &anon, None).json();
    assert_eq!(
        state["incident"]["factors"],
        json!([]),
        "not in the timeline phase"
    );
    assert!(state["incident"].get("timeline").is_none());
    assert_eq!(
        state["you"]["entries"][0]["plain"], "Someone anonymous saw this",
        "{state}"
    );
    assert_eq!(
        post(&server, KEY, "/api/phase", json!({ "phase": "vote" })).status,
        200
    );
    let state = server.call("GET", "/api/state", &anon, None).json();
    let f = factor_in(&state, &factor);
    assert_eq!(f["total_votes"], serde_json::Value::Null);
    assert!(f.get("votes").is_none());
    assert_eq!(state["you"]["votes"][&factor], 1);
    assert_eq!(state["you"]["votes_left"], 2);
    assert_eq!(state["participants"]["count"], 2);
    assert!(
        state["participants"].get("names").is_none(),
        "names are for the facilitator"
    );
    assert!(state.get("join").is_none());
    let facilitator = server.as_facilitator("GET", "/api/state", None).json();
    assert_eq!(facilitator["join"], format!("/join/{CODE}"));
    assert_eq!(facilitator["participants"]["names"], json!(["Alex"]));
    // An incident alone publishes itself (one in an archive: see the follow-ups tests).
    assert_eq!(
        facilitator["publish"].as_str(),
        Some(format!("debrief build {}", common::typed(&dir).display()).as_str())
    );
    assert!(
        state.get("publish").is_none(),
        "the command is the facilitator's"
    );
    // Durations as the report writes them, by the one function that writes both.
    assert_eq!(
        facilitator["incident"]["durations"],
        json!({ "to_detect": "7m", "to_mitigate": "38m", "to_resolve": "47m" })
    );
    let report = server.as_facilitator("GET", "/report/", None);
    assert!(
        report.body.contains("<dt>Time to resolve</dt><dd>47m</dd>"),
        "{}",
        report.body
    );

    assert_eq!(
        status_and_code(&post(&server, &alex, "/api/votes/reveal", json!({}))),
        (403, "facilitator-only".into())
    );
    assert_eq!(
        post(&server, KEY, "/api/votes/reveal", json!({})).status,
        200
    );
    let state = server.call("GET", "/api/state", &anon, None).json();
    let f = factor_in(&state, &factor);
    assert_eq!(f["total_votes"], 3);

    // Actions.
    let action = post(
        &server,
        &alex,
        "/api/actions",
        json!({ "text": "Alert on pool saturation", "due": "2026-12-01", "priority": "P1", "kind": "detect", "factors": [factor] }),
    );
    assert_eq!(action.status, 201, "{}", action.body);
    let action = action.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        status_and_code(&post(
            &server,
            &alex,
            "/api/actions",
            json!({ "text": "x", "factors": ["f-nope"] })
        )),
        (422, "unknown-factor".into())
    );
    assert_eq!(
        status_and_code(&post(
            &server,
            &alex,
            "/api/actions",
            json!({ "text": "x", "due": "next week" })
        )),
        (422, "bad-date".into())
    );
    // A ticket when the action is created, checked as a change's is.
    assert_eq!(
        status_and_code(&post(
            &server,
            &alex,
            "/api/actions",
            json!({ "text": "x", "ticket": "javascript:alert(1)" })
        )),
        (422, "bad-url".into())
    );
    let tracked = post(
        &server,
        &alex,
        "/api/actions",
        json!({ "text": "Page on pool waiters", "ticket": "https://tracker.example/OPS-7" }),
    );
    assert_eq!(tracked.status, 201, "{}", tracked.body);
    let tracked = tracked.json()["id"].as_str().unwrap().to_owned();
    let claim = server.call(
        "PATCH",
        &format!("/api/actions/{action}"),
        &anon,
        Some(&json!({ "owner": "Kim" }).to_string()),
    );
    assert_eq!(
        claim.status, 200,
        "anyone claims an unowned action: {}",
        claim.body
    );
    // Whoever claimed it owns it: they set its due date and status, as its author may.
    let due = server.call(
        "PATCH",
        &format!("/api/actions/{action}"),
        &anon,
        Some(&json!({ "due": "2026-12-15", "status": "in-progress" }).to_string()),
    );
    assert_eq!(due.status, 200, "its owner sets its due date: {}", due.body);
    let bystander = server.join(Some("Robin"));
    assert_eq!(
        status_and_code(&server.call(
            "PATCH",
            &format!("/api/actions/{action}"),
            &bystander,
            Some(&json!({ "due": "2027-01-01" }).to_string())
        )),
        (403, "not-yours".into()),
        "someone else does not"
    );
    assert_eq!(
        status_and_code(&server.call(
            "PATCH",
            &format!("/api/actions/{action}"),
            &bystander,
            Some(&json!({ "owner": "Robin" }).to_string())
        )),
        (403, "not-yours".into()),
        "nor claims it again, even before the first claim is in the file"
    );
    let progress = server.call(
        "PATCH",
        &format!("/api/actions/{action}"),
        &alex,
        Some(&json!({ "status": "in-progress" }).to_string()),
    );
    assert_eq!(
        progress.status, 200,
        "its author updates it: {}",
        progress.body
    );
    assert_eq!(
        status_and_code(&server.call("PATCH", "/api/actions/a-nope", &anon, Some("{}"))),
        (404, "not-found".into())
    );
    assert_eq!(
        status_and_code(&server.call(
            "PATCH",
            &format!("/api/actions/{action}"),
            &alex,
            Some(&json!({ "ticket": "javascript:alert(1)" }).to_string())
        )),
        (422, "bad-url".into())
    );
    // Tracker links run long: 2,048 characters are taken, one more is refused.
    let ticket = |length: usize| {
        let url = format!("https://tracker.example/{}", "k".repeat(length - 24));
        let reply = server.call(
            "PATCH",
            &format!("/api/actions/{action}"),
            &alex,
            Some(&json!({ "ticket": url }).to_string()),
        );
        (status_and_code(&reply), url)
    };
    let (answer, longest) = ticket(2048);
    assert_eq!(answer.0, 200, "{answer:?}");
    assert_eq!(ticket(2049).0, (422, "too-long".into()));
    until(&dir, "the long ticket", |i, _| {
        i.actions
            .iter()
            .any(|a| a.ticket.as_deref() == Some(longest.as_str()))
    });

    // Links: idempotent, checked, and no loops.
    let link = |method: &str, from: &str, to: &str| {
        server.call(
            method,
            "/api/links",
            &alex,
            Some(&json!({ "from": from, "to": to }).to_string()),
        )
    };
    assert_eq!(link("POST", &factor, &entry).status, 200);
    assert_eq!(
        link("POST", &factor, &entry).status,
        200,
        "a duplicate link is fine"
    );
    assert_eq!(link("POST", &factor, "f-held-conn").status, 200);
    assert_eq!(
        status_and_code(&link("POST", "f-held-conn", &factor)),
        (409, "cycle".into())
    );
    assert_eq!(
        status_and_code(&link("POST", &factor, "t-missing")),
        (404, "not-found".into())
    );
    assert_eq!(
        status_and_code(&link("POST", "x-missing", &factor)),
        (404, "not-found".into())
    );
    assert_eq!(link("DELETE", &factor, "f-held-conn").status, 200);
    // Every screen's flow diagram is drawn from the meeting as it is now.
    until(&dir, "the link is written", |i, _| {
        i.factors
            .iter()
            .any(|f| f.id == factor && f.events.contains(&entry))
    });
    // The file on disk is renamed into place a moment before the meeting takes in what it
    // holds; a state asked for by the writer waits for that.
    assert_eq!(server.call("GET", "/api/state", &alex, None).status, 200);
    let flow = server.call("GET", "/api/flow.svg", &alex, None);
    assert_eq!(flow.status, 200);
    assert_eq!(flow.header("content-type"), Some("image/svg+xml"));
    assert!(
        flow.body
            .contains(&format!("data-from=\"{entry}\" data-to=\"{factor}\"")),
        "the new link is an edge of the flow diagram"
    );
    assert_eq!(
        status_and_code(&server.call("GET", "/api/flow.svg", "nobody", None)),
        (401, "unauthorised".into())
    );
    // Drawn for a screen: as wide as it, and no text under 14 px at one unit per pixel.
    for name in ["flow", "timeline"] {
        let svg = server.call("GET", &format!("/api/{name}.svg?width=1366"), &alex, None);
        assert_eq!(svg.status, 200, "{name}: {}", svg.body);
        assert!(
            svg.body.contains(" width=\"1366\""),
            "{name}: {}",
            &svg.body[..300]
        );
        let sizes: Vec<f64> = svg
            .body
            .split("font-size=\"")
            .skip(1)
            .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
            .collect();
        assert!(!sizes.is_empty(), "{name}");
        assert!(sizes.iter().all(|&s| s >= 14.0), "{name}: {sizes:?}");
        for bad in ["abc", "10", "99999", "-5", "1366.5"] {
            assert_eq!(
                status_and_code(&server.call(
                    "GET",
                    &format!("/api/{name}.svg?width={bad}"),
                    &alex,
                    None
                )),
                (400, "bad-width".into()),
                "{name} at {bad}"
            );
        }
        assert_eq!(
            status_and_code(&server.call(
                "GET",
                &format!("/api/{name}.svg?width=1366"),
                "nobody",
                None
            )),
            (401, "unauthorised".into())
        );
    }
    assert_eq!(
        server.call("GET", "/api/nothing.svg", &alex, None).status,
        404
    );

    // The facilitator's routes.
    assert_eq!(
        status_and_code(&post(
            &server,
            &alex,
            "/api/phase",
            json!({ "phase": "vote" })
        )),
        (403, "facilitator-only".into())
    );
    assert_eq!(
        status_and_code(&post(
            &server,
            KEY,
            "/api/phase",
            json!({ "phase": "lunch" })
        )),
        (422, "invalid".into())
    );
    let phase = post(
        &server,
        KEY,
        "/api/phase",
        json!({ "phase": "factors", "seconds": 300 }),
    );
    assert_eq!(phase.status, 200);
    let state = server.call("GET", "/api/state", &alex, None).json();
    assert_eq!(state["phase"], "factors");
    assert_eq!(state["timer"]["seconds"], 300);
    let left = state["timer"]["ends_at"].as_i64().unwrap() - state["now"].as_i64().unwrap();
    assert!((290_000..=300_000).contains(&left), "{left}");

    let promoted = post(
        &server,
        KEY,
        "/api/promote",
        json!({ "source": "logs/deploy.log", "line": 3 }),
    );
    assert_eq!(promoted.status, 201, "{}", promoted.body);
    // Refused at once, whether or not the first has reached the file yet.
    let again = post(
        &server,
        KEY,
        "/api/promote",
        json!({ "source": "logs/deploy.log", "line": 3 }),
    );
    assert_eq!(status_and_code(&again), (409, "already-promoted".into()));
    until(&dir, "the promoted entry is written", |i, _| {
        i.timeline
            .iter()
            .filter(|e| e.source.as_deref() == Some("logs/deploy.log:3"))
            .count()
            == 1
    });
    let after = post(
        &server,
        KEY,
        "/api/promote",
        json!({ "source": "logs/deploy.log", "line": 3 }),
    );
    assert_eq!(status_and_code(&after), (409, "already-promoted".into()));
    assert_eq!(
        status_and_code(&post(
            &server,
            KEY,
            "/api/promote",
            json!({ "source": "logs/deploy.log", "line": 99999 })
        )),
        (404, "not-found".into())
    );
    let candidates = server.as_facilitator("GET", "/api/candidates", None);
    assert_eq!(candidates.status, 200);
    assert!(candidates.json()["candidates"].as_array().unwrap().len() > 10);
    assert_eq!(
        server.call("GET", "/api/candidates", &alex, None).status,
        403
    );

    assert_eq!(
        status_and_code(&server.call("DELETE", &format!("/api/timeline/{hidden}"), &alex, None)),
        (403, "facilitator-only".into())
    );
    assert_eq!(
        server
            .as_facilitator("DELETE", &format!("/api/timeline/{hidden}"), None)
            .status,
        200
    );
    assert_eq!(
        status_and_code(&server.as_facilitator("DELETE", "/api/factors/f-nope", None)),
        (404, "not-found".into())
    );
    assert_eq!(
        status_and_code(&server.as_facilitator("GET", "/api/nothing", None)),
        (404, "no-route".into())
    );
    assert_eq!(
        status_and_code(&server.as_facilitator("PUT", "/api/timeline", Some("{}"))),
        (405, "method".into())
    );

    // An idempotency key makes a retry safe.
    let retry = |key: &str| {
        request(
            &server.addr,
            "POST",
            "/api/factors",
            &[
                format!("Authorization: Bearer {alex}"),
                format!("Idempotency-Key: {key}"),
            ],
            Some(&json!({ "text": "Retried factor" }).to_string()),
        )
        .unwrap()
    };
    let first = retry("k-1");
    let second = retry("k-1");
    assert_eq!(first.status, 201);
    assert_eq!(first.json()["id"], second.json()["id"]);

    until(&dir, "every change is in the file", |i, _| {
        let a = i.actions.iter().find(|a| a.id == action);
        let f = i.factors.iter().find(|f| f.id == factor);
        a.is_some_and(|a| a.owner.as_deref() == Some("Kim"))
            && f.is_some_and(|f| f.events == vec![entry.clone()] && f.leads_to.is_empty())
            && !i.timeline.iter().any(|e| e.id.as_deref() == Some(&hidden))
            && i.factors
                .iter()
                .filter(|f| f.text == "Retried factor")
                .count()
                == 1
            && i.timeline
                .iter()
                .any(|e| e.text == "Dashboards showed errors")
    });
    let i = incident(&dir);
    let f = i.factors.iter().find(|f| f.id == factor).unwrap();
    assert_eq!(f.total_votes(), 3);
    let a = i.actions.iter().find(|a| a.id == action).unwrap();
    assert_eq!(a.factors, vec![factor.clone()]);
    let t = i.actions.iter().find(|a| a.id == tracked).unwrap();
    assert_eq!(t.ticket.as_deref(), Some("https://tracker.example/OPS-7"));
    assert_eq!(
        a.due.as_ref().map(|d| d.to_string()).as_deref(),
        Some("2026-12-15"),
        "as its owner set it"
    );
    // The file still passes `debrief check` without errors.
    let check = common::run(
        &common::root(),
        &["check", dir.to_str().unwrap(), "--format", "json"],
    );
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(report["errors"], 0, "{report}");
}

#[test]
fn participants_are_rate_limited_and_told_when_to_retry() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &[]);
    let token = server.join(Some("Fast"));
    let mut limited = None;
    for n in 0..80 {
        let reply = post(
            &server,
            &token,
            "/api/factors",
            json!({ "text": format!("factor {n}") }),
        );
        if reply.status == 429 {
            limited = Some(reply);
            break;
        }
        assert_eq!(reply.status, 201);
    }
    let limited = limited.expect("a burst of 80 is limited");
    assert_eq!(limited.header("retry-after"), Some("1"));
    assert_eq!(limited.json()["error"]["code"], "rate-limited");
    // The facilitator is not limited.
    for n in 0..60 {
        assert_eq!(
            post(
                &server,
                KEY,
                "/api/factors",
                json!({ "text": format!("f {n}") })
            )
            .status,
            201
        );
    }
}

#[test]
fn every_screen_hears_about_a_change_with_its_revision() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &[]);
    let token = server.join(Some("Alex"));
    let mut participant =
        debrief::serve::probe::Events::connect(&server.addr, "/api/events", &token);
    let mut facilitator = server.events("/api/events");
    let first_state =
        |events: &mut debrief::serve::probe::Events| events.next_state().expect("a state");
    first_state(&mut participant);
    first_state(&mut facilitator);
    assert_eq!(
        post(&server, KEY, "/api/phase", json!({ "phase": "factors" })).status,
        200
    );
    let reply = post(
        &server,
        &token,
        "/api/factors",
        json!({ "text": "Seen everywhere" }),
    );
    let revision = reply.json()["revision"].as_u64().unwrap();
    for events in [&mut participant, &mut facilitator] {
        let state = loop {
            let state = first_state(events);
            if state["revision"].as_u64().unwrap() >= revision {
                break state;
            }
        };
        assert!(
            state["incident"]["factors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["text"] == "Seen everywhere"),
            "{state}"
        );
    }
}

/// A screen gets a whole state when it connects and, after that, the changes: a screen that
/// follows them has, at every step, exactly what `/api/state` says; and the changes are
/// smaller than the states.
#[test]
fn screens_that_follow_changes_have_exactly_the_state() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &[]);
    let token = server.join(Some("Alex"));
    let mut screens = [
        (
            debrief::serve::probe::Events::connect(&server.addr, "/api/events", &token),
            token.clone(),
        ),
        (server.events("/api/events"), KEY.to_owned()),
    ];
    for (events, _) in &mut screens {
        events.next_state().expect("a first state");
    }
    let entry = created(
        &server,
        &token,
        "/api/timeline",
        json!({ "at": "2026-11-03T14:21", "text": "Pool waiters climbing" }),
    );
    post(&server, KEY, "/api/phase", json!({ "phase": "factors" }));
    let factor = created(
        &server,
        &token,
        "/api/factors",
        json!({ "text": "Pool too small" }),
    );
    server.call(
        "PATCH",
        &format!("/api/timeline/{entry}"),
        &token,
        Some(&json!({ "text": "Pool waiters climbing fast" }).to_string()),
    );
    post(&server, KEY, "/api/phase", json!({ "phase": "actions" }));
    created(
        &server,
        &token,
        "/api/actions",
        json!({ "text": "Alert on waiters" }),
    );
    server.call("DELETE", &format!("/api/factors/{factor}"), &token, None);
    let last = post(&server, KEY, "/api/phase", json!({ "phase": "vote" }));
    let revision = last.json()["revision"].as_u64().unwrap();

    for (events, who) in &mut screens {
        let followed = loop {
            let state = events
                .next_state()
                .expect("a state or a change it applies to");
            if state["revision"].as_u64().unwrap() >= revision {
                break state;
            }
        };
        let mut fetched = server.call("GET", "/api/state", who, None).json();
        let mut followed = followed;
        for state in [&mut followed, &mut fetched] {
            state.as_object_mut().unwrap().remove("now");
        }
        assert_eq!(followed, fetched);
    }

    // Raw events: after the first state, a change names the state it applies to and is
    // smaller than the state it makes.
    let mut raw = debrief::serve::probe::Events::connect(&server.addr, "/api/events", KEY);
    let first = loop {
        let (name, data) = raw.wait().expect("an event");
        if name == "state" {
            break data;
        }
    };
    created(
        &server,
        &token,
        "/api/actions",
        json!({ "text": "One more" }),
    );
    let (name, data) = loop {
        let event = raw.wait().expect("an event");
        if event.0 != "reload" {
            break event;
        }
    };
    assert_eq!(name, "change");
    let change: serde_json::Value = serde_json::from_str(&data).unwrap();
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(change["base"], first["key"]);
    assert!(data.len() * 4 < first.to_string().len(), "{data}");
}

/// What one client was told: the ids it created and its final votes.
#[derive(Default)]
struct Acknowledged {
    entries: Vec<String>,
    factors: Vec<String>,
    actions: Vec<String>,
    /// (participant, factor) → votes after the last acknowledged vote.
    votes: BTreeMap<(String, String), u64>,
    owners: BTreeMap<String, String>,
}

#[test]
fn fifty_clients_each_sending_twenty_operations_lose_nothing() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &[]);
    let results: Vec<Acknowledged> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..50)
            .map(|n| {
                let server = &server;
                scope.spawn(move || {
                    let name = format!("person-{n}");
                    let token = server.join(if n % 5 == 0 { None } else { Some(&name) });
                    let participant = server.call("GET", "/api/state", &token, None).json()["you"]["participant"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    let mut ack = Acknowledged::default();
                    for k in 0..20 {
                        match k % 5 {
                            0 | 1 => {
                                let r = post(server, &token, "/api/timeline", json!({ "at": format!("2026-11-03T14:{:02}:{:02}", 10 + k, n), "text": format!("{name} saw {k}") }));
                                assert_eq!(r.status, 201, "{}", r.body);
                                ack.entries.push(r.json()["id"].as_str().unwrap().to_owned());
                            }
                            2 => {
                                let r = post(server, &token, "/api/factors", json!({ "text": format!("{name} factor {k}") }));
                                assert_eq!(r.status, 201, "{}", r.body);
                                ack.factors.push(r.json()["id"].as_str().unwrap().to_owned());
                            }
                            3 => {
                                // Vote on a shared factor; some are refused by the limits.
                                let factor = ["f-held-conn", "f-hpa"][k % 2];
                                let r = server.call("POST", &format!("/api/factors/{factor}/votes"), &token, None);
                                match r.status {
                                    200 => {
                                        ack.votes.insert((participant.clone(), factor.into()), r.json()["votes"].as_u64().unwrap());
                                    }
                                    409 => {}
                                    s => panic!("vote: {s} {}", r.body),
                                }
                            }
                            _ => {
                                if k < 10 {
                                    let r = post(server, &token, "/api/actions", json!({ "text": format!("{name} action {k}") }));
                                    assert_eq!(r.status, 201, "{}", r.body);
                                    ack.actions.push(r.json()["id"].as_str().unwrap().to_owned());
                                } else {
                                    let id = ack.actions[0].clone();
                                    let owner = format!("{name}-owner-{k}");
                                    let r = server.call("PATCH", &format!("/api/actions/{id}"), &token, Some(&json!({ "owner": owner }).to_string()));
                                    assert_eq!(r.status, 200, "{}", r.body);
                                    ack.owners.insert(id, owner);
                                }
                            }
                        }
                    }
                    ack
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let entries: Vec<&String> = results.iter().flat_map(|a| &a.entries).collect();
    let factors: Vec<&String> = results.iter().flat_map(|a| &a.factors).collect();
    let actions: Vec<&String> = results.iter().flat_map(|a| &a.actions).collect();
    assert_eq!(entries.len(), 50 * 8);
    until(
        &dir,
        "every acknowledged operation is in the file",
        |i, _| {
            entries
                .iter()
                .all(|id| i.timeline.iter().any(|e| e.id.as_ref() == Some(*id)))
                && factors
                    .iter()
                    .all(|id| i.factors.iter().any(|f| &&f.id == id))
                && results.iter().flat_map(|a| &a.owners).all(|(id, owner)| {
                    i.actions
                        .iter()
                        .any(|a| &a.id == id && a.owner.as_ref() == Some(owner))
                })
        },
    );
    let i = incident(&dir);
    let count = |id: &str| {
        i.timeline
            .iter()
            .filter(|e| e.id.as_deref() == Some(id))
            .count()
            + i.factors.iter().filter(|f| f.id == id).count()
            + i.actions.iter().filter(|a| a.id == id).count()
    };
    for id in entries.iter().chain(&factors).chain(&actions) {
        assert_eq!(count(id), 1, "{id} is in the file exactly once");
    }
    let ids: BTreeSet<&String> = entries
        .iter()
        .chain(&factors)
        .chain(&actions)
        .copied()
        .collect();
    assert_eq!(ids.len(), 50 * 8 + 50 * 4 + 50 * 2, "every id is distinct");
    for ((participant, factor), votes) in results.iter().flat_map(|a| &a.votes) {
        let f = i.factors.iter().find(|f| &f.id == factor).unwrap();
        assert_eq!(
            f.votes.get(participant).copied().map(u64::from),
            Some(*votes),
            "{participant} on {factor}"
        );
    }
    let text = std::fs::read_to_string(dir.join("incident.toml")).unwrap();
    assert!(
        text.starts_with("#:schema .debrief/incident.schema.json\n# Sample incident for debrief")
    );
    assert!(text.contains("include  = ['\" 5\\d\\d ']                # server errors only"));
}

#[test]
fn hand_edits_during_the_meeting_are_merged_not_clobbered() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &[]);
    let toml = dir.join("incident.toml");
    let acked: Vec<String> = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..4)
            .map(|n| {
                let server = &server;
                scope.spawn(move || {
                    let token = server.join(Some(&format!("writer-{n}")));
                    (0..30)
                        .map(|k| {
                            let r = post(server, &token, "/api/timeline", json!({ "at": "2026-11-03T14:20", "text": format!("live {n}-{k}") }));
                            assert_eq!(r.status, 201, "{}", r.body);
                            std::thread::sleep(Duration::from_millis(5));
                            r.json()["id"].as_str().unwrap().to_owned()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // Meanwhile, someone edits the file 20 times. Every other save is from an editor buffer
        // read a moment earlier, so it predates some of the server's writes.
        for n in 0..20 {
            let text = std::fs::read_to_string(&toml).unwrap();
            if n % 2 == 1 {
                std::thread::sleep(Duration::from_millis(30));
            }
            let edited = text
                .replacen(
                    "# Sample incident for debrief",
                    &format!("# Sample incident for debrief (hand edit {n})"),
                    1,
                )
                .replacen("(hand edit", "(edited", usize::from(n > 0))
                + &format!(
                    "\n[[timeline]]\nid = \"t-hand-{n}\"\nat = 2026-11-03T14:30:00+01:00\ntext = \"Added by hand {n}\"\n"
                );
            if n % 3 == 0 {
                let temp = dir.join(".incident.toml.swp-save");
                std::fs::write(&temp, &edited).unwrap();
                std::fs::rename(&temp, &toml).unwrap();
            } else {
                std::fs::write(&toml, &edited).unwrap();
            }
            std::thread::sleep(Duration::from_millis(40));
        }
        writers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert_eq!(acked.len(), 120);
    until(
        &dir,
        "both the meeting's and the hand edits are present",
        |i, text| {
            acked.iter().all(|id| once_on_timeline(i, id))
                && (0..20).all(|n| {
                    let id = format!("t-hand-{n}");
                    i.timeline
                        .iter()
                        .filter(|e| e.id.as_ref() == Some(&id))
                        .count()
                        == 1
                })
                && text.contains("(hand edit 0)")
        },
    );
    // It stays that way: no rewrite loop, no late clobbering.
    let settled = std::fs::read_to_string(&toml).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(std::fs::read_to_string(&toml).unwrap(), settled);
    assert!(!server.log().contains("kept changing"), "{}", server.log());
}

#[test]
fn kill_dash_nine_mid_burst_loses_no_acknowledged_operation() {
    let (_tmp, dir) = sample();
    let mut acked: Vec<String> = Vec::new();
    let mut restore = None;
    for round in 0..10 {
        let server = Server::start(&dir, &[]);
        let token = server.join(Some(&format!("round-{round}")));
        let stop = std::sync::atomic::AtomicBool::new(false);
        let acks = std::sync::atomic::AtomicUsize::new(0);
        let got: Vec<String> = std::thread::scope(|scope| {
            let restore = &mut restore;
            let senders: Vec<_> = (0..4)
                .map(|t| {
                    let (server, token, stop, acks) = (&server, &token, &stop, &acks);
                    scope.spawn(move || {
                        let mut mine = Vec::new();
                        for k in 0.. {
                            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                                break;
                            }
                            let body = json!({ "at": "2026-11-03T14:21", "text": format!("r{round} t{t} k{k}") }).to_string();
                            // The server dies mid-burst: requests fail, and only 2xx replies count.
                            match request(&server.addr, "POST", "/api/timeline", &[format!("Authorization: Bearer {token}")], Some(&body)) {
                                Ok(r) if r.status == 201 => {
                                    mine.push(r.json()["id"].as_str().unwrap().to_owned());
                                    acks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                }
                                Ok(r) if r.status == 429 => std::thread::sleep(Duration::from_millis(50)),
                                Ok(r) => panic!("{} {}", r.status, r.body),
                                Err(_) => break,
                            }
                        }
                        mine
                    })
                })
                .collect();
            // The kill must land mid-burst, so wait for the burst to be under way (a busy
            // machine may take a while to answer the first request), then a little longer each
            // round so the kill falls at different points of a write.
            let deadline = Instant::now() + Duration::from_secs(60);
            while acks.load(std::sync::atomic::Ordering::Relaxed) < 4 {
                assert!(
                    Instant::now() < deadline,
                    "round {round}: no request was acknowledged within a minute"
                );
                std::thread::sleep(Duration::from_millis(10));
            }
            std::thread::sleep(Duration::from_millis(20 * round));
            if round % 2 == 1 {
                // Someone breaks the file by hand: what is acknowledged from now on is only in
                // the journal when the server dies, and the restart must replay it.
                let toml = dir.join("incident.toml");
                let good = std::fs::read_to_string(&toml).unwrap();
                std::fs::write(&toml, format!("{good}\nbroken = = by hand\n")).unwrap();
                std::thread::sleep(Duration::from_millis(150));
                *restore = Some(good);
            }
            // SIGKILL: no chance to finish anything.
            common::signal(&server.child, "-9");
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            senders
                .into_iter()
                .flat_map(|s| s.join().unwrap())
                .collect()
        });
        drop(server);
        if let Some(good) = restore.take() {
            std::fs::write(dir.join("incident.toml"), good).unwrap();
        }
        assert!(!got.is_empty(), "round {round} acknowledged something");
        acked.extend(got);
    }
    // The restart replays the journal before it serves anything.
    let server = Server::start(&dir, &[]);
    until(
        &dir,
        "every acknowledged entry survived the crashes",
        |i, _| acked.iter().all(|id| once_on_timeline(i, id)),
    );
    drop(server);
    let text = std::fs::read_to_string(dir.join("incident.toml")).unwrap();
    assert!(
        text.contains("# Sample incident for debrief"),
        "comments survive"
    );
    let ids: BTreeSet<&String> = acked.iter().collect();
    assert_eq!(ids.len(), acked.len());
}

#[test]
fn a_clean_stop_ends_the_meeting_and_later_hand_edits_are_final() {
    let (_tmp, dir) = sample();
    let mut server = Server::start(&dir, &[]);
    let token = server.join(Some("Alex"));
    let id = post(
        &server,
        &token,
        "/api/factors",
        json!({ "text": "Keep or drop" }),
    )
    .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    until(&dir, "the factor is written", |i, _| {
        i.factors.iter().any(|f| f.id == id)
    });
    common::signal(&server.child, "-INT");
    assert_eq!(server.child.wait().unwrap().code(), Some(0));
    let journal = std::fs::read_to_string(dir.join(".debrief/journal.jsonl")).unwrap();
    assert!(
        journal.trim_end().ends_with("\"op\":{\"type\":\"end\"}}"),
        "{journal}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join(".debrief/.gitignore")).unwrap(),
        "journal.jsonl\n",
        "the journal is kept out of git, the schema beside it is not"
    );

    // Deleting it by hand now is final: the next meeting does not bring it back.
    let text = common::unaligned(&std::fs::read_to_string(dir.join("incident.toml")).unwrap());
    let start = text.find(&format!("[[factors]]\nid = \"{id}\"")).unwrap();
    let end = start + text[start..].find("category").unwrap();
    let end = end + text[end..].find('\n').unwrap() + 1;
    let edited = format!("{}{}", &text[..start], &text[end..]);
    std::fs::write(dir.join("incident.toml"), &edited).unwrap();
    let server = Server::start(&dir, &[]);
    assert_eq!(server.as_facilitator("GET", "/api/state", None).status, 200);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        std::fs::read_to_string(dir.join("incident.toml")).unwrap(),
        edited
    );
}

#[test]
fn the_archive_sets_anonymity_and_vote_limits_and_the_join_qr_code_is_the_facilitators() {
    let tmp = common::scratch();
    std::fs::write(
        tmp.path().join("debrief.toml"),
        "[meeting]\nanonymous = true\nvotes_per_person = 1\nmax_votes_per_item = 1\n",
    )
    .unwrap();
    let dir = tmp.path().join("2026-11-03-checkout");
    std::fs::create_dir(&dir).unwrap();
    copy_sample(&dir);
    let server = Server::start(&dir, &[]);
    let named = server.join(Some("Alex"));
    let id = created(
        &server,
        &named,
        "/api/timeline",
        json!({ "at": "2026-11-03T14:05", "text": "Seen in anonymous mode" }),
    );
    assert_eq!(
        server
            .call("POST", "/api/factors/f-hpa/votes", &named, None)
            .status,
        200
    );
    assert_eq!(
        status_and_code(&server.call("POST", "/api/factors/f-held-conn/votes", &named, None)),
        (409, "no-votes-left".into())
    );
    let state = server.call("GET", "/api/state", &named, None).json();
    assert_eq!(state["anonymous"], true);
    assert_eq!(state["limits"]["votes_per_person"], 1);
    until(
        &dir,
        "the observation is written without an author",
        |i, _| {
            i.timeline
                .iter()
                .any(|e| e.id.as_deref() == Some(id.as_str()) && e.by.is_none())
        },
    );

    let qr = server.as_facilitator("GET", "/api/join-qr.svg", None);
    assert_eq!(qr.status, 200);
    assert_eq!(qr.header("content-type"), Some("image/svg+xml"));
    assert!(
        qr.body.starts_with("<?xml") && qr.body.contains("<svg"),
        "{}",
        &qr.body[..100]
    );
    assert_eq!(
        status_and_code(&server.call("GET", "/api/join-qr.svg", &named, None)),
        (403, "facilitator-only".into())
    );
}

#[test]
fn the_facilitator_merges_a_duplicate_factor_into_another() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &[]);
    let alex = server.join(Some("Alex"));
    let dup = created(
        &server,
        &alex,
        "/api/factors",
        json!({ "text": "Connection pool too small" }),
    );
    assert_eq!(
        server
            .call("POST", &format!("/api/factors/{dup}/votes"), &alex, None)
            .status,
        200
    );
    let link = json!({ "from": dup, "to": "t-pg-full" }).to_string();
    assert_eq!(
        server.call("POST", "/api/links", &alex, Some(&link)).status,
        200
    );
    let action = created(
        &server,
        &alex,
        "/api/actions",
        json!({ "text": "Size pools per pod count", "factors": [dup] }),
    );
    let merge = |token: &str, from: &str, into: &str| {
        server.call(
            "POST",
            &format!("/api/factors/{from}/merge"),
            token,
            Some(&json!({ "into": into }).to_string()),
        )
    };
    assert_eq!(
        status_and_code(&merge(&alex, &dup, "f-hpa")),
        (403, "facilitator-only".into())
    );
    assert_eq!(
        status_and_code(&merge(KEY, &dup, &dup)),
        (422, "same-factor".into())
    );
    assert_eq!(
        status_and_code(&merge(KEY, &dup, "f-nope")),
        (404, "not-found".into())
    );
    let before = incident(&dir);
    let hpa = before
        .factors
        .iter()
        .find(|f| f.id == "f-hpa")
        .unwrap()
        .clone();
    assert_eq!(merge(KEY, &dup, "f-hpa").status, 200);
    until(&dir, "the duplicate is folded into f-hpa", |i, _| {
        !i.factors.iter().any(|f| f.id == dup)
    });
    let after = incident(&dir);
    let merged = after.factors.iter().find(|f| f.id == "f-hpa").unwrap();
    assert!(merged.events.contains(&"t-pg-full".to_owned()));
    assert_eq!(merged.total_votes(), hpa.total_votes() + 1);
    let a = after.actions.iter().find(|a| a.id == action).unwrap();
    assert_eq!(a.factors, vec!["f-hpa".to_owned()]);
    // The participant's vote moved: taking it back works on the merged factor.
    assert_eq!(
        server
            .call("DELETE", "/api/factors/f-hpa/votes", &alex, None)
            .status,
        200
    );
}

/// The facilitator removes a participant: their token stops working at once and after a
/// restart, their open event stream is told and ends, they leave the counts, and what they
/// added stays. A new join link keeps them out.
#[test]
fn the_facilitator_removes_a_participant_and_nothing_they_added_is_lost() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &[]);
    let alex = server.join(Some("Alex"));
    let mallory = server.join(Some("Mallory"));
    let people =
        server.as_facilitator("GET", "/api/state", None).json()["participants"]["people"].clone();
    assert_eq!(
        people,
        json!([
            { "number": 1, "name": "Alex", "verified": false },
            { "number": 2, "name": "Mallory", "verified": false }
        ])
    );
    let id = "2".to_owned();
    let entry = created(
        &server,
        &mallory,
        "/api/timeline",
        json!({ "at": "2026-11-03T14:30", "text": "Added before the removal" }),
    );
    let mut stream = debrief::serve::probe::Events::connect(&server.addr, "/api/events", &mallory);
    assert_eq!(stream.wait().expect("hello").0, "hello");

    let remove = |token: &str, who: &str| {
        server.call("DELETE", &format!("/api/participants/{who}"), token, None)
    };
    assert_eq!(
        status_and_code(&remove(&alex, &id)),
        (403, "facilitator-only".into())
    );
    for nobody in ["3", "0", "-1", "p-1"] {
        assert_eq!(
            status_and_code(&remove(KEY, nobody)),
            (404, "not-found".into()),
            "{nobody}"
        );
    }
    let removed = remove(KEY, &id);
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(removed.json()["removed"], json!("2"));
    assert_eq!(remove(KEY, &id).status, 200, "removing twice is fine");
    assert_eq!(
        server
            .call("POST", &format!("/api/participants/{id}"), KEY, Some("{}"))
            .status,
        405
    );

    // Their stream says so and ends; their token no longer reads or writes.
    let mut last = None;
    while let Some((name, _)) = stream.next_within(Duration::from_secs(5)) {
        last = Some(name);
    }
    assert_eq!(last.as_deref(), Some("removed"), "the stream's last event");
    assert_eq!(server.call("GET", "/api/state", &mallory, None).status, 401);
    let refused = post(
        &server,
        &mallory,
        "/api/timeline",
        json!({ "at": "2026-11-03T14:31", "text": "After" }),
    );
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(server.call("GET", "/api/state", &alex, None).status, 200);

    // The room no longer counts them; the facilitator's list has only Alex.
    let state = server.as_facilitator("GET", "/api/state", None).json();
    assert_eq!(state["participants"]["count"], json!(1), "{state}");
    assert_eq!(state["participants"]["names"], json!(["Alex"]));
    assert_eq!(
        state["participants"]["people"].as_array().map(Vec::len),
        Some(1)
    );
    until(&dir, "their entry stays", |i, _| {
        once_on_timeline(i, &entry)
    });

    // A new join link keeps them from joining again; whoever has joined stays.
    assert_eq!(
        status_and_code(&server.call("POST", "/api/join-code", &alex, Some("{}"))),
        (403, "facilitator-only".into())
    );
    let fresh = server.as_facilitator("POST", "/api/join-code", Some("{}"));
    assert_eq!(fresh.status, 200, "{}", fresh.body);
    let link = fresh.json()["join"].as_str().unwrap().to_owned();
    let code = link.strip_prefix("/join/").unwrap().to_owned();
    assert_ne!(code, CODE);
    let join = |code: &str| {
        request(
            &server.addr,
            "POST",
            "/api/join",
            &[],
            Some(&json!({ "code": code, "name": "Mallory again" }).to_string()),
        )
        .unwrap()
    };
    assert_eq!(status_and_code(&join(CODE)), (403, "bad-code".into()));
    assert_eq!(
        request(&server.addr, "GET", &format!("/join/{CODE}"), &[], None)
            .unwrap()
            .status,
        404
    );
    assert_eq!(
        request(&server.addr, "GET", &link, &[], None)
            .unwrap()
            .status,
        200
    );
    assert_eq!(
        server.as_facilitator("GET", "/api/state", None).json()["join"],
        json!(link),
        "the shared screen shows the new link"
    );
    assert_eq!(join(&code).status, 201);
    assert_eq!(server.call("GET", "/api/state", &alex, None).status, 200);

    // The removal is in the journal: a restarted meeting still refuses the token.
    drop(server);
    let server = Server::start(&dir, &[]);
    assert_eq!(server.call("GET", "/api/state", &mallory, None).status, 401);
    assert_eq!(server.call("GET", "/api/state", &alex, None).status, 200);
    assert!(once_on_timeline(&incident(&dir), &entry));
}

/// The facilitator's candidate panel holds the incident's window, not the start of each log:
/// a log that spans hours more than the incident gives the entries inside the window (30
/// minutes either side by default, `?margin=` to change), sorted by time across sources, with
/// dates when the window spans days, and says how many were left out and why.
#[test]
fn the_candidate_panel_shows_the_incident_window_in_time_order() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("2026-11-03-long-logs");
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    std::fs::write(
        dir.join("incident.toml"),
        "title = \"Long logs\"\ntimezone = \"UTC\"\n\n[times]\nstarted = 2026-11-03T23:40:00Z\nresolved = 2026-11-04T00:20:00Z\n\n\
         [[sources]]\nname = \"app\"\npath = \"logs/app.log\"\n\n[[sources]]\nname = \"edge\"\npath = \"logs/edge.log\"\n",
    )
    .unwrap();
    // app: one line a minute from 20:00 to 04:00 (480 lines); edge: one every 30 s from
    // 23:00 to 01:00 (240 lines), so the two sources interleave inside the window.
    let line = |t: jiff::Timestamp, what: &str| {
        format!("{} ERROR {what}\n", t.strftime("%Y-%m-%dT%H:%M:%SZ"))
    };
    let start: jiff::Timestamp = "2026-11-03T20:00:00Z".parse().unwrap();
    let app: String = (0..480)
        .map(|m| line(start + jiff::SignedDuration::from_mins(m), "app tick"))
        .collect();
    let edge_start: jiff::Timestamp = "2026-11-03T23:00:00Z".parse().unwrap();
    let edge: String = (0..240)
        .map(|k| {
            line(
                edge_start + jiff::SignedDuration::from_secs(30 * k),
                "edge tick",
            )
        })
        .collect();
    std::fs::write(dir.join("logs/app.log"), app).unwrap();
    std::fs::write(dir.join("logs/edge.log"), edge).unwrap();
    let server = Server::start(&dir, &[]);

    let reply = server.as_facilitator("GET", "/api/candidates", None);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    // 23:10 to 00:50: app has 101 lines in it, edge 201 (23:10:00 to 00:50:00 every 30 s).
    assert_eq!(body["window"]["from"], "2026-11-03T23:10:00+00:00");
    assert_eq!(body["window"]["to"], "2026-11-04T00:50:00+00:00");
    assert_eq!(body["in_window"], 101 + 201);
    assert_eq!(body["left_out"]["outside_window"], 480 + 240 - 302);
    assert_eq!(body["left_out"]["over_limit"], 0);
    assert_eq!(body["spans_days"], true);
    let at: Vec<&str> = body["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["at"].as_str().unwrap())
        .collect();
    assert_eq!(at.len(), 302);
    assert!(at.windows(2).all(|w| w[0] <= w[1]), "sorted by time");
    assert_eq!(at.first(), Some(&"2026-11-03T23:10:00+00:00"));
    assert_eq!(at.last(), Some(&"2026-11-04T00:50:00+00:00"));
    let sources: std::collections::BTreeSet<&str> = body["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources.len(), 2, "both sources, interleaved");

    // No margin: the incident itself; a day either side: everything, but only 500 listed.
    let tight = server
        .as_facilitator("GET", "/api/candidates?margin=0", None)
        .json();
    assert_eq!(tight["in_window"], 41 + 81);
    let wide = server
        .as_facilitator("GET", "/api/candidates?margin=1440", None)
        .json();
    assert_eq!(wide["in_window"], 720);
    assert_eq!(wide["candidates"].as_array().unwrap().len(), 500);
    assert_eq!(wide["left_out"]["over_limit"], 220);
    for bad in ["-1", "x", "10081"] {
        assert_eq!(
            status_and_code(&server.as_facilitator(
                "GET",
                &format!("/api/candidates?margin={bad}"),
                None
            )),
            (400, "bad-margin".into()),
            "{bad}"
        );
    }
}

/// The candidate panel proposes notable moments and groups the window's entries by template;
/// one click promotes a moment (in its own words) or a template (by its first entry), and the
/// file on disk gets each once.
#[test]
fn the_candidate_panel_proposes_moments_and_groups_by_template() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &[]);
    let body = server.as_facilitator("GET", "/api/candidates", None).json();

    let moments = body["moments"].as_array().unwrap();
    assert!(!moments.is_empty() && moments.len() <= 20);
    let scores: Vec<f64> = moments
        .iter()
        .map(|m| m["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "best first: {scores:?}"
    );
    // What changed just before the first errors leads; the database's first critical
    // message is among the moments, at its line.
    assert!(
        moments[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("changed just before: "),
        "{moments:?}"
    );
    let critical = moments
        .iter()
        .find(|m| m["text"] == "first critical: sorry, too many clients already")
        .expect("the first critical message is a moment");
    assert_eq!(critical["at"], "2026-11-03T14:07:42+01:00");
    assert_eq!(
        (critical["source"].as_str(), critical["line"].as_u64()),
        (Some("logs/postgres.log"), Some(98))
    );
    assert!(
        critical["reason"]
            .as_str()
            .unwrap()
            .contains("new in `postgres`")
    );

    let templates = body["templates"].as_array().unwrap();
    let firsts: Vec<&str> = templates
        .iter()
        .map(|t| t["first"].as_str().unwrap())
        .collect();
    assert!(firsts.windows(2).all(|w| w[0] <= w[1]), "earliest first");
    // Each template expands to the entries it holds: as many as it counts (up to 50), each
    // an entry of the panel's list, its own first entry first.
    for t in templates {
        let lines = t["lines"].as_array().unwrap();
        let count = t["count"].as_u64().unwrap() as usize;
        assert_eq!(lines.len(), count.min(50), "{t}");
        assert_eq!(
            (lines[0]["source"].clone(), lines[0]["line"].clone()),
            (t["source"].clone(), t["line"].clone()),
            "{t}"
        );
        assert!(t["id"].as_str().unwrap().starts_with('t'), "{t}");
    }
    let pool = templates
        .iter()
        .find(|t| t["text"] == "timeout acquiring connection from pool")
        .unwrap();
    assert_eq!(pool["level"], "error");
    assert_eq!(pool["line"], 188);
    // Grouped: fewer rows than entries, and the counts add up to the window's entries.
    let counted: u64 = templates.iter().map(|t| t["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, body["in_window"].as_u64().unwrap());
    assert!(
        templates.len() * 3 < counted as usize,
        "{} templates for {counted} entries",
        templates.len()
    );

    let promote = |what: serde_json::Value| post(&server, KEY, "/api/promote", what);
    let moment = promote(json!({ "source": "logs/postgres.log", "line": 98, "moment": true }));
    assert_eq!(moment.status, 201, "{}", moment.body);
    let template = promote(json!({ "source": "logs/checkout-api.jsonl", "line": 188 }));
    assert_eq!(template.status, 201, "{}", template.body);
    until(
        &dir,
        "the promoted moment and template are written",
        |i, _| {
            let by = |source: &str| {
                i.timeline
                    .iter()
                    .filter(|e| e.source.as_deref() == Some(source))
                    .collect::<Vec<_>>()
            };
            let (m, t) = (
                by("logs/postgres.log:98"),
                by("logs/checkout-api.jsonl:188"),
            );
            m.len() == 1
                && m[0].text == "first critical: sorry, too many clients already"
                && m[0].lane.as_deref() == Some("postgres")
                && t.len() == 1
                && t[0].text == "timeout acquiring connection from pool"
        },
    );
    // A moment whose first line is on the timeline as itself is still promoted, in its words.
    let silence = moments
        .iter()
        .find(|m| m["text"].as_str().unwrap().contains("silent"))
        .expect("the deploy log's pause");
    assert_eq!(silence["promoted"], false);
    let source = (
        silence["source"].as_str().unwrap(),
        silence["line"].as_u64().unwrap(),
    );
    assert!(
        incident(&dir)
            .timeline
            .iter()
            .any(|e| e.source.as_deref() == Some(&format!("{}:{}", source.0, source.1))),
        "{silence}"
    );
    let promoted = promote(json!({ "source": source.0, "line": source.1, "moment": true }));
    assert_eq!(promoted.status, 201, "{}", promoted.body);
    // A line where no moment starts is not a moment.
    assert_eq!(
        status_and_code(&promote(
            json!({ "source": "logs/deploy.log", "line": 2, "moment": true })
        )),
        (404, "not-found".into())
    );
    // Promoted ones say so in the panel.
    let after = server.as_facilitator("GET", "/api/candidates", None).json();
    let critical = after["moments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["text"] == "first critical: sorry, too many clients already")
        .unwrap();
    assert_eq!(critical["promoted"], true);
}
