//! The fuzz targets' seed corpus, run through the same entry points as the fuzzer, so every
//! checked-in input (seeds, and crashes turned into seeds) is replayed by `cargo test`.

mod common;

use std::path::PathBuf;

fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = common::root().join("fuzz/corpus").join(target);
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds for {target}");
    files
}

#[test]
fn the_incident_and_markdown_seeds_load_and_render() {
    for (path, bytes) in seeds("incident") {
        let text = String::from_utf8(bytes).unwrap_or_else(|_| panic!("{}", path.display()));
        debrief::fuzzing::incident_text(&text);
    }
    for (path, bytes) in seeds("markdown") {
        let text = String::from_utf8(bytes).unwrap_or_else(|_| panic!("{}", path.display()));
        debrief::fuzzing::markdown(&text);
    }
}

#[test]
fn the_log_seeds_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    for (_, bytes) in seeds("logs") {
        debrief::fuzzing::log_file(tmp.path(), &bytes);
    }
}

#[test]
fn a_meeting_keeps_the_file_valid() {
    use debrief::fuzzing::{Request, meeting};
    use debrief::serve::meeting::Command;
    assert!(!seeds("meeting").is_empty());
    // A short meeting by hand: joins, an entry, a factor, votes and a merge.
    let requests = vec![
        Request {
            by: None,
            command: Command::Join {
                name: Some("Alex".into()),
                verified: false,
            },
        },
        Request {
            by: Some(0),
            command: Command::AddEntry {
                at: "2026-11-03T14:20".into(),
                text: "Seen".into(),
                kind: debrief::model::Kind::Observation,
                lane: None,
                source: None,
            },
        },
        Request {
            by: Some(0),
            command: Command::AddEntry {
                at: "0001-01-01T00:00:00Z".into(),
                text: "Refused: check would call the year an error".into(),
                kind: debrief::model::Kind::Observation,
                lane: None,
                source: None,
            },
        },
        Request {
            by: None,
            command: Command::Merge {
                from: "f-hpa".into(),
                into: "f-held-conn".into(),
            },
        },
    ];
    meeting(requests);
}

/// The public build's fuzz target, run over every kind of plant in every disguise (the corpus
/// of that target is raw bytes for `arbitrary`; this walks the same space by hand).
#[test]
fn no_plant_in_any_disguise_survives_a_public_build() {
    use debrief::fuzzing::public::{Plant, public_build};
    assert!(!seeds("public").is_empty());
    for disguise in 0..150u8 {
        let plants: Vec<Plant> = (0..11u8)
            .map(|kind| Plant {
                kind,
                disguise,
                field: kind.wrapping_add(disguise) % 6,
            })
            .collect();
        let filler = ["", "see (", "**", "> quoted\n", "<!-- c -->", "| a | b |\n"]
            [usize::from(disguise % 6)];
        public_build(filler, &plants);
    }
    // Found by the fuzzer (fuzz/corpus/public/crash-fbe9277f): a quoted value missing its
    // closing quote ran on into a second assignment and hid its value.
    let p = Plant {
        kind: 91,
        disguise: 91,
        field: 91,
    };
    public_build("*[[[[[[[[[[[[[[[[[[[[[", &[p, p]);
}
