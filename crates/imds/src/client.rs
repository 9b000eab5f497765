//! [`ImdsClient`]: IMDSv2 session tokens, endpoint resolution and metadata `GET`s, shared by the
//! credential source and the region lookup.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awsauth_core::{Context, CredentialError, SecretString, timefmt};
use awsauth_http::{
    HeaderName, HeaderValue, HttpClient, HttpError, HttpErrorKind, HttpRequest, HttpResponse,
    HttpSettings, Method, StatusCode, Uri, default_classifier,
};
use tokio::sync::Mutex;

use crate::SOURCE_NAME;
use crate::endpoint::{
    DISABLED_ENV, EndpointConfig, EndpointMode, ProfileSettings, ResolvedEndpoint, disabled,
};
use crate::retries::{ProfileRetries, Retries};

/// The token path.
pub(crate) const TOKEN_PATH: &str = "/latest/api/token";
/// The region path.
pub(crate) const REGION_PATH: &str = "/latest/meta-data/placement/region";
const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
/// The largest TTL IMDS grants (6 hours), and the default.
pub const MAX_TOKEN_TTL: Duration = Duration::from_secs(21_600);
/// A token is replaced this long before its TTL runs out (or at half its TTL, if shorter), so it
/// never expires in flight.
const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Why a metadata request gave nothing usable, sorted by what the caller should do about it.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Nothing to offer, and static stability does not apply: `AWS_EC2_METADATA_DISABLED=true`,
    /// or the instance has no role (404).
    Absent(CredentialError),
    /// Nothing answered (refused, unreachable, connect time-out): not running on EC2, or IMDS
    /// is down. `NotConfigured`, unless static stability has something to serve.
    Unreachable(CredentialError),
    /// IMDS answered badly or too slowly (time-outs, broken connections, 5xx after retries):
    /// static stability may cover it.
    Outage(CredentialError),
    /// Anything else: stops a chain.
    Fatal(CredentialError),
}

impl Failure {
    pub(crate) fn into_error(self) -> CredentialError {
        match self {
            Self::Absent(e) | Self::Unreachable(e) | Self::Outage(e) | Self::Fatal(e) => e,
        }
    }
}

impl From<CredentialError> for Failure {
    fn from(err: CredentialError) -> Self {
        Self::Fatal(err)
    }
}

struct CachedToken {
    endpoint: String,
    value: SecretString,
    refresh_at: SystemTime,
}

struct Inner {
    endpoint: EndpointConfig,
    settings: HttpSettings,
    retries: Retries,
    token_ttl: Duration,
    allow_v1_fallback: bool,
    /// An async mutex: concurrent callers wait for one token request instead of each sending
    /// their own. Every token request is bounded by the total time-out.
    token: Mutex<Option<CachedToken>>,
}

/// A client for the EC2 instance metadata service (IMDSv2).
///
/// Cheap to clone; clones share the session token, so an [`ImdsSource`](crate::ImdsSource) and
/// a region lookup built on the same client ask for one token between them. The token is a
/// secret: it never appears in `Debug`, errors or logs.
///
/// ```
/// use std::time::Duration;
/// use awsauth_core::{Context, MapEnv};
/// use awsauth_imds::{EndpointMode, ImdsClient};
///
/// let client = ImdsClient::builder()
///     .endpoint_mode(EndpointMode::IPv6)
///     .attempt_timeout(Duration::from_millis(500))
///     .build();
/// let cx = Context::builder().build();
/// assert_eq!(client.resolve_endpoint(&cx).unwrap().url(), "http://[fd00:ec2::254]");
///
/// // The environment overrides the mode.
/// let cx = Context::builder()
///     .env(MapEnv::from([("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338/")]))
///     .build();
/// assert_eq!(client.resolve_endpoint(&cx).unwrap().url(), "http://127.0.0.1:1338");
/// ```
#[derive(Clone)]
pub struct ImdsClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for ImdsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImdsClient")
            .field("endpoint", &self.inner.endpoint)
            .field("settings", &self.inner.settings)
            .field("token_ttl", &self.inner.token_ttl)
            .field("allow_imdsv1_fallback", &self.inner.allow_v1_fallback)
            .finish_non_exhaustive()
    }
}

impl Default for ImdsClient {
    fn default() -> Self {
        Self::builder().build()
    }
}

impl ImdsClient {
    /// A client with the defaults: endpoint from the environment or IPv4, connect 1 s, attempt
    /// 1 s, 3 attempts, 5 s per operation, 64 KiB bodies, 6-hour tokens, no IMDSv1 fallback.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder.
    pub fn builder() -> ImdsClientBuilder {
        ImdsClientBuilder {
            endpoint: EndpointConfig::default(),
            settings: HttpSettings::metadata(),
            retries: Retries::default(),
            token_ttl: MAX_TOKEN_TTL,
            allow_v1_fallback: false,
        }
    }

    /// The endpoint that would be used in `cx`, without any network call. An invalid endpoint
    /// or mode is [`InvalidConfiguration`](CredentialError::InvalidConfiguration) naming the
    /// variable or setting.
    pub fn resolve_endpoint(&self, cx: &Context) -> Result<ResolvedEndpoint, CredentialError> {
        self.inner.endpoint.resolve(cx)
    }

    /// The HTTP settings set in code (or the defaults), before `AWS_METADATA_SERVICE_TIMEOUT`,
    /// `AWS_METADATA_SERVICE_NUM_ATTEMPTS` or the profile adjust them; see
    /// [`settings_in`](Self::settings_in).
    pub fn settings(&self) -> &HttpSettings {
        &self.inner.settings
    }

    /// The HTTP settings requests use in `cx`: [`settings`](Self::settings) adjusted by the
    /// environment and the profile. A value there that is not a usable number is an
    /// [`InvalidConfiguration`](CredentialError::InvalidConfiguration) naming it.
    pub fn settings_in(&self, cx: &Context) -> Result<HttpSettings, CredentialError> {
        self.inner
            .retries
            .apply(cx, &self.inner.settings)
            .map(std::borrow::Cow::into_owned)
    }

    /// Whether a failed token request falls back to IMDSv1 (off unless enabled).
    pub fn allows_imdsv1_fallback(&self) -> bool {
        self.inner.allow_v1_fallback
    }

    /// `GET` a metadata path (such as `/latest/meta-data/instance-id`) and return the body as
    /// text. Not-2xx answers are [`ProviderFailed`](CredentialError::ProviderFailed) carrying the
    /// status as code; an unreachable endpoint or `AWS_EC2_METADATA_DISABLED=true` is
    /// [`NotConfigured`](CredentialError::NotConfigured).
    pub async fn get(&self, cx: &Context, path: &str) -> Result<String, CredentialError> {
        let fetched = self.fetch(cx, path).await.map_err(Failure::into_error)?;
        if !fetched.response.status.is_success() {
            return Err(fetched.status_error("metadata request"));
        }
        fetched
            .response
            .text()
            .map(str::to_owned)
            .ok_or_else(|| fetched.failed("the response body is not UTF-8"))
    }

    /// The instance's region, from `/latest/meta-data/placement/region`.
    pub async fn region(&self, cx: &Context) -> Result<String, CredentialError> {
        let text = self.get(cx, REGION_PATH).await?;
        let region = text.trim();
        let plausible = !region.is_empty()
            && region.len() <= 64
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if plausible {
            Ok(region.to_owned())
        } else {
            Err(CredentialError::provider_failed(
                SOURCE_NAME,
                format!("{REGION_PATH} returned something that is not a region name"),
            ))
        }
    }

    /// One `GET` with the session token: a 401 gets a fresh token and one more try.
    pub(crate) async fn fetch(&self, cx: &Context, path: &str) -> Result<Fetched, Failure> {
        if disabled(cx) {
            return Err(Failure::Absent(CredentialError::not_configured(
                SOURCE_NAME,
                format!("{DISABLED_ENV} is set to true"),
            )));
        }
        let endpoint = self.resolve_endpoint(cx)?;
        let settings = self.inner.retries.apply(cx, &self.inner.settings)?;
        let token = self.token(cx, &endpoint, &settings).await?;
        let mut response = self
            .get_once(cx, &endpoint, &settings, path, token.as_ref())
            .await?;
        if response.status == StatusCode::UNAUTHORIZED {
            if let Some(rejected) = token {
                tracing::debug!(endpoint = %endpoint.url(), path, "IMDS rejected the session token; fetching a new one");
                self.forget_token(&rejected).await;
                let fresh = self.token(cx, &endpoint, &settings).await?;
                response = self
                    .get_once(cx, &endpoint, &settings, path, fresh.as_ref())
                    .await?;
            }
            if response.status == StatusCode::UNAUTHORIZED {
                let hint = if self.inner.allow_v1_fallback {
                    "; the token request had failed, so the IMDSv1 fallback was used, but this instance requires IMDSv2"
                } else {
                    ""
                };
                return Err(Failure::Fatal(
                    CredentialError::provider_failed(
                        SOURCE_NAME,
                        format!(
                            "GET {}{path} was refused with HTTP 401 even with a fresh session token{hint}",
                            endpoint.url()
                        ),
                    )
                    .with_code("401"),
                ));
            }
        }
        Ok(Fetched {
            url: format!("{}{path}", endpoint.url()),
            response,
        })
    }

    async fn get_once(
        &self,
        cx: &Context,
        endpoint: &ResolvedEndpoint,
        settings: &HttpSettings,
        path: &str,
        token: Option<&SecretString>,
    ) -> Result<HttpResponse, Failure> {
        let mut request = HttpRequest::new(Method::GET, uri(endpoint, path)?);
        if let Some(token) = token {
            let mut value = HeaderValue::from_str(token.expose_secret()).map_err(|_| {
                CredentialError::provider_failed(
                    SOURCE_NAME,
                    format!(
                        "the session token from {} is not a valid header value",
                        endpoint.url()
                    ),
                )
            })?;
            value.set_sensitive(true);
            request = request.header(HeaderName::from_static(TOKEN_HEADER), value);
        }
        HttpClient::send_in(cx, request, settings, default_classifier)
            .await
            .map_err(|e| http_failure(e, endpoint))
    }

    /// The cached token for this endpoint, or a new one. `None` means "go on without a token"
    /// (IMDSv1), which only happens when the fallback is enabled.
    async fn token(
        &self,
        cx: &Context,
        endpoint: &ResolvedEndpoint,
        settings: &HttpSettings,
    ) -> Result<Option<SecretString>, Failure> {
        let mut cached = self.inner.token.lock().await;
        if let Some(token) = cached.as_ref()
            && token.endpoint == endpoint.url()
            && cx.now() < token.refresh_at
        {
            return Ok(Some(token.value.clone()));
        }
        let requested_at = cx.now();
        let ttl = self.inner.token_ttl;
        let request = HttpRequest::new(Method::PUT, uri(endpoint, TOKEN_PATH)?).header(
            HeaderName::from_static(TTL_HEADER),
            HeaderValue::from(ttl.as_secs()),
        );
        let outcome = HttpClient::send_in(cx, request, settings, default_classifier).await;
        let token_url = format!("{}{TOKEN_PATH}", endpoint.url());
        let response = match outcome {
            Ok(response) => response,
            Err(err) if self.v1_fallback_covers(&err) => {
                tracing::warn!(endpoint = %token_url, error = %err, "IMDSv2 token request failed; falling back to IMDSv1 as configured");
                return Ok(None);
            }
            Err(err) => return Err(http_failure(err, endpoint)),
        };
        let status = response.status;
        if status.is_success() {
            let value = response.text().map(str::trim).unwrap_or_default();
            if value.is_empty() || HeaderValue::from_str(value).is_err() {
                return Err(Failure::Fatal(CredentialError::provider_failed(
                    SOURCE_NAME,
                    format!("PUT {token_url} returned an empty or malformed session token"),
                )));
            }
            let granted = response
                .header_str(TTL_HEADER)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs)
                .filter(|granted| !granted.is_zero())
                .map_or(ttl, |granted| granted.min(ttl));
            let margin = TOKEN_REFRESH_MARGIN.min(granted / 2);
            let value = SecretString::from(value);
            *cached = Some(CachedToken {
                endpoint: endpoint.url().to_owned(),
                value: value.clone(),
                refresh_at: timefmt::add(requested_at, granted.saturating_sub(margin)),
            });
            tracing::debug!(endpoint = %endpoint.url(), ttl_s = granted.as_secs(), "got an IMDSv2 session token");
            return Ok(Some(value));
        }
        if self.inner.allow_v1_fallback && (403..=405).contains(&status.as_u16()) {
            tracing::warn!(endpoint = %token_url, status = status.as_u16(), "IMDSv2 token request refused; falling back to IMDSv1 as configured");
            return Ok(None);
        }
        let advice = match status.as_u16() {
            403 => {
                "; IMDS refuses token requests that went through a proxy (X-Forwarded-For), and answers 403 when the metadata service is turned off for the instance"
            }
            404 | 405 => {
                "; this endpoint does not support IMDSv2 session tokens. IMDSv1 fallback is off by default because IMDSv1 lets any server-side request forgery read the instance's credentials; enable it on the client builder only if you must"
            }
            400 => "; the token TTL was rejected",
            _ => "",
        };
        let err = CredentialError::provider_failed(
            SOURCE_NAME,
            format!(
                "PUT {token_url} (IMDSv2 session token) failed with HTTP {}{advice}",
                status.as_u16()
            ),
        )
        .with_code(status.as_u16().to_string());
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            Err(Failure::Outage(err.retryable(true)))
        } else {
            Err(Failure::Fatal(err))
        }
    }

    fn v1_fallback_covers(&self, err: &HttpError) -> bool {
        // A PUT whose answer never arrives is typical of a container behind a hop limit of 1;
        // a refused connection is not: then nothing listens, with or without a token.
        self.inner.allow_v1_fallback && (err.is_timeout() || err.kind() == HttpErrorKind::Io)
    }

    async fn forget_token(&self, rejected: &SecretString) {
        let mut cached = self.inner.token.lock().await;
        if cached.as_ref().is_some_and(|t| &t.value == rejected) {
            *cached = None;
        }
    }
}

fn uri(endpoint: &ResolvedEndpoint, path: &str) -> Result<Uri, Failure> {
    format!("{}{path}", endpoint.url()).parse().map_err(|_| {
        Failure::Fatal(CredentialError::invalid_configuration(
            SOURCE_NAME,
            format!(
                "{} ({}) does not form a valid URL with {path}",
                endpoint.url(),
                endpoint.origin()
            ),
        ))
    })
}

fn http_failure(err: HttpError, endpoint: &ResolvedEndpoint) -> Failure {
    let origin = endpoint.origin();
    if err.is_unreachable() {
        return Failure::Unreachable(CredentialError::not_configured(
            SOURCE_NAME,
            format!(
                "no instance metadata service answered at {} ({origin}): {}",
                endpoint.url(),
                err.message()
            ),
        ));
    }
    match err.kind() {
        HttpErrorKind::AttemptTimeout | HttpErrorKind::TotalTimeout => {
            let after = err.elapsed().unwrap_or_default();
            Failure::Outage(CredentialError::timed_out(
                SOURCE_NAME,
                format!(
                    "{err} (a container on EC2 may need a hop limit of 2 for IMDSv2 answers to reach it)"
                ),
                after,
            ))
        }
        HttpErrorKind::Io => Failure::Outage(
            CredentialError::provider_failed(SOURCE_NAME, err.to_string())
                .retryable(true)
                .with_cause(err),
        ),
        _ => Failure::Fatal(
            CredentialError::provider_failed(SOURCE_NAME, err.to_string()).with_cause(err),
        ),
    }
}

/// A response and the URL it came from (for messages).
#[derive(Debug)]
pub(crate) struct Fetched {
    pub(crate) url: String,
    pub(crate) response: HttpResponse,
}

impl Fetched {
    pub(crate) fn status(&self) -> u16 {
        self.response.status.as_u16()
    }

    pub(crate) fn failed(&self, what: &str) -> CredentialError {
        CredentialError::provider_failed(SOURCE_NAME, format!("GET {}: {what}", self.url))
    }

    /// The error for an unexpected status: retryable (and an outage) for 5xx and 429.
    pub(crate) fn status_error(&self, what: &str) -> CredentialError {
        let status = self.response.status;
        CredentialError::provider_failed(
            SOURCE_NAME,
            format!("{what}: GET {} answered HTTP {}", self.url, status.as_u16()),
        )
        .with_code(status.as_u16().to_string())
        .retryable(status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS)
    }
}

/// Builder for [`ImdsClient`]; see [`ImdsClient::builder`].
#[derive(Debug, Clone)]
pub struct ImdsClientBuilder {
    endpoint: EndpointConfig,
    settings: HttpSettings,
    retries: Retries,
    token_ttl: Duration,
    allow_v1_fallback: bool,
}

impl ImdsClientBuilder {
    /// An explicit endpoint (`http://169.254.169.254`, `http://[fd00:ec2::254]`, a mock's URL);
    /// it beats every environment and profile setting. It is checked when used: a bad URL
    /// makes every call fail with `InvalidConfiguration`.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint.explicit = Some(url.into());
        self
    }

    /// An explicit endpoint mode; it beats `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` and the
    /// profile, but not an endpoint URL from any of them.
    pub fn endpoint_mode(mut self, mode: EndpointMode) -> Self {
        self.endpoint.explicit_mode = Some(mode);
        self
    }

    /// The profile's `ec2_metadata_service_endpoint` and `ec2_metadata_service_endpoint_mode`
    /// values, as read by whoever parses profiles; `profile` is the profile's name (for error
    /// messages). They rank below the environment variables.
    pub fn profile_settings(
        mut self,
        profile: impl Into<String>,
        endpoint: Option<String>,
        endpoint_mode: Option<String>,
    ) -> Self {
        self.endpoint.profile = Some(ProfileSettings {
            profile: profile.into(),
            endpoint,
            endpoint_mode,
        });
        self
    }

    /// The profile's `metadata_service_timeout` and `metadata_service_num_attempts` values, as
    /// read by whoever parses profiles; `profile` is the profile's name (for error messages).
    /// They rank below `AWS_METADATA_SERVICE_TIMEOUT` / `AWS_METADATA_SERVICE_NUM_ATTEMPTS` and
    /// above the client's defaults; a value set in code beats all of them.
    pub fn profile_retry_settings(
        mut self,
        profile: impl Into<String>,
        timeout: Option<String>,
        num_attempts: Option<String>,
    ) -> Self {
        self.retries.profile = Some(ProfileRetries {
            profile: profile.into(),
            timeout,
            num_attempts,
        });
        self
    }

    /// All HTTP settings at once (defaults: [`HttpSettings::metadata`]). The time-outs and
    /// attempts given here are not adjusted by the environment or the profile.
    pub fn http_settings(mut self, settings: HttpSettings) -> Self {
        self.settings = settings;
        self.retries.explicit_timeout = true;
        self.retries.explicit_attempts = true;
        self
    }

    /// Time allowed to connect (default 1 s, or `AWS_METADATA_SERVICE_TIMEOUT`; this wins).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self.retries.explicit_timeout = true;
        self
    }

    /// Time allowed for one attempt, body included (default 1 s, or
    /// `AWS_METADATA_SERVICE_TIMEOUT`; this wins).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.settings.attempt_timeout = timeout;
        self.retries.explicit_timeout = true;
        self
    }

    /// Time allowed for one request, retries included (default 5 s).
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.settings.total_timeout = timeout;
        self
    }

    /// Attempts per request (default 3, or `AWS_METADATA_SERVICE_NUM_ATTEMPTS`; this wins; at
    /// least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.settings.max_attempts = attempts.max(1);
        self.retries.explicit_attempts = true;
        self
    }

    /// The session token's TTL, clamped to 1 s ..= 6 h (default 6 h, the maximum).
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = Duration::from_secs(ttl.as_secs().clamp(1, MAX_TOKEN_TTL.as_secs()));
        self
    }

    /// Goes on without a session token (IMDSv1) when the token request is refused (403, 404,
    /// 405) or gets no answer in time. **Off by default**, and best left off: IMDSv1 answers any
    /// plain `GET`, so a server-side request forgery bug in any process on the instance can read
    /// its credentials, while IMDSv2's `PUT` with a custom header is what such bugs cannot send.
    /// Enable it only for old instances or proxies that cannot do IMDSv2.
    pub fn allow_imdsv1_fallback(mut self, allow: bool) -> Self {
        self.allow_v1_fallback = allow;
        self
    }

    /// Finishes.
    pub fn build(self) -> ImdsClient {
        ImdsClient {
            inner: Arc::new(Inner {
                endpoint: self.endpoint,
                settings: self.settings,
                retries: self.retries,
                token_ttl: self.token_ttl,
                allow_v1_fallback: self.allow_v1_fallback,
                token: Mutex::new(None),
            }),
        }
    }
}
