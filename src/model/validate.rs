//! Validation of a parsed incident: what the types alone cannot say.
//!
//! Ids must be unique and well formed, references must point at something, zones must exist,
//! times must be in order, action items need an owner, and the text must be blameless. Findings
//! name a path in the document (`factors[2].events[0]`); the loader turns paths into spans, so
//! this module needs no source text and stays cheap on the happy path.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::Path;

use jiff::tz::TimeZone;

use super::blameless::{Lint, People};
use super::config::Policy;
use super::time::Resolution;
use super::{ActionStatus, Config, Incident, Stamp, Status};
use crate::diagnostics::Severity;
use crate::load::document::suggest;

/// One finding about a place in `incident.toml`, named by its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    /// Path of the value, such as `timeline[3].id`; empty for the file as a whole.
    pub path: String,
    /// A byte range inside the (decoded) string value, for a phrase in a longer text.
    pub within: Option<Range<usize>>,
    /// Another place the finding refers to; `{line}` in the help becomes its line number.
    pub related: Option<String>,
    pub label: Option<String>,
    pub help: Option<String>,
}

impl Finding {
    fn new(
        severity: Severity,
        code: &'static str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            severity,
            code,
            message: message.into(),
            path: path.into(),
            within: None,
            related: None,
            label: None,
            help: None,
        }
    }

    pub fn error(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, path, message)
    }

    pub fn warning(
        code: &'static str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Warning, code, path, message)
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    fn related(mut self, path: String) -> Self {
        self.related = Some(path);
        self
    }
}

/// Checks everything about `incident` that deserializing did not. `dir` is the incident folder,
/// used to check that evidence files exist. `assumed` holds ids that exist in the file in entries
/// too broken to load; references to them are not reported as missing.
pub fn validate(
    incident: &Incident,
    config: &Config,
    dir: &Path,
    assumed: &HashSet<String>,
) -> Vec<Finding> {
    let mut v = Validator {
        out: Vec::new(),
        assumed,
    };
    v.severity(incident, config);
    v.zones(incident);
    v.ids(incident);
    v.references(incident);
    v.cycles(incident);
    v.times(incident);
    v.actions(incident, config.policy.require_owner);
    v.votes(incident);
    v.feedback(incident);
    v.links(incident);
    v.sources(incident, dir);
    v.out
}

/// Breaches of the archive's `[policy]`, judged on `today`: a review not published in time, an
/// action due later than its priority allows (or never), and an action without an owner.
pub fn policy(incident: &Incident, policy: &Policy, today: jiff::civil::Date) -> Vec<Finding> {
    let mut out = Vec::new();
    let tz = incident.tz();
    if let (Some(severity), Some(resolved)) = (&incident.severity, &incident.times.resolved)
        && let Some(&days) = policy.review_within_days.get(severity)
        && incident.status != Status::Published
    {
        let resolved = resolved.resolve(&tz).0.to_zoned(tz.clone()).date();
        let since = crate::forecast::days_between(resolved, today);
        if since > i64::from(days) {
            out.push(
                Finding::warning(
                    "policy-review",
                    "status",
                    format!(
                        "{severity} reviews are to be published within {days} days of resolution; this one was resolved {since} days ago ({resolved}) and is still `{}`",
                        incident.status
                    ),
                )
                .label("not published in time")
                .help("hold the review and set `status = \"published\"`, or record why it waits"),
            );
        }
    }
    let opened = incident.opened();
    for (i, a) in incident.actions.iter().enumerate() {
        out.extend(action_policy(
            i,
            &PolicyFacts {
                id: &a.id,
                status: a.status,
                owner: a.owner.as_deref(),
                priority: a.priority,
                due: a.due.map(|d| d.0),
                opened,
            },
            policy,
        ));
    }
    out
}

/// What the policy looks at in one action.
pub struct PolicyFacts<'a> {
    pub id: &'a str,
    pub status: ActionStatus,
    pub owner: Option<&'a str>,
    pub priority: Option<crate::model::Priority>,
    pub due: Option<jiff::civil::Date>,
    /// The day the incident started.
    pub opened: Option<jiff::civil::Date>,
}

/// Breaches of the policy by one action, the `i`th of its incident: the one rule that `check`
/// reports and the meeting shows when an edit breaks it.
pub fn action_policy(i: usize, a: &PolicyFacts<'_>, policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    if matches!(a.status, ActionStatus::Done | ActionStatus::WontDo) {
        return out;
    }
    if policy.require_owner && a.owner.is_none_or(|o| o.trim().is_empty()) {
        out.push(
            Finding::warning(
                "policy-owner",
                format!("actions[{i}].id"),
                format!(
                    "action `{}` has no owner, and the policy requires one",
                    a.id
                ),
            )
            .label("no owner")
            .help("add `owner = \"handle\"`: an action nobody owns rarely gets done"),
        );
    }
    let Some(days) = policy.due_within(a.priority) else {
        return out;
    };
    let priority = a.priority.map_or("", |p| p.as_str());
    match (a.due, a.opened) {
        (None, opened) => out.push(
            Finding::warning("policy-due", format!("actions[{i}].priority"), format!("{priority} actions are to be due within {days} days of the incident; `{}` has no due date", a.id))
                .label("no due date")
                .help(format!("add `due = {}` or earlier", opened.map_or_else(|| "YYYY-MM-DD".to_owned(), |o| crate::forecast::add_days(o, days).to_string()))),
        ),
        (Some(due), Some(opened)) if crate::forecast::days_between(opened, due) > i64::from(days) => {
            let latest = crate::forecast::add_days(opened, days);
            out.push(
                Finding::warning("policy-due", format!("actions[{i}].due"), format!("{priority} actions are to be due within {days} days of the incident, by {latest}; `{}` is due {due}", a.id))
                    .label("later than the policy allows")
                    .help("bring the date forward, or lower the priority if it is not that urgent"),
            );
        }
        _ => {}
    }
    out
}

/// What to add to an incomplete action, naming only what is missing (`owner`, `due date`,
/// `kind`).
fn incomplete_help(missing: &[&str]) -> String {
    let adds: Vec<&str> = missing
        .iter()
        .map(|m| match *m {
            "owner" => "`owner = \"handle\"`",
            "due date" => "`due = YYYY-MM-DD`",
            _ => "`kind` (mitigate, prevent, detect or process)",
        })
        .collect();
    let why = match (missing.contains(&"owner"), missing.contains(&"due date")) {
        (true, true) => "an action without an owner and a date rarely gets done",
        (true, false) => "an action nobody owns rarely gets done",
        (false, true) => "an action without a date rarely gets done",
        (false, false) => "the kind says whether it mitigates, prevents or detects",
    };
    let adds = match adds.as_slice() {
        [.., last] if adds.len() > 1 => format!("{} and {last}", adds[..adds.len() - 1].join(", ")),
        _ => adds.concat(),
    };
    format!("add {adds}: {why}")
}

/// Runs the blameless lint over every text field of `incident`.
pub fn lint_incident(incident: &Incident, lint: &Lint) -> Vec<Finding> {
    let mut out = Vec::new();
    for (path, text) in text_fields(incident) {
        for hit in lint.check(text) {
            out.push(Finding {
                within: Some(hit.range.clone()),
                ..Finding::warning(hit.rule.code, path.clone(), hit.message()).help(hit.rule.help)
            });
        }
    }
    out
}

/// The lint for one incident, knowing its people by handle and name.
pub fn lint_for(incident: &Incident) -> Lint {
    let names = incident
        .people
        .iter()
        .flat_map(|p| std::iter::once(p.handle.as_str()).chain(p.name.as_deref()));
    Lint::new(&People::new(names))
}

/// Every free-text field, with its path.
pub fn text_fields(incident: &Incident) -> Vec<(String, &str)> {
    let mut fields = vec![("title".to_owned(), incident.title.as_str())];
    fields.extend(
        incident
            .summary
            .as_deref()
            .map(|s| ("summary".to_owned(), s)),
    );
    fields.extend(
        incident
            .impact
            .text
            .as_deref()
            .map(|s| ("impact.text".to_owned(), s)),
    );
    for (i, e) in incident.timeline.iter().enumerate() {
        fields.push((format!("timeline[{i}].text"), &e.text));
    }
    for (i, f) in incident.factors.iter().enumerate() {
        fields.push((format!("factors[{i}].text"), &f.text));
        if let Some(theme) = &f.theme {
            fields.push((format!("factors[{i}].theme"), theme));
        }
    }
    for (i, a) in incident.actions.iter().enumerate() {
        fields.push((format!("actions[{i}].text"), &a.text));
    }
    let lessons = &incident.lessons;
    for (name, items) in [
        ("went_well", &lessons.went_well),
        ("went_wrong", &lessons.went_wrong),
        ("lucky", &lessons.lucky),
    ] {
        for (i, text) in items.iter().enumerate() {
            fields.push((format!("lessons.{name}[{i}]"), text));
        }
    }
    fields
}

struct Validator<'a> {
    out: Vec<Finding>,
    assumed: &'a HashSet<String>,
}

/// The allowed shape of an id: it becomes an HTML anchor and part of URLs.
fn id_problem(id: &str) -> Option<&'static str> {
    if id.is_empty() {
        Some("is empty")
    } else if id.len() > 64 {
        Some("is longer than 64 characters")
    } else if !id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()) {
        Some("must start with a letter or digit")
    } else if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        Some("may only hold letters, digits, `-`, `_` and `.`")
    } else {
        None
    }
}

impl Validator<'_> {
    fn severity(&mut self, incident: &Incident, config: &Config) {
        let Some(severity) = &incident.severity else {
            return;
        };
        let levels = &config.severities.levels;
        if config.severities.rank(severity).is_none() {
            let mut f = Finding::error(
                "unknown-severity",
                "severity",
                format!("unknown severity `{severity}`"),
            )
            .label("not in the severity scale");
            f = match suggest(severity, levels) {
                Some(best) => f.help(format!(
                    "did you mean `{best}`? The scale is {}",
                    levels.join(", ")
                )),
                None => f.help(format!(
                    "the scale is {} (set it in debrief.toml under [severities] levels)",
                    levels.join(", ")
                )),
            };
            self.out.push(f);
        }
    }

    fn zones(&mut self, incident: &Incident) {
        let mut zone = |path: String, name: &str| {
            if TimeZone::get(name).is_err() {
                let names: Vec<String> =
                    jiff::tz::db().available().map(|n| n.to_string()).collect();
                let mut f = Finding::error(
                    "invalid-timezone",
                    path,
                    format!("unknown time zone `{name}`"),
                )
                .label("not an IANA time zone name");
                let abbreviation = name.len() <= 5 && name.chars().all(|c| c.is_ascii_uppercase());
                f = match suggest(name, &names) {
                    Some(best) if !abbreviation => f.help(format!("did you mean `{best}`?")),
                    _ if abbreviation => f.help(match zones_written_as(name) {
                        [] => format!(
                            "`{name}` is an abbreviation, and abbreviations are ambiguous; use an IANA name such as {}",
                            example_zones()
                        ),
                        zones => format!(
                            "`{name}` is an abbreviation, and abbreviations are ambiguous; use the IANA name of the place, such as {}",
                            zones.iter().map(|z| format!("\"{z}\"")).collect::<Vec<_>>().join(" or ")
                        ),
                    }),
                    _ => f.help(format!("use an IANA name such as {}", example_zones())),
                };
                self.out.push(f);
            }
        };
        if let Some(name) = &incident.timezone {
            zone("timezone".into(), name);
        }
        for (i, s) in incident.sources.iter().enumerate() {
            if let Some(name) = &s.timezone {
                zone(format!("sources[{i}].timezone"), name);
            }
        }
    }

    fn ids(&mut self, incident: &Incident) {
        let mut seen: HashMap<&str, String> = HashMap::new();
        let timeline = incident
            .timeline
            .iter()
            .enumerate()
            .filter_map(|(i, e)| Some((format!("timeline[{i}].id"), e.id.as_deref()?)));
        let factors = incident
            .factors
            .iter()
            .enumerate()
            .map(|(i, f)| (format!("factors[{i}].id"), f.id.as_str()));
        let actions = incident
            .actions
            .iter()
            .enumerate()
            .map(|(i, a)| (format!("actions[{i}].id"), a.id.as_str()));
        for (path, id) in timeline.chain(factors).chain(actions) {
            if let Some(problem) = id_problem(id) {
                self.out.push(
                    Finding::error("invalid-id", path.clone(), format!("id `{id}` {problem}"))
                        .label("invalid id")
                        .help("ids become links (#t-deploy): use letters, digits, `-`, `_` and `.`, such as `t-deploy`"),
                );
            }
            match seen.get(id) {
                Some(first) => self.out.push(
                    Finding::error("duplicate-id", path, format!("id `{id}` is used twice"))
                        .label("used again here")
                        .help("ids must be unique within the incident; it is first used on line {line}")
                        .related(first.clone()),
                ),
                None => {
                    seen.insert(id, path);
                }
            }
        }
    }

    fn references(&mut self, incident: &Incident) {
        let events: Vec<String> = incident
            .timeline
            .iter()
            .filter_map(|e| e.id.clone())
            .collect();
        let factors: Vec<String> = incident.factors.iter().map(|f| f.id.clone()).collect();
        for (i, f) in incident.factors.iter().enumerate() {
            self.refs(
                &format!("factors[{i}].events"),
                &f.events,
                &events,
                "timeline entry",
            );
            self.refs(
                &format!("factors[{i}].leads_to"),
                &f.leads_to,
                &factors,
                "factor",
            );
        }
        for (i, a) in incident.actions.iter().enumerate() {
            self.refs(
                &format!("actions[{i}].factors"),
                &a.factors,
                &factors,
                "factor",
            );
        }
    }

    fn refs(&mut self, path: &str, refs: &[String], known: &[String], what: &str) {
        for (j, id) in refs.iter().enumerate() {
            if !known.contains(id) && !self.assumed.contains(id) {
                let mut f = Finding::error(
                    "missing-reference",
                    format!("{path}[{j}]"),
                    format!("no {what} has the id `{id}`"),
                )
                .label(format!("unknown {what}"));
                f = match suggest(id, known) {
                    Some(best) => f.help(format!("did you mean `{best}`?")),
                    None if known.is_empty() => {
                        f.help(format!("this incident has no {what} with an id yet"))
                    }
                    None => f.help(format!("known ids: {}", known.join(", "))),
                };
                self.out.push(f);
            }
        }
    }

    /// `leads_to` must not loop: a factor cannot, through others, feed itself.
    fn cycles(&mut self, incident: &Incident) {
        let index: HashMap<&str, usize> = incident
            .factors
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id.as_str(), i))
            .collect();
        // 0 = unseen, 1 = on the current path, 2 = done.
        let mut state = vec![0u8; incident.factors.len()];
        let mut reported = HashSet::new();
        for start in 0..incident.factors.len() {
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            if state[start] != 0 {
                continue;
            }
            state[start] = 1;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let targets = &incident.factors[node].leads_to;
                if *next < targets.len() {
                    let j = *next;
                    *next += 1;
                    let Some(&to) = index.get(targets[j].as_str()) else {
                        continue;
                    };
                    match state[to] {
                        0 => {
                            state[to] = 1;
                            stack.push((to, 0));
                        }
                        1 if reported.insert((node, j)) => {
                            let path: Vec<&str> = stack
                                .iter()
                                .skip_while(|(n, _)| *n != to)
                                .map(|(n, _)| incident.factors[*n].id.as_str())
                                .chain([incident.factors[to].id.as_str()])
                                .collect();
                            self.out.push(
                                Finding::error(
                                    "cycle",
                                    format!("factors[{node}].leads_to[{j}]"),
                                    format!("`leads_to` loops: {}", path.join(" → ")),
                                )
                                .label("closes the loop")
                                .help("a factor cannot feed itself; remove one link of the loop"),
                            );
                        }
                        _ => {}
                    }
                } else {
                    state[node] = 2;
                    stack.pop();
                }
            }
        }
    }

    fn times(&mut self, incident: &Incident) {
        let tz = incident.tz();
        let zone_missing = incident.timezone.is_none();
        let t = &incident.times;
        let named = [
            ("started", &t.started),
            ("detected", &t.detected),
            ("mitigated", &t.mitigated),
            ("resolved", &t.resolved),
        ];
        let mut stamps: Vec<(String, &Stamp)> = named
            .iter()
            .filter_map(|(n, s)| Some((format!("times.{n}"), s.as_ref()?)))
            .collect();
        stamps.extend(
            incident
                .timeline
                .iter()
                .enumerate()
                .map(|(i, e)| (format!("timeline[{i}].at"), &e.at)),
        );
        let mut warned_zone = false;
        for (path, stamp) in &stamps {
            // Incidents happen in the age of computers; a time before 1970 is a typo (and,
            // in many zones, one with an offset in seconds that TOML cannot write).
            if stamp.resolve(&tz).0.as_second() < 0 {
                self.out.push(
                    Finding::error(
                        "time-range",
                        path.clone(),
                        format!("{stamp} is before 1970"),
                    )
                    .label("check the year")
                    .help("write the time of the incident, such as 2026-11-03T14:02:00+01:00"),
                );
            }
            if let Stamp::Floating(dt) = stamp {
                if zone_missing && !warned_zone {
                    warned_zone = true;
                    self.out.push(
                        Finding::warning("floating-time", path.clone(), "this time has no offset, and the incident has no `timezone`")
                            .label("read as UTC")
                            .help("add `timezone = \"Area/City\"` at the top, or write the offset: 2026-11-03T14:02:00+01:00"),
                    );
                }
                match stamp.resolve(&tz).1 {
                    Resolution::Unique => {}
                    Resolution::Gap => self.out.push(
                        Finding::warning(
                            "ambiguous-time",
                            path.clone(),
                            format!(
                                "{dt} did not exist in {}: the clocks skipped it",
                                tz_name(incident)
                            ),
                        )
                        .label("read as after the gap")
                        .help("write the offset to say which instant you mean"),
                    ),
                    Resolution::Fold => self.out.push(
                        Finding::warning(
                            "ambiguous-time",
                            path.clone(),
                            format!(
                                "{dt} happened twice in {}: the clocks went back",
                                tz_name(incident)
                            ),
                        )
                        .label("read as the earlier one")
                        .help("write the offset to say which instant you mean"),
                    ),
                }
            }
        }
        // started ≤ detected ≤ mitigated ≤ resolved, for the ones present.
        let present: Vec<(&str, jiff::Timestamp)> = named
            .iter()
            .filter_map(|(n, s)| Some((*n, s.as_ref()?.resolve(&tz).0)))
            .collect();
        for pair in present.windows(2) {
            let ((a, at), (b, bt)) = (pair[0], pair[1]);
            if bt < at {
                let show = |ts: jiff::Timestamp| {
                    ts.to_zoned(tz.clone())
                        .strftime("%Y-%m-%d %H:%M:%S %Z")
                        .to_string()
                };
                self.out.push(
                    Finding::warning("times-order", format!("times.{b}"), format!("`{b}` ({}) is before `{a}` ({})", show(bt), show(at)))
                        .label(format!("before `{a}`"))
                        .help("the key times run started ≤ detected ≤ mitigated ≤ resolved; check the offsets and dates"),
                );
            }
        }
    }

    /// Actions missing an owner, a date or a kind. A missing owner is left to the policy's own
    /// warning when the policy requires owners.
    fn actions(&mut self, incident: &Incident, owner_by_policy: bool) {
        for (i, a) in incident.actions.iter().enumerate() {
            if matches!(a.status, ActionStatus::Done | ActionStatus::WontDo) {
                continue;
            }
            let missing: Vec<&str> = [
                ("owner", a.owner.is_none() && !owner_by_policy),
                ("due date", a.due.is_none()),
                ("kind", a.kind.is_none()),
            ]
            .into_iter()
            .filter_map(|(what, gone)| gone.then_some(what))
            .collect();
            if !missing.is_empty() {
                self.out.push(
                    Finding::warning(
                        "action-incomplete",
                        format!("actions[{i}].id"),
                        format!("action `{}` has no {}", a.id, join_words(&missing)),
                    )
                    .label("incomplete action item")
                    .help(incomplete_help(&missing)),
                );
            }
        }
    }

    fn feedback(&mut self, incident: &Incident) {
        for (i, f) in incident.feedback.iter().enumerate() {
            if !(1..=5).contains(&f.rating) {
                self.out.push(
                    Finding::error(
                        "invalid-value",
                        format!("feedback[{i}].rating"),
                        format!("a feedback rating is 1 to 5, not {}", f.rating),
                    )
                    .label("out of range")
                    .help("ratings go from 1 (poor) to 5 (very good)"),
                );
            }
        }
    }

    fn votes(&mut self, incident: &Incident) {
        if incident.status == Status::Draft {
            return;
        }
        for (i, f) in incident.factors.iter().enumerate() {
            if f.total_votes() == 0 {
                self.out.push(
                    Finding::warning("factor-no-votes", format!("factors[{i}].id"), format!("factor `{}` has no votes, but the incident's status is `{}`", f.id, incident.status))
                        .label("no votes")
                        .help("vote on the factors in the meeting, or remove the ones the team did not keep"),
                );
            }
        }
    }

    /// Factors that no event shows, and actions that address no factor, leave the flow
    /// diagram with loose ends.
    fn links(&mut self, incident: &Incident) {
        for (i, f) in incident.factors.iter().enumerate() {
            if f.events.is_empty() {
                self.out.push(
                    Finding::warning("factor-no-events", format!("factors[{i}].id"), format!("factor `{}` is linked to no timeline entry", f.id))
                        .label("no `events`")
                        .help("add `events = [\"t-...\"]` with the entries that show this factor, so the flow diagram and the report connect them"),
                );
            }
        }
        for (i, a) in incident.actions.iter().enumerate() {
            if a.factors.is_empty() {
                self.out.push(
                    Finding::warning(
                        "action-no-factors",
                        format!("actions[{i}].id"),
                        format!("action `{}` addresses no contributing factor", a.id),
                    )
                    .label("no `factors`")
                    .help("add `factors = [\"f-...\"]` with the factors this action addresses"),
                );
            }
        }
    }

    fn sources(&mut self, incident: &Incident, dir: &Path) {
        for (i, s) in incident.sources.iter().enumerate() {
            let path = format!("sources[{i}].path");
            if is_glob(&s.path) {
                let pattern = dir.join(&s.path);
                match glob::glob(&pattern.to_string_lossy()) {
                    Err(e) => self.out.push(
                        Finding::error(
                            "invalid-glob",
                            path,
                            format!("`{}` is not a valid glob: {}", s.path, e.msg),
                        )
                        .label("invalid glob"),
                    ),
                    Ok(mut matches) => {
                        if matches.next().is_none() {
                            self.out.push(
                                Finding::warning(
                                    "empty-source",
                                    path,
                                    format!("`{}` matches no file", s.path),
                                )
                                .label("no matches")
                                .help("paths are relative to the incident folder"),
                            );
                        }
                    }
                }
            } else if dir.join(&s.path).is_dir() {
                self.out.push(
                    Finding::error("missing-source", path, format!("`{}` is a folder", s.path))
                        .label("not a file")
                        .help("name a file, or a glob such as `logs/*.log`"),
                );
            } else if dir.join(&s.path).exists() && !dir.join(&s.path).is_file() {
                self.out.push(
                    Finding::error(
                        "missing-source",
                        path,
                        format!(
                            "`{}` is not a regular file (a pipe, a device or a socket)",
                            s.path
                        ),
                    )
                    .label("not a file")
                    .help("a log is read from a regular file: save the stream to a file first"),
                );
            } else if !dir.join(&s.path).exists() {
                self.out.push(
                    Finding::error(
                        "missing-source",
                        path,
                        format!("`{}` does not exist", s.path),
                    )
                    .label("no such file")
                    .help(
                        match crate::load::near_name(&dir.join(&s.path))
                            .and_then(|near| near.strip_prefix(dir).ok().map(Path::to_path_buf))
                        {
                            Some(near) => format!(
                                "did you mean `{}`? Paths are relative to the incident folder, {}",
                                near.display(),
                                dir.display()
                            ),
                            None => format!(
                                "paths are relative to the incident folder, {}",
                                dir.display()
                            ),
                        },
                    ),
                );
            }
            let regexes = s
                .include
                .iter()
                .enumerate()
                .map(|(j, r)| (format!("sources[{i}].include[{j}]"), r));
            let excludes = s
                .exclude
                .iter()
                .enumerate()
                .map(|(j, r)| (format!("sources[{i}].exclude[{j}]"), r));
            for (path, pattern) in regexes.chain(excludes) {
                if let Err(e) = regex::Regex::new(pattern) {
                    self.out.push(invalid_regex(path, &e));
                }
            }
            if let Some(pattern) = &s.regex {
                let path = format!("sources[{i}].regex");
                match regex::Regex::new(pattern) {
                    Err(e) => self.out.push(invalid_regex(path, &e)),
                    Ok(re) => {
                        let names: Vec<&str> = re.capture_names().flatten().collect();
                        if !names.contains(&"ts") || !names.contains(&"msg") {
                            self.out.push(
                                Finding::error(
                                    "invalid-regex",
                                    path,
                                    "a source regex needs the named groups `ts` and `msg`",
                                )
                                .label("missing named groups")
                                .help("for example: '^(?P<ts>\\S+ \\S+) (?P<msg>.*)$'"),
                            );
                        }
                    }
                }
            }
        }
    }
}

fn invalid_regex(path: String, e: &regex::Error) -> Finding {
    let detail = e.to_string();
    let last = detail
        .lines()
        .last()
        .unwrap_or("")
        .trim_start_matches("error: ")
        .to_owned();
    Finding::error("invalid-regex", path, format!("invalid regex: {last}"))
        .label("does not compile")
}

fn is_glob(path: &str) -> bool {
    path.contains(['*', '?', '['])
}

fn tz_name(incident: &Incident) -> &str {
    incident.timezone.as_deref().unwrap_or("UTC")
}

/// "owner, due date or kind".
fn join_words(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The zones a time-zone abbreviation most often stands for (a few abbreviations name several
/// places: `IST` is India, Ireland and Israel). Abbreviations are not zones, so none is taken;
/// these are only offered.
fn zones_written_as(abbreviation: &str) -> &'static [&'static str] {
    match abbreviation {
        "PST" | "PDT" => &["America/Los_Angeles"],
        "MST" | "MDT" => &["America/Denver", "America/Phoenix"],
        "CST" | "CDT" => &["America/Chicago", "Asia/Shanghai"],
        "EST" | "EDT" => &["America/New_York"],
        "AKST" | "AKDT" => &["America/Anchorage"],
        "HST" => &["Pacific/Honolulu"],
        "GMT" | "BST" => &["Europe/London"],
        "WET" | "WEST" => &["Europe/Lisbon"],
        "CET" | "CEST" | "MEZ" | "MESZ" => &["Europe/Berlin", "Europe/Paris"],
        "EET" | "EEST" => &["Europe/Athens", "Europe/Helsinki"],
        "MSK" => &["Europe/Moscow"],
        "IST" => &["Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"],
        "SGT" => &["Asia/Singapore"],
        "HKT" => &["Asia/Hong_Kong"],
        "JST" => &["Asia/Tokyo"],
        "KST" => &["Asia/Seoul"],
        "AEST" | "AEDT" => &["Australia/Sydney"],
        "ACST" | "ACDT" => &["Australia/Adelaide"],
        "AWST" => &["Australia/Perth"],
        "NZST" | "NZDT" => &["Pacific/Auckland"],
        "BRT" => &["America/Sao_Paulo"],
        _ => &[],
    }
}

/// Zone names to show as examples: this machine's own zone first, when it has a name.
fn example_zones() -> String {
    let own = jiff::tz::TimeZone::system()
        .iana_name()
        .filter(|n| *n != "UTC" && *n != "Etc/UTC")
        .map(str::to_owned);
    let mut names: Vec<String> = own.into_iter().collect();
    for n in ["America/New_York", "Europe/London", "UTC"] {
        if !names.iter().any(|x| x == n) {
            names.push(n.to_owned());
        }
    }
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(text: &str) -> Incident {
        toml::from_str(text).unwrap()
    }

    fn codes(text: &str) -> Vec<(&'static str, String)> {
        validate(
            &incident(text),
            &Config::default(),
            Path::new("."),
            &HashSet::new(),
        )
        .into_iter()
        .map(|f| (f.code, f.path))
        .collect()
    }

    #[test]
    fn a_minimal_incident_is_clean() {
        assert_eq!(codes("title = \"x\"\ntimezone = \"UTC\""), vec![]);
    }

    #[test]
    fn leads_to_cycles_are_found_once() {
        let text = r#"
            title = "x"
            [[factors]]
            id = "a"
            text = "a"
            leads_to = ["b"]
            [[factors]]
            id = "b"
            text = "b"
            leads_to = ["c"]
            [[factors]]
            id = "c"
            text = "c"
            leads_to = ["a"]
        "#;
        let found = validate(
            &incident(text),
            &Config::default(),
            Path::new("."),
            &HashSet::new(),
        );
        let cycles: Vec<&Finding> = found.iter().filter(|f| f.code == "cycle").collect();
        assert_eq!(cycles.len(), 1, "{found:?}");
        assert_eq!(cycles[0].message, "`leads_to` loops: a → b → c → a");
    }

    #[test]
    fn key_times_out_of_order_are_warned_with_local_times() {
        let text = r#"
            title = "x"
            timezone = "Europe/Berlin"
            [times]
            started = 2026-11-03T14:10:00
            detected = 2026-11-03T14:05:00+01:00
        "#;
        let found = validate(
            &incident(text),
            &Config::default(),
            Path::new("."),
            &HashSet::new(),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, "times-order");
        assert_eq!(
            found[0].message,
            "`detected` (2026-11-03 14:05:00 CET) is before `started` (2026-11-03 14:10:00 CET)"
        );
    }

    #[test]
    fn done_actions_need_no_due_date() {
        let text = r#"
            title = "x"
            timezone = "UTC"
            [[actions]]
            id = "a-1"
            text = "done already"
            status = "done"
            factors = ["f-1"]
            [[factors]]
            id = "f-1"
            text = "a factor"
            events = ["t-1"]
            [[timeline]]
            id = "t-1"
            at = 2026-11-03T14:05:00Z
            text = "seen"
        "#;
        assert_eq!(codes(text), vec![]);
    }

    #[test]
    fn loose_factors_and_actions_are_warned() {
        let text = r#"
            title = "x"
            timezone = "UTC"
            [[factors]]
            id = "f-1"
            text = "a factor"
            [[actions]]
            id = "a-1"
            text = "done already"
            status = "done"
        "#;
        assert_eq!(
            codes(text),
            vec![
                ("factor-no-events", "factors[0].id".to_owned()),
                ("action-no-factors", "actions[0].id".to_owned()),
            ]
        );
    }
}
