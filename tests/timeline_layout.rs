//! The timeline diagram, measured: no text sits on other text, no marker on another, no line
//! through a label, and key events a minute apart at least 40 px apart, on the sample, on an
//! incident whose moments and events crowd together, and on incidents of seven hours and of
//! three days.

mod common;

use debrief::model::Incident;
use debrief::render::timeline::{Extras, Sizes, draw};

/// A text element's box: left, top, right, bottom, and its words.
#[derive(Debug)]
struct TextBox {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
    text: String,
}

fn attr(element: &str, name: &str) -> Option<f64> {
    let start = element.find(&format!(" {name}=\""))? + name.len() + 3;
    let rest = &element[start..];
    rest[..rest.find('"')?].parse().ok()
}

/// Every unrotated `<text>` of an SVG, with its box from its position, size and length.
fn texts(svg: &str) -> Vec<TextBox> {
    svg.split("<text ")
        .skip(1)
        .filter(|t| !t.contains("rotate("))
        .filter_map(|t| {
            let (head, rest) = t.split_once('>')?;
            let (x, y, size, width) = (
                attr(head, "x")?,
                attr(head, "y")?,
                attr(head, "font-size")?,
                attr(head, "textLength")?,
            );
            Some(TextBox {
                left: x,
                top: y - size * 0.8,
                right: x + width,
                bottom: y + size * 0.2,
                text: rest.split("</text>").next()?.to_owned(),
            })
        })
        .collect()
}

/// The centres of the entries' markers: the first shape after each entry's `<title>`.
fn markers(svg: &str) -> Vec<(f64, f64, String)> {
    svg.split("class=\"event")
        .skip(1)
        .filter_map(|chunk| {
            let title = chunk.split("<title>").nth(1)?.split("</title>").next()?;
            let shape = chunk.split("</title>").nth(1)?;
            let point = if shape.starts_with("<circle") {
                (attr(shape, "cx")?, attr(shape, "cy")?)
            } else {
                let d = shape.split("d=\"M").nth(1)?;
                let mut numbers = d.split([' ', '"']).filter_map(|n| n.parse::<f64>().ok());
                (numbers.next()?, numbers.next()?)
            };
            Some((point.0, point.1, title.to_owned()))
        })
        .collect()
}

fn assert_apart(svg: &str) {
    let boxes = texts(svg);
    assert!(boxes.len() > 5, "{} texts", boxes.len());
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let apart = a.right <= b.left + 0.5
                || b.right <= a.left + 0.5
                || a.bottom <= b.top + 0.5
                || b.bottom <= a.top + 0.5;
            assert!(apart, "{:?} overlaps {:?}", a.text, b.text);
        }
    }
    let marks = markers(svg);
    for (i, a) in marks.iter().enumerate() {
        for b in &marks[i + 1..] {
            let apart = (a.0 - b.0).hypot(a.1 - b.1) >= 16.0 - 0.01;
            assert!(apart, "the markers of {:?} and {:?} overlap", a.2, b.2);
        }
    }
}

#[test]
fn the_sample_timeline_has_no_text_on_text() {
    let text =
        std::fs::read_to_string(common::root().join("sample-incident/incident.toml")).unwrap();
    let mut incident: Incident = toml::from_str(&text).unwrap();
    incident.fix_times();
    assert_apart(&draw(&incident, &Extras::default(), "t"));
}

#[test]
fn crowded_moments_and_events_stay_apart() {
    // Four moments within four minutes, key events between them, and three entries of one
    // lane a minute apart in an incident of many hours.
    let mut toml = String::from(
        "title = \"Crowded\"\ntimezone = \"UTC\"\n[times]\nstarted = 2026-11-03T14:00:00Z\ndetected = 2026-11-03T14:01:00Z\nmitigated = 2026-11-03T14:02:30Z\nresolved = 2026-11-03T22:00:00Z\n",
    );
    for (n, minute) in [0, 1, 2, 3, 5, 8].iter().enumerate() {
        toml.push_str(&format!(
            "\n[[timeline]]\nid = \"t-{n}\"\nat = 2026-11-03T14:{minute:02}:00Z\ntext = \"Key event number {n}, with a label of some length\"\nkey = true\nlane = \"deploys\"\n"
        ));
    }
    for minute in 30..34 {
        toml.push_str(&format!(
            "\n[[timeline]]\nat = 2026-11-03T15:{minute:02}:00Z\ntext = \"Pod restarted\"\nlane = \"pods\"\n"
        ));
    }
    let mut incident: Incident = toml::from_str(&toml).unwrap();
    incident.fix_times();
    assert_apart(&draw(&incident, &Extras::default(), "t"));
}

/// The lines of an SVG: (x1, y1, x2, y2, class).
fn lines(svg: &str) -> Vec<(f64, f64, f64, f64, String)> {
    svg.split("<line ")
        .skip(1)
        .filter_map(|l| {
            let head = l.split('>').next()?;
            let class = head
                .split("class=\"")
                .nth(1)
                .and_then(|c| c.split('"').next())
                .unwrap_or("")
                .to_owned();
            Some((
                attr(head, "x1")?,
                attr(head, "y1")?,
                attr(head, "x2")?,
                attr(head, "y2")?,
                class,
            ))
        })
        .collect()
}

/// No vertical line (a leader, a moment's rule, a tick) passes through a key label or a
/// moment's label.
fn assert_no_line_through_a_label(svg: &str) {
    let labels: Vec<TextBox> = svg
        .split("<text ")
        .skip(1)
        .filter(|t| t.contains("class=\"key-label\"") || t.contains("class=\"moment\""))
        .map(|t| texts(&format!("<text {t}")).pop().unwrap())
        .collect();
    assert!(!labels.is_empty());
    for (x1, y1, x2, y2, class) in lines(svg) {
        if (x1 - x2).abs() > 0.01 {
            continue;
        }
        let (top, bottom) = (y1.min(y2), y1.max(y2));
        for l in &labels {
            let crosses = x1 > l.left + 0.5
                && x1 < l.right - 0.5
                && top < l.bottom - 0.5
                && bottom > l.top + 0.5;
            assert!(
                !crosses,
                "a {class:?} line at x={x1} from {top} to {bottom} crosses {:?}",
                l.text
            );
        }
    }
}

/// An incident of `hours`, its first six key events a minute apart, then one entry every
/// `step` minutes, a key one every fourth, in five lanes.
fn long_incident(hours: i64, step: i64) -> Incident {
    let start = "2021-10-04T15:39:00Z".parse::<jiff::Timestamp>().unwrap();
    let at = |minutes: i64| start + jiff::SignedDuration::from_mins(minutes);
    let mut toml = format!(
        "title = \"Long\"\ntimezone = \"UTC\"\n[times]\nstarted = {}\ndetected = {}\nmitigated = {}\nresolved = {}\n",
        at(1),
        at(4),
        at(hours * 60 - 55),
        at(hours * 60)
    );
    let lanes = ["network", "dns", "tools", "people", "traffic"];
    let mut n = 0;
    let mut entry = |minute: i64, key: bool, toml: &mut String| {
        toml.push_str(&format!(
            "\n[[timeline]]\nid = \"t-{n}\"\nat = {}\ntext = \"Entry {n}: something the responders saw or did then\"\nlane = \"{}\"\nkey = {key}\n",
            at(minute),
            lanes[n % lanes.len()]
        ));
        n += 1;
    };
    for minute in 0..6 {
        entry(minute, true, &mut toml);
    }
    let mut minute = 20;
    let mut k = 0;
    while minute < hours * 60 {
        entry(minute, k % 4 == 0, &mut toml);
        minute += step;
        k += 1;
    }
    let mut incident: Incident = toml::from_str(&toml).unwrap();
    incident.fix_times();
    incident
}

/// The x of each key entry's marker, in time order.
fn key_xs(svg: &str) -> Vec<f64> {
    svg.split("class=\"event key\"")
        .skip(1)
        .filter_map(|chunk| {
            let shape = chunk.split("</title>").nth(1)?;
            attr(shape, "cx")
        })
        .collect()
}

#[test]
fn long_incidents_give_busy_minutes_room_on_one_screen() {
    for (name, incident) in [
        ("seven hours", long_incident(7, 20)),
        ("three days", long_incident(72, 180)),
    ] {
        for screen in [Some(Sizes::screen(1920.0)), None, Some(Sizes::COLUMN)] {
            let extras = Extras {
                sizes: screen,
                ..Extras::default()
            };
            let svg = draw(&incident, &extras, "t");
            assert_apart(&svg);
            assert_no_line_through_a_label(&svg);
            // The first six key events are a minute apart: 40 px or more.
            let xs = key_xs(&svg);
            for w in xs[..6].windows(2) {
                assert!(w[1] - w[0] >= 40.0 - 0.5, "{name} {screen:?}: {xs:?}");
            }
            // Every key label is shown.
            let shown = svg.matches("class=\"key-label\"").count();
            assert!(shown >= 6, "{name} {screen:?}: {shown} label lines");
            // The quiet stretches are marked as compressed.
            assert!(svg.contains("class=\"axis-break\""), "{name}");
        }
    }
}

#[test]
fn the_crowded_and_sample_timelines_have_no_line_through_a_label() {
    let text =
        std::fs::read_to_string(common::root().join("sample-incident/incident.toml")).unwrap();
    let mut incident: Incident = toml::from_str(&text).unwrap();
    incident.fix_times();
    assert_no_line_through_a_label(&draw(&incident, &Extras::default(), "t"));
    for sizes in [Sizes::screen(1920.0), Sizes::COLUMN] {
        let extras = Extras {
            sizes: Some(sizes),
            ..Extras::default()
        };
        assert_no_line_through_a_label(&draw(&incident, &extras, "t"));
    }
}

/// Every `font-size` of an SVG.
fn font_sizes(svg: &str) -> Vec<f64> {
    svg.split("font-size=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// Drawn for a docs site's content column (about 800 px), the timeline is at most 680 units
/// wide, so the docs tool shows it at its own size, and no text in it is under 12 px; its
/// labels still keep apart, on the sample and on a seven-hour incident.
#[test]
fn drawn_for_a_docs_column_no_text_is_under_12_px() {
    let text =
        std::fs::read_to_string(common::root().join("sample-incident/incident.toml")).unwrap();
    let mut sample: Incident = toml::from_str(&text).unwrap();
    sample.fix_times();
    for incident in [sample, long_incident(7, 20)] {
        let extras = Extras {
            sizes: Some(Sizes::COLUMN),
            ..Extras::default()
        };
        let svg = draw(&incident, &extras, "t");
        let width = attr(&svg[..svg.find('>').unwrap()], "width").unwrap();
        assert!(width <= 680.0, "{width} wide");
        let sizes = font_sizes(&svg);
        assert!(
            !sizes.is_empty() && sizes.iter().all(|&s| s >= 12.0),
            "{sizes:?}"
        );
        assert_apart(&svg);
    }
}
