//! The archive as feeds for other tools: `feed.xml` (Atom) and `data/incidents.json`.

use jiff::civil::Date;

use super::common::Writer;
use super::digest::{Digest, newest_first};
use crate::render::feeds;

/// Writes `data/incidents.json` and `feed.xml`.
pub(super) fn write(out: Writer<'_>, digests: &[Digest], today: Date) -> anyhow::Result<()> {
    let base_url = &out.common.site.base_url;
    let summaries: Vec<serde_json::Value> = digests
        .iter()
        .map(|Digest { summary: v, .. }| {
            let path = format!("incidents/{}/index.html", v.id);
            serde_json::json!({
                "id": v.id, "title": v.title, "severity": v.severity, "status": v.status, "date": v.date,
                "duration_seconds": (v.duration_seconds > 0).then_some(v.duration_seconds),
                "open_actions": v.open_actions, "path": path,
                "url": base_url.as_ref().map(|b| format!("{}/{path}", b.trim_end_matches('/'))),
            })
        })
        .collect();
    out.file(
        "data/incidents.json",
        serde_json::to_string_pretty(&summaries)?.as_bytes(),
    )?;
    out.file(
        "feed.xml",
        feed(&out.common.site.title, base_url.as_deref(), digests, today).as_bytes(),
    )
}

/// The most entries `feed.xml` holds: feed readers look at the newest.
const FEED_ENTRIES: usize = 50;

/// `feed.xml`: an Atom entry per published postmortem, the most recently published first
/// (by its `published` day, or its resolution before one is written), at most
/// [`FEED_ENTRIES`].
fn feed(title: &str, base_url: Option<&str>, digests: &[Digest], today: Date) -> String {
    let midnight = || format!("{today}T00:00:00Z");
    let published = crate::model::Status::Published.to_string();
    // A draft or a review in progress is not announced; it is once it is published.
    let mut newest: Vec<&Digest> = newest_first(digests)
        .into_iter()
        .filter(|d| d.summary.status == published)
        .collect();
    // RFC 3339 in UTC sorts as text; the stable sort keeps the date order for ties.
    newest.sort_by(|a, b| b.updated.cmp(&a.updated));
    let entries: Vec<feeds::Entry<'_>> = newest
        .into_iter()
        .take(FEED_ENTRIES)
        .map(|d| feeds::Entry {
            id: &d.summary.id,
            title: &d.summary.title,
            updated: if d.updated.is_empty() {
                midnight()
            } else {
                d.updated.clone()
            },
            summary: d.abstract_text.as_deref(),
            severity: d.summary.severity.as_deref(),
            status: &d.summary.status,
        })
        .collect();
    let updated = entries
        .iter()
        .map(|e| e.updated.as_str())
        .max()
        .map_or_else(midnight, str::to_owned);
    let channel = feeds::Channel {
        title,
        path: "feed.xml",
        page: "index.html",
        root: "",
    };
    feeds::atom(&channel, base_url, &updated, &entries)
}
