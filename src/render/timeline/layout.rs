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
/// long incident are a few pixels apart), or a little later when its column is full.
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
    // Half-marker steps to the right a marker looks for a place before it gives up.
    const SEARCH: usize = 64;
    // The placed markers of each lane by the 16-px cell their x falls in: two markers closer
    // than SIZE are at most one cell apart, so a place is checked against three cells, not
    // against every marker of the lane (a lane of a thousand entries made that quadratic).
    let mut placed: Vec<Vec<Vec<(f64, f64)>>> = vec![Vec::new(); lanes.len().max(1)];
    let cell = |x: f64| (x / SIZE).floor().max(0.0) as usize;
    // Per lane, the stretch the last search without a place went over: it was full, and as
    // markers are only added it stays full, so a marker whose time falls in it is not searched
    // for (a crowded lane of a thousand entries searched it again for each).
    let mut full: Vec<Option<(f64, f64)>> = vec![None; placed.len()];
    entries
        .iter()
        .map(|e| {
            let lane = lane_index(lanes, e);
            let centre = lanes_top + lane as f64 * lane_height + lane_height / 2.0;
            let start = x_of(e.at.instant());
            if full[lane].is_some_and(|(from, to)| (from..=to).contains(&start)) {
                return (start + SEARCH as f64 * SIZE / 2.0, centre);
            }
            let cells = &placed[lane];
            let free = |x: f64, y: f64| {
                let c = cell(x);
                cells
                    .iter()
                    .take(c + 2)
                    .skip(c.saturating_sub(1))
                    .flatten()
                    .all(|(px, py)| {
                        // Squared distances: `hypot` was 2% of a site build.
                        let (dx, dy) = (x - px, y - py);
                        dx * dx + dy * dy >= SIZE * SIZE
                    })
            };
            // The first free place at its time; when a column is full, a little later.
            let mut x = start;
            let mut spot = None;
            for _ in 0..SEARCH {
                if let Some(o) = OFFSETS.iter().find(|o| free(x, centre + **o)) {
                    spot = Some((x, centre + o));
                    break;
                }
                x += SIZE / 2.0;
            }
            // A lane too crowded to give it a place: drawn where the search ended, over others,
            // and not kept for the search (the crowd would pile up there and be searched
            // again for every later marker).
            let Some(spot) = spot else {
                full[lane] = Some((start, x));
                return (x, centre);
            };
            let cells = &mut placed[lane];
            let c = cell(spot.0);
            if cells.len() <= c {
                cells.resize_with(c + 1, Vec::new);
            }
            cells[c].push(spot);
            spot
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The markers as first written: each place checked against every marker of its lane,
    /// and a time in the stretch of the last search that found no place not searched again.
    fn markers_plainly(xs: &[f64], lane_of: &[usize]) -> Vec<(f64, f64)> {
        const SIZE: f64 = 16.0;
        let mut placed: Vec<Vec<(f64, f64)>> = vec![Vec::new(); 3];
        let mut full: Vec<Option<(f64, f64)>> = vec![None; 3];
        xs.iter()
            .zip(lane_of)
            .map(|(&x0, &lane)| {
                let centre = lane as f64 * 48.0 + 24.0;
                if let Some((from, to)) = full[lane]
                    && (from..=to).contains(&x0)
                {
                    return (x0 + 64.0 * SIZE / 2.0, centre);
                }
                let free = |x: f64, y: f64| {
                    placed[lane]
                        .iter()
                        .all(|(px, py)| (x - px).powi(2) + (y - py).powi(2) >= SIZE * SIZE)
                };
                let mut x = x0;
                let mut spot = None;
                for _ in 0..64 {
                    if let Some(o) = [0.0, -16.0, 16.0].iter().find(|o| free(x, centre + **o)) {
                        spot = Some((x, centre + o));
                        break;
                    }
                    x += SIZE / 2.0;
                }
                let Some(spot) = spot else {
                    full[lane] = Some((x0, x));
                    return (x, centre);
                };
                placed[lane].push(spot);
                spot
            })
            .collect()
    }

    /// A thousand entries crowded into three lanes (some a pixel apart, some far) are placed
    /// exactly where checking every marker of the lane would place them.
    #[test]
    fn markers_by_cell_match_markers_checked_one_by_one() {
        let lanes: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let mut toml = String::from("title = \"t\"\n");
        let mut xs = Vec::new();
        let mut lane_of = Vec::new();
        let mut seed = 7u64;
        for i in 0..1000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let lane = (seed >> 33) as usize % 3;
            toml.push_str(&format!(
                "[[timeline]]\nat = 2026-11-03T10:00:00Z\ntext = \"e\"\nlane = \"{}\"\n",
                lanes[lane]
            ));
            xs.push(100.0 + (i as f64) * 0.9 + ((seed >> 40) % 7) as f64);
            lane_of.push(lane);
        }
        let incident: crate::model::Incident = toml::from_str(&toml).unwrap();
        let entries: Vec<&TimelineEntry> = incident.timeline.iter().collect();
        // The x of each entry, in the order `markers` asks.
        let asked = std::cell::Cell::new(0);
        let x_in_order = |_: Timestamp| {
            let i = asked.get();
            asked.set(i + 1);
            xs[i]
        };
        assert_eq!(
            markers(&entries, &lanes, 0.0, 48.0, &x_in_order),
            markers_plainly(&xs, &lane_of)
        );
    }
}
