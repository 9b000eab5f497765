//! Shared helpers of the awsauth benchmarks: sample recording, medians, percentiles and the
//! summary table each bench prints after criterion's own report.
#![forbid(unsafe_code)]

pub mod per_iter;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Timings recorded by `iter_custom` closures, per benchmark id: `(iterations, elapsed)`.
#[derive(Debug, Default)]
pub struct Samples {
    by_id: Mutex<BTreeMap<String, Vec<(u64, Duration)>>>,
}

impl Samples {
    /// An empty recorder.
    pub const fn new() -> Self {
        Self {
            by_id: Mutex::new(BTreeMap::new()),
        }
    }

    /// Records one sample of `iters` iterations that took `elapsed`, and returns `elapsed` (so
    /// it can be the value of an `iter_custom` closure).
    pub fn record(&self, id: &str, iters: u64, elapsed: Duration) -> Duration {
        self.lock()
            .entry(id.to_owned())
            .or_default()
            .push((iters, elapsed));
        elapsed
    }

    /// The median time per iteration over the last `last` samples of `id` (criterion's
    /// measurement samples come after its warm-up ones), in nanoseconds.
    pub fn median_ns(&self, id: &str, last: usize) -> Option<f64> {
        let by_id = self.lock();
        let samples = by_id.get(id)?;
        let from = samples.len().saturating_sub(last);
        let per_iter: Vec<f64> = samples[from..]
            .iter()
            .filter(|(iters, _)| *iters > 0)
            .map(|(iters, elapsed)| elapsed.as_nanos() as f64 / *iters as f64)
            .collect();
        median(per_iter)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<(u64, Duration)>>> {
        self.by_id.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The median of `values` (`None` when empty).
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

/// The `p`-th percentile (0–100, nearest rank) of sorted `values`.
pub fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_percentiles() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(Vec::new()), None);
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 50.0), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&sorted, 99.0), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&sorted, 100.0), Some(Duration::from_millis(100)));
    }

    #[test]
    fn samples_median_uses_the_last_ones() {
        let samples = Samples::new();
        samples.record("x", 10, Duration::from_nanos(1_000));
        samples.record("x", 10, Duration::from_nanos(100));
        samples.record("x", 10, Duration::from_nanos(200));
        assert_eq!(samples.median_ns("x", 2), Some(15.0));
        assert_eq!(samples.median_ns("missing", 2), None);
    }
}
