//! [`HttpClient`]: one logical operation — attempts, time-outs, backoff with full jitter.

use std::collections::HashMap;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::Poll;

use awsauth_core::{Context, Sleep};

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
/// ```
/// use awsauth_core::Context;
/// use awsauth_http::{HttpClient, HyperTransport};
/// let cx = HttpClient::new(HyperTransport::new(None)).install(&Context::builder().build());
/// let _client = HttpClient::from_context(&cx);
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

    /// A copy of `cx` carrying this client.
    pub fn install(self, cx: &Context) -> Context {
        cx.with_extension(self)
    }

    /// The client installed in `cx`, or else the shared default hyper client for the proxy
    /// settings of `cx`'s environment (built once per distinct proxy setting, so connections are
    /// reused across calls).
    pub fn from_context(cx: &Context) -> Self {
        if let Some(client) = cx.extension::<HttpClient>() {
            return client.clone();
        }
        static DEFAULTS: OnceLock<Mutex<HashMap<String, HttpClient>>> = OnceLock::new();
        let proxy = ProxyConfig::from_context(cx);
        let key = proxy
            .as_ref()
            .map(|p| p.key().to_owned())
            .unwrap_or_default();
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
