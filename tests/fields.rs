//! Every line read into fields, through the command line as a user runs it: the message alone
//! and the header fields by name in `timeline --sources --format json`, levels only where
//! they are levels, and `timeline --templates --lines` naming the template of each entry.

mod common;

use std::collections::{HashMap, HashSet};

use common::run;
use serde_json::Value;

/// An SSH server's syslog: a host, `sshd[pid]:`, and a message. Three hundred failures and the
/// one success that is the story.
fn auth_log() -> String {
    let mut log = String::new();
    for i in 0..300 {
        log.push_str(&format!(
            "Nov  3 13:{:02}:{:02} bastion-1 sshd[{}]: Failed password for root from 203.0.113.{} port {} ssh2\n",
            i / 60,
            i % 60,
            4000 + i,
            i % 250,
            40000 + i
        ));
        if i == 150 {
            log.push_str("Nov  3 13:02:30 bastion-1 sshd[4999]: Accepted password for deploy from 198.51.100.7 port 50122 ssh2\n");
        }
    }
    log.push_str("Nov  3 13:05:00 bastion-1 kernel: CPU: Trace cache: 12K uops, L1 D cache: 8K\n");
    log.push_str("Nov  3 13:05:01 bastion-1 kernel: e1000: eth0 NIC Link error\n");
    log.push_str("Nov  3 13:05:02 bastion-1 kernel: 1 warning\n");
    log.push_str("Nov  3 13:05:03 bastion-1 sshd[5001]: error: Received disconnect from 203.0.113.9: 3: Auth fail\n");
    log
}

fn incident(log: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("incident.toml"),
        "title = \"t\"\ntimezone = \"UTC\"\n[times]\nstarted = 2026-11-03T13:00:00Z\n\
         [[sources]]\nname = \"auth\"\npath = \"auth.log\"\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("auth.log"), log).unwrap();
    tmp
}

fn entry(rows: &[Value], line: u64) -> &Value {
    let source = format!("auth.log:{line}");
    rows.iter()
        .find(|r| r["source"] == source.as_str())
        .unwrap_or_else(|| panic!("no entry for {source}"))
}

#[test]
fn entries_carry_the_message_alone_and_the_header_fields_by_name() {
    let tmp = incident(&auth_log());
    let out = run(
        tmp.path(),
        &["timeline", ".", "--sources", "--format", "json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let first = entry(&rows, 1);
    assert_eq!(
        first["message"],
        "Failed password for root from 203.0.113.0 port 40000 ssh2"
    );
    assert_eq!(first["fields"]["host"], "bastion-1");
    assert_eq!(first["fields"]["program"], "sshd");
    assert_eq!(first["fields"]["pid"], "4000");
    // What people see leads with the program.
    assert_eq!(
        first["text"],
        "sshd: Failed password for root from 203.0.113.0 port 40000 ssh2"
    );

    // Levels only where they are levels: a phrase and a last word are message text.
    let trace = entry(&rows, 302);
    assert_eq!(
        trace["message"],
        "CPU: Trace cache: 12K uops, L1 D cache: 8K"
    );
    assert_eq!(trace["level"], Value::Null);
    let link = entry(&rows, 303);
    assert_eq!(link["message"], "e1000: eth0 NIC Link error");
    assert_eq!(link["level"], Value::Null);
    assert_eq!(entry(&rows, 304)["message"], "1 warning");
    // A message that starts with a level written as one has that level, and keeps the word.
    let error = entry(&rows, 305);
    assert_eq!(error["level"], "error");
    assert_eq!(
        error["message"],
        "error: Received disconnect from 203.0.113.9: 3: Auth fail"
    );
}

#[test]
fn templates_lines_name_the_template_of_every_entry() {
    let tmp = incident(&auth_log());
    let out = run(
        tmp.path(),
        &["timeline", ".", "--templates", "--format", "json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let templates: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let by_id: HashMap<&str, &Value> = templates
        .iter()
        .map(|t| (t["id"].as_str().unwrap(), t))
        .collect();
    assert_eq!(by_id.len(), templates.len(), "ids are unique");

    let out = run(tmp.path(), &["timeline", ".", "--templates", "--lines"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 305, "one line per entry");
    let template_of = |line: u64| -> &Value {
        let l = lines.iter().find(|l| l["line"] == line).unwrap();
        assert_eq!(l["source"], "auth.log");
        by_id[l["template"].as_str().unwrap()]
    };
    // The one success is not one of the three hundred failures.
    let failed = template_of(1);
    let accepted = template_of(152);
    assert_ne!(failed["id"], accepted["id"]);
    assert_eq!(failed["count"], 300);
    assert_eq!(accepted["count"], 1);
    assert!(
        accepted["text"]
            .as_str()
            .unwrap()
            .starts_with("Accepted password for"),
        "{accepted}"
    );
    // Every entry's template is one of the templates, and each template's count is its lines.
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for l in &lines {
        *counts.entry(l["template"].as_str().unwrap()).or_default() += 1;
    }
    for t in &templates {
        assert_eq!(
            counts[t["id"].as_str().unwrap()],
            t["count"].as_u64().unwrap(),
            "{t}"
        );
    }
    // The same logs give the same ids.
    let again = run(
        tmp.path(),
        &["timeline", ".", "--templates", "--format", "json"],
    );
    let again: Vec<Value> = serde_json::from_slice(&again.stdout).unwrap();
    let ids = |ts: &[Value]| -> HashSet<String> {
        ts.iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&templates), ids(&again));
}

#[test]
fn lines_needs_templates() {
    let tmp = incident(&auth_log());
    let out = run(tmp.path(), &["timeline", ".", "--lines"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--templates"));
}

#[test]
fn coloured_lines_are_split_as_they_read() {
    let log = (0..5)
        .map(|i| format!("2026-11-03T13:0{i}:00Z \x1b[31mERROR\x1b[0m [worker-{i}] com.shop.Pay: charge {i} failed\n"))
        .collect::<String>();
    let tmp = incident(&log);
    let out = run(
        tmp.path(),
        &["timeline", ".", "--sources", "--format", "json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let first = entry(&rows, 1);
    assert_eq!(first["message"], "charge 0 failed");
    assert_eq!(first["level"], "error");
    assert_eq!(first["fields"]["thread"], "worker-0");
    assert_eq!(first["fields"]["logger"], "com.shop.Pay");
    assert_eq!(first["text"], "Pay: charge 0 failed");
}
