//! `debrief serve` end to end: the real binary on port 0, a real SSE client, real files.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use common::root;
use debrief::serve::probe::Events;

/// A running server, killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `debrief serve dir --port 0` and waits for it to print its address.
fn serve(dir: &Path) -> Server {
    let mut child = common::debrief(&root())
        .args([
            "serve",
            dir.to_str().unwrap(),
            "--port",
            "0",
            "--debounce",
            "50",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .unwrap();
        if let Some(rest) = line.strip_prefix("Serving the live view at http://") {
            break rest.split('/').next().unwrap().to_owned();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, addr }
}

fn revision(data: &str) -> u64 {
    let json: serde_json::Value = serde_json::from_str(data).unwrap();
    json["revision"].as_u64().unwrap()
}

/// A plain HTTP GET: status code and body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn copy_sample(to: &Path) {
    for entry in ["incident.toml", "notes.md"] {
        std::fs::copy(root().join("sample-incident").join(entry), to.join(entry)).unwrap();
    }
    std::fs::create_dir_all(to.join("logs")).unwrap();
    for log in std::fs::read_dir(root().join("sample-incident/logs")).unwrap() {
        let log = log.unwrap().path();
        std::fs::copy(&log, to.join("logs").join(log.file_name().unwrap())).unwrap();
    }
}

#[test]
fn the_live_view_follows_every_kind_of_save() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("2026-11-03-checkout");
    std::fs::create_dir(&dir).unwrap();
    copy_sample(&dir);
    let toml = dir.join("incident.toml");
    let server = serve(&dir);
    let mut events = Events::connect(&server.addr);

    let (name, data) = events.wait().expect("an event within 20 s");
    assert_eq!(name, "hello");
    let start = revision(&data);

    // An edit in place.
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str("\n# edited in place\n");
    std::fs::write(&toml, &text).unwrap();
    let (name, data) = events.wait().expect("an event within 20 s");
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
    let (name, data) = events.wait().expect("an event within 20 s");
    assert_eq!(
        (name.as_str(), revision(&data)),
        ("reload", start + 2),
        "{data}"
    );
    let (status, page) = get(&server.addr, "/");
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
    let (name, data) = events.wait().expect("an event within 20 s");
    assert_eq!(name, "error", "{data}");
    let message = serde_json::from_str::<serde_json::Value>(&data).unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("incident.toml:6:"), "{message}");
    let (status, page) = get(&server.addr, "/");
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
    let (name, _) = events.wait().expect("an event within 20 s");
    assert_eq!(name, "reload");
    let (_, page) = get(&server.addr, "/");
    assert!(
        !page.contains("<div id=\"debrief-overlay\""),
        "the overlay is gone"
    );

    // Every HTML response carries the live script and no caching.
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    write!(
        stream,
        "GET /report HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.to_lowercase().contains("cache-control: no-store"),
        "{}",
        &response[..300.min(response.len())]
    );
    assert!(response.contains("new EventSource(\"/api/events\")"));
    assert_eq!(get(&server.addr, "/site/nope.html").0, 404);
}

#[test]
fn a_broken_incident_still_starts_and_shows_why() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("incident.toml"),
        "title = \"x\"\nseverity = \n",
    )
    .unwrap();
    let server = serve(tmp.path());
    let (status, page) = get(&server.addr, "/");
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
