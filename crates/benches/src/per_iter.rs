//! Per-iteration samples recorded inside `iter_custom`, with their median, a human-readable
//! duration and a one-line ratio report (used by the `profile` bench).

use std::cell::RefCell;
use std::time::{Duration, Instant};

/// Per-iteration times of one benchmark, as measured by criterion's samples.
#[derive(Debug, Default)]
pub struct Samples(RefCell<Vec<Duration>>);

impl Samples {
    /// No samples yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A routine for `Bencher::iter_custom`: runs `f` `iters` times and records the mean time
    /// of one call.
    pub fn measure<'a, T>(
        &'a self,
        mut f: impl FnMut() -> T + 'a,
    ) -> impl FnMut(u64) -> Duration + 'a {
        move |iters| {
            let start = Instant::now();
            for _ in 0..iters {
                std::hint::black_box(f());
            }
            let elapsed = start.elapsed();
            let per_iter = elapsed.checked_div(u32::try_from(iters.max(1)).unwrap_or(u32::MAX));
            self.0.borrow_mut().push(per_iter.unwrap_or(elapsed));
            elapsed
        }
    }

    /// The median of the last `last` samples (criterion's measurement phase comes after its
    /// warm-up), or `None` before any sample.
    pub fn median(&self, last: usize) -> Option<Duration> {
        let all = self.0.borrow();
        let mut tail: Vec<Duration> = all.iter().rev().take(last.max(1)).copied().collect();
        if tail.is_empty() {
            return None;
        }
        tail.sort_unstable();
        tail.get(tail.len() / 2).copied()
    }
}

/// `1.234 ms`, `56.7 µs`.
pub fn human(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.3} s")
    } else if secs >= 1e-3 {
        format!("{:.3} ms", secs * 1e3)
    } else if secs >= 1e-6 {
        format!("{:.3} µs", secs * 1e6)
    } else {
        format!("{:.0} ns", secs * 1e9)
    }
}

/// Prints `label: ours <median> vs peer <median>: <ratio>x faster` (or slower).
pub fn print_ratio(label: &str, ours: Option<Duration>, peer: Option<Duration>) {
    let (Some(ours), Some(peer)) = (ours, peer) else {
        println!("{label}: no samples (run with `cargo bench`)");
        return;
    };
    let ratio = peer.as_secs_f64() / ours.as_secs_f64().max(f64::MIN_POSITIVE);
    println!(
        "{label}: awsauth median {} vs aws-config median {}: {ratio:.2}x {}",
        human(ours),
        human(peer),
        if ratio >= 1.0 {
            "faster"
        } else {
            "slower (ratio < 1)"
        }
    );
}
