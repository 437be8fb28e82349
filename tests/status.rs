//! The status page of a built archive: each service's state now, its last 90 days, a feed per
//! service, and what a public build leaves out.

mod common;

use std::path::Path;

use common::{build_args, transcript};

/// An archive with incidents going on and over, across services. The build's today is
/// 2026-11-26 (see `common::build_args`).
fn archive(root: &Path) {
    let incidents = [
        (
            "2026-11-25-api-down",
            r#"title = "API and database down"
severity = "SEV1"
services = ["api", "db"]
timezone = "UTC"
summary = "Requests failed."
[times]
started = 2026-11-25T22:30:00Z
"#,
        ),
        (
            "2026-11-26-web-slow",
            r#"title = "Web pages slow"
severity = "SEV3"
status = "review"
services = ["web"]
[times]
started = 2026-11-26T08:00:00Z
"#,
        ),
        (
            "2026-11-01-api-errors",
            r#"title = "API errors around midnight"
severity = "SEV2"
status = "published"
services = ["api"]
[times]
started = 2026-11-01T23:00:00Z
resolved = 2026-11-02T01:00:00Z
"#,
        ),
        (
            "2026-06-01-api-old",
            r#"title = "An old API outage"
severity = "SEV1"
services = ["api"]
[times]
started = 2026-06-01T10:00:00Z
resolved = 2026-06-01T11:00:00Z
"#,
        ),
        (
            "2026-11-10-cache-blip",
            r#"title = "Cache blip"
status = "published"
services = ["cache"]
[times]
started = 2026-11-10T10:00:00Z
"#,
        ),
        (
            "2026-11-20-internal-vault",
            r#"title = "Vault sealed"
severity = "SEV2"
public = false
services = ["vault-internal"]
[times]
started = 2026-11-20T10:00:00Z
"#,
        ),
    ];
    for (id, toml) in incidents {
        let dir = root.join(id);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("incident.toml"), toml).unwrap();
    }
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn service<'a>(status: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    status["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no service {name} in {status}"))
}

#[test]
fn the_status_page_shows_each_service_now_and_over_ninety_days() {
    let tmp = common::scratch();
    let src = tmp.path().join("incidents");
    archive(&src);
    let out = tmp.path().join("site");
    let built = build_args(&src, &out, &[]);
    assert_eq!(built.status.code(), Some(0), "{}", transcript(&built));

    let status = json(&out.join("status.json"));
    assert_eq!(status["today"], "2026-11-26");
    // Services in trouble first: down, then degraded, then by name.
    let names: Vec<&str> = status["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["api", "db", "vault-internal", "web", "cache"]);
    let api = service(&status, "api");
    assert_eq!(api["state"], "down");
    assert_eq!(api["ongoing"][0]["id"], "2026-11-25-api-down");
    assert_eq!(api["ongoing"][0]["from"], "2026-11-25T22:30:00Z");
    assert_eq!(api["feed"], "services/api.xml");
    // The days something happened, in UTC: the resolved incident across midnight, and the
    // ongoing one from its start to today. The June outage is older than 90 days.
    let days: Vec<(&str, &str)> = api["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["date"].as_str().unwrap(), d["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        days,
        [
            ("2026-11-01", "degraded"),
            ("2026-11-02", "degraded"),
            ("2026-11-25", "down"),
            ("2026-11-26", "down"),
        ]
    );
    assert_eq!(api["incidents"], 2);
    assert_eq!(service(&status, "web")["state"], "degraded");
    // A published write-up is of something over, even without a `resolved` time.
    let cache = service(&status, "cache");
    assert_eq!(cache["state"], "operational");
    assert_eq!(cache["days"][0]["date"], "2026-11-10");

    // Without a site address, a feed's links lead from its own folder.
    let feed = std::fs::read_to_string(out.join("services/api.xml")).unwrap();
    assert!(
        feed.contains("href=\"../incidents/2026-11-25-api-down/index.html\""),
        "{feed}"
    );
    assert!(
        feed.contains("<link rel=\"alternate\" type=\"text/html\" href=\"../services/api.html\"/>"),
        "{feed}"
    );

    let html = std::fs::read_to_string(out.join("status.html")).unwrap();
    assert_eq!(html.matches("<ol class=\"status-strip\"").count(), 5);
    assert_eq!(
        html.matches("<li class=\"day ").count(),
        5 * 90,
        "90 days a service"
    );
    assert!(html.contains("<span class=\"status-state down\">Down</span>"));
    assert!(html.contains(
        "<a href=\"incidents/2026-11-25-api-down/index.html\">API and database down</a> <span class=\"badge sev\">SEV1</span> since <time datetime=\"2026-11-25T22:30:00Z\">"
    ), "{html}");
    // A day with incidents can be focused and names them.
    assert!(html.contains("<li class=\"day degraded\" tabindex=\"0\"><span class=\"day-detail\"><strong>2026-11-01</strong> degraded:"), "{html}");
    // Every page links to it.
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("href=\"status.html\""));
}

#[test]
fn each_service_has_a_feed_that_feed_readers_parse() {
    let tmp = common::scratch();
    let src = tmp.path().join("incidents");
    archive(&src);
    let out = tmp.path().join("site");
    let built = build_args(
        &src,
        &out,
        &["--base-url", "https://postmortems.example.com/"],
    );
    assert_eq!(built.status.code(), Some(0), "{}", transcript(&built));
    let bytes = std::fs::read(out.join("services/api.xml")).unwrap();
    let feed = feed_rs::parser::parse(&bytes[..]).expect("an Atom feed");
    let titles: Vec<String> = feed
        .entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect();
    assert_eq!(
        titles,
        [
            "API and database down",
            "API errors around midnight",
            "An old API outage"
        ]
    );
    assert_eq!(feed.id, "https://postmortems.example.com/services/api.xml");
    assert_eq!(
        feed.entries[0].links[0].href,
        "https://postmortems.example.com/incidents/2026-11-25-api-down/index.html"
    );
    let ongoing = &feed.entries[0];
    assert!(ongoing.categories.iter().any(|c| c.term == "ongoing"));
    assert_eq!(
        ongoing.updated.unwrap().to_rfc3339(),
        "2026-11-25T22:30:00+00:00"
    );
    assert!(String::from_utf8_lossy(&bytes).contains("<link rel=\"self\" type=\"application/atom+xml\" href=\"https://postmortems.example.com/services/api.xml\"/>"));
}

#[test]
fn a_public_status_page_leaves_out_what_the_public_build_does() {
    let tmp = common::scratch();
    let src = tmp.path().join("incidents");
    archive(&src);
    std::fs::write(
        tmp.path().join("debrief.toml"),
        "[public]\nnames = [\"db\"]\n",
    )
    .unwrap();
    let out = tmp.path().join("site");
    let built = build_args(
        &src,
        &out,
        &[
            "--public",
            "--config",
            tmp.path().join("debrief.toml").to_str().unwrap(),
        ],
    );
    assert_eq!(built.status.code(), Some(0), "{}", transcript(&built));
    let status = std::fs::read_to_string(out.join("status.json")).unwrap();

    let html = std::fs::read_to_string(out.join("status.html")).unwrap();
    for text in [&status, &html] {
        assert!(!text.contains("vault-internal"), "{text}");
        assert!(!text.contains("Vault sealed"), "{text}");
        assert!(!text.contains("\"db\"") && !text.contains(">db<"), "{text}");
        // Public builds name incidents by date and a hash, not by folder.
        assert!(!text.contains("2026-11-25-api-down"), "{text}");
    }
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(service(&status, "api")["state"], "down");
}
