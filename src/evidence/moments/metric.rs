//! Moments in metrics: steps in a series' level.

use jiff::Timestamp;

use super::super::metrics::{MetricData, short};
use super::changepoints::mean_steps;
use super::moment::{Moment, step_moment};

/// Steps in a metric's series: a shift of the mean, by binary segmentation with a Gaussian
/// likelihood (the values are levels, not counts).
pub fn metric_steps(metric: &MetricData) -> Vec<Moment> {
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
            let which = if metric.series.len() > 1 {
                format!(" ({})", series.label)
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
            let mut m = step_moment(
                &step,
                at.as_second().div_euclid(60),
                format!(
                    "{}{which} {moved} from {before}{unit} to {after}{unit}",
                    metric.name
                ),
                format!(
                    "the metric `{}`{which} stepped from about {before}{unit} to about {after}{unit}",
                    metric.name
                ),
                &metric.name,
                format!("{}:{line}", metric.path),
            );
            m.at = at;
            out.push(m);
        }
    }
    out
}
