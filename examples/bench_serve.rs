//! Benchmark of the live view: from saving `incident.toml` (1,000 timeline entries) to the SSE
//! event reaching a client on loopback, over 200 saves. Run by `bench/serve.sh`.
//!
//! cargo run --release --example bench_serve -- <debrief binary> [debounce-ms] [saves]

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
    println!("saves: {saves}, debounce: {debounce} ms, 1,000 timeline entries");
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
