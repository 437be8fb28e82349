//! Chooses the change-point method for notable moments by measurement: the binary segmentation
//! with a Poisson likelihood-ratio test that `debrief timeline --moments` uses, against a
//! two-sided tabular CUSUM, on per-minute counts drawn from a Poisson process with one planted
//! rate step (and on series with none, for false alarms). Deterministic (fixed seed).
//!
//! cargo run --release --example changepoints

use debrief::evidence::moments::poisson_steps;

struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A Poisson count (Knuth's method; fine for the rates used here).
    fn poisson(&mut self, rate: f64) -> f64 {
        let limit = (-rate).exp();
        let mut k = 0.0;
        let mut p = 1.0;
        loop {
            p *= self.uniform();
            if p <= limit {
                return k;
            }
            k += 1.0;
        }
    }
}

/// Two-sided tabular CUSUM against the rate of the first `warmup` minutes, with the usual
/// k = 0.5 σ and h = 5 σ (σ = √rate for Poisson counts). Returns the estimated change minutes:
/// where the alarming sum last left zero.
fn cusum(counts: &[f64]) -> Vec<usize> {
    const WARMUP: usize = 15;
    if counts.len() <= WARMUP {
        return Vec::new();
    }
    let mu = (counts[..WARMUP].iter().sum::<f64>() / WARMUP as f64).max(0.2);
    let sigma = mu.sqrt();
    let (k, h) = (0.5 * sigma, 5.0 * sigma);
    let (mut up, mut down) = (0.0f64, 0.0f64);
    let (mut up_start, mut down_start) = (WARMUP, WARMUP);
    for (t, x) in counts.iter().enumerate().skip(WARMUP) {
        if up == 0.0 {
            up_start = t;
        }
        if down == 0.0 {
            down_start = t;
        }
        up = (up + x - mu - k).max(0.0);
        down = (down + mu - k - x).max(0.0);
        if up > h {
            return vec![up_start];
        }
        if down > h {
            return vec![down_start];
        }
    }
    Vec::new()
}

fn main() {
    let mut rng = Rng(0x00c0_ffee_5eed_0001);
    const TRIALS: usize = 200;
    const LEN: usize = 180;
    println!("| base rate /min | step | method | found within 1 min | false alarms (no step) |");
    println!("|---|---|---|---|---|");
    for rate in [0.5, 2.0, 10.0, 50.0] {
        // False alarms: series without a step.
        let (mut fa_bs, mut fa_cu) = (0, 0);
        for _ in 0..TRIALS {
            let counts: Vec<f64> = (0..LEN).map(|_| rng.poisson(rate)).collect();
            fa_bs += usize::from(!poisson_steps(&counts).is_empty());
            fa_cu += usize::from(!cusum(&counts).is_empty());
        }
        for ratio in [1.5, 2.0, 3.0, 5.0, 0.3] {
            let (mut bs, mut cu) = (0, 0);
            for _ in 0..TRIALS {
                let at = 30 + (rng.uniform() * 120.0) as usize;
                let counts: Vec<f64> = (0..LEN)
                    .map(|t| rng.poisson(if t < at { rate } else { rate * ratio }))
                    .collect();
                let near = |found: &[usize]| found.iter().any(|f| f.abs_diff(at) <= 1);
                let steps: Vec<usize> = poisson_steps(&counts).iter().map(|s| s.at).collect();
                bs += usize::from(near(&steps));
                cu += usize::from(near(&cusum(&counts)));
            }
            let pct = |n: usize| format!("{:.0} %", n as f64 * 100.0 / TRIALS as f64);
            println!(
                "| {rate} | ×{ratio} | binary segmentation (LLR ≥ 12, ×1.8) | {} | {} |",
                pct(bs),
                pct(fa_bs)
            );
            println!(
                "| {rate} | ×{ratio} | CUSUM (k = 0.5σ, h = 5σ) | {} | {} |",
                pct(cu),
                pct(fa_cu)
            );
        }
    }
}
