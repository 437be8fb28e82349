//! The order of the nodes in each layer: barycentre sweeps that reduce crossings.

use super::graph::{Edge, Node};

/// The segments between consecutive layers: (left node, right node).
pub(super) fn segments(edges: &[Edge]) -> Vec<(usize, usize)> {
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
pub(super) fn order(nodes: &[Node], edges: &[Edge], count: usize) -> Vec<Vec<usize>> {
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
pub(super) fn count_crossings(
    layers: &[Vec<usize>],
    nodes: &[Node],
    segments: &[(usize, usize)],
) -> usize {
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
