//! The path of each edge, in straight runs and curves between the columns.

use super::graph::{Edge, Layout, Piece};

/// The path of edge `e`: it leaves its box to the right edge of the box's column, crosses each
/// column it passes (at its bend point) in a straight line, and bends only in the gaps between
/// columns, where there are no boxes. So a line never runs behind a box, and it is plain which
/// box it comes from.
pub fn route(layout: &Layout, e: &Edge) -> Vec<Piece> {
    let node = |i: usize| &layout.nodes[i];
    let column = |i: usize| {
        layout
            .columns
            .get(node(i).layer)
            .copied()
            .unwrap_or((node(i).x, node(i).x + node(i).width))
    };
    let centre = |i: usize| node(i).y + node(i).height / 2.0;
    let mut pieces = Vec::new();
    let from = e.from;
    let start = (node(from).x + node(from).width, centre(from));
    let mut at = (column(from).1, centre(from));
    if at.0 > start.0 {
        pieces.push(Piece::Line(start, at));
    } else {
        at = start;
    }
    for &v in e.via.iter().chain(std::iter::once(&e.to)) {
        let (left, right) = column(v);
        let enter = (left, centre(v));
        let mid = (at.0 + enter.0) / 2.0;
        pieces.push(Piece::Curve(at, (mid, at.1), (mid, enter.1), enter));
        at = enter;
        if v != e.to && right > left {
            let leave = (right, centre(v));
            pieces.push(Piece::Line(at, leave));
            at = leave;
        }
    }
    pieces
}
