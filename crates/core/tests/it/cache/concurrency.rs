//! Thousands of tasks on a multi-threaded runtime reading across a refresh: one upstream call,
//! nobody waits in the advisory window, a hanging upstream is cut, nothing deadlocks.
//!
//! Every test body runs under a generous `tokio::time::timeout` that only turns a deadlock into
//! a failure; no test asserts how long anything takes.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use awsauth_core::{
    CachedSource, Context, CredentialError, CredentialSource, Credentials, ErrorKind,
};
use tokio::task::JoinHandle;

use super::upstream::{Answer, Upstream, manual_context};

const READERS: usize = 10_000;
const MIN: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

async fn hang_guard<F: Future>(body: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(120), body)
        .await
        .expect("deadlock: the test did not finish")
}

/// Waits (polling) until `condition` holds.
async fn eventually(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..60_000 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("never happened: {what}");
}

type Reader = JoinHandle<Result<Credentials, CredentialError>>;

/// Spawns `n` readers; the counter says how many are waiting: their read was polled and
/// answered "pending" (it is parked on the cache, not merely spawned).
fn spawn_readers(n: usize, cached: &CachedSource, cx: &Context) -> (Vec<Reader>, Arc<AtomicUsize>) {
    let waiting = Arc::new(AtomicUsize::new(0));
    let readers = (0..n)
        .map(|_| {
            let (cached, cx, waiting) = (cached.clone(), cx.clone(), Arc::clone(&waiting));
            tokio::spawn(async move {
                let mut read = cached.provide(&cx);
                let mut counted = false;
                std::future::poll_fn(|task| {
                    let poll = read.as_mut().poll(task);
                    if poll.is_pending() && !counted {
                        counted = true;
                        waiting.fetch_add(1, Ordering::SeqCst);
                    }
                    poll
                })
                .await
            })
        })
        .collect();
    (readers, waiting)
}

async fn join_all(readers: Vec<Reader>) -> Vec<Result<Credentials, CredentialError>> {
    let mut results = Vec::with_capacity(readers.len());
    for reader in readers {
        results.push(reader.await.unwrap());
    }
    results
}

/// Ten thousand readers arrive at `at` after the first load, while the refresh is blocked.
async fn storm(at: Duration) {
    let (clock, cx) = manual_context(21);
    let upstream = Upstream::new(Answer::Expiring(HOUR));
    let cached = CachedSource::builder(upstream.clone())
        .load_timeout(HOUR)
        .build();
    cached.provide(&cx).await.unwrap();

    upstream.close_gate();
    clock.advance(at);
    let (readers, waiting) = spawn_readers(READERS, &cached, &cx);
    // Every reader is parked on the blocked refresh (observed, not assumed after a sleep); a
    // reader that got an answer instead ends the wait at once and fails below.
    eventually(
        "every reader waits on the refresh, which reached upstream",
        || {
            (waiting.load(Ordering::SeqCst) == READERS && upstream.calls() == 2)
                || readers.iter().any(|r| r.is_finished())
        },
    )
    .await;
    assert_eq!(
        readers.iter().filter(|r| r.is_finished()).count(),
        0,
        "nobody can have new credentials while the refresh is blocked"
    );
    assert_eq!(waiting.load(Ordering::SeqCst), READERS);

    upstream.open_gate();
    let results = join_all(readers).await;
    for result in &results {
        assert_eq!(result.as_ref().unwrap().access_key_id(), "AKID2");
    }
    assert_eq!(
        upstream.calls(),
        2,
        "exactly one upstream call for the refresh"
    );
    assert_eq!(upstream.max_in_flight(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_readers_in_the_mandatory_window_share_one_upstream_call() {
    hang_guard(storm(59 * MIN)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_readers_after_expiry_share_one_upstream_call() {
    hang_guard(storm(61 * MIN)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_reader_waits_in_the_advisory_window() {
    hang_guard(async {
        let (clock, cx) = manual_context(22);
        let upstream = Upstream::new(Answer::Expiring(HOUR));
        let cached = CachedSource::builder(upstream.clone())
            .load_timeout(HOUR)
            .build();
        let first = cached.provide(&cx).await.unwrap();

        upstream.close_gate();
        clock.advance(50 * MIN);
        let (readers, _) = spawn_readers(READERS, &cached, &cx);
        // The refresh stays blocked while every reader completes.
        let results = join_all(readers).await;
        for result in &results {
            assert!(result.as_ref().unwrap().ptr_eq(&first));
        }
        assert_eq!(upstream.calls(), 2, "one background refresh");
        assert_eq!(upstream.in_flight(), 1, "and it is still blocked");

        upstream.open_gate();
        eventually("the refresh finished", || !cached.status().refreshing).await;
        assert_eq!(cached.current(cx.now()).unwrap().access_key_id(), "AKID2");
        assert_eq!(upstream.max_in_flight(), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hanging_upstream_is_cut_by_the_load_timeout_for_every_waiter() {
    hang_guard(async {
        let (clock, cx) = manual_context(23);
        let upstream = Upstream::new(Answer::Hang);
        let cached = CachedSource::builder(upstream.clone())
            .load_timeout(Duration::from_secs(5))
            .build();
        let (readers, waiting) = spawn_readers(1_000, &cached, &cx);
        eventually("readers wait and the load began", || {
            waiting.load(Ordering::SeqCst) == 1_000 && upstream.calls() >= 1
        })
        .await;
        // A reader that arrives after a time-out starts the next attempt, which hangs too:
        // keep moving the clock until every reader has its answer.
        while readers.iter().any(|r| !r.is_finished()) {
            clock.advance(Duration::from_secs(5));
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        for result in join_all(readers).await {
            assert_eq!(result.unwrap_err().kind(), ErrorKind::TimedOut);
        }
        assert_eq!(upstream.max_in_flight(), 1);
        eventually("the hanging calls were dropped", || {
            upstream.in_flight() == 0
        })
        .await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_a_load_timeout_still_valid_credentials_keep_being_served() {
    hang_guard(async {
        let (clock, cx) = manual_context(24);
        let upstream = Upstream::new(Answer::Hang);
        upstream.then(Answer::Expiring(HOUR));
        let cached = CachedSource::builder(upstream.clone())
            .load_timeout(Duration::from_secs(5))
            .build();
        let first = cached.provide(&cx).await.unwrap();

        clock.advance(59 * MIN);
        let (readers, waiting) = spawn_readers(1_000, &cached, &cx);
        eventually("readers wait and the refresh began", || {
            waiting.load(Ordering::SeqCst) == 1_000 && upstream.calls() == 2
        })
        .await;
        while readers.iter().any(|r| !r.is_finished()) {
            clock.advance(Duration::from_secs(5));
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        for result in join_all(readers).await {
            assert!(result.unwrap().ptr_eq(&first));
        }
        assert_eq!(
            cached.status().last_error.unwrap().kind(),
            ErrorKind::TimedOut
        );
        assert_eq!(upstream.max_in_flight(), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readers_through_the_trait_object_and_the_sync_accessor_agree() {
    hang_guard(async {
        let (clock, cx) = manual_context(25);
        let upstream = Upstream::new(Answer::Expiring(HOUR));
        let cached = CachedSource::new(upstream.clone());
        let shared: Arc<dyn CredentialSource> = Arc::new(cached.clone());
        let mut refreshed_steps = 0;
        // What the cache held when the previous step settled.
        let mut before: Option<Credentials> = None;
        for step in 0..6 {
            let (readers, _) = spawn_readers(1_000, &cached, &cx);
            let dynamic = shared.provide(&cx).await.unwrap();
            let mut seen = join_all(readers).await;
            seen.push(Ok(dynamic));
            eventually("the refresh finished", || !cached.status().refreshing).await;
            // Settled: the clone, the trait object and the synchronous accessor hand out the
            // very same credentials.
            let after = cached.provide(&cx).await.unwrap();
            assert!(
                shared.provide(&cx).await.unwrap().ptr_eq(&after),
                "step {step}"
            );
            assert!(
                cached.current(cx.now()).unwrap().ptr_eq(&after),
                "step {step}"
            );
            // During the step every reader got the credentials from before it or the refreshed
            // ones, never a third set, never expired ones.
            for creds in seen {
                let creds = creds.unwrap();
                assert!(!creds.is_expired_at(cx.now()), "step {step}");
                let known =
                    creds.ptr_eq(&after) || before.as_ref().is_some_and(|b| creds.ptr_eq(b));
                assert!(
                    known,
                    "step {step}: credentials from neither before nor after"
                );
            }
            if before.as_ref().is_some_and(|b| !b.ptr_eq(&after)) {
                refreshed_steps += 1;
            }
            before = Some(after);
            clock.advance(25 * MIN);
        }
        assert!(refreshed_steps >= 1, "the steps crossed a refresh");
        assert_eq!(upstream.calls(), refreshed_steps + 1);
        assert_eq!(upstream.max_in_flight(), 1);
    })
    .await;
}
