//! Helpers shared by the integration tests: run the real binary and capture what a user sees.

#![allow(dead_code)] // Each test crate uses a different subset of these helpers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `debrief` command with colour off and a fixed environment.
pub fn debrief(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_debrief"));
    cmd.current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("DEBRIEF_LOG");
    cmd
}

/// Runs `debrief args...` in `cwd`.
pub fn run(cwd: &Path, args: &[&str]) -> Output {
    debrief(cwd)
        .args(args)
        .output()
        .expect("the debrief binary runs")
}

/// Exit code, stdout and stderr as one text, as a snapshot.
pub fn transcript(output: &Output) -> String {
    let code = output
        .status
        .code()
        .map_or("signal".to_owned(), |c| c.to_string());
    let mut text = format!("exit: {code}\n");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !stdout.is_empty() {
        text.push_str("--- stdout\n");
        text.push_str(&stdout);
    }
    if !stderr.is_empty() {
        text.push_str("--- stderr\n");
        text.push_str(&stderr);
    }
    text
}

/// The subfolders of `dir`, sorted by name.
pub fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}
