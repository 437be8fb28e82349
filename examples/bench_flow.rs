//! The cost of the flow diagram on the largest graphs a file can hold: how long layout and
//! drawing take, and how large the SVG is. Run by `bench/flow.sh`.
//!
//! cargo run --release --example bench_flow -- [runs]
//!
//! Two graphs, as an attacker or a very long review could write them:
//! - a chain of 500 factors (each leads to the next) plus 4,500 long `leads_to` links, each
//!   from a factor to one 100 to 400 places further down the chain;
//! - 500 factors with 5,000 random `leads_to` links (from a lower to a higher index, so the
//!   graph has no loop), from a fixed seed.
//!
//! - 1,000 factors with 2,000 random links: the most the meeting accepts.
//!
//! All have 100 key events and 200 actions linked to them. It prints the median over the
//! runs, and the SVG's size.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use debrief::model::Incident;

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let graphs = [
        ("chain of 500 + 4,500 long links", chain()),
        ("500 factors, 5,000 random links", random(500, 5000)),
        (
            "the meeting's caps: 1,000 factors, 2,000 random links",
            random(1000, 2000),
        ),
    ];
    for (name, incident) in graphs {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..runs {
            let started = Instant::now();
            size = debrief::render::flow::draw(&incident, "flow").len();
            times.push(started.elapsed());
        }
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "{name}: median {:.0} ms over {runs} runs (min {:.0}, max {:.0}); SVG {:.1} MB",
            ms(median),
            ms(times[0]),
            ms(times[times.len() - 1]),
            size as f64 / 1e6
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// An incident with `factors` factors whose `leads_to` lists `links` gives, plus events and
/// actions.
fn incident(factors: usize, links: impl Fn(usize) -> Vec<usize>) -> Incident {
    let mut toml = String::from("title = \"Flow cost\"\ntimezone = \"UTC\"\n");
    for e in 0..100 {
        let _ = write!(
            toml,
            "[[timeline]]\nid = \"t-{e}\"\nat = 2026-11-03T{:02}:{:02}:00Z\ntext = \"Event number {e} with a label long enough to wrap\"\nkey = true\n",
            10 + e / 60,
            e % 60
        );
    }
    for f in 0..factors {
        let leads: Vec<String> = links(f).iter().map(|n| format!("\"f-{n}\"")).collect();
        let _ = write!(
            toml,
            "[[factors]]\nid = \"f-{f}\"\ntext = \"Factor {f}: a contributing factor worded as a real one would be\"\nevents = [\"t-{}\"]\nleads_to = [{}]\n",
            f % 100,
            leads.join(", ")
        );
    }
    for a in 0..200 {
        let _ = write!(
            toml,
            "[[actions]]\nid = \"a-{a}\"\ntext = \"Action {a}\"\nfactors = [\"f-{}\", \"f-{}\"]\n",
            (a * 7) % factors,
            (a * 13) % factors
        );
    }
    let mut incident: Incident = toml::from_str(&toml).expect("the generated incident loads");
    incident.fix_times();
    incident
}

fn chain() -> Incident {
    // 9 long links per factor, 4,500 in all (fewer near the end, where the chain runs out).
    incident(500, |f| {
        let mut next = vec![f + 1];
        next.extend((0..9).map(|k| f + 100 + k * 37).filter(|&n| n < 500));
        next.retain(|&n| n < 500);
        next
    })
}

fn random(factors: usize, links: usize) -> Incident {
    // A small xorshift generator: the same graph on every run and machine.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut pairs: Vec<Vec<usize>> = vec![Vec::new(); factors];
    let mut made = 0;
    while made < links {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let a = (state % factors as u64) as usize;
        let b = ((state >> 32) % factors as u64) as usize;
        let (a, b) = (a.min(b), a.max(b));
        if a != b && !pairs[a].contains(&b) {
            pairs[a].push(b);
            made += 1;
        }
    }
    incident(factors, move |f| pairs[f].clone())
}
