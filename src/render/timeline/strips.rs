//! The strips under the timeline's axis: the log volume per minute and a sparkline lane per
//! metric, on the same time axis as the lanes above.

use std::fmt::Write as _;

use jiff::Timestamp;

use super::Sizes;
use crate::evidence::Volume;
use crate::evidence::metrics::{MetricData, short as short_number};
use crate::render::svg::{Anchor, SvgDoc, escape, num};

/// The log-volume strip: entries per minute, errors in a darker shade.
pub(super) fn strip(
    doc: &mut SvgDoc,
    volume: &Volume,
    (from, to): (Timestamp, Timestamp),
    top: f64,
    sizes: &Sizes,
    x_of: &dyn Fn(Timestamp) -> f64,
) {
    let Sizes {
        width: full,
        left,
        right,
        strip: strip_h,
        ..
    } = *sizes;
    let (lo, hi) = (
        from.as_second().div_euclid(60),
        to.as_second().div_euclid(60),
    );
    let visible: Vec<(i64, u32, u32)> = volume
        .minutes
        .range(lo..=hi)
        .map(|(m, c)| (*m, c.total, c.errors))
        .collect();
    let max = visible.iter().map(|v| v.1).max().unwrap_or(0).max(1);
    let mut body = lane_frame(top, sizes);
    for (minute, total, errors) in &visible {
        let (Ok(at), Ok(next)) = (
            Timestamp::from_second(minute * 60),
            Timestamp::from_second((minute + 1) * 60),
        ) else {
            continue;
        };
        let x = x_of(at);
        if x < left {
            continue;
        }
        // A minute is as wide as the axis draws it there: the axis may compress quiet hours.
        let bar = (x_of(next) - x - 0.5)
            .clamp(0.5, 40.0)
            .min(full - right - x);
        if bar <= 0.0 {
            continue;
        }
        let h = f64::from(*total) / f64::from(max) * (strip_h - 6.0);
        let he = f64::from(*errors) / f64::from(max) * (strip_h - 6.0);
        let _ = write!(
            body,
            r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#0072b2" fill-opacity="0.45"><title>{total} entries, {errors} errors</title></rect>"##,
            num(x),
            num(top + strip_h - h),
            num(bar),
            num(h.max(0.5))
        );
        if *errors > 0 {
            let _ = write!(
                body,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#d55e00"/>"##,
                num(x),
                num(top + strip_h - he),
                num(bar),
                num(he.max(0.5))
            );
        }
    }
    doc.raw(&body);
    lane_labels(doc, "log volume", &format!("max {max}/min"), top, sizes);
}

/// The background of a strip under the axis (the volume strip, a metric's lane).
fn lane_frame(top: f64, sizes: &Sizes) -> String {
    format!(
        r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#fafafa" stroke="#e0e0e0"/>"##,
        num(sizes.left),
        num(top),
        num(sizes.width - sizes.left - sizes.right),
        num(sizes.strip)
    )
}

/// A strip's name, and its scale under it, to the left of the axis.
fn lane_labels(doc: &mut SvgDoc, name: &str, scale: &str, top: f64, sizes: &Sizes) {
    let y = top + sizes.strip / 2.0 + 4.0;
    doc.text(name, sizes.left - 10.0, y, sizes.small, Anchor::End, "lane");
    doc.text(
        scale,
        sizes.left - 10.0,
        y + sizes.small + 3.0,
        sizes.note,
        Anchor::End,
        "tick",
    );
}

/// Colours of a metric's series, in order (colour-blind safe, as the rest of the diagram).
const SERIES_COLOURS: [&str; 6] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
];

/// A metric's lane: one line per series over the diagram's span (gaps where a value is missing),
/// the threshold dashed, and the name and the scale to the left.
pub(super) fn sparkline(
    doc: &mut SvgDoc,
    metric: &MetricData,
    (from, to): (Timestamp, Timestamp),
    top: f64,
    sizes: &Sizes,
    x_of: &dyn Fn(Timestamp) -> f64,
) {
    let Sizes {
        width: full,
        left,
        right,
        strip: lane_h,
        ..
    } = *sizes;
    // The points in the span, and one either side so lines reach its edges.
    let shown: Vec<&[(Timestamp, Option<f64>)]> = metric
        .series
        .iter()
        .map(|s| {
            let a = s.points.partition_point(|p| p.0 < from).saturating_sub(1);
            let b = (s.points.partition_point(|p| p.0 <= to) + 1).min(s.points.len());
            &s.points[a..b.max(a)]
        })
        .collect();
    let values = shown.iter().flat_map(|p| p.iter().filter_map(|(_, v)| *v));
    let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if let Some(t) = metric.threshold {
        lo = lo.min(t);
        hi = hi.max(t);
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    // Counts and rates start at zero; a range far from zero keeps its own floor.
    if lo > 0.0 && lo < hi / 2.0 {
        lo = 0.0;
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    let y_of = |v: f64| top + lane_h - 4.0 - (v - lo) / (hi - lo) * (lane_h - 8.0);
    let clamp_x = |x: f64| x.clamp(left, full - right);
    let mut body = lane_frame(top, sizes);
    if let Some(t) = metric.threshold {
        let _ = write!(
            body,
            r##"<line class="threshold" x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="#a33a00" stroke-dasharray="5 4"><title>threshold {}{}</title></line>"##,
            num(left),
            num(full - right),
            short_number(t),
            escape(&metric.unit),
            y = num(y_of(t))
        );
    }
    for (k, points) in shown.iter().enumerate() {
        let colour = SERIES_COLOURS[k % SERIES_COLOURS.len()];
        let label = escape(&metric.series[k].label);
        // Runs of points without a gap, each one polyline.
        for run in points.split(|(_, v)| v.is_none()) {
            let coords: Vec<String> = run
                .iter()
                .filter_map(|(t, v)| {
                    Some(format!("{},{}", num(clamp_x(x_of(*t))), num(y_of((*v)?))))
                })
                .collect();
            if coords.is_empty() {
                continue;
            }
            let _ = write!(
                body,
                r##"<polyline class="series" points="{}" fill="none" stroke="{colour}" stroke-width="1.5"><title>{label}</title></polyline>"##,
                coords.join(" ")
            );
        }
    }
    doc.raw(&body);
    let scale = format!("{}–{}{}", short_number(lo), short_number(hi), metric.unit);
    lane_labels(doc, &metric.name, &scale, top, sizes);
}
