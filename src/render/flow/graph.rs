//! What a laid-out flow diagram is made of: nodes, edges, the layout, and what it is laid out
//! for.

use super::sizes::Sizes;
use crate::model::{ActionStatus, Category};
use crate::render::svg;

/// The lines a box's label should take at most: columns are made wide enough for it where
/// the width allows.
pub(super) const MAX_LINES: usize = 6;
/// The most lines a box's label takes where its column is narrower: only a text far longer
/// than a factor's or an action's is cut there, with an ellipsis, and its box's title holds
/// the whole text (as the report's lists do).
pub(super) const CUT_AFTER: usize = 40;
/// What a node stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Event,
    Factor {
        category: Category,
        votes: u32,
    },
    Action {
        status: ActionStatus,
    },
    /// A bend point of a long edge.
    Dummy,
}
/// A box of the diagram.
#[derive(Debug, Clone)]
pub struct Node {
    /// The id in `incident.toml` (empty for dummies).
    pub id: String,
    pub kind: NodeKind,
    /// The label, wrapped.
    pub lines: Vec<String>,
    /// The whole label, for the box's title when its lines leave some of it out.
    pub full: String,
    /// The small line above the label (time, category and votes, status).
    pub caption: String,
    pub layer: usize,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}
impl Node {
    pub fn is_dummy(&self) -> bool {
        self.kind == NodeKind::Dummy
    }
}
/// A link, from the left node to the right one, through `via` (dummy nodes).
#[derive(Debug, Clone)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub via: Vec<usize>,
}
/// The laid-out diagram.
#[derive(Debug, Clone)]
pub struct Layout {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub width: f64,
    pub height: f64,
    /// Edge crossings left after the sweeps.
    pub crossings: usize,
    /// Each layer's column: its left and right edge.
    pub columns: Vec<(f64, f64)>,
    /// Links between factors of one column (node indices, from and to), drawn as arcs in the
    /// strip at the right of the factors' column: in a docs column, a chain of factors too long
    /// for the width is folded into one column.
    pub links: Vec<(usize, usize)>,
    /// The measures it was laid out with.
    pub sizes: Sizes,
}
/// A piece of an edge's path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Piece {
    /// A straight run.
    Line((f64, f64), (f64, f64)),
    /// A cubic curve: start, two control points, end.
    Curve((f64, f64), (f64, f64), (f64, f64), (f64, f64)),
}
/// Wraps `text` into a box's lines (see [`svg::wrap`]).
pub fn wrap(text: &str, width: f64, size: f64) -> Vec<String> {
    svg::wrap(text, width, size, CUT_AFTER)
}
/// What a diagram is laid out for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// The report, which scales the diagram to its column ([`Sizes::page`]).
    Page,
    /// A docs site's content column this many units wide ([`Sizes::column`]).
    Column(f64),
    /// A shared screen this many CSS pixels wide ([`Sizes::screen`]).
    Screen(f64),
}
impl Target {
    /// The width the columns share, for a target drawn at one unit per CSS pixel.
    pub(super) fn fitted(self) -> Option<f64> {
        match self {
            Target::Page => None,
            Target::Column(width) | Target::Screen(width) => Some(width),
        }
    }
}
