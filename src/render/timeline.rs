//! The timeline diagram: swimlanes, the impact window, the key moments, labelled key events and
//! the log-volume strip, on one time axis.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::markdown;
use super::svg::{Anchor, SvgDoc, escape, fit, num, text_width};
use crate::evidence::Volume;
use crate::evidence::metrics::MetricData;
use crate::model::{Incident, Kind, TimelineEntry};

mod axis;
mod layout;
mod strips;
pub use axis::{Axis, Break};
use layout::{markers, place_labels};
use strips::{sparkline, strip};

/// The most rows of key-event labels; a label with no room left shows its text on hover.
const MAX_LABEL_ROWS: usize = 6;
/// The most lines of one key-event label; the last ends with `…` when text was left out.
const LABEL_LINES: usize = 2;
/// Key events a minute apart are at least this far apart on the axis (see [`Axis::fitted`]).
const KEY_ROOM: f64 = 40.0;

/// The measures of a timeline diagram, in SVG units.
///
/// [`Sizes::PAGE`] is for the report, which scales the diagram to its column.
/// [`Sizes::screen`] fits a shared screen of a known width, where one unit is one CSS pixel and
/// no text is under 15 px. [`Sizes::COLUMN`] fits a docs site's content column, where the
/// diagram is shown at its own size and no text is under 12 px.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sizes {
    pub width: f64,
    /// Where the time axis starts: the lane names are to its left.
    pub left: f64,
    pub right: f64,
    pub lane: f64,
    /// The key-event labels: font size, line height and wrapping width.
    pub label: f64,
    pub label_line: f64,
    pub label_width: f64,
    /// The lane names' font size.
    pub lane_font: f64,
    /// The moments' and the axis ticks' font size, and the height of a row of moments.
    pub small: f64,
    /// The volume strip's scale note (`max 41/min`).
    pub note: f64,
    pub moment_row: f64,
    /// The band of the moments' first row, the axis under the lanes and the volume strip.
    pub moments: f64,
    pub axis: f64,
    pub strip: f64,
}

impl Sizes {
    /// For the report: 1,200 units wide, 12 px labels.
    pub const PAGE: Sizes = Sizes {
        width: 1200.0,
        left: 150.0,
        right: 24.0,
        lane: 48.0,
        label: 12.0,
        label_line: 14.0,
        label_width: 230.0,
        lane_font: 13.0,
        small: 12.0,
        note: 10.0,
        moment_row: 15.0,
        moments: 22.0,
        axis: 30.0,
        strip: 56.0,
    };

    /// For a docs site's content column (in a laptop's 1280 px window: MkDocs Material's is
    /// 688 px, Docusaurus' 692, mdBook's 720): 680 units wide, drawn for one unit per CSS
    /// pixel, with no text under 12 px.
    pub const COLUMN: Sizes = Sizes {
        width: 680.0,
        left: 112.0,
        right: 16.0,
        lane: 44.0,
        label: 12.0,
        label_line: 14.0,
        label_width: 160.0,
        lane_font: 12.0,
        small: 12.0,
        note: 12.0,
        moment_row: 15.0,
        moments: 22.0,
        axis: 30.0,
        strip: 56.0,
    };

    /// For a screen `width` CSS pixels wide (at least 640): 16 px labels, 15 px ticks.
    pub fn screen(width: f64) -> Sizes {
        Sizes {
            width: width.max(640.0),
            left: 190.0,
            right: 24.0,
            lane: 56.0,
            label: 16.0,
            label_line: 19.0,
            label_width: 360.0,
            lane_font: 16.0,
            small: 15.0,
            note: 15.0,
            moment_row: 19.0,
            moments: 28.0,
            axis: 38.0,
            strip: 64.0,
        }
    }
}

/// The lane of entries that name none.
pub const DEFAULT_LANE: &str = "timeline";

/// Okabe-Ito colours (safe for colour-blind readers), and a shape per kind so colour is never
/// the only cue.
fn marker(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Event => ("#0072b2", "circle"),
        Kind::Alert => ("#d55e00", "triangle"),
        Kind::Detection => ("#cc79a7", "diamond"),
        Kind::Action => ("#009e73", "square"),
        Kind::Decision => ("#e69f00", "hexagon"),
        Kind::Communication => ("#56b4e9", "ring"),
        Kind::Mitigation => ("#009e73", "plus"),
        Kind::Observation => ("#555555", "dot"),
    }
}

fn shape(svg: &mut String, kind: Kind, x: f64, y: f64) {
    let (color, shape) = marker(kind);
    let (x, y) = (num(x), num(y));
    let _ = match shape {
        "triangle" => write!(
            svg,
            r#"<path d="M{x} {} l7 12h-14z" transform="translate(0,-6)" fill="{color}"/>"#,
            y
        ),
        "diamond" => write!(
            svg,
            r#"<path d="M{x} {y} m0 -8 l8 8 -8 8 -8 -8z" fill="{color}"/>"#
        ),
        "square" => write!(
            svg,
            r#"<path d="M{x} {y} m-6 -6 h12 v12 h-12z" fill="{color}"/>"#
        ),
        "hexagon" => write!(
            svg,
            r#"<path d="M{x} {y} m-7 0 l3.5 -6 h7 l3.5 6 -3.5 6 h-7z" fill="{color}"/>"#
        ),
        "ring" => write!(
            svg,
            r##"<circle cx="{x}" cy="{y}" r="6" fill="#fff" stroke="{color}" stroke-width="3"/>"##
        ),
        "plus" => write!(
            svg,
            r#"<path d="M{x} {y} m-2.5 -8 h5 v5.5 h5.5 v5 h-5.5 v5.5 h-5 v-5.5 h-5.5 v-5 h5.5z" fill="{color}"/>"#
        ),
        "dot" => write!(svg, r#"<circle cx="{x}" cy="{y}" r="4" fill="{color}"/>"#),
        _ => write!(svg, r#"<circle cx="{x}" cy="{y}" r="6" fill="{color}"/>"#),
    };
}

/// What the diagram shows besides the incident.
#[derive(Debug, Default)]
pub struct Extras<'a> {
    /// Per-minute counts of all sources, for the strip under the timeline.
    pub volume: Option<&'a Volume>,
    /// Prepended to `#entry` links: empty inside the report, `index.html` for the standalone file.
    pub link_base: &'a str,
    /// The measures it is drawn with; `None` for the report's ([`Sizes::PAGE`]).
    pub sizes: Option<Sizes>,
    /// Metrics, each drawn as a sparkline lane under the volume strip, on the same time axis.
    pub metrics: &'a [MetricData],
}

/// Draws the timeline of `incident` as a standalone SVG document.
pub fn draw(incident: &Incident, extras: &Extras<'_>, id_prefix: &str) -> String {
    let sizes = extras.sizes.unwrap_or(Sizes::PAGE);
    let Sizes {
        width: full,
        left,
        right,
        lane: lane_h,
        ..
    } = sizes;
    let tz = incident.tz();
    let entries = incident.timeline_sorted();
    let lanes = lanes(&entries);
    let (from, to) = span(incident, &entries, extras.volume);
    let t = &incident.times;
    // Key entries and the incident's moments get room on the axis; quiet stretches give it.
    let key_instants: Vec<Timestamp> = entries
        .iter()
        .filter(|e| e.key)
        .map(|e| e.at.instant())
        .chain(
            [&t.started, &t.detected, &t.mitigated, &t.resolved]
                .into_iter()
                .flatten()
                .map(|s| s.instant()),
        )
        .collect();
    let axis = Axis::fitted(from, to, left, full - right, &key_instants, KEY_ROOM);
    let x_of = |t: Timestamp| axis.x(t);
    // Markers' places across; their height is set once the label rows are known.
    let marks_across = markers(&entries, &lanes, 0.0, lane_h, &x_of);

    // Key labels, wrapped onto up to two lines and placed greedily in rows so that none
    // overlaps another and no leader (the line from a label down to its marker) crosses one.
    let labels = place_labels(&entries, &marks_across, &sizes);
    let rows = labels.iter().map(|l| l.0 + 1).max().unwrap_or(0);
    // Moment labels (`detected 14:09`) in up to two rows, so close moments do not collide.
    // Each label's row and span. A moment's rule runs down from its own row, so a label must
    // not span the rule of a moment in a row above it, nor sit above a label its own rule
    // would cross. Placed in time order, or latest first when that leaves no crossing (two
    // moments close together at the right edge).
    let mut named: Vec<(f64, String, Timestamp)> = Vec::new();
    for (name, stamp) in [
        ("started", &t.started),
        ("detected", &t.detected),
        ("mitigated", &t.mitigated),
        ("resolved", &t.resolved),
    ] {
        if let Some(moment) = stamp.as_ref().map(|s| s.instant()) {
            named.push((
                x_of(moment),
                format!("{name} {}", clock(moment, &tz)),
                moment,
            ));
        }
    }
    let place_moments = |order: &mut dyn Iterator<Item = usize>| {
        // (index, row, anchor, start, end), and how many labels could not avoid a rule.
        let mut placed: Vec<(usize, usize, Anchor, f64, f64)> = Vec::new();
        let mut crossed = 0;
        for i in order {
            let (x, ref text, _) = named[i];
            let width = text_width(text, sizes.small);
            let after = (Anchor::Start, x + 4.0);
            let before = (Anchor::End, x - 4.0 - width);
            let anchors = if x + 4.0 + width > full - right {
                [before, after]
            } else {
                [after, before]
            };
            let rows = placed.iter().map(|p| p.1 + 1).max().unwrap_or(0);
            let fits = |row: usize, start: f64| {
                let end = start + width;
                start >= 0.0
                    && end <= full
                    && placed.iter().all(|&(j, r, _, s, e)| {
                        let px = named[j].0;
                        let apart = r != row || e + 10.0 <= start || end + 10.0 <= s;
                        let not_under = r >= row || px < start - 2.0 || px > end + 2.0;
                        let not_over = r <= row || x < s - 2.0 || x > e + 2.0;
                        apart && not_under && not_over
                    })
            };
            let found = (0..=rows).find_map(|row| {
                anchors
                    .iter()
                    .find(|(_, start)| fits(row, *start))
                    .map(|&(anchor, start)| (row, anchor, start))
            });
            let (row, anchor, start) = found.unwrap_or_else(|| {
                crossed += 1;
                (rows, anchors[0].0, anchors[0].1)
            });
            placed.push((i, row, anchor, start, start + width));
        }
        (placed, crossed)
    };
    let (mut placed, crossed) = place_moments(&mut (0..named.len()));
    if crossed > 0 {
        let (latest_first, fewer) = place_moments(&mut (0..named.len()).rev());
        if fewer < crossed {
            placed = latest_first;
        }
    }
    placed.sort_by_key(|p| p.0);
    let moments: Vec<(usize, f64, Anchor, String, Timestamp)> = placed
        .iter()
        .map(|&(i, row, anchor, _, _)| (row, named[i].0, anchor, named[i].1.clone(), named[i].2))
        .collect();
    let moment_rows = placed.iter().map(|p| p.1 + 1).max().unwrap_or(0);
    let moments_band = sizes.moments + moment_rows.saturating_sub(1) as f64 * sizes.moment_row;
    // A row is as tall as its tallest label.
    let label_lines = labels.iter().map(|l| l.2.len()).max().unwrap_or(1) as f64;
    let label_row = sizes.label_line * label_lines + 4.0;
    // The first baseline of a label row, and where its leaders start.
    let label_top = |row: usize| moments_band + row as f64 * label_row + sizes.label + 2.0;
    let label_bottom =
        |row: usize| moments_band + (row + 1) as f64 * label_row - sizes.label_line / 2.0 + 3.0;
    let label_band = rows as f64 * label_row + if rows == 0 { 0.0 } else { 6.0 };
    let lanes_top = moments_band + label_band;
    let lanes_bottom = lanes_top + lanes.len().max(1) as f64 * lane_h;
    let marks: Vec<(f64, f64)> = marks_across
        .iter()
        .map(|(x, y)| (*x, y + lanes_top))
        .collect();
    let breaks = axis.breaks();
    // Under the ticks, a row that says how long each compressed stretch is.
    let breaks_row = if breaks.is_empty() {
        0.0
    } else {
        sizes.small + 6.0
    };
    let strip_top = lanes_bottom + sizes.axis + breaks_row;
    let metrics_top = strip_top
        + if extras.volume.is_some() {
            sizes.strip + 8.0
        } else {
            4.0
        };
    let height = metrics_top + extras.metrics.len() as f64 * (sizes.strip + 8.0);

    let mut doc = SvgDoc::new(full as u32, height.ceil() as u32, id_prefix);
    let mut body = String::new();
    let _ = write!(
        body,
        r##"<rect width="{}" height="{}" fill="#fff"/>"##,
        num(full),
        num(height)
    );

    // Lanes, alternating bands.
    for (i, lane) in lanes.iter().enumerate() {
        let y = lanes_top + i as f64 * lane_h;
        if i % 2 == 0 {
            let _ = write!(
                body,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#f4f6f8"/>"##,
                num(left),
                num(y),
                num(full - left - right),
                num(lane_h)
            );
        }
        doc.raw(&std::mem::take(&mut body));
        doc.text(
            &fit(lane, sizes.lane_font, left - 16.0),
            left - 10.0,
            y + lane_h / 2.0 + sizes.lane_font / 3.0,
            sizes.lane_font,
            Anchor::End,
            "lane",
        );
    }

    // The impact window, from started to resolved (or mitigated).
    let at = |s: &Option<crate::model::Stamp>| s.as_ref().map(|s| s.instant());
    if let (Some(start), Some(end)) = (at(&t.started), at(&t.resolved).or(at(&t.mitigated))) {
        let (x0, x1) = (x_of(start), x_of(end));
        let _ = write!(
            body,
            r##"<rect class="impact" x="{}" y="{}" width="{}" height="{}" fill="#d55e00" fill-opacity="0.08"><title>Impact: {} to {}</title></rect>"##,
            num(x0),
            num(lanes_top),
            num((x1 - x0).max(1.0)),
            num(lanes_bottom - lanes_top),
            clock(start, &tz),
            clock(end, &tz)
        );
    }
    // The moments, as labelled rules: above the key labels and across the lanes, never
    // through a label.
    for (row, x, anchor, text, moment) in &moments {
        for (y1, y2) in [
            (
                *row as f64 * sizes.moment_row + sizes.moments - 4.0,
                moments_band,
            ),
            (lanes_top, lanes_bottom),
        ] {
            if y2 <= y1 {
                continue;
            }
            let _ = write!(
                body,
                r##"<line class="moment" x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#333" stroke-width="1.5" stroke-dasharray="5 4"><title>{text} ({})</title></line>"##,
                num(y1),
                num(y2),
                clock(*moment, &tz),
                x = num(*x)
            );
        }
        doc.raw(&std::mem::take(&mut body));
        let dx = if *anchor == Anchor::End { -4.0 } else { 4.0 };
        doc.text(
            text,
            x + dx,
            sizes.moments - 8.0 + *row as f64 * sizes.moment_row,
            sizes.small,
            *anchor,
            "moment",
        );
    }

    // The time axis: ticks at a step that suits each stretch, and the compressed stretches
    // marked with a break and their length.
    let ticks = axis.ticks(&tz, text_width("00:00", sizes.small) + 28.0);
    let mut said_until = f64::NEG_INFINITY;
    for b in &breaks {
        let mid = (b.x0 + b.x1) / 2.0;
        let y = lanes_bottom;
        let _ = write!(
            body,
            r##"<g class="axis-break"><title>The axis is compressed here: {} with no key event</title><rect x="{}" y="{}" width="12" height="14" fill="#fff"/><path d="M{} {} l5 -14 M{} {} l5 -14" stroke="#555" stroke-width="1.5"/></g>"##,
            b.words(),
            num(mid - 6.0),
            num(y - 7.0),
            num(mid - 6.0),
            num(y + 7.0),
            num(mid + 1.0),
            num(y + 7.0)
        );
        let words = format!("≈ {}", b.words());
        let width = text_width(&words, sizes.small);
        if mid - width / 2.0 >= said_until + 8.0 && mid - width / 2.0 >= left {
            doc.raw(&std::mem::take(&mut body));
            doc.text(
                &words,
                mid,
                lanes_bottom + sizes.axis + sizes.small,
                sizes.small,
                Anchor::Middle,
                "axis-break-length",
            );
            said_until = mid + width / 2.0;
        }
    }
    for (tick, text) in &ticks {
        let x = x_of(*tick);
        let _ = write!(
            body,
            r##"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#ccd" stroke-width="1"/>"##,
            num(lanes_top),
            num(lanes_bottom + 6.0),
            x = num(x)
        );
        doc.raw(&std::mem::take(&mut body));
        doc.text(
            text,
            x,
            lanes_bottom + sizes.small + 8.0,
            sizes.small,
            Anchor::Middle,
            "tick",
        );
    }

    // Label leaders first, so markers sit on top of them.
    for (row, _, _, index, _) in &labels {
        let (x, lane_y) = marks[*index];
        let _ = write!(
            body,
            r##"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#888" stroke-width="1"/>"##,
            num(label_bottom(*row)),
            num(lane_y - 7.0),
            x = num(x)
        );
    }
    doc.raw(&std::mem::take(&mut body));

    // Markers, each linked to its row in the report and titled with its full text.
    for (e, &(x, y)) in entries.iter().zip(&marks) {
        let title = format!(
            "{} {}: {}",
            clock(e.at.instant(), &tz),
            e.kind,
            markdown::plain(&e.text)
        );
        match &e.id {
            Some(id) => {
                let _ = write!(
                    body,
                    r##"<a xlink:href="{}#{}" class="event{}">"##,
                    extras.link_base,
                    escape(id),
                    if e.key { " key" } else { "" }
                );
            }
            None => body.push_str(r#"<g class="event">"#),
        }
        let _ = write!(body, "<title>{}</title>", escape(&title));
        shape(&mut body, e.kind, x, y);
        body.push_str(if e.id.is_some() { "</a>" } else { "</g>" });
    }
    doc.raw(&std::mem::take(&mut body));
    for (row, start, lines, _, _) in &labels {
        // In the band below the moments' labels, however many rows those take.
        for (k, line) in lines.iter().enumerate() {
            doc.text(
                line,
                *start,
                label_top(*row) + k as f64 * sizes.label_line,
                sizes.label,
                Anchor::Start,
                "key-label",
            );
        }
    }

    if let Some(volume) = extras.volume {
        strip(&mut doc, volume, (from, to), strip_top, &sizes, &x_of);
    }
    for (i, metric) in extras.metrics.iter().enumerate() {
        let top = metrics_top + i as f64 * (sizes.strip + 8.0);
        sparkline(&mut doc, metric, (from, to), top, &sizes, &x_of);
    }
    let title = format!("Timeline of “{}”", markdown::plain(&incident.title));
    let desc = format!(
        "{} timeline entries in {} lanes from {} to {} ({}).",
        entries.len(),
        lanes.len(),
        clock(from, &tz),
        clock(to, &tz),
        incident.timezone.as_deref().unwrap_or("UTC")
    );
    doc.finish(&title, &desc)
}

fn lanes(entries: &[&TimelineEntry]) -> Vec<String> {
    let mut lanes: Vec<String> = Vec::new();
    for e in entries {
        let lane = e.lane.clone().unwrap_or_else(|| DEFAULT_LANE.to_owned());
        if !lanes.contains(&lane) {
            lanes.push(lane);
        }
    }
    lanes
}

fn lane_index(lanes: &[String], e: &TimelineEntry) -> usize {
    let lane = e.lane.as_deref().unwrap_or(DEFAULT_LANE);
    lanes.iter().position(|l| l == lane).unwrap_or(0)
}

/// The time range shown: entries and key times, padded a little.
fn span(
    incident: &Incident,
    entries: &[&TimelineEntry],
    volume: Option<&Volume>,
) -> (Timestamp, Timestamp) {
    let t = &incident.times;
    let mut all: Vec<Timestamp> = entries.iter().map(|e| e.at.instant()).collect();
    all.extend(
        [&t.started, &t.detected, &t.mitigated, &t.resolved]
            .into_iter()
            .flatten()
            .map(|s| s.instant()),
    );
    if all.is_empty()
        && let Some(v) = volume
    {
        all.extend(
            v.minutes
                .keys()
                .filter_map(|m| Timestamp::from_second(m * 60).ok()),
        );
    }
    let (Some(&min), Some(&max)) = (all.iter().min(), all.iter().max()) else {
        let now = Timestamp::UNIX_EPOCH;
        return (now, now + SignedDuration::from_hours(1));
    };
    let span = max.duration_since(min).max(SignedDuration::from_mins(10));
    let pad = span / 25;
    // Saturating: a time typed near the ends of the calendar (year 9999) must not overflow.
    let end = max.max(
        min.saturating_add(SignedDuration::from_mins(10))
            .unwrap_or(max),
    );
    (
        min.saturating_sub(pad).unwrap_or(min),
        end.saturating_add(pad).unwrap_or(end),
    )
}

fn clock(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).strftime("%H:%M").to_string()
}

/// Per-minute counts of every source, added up.
pub fn combined(volumes: &[Volume]) -> Volume {
    let mut minutes: BTreeMap<i64, crate::evidence::Count> = BTreeMap::new();
    for v in volumes {
        for (m, c) in &v.minutes {
            let slot = minutes.entry(*m).or_default();
            slot.total += c.total;
            slot.errors += c.errors;
        }
    }
    Volume { minutes }
}
