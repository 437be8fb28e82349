//! Where the timeline's key labels and markers go: labels in rows that no line crosses,
//! markers apart from each other within their lanes.

use jiff::Timestamp;

use super::{LABEL_LINES, MAX_LABEL_ROWS, Sizes, lane_index};
use crate::model::TimelineEntry;
use crate::render::markdown;
use crate::render::svg::{text_width, wrap};

/// A key entry's label: its row, where it starts, its lines, the entry's index and its width.
pub(super) type Label = (usize, f64, Vec<String>, usize, f64);

/// Places the key entries' labels in rows, left to right: each in the first row where it fits
/// after that row's last label, where no label of a lower row covers its leader (which runs
/// down through every lower row to the marker), and where no leader of a higher row crosses
/// it. A label with no such row (there are at most [`MAX_LABEL_ROWS`]) is left out: its
/// marker still shows the text on hover.
pub(super) fn place_labels(
    entries: &[&TimelineEntry],
    marks: &[(f64, f64)],
    sizes: &Sizes,
) -> Vec<Label> {
    const GAP: f64 = 8.0;
    let (full, left, right) = (sizes.width, sizes.left, sizes.right);
    let mut rows: Vec<f64> = Vec::new();
    let mut labels: Vec<Label> = Vec::new();
    for (index, e) in entries.iter().enumerate().filter(|(_, e)| e.key) {
        let leader = marks[index].0;
        let text = wrap(
            &markdown::plain(&e.text),
            sizes.label_width,
            sizes.label,
            LABEL_LINES,
        );
        let width = text
            .iter()
            .map(|line| text_width(line, sizes.label))
            .fold(0.0, f64::max);
        let start = (leader - 4.0).min(full - right - width).max(left);
        let fits = |row: usize, rows: &[f64]| {
            let after_last = rows.get(row).is_none_or(|end| *end + GAP <= start);
            let leader_clear = rows.iter().skip(row + 1).all(|end| *end + 2.0 < leader);
            let not_crossed = labels.iter().all(|(r, _, _, i, _)| {
                *r >= row || {
                    let x = marks[*i].0;
                    x < start - 2.0 || x > start + width + 2.0
                }
            });
            after_last && leader_clear && not_crossed
        };
        let candidates = rows.len().min(MAX_LABEL_ROWS - 1) + 1;
        let Some(row) = (0..candidates).find(|r| fits(*r, &rows)) else {
            continue;
        };
        if row == rows.len() {
            rows.push(f64::MIN);
        }
        rows[row] = start + width;
        labels.push((row, start, text, index, width));
    }
    labels
}

/// Where each entry's marker goes: on its time and in its lane, moved up or down within the
/// lane when an earlier marker of the lane would sit under it (entries a minute apart in a
/// long incident are a few pixels apart).
pub(super) fn markers(
    entries: &[&TimelineEntry],
    lanes: &[String],
    lanes_top: f64,
    lane_height: f64,
    x_of: &dyn Fn(Timestamp) -> f64,
) -> Vec<(f64, f64)> {
    // Markers are at most 16 px across; a lane is 48 px high, room for three in a column.
    const SIZE: f64 = 16.0;
    const OFFSETS: [f64; 3] = [0.0, -16.0, 16.0];
    let mut placed: Vec<Vec<(f64, f64)>> = vec![Vec::new(); lanes.len().max(1)];
    entries
        .iter()
        .map(|e| {
            let lane = lane_index(lanes, e);
            let centre = lanes_top + lane as f64 * lane_height + lane_height / 2.0;
            let free = |x: f64, y: f64| {
                // Squared distances: `hypot` was 2% of a site build.
                placed[lane].iter().all(|(px, py)| {
                    let (dx, dy) = (x - px, y - py);
                    dx * dx + dy * dy >= SIZE * SIZE
                })
            };
            // The first free place at its time; when a column is full, a little later.
            let mut x = x_of(e.at.instant());
            let mut spot = None;
            for _ in 0..64 {
                if let Some(o) = OFFSETS.iter().find(|o| free(x, centre + **o)) {
                    spot = Some((x, centre + o));
                    break;
                }
                x += SIZE / 2.0;
            }
            let spot = spot.unwrap_or((x, centre));
            placed[lane].push(spot);
            spot
        })
        .collect()
}
