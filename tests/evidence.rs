//! Evidence: every format on the project's own fixtures, filters, and bad input.

mod common;

use std::path::Path;

use common::{root, run, transcript};
use debrief::diagnostics::Report;
use debrief::evidence::{self, ScanOptions, SourceScan};
use debrief::load::{Archive, Options};
use debrief::model::LoadedIncident;

fn load(dir: &Path) -> LoadedIncident {
    let mut report = Report::default();
    let archive = Archive::load(dir, Options::default(), &mut report).unwrap();
    assert_eq!(
        report.errors(),
        0,
        "{}",
        report.render(debrief::diagnostics::Style::Plain)
    );
    archive.incidents.into_iter().next().unwrap()
}

fn scan(
    incident: &LoadedIncident,
    name: &str,
    options: ScanOptions,
) -> Result<SourceScan, evidence::EvidenceError> {
    let index = incident
        .incident
        .sources
        .iter()
        .position(|s| s.name == name)
        .unwrap();
    evidence::scan_source(incident, index, options)
}

const CANDIDATES: ScanOptions = ScanOptions {
    candidates: true,
    volume: false,
    templates: false,
    template_lines: false,
};
const BOTH: ScanOptions = ScanOptions {
    candidates: true,
    volume: true,
    templates: false,
    template_lines: false,
};

/// A throwaway incident with the given `[[sources]]` text and log files.
fn incident_with(sources: &str, files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let toml = format!(
        "title = \"t\"\ntimezone = \"UTC\"\n[times]\nstarted = 2026-11-03T13:00:00Z\n{sources}"
    );
    std::fs::write(dir.join("incident.toml"), toml).unwrap();
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    tmp
}

#[test]
fn every_format_is_detected_and_every_line_accounted_for() {
    let incident = load(&root().join("tests/fixtures/evidence/formats"));
    for source in &incident.incident.sources {
        let scan = scan(&incident, &source.name, CANDIDATES).unwrap();
        assert_eq!(
            scan.files[0].1.name(),
            source.name,
            "detected format of {}",
            source.path
        );
        assert_eq!(scan.stats.undated, 0, "{}: undated lines", source.name);
        assert_eq!(
            scan.stats.dated + scan.stats.continued + scan.stats.headers,
            scan.stats.lines,
            "{}",
            source.name
        );
        assert!(scan.stats.kept >= 2, "{}: {:?}", source.name, scan.stats);
        assert!(scan.notes.is_empty(), "{}: {:?}", source.name, scan.notes);
    }
}

#[test]
fn the_formats_timeline_is_stable() {
    let dir = root().join("tests/fixtures/evidence");
    let out = run(
        &dir,
        &["timeline", "formats", "--sources", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    insta::assert_snapshot!(
        "formats-timeline-json",
        String::from_utf8_lossy(&out.stdout)
    );
    let human = run(&dir, &["timeline", "formats", "--sources"]);
    insta::assert_snapshot!("formats-timeline-human", transcript(&human));
}

#[test]
fn the_sample_timeline_merges_curated_entries_and_candidates() {
    let out = run(
        &root(),
        &[
            "timeline",
            "sample-incident",
            "--sources",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let curated = rows.iter().filter(|r| r["curated"] == true).count();
    assert_eq!(curated, 20);
    assert!(rows.len() > 300, "{} rows", rows.len());
    let times: Vec<jiff::Timestamp> = rows
        .iter()
        .map(|r| r["at"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "rows are sorted by time"
    );
    // Provenance and lanes survive; the app log's level filter (warn) holds.
    let app: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| r["lane"] == "checkout-api" && r["curated"] == false)
        .collect();
    assert!(
        app.iter()
            .all(|r| r["level"] == "warn" || r["level"] == "error")
    );
    assert!(app.iter().all(|r| {
        r["source"]
            .as_str()
            .unwrap()
            .starts_with("logs/checkout-api.jsonl:")
    }));
    // Only nginx's 5xx lines were included.
    assert!(
        rows.iter()
            .filter(|r| r["lane"] == "nginx")
            .all(|r| r["text"].as_str().unwrap().contains("\" 500 "))
    );
}

#[test]
fn a_stack_trace_belongs_to_its_entry_and_an_include_can_match_inside_it() {
    let log = b"2026-11-03T13:00:00Z ERROR request failed\njava.lang.IllegalStateException: pool closed\n\tat Db.get(Db.java:1)\n2026-11-03T13:00:01Z INFO fine\n";
    let tmp = incident_with(
        "[[sources]]\nname = \"app\"\npath = \"app.log\"\ninclude = ['IllegalState']\n",
        &[("app.log", log)],
    );
    let incident = load(tmp.path());
    let scan = scan(&incident, "app", CANDIDATES).unwrap();
    assert_eq!(scan.candidates.len(), 1);
    let c = &scan.candidates[0];
    assert_eq!(
        c.text,
        "request failed\njava.lang.IllegalStateException: pool closed\n\tat Db.get(Db.java:1)"
    );
    assert_eq!(c.source, "app.log:1");
    assert_eq!(c.at.to_string(), "2026-11-03T13:00:00Z");
    assert_eq!((scan.stats.dated, scan.stats.continued), (2, 2));
}

#[test]
fn include_exclude_level_and_cap() {
    let mut log = String::new();
    for i in 0..10 {
        let level = if i % 3 == 0 { "ERROR" } else { "INFO" };
        log.push_str(&format!("2026-11-03T13:00:{i:02}Z {level} event {i}\n"));
    }
    let sources = r#"
[[sources]]
name = "errors"
path = "app.log"
include = ['ERROR']
exclude = ['event 3$']

[[sources]]
name = "leveled"
path = "app.log"
level = "error"

[[sources]]
name = "capped"
path = "app.log"
max_entries = 4
"#;
    let tmp = incident_with(sources, &[("app.log", log.as_bytes())]);
    let incident = load(tmp.path());
    let texts = |name: &str| -> Vec<String> {
        scan(&incident, name, CANDIDATES)
            .unwrap()
            .candidates
            .into_iter()
            .map(|c| c.text)
            .collect()
    };
    assert_eq!(texts("errors"), ["event 0", "event 6", "event 9"]);
    assert_eq!(
        texts("leveled"),
        ["event 0", "event 3", "event 6", "event 9"]
    );
    let capped = scan(&incident, "capped", CANDIDATES).unwrap();
    assert_eq!(capped.candidates.len(), 4);
    assert_eq!(
        capped.notes,
        ["stopped after 4 entries (max_entries); later entries were not read"]
    );
}

#[test]
fn volume_counts_every_entry_per_minute() {
    let log = b"2026-11-03T13:00:01Z ERROR a\n2026-11-03T13:00:59Z INFO b\n  continued\n2026-11-03T13:02:00Z CRITICAL c\n";
    let tmp = incident_with(
        "[[sources]]\nname = \"app\"\npath = \"app.log\"\ninclude = ['nothing matches this']\n",
        &[("app.log", log)],
    );
    let incident = load(tmp.path());
    let scan = scan(&incident, "app", BOTH).unwrap();
    assert!(scan.candidates.is_empty());
    let minutes: Vec<(i64, u32, u32)> = scan
        .volume
        .minutes
        .iter()
        .map(|(m, c)| (m * 60, c.total, c.errors))
        .collect();
    let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap().as_second();
    assert_eq!(
        minutes,
        [
            (at("2026-11-03T13:00:00Z"), 2, 1),
            (at("2026-11-03T13:02:00Z"), 1, 1)
        ]
    );
}

/// The chunked fast path (include only) and the every-entry path (include plus volume) must
/// agree, also for entries and matches that straddle the 1 MiB chunk boundaries.
#[test]
fn the_fast_path_agrees_with_the_full_path_across_chunks() {
    let mut log = Vec::new();
    let mut i = 0u64;
    while log.len() < 3 * 1024 * 1024 + 777 {
        let second = i % 60;
        let minute = i / 60 % 60;
        let hour = 10 + i / 3600 % 12;
        let level = if i.is_multiple_of(7) { "ERROR" } else { "INFO" };
        log.extend_from_slice(
            format!(
                "2026-11-03T{hour:02}:{minute:02}:{second:02}Z {level} request {i} took {}ms\n",
                i * 37 % 1000
            )
            .as_bytes(),
        );
        if i.is_multiple_of(11) {
            log.extend_from_slice(format!("    at frame {i} NEEDLE-{}\n", i % 5).as_bytes());
        }
        i += 1;
    }
    let tmp = incident_with(
        "[[sources]]\nname = \"app\"\npath = \"app.log\"\ninclude = ['NEEDLE-3', 'took 999ms']\n",
        &[("app.log", &log)],
    );
    let incident = load(tmp.path());
    let fast = scan(&incident, "app", CANDIDATES).unwrap();
    let full = scan(&incident, "app", BOTH).unwrap();
    assert!(fast.candidates.len() > 100, "{}", fast.candidates.len());
    assert_eq!(fast.candidates, full.candidates);
    assert_eq!(fast.stats.lines, full.stats.lines);
    // The fast path skipped most entries unread.
    assert!(
        fast.stats.dated < full.stats.dated / 2,
        "{:?} vs {:?}",
        fast.stats,
        full.stats
    );
}

#[test]
fn a_ten_megabyte_line_is_cut_with_a_note() {
    let mut log = b"2026-11-03T13:00:00Z first\n2026-11-03T13:00:01Z huge ".to_vec();
    log.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    log.extend_from_slice(b"\n2026-11-03T13:00:02Z last\n");
    let tmp = incident_with(
        "[[sources]]\nname = \"app\"\npath = \"app.log\"\n",
        &[("app.log", &log)],
    );
    let incident = load(tmp.path());
    let scan = scan(&incident, "app", CANDIDATES).unwrap();
    assert_eq!(scan.candidates.len(), 3);
    assert_eq!(scan.candidates[2].text, "last");
    assert!(
        scan.candidates[1].text.len() < 10_000,
        "the text shown is clipped"
    );
    assert_eq!(
        scan.notes,
        ["line 2 of `app.log` is longer than 1 MiB; it was cut"]
    );
}

#[test]
fn binary_garbage_and_invalid_utf8_never_panic() {
    let garbage: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut mixed = b"2026-11-03T13:00:00Z caf\xe9 \xff\xfe broken bytes\n".to_vec();
    mixed.extend_from_slice(&garbage);
    let sources = "[[sources]]\nname = \"auto\"\npath = \"garbage.bin\"\n\n[[sources]]\nname = \"forced\"\npath = \"garbage.bin\"\nformat = \"iso8601\"\n\n[[sources]]\nname = \"mixed\"\npath = \"mixed.log\"\nformat = \"iso8601\"\n";
    let tmp = incident_with(sources, &[("garbage.bin", &garbage), ("mixed.log", &mixed)]);
    let dir = tmp.path();
    // check refuses to guess; timeline says which source and why, and goes on with the rest.
    let out = run(dir, &["check", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        transcript(&out).contains("cannot date the lines of `garbage.bin`"),
        "{}",
        transcript(&out)
    );

    let mut report = Report::default();
    let incident = Archive::load(dir, Options::default(), &mut report).unwrap();
    assert_eq!(
        incident.incidents.len(),
        0,
        "an incident with a source error does not load"
    );
    let toml = std::fs::read_to_string(dir.join("incident.toml"))
        .unwrap()
        .replace(
            "name = \"auto\"\npath = \"garbage.bin\"\n",
            "name = \"auto\"\npath = \"garbage.bin\"\nformat = \"logfmt\"\n",
        );
    std::fs::write(dir.join("incident.toml"), toml).unwrap();
    let incident = load(dir);
    let forced = scan(&incident, "forced", CANDIDATES).unwrap();
    assert!(forced.candidates.is_empty());
    assert_eq!(
        forced.notes,
        ["no line of `garbage.bin` could be dated as iso8601"]
    );
    let mixed = scan(&incident, "mixed", CANDIDATES).unwrap();
    assert!(
        mixed.candidates[0]
            .text
            .starts_with("caf\u{fffd} \u{fffd}\u{fffd} broken bytes"),
        "{:?}",
        mixed.candidates[0].text
    );
}

#[test]
fn bad_paths_get_clear_errors_naming_the_source() {
    let sources = "[[sources]]\nname = \"gone\"\npath = \"logs/gone.log\"\n\n[[sources]]\nname = \"folder\"\npath = \"logs\"\n\n[[sources]]\nname = \"none\"\npath = \"logs/*.gz\"\n\n[[sources]]\nname = \"ok\"\npath = \"logs/ok.log\"\n\n[[sources]]\nname = \"empty\"\npath = \"logs/empty.log\"\n\n[[sources]]\nname = \"typo\"\npath = \"logs/OK.lgo\"\n";
    let tmp = incident_with(
        sources,
        &[
            ("logs/ok.log", b"2026-11-03T13:00:00Z fine\n"),
            ("logs/empty.log", b""),
        ],
    );
    let dir = tmp.path();
    let check = transcript(&run(dir, &["check", "."]));
    assert!(
        check.contains("error[missing-source]: `logs/gone.log` does not exist"),
        "{check}"
    );
    assert!(
        check.contains("error[missing-source]: `logs` is a folder"),
        "{check}"
    );
    // A near miss of a file that is there: named in the help.
    assert!(
        check.contains("error[missing-source]: `logs/OK.lgo` does not exist"),
        "{check}"
    );
    assert!(
        check.contains(
            "help: did you mean `logs/ok.log`? Paths are relative to the incident folder"
        ),
        "{check}"
    );
    assert!(
        check.contains("warning[empty-source]: `logs/*.gz` matches no file"),
        "{check}"
    );

    // Loading skips validation here, so the scanner's own errors are what the user sees.
    let incident = LoadedIncident {
        id: "t".into(),
        dir: dir.to_path_buf(),
        incident: toml::from_str(&std::fs::read_to_string(dir.join("incident.toml")).unwrap())
            .unwrap(),
        notes: None,
    };
    let errors: Vec<String> = evidence::scan_all(&incident, CANDIDATES)
        .into_iter()
        .map(|(name, r)| match r {
            Ok(scan) => format!("{name}: {} candidates", scan.candidates.len()),
            Err(e) => format!("{name}: {e}"),
        })
        .collect();
    assert_eq!(
        errors,
        [
            "gone: `logs/gone.log` does not exist",
            "folder: `logs` is a folder; name a file, or a glob such as `logs/*.log`",
            "none: `logs/*.gz` matches no file",
            "ok: 1 candidates",
            "empty: 0 candidates",
            "typo: `logs/OK.lgo` does not exist",
        ]
    );
}

#[test]
fn timeline_reports_a_failing_source_and_shows_the_rest() {
    let tmp = incident_with(
        "[[sources]]\nname = \"ok\"\npath = \"ok.log\"\n\n[[sources]]\nname = \"big\"\npath = \"big.json\"\nformat = \"slack\"\n",
        &[
            ("ok.log", b"2026-11-03T13:00:00Z fine\n"),
            ("big.json", b"{\"not\": \"an array\"}"),
        ],
    );
    let out = run(
        tmp.path(),
        &["timeline", ".", "--sources", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .starts_with("error: source `big`: `big.json`: not a slack export: invalid type: map"),
        "{stderr}"
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 1);
}

#[test]
fn timeline_refuses_an_archive_and_a_broken_incident() {
    let out = run(&root().join("tests/fixtures"), &["timeline", "warn"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(transcript(&out).contains("is an archive of 5 incidents; name one incident folder"));
    let out = run(
        &root().join("tests/fixtures/broken"),
        &["timeline", "many-errors"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        transcript(&out).contains("many-errors has errors; `debrief check many-errors` lists them")
    );
}

/// `timeline --sources --explain` says how each source was read: the format or layout of each
/// file, the share dated, the first and last instant, and the first lines without a time.
#[test]
fn timeline_explains_how_each_source_was_read() {
    let app = b"worker.log 2026-11-03 14:02:11 ERROR pool exhausted\n\
        \tat Pool.get(Pool.java:42)\n\
        \tat Handler.run(Handler.java:7)\n\
        worker.log 2026-11-03 14:05:00 INFO recovered\n";
    let tmp = incident_with(
        "[[sources]]\nname = \"app\"\npath = \"app.log\"\n\n[[sources]]\nname = \"notes\"\npath = \"notes.txt\"\nformat = \"clf\"\n",
        &[
            ("app.log", app),
            ("notes.txt", b"we restarted it\nit worked\n"),
        ],
    );
    let out = run(
        tmp.path(),
        &[
            "timeline",
            ".",
            "--sources",
            "--explain",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let app = &json[0];
    assert_eq!(app["name"], "app");
    assert_eq!(app["files"][0]["path"], "app.log");
    assert_eq!(app["files"][0]["format"], "ISO 8601 (found by the locator)");
    assert_eq!(
        (app["lines"].as_u64(), app["dated"].as_u64()),
        (Some(4), Some(2))
    );
    assert_eq!(app["share"], 0.5);
    assert_eq!(app["first"], "2026-11-03T14:02:11Z");
    assert_eq!(app["last"], "2026-11-03T14:05:00Z");
    assert_eq!(
        app["not_dated"],
        serde_json::json!([
            {"line": 2, "text": "\tat Pool.get(Pool.java:42)"},
            {"line": 3, "text": "\tat Handler.run(Handler.java:7)"},
        ])
    );
    // A format that does not fit: nothing dated, and the lines say why.
    let notes = &json[1];
    assert_eq!(
        (notes["dated"].as_u64(), notes["share"].as_f64()),
        (Some(0), Some(0.0))
    );
    assert_eq!(notes["first"], serde_json::Value::Null);
    assert_eq!(notes["not_dated"][0]["text"], "we restarted it");

    let human = run(tmp.path(), &["timeline", ".", "--sources", "--explain"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("source `app`\n  app.log: ISO 8601 (found by the locator)\n  dated 2 of 4 lines (50.0 %)\n  from 2026-11-03 14:02:11 to 2026-11-03 14:05:00 (UTC)\n  no time on line 2: \tat Pool.get(Pool.java:42)\n"),
        "{text}"
    );
    // --explain needs --sources.
    let alone = run(tmp.path(), &["timeline", ".", "--explain"]);
    assert_eq!(alone.status.code(), Some(2));
}
