//! [`StsClient`]: the three STS operations over the shared HTTP client.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awsauth_core::{Context, Credentials, Provenance, REDACTED, SecretString, timefmt};
use awsauth_http::skew::MIN_CORRECTED_SKEW;
use awsauth_http::{
    Bytes, ClockOffset, ClockSkew, HeaderValue, HttpClient, HttpError, HttpRequest, HttpResponse,
    HttpSettings, Method, Retry, default_classifier,
};

use zeroize::Zeroizing;

use crate::xml::{self, CallerIdentity};
use crate::{
    EndpointConfig, EndpointError, Operation, ResolvedEndpoint, RoleArn, SigV4Signer, StsError,
    StsErrorCode, StsErrorKind, ValidationError, resolve_endpoint, validate_duration,
    validate_external_id, validate_session_name,
};

/// The STS API version of the query protocol.
pub const API_VERSION: &str = "2011-06-15";
/// The content type of every request.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";
/// The service name in the SigV4 credential scope.
pub const SIGNING_SERVICE: &str = "sts";
/// The longest STS message kept in an error.
const MAX_MESSAGE_CHARS: usize = 1024;

/// The session name used when none is configured: `awsauth-<unix millis>` by the context's
/// clock (2 to 64 characters of the allowed set, as STS requires).
///
/// ```
/// let cx = awsauth_core::Context::builder().build(); // its clock starts at 2024-01-01T00:00:00Z
/// assert_eq!(awsauth_sts::default_session_name(&cx), "awsauth-1704067200000");
/// ```
pub fn default_session_name(cx: &Context) -> String {
    let millis = cx
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    format!("awsauth-{millis}")
}

/// The inputs of `AssumeRole`.
///
/// ```
/// use std::time::Duration;
/// use awsauth_sts::AssumeRoleInput;
/// let input = AssumeRoleInput::new("arn:aws:iam::123456789012:role/reader", "grafana")
///     .external_id("tenant-42")
///     .duration(Duration::from_secs(900));
/// assert!(input.validate().is_ok());
/// let bad = AssumeRoleInput::new("arn:aws:iam::123456789012:role/reader", "x");
/// assert_eq!(bad.validate().unwrap_err().field, "session name");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleInput {
    role_arn: String,
    session_name: String,
    external_id: Option<String>,
    duration: Option<Duration>,
    provenance: Option<Provenance>,
}

impl AssumeRoleInput {
    /// Role ARN and session name.
    pub fn new(role_arn: impl Into<String>, session_name: impl Into<String>) -> Self {
        Self {
            role_arn: role_arn.into(),
            session_name: session_name.into(),
            external_id: None,
            duration: None,
            provenance: None,
        }
    }

    /// Sets the external ID the role's trust policy requires.
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Sets the session duration (STS's default, one hour, when unset).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = Some(duration);
        self
    }

    /// The provenance given to the credentials (default `assume-role:<arn>`).
    pub fn provenance(mut self, provenance: Provenance) -> Self {
        self.provenance = Some(provenance);
        self
    }

    /// The role ARN.
    pub fn role_arn(&self) -> &str {
        &self.role_arn
    }

    /// Checks every field against STS's limits, naming the first bad one.
    pub fn validate(&self) -> Result<(), ValidationError> {
        RoleArn::parse("role ARN", &self.role_arn)?;
        validate_session_name("session name", &self.session_name)?;
        if let Some(id) = &self.external_id {
            validate_external_id("external ID", id)?;
        }
        if let Some(duration) = self.duration {
            validate_duration("duration", duration)?;
        }
        Ok(())
    }
}

/// The inputs of `AssumeRoleWithWebIdentity`. The token is a [`SecretString`]: `Debug` never
/// shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebIdentityInput {
    role_arn: String,
    session_name: String,
    token: SecretString,
    duration: Option<Duration>,
    provenance: Option<Provenance>,
}

impl WebIdentityInput {
    /// Role ARN, session name and the OIDC token.
    pub fn new(
        role_arn: impl Into<String>,
        session_name: impl Into<String>,
        token: SecretString,
    ) -> Self {
        Self {
            role_arn: role_arn.into(),
            session_name: session_name.into(),
            token,
            duration: None,
            provenance: None,
        }
    }

    /// Sets the session duration (STS's default, one hour, when unset).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = Some(duration);
        self
    }

    /// The provenance given to the credentials (default `web-identity:<arn>`).
    pub fn provenance(mut self, provenance: Provenance) -> Self {
        self.provenance = Some(provenance);
        self
    }

    /// The role ARN.
    pub fn role_arn(&self) -> &str {
        &self.role_arn
    }

    /// Checks every field against STS's limits, naming the first bad one.
    pub fn validate(&self) -> Result<(), ValidationError> {
        RoleArn::parse("role ARN", &self.role_arn)?;
        validate_session_name("session name", &self.session_name)?;
        let len = self.token.len();
        if !(4..=20_000).contains(&len) || self.token.is_blank() {
            return Err(ValidationError {
                field: "web identity token".to_owned(),
                message: format!("must be 4 to 20000 characters long, but has {len}"),
            });
        }
        if let Some(duration) = self.duration {
            validate_duration("duration", duration)?;
        }
        Ok(())
    }
}

/// Credentials from a role-assuming call, with what STS said about the session.
#[derive(Debug, Clone)]
pub struct AssumedRole {
    /// The temporary credentials (expiry, account id and provenance set).
    pub credentials: Credentials,
    /// `AssumedRoleUser/Arn`.
    pub assumed_role_arn: Option<String>,
    /// `AssumedRoleUser/AssumedRoleId`.
    pub assumed_role_id: Option<String>,
}

/// Our STS client: the query protocol over [`awsauth_http`], with retries on throttling,
/// `IDPCommunicationError` and 5xx, and SigV4 from the `aws-sigv4` crate.
///
/// Cheap to clone: one shared, immutable copy of its settings (a clone is a reference count;
/// a setter on a shared client copies them first), so a server's sessions with the same STS
/// options can share one. The HTTP client comes from the [`Context`] on every call
/// ([`HttpClient::from_context`]), and the endpoint is resolved per call from the context's
/// environment, so a changed `AWS_REGION` is seen.
///
/// ```
/// use awsauth_core::{Context, MapEnv};
/// use awsauth_sts::StsClient;
/// let client = StsClient::new().region("eu-west-1");
/// let endpoint = client.resolve_endpoint(&Context::builder().build()).unwrap();
/// assert_eq!(endpoint.to_string(), "https://sts.eu-west-1.amazonaws.com/");
/// ```
#[derive(Debug, Clone, Default)]
pub struct StsClient {
    config: Arc<ClientConfig>,
}

#[derive(Debug, Clone, Default)]
struct ClientConfig {
    endpoint: EndpointConfig,
    /// `None`: [`HttpSettings::sts`].
    settings: Option<HttpSettings>,
}

impl StsClient {
    fn endpoint_mut(&mut self) -> &mut EndpointConfig {
        &mut Arc::make_mut(&mut self.config).endpoint
    }

    /// A client that resolves everything from the environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// An explicit endpoint URL (wins over `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL`);
    /// blank means unset.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_mut().endpoint_url = Some(url.into());
        self
    }

    /// An explicit region (wins over `AWS_REGION` / `AWS_DEFAULT_REGION`); blank means unset.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.endpoint_mut().region = Some(region.into());
        self
    }

    /// A profile's `region`: below an explicit region and `AWS_REGION` / `AWS_DEFAULT_REGION`
    /// ([`choose_region`](crate::choose_region)); blank means unset.
    pub fn profile_region(mut self, region: impl Into<String>) -> Self {
        self.endpoint_mut().profile_region = Some(region.into());
        self
    }

    /// Use (or refuse) FIPS endpoints regardless of `AWS_USE_FIPS_ENDPOINT`.
    pub fn use_fips(mut self, on: bool) -> Self {
        self.endpoint_mut().use_fips = Some(on);
        self
    }

    /// Allow plain `http://` to a non-loopback host; see
    /// [`EndpointConfig::allow_insecure_http`].
    pub fn allow_insecure_http(mut self, on: bool) -> Self {
        self.endpoint_mut().allow_insecure_http = on;
        self
    }

    /// Replaces the whole endpoint configuration.
    pub fn endpoint_config(mut self, config: EndpointConfig) -> Self {
        *self.endpoint_mut() = config;
        self
    }

    /// Time-outs, attempts and the body cap ([`HttpSettings::sts`] by default).
    pub fn http_settings(mut self, settings: HttpSettings) -> Self {
        Arc::make_mut(&mut self.config).settings = Some(settings);
        self
    }

    /// The endpoint configuration.
    pub fn config(&self) -> &EndpointConfig {
        &self.config.endpoint
    }

    /// The endpoint a call would use now. No network.
    pub fn resolve_endpoint(&self, cx: &Context) -> Result<ResolvedEndpoint, EndpointError> {
        resolve_endpoint(cx, &self.config.endpoint)
    }

    /// `AssumeRole`, signed with `base`. Validates `input` first; nothing is sent when it is
    /// invalid.
    pub async fn assume_role(
        &self,
        cx: &Context,
        base: &Credentials,
        input: &AssumeRoleInput,
    ) -> Result<AssumedRole, StsError> {
        let op = Operation::AssumeRole;
        let arn = Some(input.role_arn.as_str());
        input
            .validate()
            .map_err(|e| StsError::invalid_input(op, e.field, e.message).for_role(arn))?;
        let duration = input.duration.map(|d| d.as_secs().to_string());
        let mut params = vec![
            ("RoleArn", input.role_arn.as_str()),
            ("RoleSessionName", input.session_name.as_str()),
        ];
        if let Some(external_id) = &input.external_id {
            params.push(("ExternalId", external_id));
        }
        if let Some(duration) = &duration {
            params.push(("DurationSeconds", duration));
        }
        let (endpoint, response, offset) =
            self.call(cx, op, arn, &params, Some(base), None).await?;
        let provenance = input
            .provenance
            .clone()
            .unwrap_or_else(|| Provenance::new(format!("assume-role:{}", input.role_arn)));
        assumed(op, arn, &endpoint, &response, provenance, cx.now(), offset)
    }

    /// `AssumeRoleWithWebIdentity` (unsigned). Validates `input` first; nothing is sent when it
    /// is invalid.
    pub async fn assume_role_with_web_identity(
        &self,
        cx: &Context,
        input: &WebIdentityInput,
    ) -> Result<AssumedRole, StsError> {
        let op = Operation::AssumeRoleWithWebIdentity;
        let arn = Some(input.role_arn.as_str());
        input
            .validate()
            .map_err(|e| StsError::invalid_input(op, e.field, e.message).for_role(arn))?;
        let duration = input.duration.map(|d| d.as_secs().to_string());
        let mut params = vec![
            ("RoleArn", input.role_arn.as_str()),
            ("RoleSessionName", input.session_name.as_str()),
            ("WebIdentityToken", input.token.expose_secret()),
        ];
        if let Some(duration) = &duration {
            params.push(("DurationSeconds", duration));
        }
        let (endpoint, response, offset) = self
            .call(cx, op, arn, &params, None, Some(&input.token))
            .await?;
        let provenance = input
            .provenance
            .clone()
            .unwrap_or_else(|| Provenance::new(format!("web-identity:{}", input.role_arn)));
        assumed(op, arn, &endpoint, &response, provenance, cx.now(), offset)
    }

    /// `GetCallerIdentity`, signed with `credentials`: who these credentials are.
    pub async fn get_caller_identity(
        &self,
        cx: &Context,
        credentials: &Credentials,
    ) -> Result<CallerIdentity, StsError> {
        let op = Operation::GetCallerIdentity;
        let (endpoint, response, _offset) = self
            .call(cx, op, None, &[], Some(credentials), None)
            .await?;
        xml::parse_caller_identity(&response.body).map_err(|e| {
            StsError::new(
                op,
                StsErrorKind::MalformedResponse {
                    detail: e.to_string(),
                },
            )
            .at(endpoint.to_string())
        })
    }

    /// Builds, signs (when `signer` is given) and sends one operation; returns the successful
    /// response (with the clock offset to the endpoint then in effect) or the typed error.
    ///
    /// A signed request is signed at the service's time by the endpoint's stored
    /// [`ClockSkew`] offset. Every answer's `Date` header updates that offset; when STS
    /// rejects a signed request for its time (a [clock skew code](is_clock_skew_code)) and the
    /// answer's `Date` moved the offset by more than the noise bound, the request is re-signed
    /// with the corrected time and sent once more — never twice.
    async fn call(
        &self,
        cx: &Context,
        op: Operation,
        role_arn: Option<&str>,
        params: &[(&str, &str)],
        signer: Option<&Credentials>,
        secret_in_body: Option<&SecretString>,
    ) -> Result<(ResolvedEndpoint, HttpResponse, ClockOffset), StsError> {
        let endpoint = self.resolve_endpoint(cx).map_err(|e| {
            StsError::new(
                op,
                StsErrorKind::InvalidEndpoint {
                    message: e.to_string(),
                },
            )
            .for_role(role_arn)
        })?;
        let shown = endpoint.to_string();
        let fail = |kind| StsError::new(op, kind).at(&shown).for_role(role_arn);
        let body = form_body(&[("Action", op.as_str()), ("Version", API_VERSION)], params);
        let unsigned = HttpRequest::new(Method::POST, endpoint.url().clone())
            .header(
                http_header("content-type"),
                HeaderValue::from_static(FORM_CONTENT_TYPE),
            )
            .header(
                http_header("user-agent"),
                HeaderValue::from_static(concat!("awsauth/", env!("CARGO_PKG_VERSION"))),
            )
            // The web identity token travels in the body: the buffer is zeroized when the last
            // reference to it (a retry's clone included) is dropped.
            .body(Bytes::from_owner(body))
            .allow_proxy(true);
        let settings = self
            .config
            .settings
            .clone()
            .unwrap_or_else(HttpSettings::sts);
        let mut offset = ClockSkew::offset(cx, endpoint.url());
        let mut resigned = false;
        loop {
            let mut request = unsigned.clone();
            let sent = cx.now();
            if let Some(credentials) = signer {
                SigV4Signer::new(
                    endpoint.signing_region(),
                    SIGNING_SERVICE,
                    offset.service_time(sent),
                )
                .sign(&mut request, credentials)
                .map_err(|e| {
                    fail(StsErrorKind::InvalidInput {
                        field: "base credentials".to_owned(),
                        message: e.to_string(),
                    })
                })?;
            }
            tracing::debug!(operation = %op, endpoint = %shown, role_arn = role_arn.unwrap_or("-"), signed = signer.is_some(), clock_offset_ms = offset.as_millis(), "calling STS");
            let response = HttpClient::send_in(cx, request, &settings, classify)
                .await
                .map_err(|e| fail(StsErrorKind::Http(e)))?;
            let measured = ClockOffset::measure(response.headers.get("date"), sent, cx.now());
            ClockSkew::observe(cx, endpoint.url(), measured);
            let in_effect = ClockSkew::offset(cx, endpoint.url());
            let status = response.status.as_u16();
            // STS may put an ErrorResponse behind any status; a success status without one is
            // a success.
            let error = if response.status.is_success() {
                xml::parse_error(&response.body)
            } else {
                match xml::parse_error(&response.body) {
                    Some(error) => Some(error),
                    None => {
                        tracing::debug!(operation = %op, endpoint = %shown, status, "STS failed without an error body");
                        return Err(fail(StsErrorKind::UnexpectedStatus { status }));
                    }
                }
            };
            let Some(error) = error else {
                return Ok((endpoint, response, in_effect));
            };
            tracing::debug!(operation = %op, endpoint = %shown, status, code = %error.code, "STS answered with an error");
            let moved =
                ClockOffset::from_millis(in_effect.as_millis().saturating_sub(offset.as_millis()))
                    .magnitude();
            if signer.is_some()
                && !resigned
                && is_clock_skew_code(&error.code)
                && moved >= MIN_CORRECTED_SKEW
            {
                tracing::debug!(operation = %op, endpoint = %shown, code = %error.code, clock_offset_ms = in_effect.as_millis(), "STS refused the request's time; re-signing once with the corrected time");
                offset = in_effect;
                resigned = true;
                continue;
            }
            return Err(fail(StsErrorKind::Service {
                status,
                code: StsErrorCode::from_wire(&error.code),
                message: clean_message(&error.message, secret_in_body),
                request_id: error.request_id,
            }));
        }
    }
}

/// Whether an STS (or AWS) error code can mean "the request's time is too far from ours":
/// the codes the AWS SDKs treat as clock skew. A request refused with one is re-signed only
/// when the answer's `Date` shows the clocks really disagree.
///
/// ```
/// assert!(awsauth_sts::is_clock_skew_code("RequestExpired"));
/// assert!(awsauth_sts::is_clock_skew_code("SignatureDoesNotMatch"));
/// assert!(!awsauth_sts::is_clock_skew_code("AccessDenied"));
/// ```
pub fn is_clock_skew_code(code: &str) -> bool {
    matches!(
        code,
        "RequestExpired"
            | "RequestTimeTooSkewed"
            | "RequestInTheFuture"
            | "InvalidSignatureException"
            | "SignatureDoesNotMatch"
            | "AuthFailure"
    )
}

/// The form-encoded body of `head` then `params`, in a buffer sized for the worst case up front
/// (every byte percent-encoded), so it never reallocates and leaves no unzeroized copy of a
/// token behind; zeroized on drop.
fn form_body(head: &[(&str, &str)], params: &[(&str, &str)]) -> Zeroizing<Vec<u8>> {
    let worst_case: usize = head
        .iter()
        .chain(params)
        .map(|(key, value)| 3 * (key.len() + value.len()) + 2)
        .sum();
    let mut serializer = form_urlencoded::Serializer::new(String::with_capacity(worst_case));
    serializer.extend_pairs(head).extend_pairs(params);
    Zeroizing::new(serializer.finish().into_bytes())
}

fn http_header(name: &'static str) -> awsauth_http::HeaderName {
    awsauth_http::HeaderName::from_static(name)
}

fn assumed(
    op: Operation,
    role_arn: Option<&str>,
    endpoint: &ResolvedEndpoint,
    response: &HttpResponse,
    provenance: Provenance,
    now: SystemTime,
    offset: ClockOffset,
) -> Result<AssumedRole, StsError> {
    // Expiry is judged at the service's time, and handed on on this host's clock, so the
    // cache's own judgments (by the host's clock) come out the same.
    let service_now = offset.service_time(now);
    let parsed = xml::parse_credentials(op, &response.body).map_err(|e| {
        StsError::new(
            op,
            StsErrorKind::MalformedResponse {
                detail: e.to_string(),
            },
        )
        .at(endpoint.to_string())
        .for_role(role_arn)
    })?;
    if parsed.expiration <= service_now {
        return Err(StsError::new(
            op,
            StsErrorKind::ExpiredOnArrival {
                expiration: timefmt::rfc3339(parsed.expiration),
                now: timefmt::rfc3339(service_now),
            },
        )
        .at(endpoint.to_string())
        .for_role(role_arn));
    }
    let credentials = Credentials::builder(parsed.access_key_id, parsed.secret_access_key)
        .session_token(parsed.session_token)
        .expiry(offset.local_time(parsed.expiration))
        .maybe_account_id(parsed.account_id)
        .provenance_chain(provenance)
        .build();
    tracing::debug!(operation = %op, endpoint = %endpoint, role_arn = role_arn.unwrap_or("-"), access_key_id = credentials.access_key_id(), "STS issued credentials");
    Ok(AssumedRole {
        credentials,
        assumed_role_arn: parsed.assumed_role_arn,
        assumed_role_id: parsed.assumed_role_id,
    })
}

/// STS's retry rules on top of the transport's: 5xx and 429, throttling and
/// `IDPCommunicationError` (sent with 400) are retried; other 4xx never are.
pub fn classify(outcome: &Result<HttpResponse, HttpError>) -> Retry {
    match outcome {
        Ok(response) if response.status.is_success() => Retry::No,
        Ok(response) if response.status.is_server_error() || response.status.as_u16() == 429 => {
            Retry::Yes
        }
        Ok(response) => match xml::parse_error(&response.body) {
            Some(error) if StsErrorCode::from_wire(&error.code).is_retryable() => Retry::Yes,
            _ => Retry::No,
        },
        Err(_) => default_classifier(outcome),
    }
}

/// Bounds a service message, drops control characters and removes a secret the request
/// carried, should the service have echoed it.
fn clean_message(message: &str, secret: Option<&SecretString>) -> String {
    let mut text: String = message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if let Some(secret) = secret.filter(|s| s.len() >= 4) {
        text = text.replace(secret.expose_secret(), REDACTED);
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        text = text.chars().take(MAX_MESSAGE_CHARS).collect();
        text.push('…');
    }
    text.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_body_is_built_in_one_buffer_that_never_grows() {
        // Every byte of this "token" needs percent-encoding: the worst case for the estimate.
        let token = "/+=\u{e9}&% \u{1F600}".repeat(40);
        let head = [
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", API_VERSION),
        ];
        let params = [
            ("RoleArn", "arn:aws:iam::123456789012:role/r"),
            ("WebIdentityToken", token.as_str()),
        ];
        let body = form_body(&head, &params);
        let worst_case: usize = head
            .iter()
            .chain(&params)
            .map(|(k, v)| 3 * (k.len() + v.len()) + 2)
            .sum();
        // Had the buffer grown, the old allocation would hold the token, unzeroized.
        assert_eq!(body.capacity(), worst_case, "the buffer was reallocated");
        let text = std::str::from_utf8(&body).unwrap();
        assert!(text.starts_with("Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn="));
        let decoded: Vec<(String, String)> = form_urlencoded::parse(text.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(decoded[3], ("WebIdentityToken".to_owned(), token.clone()));
    }

    #[test]
    fn messages_are_bounded_and_scrubbed() {
        let token = SecretString::from("eyJhbGciOiJSUzI1NiJ9.payload.sig");
        let msg = format!("bad token {} here\nnext", token.expose_secret());
        let cleaned = clean_message(&msg, Some(&token));
        assert_eq!(cleaned, format!("bad token {REDACTED} here next"));
        let long = "x".repeat(5000);
        assert_eq!(
            clean_message(&long, None).chars().count(),
            MAX_MESSAGE_CHARS + 1
        );
    }
}
