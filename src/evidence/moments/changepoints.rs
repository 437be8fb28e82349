//! Change points in a series, by binary segmentation with a likelihood-ratio test: the split
//! into two runs of constant level that explains the series best, kept when it beats one
//! constant level by [`MIN_LLR`] nats and the level changes by at least [`MIN_RATIO`] times
//! (for counts and shares; a metric's levels are judged by the size of the step against the
//! series' own noise instead); each side is then split again.

/// The least likelihood gain (nats) for a step to count.
pub const MIN_LLR: f64 = 12.0;
/// The least change in rate, as a ratio, for a step in counts or shares to count.
pub const MIN_RATIO: f64 = 1.8;
/// The least step in a level, in standard deviations of the series' own noise, to count: a
/// 40 % drop in a quiet series is news, a 2× swing in a noisy one may not be.
pub const MIN_EFFECT: f64 = 3.0;

/// Whether a split of `[a, b)` at `k` from level `before` to `after` is big enough to count.
type Big<'a> = dyn Fn(usize, usize, usize, f64, f64) -> Option<f64> + 'a;

/// Counts and shares: the level changes [`MIN_RATIO`] times or more.
fn by_ratio(_: usize, _: usize, _: usize, before: f64, after: f64) -> Option<f64> {
    let (lo, hi) = (before.min(after), before.max(after));
    (hi > 0.0 && (lo == 0.0 || hi / lo >= MIN_RATIO)).then_some(0.0)
}
/// Minutes (or points) on each side of a step, at least.
const MIN_RUN: usize = 3;
/// How deep binary segmentation recurses.
const MAX_DEPTH: usize = 3;

/// A change found in a series: where (index of the first minute after it), how sure, and the
/// rates (or shares) on each side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub at: usize,
    pub llr: f64,
    pub before: f64,
    pub after: f64,
    /// For a level (a metric): the size of the step in units of the series' own noise (the
    /// standard deviation within the two runs); 0 for counts and shares.
    pub effect: f64,
}

fn xlogx(x: f64) -> f64 {
    if x <= 0.0 { 0.0 } else { x * x.ln() }
}

/// Steps in a Poisson rate, by binary segmentation.
pub fn poisson_steps(counts: &[f64]) -> Vec<Step> {
    let mut prefix = Vec::with_capacity(counts.len() + 1);
    prefix.push(0.0);
    for c in counts {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + c);
    }
    // The log-likelihood of counts[a..b] at their own constant rate, up to terms that cancel.
    let ll = |a: usize, b: usize| {
        let s = prefix[b] - prefix[a];
        xlogx(s) - s * ((b - a) as f64).ln()
    };
    let mut out = Vec::new();
    segment(
        0,
        counts.len(),
        0,
        &ll,
        &|a, b| (prefix[b] - prefix[a]) / (b - a) as f64,
        &by_ratio,
        &mut out,
    );
    settle(&mut out, counts.len(), &|a, b| {
        (prefix[b] - prefix[a]) / (b - a) as f64
    });
    out
}

/// Steps in the share `errors / total`, by binary segmentation with a binomial likelihood.
pub fn share_steps(errors: &[f64], total: &[f64]) -> Vec<Step> {
    let sums = |v: &[f64]| {
        let mut p = vec![0.0];
        for x in v {
            p.push(p.last().copied().unwrap_or(0.0) + x);
        }
        p
    };
    let (pe, pn) = (sums(errors), sums(total));
    let ll = |a: usize, b: usize| {
        let e = pe[b] - pe[a];
        let n = pn[b] - pn[a];
        if n <= 0.0 {
            return 0.0;
        }
        xlogx(e) + xlogx(n - e) - xlogx(n)
    };
    let share = |a: usize, b: usize| {
        let n = pn[b] - pn[a];
        if n > 0.0 { (pe[b] - pe[a]) / n } else { 0.0 }
    };
    let mut out = Vec::new();
    segment(0, errors.len(), 0, &ll, &share, &by_ratio, &mut out);
    settle(&mut out, errors.len(), &share);
    // A share needs entries on both sides to mean anything.
    out.retain(|s| s.before > 0.0 || s.after > 0.0);
    out
}

/// The levels on each side of each step, between its neighbouring steps: binary segmentation
/// finds a step's place while the other steps are still unknown, so the level it reports on
/// a side may mix in a later step's.
fn settle(steps: &mut [Step], len: usize, level: &dyn Fn(usize, usize) -> f64) {
    steps.sort_by_key(|s| s.at);
    let bounds: Vec<usize> = std::iter::once(0)
        .chain(steps.iter().map(|s| s.at))
        .chain(std::iter::once(len))
        .collect();
    for (i, step) in steps.iter_mut().enumerate() {
        step.before = level(bounds[i], bounds[i + 1]);
        step.after = level(bounds[i + 1], bounds[i + 2]);
    }
}

/// Finds the best split of `[a, b)`; keeps it if it is a real step, and looks on each side.
fn segment(
    a: usize,
    b: usize,
    depth: usize,
    ll: &dyn Fn(usize, usize) -> f64,
    level: &dyn Fn(usize, usize) -> f64,
    big: &Big,
    out: &mut Vec<Step>,
) {
    if depth >= MAX_DEPTH || b - a < 2 * MIN_RUN {
        return;
    }
    let whole = ll(a, b);
    let best = (a + MIN_RUN..=b - MIN_RUN)
        .map(|k| (k, ll(a, k) + ll(k, b) - whole))
        .max_by(|x, y| x.1.total_cmp(&y.1));
    let Some((k, gain)) = best else {
        return;
    };
    let (before, after) = (level(a, k), level(k, b));
    if gain < MIN_LLR {
        return;
    }
    let Some(effect) = big(a, k, b, before, after) else {
        return;
    };
    out.push(Step {
        at: k,
        llr: gain,
        before,
        after,
        effect,
    });
    segment(a, k, depth + 1, ll, level, big, out);
    segment(k, b, depth + 1, ll, level, big, out);
}

/// Steps in the mean of `values`, by binary segmentation with a Gaussian likelihood: a split's
/// gain is `n/2 · ln(SSE of the whole / SSE of the two sides)`.
pub fn mean_steps(values: &[f64]) -> Vec<Step> {
    let mut sum = vec![0.0];
    let mut squares = vec![0.0];
    for v in values {
        sum.push(sum.last().copied().unwrap_or(0.0) + v);
        squares.push(squares.last().copied().unwrap_or(0.0) + v * v);
    }
    let scale = values.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-9);
    // Within a run, values wander at least this much: a perfectly flat run is not infinitely
    // sure of anything.
    let floor = (1e-3 * scale).powi(2);
    let sse = |a: usize, b: usize| {
        let n = (b - a) as f64;
        let s = sum[b] - sum[a];
        ((squares[b] - squares[a]) - s * s / n).max(0.0) + floor * n
    };
    let ll = |a: usize, b: usize| -((b - a) as f64) / 2.0 * (sse(a, b) / (b - a) as f64).ln();
    let mean = |a: usize, b: usize| (sum[b] - sum[a]) / (b - a) as f64;
    // The series' own noise, from the differences of neighbouring values (their median
    // absolute size, scaled to a standard deviation): steps in the level barely move it, as
    // they are few among many differences.
    let noise = {
        let mut diffs: Vec<f64> = values.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
        diffs.sort_by(f64::total_cmp);
        let median = diffs.get(diffs.len() / 2).copied().unwrap_or(0.0);
        (median / (0.6745 * std::f64::consts::SQRT_2)).max(1e-3 * scale)
    };
    let big = |_: usize, _: usize, _: usize, before: f64, after: f64| {
        let effect = (after - before).abs() / noise;
        (effect >= MIN_EFFECT).then_some(effect)
    };
    let mut out = Vec::new();
    segment(0, values.len(), 0, &ll, &mean, &big, &mut out);
    settle(&mut out, values.len(), &mean);
    for step in &mut out {
        step.effect = (step.after - step.before).abs() / noise;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_step_is_found_where_it_is() {
        let mut counts = vec![5.0; 60];
        counts.extend(vec![20.0; 60]);
        let steps = poisson_steps(&counts);
        assert_eq!(steps.len(), 1, "{steps:?}");
        assert_eq!(steps[0].at, 60);
        assert_eq!((steps[0].before, steps[0].after), (5.0, 20.0));
    }

    #[test]
    fn a_constant_rate_has_no_step() {
        // Counts that wander as Poisson counts do, around 10 a minute.
        let counts: Vec<f64> = (0..180)
            .map(|i| [8.0, 12.0, 10.0, 9.0, 11.0, 13.0, 7.0][i % 7])
            .collect();
        assert!(poisson_steps(&counts).is_empty());
        assert!(poisson_steps(&[]).is_empty());
        assert!(poisson_steps(&[3.0]).is_empty());
    }

    #[test]
    fn a_share_step_is_found() {
        let total = vec![100.0; 40];
        let mut errors = vec![2.0; 20];
        errors.extend(vec![25.0; 20]);
        let steps = share_steps(&errors, &total);
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].at, 20);
        assert_eq!((steps[0].before, steps[0].after), (0.02, 0.25));
    }

    #[test]
    fn a_shift_in_a_metric_is_found() {
        let mut values: Vec<f64> = (0..60).map(|i| 120.0 + (i % 5) as f64).collect();
        values.extend((0..60).map(|i| 480.0 + (i % 7) as f64));
        let steps = mean_steps(&values);
        assert_eq!(steps.len(), 1, "{steps:?}");
        assert_eq!(steps[0].at, 60);
        let flat: Vec<f64> = (0..120).map(|i| 120.0 + (i % 5) as f64).collect();
        assert!(mean_steps(&flat).is_empty());
        assert!(mean_steps(&[1.0; 50]).is_empty());
    }
}
