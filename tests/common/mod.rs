//! Helpers shared by the integration tests: run the real binary and capture what a user sees.

#![allow(dead_code)] // Each test crate uses a different subset of these helpers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch folder inside the repository's `target/`, so that a test can name it by a path
/// relative to the repository root, as the README's commands do. Removed when dropped.
pub fn scratch() -> tempfile::TempDir {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&base).unwrap();
    tempfile::tempdir_in(base).unwrap()
}

/// `path` as a user in the repository root would type it: relative when it lies below the
/// root, absolute otherwise (a target folder elsewhere).
pub fn typed(path: &Path) -> PathBuf {
    path.strip_prefix(root())
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// A `debrief` command with colour off and a fixed environment: the machine's zone is UTC, as
/// hints that name the user's own zone would otherwise differ from machine to machine.
pub fn debrief(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_debrief"));
    cmd.current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        // Builds remember their sites here, not in the user's cache folder.
        .env(
            "DEBRIEF_CACHE_DIR",
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("debrief-cache"),
        )
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

/// `debrief build source --out out --today 2026-11-26` with `extra` arguments.
pub fn build_args(source: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "build",
        source.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--today",
        "2026-11-26",
    ];
    args.extend_from_slice(extra);
    run(&root(), &args)
}

/// Builds the site of `source` into `out`, with a fixed "today"; the build must succeed.
#[allow(dead_code)] // Not every test binary builds sites.
pub fn build_site(source: &Path, out: &Path) {
    let built = build_args(source, out, &[]);
    assert_eq!(built.status.code(), Some(0), "{}", transcript(&built));
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

/// Every file below `dir`, in all its folders, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p)
            } else {
                out.push(p)
            }
        }
    }
    out.sort();
    out
}

/// Every file of a built site as (its path inside the site, its text as `read` gives it).
pub fn site_texts(site: &Path, read: impl Fn(&str) -> String) -> Vec<(String, String)> {
    files(site)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(site).unwrap().to_string_lossy().into_owned();
            let raw = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            (rel, read(&raw))
        })
        .collect()
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

/// The facilitator key the test servers use.
pub const KEY: &str = "test-facilitator-key";
/// The join code the test servers use.
pub const CODE: &str = "test-join-code-0001";

/// A running `debrief serve`, killed when dropped.
pub struct Server {
    pub child: std::process::Child,
    /// `host:port`.
    pub addr: String,
    /// Where its stderr goes, for failure messages.
    pub log: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl Server {
    /// Starts `debrief serve dir --port 0` with the test secrets and `extra` arguments, from
    /// the repository root with `dir` as a relative path when it lies below the root (as the
    /// README runs it), and waits until it prints its address.
    pub fn start(dir: &Path, extra: &[&str]) -> Server {
        let dir = typed(dir);
        let log_dir = tempfile::tempdir().unwrap();
        let log = log_dir.path().join("server.log");
        let mut child = debrief(&root())
            .args([
                "serve",
                dir.to_str().unwrap(),
                "--port",
                "0",
                "--debounce",
                "50",
            ])
            .args(["--facilitator-key", KEY, "--join-code", CODE])
            .args(extra)
            .env("DEBRIEF_LOG", "debrief=debug,warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("the server starts");
        let addr = debrief::serve::probe::wait_for_address(&mut child)
            .expect("the server prints its address");
        Server {
            child,
            addr,
            log,
            _log_dir: log_dir,
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A request with the facilitator key.
    pub fn as_facilitator(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> debrief::serve::probe::Reply {
        self.call(method, path, KEY, body)
    }

    /// A request with a bearer token.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&str>,
    ) -> debrief::serve::probe::Reply {
        debrief::serve::probe::request(
            &self.addr,
            method,
            path,
            &[format!("Authorization: Bearer {token}")],
            body,
        )
        .unwrap_or_else(|e| panic!("{method} {path}: {e}\nserver log:\n{}", self.log()))
    }

    /// Joins as `name` (anonymously when `None`); the participant's token.
    pub fn join(&self, name: Option<&str>) -> String {
        join_reply(self, name)["token"].as_str().unwrap().to_owned()
    }
}

/// Joins as `name` (anonymously when `None`); the whole answer of `POST /api/join`.
pub fn join_reply(server: &Server, name: Option<&str>) -> serde_json::Value {
    let body = serde_json::json!({ "code": CODE, "name": name, "anonymous": name.is_none() });
    let reply = debrief::serve::probe::request(
        &server.addr,
        "POST",
        "/api/join",
        &[],
        Some(&body.to_string()),
    )
    .unwrap();
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

impl Server {
    /// An event stream with the facilitator key.
    pub fn events(&self, path: &str) -> debrief::serve::probe::Events {
        debrief::serve::probe::Events::connect(&self.addr, path, KEY)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies the sample incident (the file, the notes and the logs) into `to`.
pub fn copy_sample(to: &Path) {
    for entry in ["incident.toml", "notes.md"] {
        std::fs::copy(root().join("sample-incident").join(entry), to.join(entry)).unwrap();
    }
    std::fs::create_dir_all(to.join("logs")).unwrap();
    for log in std::fs::read_dir(root().join("sample-incident/logs")).unwrap() {
        let log = log.unwrap().path();
        std::fs::copy(&log, to.join("logs").join(log.file_name().unwrap())).unwrap();
    }
}

/// An archive folder holding the sample incident as `sample` and one more incident, `other`,
/// whose incident.toml is `toml`; returns the sample's folder.
pub fn sample_and_one_more(archive: &Path, sample: &str, other: &str, toml: &str) -> PathBuf {
    let dir = archive.join(sample);
    std::fs::create_dir_all(&dir).unwrap();
    copy_sample(&dir);
    let other = archive.join(other);
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("incident.toml"), toml).unwrap();
    dir
}

/// Sends `signal` (such as `-INT` or `-9`) to a process.
pub fn signal(child: &std::process::Child, signal: &str) {
    let pid = child.id().to_string();
    let status = Command::new("kill").args([signal, &pid]).status().unwrap();
    assert!(status.success(), "kill {signal} {pid}");
}

/// The sample incident in a scratch folder below the repository root, named as an incident
/// folder would be: the guard and the folder.
pub fn sample_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = scratch();
    let dir = tmp.path().join("2026-11-03-checkout");
    std::fs::create_dir(&dir).unwrap();
    copy_sample(&dir);
    (tmp, dir)
}

/// The status and the error code of an API answer.
pub fn status_and_code(reply: &debrief::serve::probe::Reply) -> (u16, String) {
    (
        reply.status,
        reply.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
    )
}

/// An incident with `actions` action items: due dates from January to December 2026, every third
/// done.
pub fn incident_with_actions(dir: &Path, n: usize, actions: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let mut toml = format!(
        "title = \"Incident {n}\"\nseverity = \"SEV{}\"\nstatus = \"published\"\ntimezone = \"UTC\"\n\n[times]\nstarted = 2026-11-{:02}T10:00:00Z\nresolved = 2026-11-{:02}T11:00:00Z\n",
        n % 3 + 1,
        n % 28 + 1,
        n % 28 + 1,
    );
    for a in 0..actions {
        toml.push_str(&format!(
            "\n[[actions]]\nid = \"a-{a}\"\ntext = \"Item {a} of incident {n}\"\nowner = \"team-{}\"\ndue = 2026-{}\nstatus = \"{}\"\n",
            a % 5,
            ["11-20", "11-29", "12-02", "12-20", "01-05"][a % 5],
            if a % 3 == 0 { "done" } else { "open" }
        ));
    }
    std::fs::write(dir.join("incident.toml"), toml).unwrap();
}

/// Waits (up to 20 s, polling) until `check` holds; `what` names it in the failure.
pub fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: not within 20 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Waits until `file` holds `text`, however its keys are aligned (`owner = "sam"` matches
/// `owner    = "sam"`, as the meeting writes keys in line with their neighbours); its contents
/// then.
pub fn wait_for_text(file: &Path, text: &str) -> String {
    let read = || std::fs::read_to_string(file).unwrap_or_default();
    let wanted = unaligned(text);
    wait_until(&format!("{} holding {text:?}", file.display()), || {
        unaligned(&read()).contains(&wanted)
    });
    read()
}

/// TOML text with the padding before each line's `=` taken out: `id       = 1` reads `id = 1`.
pub fn unaligned(text: &str) -> String {
    static PADDED: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    PADDED
        .get_or_init(|| regex::Regex::new(r"(?m)^([ \t]*[A-Za-z0-9_.-]+) +=").unwrap())
        .replace_all(text, "$1 =")
        .into_owned()
}

/// The loghub samples in `$DEBRIEF_LOGHUB_DIR` (`.ci/run` points it at the shared test data
/// beside the clone). Without the variable, says on stderr (which the harness does not
/// capture, so the skip shows) that the suite `what` was skipped.
pub fn loghub_dir(what: &str) -> Option<PathBuf> {
    use std::io::Write;
    match std::env::var_os("DEBRIEF_LOGHUB_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            let _ = writeln!(
                std::io::stderr(),
                "{what}: SKIPPED (set DEBRIEF_LOGHUB_DIR to the loghub samples, as .ci/run does)"
            );
            None
        }
    }
}

/// An incident (in UTC) whose one source is the loghub sample `file` in `dir`, named `name`,
/// with the year its lines do not carry.
pub fn loghub_incident(
    dir: &Path,
    file: &str,
    name: &str,
    year: i16,
) -> debrief::model::LoadedIncident {
    let path = dir.join(file);
    let toml = format!(
        "title = \"loghub\"\ntimezone = \"UTC\"\n[[sources]]\nname = \"{name}\"\npath = {path:?}\nyear = {year}\n",
        path = path.display().to_string()
    );
    debrief::model::LoadedIncident {
        id: "loghub".into(),
        dir: dir.to_owned(),
        incident: toml::from_str(&toml).unwrap(),
        notes: None,
    }
}

/// A folder as `debrief new` writes it ("Checkout down"), alone in a scratch folder, made by
/// the command as a user runs it.
#[allow(dead_code)] // Not every test binary starts from a fresh incident.
pub fn fresh_incident() -> (tempfile::TempDir, PathBuf) {
    let tmp = scratch();
    let dir = tmp.path().join("2026-12-06-checkout-down");
    let made = run(
        tmp.path(),
        &["new", dir.to_str().unwrap(), "--title", "Checkout down"],
    );
    assert!(made.status.success(), "{}", transcript(&made));
    (tmp, dir)
}
