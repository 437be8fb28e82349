//! The Follow-ups phase: a meeting of an incident that sits in an archive opens with the open
//! actions of related incidents, and the facilitator's changes land in those incidents' files,
//! through the journal, surviving a kill -9.

mod common;

use std::path::{Path, PathBuf};

use common::{Server, copy_sample, scratch, status_and_code};

const RELATED: &str = r#"title = "Checkout slow in October"
severity = "SEV3"
timezone = "UTC"
services = ["checkout-api"]

[times]
started = 2026-10-01T10:00:00Z

# Written in the October review; keep this comment.
[[actions]]
id = "a-1"
text = "Cap the **retry** storm"
owner = "lee"
due = 2026-10-20

[[actions]]
id = "a-2"
text = "Add a dashboard"
due = 2099-01-01
status = "in-progress"

[[actions]]
id = "a-3"
text = "Already done"
status = "done"
"#;

/// An archive: this meeting's incident (the sample, services checkout-api, postgres,
/// fraud-check; tags database, capacity, deploy), one related by service, one related by tag,
/// and one unrelated.
fn archive() -> (tempfile::TempDir, PathBuf) {
    let tmp = scratch();
    let archive = tmp.path().join("archive");
    let this = archive.join("2026-11-03-checkout");
    std::fs::create_dir_all(&this).unwrap();
    copy_sample(&this);
    let incident = |name: &str, text: &str| {
        let dir = archive.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("incident.toml"), text).unwrap();
    };
    incident("2026-10-01-related", RELATED);
    incident(
        "2026-09-01-by-tag",
        "title = \"Disk full\"\ntags = [\"capacity\"]\n\n[[actions]]\nid = \"a-disk\"\ntext = \"Alert on disk\"\nowner = \"kim\"\n",
    );
    incident(
        "2026-08-01-unrelated",
        "title = \"Search down\"\nservices = [\"search\"]\n\n[[actions]]\nid = \"a-x\"\ntext = \"Not ours\"\n",
    );
    (tmp, this)
}

fn related_file(this: &Path) -> PathBuf {
    this.parent()
        .unwrap()
        .join("2026-10-01-related/incident.toml")
}

fn state(server: &Server, token: &str) -> serde_json::Value {
    let reply = server.call("GET", "/api/state", token, None);
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

#[test]
fn the_meeting_opens_with_the_open_actions_of_related_incidents() {
    let (_tmp, this) = archive();
    let server = Server::start(&this, &[]);
    let s = state(&server, common::KEY);
    assert_eq!(s["phase"], "follow-ups");
    // Wrap-up's command publishes the archive, whose site the incident is part of.
    assert_eq!(
        s["publish"].as_str(),
        Some(
            format!(
                "debrief build {}",
                common::typed(&this).parent().unwrap().display()
            )
            .as_str()
        )
    );
    // The details come first, one click away; the meeting opens with the follow-ups.
    assert_eq!(s["phases"][0], "prepare");
    assert_eq!(s["phases"][1], "follow-ups");
    assert_eq!(s["phases"][2], "timeline");
    let carried = s["carried"].as_array().unwrap();
    let ids: Vec<String> = carried
        .iter()
        .map(|c| {
            format!(
                "{}/{}",
                c["incident"].as_str().unwrap(),
                c["id"].as_str().unwrap()
            )
        })
        .collect();
    // Related by service and by tag; not done; the overdue first.
    assert_eq!(
        ids,
        [
            "2026-10-01-related/a-1",
            "2026-10-01-related/a-2",
            "2026-09-01-by-tag/a-disk"
        ]
    );
    let first = &carried[0];
    assert_eq!(first["state"], "overdue");
    assert_eq!(first["text"], "Cap the retry storm", "plain text");
    assert_eq!(first["owner"], "lee");
    assert_eq!(first["due"], "2026-10-20");
    assert_eq!(first["status"], "open");
    assert_eq!(carried[2]["state"], "unscheduled");

    // Participants see the list in its phase, read-only.
    let token = server.join(Some("Dana"));
    let theirs = state(&server, &token);
    assert_eq!(theirs["carried"], s["carried"]);
    let refused = server.call(
        "PATCH",
        "/api/carried/2026-10-01-related/a-1",
        &token,
        Some(r#"{"status":"done"}"#),
    );
    assert_eq!(status_and_code(&refused).0, 403, "{}", refused.body);
    // Once the meeting moves on, phones no longer carry the list.
    let moved = server.as_facilitator("POST", "/api/phase", Some(r#"{"phase":"timeline"}"#));
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert!(state(&server, &token)["carried"].is_null());
}

#[test]
fn a_carried_change_lands_in_the_other_file_with_its_comments() {
    let (_tmp, this) = archive();
    let file = related_file(&this);
    let server = Server::start(&this, &[]);
    let reply = server.as_facilitator(
        "PATCH",
        "/api/carried/2026-10-01-related/a-1",
        Some(r#"{"status":"done"}"#),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let today = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::get("Europe/Berlin").unwrap())
        .date();
    let text = common::wait_for_text(&file, "status = \"done\"\ndone_on");
    assert_eq!(
        text,
        RELATED.replace(
            "due = 2026-10-20\n",
            &format!("due = 2026-10-20\nstatus = \"done\"\ndone_on = {today}\n")
        ),
        "only the action changed, comments kept"
    );
    let carried = &state(&server, common::KEY)["carried"][0];
    assert_eq!(carried["status"], "done");
    assert_eq!(carried["state"], "done");

    // Owner and due date; an empty owner removes it.
    let reply = server.as_facilitator(
        "PATCH",
        "/api/carried/2026-10-01-related/a-2",
        Some(r#"{"owner":"sam","due":"2027-01-15"}"#),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    common::wait_for_text(&file, "due = 2027-01-15");
    common::wait_for_text(&file, "owner = \"sam\"");
    let reply = server.as_facilitator(
        "PATCH",
        "/api/carried/2026-10-01-related/a-2",
        Some(r#"{"owner":""}"#),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    common::wait_until("the text to go", || {
        !std::fs::read_to_string(&file)
            .unwrap()
            .contains("owner = \"sam\"")
    });
    // The meeting's own file is untouched by all this.
    let own = std::fs::read_to_string(this.join("incident.toml")).unwrap();
    assert_eq!(
        own,
        std::fs::read_to_string(common::root().join("sample-incident/incident.toml")).unwrap()
    );
}

#[test]
fn bad_carried_changes_get_clear_errors_and_nothing_is_journaled() {
    let (_tmp, this) = archive();
    let file = related_file(&this);
    let server = Server::start(&this, &[]);
    let patch =
        |path: &str, body: &str| status_and_code(&server.as_facilitator("PATCH", path, Some(body)));
    assert_eq!(
        patch(
            "/api/carried/2026-08-01-unrelated/a-x",
            r#"{"status":"done"}"#
        ),
        (404, "not-found".into()),
        "not carried: unrelated"
    );
    assert_eq!(
        patch(
            "/api/carried/2026-10-01-related/a-3",
            r#"{"status":"open"}"#
        ),
        (404, "not-found".into()),
        "not carried: done already"
    );
    assert_eq!(
        patch("/api/carried/2026-10-01-related/a-1", r#"{"due":"soon"}"#).0,
        422
    );
    assert_eq!(
        patch(
            "/api/carried/2026-10-01-related/a-1",
            r#"{"status":"finished"}"#
        )
        .0,
        422
    );
    assert_eq!(
        patch(
            "/api/carried/2026-10-01-related/a-1",
            r#"{"text":"rewrite"}"#
        )
        .0,
        422,
        "only status, owner and due"
    );
    assert_eq!(patch("/api/carried/../a-1", r#"{"status":"done"}"#).0, 404);

    // The other file is broken now: refused with its diagnostic.
    std::fs::write(&file, RELATED.replace("title = ", "title = \n#")).unwrap();
    let broken = std::fs::read_to_string(&file).unwrap();
    let reply = server.as_facilitator(
        "PATCH",
        "/api/carried/2026-10-01-related/a-1",
        Some(r#"{"status":"done"}"#),
    );
    assert_eq!(status_and_code(&reply), (409, "broken-file".into()));
    let message = reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("incident.toml has errors"), "{message}");
    assert!(
        message.contains("2026-10-01-related/incident.toml:1:"),
        "{message}"
    );
    // Refused before the journal: nothing is pending for the file either.
    assert_eq!(std::fs::read_to_string(&file).unwrap(), broken);
    let journal = std::fs::read_to_string(this.join(".debrief/journal.jsonl")).unwrap_or_default();
    assert!(!journal.contains("carried"), "{journal}");
}

#[test]
fn an_acknowledged_carried_change_survives_kill_9() {
    let (_tmp, this) = archive();
    let file = related_file(&this);
    let before = std::fs::read_to_string(&file).unwrap();
    {
        let server = Server::start(&this, &[]);
        let reply = server.as_facilitator(
            "PATCH",
            "/api/carried/2026-10-01-related/a-1",
            Some(r#"{"owner":"robin"}"#),
        );
        assert_eq!(reply.status, 200, "{}\n{}", reply.body, server.log());
        common::signal(&server.child, "-9");
    }
    // Whether or not the write landed before the kill, it is in the journal: put the file back
    // as it was, as if it had not, and the next start writes it again.
    std::fs::write(&file, &before).unwrap();
    let server = Server::start(&this, &[]);
    common::wait_for_text(&file, "owner = \"robin\"");
    assert_eq!(
        state(&server, common::KEY)["carried"][0]["owner"],
        "robin",
        "the list shows the journaled change"
    );
}

#[test]
fn an_incident_alone_has_no_follow_ups_phase() {
    let (_tmp, dir) = common::sample_copy();
    let server = Server::start(&dir, &[]);
    let s = state(&server, common::KEY);
    assert_eq!(s["phase"], "timeline");
    assert!(
        !s["phases"]
            .as_array()
            .unwrap()
            .contains(&"follow-ups".into())
    );
    assert!(s["carried"].is_null());
    let reply = server.as_facilitator("POST", "/api/phase", Some(r#"{"phase":"follow-ups"}"#));
    assert_eq!(status_and_code(&reply), (409, "no-follow-ups".into()));
    let reply = server.as_facilitator("PATCH", "/api/carried/x/a-1", Some(r#"{"status":"done"}"#));
    assert_eq!(status_and_code(&reply), (404, "no-follow-ups".into()));
}

#[test]
fn an_action_done_in_the_meeting_records_the_day_and_reopening_forgets_it() {
    let (_tmp, dir) = common::sample_copy();
    let file = dir.join("incident.toml");
    let server = Server::start(&dir, &[]);
    let today = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::get("Europe/Berlin").unwrap())
        .date();
    let reply = server.as_facilitator("PATCH", "/api/actions/a-1", Some(r#"{"status":"done"}"#));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let text = common::wait_for_text(&file, &format!("done_on = {today}\n"));
    assert!(
        text.contains("priority = \"P1\"\nstatus   = \"done\"\nkind"),
        "the status changes in place, aligned as written: {text}"
    );
    let reply = server.as_facilitator(
        "PATCH",
        "/api/actions/a-1",
        Some(r#"{"status":"in-progress"}"#),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let text = common::wait_for_text(&file, "status   = \"in-progress\"\n");
    assert!(!text.contains("done_on"), "{text}");
}

/// The reasons shown are the archive's as it now is: giving Lee a second overdue action in the
/// meeting makes Lee's other carried action say so at once.
#[test]
fn reasons_are_learned_again_after_each_change() {
    let (_tmp, this) = archive();
    let server = Server::start(&this, &[]);
    let reasons = |server: &Server| {
        let s = server.as_facilitator("GET", "/api/state", None).json();
        let item = s["carried"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == "a-1")
            .unwrap()
            .clone();
        serde_json::from_value::<Vec<String>>(item["reasons"].clone()).unwrap()
    };
    let before = reasons(&server);
    let other = |r: &[String]| {
        r.iter()
            .find(|r| r.starts_with("owner has "))
            .cloned()
            .unwrap_or_default()
    };
    let reply = server.as_facilitator(
        "PATCH",
        "/api/carried/2026-10-01-related/a-2",
        Some(r#"{"owner":"lee","due":"2026-10-25"}"#),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let after = reasons(&server);
    let count = |s: &str| {
        s.trim_start_matches("owner has ")
            .split(' ')
            .next()
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0)
    };
    assert_eq!(
        count(&other(&after)),
        count(&other(&before)) + 1,
        "{before:?} then {after:?}"
    );
}

/// An edit that breaks the archive's `[policy]` says so on the shared screen at once, in the
/// words `debrief check` uses for the file it wrote: for this incident's actions and for
/// carried ones.
#[test]
fn an_edit_that_breaks_the_policy_says_so_as_check_would() {
    let (_tmp, this) = archive();
    let archive = this.parent().unwrap().to_path_buf();
    std::fs::write(
        archive.join("debrief.toml"),
        "[policy]\naction_due_within_days = { P1 = 30 }\nrequire_owner = true\n",
    )
    .unwrap();
    let server = Server::start(&this, &[]);
    let policy_of = |list: &serde_json::Value, id: &str| -> Vec<String> {
        let item = list
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {list}"));
        serde_json::from_value(item["policy"].clone()).unwrap_or_default()
    };
    let facilitator_state = || server.as_facilitator("GET", "/api/state", None).json();
    assert!(policy_of(&facilitator_state()["incident"]["actions"], "a-1").is_empty());

    // This incident: a P1 action moved past the 30 days the policy allows.
    let reply = server.as_facilitator("PATCH", "/api/actions/a-1", Some(r#"{"due":"2026-12-20"}"#));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let said = policy_of(&facilitator_state()["incident"]["actions"], "a-1");
    assert_eq!(
        said,
        [
            "P1 actions are to be due within 30 days of the incident, by 2026-12-03; `a-1` is due 2026-12-20"
        ]
    );
    common::wait_for_text(&this.join("incident.toml"), "due      = 2026-12-20");
    let check = common::run(&this, &["check", "."]);
    let check = String::from_utf8(check.stdout).unwrap();
    assert!(check.contains(&said[0]), "check says otherwise:\n{check}");

    // A carried action given away to nobody.
    let reply = server.as_facilitator(
        "PATCH",
        "/api/carried/2026-10-01-related/a-1",
        Some(r#"{"owner":""}"#),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let said = policy_of(&facilitator_state()["carried"], "a-1");
    assert_eq!(
        said,
        ["action `a-1` has no owner, and the policy requires one"]
    );
    let related = related_file(&this);
    common::wait_until("the owner leaves the related file", || {
        !std::fs::read_to_string(&related)
            .unwrap()
            .contains("owner = \"lee\"")
    });
    let check = common::run(related.parent().unwrap(), &["check", "."]);
    let check = String::from_utf8(check.stdout).unwrap();
    assert!(check.contains(&said[0]), "check says otherwise:\n{check}");
}

/// An incident that shares only a theme people named (in other case and spacing) is carried
/// too, and says so.
#[test]
fn a_shared_named_theme_carries_actions_and_says_so() {
    let (_tmp, this) = archive();
    let mut toml = std::fs::read_to_string(this.join("incident.toml")).unwrap();
    toml.push_str("\n[[factors]]\nid = \"f-themed\"\ntext = \"Pool limits were set by hand\"\ntheme = \"Pool limits\"\n");
    std::fs::write(this.join("incident.toml"), toml).unwrap();
    let unrelated = this
        .parent()
        .unwrap()
        .join("2026-08-01-unrelated/incident.toml");
    let mut other = std::fs::read_to_string(&unrelated).unwrap();
    other.push_str(
        "\n[[factors]]\nid = \"f-1\"\ntext = \"Index limits\"\ntheme = \"pool  LIMITS\"\n",
    );
    std::fs::write(&unrelated, other).unwrap();
    let server = Server::start(&this, &[]);
    let s = server.as_facilitator("GET", "/api/state", None).json();
    let item = s["carried"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "a-x")
        .unwrap_or_else(|| panic!("a-x is not carried: {}", s["carried"]))
        .clone();
    assert_eq!(item["shares"], serde_json::json!(["theme pool limits"]));
}
