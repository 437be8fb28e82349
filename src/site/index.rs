//! The archive's index pages: `index.html` and its other orders (`by-severity.html`,
//! `by-duration.html`, `by-open-actions.html`), and a page per tag, `tags/<tag>.html`. Each
//! links the pages per service (`services`).

use rayon::prelude::*;
use serde::Serialize;

use super::common::Writer;
use super::digest::Digest;

/// Writes the index pages.
pub(super) fn write(out: Writer<'_>, digests: &[Digest]) -> anyhow::Result<()> {
    // The archive, pre-sorted four ways so it sorts without JavaScript.
    let sorts: [(&str, &str, &str); 4] = [
        ("index.html", "date", "date, newest first"),
        ("by-severity.html", "severity", "severity, worst first"),
        ("by-duration.html", "duration", "duration, longest first"),
        (
            "by-open-actions.html",
            "open actions",
            "open actions, most first",
        ),
    ];
    let tags = tag_pages(digests);
    let services = service_pages(digests);
    let views_nav = |current: &str, root: &str| -> Vec<serde_json::Value> {
        sorts
            .iter()
            .map(|(f, l, _)| {
                serde_json::json!({ "file": format!("{root}{f}"), "label": l, "current": *f == current })
            })
            .collect()
    };
    // Each incident's row as the templates read it, made once and shared by every page that
    // lists it (a page's list is then references to them): with 10,000 incidents, a list of
    // fresh rows per page was some 25 MB each, two pages at a time.
    let rows: Vec<tera::Value> = digests
        .iter()
        .map(|d| tera::Value::try_from_serializable(&d.summary))
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("an incident's row of the index: {e}"))?;
    let list = |order: &[usize]| {
        tera::Value::from(order.iter().map(|&n| rows[n].clone()).collect::<Vec<_>>())
    };
    // One page per tag, newest first.
    tags.par_iter().try_for_each(|t| {
        let mut tagged: Vec<usize> = (0..digests.len())
            .filter(|&n| digests[n].summary.tags.contains(&t.name))
            .collect();
        tagged.sort_by(|&a, &b| super::digest::newer(&digests[a].summary, &digests[b].summary));
        let mut ctx = out.common.context("index", "../")?;
        ctx.insert_value("incidents", list(&tagged));
        ctx.insert("sort", "date, newest first");
        ctx.insert("views", &views_nav("", "../"));
        ctx.insert("tags", &tags);
        ctx.insert("services", &services);
        ctx.insert("tag", &t.name);
        out.page(&t.file, "index.html", &ctx)
    })?;
    sorts
        .par_iter()
        .try_for_each(|&(file, label, description)| {
            let mut sorted: Vec<usize> = (0..digests.len()).collect();
            let summary = |n: usize| &digests[n].summary;
            match label {
                "severity" => sorted.sort_by(|&a, &b| {
                    let (a, b) = (summary(a), summary(b));
                    a.severity_rank
                        .cmp(&b.severity_rank)
                        .then(b.date.cmp(&a.date))
                }),
                "duration" => sorted.sort_by(|&a, &b| {
                    let (a, b) = (summary(a), summary(b));
                    b.duration_seconds
                        .cmp(&a.duration_seconds)
                        .then(b.date.cmp(&a.date))
                }),
                "open actions" => sorted.sort_by(|&a, &b| {
                    let (a, b) = (summary(a), summary(b));
                    b.open_actions
                        .cmp(&a.open_actions)
                        .then(b.date.cmp(&a.date))
                }),
                _ => sorted.sort_by(|&a, &b| super::digest::newer(summary(a), summary(b))),
            }
            let mut ctx = out.common.context("index", "")?;
            ctx.insert_value("incidents", list(&sorted));
            ctx.insert("sort", description);
            ctx.insert("views", &views_nav(file, ""));
            ctx.insert("tags", &tags);
            ctx.insert("services", &services);
            ctx.insert("tag", &Option::<String>::None);
            out.page(file, "index.html", &ctx)
        })
}

/// A tag's or a service's page of the archive: `tags/<slug>.html`, `services/<slug>.html`.
#[derive(Debug, Serialize)]
pub(super) struct TagPage {
    pub name: String,
    /// The page, from the site's root.
    pub file: String,
    /// Incidents with it.
    pub count: usize,
}

/// The archive's tags, by name, each with a page whose name is made of its letters and digits
/// (a number added when two tags would share one).
fn tag_pages(digests: &[Digest]) -> Vec<TagPage> {
    pages("tags", digests.iter().flat_map(|d| &d.summary.tags))
}

/// The archive's services, by name, each with its page `services/<slug>.html`.
pub(super) fn service_pages(digests: &[Digest]) -> Vec<TagPage> {
    pages("services", digests.iter().flat_map(|d| &d.services))
}

/// The most characters of a name a page's file name keeps (at most 4 bytes each, with room
/// for `-2.html`).
const SLUG_CHARS: usize = 48;

/// A page per distinct name in `names` (counted), in `folder`.
fn pages<'a>(folder: &str, names: impl Iterator<Item = &'a String>) -> Vec<TagPage> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for name in names {
        *counts.entry(name.as_str()).or_default() += 1;
    }
    let mut taken = std::collections::HashSet::new();
    counts
        .into_iter()
        .map(|(name, count)| {
            let mut slug: String = name
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() {
                        c.to_lowercase().next().unwrap_or(c)
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
                .split('-')
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("-");
            // File systems take names of 255 bytes; a page name stays far below, whatever
            // the name it is made from.
            if let Some((cut, _)) = slug.char_indices().nth(SLUG_CHARS) {
                slug.truncate(cut);
                slug = slug.trim_end_matches('-').to_owned();
            }
            if slug.is_empty() {
                slug = "page".to_owned();
            }
            let mut unique = slug.clone();
            let mut n = 2;
            while !taken.insert(unique.clone()) {
                unique = format!("{slug}-{n}");
                n += 1;
            }
            TagPage {
                name: name.to_owned(),
                file: format!("{folder}/{unique}.html"),
                count,
            }
        })
        .collect()
}
