//! Laying the incident out: layers, long edges, crossings and positions (see the module's
//! steps).

use std::collections::HashMap;

use super::graph::{Edge, Layout, Node, NodeKind, Target, wrap};
use super::order::{count_crossings, order, segments};
use super::place::{SCREEN_BUDGET, column_widths, place};
use super::sizes::Sizes;
use crate::model::{ActionStatus, Incident};
use crate::render::markdown;

/// The most bend points the long edges of one diagram get (see [`layout`]).
pub(super) const MAX_BENDS: usize = 4000;
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
        let caption = crate::render::svg::fit(&caption, sizes.caption(), width - 2.0 * pad);
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
pub(super) fn status_word(status: ActionStatus) -> &'static str {
    match status {
        ActionStatus::Open => "○ open",
        ActionStatus::InProgress => "◐ in progress",
        ActionStatus::Done => "✓ done",
        ActionStatus::WontDo => "✗ won't do",
    }
}
