//! The action items across incidents: the `actions.html` pages (`actions-2.html`, …), the
//! owners' calendar `actions.ics`, and `data/actions.csv`.

use jiff::civil::Date;
use rayon::prelude::*;

use super::common::Writer;
use super::digest::{Digest, action_order};
use crate::model::ActionState;
use crate::render::feeds;

/// Action items per page of `actions.html`, `actions-2.html`, …
pub const ACTIONS_PER_PAGE: usize = 1000;

/// Writes the actions pages.
pub(super) fn write_pages(out: Writer<'_>, digests: &[Digest], today: Date) -> anyhow::Result<()> {
    // Every action item across incidents, the overdue first, a page at a time: an archive
    // of ten thousand incidents has a hundred thousand.
    let order = action_order(digests);
    let keys = || order.iter().map(|&(i, j)| &digests[i].actions.keys[j]);
    let open = keys().filter(|k| k.open).count();
    let overdue = keys()
        .filter(|k| k.state() == Some(ActionState::Overdue))
        .count();
    let at_risk = keys()
        .filter(|k| k.state() == Some(ActionState::AtRisk))
        .count();
    let pages = order.len().div_ceil(ACTIONS_PER_PAGE).max(1);
    let file = |page: usize| match page {
        1 => "actions.html".to_owned(),
        n => format!("actions-{n}.html"),
    };
    // The pages side by side: each holds its own thousand items in memory, one per core.
    (1..=pages).into_par_iter().try_for_each(|page| {
        let first = (page - 1) * ACTIONS_PER_PAGE;
        let shown = &order[first..order.len().min(first + ACTIONS_PER_PAGE)];
        let actions = shown
            .iter()
            .map(|&(i, j)| digests[i].actions.get(j))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut ctx = out.common.context("actions", "")?;
        ctx.insert("open", &open);
        ctx.insert("overdue", &overdue);
        ctx.insert("at_risk", &at_risk);
        ctx.insert("today", &today.to_string());
        ctx.insert("actions", &actions);
        ctx.insert(
            "pager",
            &serde_json::json!({
                "page": page,
                "pages": pages,
                "first": first + 1,
                "last": first + shown.len(),
                "total": order.len(),
                "previous": (page > 1).then(|| file(page - 1)),
                "next": (page < pages).then(|| file(page + 1)),
            }),
        );
        out.page(&file(page), "actions.html", &ctx)
    })
}

/// Writes `data/actions.csv` and `actions.ics`.
pub(super) fn write_exports(
    out: Writer<'_>,
    digests: &[Digest],
    today: Date,
) -> anyhow::Result<()> {
    out.file("data/actions.csv", &actions_csv(digests)?)?;
    let base_url = out.common.site.base_url.as_deref();
    out.file(
        "actions.ics",
        calendar(digests, base_url, today)?.as_bytes(),
    )
}

/// `actions.ics`: a to-do per action that is not done and has a due date, for owners'
/// calendars. Read one action at a time, as the actions pages are.
fn calendar(digests: &[Digest], base_url: Option<&str>, today: Date) -> anyhow::Result<String> {
    let mut error = None;
    let todos = digests.iter().flat_map(|d| {
        d.actions
            .keys
            .iter()
            .enumerate()
            .map(move |(j, k)| (d, j, k))
    });
    let todos = todos.filter_map(|(d, j, k)| {
        let (due, assessment) = (k.facts.due?, k.assessment.as_ref()?);
        if !k.open {
            return None;
        }
        let a = d
            .actions
            .get(j)
            .map_err(|e| error.get_or_insert(e).to_string())
            .ok()?;
        Some(feeds::Todo {
            incident: &d.summary.id,
            summary: crate::render::markdown::plain(&a.text),
            due,
            status: k.facts.status,
            priority: k.facts.priority,
            description: assessment.describe(a.owner.as_deref()),
            url: base_url.map(|b| {
                format!(
                    "{}/incidents/{}/index.html#{}",
                    b.trim_end_matches('/'),
                    d.summary.id,
                    a.anchor
                )
            }),
            ticket: a.ticket.clone(),
            id: a.anchor,
        })
    });
    let text = feeds::calendar(todos, today);
    match error {
        Some(e) => Err(e),
        None => Ok(text),
    }
}

/// `data/actions.csv`, read one action at a time, as the actions pages are.
fn actions_csv(digests: &[Digest]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut csv = crate::render::table::Csv::new(&mut out)?;
    for d in digests {
        for a in d.actions.iter() {
            let a = a?;
            csv.row(&crate::render::table::Row {
                incident: &d.summary.id,
                id: &a.anchor,
                text: &a.text,
                owner: a.owner.as_deref(),
                due: a.due.as_deref(),
                priority: a.priority.as_deref(),
                status: &a.status,
                kind: a.kind.as_deref(),
                factors: a.factors.iter().map(|f| f.anchor.as_str()).collect(),
                ticket: a.ticket.as_deref(),
                done_on: a.done_on.as_deref(),
                state: &a.state,
                risk: a.open.then_some(a.risk),
                reasons: &a.reasons,
            })?;
        }
    }
    csv.finish()?;
    Ok(out)
}
