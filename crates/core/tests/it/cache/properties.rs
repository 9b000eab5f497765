//! Properties of the cache over random histories of clock moves, upstream answers and bursts of
//! concurrent reads, on a multi-threaded runtime: no expired credential is ever returned, the
//! upstream never sees two calls at once, and no reader gets an error while the cache holds
//! valid credentials.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use awsauth_core::{CachedSource, CredentialSource, CredentialSourceExt};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use tokio::runtime::Runtime;

use super::upstream::{Answer, Upstream, manual_context};

#[derive(Debug, Clone)]
enum Step {
    /// Move the clock.
    Advance(Duration),
    /// The upstream answers this from now on.
    Upstream(Answer),
    /// This many reads at once.
    Reads(usize),
}

#[derive(Debug, Clone)]
struct Settings {
    advisory: Duration,
    mandatory: Duration,
    recheck: Option<Duration>,
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        4 => prop_oneof![10..120u64, 120..7200u64]
            .prop_map(|secs| Answer::Expiring(Duration::from_secs(secs))),
        1 => Just(Answer::Static),
        3 => Just(Answer::Fail("scripted failure")),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => prop_oneof![0..30u64, 0..900u64, 0..7200u64]
            .prop_map(|secs| Step::Advance(Duration::from_secs(secs))),
        2 => answer().prop_map(Step::Upstream),
        4 => (1..24usize).prop_map(Step::Reads),
    ]
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        0..1200u64,
        0..1200u64,
        prop::option::weighted(0.3, 1..3600u64),
    )
        .prop_map(|(a, m, recheck)| Settings {
            advisory: Duration::from_secs(a),
            mandatory: Duration::from_secs(m),
            recheck: recheck.map(Duration::from_secs),
        })
}

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_time()
            .build()
            .unwrap()
    })
}

async fn settle(cached: &CachedSource) -> Result<(), TestCaseError> {
    for round in 0..100_000 {
        if !cached.status().refreshing {
            return Ok(());
        }
        if round < 1_000 {
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    Err(TestCaseError::fail("a refresh never finished"))
}

async fn check(settings: Settings, first: Answer, steps: Vec<Step>) -> Result<(), TestCaseError> {
    let (clock, cx) = manual_context(7);
    let upstream = Upstream::new(first);
    let mut builder = CachedSource::builder(upstream.clone())
        .advisory_window(settings.advisory)
        .mandatory_window(settings.mandatory);
    if let Some(every) = settings.recheck {
        builder = builder.recheck_every(every);
    }
    let cached = builder.build();
    let mut answer = first;

    for (index, step) in steps.into_iter().enumerate() {
        match step {
            Step::Advance(by) => clock.advance(by),
            Step::Upstream(next) => {
                upstream.always(next);
                answer = next;
            }
            Step::Reads(n) => {
                let now = cx.now();
                let held_valid = upstream.last_ok().is_some_and(|c| !c.is_expired_at(now));
                // Half the readers go through `provide`, half through `resolve` on a trait
                // object (the fast path callers use): both must keep every property.
                let readers: Vec<_> = (0..n)
                    .map(|i| {
                        let (cached, cx) = (cached.clone(), cx.clone());
                        tokio::spawn(async move {
                            if i % 2 == 0 {
                                cached.provide(&cx).await
                            } else {
                                let shared: Arc<dyn CredentialSource> = Arc::new(cached);
                                shared.resolve(&cx).await
                            }
                        })
                    })
                    .collect();
                for reader in readers {
                    match reader.await.unwrap() {
                        Ok(creds) => prop_assert!(
                            !creds.is_expired_at(now),
                            "step {index}: expired credentials returned: {creds:?}"
                        ),
                        Err(err) => {
                            prop_assert!(
                                !held_valid,
                                "step {index}: error while valid credentials were held: {err}"
                            );
                            prop_assert!(
                                matches!(answer, Answer::Fail(_)),
                                "step {index}: error while the upstream answers {answer:?}: {err}"
                            );
                        }
                    }
                }
                if let Some(creds) = cached.current(now) {
                    prop_assert!(!creds.is_expired_at(now), "step {index}: current() expired");
                }
                settle(&cached).await?;
            }
        }
        prop_assert!(
            upstream.max_in_flight() <= 1,
            "step {index}: two upstream calls in flight at once"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn reads_are_never_expired_never_overlap_upstream_and_never_fail_while_valid(
        settings in settings(),
        first in answer(),
        steps in prop::collection::vec(step(), 1..40),
    ) {
        runtime().block_on(check(settings, first, steps))?;
    }
}
