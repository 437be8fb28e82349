//! The meeting's diagrams, drawn from the meeting as the room may see it (votes stay hidden
//! until they are revealed): the flow diagram and the timeline, for the report's measures or
//! for the width of the screen that asks, so the shared screen's text is never scaled below
//! 14 px.
//!
//! Each is drawn once per change of the meeting and per width however many screens ask, off
//! the request threads.

use std::sync::Arc;

use super::error::ApiError;
use crate::model::LoadedIncident;
use crate::render::{flow, timeline};

/// The narrowest and widest screens drawn for, in CSS pixels.
pub const WIDTHS: std::ops::RangeInclusive<u32> = 320..=7680;
/// Drawings kept for one generation of the meeting: a facilitator screen or two and the phones'
/// few widths.
const KEPT: usize = 8;

/// Which diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Diagram {
    Flow,
    Timeline,
}

/// A request's `width`: absent for the report's measures, else a whole number of CSS pixels
/// in [`WIDTHS`].
pub fn width(query: Option<&String>) -> Result<Option<u32>, ApiError> {
    let Some(text) = query else {
        return Ok(None);
    };
    match text.parse::<u32>() {
        Ok(w) if WIDTHS.contains(&w) => Ok(Some(w)),
        _ => Err(ApiError::new(
            400,
            "bad-width",
            format!(
                "width must be a whole number of pixels from {} to {}",
                WIDTHS.start(),
                WIDTHS.end()
            ),
        )),
    }
}

/// A diagram at a width (`None`: the report's measures).
type Key = (Diagram, Option<u32>);

/// The drawings of the meeting's current generation.
#[derive(Default)]
pub struct Drawings {
    generation: u64,
    drawn: Vec<(Key, Arc<Vec<u8>>)>,
}

impl Drawings {
    /// The drawing of `which` at `width` for `generation`, if it was drawn.
    pub fn get(
        &mut self,
        generation: u64,
        which: Diagram,
        width: Option<u32>,
    ) -> Option<Arc<Vec<u8>>> {
        if self.generation != generation {
            self.generation = generation;
            self.drawn.clear();
        }
        self.drawn
            .iter()
            .find(|(key, _)| *key == (which, width))
            .map(|(_, svg)| svg.clone())
    }

    pub fn keep(&mut self, generation: u64, which: Diagram, width: Option<u32>, svg: Arc<Vec<u8>>) {
        if self.generation != generation {
            return;
        }
        if self.drawn.len() >= KEPT {
            self.drawn.remove(0);
        }
        self.drawn.push(((which, width), svg));
    }
}

/// Draws `which` of `loaded` (blocking: the timeline reads the logs for its volume strip).
pub fn draw(loaded: &LoadedIncident, which: Diagram, width: Option<u32>) -> Vec<u8> {
    let screen = width.map(f64::from);
    match which {
        Diagram::Flow => flow::draw_for(&loaded.incident, "flow", screen),
        Diagram::Timeline => {
            // A source that cannot be read leaves the strip out; the site build reports it.
            let (volume, _) = crate::site::log_volume(loaded);
            let (metrics, _) = crate::site::read_metrics(loaded);
            let extras = timeline::Extras {
                volume: volume.as_ref(),
                link_base: "",
                screen,
                metrics: &metrics,
            };
            timeline::draw(&loaded.incident, &extras, "timeline")
        }
    }
    .into_bytes()
}
