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
            today: None,
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
