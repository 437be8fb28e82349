//! `debrief actions`: states, the at-risk forecast, filters, formats and exit codes; `actions
//! done`; the `[policy]` in `check`; and the site's calendar and feed, parsed back with
//! well-kept third-party parsers.

mod common;

use std::path::{Path, PathBuf};

use common::{run, scratch, transcript};

/// An archive of three incidents. Judged on 2026-11-30:
/// - 2026-11-01-db: `a-late` overdue (ana), `a-soon` due in 2 days and not started (ana),
///   `a-done` done, `a-none` without a due date (nobody);
/// - 2026-11-10-api: `a-far` far off and in progress (bo), `a-slow` not started with most of its
///   time gone (bo);
/// - 2026-10-01-old: ana's record: three done late (with a-done, on time: 3 of 4), and one
///   wont-do.
fn archive(root: &Path, config: &str) -> PathBuf {
    let archive = root.join("archive");
    std::fs::create_dir_all(&archive).unwrap();
    std::fs::write(archive.join("debrief.toml"), config).unwrap();
    let incident = |name: &str, text: &str| {
        let dir = archive.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("incident.toml"), text).unwrap();
    };
    incident(
        "2026-11-01-db",
        r#"title = "Database pool exhausted"
severity = "SEV2"
status = "draft"
timezone = "UTC"
services = ["checkout"]

[times]
started = 2026-11-01T10:00:00Z
resolved = 2026-11-01T12:00:00Z

[[people]]
handle = "ana"
team = "payments"

# Kept by hand: this comment must survive `actions done`.
[[actions]]
id = "a-late"
text = "Raise the pool limit"
owner = "ana"
due = 2026-11-20
priority = "P1"

[[actions]]
id = "a-soon"
text = "Alert on pool *waiters*"
owner = "ana"
due = 2026-12-02
priority = "P1"
ticket = "https://tracker.example/OPS-1"

[[actions]]
id = "a-done"
text = "Release connections early"
owner = "ana"
due = 2026-11-10
status = "done"
done_on = 2026-11-09

[[actions]]
id = "a-none"
text = "Write the runbook"
"#,
    );
    incident(
        "2026-11-10-api",
        r#"title = "API latency"
severity = "SEV3"
timezone = "UTC"
services = ["api"]

[times]
started = 2026-11-10T08:00:00Z

[[actions]]
id = "a-far"
text = "Move to the new gateway"
owner = "bo"
due = 2027-06-01
status = "in-progress"

[[actions]]
id = "a-slow"
text = "Cache the token lookups"
owner = "bo"
due = 2026-12-08
"#,
    );
    incident(
        "2026-10-01-old",
        r#"title = "Old incident"
timezone = "UTC"
status = "published"

[times]
started = 2026-10-01T08:00:00Z

[[actions]]
id = "a-1"
text = "One"
owner = "ana"
due = 2026-10-05
status = "done"
done_on = 2026-10-09

[[actions]]
id = "a-2"
text = "Two"
owner = "ana"
due = 2026-10-05
status = "done"
done_on = 2026-10-12

[[actions]]
id = "a-3"
text = "Three"
owner = "ana"
due = 2026-10-05
status = "done"
done_on = 2026-10-06

[[actions]]
id = "a-4"
text = "Four"
owner = "cy"
status = "wont-do"
"#,
    );
    archive
}

fn json(out: &std::process::Output) -> Vec<serde_json::Value> {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", transcript(out)))
}

fn find<'a>(rows: &'a [serde_json::Value], id: &str) -> &'a serde_json::Value {
    rows.iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {rows:?}"))
}

const TODAY: &str = "2026-11-30";

#[test]
fn every_state_and_reason_comes_out_in_the_json() {
    let tmp = scratch();
    archive(tmp.path(), "");
    let out = run(
        tmp.path(),
        &["actions", "archive", "--today", TODAY, "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let rows = json(&out);
    assert_eq!(rows.len(), 10);
    let state = |id: &str| find(&rows, id)["state"].as_str().unwrap().to_owned();
    let reasons = |id: &str| find(&rows, id)["risk"]["reasons"].clone();
    assert_eq!(state("a-late"), "overdue");
    assert_eq!(state("a-soon"), "at-risk");
    assert_eq!(state("a-done"), "done");
    assert_eq!(state("a-4"), "wont-do");
    assert_eq!(state("a-none"), "unscheduled");
    assert_eq!(state("a-far"), "on-track");
    assert_eq!(state("a-slow"), "at-risk");
    assert_eq!(reasons("a-late")[0], "overdue by 10 days");
    assert_eq!(
        reasons("a-soon"),
        serde_json::json!([
            "due in 2 days and not started",
            "owner finished 3 of 4 past actions late",
            "owner has 1 other overdue action"
        ])
    );
    assert_eq!(reasons("a-none"), serde_json::json!(["no owner"]));
    assert_eq!(
        reasons("a-slow"),
        serde_json::json!(["71% of the time to its due date has passed and it is not started"])
    );
    assert_eq!(find(&rows, "a-far")["risk"]["score"], 0.0);
    // Every field the format promises.
    let soon = find(&rows, "a-soon");
    for key in [
        "incident", "id", "text", "owner", "due", "priority", "status", "ticket", "state", "risk",
    ] {
        assert!(soon.get(key).is_some(), "{key} missing in {soon}");
    }
    assert_eq!(soon["incident"], "2026-11-01-db");
    assert_eq!(soon["ticket"], "https://tracker.example/OPS-1");
    // Overdue first, the finished last.
    assert_eq!(rows[0]["id"], "a-late");
    assert_eq!(rows.last().unwrap()["state"], "wont-do");
}

#[test]
fn filters_and_fail_on_give_the_exit_codes_a_ci_job_needs() {
    let tmp = scratch();
    archive(tmp.path(), "");
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["actions", "archive", "--today", TODAY, "--format", "json"];
        all.extend(args);
        json(&run(tmp.path(), &all))
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&["--state", "overdue"]), ["a-late"]);
    assert_eq!(ids(&["--state", "late"]), ["a-late"], "late is overdue");
    assert_eq!(
        ids(&["--state", "at-risk,overdue"]),
        ["a-late", "a-soon", "a-slow"]
    );
    assert_eq!(ids(&["--owner", "bo"]), ["a-slow", "a-far"]);

    let code = |args: &[&str]| {
        let mut all = vec!["actions", "archive", "--today"];
        all.extend(args);
        run(tmp.path(), &all).status.code()
    };
    assert_eq!(code(&[TODAY, "--fail-on", "overdue"]), Some(1));
    assert_eq!(code(&[TODAY, "--fail-on", "at-risk"]), Some(1));
    assert_eq!(code(&[TODAY]), Some(0), "no --fail-on, no failure");
    // Before anything was due, nothing is overdue; a-late is due within three days.
    assert_eq!(code(&["2026-11-05", "--fail-on", "overdue"]), Some(0));
    assert_eq!(code(&["2026-11-18", "--fail-on", "at-risk"]), Some(1));
    // Only bo's actions: none overdue.
    assert_eq!(
        code(&[TODAY, "--owner", "bo", "--fail-on", "overdue"]),
        Some(0)
    );
}

#[test]
fn the_table_groups_by_owner_with_the_overdue_first() {
    let tmp = scratch();
    archive(tmp.path(), "");
    let out = run(tmp.path(), &["actions", "archive", "--today", TODAY]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\x1b'), "no colour when NO_COLOR is set");
    let ana = text
        .find("ana  (1 overdue, 1 at risk, 4 done)")
        .expect(&text);
    let bo = text.find("bo  (1 at risk, 1 on track)").expect(&text);
    let nobody = text.find("(no owner)  (1 unscheduled)").expect(&text);
    assert!(ana < bo && bo < nobody, "{text}");
    // Done rows show the day they were done, and say when that was after the due date.
    assert!(
        text.contains("  done late   2026-10-09  a-1     2026-10-01-old  One\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  done        2026-11-09  a-done  2026-11-01-db   Release connections early\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("  overdue     2026-11-20  a-late  2026-11-01-db   Raise the pool limit\n              overdue by 10 days; owner finished 3 of 4 past actions late\n"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "10 actions as of 2026-11-30: 1 overdue, 2 at risk, 1 on track, 1 unscheduled, 4 done, 1 wont do\n"
        ),
        "{text}"
    );
    let colored = run(
        tmp.path(),
        &["--color", "always", "actions", "archive", "--today", TODAY],
    );
    let colored = String::from_utf8(colored.stdout).unwrap();
    assert!(colored.contains("\x1b[1;31moverdue"), "{colored}");

    // Owners with overdue actions: the longest overdue first (16 days, 10, then 6), not by name.
    let more = tmp.path().join("archive/2026-11-12-cache");
    std::fs::create_dir_all(&more).unwrap();
    std::fs::write(
        more.join("incident.toml"),
        "title = \"Cache\"\ntimezone = \"UTC\"\n[times]\nstarted = 2026-11-12T10:00:00Z\n\
         [[actions]]\nid = \"a-amy\"\ntext = \"Amy's\"\nowner = \"amy\"\ndue = 2026-11-24\nstatus = \"open\"\n\
         [[actions]]\nid = \"a-zed\"\ntext = \"Zed's\"\nowner = \"zed\"\ndue = 2026-11-14\nstatus = \"open\"\n",
    )
    .unwrap();
    let out = run(tmp.path(), &["actions", "archive", "--today", TODAY]);
    let text = String::from_utf8_lossy(&out.stdout);
    let at = |owner: &str| text.find(&format!("{owner}  (1 overdue")).expect(&text);
    assert!(at("zed") < at("ana") && at("ana") < at("amy"), "{text}");
}

#[test]
fn csv_and_calendar_outputs_parse_back() {
    let tmp = scratch();
    archive(tmp.path(), "");
    let out = run(
        tmp.path(),
        &["actions", "archive", "--today", TODAY, "--format", "csv"],
    );
    let mut reader = csv::Reader::from_reader(&out.stdout[..]);
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        debrief::render::table::COLUMNS
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 10);
    let row = |id: &str| rows.iter().find(|r| &r[1] == id).unwrap().clone();
    assert_eq!(&rows[0][1], "a-late");
    assert_eq!(
        &row("a-late")[13],
        "overdue by 10 days; owner finished 3 of 4 past actions late"
    );
    // Text as the calendar and the table show it: no Markdown.
    assert_eq!(&row("a-soon")[2], "Alert on pool waiters");
    assert_eq!(&row("a-soon")[11], "at-risk");
    // A finished action has its day and no score.
    let done = row("a-done");
    assert!(!done[10].is_empty() && done[12].is_empty(), "{done:?}");

    // The site's export has the same layout, row for row.
    let site = tmp.path().join("site");
    let built = run(
        tmp.path(),
        &[
            "build",
            "archive",
            "--out",
            site.to_str().unwrap(),
            "--today",
            TODAY,
        ],
    );
    assert!(built.status.success(), "{built:?}");
    let mut from_site = csv::Reader::from_path(site.join("data/actions.csv")).unwrap();
    assert_eq!(from_site.headers().unwrap(), &headers);
    let site_rows: Vec<csv::StringRecord> = from_site.records().map(Result::unwrap).collect();
    let site_row = |id: &str| site_rows.iter().find(|r| &r[1] == id).unwrap().clone();
    for id in ["a-late", "a-soon", "a-done"] {
        assert_eq!(site_row(id), row(id), "{id}");
    }

    let out = run(
        tmp.path(),
        &["actions", "archive", "--today", TODAY, "--format", "ics"],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let todos = todos(&text);
    // The open actions with a due date: a-late, a-soon, a-far, a-slow.
    let mut summaries: Vec<&str> = todos.iter().map(|t| t.summary.as_str()).collect();
    summaries.sort();
    assert_eq!(
        summaries,
        [
            "Alert on pool waiters",
            "Cache the token lookups",
            "Move to the new gateway",
            "Raise the pool limit"
        ]
    );
}

/// A to-do as a calendar reads it.
struct Todo {
    summary: String,
    due: String,
    status: String,
    url: Option<String>,
    uid: String,
}

/// Parses `text` with the icalendar crate, and checks the line rules of RFC 5545 on the way.
fn todos(text: &str) -> Vec<Todo> {
    use icalendar::{Calendar, CalendarComponent, Component};
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        assert!(line.len() <= 75, "a line over 75 octets: {line}");
        assert!(!line.contains('\n'), "a bare line feed: {line:?}");
    }
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    let calendar: Calendar = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
    calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Todo(t) => Some(Todo {
                summary: t.get_summary().unwrap().to_owned(),
                due: t.property_value("DUE").unwrap().to_owned(),
                status: t.property_value("STATUS").unwrap().to_owned(),
                url: t.property_value("URL").map(str::to_owned),
                uid: t.get_uid().unwrap().to_owned(),
            }),
            _ => None,
        })
        .collect()
}

#[test]
fn actions_done_records_the_day_and_keeps_the_comments() {
    let tmp = scratch();
    let archive = archive(tmp.path(), "");
    let file = archive.join("2026-11-01-db/incident.toml");
    let before = std::fs::read_to_string(&file).unwrap();
    let out = run(
        tmp.path(),
        &[
            "actions",
            "done",
            "archive/2026-11-01-db",
            "a-soon",
            "--on",
            "2026-11-29",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "`a-soon` of 2026-11-01-db is done, on 2026-11-29\n"
    );
    let after = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        after,
        before.replace(
            "ticket = \"https://tracker.example/OPS-1\"\n",
            "ticket = \"https://tracker.example/OPS-1\"\nstatus = \"done\"\ndone_on = 2026-11-29\n"
        )
    );
    assert!(after.contains("# Kept by hand"));
    // The record it leaves counts: done on time.
    let rows = json(&run(
        tmp.path(),
        &["actions", "archive", "--today", TODAY, "--format", "json"],
    ));
    assert_eq!(find(&rows, "a-soon")["state"], "done");
    assert_eq!(find(&rows, "a-soon")["done_on"], "2026-11-29");
    // Again: nothing to do, nothing changed.
    let again = run(
        tmp.path(),
        &["actions", "done", "archive/2026-11-01-db", "a-soon"],
    );
    assert_eq!(again.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&again.stdout).contains("already done (on 2026-11-29)"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), after);

    // Mistakes: exit 2, the file untouched.
    for args in [
        &["actions", "done", "archive/2026-11-01-db", "a-nope"][..],
        &["actions", "done", "archive", "a-late"],
        &["actions", "done", "archive/missing", "a-late"],
    ] {
        let out = run(tmp.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", transcript(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with("error: "),
            "{}",
            transcript(&out)
        );
    }
    let nope = run(
        tmp.path(),
        &["actions", "done", "archive/2026-11-01-db", "a-nope"],
    );
    assert!(
        String::from_utf8_lossy(&nope.stderr)
            .contains("no action `a-nope`; did you mean `a-none`?"),
        "a typo gets the near id: {}",
        transcript(&nope)
    );
    let far = run(
        tmp.path(),
        &["actions", "done", "archive/2026-11-01-db", "rotate-keys"],
    );
    assert!(
        String::from_utf8_lossy(&far.stderr)
            .contains("no action `rotate-keys`; its actions are a-late, a-soon, a-done, a-none"),
        "{}",
        transcript(&far)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), after);
}

#[test]
fn bad_input_is_exit_code_2_with_a_clear_error() {
    let tmp = scratch();
    archive(tmp.path(), "");
    let check = |args: &[&str], says: &str| {
        let out = run(tmp.path(), args);
        assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{}",
            transcript(&out)
        );
        assert!(out.stdout.is_empty(), "{}", transcript(&out));
    };
    check(
        &["actions", "archive", "--state", "overdeu"],
        "invalid value 'overdeu' for '--state <STATE>': unknown action state `overdeu`; did you mean `overdue`?",
    );
    check(
        &["actions", "archive", "--today", "2026-02-30"],
        "invalid value '2026-02-30' for '--today <YYYY-MM-DD>'",
    );
    check(&["actions", "nowhere"], "error: nowhere: does not exist");

    // A broken incident: its actions would be left out, so nothing is listed.
    std::fs::write(
        tmp.path().join("archive/2026-11-10-api/incident.toml"),
        "title = \n",
    )
    .unwrap();
    check(
        &["actions", "archive"],
        "the actions are listed once every file loads",
    );
}

#[test]
fn a_policy_that_names_what_the_archive_lacks_is_refused_with_2() {
    let tmp = scratch();
    archive(
        tmp.path(),
        "[policy]\nreview_within_days = { SEV1 = 5, SEV9 = 3 }\naction_due_within_days = { P7 = 1 }\n",
    );
    for command in ["actions", "check"] {
        let out = run(tmp.path(), &[command, "archive"]);
        assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
        let text = transcript(&out);
        assert!(
            text.contains("names the severity `SEV9`, which the archive does not define"),
            "{text}"
        );
        assert!(
            text.contains("names the priority `P7`, which does not exist"),
            "{text}"
        );
        assert!(text.contains("archive/debrief.toml:2:"), "{text}");
    }
}

#[test]
fn policy_breaches_are_warnings_at_their_line_and_count_in_the_forecast() {
    let tmp = scratch();
    archive(
        tmp.path(),
        "[policy]\nreview_within_days = { SEV2 = 10 }\naction_due_within_days = { P1 = 7 }\nrequire_owner = true\n",
    );
    let out = run(
        tmp.path(),
        &["check", "archive", "--today", TODAY, "--format", "json"],
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let policy: Vec<(String, String, u64)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"].as_str().unwrap().starts_with("policy-"))
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["message"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        policy,
        [
            (
                "policy-review".to_owned(),
                "SEV2 reviews are to be published within 10 days of resolution; this one was resolved 29 days ago (2026-11-01) and is still `draft`".to_owned(),
                3
            ),
            (
                "policy-due".to_owned(),
                "P1 actions are to be due within 7 days of the incident, by 2026-11-08; `a-late` is due 2026-11-20".to_owned(),
                20
            ),
            (
                "policy-due".to_owned(),
                "P1 actions are to be due within 7 days of the incident, by 2026-11-08; `a-soon` is due 2026-12-02".to_owned(),
                27
            ),
            (
                "policy-owner".to_owned(),
                "action `a-none` has no owner, and the policy requires one".to_owned(),
                40
            ),
        ],
        "{report:#}"
    );
    assert_eq!(out.status.code(), Some(0), "warnings only");
    let denied = run(
        tmp.path(),
        &["check", "archive", "--today", TODAY, "--deny-warnings"],
    );
    assert_eq!(denied.status.code(), Some(1));
    // One line says why a run with no errors failed.
    let said = String::from_utf8_lossy(&denied.stdout);
    assert!(
        said.trim_end()
            .ends_with("failed: warnings are denied (--deny-warnings), and there are 19 warnings"),
        "{said}"
    );
    // Before the review deadline passed, no review warning.
    let early = run(
        tmp.path(),
        &[
            "check",
            "archive",
            "--today",
            "2026-11-05",
            "--format",
            "json",
        ],
    );
    assert!(!String::from_utf8_lossy(&early.stdout).contains("policy-review"));

    // The forecast counts the same deadlines.
    let rows = json(&run(
        tmp.path(),
        &["actions", "archive", "--today", TODAY, "--format", "json"],
    ));
    assert_eq!(
        find(&rows, "a-none")["risk"]["reasons"],
        serde_json::json!(["no owner, which the policy requires"])
    );
    assert!(
        find(&rows, "a-soon")["risk"]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r
                == "due 31 days after the incident, and the policy wants P1 actions due within 7 days")
    );
}

#[test]
fn the_site_has_a_feed_and_a_calendar_that_real_parsers_read() {
    let tmp = scratch();
    archive(tmp.path(), "title = \"Reviews & more\"\n");
    let out = tmp.path().join("site");
    let built = run(
        tmp.path(),
        &[
            "build",
            "archive",
            "--out",
            out.to_str().unwrap(),
            "--today",
            TODAY,
            "--base-url",
            "https://reviews.example/ops/",
        ],
    );
    assert_eq!(built.status.code(), Some(0), "{}", transcript(&built));

    let feed = feed_rs::parser::parse(&std::fs::read(out.join("feed.xml")).unwrap()[..])
        .expect("feed.xml is a valid Atom feed");
    assert_eq!(feed.title.unwrap().content, "Reviews & more");
    let entries: Vec<(String, String)> = feed
        .entries
        .iter()
        .map(|e| {
            (
                e.title.as_ref().unwrap().content.clone(),
                e.links[0].href.clone(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            // Drafts are not announced: 2026-11-01-db says so, 2026-11-10-api has no status
            // (a draft until it says otherwise).
            (
                "Old incident".to_owned(),
                "https://reviews.example/ops/incidents/2026-10-01-old/index.html".to_owned()
            ),
        ],
        "published only, absolute links"
    );

    let text = std::fs::read_to_string(out.join("actions.ics")).unwrap();
    let todos = todos(&text);
    assert_eq!(todos.len(), 4);
    let late = todos
        .iter()
        .find(|t| t.summary == "Raise the pool limit")
        .unwrap();
    assert_eq!(late.due, "20261120");
    assert_eq!(late.status, "NEEDS-ACTION");
    assert_eq!(
        late.url.as_deref(),
        Some("https://reviews.example/ops/incidents/2026-11-01-db/index.html#a-late")
    );
    assert_eq!(late.uid, "a-late.2026-11-01-db@debrief");
    let far = todos
        .iter()
        .find(|t| t.summary == "Move to the new gateway")
        .unwrap();
    assert_eq!(far.status, "IN-PROCESS");

    // The actions page: each item's state and, for those at risk, why.
    let page = std::fs::read_to_string(out.join("actions.html")).unwrap();
    assert!(page.contains("5 open: 1 overdue, 2 at risk."), "{page}");
    assert!(
        page.contains(r#"<span class="state at-risk">at risk</span><ul class="reasons"><li>due in 2 days and not started</li>"#),
        "{page}"
    );
    assert!(page.contains(r#"<a class="ticket" href="https://tracker.example/OPS-1">ticket</a>"#));
    assert!(page.contains(r#"<a href="actions.ics">subscribe in a calendar</a>"#));
}

#[test]
fn an_enormous_policy_is_a_deadline_far_away_not_a_crash() {
    let tmp = scratch();
    archive(
        tmp.path(),
        "[policy]\naction_due_within_days = { P1 = 4294967295 }\nreview_within_days = { SEV2 = 4294967295 }\n",
    );
    let undated = tmp.path().join("archive/2026-11-20-undated");
    std::fs::create_dir_all(&undated).unwrap();
    std::fs::write(
        undated.join("incident.toml"),
        "title = \"Undated\"\n\n[times]\nstarted = 2026-11-20T10:00:00Z\n\n[[actions]]\nid = \"a-1\"\ntext = \"Fix\"\nowner = \"kim\"\npriority = \"P1\"\n",
    )
    .unwrap();
    let out = run(tmp.path(), &["check", "archive", "--today", TODAY]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let text = transcript(&out);
    assert!(
        text.contains(
            "P1 actions are to be due within 4294967295 days of the incident; `a-1` has no due date"
        ) && text.contains("add `due = 9999-12-31` or earlier"),
        "{text}"
    );
    assert!(!text.contains("policy-review"), "{text}");
    let out = run(
        tmp.path(),
        &["actions", "archive", "--today", TODAY, "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
}
