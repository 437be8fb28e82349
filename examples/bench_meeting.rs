//! Load benchmark of the live meeting: 300 participants hold SSE connections while 1,500
//! operations arrive. Run by `bench/meeting.sh`, in two shapes:
//! - a burst: every participant sends its 5 operations at once;
//! - sustained edits: 50 of them each make 30 edits in a row, each sent when the previous one
//!   is acknowledged, while all 300 screens follow.
//!
//! The facilitator's shared screen follows too: its state holds every item, with what the
//! blameless lint flags, the heaviest state per change (`BENCH_NO_FACILITATOR=1` leaves it
//! out, as runs before it did).
//!
//! cargo run --release --example bench_meeting -- <debrief binary> [participants] [operations] [runs] [writers] [phase]
//!
//! `writers` (default: every participant) is how many participants send; each sends its share
//! of the operations back to back on one kept-alive connection. `phase` (default `timeline`)
//! is the meeting's phase during the load: in `actions`, every phone's state holds the growing
//! lists of factors and actions.
//!
//! Per run it reports the acknowledgement latency (p50, p99, max) of every operation, the time
//! until every SSE client has seen the final revision, the server's peak RSS (VmHWM), errors,
//! and whether every acknowledged operation reached `incident.toml`.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use debrief::serve::probe::{request, wait_for_address};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _};

const KEY: &str = "bench-facilitator-key";
const CODE: &str = "bench-join-code-0001";

struct Run {
    acks: Vec<Duration>,
    errors: usize,
    /// From the start of the burst until the last operation was acknowledged.
    burst: Duration,
    /// From the start of the burst until every SSE client had seen the final revision.
    all_seen: Duration,
    peak_rss_kib: u64,
    /// The server's CPU time (user and system) over the whole run, joins included.
    server_cpu: Duration,
    persisted: bool,
    /// Bytes of events the screens received during the load.
    screen_bytes: u64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let bin = args.get(1).map_or("target/release/debrief", String::as_str);
    let participants: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(300);
    let operations: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1500);
    let runs: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(3);
    let writers: usize = args
        .get(5)
        .and_then(|s| s.parse().ok())
        .unwrap_or(participants)
        .clamp(1, participants);
    let phase = args.get(6).map_or("timeline", String::as_str);
    println!(
        "{participants} participants on SSE; {writers} of them send {operations} operations, {} each in a row; phase {phase}; {runs} runs (a fresh server each)",
        operations.div_ceil(writers)
    );
    let mut results = Vec::new();
    for n in 0..runs {
        let run = once(bin, participants, operations, writers, phase)?;
        let mut acks = run.acks.clone();
        acks.sort();
        println!(
            "run {}: ack p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; burst acknowledged in {} ms; every client saw the final revision after {} ms ({} ms after the last acknowledgement); peak RSS {:.1} MB; server CPU {} ms; {:.1} MB of events to the screens; errors {}; persisted {}",
            n + 1,
            ms(percentile(&acks, 0.50)),
            ms(percentile(&acks, 0.99)),
            ms(*acks.last().unwrap_or(&Duration::ZERO)),
            run.burst.as_millis(),
            run.all_seen.as_millis(),
            run.all_seen.saturating_sub(run.burst).as_millis(),
            run.peak_rss_kib as f64 / 1024.0,
            run.server_cpu.as_millis(),
            run.screen_bytes as f64 / 1e6,
            run.errors,
            if run.persisted { "yes" } else { "NO" },
        );
        results.push(run);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let per_run = |f: &dyn Fn(&Run) -> f64| median(results.iter().map(f).collect());
    println!(
        "median of runs: ack p50 {:.1} ms, p99 {:.1} ms; all clients current after {:.0} ms ({:.0} ms after the last acknowledgement); peak RSS {:.1} MB; errors {}; all persisted: {}",
        per_run(&|r| {
            let mut a = r.acks.clone();
            a.sort();
            ms(percentile(&a, 0.5))
        }),
        per_run(&|r| {
            let mut a = r.acks.clone();
            a.sort();
            ms(percentile(&a, 0.99))
        }),
        per_run(&|r| r.all_seen.as_secs_f64() * 1000.0),
        per_run(&|r| r.all_seen.saturating_sub(r.burst).as_secs_f64() * 1000.0),
        per_run(&|r| r.peak_rss_kib as f64 / 1024.0),
        results.iter().map(|r| r.errors).sum::<usize>(),
        results.iter().all(|r| r.persisted),
    );
    // Peak RSS is the figure that matters for every run, not the median: say the largest too.
    println!(
        "largest peak RSS of any run: {:.1} MB",
        results.iter().map(|r| r.peak_rss_kib).max().unwrap_or(0) as f64 / 1024.0
    );
    if !results.iter().all(|r| r.persisted) {
        return Err("an acknowledged operation is missing from incident.toml".into());
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// The server under test, stopped however the run ends (a failed run must not leave a server
/// taking CPU from the next).
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn once(
    bin: &str,
    participants: usize,
    operations: usize,
    writers: usize,
    phase: &str,
) -> Result<Run, Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("2026-11-03-checkout");
    copy_dir(std::path::Path::new("sample-incident"), &dir)?;
    let mut child = Server(
        Command::new(bin)
            .args(["serve", dir.to_str().unwrap_or("."), "--port", "0"])
            .args(["--facilitator-key", KEY, "--join-code", CODE])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let pid = child.0.id();
    let addr = wait_for_address(&mut child.0)?;
    if phase != "timeline" {
        let body = format!("{{\"phase\":\"{phase}\"}}");
        let auth = [format!("Authorization: Bearer {KEY}")];
        let reply = request(&addr, "POST", "/api/phase", &auth, Some(&body))?;
        if reply.status != 200 {
            return Err(format!("setting the phase: {}", reply.body).into());
        }
    }

    let tokens: Vec<String> = (0..participants)
        .map(|n| {
            let body = format!("{{\"code\":\"{CODE}\",\"name\":\"person {n}\"}}");
            let reply = request(&addr, "POST", "/api/join", &[], Some(&body))?;
            reply.json()["token"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| std::io::Error::other(reply.body))
        })
        .collect::<Result<_, _>>()?;

    // The load runs on a small async runtime, so that the load generator takes as little of the
    // machine's CPU from the server as it can: 600 OS threads would take a lot.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let Load {
        acks,
        errors,
        burst,
        all_seen,
        created,
        screen_bytes,
    } = runtime.block_on(load(&addr, &tokens, operations, writers))?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let server_cpu = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // The fields after the command name, which is in parentheses.
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            let ticks: u64 =
                fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
            Some(Duration::from_millis(ticks * 10))
        })
        .unwrap_or_default();
    let peak_rss_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);

    // Every acknowledged operation is in the file.
    let deadline = Instant::now() + Duration::from_secs(20);
    let persisted = loop {
        let ids = ids_on_disk(&dir.join("incident.toml"));
        if created.iter().all(|id| ids.contains(id)) {
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(child);
    Ok(Run {
        acks,
        errors,
        burst,
        all_seen,
        peak_rss_kib,
        server_cpu,
        persisted,
        screen_bytes,
    })
}

/// Every item id in the incident file, read as TOML (the file keeps its own alignment, so
/// `id   = "t-1"` is as good as `id = "t-1"`).
fn ids_on_disk(path: &std::path::Path) -> std::collections::HashSet<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Default::default();
    };
    doc.values()
        .filter_map(toml::Value::as_array)
        .flatten()
        .filter_map(|item| item.get("id")?.as_str().map(str::to_owned))
        .collect()
}

/// What the burst gave.
struct Load {
    acks: Vec<Duration>,
    errors: usize,
    burst: Duration,
    all_seen: Duration,
    created: Vec<String>,
    screen_bytes: u64,
}

/// Connects every participant's screen, waits until each has its first state, then has
/// `writers` of them send the operations and waits until every screen has seen the final
/// revision.
async fn load(
    addr: &str,
    tokens: &[String],
    operations: usize,
    writers: usize,
) -> Result<Load, Box<dyn std::error::Error>> {
    // Every participant's phone, and the facilitator's shared screen, whose state carries the
    // blameless lint's marks on every item.
    let watchers: Vec<&str> = tokens
        .iter()
        .map(String::as_str)
        .chain(std::iter::once(KEY).filter(|_| std::env::var_os("BENCH_NO_FACILITATOR").is_none()))
        .collect();
    let participants = watchers.len();
    // Each screen reports (revision, when) for every state it receives.
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<(usize, u64, Instant)>();
    let received = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut screens = Vec::new();
    for (n, token) in watchers.iter().enumerate() {
        let (addr, token, seen) = (addr.to_owned(), token.to_string(), seen_tx.clone());
        let received = received.clone();
        screens.push(tokio::spawn(async move {
            let _ = screen(n, &addr, &token, seen, &received).await;
        }));
    }
    drop(seen_tx);
    let mut latest = vec![None::<(u64, Instant)>; participants];
    let mut ready = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while ready < participants {
        let (n, revision, at) = tokio::time::timeout_at(deadline, seen_rx.recv())
            .await
            .map_err(|_| "not every screen connected within 60 s")?
            .ok_or("the screens stopped")?;
        if latest[n].is_none() {
            ready += 1;
        }
        latest[n] = Some((revision, at));
    }

    // Every writer starts at once and sends its share back to back, on its own kept-alive
    // connection.
    let per = operations.div_ceil(writers);
    let go = Arc::new(tokio::sync::Barrier::new(writers + 1));
    let mut senders = Vec::new();
    for (n, token) in tokens.iter().enumerate().take(writers) {
        let (addr, token, go) = (addr.to_owned(), token.clone(), go.clone());
        let count = per.min(operations.saturating_sub(n * per));
        senders.push(tokio::spawn(async move {
            sender(n, &addr, &token, count, go).await
        }));
    }
    let before_load = received.load(std::sync::atomic::Ordering::Relaxed);
    go.wait().await;
    let start = Instant::now();
    let mut acks = Vec::with_capacity(operations);
    let mut errors = 0;
    let mut final_revision = 0;
    let mut last_ack = start;
    let mut created = Vec::new();
    for sender in senders {
        for (took, reply, at) in sender.await? {
            match reply {
                Some((status, json)) if (200..300).contains(&status) => {
                    acks.push(took);
                    final_revision = final_revision.max(json["revision"].as_u64().unwrap_or(0));
                    if let Some(id) = json["id"].as_str() {
                        created.push(id.to_owned());
                    }
                    last_ack = last_ack.max(at);
                }
                _ => errors += 1,
            }
        }
    }
    // Until every screen has seen the final revision: those that had it during the burst, and
    // the rest as their states arrive.
    let mut first_final: Vec<Option<Instant>> = latest
        .iter()
        .map(|l| l.filter(|(r, _)| *r >= final_revision).map(|(_, at)| at))
        .collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while first_final.iter().any(Option::is_none) {
        match tokio::time::timeout_at(deadline, seen_rx.recv()).await {
            Ok(Some((n, revision, at))) => {
                if revision >= final_revision && first_final[n].is_none() {
                    first_final[n] = Some(at);
                }
            }
            _ => break,
        }
    }
    errors += first_final.iter().filter(|t| t.is_none()).count();
    let all_seen = first_final
        .iter()
        .flatten()
        .max()
        .map_or(Duration::MAX, |t| *t - start);
    for screen in screens {
        screen.abort();
    }
    Ok(Load {
        acks,
        errors,
        burst: last_ack - start,
        all_seen,
        created,
        screen_bytes: received.load(std::sync::atomic::Ordering::Relaxed) - before_load,
    })
}

/// One screen: an SSE connection; it reports the revision of every `state` event.
async fn screen(
    n: usize,
    addr: &str,
    token: &str,
    seen: tokio::sync::mpsc::UnboundedSender<(usize, u64, Instant)>,
    received: &std::sync::atomic::AtomicU64,
) -> std::io::Result<()> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    // HTTP/1.0: the events come as plain lines, without the chunk sizes of HTTP/1.1 between
    // them (an event is sent in several chunks), which this line reader would not skip.
    stream
        .write_all(
            format!(
                "GET /api/events HTTP/1.0\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await?;
    let mut lines = tokio::io::BufReader::new(stream).lines();
    let mut event = String::new();
    while let Some(line) = lines.next_line().await? {
        received.fetch_add(line.len() as u64 + 1, std::sync::atomic::Ordering::Relaxed);
        if let Some(name) = line.strip_prefix("event:") {
            event = name.trim().to_owned();
        } else if let Some(data) = line
            .strip_prefix("data:")
            .filter(|_| event == "state" || event == "change")
        {
            let at = Instant::now();
            // The shared part's keys are in order, and `revision` is the only one of its name;
            // in a change, it is `"revision":{"=":N}`.
            let revision = data
                .find("\"revision\":")
                .and_then(|i| {
                    let rest = &data[i + 11..];
                    let rest = rest.strip_prefix("{\"=\":").unwrap_or(rest);
                    let end = rest
                        .find(|c: char| !c.is_ascii_digit())
                        .unwrap_or(rest.len());
                    rest[..end].parse::<u64>().ok()
                })
                .unwrap_or(0);
            if seen.send((n, revision, at)).is_err() {
                break;
            }
        }
    }
    Ok(())
}

type Sent = (Duration, Option<(u16, serde_json::Value)>, Instant);

/// One participant's share of the burst, on one kept-alive connection, like a browser.
async fn sender(
    n: usize,
    addr: &str,
    token: &str,
    count: usize,
    go: Arc<tokio::sync::Barrier>,
) -> Vec<Sent> {
    let connection = tokio::net::TcpStream::connect(addr).await;
    go.wait().await;
    let Ok(stream) = connection else {
        return vec![(Duration::ZERO, None, Instant::now()); count];
    };
    let _ = stream.set_nodelay(true);
    let mut stream = tokio::io::BufReader::new(stream);
    let mut out = Vec::with_capacity(count);
    // The person's latest observation: a writer with more than one vote's worth of operations
    // edits it instead of voting again.
    let mut latest: Option<String> = None;
    for k in 0..count {
        let (method, path, body) = match k % 5 {
            3 if k >= 5 && latest.is_some() => (
                "PATCH",
                format!("/api/timeline/{}", latest.as_deref().unwrap_or_default()),
                format!("{{\"text\":\"person {n} saw {k}, corrected\"}}"),
            ),
            0 | 1 => (
                "POST",
                "/api/timeline".to_owned(),
                format!(
                    "{{\"at\":\"2026-11-03T14:{:02}:00\",\"text\":\"person {n} saw {k}\"}}",
                    10 + k % 40
                ),
            ),
            2 => (
                "POST",
                "/api/factors".to_owned(),
                format!("{{\"text\":\"person {n} factor {k}\"}}"),
            ),
            3 => (
                "POST",
                format!(
                    "/api/factors/{}/votes",
                    ["f-held-conn", "f-hpa", "f-alerting"][n % 3]
                ),
                String::new(),
            ),
            _ => (
                "POST",
                "/api/actions".to_owned(),
                format!("{{\"text\":\"person {n} action {k}\"}}"),
            ),
        };
        let started = Instant::now();
        let reply = exchange(&mut stream, addr, token, method, &path, &body)
            .await
            .ok();
        if k % 5 < 2
            && let Some((201, json)) = &reply
        {
            latest = json["id"].as_str().map(str::to_owned);
        }
        out.push((started.elapsed(), reply, Instant::now()));
    }
    out
}

/// One request on a kept-alive connection: the status and the JSON body.
async fn exchange(
    stream: &mut tokio::io::BufReader<tokio::net::TcpStream>,
    addr: &str,
    token: &str,
    method: &str,
    path: &str,
    body: &str,
) -> std::io::Result<(u16, serde_json::Value)> {
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.get_mut().write_all(request.as_bytes()).await?;
    let mut status = 0;
    let mut length = 0;
    let mut line = String::new();
    loop {
        line.clear();
        if stream.read_line(&mut line).await? == 0 {
            return Err(std::io::Error::other("the connection closed"));
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some(rest) = l.strip_prefix("HTTP/1.1 ") {
            status = rest.get(..3).and_then(|s| s.parse().ok()).unwrap_or(0);
        } else if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await?;
    Ok((status, serde_json::from_slice(&body).unwrap_or_default()))
}
