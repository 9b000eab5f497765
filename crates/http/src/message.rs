//! [`HttpRequest`] and [`HttpResponse`]: small owned messages whose `Debug` never shows a
//! credential-bearing header or a body.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};

/// Headers whose values are secrets and are never printed: request signatures, session tokens,
/// the IMDS session token, container authorization tokens, the IAM Identity Center bearer
/// token, the console sign-in service's DPoP proof (a signed token, replayable for its URL
/// until it expires) and cookies either way.
pub const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "x-amz-security-token",
    "x-aws-ec2-metadata-token",
    "x-amz-sso_bearer_token",
    "dpop",
    "cookie",
    "set-cookie",
    "proxy-authorization",
];

/// A request, cheap to clone for retries (the body is [`Bytes`]).
#[derive(Clone)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The full URI.
    pub uri: Uri,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// Whether a configured proxy may carry this request. Loopback and link-local destinations
    /// are never proxied, whatever this says.
    pub allow_proxy: bool,
}

impl HttpRequest {
    /// A request with no headers, no body and no proxy.
    pub fn new(method: Method, uri: Uri) -> Self {
        Self {
            method,
            uri,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            allow_proxy: false,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Lets a configured proxy carry the request (STS does; metadata endpoints never do).
    pub fn allow_proxy(mut self, allow: bool) -> Self {
        self.allow_proxy = allow;
        self
    }

    /// `scheme://host[:port]/path`, without the query string: what errors and logs may show.
    pub fn endpoint(&self) -> String {
        endpoint_of(&self.uri)
    }
}

/// `scheme://host[:port]/path` of a URI, without the query string.
pub(crate) fn endpoint_of(uri: &Uri) -> String {
    let scheme = uri.scheme_str().unwrap_or("http");
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or("");
    // Userinfo would be a credential; keep only host and port.
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    format!("{scheme}://{authority}{}", uri.path())
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("endpoint", &self.endpoint())
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.len())
            .field("allow_proxy", &self.allow_proxy)
            .finish()
    }
}

/// A response whose body was read completely, within the size cap.
///
/// The body of a credentials response holds secrets: when the last handle on it is dropped,
/// it is overwritten with zeros (where this process owns the only copy of its bytes).
#[derive(Clone)]
pub struct HttpResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl HttpResponse {
    /// The body as UTF-8 text, if it is.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }

    /// A header's value as text.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Drop for HttpResponse {
    fn drop(&mut self) {
        let body = std::mem::take(&mut self.body);
        // `Ok` only for the last handle on the bytes; a clone still holding them wipes them
        // when it goes.
        if let Ok(mut bytes) = body.try_into_mut() {
            zeroize::Zeroize::zeroize(&mut bytes[..]);
        }
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body of a credentials response holds secrets: only its size is shown.
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

struct RedactedHeaders<'a>(&'a HeaderMap);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if SENSITIVE_HEADERS.contains(&name.as_str()) {
                map.entry(&name.as_str(), &awsauth_core::REDACTED);
            } else {
                map.entry(&name.as_str(), &value.to_str().unwrap_or("<binary>"));
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets_query_and_body() {
        let req = HttpRequest::new(
            Method::POST,
            Uri::from_static("https://user:pw@sts.amazonaws.com/?X-Amz-Signature=abc"),
        )
        .header(
            http::header::AUTHORIZATION,
            HeaderValue::from_static("AWS4-HMAC-SHA256 Signature=deadbeef"),
        )
        .header(
            HeaderName::from_static("x-amz-security-token"),
            HeaderValue::from_static("SESSIONTOKEN"),
        )
        .header(
            HeaderName::from_static("x-amz-sso_bearer_token"),
            HeaderValue::from_static("SSOACCESSTOKEN"),
        )
        .header(
            HeaderName::from_static("dpop"),
            HeaderValue::from_static("eyJ0eXAiOiJkcG9wK2p3dCJ9.PROOF.SIG"),
        )
        .header(
            HeaderName::from_static("x-custom"),
            HeaderValue::from_static("visible"),
        )
        .body("WebIdentityToken=eyJhbGciOi");
        let printed = format!("{req:?}");
        for secret in [
            "deadbeef",
            "SESSIONTOKEN",
            "SSOACCESSTOKEN",
            "PROOF.SIG",
            "eyJhbGciOi",
            "X-Amz-Signature",
            "pw@",
        ] {
            assert!(!printed.contains(secret), "{secret} leaked: {printed}");
        }
        assert!(printed.contains("visible") && printed.contains("https://sts.amazonaws.com/"));
    }
}
