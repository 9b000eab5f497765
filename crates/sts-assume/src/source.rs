//! [`AssumeRoleSource`]: `sts:AssumeRole` on top of a base source.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, Status, Step,
    async_trait, nonblank, quoted,
};
use awsauth_sts::{
    AssumeRoleInput, RoleArn, StsClient, ValidationError, default_session_name, validate_duration,
    validate_external_id, validate_session_name,
};

/// The session length asked for when none is set: 15 minutes, Grafana's `session_duration`
/// default (STS's own default would be one hour).
pub const DEFAULT_DURATION: Duration = Duration::from_secs(15 * 60);

/// Temporary credentials for a role, from `sts:AssumeRole` signed with a base source's
/// credentials.
///
/// - **Base credentials per call**: every [`provide`](CredentialSource::provide) asks the base
///   source again, so a base that caches and refreshes keeps working; this source caches
///   nothing itself (wrap it in the caching layer for that).
/// - **Provenance**: the base's provenance followed by `assume-role:<role ARN>`, e.g.
///   `env -> assume-role:arn:aws:iam::123456789012:role/reader`. Nesting one source in another
///   (a role chain) adds one step per hop.
/// - **Session name**: the configured one, else `awsauth-<unix millis>` from the context's clock.
/// - **Validation**: role ARN, external ID, session name and duration are checked before the
///   base is asked and before any request; a bad one is
///   [`InvalidConfiguration`](CredentialError::InvalidConfiguration) naming the field.
///
/// ## When the base has no credentials
///
/// A base that answers [`NotConfigured`](CredentialError::NotConfigured) makes this source
/// answer `NotConfigured` too (naming the role and the base's reasons). Without base
/// credentials there is nothing to assume the role *with*, which is the same situation as
/// "this source has nothing to offer here": inside a [`Chain`](awsauth_core::Chain) the next
/// link is tried. Where the user explicitly asked for the role (Grafana's Assume Role ARN
/// field), wrap the source in [`only`](awsauth_core::only) so the missing base becomes an error.
/// Any other base error is returned unchanged: it is the root cause.
#[derive(Clone)]
pub struct AssumeRoleSource {
    // Exact-size and static where possible: a server may hold one per data source.
    name: Cow<'static, str>,
    base: Arc<dyn CredentialSource>,
    role_arn: Box<str>,
    external_id: Option<Box<str>>,
    session_name: Option<Box<str>>,
    duration: Duration,
    client: StsClient,
}

impl fmt::Debug for AssumeRoleSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleSource")
            .field("name", &self.name)
            .field("base", &self.base.name())
            .field("role_arn", &quoted(&self.role_arn))
            .field("external_id", &self.external_id.as_ref().map(|_| "set"))
            .field("session_name", &self.session_name)
            .field("duration", &self.duration)
            .field("client", &self.client)
            .finish()
    }
}

impl AssumeRoleSource {
    /// Assumes `role_arn` with the credentials of `base`.
    pub fn new(base: impl CredentialSource + 'static, role_arn: impl Into<String>) -> Self {
        Self::from_shared(Arc::new(base), role_arn)
    }

    /// Assumes `role_arn` with the credentials of a shared `base`.
    pub fn from_shared(base: Arc<dyn CredentialSource>, role_arn: impl Into<String>) -> Self {
        Self {
            name: Cow::Borrowed("assume-role"),
            base,
            role_arn: role_arn.into().trim().into(),
            external_id: None,
            session_name: None,
            duration: DEFAULT_DURATION,
            client: StsClient::new(),
        }
    }

    /// The external ID the role's trust policy requires (Grafana's **External ID**). Blank
    /// means none.
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = nonblank(&external_id.into()).map(Box::from);
        self
    }

    /// The role session name (shown in CloudTrail). Blank means the default,
    /// `awsauth-<unix millis>`.
    pub fn session_name(mut self, session_name: impl Into<String>) -> Self {
        self.session_name = nonblank(&session_name.into()).map(Box::from);
        self
    }

    /// The session length (900 to 43200 seconds; [`DEFAULT_DURATION`] by default).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = duration;
        self
    }

    /// The STS client the call goes through: its endpoint, region, FIPS and HTTP settings
    /// (`StsClient::new()`, everything from the environment, by default). The one place these
    /// are set, so the source does not repeat the client's builder.
    pub fn sts_client(mut self, client: StsClient) -> Self {
        self.client = client;
        self
    }

    /// Renames the source (in errors and `explain`).
    pub fn named(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = name.into();
        self
    }

    /// The role ARN.
    pub fn role_arn(&self) -> &str {
        &self.role_arn
    }

    /// The base source.
    pub fn base(&self) -> &Arc<dyn CredentialSource> {
        &self.base
    }

    fn validate(&self) -> Result<(), ValidationError> {
        if self.role_arn.is_empty() {
            return Err(ValidationError {
                field: "role ARN".to_owned(),
                message: "is empty".to_owned(),
            });
        }
        RoleArn::parse("role ARN", &self.role_arn)?;
        if let Some(external_id) = &self.external_id {
            validate_external_id("external ID", external_id)?;
        }
        if let Some(session_name) = &self.session_name {
            validate_session_name("session name", session_name)?;
        }
        validate_duration("duration", self.duration)
    }

    fn session_name_for(&self, cx: &Context) -> String {
        self.session_name
            .as_deref()
            .map_or_else(|| default_session_name(cx), str::to_owned)
    }

    fn step(&self) -> String {
        // Only the first line: the rest of an unchecked value may be another setting.
        format!("assume-role:{}", quoted(&self.role_arn).first_line())
    }
}

#[async_trait]
impl CredentialSource for AssumeRoleSource {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        self.validate().map_err(|e| {
            CredentialError::invalid_configuration(
                &*self.name,
                format!("assuming {}: {e}", quoted(&self.role_arn)),
            )
        })?;
        let base = match self.base.provide(cx).await {
            Ok(base) => base,
            Err(err) if err.is_not_configured() => {
                tracing::debug!(source = %self.name, role_arn = %self.role_arn, base = self.base.name(), "no base credentials; not configured");
                return Err(CredentialError::not_configured(
                    &*self.name,
                    format!(
                        "no base credentials to assume {} with ({})",
                        self.role_arn,
                        err.message()
                    ),
                ));
            }
            Err(err) => return Err(err),
        };
        let mut input = AssumeRoleInput::new(&*self.role_arn, self.session_name_for(cx))
            .duration(self.duration)
            .provenance(base.provenance().then(self.step()));
        if let Some(external_id) = &self.external_id {
            input = input.external_id(&**external_id);
        }
        tracing::debug!(source = %self.name, role_arn = %self.role_arn, base = %base.provenance(), "assuming role");
        self.client
            .assume_role(cx, &base, &input)
            .await
            .map(|assumed| assumed.credentials)
            .map_err(|e| e.into_credential_error(&self.name))
    }

    fn name(&self) -> &str {
        &self.name
    }

    /// The base's plan, then this hop — with the same checks `provide` makes before it calls
    /// STS (the role, external id, session name and duration; the endpoint).
    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        self.validate().map_err(|e| {
            CredentialError::invalid_configuration(
                &*self.name,
                format!("assuming {}: {e}", quoted(&self.role_arn)),
            )
        })?;
        let endpoint = self.client.resolve_endpoint(cx).map_err(|e| {
            CredentialError::invalid_configuration(
                &*self.name,
                format!("assuming {}: STS endpoint: {e}", self.role_arn),
            )
        })?;
        let base = match self.base.plan(cx) {
            Err(err) if err.is_not_configured() => {
                return Err(CredentialError::not_configured(
                    &*self.name,
                    format!(
                        "no base credentials to assume {} with ({})",
                        self.role_arn,
                        err.message()
                    ),
                ));
            }
            other => other?,
        };
        Ok(base.then(Step::AssumeRole {
            role_arn: self.role_arn.to_string(),
            external_id: self.external_id.as_deref().map(str::to_owned),
            role_session_name: self.session_name.as_deref().map(str::to_owned),
            duration_seconds: Some(self.duration.as_secs()),
            region: Some(endpoint.signing_region().to_owned()),
        }))
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        let mut lines = self.base.explain(cx);
        let base_missing = !lines.is_empty()
            && lines
                .iter()
                .all(|line| line.status == Status::NotConfigured);
        let own = match (self.validate(), self.client.resolve_endpoint(cx)) {
            (Err(e), _) => Explanation::new(
                &*self.name,
                Status::Invalid,
                format!("assuming {}: {e}", quoted(&self.role_arn)),
            ),
            (Ok(()), Err(e)) => Explanation::new(
                &*self.name,
                Status::Invalid,
                format!("assuming {}: STS endpoint: {e}", self.role_arn),
            ),
            (Ok(()), Ok(_)) if base_missing => Explanation::new(
                &*self.name,
                Status::NotConfigured,
                format!(
                    "no base credentials to assume {} with (base `{}`)",
                    self.role_arn,
                    self.base.name()
                ),
            ),
            (Ok(()), Ok(endpoint)) => {
                let session = self
                    .session_name
                    .as_deref()
                    .unwrap_or("awsauth-<unix millis>");
                let external = if self.external_id.is_some() {
                    ", with an external ID"
                } else {
                    ""
                };
                Explanation::new(
                    &*self.name,
                    Status::Configured,
                    format!(
                        "assumes {} with the credentials of `{}` (session {session}, {} s{external}) via STS at {endpoint} ({}, signed for {})",
                        self.role_arn,
                        self.base.name(),
                        self.duration.as_secs(),
                        endpoint.origin().describe(),
                        endpoint.signing_region(),
                    ),
                )
            }
        };
        lines.push(own);
        lines
    }
}
