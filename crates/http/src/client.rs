//! [`HttpClient`]: one logical operation — attempts, time-outs, backoff with full jitter.

use std::collections::HashMap;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::Poll;

use awsauth_core::{Context, Service, Sleep};

use crate::{
    HttpError, HttpErrorKind, HttpRequest, HttpResponse, HttpSettings, HyperTransport, ProxyConfig,
    Transport,
};

/// What the caller decides about one attempt's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Return this outcome.
    No,
    /// Try again after the usual backoff, if attempts and time remain.
    Yes,
}

/// The usual classification: connection failures, time-outs, 5xx and 429 are worth retrying;
/// everything else is final.
pub fn default_classifier(outcome: &Result<HttpResponse, HttpError>) -> Retry {
    match outcome {
        Ok(response) if response.status.is_server_error() || response.status.as_u16() == 429 => {
            Retry::Yes
        }
        Ok(_) => Retry::No,
        Err(err) => match err.kind() {
            HttpErrorKind::Connect | HttpErrorKind::Io | HttpErrorKind::AttemptTimeout => {
                Retry::Yes
            }
            _ => Retry::No,
        },
    }
}

/// A cheap, cloneable handle over a [`Transport`].
///
/// It reaches sources through the [`Context`]'s HTTP slot: [`Context::system`] means "the real
/// network" (a shared hyper client per proxy setting), [`install`](Self::install) puts a client
/// of the caller's in, and a context built with [`Context::builder`] has none — every request
/// through it fails with [`HttpErrorKind::NoClient`] instead of reaching the network.
///
/// ```
/// use awsauth_core::Context;
/// use awsauth_http::{HttpClient, HttpErrorKind, HyperTransport};
/// let closed = Context::builder().build();
/// let err = HttpClient::from_context(&closed).unwrap_err();
/// assert_eq!(err.kind(), HttpErrorKind::NoClient);
///
/// let cx = HttpClient::new(HyperTransport::new(None)).install(&closed);
/// assert!(HttpClient::from_context(&cx).is_ok());
/// assert!(HttpClient::from_context(&Context::system()).is_ok());
/// ```
#[derive(Clone)]
pub struct HttpClient {
    transport: Arc<dyn Transport>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HttpClient").field(&self.transport).finish()
    }
}

impl HttpClient {
    /// A client over `transport`.
    pub fn new(transport: impl Transport + 'static) -> Self {
        Self {
            transport: Arc::new(transport),
        }
    }

    /// A client over a shared transport.
    pub fn from_transport(transport: Arc<dyn Transport>) -> Self {
        Self { transport }
    }

    /// The real hyper transport without a proxy: what tests against loopback fakes install.
    pub fn hyper() -> Self {
        Self::new(HyperTransport::new(None))
    }

    /// A copy of `cx` with this client in its HTTP slot.
    pub fn install(self, cx: &Context) -> Context {
        cx.with_http(self)
    }

    /// The client of `cx`'s HTTP slot: the installed one; for [`Context::system`], the shared
    /// hyper client for the proxy settings of `cx`'s environment (built once per distinct proxy
    /// setting, so connections are reused across calls); for a context without HTTP, a
    /// [`NoClient`](HttpErrorKind::NoClient) error.
    pub fn from_context(cx: &Context) -> Result<Self, HttpError> {
        match cx.http::<HttpClient>() {
            Service::Installed(client) => Ok(client.clone()),
            Service::System => Ok(Self::system(cx)),
            Service::Closed => Err(HttpError::new(
                HttpErrorKind::NoClient,
                "-",
                "the context was built without one; use Context::system(), or install a client \
                 with HttpClient::install",
            )),
        }
    }

    fn system(cx: &Context) -> Self {
        static DEFAULTS: OnceLock<Mutex<HashMap<Option<[u8; 32]>, HttpClient>>> = OnceLock::new();
        let proxy = ProxyConfig::from_context(cx);
        // The full identity (hashed, passwords included), not the redacted description: two
        // proxies differing only in a password must not share a client.
        let key = proxy.as_ref().map(ProxyConfig::identity);
        let mut defaults = DEFAULTS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        defaults
            .entry(key)
            .or_insert_with(|| HttpClient::new(HyperTransport::new(proxy)))
            .clone()
    }

    /// One attempt, cut by the context's clock at `settings.connect_timeout +
    /// settings.attempt_timeout`.
    ///
    /// The connect share is there so that a connection that never opens ends as the
    /// transport's [`Connect`](HttpErrorKind::Connect) error ("nothing answers here") rather
    /// than an [`AttemptTimeout`](HttpErrorKind::AttemptTimeout) ("it answered too slowly"):
    /// with equal time-outs the attempt timer, started first, would otherwise win the race,
    /// and an IMDS client off EC2 would report a time-out instead of "not configured".
    pub async fn send_once(
        &self,
        cx: &Context,
        request: HttpRequest,
        settings: &HttpSettings,
    ) -> Result<HttpResponse, HttpError> {
        let endpoint = request.endpoint();
        let limit = settings
            .connect_timeout
            .saturating_add(settings.attempt_timeout);
        let attempt = self.transport.send(request, settings);
        match before(attempt, cx.clock().sleep(limit)).await {
            Some(outcome) => outcome,
            None => Err(HttpError::new(
                HttpErrorKind::AttemptTimeout,
                endpoint,
                format!("no complete response within {:?}", settings.attempt_timeout),
            )
            .after(limit)),
        }
    }

    /// [`send`](Self::send) through the client of `cx`'s HTTP slot; a context without one
    /// answers [`NoClient`](HttpErrorKind::NoClient) naming the request's endpoint.
    pub async fn send_in(
        cx: &Context,
        request: HttpRequest,
        settings: &HttpSettings,
        classify: impl Fn(&Result<HttpResponse, HttpError>) -> Retry + Send + Sync,
    ) -> Result<HttpResponse, HttpError> {
        let client = Self::from_context(cx)
            .map_err(|e| HttpError::new(e.kind(), request.endpoint(), e.message()))?;
        client.send(cx, request, settings, classify).await
    }

    /// The whole operation: up to `settings.max_attempts` attempts while `classify` says
    /// [`Retry::Yes`], with exponential backoff and full jitter between them, all within
    /// `settings.total_timeout`. Returns the last outcome.
    pub async fn send(
        &self,
        cx: &Context,
        request: HttpRequest,
        settings: &HttpSettings,
        classify: impl Fn(&Result<HttpResponse, HttpError>) -> Retry + Send + Sync,
    ) -> Result<HttpResponse, HttpError> {
        let endpoint = request.endpoint();
        let attempts = async {
            let mut attempt = 1;
            loop {
                let outcome = self.send_once(cx, request.clone(), settings).await;
                let retry = classify(&outcome);
                if retry == Retry::No || attempt >= settings.max_attempts.max(1) {
                    return outcome;
                }
                attempt += 1;
                let backoff = cx.jitter(settings.backoff_ceiling(attempt));
                tracing::debug!(endpoint = %endpoint, attempt, backoff_ms = backoff.as_millis() as u64, outcome = %describe(&outcome), "retrying");
                cx.clock().sleep(backoff).await;
            }
        };
        match before(attempts, cx.clock().sleep(settings.total_timeout)).await {
            Some(outcome) => outcome,
            None => Err(HttpError::new(
                HttpErrorKind::TotalTimeout,
                &endpoint,
                format!(
                    "no usable response within {:?} (retries included)",
                    settings.total_timeout
                ),
            )
            .after(settings.total_timeout)),
        }
    }
}

/// `work`'s output, or `None` if `timer` fires first. `work` is polled first, so an answer
/// that is ready when the timer fires still wins. (A poll function rather than `tokio::select!`,
/// which would pull in tokio's proc macros for every user.)
async fn before<T>(work: impl Future<Output = T>, mut timer: Sleep) -> Option<T> {
    let mut work = pin!(work);
    poll_fn(|task| {
        if let Poll::Ready(output) = work.as_mut().poll(task) {
            return Poll::Ready(Some(output));
        }
        timer.as_mut().poll(task).map(|()| None)
    })
    .await
}

fn describe(outcome: &Result<HttpResponse, HttpError>) -> String {
    match outcome {
        Ok(response) => format!("HTTP {}", response.status.as_u16()),
        Err(err) => err.to_string(),
    }
}
