//! The meeting server against what a participant (or a planted file) might try: disguised
//! names, hidden characters, impossible offsets and dates, a linked `.debrief/`, and an
//! anonymous meeting that must keep no names. The real binary over real sockets.

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use common::{CODE, Server, root, run};
use debrief::serve::probe::{Reply, request};
use serde_json::json;

fn post(server: &Server, token: &str, path: &str, body: serde_json::Value) -> Reply {
    server.call("POST", path, token, Some(&body.to_string()))
}

fn code(reply: &Reply) -> (u16, String) {
    common::status_and_code(reply)
}

fn join(server: &Server, body: serde_json::Value) -> Reply {
    request(
        &server.addr,
        "POST",
        "/api/join",
        &[],
        Some(&body.to_string()),
    )
    .unwrap()
}

fn file(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("incident.toml")).unwrap()
}

#[test]
fn look_alike_names_are_marked_unverified_and_facilitator_stays_reserved() {
    let (_tmp, dir) = common::sample_copy();
    let server = Server::start(&dir, &[]);
    // The sample's [[people]] has `oncall-primary`, named "Sam Example".
    for disguise in [
        "sam example",               // another case
        "Sam\u{a0}Example",          // a no-break space
        "S\u{430}m Ex\u{430}mple",   // Cyrillic а
        "Sam  Example",              // a double space
        "ONCALL-PRIMARY",            // the handle, shouted
        "Sam Ex\u{200D}ample",       // a joiner inside the word
        "\u{FF33}am \u{FF25}xample", // fullwidth letters
    ] {
        let joined = join(&server, json!({ "code": CODE, "name": disguise }));
        assert_eq!(joined.status, 201, "{disguise:?}: {}", joined.body);
        assert_eq!(joined.json()["unverified"], true, "{disguise:?}");
    }
    // A zero-width space is not taken in a name at all.
    let hidden = join(
        &server,
        json!({ "code": CODE, "name": "Sam\u{200B} Example" }),
    );
    assert_eq!(
        code(&hidden),
        (422, "invisible-characters".into()),
        "{}",
        hidden.body
    );
    // Someone else is not marked.
    let other = join(&server, json!({ "code": CODE, "name": "Samantha Example" }));
    assert_eq!(other.json()["unverified"], false);

    for disguise in [
        "Facilitator",
        "FACILITATOR",
        "facilit\u{430}tor",
        "\u{FF46}acilitator",
        "faci\u{200D}litator",
        " facilitator ",
    ] {
        let refused = join(&server, json!({ "code": CODE, "name": disguise }));
        assert_eq!(
            code(&refused),
            (422, "reserved-name".into()),
            "{disguise:?}: {}",
            refused.body
        );
    }
}

#[test]
fn hidden_characters_offsets_past_18_hours_and_bad_days_are_refused() {
    let (_tmp, dir) = common::sample_copy();
    let server = Server::start(&dir, &[]);
    let token = server.join(Some("Alex"));
    let before = file(&dir);

    for (path, body, field) in [
        (
            "/api/factors",
            json!({ "text": "The rollback \u{202E}deliated" }),
            "text",
        ),
        (
            "/api/timeline",
            json!({ "at": "2026-11-03T14:05", "text": "Paged \u{2066}on-call\u{2069}" }),
            "text",
        ),
        (
            "/api/actions",
            json!({ "text": "Fix the pool", "owner": "pri\u{200B}ya" }),
            "owner",
        ),
        (
            "/api/timeline",
            json!({ "at": "2026-11-03T14:05", "text": "\u{FEFF}Deploy" }),
            "text",
        ),
    ] {
        let refused = post(&server, &token, path, body.clone());
        assert_eq!(refused.status, 422, "{body}: {}", refused.body);
        let message = refused.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(&format!("`{field}`")), "{message}");
    }
    let bidi = post(
        &server,
        &token,
        "/api/factors",
        json!({ "text": "x\u{202D}y" }),
    );
    assert_eq!(code(&bidi), (422, "bidi-control".into()));
    // Emoji built with a joiner are text.
    let emoji = post(
        &server,
        &token,
        "/api/factors",
        json!({ "text": "The \u{1F469}\u{200D}\u{1F4BB} on call was alone" }),
    );
    assert_eq!(emoji.status, 201, "{}", emoji.body);

    // An offset past ±18:00 would move the entry by a day.
    for at in ["2026-11-03T14:05:00+25:00", "2026-11-03T14:05:00-18:30"] {
        let refused = post(
            &server,
            &token,
            "/api/timeline",
            json!({ "at": at, "text": "Offset typo" }),
        );
        assert_eq!(
            code(&refused),
            (422, "bad-offset".into()),
            "{}",
            refused.body
        );
        assert!(refused.body.contains("`at`"), "{}", refused.body);
    }
    let fine = post(
        &server,
        &token,
        "/api/timeline",
        json!({ "at": "2026-11-03T14:05:00+14:00", "text": "Kiribati time" }),
    );
    assert_eq!(fine.status, 201, "{}", fine.body);
    let id = fine.json()["id"].as_str().unwrap().to_owned();
    let patched = server.call(
        "PATCH",
        &format!("/api/timeline/{id}"),
        &token,
        Some(&json!({ "at": "2026-11-03T14:05+25:00" }).to_string()),
    );
    assert_eq!(
        code(&patched),
        (422, "bad-offset".into()),
        "{}",
        patched.body
    );
    common::wait_until("the accepted entry is written", || {
        file(&dir).contains("Kiribati time")
    });
    let after = file(&dir);
    assert!(!after.contains("Offset typo") && !after.contains("deliated"));
    assert_ne!(before, after);
}

#[test]
fn an_implausible_done_day_is_refused() {
    let (_tmp, dir) = common::sample_copy();
    let before = file(&dir);
    let typed = common::typed(&dir);
    for (day, says) in [
        ("0000-01-01", "before 1970"),
        ("1969-12-31", "before 1970"),
        ("2999-01-01", "more than a year after today"),
    ] {
        let out = run(
            &root(),
            &[
                "actions",
                "done",
                typed.to_str().unwrap(),
                "a-1",
                "--on",
                day,
            ],
        );
        let text = common::transcript(&out);
        assert_ne!(out.status.code(), Some(0), "{text}");
        assert!(text.contains(says), "{text}");
    }
    assert_eq!(file(&dir), before, "nothing was written");
    let out = run(
        &root(),
        &[
            "actions",
            "done",
            typed.to_str().unwrap(),
            "a-1",
            "--on",
            "2026-11-20",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::transcript(&out));
    assert!(file(&dir).contains("2026-11-20"));
}

#[test]
fn a_debrief_folder_linked_during_the_meeting_is_refused_not_written_through() {
    let (tmp, dir) = common::sample_copy();
    let server = Server::start(&dir, &[]);
    // Nothing journaled yet: no .debrief/. Someone links it elsewhere.
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.join(".debrief")).unwrap();
    let refused = server.as_facilitator(
        "POST",
        "/api/timeline",
        Some(&json!({ "at": "2026-11-03T14:05", "text": "Through the link" }).to_string()),
    );
    assert_eq!(code(&refused), (500, "journal".into()), "{}", refused.body);
    assert!(refused.body.contains("symbolic link"), "{}", refused.body);
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    assert!(
        std::fs::symlink_metadata(dir.join(".debrief"))
            .unwrap()
            .is_symlink()
    );
    // Once the link is gone the meeting goes on, in a folder of its own.
    std::fs::remove_file(dir.join(".debrief")).unwrap();
    let ok = server.as_facilitator(
        "POST",
        "/api/timeline",
        Some(&json!({ "at": "2026-11-03T14:05", "text": "In the real folder" }).to_string()),
    );
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert!(dir.join(".debrief/journal.jsonl").is_file());
}

/// Every file below `dir`, with its bytes.
fn everything(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    common::files(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn anonymous_meeting() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = common::scratch();
    std::fs::write(
        tmp.path().join("debrief.toml"),
        "[meeting]\nanonymous = true\n",
    )
    .unwrap();
    let dir = tmp.path().join("2026-11-03-checkout");
    std::fs::create_dir(&dir).unwrap();
    common::copy_sample(&dir);
    (tmp, dir)
}

/// Joins as `name`, adds an entry, a factor, a lesson and feedback, and stops the server with
/// Ctrl-C; what it said on stderr.
fn a_meeting_by(dir: &Path, name: &str, extra: &[&str]) -> String {
    let mut server = Server::start(dir, extra);
    let joined = join(&server, json!({ "code": CODE, "name": name }));
    assert_eq!(joined.status, 201, "{}", joined.body);
    assert!(joined.json()["name"].is_null(), "{}", joined.body);
    let token = joined.json()["token"].as_str().unwrap().to_owned();
    let add = |path: &str, body: serde_json::Value| {
        let reply = post(&server, &token, path, body);
        assert_eq!(reply.status, 201, "{path}: {}", reply.body);
    };
    add(
        "/api/timeline",
        json!({ "at": "2026-11-03T14:05", "text": "Seen by someone anonymous" }),
    );
    add(
        "/api/factors",
        json!({ "text": "Nobody owned the pool size" }),
    );
    let phase = |phase: &str| {
        let moved = server.as_facilitator(
            "POST",
            "/api/phase",
            Some(&json!({ "phase": phase }).to_string()),
        );
        assert_eq!(moved.status, 200, "{}", moved.body);
    };
    phase("lessons");
    add(
        "/api/lessons",
        json!({ "kind": "went-well", "text": "The rollback was quick" }),
    );
    phase("wrap-up");
    add(
        "/api/feedback",
        json!({ "rating": 4, "text": "Calm review" }),
    );
    common::wait_until("everything is in the file", || {
        let text = file(dir);
        text.contains("Seen by someone anonymous") && text.contains("Calm review")
    });
    common::signal(&server.child, "-INT");
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{}", server.log());
    server.log()
}

#[test]
fn an_anonymous_meeting_keeps_no_names_and_a_private_journal() {
    let (_tmp, dir) = anonymous_meeting();
    let name = "Zebulon Quartermaine";
    let said = a_meeting_by(&dir, name, &[]);
    let journal = dir.join(".debrief/journal.jsonl");
    assert!(journal.is_file());
    for (path, bytes) in everything(&dir) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(name) && !text.contains("Zebulon"),
            "{} holds the name",
            path.display()
        );
    }
    for path in common::files(&dir.join(".debrief")) {
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    // The server says what stays and how to remove it.
    assert!(said.contains("journal.jsonl stays"), "{said}");
    assert!(said.contains("--forget"), "{said}");
}

#[test]
fn forget_removes_the_journal_once_everything_is_in_the_file() {
    let (_tmp, dir) = anonymous_meeting();
    // A journal of an older version, readable by everyone, is made private on start.
    std::fs::create_dir(dir.join(".debrief")).unwrap();
    std::fs::write(dir.join(".debrief/journal.jsonl"), "").unwrap();
    std::fs::set_permissions(
        dir.join(".debrief/journal.jsonl"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let said = a_meeting_by(&dir, "Someone", &["--forget"]);
    assert!(said.contains("Removed the journal"), "{said}");
    assert!(!dir.join(".debrief").exists(), "{said}");
    let text = file(&dir);
    assert!(text.contains("Seen by someone anonymous") && text.contains("Calm review"));

    // A named meeting's journal is private too.
    let (_tmp, dir) = common::sample_copy();
    let server = Server::start(&dir, &[]);
    let token = server.join(Some("Alex"));
    let reply = post(
        &server,
        &token,
        "/api/factors",
        json!({ "text": "A factor" }),
    );
    assert_eq!(reply.status, 201);
    assert_eq!(mode(&dir.join(".debrief/journal.jsonl")), 0o600);
    assert_eq!(mode(&dir.join(".debrief/.gitignore")), 0o600);
    drop(server);
}

const RELATED: &str = r#"title = "Checkout slow in October"
timezone = "UTC"
services = ["checkout-api"]

[times]
started = 2026-10-01T10:00:00Z

[[actions]]
id = "a-1"
text = "Cap the retry storm"
owner = "lee"
"#;

#[test]
fn carried_changes_reach_folders_named_with_spaces_and_accents_and_never_leave_the_archive() {
    let tmp = common::scratch();
    let archive = tmp.path().join("archive");
    let this = archive.join("2026-11-03-checkout");
    std::fs::create_dir_all(&this).unwrap();
    common::copy_sample(&this);
    let cafe = archive.join("2026-11-02 café outage");
    std::fs::create_dir_all(&cafe).unwrap();
    std::fs::write(cafe.join("incident.toml"), RELATED).unwrap();
    // A sibling that is a link to an incident outside the archive.
    let outside = tmp.path().join("outside/2026-10-05-elsewhere");
    std::fs::create_dir_all(&outside).unwrap();
    let foreign = RELATED.replace("a-1", "a-9");
    std::fs::write(outside.join("incident.toml"), &foreign).unwrap();
    std::os::unix::fs::symlink(&outside, archive.join("2026-10-05-linked")).unwrap();

    let server = Server::start(&this, &[]);
    let patch = |incident: &str, id: &str, owner: &str| {
        server.as_facilitator(
            "PATCH",
            &format!("/api/carried/{incident}/{id}"),
            Some(&json!({ "owner": owner }).to_string()),
        )
    };
    // As the page sends it: percent-encoded.
    let changed = patch("2026-11-02%20caf%C3%A9%20outage", "a-1", "priya");
    assert_eq!(changed.status, 200, "{}", changed.body);
    common::wait_until(
        "the change reaches the folder with a space and an accent",
        || {
            std::fs::read_to_string(cafe.join("incident.toml"))
                .unwrap()
                .contains("owner = \"priya\"")
        },
    );

    let refused = patch("2026-10-05-linked", "a-9", "mallory");
    assert_eq!(
        code(&refused),
        (403, "outside-archive".into()),
        "{}",
        refused.body
    );
    // Nor through a path that climbs out.
    let climbing = patch("..%2Foutside%2F2026-10-05-elsewhere", "a-9", "mallory");
    assert!((400..500).contains(&climbing.status), "{}", climbing.body);
    // Refused before anything is journaled: nothing waits to be written there.
    assert_eq!(
        std::fs::read_to_string(outside.join("incident.toml")).unwrap(),
        foreign
    );
}

#[test]
fn diagrams_are_throttled_per_participant_while_the_facilitator_draws_and_logs_are_read_once() {
    let (_tmp, dir) = common::sample_copy();
    let server = Server::start(&dir, &[]);
    let token = server.join(Some("Alex"));
    let reads = || {
        server
            .log()
            .matches("reading the logs and metrics for the timeline diagram")
            .count()
    };
    // One phone asks for both diagrams at forty widths.
    let mut replies = Vec::new();
    for i in 0..40 {
        for name in ["timeline", "flow"] {
            let path = format!("/api/{name}.svg?width={}", 320 + i * 185);
            replies.push(server.call("GET", &path, &token, None));
        }
    }
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let limited: Vec<&Reply> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!(ok + limited.len(), replies.len(), "only 200s and 429s");
    assert!(ok >= 8, "the first drawings are made: {ok}");
    assert!(!limited.is_empty(), "a phone cannot draw without end");
    for reply in &limited {
        assert_eq!(
            code(reply),
            (429, "drawing-limited".into()),
            "{}",
            reply.body
        );
        assert_eq!(reply.header("retry-after"), Some("2"));
    }
    // The facilitator's screen is never throttled.
    for path in [
        "/api/flow.svg?width=1920",
        "/api/timeline.svg?width=1919",
        "/api/timeline.svg?width=7000",
    ] {
        let reply = server.as_facilitator("GET", path, None);
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        assert!(reply.body.starts_with("<svg"), "{path}");
    }
    // Every timeline so far came from one reading of the logs.
    assert_eq!(reads(), 1, "{}", server.log());

    // A change of the meeting redraws without reading the logs again.
    let added = server.as_facilitator(
        "POST",
        "/api/timeline",
        Some(&json!({ "at": "2026-11-03T14:06", "text": "Redrawn" }).to_string()),
    );
    assert_eq!(added.status, 201, "{}", added.body);
    common::wait_until("the change is in the file", || {
        file(&dir).contains("Redrawn")
    });
    let redrawn = server.as_facilitator("GET", "/api/timeline.svg?width=1366", None);
    assert_eq!(redrawn.status, 200);
    assert_eq!(reads(), 1, "{}", server.log());

    // A log that grows is read again, once.
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("logs/checkout-api.jsonl"))
        .unwrap();
    std::io::Write::write_all(
        &mut log,
        b"{\"ts\":\"2026-11-03T14:30:00Z\",\"level\":\"info\",\"msg\":\"late line\"}\n",
    )
    .unwrap();
    drop(log);
    for width in ["2560", "3840"] {
        let reply = server.as_facilitator("GET", &format!("/api/timeline.svg?width={width}"), None);
        assert_eq!(reply.status, 200);
    }
    assert_eq!(reads(), 2, "{}", server.log());
}
