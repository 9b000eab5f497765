//! [`CachedSource`]: lock-free cached reads, refresh ahead of expiry, a single refresh at a time,
//! and the old credentials kept while a refresh fails.
//!
//! Every signed request reads credentials, so the cache's read is the hot path: the current
//! credentials sit behind an atomic pointer ([`arc_swap`]), and a read that finds them fresh is
//! one atomic load and one `Arc` clone — no lock, no allocation, no await.
//!
//! # The two windows
//!
//! For credentials that expire at `E`, two windows open before `E`:
//!
//! ```text
//!   fetched                advisory opens        mandatory opens        E (expired)
//!   |----------------------|=====================|######################|
//!     fresh: served as is    served at once; the    callers wait for the
//!                            first caller starts    refresh (at most the
//!                            ONE background         load timeout), then get
//!                            refresh                the new credentials —
//!                                                   or, if it failed, the
//!                                                   old ones, still valid
//! ```
//!
//! - **Advisory** window (default [15 minutes](CacheBuilder::advisory_window) before `E`): the
//!   first caller inside it starts one refresh on the tokio runtime and every caller, that one
//!   included, gets the current credentials immediately. The moment the refresh starts is
//!   jittered over the first quarter of the gap between the windows, so a fleet that fetched
//!   credentials at the same moment does not refresh them in lockstep.
//! - **Mandatory** window (default [2 minutes](CacheBuilder::mandatory_window) before `E`):
//!   callers wait for the in-flight refresh, or start it. If it fails or times out, they still
//!   get the old credentials, which are valid until `E`.
//! - At `E` itself (the exact instant counts as expired) the old credentials are never returned.
//!
//! **Short sessions.** When credentials live less than twice the advisory window, both windows
//! shrink by the same factor so that the advisory window is half the lifetime: with the
//! defaults, a 15-minute session refreshes from 7 min 30 s before expiry and waits from 1 minute
//! before; a 60-second credential from 30 s and 4 s before. Credentials are therefore always
//! used for at least half their lifetime, and a fresh credential never lands inside a window
//! (no refresh loop). The lifetime is measured from the moment the cache received the
//! credentials.
//!
//! # Single flight, failures and time-outs
//!
//! At most one call to the wrapped source is in flight, however many tasks read: all callers
//! that need the refresh share its outcome. A refresh is cut after the
//! [load timeout](CacheBuilder::load_timeout) (default 5 s) measured on the context's clock,
//! whatever the HTTP client's own settings; the waiters then get
//! [`TimedOut`](CredentialError::TimedOut) unless the cached credentials are still valid.
//!
//! When a refresh fails while the cached credentials are still valid, the cache keeps serving
//! them, logs a warning (the error's text, which by contract never holds a secret), and tries
//! again after an exponential, jittered [backoff](CacheBuilder::retry_backoff). An error is
//! never stored in place of credentials. Once the credentials really expired, each read asks
//! the source again (still one call at a time) and callers get that attempt's error.
//!
//! # Credentials without expiry
//!
//! Long-term keys are read once and never refreshed by time, unless the source asks to be
//! re-checked through [`CredentialSource::recheck_interval`] (keys in a file that may be
//! rotated) or the cache is built with [`CacheBuilder::recheck_every`]. A re-check runs in the
//! background like an advisory refresh and never makes a caller wait. The interval applies to
//! expiring credentials too: whichever comes first, re-check or advisory window, starts the
//! refresh.
//!
//! # Reading
//!
//! Three ways, all answering the same credentials: [`CachedSource::current`] (synchronous, for
//! a signer that already holds the time);
//! [`resolve`](crate::CredentialSourceExt::resolve) (async, through any wrapper or an
//! `Arc<dyn CredentialSource>`, with no allocation when fresh); and
//! [`provide`](CredentialSource::provide) (what the trait requires; `#[async_trait]` boxes its
//! future).
//!
//! # Runtime
//!
//! Refreshes run as tokio tasks, so a refresh outlives a caller that gives up waiting. Outside a
//! tokio runtime the cache still works, but refreshes only in the mandatory window (or when it
//! has nothing), inside the caller's own task.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Poll;
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwapOption;
use tokio::sync::watch;

use crate::{Context, CredentialError, CredentialSource, Credentials, Explanation, Sleep, timefmt};

/// Wraps `source` in a [`CachedSource`] with the default settings.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use awsauth_core::{cache, Context, CredentialSource, Credentials};
/// # #[derive(Debug)] struct Fixed;
/// # #[async_trait::async_trait] impl CredentialSource for Fixed {
/// #   async fn provide(&self, _: &Context) -> Result<Credentials, awsauth_core::CredentialError> {
/// #     Ok(Credentials::builder("AKIDEXAMPLE", "secret").build()) }
/// #   fn name(&self) -> &str { "fixed" } }
/// let cx = Context::builder().build();
/// let cached = cache(Fixed);
/// assert!(cached.current(cx.now()).is_none()); // nothing loaded yet
/// let creds = cached.provide(&cx).await.unwrap();
/// // Hot paths can read without awaiting once the credentials are loaded.
/// assert!(cached.current(cx.now()).unwrap().ptr_eq(&creds));
/// # });
/// ```
pub fn cache(source: impl CredentialSource + 'static) -> CachedSource {
    CachedSource::new(source)
}

/// A [`CredentialSource`] that caches another one; see the [module documentation](mod@crate::cache) for the
/// windows, the scaling rule for short sessions, and failure handling.
///
/// Cheap to clone: clones share one cache.
#[derive(Clone)]
pub struct CachedSource {
    shared: Arc<Shared>,
}

/// Builder for a [`CachedSource`]; see [`CachedSource::builder`].
#[derive(Debug)]
pub struct CacheBuilder {
    source: Arc<dyn CredentialSource>,
    settings: Settings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Settings {
    advisory: Duration,
    mandatory: Duration,
    load_timeout: Duration,
    backoff_initial: Duration,
    backoff_max: Duration,
    recheck: Option<Duration>,
}

/// What [`CachedSource::builder`] starts from; kept once, not in every cache (a server may
/// hold a hundred thousand).
const DEFAULT_SETTINGS: Settings = Settings {
    advisory: CacheBuilder::DEFAULT_ADVISORY_WINDOW,
    mandatory: CacheBuilder::DEFAULT_MANDATORY_WINDOW,
    load_timeout: CacheBuilder::DEFAULT_LOAD_TIMEOUT,
    backoff_initial: CacheBuilder::DEFAULT_BACKOFF_INITIAL,
    backoff_max: CacheBuilder::DEFAULT_BACKOFF_MAX,
    recheck: None,
};

impl CacheBuilder {
    /// Default advisory window: 15 minutes before expiry.
    pub const DEFAULT_ADVISORY_WINDOW: Duration = Duration::from_secs(15 * 60);
    /// Default mandatory window: 2 minutes before expiry.
    pub const DEFAULT_MANDATORY_WINDOW: Duration = Duration::from_secs(2 * 60);
    /// Default load timeout: 5 seconds per refresh.
    pub const DEFAULT_LOAD_TIMEOUT: Duration = Duration::from_secs(5);
    /// Default first retry delay after a failed refresh.
    pub const DEFAULT_BACKOFF_INITIAL: Duration = Duration::from_secs(1);
    /// Default longest retry delay after repeated failures.
    pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(60);

    /// How long before expiry the background refresh starts (default 15 minutes). Shrunk for
    /// short sessions, see the [module documentation](mod@crate::cache).
    pub fn advisory_window(mut self, window: Duration) -> Self {
        self.settings.advisory = window;
        self
    }

    /// How long before expiry callers wait for the refresh (default 2 minutes). Never wider
    /// than the advisory window: a larger value is cut down to it.
    pub fn mandatory_window(mut self, window: Duration) -> Self {
        self.settings.mandatory = window;
        self
    }

    /// The longest a single refresh may take, measured on the context's clock (default 5 s).
    pub fn load_timeout(mut self, timeout: Duration) -> Self {
        self.settings.load_timeout = timeout;
        self
    }

    /// Retry delays after failed refreshes while cached credentials are still valid: `initial`
    /// after the first failure, doubling up to `max`, each drawn at random between half and all
    /// of that (defaults 1 s and 60 s).
    pub fn retry_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.settings.backoff_initial = initial;
        self.settings.backoff_max = max.max(initial);
        self
    }

    /// Asks the source again this long after each successful load, in the background, even if
    /// the credentials do not expire. Overrides the source's own
    /// [`recheck_interval`](CredentialSource::recheck_interval).
    pub fn recheck_every(mut self, interval: Duration) -> Self {
        self.settings.recheck = Some(interval);
        self
    }

    /// Finishes.
    pub fn build(self) -> CachedSource {
        let mut settings = self.settings;
        settings.mandatory = settings.mandatory.min(settings.advisory);
        if settings.recheck.is_none() {
            settings.recheck = self.source.recheck_interval();
        }
        CachedSource {
            shared: Arc::new(Shared {
                source: self.source,
                settings: (settings != DEFAULT_SETTINGS).then(|| Box::new(settings)),
                current: ArcSwapOption::empty(),
                state: Mutex::new(State::default()),
            }),
        }
    }
}

/// What the cache holds and plans, for diagnostics (`status`, `explain`-style output).
///
/// Contains no secret: [`last_error`](Self::last_error) follows the error contract.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CacheStatus {
    /// True when credentials are cached (they may have expired since).
    pub cached: bool,
    /// The cached credentials' expiry; `None` when nothing is cached or they never expire.
    pub expiry: Option<SystemTime>,
    /// When the next refresh is due (the jittered advisory time, a re-check, or a retry after a
    /// failure); `None` when none is planned.
    pub next_refresh: Option<SystemTime>,
    /// True while a call to the wrapped source is in flight.
    pub refreshing: bool,
    /// Failed refreshes since the last success.
    pub consecutive_failures: u32,
    /// The last refresh error, cleared by a success.
    pub last_error: Option<CredentialError>,
}

impl CachedSource {
    /// Caches `source` with the default settings (the same as [`cache()`](fn@crate::cache)).
    pub fn new(source: impl CredentialSource + 'static) -> Self {
        Self::builder(source).build()
    }

    /// A builder to change the windows, the load timeout, the retry backoff or the re-check
    /// interval.
    ///
    /// ```
    /// use std::time::Duration;
    /// use awsauth_core::{CachedSource, Chain};
    /// let cached = CachedSource::builder(Chain::new("default"))
    ///     .advisory_window(Duration::from_secs(5 * 60))
    ///     .mandatory_window(Duration::from_secs(30))
    ///     .load_timeout(Duration::from_secs(10))
    ///     .build();
    /// # drop(cached);
    /// ```
    pub fn builder(source: impl CredentialSource + 'static) -> CacheBuilder {
        Self::builder_shared(Arc::new(source))
    }

    /// Like [`builder`](Self::builder), for a source that is already shared.
    pub fn builder_shared(source: Arc<dyn CredentialSource>) -> CacheBuilder {
        CacheBuilder {
            source,
            settings: DEFAULT_SETTINGS,
        }
    }

    /// The cached credentials if no refresh is due at `now`: no await, no lock, no allocation.
    ///
    /// `None` means "call [`provide`](CredentialSource::provide)" (or [`get`](Self::get)):
    /// nothing is cached yet, the advisory window has opened, a retry is due, or the
    /// credentials expired. Pass the time the caller signs with, so the check and the signature
    /// agree.
    #[inline]
    pub fn current(&self, now: SystemTime) -> Option<Credentials> {
        let entry = self.shared.current.load();
        match &*entry {
            Some(entry) if entry.is_fresh(now) => Some(entry.credentials.clone()),
            _ => None,
        }
    }

    /// The same as [`provide`](CredentialSource::provide), without boxing the future (for
    /// callers that hold the concrete type).
    pub async fn get(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        let now = cx.now();
        if let Some(credentials) = self.current(now) {
            return Ok(credentials);
        }
        // Boxed so that the hit path's future stays a few words (it is moved into a box on
        // every call through the trait).
        Box::pin(self.shared.slow_path(cx, now)).await
    }

    /// What is cached and planned.
    pub fn status(&self) -> CacheStatus {
        let state = self.shared.lock();
        let entry = self.shared.current.load_full();
        CacheStatus {
            cached: entry.is_some(),
            expiry: entry.as_ref().and_then(|e| e.credentials.expiry()),
            next_refresh: entry.as_ref().and_then(|e| e.refresh_at),
            refreshing: state.flight.is_some(),
            consecutive_failures: state.failures,
            last_error: state.last_error.as_deref().cloned(),
        }
    }

    /// The wrapped source.
    pub fn inner(&self) -> &Arc<dyn CredentialSource> {
        &self.shared.source
    }
}

impl fmt::Debug for CachedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entry = self.shared.current.load();
        f.debug_struct("CachedSource")
            .field("source", &self.shared.source)
            .field("settings", self.shared.settings())
            .field(
                "cached_expiry",
                &entry.as_ref().map(|e| match e.credentials.expiry() {
                    Some(t) => timefmt::rfc3339(t),
                    None => "never".to_owned(),
                }),
            )
            .finish()
    }
}

// Written without `#[async_trait]`: a hit is decided before any future exists, and the returned
// box holds only the answer, not a state machine around `get`.
impl CredentialSource for CachedSource {
    fn provide<'life0, 'life1, 'async_trait>(
        &'life0 self,
        cx: &'life1 Context,
    ) -> Pin<Box<dyn Future<Output = Outcome> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        let now = cx.now();
        match self.current(now) {
            Some(credentials) => Box::pin(Hit(Some(credentials))),
            None => Box::pin(self.shared.slow_path(cx, now)),
        }
    }

    fn name(&self) -> &str {
        self.shared.source.name()
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        self.shared.source.explain(cx)
    }

    fn plan(&self, cx: &Context) -> Result<crate::Plan, CredentialError> {
        self.shared.source.plan(cx)
    }

    /// This cache's own re-check interval, so a cache wrapped in another one is read again as
    /// often as it refreshes itself.
    fn recheck_interval(&self) -> Option<Duration> {
        self.shared.settings().recheck
    }

    #[inline]
    fn current(&self, now: SystemTime) -> Option<Credentials> {
        CachedSource::current(self, now)
    }
}

/// The future of a hit: only the credentials (one word), so the box `provide` must return is
/// the smallest allocation there is.
struct Hit(Option<Credentials>);

impl Future for Hit {
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, _: &mut std::task::Context<'_>) -> Poll<Outcome> {
        Poll::Ready(Ok(self
            .0
            .take()
            .expect("a cache hit's future polled after it completed")))
    }
}

/// The credentials held, with the instants that drive the read path. Replaced whole (a new
/// `Arc`), never mutated.
#[derive(Debug)]
struct Entry {
    credentials: Credentials,
    /// Before this instant a read returns the credentials without looking further; `None`:
    /// never due. Always at or before the expiry.
    refresh_at: Option<SystemTime>,
    /// From this instant readers wait for the refresh (the mandatory window); `None` for
    /// credentials that do not expire.
    wait_from: Option<SystemTime>,
}

impl Entry {
    #[inline]
    fn is_fresh(&self, now: SystemTime) -> bool {
        self.refresh_at.is_none_or(|at| now < at)
    }

    fn is_valid(&self, now: SystemTime) -> bool {
        !self.credentials.is_expired_at(now)
    }

    fn must_wait(&self, now: SystemTime) -> bool {
        !self.is_valid(now) || self.wait_from.is_some_and(|at| now >= at)
    }

    fn with_refresh_at(&self, refresh_at: Option<SystemTime>) -> Self {
        Self {
            credentials: self.credentials.clone(),
            refresh_at,
            wait_from: self.wait_from,
        }
    }
}

type Outcome = Result<Credentials, CredentialError>;

#[derive(Debug)]
struct Flight {
    id: u64,
    done: watch::Receiver<Option<Outcome>>,
}

#[derive(Debug, Default)]
struct State {
    flight: Option<Flight>,
    flights_started: u64,
    failures: u32,
    /// Boxed: rarely set, and the cache is kept per data source.
    last_error: Option<Box<CredentialError>>,
}

struct Shared {
    source: Arc<dyn CredentialSource>,
    /// `None`: the defaults ([`DEFAULT_SETTINGS`]).
    settings: Option<Box<Settings>>,
    /// Written only while `state` is locked, read without it.
    current: ArcSwapOption<Entry>,
    state: Mutex<State>,
}

/// What a reader on the slow path does next.
enum Plan {
    Serve(Credentials),
    Wait(watch::Receiver<Option<Outcome>>),
    /// No runtime to spawn on: the reader drives the refresh itself.
    Run(RefreshFuture, watch::Receiver<Option<Outcome>>),
}

type RefreshFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// How many times a reader starts over when the refresh it waited for vanished (its task
/// panicked, or the reader driving it outside a runtime was cancelled).
const MAX_ABANDONED: usize = 3;

impl Shared {
    fn settings(&self) -> &Settings {
        self.settings.as_deref().unwrap_or(&DEFAULT_SETTINGS)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every critical section leaves the state consistent before anything can panic in it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn valid_credentials(&self, now: SystemTime) -> Option<Credentials> {
        let entry = self.current.load();
        entry
            .as_ref()
            .filter(|e| e.is_valid(now))
            .map(|e| e.credentials.clone())
    }

    async fn slow_path(self: &Arc<Self>, cx: &Context, now: SystemTime) -> Outcome {
        let mut now = now;
        let mut abandoned = 0;
        loop {
            let mut done = match self.plan(cx, now) {
                Plan::Serve(credentials) => return Ok(credentials),
                Plan::Wait(done) => done,
                Plan::Run(refresh, done) => {
                    refresh.await;
                    done
                }
            };
            let outcome = done
                .wait_for(Option::is_some)
                .await
                .ok()
                .and_then(|o| o.clone());
            now = cx.now();
            match outcome {
                Some(Ok(credentials)) if !credentials.is_expired_at(now) => return Ok(credentials),
                // Expired while this reader was being woken (a clock jump): look again.
                Some(Ok(_)) => {}
                Some(Err(err)) => return self.valid_credentials(now).ok_or(err),
                None => {
                    abandoned += 1;
                    if abandoned >= MAX_ABANDONED {
                        return self.valid_credentials(now).ok_or_else(|| {
                            CredentialError::provider_failed(
                                self.source.name(),
                                "the credential refresh ended without an answer (its task panicked or was cancelled)",
                            )
                        });
                    }
                }
            }
        }
    }

    /// Decides, under the lock, whether to serve, join the refresh in flight or start one.
    fn plan(self: &Arc<Self>, cx: &Context, now: SystemTime) -> Plan {
        let mut state = self.lock();
        let entry = self.current.load_full();
        let valid = entry.as_ref().filter(|e| e.is_valid(now));
        if let Some(entry) = valid {
            // Another reader may have refreshed, or scheduled a retry, since our lock-free look.
            if entry.is_fresh(now) {
                return Plan::Serve(entry.credentials.clone());
            }
        }
        let must_wait = valid.is_none_or(|e| e.must_wait(now));
        if let Some(flight) = &state.flight {
            return match valid {
                Some(entry) if !must_wait => Plan::Serve(entry.credentials.clone()),
                _ => Plan::Wait(flight.done.clone()),
            };
        }
        let runtime = tokio::runtime::Handle::try_current().ok();
        if runtime.is_none()
            && !must_wait
            && let Some(entry) = valid
        {
            return Plan::Serve(entry.credentials.clone());
        }

        state.flights_started += 1;
        let id = state.flights_started;
        let (sender, done) = watch::channel(None);
        state.flight = Some(Flight {
            id,
            done: done.clone(),
        });
        if let Some(entry) = valid {
            // Readers before the mandatory window keep the fast path while the refresh runs.
            self.current
                .store(Some(Arc::new(entry.with_refresh_at(entry.wait_from))));
        }
        drop(state);
        tracing::debug!(
            source = self.source.name(),
            waiting = must_wait,
            "refreshing cached credentials"
        );

        // The deadline is fixed now, not when the task first runs. The guard exists before the
        // future is first polled, so even a refresh dropped unpolled (its runtime shutting
        // down) frees the slot and answers the waiters.
        let timer = cx.clock().sleep(self.settings().load_timeout);
        let flight = FlightGuard {
            shared: Arc::clone(self),
            cx: cx.clone(),
            id,
            sender: Some(sender),
        };
        // A spawned refresh keeps the caller's span (a session's label, say) on its lines.
        let refresh = Box::pin(tracing::Instrument::in_current_span(flight.run(timer)));
        let served = valid.filter(|_| !must_wait).map(|e| e.credentials.clone());
        match (runtime, served) {
            (Some(runtime), Some(credentials)) => {
                runtime.spawn(refresh);
                Plan::Serve(credentials)
            }
            (Some(runtime), None) => {
                runtime.spawn(refresh);
                Plan::Wait(done)
            }
            (None, _) => Plan::Run(refresh, done),
        }
    }

    /// Records a refresh's result: new credentials, or a failure and the next retry.
    fn finish(&self, cx: &Context, id: u64, result: Outcome) -> Outcome {
        let now = cx.now();
        let result = result.and_then(|credentials| match credentials.expiry() {
            Some(expiry) if expiry <= now => Err(CredentialError::provider_failed(
                self.source.name(),
                format!(
                    "the source returned credentials that expired at {} (now is {}); is the clock right?",
                    timefmt::rfc3339(expiry),
                    timefmt::rfc3339(now)
                ),
            )),
            _ => Ok(credentials),
        });
        let mut state = self.lock();
        if state.flight.as_ref().is_some_and(|f| f.id == id) {
            state.flight = None;
        }
        let err = match &result {
            Ok(credentials) => {
                let entry = self.entry_for(cx, credentials.clone(), now);
                self.current.store(Some(Arc::new(entry)));
                state.failures = 0;
                state.last_error = None;
                drop(state);
                tracing::debug!(source = self.source.name(), "cached credentials refreshed");
                return result;
            }
            Err(err) => err,
        };
        state.failures = state.failures.saturating_add(1);
        state.last_error = Some(Box::new(err.clone()));
        let failures = state.failures;
        let entry = self.current.load_full();
        let Some(entry) = entry.filter(|e| e.is_valid(now)) else {
            drop(state);
            tracing::debug!(source = self.source.name(), error = %err, "loading credentials failed; nothing valid is cached");
            return result;
        };
        let delay = self.backoff(cx, failures);
        let expiry = entry.credentials.expiry();
        let retry_at = timefmt::add(now, delay);
        let retry_at = expiry.map_or(retry_at, |expiry| retry_at.min(expiry));
        self.current
            .store(Some(Arc::new(entry.with_refresh_at(Some(retry_at)))));
        drop(state);
        // Logged outside the lock. The error's text never holds a secret (the error contract).
        tracing::warn!(
            source = self.source.name(),
            error = %err,
            failures,
            retry_in_ms = delay.as_millis() as u64,
            valid_until = %expiry.map_or_else(|| "never".to_owned(), timefmt::rfc3339),
            "refreshing credentials failed; serving the cached ones while they are valid"
        );
        result
    }

    fn entry_for(&self, cx: &Context, credentials: Credentials, now: SystemTime) -> Entry {
        let recheck_at = self
            .settings()
            .recheck
            .map(|every| timefmt::add(now, every));
        let Some(expiry) = credentials.expiry() else {
            return Entry {
                credentials,
                refresh_at: recheck_at,
                wait_from: None,
            };
        };
        let lifetime = expiry.duration_since(now).unwrap_or_default();
        let (advisory, mandatory) = scaled_windows(
            self.settings().advisory,
            self.settings().mandatory,
            lifetime,
        );
        let jitter = cx.jitter(advisory.saturating_sub(mandatory) / 4);
        let advisory_at = timefmt::add(expiry.checked_sub(advisory).unwrap_or(now), jitter);
        let wait_from = expiry.checked_sub(mandatory).unwrap_or(now);
        let refresh_at = match recheck_at {
            Some(recheck_at) => advisory_at.min(recheck_at),
            None => advisory_at,
        };
        Entry {
            credentials,
            refresh_at: Some(refresh_at),
            wait_from: Some(wait_from),
        }
    }

    /// `initial · 2^(failures-1)` capped at `max`, then drawn between half and all of it.
    fn backoff(&self, cx: &Context, failures: u32) -> Duration {
        let exponent = failures.saturating_sub(1).min(31);
        let full = self
            .settings()
            .backoff_initial
            .saturating_mul(1 << exponent)
            .min(self.settings().backoff_max);
        full / 2 + cx.jitter(full - full / 2)
    }
}

/// The windows for credentials that live `lifetime`: unchanged when the advisory window is at
/// most half the lifetime, otherwise both scaled by the same factor so that it is exactly half.
fn scaled_windows(
    advisory: Duration,
    mandatory: Duration,
    lifetime: Duration,
) -> (Duration, Duration) {
    let half = lifetime / 2;
    if advisory <= half {
        return (advisory, mandatory);
    }
    let scaled = mandatory.as_nanos() * half.as_nanos() / advisory.as_nanos().max(1);
    let scaled = Duration::from_nanos(u64::try_from(scaled).unwrap_or(u64::MAX));
    (half, scaled.min(half))
}

/// `Some(output)` of `work`, or `None` once `timer` fires first.
async fn with_timeout<T>(work: impl Future<Output = T>, mut timer: Sleep) -> Option<T> {
    let mut work = pin!(work);
    poll_fn(|cx| {
        if let Poll::Ready(output) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

/// One refresh: owns everything it needs, and answers the waiters exactly once — with the
/// source's outcome, or, if dropped before that (a panic in the source, a cancelled caller
/// driving it outside a runtime, a runtime shutting down), with an error recorded as a failure.
struct FlightGuard {
    shared: Arc<Shared>,
    cx: Context,
    id: u64,
    sender: Option<watch::Sender<Option<Outcome>>>,
}

impl FlightGuard {
    /// One call to the wrapped source, bounded by the load timeout.
    async fn run(mut self, timer: Sleep) {
        let shared = Arc::clone(&self.shared);
        let load = shared.source.provide(&self.cx);
        let result = with_timeout(load, timer).await.unwrap_or_else(|| {
            Err(CredentialError::timed_out(
                shared.source.name(),
                "no credentials within the cache's load timeout",
                shared.settings().load_timeout,
            ))
        });
        self.complete(result);
    }

    fn complete(&mut self, result: Outcome) {
        if let Some(sender) = self.sender.take() {
            let outcome = self.shared.finish(&self.cx, self.id, result);
            // No receiver left is fine: the outcome is stored already.
            let _ = sender.send(Some(outcome));
        }
    }
}

impl Drop for FlightGuard {
    fn drop(&mut self) {
        if self.sender.is_none() {
            return;
        }
        let name = self.shared.source.name().to_owned();
        self.complete(Err(CredentialError::provider_failed(
            name,
            "the credential refresh was abandoned before it finished (the source panicked, or the task running it was cancelled)",
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn windows_are_kept_for_long_sessions() {
        assert_eq!(
            scaled_windows(15 * MIN, 2 * MIN, 60 * MIN),
            (15 * MIN, 2 * MIN)
        );
        assert_eq!(
            scaled_windows(15 * MIN, 2 * MIN, 30 * MIN),
            (15 * MIN, 2 * MIN)
        );
    }

    #[test]
    fn windows_shrink_proportionally_for_short_sessions() {
        assert_eq!(
            scaled_windows(15 * MIN, 2 * MIN, 15 * MIN),
            (Duration::from_secs(450), MIN)
        );
        assert_eq!(
            scaled_windows(15 * MIN, 2 * MIN, MIN),
            (Duration::from_secs(30), Duration::from_secs(4))
        );
        assert_eq!(
            scaled_windows(15 * MIN, 2 * MIN, Duration::ZERO),
            (Duration::ZERO, Duration::ZERO)
        );
    }
}
