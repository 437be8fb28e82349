//! The timeline diagram, measured: no text sits on other text, and no marker on another, on
//! the sample and on an incident whose moments and events crowd together.

mod common;

use debrief::model::Incident;
use debrief::render::timeline::{Extras, draw};

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
