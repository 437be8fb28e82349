//! An internal status page, `status.html` and `status.json`: every service the archive names,
//! its state now (an incident still going on shows it down when it is of the most severe level
//! of `[severities]`, degraded otherwise), and a strip of the last 90 days, each day coloured by
//! the worst incident whose impact touched it (from `started` to `resolved`, in UTC days). A
//! feed per service, `services/<slug>.xml`, announces its incidents, ongoing ones included.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use super::common::Writer;
use super::digest::{Digest, newest_first};
use crate::render::feeds;

/// Days the strip covers, today included.
pub const DAYS: i16 = 90;

/// An incident as the status page links it.
#[derive(Debug, Clone, Serialize)]
struct Link {
    id: String,
    title: String,
    severity: Option<String>,
    state: &'static str,
    /// RFC 3339, UTC.
    from: String,
    to: Option<String>,
    /// From the site's root.
    url: String,
}

#[derive(Debug, Serialize)]
struct Day {
    date: String,
    /// `operational`, `degraded` or `down`.
    state: &'static str,
    incidents: Vec<Link>,
}

#[derive(Debug, Serialize)]
struct Service {
    name: String,
    page: String,
    feed: String,
    state: &'static str,
    ongoing: Vec<Link>,
    days: Vec<Day>,
    /// Incidents whose impact touched the 90 days.
    incidents: usize,
}

/// How bad an incident is for its services: the most severe level is down.
fn state_of(d: &Digest) -> &'static str {
    if d.summary.severity_rank == 0 {
        "down"
    } else {
        "degraded"
    }
}

fn worse(a: &'static str, b: &'static str) -> &'static str {
    let rank = |s| {
        ["operational", "degraded", "down"]
            .iter()
            .position(|x| *x == s)
    };
    if rank(b) > rank(a) { b } else { a }
}

fn link(d: &Digest) -> Link {
    let impact = d.impact;
    Link {
        id: d.summary.id.clone(),
        title: d.summary.title.clone(),
        severity: d.summary.severity.clone(),
        state: state_of(d),
        from: impact.map_or_else(String::new, |i| i.from.to_string()),
        to: impact.and_then(|i| i.to).map(|t| t.to_string()),
        url: format!("incidents/{}/index.html", d.summary.id),
    }
}

/// The UTC day of an instant.
fn day(t: Timestamp) -> Date {
    t.to_zoned(jiff::tz::TimeZone::UTC).date()
}

fn services(digests: &[Digest], newest: &[&Digest], today: Date) -> anyhow::Result<Vec<Service>> {
    let first = today.checked_sub(jiff::Span::new().days(i64::from(DAYS - 1)))?;
    let mut out = Vec::new();
    for page in super::index::service_pages(digests) {
        let mine: Vec<&Digest> = newest
            .iter()
            .copied()
            .filter(|d| d.services.contains(&page.name))
            .collect();
        let ongoing: Vec<&Digest> = mine
            .iter()
            .copied()
            .filter(|d| d.impact.is_some_and(|i| i.to.is_none()))
            .collect();
        let state = ongoing
            .iter()
            .map(|d| state_of(d))
            .fold("operational", worse);
        let mut days: Vec<Day> = (0..DAYS)
            .filter_map(|n| first.checked_add(jiff::Span::new().days(n)).ok())
            .map(|date| Day {
                date: date.to_string(),
                state: "operational",
                incidents: Vec::new(),
            })
            .collect();
        let mut touched = 0;
        for d in &mine {
            let Some(impact) = d.impact else { continue };
            let (start, end) = (day(impact.from), impact.to.map_or(today, day));
            if end < first || start > today {
                continue;
            }
            touched += 1;
            let from = start.max(first);
            let to = end.min(today);
            let index = |date: Date| (date - first).get_days() as usize;
            let last = days.len() - 1;
            for slot in &mut days[index(from)..=index(to).min(last)] {
                slot.state = worse(slot.state, state_of(d));
                slot.incidents.push(link(d));
            }
        }
        let feed = page.file.trim_end_matches(".html").to_owned() + ".xml";
        out.push(Service {
            name: page.name,
            page: page.file,
            feed,
            state,
            ongoing: ongoing.into_iter().map(link).collect(),
            days,
            incidents: touched,
        });
    }
    // The services in trouble first, then by name.
    let rank = |s: &Service| match s.state {
        "down" => 0,
        "degraded" => 1,
        _ => 2,
    };
    out.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.name.cmp(&b.name)));
    Ok(out)
}

/// Writes `status.html`, `status.json` and each service's feed.
pub(super) fn write(out: Writer<'_>, digests: &[Digest], today: Date) -> anyhow::Result<()> {
    // The archive sorted once, for every service's list and feed.
    let newest = newest_first(digests);
    let services = services(digests, &newest, today)?;
    let base_url = out.common.site.base_url.as_deref();
    for s in &services {
        let entries: Vec<feeds::Entry<'_>> = newest
            .iter()
            .copied()
            .filter(|d| d.services.contains(&s.name))
            .take(50)
            .map(|d| feeds::Entry {
                id: &d.summary.id,
                title: &d.summary.title,
                // An ongoing incident is news from when it began; one that is over, from
                // when it was published or resolved.
                updated: match d.impact {
                    Some(i) if i.to.is_none() => i.from.to_string(),
                    _ if !d.updated.is_empty() => d.updated.clone(),
                    Some(i) => i.from.to_string(),
                    None => format!("{today}T00:00:00Z"),
                },
                summary: d.abstract_text.as_deref(),
                severity: d.summary.severity.as_deref(),
                status: if d.impact.is_some_and(|i| i.to.is_none()) {
                    "ongoing"
                } else {
                    &d.summary.status
                },
            })
            .collect();
        let updated = entries
            .iter()
            .map(|e| e.updated.clone())
            .max()
            .unwrap_or_else(|| format!("{today}T00:00:00Z"));
        let title = format!("{} · {}", s.name, out.common.site.title);
        let channel = feeds::Channel {
            title: &title,
            path: &s.feed,
            page: &s.page,
            root: "../",
        };
        out.file(
            &s.feed,
            feeds::atom(&channel, base_url, &updated, &entries).as_bytes(),
        )?;
    }
    let json = serde_json::json!({
        "today": today.to_string(),
        "days": DAYS,
        "services": services.iter().map(|s| serde_json::json!({
            "name": s.name, "state": s.state, "page": s.page, "feed": s.feed,
            "ongoing": s.ongoing, "incidents": s.incidents,
            // Only the days something happened; every other day of the 90 was operational.
            "days": s.days.iter().filter(|d| !d.incidents.is_empty()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    out.file(
        "status.json",
        serde_json::to_string_pretty(&json)?.as_bytes(),
    )?;
    let mut ctx = out.common.context("status", "")?;
    ctx.insert("services", &services);
    ctx.insert("today", &today.to_string());
    ctx.insert("days", &DAYS);
    out.page("status.html", "status.html", &ctx)
}
