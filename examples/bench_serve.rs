//! Benchmark of the live view: from saving `incident.toml` (1,000 timeline entries) to the SSE
//! event reaching a client on loopback, over 200 saves. Run by `bench/serve.sh`.
//!
//! cargo run --release --example bench_serve -- <debrief binary> [debounce-ms] [saves] [shape]
//!
//! `shape` is `spread` (the default: one entry a minute over 16 hours, in five lanes, no
//! factors) or `crowded` (one entry every 18 seconds over 5 hours, nearly all in one lane, with
//! 20 key entries, 10 factors and 10 actions: a long outage as people log it).

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use debrief::serve::probe::{Events, wait_for_address};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let bin = args.get(1).map_or("target/release/debrief", String::as_str);
    let debounce: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let saves: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(200);

    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("2026-11-03-big");
    std::fs::create_dir(&dir)?;
    let shape = args.get(4).map_or("spread", String::as_str);
    let toml = match shape {
        "spread" => spread(),
        "crowded" => crowded(),
        other => return Err(format!("unknown shape {other:?}: spread or crowded").into()),
    };
    let path = dir.join("incident.toml");
    std::fs::write(&path, &toml)?;

    let mut child = Command::new(bin)
        .args([
            "serve",
            dir.to_str().unwrap_or("."),
            "--port",
            "0",
            "--debounce",
            &debounce.to_string(),
            "--facilitator-key",
            "bench-facilitator-key",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let addr = wait_for_address(&mut child)?;
    let mut events = Events::connect(&addr, "/api/events?state=0", "bench-facilitator-key");
    let _hello = events.wait().expect("an event within 20 s");

    let mut latencies = Vec::with_capacity(saves);
    for n in 0..saves {
        let text = format!("{toml}\n# save {n}\n");
        let started = Instant::now();
        let mut file = std::fs::File::create(&path)?;
        file.write_all(text.as_bytes())?;
        drop(file);
        let (name, _) = events
            .next_within(Duration::from_secs(10))
            .ok_or("no event within 10 s")?;
        if name != "reload" {
            return Err(format!("expected a reload, got {name}").into());
        }
        latencies.push(started.elapsed());
    }
    let _ = child.kill();
    let _ = child.wait();

    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let window = debounce as f64;
    println!("saves: {saves}, debounce: {debounce} ms, 1,000 timeline entries ({shape})");
    println!(
        "save -> event:            p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(pct(0.5)),
        ms(pct(0.99)),
        ms(pct(1.0))
    );
    println!(
        "after the debounce window: p50 {:.1} ms, p99 {:.1} ms",
        ms(pct(0.5)) - window,
        ms(pct(0.99)) - window
    );
    Ok(())
}

/// One entry a minute over 16 hours, in five lanes, a key one every fifty.
fn spread() -> String {
    let mut toml = String::from(
        "title = \"A long incident\"\ntimezone = \"UTC\"\n\n[times]\nstarted = 2026-11-03T00:00:00Z\nresolved = 2026-11-03T16:39:00Z\n",
    );
    for i in 0..1000 {
        let _ = std::fmt::Write::write_fmt(
            &mut toml,
            format_args!(
                "\n[[timeline]]\nid = \"t-{i}\"\nat = 2026-11-03T{:02}:{:02}:00Z\ntext = \"Entry {i}: replica {} reported pool saturation\"\nkind = \"event\"\nlane = \"lane-{}\"\n{}",
                i / 60,
                i % 60,
                i % 7,
                i % 5,
                if i % 50 == 0 { "key = true\n" } else { "" }
            ),
        );
    }
    toml
}

/// One entry every 18 seconds over 5 hours, all but every tenth in the default lane, a key one
/// every fifty; 10 factors, each seen in a key entry and feeding the next, and 10 actions.
fn crowded() -> String {
    use std::fmt::Write as _;
    let mut toml = String::from(
        "title = \"A long outage\"\ntimezone = \"UTC\"\n\n[times]\nstarted = 2026-11-03T10:00:00Z\ndetected = 2026-11-03T10:05:00Z\nmitigated = 2026-11-03T14:30:00Z\nresolved = 2026-11-03T15:00:00Z\n",
    );
    for i in 0..1000 {
        let s = i * 18;
        let _ = write!(
            toml,
            "\n[[timeline]]\nid = \"t-{i}\"\nat = 2026-11-03T{:02}:{:02}:{:02}Z\ntext = \"Entry {i}: replica {} of the checkout pool reported saturation and retried\"\n{}{}",
            10 + s / 3600,
            s / 60 % 60,
            s % 60,
            i % 7,
            if i % 10 == 0 {
                "lane = \"deploys\"\n"
            } else {
                ""
            },
            if i % 50 == 0 { "key = true\n" } else { "" }
        );
    }
    for f in 0..10 {
        let feeds = if f < 9 {
            format!("leads_to = [\"f-{}\"]\n", f + 1)
        } else {
            String::new()
        };
        let _ = write!(
            toml,
            "\n[[factors]]\nid = \"f-{f}\"\ntext = \"Factor {f}: the pool limit held while the retries grew\"\ncategory = \"technical\"\nevents = [\"t-{}\"]\n{feeds}",
            f * 100
        );
    }
    for a in 0..10 {
        let _ = write!(
            toml,
            "\n[[actions]]\nid = \"a-{a}\"\ntext = \"Action {a}: alert on pool saturation before it pages\"\nfactors = [\"f-{a}\"]\n"
        );
    }
    toml
}
