//! A realistic outage over several sources and a metric, with each change planted at a known
//! time: `timeline --moments` must propose every planted change among its first ten, within a
//! minute of where it was planted and no earlier than its first line, and must not put the
//! errors that ran at a low rate all day among its first five.
//!
//! The story (UTC): an API writes steady traffic with a background error every ten minutes; a
//! jobs host starts an index rebuild on the database at 14:59:40; payments fail from 15:00:20;
//! the edge's traffic collapses at 15:00:30; the database's power draw drops by 40 % at
//! 15:00:45; at 15:40:10 the fix lands and a storm of reconnects follows.

mod common;

use common::run;
use jiff::Timestamp;
use serde_json::Value;

const START: i64 = 1_793_710_800; // 2026-11-03T13:00:00Z
const TRIGGER: i64 = START + 2 * 3600 - 20; // 14:59:40
const ERRORS: i64 = START + 2 * 3600 + 20; // 15:00:20
const COLLAPSE: i64 = START + 2 * 3600 + 30; // 15:00:30
const POWER: i64 = START + 2 * 3600 + 45; // 15:00:45
const STORM: i64 = START + 2 * 3600 + 40 * 60 + 10; // 15:40:10
const END: i64 = START + 3 * 3600;

fn iso(t: i64) -> String {
    Timestamp::from_second(t).unwrap().to_string()
}

/// A small deterministic generator, so the logs are the same on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn api_log(rng: &mut Rng) -> String {
    let mut lines: Vec<(i64, String)> = Vec::new();
    let mut t = START;
    while t < END {
        let path = ["/api/cart", "/api/items", "/api/checkout"][rng.below(3) as usize];
        lines.push((
            t,
            format!(
                "INFO request handled path={path} status=200 ms={}",
                20 + rng.below(80)
            ),
        ));
        t += 1;
    }
    // Background: one error every ten minutes, all day.
    for i in 0..18 {
        let at = START + 5 * 60 + i * 600 + rng.below(60) as i64;
        lines.push((
            at,
            format!(
                "ERROR upstream timeout calling recommendations id={}",
                rng.below(100_000)
            ),
        ));
    }
    // The outage: payments fail, 30 a minute, until the fix.
    let mut t = ERRORS;
    while t < STORM {
        lines.push((
            t,
            format!(
                "ERROR payment failed order={} cause=\"connection refused to db-primary\"",
                rng.below(1_000_000)
            ),
        ));
        t += 2;
    }
    // The recovery storm: reconnects, 200 a minute for five minutes.
    let mut t = STORM * 10;
    while t < (STORM + 300) * 10 {
        lines.push((
            t / 10,
            format!("WARN reconnecting to db-primary attempt={}", rng.below(50)),
        ));
        t += 3;
    }
    lines.sort_by_key(|(t, _)| *t);
    lines
        .into_iter()
        .map(|(t, text)| format!("{} {text}\n", iso(t)))
        .collect()
}

fn jobs_log() -> String {
    let clock = |t: i64| {
        let z = Timestamp::from_second(t)
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::UTC);
        z.strftime("%b %e %H:%M:%S").to_string()
    };
    let mut out = String::new();
    let mut t = START + 120;
    while t < END {
        out.push_str(&format!(
            "{} jobs-1 cron[{}]: backup of orders finished in {} s\n",
            clock(t),
            1000 + (t - START) / 600,
            30 + (t - START) % 17
        ));
        if t < TRIGGER && t + 600 > TRIGGER {
            out.push_str(&format!(
                "{} jobs-1 maintenance[4242]: starting index rebuild on db-primary\n",
                clock(TRIGGER)
            ));
        }
        t += 600;
    }
    out
}

fn edge_log(rng: &mut Rng) -> String {
    let clf = |t: i64| {
        let z = Timestamp::from_second(t)
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::UTC);
        z.strftime("%d/%b/%Y:%H:%M:%S +0000").to_string()
    };
    let mut out = String::new();
    let mut t = START * 10;
    while t < END * 10 {
        let s = t / 10;
        let collapsed = (COLLAPSE..STORM).contains(&s);
        // About one answer in a thousand is a 500, all day.
        let status = if rng.below(1000) == 0 { 500 } else { 200 };
        out.push_str(&format!(
            "198.51.100.{} - - [{}] \"GET /api/items/{} HTTP/1.1\" {status} {} \"-\" \"Mozilla/5.0\"\n",
            rng.below(250),
            clf(s),
            rng.below(10_000),
            200 + rng.below(2000)
        ));
        t += if collapsed { 60 } else { 6 };
    }
    out
}

fn power_csv(rng: &mut Rng) -> String {
    let mut out = String::from("time,watts\n");
    let mut t = START;
    while t < END {
        let base = if (POWER..STORM).contains(&t) {
            600.0
        } else {
            1000.0
        };
        let noise = rng.below(11) as f64 - 5.0;
        out.push_str(&format!("{},{}\n", iso(t), base + noise));
        t += 15;
    }
    out
}

#[test]
fn every_planted_change_is_proposed_where_it_happened() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    std::fs::create_dir_all(dir.join("metrics")).unwrap();
    std::fs::write(dir.join("logs/api.log"), api_log(&mut rng)).unwrap();
    std::fs::write(dir.join("logs/jobs.log"), jobs_log()).unwrap();
    std::fs::write(dir.join("logs/edge.log"), edge_log(&mut rng)).unwrap();
    std::fs::write(dir.join("metrics/power.csv"), power_csv(&mut rng)).unwrap();
    std::fs::write(
        dir.join("incident.toml"),
        format!(
            "title = \"Payments down\"\ntimezone = \"UTC\"\n[times]\nstarted = {}\n\
             [[sources]]\nname = \"api\"\npath = \"logs/api.log\"\n\
             [[sources]]\nname = \"jobs\"\npath = \"logs/jobs.log\"\nyear = 2026\n\
             [[sources]]\nname = \"edge\"\npath = \"logs/edge.log\"\n\
             [[metrics]]\nname = \"db power\"\npath = \"metrics/power.csv\"\nunit = \" W\"\n",
            iso(ERRORS)
        ),
    )
    .unwrap();
    let out = run(
        dir,
        &[
            "timeline",
            ".",
            "--moments",
            "--format",
            "json",
            "--limit",
            "10",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let moments: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let shown = moments
        .iter()
        .map(|m| format!("{} {} {}", m["at"], m["score"], m["text"]))
        .collect::<Vec<_>>()
        .join("\n");
    let at = |m: &Value| {
        m["at"]
            .as_str()
            .unwrap()
            .parse::<Timestamp>()
            .unwrap()
            .as_second()
    };

    // (what, where it was planted, whether its first line is at that second, words to find)
    let planted: [(&str, i64, bool, &str); 5] = [
        ("the trigger", TRIGGER, true, "index rebuild"),
        ("the payment errors", ERRORS, true, "payment failed"),
        (
            "the traffic collapse",
            COLLAPSE,
            false,
            "edge: entries per minute fell",
        ),
        ("the power drop", POWER, false, "db power"),
        ("the recovery storm", STORM, true, "reconnecting"),
    ];
    for (what, when, exact, words) in planted {
        let found = moments
            .iter()
            .find(|m| m["text"].as_str().unwrap().contains(words))
            .unwrap_or_else(|| panic!("{what} is not in the top 10:\n{shown}"));
        let placed = at(found);
        assert!(
            (placed - when).abs() <= 60,
            "{what} placed at {placed}, planted at {when}:\n{shown}"
        );
        if exact {
            assert!(
                placed >= when,
                "{what} placed before its first line:\n{shown}"
            );
        }
    }
    for m in moments.iter().take(5) {
        let text = m["text"].as_str().unwrap();
        assert!(
            !text.contains("recommendations") && !text.contains("first error: \"GET"),
            "background errors in the top 5:\n{shown}"
        );
    }
    // Scores are distinct and printed with three decimals at most.
    let mut scores: Vec<String> = moments.iter().map(|m| m["score"].to_string()).collect();
    assert!(
        scores
            .iter()
            .all(|s| s.split('.').nth(1).is_none_or(|d| d.len() <= 3)),
        "{shown}"
    );
    scores.dedup();
    assert_eq!(scores.len(), moments.len(), "tied scores:\n{shown}");
}
