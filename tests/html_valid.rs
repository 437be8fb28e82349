//! Every page of a built site passes the Nu HTML Checker with zero errors. The checker is a Java
//! program (npm package `vnu-jar`); `.ci/run` installs it and sets `DEBRIEF_VNU_JAR`. Without
//! the variable the suite says it was skipped.

mod common;

use std::io::Write;
use std::path::PathBuf;

use common::root;

#[test]
fn every_page_is_valid_html() {
    let Some(jar) = std::env::var_os("DEBRIEF_VNU_JAR").map(PathBuf::from) else {
        let _ = writeln!(
            std::io::stderr(),
            "HTML validation: SKIPPED (set DEBRIEF_VNU_JAR to vnu.jar, as .ci/run does)"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut pages = Vec::new();
    // The sample, and the incident with every evidence format (many timeline shapes).
    for (name, source) in [
        ("sample", root().join("sample-incident")),
        ("formats", root().join("tests/fixtures/evidence/formats")),
    ] {
        let out = tmp.path().join(name);
        common::build_site(&source, &out);
        // Every page: the archive views, tags, actions, trends, themes and the reports.
        pages.extend(
            common::files(&out)
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "html")),
        );
    }
    // An archive with two pages of action items, for the pager.
    let archive = tmp.path().join("paged");
    for n in 0..2 {
        common::incident_with_actions(&archive.join(format!("incident-{n}")), n, 600);
    }
    std::fs::write(archive.join("debrief.toml"), "").unwrap();
    let out = tmp.path().join("paged-site");
    common::build_site(&archive, &out);
    for page in ["actions.html", "actions-2.html"] {
        assert!(out.join(page).is_file(), "{page}");
        pages.push(out.join(page));
    }
    let output = std::process::Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--errors-only", "--format", "text"])
        .args(&pages)
        .output()
        .expect("java runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "the Nu HTML Checker found errors:\n{report}"
    );
    assert!(!report.contains("Error:"), "{report}");
    let _ = writeln!(
        std::io::stderr(),
        "HTML validation: {} pages, 0 errors",
        pages.len()
    );
}
