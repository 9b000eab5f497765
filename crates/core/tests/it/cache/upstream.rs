//! A scripted upstream source for the cache tests: it counts calls and overlapping calls, can
//! fail, hang, or block on a gate the test opens, and mints credentials whose expiry follows the
//! injected clock.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use awsauth_core::{
    CachedSource, Clock, Context, CredentialError, CredentialSource, Credentials, ManualClock,
    async_trait,
};
use tokio::sync::watch;

/// What the upstream answers to one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Answer {
    /// Credentials living this long (from the clock's now at answer time).
    Expiring(Duration),
    /// Long-term keys.
    Static,
    /// A retryable provider failure with this message.
    Fail(&'static str),
    /// Never answers.
    Hang,
    /// Panics (a buggy source).
    Panic,
}

pub(super) const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// The session token of the `n`th credentials upstream hands out (as long as a real one is
/// at its start, so the leak scan can search for it).
pub(super) fn session_token(n: usize) -> String {
    format!("IQoJb3JpZ2luX2VjEXAMPLE+TOKEN/{n}=")
}

#[derive(Debug)]
struct Inner {
    /// Answers for the next calls, in order; when empty, `default` answers.
    script: Mutex<VecDeque<Answer>>,
    default: Mutex<Answer>,
    calls: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    /// While `false`, calls wait before answering.
    gate: watch::Sender<bool>,
    last_ok: Mutex<Option<Credentials>>,
    recheck: Option<Duration>,
}

/// Cloning shares the script and the counters.
#[derive(Debug, Clone)]
pub(super) struct Upstream(Arc<Inner>);

impl Upstream {
    pub(super) fn new(default: Answer) -> Self {
        Self::with_recheck(default, None)
    }

    /// An upstream whose `recheck_interval` asks for re-reads (a rotating file, say).
    pub(super) fn with_recheck(default: Answer, recheck: Option<Duration>) -> Self {
        Self(Arc::new(Inner {
            script: Mutex::default(),
            default: Mutex::new(default),
            calls: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            gate: watch::Sender::new(true),
            last_ok: Mutex::default(),
            recheck,
        }))
    }

    /// The next call answers `answer` (queued after earlier `then`s).
    pub(super) fn then(&self, answer: Answer) -> &Self {
        self.0.script.lock().unwrap().push_back(answer);
        self
    }

    /// Every call after the scripted ones answers `answer`.
    pub(super) fn always(&self, answer: Answer) {
        *self.0.default.lock().unwrap() = answer;
    }

    /// Calls block until [`open_gate`](Self::open_gate).
    pub(super) fn close_gate(&self) {
        self.0.gate.send_replace(false);
    }

    pub(super) fn open_gate(&self) {
        self.0.gate.send_replace(true);
    }

    pub(super) fn calls(&self) -> usize {
        self.0.calls.load(Ordering::SeqCst)
    }

    pub(super) fn in_flight(&self) -> usize {
        self.0.in_flight.load(Ordering::SeqCst)
    }

    pub(super) fn max_in_flight(&self) -> usize {
        self.0.max_in_flight.load(Ordering::SeqCst)
    }

    /// The credentials of the last successful answer (what the cache should hold).
    pub(super) fn last_ok(&self) -> Option<Credentials> {
        self.0.last_ok.lock().unwrap().clone()
    }
}

struct InFlight<'a>(&'a Inner);

impl<'a> InFlight<'a> {
    fn enter(inner: &'a Inner) -> Self {
        let now = inner.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        inner.max_in_flight.fetch_max(now, Ordering::SeqCst);
        Self(inner)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl CredentialSource for Upstream {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        let _in_flight = InFlight::enter(&self.0);
        let n = self.0.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let answer = self
            .0
            .script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| *self.0.default.lock().unwrap());
        let mut gate = self.0.gate.subscribe();
        let _ = gate.wait_for(|open| *open).await;
        // Give other tasks a chance to overlap with this call, if the cache let them.
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        let builder = Credentials::builder(format!("AKID{n}"), SECRET)
            .session_token(session_token(n))
            .provenance("upstream");
        let result = match answer {
            Answer::Expiring(lifetime) => Ok(builder.expiry(cx.now() + lifetime).build()),
            Answer::Static => Ok(builder.build()),
            Answer::Fail(message) => {
                Err(CredentialError::provider_failed("upstream", message).retryable(true))
            }
            Answer::Hang => std::future::pending().await,
            Answer::Panic => panic!("the upstream source panicked (on purpose, in a test)"),
        };
        if let Ok(credentials) = &result {
            *self.0.last_ok.lock().unwrap() = Some(credentials.clone());
        }
        result
    }

    fn name(&self) -> &str {
        "upstream"
    }

    fn recheck_interval(&self) -> Option<Duration> {
        self.0.recheck
    }
}

/// A context on a fresh [`ManualClock`] seeded with `seed`, and the clock to move it.
pub(super) fn manual_context(seed: u64) -> (ManualClock, Context) {
    let clock = ManualClock::default();
    let cx = Context::builder()
        .clock(Arc::new(clock.clone()) as Arc<dyn Clock>)
        .random(awsauth_core::SeededRandom::new(seed))
        .build();
    (clock, cx)
}

/// Lets spawned refreshes run until none is in flight (a step count, not a time limit).
pub(super) async fn settle(cache: &CachedSource) {
    for _ in 0..10_000 {
        if !cache.status().refreshing {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("the refresh never finished");
}

/// Lets spawned tasks run until the upstream has been called `n` times.
pub(super) async fn until_calls(upstream: &Upstream, n: usize) {
    for _ in 0..10_000 {
        if upstream.calls() >= n {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!(
        "the upstream was called {} times, not {n}",
        upstream.calls()
    );
}
