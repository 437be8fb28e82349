//! A small client of the live view's event stream, for tests and benchmarks: it speaks just
//! enough HTTP/1.1 (chunked transfer encoding) and SSE to read events off a running server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A minimal SSE client over HTTP/1.1 with chunked transfer encoding.
pub struct Events {
    reader: BufReader<TcpStream>,
    buffer: String,
    /// The server ended the stream (as opposed to no event arriving in time).
    pub closed: bool,
    /// The last meeting state, for the changes that follow it.
    state: Option<serde_json::Value>,
}

impl Events {
    /// Connects to `path` (such as `/api/events`) of the server at `addr` (`host:port`), with
    /// `token` as the bearer token.
    pub fn connect(addr: &str, path: &str, token: &str) -> Events {
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
        }
        Events {
            reader,
            buffer: String::new(),
            closed: false,
            state: None,
        }
    }

    /// The next event (name, data), or `None` if none arrives within `wait`.
    pub fn next_within(&mut self, wait: Duration) -> Option<(String, String)> {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = String::from("message");
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if block.lines().all(|l| l.starts_with(':') || l.is_empty()) {
                    continue; // a keep-alive comment
                }
                return Some((name, data));
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            self.reader
                .get_ref()
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .unwrap();
            // One chunk: its size in hex, then that many bytes, then CRLF.
            let mut size = String::new();
            match self.reader.read_line(&mut size) {
                Ok(0) => {
                    self.closed = true;
                    return None;
                }
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return None;
                }
                Err(e) => panic!("reading events: {e}"),
            }
            let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
                // Not a chunk size: a line of a chunk the last read gave up on part-way.
                continue;
            };
            if n == 0 {
                // The last chunk: the server ended the stream.
                self.closed = true;
                return None;
            }
            let mut chunk = vec![0; n + 2];
            self.reader
                .get_ref()
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            self.reader.read_exact(&mut chunk).unwrap();
            self.buffer.push_str(&String::from_utf8_lossy(&chunk[..n]));
        }
    }

    /// The next event, waiting up to 20 s.
    pub fn wait(&mut self) -> Option<(String, String)> {
        self.next_within(Duration::from_secs(20))
    }

    /// The next meeting state, as a screen has it: a `state` event as it is, or the last
    /// state with a `change` event made to it. Other events are skipped. `None` when no state
    /// comes within 20 seconds, or a change is for a state this stream did not have.
    pub fn next_state(&mut self) -> Option<serde_json::Value> {
        loop {
            let (name, data) = self.wait()?;
            let event: serde_json::Value = serde_json::from_str(&data).ok()?;
            let state = match name.as_str() {
                "state" => event,
                "change" => {
                    let current = self.state.as_ref()?;
                    if current["key"] != event["base"] {
                        return None;
                    }
                    let mut state = crate::serve::delta::apply(current, &event["change"]);
                    state["now"] = event["now"].clone();
                    state["you"] = event["you"].clone();
                    state
                }
                _ => continue,
            };
            self.state = Some(state.clone());
            return Some(state);
        }
    }
}

/// A response: status, headers (lower-case names) and body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`null` when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// One HTTP/1.1 request on a fresh connection: `extra` is more header lines (`Name: value`).
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    extra: &[String],
    body: Option<&str>,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for line in extra {
        head.push_str(line);
        head.push_str("\r\n");
    }
    if let Some(body) = body {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if let Some(body) = body {
        stream.write_all(body.as_bytes())?;
    }
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {head}")))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok(Reply {
        status,
        headers,
        body: body.to_owned(),
    })
}

/// A keep-alive HTTP/1.1 connection, as a browser holds one: many requests, one TCP connection.
pub struct Connection {
    addr: String,
    reader: BufReader<TcpStream>,
}

impl Connection {
    pub fn open(addr: &str) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Connection {
            addr: addr.to_owned(),
            reader: BufReader::new(stream),
        })
    }

    /// One request on the open connection; the response must carry a `Content-Length`.
    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        extra: &[String],
        body: Option<&str>,
    ) -> std::io::Result<Reply> {
        let body = body.unwrap_or("");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for line in extra {
            head.push_str(line);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        head.push_str(body);
        self.reader.get_mut().write_all(head.as_bytes())?;
        let mut status_line = String::new();
        self.reader.read_line(&mut status_line)?;
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                std::io::Error::other(format!("not an HTTP response: {status_line:?}"))
            })?;
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .ok_or_else(|| std::io::Error::other("the response has no Content-Length"))?;
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }
}

/// Reads a starting `debrief serve`'s stdout until it prints its address (`host:port`), then
/// keeps draining it on a thread so the server never blocks on a full pipe.
pub fn wait_for_address(child: &mut std::process::Child) -> std::io::Result<String> {
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| std::io::Error::other("the server's stdout is not piped"))?;
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines.next().ok_or_else(|| {
            std::io::Error::other("the server stopped before printing its address")
        })??;
        if let Some(rest) = line
            .strip_prefix("Facilitator (share this screen): http://")
            .or_else(|| line.strip_prefix("Listening on:                    http://"))
        {
            break rest.split('/').next().unwrap_or_default().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Ok(addr)
}
