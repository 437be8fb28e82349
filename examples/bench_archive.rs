//! Writes the site benchmark's input: `N` incidents (each with 100 timeline entries, 10 factors,
//! 10 actions and notes of 300 words written the way people write: a large vocabulary, few
//! words common, and names of hosts, tickets and commits of their own) as a debrief archive, and the same content as `N` Hugo Markdown
//! pages with a minimal layout. Used by `bench/site.sh`.
//!
//! cargo run --release --example bench_archive -- <dir> [count]

use std::fmt::Write as _;
use std::path::Path;

const WORDS: &[&str] = &[
    "pool",
    "connection",
    "deploy",
    "latency",
    "replica",
    "timeout",
    "queue",
    "cache",
    "retry",
    "shard",
    "lease",
    "failover",
    "budget",
    "alert",
    "page",
    "rollback",
    "canary",
    "quota",
    "backlog",
    "index",
];

fn words(seed: usize, n: usize) -> String {
    (0..n)
        .map(|i| WORDS[(seed * 7 + i * 13) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

/// A pseudo-word of the vocabulary, by rank: syllables, so words look and sort like words.
fn vocabulary_word(rank: u64) -> String {
    const SYLLABLES: [&str; 24] = [
        "ka", "lo", "mi", "ne", "ro", "ta", "vu", "sel", "dor", "pri", "gan", "tes", "bor", "lin",
        "qua", "fer", "zo", "hep", "cul", "mar", "ost", "rin", "dev", "pla",
    ];
    let mut word = String::new();
    let mut r = rank + 24;
    while r > 0 {
        word.push_str(SYLLABLES[(r % 24) as usize]);
        r /= 24;
    }
    word
}

/// About 300 words of notes: sentences over a vocabulary of 20,000 words, drawn so that a few
/// are common and most are rare (a rank's chance falls as 1/rank, as in real text), and about
/// one word in twenty-five a name only this incident has (a host, a ticket, a commit).
fn notes(n: usize) -> String {
    let mut state = (n as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut notes = String::from("# Notes\n\n");
    let mut written = 0;
    while written < 300 {
        let length = 8 + next() % 13;
        for i in 0..length {
            let word = match next() % 25 {
                0 => match next() % 3 {
                    0 => format!("db-{n}-{}", next() % 9),
                    1 => format!("INC-{}", 1000 + n * 7 + (next() % 7) as usize),
                    _ => format!("{:07x}", next() % (1 << 28)),
                },
                // log-uniform over the ranks: the chance of rank r falls as 1/r.
                _ => vocabulary_word((20_000f64.powf((next() % 1_000_000) as f64 / 1e6)) as u64),
            };
            if i > 0 {
                notes.push(' ');
            }
            notes.push_str(&word);
        }
        written += length;
        notes.push_str(if next() % 4 == 0 { ".\n\n" } else { ". " });
    }
    notes.push('\n');
    notes
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(args.get(1).map_or("target/bench-archive", String::as_str));
    let count: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let archive = dir.join("archive");
    let hugo = dir.join("hugo");
    std::fs::create_dir_all(&archive)?;
    std::fs::create_dir_all(hugo.join("content/incidents"))?;
    std::fs::create_dir_all(hugo.join("layouts/_default"))?;
    std::fs::write(
        archive.join("debrief.toml"),
        "title = \"Benchmark archive\"\n",
    )?;
    std::fs::write(
        hugo.join("hugo.toml"),
        "baseURL = \"https://example.org/\"\ntitle = \"Benchmark archive\"\ndisableKinds = [\"taxonomy\", \"term\", \"RSS\", \"sitemap\"]\n",
    )?;
    std::fs::write(
        hugo.join("layouts/_default/baseof.html"),
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head><body>{{ block \"main\" . }}{{ end }}</body></html>\n",
    )?;
    std::fs::write(
        hugo.join("layouts/_default/single.html"),
        "{{ define \"main\" }}<h1>{{ .Title }}</h1>{{ .Content }}{{ end }}\n",
    )?;
    std::fs::write(
        hugo.join("layouts/_default/list.html"),
        "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n",
    )?;
    for n in 0..count {
        let day = n % 28 + 1;
        let month = n / 28 % 12 + 1;
        let id = format!("2026-{month:02}-{day:02}-incident-{n:04}");
        let title = format!("Incident {n}: {}", words(n, 5));
        let severity = format!("SEV{}", n % 5 + 1);
        let mut toml = format!(
            "title = \"{title}\"\nseverity = \"{severity}\"\nstatus = \"published\"\ntimezone = \"UTC\"\nservices = [\"svc-{}\"]\nsummary = \"{}\"\n\n[times]\nstarted = 2026-{month:02}-{day:02}T10:00:00Z\ndetected = 2026-{month:02}-{day:02}T10:{:02}:00Z\nmitigated = 2026-{month:02}-{day:02}T11:{:02}:00Z\nresolved = 2026-{month:02}-{day:02}T12:{:02}:00Z\n\n[impact]\ntext = \"{}\"\n",
            n % 17,
            words(n + 1, 30),
            n % 50 + 1,
            n % 59,
            n % 59,
            words(n + 2, 20)
        );
        let mut md = format!(
            "---\ntitle: \"{title}\"\ndate: 2026-{month:02}-{day:02}\nseverity: {severity}\n---\n\n{}\n\n## Timeline\n\n| Time | Kind | What happened |\n|---|---|---|\n",
            words(n + 1, 30)
        );
        for t in 0..100 {
            let (h, m) = (10 + t / 60, t % 60);
            let text = words(n + t, 9);
            let _ = write!(
                toml,
                "\n[[timeline]]\nid = \"t-{t}\"\nat = 2026-{month:02}-{day:02}T{h:02}:{m:02}:00Z\ntext = \"{text}\"\nkind = \"{}\"\n{}",
                ["event", "action", "observation", "alert"][t % 4],
                if t % 10 == 0 { "key = true\n" } else { "" }
            );
            let _ = writeln!(
                md,
                "| {h:02}:{m:02} | {} | {text} |",
                ["event", "action", "observation", "alert"][t % 4]
            );
        }
        md.push_str("\n## Contributing factors\n\n");
        for f in 0..10 {
            let text = words(n * 3 + f, 10);
            let _ = write!(
                toml,
                "\n[[factors]]\nid = \"f-{f}\"\ntext = \"{text}\"\ncategory = \"{}\"\nvotes = {{ \"a\" = {}, \"b\" = 1 }}\nevents = [\"t-{}\"]\n",
                ["technical", "process", "organisational", "external"][f % 4],
                f % 3 + 1,
                f * 7
            );
            let _ = writeln!(md, "{}. {text} ({} votes)", f + 1, f % 3 + 2);
        }
        md.push_str("\n## Action items\n\n| Action | Owner | Due | Status |\n|---|---|---|---|\n");
        for a in 0..10 {
            let text = words(n * 5 + a, 8);
            let _ = write!(
                toml,
                "\n[[actions]]\nid = \"a-{a}\"\ntext = \"{text}\"\nowner = \"team-{}\"\ndue = 2027-01-{:02}\npriority = \"P{}\"\nstatus = \"{}\"\nkind = \"prevent\"\nfactors = [\"f-{a}\"]\n",
                a % 4,
                a + 1,
                a % 4,
                ["open", "done"][a % 2]
            );
            let _ = writeln!(
                md,
                "| {text} | team-{} | 2027-01-{:02} | {} |",
                a % 4,
                a + 1,
                ["open", "done"][a % 2]
            );
        }
        let notes = notes(n);
        let _ = write!(md, "\n## Notes\n\n{notes}");
        let incident = archive.join(&id);
        std::fs::create_dir_all(&incident)?;
        std::fs::write(incident.join("incident.toml"), toml)?;
        std::fs::write(incident.join("notes.md"), notes)?;
        std::fs::write(hugo.join("content/incidents").join(format!("{id}.md")), md)?;
    }
    Ok(())
}
