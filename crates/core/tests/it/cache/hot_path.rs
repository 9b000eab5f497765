//! The cached read's promises, measured rather than believed (docs/cache.md, the `cache`
//! module docs): a fresh read through `current(now)` or `resolve(&cx)` — also through an
//! `Arc<dyn CredentialSource>` — allocates nothing; `provide`'s hit allocates one box of one
//! word; and no read takes the cache's lock: it answers while a refresh holds that lock.
//!
//! Allocations are counted per thread by `allocation-counter` (this test binary's global
//! allocator), so parallel tests do not disturb the count.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::Duration;

use awsauth_core::{
    CachedSource, Clock, Context, CredentialSource, CredentialSourceExt, ManualClock, Random,
};

use super::upstream::{Answer, Upstream};

const MIN: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// Polls a future once; a cached read must be ready at once.
fn poll_once<F: Future>(future: F) -> Poll<F::Output> {
    let mut future = pin!(future);
    future
        .as_mut()
        .poll(&mut TaskContext::from_waker(Waker::noop()))
}

fn warm_cache() -> (CachedSource, Context) {
    let clock = ManualClock::default();
    let cx = Context::builder()
        .clock(Arc::new(clock) as Arc<dyn Clock>)
        .random(awsauth_core::SeededRandom::new(3))
        .build();
    let cached = CachedSource::new(Upstream::new(Answer::Expiring(HOUR)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(cached.provide(&cx)).unwrap();
    (cached, cx)
}

#[test]
fn a_fresh_cached_read_allocates_nothing_and_provides_hit_one_word() {
    let (cached, cx) = warm_cache();
    let shared: Arc<dyn CredentialSource> = Arc::new(cached.clone());
    let now = cx.now();

    let sync = allocation_counter::measure(|| {
        for _ in 0..1_000 {
            assert!(cached.current(now).is_some());
        }
    });
    assert_eq!(sync.count_total, 0, "current(now): {sync:?}");

    let resolved = allocation_counter::measure(|| {
        for _ in 0..1_000 {
            assert!(matches!(poll_once(cached.resolve(&cx)), Poll::Ready(Ok(_))));
            assert!(matches!(poll_once(shared.resolve(&cx)), Poll::Ready(Ok(_))));
        }
    });
    assert_eq!(resolved.count_total, 0, "resolve(&cx): {resolved:?}");

    // `provide` must box its future (`#[async_trait]`); on a hit the box holds the credentials
    // handle only.
    let provided = allocation_counter::measure(|| {
        assert!(matches!(poll_once(shared.provide(&cx)), Poll::Ready(Ok(_))));
    });
    assert_eq!(provided.count_total, 1, "provide(&cx): {provided:?}");
    assert_eq!(
        provided.bytes_total,
        std::mem::size_of::<usize>() as u64,
        "provide(&cx): {provided:?}"
    );
}

/// Randomness that, once armed, blocks the thread that asks until released — so a refresh
/// that draws its jitter while holding the cache's lock keeps holding it.
#[derive(Debug, Default)]
struct Blocking {
    armed: AtomicBool,
    entered: Mutex<Option<mpsc::Sender<()>>>,
    release: Mutex<Option<mpsc::Receiver<()>>>,
}

impl Random for Blocking {
    fn next_u64(&self) -> u64 {
        if self.armed.swap(false, Ordering::SeqCst) {
            if let Some(entered) = self.entered.lock().unwrap().take() {
                let _ = entered.send(());
            }
            if let Some(release) = self.release.lock().unwrap().take() {
                // Hang guard: never longer than a minute, whatever the test does.
                let _ = release.recv_timeout(Duration::from_secs(60));
            }
        }
        7
    }
}

#[test]
fn reads_answer_while_a_refresh_holds_the_caches_lock() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let clock = ManualClock::default();
    let random = Arc::new(Blocking::default());
    let (entered_tx, entered) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    *random.entered.lock().unwrap() = Some(entered_tx);
    *random.release.lock().unwrap() = Some(release_rx);
    let cx = Context::builder()
        .clock(Arc::new(clock.clone()) as Arc<dyn Clock>)
        .random(SharedRandom(Arc::clone(&random)))
        .build();
    let cached = CachedSource::new(Upstream::new(Answer::Expiring(HOUR)));
    let first = runtime.block_on(cached.provide(&cx)).unwrap();

    // Into the advisory window: this read is served at once and starts a background refresh,
    // which records its result under the cache's lock and draws its jitter there — and blocks.
    clock.advance(50 * MIN);
    random.armed.store(true, Ordering::SeqCst);
    let served = runtime.block_on(cached.provide(&cx)).unwrap();
    assert!(served.ptr_eq(&first));
    entered
        .recv_timeout(Duration::from_secs(60))
        .expect("the refresh reached the jitter it draws under the lock");

    // The lock is held now. A read that took it would wait; these answer.
    let (answer_tx, answers) = mpsc::channel();
    let reader = {
        let (cached, cx) = (cached.clone(), cx.clone());
        std::thread::spawn(move || {
            let now = cx.now();
            let sync = cached.current(now).is_some();
            let resolved = matches!(poll_once(cached.resolve(&cx)), Poll::Ready(Ok(_)));
            let _ = answer_tx.send((sync, resolved));
        })
    };
    // A hang guard: a lock-free read answers in microseconds.
    let answer = answers.recv_timeout(Duration::from_secs(10));
    let _ = release.send(());
    let (sync, resolved) = answer.expect("a cached read waited for the cache's lock");
    assert!(sync && resolved, "current: {sync}, resolve: {resolved}");
    reader.join().unwrap();
}

/// The blocking randomness, shared with the test.
#[derive(Debug)]
struct SharedRandom(Arc<Blocking>);

impl Random for SharedRandom {
    fn next_u64(&self) -> u64 {
        self.0.next_u64()
    }
}
