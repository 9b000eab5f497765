//! The credential cache: a cached read on 1 and 2 threads, awsauth next to aws-config's lazy
//! identity cache over the same static keys (same run, ratio printed); then a refresh storm of
//! 10,000 concurrent readers crossing the refresh windows (upstream calls, reader latency).
//!
//! Every future measured here is ready on its first poll (a cache hit), so both libraries are
//! driven by the same minimal poll loop rather than by an executor, which would dominate the
//! numbers.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_async::rt::sleep::{SharedAsyncSleep, TokioSleep};
use aws_smithy_async::time::{SharedTimeSource, SystemTimeSource};
use aws_smithy_runtime::client::identity::IdentityCache;
use aws_smithy_runtime_api::client::identity::{
    ResolveCachedIdentity, SharedIdentityCache, SharedIdentityResolver,
};
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_types::config_bag::ConfigBag;
use awsauth_benches::{Samples, percentile};
use awsauth_core::{
    CacheBuilder, CachedSource, Clock, Context, CredentialError, CredentialSource,
    CredentialSourceExt, Credentials, ManualClock, async_trait, cache,
};
use awsauth_static::StaticSource;
use criterion::Criterion;
use tokio::runtime::Runtime;

const SAMPLE_SIZE: usize = 50;
const KEY_ID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

static SAMPLES: Samples = Samples::new();

/// Polls a future that should be ready at once; spins if it is not.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = TaskContext::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::hint::spin_loop();
    }
}

/// Runs `read` `iters` times on each of `threads` threads (inside `runtime`'s context, which
/// aws-config's cache needs for its load-timeout timer) and returns the wall time of the run:
/// the time per read on each thread, once divided by `iters`.
fn run_on_threads(
    runtime: &Runtime,
    threads: usize,
    iters: u64,
    read: &(impl Fn() + Sync),
) -> Duration {
    let _context = runtime.enter();
    if threads == 1 {
        let start = Instant::now();
        for _ in 0..iters {
            read();
        }
        return start.elapsed();
    }
    let barrier = Barrier::new(threads);
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(|| {
                let _context = runtime.enter();
                barrier.wait();
                for _ in 0..iters {
                    read();
                }
            });
        }
        barrier.wait();
        let start = Instant::now();
        for _ in 0..iters {
            read();
        }
        // Leaving the scope joins the other threads, so the elapsed time covers them too.
        start
    })
    .elapsed()
}

struct Peers {
    awsauth: CachedSource,
    awsauth_dyn: Arc<dyn CredentialSource>,
    cx: Context,
    aws_cache: SharedIdentityCache,
    aws_resolver: SharedIdentityResolver,
    aws_components: RuntimeComponents,
    aws_config_bag: ConfigBag,
}

fn peers(runtime: &Runtime) -> Peers {
    let awsauth = cache(StaticSource::new(KEY_ID, SECRET));
    let cx = Context::system();
    let awsauth_dyn: Arc<dyn CredentialSource> = Arc::new(awsauth.clone());

    let aws_cache = IdentityCache::lazy().build();
    let aws_resolver = SharedIdentityResolver::new(SharedCredentialsProvider::new(
        aws_credential_types::Credentials::new(KEY_ID, SECRET, None, None, "static"),
    ));
    let aws_components = RuntimeComponentsBuilder::for_tests()
        .with_time_source(Some(SharedTimeSource::new(SystemTimeSource::new())))
        .with_sleep_impl(Some(SharedAsyncSleep::new(TokioSleep::new())))
        .build()
        .expect("test runtime components");
    let peers = Peers {
        awsauth,
        awsauth_dyn,
        cx,
        aws_cache,
        aws_resolver,
        aws_components,
        aws_config_bag: ConfigBag::base(),
    };
    // Prime both caches: every measured read is a hit.
    runtime.block_on(async {
        peers.awsauth.get(&peers.cx).await.expect("awsauth loads");
        peers
            .aws_cache
            .resolve_cached_identity(
                peers.aws_resolver.clone(),
                &peers.aws_components,
                &peers.aws_config_bag,
            )
            .await
            .expect("aws-config loads");
    });
    peers
}

const VARIANTS: [&str; 6] = [
    "awsauth current(now) [sync]",
    "awsauth current(SystemTime::now()) [sync]",
    "awsauth get(&cx) [async, inherent]",
    "awsauth resolve(&cx) [async, dyn CredentialSource]",
    "awsauth provide(&cx) [async, dyn, boxed]",
    "aws-config lazy identity cache",
];
/// The index of aws-config's cache in [`VARIANTS`].
const PEER: usize = 5;

fn read_once(peers: &Peers, variant: usize, now: SystemTime) {
    match variant {
        0 => {
            black_box(peers.awsauth.current(black_box(now)));
        }
        1 => {
            black_box(peers.awsauth.current(SystemTime::now()));
        }
        2 => {
            black_box(ready(peers.awsauth.get(black_box(&peers.cx))).ok());
        }
        3 => {
            black_box(ready(peers.awsauth_dyn.resolve(black_box(&peers.cx))).ok());
        }
        4 => {
            black_box(ready(peers.awsauth_dyn.provide(black_box(&peers.cx))).ok());
        }
        _ => {
            black_box(
                ready(peers.aws_cache.resolve_cached_identity(
                    peers.aws_resolver.clone(),
                    &peers.aws_components,
                    &peers.aws_config_bag,
                ))
                .ok(),
            );
        }
    }
}

fn cached_read(c: &mut Criterion, runtime: &Runtime, peers: &Peers) {
    // A signer reads the time for its own timestamp; the synchronous accessor takes that one.
    let now = SystemTime::now();
    for threads in [1, 2] {
        let mut group = c.benchmark_group(format!("cache/cached_read/{threads}_thread"));
        for (variant, name) in VARIANTS.iter().enumerate() {
            let id = format!("{name} x{threads}");
            group.bench_function(*name, |b| {
                b.iter_custom(|iters| {
                    let elapsed =
                        run_on_threads(runtime, threads, iters, &|| read_once(peers, variant, now));
                    SAMPLES.record(&id, iters, elapsed)
                })
            });
        }
        group.finish();
    }
}

fn print_summary() {
    let median = |variant: usize, threads: usize| {
        SAMPLES
            .median_ns(&format!("{} x{threads}", VARIANTS[variant]), SAMPLE_SIZE)
            .unwrap_or(f64::NAN)
    };
    println!();
    println!("== cache: cached read, median ns per read on each thread (same run) ==");
    println!("{:<52} {:>10} {:>10}", "", "1 thread", "2 threads");
    for (variant, name) in VARIANTS.iter().enumerate() {
        println!(
            "{name:<52} {:>10.1} {:>10.1}",
            median(variant, 1),
            median(variant, 2)
        );
    }
    for (variant, label) in [
        (0, "aws-config / awsauth current(now)"),
        (1, "aws-config / awsauth current(SystemTime::now())"),
        (3, "aws-config / awsauth resolve(&cx)"),
        (4, "aws-config / awsauth provide(&cx)"),
    ] {
        println!(
            "{label:<52} {:>9.1}x {:>9.1}x",
            median(PEER, 1) / median(variant, 1),
            median(PEER, 2) / median(variant, 2)
        );
    }
    // Ratios only: absolute nanoseconds move too much between machines to be goals (a
    // virtual machine's clock read alone can take 20 ns).
    println!(
        "goals: sync accessor >= 10x, async trait path through Arc<dyn> >= 6x faster than aws-config"
    );
    let peer = median(PEER, 1);
    for (variant, measure, goal) in [
        (0, "cache: cached read, sync current(now), 1 thread", 10.0),
        (
            3,
            "cache: cached read, async trait path resolve(&cx) via Arc<dyn>, 1 thread",
            6.0,
        ),
    ] {
        let ours = median(variant, 1);
        awsauth_benches::report_time(
            measure,
            ours,
            Some(peer),
            &format!("≥ {goal}× faster than aws-config"),
            peer / ours >= goal,
        );
    }
}

/// An upstream that answers after a simulated network round trip, counting its calls.
#[derive(Debug)]
struct SlowUpstream {
    calls: AtomicUsize,
    latency: Duration,
}

#[async_trait]
impl CredentialSource for SlowUpstream {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(self.latency).await;
        Ok(Credentials::builder(format!("AKID{n}"), SECRET)
            .session_token("token")
            .expiry(cx.now() + Duration::from_secs(3600))
            .build())
    }

    fn name(&self) -> &str {
        "slow-upstream"
    }
}

/// One storm: how the cache is built, and where the clock stands before and after the crossing
/// (relative to the first load of one-hour credentials).
struct Scenario {
    label: &'static str,
    build: fn(Arc<SlowUpstream>) -> CachedSource,
    before: Duration,
    after: Duration,
}

struct StormReport {
    upstream_calls: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
    errors: usize,
}

/// 10,000 readers on the multi-threaded runtime; halfway through spawning them the clock moves
/// from `before` to `after` (relative to the first load), across a window.
fn storm(
    runtime: &Runtime,
    builder: fn(Arc<SlowUpstream>) -> CachedSource,
    before: Duration,
    after: Duration,
) -> StormReport {
    const READERS: usize = 10_000;
    let upstream = Arc::new(SlowUpstream {
        calls: AtomicUsize::new(0),
        latency: Duration::from_millis(5),
    });
    let clock = ManualClock::default();
    let cx = Context::builder()
        .clock(Arc::new(clock.clone()) as Arc<dyn Clock>)
        .build();
    let cached = builder(Arc::clone(&upstream));
    runtime.block_on(async {
        let start = cx.now();
        cached.get(&cx).await.expect("first load");
        clock.set(start + before);
        let mut readers = Vec::with_capacity(READERS);
        for i in 0..READERS {
            if i == READERS / 2 {
                clock.set(start + after);
            }
            let (cached, cx) = (cached.clone(), cx.clone());
            readers.push(tokio::spawn(async move {
                let begin = Instant::now();
                let ok = cached.provide(&cx).await.is_ok();
                (begin.elapsed(), ok)
            }));
        }
        let mut latencies = Vec::with_capacity(READERS);
        let mut errors = 0;
        for reader in readers {
            let (latency, ok) = reader.await.expect("reader task");
            latencies.push(latency);
            errors += usize::from(!ok);
        }
        while cached.status().refreshing {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        latencies.sort();
        StormReport {
            upstream_calls: upstream.calls.load(Ordering::SeqCst) - 1,
            p50: percentile(&latencies, 50.0).unwrap_or_default(),
            p99: percentile(&latencies, 99.0).unwrap_or_default(),
            max: latencies.last().copied().unwrap_or_default(),
            errors,
        }
    })
}

fn refresh_storm(runtime: &Runtime) {
    const MIN: Duration = Duration::from_secs(60);
    println!();
    println!("== cache: refresh storm, 10,000 concurrent readers, upstream answers in 5 ms ==");
    println!(
        "{:<58} {:>8} {:>10} {:>10} {:>10} {:>7}",
        "", "upstream", "p50", "p99", "max", "errors"
    );
    let scenarios = [
        Scenario {
            label: "crossing the mandatory window (no advisory window)",
            build: |up| {
                CachedSource::builder_shared(up)
                    .advisory_window(2 * MIN)
                    .mandatory_window(2 * MIN)
                    .build()
            },
            before: 58 * MIN - Duration::from_millis(1),
            after: 58 * MIN + Duration::from_millis(1),
        },
        Scenario {
            label: "crossing the advisory window (default windows)",
            build: |up| CachedSource::builder_shared(up).build(),
            before: 45 * MIN - Duration::from_millis(1),
            after: 49 * MIN,
        },
    ];
    for Scenario {
        label,
        build,
        before,
        after,
    } in scenarios
    {
        let report = storm(runtime, build, before, after);
        println!(
            "{label:<58} {:>8} {:>10.2?} {:>10.2?} {:>10.2?} {:>7}",
            report.upstream_calls, report.p50, report.p99, report.max, report.errors
        );
    }
    println!(
        "(defaults: advisory {:?}, mandatory {:?} before expiry)",
        CacheBuilder::DEFAULT_ADVISORY_WINDOW,
        CacheBuilder::DEFAULT_MANDATORY_WINDOW
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let peers = peers(&runtime);
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(SAMPLE_SIZE)
        .configure_from_args();
    cached_read(&mut criterion, &runtime, &peers);
    criterion.final_summary();
    print_summary();
    refresh_storm(&runtime);
}
