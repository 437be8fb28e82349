//! The limits that keep one attacker with a join link from taking the meeting down: list
//! caps, join and guess throttles, idle and stalled connections, and a bounded stop. The real
//! binary over real sockets.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{CODE, KEY, Server, root};
use debrief::serve::probe::{Reply, request};
use serde_json::json;

fn sample() -> (tempfile::TempDir, std::path::PathBuf) {
    common::sample_copy()
}

fn post(server: &Server, token: &str, path: &str, body: serde_json::Value) -> Reply {
    server.call("POST", path, token, Some(&body.to_string()))
}

fn code(reply: &Reply) -> (u16, String) {
    common::status_and_code(reply)
}

/// Whether the server closed `stream` within `wait` (reading gives end of file or an error).
fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let deadline = Instant::now() + wait;
    let mut buf = [0u8; 65536];
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return true,
        }
    }
    false
}

#[test]
fn lists_are_capped_with_a_409_that_says_so() {
    let (_tmp, dir) = sample();
    // Fill the file to one short of the cap by hand, as a long meeting would.
    let mut text = std::fs::read_to_string(dir.join("incident.toml")).unwrap();
    let present = text.matches("[[factors]]").count();
    for n in present..debrief::serve::limits::MAX_FACTORS - 1 {
        text.push_str(&format!(
            "\n[[factors]]\nid = \"f-filled-{n}\"\ntext = \"Filled {n}\"\ncategory = \"technical\"\n"
        ));
    }
    std::fs::write(dir.join("incident.toml"), text).unwrap();
    let server = Server::start(&dir, &[]);
    let token = server.join(Some("Alex"));
    let last = post(
        &server,
        &token,
        "/api/factors",
        json!({ "text": "The last one" }),
    );
    assert_eq!(last.status, 201, "{}", last.body);
    let over = post(
        &server,
        &token,
        "/api/factors",
        json!({ "text": "One too many" }),
    );
    assert_eq!(code(&over), (409, "list-full".into()), "{}", over.body);
    assert!(
        over.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{} factors", debrief::serve::limits::MAX_FACTORS))
    );
}

#[test]
fn joins_are_throttled_per_address() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &[]);
    let body = json!({ "code": CODE, "anonymous": true }).to_string();
    let started = Instant::now();
    let statuses: Vec<u16> = (0..400)
        .map(|_| {
            request(&server.addr, "POST", "/api/join", &[], Some(&body))
                .unwrap()
                .status
        })
        .collect();
    let joined = statuses.iter().filter(|s| **s == 201).count();
    // A burst of 320, then 2 a second: however slowly this machine sends them.
    let allowed = 320 + (started.elapsed().as_secs_f64() * 2.0).ceil() as usize;
    assert!(
        joined >= 320 && joined <= allowed,
        "{joined} joined, {allowed} allowed"
    );
    assert!(statuses.contains(&429));
    assert!(statuses.iter().all(|s| *s == 201 || *s == 429));
}

#[test]
fn wrong_keys_are_throttled_and_short_secrets_refused() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &[]);
    let mut statuses = Vec::new();
    let started = std::time::Instant::now();
    for n in 0..260 {
        let guess = format!("guess-{n:016}");
        statuses.push(server.call("GET", "/api/state", &guess, None).status);
    }
    assert_eq!(statuses[0], 401);
    // A burst of 200 guesses, then 20 a second: however slowly this machine sends them, no
    // more are answered than that.
    let answered = statuses.iter().filter(|s| **s == 401).count();
    let allowed = 200 + (started.elapsed().as_secs_f64() * 20.0).ceil() as usize;
    assert!(
        statuses.contains(&429) && answered <= allowed,
        "guessing is throttled: {answered} answered, {allowed} allowed: {statuses:?}"
    );
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429));
    // While throttled, even the right key from that address waits; the meeting itself (other
    // addresses) is not affected, and the throttle lifts within seconds.
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.as_facilitator("GET", "/api/state", None).status == 429 {
        assert!(Instant::now() < deadline, "the throttle never lifted");
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(server);

    let short = common::run(
        &root(),
        &[
            "serve",
            common::typed(&dir).to_str().unwrap(),
            "--port",
            "0",
            "--facilitator-key",
            "fifteen-chars-x",
        ],
    );
    assert_eq!(short.status.code(), Some(1));
    assert!(
        common::transcript(&short).contains("at least 16"),
        "{}",
        common::transcript(&short)
    );
}

#[test]
fn silent_connections_are_closed_and_the_connection_limit_holds() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &["--max-connections", "6"]);
    // Six connections that never send a request take every place.
    let mut silent: Vec<TcpStream> = (0..6)
        .map(|_| TcpStream::connect(&server.addr).unwrap())
        .collect();
    // The seventh (accepted after them: the queue of connections is first come, first
    // served) is closed at once rather than left waiting.
    let mut seventh = TcpStream::connect(&server.addr).unwrap();
    let _ = seventh
        .write_all(format!("GET /api/state HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr).as_bytes());
    assert!(
        closed_within(&mut seventh, Duration::from_secs(5)),
        "over the limit, a connection is closed"
    );
    // The silent ones are closed by the header-read timeout (10 s), and the server serves
    // again.
    for stream in &mut silent {
        assert!(
            closed_within(stream, Duration::from_secs(20)),
            "a connection that sends nothing is closed"
        );
    }
    assert_eq!(server.as_facilitator("GET", "/api/state", None).status, 200);
}

#[test]
fn a_screen_that_stops_reading_is_dropped() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &["--stall-timeout", "1"]);
    // Sixty long factors, which a phone sees only in the phases that show factors.
    for n in 0..60 {
        let reply = post(
            &server,
            KEY,
            "/api/factors",
            json!({ "text": format!("Factor {n} {}", "x".repeat(1900)) }),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let phone = common::join_reply(&server, Some("Sam"))["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // A phone's event stream that is never read.
    let mut stalled = TcpStream::connect(&server.addr).unwrap();
    stalled
        .write_all(
            format!(
                "GET /api/events HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {phone}\r\n\r\n",
                server.addr
            )
            .as_bytes(),
        )
        .unwrap();
    // Each move into the factors phase sends it the 120 KB of factors: for eight seconds, far
    // more than the kernel buffers for one connection.
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < Duration::from_secs(8) {
        let phase = ["timeline", "factors"][n % 2];
        let reply = post(&server, KEY, "/api/phase", json!({ "phase": phase }));
        assert_eq!(reply.status, 200, "{}", reply.body);
        n += 1;
    }
    // Past the stall timeout (1 s here), the server lets it go and says so in its debug log;
    // reading then drains what the kernel held and meets the end of the stream. A live
    // stream would instead go quiet (nothing new is sent) until the read times out.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !server.log().contains("error writing") {
        assert!(
            Instant::now() < deadline,
            "the server never dropped the stalled stream ({n} changes sent); log:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    stalled
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let dropped = loop {
        match stalled.read(&mut buf) {
            Ok(0) => break true,
            Ok(_) => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break false;
            }
            Err(_) => break true,
        }
    };
    assert!(
        dropped,
        "the stalled stream was never dropped ({n} changes sent)"
    );
    assert_eq!(server.as_facilitator("GET", "/api/state", None).status, 200);
}

#[test]
fn a_stop_finishes_quickly_whatever_the_clients_do() {
    let (_tmp, dir) = sample();
    let mut server = Server::start(&dir, &[]);
    let token = server.join(Some("Alex"));
    assert_eq!(
        post(
            &server,
            &token,
            "/api/timeline",
            json!({ "at": "2026-11-03T14:20", "text": "Before the stop" })
        )
        .status,
        201
    );
    // Five clients sending their headers a byte at a time, and an open event stream.
    let mut slow: Vec<TcpStream> = (0..5)
        .map(|_| {
            let mut s = TcpStream::connect(&server.addr).unwrap();
            s.write_all(b"GET /api/state HTTP/1.1\r\nHost: ").unwrap();
            s
        })
        .collect();
    let _events = server.events("/api/events");
    for s in &mut slow {
        let _ = s.write_all(b"1");
    }
    let started = Instant::now();
    common::signal(&server.child, "-TERM");
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the server did not stop; log:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "{}", server.log());
    let journal = std::fs::read_to_string(dir.join(".debrief/journal.jsonl")).unwrap();
    assert!(
        journal.trim_end().ends_with("\"op\":{\"type\":\"end\"}}"),
        "the end of the meeting is recorded: {journal}"
    );
    assert!(
        std::fs::read_to_string(dir.join("incident.toml"))
            .unwrap()
            .contains("Before the stop")
    );
}
