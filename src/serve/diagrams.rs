//! The meeting's diagrams, drawn from the meeting as the room may see it (votes stay hidden
//! until they are revealed): the flow diagram and the timeline, for the report's measures or
//! for the width of the screen that asks, so the shared screen's text is never scaled below
//! 14 px.
//!
//! Any participant can ask for a diagram at any width, so drawing is kept cheap and fair:
//!
//! - a width is rounded down to one of a few [`BUCKETS`], so forty different widths are a
//!   handful of drawings;
//! - each drawing is made once per change of the meeting, however many screens ask; screens
//!   that ask while it is being drawn wait for that drawing, and no lock is held while drawing,
//!   so a drawing of one width or diagram never waits for another;
//! - the logs and metrics of the timeline's strips are read once per change of those files (or
//!   of the `[[sources]]`, `[[metrics]]`, times or zone that say how to read them), not per
//!   drawing;
//! - participants draw one at a time, and each may start only so many drawings
//!   ([`DRAWS_BURST`], then one every [`DRAW_EVERY_SECONDS`] seconds; `429` with `Retry-After`
//!   past that); the facilitator's screen is never throttled and never waits for a
//!   participant's drawing.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::{OnceCell, Semaphore};

use super::error::ApiError;
use super::limits::Limiter;
use super::meeting::Caller;
use crate::evidence::Volume;
use crate::evidence::metrics::MetricData;
use crate::model::LoadedIncident;
use crate::render::{flow, timeline};

/// The narrowest and widest screens drawn for, in CSS pixels.
pub const WIDTHS: std::ops::RangeInclusive<u32> = 320..=7680;

/// The widths diagrams are drawn at: a screen gets the widest that fits it (a phone, a tablet,
/// the usual laptop and projector widths, 4K and beyond). A diagram narrower than the screen
/// is shown at its own size, so its text keeps its size.
pub const BUCKETS: [u32; 16] = [
    320, 360, 414, 480, 600, 768, 1024, 1280, 1366, 1440, 1600, 1920, 2560, 3840, 5120, 7680,
];

/// Drawings a participant may start at once, and then one every this many seconds.
pub const DRAWS_BURST: f64 = 8.0;
pub const DRAW_EVERY_SECONDS: u32 = 2;

/// Which diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Diagram {
    Flow,
    Timeline,
}

/// A request's `width`: absent for the report's measures, else a whole number of CSS pixels
/// in [`WIDTHS`]. A participant's is rounded down to its bucket, so that a phone turned this
/// way and that draws a few diagrams, not one per width; the shared screen is drawn at its own
/// width, so its diagram fills the room's screen exactly.
pub fn width(query: Option<&String>, exact: bool) -> Result<Option<u32>, ApiError> {
    let Some(text) = query else {
        return Ok(None);
    };
    match text.parse::<u32>() {
        Ok(w) if WIDTHS.contains(&w) => Ok(Some(if exact { w } else { bucket(w) })),
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

/// The widest bucket that fits `width`.
pub fn bucket(width: u32) -> u32 {
    BUCKETS
        .iter()
        .rev()
        .find(|&&b| b <= width)
        .copied()
        .unwrap_or(BUCKETS[0])
}

/// A diagram at a width (`None`: the report's measures).
type Key = (Diagram, Option<u32>);

/// One drawing, made by whoever asked first; the others wait for it.
type Cell = Arc<OnceCell<Arc<Vec<u8>>>>;

/// One reading of the evidence, made by whichever drawing needs it first; the others wait for
/// it.
type Reading = Arc<OnceLock<Arc<Evidence>>>;

/// What the timeline's strips show: the logs' volume and the metrics.
pub struct Evidence {
    volume: Option<Volume>,
    metrics: Vec<MetricData>,
}

/// The drawings of the meeting's current generation, the evidence last read, and who may
/// draw.
pub struct Drawings {
    /// The generation the drawings are of, and the drawings (done or under way).
    drawn: Mutex<(u64, HashMap<Key, Cell>)>,
    /// The evidence, by the fingerprint of what it was read from.
    evidence: Mutex<Option<(u64, Reading)>>,
    /// One participant's drawing at a time: the rest of the machine stays for the
    /// facilitator's screen and for the meeting.
    participants: Semaphore,
    /// Drawings each participant may start.
    limiter: Limiter,
}

impl Default for Drawings {
    fn default() -> Drawings {
        Drawings {
            drawn: Mutex::new((0, HashMap::new())),
            evidence: Mutex::new(None),
            participants: Semaphore::new(1),
            limiter: Limiter::new(DRAWS_BURST, 1.0 / f64::from(DRAW_EVERY_SECONDS)),
        }
    }
}

impl Drawings {
    /// The drawing of `key` for `generation`, when it is drawn or under way.
    fn cell(&self, generation: u64, key: Key) -> Option<Cell> {
        let mut drawn = self.drawn.lock().unwrap_or_else(|e| e.into_inner());
        if drawn.0 < generation {
            *drawn = (generation, HashMap::new());
        }
        (drawn.0 == generation)
            .then(|| drawn.1.get(&key).cloned())
            .flatten()
    }

    /// The drawing of `key` for `generation`, made now if nobody made it yet. A request that
    /// read an older generation than the kept drawings' draws for itself, and keeps nothing.
    fn cell_or_new(&self, generation: u64, key: Key) -> Cell {
        let mut drawn = self.drawn.lock().unwrap_or_else(|e| e.into_inner());
        if drawn.0 < generation {
            *drawn = (generation, HashMap::new());
        }
        if drawn.0 != generation {
            return Cell::default();
        }
        drawn.1.entry(key).or_default().clone()
    }

    /// `which` at `width` for `generation`, drawn from what `loaded` gives (called only when
    /// it must be drawn) by `caller`: a participant's drawing counts against their allowance
    /// and waits for other participants' drawings; the facilitator's does neither.
    pub async fn get(
        self: &Arc<Self>,
        caller: &Caller,
        generation: u64,
        which: Diagram,
        width: Option<u32>,
        loaded: impl FnOnce() -> Option<LoadedIncident>,
    ) -> Result<Arc<Vec<u8>>, ApiError> {
        let key = (which, width);
        let _permit = match (self.cell(generation, key), caller) {
            (Some(cell), _) if cell.initialized() => {
                return cell.get().cloned().ok_or_else(not_loaded);
            }
            // Being drawn, or to be drawn by the facilitator: no allowance is spent.
            (Some(_), _) | (None, Caller::Facilitator) => None,
            (None, Caller::Participant(id)) => {
                self.limiter.allow(id).map_err(|_| {
                    ApiError::new(
                        429,
                        "drawing-limited",
                        format!(
                            "diagrams are drawn for a participant at most once every {DRAW_EVERY_SECONDS} seconds after the first {DRAWS_BURST}; wait a moment, or use a width you asked for before"
                        ),
                    )
                    .retry_after(DRAW_EVERY_SECONDS)
                })?;
                Some(
                    self.participants
                        .acquire()
                        .await
                        .map_err(|_| not_loaded())?,
                )
            }
        };
        let cell = self.cell_or_new(generation, key);
        let loaded = match cell.get() {
            Some(svg) => return Ok(svg.clone()),
            None => loaded(),
        };
        let this = self.clone();
        cell.get_or_try_init(|| async move {
            let loaded = loaded.ok_or_else(not_loaded)?;
            tokio::task::spawn_blocking(move || Arc::new(this.draw(&loaded, which, width)))
                .await
                .map_err(|e| ApiError::new(500, "internal", e.to_string()))
        })
        .await
        .cloned()
    }

    /// Draws `which` of `loaded` (blocking: the timeline may read the logs for its strips).
    fn draw(&self, loaded: &LoadedIncident, which: Diagram, width: Option<u32>) -> Vec<u8> {
        let screen = width.map(f64::from);
        match which {
            Diagram::Flow => flow::draw_for(&loaded.incident, "flow", screen),
            Diagram::Timeline => {
                let evidence = self.evidence(loaded);
                let extras = timeline::Extras {
                    volume: evidence.volume.as_ref(),
                    link_base: "",
                    sizes: screen.map(timeline::Sizes::screen),
                    metrics: &evidence.metrics,
                };
                timeline::draw(&loaded.incident, &extras, "timeline")
            }
        }
        .into_bytes()
    }

    /// The logs' volume and the metrics, read again only when what they are read from changed.
    fn evidence(&self, loaded: &LoadedIncident) -> Arc<Evidence> {
        let print = fingerprint(loaded);
        let once = {
            let mut kept = self.evidence.lock().unwrap_or_else(|e| e.into_inner());
            match &*kept {
                Some((p, once)) if *p == print => once.clone(),
                _ => {
                    let once: Reading = Arc::new(OnceLock::new());
                    *kept = Some((print, once.clone()));
                    once
                }
            }
        };
        once.get_or_init(|| {
            tracing::debug!("reading the logs and metrics for the timeline diagram");
            // A source that cannot be read leaves the strip out; the site build reports it.
            let (volume, _) = crate::site::log_volume(loaded);
            let (metrics, _) = crate::site::read_metrics(loaded);
            Arc::new(Evidence { volume, metrics })
        })
        .clone()
    }
}

/// What the timeline's evidence is read from, as one number: how `[[sources]]` and
/// `[[metrics]]` say to read it, the incident's times and zone, and the size and time of
/// change of every file they name.
fn fingerprint(loaded: &LoadedIncident) -> u64 {
    let incident = &loaded.incident;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(&(
        &incident.sources,
        &incident.metrics,
        &incident.times,
        &incident.timezone,
    ))
    .unwrap_or_default()
    .hash(&mut hasher);
    let mut stamp = |path: &std::path::Path| {
        path.hash(&mut hasher);
        if let Ok(meta) = std::fs::metadata(path) {
            meta.len().hash(&mut hasher);
            meta.modified().ok().hash(&mut hasher);
        }
    };
    for source in &incident.sources {
        let full = loaded.dir.join(&source.path);
        match glob::glob(&full.to_string_lossy()) {
            Ok(paths) => paths.flatten().for_each(|p| stamp(&p)),
            Err(_) => stamp(&full),
        }
    }
    for metric in &incident.metrics {
        stamp(&loaded.dir.join(&metric.path));
    }
    hasher.finish()
}

fn not_loaded() -> ApiError {
    ApiError::new(409, "not-loaded", "the incident has not loaded yet")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_fall_into_a_few_buckets() {
        assert_eq!(bucket(320), 320);
        assert_eq!(bucket(1366), 1366);
        assert_eq!(bucket(1919), 1600);
        assert_eq!(bucket(7680), 7680);
        // Forty laptop widths, as a window is resized, are four drawings.
        let drawn: std::collections::HashSet<u32> =
            (0..40).map(|i| bucket(1000 + i * 10)).collect();
        assert_eq!(drawn.len(), 4, "{drawn:?}");
        assert!(BUCKETS.windows(2).all(|w| w[0] < w[1]));
        assert!(BUCKETS.iter().all(|b| WIDTHS.contains(b)));
    }
}
