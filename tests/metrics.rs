//! `[[metrics]]`: a Prometheus `query_range` response and a CSV drawn as sparkline lanes in the
//! report's timeline, the standalone timeline.svg and the live view; their steps proposed as
//! moments; bad files reported at file:line. The JSON below follows the shape Prometheus's HTTP
//! API documents for range queries (`resultType: matrix`, `values` of `[epoch, "value"]`).

mod common;

use std::fmt::Write as _;
use std::path::Path;

use common::{Server, build_site, run, transcript};

/// 13:00 UTC on 2026-11-03, as epoch seconds.
const START: i64 = 1_793_710_800;

fn incident(dir: &Path, metrics: &str) {
    std::fs::create_dir_all(dir.join("metrics")).unwrap();
    std::fs::write(
        dir.join("incident.toml"),
        format!(
            "title = \"Metrics\"\ntimezone = \"UTC\"\n\n[times]\nstarted = 2026-11-03T13:30:00Z\nresolved = 2026-11-03T14:30:00Z\n\n\
             [[timeline]]\nat = 2026-11-03T13:30:00Z\ntext = \"Error rate alert fires\"\nkind = \"detection\"\n\n{metrics}"
        ),
    )
    .unwrap();
}

/// A query_range response with two series: 5xx rate per pod, stepping up at 13:40 on pod a,
/// with one NaN (a gap); as `curl` writes it, on one line.
fn prometheus() -> String {
    let mut a = Vec::new();
    let mut b = Vec::new();
    for i in 0..120 {
        let t = START + i * 60;
        let va = if i == 70 {
            "NaN".to_owned()
        } else if i >= 40 {
            format!("{}", 25.0 + (i % 3) as f64)
        } else {
            format!("{}", 2.0 + (i % 2) as f64 * 0.5)
        };
        a.push(format!("[{t},\"{va}\"]"));
        b.push(format!("[{t}.5,\"{}\"]", 1.0 + (i % 4) as f64 * 0.25));
    }
    format!(
        "{{\"status\":\"success\",\"data\":{{\"resultType\":\"matrix\",\"result\":[\
         {{\"metric\":{{\"__name__\":\"http_5xx_ratio\",\"pod\":\"a\"}},\"values\":[{}]}},\
         {{\"metric\":{{\"__name__\":\"http_5xx_ratio\",\"pod\":\"b\"}},\"values\":[{}]}}]}}}}",
        a.join(","),
        b.join(",")
    )
}

const METRICS: &str = "[[metrics]]\nname = \"5xx\"\npath = \"metrics/5xx.json\"\nunit = \"%\"\nthreshold = 10\n\n\
                       [[metrics]]\nname = \"db connections\"\npath = \"metrics/db.csv\"\n";

fn csv() -> String {
    let mut text = String::from("time,value\n");
    for i in 0..120 {
        let at = jiff::Timestamp::from_second(START + i * 60).unwrap();
        writeln!(text, "{at},{}", if i < 50 { 120 } else { 500 }).unwrap();
    }
    text
}

fn lanes_of(svg: &str) -> usize {
    svg.matches("class=\"series\"").count()
}

#[test]
fn metrics_are_drawn_as_lanes_under_the_timeline_and_their_steps_become_moments() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("2026-11-03-metrics");
    incident(&dir, METRICS);
    std::fs::write(dir.join("metrics/5xx.json"), prometheus()).unwrap();
    std::fs::write(dir.join("metrics/db.csv"), csv()).unwrap();

    let check = run(&dir, &["check", "."]);
    assert_eq!(check.status.code(), Some(0), "{}", transcript(&check));

    // The report and the standalone file: a lane per metric, a line per series (pod a's NaN
    // splits its line in two), the threshold, the names.
    let site = tmp.path().join("site");
    build_site(&dir, &site);
    let page =
        std::fs::read_to_string(site.join("incidents/2026-11-03-metrics/index.html")).unwrap();
    let standalone =
        std::fs::read_to_string(site.join("incidents/2026-11-03-metrics/timeline.svg")).unwrap();
    if let Ok(keep) = std::env::var("DEBRIEF_KEEP_SVG") {
        std::fs::write(keep, &standalone).unwrap();
    }
    for svg in [&page, &standalone] {
        assert_eq!(
            lanes_of(svg),
            2 + 1 + 1,
            "pod a in two runs, pod b, the CSV"
        );
        assert!(svg.contains("class=\"threshold\""));
        assert!(svg.contains(">5xx</text>") && svg.contains(">db connections</text>"));
        assert!(svg.contains("http_5xx_ratio{pod=a}"));
    }

    // The live view's timeline draws them too.
    let server = Server::start(&dir, &[]);
    let live = server.as_facilitator("GET", "/api/timeline.svg?width=1920", None);
    assert_eq!(live.status, 200);
    assert_eq!(lanes_of(&live.body), 4);

    // Their steps are moments, at the point, with the file and the line.
    let out = run(&dir, &["timeline", ".", "--moments", "--format", "json"]);
    assert!(out.status.success(), "{}", transcript(&out));
    let moments: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let step = moments
        .iter()
        .find(|m| m["lane"] == "5xx")
        .unwrap_or_else(|| panic!("{moments:#?}"));
    assert_eq!(step["at"], "2026-11-03T13:40:00Z");
    assert_eq!(step["source"], "metrics/5xx.json:1");
    assert!(step["text"].as_str().unwrap().contains("rose"), "{step}");
    let db = moments
        .iter()
        .find(|m| m["lane"] == "db connections")
        .unwrap();
    assert_eq!(db["at"], "2026-11-03T13:50:00Z");
    assert_eq!(db["source"], "metrics/db.csv:52", "the header is line 1");
}

#[test]
fn bad_metrics_files_are_reported_at_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bad");
    incident(
        &dir,
        "[[metrics]]\nname = \"m\"\npath = \"metrics/m.csv\"\n",
    );
    let check = |text: &str| {
        std::fs::write(dir.join("metrics/m.csv"), text).unwrap();
        let out = run(&dir, &["check", "."]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };

    // Neither a query_range response nor a CSV.
    let (code, out) = check("<html>\n<body>Grafana</body>\n");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("invalid-metric") && out.contains("metrics/m.csv:1"),
        "{out}"
    );
    let (code, out) = check("{\"data\": {\"result\": 3}}");
    assert_eq!(code, Some(1));
    assert!(
        out.contains("neither a Prometheus query_range response"),
        "{out}"
    );

    // Out of order: the line of the point that goes back.
    let (code, out) = check(
        "time,value\n2026-11-03T13:00:00Z,1\n2026-11-03T13:02:00Z,2\n2026-11-03T13:01:00Z,3\n",
    );
    assert_eq!(code, Some(1));
    assert!(
        out.contains("metrics/m.csv:4") && out.contains("time order"),
        "{out}"
    );

    // A value that is not a number.
    let (code, out) = check("time,value\n2026-11-03T13:00:00Z,lots\n");
    assert_eq!(code, Some(1));
    assert!(
        out.contains("metrics/m.csv:2") && out.contains("`lots` is not a number"),
        "{out}"
    );

    // NaN and infinities are gaps, not errors.
    let (code, out) = check(
        "time,value\n2026-11-03T13:00:00Z,NaN\n2026-11-03T13:01:00Z,+Inf\n2026-11-03T13:02:00Z,4\n",
    );
    assert_eq!(code, Some(0), "{out}");

    // A missing file.
    std::fs::remove_file(dir.join("metrics/m.csv")).unwrap();
    let out = run(&dir, &["check", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("cannot read it"));

    // The build still succeeds without the lane, and says why.
    std::fs::write(dir.join("metrics/m.csv"), "x\n").unwrap();
    let built = run(
        &dir,
        &[
            "build",
            ".",
            "--out",
            tmp.path().join("site").to_str().unwrap(),
        ],
    );
    let text = transcript(&built);
    assert!(text.contains("metrics/m.csv:1"), "{text}");
}
