//! A quarter of postmortems, as a team lead meets them: fourteen incidents from September to
//! November across six services, with `debrief.toml` at the repository root beside
//! `incidents/` (tests/fixtures/quarter). Factors that come back are written in different
//! words each time, as people write them.

mod common;

use common::{root, run, transcript};

const ARCHIVE: &str = "tests/fixtures/quarter/incidents";

/// `debrief actions` of the archive as of 2026-12-01, with `extra` arguments.
fn actions(extra: &[&str]) -> std::process::Output {
    let mut args = vec!["actions", ARCHIVE, "--today", "2026-12-01"];
    args.extend_from_slice(extra);
    run(&root(), &args)
}

fn built() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = common::scratch();
    let out = dir.path().join("site");
    let o = run(
        &root(),
        &[
            "build",
            ARCHIVE,
            "--out",
            out.to_str().unwrap(),
            "--today",
            "2026-12-01",
        ],
    );
    assert!(o.status.success(), "{}", transcript(&o));
    (dir, out)
}

/// The text of an HTML fragment, tags dropped and spaces collapsed.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The configuration beside `incidents/` applies, and `check` says so.
#[test]
fn check_uses_the_configuration_one_folder_up() {
    let out = run(&root(), &["check", ARCHIVE, "--today", "2026-12-01"]);
    let t = transcript(&out);
    assert!(
        t.contains("configuration: tests/fixtures/quarter/debrief.toml\n"),
        "{t}"
    );
    for code in ["[policy-review]", "[policy-owner]", "[policy-due]"] {
        assert!(t.contains(code), "{code} missing:\n{t}");
    }
    assert!(
        t.contains("checked 14 incidents: 0 errors, 5 warnings"),
        "{t}"
    );
}

/// `themes.html` finds the themes that come back although each review worded them its own
/// way, and the theme people named gathers factors that share no word.
#[test]
fn themes_come_back_in_other_words() {
    let (_dir, out) = built();
    let page = std::fs::read_to_string(out.join("themes.html")).unwrap();
    let recurring = &page[page.find("id=\"recurring\"").unwrap()..];
    let themes: Vec<&str> = recurring
        .split("<section class=\"theme\"")
        .skip(1)
        .map(|t| &t[t.find('>').unwrap() + 1..])
        .collect();
    let find = |anchor: &str| -> String {
        themes
            .iter()
            .find(|t| t.contains(anchor))
            .map(|t| text(t))
            .unwrap_or_else(|| panic!("no theme holds {anchor}:\n{}", text(recurring)))
    };
    // Named by people: four incidents, one of which shares no word with the others.
    let credentials = find("2026-09-22-payment-webhooks-rejected/index.html#f-secret-lapsed");
    assert!(
        credentials.starts_with("expiring credentials named In 4 incidents"),
        "{credentials}"
    );
    for anchor in [
        "2026-09-09-login-token-rejections/index.html#f-key-expiry",
        "2026-10-08-edge-tls-expiry/index.html#f-manual-renewal",
        "2026-11-19-auth-internal-ca-expiry/index.html#f-ca-expired",
    ] {
        let theme = themes.iter().find(|t| t.contains(anchor)).unwrap();
        assert!(text(theme).starts_with("expiring credentials"), "{anchor}");
    }
    // Found by words: a configuration pushed everywhere at once, three ways.
    let rollout = find("2026-10-05-search-config-all-regions/index.html#f-all-regions");
    assert!(rollout.contains("A feature flag was flipped globally without a staged rollout"));
    assert!(rollout.contains("Rate-limit config deployed to all edges simultaneously"));
    assert!(
        rollout.starts_with("configuration, staged rollout In 3 incidents"),
        "{rollout}"
    );
    // Alerting gaps.
    let alerting = find("2026-11-04-postgres-evening-peak/index.html#f-ticket-alert");
    assert!(alerting.contains("threshold was too high"), "{alerting}");
    assert!(alerting.contains("No alert on queue depth"), "{alerting}");
    // Pools.
    let pools = find("2026-09-15-checkout-pool-exhaustion/index.html#f-pools-scaled");
    assert!(
        pools.contains("Connection pool exhausted under the evening peak"),
        "{pools}"
    );
    // One-offs stay one-offs.
    assert!(!recurring.contains("f-rebuild-locks"));
    assert!(!recurring.contains("f-sms-vendor"));
}

/// Related incidents weigh a shared service or named theme above tags, never relate by factor
/// categories, and say what they share.
#[test]
fn related_incidents_say_what_they_share() {
    let (_dir, out) = built();
    let report =
        std::fs::read_to_string(out.join("incidents/2026-10-08-edge-tls-expiry/index.html"))
            .unwrap();
    let related = text(&report[report.find("id=\"related\"").unwrap()..]);
    assert!(
        related.contains("Card payments stayed pending for two hours 2026-09-22 Shares theme expiring credentials"),
        "{related}"
    );
    assert!(!related.contains("categor"), "{related}");
    assert!(
        !related.contains("Shares tag "),
        "a single tag should rank below: {related}"
    );
}

/// The nightly post: counts, then the most urgent overdue and at-risk actions with owner, age
/// and one reason; `--fail-on` ends with one line that says why it failed.
#[test]
fn the_nightly_summary_fits_in_chat() {
    let out = actions(&["--format", "summary", "--top", "2", "--fail-on", "overdue"]);
    insta::assert_snapshot!("quarter-summary", transcript(&out));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr,
        "failed (--fail-on overdue): 7 actions are overdue\n"
    );

    // At risk fails too with --fail-on at-risk, and says how many of each.
    let out = actions(&["--fail-on", "at-risk", "--state", "at-risk"]);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "failed (--fail-on at-risk): 9 actions are overdue or at risk (0 overdue, 9 at risk)\n"
    );
    // Nothing to fail on: no line, exit 0.
    let out = actions(&["--fail-on", "overdue", "--state", "done"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
}

/// However large the archive and however long the texts, the post stays small.
#[test]
fn the_summary_stays_small_at_three_hundred_incidents() {
    let dir = common::scratch();
    for n in 0..300 {
        let incident = dir.path().join(format!("2026-11-{:02}-i{n}", n % 28 + 1));
        std::fs::create_dir_all(&incident).unwrap();
        let long = "Rework the whole of the failover procedure ".repeat(30);
        std::fs::write(
            incident.join("incident.toml"),
            format!(
                "title = \"i{n}\"\n[times]\nstarted = 2026-11-01T10:00:00Z\n\
                 [[actions]]\nid = \"a-1\"\ntext = \"{long}\"\nowner = \"{}\"\ndue = 2026-11-20\n\
                 [[actions]]\nid = \"a-2\"\ntext = \"{long}\"\ndue = 2026-12-02\n",
                "x".repeat(300)
            ),
        )
        .unwrap();
    }
    let out = run(
        dir.path(),
        &[
            "actions",
            ".",
            "--today",
            "2026-12-01",
            "--format",
            "summary",
        ],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.len() < 4000, "{} bytes:\n{text}", text.len());
    assert!(
        text.starts_with("600 actions in 300 incidents as of 2026-12-01: 300 overdue, 300 at risk"),
        "{text}"
    );
    assert!(
        text.contains("590 more overdue or at risk: debrief actions . --state overdue,at-risk"),
        "{text}"
    );
    assert!(text.lines().all(|l| l.chars().count() <= 240), "{text}");
}

/// Trends a VP can read: per month, the median and 90th percentile of each time with how many
/// incidents it is over; actions per month by where they stand.
#[test]
fn trends_give_monthly_medians_and_percentiles_with_counts() {
    let (_dir, out) = built();
    let page = std::fs::read_to_string(out.join("trends.html")).unwrap();
    let months = text(&page[page.find("id=\"months\"").unwrap()..]);
    // November: four incidents, detected in 40m at the median and 1h 20m at the 90th
    // percentile, and so on for mitigation and resolution.
    assert!(
        months.contains("2026-11 4 40m 1h 20m 4 2h 05m 7h 35m 4 2h 50m 9h 00m 4"),
        "{months}"
    );
    assert!(
        months.find("2026-11").unwrap() < months.find("2026-09").unwrap(),
        "newest first"
    );
    for title in [
        "Median time to detect, mitigate and resolve, per month",
        "Action items per month: done, won&#39;t do, overdue and open",
    ] {
        assert!(page.contains(title), "{title}");
    }
    assert!(
        !page.contains(">average") && !page.contains(">mean"),
        "no averages"
    );
}

/// A page per service, linked from the index: its incidents, the themes that come back in
/// them, its open actions and how long its incidents took to resolve.
#[test]
fn each_service_has_a_page() {
    let (_dir, out) = built();
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        index.contains(
            "<a class=\"badge service\" href=\"services/payments.html\">payments (4)</a>"
        ),
        "{index}"
    );
    let page = std::fs::read_to_string(out.join("services/payments.html")).unwrap();
    let all = text(&page);
    assert!(
        all.contains("Over 4 of its 4 incidents with a known resolution: fastest 2h 30m, median 3h 15m, 90th percentile 9h 00m, slowest 9h 00m."),
        "{all}"
    );
    assert!(
        all.contains("expiring credentials named , in 4 incidents"),
        "{all}"
    );
    assert!(page.contains("href=\"../incidents/2026-09-22-payment-webhooks-rejected/index.html\""));
    assert!(
        !page.contains("2026-09-02-search-stale-stock"),
        "another service's incident"
    );
    // Open actions, overdue first; nothing done.
    let actions = text(
        &page[page.find("id=\"open-actions\"").unwrap()..page.find("id=\"incidents\"").unwrap()],
    );
    assert!(
        actions.find("overdue").unwrap() < actions.find("on track").unwrap(),
        "{actions}"
    );
    assert!(!actions.contains(" done "), "{actions}");
    assert!(page.contains("<svg"), "the histogram");
}

/// A calendar to-do carries its ticket: in its description, and as its link when the site's
/// address is not known.
#[test]
fn calendar_todos_link_their_tickets() {
    let out = actions(&["--format", "ics"]);
    let ics = String::from_utf8(out.stdout)
        .unwrap()
        .replace("\r\n ", "")
        .replace("\r\n", "\n");
    let todo = ics
        .split("BEGIN:VTODO")
        .find(|t| t.contains("UID:a-4.2026-09-15-checkout-pool-exhaustion@debrief"))
        .unwrap();
    assert!(
        todo.contains("Ticket: https://tracker.example.com/OPS-1048\n"),
        "{todo}"
    );
    assert!(
        todo.contains("\nURL:https://tracker.example.com/OPS-1048\n"),
        "{todo}"
    );
    // In the site with its address known, the link is the report and the ticket is named.
    let (_dir, site) = built();
    let ics = std::fs::read_to_string(site.join("actions.ics"))
        .unwrap()
        .replace("\r\n ", "");
    assert!(
        ics.contains("Ticket: https://tracker.example.com/OPS-1048"),
        "{ics}"
    );
}
