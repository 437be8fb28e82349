//! `debrief serve` end to end: the real binary on port 0, a real SSE client, real files.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Server, copy_sample, root};
use debrief::serve::probe::Events;

/// The render events: reload and error, without the meeting's state.
const RENDERS: &str = "/api/events?state=0";

/// The next render event. If the server ended the stream, connect again, as browsers do, and
/// report the state the server greets with as the event it stands for.
fn next(server: &Server, events: &mut Events) -> (String, String) {
    if let Some(event) = events.wait() {
        return event;
    }
    assert!(
        events.closed,
        "no event within 20 s; server log:\n{}",
        server.log()
    );
    eprintln!(
        "the server ended the event stream; reconnecting. Server log:\n{}",
        server.log()
    );
    *events = server.events(RENDERS);
    let (name, data) = events.wait().expect("a hello after reconnecting");
    assert_eq!(name, "hello");
    let state: serde_json::Value = serde_json::from_str(&data).unwrap();
    match state["error"].as_str() {
        Some(message) => (
            "error".into(),
            serde_json::json!({ "revision": state["revision"], "message": message }).to_string(),
        ),
        None => (
            "reload".into(),
            serde_json::json!({ "revision": state["revision"] }).to_string(),
        ),
    }
}

fn serve(dir: &Path) -> Server {
    Server::start(dir, &[])
}

fn revision(data: &str) -> u64 {
    let json: serde_json::Value = serde_json::from_str(data).unwrap();
    json["revision"].as_u64().unwrap()
}

/// A GET with the facilitator key: status code and body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let reply = debrief::serve::probe::request(
        addr,
        "GET",
        path,
        &[format!("Authorization: Bearer {}", common::KEY)],
        None,
    )
    .unwrap();
    (reply.status, reply.body)
}

#[test]
fn the_live_view_follows_every_kind_of_save() {
    let tmp = common::scratch();
    let dir = tmp.path().join("2026-11-03-checkout");
    std::fs::create_dir(&dir).unwrap();
    copy_sample(&dir);
    let toml = dir.join("incident.toml");
    let server = serve(&dir);
    let mut events = server.events(RENDERS);

    let (name, data) = next(&server, &mut events);
    assert_eq!(name, "hello");
    let start = revision(&data);

    // An edit in place.
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str("\n# edited in place\n");
    std::fs::write(&toml, &text).unwrap();
    let (name, data) = next(&server, &mut events);
    assert_eq!(
        (name.as_str(), revision(&data)),
        ("reload", start + 1),
        "{data}"
    );

    // A save by writing a temporary file and renaming it over.
    let temporary = dir.join(".incident.toml.new");
    std::fs::write(
        &temporary,
        text.replace("Checkout API returned 500s", "Checkout API failed"),
    )
    .unwrap();
    std::fs::rename(&temporary, &toml).unwrap();
    let (name, data) = next(&server, &mut events);
    assert_eq!(
        (name.as_str(), revision(&data)),
        ("reload", start + 2),
        "{data}"
    );
    let (status, page) = get(&server.addr, "/report/");
    assert_eq!(status, 200);
    assert!(
        page.contains("Checkout API failed for 38 minutes"),
        "the page shows the new title"
    );

    // Editor scratch files change nothing.
    std::fs::write(dir.join(".incident.toml.swp"), "scratch").unwrap();
    std::fs::write(dir.join("incident.toml~"), "backup").unwrap();
    assert_eq!(
        events.next_within(Duration::from_millis(800)),
        None,
        "no event for editor scratch files"
    );

    // Broken TOML: an error event with the place, and the overlay over the last good page.
    let broken = text.replace("severity = \"SEV2\"", "severity = = \"SEV2\"");
    std::fs::write(&toml, &broken).unwrap();
    let (name, data) = next(&server, &mut events);
    assert_eq!(name, "error", "{data}");
    let message = serde_json::from_str::<serde_json::Value>(&data).unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("incident.toml:6:"), "{message}");
    let (status, page) = get(&server.addr, "/report/");
    assert_eq!(status, 200);
    assert!(
        page.contains("<div id=\"debrief-overlay\" role=\"alert\">"),
        "the overlay is on the page"
    );
    assert!(page.contains("incident.toml:6:"));
    assert!(
        page.contains("Checkout API failed for 38 minutes"),
        "the last good view is still there"
    );

    // Fixed: it recovers by itself.
    std::fs::write(&toml, &text).unwrap();
    let (name, _) = next(&server, &mut events);
    assert_eq!(name, "reload");
    let (_, page) = get(&server.addr, "/report/");
    assert!(
        !page.contains("<div id=\"debrief-overlay\""),
        "the overlay is gone"
    );

    // Every HTML response carries the live script and no caching.
    let response = server.as_facilitator("GET", "/report", None);
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert!(
        response
            .body
            .contains("new EventSource(\"/api/events?state=0\")")
    );
    assert_eq!(get(&server.addr, "/site/nope.html").0, 404);
}

#[test]
fn a_broken_incident_still_starts_and_shows_why() {
    let tmp = common::scratch();
    std::fs::write(
        tmp.path().join("incident.toml"),
        "title = \"x\"\nseverity = \n",
    )
    .unwrap();
    let server = serve(tmp.path());
    let (status, page) = get(&server.addr, "/report/");
    assert_eq!(status, 200);
    assert!(page.contains("<div id=\"debrief-overlay\""), "{page}");
    assert!(page.contains("incident.toml:2:"), "{page}");
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = common::run(&root(), &["serve", "sample-incident", "--port", &port]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("127.0.0.1:{port} is already in use; choose another --port, or --port 0 for any free port")), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing is printed before binding");
}

/// The theme's part of the stylesheet a page links to, fetched. debrief adds the diagrams'
/// font after it.
fn stylesheet(addr: &str) -> String {
    let (_, page) = get(addr, "/report/");
    let start = page.find("assets/style.").expect("a stylesheet link");
    let end = start + page[start..].find('"').unwrap();
    let css = get(addr, &format!("/site/{}", &page[start..end])).1;
    let font = css
        .find("@font-face{font-family:debrief-sans;")
        .expect("the diagrams' font follows the theme's rules");
    css[..font].to_owned()
}

#[test]
fn the_archive_theme_is_served_and_watched() {
    let tmp = common::scratch();
    let archive = tmp.path();
    std::fs::write(archive.join("debrief.toml"), "theme = \"theme\"\n").unwrap();
    std::fs::create_dir_all(archive.join("theme/static")).unwrap();
    std::fs::create_dir_all(archive.join("theme/templates")).unwrap();
    std::fs::write(
        archive.join("theme/static/style.css"),
        "body { color: rebeccapurple; }",
    )
    .unwrap();
    let dir = archive.join("2026-11-03-themed");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("incident.toml"),
        "title = \"Themed\"\ntimezone = \"UTC\"\n",
    )
    .unwrap();
    let server = serve(&dir);
    let mut events = server.events(RENDERS);
    assert_eq!(events.wait().expect("hello").0, "hello");
    assert_eq!(stylesheet(&server.addr), "body { color: rebeccapurple; }");
    // The theme's static files come from warp's file server, which stays inside the folder.
    std::fs::write(archive.join("theme/static/logo.txt"), "logo").unwrap();
    assert_eq!(
        get(&server.addr, "/theme/logo.txt"),
        (200, "logo".to_owned())
    );
    assert_eq!(get(&server.addr, "/theme/../../debrief.toml").0, 404);
    assert_eq!(
        get(&server.addr, "/theme/%2e%2e/%2e%2e/debrief.toml").0,
        404
    );

    std::fs::write(
        archive.join("theme/static/style.css"),
        "body { color: teal; }",
    )
    .unwrap();
    assert_eq!(next(&server, &mut events).0, "reload");
    assert_eq!(stylesheet(&server.addr), "body { color: teal; }");

    // A broken template is reported, and the last good pages stay.
    std::fs::write(archive.join("theme/templates/index.html"), "{% if %}").unwrap();
    // The style.css save can still bring a late second reload (an editor's two writes land
    // in two batches on a loaded machine); the error comes after it.
    let (mut name, mut data) = next(&server, &mut events);
    while name == "reload" {
        (name, data) = next(&server, &mut events);
    }
    assert_eq!(name, "error", "{data}");
    assert!(data.contains("index.html"), "{data}");
    assert_eq!(stylesheet(&server.addr), "body { color: teal; }");
}

#[test]
fn the_poll_watcher_sees_saves_too() {
    let tmp = common::scratch();
    std::fs::write(
        tmp.path().join("incident.toml"),
        "title = \"Polled\"\ntimezone = \"UTC\"\n",
    )
    .unwrap();
    let server = Server::start(tmp.path(), &["--watcher", "poll"]);
    let mut events = server.events(RENDERS);
    assert_eq!(next(&server, &mut events).0, "hello");
    std::fs::write(
        tmp.path().join("incident.toml"),
        "title = \"Polled again\"\ntimezone = \"UTC\"\n",
    )
    .unwrap();
    assert_eq!(next(&server, &mut events).0, "reload");
    let (status, page) = get(&server.addr, "/report/");
    assert_eq!(status, 200);
    assert!(page.contains("Polled again"));
}

#[test]
fn ctrl_c_stops_cleanly_and_writes_nothing() {
    let tmp = common::scratch();
    std::fs::write(
        tmp.path().join("incident.toml"),
        "title = \"Stopping\"\ntimezone = \"UTC\"\n",
    )
    .unwrap();
    let before: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let mut server = serve(tmp.path());
    assert_eq!(get(&server.addr, "/report/").0, 200);
    common::signal(&server.child, "-INT");
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "server log:\n{}", server.log());
    assert!(
        server
            .log()
            .contains("Stopped. Every change from the meeting is in incident.toml.")
    );
    let after: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after);
}

#[test]
fn one_meeting_per_incident() {
    let tmp = common::scratch();
    std::fs::write(
        tmp.path().join("incident.toml"),
        "title = \"Once\"\ntimezone = \"UTC\"\n",
    )
    .unwrap();
    let server = serve(tmp.path());
    assert_eq!(get(&server.addr, "/report/").0, 200);
    let second = common::run(
        &root(),
        &["serve", tmp.path().to_str().unwrap(), "--port", "0"],
    );
    assert_eq!(second.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("another `debrief serve` is already running the meeting of"),
        "{stderr}"
    );
    // The first one is unharmed.
    assert_eq!(get(&server.addr, "/report/").0, 200);
}
