//! What a session did, for operators: [`SessionReport`] per session and [`CacheTotals`] for a
//! [`SessionCache`](crate::SessionCache). Counted where the upstream is called (below the
//! credentials cache), so a cached read costs nothing extra: no lock, no allocation, no atomic.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, ErrorKind, Explanation, Plan,
    Provenance, async_trait,
};

use crate::AuthType;

/// The longest label kept (a label is the operator's name for a data source).
const MAX_LABEL_CHARS: usize = 128;

/// One session's counters. Atomics for the counts; the details of the last outcome behind a
/// lock taken only when the upstream answers (once per refresh).
#[derive(Debug, Default)]
pub(crate) struct SessionStats {
    label: OnceLock<Box<str>>,
    calls: AtomicU64,
    failures: AtomicU64,
    last: Mutex<Last>,
}

#[derive(Debug, Default)]
struct Last {
    provenance: Option<Provenance>,
    expiry: Option<SystemTime>,
    refreshed: Option<SystemTime>,
    failing_since: Option<SystemTime>,
    error: Option<(ErrorKind, Box<str>)>,
}

impl SessionStats {
    /// Sets the label once (the first data source that asked for these settings).
    pub(crate) fn label(&self, label: &str) {
        if self.label.get().is_none() {
            let label: String = label.chars().take(MAX_LABEL_CHARS).collect();
            let _ = self.label.set(label.into_boxed_str());
        }
    }

    pub(crate) fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    pub(crate) fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    fn record(&self, now: SystemTime, outcome: &Result<Credentials, CredentialError>) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        match outcome {
            Ok(credentials) => {
                last.provenance = Some(credentials.provenance().clone());
                last.expiry = credentials.expiry();
                last.refreshed = Some(now);
                last.failing_since = None;
                last.error = None;
            }
            Err(error) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                last.failing_since.get_or_insert(now);
                // The error contract: messages name sources, files and fields, never values.
                last.error = Some((error.kind(), error.to_string().into_boxed_str()));
            }
        }
    }

    pub(crate) fn report(&self, auth_type: AuthType) -> SessionReport {
        let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        SessionReport {
            label: self.label.get().map(|l| l.to_string()),
            auth_type,
            provenance: last.provenance.as_ref().map(ToString::to_string),
            expiry: last.expiry,
            last_refresh: last.refreshed,
            failing_since: last.failing_since,
            last_error_kind: last.error.as_ref().map(|(kind, _)| *kind),
            last_error: last.error.as_ref().map(|(_, message)| message.to_string()),
            upstream_calls: self.calls(),
            failures: self.failures(),
        }
    }
}

/// What one session did, without a secret: for "which data sources cannot authenticate,
/// since when, and why".
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionReport {
    /// The label given to [`SessionCache::get_labeled`](crate::SessionCache::get_labeled)
    /// (the first one, when data sources with identical settings share the session).
    pub label: Option<String>,
    /// The auth type.
    pub auth_type: AuthType,
    /// Where the last credentials came from (`assume-role:arn:… <- keys`…).
    pub provenance: Option<String>,
    /// When the last credentials expire, on this host's clock.
    pub expiry: Option<SystemTime>,
    /// When the upstream last answered with credentials.
    pub last_refresh: Option<SystemTime>,
    /// When the current run of failures began (`None` after a success).
    pub failing_since: Option<SystemTime>,
    /// The kind of the last failure (cleared by a success).
    pub last_error_kind: Option<ErrorKind>,
    /// The last failure's message (cleared by a success).
    pub last_error: Option<String>,
    /// Calls to the upstream source (one per refresh; HTTP retries inside one call are one).
    pub upstream_calls: u64,
    /// How many of those failed.
    pub failures: u64,
}

impl SessionReport {
    /// Whether the session's last upstream call failed.
    pub fn is_failing(&self) -> bool {
        self.failing_since.is_some()
    }

    /// How long the session has been failing at `now` (zero when it is not).
    pub fn failing_for(&self, now: SystemTime) -> Duration {
        self.failing_since
            .and_then(|since| now.duration_since(since).ok())
            .unwrap_or_default()
    }
}

/// Totals of a [`SessionCache`](crate::SessionCache) since it was made (evicted sessions
/// included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheTotals {
    /// Sessions cached now.
    pub sessions: u64,
    /// Lookups answered by a cached session.
    pub hits: u64,
    /// Lookups that built a session.
    pub misses: u64,
    /// Upstream calls that brought credentials.
    pub refreshes: u64,
    /// Upstream calls that failed.
    pub failures: u64,
    /// Sessions dropped for idleness or the size bound.
    pub evictions: u64,
}

/// The session's composed source, below the credentials cache: counts each upstream call and
/// runs it in a span that carries the session's label. The counters live inside (one
/// allocation per session, not two).
pub(crate) struct Tracked {
    inner: Arc<dyn CredentialSource>,
    stats: SessionStats,
}

impl Tracked {
    pub(crate) fn new(inner: Arc<dyn CredentialSource>) -> Self {
        Self {
            inner,
            stats: SessionStats::default(),
        }
    }

    pub(crate) fn stats(&self) -> &SessionStats {
        &self.stats
    }
}

impl fmt::Debug for Tracked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

#[async_trait]
impl CredentialSource for Tracked {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        use tracing::Instrument;
        let label = self.stats.label.get().map_or("-", |l| l);
        let span = tracing::debug_span!("session", label);
        let outcome = self.inner.provide(cx).instrument(span).await;
        self.stats.record(cx.now(), &outcome);
        outcome
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        self.inner.explain(cx)
    }

    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        self.inner.plan(cx)
    }

    fn current(&self, now: SystemTime) -> Option<Credentials> {
        self.inner.current(now)
    }

    fn recheck_interval(&self) -> Option<Duration> {
        self.inner.recheck_interval()
    }
}
