//! [`HttpError`]: what went wrong with one HTTP operation, naming the endpoint.

use std::fmt;
use std::time::Duration;

/// The kind of an [`HttpError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpErrorKind {
    /// The request could not be built (bad URI, bad header).
    InvalidRequest,
    /// No connection could be made: refused, unreachable, DNS failure or connect time-out.
    Connect,
    /// Connected, but the exchange failed (reset, truncated, protocol error).
    Io,
    /// One attempt took longer than the per-attempt time-out.
    AttemptTimeout,
    /// The whole operation, retries included, took longer than the total time-out.
    TotalTimeout,
    /// The response body was larger than allowed; it was not buffered.
    BodyTooLarge,
    /// The [`Context`](awsauth_core::Context) has no HTTP client: it was built with
    /// `Context::builder()` and none was installed. Never retried, never "not configured".
    NoClient,
}

/// An HTTP failure. The message names the endpoint (scheme, host, port and path; never the
/// query string, never a header value, never the body).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} {endpoint}: {message}", self.kind_text())]
pub struct HttpError {
    kind: HttpErrorKind,
    endpoint: String,
    message: String,
    elapsed: Option<Duration>,
}

impl HttpError {
    /// A new error.
    pub fn new(
        kind: HttpErrorKind,
        endpoint: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            endpoint: endpoint.into(),
            message: message.into(),
            elapsed: None,
        }
    }

    pub(crate) fn after(mut self, elapsed: Duration) -> Self {
        self.elapsed = Some(elapsed);
        self
    }

    /// The kind.
    pub fn kind(&self) -> HttpErrorKind {
        self.kind
    }

    /// The endpoint (no query string).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The detail.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// For time-outs: how long was waited.
    pub fn elapsed(&self) -> Option<Duration> {
        self.elapsed
    }

    /// True for time-outs of either kind.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.kind,
            HttpErrorKind::AttemptTimeout | HttpErrorKind::TotalTimeout
        )
    }

    /// True when nothing answered at all (refused, unreachable, connect time-out): for IMDS and
    /// container endpoints this means "not running here".
    pub fn is_unreachable(&self) -> bool {
        self.kind == HttpErrorKind::Connect
    }

    fn kind_text(&self) -> &'static str {
        match self.kind {
            HttpErrorKind::InvalidRequest => "invalid request to",
            HttpErrorKind::Connect => "could not connect to",
            HttpErrorKind::Io => "connection failed with",
            HttpErrorKind::AttemptTimeout => "no answer in time from",
            HttpErrorKind::TotalTimeout => "gave up on",
            HttpErrorKind::BodyTooLarge => "oversized response from",
            HttpErrorKind::NoClient => "no HTTP client in this context for",
        }
    }
}

impl fmt::Display for HttpErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
