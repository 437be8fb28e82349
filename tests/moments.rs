//! Notable moments on synthetic traffic with changes planted at known instants: each change is
//! found within a minute of where it was planted and ranks among the first five. The traffic
//! comes from the generator below (Poisson arrivals from a fixed seed), not from our fixtures.

mod common;

use std::fmt::Write as _;

use common::run;
use serde_json::Value;

/// A small deterministic generator (xorshift64*), so every run plants the same traffic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Seconds to the next arrival of a Poisson process at `per_minute`.
    fn gap(&mut self, per_minute: f64) -> f64 {
        -(1.0 - self.next()).ln() * 60.0 / per_minute
    }
}

/// 13:00:00 UTC on 2026-11-03, as epoch seconds.
const START: f64 = 1_793_710_800.0;
const HOURS: f64 = 3.0;

fn iso(t: f64) -> String {
    jiff::Timestamp::from_millisecond((t * 1000.0) as i64)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn clf_time(t: f64) -> String {
    jiff::Timestamp::from_second(t as i64)
        .unwrap()
        .strftime("%d/%b/%Y:%H:%M:%S +0000")
        .to_string()
}

/// Arrivals of a Poisson process whose rate may change: `rate(t)` per minute.
fn arrivals(rng: &mut Rng, from: f64, to: f64, rate: impl Fn(f64) -> f64) -> Vec<f64> {
    let mut out = Vec::new();
    let mut t = from;
    loop {
        t += rng.gap(rate(t));
        if t >= to {
            return out;
        }
        out.push(t);
    }
}

/// Planted changes, in seconds after START.
const NEW_ERROR: f64 = 40.0 * 60.0 + 17.0;
const RATE_STEP: f64 = 90.0 * 60.0 + 41.0;
const SHARE_STEP: f64 = 110.0 * 60.0 + 5.0;
const SILENCE: f64 = 140.0 * 60.0 + 33.0;

fn traffic(dir: &std::path::Path) {
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let end = START + HOURS * 3600.0;
    std::fs::create_dir_all(dir.join("logs")).unwrap();

    // The app: steady background messages of several kinds, and one new error.
    let mut app: Vec<(f64, String)> = Vec::new();
    let kinds: [(f64, &str, &str); 4] = [
        (12.0, "info", "order {n} placed items={k}"),
        (6.0, "info", "cache refreshed region=eu-{k} took={n}ms"),
        (2.0, "warn", "retrying payment provider call attempt={k}"),
        (3.0, "debug", "session {n} renewed"),
    ];
    for (rate, level, shape) in kinds {
        for t in arrivals(&mut rng, START, end, |_| rate) {
            let n = (rng.next() * 1e6) as u64;
            let k = (rng.next() * 9.0) as u64 + 1;
            let msg = shape
                .replace("{n}", &n.to_string())
                .replace("{k}", &k.to_string());
            app.push((t, format!("{} {level} {msg}", iso(t))));
        }
    }
    for t in arrivals(&mut rng, START + NEW_ERROR, end, |_| 5.0) {
        let waited = 5000 + (rng.next() * 900.0) as u64;
        app.push((
            t,
            format!(
                "{} error connection pool exhausted pool=main waited={waited}ms",
                iso(t)
            ),
        ));
    }
    // The first error exactly at the planted instant.
    app.push((
        START + NEW_ERROR,
        format!(
            "{} error connection pool exhausted pool=main waited=5000ms",
            iso(START + NEW_ERROR)
        ),
    ));
    app.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut text = String::new();
    for (_, line) in &app {
        writeln!(text, "{line}").unwrap();
    }
    std::fs::write(dir.join("logs/app.log"), text).unwrap();

    // The access log: requests step from 10 to 40 a minute; the share of 5xx from 2 % to 25 %.
    let mut text = String::new();
    for t in arrivals(&mut rng, START, end, |t| {
        if t < START + RATE_STEP { 10.0 } else { 40.0 }
    }) {
        let p = if t < START + SHARE_STEP { 0.02 } else { 0.25 };
        let status = if rng.next() < p { 503 } else { 200 };
        let ip = format!("203.0.113.{}", (rng.next() * 250.0) as u32);
        writeln!(
            text,
            "{ip} - - [{}] \"GET /api/cart HTTP/1.1\" {status} 512 \"-\" \"curl/8.5.0\"",
            clf_time(t)
        )
        .unwrap();
    }
    std::fs::write(dir.join("logs/access.log"), text).unwrap();

    // A worker's heartbeat every two seconds or so, until it goes silent.
    let mut text = String::new();
    for t in arrivals(&mut rng, START, START + SILENCE, |_| 30.0) {
        writeln!(
            text,
            "{} info heartbeat queue=jobs depth={}",
            iso(t),
            (rng.next() * 40.0) as u32
        )
        .unwrap();
    }
    // The last heartbeat right at the planted instant.
    writeln!(
        text,
        "{} info heartbeat queue=jobs depth=3",
        iso(START + SILENCE)
    )
    .unwrap();
    std::fs::write(dir.join("logs/worker.log"), text).unwrap();

    std::fs::write(
        dir.join("incident.toml"),
        "title = \"Planted changes\"\ntimezone = \"UTC\"\n\
         [times]\nstarted = 2026-11-03T13:30:00Z\nresolved = 2026-11-03T15:50:00Z\n\
         [[sources]]\nname = \"app\"\npath = \"logs/app.log\"\n\
         [[sources]]\nname = \"access\"\npath = \"logs/access.log\"\n\
         [[sources]]\nname = \"worker\"\npath = \"logs/worker.log\"\n",
    )
    .unwrap();
}

fn moments(dir: &std::path::Path) -> Vec<Value> {
    let out = run(dir, &["timeline", ".", "--moments", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn seconds(m: &Value) -> f64 {
    let at: jiff::Timestamp = m["at"].as_str().unwrap().parse().unwrap();
    at.as_second() as f64 - START
}

/// The rank (0-based) of the first moment in `lane` within a minute of `planted` that `fits`.
fn rank(all: &[Value], lane: &str, planted: f64, fits: impl Fn(&Value) -> bool) -> Option<usize> {
    all.iter()
        .position(|m| m["lane"] == lane && (seconds(m) - planted).abs() <= 60.0 && fits(m))
}

#[test]
fn planted_changes_are_found_within_a_minute_and_rank_in_the_top_five() {
    let tmp = tempfile::tempdir().unwrap();
    traffic(tmp.path());
    let all = moments(tmp.path());
    let shown: Vec<String> = all
        .iter()
        .map(|m| format!("{} {} {} {}", m["at"], m["score"], m["lane"], m["text"]))
        .collect();
    let shown = shown.join("\n");

    // Every moment has the documented shape.
    for m in &all {
        assert_eq!(m["kind"], "moment");
        for key in ["at", "text", "lane", "source", "reason"] {
            assert!(
                m[key].as_str().is_some_and(|s| !s.is_empty()),
                "{key} in {m}"
            );
        }
        let score = m["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score));
        assert!(m["source"].as_str().unwrap().starts_with("logs/"), "{m}");
    }
    assert!(all.len() <= 20);

    let new_error = rank(&all, "app", NEW_ERROR, |m| {
        m["text"]
            .as_str()
            .unwrap()
            .contains("connection pool exhausted")
    });
    assert!(
        new_error.is_some_and(|r| r < 5),
        "new error: {new_error:?}\n{shown}"
    );
    // Its source is the planted line itself.
    let m = &all[new_error.unwrap()];
    assert!((seconds(m) - NEW_ERROR).abs() < 1.0, "{m}");

    let step = rank(&all, "access", RATE_STEP, |m| {
        m["text"].as_str().unwrap().contains("rose")
    });
    assert!(step.is_some_and(|r| r < 5), "rate step: {step:?}\n{shown}");

    let share = rank(&all, "access", SHARE_STEP, |m| {
        let text = m["text"].as_str().unwrap();
        text.contains("5xx") || text.contains("errors")
    });
    assert!(
        share.is_some_and(|r| r < 5),
        "5xx share: {share:?}\n{shown}"
    );

    let silence = rank(&all, "worker", SILENCE, |m| {
        m["text"].as_str().unwrap().contains("silent")
    });
    assert!(
        silence.is_some_and(|r| r < 5),
        "silence: {silence:?}\n{shown}"
    );
}

#[test]
fn steady_traffic_has_no_step_or_silence() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut rng = Rng(42);
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    let mut text = String::new();
    for t in arrivals(&mut rng, START, START + 3.0 * 3600.0, |_| 20.0) {
        let n = (rng.next() * 1000.0) as u32;
        writeln!(text, "{} info request served in {n}ms", iso(t)).unwrap();
        if rng.next() < 0.05 {
            writeln!(text, "{} error upstream reset after {n}ms", iso(t)).unwrap();
        }
    }
    std::fs::write(dir.join("logs/app.log"), text).unwrap();
    std::fs::write(
        dir.join("incident.toml"),
        "title = \"Steady\"\ntimezone = \"UTC\"\n[[sources]]\nname = \"app\"\npath = \"logs/app.log\"\n",
    )
    .unwrap();
    let all = moments(dir);
    // The error is there from the first minutes: not new. Nothing else changes.
    assert!(all.is_empty(), "{all:#?}");
}

#[test]
fn templates_group_the_planted_traffic_by_shape() {
    let tmp = tempfile::tempdir().unwrap();
    traffic(tmp.path());
    let out = run(
        tmp.path(),
        &["timeline", ".", "--templates", "--format", "json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let texts: Vec<(&str, &str)> = all
        .iter()
        .map(|t| (t["lane"].as_str().unwrap(), t["text"].as_str().unwrap()))
        .collect();
    // One template per planted shape, with what varies masked.
    for want in [
        ("app", "order <*> placed items=<*>"),
        ("app", "cache refreshed region=<*> took=<*>"),
        ("app", "retrying payment provider call attempt=<*>"),
        ("app", "session <*> renewed"),
        ("app", "connection pool exhausted pool=main waited=<*>"),
        ("access", "GET /api/cart 2xx"),
        ("access", "GET /api/cart 5xx"),
        ("worker", "heartbeat queue=jobs depth=<*>"),
    ] {
        assert!(texts.contains(&want), "{want:?} not in {texts:#?}");
    }
    // The access log's 200s and 503s are told apart by their status class.
    assert_eq!(
        texts.iter().filter(|(lane, _)| *lane == "access").count(),
        2,
        "{texts:#?}"
    );
    let pool = all
        .iter()
        .find(|t| t["text"] == "connection pool exhausted pool=main waited=<*>")
        .unwrap();
    assert_eq!(pool["level"], "error");
    assert_eq!(
        pool["example"],
        "connection pool exhausted pool=main waited=5000ms"
    );
    let first: jiff::Timestamp = pool["first"].as_str().unwrap().parse().unwrap();
    assert_eq!(first.as_second() as f64 - START, NEW_ERROR);
    // The example's provenance is that line of the file.
    let (path, line) = pool["source"].as_str().unwrap().rsplit_once(':').unwrap();
    let text = std::fs::read_to_string(tmp.path().join(path)).unwrap();
    let line = text
        .lines()
        .nth(line.parse::<usize>().unwrap() - 1)
        .unwrap();
    assert!(
        line.ends_with("connection pool exhausted pool=main waited=5000ms"),
        "{line}"
    );
    // Per-minute counts add up to the count.
    let per_minute: u64 = pool["minutes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["count"].as_u64().unwrap())
        .sum();
    assert_eq!(per_minute, pool["count"].as_u64().unwrap());

    let human = run(tmp.path(), &["timeline", ".", "--templates"]);
    let human = String::from_utf8(human.stdout).unwrap();
    assert!(human.contains("source `app`: 5 templates from "), "{human}");
}
