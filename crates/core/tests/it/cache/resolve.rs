//! `resolve`, the callers' read: answered by the cache's `current` when fresh — through every
//! wrapper — and by `provide` otherwise, with the same windows, errors and single flight.

use std::sync::Arc;
use std::time::Duration;

use awsauth_core::{CredentialSource, CredentialSourceExt, ErrorKind, Status, cache, only};

use awsauth_core::{Context, CredentialError, Credentials, async_trait};

use super::upstream::{Answer, Upstream, manual_context, settle, until_calls};

const MIN: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn resolve_serves_the_cached_credentials_through_arc_box_and_only() {
    let (_clock, cx) = manual_context(11);
    let upstream = Upstream::new(Answer::Expiring(HOUR));
    let cached = cache(upstream.clone());
    let first = cached.resolve(&cx).await.unwrap();
    assert_eq!(upstream.calls(), 1, "the first read loads");

    let shared: Arc<dyn CredentialSource> = Arc::new(cached.clone());
    let boxed: Box<dyn CredentialSource> = Box::new(cached.clone());
    let strict = only(Arc::clone(&shared));
    for _ in 0..10 {
        assert!(shared.resolve(&cx).await.unwrap().ptr_eq(&first));
        assert!(boxed.resolve(&cx).await.unwrap().ptr_eq(&first));
        assert!(strict.resolve(&cx).await.unwrap().ptr_eq(&first));
        // Every wrapper forwards the synchronous read as well.
        assert!(strict.current(cx.now()).unwrap().ptr_eq(&first));
    }
    assert_eq!(upstream.calls(), 1, "cached reads never reach the upstream");
}

#[tokio::test]
async fn resolve_asks_a_source_without_memory_every_time() {
    let (_clock, cx) = manual_context(12);
    let upstream = Upstream::new(Answer::Expiring(HOUR));
    let shared: Arc<dyn CredentialSource> = Arc::new(upstream.clone());
    assert!(shared.current(cx.now()).is_none());
    let a = shared.resolve(&cx).await.unwrap();
    let b = shared.resolve(&cx).await.unwrap();
    assert!(!a.ptr_eq(&b));
    assert_eq!(upstream.calls(), 2);
}

#[tokio::test]
async fn resolve_in_the_advisory_window_starts_the_refresh_like_provide() {
    let (clock, cx) = manual_context(13);
    let upstream = Upstream::new(Answer::Expiring(HOUR));
    let cached = cache(upstream.clone());
    let shared: Arc<dyn CredentialSource> = Arc::new(cached.clone());
    let first = shared.resolve(&cx).await.unwrap();

    clock.advance(50 * MIN);
    // Still served at once, and the background refresh has been started.
    assert!(shared.resolve(&cx).await.unwrap().ptr_eq(&first));
    until_calls(&upstream, 2).await;
    assert_eq!(upstream.calls(), 2, "the advisory read started one refresh");
    settle(&cached).await;

    let second = shared.resolve(&cx).await.unwrap();
    assert!(
        !second.ptr_eq(&first),
        "the refreshed credentials are served"
    );
    assert!(second.expiry().unwrap() > first.expiry().unwrap());
}

#[tokio::test]
async fn resolve_never_returns_expired_credentials() {
    let (clock, cx) = manual_context(14);
    let upstream = Upstream::new(Answer::Expiring(HOUR));
    let shared: Arc<dyn CredentialSource> = Arc::new(cache(upstream.clone()));
    let first = shared.resolve(&cx).await.unwrap();

    upstream.always(Answer::Fail("sts is down"));
    clock.set(first.expiry().unwrap());
    assert!(
        shared.current(cx.now()).is_none(),
        "expired at the exact second"
    );
    let err = shared.resolve(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    assert!(err.to_string().contains("sts is down"), "{err}");
}

#[tokio::test]
async fn resolve_keeps_the_no_fallback_rule_when_nothing_is_cached() {
    let (_clock, cx) = manual_context(15);
    let strict = only(Arc::new(Nothing) as Arc<dyn CredentialSource>);
    assert!(strict.current(cx.now()).is_none());
    let err = strict.resolve(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
    assert!(err.to_string().contains("no fallback"), "{err}");
    assert_eq!(strict.explain(&cx)[0].status, Status::Invalid);
}

/// A source that is never configured.
#[derive(Debug)]
struct Nothing;

#[async_trait]
impl CredentialSource for Nothing {
    async fn provide(&self, _cx: &Context) -> Result<Credentials, CredentialError> {
        Err(CredentialError::not_configured("nothing", "nothing is set"))
    }

    fn name(&self) -> &str {
        "nothing"
    }

    fn explain(&self, _cx: &Context) -> Vec<awsauth_core::Explanation> {
        vec![awsauth_core::Explanation::new(
            "nothing",
            Status::NotConfigured,
            "nothing is set",
        )]
    }
}
