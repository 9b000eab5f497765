//! Each window and transition of the cache on a manual clock: fresh reads, the advisory and
//! mandatory windows, short sessions, stale-on-failure, backoff, the expiry instant, static
//! keys, re-checks and the load timeout.

use std::future::Future;
use std::pin::pin;
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::{Duration, SystemTime};

use awsauth_core::{CachedSource, Chain, CredentialSource, Credentials, ErrorKind, Status, cache};

use awsauth_testkit::LogCapture;

use super::upstream::{
    Answer, SECRET, Upstream, manual_context, session_token, settle, until_calls,
};

const SEC: Duration = Duration::from_secs(1);
const MIN: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

fn since(later: SystemTime, earlier: SystemTime) -> Duration {
    later.duration_since(earlier).unwrap()
}

#[tokio::test]
async fn fresh_reads_are_served_from_the_cache_without_calling_upstream() {
    let (clock, cx) = manual_context(1);
    let upstream = Upstream::new(Answer::Expiring(HOUR));
    let cached = cache(upstream.clone());
    assert!(cached.current(cx.now()).is_none(), "nothing loaded yet");

    let first = cached.provide(&cx).await.unwrap();
    // The advisory window opens 15 minutes before expiry at the earliest.
    clock.advance(45 * MIN - SEC);
    for _ in 0..100 {
        assert!(cached.provide(&cx).await.unwrap().ptr_eq(&first));
        assert!(cached.current(cx.now()).unwrap().ptr_eq(&first));
    }
    assert_eq!(upstream.calls(), 1);
}

#[tokio::test]
async fn the_advisory_window_refreshes_in_the_background_and_serves_at_once() {
    let (clock, cx) = manual_context(2);
    let upstream = Upstream::new(Answer::Expiring(HOUR));
    let cached = cache(upstream.clone());
    let first = cached.provide(&cx).await.unwrap();

    upstream.close_gate();
    // 50 minutes in: past the advisory start and its largest jitter, before the mandatory window.
    clock.advance(50 * MIN);
    assert!(cached.current(cx.now()).is_none(), "a refresh is due");
    // The upstream is blocked, yet the read returns the current credentials at once.
    assert!(cached.provide(&cx).await.unwrap().ptr_eq(&first));
    until_calls(&upstream, 2).await;
    assert!(cached.status().refreshing);
    for _ in 0..100 {
        assert!(cached.provide(&cx).await.unwrap().ptr_eq(&first));
    }
    assert!(
        cached.current(cx.now()).unwrap().ptr_eq(&first),
        "the synchronous read stays available while the refresh runs"
    );
    assert_eq!(upstream.calls(), 2, "one refresh, however many readers");

    upstream.open_gate();
    settle(&cached).await;
    let second = cached.provide(&cx).await.unwrap();
    assert_eq!(second.access_key_id(), "AKID2");
    assert_eq!(upstream.calls(), 2);
}

#[tokio::test]
async fn the_advisory_start_is_jittered_over_the_first_quarter_of_the_gap() {
    let mut starts = std::collections::BTreeSet::new();
    for seed in 0..32 {
        let (_clock, cx) = manual_context(seed);
        let cached = cache(Upstream::new(Answer::Expiring(HOUR)));
        let creds = cached.provide(&cx).await.unwrap();
        let expiry = creds.expiry().unwrap();
        let start = cached.status().next_refresh.unwrap();
        let earliest = expiry - 15 * MIN;
        assert!(start >= earliest, "seed {seed}");
        // A quarter of the 13 minutes between the windows.
        assert!(
            since(start, earliest) <= Duration::from_secs(195),
            "seed {seed}"
        );
        starts.insert(start);
    }
    assert!(
        starts.len() > 16,
        "a fleet should not refresh in lockstep: {starts:?}"
    );
}

#[tokio::test]
async fn the_mandatory_window_waits_for_the_new_credentials() {
    let (clock, cx) = manual_context(3);
    let upstream = Upstream::new(Answer::Expiring(HOUR));
    let cached = cache(upstream.clone());
    let first = cached.provide(&cx).await.unwrap();

    clock.advance(58 * MIN + SEC);
    let second = cached.provide(&cx).await.unwrap();
    assert!(!second.ptr_eq(&first));
    assert_eq!(second.access_key_id(), "AKID2");
    assert_eq!(upstream.calls(), 2);
}

#[tokio::test]
async fn a_refresh_started_in_the_advisory_window_is_awaited_once_the_mandatory_one_opens() {
    let (clock, cx) = manual_context(4);
    let upstream = Upstream::new(Answer::Expiring(HOUR));
    // The gated refresh spans minutes of manual time: keep the load timeout out of the way.
    let cached = CachedSource::builder(upstream.clone())
        .load_timeout(HOUR)
        .build();
    let first = cached.provide(&cx).await.unwrap();

    upstream.close_gate();
    clock.advance(50 * MIN);
    assert!(cached.provide(&cx).await.unwrap().ptr_eq(&first));
    until_calls(&upstream, 2).await;

    clock.advance(9 * MIN);
    assert!(cached.current(cx.now()).is_none());
    let waiter = tokio::spawn({
        let (cached, cx) = (cached.clone(), cx.clone());
        async move { cached.provide(&cx).await }
    });
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    assert!(
        !waiter.is_finished(),
        "in the mandatory window the reader waits for the refresh"
    );
    upstream.open_gate();
    let second = waiter.await.unwrap().unwrap();
    assert_eq!(second.access_key_id(), "AKID2");
    assert_eq!(
        upstream.calls(),
        2,
        "the waiter joined the refresh in flight"
    );
}

#[tokio::test]
async fn short_sessions_scale_both_windows_down() {
    let (clock, cx) = manual_context(5);
    let upstream = Upstream::new(Answer::Expiring(MIN));
    let cached = CachedSource::builder(upstream.clone())
        .load_timeout(HOUR)
        .build();
    let first = cached.provide(&cx).await.unwrap();
    let fetched = cx.now();

    // 60-second credentials: advisory 30 s, mandatory 4 s, jitter at most (30-4)/4 = 6.5 s.
    let start = since(cached.status().next_refresh.unwrap(), fetched);
    assert!(
        (30 * SEC..=Duration::from_millis(36_500)).contains(&start),
        "{start:?}"
    );
    clock.advance(30 * SEC - Duration::from_millis(1));
    assert!(cached.current(cx.now()).unwrap().ptr_eq(&first));

    upstream.close_gate();
    clock.set(fetched + 40 * SEC);
    assert!(
        cached.provide(&cx).await.unwrap().ptr_eq(&first),
        "advisory"
    );
    until_calls(&upstream, 2).await;

    clock.set(fetched + 56 * SEC);
    let waiter = tokio::spawn({
        let (cached, cx) = (cached.clone(), cx.clone());
        async move { cached.provide(&cx).await }
    });
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    assert!(!waiter.is_finished(), "mandatory from 4 s before expiry");
    upstream.open_gate();
    assert_eq!(waiter.await.unwrap().unwrap().access_key_id(), "AKID2");
}

#[tokio::test]
async fn a_fifteen_minute_session_refreshes_from_half_its_lifetime() {
    let (_clock, cx) = manual_context(6);
    let cached = cache(Upstream::new(Answer::Expiring(15 * MIN)));
    let creds = cached.provide(&cx).await.unwrap();
    let before_expiry = since(
        creds.expiry().unwrap(),
        cached.status().next_refresh.unwrap(),
    );
    // Advisory 7 min 30 s, mandatory 1 min; jitter up to (450 - 60) / 4 = 97.5 s.
    assert!(
        (Duration::from_millis(352_500)..=Duration::from_secs(450)).contains(&before_expiry),
        "{before_expiry:?}"
    );
}

#[tokio::test]
async fn a_failed_refresh_keeps_serving_valid_credentials_and_warns_without_secrets() {
    let (logs, _guard) = LogCapture::start();
    let (clock, cx) = manual_context(7);
    let upstream = Upstream::new(Answer::Fail("STS answered Throttling"));
    upstream.then(Answer::Expiring(HOUR));
    let cached = cache(upstream.clone());
    let first = cached.provide(&cx).await.unwrap();

    clock.advance(58 * MIN + SEC);
    let served = cached.provide(&cx).await.unwrap();
    assert!(
        served.ptr_eq(&first),
        "still valid for a minute: serve them"
    );
    assert_eq!(upstream.calls(), 2);
    let status = cached.status();
    assert_eq!(status.consecutive_failures, 1);
    assert!(
        status
            .last_error
            .unwrap()
            .to_string()
            .contains("STS answered Throttling")
    );

    let lines = logs.lines();
    let warning = lines
        .iter()
        .find(|l| l.contains("WARN"))
        .unwrap_or_else(|| panic!("no warning in {lines:?}"));
    assert!(
        warning.contains("upstream") && warning.contains("STS answered Throttling"),
        "{warning}"
    );
    logs.assert_no_secrets([SECRET.to_owned(), session_token(1), session_token(2)]);
}

#[tokio::test]
async fn failed_refreshes_are_retried_after_an_exponential_jittered_backoff() {
    let (clock, cx) = manual_context(8);
    let upstream = Upstream::new(Answer::Fail("unreachable"));
    upstream.then(Answer::Expiring(HOUR));
    let cached = CachedSource::builder(upstream.clone())
        .retry_backoff(10 * SEC, 40 * SEC)
        .build();
    let first = cached.provide(&cx).await.unwrap();
    clock.advance(50 * MIN);

    let mut expected_calls = 1;
    for (failures, (low, high)) in [(5, 10), (10, 20), (20, 40), (20, 40)]
        .into_iter()
        .enumerate()
    {
        assert!(cached.provide(&cx).await.unwrap().ptr_eq(&first));
        expected_calls += 1;
        settle(&cached).await;
        assert_eq!(upstream.calls(), expected_calls);
        let status = cached.status();
        assert_eq!(status.consecutive_failures as usize, failures + 1);
        let delay = since(status.next_refresh.unwrap(), cx.now());
        assert!(
            (low * SEC..=high * SEC).contains(&delay),
            "failure {}: {delay:?}",
            failures + 1
        );
        // Before the retry is due, reads take the fast path and do not call upstream.
        clock.advance(low * SEC - Duration::from_millis(1));
        assert!(cached.current(cx.now()).unwrap().ptr_eq(&first));
        assert!(cached.provide(&cx).await.unwrap().ptr_eq(&first));
        assert_eq!(upstream.calls(), expected_calls);
        clock.set(status.next_refresh.unwrap());
    }

    upstream.always(Answer::Expiring(HOUR));
    cached.provide(&cx).await.unwrap();
    settle(&cached).await;
    let status = cached.status();
    assert_eq!(status.consecutive_failures, 0);
    assert!(status.last_error.is_none());
    assert_eq!(cached.provide(&cx).await.unwrap().access_key_id(), "AKID6");
}

#[tokio::test]
async fn credentials_are_served_until_the_second_before_expiry_and_never_at_it() {
    let (clock, cx) = manual_context(9);
    let upstream = Upstream::new(Answer::Fail("endpoint unreachable"));
    upstream.then(Answer::Expiring(HOUR));
    let cached = cache(upstream.clone());
    let first = cached.provide(&cx).await.unwrap();
    let expiry = first.expiry().unwrap();

    clock.set(expiry - SEC);
    assert!(cached.provide(&cx).await.unwrap().ptr_eq(&first));

    clock.set(expiry);
    assert!(cached.current(expiry).is_none());
    let err = cached.provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    assert!(err.to_string().contains("endpoint unreachable"), "{err}");
    assert!(!err.to_string().contains(SECRET));

    // After expiry every read asks again, and recovers as soon as the upstream does.
    upstream.always(Answer::Expiring(HOUR));
    let fresh = cached.provide(&cx).await.unwrap();
    assert!(!fresh.is_expired_at(cx.now()));
    assert!(!fresh.ptr_eq(&first));
}

#[tokio::test]
async fn without_valid_credentials_callers_get_the_error_and_nothing_is_cached() {
    let (_clock, cx) = manual_context(10);
    let upstream = Upstream::new(Answer::Fail("AccessDenied"));
    let cached = cache(upstream.clone());
    for attempt in 1..=3 {
        let err = cached.provide(&cx).await.unwrap_err();
        assert!(err.to_string().contains("AccessDenied"));
        assert_eq!(upstream.calls(), attempt, "each read tries again");
        assert!(cached.current(cx.now()).is_none());
    }
    let status = cached.status();
    assert!(!status.cached);
    assert_eq!(status.consecutive_failures, 3);
}

#[tokio::test]
async fn credentials_already_expired_on_arrival_are_refused() {
    let (_clock, cx) = manual_context(11);
    let cached = cache(Upstream::new(Answer::Expiring(Duration::ZERO)));
    let err = cached.provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    assert!(err.to_string().contains("expired at"), "{err}");
    assert!(!cached.status().cached);
}

#[tokio::test]
async fn static_credentials_are_read_once_and_never_refreshed_by_time() {
    let (clock, cx) = manual_context(12);
    let upstream = Upstream::new(Answer::Static);
    let cached = cache(upstream.clone());
    let first = cached.provide(&cx).await.unwrap();
    clock.advance(Duration::from_secs(10 * 365 * 24 * 3600));
    for _ in 0..100 {
        assert!(cached.provide(&cx).await.unwrap().ptr_eq(&first));
    }
    assert!(cached.current(cx.now()).unwrap().ptr_eq(&first));
    assert_eq!(upstream.calls(), 1);
    assert_eq!(cached.status().next_refresh, None);
}

#[tokio::test]
async fn a_source_that_asks_for_rechecks_is_read_again_in_the_background() {
    let (clock, cx) = manual_context(13);
    let upstream = Upstream::with_recheck(Answer::Static, Some(5 * MIN));
    let cached = cache(upstream.clone());
    let first = cached.provide(&cx).await.unwrap();

    clock.advance(5 * MIN - SEC);
    assert!(cached.provide(&cx).await.unwrap().ptr_eq(&first));
    assert_eq!(upstream.calls(), 1);

    clock.advance(SEC);
    assert!(
        cached.provide(&cx).await.unwrap().ptr_eq(&first),
        "a re-check never makes the reader wait"
    );
    settle(&cached).await;
    assert_eq!(upstream.calls(), 2);
    let second = cached.provide(&cx).await.unwrap();
    assert_eq!(
        second.access_key_id(),
        "AKID2",
        "the rotated keys are picked up"
    );

    // A failed re-check keeps the keys (they do not expire) and backs off.
    upstream.always(Answer::Fail("cannot read ~/.aws/credentials"));
    clock.advance(5 * MIN);
    assert!(cached.provide(&cx).await.unwrap().ptr_eq(&second));
    settle(&cached).await;
    assert!(cached.provide(&cx).await.unwrap().ptr_eq(&second));
    assert_eq!(cached.status().consecutive_failures, 1);
    assert_eq!(upstream.calls(), 3);
}

#[tokio::test]
async fn recheck_every_applies_to_any_source_and_to_expiring_credentials() {
    let (clock, cx) = manual_context(14);
    let upstream = Upstream::new(Answer::Expiring(HOUR));
    let cached = CachedSource::builder(upstream.clone())
        .recheck_every(10 * MIN)
        .build();
    assert_eq!(cached.recheck_interval(), Some(10 * MIN));
    let first = cached.provide(&cx).await.unwrap();
    clock.advance(10 * MIN);
    assert!(cached.provide(&cx).await.unwrap().ptr_eq(&first));
    settle(&cached).await;
    assert_eq!(cached.provide(&cx).await.unwrap().access_key_id(), "AKID2");
}

#[tokio::test]
async fn a_hanging_upstream_is_cut_by_the_load_timeout() {
    let (clock, cx) = manual_context(15);
    let upstream = Upstream::new(Answer::Hang);
    let cached = CachedSource::builder(upstream.clone())
        .load_timeout(7 * SEC)
        .build();

    // Nothing cached: the waiter gets TimedOut.
    let waiter = tokio::spawn({
        let (cached, cx) = (cached.clone(), cx.clone());
        async move { cached.provide(&cx).await }
    });
    until_calls(&upstream, 1).await;
    clock.advance(7 * SEC);
    let err = waiter.await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);
    assert!(err.to_string().contains("timed out after 7s"), "{err}");
    assert!(!cached.status().refreshing);
    assert_eq!(upstream.in_flight(), 0, "the hanging call was dropped");

    // Valid credentials cached: the waiter in the mandatory window gets them.
    upstream.then(Answer::Expiring(HOUR));
    let first = cached.provide(&cx).await.unwrap();
    clock.advance(58 * MIN + SEC);
    let waiter = tokio::spawn({
        let (cached, cx) = (cached.clone(), cx.clone());
        async move { cached.provide(&cx).await }
    });
    until_calls(&upstream, 3).await;
    clock.advance(7 * SEC);
    assert!(waiter.await.unwrap().unwrap().ptr_eq(&first));
    assert_eq!(
        cached.status().last_error.unwrap().kind(),
        ErrorKind::TimedOut
    );
}

#[tokio::test]
async fn a_waiter_that_gives_up_does_not_cancel_the_refresh() {
    let (clock, cx) = manual_context(16);
    let upstream = Upstream::new(Answer::Expiring(HOUR));
    let cached = cache(upstream.clone());
    cached.provide(&cx).await.unwrap();

    upstream.close_gate();
    clock.advance(59 * MIN);
    let waiter = tokio::spawn({
        let (cached, cx) = (cached.clone(), cx.clone());
        async move { cached.provide(&cx).await }
    });
    until_calls(&upstream, 2).await;
    waiter.abort();
    assert!(waiter.await.unwrap_err().is_cancelled());
    upstream.open_gate();
    settle(&cached).await;
    assert_eq!(cached.current(cx.now()).unwrap().access_key_id(), "AKID2");
    assert_eq!(upstream.calls(), 2);
}

#[tokio::test]
async fn name_explain_and_recheck_come_from_the_wrapped_source() {
    let (_clock, cx) = manual_context(17);
    let cached = cache(Chain::new("default"));
    assert_eq!(cached.name(), "default");
    assert!(cached.explain(&cx).is_empty());
    let cached =
        cache(Chain::new("default").or_else(Upstream::with_recheck(Answer::Static, Some(3 * MIN))));
    assert_eq!(cached.recheck_interval(), Some(3 * MIN));
    assert_eq!(cached.explain(&cx)[0].status, Status::Unknown);
    let printed = format!("{cached:?}");
    assert!(printed.contains("CachedSource"), "{printed}");
}

#[test]
fn a_mandatory_window_wider_than_the_advisory_one_is_cut_to_it() {
    let (_clock, cx) = manual_context(18);
    let cached = CachedSource::builder(Upstream::new(Answer::Expiring(HOUR)))
        .advisory_window(5 * MIN)
        .mandatory_window(20 * MIN)
        .build();
    let creds = block_on(cached.provide(&cx)).unwrap();
    // Both windows are 5 minutes: no jitter room, the refresh is due exactly 5 minutes before.
    assert_eq!(
        since(
            creds.expiry().unwrap(),
            cached.status().next_refresh.unwrap()
        ),
        5 * MIN
    );
}

/// Polls a future on this thread without any runtime.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = TaskContext::from_waker(Waker::noop());
    for _ in 0..1_000_000 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
    panic!("the future did not complete");
}

#[test]
fn without_a_runtime_refreshes_happen_in_the_callers_task_when_they_must() {
    let (clock, cx) = manual_context(19);
    let upstream = Upstream::new(Answer::Expiring(HOUR));
    let cached = cache(upstream.clone());
    let first: Credentials = block_on(cached.provide(&cx)).unwrap();

    clock.advance(50 * MIN);
    assert!(block_on(cached.provide(&cx)).unwrap().ptr_eq(&first));
    assert_eq!(
        upstream.calls(),
        1,
        "no runtime to refresh in the background"
    );

    clock.advance(9 * MIN);
    assert_eq!(
        block_on(cached.provide(&cx)).unwrap().access_key_id(),
        "AKID2"
    );
    assert_eq!(upstream.calls(), 2);
}

#[tokio::test]
async fn a_panicking_source_fails_the_refresh_without_wedging_the_cache() {
    let (clock, cx) = manual_context(20);
    let upstream = Upstream::new(Answer::Panic);
    upstream.then(Answer::Expiring(HOUR));
    let cached = cache(upstream.clone());
    let first = cached.provide(&cx).await.unwrap();

    clock.advance(59 * MIN);
    assert!(
        cached.provide(&cx).await.unwrap().ptr_eq(&first),
        "still valid: served despite the panic"
    );
    let err = cached.status().last_error.unwrap();
    assert!(err.to_string().contains("abandoned"), "{err}");
    assert!(!cached.status().refreshing);

    clock.advance(2 * MIN);
    let err = cached.provide(&cx).await.unwrap_err();
    assert!(err.to_string().contains("abandoned"), "{err}");
    upstream.always(Answer::Expiring(HOUR));
    assert_eq!(cached.provide(&cx).await.unwrap().access_key_id(), "AKID4");
}

#[test]
fn a_refresh_dropped_with_its_runtime_does_not_wedge_the_cache() {
    let (clock, cx) = manual_context(21);
    let upstream = Upstream::new(Answer::Expiring(HOUR));
    let cached = cache(upstream.clone());
    let first = {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let first = runtime.block_on(cached.provide(&cx)).unwrap();
        upstream.close_gate();
        clock.advance(50 * MIN);
        // Starts a background refresh on this runtime; it never gets to run.
        assert!(
            runtime
                .block_on(cached.provide(&cx))
                .unwrap()
                .ptr_eq(&first)
        );
        assert!(cached.status().refreshing);
        first
    };
    assert!(
        !cached.status().refreshing,
        "the dropped refresh freed its slot"
    );
    assert_eq!(cached.status().consecutive_failures, 1);

    upstream.open_gate();
    clock.advance(9 * MIN);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let second = runtime.block_on(cached.provide(&cx)).unwrap();
    assert!(!second.ptr_eq(&first));
}
