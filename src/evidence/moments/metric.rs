//! Moments in metrics: steps in a series' level.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::super::metrics::{MetricData, short};
use super::changepoints::mean_steps;
use super::moment::{Moment, clock, step_moment};

/// Steps in a metric's series: a shift of the mean, by binary segmentation with a Gaussian
/// likelihood (the values are levels, not counts), kept when the step is large against the
/// series' own noise. Each is placed at the first point of the new level and names its series.
pub fn metric_steps(metric: &MetricData, tz: &TimeZone) -> Vec<Moment> {
    let mut out = Vec::new();
    for series in &metric.series {
        let points: Vec<(Timestamp, f64, u64)> = series
            .points
            .iter()
            .zip(&series.lines)
            .filter_map(|((t, v), line)| Some((*t, (*v)?, *line)))
            .collect();
        let values: Vec<f64> = points.iter().map(|p| p.1).collect();
        for step in mean_steps(&values) {
            let (at, _, line) = points[step.at];
            // With one series the metric's name names it.
            let which = if metric.series.len() > 1 {
                format!(" {}", series.label)
            } else {
                String::new()
            };
            let unit = &metric.unit;
            let (before, after) = (short(step.before), short(step.after));
            let moved = if step.after > step.before {
                "rose"
            } else {
                "fell"
            };
            let change = if step.before != 0.0 {
                format!(
                    " ({:+.0} %)",
                    (step.after - step.before) / step.before.abs() * 100.0
                )
            } else {
                String::new()
            };
            let mut m = step_moment(
                &step,
                at,
                format!(
                    "{}{which} {moved} from {before}{unit} to {after}{unit}{change}",
                    metric.name
                ),
                format!(
                    "`{}`{which} {moved} from about {before}{unit} to about {after}{unit} at {}",
                    metric.name,
                    clock(at, tz)
                ),
                &metric.name,
                format!("{}:{line}", metric.path),
            );
            m.statistics = format!(
                "a step of {:.1} standard deviations of the series' own noise; log-likelihood ratio {:.1}",
                step.effect, step.llr
            );
            m.score = effect_score(step.effect);
            m.group = format!("metric:{}{which}", metric.name);
            out.push(m);
        }
    }
    out
}

/// A score from a step's size in standard deviations: a step of 3 (the least) scores 0.45, one
/// of 30 scores 0.75, and it keeps rising.
fn effect_score(effect: f64) -> f64 {
    0.3 + 0.6 * effect / (effect + 10.0)
}
