//! The [`CredentialSource`] trait and the description a source gives of itself.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{self, Poll};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use crate::{Context, CredentialError, Credentials, Plan, Step};

/// Anything that can produce [`Credentials`]: environment variables, a profile, IMDS, STS, or a
/// combinator over other sources.
///
/// Object-safe: combinators hold `Arc<dyn CredentialSource>`.
///
/// The error contract is what makes fallback predictable: return
/// [`CredentialError::NotConfigured`] only when this source has nothing to offer here, and any
/// other error when it is configured but cannot deliver.
///
/// ```
/// use async_trait::async_trait;
/// use awsauth_core::{Context, CredentialError, CredentialSource, Credentials};
///
/// #[derive(Debug)]
/// struct Fixed;
///
/// #[async_trait]
/// impl CredentialSource for Fixed {
///     async fn provide(&self, _cx: &Context) -> Result<Credentials, CredentialError> {
///         Ok(Credentials::builder("AKIDEXAMPLE", "secret").provenance("fixed").build())
///     }
///     fn name(&self) -> &str {
///         "fixed"
///     }
/// }
/// ```
#[async_trait]
pub trait CredentialSource: Send + Sync + fmt::Debug {
    /// Produces credentials, or says why not.
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError>;

    /// A short name for diagnostics and provenance (`env`, `profile:dev`, `imds`…).
    fn name(&self) -> &str;

    /// Says, without any network call, whether this source looks configured and why. Combinators
    /// return one entry per leaf, in the order they would be tried. The default says "unknown".
    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        let _ = cx;
        vec![Explanation::new(
            self.name(),
            Status::Unknown,
            "this source cannot tell without trying",
        )]
    }

    /// The steps this source would run in `cx` — as data, known without the network: nothing is
    /// fetched, spawned or refreshed. The answer follows the fallback contract of
    /// [`provide`](Self::provide): [`NotConfigured`](CredentialError::NotConfigured) where a
    /// chain would move on, another error where it would stop (a malformed profile), and a
    /// plan otherwise — also where only trying can tell whether it works (IMDS).
    ///
    /// The default is a single [`Step::Source`] naming this source.
    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        let _ = cx;
        Ok(Plan::new(Step::Source {
            name: self.name().to_owned(),
        }))
    }

    /// How often a [cache](crate::CachedSource) should ask this source again even though its
    /// credentials have not expired — for credentials that can change in place, such as keys in
    /// a file that may be rotated. `None` (the default): ask again only as expiry approaches, so
    /// credentials without an expiry are read once.
    fn recheck_interval(&self) -> Option<Duration> {
        None
    }

    /// The credentials this source already holds and would return at `now` without doing any
    /// work: no await, no lock, no I/O. `None` (the default) means "call
    /// [`provide`](Self::provide)".
    ///
    /// Caches answer from memory ([`CachedSource`](crate::CachedSource)) and wrappers forward to
    /// what they wrap; sources that have to fetch keep the default. It must never return
    /// credentials that `provide` would not return at `now` — in particular none that are
    /// expired or due for a refresh. Callers on a hot path use it through
    /// [`CredentialSourceExt::resolve`], which needs no allocation when it answers.
    fn current(&self, now: SystemTime) -> Option<Credentials> {
        let _ = now;
        None
    }
}

/// How callers read credentials: [`resolve`](Self::resolve) tries the source's
/// [`current`](CredentialSource::current) credentials first and only then
/// [`provide`](CredentialSource::provide)s, so a cached read through an
/// `Arc<dyn CredentialSource>` is one clock read, one atomic load and one `Arc` clone — no
/// boxed future.
///
/// Implemented for every [`CredentialSource`]; implementors write `provide` (and `current` if
/// they hold credentials), callers call `resolve`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::sync::Arc;
/// use awsauth_core::{cache, Context, CredentialSource, CredentialSourceExt, Credentials};
/// # #[derive(Debug)] struct Fixed;
/// # #[async_trait::async_trait] impl CredentialSource for Fixed {
/// #   async fn provide(&self, _: &Context) -> Result<Credentials, awsauth_core::CredentialError> {
/// #     Ok(Credentials::builder("AKIDEXAMPLE", "secret").build()) }
/// #   fn name(&self) -> &str { "fixed" } }
/// let cx = Context::builder().build();
/// let source: Arc<dyn CredentialSource> = Arc::new(cache(Fixed));
/// let first = source.resolve(&cx).await.unwrap(); // loads through `provide`
/// let again = source.resolve(&cx).await.unwrap(); // answered by `current`
/// assert!(first.ptr_eq(&again));
/// # });
/// ```
pub trait CredentialSourceExt: CredentialSource {
    /// Credentials now: the [`current`](CredentialSource::current) ones if the source holds
    /// fresh ones at the context clock's time, else whatever [`provide`](CredentialSource::provide)
    /// answers.
    #[inline]
    fn resolve<'a>(&'a self, cx: &'a Context) -> Resolve<'a> {
        match self.current(cx.now()) {
            Some(credentials) => Resolve(ResolveState::Ready(Some(credentials))),
            None => Resolve(ResolveState::Pending(self.provide(cx))),
        }
    }
}

impl<T: CredentialSource + ?Sized> CredentialSourceExt for T {}

/// The future [`CredentialSourceExt::resolve`] returns: ready at once when the source answered
/// from memory, else the source's own [`provide`](CredentialSource::provide) future.
#[must_use = "futures do nothing unless awaited"]
pub struct Resolve<'a>(ResolveState<'a>);

enum ResolveState<'a> {
    /// Taken on the first poll.
    Ready(Option<Credentials>),
    Pending(BoxedProvide<'a>),
}

impl Future for Resolve<'_> {
    type Output = Result<Credentials, CredentialError>;

    #[inline]
    fn poll(self: Pin<&mut Self>, task: &mut task::Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().0 {
            ResolveState::Ready(credentials) => Poll::Ready(Ok(credentials
                .take()
                .expect("`Resolve` polled after it completed"))),
            ResolveState::Pending(future) => future.as_mut().poll(task),
        }
    }
}

impl fmt::Debug for Resolve<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.0 {
            ResolveState::Ready(_) => "ready",
            ResolveState::Pending(_) => "pending",
        };
        f.debug_tuple("Resolve").field(&state).finish()
    }
}

/// The future `#[async_trait]` makes [`CredentialSource::provide`] return.
type BoxedProvide<'a> =
    Pin<Box<dyn Future<Output = Result<Credentials, CredentialError>> + Send + 'a>>;

/// Whether a source looks configured, as far as can be told without the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// Its inputs are present.
    Configured,
    /// Its inputs are absent; a chain would move on.
    NotConfigured,
    /// Its inputs are present but wrong; a chain would stop here.
    Invalid,
    /// Only trying can tell (IMDS, for one).
    Unknown,
}

impl Status {
    /// The snake_case name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Configured => "configured",
            Self::NotConfigured => "not_configured",
            Self::Invalid => "invalid",
            Self::Unknown => "unknown",
        }
    }
}

/// One line of `explain` output: a source, its status and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The source's name.
    pub source: String,
    /// What can be told without trying.
    pub status: Status,
    /// Why (names the variable, file, profile or endpoint; never a secret).
    pub reason: String,
}

impl Explanation {
    /// A new line.
    pub fn new(source: impl Into<String>, status: Status, reason: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            status,
            reason: reason.into(),
        }
    }
}

// Written without `#[async_trait]` on purpose: forwarding the inner source's boxed future as it
// is saves a second allocation on every call made through a shared or boxed source (method
// resolution on an `Arc<dyn CredentialSource>` picks this impl).
impl<T: CredentialSource + ?Sized> CredentialSource for Arc<T> {
    fn provide<'life0, 'life1, 'async_trait>(
        &'life0 self,
        cx: &'life1 Context,
    ) -> BoxedProvide<'async_trait>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        (**self).provide(cx)
    }

    fn name(&self) -> &str {
        (**self).name()
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        (**self).explain(cx)
    }

    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        (**self).plan(cx)
    }

    fn recheck_interval(&self) -> Option<Duration> {
        (**self).recheck_interval()
    }

    #[inline]
    fn current(&self, now: SystemTime) -> Option<Credentials> {
        (**self).current(now)
    }
}

// Written without `#[async_trait]` on purpose: forwarding the inner source's boxed future as it
// is saves a second allocation on every call made through a shared or boxed source (method
// resolution on an `Arc<dyn CredentialSource>` picks this impl).
impl<T: CredentialSource + ?Sized> CredentialSource for Box<T> {
    fn provide<'life0, 'life1, 'async_trait>(
        &'life0 self,
        cx: &'life1 Context,
    ) -> BoxedProvide<'async_trait>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        (**self).provide(cx)
    }

    fn name(&self) -> &str {
        (**self).name()
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        (**self).explain(cx)
    }

    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        (**self).plan(cx)
    }

    fn recheck_interval(&self) -> Option<Duration> {
        (**self).recheck_interval()
    }

    #[inline]
    fn current(&self, now: SystemTime) -> Option<Credentials> {
        (**self).current(now)
    }
}
