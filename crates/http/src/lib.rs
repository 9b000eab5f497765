//! # awsauth-http
//!
//! The HTTP plumbing shared by the IMDS, container, STS and IAM Identity Center clients.
//!
//! - [`HttpClient`]: a cheap handle over a [`Transport`]. The default transport is hyper 1 with
//!   rustls (ring), connection reuse, and a proxy only where a request allows one.
//! - [`HttpSettings`]: connect, per-attempt and total timeouts, the attempt budget, the backoff
//!   and the response-size cap. [`HttpSettings::metadata`] and [`HttpSettings::sts`] are the
//!   presets the sources use.
//! - [`HttpClient::send`]: one logical operation — attempts with exponential backoff and full
//!   jitter; the caller classifies what is retryable.
//! - [`endpoint`]: the SDKs' service-specific endpoint rules (`AWS_ENDPOINT_URL_<SERVICE>`,
//!   `AWS_ENDPOINT_URL`, the profile's `services` section and `endpoint_url`, FIPS and
//!   dual-stack, plain http only to loopback), shared by the clients of services other than
//!   STS (IAM Identity Center, SSO OIDC, sign-in).
//! - [`skew`]: the clock offset to a service, measured from its `Date` header and kept per
//!   endpoint ([`ClockSkew`]), for signing and for expiry judgments.
//!
//! The client reaches sources through the [`Context`](awsauth_core::Context)'s HTTP slot: put
//! one in with [`HttpClient::install`], read it with [`HttpClient::from_context`].
//! `Context::system()` means the shared default hyper client; a context built with
//! `Context::builder()` has no client, and every request through it fails with
//! [`HttpErrorKind::NoClient`] — never a silent global. Tests install their own [`Transport`]
//! (or [`HttpClient::hyper`] against loopback fakes).
#![forbid(unsafe_code)]

mod client;
pub mod endpoint;
mod error;
mod message;
mod proxy;
mod settings;
pub mod skew;
mod transport;

pub use client::{HttpClient, Retry, default_classifier};
pub use error::{HttpError, HttpErrorKind};
pub use message::{HttpRequest, HttpResponse, SENSITIVE_HEADERS};
pub use proxy::{ProxyConfig, is_loopback_or_link_local};
pub use settings::HttpSettings;
pub use skew::{ClockOffset, ClockSkew, Observation};
pub use transport::{HyperTransport, Transport};

/// Re-exported so callers build bodies with the same type.
pub use bytes::Bytes;
/// Re-exported so callers build requests with the same types.
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
