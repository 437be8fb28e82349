//! `debrief actions --format summary`: what a nightly job posts to chat.
//!
//! A line of counts per state, then the most urgent overdue and at-risk actions (`--top`, 5
//! each by default) with owner, how late or how soon, and the one reason that matters most,
//! then how many more there are and the command that lists them. Plain text with no table,
//! since chat does not align columns, and bounded: each line is cut to [`LINE`] characters, so
//! the whole post stays far below what a chat message holds (Slack cuts a message at 40,000
//! characters and advises 4,000) whatever the size of the archive.

use std::io::Write;

use jiff::civil::Date;

use super::{Row, count};
use crate::diagnostics::plural;
use crate::model::ActionState;

/// The longest line a summary writes, in characters.
pub const LINE: usize = 240;
/// The longest action text a line quotes, so that the reason fits after it.
const TEXT: usize = 90;

/// Writes the summary of `rows` (sorted, most urgent first) as of `today`; `path` is the
/// archive as the command was given, for the command that lists the rest.
pub fn write(
    out: &mut impl Write,
    rows: &[Row<'_>],
    today: Date,
    top: usize,
    path: &str,
) -> std::io::Result<()> {
    let total = count(rows.iter().map(|r| r.assessment.state));
    let incidents = {
        let mut ids: Vec<&str> = rows.iter().map(|r| r.loaded.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    };
    writeln!(
        out,
        "{}",
        cut(&format!(
            "{} in {} as of {today}{}",
            plural(rows.len(), "action"),
            plural(incidents, "incident"),
            if rows.is_empty() {
                String::new()
            } else {
                format!(": {total}")
            }
        ))
    )?;
    let mut left = 0;
    for (state, title) in [
        (ActionState::Overdue, "Overdue"),
        (ActionState::AtRisk, "At risk"),
    ] {
        let these: Vec<&Row<'_>> = rows
            .iter()
            .filter(|r| r.assessment.state == state)
            .collect();
        if these.is_empty() {
            continue;
        }
        writeln!(out, "\n{title} ({})", these.len())?;
        for r in these.iter().take(top) {
            writeln!(out, "{}", cut(&line(r, today)))?;
        }
        left += these.len().saturating_sub(top);
    }
    if left > 0 {
        writeln!(
            out,
            "\n{} more overdue or at risk: debrief actions {path} --state overdue,at-risk",
            left
        )?;
    }
    Ok(())
}

/// `- kenji: Offer e-mail codes … (2026-10-28-auth-sms a-1), 11 days late; owner finished 1 of
/// 3 past actions late`.
fn line(r: &Row<'_>, today: Date) -> String {
    let when = match r.action.due.map(|d| d.0) {
        Some(due) if due < today => {
            let days = (today - due).get_days();
            format!("{} late", plural(days as usize, "day"))
        }
        Some(due) if due == today => "due today".to_owned(),
        Some(due) => {
            let days = (due - today).get_days();
            if days == 1 {
                "due tomorrow".to_owned()
            } else {
                format!("due in {days} days ({due})")
            }
        }
        None => "no due date".to_owned(),
    };
    // The first reason the age does not say already.
    let reason = r
        .assessment
        .risk
        .reasons
        .iter()
        .find(|why| !why.starts_with("overdue by") && !why.starts_with("due "))
        .map_or_else(String::new, |why| format!("; {why}"));
    format!(
        "- {}: {} ({} {}), {when}{reason}",
        r.owner().unwrap_or("no owner"),
        cut_to(&crate::render::markdown::plain(&r.action.text), TEXT),
        r.loaded.id,
        r.action.id
    )
}

/// `text` cut to [`LINE`] characters, with an ellipsis when cut.
fn cut(text: &str) -> String {
    cut_to(text, LINE)
}

fn cut_to(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        return text.to_owned();
    }
    let kept: String = text.chars().take(most - 1).collect();
    format!("{}…", kept.trim_end())
}
