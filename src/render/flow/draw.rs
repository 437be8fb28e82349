//! The flow diagram as SVG.

use std::fmt::Write as _;

use super::graph::{Layout, NodeKind, Piece, Target};
use super::layout::layout_in;
use super::route::route;
use super::sizes::Sizes;
use crate::model::{ActionStatus, Category, Incident};
use crate::render::markdown;
use crate::render::svg::{Anchor, SvgDoc, escape, num};

/// The links between factors of one column ([`Layout::links`]): each leaves its box's right
/// edge, runs down or up its own lane in the strip right of the boxes, and comes back into the
/// box it feeds, with an arrowhead.
fn draw_links(doc: &mut SvgDoc, layout: &Layout) {
    let Some(&(first, _)) = layout.links.first() else {
        return;
    };
    let layer = layout.nodes[first].layer;
    let boxes_end = layout
        .nodes
        .iter()
        .filter(|n| n.layer == layer && !n.is_dummy())
        .map(|n| n.x + n.width)
        .fold(0.0, f64::max);
    for (k, &(from, to)) in layout.links.iter().enumerate() {
        let (a, b) = (&layout.nodes[from], &layout.nodes[to]);
        let lane = boxes_end + 8.0 + 6.0 * (k % 6) as f64;
        let (y1, y2) = (a.y + a.height * 0.4, b.y + b.height * 0.6);
        let (x1, x2) = (a.x + a.width, b.x + b.width);
        doc.raw(&format!(
            r##"<path class="flow-edge feeds" data-from="{}" data-to="{}" d="M{},{} H{} V{} H{}" fill="none" stroke="#444b55" stroke-width="1.6"/><path d="M{},{} l7,-4 v8 z" fill="#444b55"/>"##,
            escape(&a.id),
            escape(&b.id),
            num(x1),
            num(y1),
            num(lane),
            num(y2),
            num(x2 + 6.0),
            num(x2),
            num(y2),
        ));
    }
}
/// A colour-blind-safe fill and edge colour per category (Okabe–Ito), with a text label too.
fn category_colours(category: Category) -> (&'static str, &'static str) {
    match category {
        Category::Technical => ("#dcebf7", "#0072b2"),
        Category::Process => ("#fbe8d3", "#d55e00"),
        Category::Organisational => ("#e6f3ee", "#009e73"),
        Category::External => ("#f3e6ef", "#cc79a7"),
    }
}
/// The flow diagram of the incident as SVG, for the report. `id` prefixes element ids.
pub fn draw(incident: &Incident, id: &str) -> String {
    draw_for(incident, id, None)
}
/// The flow diagram of the incident as SVG, for the report or for a screen `screen` CSS pixels
/// wide (see [`Sizes::screen`]). `id` prefixes element ids.
pub fn draw_for(incident: &Incident, id: &str, screen: Option<f64>) -> String {
    draw_in(incident, id, screen.map_or(Target::Page, Target::Screen))
}
/// The flow diagram of the incident as SVG, laid out for `target`. `id` prefixes element ids.
pub fn draw_in(incident: &Incident, id: &str, target: Target) -> String {
    let layout = layout_in(incident, target);
    let Sizes {
        font,
        line: line_height,
        pad,
        margin,
        header,
        heading,
        ..
    } = layout.sizes;
    let mut doc = SvgDoc::new(layout.width.ceil() as u32, layout.height.ceil() as u32, id);
    // Column headings over each kind's leftmost column.
    let titles = ["Key events", "Contributing factors", "Actions"];
    let mut lefts = [f64::INFINITY; 3];
    for n in &layout.nodes {
        let k = match n.kind {
            NodeKind::Event => 0,
            NodeKind::Factor { .. } => 1,
            NodeKind::Action { .. } => 2,
            NodeKind::Dummy => continue,
        };
        lefts[k] = lefts[k].min(n.x);
    }
    for (x, title) in lefts.into_iter().zip(titles).filter(|(x, _)| x.is_finite()) {
        doc.text(
            title,
            x,
            margin + heading - 2.0,
            heading,
            Anchor::Start,
            "flow-heading",
        );
    }
    if layout.nodes.is_empty() {
        doc.text(
            "No key events, factors or actions yet.",
            margin,
            header + margin + 20.0,
            font,
            Anchor::Start,
            "flow-empty",
        );
    }
    // Edges first, under the boxes.
    for e in &layout.edges {
        let from = &layout.nodes[e.from];
        let to = &layout.nodes[e.to];
        let pieces = route(&layout, e);
        let mut d = String::new();
        if let Some(Piece::Line(a, _) | Piece::Curve(a, ..)) = pieces.first() {
            let _ = write!(d, "M{},{}", num(a.0), num(a.1));
        }
        for piece in &pieces {
            let _ = match piece {
                Piece::Line(_, b) => write!(d, " L{},{}", num(b.0), num(b.1)),
                Piece::Curve(_, c1, c2, b) => write!(
                    d,
                    " C{},{} {},{} {},{}",
                    num(c1.0),
                    num(c1.1),
                    num(c2.0),
                    num(c2.1),
                    num(b.0),
                    num(b.1)
                ),
            };
        }
        let class = match (&from.kind, &to.kind) {
            (NodeKind::Event, _) => "flow-edge shows",
            (_, NodeKind::Action { .. }) => "flow-edge addresses",
            _ => "flow-edge feeds",
        };
        let colour = match (&from.kind, &to.kind) {
            (NodeKind::Event, _) => "#8a8f98",
            (_, NodeKind::Action { .. }) => "#0b4f9c",
            _ => "#444b55",
        };
        doc.raw(&format!(
            r#"<path class="{class}" data-from="{}" data-to="{}" d="{d}" fill="none" stroke="{colour}" stroke-width="1.6"/>"#,
            escape(&from.id),
            escape(&to.id)
        ));
    }
    draw_links(&mut doc, &layout);
    for n in layout.nodes.iter().filter(|n| !n.is_dummy()) {
        let (fill, stroke, dash, class) = match &n.kind {
            NodeKind::Event => ("#f3f5f8", "#4a5260", "", "flow-node event"),
            NodeKind::Factor { category, .. } => {
                let (fill, stroke) = category_colours(*category);
                (fill, stroke, "", "flow-node factor")
            }
            NodeKind::Action { status } => match status {
                ActionStatus::Done => ("#e6f3ee", "#009e73", "", "flow-node action"),
                ActionStatus::WontDo => (
                    "#ffffff",
                    "#8a8f98",
                    r#" stroke-dasharray="4 3""#,
                    "flow-node action",
                ),
                _ => ("#ffffff", "#0b4f9c", "", "flow-node action"),
            },
            NodeKind::Dummy => continue,
        };
        let width = match n.kind {
            NodeKind::Factor { votes, .. } if votes > 0 => 2.0 + f64::from(votes.min(10)) * 0.25,
            _ => 1.5,
        };
        doc.raw(&format!(
            r#"<g class="{class}" data-id="{}"><title>{}</title><rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="{}"{dash}/>"#,
            escape(&n.id),
            escape(&n.full),
            num(n.x),
            num(n.y),
            num(n.width),
            num(n.height),
            num(width)
        ));
        doc.text(
            &n.caption,
            n.x + pad,
            n.y + pad + line_height - 4.0,
            layout.sizes.caption(),
            Anchor::Start,
            "flow-caption",
        );
        for (k, line) in n.lines.iter().enumerate() {
            doc.text(
                line,
                n.x + pad,
                n.y + pad + line_height * (k as f64 + 2.0) - 4.0,
                font,
                Anchor::Start,
                "flow-label",
            );
        }
        doc.raw("</g>");
    }
    let desc = format!(
        "{} key events, {} contributing factors and {} actions, with the links between them.",
        layout
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Event)
            .count(),
        incident.factors.len(),
        incident.actions.len()
    );
    doc.finish(
        &format!("How “{}” unfolded", markdown::plain(&incident.title)),
        &desc,
    )
}
