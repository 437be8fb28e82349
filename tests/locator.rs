//! Logs that no named format knows are dated by the timestamp locator, wherever the time sits
//! in their lines. The fixtures are written here from each format's public description (klog's
//! header, W3C extended log files, TAI64N, RFC 2822, ...), not copied from any other project,
//! and every instant below was worked out by hand from the lines.

use std::path::Path;

use debrief::evidence::{self, EvidenceError, ScanOptions, SourceScan};
use debrief::model::LoadedIncident;

fn scan(dir: &Path, file: &str, text: &str) -> Result<SourceScan, EvidenceError> {
    scan_with(dir, file, text, "")
}

/// `scan`, with more keys for the source (`include = [...]`).
fn scan_with(
    dir: &Path,
    file: &str,
    text: &str,
    source: &str,
) -> Result<SourceScan, EvidenceError> {
    std::fs::write(dir.join(file), text).unwrap();
    let toml = format!(
        "title = \"located\"\ntimezone = \"UTC\"\n[[sources]]\nname = \"{file}\"\npath = \"{file}\"\nyear = 2026\n{source}"
    );
    let incident = LoadedIncident {
        id: "located".into(),
        dir: dir.to_path_buf(),
        incident: toml::from_str(&toml).unwrap(),
        notes: None,
    };
    evidence::scan_source(
        &incident,
        0,
        ScanOptions {
            candidates: true,
            volume: false,
            templates: false,
            template_lines: false,
        },
    )
}

/// The format shown for the file, the lines dated, and (line, instant) of each candidate.
fn read(dir: &Path, file: &str, text: &str) -> (String, u64, Vec<(String, String)>) {
    let scan = scan(dir, file, text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let candidates = scan
        .candidates
        .iter()
        .map(|c| {
            let line = c.source.rsplit_once(':').unwrap().1.to_owned();
            (line, c.at.to_string())
        })
        .collect();
    (scan.files[0].1.to_string(), scan.stats.dated, candidates)
}

#[test]
fn logs_that_no_named_format_knows_are_dated_where_the_time_sits() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();

    // The time after the file name the line came from.
    let (format, dated, at) = read(
        dir,
        "nova.log",
        "nova-compute.log.1.2026-11-03_14:00:00 2026-11-03 14:02:11.008 2931 INFO nova.compute.manager [req-1] instance started\n\
         nova-compute.log.1.2026-11-03_14:00:00 2026-11-03 14:02:12.511 2931 WARNING nova.compute.manager [req-2] slow boot\n",
    );
    assert_eq!(format, "ISO 8601 (found by the locator)");
    assert_eq!(dated, 2);
    assert_eq!(at[1], ("2".into(), "2026-11-03T14:02:12.511Z".into()));

    // Epoch seconds in the fourth column.
    let (format, _, at) = read(
        dir,
        "hpc.log",
        "134681 node-246 unix.hw state_change.unavailable 1793714531 1 Component State Change\n\
         134682 node-109 action start 1793714590 1 run-1 (command 2) Action start\n",
    );
    assert_eq!(format, "Unix time (found by the locator)");
    assert_eq!(at[0].1, "2026-11-03T14:02:11Z");
    assert_eq!(at[1].1, "2026-11-03T14:03:10Z");

    // `[MM.dd HH:MM:SS]`, no year: the source's year.
    let (format, _, at) = read(
        dir,
        "proxy.log",
        "[11.03 14:02:11] chrome.exe - example.net:443 open through proxy proxy.example:5070 HTTPS\n\
         [11.03 14:02:14] chrome.exe - example.net:443 close, 1021 bytes sent, 4430 bytes received\n",
    );
    assert_eq!(format, "MM.dd HH:MM:SS (found by the locator)");
    assert_eq!(at[1].1, "2026-11-03T14:02:14Z");

    // klog: the level's letter, then mmdd (no year).
    let (format, _, at) = read(
        dir,
        "kubelet.log",
        "I1103 14:02:11.123456    2841 kubelet.go:2410] \"SyncLoop ADD\" source=\"api\"\n\
         E1103 14:02:12.000001    2841 pod_workers.go:1298] \"Error syncing pod\" err=\"back-off\"\n",
    );
    // klog is a named format: the locator's layout, plus the message after `file:line]`.
    assert_eq!(format, "klog");
    assert_eq!(at[0].1, "2026-11-03T14:02:11.123456Z");

    // A W3C extended log: the `#Fields:` header names the columns, and its lines are skipped.
    let (format, dated, at) = read(
        dir,
        "u_ex261103.log",
        "#Software: Microsoft Internet Information Services 10.0\n\
         #Version: 1.0\n\
         #Date: 2026-11-03 14:00:00\n\
         #Fields: date time s-ip cs-method cs-uri-stem sc-status time-taken\n\
         2026-11-03 14:02:11 10.0.0.5 GET /checkout 500 31\n\
         2026-11-03 14:02:12 10.0.0.5 GET /checkout 200 12\n",
    );
    assert_eq!(format, "w3c");
    assert_eq!(dated, 2, "the header's `#Date:` line is not an entry");
    assert_eq!(at[0], ("5".into(), "2026-11-03T14:02:11Z".into()));

    // Colour codes around the time.
    let (format, _, at) = read(
        dir,
        "colour.log",
        "\x1b[2mNov  3 14:02:11\x1b[0m web-1 \x1b[31mpgbouncer\x1b[0m: pool full\n\
         \x1b[2mNov  3 14:02:13\x1b[0m web-1 \x1b[31mpgbouncer\x1b[0m: pool full\n",
    );
    // Syslog with its colour codes taken out: the named format, and a clean message.
    assert_eq!(format, "syslog");
    assert_eq!(at[1].1, "2026-11-03T14:02:13Z");
    let scan = scan(
        dir,
        "colour.log",
        &std::fs::read_to_string(dir.join("colour.log")).unwrap(),
    )
    .unwrap();
    assert_eq!(scan.candidates[0].text, "pgbouncer: pool full");
    assert_eq!(scan.candidates[0].message, "pool full");
    assert_eq!(scan.candidates[0].fields["host"], "web-1");

    // TAI64N, as daemontools and runit's svlogd write it.
    let (format, _, at) = read(
        dir,
        "current",
        "@400000006ae9e96d0000000a run: starting\n@400000006ae9e96e1dcd6500 run: ready\n",
    );
    assert_eq!(format, "TAI64N (found by the locator)");
    assert_eq!(at[1].1, "2026-11-03T14:02:12.5Z");
}

#[test]
fn a_banner_does_not_decide_how_the_file_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    // Seventy lines of banner (more than the first lines a named format is judged on), two of
    // them with an ISO date, then a body only the locator reads, large enough that its samples
    // from the middle and the end see it.
    let mut text = String::from("==== relay v3.1 ====\nbuilt 2026-10-01 09:00:00 by ci\n");
    for n in 0..67 {
        text.push_str(&format!("option {n} = on\n"));
    }
    text.push_str("started 2026-11-03 13:59:59\n");
    for n in 0..3000 {
        text.push_str(&format!(
            "[11.03 14:{:02}:{:02}] relay.exe - example.net:443 open through proxy {n}\n",
            n / 60 % 60,
            n % 60
        ));
    }
    let (format, dated, _) = read(tmp.path(), "relay.log", &text);
    assert_eq!(format, "MM.dd HH:MM:SS (found by the locator)");
    assert_eq!(dated, 3000);
}

#[test]
fn a_log_where_nothing_can_be_dated_says_so_with_its_first_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let err = scan(
        tmp.path(),
        "notes.txt",
        "\nwe restarted the pods\nthen the errors stopped\nport 8080, pid 12345\nmore\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("cannot date the lines of `notes.txt`"),
        "{err}"
    );
    assert!(
        err.contains("1: we restarted the pods")
            && err.contains("2: then the errors stopped")
            && err.contains("3: port 8080, pid 12345")
            && !err.contains("more"),
        "{err}"
    );
}

/// IIS starts a new header (`#Software`, `#Version`, `#Date`, `#Fields`) when it restarts, and
/// the new field list may differ: the lines after it are read by the new columns, whether every
/// line is read or an include filter skips to its matches.
#[test]
fn a_w3c_log_that_names_its_columns_again_is_read_by_the_new_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let first = "#Software: Microsoft Internet Information Services 10.0\n\
                 #Version: 1.0\n\
                 #Date: 2026-11-03 23:50:00\n\
                 #Fields: date time s-ip cs-method cs-uri-stem sc-status time-taken\n";
    let head = "#Software: Microsoft Internet Information Services 10.0\n\
                #Version: 1.0\n\
                #Date: 2026-11-04 00:00:05\n";
    // (the new field list, the line after it, the lines that follow, by number)
    type Line = fn(usize) -> String;
    let restarts: [(&str, &str, Line); 2] = [
        // No date column: the day comes from `#Date:`.
        (
            "#Fields: time cs-uri-stem cs-method sc-status",
            "00:00:07 /pay POST 503",
            |i| format!("00:{:02}:{:02} /checkout GET 200", 1 + i / 60 % 59, i % 60),
        ),
        // The same leading columns, the others moved: lines the old columns would still date.
        (
            "#Fields: date time cs-uri-stem cs-method sc-status",
            "2026-11-04 00:00:07 /pay POST 503",
            |i| {
                format!(
                    "2026-11-04 00:{:02}:{:02} /checkout GET 200",
                    1 + i / 60 % 59,
                    i % 60
                )
            },
        ),
    ];
    // Small, read line by line; then several read chunks on each side of the restart, so that
    // the include filter's skipping reader meets the header in the middle of a chunk.
    for (fields, pay, after) in restarts {
        for filler in [1, 6_000] {
            let mut text = String::from(first);
            for i in 0..filler {
                text.push_str(&format!(
                    "2026-11-03 23:5{}:{:02} 10.0.0.5 GET /checkout 200 12\n",
                    i % 10,
                    i % 60
                ));
            }
            // A long run of remarks before the new header (kept only in part while reading).
            text.push_str(&"#Remark: rotated\n".repeat(if filler > 1 { 5_000 } else { 0 }));
            text.push_str(&format!("{head}{fields}\n{pay}\n"));
            for i in 0..filler {
                text.push_str(&after(i));
                text.push('\n');
            }
            for source in ["", "include = [\"POST\"]\n"] {
                let scan = scan_with(dir, "u_ex261103.log", &text, source).unwrap();
                let pay = scan
                    .candidates
                    .iter()
                    .find(|c| c.text.contains("POST"))
                    .expect("the line after the restart");
                let case = format!("{fields}, {filler} lines, {source}");
                assert_eq!(pay.at.to_string(), "2026-11-04T00:00:07Z", "{case}");
                assert_eq!(pay.text, "POST /pay 503", "{case}");
                assert_eq!(scan.stats.undatable, 0, "{case}");
            }
        }
    }
}

/// `strace -tt` prefixes each system call with the time of day (`-t` whole seconds, `-tt`
/// microseconds), and `-f` puts the pid first, padded, or as `[pid N]`: no date anywhere. The
/// lines are dated by the day the incident started, and a trace that runs past midnight steps
/// to the next day.
#[test]
fn strace_times_of_day_are_dated_by_the_incident_day() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let write = |file: &str, text: &str| {
        std::fs::write(dir.join(file), text).unwrap();
    };
    write(
        "trace.log",
        "23:59:58.100200 openat(AT_FDCWD, \"/etc/app.conf\", O_RDONLY|O_CLOEXEC) = 3\n\
         23:59:59.900000 read(3, \"pool_size = 10\\n\", 4096) = 15\n\
         00:00:01.000001 connect(4, {sa_family=AF_INET, sin_port=htons(5432)}, 16) = -1 ECONNREFUSED (Connection refused)\n",
    );
    write(
        "trace-f.log",
        "4194304 14:02:11.000100 write(1, \"ok\\n\", 3) = 3\n\
         [pid    77] 14:02:12 exit_group(0) = ?\n\
         12 14:02:13.5 +++ exited with 0 +++\n",
    );
    let toml = "title = \"trace\"\ntimezone = \"Europe/Berlin\"\n\
                [times]\nstarted = 2026-11-03T23:50:00+01:00\n\
                [[sources]]\nname = \"trace\"\npath = \"trace.log\"\n\
                [[sources]]\nname = \"forked\"\npath = \"trace-f.log\"\n";
    let incident = LoadedIncident {
        id: "trace".into(),
        dir: dir.to_path_buf(),
        incident: toml::from_str(toml).unwrap(),
        notes: None,
    };
    let options = ScanOptions {
        candidates: true,
        volume: false,
        templates: false,
        template_lines: false,
    };
    let trace = evidence::scan_source(&incident, 0, options).unwrap();
    assert_eq!(
        trace.files[0].1.to_string(),
        "HH:MM:SS (a time of day; the date is the incident's) (found by the locator)"
    );
    let at: Vec<String> = trace.candidates.iter().map(|c| c.at.to_string()).collect();
    // Berlin is UTC+1 in November: the incident's day is 3 November there.
    assert_eq!(
        at,
        [
            "2026-11-03T22:59:58.1002Z",
            "2026-11-03T22:59:59.9Z",
            "2026-11-03T23:00:01.000001Z"
        ]
    );
    assert!(trace.candidates[2].text.starts_with("connect(4"));
    let forked = evidence::scan_source(&incident, 1, options).unwrap();
    assert_eq!(forked.stats.dated, 3, "a pid before the time is no date");
    assert_eq!(forked.candidates[1].at.to_string(), "2026-11-03T13:02:12Z");

    // An incident without a day to date them by says so, instead of dropping them quietly.
    let undated = LoadedIncident {
        incident: toml::from_str(
            "title = \"trace\"\n[[sources]]\nname = \"trace\"\npath = \"trace.log\"\n",
        )
        .unwrap(),
        ..incident
    };
    let scan = evidence::scan_source(&undated, 0, options).unwrap();
    assert!(scan.candidates.is_empty());
    assert_eq!(
        scan.notes,
        [
            "`trace.log` has times of day without a date: give the incident `times.started` (or a timeline entry) to place them"
        ]
    );
}
