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

/// Prints one `AWSAUTH-BENCH {json}` line (the protocol `cargo xtask bench` reads; see
/// `xtask/src/bench.rs`) for a time measured against a peer: medians in nanoseconds.
pub fn report_time(measure: &str, awsauth_ns: f64, peer_ns: Option<f64>, goal: &str, holds: bool) {
    report_time_against(
        measure,
        awsauth_ns,
        peer_ns.map(|ns| (ns, "aws-config")),
        goal,
        holds,
    );
}

/// Like [`report_time`], with a peer that is not aws-config (the same operation under other
/// conditions, say), named by `peer`'s second half.
pub fn report_time_against(
    measure: &str,
    awsauth_ns: f64,
    peer: Option<(f64, &str)>,
    goal: &str,
    holds: bool,
) {
    let peer = peer.map_or_else(String::new, |(ns, name)| {
        format!(",\"peer_ns\":{ns:.1},\"peer_name\":{}", json_string(name))
    });
    println!(
        "AWSAUTH-BENCH {{\"measure\":{},\"awsauth_ns\":{awsauth_ns:.1}{peer},\"goal\":{},\"holds\":{holds}}}",
        json_string(measure),
        json_string(goal)
    );
}

/// Prints one `AWSAUTH-BENCH {json}` line for a quantity in `unit` (bytes, calls…).
pub fn report_quantity(measure: &str, awsauth: f64, unit: &str, goal: &str, holds: bool) {
    println!(
        "AWSAUTH-BENCH {{\"measure\":{},\"awsauth\":{awsauth},\"unit\":{},\"goal\":{},\"holds\":{holds}}}",
        json_string(measure),
        json_string(unit),
        json_string(goal)
    );
}

/// A JSON string literal (the texts here are ours, but quote and escape them properly anyway).
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
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
    fn json_strings_are_escaped() {
        assert_eq!(json_string(r#"a "b" \ c"#), r#""a \"b\" \\ c""#);
        assert_eq!(json_string("≤ 0.8×\n"), "\"≤ 0.8×\\u000a\"");
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
