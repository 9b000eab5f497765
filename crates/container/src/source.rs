//! [`ContainerSource`]: ask the ECS agent or the EKS Pod Identity agent.

use std::time::Duration;

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, Status, Step,
    async_trait, timefmt,
};
use awsauth_http::{
    HttpClient, HttpErrorKind, HttpRequest, HttpSettings, Method, StatusCode, default_classifier,
};

use crate::SOURCE_NAME;
use crate::parse;
use crate::target::{ECS_ENDPOINT, Target, TokenFrom};

/// Credentials from the container's credential agent: ECS task roles
/// (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, served at `http://169.254.170.2`) and EKS Pod
/// Identity or any local credential server (`AWS_CONTAINER_CREDENTIALS_FULL_URI`).
///
/// - Unset variables: [`NotConfigured`](CredentialError::NotConfigured), so a chain moves on.
///   Once a variable is set, every failure (unreachable agent included) stops the chain.
/// - A full URI may use plain http only to a loopback address or to the ECS/EKS agent
///   addresses `169.254.170.2`, `169.254.170.23`, `[fd00:ec2::23]`; anything else must be
///   https. A refused URI is [`InvalidConfiguration`](CredentialError::InvalidConfiguration)
///   naming the variable and the host.
/// - `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read through the context's file system on every
///   call, since the agent rotates it) or else `AWS_CONTAINER_AUTHORIZATION_TOKEN` becomes the
///   `Authorization` header. It is a secret: never logged, never in an error.
///
/// ```
/// use awsauth_core::{Context, CredentialSource, MapEnv, Status};
/// use awsauth_container::ContainerSource;
/// let cx = Context::builder()
///     .env(MapEnv::from([("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://10.0.0.1/creds")]))
///     .build();
/// let line = &ContainerSource::new().explain(&cx)[0];
/// assert_eq!(line.status, Status::Invalid);
/// assert!(line.reason.contains("10.0.0.1"));
/// ```
#[derive(Debug, Clone)]
pub struct ContainerSource {
    settings: HttpSettings,
    ecs_base: String,
}

impl Default for ContainerSource {
    fn default() -> Self {
        Self::new()
    }
}

impl ContainerSource {
    /// The source with the defaults: connect 1 s, attempt 1 s, 3 attempts, 5 s in all, 64 KiB.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A builder.
    pub fn builder() -> ContainerSourceBuilder {
        ContainerSourceBuilder {
            settings: HttpSettings::metadata(),
            ecs_base: ECS_ENDPOINT.to_owned(),
        }
    }

    async fn fetch(&self, cx: &Context, target: &Target) -> Result<Credentials, CredentialError> {
        let mut request = HttpRequest::new(Method::GET, target.uri.clone()).header(
            awsauth_http::HeaderName::from_static("accept"),
            awsauth_http::HeaderValue::from_static("application/json"),
        );
        if let Some(value) = target.authorization(cx)? {
            request = request.header(
                awsauth_http::HeaderName::from_static("authorization"),
                value,
            );
        }
        let endpoint = request.endpoint();
        let variable = target.variable;
        let response = HttpClient::send_in(cx, request, &self.settings, default_classifier)
            .await
            .map_err(|err| match err.kind() {
                HttpErrorKind::AttemptTimeout | HttpErrorKind::TotalTimeout => {
                    CredentialError::timed_out(
                        SOURCE_NAME,
                        format!("{err} (endpoint from {variable})"),
                        err.elapsed().unwrap_or_default(),
                    )
                }
                HttpErrorKind::Connect | HttpErrorKind::Io => CredentialError::provider_failed(
                    SOURCE_NAME,
                    format!("{err} (endpoint from {variable}; is the credential agent running?)"),
                )
                .retryable(true)
                .with_cause(err),
                _ => CredentialError::provider_failed(
                    SOURCE_NAME,
                    format!("{err} (endpoint from {variable})"),
                )
                .with_cause(err),
            })?;
        let status = response.status;
        if status.is_success() {
            return parse::credentials(&response.body, &endpoint, &target.provenance);
        }
        let (code, message) = parse::error_body(&response.body);
        let detail = match (&code, &message) {
            (Some(c), Some(m)) => format!(": {c}: {m}"),
            (Some(c), None) => format!(": {c}"),
            (None, Some(m)) => format!(": {m}"),
            (None, None) => String::new(),
        };
        Err(CredentialError::provider_failed(
            SOURCE_NAME,
            format!(
                "GET {endpoint} (from {variable}) answered HTTP {}{detail}",
                status.as_u16()
            ),
        )
        .with_code(code.unwrap_or_else(|| status.as_u16().to_string()))
        .retryable(status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS))
    }
}

#[async_trait]
impl CredentialSource for ContainerSource {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        let target = Target::resolve(cx, &self.ecs_base)?;
        let credentials = self.fetch(cx, &target).await?;
        let now = cx.now();
        if let Some(expiry) = credentials
            .expiry()
            .filter(|_| credentials.is_expired_at(now))
        {
            return Err(CredentialError::provider_failed(
                SOURCE_NAME,
                format!(
                    "the credentials from {} expired at {}, and it is {} here; is the system clock right?",
                    target.variable,
                    timefmt::rfc3339(expiry),
                    timefmt::rfc3339(now)
                ),
            )
            .retryable(true));
        }
        tracing::debug!(provenance = %credentials.provenance(), access_key_id = credentials.access_key_id(), "container credentials resolved");
        Ok(credentials)
    }

    fn name(&self) -> &str {
        SOURCE_NAME
    }

    /// The container endpoint, when its variables are set and valid.
    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        Target::resolve(cx, &self.ecs_base)?;
        Ok(Plan::new(Step::named_source("EcsContainer")))
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        let line = match Target::resolve(cx, &self.ecs_base) {
            Err(err) if err.is_not_configured() => {
                Explanation::new(SOURCE_NAME, Status::NotConfigured, err.message())
            }
            Err(err) => Explanation::new(SOURCE_NAME, Status::Invalid, err.message()),
            Ok(target) => {
                let token_problem = match &target.token {
                    TokenFrom::File(path) => cx.fs().metadata(path).err().map(|e| {
                        format!(
                            "{} points at {}, which cannot be read: {e}",
                            crate::AUTH_TOKEN_FILE_ENV,
                            path.display()
                        )
                    }),
                    _ => None,
                };
                match token_problem {
                    Some(problem) => Explanation::new(SOURCE_NAME, Status::Invalid, problem),
                    None => Explanation::new(
                        SOURCE_NAME,
                        Status::Configured,
                        format!(
                            "{} is set: would GET {} with {}",
                            target.variable,
                            awsauth_http::HttpRequest::new(Method::GET, target.uri.clone())
                                .endpoint(),
                            target.token_description()
                        ),
                    ),
                }
            }
        };
        vec![line]
    }
}

/// Builder for [`ContainerSource`]; see [`ContainerSource::builder`].
#[derive(Debug, Clone)]
pub struct ContainerSourceBuilder {
    settings: HttpSettings,
    ecs_base: String,
}

impl ContainerSourceBuilder {
    /// All HTTP settings at once (defaults: [`HttpSettings::metadata`]).
    pub fn http_settings(mut self, settings: HttpSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Time allowed to connect (default 1 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// Time allowed for one attempt, body included (default 1 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.settings.attempt_timeout = timeout;
        self
    }

    /// Time allowed for the whole request, retries included (default 5 s).
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.settings.total_timeout = timeout;
        self
    }

    /// Attempts at most (default 3; at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.settings.max_attempts = attempts.max(1);
        self
    }

    /// Where relative URIs are resolved (default `http://169.254.170.2`, the ECS agent). Only
    /// tests and unusual agents need another; it is not checked against the allow-list, since
    /// it comes from code, not from the environment.
    pub fn relative_uri_base(mut self, base: impl Into<String>) -> Self {
        self.ecs_base = base.into();
        self
    }

    /// Finishes.
    pub fn build(self) -> ContainerSource {
        ContainerSource {
            settings: self.settings,
            ecs_base: self.ecs_base,
        }
    }
}
