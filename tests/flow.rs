//! The flow diagram's layout: boxes never overlap, labels never leave their boxes, and the
//! layering keeps crossings down, on the sample and on generated incidents.

mod common;

use debrief::model::Incident;
use debrief::render::flow::{self, Layout, NodeKind};
use debrief::render::svg::text_width;

fn sample() -> Incident {
    let text =
        std::fs::read_to_string(common::root().join("sample-incident/incident.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

/// An incident with `factors` factors, `events` key events, `actions` actions, and `links`
/// links spread over events → factors, factors → factors (left to right only) and
/// actions → factors, chosen by a fixed pseudo-random sequence.
fn generated(events: usize, factors: usize, actions: usize, links: usize) -> Incident {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let words = "pool saturation alert threshold rollback canary autoscaler replica timeout retry \
                 queue backlog deploy config drift runbook paging escalation dependency quota";
    let words: Vec<&str> = words.split_whitespace().collect();
    let mut toml = String::from("title = \"Generated\"\ntimezone = \"UTC\"\n");
    for e in 0..events {
        toml.push_str(&format!(
            "\n[[timeline]]\nid = \"t-{e}\"\nat = 2026-11-03T{:02}:{:02}:00Z\ntext = \"{}\"\nkey = true\n",
            10 + e / 60,
            e % 60,
            rng.sentence(&words, 3 + e % 9)
        ));
    }
    let mut factor_events: Vec<Vec<usize>> = vec![Vec::new(); factors];
    let mut factor_leads: Vec<Vec<usize>> = vec![Vec::new(); factors];
    let mut action_factors: Vec<Vec<usize>> = vec![Vec::new(); actions];
    for k in 0..links {
        match k % 3 {
            0 if events > 0 => factor_events[rng.next(factors)].push(rng.next(events)),
            1 if factors > 1 => {
                let a = rng.next(factors - 1);
                let b = a + 1 + rng.next(factors - a - 1);
                factor_leads[a].push(b);
            }
            _ if actions > 0 => action_factors[rng.next(actions)].push(rng.next(factors)),
            _ => factor_events[rng.next(factors)].push(rng.next(events.max(1))),
        }
    }
    let list = |prefix: &str, ids: &mut Vec<usize>| {
        ids.sort_unstable();
        ids.dedup();
        ids.iter()
            .map(|i| format!("\"{prefix}-{i}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for f in 0..factors {
        toml.push_str(&format!(
            "\n[[factors]]\nid = \"f-{f}\"\ntext = \"{}\"\ncategory = \"{}\"\nvotes = {{ p = {} }}\nevents = [{}]\nleads_to = [{}]\n",
            rng.sentence(&words, 4 + f % 14),
            ["technical", "process", "organisational", "external"][f % 4],
            f % 7,
            list("t", &mut factor_events[f]),
            list("f", &mut factor_leads[f]),
        ));
    }
    for a in 0..actions {
        toml.push_str(&format!(
            "\n[[actions]]\nid = \"a-{a}\"\ntext = \"{}\"\nstatus = \"{}\"\nfactors = [{}]\n",
            rng.sentence(&words, 5 + a % 11),
            ["open", "in-progress", "done", "wont-do"][a % 4],
            list("f", &mut action_factors[a]),
        ));
    }
    toml::from_str(&toml).unwrap_or_else(|e| panic!("{e}\n{toml}"))
}

/// A fixed pseudo-random sequence (xorshift), so the generated incidents are always the same.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn sentence(&mut self, words: &[&str], len: usize) -> String {
        (0..len)
            .map(|_| words[self.next(words.len())])
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// No two boxes overlap, and every line of every label fits inside its box.
fn assert_geometry(layout: &Layout) {
    let boxes: Vec<_> = layout.nodes.iter().filter(|n| !n.is_dummy()).collect();
    for (i, a) in boxes.iter().enumerate() {
        assert!(a.x >= 0.0 && a.y >= 0.0, "{} is off the canvas", a.id);
        assert!(
            a.x + a.width <= layout.width && a.y + a.height <= layout.height,
            "{} is off the canvas",
            a.id
        );
        for b in &boxes[i + 1..] {
            let apart = a.x + a.width <= b.x
                || b.x + b.width <= a.x
                || a.y + a.height <= b.y
                || b.y + b.height <= a.y;
            assert!(apart, "{} and {} overlap: {a:?} {b:?}", a.id, b.id);
        }
        let sizes = layout.sizes;
        let inner = a.width - 2.0 * sizes.pad;
        assert!(
            text_width(&a.caption, sizes.caption()) <= inner + 0.01,
            "{}: caption {:?} is wider than its box",
            a.id,
            a.caption
        );
        for line in &a.lines {
            assert!(
                text_width(line, sizes.font) <= inner + 0.01,
                "{}: {line:?} is wider than its box",
                a.id
            );
        }
        let text_height = sizes.line * (a.lines.len() as f64 + 1.0) + 2.0 * sizes.pad;
        assert!(
            text_height <= a.height + 0.01,
            "{}: the label is taller than its box",
            a.id
        );
    }
    // Edges run left to right, and never behind a box: every point of every line is outside
    // every box (its own two boxes included: it starts and ends on their edges).
    for e in &layout.edges {
        assert!(layout.nodes[e.from].layer < layout.nodes[e.to].layer);
        for (x, y) in sampled(&flow::route(layout, e)) {
            for b in &boxes {
                let inside = x > b.x + 0.5
                    && x < b.x + b.width - 0.5
                    && y > b.y + 0.5
                    && y < b.y + b.height - 0.5;
                assert!(
                    !inside,
                    "the line {} → {} runs behind {} at ({x:.1}, {y:.1})",
                    layout.nodes[e.from].id, layout.nodes[e.to].id, b.id
                );
            }
        }
    }
}

/// Points along a path, every few pixels.
fn sampled(pieces: &[flow::Piece]) -> Vec<(f64, f64)> {
    let mut points = Vec::new();
    for piece in pieces {
        for k in 0..=40 {
            let t = f64::from(k) / 40.0;
            points.push(match *piece {
                flow::Piece::Line(a, b) => (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t),
                flow::Piece::Curve(a, c1, c2, b) => {
                    let u = 1.0 - t;
                    let at = |p: f64, q: f64, r: f64, s: f64| {
                        u * u * u * p + 3.0 * u * u * t * q + 3.0 * u * t * t * r + t * t * t * s
                    };
                    (at(a.0, c1.0, c2.0, b.0), at(a.1, c1.1, c2.1, b.1))
                }
            });
        }
    }
    points
}

#[test]
fn the_sample_is_laid_out_without_overlaps() {
    let layout = flow::layout(&sample());
    assert_geometry(&layout);
    let kinds = |k: fn(&NodeKind) -> bool| layout.nodes.iter().filter(|n| k(&n.kind)).count();
    assert_eq!(kinds(|k| matches!(k, NodeKind::Factor { .. })), 5);
    assert_eq!(kinds(|k| matches!(k, NodeKind::Action { .. })), 6);
    // Key events, in time order, top to bottom.
    let events: Vec<_> = layout
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Event)
        .collect();
    assert!(events.windows(2).all(|w| w[0].y < w[1].y));
}

/// Drawn for a shared screen, the diagram is exactly as wide as the screen (so the browser
/// neither shrinks nor stretches it), no text is under 14 px, and the geometry still holds,
/// from a laptop to a wall; a chain of factors too long for the width scrolls instead.
#[test]
fn drawn_for_a_screen_it_fills_the_width_with_text_of_14_px_or_more() {
    let sizes_in = |svg: &str| -> Vec<f64> {
        svg.split("font-size=\"")
            .skip(1)
            .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
            .collect()
    };
    for width in [1024.0, 1366.0, 1920.0, 3840.0] {
        for incident in [sample(), generated(30, 40, 20, 200)] {
            let layout = flow::layout_for(&incident, Some(width));
            assert_geometry(&layout);
            assert!(layout.sizes.caption() >= 14.0);
            if layout.columns.len() <= 4 {
                assert_eq!(
                    layout.width,
                    width,
                    "{width}: {} columns",
                    layout.columns.len()
                );
            } else {
                assert!(layout.width >= width);
            }
            let svg = flow::draw_for(&incident, "flow", Some(width));
            assert!(svg.contains(&format!(" width=\"{}\"", layout.width.ceil())));
            let sizes = sizes_in(&svg);
            assert!(
                !sizes.is_empty() && sizes.iter().all(|&s| s >= 14.0),
                "{sizes:?}"
            );
        }
    }
}

#[test]
fn forty_factors_and_two_hundred_links_stay_readable() {
    let incident = generated(30, 40, 20, 200);
    let layout = flow::layout(&incident);
    assert_geometry(&layout);
    assert_eq!(
        layout
            .nodes
            .iter()
            .filter(|n| matches!(n.kind, NodeKind::Factor { .. }))
            .count(),
        40
    );
    assert!(layout.edges.len() >= 150, "{} edges", layout.edges.len());
    // The sweeps do better than the order the file gives: compare with no reordering at all.
    let naive = naive_crossings(&layout);
    assert!(
        layout.crossings < naive,
        "crossing reduction: {} left, {} in file order",
        layout.crossings,
        naive
    );
}

#[test]
fn a_single_factor_and_an_empty_incident_are_drawn() {
    let one = generated(1, 1, 1, 3);
    assert_geometry(&flow::layout(&one));
    let svg = flow::draw(&one, "flow");
    assert!(svg.contains("<title id=\"flow-title\">"));
    let empty: Incident = toml::from_str("title = \"Nothing yet\"").unwrap();
    let layout = flow::layout(&empty);
    assert!(layout.nodes.is_empty());
    assert!(flow::draw(&empty, "flow").contains("</svg>"));
}

#[test]
fn labels_wrap_at_the_box_and_long_words_break() {
    let lines = flow::wrap(
        "supercalifragilisticexpialidocious-and-then-some words after it",
        80.0,
        12.5,
    );
    assert!(lines.len() > 1);
    assert!(
        lines.iter().all(|l| text_width(l, 12.5) <= 80.0),
        "{lines:?}"
    );
    let long = flow::wrap(&"word ".repeat(300), 100.0, 12.5);
    assert_eq!(long.len(), 40);
    assert!(long[39].ends_with('…'));
}

/// A box whose label is cut still holds the whole text in its title: nothing is cut silently.
#[test]
fn a_cut_label_keeps_its_whole_text_in_the_title() {
    let long = "word ".repeat(400);
    let incident: Incident = toml::from_str(&format!(
        "title = \"t\"\n[[factors]]\nid = \"f-1\"\ntext = \"{}end\"\ncategory = \"technical\"\n",
        long
    ))
    .unwrap();
    let svg = flow::draw(&incident, "flow");
    assert!(svg.contains("…"), "the label is cut");
    assert!(
        svg.contains(&format!("<title>{}end</title>", long)),
        "{svg}"
    );
}

/// The report's flow fits the report's column: with five columns of boxes it is drawn
/// narrower rather than scaled down or scrolled, and its text stays at 12.5 units.
#[test]
fn the_reports_flow_fits_its_column() {
    let mut toml = String::from("title = \"Chain\"\n");
    for i in 0..4 {
        let next = if i < 3 {
            format!("leads_to = [\"f-{}\"]\n", i + 1)
        } else {
            String::new()
        };
        toml.push_str(&format!(
            "[[factors]]\nid = \"f-{i}\"\ntext = \"Factor {i} of a chain of four\"\ncategory = \"process\"\n{next}"
        ));
    }
    toml.push_str("[[actions]]\nid = \"a-1\"\ntext = \"Fix it\"\nfactors = [\"f-3\"]\n");
    let incident: Incident = toml::from_str(&toml).unwrap();
    let layout = flow::layout(&incident);
    assert!(layout.columns.len() >= 5, "{:?}", layout.columns);
    assert!(layout.width <= flow::Sizes::PAGE_WIDTH, "{}", layout.width);
    assert_eq!(layout.sizes.font, 12.5);
    assert_geometry(&layout);
}

/// Crossings if every layer kept the order nodes were created in (file order).
fn naive_crossings(layout: &Layout) -> usize {
    let mut segs: Vec<(usize, usize, usize)> = Vec::new();
    for e in &layout.edges {
        let mut chain = vec![e.from];
        chain.extend(&e.via);
        chain.push(e.to);
        for w in chain.windows(2) {
            segs.push((layout.nodes[w[0]].layer, w[0], w[1]));
        }
    }
    let mut total = 0;
    for (i, a) in segs.iter().enumerate() {
        for b in &segs[i + 1..] {
            if a.0 == b.0 && ((a.1 < b.1 && a.2 > b.2) || (a.1 > b.1 && a.2 < b.2)) {
                total += 1;
            }
        }
    }
    total
}

/// The attacker's graph: a chain of factors with long links across it. Layout work is
/// bounded (long edges stop bending past a budget), and every link is still drawn.
#[test]
fn a_long_chain_with_long_links_is_drawn_whole_with_bounded_work() {
    let mut toml = String::from("title = \"Chain\"\ntimezone = \"UTC\"\n");
    let mut links = 0;
    for f in 0..300 {
        let mut next: Vec<String> = Vec::new();
        if f + 1 < 300 {
            next.push(format!("\"f-{}\"", f + 1));
        }
        for k in 0..9 {
            let to = f + 60 + k * 23;
            if to < 300 {
                next.push(format!("\"f-{to}\""));
            }
        }
        links += next.len();
        toml.push_str(&format!(
            "\n[[factors]]\nid = \"f-{f}\"\ntext = \"Factor {f}\"\nleads_to = [{}]\n",
            next.join(", ")
        ));
    }
    let incident: Incident = toml::from_str(&toml).unwrap();
    let layout = flow::layout(&incident);
    assert_eq!(layout.edges.len(), links, "every link is drawn");
    let bends = layout.nodes.iter().filter(|n| n.is_dummy()).count();
    assert!(bends <= 4000, "{bends} bend points");
    let svg = flow::draw(&incident, "flow");
    assert_eq!(svg.matches("class=\"flow-edge").count(), links);
}

/// Twenty events, twenty factors and ten actions on a 1920 px screen: at most one screen of
/// scrolling, boxes reaching the right edge, text at 17 px, and no box on another.
#[test]
fn a_big_flow_fits_a_screen_and_one_of_scrolling() {
    for links in [30, 45] {
        let incident = generated(20, 20, 10, links);
        let layout = flow::layout_for(&incident, Some(1920.0));
        assert_geometry(&layout);
        assert!(
            layout.height <= 2.0 * 1080.0,
            "{links} links: {} tall",
            layout.height
        );
        assert_eq!(layout.width, 1920.0);
        let right = layout
            .nodes
            .iter()
            .map(|n| n.x + n.width)
            .fold(0.0, f64::max);
        assert!(
            right >= 1920.0 - 16.0 - 0.5,
            "{links} links: boxes end at {right}"
        );
        assert!(layout.sizes.font >= 15.0);
        // Few labels are cut, and those keep their whole text for the box's title.
        let cut: Vec<&flow::Node> = layout
            .nodes
            .iter()
            .filter(|n| n.lines.last().is_some_and(|l| l.ends_with('…')))
            .collect();
        let ids: Vec<(&str, f64, usize)> = cut
            .iter()
            .map(|n| (n.id.as_str(), n.width, n.full.len()))
            .collect();
        let cols: Vec<f64> = layout.columns.iter().map(|c| c.1 - c.0).collect();
        assert!(
            cut.is_empty(),
            "{links} links: cut {ids:?}, columns {cols:?}"
        );
        assert!(
            cut.iter()
                .all(|n| n.full.len() > n.lines.join(" ").len() - 3)
        );
    }
}

/// A chain of five factors (seven columns) with texts as long as people write them: drawn for
/// the report, for a docs column and for a screen, every box says its whole text.
#[test]
fn no_label_is_cut_in_a_long_chain_of_long_texts() {
    let sentence = "The connection pool of every checkout pod ran dry while requests waited on \
                    the fraud check, so the autoscaler added pods whose pools pushed the \
                    database past its connection limit";
    let mut incident = generated(20, 20, 10, 45);
    for (i, f) in incident.factors.iter_mut().enumerate() {
        f.text = format!("{i}: {sentence}");
        f.leads_to = if i < 4 {
            vec![format!("f-{}", i + 1)]
        } else {
            Vec::new()
        };
    }
    for a in &mut incident.actions {
        a.text = sentence.to_owned();
    }
    for target in [
        flow::Target::Page,
        flow::Target::Column(680.0),
        flow::Target::Screen(1920.0),
    ] {
        let layout = flow::layout_in(&incident, target);
        if target == flow::Target::Column(680.0) {
            // Too long for a docs column: the factors share one column.
            assert_eq!(layout.columns.len(), 3);
            assert_eq!(layout.links.len(), 4);
        } else {
            assert!(layout.columns.len() >= 7, "{:?}", layout.columns.len());
            assert!(layout.links.is_empty());
        }
        assert_geometry(&layout);
        let cut: Vec<&str> = layout
            .nodes
            .iter()
            .filter(|n| n.lines.last().is_some_and(|l| l.ends_with('…')))
            .map(|n| n.id.as_str())
            .collect();
        assert!(cut.is_empty(), "{target:?}: cut {cut:?}");
    }
}

/// Drawn for a docs site's content column, the diagram is 680 units wide up to five columns,
/// so the docs tool shows it at its own size, and no text in it is under 12 px.
#[test]
fn drawn_for_a_docs_column_no_text_is_under_12_px() {
    for incident in [sample(), generated(20, 20, 10, 45)] {
        let layout = flow::layout_in(&incident, flow::Target::Column(680.0));
        assert_geometry(&layout);
        let n = layout.columns.len() as f64;
        if n <= 5.0 {
            assert_eq!(layout.width, 680.0, "{n} columns");
        } else {
            // Wider: the docs tool scales it down, as little as the narrowest columns allow.
            assert!(layout.width <= 16.0 + n * 96.0 + (n - 1.0) * 24.0 + 0.5);
        }
        let svg = flow::draw_in(&incident, "flow", flow::Target::Column(680.0));
        let sizes: Vec<f64> = svg
            .split("font-size=\"")
            .skip(1)
            .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
            .collect();
        assert!(
            !sizes.is_empty() && sizes.iter().all(|&s| s >= 12.0),
            "{sizes:?}"
        );
    }
}

/// In a docs column, a chain of factors too long for the width is folded into one column:
/// the diagram stays 680 units wide with no text under 12 px, and each link between factors
/// is an arc in its own lane right of every factor box and left of the actions.
#[test]
fn a_long_chain_in_a_docs_column_is_folded_into_one_column() {
    let mut incident = generated(20, 20, 10, 45);
    for (i, f) in incident.factors.iter_mut().enumerate() {
        f.leads_to = if i < 5 {
            vec![format!("f-{}", i + 1)]
        } else {
            Vec::new()
        };
    }
    let target = flow::Target::Column(680.0);
    let layout = flow::layout_in(&incident, target);
    assert_geometry(&layout);
    assert_eq!(layout.columns.len(), 3);
    assert_eq!(layout.width, 680.0);
    assert_eq!(layout.links.len(), 5);
    let factors_end = layout
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Factor { .. }))
        .map(|n| n.x + n.width)
        .fold(0.0, f64::max);
    let actions_start = layout
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Action { .. }))
        .map(|n| n.x)
        .fold(f64::INFINITY, f64::min);
    let svg = flow::draw_in(&incident, "flow", target);
    let lanes: Vec<f64> = svg
        .split(" H")
        .skip(1)
        .step_by(2)
        .map(|rest| rest.split(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(lanes.len(), 5, "{lanes:?}");
    for lane in &lanes {
        assert!(
            *lane > factors_end && *lane < actions_start,
            "lane {lane} between {factors_end} and {actions_start}"
        );
    }
    let sizes: Vec<f64> = svg
        .split("font-size=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect();
    assert!(sizes.iter().all(|&s| s >= 12.0), "{sizes:?}");
    // The report keeps the chain left to right.
    assert!(flow::layout(&incident).columns.len() >= 7);
}
