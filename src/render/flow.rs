//! The flow diagram: key timeline entries → contributing factors → actions, drawn as a
//! left-to-right layered graph (Sugiyama-style).
//!
//! 1. **Layers.** Events are the first layer, in time order. A factor sits one layer right of
//!    every factor that leads to it (longest path), so `leads_to` chains read left to right.
//!    Actions are the last layer.
//! 2. **Long edges** get a dummy node in every layer they cross, so they can bend around boxes.
//! 3. **Crossings** are reduced by barycentre sweeps, down and up, keeping the best order seen.
//!    The events keep their time order.
//! 4. **Positions.** Each node moves towards the mean height of its neighbours; overlaps are
//!    then pushed apart, keeping the order.
//! 5. **Edges** are cubic curves through their dummy points.
//!
//! Labels wrap to the box with the embedded font's real advances, so no label leaves its box.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::markdown;
use super::svg::{self, Anchor, SvgDoc, escape, num};

use crate::model::{ActionStatus, Category, Incident};

/// The measures of a flow diagram, in SVG units.
///
/// [`Sizes::PAGE`] is for the report, which scales the diagram to its column. [`Sizes::screen`]
/// fits a shared screen of a known width, where one unit is one CSS pixel: the columns share
/// the width, and no text is under 15 px (the shared screen's floor is 14 px).
/// [`Sizes::column`] does the same for a docs site's content column, with no text under 12 px.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sizes {
    /// A label's font size.
    pub font: f64,
    /// A label's line height.
    pub line: f64,
    /// The space between a box's edge and its text.
    pub pad: f64,
    pub event_width: f64,
    /// A factor with no votes; each vote (up to ten) adds `vote_width`.
    pub factor_width: f64,
    pub vote_width: f64,
    pub action_width: f64,
    pub column_gap: f64,
    pub row_gap: f64,
    pub margin: f64,
    pub header: f64,
    /// The column headings' font size.
    pub heading: f64,
}

impl Sizes {
    /// For the report: 12.5 px labels in boxes about 230 units wide.
    pub const PAGE: Sizes = Sizes {
        font: 12.5,
        line: 16.0,
        pad: 8.0,
        event_width: 210.0,
        factor_width: 230.0,
        vote_width: 6.0,
        action_width: 230.0,
        column_gap: 90.0,
        row_gap: 14.0,
        margin: 16.0,
        header: 30.0,
        heading: 14.0,
    };

    /// The width of the report's column, in units of [`Sizes::PAGE`]: the diagram is drawn to
    /// fit it rather than scaled down or scrolled.
    pub const PAGE_WIDTH: f64 = 1200.0;

    /// For the report, with `columns` columns: [`Sizes::PAGE`], with the columns narrowed (to
    /// 150 units at least, and closer together) when more of them would not fit
    /// [`Sizes::PAGE_WIDTH`].
    pub fn page(columns: usize) -> Sizes {
        let page = Sizes::PAGE;
        let n = columns.max(1) as f64;
        let natural = 2.0 * page.margin
            + page.event_width
            + (n - 2.0).max(0.0) * (page.factor_width + 10.0 * page.vote_width)
            + page.action_width
            + (n - 1.0) * page.column_gap;
        if natural <= Sizes::PAGE_WIDTH {
            return page;
        }
        let column_gap = 56.0;
        let column = ((Sizes::PAGE_WIDTH - 2.0 * page.margin - (n - 1.0) * column_gap) / n)
            .clamp(150.0, page.action_width);
        Sizes {
            event_width: column,
            factor_width: column - 10.0 * page.vote_width,
            action_width: column,
            column_gap,
            ..page
        }
    }

    /// For a screen `width` CSS pixels wide showing `columns` columns: 17 px labels (15 px
    /// captions), the boxes as wide as the screen allows and never under 180 px (past that,
    /// the diagram is wider than the screen and scrolls rather than shrinking its text).
    pub fn screen(width: f64, columns: usize) -> Sizes {
        let (margin, column_gap) = (16.0, 64.0);
        let columns = columns.max(1) as f64;
        let column =
            ((width - 2.0 * margin - (columns - 1.0) * column_gap) / columns).clamp(180.0, 640.0);
        // Votes widen a factor's box a little; on a screen, width is for words first.
        let vote_width = 3.0;
        Sizes {
            font: 17.0,
            line: 22.0,
            pad: 10.0,
            event_width: column,
            // The most-voted factor fills its column.
            factor_width: column - 10.0 * vote_width,
            vote_width,
            action_width: column,
            column_gap,
            row_gap: 16.0,
            margin,
            header: 36.0,
            heading: 19.0,
        }
    }

    /// For a docs site's content column `width` units wide, showing `columns` columns: drawn
    /// for one unit per CSS pixel, 14 px labels and 12 px captions, and columns as wide as
    /// their text needs and at least 96 units: five columns fit 680 units, and a longer chain
    /// of factors is folded into one column (see [`Layout::links`]).
    pub fn column(width: f64, columns: usize) -> Sizes {
        let (margin, column_gap) = (8.0, 24.0);
        let n = columns.max(1) as f64;
        let column = ((width - 2.0 * margin - (n - 1.0) * column_gap) / n).clamp(96.0, 320.0);
        let vote_width = 2.0;
        Sizes {
            font: 14.0,
            line: 18.0,
            pad: 7.0,
            event_width: column,
            factor_width: column - 10.0 * vote_width,
            vote_width,
            action_width: column,
            column_gap,
            row_gap: 12.0,
            margin,
            header: 30.0,
            heading: 14.0,
        }
    }

    /// A box caption's font size (time, category and votes, status).
    pub fn caption(&self) -> f64 {
        self.font - 2.0
    }
}

/// The most bend points the long edges of one diagram get (see [`layout`]).
const MAX_BENDS: usize = 4000;
/// The lines a box's label should take at most: columns are made wide enough for it where
/// the width allows.
const MAX_LINES: usize = 6;
/// The most lines a box's label takes where its column is narrower: only a text far longer
/// than a factor's or an action's is cut there, with an ellipsis, and its box's title holds
/// the whole text (as the report's lists do).
const CUT_AFTER: usize = 40;

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
    fn fitted(self) -> Option<f64> {
        match self {
            Target::Page => None,
            Target::Column(width) | Target::Screen(width) => Some(width),
        }
    }
}

/// Lays the incident out for the report.
pub fn layout(incident: &Incident) -> Layout {
    layout_in(incident, Target::Page)
}

/// Lays the incident out for the report, or for a screen `screen` CSS pixels wide (see
/// [`Sizes::screen`]).
pub fn layout_for(incident: &Incident, screen: Option<f64>) -> Layout {
    layout_in(incident, screen.map_or(Target::Page, Target::Screen))
}

/// Lays the incident out for `target`.
pub fn layout_in(incident: &Incident, target: Target) -> Layout {
    let tz = incident.tz();
    // The events: key entries, and every entry a factor names, in time order.
    let linked: std::collections::HashSet<&str> = incident
        .factors
        .iter()
        .flat_map(|f| f.events.iter().map(String::as_str))
        .collect();
    let events: Vec<&crate::model::TimelineEntry> = incident
        .timeline_sorted()
        .into_iter()
        .filter(|e| {
            e.id.as_deref().is_some_and(|id| linked.contains(id)) || e.key && e.id.is_some()
        })
        .collect();

    // Factor layers: one right of every factor that leads to it.
    let factor_index: HashMap<&str, usize> = incident
        .factors
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    let mut rank = vec![1usize; incident.factors.len()];
    for _ in 0..incident.factors.len() {
        let mut changed = false;
        for (i, f) in incident.factors.iter().enumerate() {
            for next in &f.leads_to {
                if let Some(&j) = factor_index.get(next.as_str()) {
                    // Bounded: a loop (which `check` reports) stops growing at the factor count.
                    if rank[j] < rank[i] + 1 && rank[i] < incident.factors.len() + 1 {
                        rank[j] = rank[i] + 1;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    // In a docs column, more than five columns would not fit at 12 px: the factors share one
    // column, and the links between them become arcs beside it.
    let folded = matches!(target, Target::Column(_)) && rank.iter().any(|&r| r > 3);
    if folded {
        rank.iter_mut().for_each(|r| *r = 1);
    }
    let chain_links: usize = incident.factors.iter().map(|f| f.leads_to.len()).sum();
    // The arcs' strip: a lane for each of up to six links, then they share.
    let strip = if folded {
        10.0 + 6.0 * chain_links.min(6) as f64
    } else {
        0.0
    };
    let last_factor_layer = rank.iter().copied().max().unwrap_or(1);
    let action_layer = last_factor_layer + 1;
    let sizes = match target {
        Target::Screen(width) => Sizes::screen(width, action_layer + 1),
        Target::Column(width) => Sizes::column(width, action_layer + 1),
        Target::Page => Sizes::page(action_layer + 1),
    };
    let Sizes {
        font, line, pad, ..
    } = sizes;
    // On a screen, each column as wide as its text needs: a column of twenty events gets more
    // of the width than one of three actions, so the tallest column is as short as it can be.
    let widths: Vec<f64> = match target.fitted() {
        Some(width) => {
            let mut texts: Vec<Vec<String>> = vec![Vec::new(); action_layer + 1];
            texts[0] = events.iter().map(|e| markdown::plain(&e.text)).collect();
            for (i, f) in incident.factors.iter().enumerate() {
                texts[rank[i]].push(markdown::plain(&f.text));
            }
            texts[action_layer] = incident
                .actions
                .iter()
                .map(|a| markdown::plain(&a.text))
                .collect();
            let mut inset = vec![10.0 * sizes.vote_width; action_layer + 1];
            inset[0] = 0.0;
            inset[action_layer] = 0.0;
            for k in inset.iter_mut().take(action_layer).skip(1) {
                *k += strip;
            }
            let (least, most) = match target {
                Target::Column(_) => (96.0, 320.0),
                _ => (180.0, 640.0),
            };
            column_widths(&texts, &inset, width, &sizes, (least, most))
        }
        None => Vec::new(),
    };
    let column_of = |layer: usize, fallback: f64| widths.get(layer).copied().unwrap_or(fallback);

    let mut nodes: Vec<Node> = Vec::new();
    let mut ids: HashMap<(u8, &str), usize> = HashMap::new();
    let node = |id: &str, kind: NodeKind, caption: String, text: &str, layer: usize, width: f64| {
        let full = markdown::plain(text);
        let lines = wrap(&full, width - 2.0 * pad, font);
        let caption = super::svg::fit(&caption, sizes.caption(), width - 2.0 * pad);
        let height = pad * 2.0 + line * (lines.len() as f64 + 1.0);
        Node {
            id: id.to_owned(),
            kind,
            lines,
            full,
            caption,
            layer,
            x: 0.0,
            y: 0.0,
            width,
            height,
        }
    };
    for e in &events {
        let id = e.id.as_deref().unwrap_or_default();
        let at = e.at.in_zone(&tz).strftime("%H:%M").to_string();
        ids.insert((0, id), nodes.len());
        nodes.push(node(
            id,
            NodeKind::Event,
            format!("{at} · {}", e.kind),
            &e.text,
            0,
            column_of(0, sizes.event_width),
        ));
    }
    for (i, f) in incident.factors.iter().enumerate() {
        let votes = f.total_votes();
        let caption = format!(
            "{} · {} vote{}",
            f.category,
            votes,
            if votes == 1 { "" } else { "s" }
        );
        // More votes, a wider box: the diagram shows what the room thought mattered most.
        let width = column_of(rank[i], sizes.factor_width + 10.0 * sizes.vote_width)
            - f64::from(10 - votes.min(10)) * sizes.vote_width
            - strip;
        ids.insert((1, f.id.as_str()), nodes.len());
        nodes.push(node(
            &f.id,
            NodeKind::Factor {
                category: f.category,
                votes,
            },
            caption,
            &f.text,
            rank[i],
            width,
        ));
    }
    for a in &incident.actions {
        let caption = match &a.owner {
            Some(owner) => format!("{} · {}", status_word(a.status), owner),
            None => format!("{} · no owner", status_word(a.status)),
        };
        ids.insert((2, a.id.as_str()), nodes.len());
        nodes.push(node(
            &a.id,
            NodeKind::Action { status: a.status },
            caption,
            &a.text,
            action_layer,
            column_of(action_layer, sizes.action_width),
        ));
    }

    // Edges, left to right, with dummies across skipped layers.
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut links: Vec<(usize, usize)> = Vec::new();
    for f in &incident.factors {
        let Some(&to) = ids.get(&(1, f.id.as_str())) else {
            continue;
        };
        for e in &f.events {
            if let Some(&from) = ids.get(&(0, e.as_str())) {
                pairs.push((from, to));
            }
        }
        for next in &f.leads_to {
            if let Some(&target) = ids.get(&(1, next.as_str())) {
                if nodes[target].layer > nodes[to].layer {
                    pairs.push((to, target));
                } else if folded && target != to {
                    links.push((to, target));
                }
            }
        }
    }
    for a in &incident.actions {
        let Some(&to) = ids.get(&(2, a.id.as_str())) else {
            continue;
        };
        for f in &a.factors {
            if let Some(&from) = ids.get(&(1, f.as_str())) {
                pairs.push((from, to));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    // Bend points make long edges go around boxes, but each costs work in every later step.
    // Past a budget (only a graph far larger than any review reaches it), long edges are
    // drawn straight, so the diagram of any file or meeting stays quick to draw.
    let spans: usize = pairs
        .iter()
        .map(|&(a, b)| nodes[b].layer.saturating_sub(nodes[a].layer + 1))
        .sum();
    let bend = spans <= MAX_BENDS;
    let mut edges = Vec::new();
    for (from, to) in pairs {
        let mut via = Vec::new();
        let skipped = if bend {
            nodes[from].layer + 1..nodes[to].layer
        } else {
            0..0
        };
        for layer in skipped {
            via.push(nodes.len());
            nodes.push(Node {
                id: String::new(),
                kind: NodeKind::Dummy,
                lines: Vec::new(),
                full: String::new(),
                caption: String::new(),
                layer,
                x: 0.0,
                y: 0.0,
                width: 0.0,
                height: 8.0,
            });
        }
        edges.push(Edge { from, to, via });
    }

    let layers = order(&nodes, &edges, action_layer + 1);
    let crossings = count_crossings(&layers, &nodes, &segments(&edges));
    // On a screen, at most one screen of scrolling: two screens' height for the diagram.
    let budget = matches!(target, Target::Screen(_)).then_some(SCREEN_BUDGET);
    let mut columns = place(&mut nodes, &edges, &layers, &sizes, budget);
    let fitted = target.fitted();
    if let Some(screen) = fitted {
        // No empty band on the right: what the boxes leave goes between the columns.
        let right = nodes.iter().map(|n| n.x + n.width).fold(0.0, f64::max);
        let slack = screen - sizes.margin - right;
        let gaps = columns.len().saturating_sub(1);
        if slack > 0.0 && gaps > 0 {
            let step = slack / gaps as f64;
            for n in nodes.iter_mut() {
                n.x += step * n.layer as f64;
            }
            for (k, c) in columns.iter_mut().enumerate() {
                c.0 += step * k as f64;
                c.1 += step * k as f64;
            }
        }
    }
    let mut width = nodes.iter().map(|n| n.x + n.width).fold(0.0, f64::max) + sizes.margin;
    if let Some(screen) = fitted {
        // The whole width of the screen, so the browser never scales it up or down.
        width = width.max(screen);
    }
    let height = nodes
        .iter()
        .map(|n| n.y + n.height)
        .fold(sizes.header + 40.0, f64::max)
        + sizes.margin;
    Layout {
        nodes,
        edges,
        width,
        height,
        crossings,
        columns,
        links,
        sizes,
    }
}

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

fn status_word(status: ActionStatus) -> &'static str {
    match status {
        ActionStatus::Open => "○ open",
        ActionStatus::InProgress => "◐ in progress",
        ActionStatus::Done => "✓ done",
        ActionStatus::WontDo => "✗ won't do",
    }
}

/// The segments between consecutive layers: (left node, right node).
fn segments(edges: &[Edge]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for e in edges {
        let mut chain = vec![e.from];
        chain.extend(&e.via);
        chain.push(e.to);
        out.extend(chain.windows(2).map(|w| (w[0], w[1])));
    }
    out
}

/// The order of the nodes in each layer, with as few crossings as the sweeps find.
fn order(nodes: &[Node], edges: &[Edge], count: usize) -> Vec<Vec<usize>> {
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (i, n) in nodes.iter().enumerate() {
        layers[n.layer].push(i);
    }
    let segments = segments(edges);
    // Segments join consecutive layers: a node's left neighbours are all in the layer before.
    let mut left: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut right: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for &(a, b) in &segments {
        right[a].push(b);
        left[b].push(a);
    }
    // Each node's place in its layer, as the layers are now.
    let mut position = vec![0.0; nodes.len()];
    for layer in &layers {
        for (p, &n) in layer.iter().enumerate() {
            position[n] = p as f64;
        }
    }
    let mut best = layers.clone();
    let mut best_count = count_crossings(&layers, nodes, &segments);
    for round in 0..12 {
        let down = round % 2 == 0;
        let range: Vec<usize> = if down {
            (1..count).collect()
        } else {
            (1..count.saturating_sub(1)).rev().collect()
        };
        for l in range {
            let neighbours = if down { &left } else { &right };
            let mut keyed: Vec<(f64, f64, usize)> = layers[l]
                .iter()
                .map(|&n| {
                    let ps = &neighbours[n];
                    let key = if ps.is_empty() {
                        position[n]
                    } else {
                        ps.iter().map(|&m| position[m]).sum::<f64>() / ps.len() as f64
                    };
                    (key, position[n], n)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
            layers[l] = keyed.into_iter().map(|(_, _, n)| n).collect();
            for (p, &n) in layers[l].iter().enumerate() {
                position[n] = p as f64;
            }
        }
        let now = count_crossings(&layers, nodes, &segments);
        if now < best_count {
            best_count = now;
            best = layers.clone();
        }
    }
    best
}

/// Crossings between the segments of consecutive layers.
///
/// Two segments between the same pair of layers cross when their ends are in opposite
/// orders, so the count is the number of inversions of the right ends once the segments are
/// sorted by their left ends: a merge sort counts them in O(n log n), which keeps a large
/// graph (thousands of links) as cheap as a small one.
fn count_crossings(layers: &[Vec<usize>], nodes: &[Node], segments: &[(usize, usize)]) -> usize {
    let mut position = vec![0usize; nodes.len()];
    for layer in layers {
        for (p, &n) in layer.iter().enumerate() {
            position[n] = p;
        }
    }
    let mut by_layer: Vec<Vec<(usize, usize)>> = vec![Vec::new(); layers.len()];
    for &(a, b) in segments {
        by_layer[nodes[a].layer].push((position[a], position[b]));
    }
    let mut total = 0;
    for segs in &mut by_layer {
        // Equal left ends never cross: sorted by right end among them, they add no inversion.
        segs.sort_unstable();
        let mut rights: Vec<usize> = segs.iter().map(|s| s.1).collect();
        total += inversions(&mut rights);
    }
    total
}

/// The pairs `i < j` with `v[i] > v[j]`; sorts `v`.
fn inversions(v: &mut [usize]) -> usize {
    if v.len() < 2 {
        return 0;
    }
    let mid = v.len() / 2;
    let mut count = inversions(&mut v[..mid]) + inversions(&mut v[mid..]);
    let mut merged = Vec::with_capacity(v.len());
    let (mut i, mut j) = (0, mid);
    while i < mid && j < v.len() {
        if v[j] < v[i] {
            // Everything left in the first half is greater than v[j].
            count += mid - i;
            merged.push(v[j]);
            j += 1;
        } else {
            merged.push(v[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&v[i..mid]);
    merged.extend_from_slice(&v[j..]);
    v.copy_from_slice(&merged);
    count
}

/// Positions: columns by layer; in each column, nodes keep their order, move towards their
/// neighbours, and never overlap.
fn place(
    nodes: &mut [Node],
    edges: &[Edge],
    layers: &[Vec<usize>],
    sizes: &Sizes,
    budget: Option<f64>,
) -> Vec<(f64, f64)> {
    let Sizes {
        column_gap,
        row_gap,
        margin,
        header,
        ..
    } = *sizes;
    // Columns as wide as their widest box.
    let mut x = margin;
    let mut columns = Vec::with_capacity(layers.len());
    for layer in layers {
        let width = layer.iter().map(|&n| nodes[n].width).fold(0.0, f64::max);
        columns.push((x, x + width));
        for &n in layer {
            // Dummies run down the middle of their column.
            nodes[n].x = if nodes[n].is_dummy() {
                x + width / 2.0
            } else {
                x
            };
        }
        x += if width > 0.0 {
            width + column_gap
        } else {
            column_gap / 2.0
        };
    }
    // First, stack every column.
    for layer in layers {
        let mut y = header + margin;
        for &n in layer {
            nodes[n].y = y;
            y += nodes[n].height + row_gap;
        }
    }
    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (a, b) in segments(edges) {
        neighbours[a].push(b);
        neighbours[b].push(a);
    }
    let centre = |n: &Node| n.y + n.height / 2.0;
    for _ in 0..6 {
        for layer in layers {
            let wanted: Vec<f64> = layer
                .iter()
                .map(|&n| {
                    let ns = &neighbours[n];
                    if ns.is_empty() {
                        nodes[n].y
                    } else {
                        ns.iter().map(|&m| centre(&nodes[m])).sum::<f64>() / ns.len() as f64
                            - nodes[n].height / 2.0
                    }
                })
                .collect();
            // Down: each at its wish, or just below the one before.
            let mut floor = header + margin;
            let mut ys = Vec::with_capacity(layer.len());
            for (k, &n) in layer.iter().enumerate() {
                let y = wanted[k].max(floor);
                ys.push(y);
                floor = y + nodes[n].height + row_gap;
            }
            // Up: pull back towards the wishes where there is room, still in order.
            for k in (0..layer.len().saturating_sub(1)).rev() {
                let n = layer[k];
                let limit = ys[k + 1] - row_gap - nodes[n].height;
                ys[k] = ys[k].min(limit).max(if k == 0 {
                    header + margin
                } else {
                    ys[k - 1] + nodes[layer[k - 1]].height + row_gap
                });
            }
            for (k, &n) in layer.iter().enumerate() {
                nodes[n].y = ys[k];
            }
        }
    }
    // Everything up to the top, together, so no column starts with empty space above all.
    let top = nodes.iter().map(|n| n.y).fold(f64::MAX, f64::min);
    if top.is_finite() {
        let lift = top - (header + margin);
        for n in nodes.iter_mut() {
            n.y -= lift;
        }
    }
    if let Some(budget) = budget {
        squeeze(nodes, layers, header + margin, budget, row_gap);
    }
    columns
}

/// The height a diagram on a screen may take: the screen and one more of scrolling, less the
/// meeting's header.
const SCREEN_BUDGET: f64 = 2.0 * 1080.0 - 220.0;

/// Closes the gaps of every column that reaches below `bottom`, keeping its order: the space
/// the alignment left between boxes shrinks evenly, down to `row_gap` between boxes and a few
/// units next to a bend point (and down to 8 between boxes), until the column fits (or is as tight as it gets).
fn squeeze(nodes: &mut [Node], layers: &[Vec<usize>], top: f64, bottom: f64, row_gap: f64) {
    const BEND_GAP: f64 = 4.0;
    for layer in layers {
        let Some(&last) = layer.last() else {
            continue;
        };
        if nodes[last].y + nodes[last].height <= bottom {
            continue;
        }
        // Each box's least gap above it, and the room the alignment gave beyond that.
        let mut least = Vec::with_capacity(layer.len());
        let mut extra = Vec::with_capacity(layer.len());
        let mut floor = top;
        for (k, &n) in layer.iter().enumerate() {
            let gap = if k == 0 {
                0.0
            } else if nodes[n].is_dummy() || nodes[layer[k - 1]].is_dummy() {
                BEND_GAP
            } else {
                // Boxes keep a gap an edge can be told apart in, if not the usual one.
                row_gap.min(8.0)
            };
            least.push(gap);
            extra.push((nodes[n].y - floor - gap).max(0.0));
            floor = nodes[n].y + nodes[n].height;
        }
        let tight: f64 =
            layer.iter().map(|&n| nodes[n].height).sum::<f64>() + least.iter().sum::<f64>();
        let room: f64 = extra.iter().sum();
        let keep = if room > 0.0 {
            ((bottom - top - tight) / room).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let mut y = top;
        for (k, &n) in layer.iter().enumerate() {
            y += least[k] + extra[k] * keep;
            nodes[n].y = y;
            y += nodes[n].height;
        }
    }
}

/// Column widths for a screen `width` wide. First every column gets what its boxes need to
/// say their whole text in a few lines (`least` to `most` units; when that is more than the
/// screen has, the widest give first); then the rest goes, 10 units at a time, to the column
/// that would be tallest with its texts wrapped at its width. `inset[k]` is how much narrower
/// than its column a box of column `k` can be (a factor with few votes).
fn column_widths(
    texts: &[Vec<String>],
    inset: &[f64],
    width: f64,
    sizes: &Sizes,
    (least, most): (f64, f64),
) -> Vec<f64> {
    // A line short of the most, as words do not fill lines exactly.
    const SAY_IN: f64 = MAX_LINES as f64 - 1.0;
    let n = texts.len().max(1) as f64;
    let avail = width - 2.0 * sizes.margin - (n - 1.0) * sizes.column_gap;
    let masses: Vec<Vec<f64>> = texts
        .iter()
        .map(|t| t.iter().map(|s| svg::text_width(s, sizes.font)).collect())
        .collect();
    let text_room = |k: usize, w: f64| (w - inset[k] - 2.0 * sizes.pad).max(1.0);
    let height = |k: usize, w: f64| -> f64 {
        masses[k]
            .iter()
            .map(|m| {
                let lines = (m / text_room(k, w)).ceil().clamp(1.0, MAX_LINES as f64);
                2.0 * sizes.pad + sizes.line * (lines + 1.0) + sizes.row_gap
            })
            .sum()
    };
    // Enough for the longest text of each column in its most lines (wrapping costs a little).
    let mut widths: Vec<f64> = (0..texts.len())
        .map(|k| {
            let longest = masses[k].iter().copied().fold(0.0, f64::max);
            (longest * 1.1 / SAY_IN + inset[k] + 2.0 * sizes.pad).clamp(least, most)
        })
        .collect();
    let wanted: f64 = widths.iter().sum();
    if wanted > avail {
        // More than the screen has: the widest give first, down to one width for all that
        // wanted more than it (the most that leaves every column what fits).
        let (mut lo, mut hi) = (least, most);
        for _ in 0..40 {
            let cap = (lo + hi) / 2.0;
            if widths.iter().map(|w| w.min(cap)).sum::<f64>() > avail {
                hi = cap;
            } else {
                lo = cap;
            }
        }
        for w in &mut widths {
            *w = w.min(lo);
        }
    }
    let mut left = avail - widths.iter().sum::<f64>();
    while left >= 10.0 {
        let tallest = (0..texts.len())
            .filter(|&k| widths[k] + 10.0 <= most)
            .max_by(|&a, &b| height(a, widths[a]).total_cmp(&height(b, widths[b])));
        let Some(k) = tallest else {
            break;
        };
        widths[k] += 10.0;
        left -= 10.0;
    }
    widths
}

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
