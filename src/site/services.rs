//! A page per service, `services/<slug>.html`: how leadership reviews reliability, one service
//! at a time. Its incidents, the themes that come back in them, the actions still open, and
//! how long its incidents took to resolve, as a spread and a histogram.

use rayon::prelude::*;
use serde::Serialize;

use super::common::Writer;
use super::digest::Digest;
use super::themes::{self, ThemeView};
use crate::render::context::{ActionView, IncidentSummary};

/// The spread of a service's times to resolve.
#[derive(Serialize)]
struct Spread {
    count: usize,
    min: String,
    median: String,
    p90: String,
    max: String,
}

/// Writes a page per service of the archive.
pub(super) fn write(
    out: Writer<'_>,
    digests: &[Digest],
    recurring: &[ThemeView],
) -> anyhow::Result<()> {
    let pages = super::index::service_pages(digests);
    pages.par_iter().try_for_each(|page| {
        let mine: Vec<&Digest> = digests
            .iter()
            .filter(|d| d.services.contains(&page.name))
            .collect();
        let mut incidents: Vec<&IncidentSummary> = mine.iter().map(|d| &d.summary).collect();
        incidents.sort_by(|a, b| super::digest::newer(a, b));
        let ids: Vec<&str> = incidents.iter().map(|s| s.id.as_str()).collect();
        let themes: Vec<&ThemeView> = recurring
            .iter()
            .filter(|t| {
                t.factors
                    .iter()
                    .any(|f| ids.contains(&f.incident.id.as_str()))
            })
            .collect();
        let mut open: Vec<ActionView> = Vec::new();
        for d in &mine {
            for view in d.actions.iter() {
                let view = view?;
                if view.open {
                    open.push(view);
                }
            }
        }
        let rank = |a: &ActionView| {
            ["overdue", "at-risk", "on-track", "unscheduled"]
                .iter()
                .position(|s| *s == a.state)
                .unwrap_or(4)
        };
        open.sort_by(|a, b| {
            rank(a)
                .cmp(&rank(b))
                .then(a.due.is_none().cmp(&b.due.is_none()))
                .then(a.due.cmp(&b.due))
                .then(a.incident_id.cmp(&b.incident_id))
        });
        let mut times: Vec<i64> = mine
            .iter()
            .filter_map(|d| {
                d.durations
                    .iter()
                    .find(|(n, _)| *n == "to resolve")
                    .map(|(_, s)| *s)
            })
            .collect();
        times.sort_unstable();
        let q = |p| themes::quantile(&times, p).map_or_else(|| "–".to_owned(), themes::shown);
        let spread = Spread {
            count: times.len(),
            min: q(0.0),
            median: q(0.5),
            p90: q(0.9),
            max: q(1.0),
        };
        let histogram = (!times.is_empty()).then(|| themes::resolve_histogram(&page.name, &times));
        let mut ctx = out.common.context("service", "../")?;
        ctx.insert("service", &page.name);
        ctx.insert("incidents", &incidents);
        ctx.insert("themes", &themes);
        ctx.insert("open_actions", &open);
        ctx.insert("resolve", &spread);
        ctx.insert("histogram", &histogram);
        out.page(&page.file, "service.html", &ctx)
    })
}
