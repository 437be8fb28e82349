//! The sample incident keeps the size and variety the README and later tests rely on.

use debrief::diagnostics::Report;
use debrief::load::{Archive, Options};

#[test]
fn the_sample_is_a_realistic_incident() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut report = Report::default();
    let archive = Archive::load(
        &root.join("sample-incident"),
        Options {
            lint: true,
            ..Options::default()
        },
        &mut report,
    )
    .unwrap();
    assert_eq!(report.diagnostics(), &[]);
    let incident = &archive.incidents[0].incident;
    assert!(incident.timeline.len() >= 15);
    assert!(incident.factors.len() >= 4);
    assert!(incident.factors.iter().all(|f| f.total_votes() > 0));
    assert!(incident.actions.len() >= 5);
    assert!(!incident.lessons.went_well.is_empty() && !incident.lessons.lucky.is_empty());
    assert!(
        archive.incidents[0]
            .notes
            .as_deref()
            .is_some_and(|n| n.len() > 500)
    );

    let mut lines = 0;
    let mut files = 0;
    for entry in std::fs::read_dir(root.join("sample-incident/logs")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        lines += text.lines().count();
        files += 1;
    }
    assert!(lines >= 2000, "only {lines} log lines");
    assert!(files >= 5, "only {files} evidence files");

    // Derived durations, from times written partly without an offset (Europe/Berlin).
    let d = incident.durations();
    let minutes = |d: Option<jiff::SignedDuration>| d.map(|d| d.as_secs() / 60);
    assert_eq!(minutes(d.to_detect), Some(7));
    assert_eq!(minutes(d.to_mitigate), Some(38));
    assert_eq!(minutes(d.to_resolve), Some(47));
}

/// The live view loads with errors alone: an action without an owner is a warning for
/// `check`, and the live render's load reports nothing for it; a broken value is still an
/// error at its line.
#[test]
fn a_live_load_reports_errors_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("2026-11-03-x");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("incident.toml");
    let load = |toml: &str, errors_only: bool| {
        std::fs::write(&file, toml).unwrap();
        let mut report = Report::default();
        let options = Options {
            lint: true,
            errors_only,
            ..Options::default()
        };
        Archive::load(&dir, options, &mut report).unwrap();
        report
    };
    let warned = "title = \"t\"\n[[actions]]\nid = \"a-1\"\ntext = \"Alert on pool saturation\"\n";
    let all = load(warned, false);
    assert!(
        all.errors() == 0 && !all.diagnostics().is_empty(),
        "{:?}",
        all.diagnostics()
    );
    assert_eq!(load(warned, true).diagnostics(), &[]);
    let broken = "title = \"t\"\nseverity = 3\n";
    let report = load(broken, true);
    assert!(report.errors() > 0);
    assert!(
        report.diagnostics().iter().all(|d| d.span.is_some()),
        "{:?}",
        report.diagnostics()
    );
}
