//! What a terminal shows: progress bars (quiet in CI and in pipes) and a window of the logs
//! rather than all of them. The terminal is a real pseudo-terminal, made by util-linux's
//! `script`.

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

/// `timeline --sources` on a terminal shows the log entries near the incident, at most 200,
/// and says how many there are; `--all` and a pipe get every one. A log line promoted to the
/// timeline is shown once, as the timeline's entry.
#[test]
fn sources_on_a_terminal_show_a_window_and_a_count() {
    let shown = on_a_terminal("timeline sample-incident --sources", false).replace("\r\n", "\n");
    let note = "Shown: 200 of 320 log entries, those within 30 minutes of the incident, from 2026-11-03 13:32:00 to 2026-11-03 15:19:10, at most 200 with the most severe first. `--all` shows every one; `--moments` and `--templates` sum them up.\n";
    assert!(shown.ends_with(note), "{shown}");
    let logged = |text: &str| {
        text.lines()
            .filter(|l| l.starts_with("2026") && l.contains(" · "))
            .count()
    };
    assert_eq!(logged(&shown), 200);
    let all =
        on_a_terminal("timeline sample-incident --sources --all", false).replace("\r\n", "\n");
    assert!(!all.contains("Shown:"), "{all}");
    assert_eq!(logged(&all), 320);
    // The most severe make the cut: every critical entry of the window, no info.
    let count = |text: &str, level: &str| {
        text.lines()
            .filter(|l| {
                l.contains(&format!(" · {level} "))
                    && ("2026-11-03 13:32:00"..="2026-11-03 15:19:10").contains(&&l[..19])
            })
            .count()
    };
    assert_eq!(count(&shown, "critical"), count(&all, "critical"));
    assert_eq!(count(&shown, "info"), 0);
    assert!(count(&all, "info") > 0);
    // The rollout's start is on the timeline: once, with the timeline's words.
    for text in [&shown, &all] {
        assert_eq!(text.matches("[logs/deploy.log:8]").count(), 1, "{text}");
        assert!(text.contains("★ action        deploys       Rolling deploy of checkout-api"));
    }
    let piped = common::run(&root(), &["timeline", "sample-incident", "--sources"]);
    let piped = String::from_utf8(piped.stdout).unwrap();
    assert_eq!(piped, all);
}
