//! Progress bars: drawn on a terminal, quiet in CI and in pipes. The terminal is a real
//! pseudo-terminal, made by util-linux's `script`.

mod common;

use common::root;

/// Runs `debrief args` under a pseudo-terminal and returns what it wrote there.
fn on_a_terminal(args: &str, ci: bool) -> String {
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_debrief"));
    let mut script = std::process::Command::new("script");
    script
        .args(["-qec", &command, "/dev/null"])
        .current_dir(root())
        .env("NO_COLOR", "1");
    if ci {
        script.env("CI", "true");
    } else {
        script.env_remove("CI");
    }
    let out = script
        .output()
        .expect("`script` (util-linux) runs commands under a pseudo-terminal for this test");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn build_shows_a_bar_on_a_terminal_and_none_in_ci() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    for n in 0..3 {
        let dir = archive.join(format!("2026-10-0{}-i{n}", n + 1));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("incident.toml"), format!("title = \"i{n}\"\n")).unwrap();
    }
    let out = |name: &str| tmp.path().join(name).display().to_string();
    let args = |o: &str| format!("build {} --out {o}", archive.display());
    let shown = on_a_terminal(&args(&out("a")), false);
    assert!(shown.contains("3/3 incidents"), "{shown:?}");
    assert!(shown.contains("Built "), "{shown:?}");
    let quiet = on_a_terminal(&args(&out("b")), true);
    assert!(!quiet.contains("incidents ("), "{quiet:?}");
    assert!(quiet.contains("Built "), "{quiet:?}");
}
