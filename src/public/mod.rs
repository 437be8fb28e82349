//! Public builds (`debrief build --public`): a version of the site fit for customers.
//!
//! Every incident is copied with the items marked `public = false` or named in `hide` left
//! out, the `<!-- internal -->` parts of notes.md dropped, its folder name replaced by a public
//! id, and every text passed through one [`Redactor`]: the built-in detectors that
//! `[public] redact` turns on, the `names`, the people (of `[[people]]`, and whoever is named
//! as `by`, `owner` or joined the meeting, who become their role or "a responder") and the
//! `patterns`. Rendering then works on the copy, so no page, diagram, export or feed can show
//! what the copy does not hold. After rendering, [`leaks`] runs the same redactor over every
//! file written, and anything it still finds fails the build.
//!
//! Rooms: [`detect`] names the detectors and dispatches to [`ip`], [`hosts`] and [`secrets`];
//! [`folded`] reads text for names; [`redactor`] applies the rules; [`markers`] and [`rules`]
//! check what the files say. This file makes the public copy.

pub mod detect;
pub mod folded;
pub mod hosts;
pub mod ip;
pub mod markers;
pub mod redactor;
pub mod rules;
pub mod secrets;

use std::borrow::Cow;
use std::path::Path;

use crate::model::config::PublicSetting;
use crate::model::validate::Finding;
use crate::model::{Config, Incident, LessonKind, Lessons, LoadedIncident};
pub use detect::Detector;
pub use markers::{INTERNAL_END, INTERNAL_START, marker_problems, without_internal};
pub use redactor::{ANOTHER_INCIDENT, Folders, Leak, Place, Redaction, Redactor, leaks};
pub use rules::rule_findings;

/// What a person becomes when nothing says their role.
pub const A_RESPONDER: &str = "a responder";

impl Redactor {
    /// The redactor for one incident: the archive's rules with the incident's own added, and
    /// its people.
    pub fn for_incident(config: &Config, incident: &Incident) -> Redactor {
        let first = Redactor::with_roles(config, incident);
        // A role is text too ("deputy to Raman"): when one holds what the rules find, people
        // become their roles as redacted by the rest.
        let telling = |p: &crate::model::Person| {
            p.role
                .as_deref()
                .is_some_and(|role| !first.find(role).is_empty())
        };
        if !incident.people.iter().any(telling) {
            return first;
        }
        let mut plain = incident.clone();
        plain.people = public_people(&incident.people, &first);
        Redactor::with_roles(config, &plain)
    }

    fn with_roles(config: &Config, incident: &Incident) -> Redactor {
        let mut r = Redactor::default();
        if let Some(rules) = &config.public {
            r.add_rules(rules);
        }
        if let Some(PublicSetting::Rules(rules)) = &incident.public {
            r.add_rules(rules);
        }
        for p in &incident.people {
            let role = p.role.as_deref().unwrap_or(A_RESPONDER);
            for name in p.name.iter().chain(std::iter::once(&p.handle)) {
                r.add_name(name, role, true);
            }
        }
        // Whoever the file names as having done something is a person too.
        let named = incident
            .timeline
            .iter()
            .filter_map(|e| e.by.as_deref())
            .chain(incident.actions.iter().filter_map(|a| a.owner.as_deref()));
        for name in named {
            r.add_name(name, &role_of(&incident.people, name), true);
        }
        r.keep_files(
            incident
                .sources
                .iter()
                .map(|s| s.path.clone())
                .chain(incident.metrics.iter().map(|m| m.path.clone())),
        );
        r.finish();
        r
    }

    /// [`Redactor::for_incident`] with what only the folder knows: the names participants
    /// gave when they joined the meeting, and the files the sources' patterns match.
    pub fn for_loaded(config: &Config, loaded: &LoadedIncident) -> Redactor {
        let mut r = Redactor::for_incident(config, &loaded.incident);
        for name in participant_names(&loaded.dir) {
            r.add_name(&name, A_RESPONDER, true);
        }
        let mut files = Vec::new();
        for s in &loaded.incident.sources {
            if let Ok(paths) = crate::evidence::resolve_paths(&loaded.dir, &s.path) {
                files.extend(
                    paths
                        .iter()
                        .map(|p| crate::evidence::relative(&loaded.dir, p)),
                );
            }
        }
        r.keep_files(files);
        r.finish();
        r
    }
}

/// People with their roles redacted: a role is shown wherever the person's name was, and may
/// name someone else.
fn public_people(people: &[crate::model::Person], r: &Redactor) -> Vec<crate::model::Person> {
    let mut people = people.to_vec();
    for p in &mut people {
        if let Some(role) = &mut p.role
            && let Cow::Owned(new) = r.redact(
                role,
                &Place {
                    incident: "",
                    place: String::new(),
                },
                &mut Vec::new(),
            )
        {
            *role = new;
        }
    }
    people
}

/// A person's role by their handle or name, or "a responder".
fn role_of(people: &[crate::model::Person], name: &str) -> String {
    people
        .iter()
        .find(|p| {
            crate::model::names::same(&p.handle, name)
                || p.name
                    .as_deref()
                    .is_some_and(|n| crate::model::names::same(n, name))
        })
        .and_then(|p| p.role.clone())
        .unwrap_or_else(|| A_RESPONDER.to_owned())
}

/// The names participants typed when they joined the meeting, from its journal.
fn participant_names(dir: &Path) -> Vec<String> {
    let path = dir
        .join(crate::store::journal::STATE_DIR)
        .join(crate::store::journal::JOURNAL_FILE);
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|record| record["op"]["type"] == "join")
        .filter_map(|record| record["op"]["name"].as_str().map(str::to_owned))
        .collect()
}

/// Whether the incident may be published at all.
pub fn shown(incident: &Incident) -> bool {
    !matches!(incident.public, Some(PublicSetting::Shown(false)))
}

/// The incident's name in a public build: its `public_id`, or the date its folder name starts
/// with (else the day it started) and a hash of the folder name. The folder name itself
/// (`2026-11-05-acme-corp-outage`) may name a customer.
pub fn public_id(id: &str, incident: &Incident) -> String {
    if let Some(p) = &incident.public_id {
        return p.clone();
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(id.as_bytes());
    let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let dated = id
        .get(..10)
        .filter(|d| d.parse::<jiff::civil::Date>().is_ok())
        .map(str::to_owned)
        .or_else(|| {
            incident
                .times
                .started
                .as_ref()
                .map(|s| s.in_zone(&incident.tz()).date().to_string())
        });
    match dated {
        Some(date) => format!("{date}-{hash}"),
        None => format!("incident-{hash}"),
    }
}

/// Findings about an incident's public settings: its `[public]` rules and its `public_id`.
pub fn incident_findings(incident: &Incident) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(PublicSetting::Rules(rules)) = &incident.public {
        out.extend(rule_findings(rules, Some(incident)));
    }
    // Every text of the file: an internal part may stand in any, not only in notes.md.
    let texts = crate::model::validate::text_fields(incident);
    for (path, text) in texts.into_iter().filter(|(_, t)| t.contains("<!")) {
        if let Some((_, message)) = marker_problems(text).first() {
            out.push(
                Finding::error("unbalanced-internal", path, *message)
                    .label("internal marker")
                    .help("a part meant for the team alone sits between `<!-- internal -->` and `<!-- /internal -->`, written exactly so; a public build leaves it out"),
            );
        }
    }
    if let Some(id) = &incident.public_id
        && (id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
    {
        out.push(
            Finding::error(
                "invalid-public",
                "public_id",
                format!("`{id}` cannot name the incident's folder of a public site"),
            )
            .label("not a public id")
            .help("use lower-case letters, digits and hyphens: `2026-11-05-dns-outage`"),
        );
    }
    out
}

/// The items `[public] hide` names.
fn hidden_ids(incident: &Incident) -> &[String] {
    match &incident.public {
        Some(PublicSetting::Rules(rules)) => &rules.hide,
        _ => &[],
    }
}

/// The public copy of an incident: hidden items left out, every text redacted, the folder name
/// replaced by the public id. Log lines that a hidden timeline entry cites stay out of what the
/// report mines from the logs. What was done goes into `log`.
pub fn public_incident(
    loaded: &LoadedIncident,
    redactor: &Redactor,
    log: &mut Vec<Redaction>,
) -> LoadedIncident {
    let id = loaded.id.as_str();
    let hide = hidden_ids(&loaded.incident);
    let mut i = loaded.incident.clone();
    let note_hidden = |log: &mut Vec<Redaction>, what: String| {
        log.push(Redaction {
            incident: id.to_owned(),
            place: what,
            kind: "hidden",
            found: String::new(),
        })
    };
    // Items left out, and the links to them.
    let mut gone: Vec<String> = Vec::new();
    let mut leave_out = |what: &str, item_id: Option<&str>, public: bool| {
        let out = !public || item_id.is_some_and(|x| hide.iter().any(|h| h == x));
        if out {
            gone.extend(item_id.map(str::to_owned));
            note_hidden(log, format!("{what} {}", item_id.unwrap_or("entry")));
        }
        !out
    };
    let mut hidden_lines: Vec<String> = Vec::new();
    i.timeline.retain(|e| {
        let kept = leave_out("timeline", e.id.as_deref(), e.public);
        if !kept {
            hidden_lines.extend(e.source.clone());
        }
        kept
    });
    i.factors
        .retain(|f| leave_out("factor", Some(&f.id), f.public));
    i.actions
        .retain(|a| leave_out("action", Some(&a.id), a.public));
    for f in &mut i.factors {
        f.events.retain(|e| !gone.contains(e));
        f.leads_to.retain(|e| !gone.contains(e));
    }
    for a in &mut i.actions {
        a.factors.retain(|f| !gone.contains(f));
    }
    for &kind in LessonKind::ALL {
        lessons_mut(&mut i.lessons, kind).retain(|text| {
            let key = Lessons::id(kind, text);
            let out = hide.contains(&key);
            if out {
                note_hidden(log, format!("lesson {key}"));
            }
            !out
        });
    }
    for s in &mut i.sources {
        s.hidden_lines.clone_from(&hidden_lines);
    }

    rename_telling_ids(&mut i, redactor);

    // Internal parts of Markdown texts, dropped as in notes.md.
    let internal = |text: &mut String, what: &str, log: &mut Vec<Redaction>| {
        if text.contains(INTERNAL_START) {
            let (kept, parts) = without_internal(text);
            for _ in 0..parts {
                note_hidden(log, format!("{what}: an internal part"));
            }
            *text = kept;
        }
    };
    if i.title.contains(INTERNAL_START) {
        internal(&mut i.title, "title", log);
        // A one-line title keeps single spaces where a part was taken out.
        i.title = i.title.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    for s in i.summary.iter_mut() {
        internal(s, "summary", log);
    }
    for s in i.impact.text.iter_mut() {
        internal(s, "impact", log);
    }
    for e in &mut i.timeline {
        internal(&mut e.text, "timeline", log);
    }
    for f in &mut i.factors {
        internal(&mut f.text, "factor", log);
        if let Some(theme) = &mut f.theme {
            internal(theme, "factor theme", log);
        }
    }
    for a in &mut i.actions {
        internal(&mut a.text, "action", log);
    }

    // Every text, redacted.
    let at = |place: &str| Place {
        incident: id,
        place: place.to_owned(),
    };
    let r = |text: &mut String, place: Place, log: &mut Vec<Redaction>| {
        if let Cow::Owned(new) = redactor.redact(text, &place, log) {
            *text = new;
        }
    };
    r(&mut i.title, at("title"), log);
    for s in i.summary.iter_mut() {
        r(s, at("summary"), log);
    }
    for s in i.impact.text.iter_mut() {
        r(s, at("impact"), log);
    }
    for s in i.services.iter_mut() {
        r(s, at("services"), log);
    }
    for s in i.tags.iter_mut() {
        r(s, at("tags"), log);
    }
    let people = public_people(&loaded.incident.people, redactor);
    i.people.clone_from(&people);
    for p in &mut i.people {
        // People are shown by their role; their team is text like any other.
        let role = p.role.clone().unwrap_or_else(|| A_RESPONDER.to_owned());
        p.name = None;
        p.handle = role;
        for t in p.team.iter_mut() {
            r(t, at("people"), log);
        }
    }
    for s in &mut i.sources {
        r(&mut s.name, at("sources"), log);
    }
    for m in &mut i.metrics {
        r(&mut m.name, at("metrics"), log);
        for u in m.unit.iter_mut() {
            r(u, at("metrics"), log);
        }
    }
    for e in &mut i.timeline {
        let place = format!("timeline {}", e.id.as_deref().unwrap_or(""));
        r(&mut e.text, at(&place), log);
        // Whoever did it is shown by their role.
        if let Some(by) = &mut e.by {
            *by = role_of(&people, by);
        }
        for s in e.lane.iter_mut().chain(e.source.iter_mut()) {
            r(s, at(&place), log);
        }
    }
    for f in &mut i.factors {
        r(&mut f.text, at(&format!("factor {}", f.id)), log);
        if let Some(theme) = &mut f.theme {
            r(theme, at(&format!("factor {} theme", f.id)), log);
        }
    }
    for a in &mut i.actions {
        let place = format!("action {}", a.id);
        r(&mut a.text, at(&place), log);
        if let Some(owner) = &mut a.owner {
            *owner = role_of(&people, owner);
        }
        for s in a.ticket.iter_mut() {
            r(s, at(&place), log);
        }
    }
    for &kind in LessonKind::ALL {
        for lesson in lessons_mut(&mut i.lessons, kind).iter_mut() {
            let place = format!("lesson {}", Lessons::id(kind, lesson));
            r(lesson, at(&place), log);
        }
    }
    i.feedback.clear();
    i.public = None;
    i.public_id = None;
    let notes = loaded.notes.as_deref().map(|notes| {
        let (kept, parts) = without_internal(notes);
        for _ in 0..parts {
            note_hidden(log, "notes.md: an internal part".to_owned());
        }
        redactor.redact(&kept, &at("notes.md"), log).into_owned()
    });
    LoadedIncident {
        id: public_id(id, &loaded.incident),
        dir: loaded.dir.clone(),
        incident: i,
        notes,
    }
}

/// Ids that hold what the redactor finds (`t-raman-vendor-call`) become plain ones (`t-p3`),
/// with every link to them; the others stay, so links in notes.md keep working. Votes are
/// counted under participants' ids or handles: they become `v-1`, `v-2`.
fn rename_telling_ids(i: &mut Incident, redactor: &Redactor) {
    let mut renamed: std::collections::HashMap<String, String> = Default::default();
    let mut rename = |id: &mut String, prefix: &str, n: usize| {
        if !redactor.find(id).is_empty() {
            let plain = format!("{prefix}-p{n}");
            renamed.insert(std::mem::replace(id, plain.clone()), plain);
        }
    };
    for (n, e) in i.timeline.iter_mut().enumerate() {
        if let Some(id) = e.id.as_mut() {
            rename(id, "t", n + 1);
        }
    }
    for (n, f) in i.factors.iter_mut().enumerate() {
        rename(&mut f.id, "f", n + 1);
    }
    for (n, a) in i.actions.iter_mut().enumerate() {
        rename(&mut a.id, "a", n + 1);
    }
    let follow = |ids: &mut Vec<String>| {
        for id in ids.iter_mut() {
            if let Some(new) = renamed.get(id) {
                id.clone_from(new);
            }
        }
    };
    for f in &mut i.factors {
        follow(&mut f.events);
        follow(&mut f.leads_to);
        f.votes = f
            .votes
            .values()
            .enumerate()
            .map(|(k, v)| (format!("v-{}", k + 1), *v))
            .collect();
    }
    for a in &mut i.actions {
        follow(&mut a.factors);
    }
}

fn lessons_mut(lessons: &mut crate::model::Lessons, kind: LessonKind) -> &mut Vec<String> {
    match kind {
        LessonKind::WentWell => &mut lessons.went_well,
        LessonKind::WentWrong => &mut lessons.went_wrong,
        LessonKind::Lucky => &mut lessons.lucky,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(toml_text: &str) -> Redactor {
        let incident: Incident = toml::from_str(toml_text).unwrap();
        Redactor::for_incident(&Config::default(), &incident)
    }

    fn redact(r: &Redactor, text: &str) -> String {
        let place = Place {
            incident: "x",
            place: "title".into(),
        };
        r.redact(text, &place, &mut Vec::new()).into_owned()
    }

    #[test]
    fn names_become_roles_or_a_customer_and_detectors_their_markers() {
        let r = redactor(
            r#"
title = "t"
[[people]]
handle = "priya"
name = "Priya Raman"
role = "database on-call"
[public]
redact = ["ip", "email"]
names = ["Acme Corp"]
patterns = ['OPS-\d+']
"#,
        );
        let mut log = Vec::new();
        let place = Place {
            incident: "x",
            place: "title".into(),
        };
        let out = r.redact(
            "Priya Raman (priya) told ACME corp via ops@acme.test from 10.0.0.7 about OPS-12",
            &place,
            &mut log,
        );
        assert_eq!(
            out,
            "database on-call (database on-call) told a customer via [redacted email] from [redacted ip] about [redacted]"
        );
        assert_eq!(log.len(), 6);
        assert!(r.find(&out).is_empty(), "the markers are not found again");
    }

    #[test]
    fn names_as_people_write_them() {
        let r = redactor(
            r#"
title = "t"
[[people]]
handle = "sexample"
name = "Sam Example"
role = "incident commander"
[[timeline]]
at = "2026-11-05T10:00:00Z"
text = "paged"
by = "Dana Whitfield"
[public]
redact = []
names = ["Acme Corp"]
allow_words = ["Example"]
"#,
        );
        for (text, want) in [
            ("Sam\nExample paged", "incident commander paged"),
            ("Sam&nbsp;Example paged", "incident commander paged"),
            ("Sam **Example** paged", "incident commander paged"),
            ("Sam  Example paged", "incident commander paged"),
            ("SAM EXAMPLE paged", "incident commander paged"),
            ("S\u{430}m Ex\u{430}mple paged", "incident commander paged"),
            (
                "Sam paged the on-call",
                "incident commander paged the on-call",
            ),
            ("an example of it", "an example of it"),
            ("Dana said", "a responder said"),
            ("whitfield said", "a responder said"),
            ("acme\u{a0}CORP saw", "a customer saw"),
            (
                "see https://tracker.sam/OPS-1 and sam-bot",
                "see https://tracker.sam/OPS-1 and incident commander-bot",
            ),
            (
                "Sam Example's pager at example.sam",
                "incident commander's pager at example.sam",
            ),
            ("Acme\nCorp saw", "a customer saw"),
            ("acme-corp and acme_corp", "a customer and a customer"),
            (
                "assignee=sam.example and user=sam",
                "assignee=incident commander and user=incident commander",
            ),
            ("S\u{e1}m \u{c9}xample", "incident commander"),
            ("torn down", "torn down"),
            (
                "key AKIAIOSF\u{200b}ODNN7EXAMPLE",
                "key AKIAIOSFODNN7EXAMPLE",
            ),
            ("\u{ff11}\u{ff10}.1.2.3", "10.1.2.3"),
        ] {
            assert_eq!(redact(&r, text), want, "{text:?}");
        }
    }

    #[test]
    fn public_ids_hide_the_folder_name() {
        let incident: Incident = toml::from_str("title = 't'").unwrap();
        let id = public_id("2026-11-05-acme-corp-outage", &incident);
        assert!(
            id.starts_with("2026-11-05-") && !id.contains("acme"),
            "{id}"
        );
        assert_eq!(id, public_id("2026-11-05-acme-corp-outage", &incident));
        let named: Incident = toml::from_str("title = 't'\npublic_id = 'dns'").unwrap();
        assert_eq!(public_id("2026-11-05-acme", &named), "dns");
    }
}
