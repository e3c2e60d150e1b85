//! Medians and latency percentiles. The machine is shared and has 2 cores, so every figure
//! is the median of repeated runs; a latency percentile is taken per repetition and the
//! median of those is reported.

use std::time::Instant;

use anyhow::Result;
use selfhelp_kb::eval::percentile;
use serde::Serialize;

/// The median (the lower middle value for an even count); 0 for nothing.
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n => v[(n - 1) / 2],
    }
}

/// Latency percentiles in ms.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Latency {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    /// Timed calls in one repetition.
    pub samples: usize,
}

impl Latency {
    pub fn of(samples_ms: &mut [f64]) -> Latency {
        samples_ms.sort_by(f64::total_cmp);
        Latency {
            p50: percentile(samples_ms, 0.50),
            p95: percentile(samples_ms, 0.95),
            p99: percentile(samples_ms, 0.99),
            samples: samples_ms.len(),
        }
    }

    /// Per-percentile median over repetitions.
    pub fn median_of(reps: &[Latency]) -> Latency {
        let m = |f: fn(&Latency) -> f64| median(&reps.iter().map(f).collect::<Vec<_>>());
        Latency {
            p50: m(|l| l.p50),
            p95: m(|l| l.p95),
            p99: m(|l| l.p99),
            samples: reps.first().map_or(0, |l| l.samples),
        }
    }
}

/// Times `call` on every item, `rounds` times over, one repetition.
pub fn time_each<T>(
    items: &[T],
    rounds: usize,
    mut call: impl FnMut(&T) -> Result<()>,
) -> Result<Latency> {
    let mut samples = Vec::with_capacity(items.len() * rounds);
    for _ in 0..rounds {
        for item in items {
            let t = Instant::now();
            call(item)?;
            samples.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    Ok(Latency::of(&mut samples))
}
