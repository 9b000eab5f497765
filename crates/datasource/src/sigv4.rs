//! SigV4 request signing for HTTP data sources (Prometheus, OpenSearch and the like):
//! [`RequestSigner`] for one `http::Request`, and [`SigV4Layer`], a `tower` layer that signs
//! every request passing through.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::SystemTime;

use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use awsauth_core::{Context, CredentialError, CredentialSource, CredentialSourceExt, Credentials};
use http::header::{AUTHORIZATION, HOST, HeaderName};

use crate::{DatasourceError, Session};

/// The error type of [`SigV4Service`]: the inner service's error or a [`SignError`], boxed.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

const X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");
const X_AMZ_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");
const X_AMZ_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-amz-content-sha256");

/// Why a request could not be signed. Never contains a secret.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The credentials could not be obtained.
    #[error("cannot sign the request: {0}")]
    Credentials(#[from] CredentialError),
    /// The request cannot be signed as it is (no host, a header SigV4 cannot encode…).
    #[error("cannot sign the request to {target}: {message}")]
    Request {
        /// The request's scheme, host and path (no query: it may carry tokens).
        target: String,
        /// What is wrong.
        message: String,
    },
}

/// Signs `http::Request`s with SigV4 for one service and region, with credentials from a
/// [`CredentialSource`].
///
/// Only `host` and `x-amz-date` are signed (plus `x-amz-security-token` for temporary
/// credentials, and `x-amz-content-sha256` for `s3`, which is added). The caller's other
/// headers are sent unchanged and unsigned, so a proxy that rewrites them does not break the
/// signature. An existing `Authorization` header is replaced. The body is only read, so it is
/// still there afterwards.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use std::sync::Arc;
/// use awsauth_core::Context;
/// use awsauth_datasource::RequestSigner;
/// use awsauth_static::StaticSource;
/// let signer = RequestSigner::new(
///     Arc::new(StaticSource::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG")),
///     "eu-west-1",
///     "aps",
/// );
/// let mut request = http::Request::post("https://aps-workspaces.eu-west-1.amazonaws.com/api/v1/query")
///     .header("content-type", "application/x-www-form-urlencoded")
///     .body(b"query=up".to_vec())
///     .unwrap();
/// signer.sign(&Context::builder().build(), &mut request).await.unwrap();
/// let auth = request.headers()["authorization"].to_str().unwrap();
/// assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/aps/aws4_request"));
/// assert!(auth.contains("SignedHeaders=host;x-amz-date,"));
/// assert_eq!(request.body(), b"query=up");
/// # });
/// ```
#[derive(Clone)]
pub struct RequestSigner {
    source: Arc<dyn CredentialSource>,
    region: String,
    service: String,
}

impl fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSigner")
            .field("source", &self.source.name())
            .field("region", &self.region)
            .field("service", &self.service)
            .finish()
    }
}

impl RequestSigner {
    /// A signer for `service` (the signing name: `aps`, `es`, `s3`…) in `region`.
    pub fn new(
        source: Arc<dyn CredentialSource>,
        region: impl Into<String>,
        service: impl Into<String>,
    ) -> Self {
        Self {
            source,
            region: region.into(),
            service: service.into(),
        }
    }

    /// A signer with a session's credentials and region.
    pub fn for_session(
        session: &Session,
        service: impl Into<String>,
    ) -> Result<Self, DatasourceError> {
        let region = session.region().ok_or_else(|| {
            DatasourceError::configuration(
                "SigV4 signing needs a region; set the data source's region or defaultRegion",
            )
        })?;
        Ok(Self::new(session.source(), region, service))
    }

    /// The signing region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The signing name of the service.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Gets credentials from the source and signs `request` at the context clock's time.
    pub async fn sign<B: AsRef<[u8]>>(
        &self,
        cx: &Context,
        request: &mut http::Request<B>,
    ) -> Result<(), SignError> {
        let credentials = self.source.resolve(cx).await?;
        self.sign_with(&credentials, cx.now(), request)
    }

    /// Signs `request` with the given credentials at the given time (no I/O).
    pub fn sign_with<B: AsRef<[u8]>>(
        &self,
        credentials: &Credentials,
        time: SystemTime,
        request: &mut http::Request<B>,
    ) -> Result<(), SignError> {
        let target = describe(request.uri());
        let fail = |message: String| SignError::Request {
            target: target.clone(),
            message,
        };

        // Values from an earlier signing (a retried request) must not survive.
        let headers = request.headers_mut();
        for name in [
            AUTHORIZATION,
            X_AMZ_DATE,
            X_AMZ_SECURITY_TOKEN,
            X_AMZ_CONTENT_SHA256,
        ] {
            headers.remove(name);
        }

        let host = match request.headers().get(HOST) {
            Some(value) => value
                .to_str()
                .map_err(|_| fail("the host header is not visible ASCII".to_owned()))?
                .to_owned(),
            None => request
                .uri()
                .authority()
                .map(|a| a.as_str().to_owned())
                .ok_or_else(|| fail("the URI has no host; use an absolute URI".to_owned()))?,
        };

        let mut settings = SigningSettings::default();
        if self.service == "s3" {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
            // S3 signs the path exactly as sent.
            settings.percent_encoding_mode = PercentEncodingMode::Single;
            settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        }

        let identity = aws_credential_types::Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            credentials.session_token().map(str::to_owned),
            credentials.expiry(),
            "awsauth",
        )
        .into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(&self.service)
            .time(time)
            .settings(settings)
            .build()
            .map_err(|e| fail(e.to_string()))?
            .into();

        let method = request.method().as_str().to_owned();
        let uri = request.uri().to_string();
        let signable = SignableRequest::new(
            &method,
            uri.as_str(),
            std::iter::once(("host", host.as_str())),
            SignableBody::Bytes(request.body().as_ref()),
        )
        .map_err(|e| fail(e.to_string()))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| fail(e.to_string()))?
            .into_parts();
        instructions.apply_to_request_http1x(request);
        Ok(())
    }
}

/// Scheme, host and path of a URI, for error messages (the query may hold tokens).
fn describe(uri: &http::Uri) -> String {
    format!(
        "{}://{}{}",
        uri.scheme_str().unwrap_or("?"),
        uri.authority().map(|a| a.as_str()).unwrap_or("?"),
        uri.path()
    )
}

impl Session {
    /// A SigV4 signer for `service` with this session's credentials and region.
    pub fn request_signer(
        &self,
        service: impl Into<String>,
    ) -> Result<RequestSigner, DatasourceError> {
        RequestSigner::for_session(self, service)
    }
}

/// A `tower` layer that signs every request with a [`RequestSigner`] before passing it on.
///
/// Bodies must be in memory (`AsRef<[u8]>`: `Vec<u8>`, `String`, `Bytes`…) because the payload
/// is hashed; collect a streaming body first.
#[derive(Debug, Clone)]
pub struct SigV4Layer {
    signer: Arc<RequestSigner>,
    cx: Context,
}

impl SigV4Layer {
    /// A layer signing with `signer`, reading time (and giving sources their I/O) from `cx`.
    pub fn new(signer: RequestSigner, cx: Context) -> Self {
        Self {
            signer: Arc::new(signer),
            cx,
        }
    }
}

impl<S> tower_layer::Layer<S> for SigV4Layer {
    type Service = SigV4Service<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SigV4Service {
            inner,
            signer: Arc::clone(&self.signer),
            cx: self.cx.clone(),
        }
    }
}

/// The service made by [`SigV4Layer`].
#[derive(Debug, Clone)]
pub struct SigV4Service<S> {
    inner: S,
    signer: Arc<RequestSigner>,
    cx: Context,
}

impl<S, B> tower_service::Service<http::Request<B>> for SigV4Service<S>
where
    S: tower_service::Service<http::Request<B>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: AsRef<[u8]> + Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // The service that was polled ready is the one that must be called; keep a fresh clone
        // for the next request.
        let fresh = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, fresh);
        let signer = Arc::clone(&self.signer);
        let cx = self.cx.clone();
        Box::pin(async move {
            signer.sign(&cx, &mut request).await?;
            inner.call(request).await.map_err(Into::into)
        })
    }
}
