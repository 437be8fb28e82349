//! Public builds (`debrief build --public`): a version of the site fit for customers.
//!
//! Every incident is copied with the items marked `public = false` left out, the
//! `<!-- internal -->` parts of notes.md dropped, and every text passed through one
//! [`Redactor`]: the built-in detectors that `[public] redact` turns on, the `names` (and the
//! people of `[[people]]`, who become their roles) and the `patterns`. Rendering then works on
//! the copy, so no page, diagram, export or feed can show what the copy does not hold. After
//! rendering, [`leaks`] runs the same redactor over every file written, and anything it still
//! finds fails the build.

pub mod detect;

use std::borrow::Cow;
use std::ops::Range;

use regex::Regex;

use crate::model::config::{PublicRules, PublicSetting};
use crate::model::validate::Finding;
use crate::model::{Config, Incident, LessonKind, LoadedIncident};
pub use detect::Detector;

/// The marker that starts a part of notes.md left out of public builds, and the one that ends
/// it.
pub const INTERNAL_START: &str = "<!-- internal -->";
pub const INTERNAL_END: &str = "<!-- /internal -->";

/// What was redacted or left out, for `--public --explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    /// The incident's id.
    pub incident: String,
    /// Where: `title`, `timeline t-3`, `notes.md`, `logs`.
    pub place: String,
    /// `ip`, `email`, `hostname`, `secret`, `name`, `pattern`, or `hidden` for an item left
    /// out.
    pub kind: &'static str,
    /// The text found (empty for a hidden item).
    pub found: String,
}

/// Finds and replaces what a public build must not show.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    detectors: Vec<Detector>,
    allow: Vec<String>,
    /// Names and what they become ("a customer", or a person's role), longest first.
    names: Vec<(Regex, String)>,
    patterns: Vec<Regex>,
}

/// One thing found: where, of what kind, and what it becomes.
struct Hit {
    range: Range<usize>,
    kind: &'static str,
    replacement: String,
}

impl Redactor {
    /// The redactor for one incident: the archive's rules with the incident's own added. Rules
    /// were validated when the files were loaded; an entry that does not read is skipped here.
    pub fn for_incident(config: &Config, incident: &Incident) -> Redactor {
        let mut r = Redactor::default();
        if let Some(rules) = &config.public {
            r.add_rules(rules);
        }
        if let Some(PublicSetting::Rules(rules)) = &incident.public {
            r.add_rules(rules);
        }
        for p in &incident.people {
            let role = p.role.clone().unwrap_or_else(|| "a responder".to_owned());
            for name in p.name.iter().chain(std::iter::once(&p.handle)) {
                r.add_name(name, &role);
            }
        }
        r.sort_names();
        r
    }

    /// The redactor of one set of rules alone (debrief.toml's).
    pub fn from_rules(rules: &PublicRules) -> Redactor {
        let mut r = Redactor::default();
        r.add_rules(rules);
        r.sort_names();
        r
    }

    fn add_rules(&mut self, rules: &PublicRules) {
        for d in rules.redact.iter().filter_map(|n| Detector::parse(n)) {
            if !self.detectors.contains(&d) {
                self.detectors.push(d);
            }
        }
        self.detectors.sort();
        self.allow.extend(rules.allow_domains.iter().cloned());
        for name in &rules.names {
            self.add_name(name, "a customer");
        }
        self.patterns
            .extend(rules.patterns.iter().filter_map(|p| Regex::new(p).ok()));
    }

    fn add_name(&mut self, name: &str, becomes: &str) {
        let name = name.trim();
        if name.is_empty() || name.eq_ignore_ascii_case(becomes) {
            return;
        }
        let pattern = format!(r"(?i)\b{}\b", regex::escape(name));
        if let Ok(re) = Regex::new(&pattern) {
            self.names.push((re, becomes.to_owned()));
        }
    }

    fn sort_names(&mut self) {
        self.names
            .sort_by_key(|(re, _)| std::cmp::Reverse(re.as_str().len()));
    }

    /// Adds another incident's rules and people, for checking the pages every incident
    /// reaches (the archive index, the feeds).
    pub fn merge(&mut self, other: &Redactor) {
        for d in &other.detectors {
            if !self.detectors.contains(d) {
                self.detectors.push(*d);
            }
        }
        self.detectors.sort();
        self.allow.extend(other.allow.iter().cloned());
        self.names.extend(other.names.iter().cloned());
        self.patterns.extend(other.patterns.iter().cloned());
        self.sort_names();
    }

    /// Everything found in `text`, without overlaps: an earlier start wins, then a longer match.
    fn hits(&self, text: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        for d in &self.detectors {
            for range in d.find(text, &self.allow) {
                hits.push(Hit {
                    range,
                    kind: d.name(),
                    replacement: format!("[redacted {}]", d.name()),
                });
            }
        }
        for re in &self.patterns {
            for m in re.find_iter(text).filter(|m| !m.is_empty()) {
                hits.push(Hit {
                    range: m.range(),
                    kind: "pattern",
                    replacement: "[redacted]".to_owned(),
                });
            }
        }
        for (re, becomes) in &self.names {
            for m in re.find_iter(text) {
                hits.push(Hit {
                    range: m.range(),
                    kind: "name",
                    replacement: becomes.clone(),
                });
            }
        }
        hits.sort_by_key(|h| (h.range.start, std::cmp::Reverse(h.range.end)));
        let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
        for h in hits {
            if kept.last().is_none_or(|k| h.range.start >= k.range.end) {
                kept.push(h);
            }
        }
        kept
    }

    /// What the redactor finds in `text`: `(kind, the text found)`.
    pub fn find<'t>(&self, text: &'t str) -> Vec<(&'static str, &'t str)> {
        self.hits(text)
            .into_iter()
            .map(|h| (h.kind, &text[h.range]))
            .collect()
    }

    /// `text` with everything found replaced by its marker, each noted in `log`.
    pub fn redact<'t>(
        &self,
        text: &'t str,
        place: &Place,
        log: &mut Vec<Redaction>,
    ) -> Cow<'t, str> {
        let hits = self.hits(text);
        if hits.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for h in hits {
            out.push_str(&text[at..h.range.start]);
            out.push_str(&h.replacement);
            log.push(place.redaction(h.kind, &text[h.range.clone()]));
            at = h.range.end;
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }
}

/// An incident and a place in it, for the log.
pub struct Place<'a> {
    pub incident: &'a str,
    pub place: String,
}

impl Place<'_> {
    fn redaction(&self, kind: &'static str, found: &str) -> Redaction {
        Redaction {
            incident: self.incident.to_owned(),
            place: self.place.clone(),
            kind,
            found: found.to_owned(),
        }
    }
}

/// Whether the incident may be published at all.
pub fn shown(incident: &Incident) -> bool {
    !matches!(incident.public, Some(PublicSetting::Shown(false)))
}

/// The items `[public] hide` names.
fn hidden_ids(incident: &Incident) -> &[String] {
    match &incident.public {
        Some(PublicSetting::Rules(rules)) => &rules.hide,
        _ => &[],
    }
}

/// The public copy of an incident: hidden items left out, every text redacted. What was done
/// goes into `log`.
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
    i.timeline
        .retain(|e| leave_out("timeline", e.id.as_deref(), e.public));
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
        let list = lessons_mut(&mut i.lessons, kind);
        let mut n = 0;
        list.retain(|_| {
            n += 1;
            let key = format!("{}.{n}", kind.key());
            let out = hide.contains(&key);
            if out {
                note_hidden(log, format!("lesson {key}"));
            }
            !out
        });
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
    for p in &mut i.people {
        // People are shown by their role.
        let role = p.role.clone().unwrap_or_else(|| "a responder".to_owned());
        p.name = None;
        p.handle = role;
    }
    for s in &mut i.sources {
        r(&mut s.name, at("sources"), log);
    }
    for m in &mut i.metrics {
        r(&mut m.name, at("metrics"), log);
    }
    for e in &mut i.timeline {
        let place = format!("timeline {}", e.id.as_deref().unwrap_or(""));
        r(&mut e.text, at(&place), log);
        for s in e
            .lane
            .iter_mut()
            .chain(e.by.iter_mut())
            .chain(e.source.iter_mut())
        {
            r(s, at(&place), log);
        }
    }
    for f in &mut i.factors {
        r(&mut f.text, at(&format!("factor {}", f.id)), log);
    }
    for a in &mut i.actions {
        let place = format!("action {}", a.id);
        r(&mut a.text, at(&place), log);
        for s in a.owner.iter_mut().chain(a.ticket.iter_mut()) {
            r(s, at(&place), log);
        }
    }
    for &kind in LessonKind::ALL {
        for (n, lesson) in lessons_mut(&mut i.lessons, kind).iter_mut().enumerate() {
            r(lesson, at(&format!("lesson {}.{}", kind.key(), n + 1)), log);
        }
    }
    i.feedback.clear();
    i.public = None;
    let notes = loaded.notes.as_deref().map(|notes| {
        let (kept, parts) = without_internal(notes);
        for _ in 0..parts {
            note_hidden(log, "notes.md: an internal part".to_owned());
        }
        redactor.redact(&kept, &at("notes.md"), log).into_owned()
    });
    LoadedIncident {
        id: loaded.id.clone(),
        dir: loaded.dir.clone(),
        incident: i,
        notes,
    }
}

fn lessons_mut(lessons: &mut crate::model::Lessons, kind: LessonKind) -> &mut Vec<String> {
    match kind {
        LessonKind::WentWell => &mut lessons.went_well,
        LessonKind::WentWrong => &mut lessons.went_wrong,
        LessonKind::Lucky => &mut lessons.lucky,
    }
}

/// notes.md without what sits between `<!-- internal -->` and `<!-- /internal -->`, and how
/// many such parts there were. Markers are checked when the incident loads, so they balance.
pub fn without_internal(notes: &str) -> (String, usize) {
    let mut out = String::with_capacity(notes.len());
    let mut rest = notes;
    let mut parts = 0;
    while let Some(start) = rest.find(INTERNAL_START) {
        out.push_str(&rest[..start]);
        parts += 1;
        match rest[start..].find(INTERNAL_END) {
            Some(end) => rest = &rest[start + end + INTERNAL_END.len()..],
            // Unbalanced (only when loading was skipped): leave out the rest, to be safe.
            None => return (out, parts),
        }
    }
    out.push_str(rest);
    (out, parts)
}

/// Byte ranges of markers in notes.md that do not balance: an end without a start, a start
/// inside another part, a start never ended. For `debrief check`.
pub fn unbalanced_markers(notes: &str) -> Vec<(Range<usize>, &'static str)> {
    let mut problems = Vec::new();
    let mut open: Option<usize> = None;
    let mut at = 0;
    loop {
        let next_start = notes[at..].find(INTERNAL_START).map(|i| at + i);
        let next_end = notes[at..].find(INTERNAL_END).map(|i| at + i);
        match (next_start, next_end) {
            (Some(s), e) if e.is_none_or(|e| s < e) => {
                if let Some(o) = open {
                    problems.push((o..o + INTERNAL_START.len(), "this internal part is never ended: the next `<!-- internal -->` comes first"));
                }
                open = Some(s);
                at = s + INTERNAL_START.len();
            }
            (_, Some(e)) => {
                if open.take().is_none() {
                    problems.push((
                        e..e + INTERNAL_END.len(),
                        "`<!-- /internal -->` without a `<!-- internal -->` before it",
                    ));
                }
                at = e + INTERNAL_END.len();
            }
            (_, None) => break,
        }
    }
    if let Some(o) = open {
        problems.push((
            o..o + INTERNAL_START.len(),
            "this internal part is never ended with `<!-- /internal -->`",
        ));
    }
    problems
}

/// Findings about `[public]` rules: detectors that do not exist and patterns that do not
/// compile (`prefix` is `public` in both files), and in incident.toml, `hide` entries that
/// name nothing.
pub fn rule_findings(rules: &PublicRules, incident: Option<&Incident>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (n, name) in rules.redact.iter().enumerate() {
        if Detector::parse(name).is_none() {
            let known: Vec<String> = Detector::ALL.iter().map(|d| d.name().to_owned()).collect();
            let help = match crate::load::document::suggest(name, &known) {
                Some(best) => format!(
                    "did you mean `{best}`? The detectors are ip, email, hostname and secret"
                ),
                None => "the detectors are ip, email, hostname and secret".to_owned(),
            };
            out.push(
                Finding::error(
                    "invalid-public",
                    format!("public.redact[{n}]"),
                    format!("there is no detector `{name}`"),
                )
                .label("unknown detector")
                .help(help),
            );
        }
    }
    for (n, pattern) in rules.patterns.iter().enumerate() {
        if let Err(e) = Regex::new(pattern) {
            let reason = e.to_string();
            let reason = reason
                .lines()
                .last()
                .unwrap_or("")
                .trim_start_matches("error: ");
            out.push(
                Finding::error(
                    "invalid-public",
                    format!("public.patterns[{n}]"),
                    format!("this pattern is not a valid regular expression: {reason}"),
                )
                .label("invalid regex")
                .help("patterns use Rust regex syntax; escape a literal `.`, `(` or `[` with `\\`"),
            );
        }
    }
    match incident {
        None => {
            for (n, _) in rules.hide.iter().enumerate() {
                out.push(
                    Finding::error(
                        "invalid-public",
                        format!("public.hide[{n}]"),
                        "`hide` belongs in an incident's incident.toml",
                    )
                    .help("list the ids to leave out in the [public] table of the incident that has them"),
                );
            }
        }
        Some(incident) => {
            let mut known: Vec<String> = incident
                .timeline
                .iter()
                .filter_map(|e| e.id.clone())
                .chain(incident.factors.iter().map(|f| f.id.clone()))
                .chain(incident.actions.iter().map(|a| a.id.clone()))
                .collect();
            for &kind in LessonKind::ALL {
                for n in 1..=incident.lessons.of(kind).len() {
                    known.push(format!("{}.{n}", kind.key()));
                }
            }
            for (n, id) in rules.hide.iter().enumerate() {
                if !known.contains(id) {
                    let help = match crate::load::document::suggest(id, &known) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None => "hide takes ids of timeline entries, factors and actions, and lessons as `went_wrong.2` (from 1)".to_owned(),
                    };
                    out.push(
                        Finding::error(
                            "invalid-public",
                            format!("public.hide[{n}]"),
                            format!("nothing in this incident has the id `{id}`, so nothing would be hidden"),
                        )
                        .label("unknown id")
                        .help(help),
                    );
                }
            }
        }
    }
    out
}

/// What the leak check found: the file, the kind and the text.
#[derive(Debug, Clone)]
pub struct Leak {
    pub file: String,
    pub kind: &'static str,
    pub found: String,
}

/// Domains the site's own markup names: the SVG and XHTML namespaces.
const OWN_DOMAINS: &[&str] = &["w3.org"];

/// Runs `redactor` over the text of a rendered file. Embedded `data:` URLs (fonts) are skipped:
/// they are the theme's, not the incidents'.
pub fn leaks(file: &str, bytes: &[u8], redactor: &Redactor) -> Vec<Leak> {
    let text = String::from_utf8_lossy(bytes);
    let mut checker = redactor.clone();
    checker
        .allow
        .extend(OWN_DOMAINS.iter().map(|d| (*d).to_owned()));
    let mut text = text.into_owned();
    while let Some(start) = text.find("data:") {
        let end = text[start..]
            .find(|c: char| c == '"' || c == '\'' || c == ')' || c.is_whitespace())
            .map_or(text.len(), |e| start + e);
        text.replace_range(start..end, " ");
    }
    checker
        .find(&text)
        .into_iter()
        .map(|(kind, found)| Leak {
            file: file.to_owned(),
            kind,
            found: found.to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_parts_are_dropped_and_bad_markers_named() {
        let notes = "a\n<!-- internal -->\nsecret\n<!-- /internal -->\nb\n";
        assert_eq!(without_internal(notes), ("a\n\nb\n".to_owned(), 1));
        assert!(unbalanced_markers(notes).is_empty());
        let bad = "x <!-- internal --> y";
        assert_eq!(unbalanced_markers(bad)[0].0, 2..19);
        let bad = "x <!-- /internal --> y";
        assert_eq!(unbalanced_markers(bad)[0].0, 2..20);
        let bad = "<!-- internal --> a <!-- internal --> b <!-- /internal -->";
        assert_eq!(unbalanced_markers(bad).len(), 1);
    }

    #[test]
    fn names_become_roles_or_a_customer_and_detectors_their_markers() {
        let incident: Incident = toml::from_str(
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
        )
        .unwrap();
        let r = Redactor::for_incident(&Config::default(), &incident);
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
}
