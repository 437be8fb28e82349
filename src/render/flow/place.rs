//! Where the nodes go: columns by layer, and heights that keep each column in order, near its
//! neighbours and, on a screen, within its budget.

use super::graph::{Edge, MAX_LINES, Node};
use super::order::segments;
use super::sizes::Sizes;
use crate::render::svg;

/// Positions: columns by layer; in each column, nodes keep their order, move towards their
/// neighbours, and never overlap.
pub(super) fn place(
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
pub(super) const SCREEN_BUDGET: f64 = 2.0 * 1080.0 - 220.0;
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
pub(super) fn column_widths(
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
