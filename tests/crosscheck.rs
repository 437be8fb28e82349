//! `debrief check` cross-checks the curated timeline against the logs it cites: a syslog
//! without a zone, written in UTC and read in the incident's America/Los_Angeles, is eight
//! hours off (in November), and check says so at the entry and at the source, naming the zone it used.
//! `timeline` leaves the findings to `check`: it prints the story, then one line that counts them.

mod common;

use common::{root, run, transcript};

#[test]
fn a_cited_line_hours_away_from_its_entry_is_a_warning_that_suggests_a_timezone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("2026-11-05-links");
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    std::fs::write(
        dir.join("logs/routers.syslog"),
        "Nov  5 17:01:02 bb01 rpd[100]: BGP peer 10.0.0.1 down\n\
         Nov  5 17:01:05 bb01 rpd[100]: BGP peer 10.0.0.2 down\n",
    )
    .unwrap();
    let toml = "title = \"Links down\"\ntimezone = \"America/Los_Angeles\"\n\
                [times]\nstarted = 2026-11-05T09:00:00\nresolved = 2026-11-05T11:00:00\n\
                [[sources]]\nname = \"routers\"\npath = \"logs/routers.syslog\"\n\
                [[timeline]]\nat = 2026-11-05T09:01:02\ntext = \"Links went down\"\nsource = \"logs/routers.syslog:1\"\n\
                [[timeline]]\nat = 2026-11-05T09:01:30\ntext = \"Second link\"\nsource = \"logs/routers.syslog:2\"\n";
    std::fs::write(dir.join("incident.toml"), toml).unwrap();
    let checked = run(&root(), &["check", dir.to_str().unwrap()]);
    let text = transcript(&checked);
    assert_eq!(checked.status.code(), Some(0), "warnings only: {text}");
    assert!(
        text.contains("warning[source-time]: line 1 of `logs/routers.syslog` reads 2026-11-05 17:01:02, 8h 00m from this entry's time 2026-11-05 09:01:02"),
        "{text}"
    );
    assert!(
        text.contains("incident.toml:12:10"),
        "at the entry's source: {text}"
    );
    assert!(text.contains("set `timezone` on the source"), "{text}");
    assert!(
        text.contains("h earlier it would fall inside the incident"),
        "{text}"
    );
    assert!(
        text.contains("routers: syslog in America/Los_Angeles"),
        "{text}"
    );
    // Both cited lines are off: two warnings at the entries.
    assert_eq!(text.matches("warning[source-time]").count(), 2, "{text}");

    // With the zone the file is written in, nothing is off.
    std::fs::write(
        dir.join("incident.toml"),
        toml.replace(
            "path = \"logs/routers.syslog\"\n",
            "path = \"logs/routers.syslog\"\ntimezone = \"UTC\"\n",
        ),
    )
    .unwrap();
    let checked = run(&root(), &["check", dir.to_str().unwrap()]);
    let text = transcript(&checked);
    assert!(!text.contains("source-time"), "{text}");
    assert!(!text.contains("source-outside"), "{text}");
    assert!(text.contains("routers: syslog in UTC"), "{text}");
}

#[test]
fn timeline_prints_the_story_first_and_counts_the_warnings_in_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("2026-11-03-outside");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        tmp.path().join("elsewhere.log"),
        "Nov  3 00:00:01 web-1 sshd[1]: session opened\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("incident.toml"),
        "title = \"Outside\"\ntimezone = \"UTC\"\n[times]\nstarted = 2026-11-03T00:00:00Z\n\
         [[timeline]]\nat = 2026-11-03T00:01:00Z\ntext = \"Deploy started\"\n\
         [[sources]]\nname = \"syslog\"\npath = \"../elsewhere.log\"\nyear = 2026\n",
    )
    .unwrap();
    let out = run(&root(), &["timeline", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Deploy started"), "{}", transcript(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        format!(
            "1 warning about {0}: `debrief check {0}` lists it",
            dir.display()
        ),
        "the finding itself is check's to show"
    );
}
