//! [`LoginSource`]: the credentials of a console sign-in session, from the login token cache,
//! renewed through the sign-in service when they are about to expire.

use std::path::Path;
use std::time::Duration;

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, Status, Step,
    async_trait, timefmt,
};
use awsauth_http::endpoint::{EndpointSettings, Service, Variant, resolve_service_endpoint};
use awsauth_http::{
    Bytes, HeaderName, HeaderValue, HttpClient, HttpErrorKind, HttpRequest, HttpSettings, Method,
    Retry, default_classifier,
};

use crate::cache::{LoginToken, MAX_CACHE_FILE, cache_file};
use crate::dpop::{DpopKey, uuid_v4};
use crate::token::{error_of, parse_token_response, refresh_body};

/// The sign-in service, by its endpoint settings' names: `AWS_ENDPOINT_URL_SIGNIN`, the
/// `signin` key of a `[services]` section.
pub const SIGNIN: Service = Service::new("Signin", "SIGNIN", "signin");

/// Credentials closer than this to `expiresAt` are renewed (both SDKs' threshold).
pub const REFRESH_WINDOW: Duration = Duration::from_secs(5 * 60);

/// The path of the token call below the endpoint.
const TOKEN_PATH: &str = "/v1/token";

/// Console sign-in credentials (`login_session`, set up by `aws login`).
///
/// Each [`provide`](CredentialSource::provide) reads the session's cache file (see the crate
/// docs). Credentials more than [`REFRESH_WINDOW`] from expiry are answered as they are;
/// closer ones are renewed with the sign-in service (one renewal at a time per source; the
/// file is read again under the lock, so a renewal another caller made is used) and written
/// back atomically with mode 0600. A failed renewal while the cached credentials are still
/// valid answers them and logs a warning (the next call tries again); once they have
/// expired it is an error saying why — a session that expired, a changed password, a
/// missing permission — and to run `aws login` again.
///
/// Errors name the profile, the cache file and the field or endpoint; `plan` and `explain`
/// read nothing and call nothing.
///
/// ```
/// use awsauth_core::{Context, CredentialSource, MapEnv};
/// use awsauth_login::LoginSource;
/// let source = LoginSource::new("arn:aws:iam::0123456789012:user/Admin").profile("signin");
/// let cx = Context::builder().env(MapEnv::from([("HOME", "/home/u")])).build();
/// assert_eq!(source.plan(&cx).unwrap().to_string(),
///            "console sign-in session arn:aws:iam::0123456789012:user/Admin");
/// assert!(source.explain(&cx)[0].reason.contains(
///     "/home/u/.aws/login/cache/36db1d138ff460920374e4c3d8e01f53f9f73537e89c88d639f68393df0e2726.json"));
/// ```
#[derive(Debug)]
pub struct LoginSource {
    name: String,
    profile: Option<String>,
    login_session: String,
    region: Option<String>,
    endpoint: EndpointSettings,
    http: HttpSettings,
    refresh: tokio::sync::Mutex<()>,
}

impl LoginSource {
    /// The source for session `login_session` (its ARN). Named `login` until
    /// [`profile`](Self::profile) names it.
    pub fn new(login_session: impl Into<String>) -> Self {
        Self {
            name: "login".to_owned(),
            profile: None,
            login_session: login_session.into().trim().to_owned(),
            region: None,
            endpoint: EndpointSettings::default(),
            http: HttpSettings::sts(),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    /// The profile with `login_session`: the source is named `profile:<name>`, errors and
    /// the `aws login` advice name it.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.name = format!("profile:{name}");
        self.profile = Some(name);
        self
    }

    /// The profile's `region`: the sign-in region when the token names none and the
    /// environment sets none.
    pub fn region(mut self, region: Option<String>) -> Self {
        self.region = region.filter(|r| !r.trim().is_empty());
        self
    }

    /// How the sign-in endpoint is chosen beyond the environment: an endpoint in code, FIPS /
    /// dual-stack, and the profile's `services` section and `endpoint_url`.
    pub fn endpoint_settings(mut self, settings: EndpointSettings) -> Self {
        self.endpoint = settings;
        self
    }

    /// Time-outs and attempts of the token call (default: STS's).
    pub fn http_settings(mut self, settings: HttpSettings) -> Self {
        self.http = settings;
        self
    }

    /// The session's ARN.
    pub fn login_session(&self) -> &str {
        &self.login_session
    }

    fn login_advice(&self) -> String {
        match &self.profile {
            Some(profile) => format!("run `aws login --profile {profile}`"),
            None => "run `aws login`".to_owned(),
        }
    }

    fn subject(&self) -> String {
        match &self.profile {
            Some(profile) => format!(
                "profile \"{profile}\": console sign-in session {}",
                self.login_session
            ),
            None => format!("console sign-in session {}", self.login_session),
        }
    }

    fn failed(&self, what: impl std::fmt::Display) -> CredentialError {
        CredentialError::provider_failed(&self.name, format!("{}: {what}", self.subject()))
    }

    fn read(&self, cx: &Context, path: &Path) -> Result<LoginToken, CredentialError> {
        let file = path.display();
        let contents =
            cx.fs()
                .read_limited(path, MAX_CACHE_FILE)
                .map_err(|err| match err.kind() {
                    std::io::ErrorKind::NotFound => self.failed(format_args!(
                        "no cached login token at {file}; {}",
                        self.login_advice()
                    )),
                    std::io::ErrorKind::FileTooLarge => self.failed(format_args!(
                        "the login token cache file {file} is larger than {MAX_CACHE_FILE} bytes, \
                     so it is not a token; {}",
                        self.login_advice()
                    )),
                    kind => self.failed(format_args!("cannot read {file}: {kind}")),
                })?;
        LoginToken::parse(&contents.bytes).map_err(|e| {
            self.failed(format_args!(
                "the login token cache file {file} {e}; {}",
                self.login_advice()
            ))
        })
    }

    fn credentials(&self, token: &LoginToken) -> Credentials {
        Credentials::builder(token.access_key_id.clone(), token.secret_access_key.clone())
            .session_token(token.session_token.clone())
            .expiry(token.expires_at)
            .account_id(token.account_id.clone())
            .provenance(format!("login:{}", self.login_session))
            .build()
    }

    fn region_for(&self, cx: &Context, token: &LoginToken) -> Result<String, CredentialError> {
        token
            .sign_in_region
            .clone()
            .or_else(|| cx.env_nonblank("AWS_REGION"))
            .or_else(|| cx.env_nonblank("AWS_DEFAULT_REGION"))
            .or_else(|| self.region.clone())
            .ok_or_else(|| {
                CredentialError::invalid_configuration(
                    &self.name,
                    format!(
                        "{}: renewing the credentials needs the sign-in service's region; set \
                         region in the profile or AWS_REGION",
                        self.subject()
                    ),
                )
            })
    }

    /// Renews `token` with the sign-in service and writes the result back to `path`.
    async fn renew(
        &self,
        cx: &Context,
        path: &Path,
        mut token: LoginToken,
    ) -> Result<LoginToken, CredentialError> {
        let file = path.display();
        let key = DpopKey::from_pem(token.dpop_key.expose_secret()).map_err(|e| {
            self.failed(format_args!(
                "the dpopKey in {file} {e}; {}",
                self.login_advice()
            ))
        })?;
        let region = self.region_for(cx, &token)?;
        let endpoint = resolve_service_endpoint(cx, &SIGNIN, &self.endpoint, &region, generate)
            .map_err(|e| {
                CredentialError::invalid_configuration(
                    &self.name,
                    format!("{}: sign-in endpoint: {e}", self.subject()),
                )
            })?;
        let url = endpoint.url_for(TOKEN_PATH).map_err(|e| {
            CredentialError::invalid_configuration(&self.name, format!("{}: {e}", self.subject()))
        })?;
        let htu = url.to_string();
        let body = Bytes::from(refresh_body(&token.client_id, &token.refresh_token).to_vec());
        // One proof per attempt: a proof's `jti` is meant to be used once.
        let settings = HttpSettings {
            max_attempts: 1,
            ..self.http.clone()
        };
        let attempts = self.http.max_attempts.max(1);
        let mut attempt = 1;
        let response = loop {
            let now = cx.now();
            let iat = now
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            let proof = key.proof(
                "POST",
                &htu,
                iat,
                &uuid_v4(cx.random_u64(), cx.random_u64()),
            );
            let request = HttpRequest::new(Method::POST, url.clone())
                .header(
                    HeaderName::from_static("content-type"),
                    HeaderValue::from_static("application/json"),
                )
                .header(
                    HeaderName::from_static("dpop"),
                    HeaderValue::try_from(proof).map_err(|_| self.failed("bad DPoP proof"))?,
                )
                .body(body.clone());
            let outcome = HttpClient::send_in(cx, request, &settings, default_classifier).await;
            if attempt >= attempts || default_classifier(&outcome) == Retry::No {
                break outcome;
            }
            attempt += 1;
            cx.clock()
                .sleep(cx.jitter(self.http.backoff_ceiling(attempt)))
                .await;
        };
        let response = response.map_err(|err| match err.kind() {
            HttpErrorKind::AttemptTimeout | HttpErrorKind::TotalTimeout => {
                CredentialError::timed_out(
                    &self.name,
                    format!("{}: renewing at {htu}: {err}", self.subject()),
                    err.elapsed().unwrap_or_default(),
                )
            }
            HttpErrorKind::Connect | HttpErrorKind::Io => self
                .failed(format_args!("renewing at {htu}: {err}"))
                .retryable(true),
            _ => self.failed(format_args!("renewing at {htu}: {err}")),
        })?;
        if !response.status.is_success() {
            return Err(self.refused(&htu, &response));
        }
        let answer = parse_token_response(&response.body)
            .map_err(|e| self.failed(format_args!("renewing at {htu}: {e}")))?;
        token.access_key_id = answer.access_key_id;
        token.secret_access_key = answer.secret_access_key;
        token.session_token = answer.session_token;
        token.refresh_token = answer.refresh_token;
        token.expires_at = timefmt::add(cx.now(), Duration::from_secs(answer.expires_in));
        if let Err(err) = cx.fs().write_atomic(path, &token.to_bytes(), 0o600) {
            // The credentials are good; only the next process would have to renew again.
            tracing::warn!(source = %self.name, file = %file, error = %err.kind(), "renewed console sign-in credentials could not be written back to the login token cache");
        }
        tracing::debug!(source = %self.name, endpoint = %htu, expires = %timefmt::rfc3339(token.expires_at), "renewed console sign-in credentials");
        Ok(token)
    }

    fn refused(&self, htu: &str, response: &awsauth_http::HttpResponse) -> CredentialError {
        let status = response.status.as_u16();
        let (code, kind) = error_of(response.header_str("x-amzn-errortype"), &response.body);
        let advice = match code.as_deref() {
            Some("TOKEN_EXPIRED") => Some(format!(
                "the sign-in session has expired; {}",
                self.login_advice()
            )),
            Some("USER_CREDENTIALS_CHANGED") => Some(format!(
                "the password changed since the sign-in; {}",
                self.login_advice()
            )),
            Some("INSUFFICIENT_PERMISSIONS") => {
                Some("the signed-in identity may not call signin:CreateOAuth2Token".to_owned())
            }
            _ => None,
        };
        let what = [kind.clone(), code.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let mut message = format!("renewing at {htu}: the sign-in service answered {status}");
        if !what.is_empty() {
            message.push_str(&format!(" ({what})"));
        }
        if let Some(advice) = advice {
            message.push_str(&format!(": {advice}"));
        }
        let mut err = self
            .failed(message)
            .retryable(status == 429 || status >= 500);
        if let Some(code) = code.or(kind) {
            err = err.with_code(code);
        }
        err
    }
}

/// The sign-in service's own endpoint for a region (its rules: `{region}.signin.aws.amazon.com`
/// in the `aws` partition, FIPS and dual-stack hosts under the partition's suffixes).
fn generate(v: &Variant<'_>) -> String {
    let region = v.region;
    if v.fips {
        return format!("https://signin-fips.{region}.{}", v.dns_suffix());
    }
    if v.dual_stack {
        return format!("https://signin.{region}.{}", v.dns_suffix());
    }
    match v.partition.name {
        "aws" => format!("https://{region}.signin.aws.amazon.com"),
        "aws-cn" => format!("https://{region}.signin.amazonaws.cn"),
        "aws-us-gov" => format!("https://{region}.signin.amazonaws-us-gov.com"),
        _ => format!("https://signin.{region}.{}", v.partition.dns_suffix),
    }
}

#[async_trait]
impl CredentialSource for LoginSource {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        let path = cache_file(cx, &self.login_session).map_err(|e| {
            CredentialError::invalid_configuration(&self.name, format!("{}: {e}", self.subject()))
        })?;
        let fresh = |token: &LoginToken| token.expires_at > timefmt::add(cx.now(), REFRESH_WINDOW);
        let token = self.read(cx, &path)?;
        if fresh(&token) {
            return Ok(self.credentials(&token));
        }
        let _renewing = self.refresh.lock().await;
        // Another caller may have renewed while this one waited.
        let token = self.read(cx, &path)?;
        if fresh(&token) {
            return Ok(self.credentials(&token));
        }
        let old = self.credentials(&token);
        let still_valid = token.expires_at > cx.now();
        match self.renew(cx, &path, token).await {
            Ok(token) => Ok(self.credentials(&token)),
            Err(err) if still_valid => {
                tracing::warn!(source = %self.name, error = %err, "renewing console sign-in credentials failed; the cached ones are still valid and are used");
                Ok(old)
            }
            Err(err) => Err(err),
        }
    }

    fn name(&self) -> &str {
        &self.name
    }

    /// The session; reads no file and calls nothing.
    fn plan(&self, _cx: &Context) -> Result<Plan, CredentialError> {
        Ok(Plan::new(Step::Login {
            login_session: self.login_session.clone(),
        }))
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        match cache_file(cx, &self.login_session) {
            Ok(path) => vec![Explanation::new(
                &self.name,
                Status::Configured,
                format!(
                    "{}, credentials from the login token cache {} (renewed through the \
                     sign-in service within {} minutes of expiry)",
                    self.subject(),
                    path.display(),
                    REFRESH_WINDOW.as_secs() / 60
                ),
            )],
            Err(e) => vec![Explanation::new(
                &self.name,
                Status::Invalid,
                format!("{}: {e}", self.subject()),
            )],
        }
    }
}
