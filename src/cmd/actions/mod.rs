//! `debrief actions`: every action item of an incident or an archive, where it stands, and what
//! puts it at risk; and `debrief actions done`, which closes one.

mod summary;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use jiff::civil::Date;
use serde::Serialize;

use crate::cli::{ActionsArgs, ActionsCommand, ActionsFormat, FailOn};
use crate::diagnostics::{Report, Style, plural};
use crate::forecast::{Assessment, Facts, Forecast, Risk};
use crate::load::{self, Archive, Options};
use crate::model::{Action, ActionState, ActionStatus, LoadedIncident};
use crate::render::feeds;
use crate::store::{ActionChanges, Op};

/// Exit code for set-up problems: bad usage, or files that do not load.
const SETUP: u8 = 2;

pub fn run(args: &ActionsArgs, style: Style) -> anyhow::Result<ExitCode> {
    if let Some(ActionsCommand::Done { incident, id, on }) = &args.command {
        return done(incident, id, *on, style);
    }
    let today = args.today.unwrap_or_else(|| jiff::Zoned::now().date());
    let Some(archive) = load_all(&args.path, style)? else {
        return Ok(ExitCode::from(SETUP));
    };
    let items: Vec<(&LoadedIncident, &Action, Facts)> = archive
        .incidents
        .iter()
        .flat_map(|l| {
            l.incident
                .actions
                .iter()
                .map(move |a| (l, a, Facts::of(l, a)))
        })
        .collect();
    let forecast = Forecast::new(items.iter().map(|i| &i.2), &archive.config.policy, today);
    let mut rows: Vec<Row<'_>> = items
        .iter()
        .map(|(l, a, f)| Row {
            loaded: l,
            action: a,
            assessment: forecast.assess(f),
        })
        .filter(|r| args.state.is_empty() || args.state.contains(&r.assessment.state))
        .filter(|r| {
            args.owner
                .as_deref()
                .is_none_or(|o| r.action.owner.as_deref().map(str::trim) == Some(o.trim()))
        })
        .collect();
    rows.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    // Buffered: stdout flushes at every line otherwise, and the JSON has a line per field.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        ActionsFormat::Human => human(&mut out, &rows, style, today)?,
        ActionsFormat::Json => {
            let json: Vec<JsonRow<'_>> = rows.iter().map(Row::json).collect();
            serde_json::to_writer_pretty(&mut out, &json)?;
            writeln!(out)?;
        }
        ActionsFormat::Csv => csv(&mut out, &rows)?,
        ActionsFormat::Ics => {
            let todos = rows.iter().filter_map(|r| r.todo(None));
            out.write_all(feeds::calendar(todos, today).as_bytes())?;
        }
        ActionsFormat::Summary => summary::write(
            &mut out,
            &rows,
            today,
            args.top,
            &args.path.display().to_string(),
        )?,
    }
    out.flush()?;
    Ok(match fail_line(args.fail_on, &rows) {
        Some(line) => {
            eprintln!("{line}");
            ExitCode::from(1)
        }
        None => ExitCode::SUCCESS,
    })
}

/// The one line that says why `--fail-on` failed, or `None` when it passes.
fn fail_line(fail_on: Option<FailOn>, rows: &[Row<'_>]) -> Option<String> {
    let fail_on = fail_on?;
    let n = |state| rows.iter().filter(|r| r.assessment.state == state).count();
    let (overdue, at_risk) = (n(ActionState::Overdue), n(ActionState::AtRisk));
    let (what, flag) = match fail_on {
        FailOn::Overdue if overdue > 0 => (
            format!("{} {} overdue", plural(overdue, "action"), is_are(overdue)),
            "overdue",
        ),
        FailOn::AtRisk if overdue + at_risk > 0 => (
            format!(
                "{} {} overdue or at risk ({overdue} overdue, {at_risk} at risk)",
                plural(overdue + at_risk, "action"),
                is_are(overdue + at_risk)
            ),
            "at-risk",
        ),
        _ => return None,
    };
    Some(format!("failed (--fail-on {flag}): {what}"))
}

fn is_are(n: usize) -> &'static str {
    if n == 1 { "is" } else { "are" }
}

/// Loads everything at `path`; on errors, reports them on stderr and gives `None`. A forecast
/// over an archive with a broken incident would quietly leave its actions out.
fn load_all(path: &Path, style: Style) -> anyhow::Result<Option<Archive>> {
    let mut report = Report::default();
    let archive = match Archive::load(path, Options::default(), &mut report) {
        Ok(archive) => archive,
        Err(e) => {
            eprintln!("error: {}: {}", path.display(), e.reason());
            return Ok(None);
        }
    };
    if report.errors() > 0 {
        // Only what stops the listing: warnings are `check`'s, and would bury the error in a
        // chat post.
        report.keep_errors();
        report.sort();
        eprint!("{}", report.render(style));
        eprintln!(
            "error: {} in {}; the actions are listed once every file loads (`debrief check` shows the same)",
            plural(report.errors(), "error"),
            path.display()
        );
        return Ok(None);
    }
    Ok(Some(archive))
}

/// Whether `on` can be the day an action was done, seen on `today`: not before 1970 (a typo,
/// or a year left out) and not more than a year ahead.
fn plausible_done_on(on: Date, today: Date) -> Result<(), String> {
    if on < jiff::civil::date(1970, 1, 1) {
        return Err("that is before 1970; give the day the action was done, as YYYY-MM-DD".into());
    }
    let latest = today.saturating_add(jiff::Span::new().years(1));
    if on > latest {
        return Err(format!(
            "that is more than a year after today ({today}); give the day the action was done"
        ));
    }
    Ok(())
}

/// One action and its forecast.
struct Row<'a> {
    loaded: &'a LoadedIncident,
    action: &'a Action,
    assessment: Assessment,
}

/// An action as `--format json` gives it.
#[derive(Serialize)]
struct JsonRow<'a> {
    incident: &'a str,
    id: &'a str,
    text: &'a str,
    owner: Option<&'a str>,
    due: Option<String>,
    priority: Option<&'static str>,
    status: ActionStatus,
    ticket: Option<&'a str>,
    done_on: Option<String>,
    state: ActionState,
    risk: &'a Risk,
}

impl<'a> Row<'a> {
    fn sort_key(&self) -> (ActionState, bool, Option<Date>, &str, &str) {
        let due = self.action.due.map(|d| d.0);
        (
            self.assessment.state,
            due.is_none(),
            due,
            &self.loaded.id,
            &self.action.id,
        )
    }

    fn owner(&self) -> Option<&'a str> {
        self.action
            .owner
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())
    }

    fn json(&self) -> JsonRow<'_> {
        let a = self.action;
        JsonRow {
            incident: &self.loaded.id,
            id: &a.id,
            text: &a.text,
            owner: self.owner(),
            due: a.due.map(|d| d.to_string()),
            priority: a.priority.map(|p| p.as_str()),
            status: a.status,
            ticket: a.ticket.as_deref(),
            done_on: a.done_on.map(|d| d.to_string()),
            state: self.assessment.state,
            risk: &self.assessment.risk,
        }
    }

    /// The calendar to-do of an action that is not done and has a due date.
    fn todo(&self, base_url: Option<&str>) -> Option<feeds::Todo<'a>> {
        let a = self.action;
        if matches!(a.status, ActionStatus::Done | ActionStatus::WontDo) {
            return None;
        }
        Some(feeds::Todo {
            incident: &self.loaded.id,
            id: a.id.clone(),
            summary: crate::render::markdown::plain(&a.text),
            due: a.due?.0,
            status: a.status,
            priority: a.priority,
            description: self.assessment.describe(self.owner()),
            ticket: a.ticket.clone(),
            url: base_url.map(|b| {
                format!(
                    "{}/incidents/{}/index.html#{}",
                    b.trim_end_matches('/'),
                    self.loaded.id,
                    a.id
                )
            }),
        })
    }
}

/// The same layout as `data/actions.csv` of the site.
fn csv(out: &mut impl Write, rows: &[Row<'_>]) -> anyhow::Result<()> {
    let states: Vec<String> = rows
        .iter()
        .map(|r| r.assessment.state.to_string())
        .collect();
    let dates: Vec<(Option<String>, Option<String>)> = rows
        .iter()
        .map(|r| {
            (
                r.action.due.map(|d| d.to_string()),
                r.action.done_on.map(|d| d.to_string()),
            )
        })
        .collect();
    crate::render::table::actions_csv(
        out,
        rows.iter()
            .zip(&states)
            .zip(&dates)
            .map(|((r, state), (due, done_on))| {
                let a = r.action;
                crate::render::table::Row {
                    incident: &r.loaded.id,
                    id: &a.id,
                    text: &a.text,
                    owner: r.owner(),
                    due: due.as_deref(),
                    priority: a.priority.map(|p| p.as_str()),
                    status: a.status.as_str(),
                    kind: a.kind.map(|k| k.as_str()),
                    factors: a.factors.iter().map(String::as_str).collect(),
                    ticket: a.ticket.as_deref(),
                    done_on: done_on.as_deref(),
                    state,
                    risk: (!matches!(a.status, ActionStatus::Done | ActionStatus::WontDo))
                        .then_some(r.assessment.risk.score),
                    reasons: &r.assessment.risk.reasons,
                }
            }),
    )
}

/// The table for people: a group per owner (the owner with the worst action first), overdue
/// first in each.
fn human(out: &mut impl Write, rows: &[Row<'_>], style: Style, today: Date) -> anyhow::Result<()> {
    let paint = |code: &str, text: &str| match style {
        Style::Colored => format!("\x1b[{code}m{text}\x1b[0m"),
        Style::Plain => text.to_owned(),
    };
    let mut groups: Vec<(Option<&str>, Vec<&Row<'_>>)> = Vec::new();
    for row in rows {
        match groups.iter_mut().find(|(o, _)| *o == row.owner()) {
            Some((_, list)) => list.push(row),
            None => groups.push((row.owner(), vec![row])),
        }
    }
    // Rows are sorted, so each group's first row is its worst: owners by their worst state,
    // then by how long it has been due (16 days overdue before 6), then by name; the actions
    // nobody owns last, where the docs say they are.
    let key = |g: &(Option<&str>, Vec<&Row<'_>>)| {
        let worst = g.1[0];
        (
            g.0.is_none(),
            worst.assessment.state,
            worst.action.due.is_none(),
            worst.action.due.map(|d| d.0),
            g.0.map(str::to_owned),
        )
    };
    groups.sort_by_key(key);
    let id_width = rows.iter().map(|r| r.action.id.len()).max().unwrap_or(0);
    let incident_width = rows.iter().map(|r| r.loaded.id.len()).max().unwrap_or(0);
    for (owner, list) in &groups {
        let counts = count(list.iter().map(|r| r.assessment.state));
        writeln!(
            out,
            "{}  {}",
            paint("1", owner.unwrap_or("(no owner)")),
            paint("2", &format!("({counts})"))
        )?;
        for r in list {
            let state = r.assessment.state;
            // A finished action shows the day it was done, and "done late" when that was after
            // its due date.
            let (day, late) = match (state, r.action.done_on, r.action.due) {
                (ActionState::Done, Some(done), due) => {
                    (done.to_string(), due.is_some_and(|d| done.0 > d.0))
                }
                (_, _, Some(due)) => (due.to_string(), false),
                _ => ("—".to_owned(), false),
            };
            let word = format!("{:<11}", if late { "done late" } else { state.as_str() });
            let word = match state {
                ActionState::Overdue => paint("1;31", &word),
                ActionState::AtRisk => paint("33", &word),
                ActionState::OnTrack => paint("32", &word),
                ActionState::Unscheduled => word,
                ActionState::Done | ActionState::WontDo => paint("2", &word),
            };
            writeln!(
                out,
                "  {word} {:<10}  {:<id_width$}  {:<incident_width$}  {}",
                day,
                r.action.id,
                r.loaded.id,
                crate::render::markdown::plain(&r.action.text),
            )?;
            if !r.assessment.risk.reasons.is_empty()
                && !matches!(state, ActionState::Done | ActionState::WontDo)
            {
                writeln!(
                    out,
                    "  {:11} {}",
                    "",
                    paint("2", &r.assessment.risk.reasons.join("; "))
                )?;
            }
        }
        writeln!(out)?;
    }
    let total = count(rows.iter().map(|r| r.assessment.state));
    writeln!(
        out,
        "{} as of {today}{}",
        plural(rows.len(), "action"),
        if rows.is_empty() {
            String::new()
        } else {
            format!(": {total}")
        }
    )?;
    Ok(())
}

/// "1 overdue, 2 at risk, 3 on track".
fn count(states: impl Iterator<Item = ActionState>) -> String {
    let mut counts = [0usize; 6];
    for s in states {
        counts[ActionState::ALL.iter().position(|x| *x == s).unwrap_or(0)] += 1;
    }
    ActionState::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.as_str().replace('-', " ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `debrief actions done INCIDENT ID`: the status becomes `done` and `done_on` the day, in the
/// file, keeping its comments.
fn done(dir: &Path, id: &str, on: Option<Date>, style: Style) -> anyhow::Result<ExitCode> {
    if let Some(on) = on
        && let Err(why) = plausible_done_on(on, jiff::Zoned::now().date())
    {
        eprintln!("error: --on {on}: {why}");
        return Ok(ExitCode::from(SETUP));
    }
    let layout = match load::discover(dir) {
        Ok(layout) if !layout.is_archive => layout,
        Ok(_) => {
            eprintln!(
                "error: {} is an archive; name the incident folder that holds the action",
                dir.display()
            );
            return Ok(ExitCode::from(SETUP));
        }
        Err(e) => {
            eprintln!("error: {}: {}", dir.display(), e.reason());
            return Ok(ExitCode::from(SETUP));
        }
    };
    let mut report = Report::default();
    let config = layout
        .config
        .as_deref()
        .and_then(|c| load::load_config(c, &mut report))
        .unwrap_or_default();
    let loaded = load::load_incident(dir, &config, Options::default(), &mut report);
    let Some(loaded) = loaded.filter(|_| report.errors() == 0) else {
        report.sort();
        eprint!("{}", report.render(style));
        eprintln!("error: the incident has errors; fix them before changing it");
        return Ok(ExitCode::from(SETUP));
    };
    let Some(action) = loaded.incident.actions.iter().find(|a| a.id == id) else {
        let ids: Vec<String> = loaded
            .incident
            .actions
            .iter()
            .map(|a| a.id.clone())
            .collect();
        let hint = match load::document::suggest(id, &ids) {
            Some(best) => format!("; did you mean `{best}`?"),
            None if ids.is_empty() => String::new(),
            None => format!("; its actions are {}", ids.join(", ")),
        };
        eprintln!("error: {} has no action `{id}`{hint}", loaded.id);
        return Ok(ExitCode::from(SETUP));
    };
    let on = on.unwrap_or_else(|| jiff::Timestamp::now().to_zoned(loaded.incident.tz()).date());
    if action.status == ActionStatus::Done {
        println!(
            "`{id}` of {} is already done{}",
            loaded.id,
            action
                .done_on
                .map_or_else(String::new, |d| format!(" (on {d})"))
        );
        return Ok(ExitCode::SUCCESS);
    }
    let op = Op::UpdateAction {
        id: id.to_owned(),
        changes: ActionChanges {
            status: Some(ActionStatus::Done),
            ..ActionChanges::default()
        }
        .date_done(on),
    };
    crate::store::edit_file(&dir.join(load::INCIDENT_FILE), &[op])?;
    println!("`{id}` of {} is done, on {on}", loaded.id);
    Ok(ExitCode::SUCCESS)
}
