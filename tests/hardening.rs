//! What a newcomer, a facilitator and an attacker with a join link found: each through the
//! real binary, real HTTP and the files on disk.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{KEY, Server, root, run};
use debrief::serve::probe::Reply;
use serde_json::json;

const ID: &str = "2026-11-03-checkout";

/// The sample in a scratch folder below the repository root.
fn sample() -> (tempfile::TempDir, std::path::PathBuf) {
    common::sample_copy()
}

fn post(server: &Server, token: &str, path: &str, body: serde_json::Value) -> Reply {
    server.call("POST", path, token, Some(&body.to_string()))
}

fn get(server: &Server, token: &str, path: &str) -> Reply {
    server.call("GET", path, token, None)
}

/// Waits until `check` holds, or fails after 20 s saying `what`.
fn until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check() {
        assert!(Instant::now() < deadline, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn file(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("incident.toml")).unwrap()
}

#[test]
fn the_readme_command_serves_the_sample_by_its_relative_path() {
    // Exactly `debrief serve sample-incident` from the repository root; read-only, so the
    // checked-in sample stays as it is.
    let server = Server::start(&root().join("sample-incident"), &[]);
    let report = get(&server, KEY, "/report/");
    assert_eq!(report.status, 200);
    assert!(report.body.contains("Checkout"), "{}", report.body);
    let log = server.log();
    assert!(!log.contains("ERROR"), "{log}");
}

#[test]
fn a_hand_edit_reaches_the_report_when_the_folder_is_named_relatively() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &[]);
    assert!(
        !common::typed(&dir).is_absolute(),
        "the test must name the folder relatively"
    );
    let text = file(&dir).replacen(
        "title    = \"",
        "title    = \"Edited by hand while serving: ",
        1,
    );
    std::fs::write(dir.join("incident.toml"), text).unwrap();
    until("the report shows the hand edit", || {
        get(&server, KEY, "/report/")
            .body
            .contains("Edited by hand while serving")
    });
}

/// Every place a participant could read a factor's votes before the reveal.
fn served(server: &Server, token: &str) -> Vec<(String, String)> {
    [
        "/report/".to_owned(),
        "/api/flow.svg".to_owned(),
        "/api/flow.svg?width=1366".to_owned(),
        "/api/timeline.svg?width=1920".to_owned(),
        "/api/state".to_owned(),
        format!("/site/incidents/{ID}/report.md"),
        format!("/site/incidents/{ID}/incident.json"),
        format!("/site/incidents/{ID}/flow.svg"),
        format!("/site/incidents/{ID}/index.html"),
        "/site/data/incidents.json".to_owned(),
        "/site/index.html".to_owned(),
    ]
    .into_iter()
    .map(|path| {
        let reply = get(server, token, &path);
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        (path, reply.body)
    })
    .collect()
}

#[test]
fn votes_stay_secret_everywhere_until_the_reveal_and_ballots_never_leave() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &[]);
    let join = |name: &str| {
        let reply = common::join_reply(&server, Some(name));
        (
            reply["token"].as_str().unwrap().to_owned(),
            reply["participant"].as_str().unwrap().to_owned(),
        )
    };
    let (alex, alex_id) = join("Alex");
    let (sam, sam_id) = join("Sam");
    let factor = post(
        &server,
        &alex,
        "/api/factors",
        json!({ "text": "Secret ballot factor" }),
    );
    assert_eq!(factor.status, 201, "{}", factor.body);
    let factor = factor.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        post(&server, KEY, "/api/phase", json!({ "phase": "vote" })).status,
        200
    );
    for token in [&alex, &alex, &sam, &sam] {
        let vote = post(
            &server,
            token,
            &format!("/api/factors/{factor}/votes"),
            json!({}),
        );
        assert_eq!(vote.status, 200, "{}", vote.body);
    }
    // The ballots are in the file (it is the record), and a later hand edit makes sure the
    // pages were drawn from a file that holds them.
    until("the votes are in the file", || {
        let text = file(&dir);
        text.contains(&format!("\"{alex_id}\" = 2")) || text.contains(&format!("{alex_id} = 2"))
    });
    let marked = file(&dir).replacen("title    = \"", "title = \"Ballot check: ", 1);
    std::fs::write(dir.join("incident.toml"), marked).unwrap();
    until("the report is drawn from the file with the votes", || {
        get(&server, &sam, "/report/").body.contains("Ballot check")
    });

    let no_ballots = |pages: &[(String, String)]| {
        for (path, body) in pages {
            for id in [&alex_id, &sam_id] {
                // Sam's own state names Sam, as `you`.
                if path == "/api/state" && *id == sam_id {
                    continue;
                }
                assert!(!body.contains(id.as_str()), "{path} names the voter {id}");
            }
        }
    };
    let pages = served(&server, &sam);
    no_ballots(&pages);
    for (path, body) in &pages {
        // No other factor of the sample has 4 votes.
        assert!(
            !body.contains("4 votes")
                && !body.contains("4 <small>votes")
                && !body.contains("\"total_votes\":4")
                && !body.contains("\"total_votes\": 4"),
            "{path} shows the count before the reveal"
        );
    }
    // The shared screen is the facilitator's: hidden there too.
    for (path, body) in served(&server, KEY) {
        assert!(
            !body.contains("4 votes") && !body.contains("4 <small>votes"),
            "{path} shows the count to the room"
        );
    }

    assert_eq!(
        post(&server, KEY, "/api/votes/reveal", json!({})).status,
        200
    );
    until("the report shows the count after the reveal", || {
        get(&server, &sam, &format!("/site/incidents/{ID}/report.md"))
            .body
            .contains("4 votes")
    });
    let pages = served(&server, &sam);
    no_ballots(&pages);
    let json = get(
        &server,
        &sam,
        &format!("/site/incidents/{ID}/incident.json"),
    )
    .json();
    let f = json["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == factor.as_str())
        .unwrap();
    assert_eq!(f["total_votes"], 4, "{f}");
    assert!(
        get(&server, &sam, "/api/flow.svg").body.contains("4 votes"),
        "the flow diagram shows the total"
    );

    // The built site, after the meeting: totals only.
    drop(server);
    let out = common::scratch();
    common::build_site(&dir, out.path());
    let built =
        std::fs::read_to_string(out.path().join(format!("incidents/{ID}/incident.json"))).unwrap();
    assert!(!built.contains(&alex_id), "{built}");
    assert!(!built.contains("oncall-primary\":"), "{built}");
}

#[test]
fn restoring_the_last_written_bytes_after_a_broken_save_clears_the_error() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &[]);
    let token = server.join(Some("Alex"));
    // A first change, so debrief has written the file itself.
    let first = post(
        &server,
        &token,
        "/api/timeline",
        json!({ "at": "2026-11-03T14:20", "text": "Written by debrief first" }),
    );
    assert_eq!(first.status, 201);
    let applied = first.json()["revision"].as_u64().unwrap();
    until("debrief wrote the file and knows it did", || {
        file(&dir).contains("Written by debrief first")
            && get(&server, &token, "/api/state").json()["revision"]
                .as_u64()
                .is_some_and(|r| r >= applied)
    });
    let last_written = std::fs::read(dir.join("incident.toml")).unwrap();

    for restore in ["in place", "by rename"] {
        std::fs::write(dir.join("incident.toml"), "title = \"broken\n").unwrap();
        until("the state shows the error", || {
            !get(&server, &token, "/api/state").json()["error"].is_null()
        });
        let waiting = post(
            &server,
            &token,
            "/api/timeline",
            json!({ "at": "2026-11-03T14:21", "text": format!("Waits for the fix ({restore})") }),
        );
        assert_eq!(
            waiting.status, 201,
            "accepted into the journal while broken"
        );
        // Undo in the editor, or `git checkout`: exactly the bytes debrief wrote last.
        if restore == "in place" {
            std::fs::write(dir.join("incident.toml"), &last_written).unwrap();
        } else {
            let temp = dir.join("incident.toml.checkout");
            std::fs::write(&temp, &last_written).unwrap();
            std::fs::rename(&temp, dir.join("incident.toml")).unwrap();
        }
        until("the waiting change lands and the error clears", || {
            file(&dir).contains(&format!("Waits for the fix ({restore})"))
                && get(&server, &token, "/api/state").json()["error"].is_null()
        });
    }
}

#[test]
fn a_symlinked_journal_is_refused_and_its_target_untouched() {
    for planted in ["journal", "folder"] {
        let (tmp, dir) = sample();
        let victim = tmp.path().join("victim-rc");
        std::fs::write(&victim, "# a shell's start-up file\n").unwrap();
        let state = dir.join(".debrief");
        match planted {
            "journal" => {
                std::fs::create_dir_all(&state).unwrap();
                std::os::unix::fs::symlink(&victim, state.join("journal.jsonl")).unwrap();
            }
            _ => {
                let elsewhere = tmp.path().join("elsewhere");
                std::fs::create_dir(&elsewhere).unwrap();
                std::os::unix::fs::symlink(&elsewhere, &state).unwrap();
            }
        }
        let out = run(
            &root(),
            &[
                "serve",
                common::typed(&dir).to_str().unwrap(),
                "--port",
                "0",
            ],
        );
        let text = common::transcript(&out);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(text.contains("symbolic link"), "{text}");
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "# a shell's start-up file\n"
        );
        assert!(!tmp.path().join("elsewhere/journal.jsonl").exists());
    }
}

#[test]
fn a_symlink_planted_at_the_old_temporary_name_is_not_written_through() {
    let (tmp, dir) = sample();
    let victim = tmp.path().join("victim");
    std::fs::write(&victim, "untouched\n").unwrap();
    let server = Server::start(&dir, &[]);
    // The name debrief used to write through: `.incident.toml.debrief-<pid>.tmp`.
    let planted = dir.join(format!(".incident.toml.debrief-{}.tmp", server.child.id()));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    let token = server.join(Some("Alex"));
    let reply = post(
        &server,
        &token,
        "/api/timeline",
        json!({ "at": "2026-11-03T14:20", "text": "Through no link" }),
    );
    assert_eq!(reply.status, 201);
    until("the change is in the file", || {
        file(&dir).contains("Through no link")
    });
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched\n");
    assert!(
        std::fs::symlink_metadata(&planted)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") && !n.contains(&server.child.id().to_string()))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn nothing_is_acknowledged_that_check_would_refuse() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &[]);
    let token = server.join(Some("Alex"));
    for at in [
        "1890-06-01T12:00",
        "0001-01-01T00:00:00Z",
        "1969-07-20T20:17:00Z",
    ] {
        let reply = post(
            &server,
            &token,
            "/api/timeline",
            json!({ "at": at, "text": "A time from long ago" }),
        );
        assert_eq!(reply.status, 422, "{at}: {}", reply.body);
    }
    for due in [
        "-000001-01-01",
        "12026-01-01",
        "2026-02-30",
        "2026-12-01T10:00",
    ] {
        let reply = post(
            &server,
            &token,
            "/api/actions",
            json!({ "text": "Fix the pool", "due": due }),
        );
        assert_eq!(reply.status, 422, "{due}: {}", reply.body);
    }
    let bad_factor = post(
        &server,
        &token,
        "/api/actions",
        json!({ "text": "Fix the pool", "due": "2026-12-01" }),
    );
    assert_eq!(bad_factor.status, 201, "{}", bad_factor.body);
    until("the action is in the file", || {
        file(&dir).contains("Fix the pool")
    });
    // Whatever was acknowledged passes `check`.
    drop(server);
    let check = run(&root(), &["check", common::typed(&dir).to_str().unwrap()]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        common::transcript(&check)
    );
}

#[test]
fn the_low_findings_hold_closed() {
    let (tmp, dir) = sample();
    // A theme folder whose static files link out of it.
    let theme = tmp.path().join("theme");
    std::fs::create_dir_all(theme.join("static")).unwrap();
    std::fs::write(theme.join("static/ok.css"), "body{}").unwrap();
    let secret = tmp.path().join("secret.txt");
    std::fs::write(&secret, "not for the web").unwrap();
    std::os::unix::fs::symlink(&secret, theme.join("static/leak.css")).unwrap();
    std::fs::write(
        dir.join("debrief.toml"),
        format!("theme = \"{}\"\n", theme.display()),
    )
    .unwrap();
    let server = Server::start(&dir, &[]);
    assert_eq!(get(&server, KEY, "/theme/ok.css").status, 200);
    let leak = get(&server, KEY, "/theme/leak.css");
    assert_eq!(leak.status, 404, "{}", leak.body);
    assert!(!leak.body.contains("not for the web"));

    // "facilitator" is reserved; a name from [[people]] is marked unverified.
    let body = json!({ "code": common::CODE, "name": "Facilitator" }).to_string();
    let reserved =
        debrief::serve::probe::request(&server.addr, "POST", "/api/join", &[], Some(&body))
            .unwrap();
    assert_eq!(reserved.status, 422, "{}", reserved.body);
    let handle = std::fs::read_to_string(dir.join("incident.toml"))
        .unwrap()
        .lines()
        .find_map(|l| {
            l.strip_prefix("handle = \"")
                .or_else(|| l.strip_prefix("handle   = \""))
        })
        .map(|rest| rest.trim_end_matches('"').to_owned())
        .expect("the sample has [[people]]");
    let pretender = common::join_reply(&server, Some(&handle));
    assert_eq!(pretender["unverified"], true);
    let pretender = pretender["token"].as_str().unwrap().to_owned();
    let entry = post(
        &server,
        &pretender,
        "/api/timeline",
        json!({ "at": "2026-11-03T14:20", "text": "Said by someone with a colleague's name" }),
    );
    assert_eq!(entry.status, 201);
    until("the entry says its author is unverified", || {
        file(&dir).contains(&format!("{handle} (unverified)"))
    });

    // Actions: the author and the facilitator change them; anyone claims an unowned one.
    let alex = server.join(Some("Alex"));
    let sam = server.join(Some("Sam"));
    let action = post(
        &server,
        &alex,
        "/api/actions",
        json!({ "text": "Alex's action" }),
    );
    let action = action.json()["id"].as_str().unwrap().to_owned();
    let patch = |token: &str, body: serde_json::Value| {
        server.call(
            "PATCH",
            &format!("/api/actions/{action}"),
            token,
            Some(&body.to_string()),
        )
    };
    assert_eq!(
        patch(&sam, json!({ "text": "Rewritten by Sam" })).status,
        403
    );
    assert_eq!(
        patch(&sam, json!({ "owner": "Sam", "status": "done" })).status,
        403
    );
    assert_eq!(
        patch(&sam, json!({ "owner": "Sam" })).status,
        200,
        "a claim"
    );
    until("the claim is in the file", || {
        common::unaligned(&file(&dir)).contains("owner = \"Sam\"")
    });
    let robin = server.join(Some("Robin"));
    assert_eq!(
        patch(&robin, json!({ "owner": "Robin" })).status,
        403,
        "owned now"
    );
    assert_eq!(
        patch(&sam, json!({ "due": "2026-12-20" })).status,
        200,
        "its owner sets its due date"
    );
    assert_eq!(
        patch(&robin, json!({ "due": "2027-01-20" })).status,
        403,
        "nobody else does"
    );
    assert_eq!(
        patch(&alex, json!({ "text": "Alex's action, reworded" })).status,
        200
    );
    assert_eq!(patch(KEY, json!({ "priority": "P1" })).status, 200);
    // Curated links (written before the meeting) stay unless the facilitator removes them.
    let curated = incident_links(&dir);
    let (from, to) = curated
        .first()
        .cloned()
        .expect("the sample links factors to events");
    let unlink = json!({ "from": from, "to": to }).to_string();
    assert_eq!(
        server
            .call("DELETE", "/api/links", &sam, Some(&unlink))
            .status,
        403
    );
    assert_eq!(
        server
            .call("DELETE", "/api/links", KEY, Some(&unlink))
            .status,
        200
    );

    // A merge that would close a loop of leads_to links is refused.
    let a = post(&server, KEY, "/api/factors", json!({ "text": "Loop A" })).json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = post(&server, KEY, "/api/factors", json!({ "text": "Loop B" })).json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = post(&server, KEY, "/api/factors", json!({ "text": "Loop C" })).json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (from, to) in [(&a, &b), (&b, &c)] {
        let link = post(
            &server,
            KEY,
            "/api/links",
            json!({ "from": from, "to": to }),
        );
        assert_eq!(link.status, 200, "{}", link.body);
    }
    // Merging c into a would make a → b → a.
    let merge = post(
        &server,
        KEY,
        &format!("/api/factors/{c}/merge"),
        json!({ "into": a }),
    );
    assert_eq!(merge.status, 409, "{}", merge.body);
    assert_eq!(merge.json()["error"]["code"], "cycle");
}

/// The (factor, event) links of the incident on disk.
fn incident_links(dir: &Path) -> Vec<(String, String)> {
    let incident: debrief::model::Incident = toml::from_str(&file(dir)).unwrap();
    incident
        .factors
        .iter()
        .flat_map(|f| f.events.iter().map(|e| (f.id.clone(), e.clone())))
        .collect()
}

#[test]
fn what_a_newcomer_tripped_over() {
    // `build` counts the files it wrote, and nothing else.
    let out = common::scratch();
    let site = out.path().join("site");
    let built = run(
        &root(),
        &[
            "build",
            "sample-incident",
            "--out",
            common::typed(&site).to_str().unwrap(),
        ],
    );
    assert_eq!(
        built.status.code(),
        Some(0),
        "{}",
        common::transcript(&built)
    );
    fn files(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| {
                if e.file_type().unwrap().is_dir() {
                    files(&e.path())
                } else {
                    usize::from(e.file_name() != ".debrief-site")
                }
            })
            .sum()
    }
    let said = String::from_utf8_lossy(&built.stderr).into_owned();
    assert!(
        said.contains(&format!("Built {} files", files(&site))),
        "{said}"
    );

    // A path typo that differs only in case gets a suggestion.
    let typo = run(&root(), &["check", "Sample-Incident"]);
    let text = common::transcript(&typo);
    assert!(text.contains("did you mean `sample-incident`?"), "{text}");

    // Logs to a file or a pipe carry no colour codes; `--open` without a browser says one
    // line, not the opener's noise.
    let (_tmp, dir) = sample();
    let fake_bin = out.path().join("bin");
    std::fs::create_dir(&fake_bin).unwrap();
    let opener = fake_bin.join("xdg-open");
    std::fs::write(
        &opener,
        "#!/bin/sh\necho 'xdg-open: no method available for opening' >&2\necho noise\nexit 3\n",
    )
    .unwrap();
    let mut perms = std::fs::metadata(&opener).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&opener, perms).unwrap();
    let path = format!(
        "{}:{}",
        fake_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = common::debrief(&root())
        .args([
            "serve",
            common::typed(&dir).to_str().unwrap(),
            "--port",
            "0",
            "--open",
        ])
        .env("PATH", path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _addr = debrief::serve::probe::wait_for_address(&mut child).unwrap();
    // Read stderr as it comes, and stop the server once the opener's failure is reported.
    let mut err = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = std::io::Read::read(&mut err, &mut buf) {
            if n == 0 {
                break;
            }
            all.push_str(&String::from_utf8_lossy(&buf[..n]));
            if all.contains("could not open a browser") {
                let _ = tx.send(());
            }
        }
        all
    });
    let _ = rx.recv_timeout(Duration::from_secs(20));
    common::signal(&child, "-INT");
    child.wait().unwrap();
    let stderr = reader.join().unwrap();
    assert!(
        !stderr.contains('\u{1b}'),
        "colour codes in a log file: {stderr}"
    );
    assert!(!stderr.contains("no method available"), "{stderr}");
    assert_eq!(
        stderr.matches("could not open a browser").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn check_says_when_every_log_entry_falls_outside_the_incident() {
    let (_tmp, dir) = sample();
    std::fs::write(
        dir.join("logs/old.log"),
        "Jun 14 15:16:01 db-1 postgres[812]: FATAL: too many clients\nJun 14 15:17:01 db-1 postgres[812]: LOG: recovered\n",
    )
    .unwrap();
    let mut text = file(&dir);
    text.push_str("\n[[sources]]\nname = \"old\"\npath = \"logs/old.log\"\n");
    std::fs::write(dir.join("incident.toml"), text).unwrap();
    let out = run(&root(), &["check", common::typed(&dir).to_str().unwrap()]);
    let said = common::transcript(&out);
    assert!(
        said.contains("every entry of `logs/old.log`")
            && said.contains("falls outside the incident"),
        "{said}"
    );
    assert_eq!(
        said.matches("falls outside the incident").count(),
        1,
        "the sample's own logs are inside: {said}"
    );
}

/// Makes `path` immutable (`chattr +i`, which stops even root) until dropped; `None` where
/// the file system or the tools cannot.
struct Immutable(std::path::PathBuf);

impl Immutable {
    fn set(path: &Path) -> Option<Immutable> {
        let ok = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Immutable(path.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn a_journal_that_cannot_be_written_shows_on_every_screen() {
    let (_tmp, dir) = sample();
    let server = Server::start(&dir, &[]);
    let token = server.join(Some("Alex"));
    let journal = dir.join(".debrief/journal.jsonl");
    let Some(_lock) = Immutable::set(&journal) else {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"journal failure: SKIPPED (chattr +i is not available here)\n",
        );
        return;
    };
    let refused = post(
        &server,
        &token,
        "/api/timeline",
        json!({ "at": "2026-11-03T14:20", "text": "Cannot be saved" }),
    );
    if refused.status == 201 {
        // This file system lets an open file be written even when immutable.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"journal failure: SKIPPED (this file system writes immutable files through open handles)\n",
        );
        return;
    }
    assert_eq!(refused.status, 500, "{}", refused.body);
    for who in [token.as_str(), KEY] {
        let state = get(&server, who, "/api/state").json();
        let error = state["error"].as_str().unwrap_or_default();
        assert!(error.contains("journal could not be written"), "{state}");
    }
    assert!(!file(&dir).contains("Cannot be saved"));
}
