//! Edits of incident.toml, asserted on the text they write.
use super::*;
use crate::model::{ActionStatus, Category, Kind};
use crate::store::{ActionChanges, NewAction, NewEntry, NewFactor};

const FILE: &str = r#"# The incident.
title = "x"   # keep me

[[timeline]]
id = "t-1"   # first
at = 2026-11-03T14:02:00+01:00
text = "deploy"

# Factors follow.
[[factors]]
id = "f-1"
text = "pool"
votes = { "p-a" = 1 }

[[actions]]
id = "a-1"
text = "alert"
owner = "sam"  # on call
"#;

fn entry(id: &str) -> Op {
    Op::AddEntry(NewEntry {
        id: id.into(),
        at: "2026-11-03T14:05:00+01:00".into(),
        text: "saw \"errors\"".into(),
        kind: Kind::Observation,
        lane: None,
        by: Some("Alex".into()),
        source: None,
    })
}

fn run(text: &str, ops: &[Op]) -> String {
    let mut doc: DocumentMut = text.parse().unwrap();
    for op in ops {
        apply(&mut doc, op);
    }
    doc.to_string()
}

#[test]
fn adds_go_after_their_list_and_keep_every_comment() {
    let out = run(
        FILE,
        &[
            entry("t-2"),
            Op::AddFactor(NewFactor {
                id: "f-2".into(),
                text: "no alert".into(),
                category: Category::Process,
            }),
            Op::AddAction(NewAction {
                id: "a-2".into(),
                text: "page on pool".into(),
                owner: None,
                due: Some("2026-12-01".into()),
                priority: None,
                status: ActionStatus::Open,
                kind: None,
                factors: vec!["f-2".into()],
                ticket: None,
            }),
        ],
    );
    insta::assert_snapshot!(out);
    let parsed: crate::model::Incident = toml::from_str(&out).unwrap();
    assert_eq!(parsed.timeline.len(), 2);
    assert_eq!(parsed.factors[1].id, "f-2");
    assert_eq!(parsed.actions[1].factors, vec!["f-2"]);
}

#[test]
fn every_edit_is_idempotent() {
    let ops = [
        entry("t-2"),
        Op::Vote {
            factor: "f-1".into(),
            participant: "p-b".into(),
            count: 2,
        },
        Op::Vote {
            factor: "f-1".into(),
            participant: "p-a".into(),
            count: 0,
        },
        Op::UpdateAction {
            id: "a-1".into(),
            changes: ActionChanges {
                owner: Some("Alex".into()),
                status: Some(ActionStatus::InProgress),
                ..ActionChanges::default()
            },
        },
        Op::Link {
            list: List::Factors,
            from: "f-1".into(),
            key: "events".into(),
            to: "t-1".into(),
        },
        Op::Delete {
            list: List::Timeline,
            id: "t-1".into(),
        },
    ];
    let once = run(FILE, &ops);
    let twice = run(&once, &ops);
    assert_eq!(once, twice);
    let mut doc: DocumentMut = once.parse().unwrap();
    assert!(ops.iter().all(|op| !apply(&mut doc, op)));
    assert!(once.contains("votes = { p-b = 2 }"), "{once}");
    assert!(
        !once.contains("\"t-1\""),
        "references to a deleted entry go too: {once}"
    );
    assert!(once.contains("owner = \"Alex\"  # on call"), "{once}");
    assert!(!once.contains("id = \"t-1\""), "{once}");
    assert!(once.contains("# Factors follow."), "{once}");
}

#[test]
fn the_last_ballot_taken_back_leaves_no_empty_votes() {
    let vote = |participant: &str, count: u32| Op::Vote {
        factor: "f-1".into(),
        participant: participant.into(),
        count,
    };
    let out = run(FILE, &[vote("p-b", 1), vote("p-a", 0), vote("p-b", 0)]);
    let factor = &out[out.find("id = \"f-1\"").unwrap()..];
    let factor = &factor[..factor.find("[[").unwrap_or(factor.len())];
    assert!(!factor.contains("votes"), "{out}");
}

#[test]
fn a_file_without_lists_and_one_with_inline_lists_both_work() {
    let out = run("title = \"x\"\n", &[entry("t-9")]);
    assert!(
        out.starts_with("title = \"x\"\n\n[[timeline]]\nid = \"t-9\""),
        "{out}"
    );
    let inline =
        "title = \"x\"\ntimeline = [{ id = \"t-1\", at = 2026-11-03T14:02:00Z, text = \"a\" }]\n";
    let out = run(inline, &[entry("t-9")]);
    let parsed: crate::model::Incident = toml::from_str(&out).unwrap();
    assert_eq!(parsed.timeline.len(), 2, "{out}");
    let empty = run("title = \"x\"\ntimeline = []\n", &[entry("t-9")]);
    let parsed: crate::model::Incident = toml::from_str(&empty).unwrap();
    assert_eq!(parsed.timeline.len(), 1, "{empty}");
}

/// A note about a key that the meeting now fills in goes: between the keys, after them, or at
/// the end of the file; other comments stay, and a note about another key stays.
#[test]
fn notes_about_a_key_go_when_it_gets_a_value() {
    let text = "title = \"x\"\n\n[[actions]]\nid = \"a-1\"\ntext = \"alert\"\n# owner: nobody volunteered\ndue = 2026-11-20\n# keep me\n\n[[actions]]\nid = \"a-2\"\ntext = \"other\"\n# OWNER = \"handle\"\n# due: when the vendor answers\n";
    let owner = |id: &str| Op::UpdateAction {
        id: id.into(),
        changes: ActionChanges {
            owner: Some("sam".into()),
            ..ActionChanges::default()
        },
    };
    let out = run(text, &[owner("a-1"), owner("a-2")]);
    assert_eq!(
        out,
        "title = \"x\"\n\n[[actions]]\nid = \"a-1\"\ntext = \"alert\"\ndue = 2026-11-20\nowner = \"sam\"\n# keep me\n\n[[actions]]\nid = \"a-2\"\ntext = \"other\"\nowner = \"sam\"\n# due: when the vendor answers\n"
    );
}

#[test]
fn a_pulled_metric_is_appended_once_in_the_files_style() {
    let text = "# The incident.\ntitle = \"x\"   # keep me\n\n[[metrics]]\nname = \"cpu\"\npath = \"metrics/cpu.csv\"\n";
    let mut doc: DocumentMut = text.parse().unwrap();
    let fields = [
        ("name", Value::from("5xx ratio")),
        ("path", Value::from("metrics/5xx-ratio.json")),
        ("unit", Value::from("%")),
    ];
    assert!(add_table(&mut doc, "metrics", &fields));
    assert_eq!(
        doc.to_string(),
        format!(
            "{text}\n[[metrics]]\nname = \"5xx ratio\"\npath = \"metrics/5xx-ratio.json\"\nunit = \"%\"\n"
        )
    );
    // The same file again: nothing added.
    assert!(!add_table(&mut doc, "metrics", &fields));
    // A file written inline keeps its style.
    let mut doc: DocumentMut =
        "title = \"x\"\nsources = [{ name = \"app\", path = \"logs/app.log\" }]\n"
            .parse()
            .unwrap();
    assert!(add_table(
        &mut doc,
        "sources",
        &[
            ("name", Value::from("alertmanager")),
            ("path", Value::from("alerts/alertmanager.json"))
        ]
    ));
    assert!(doc.to_string().contains(
        "{ name = \"app\", path = \"logs/app.log\" }, { name = \"alertmanager\", path = \"alerts/alertmanager.json\" }"
    ), "{doc}");
}

#[test]
fn details_keep_times_written_inline() {
    let text = "title = \"x\"\ntimes = { started = 2026-12-06T09:00:00, mitigated = 2026-12-06T09:30:00 } # kept\nimpact = { text = \"inline\" }\n";
    let mut doc: DocumentMut = text.parse().unwrap();
    let changes = crate::store::DetailChanges {
        resolved: Some("2026-12-06T10:00:00Z".into()),
        impact: Some("Half of checkouts failed.".into()),
        ..Default::default()
    };
    assert!(apply(&mut doc, &Op::SetDetails { changes }));
    assert_eq!(
        doc.to_string(),
        "title = \"x\"\ntimes = { started = 2026-12-06T09:00:00, mitigated = 2026-12-06T09:30:00, resolved = 2026-12-06T10:00:00Z } # kept\nimpact = { text = \"Half of checkouts failed.\" }\n"
    );
}
