//! [`ImdsSource`]: the instance profile's role credentials, with static stability.

use std::sync::Mutex;
use std::time::Duration;

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, Status, Step,
    async_trait, timefmt,
};

use crate::SOURCE_NAME;
use crate::client::{Failure, Fetched, ImdsClient};
use crate::endpoint::{DISABLED_ENV, disabled};
use crate::parse;

const EXTENDED_PATH: &str = "/latest/meta-data/iam/security-credentials-extended/";
const LEGACY_PATH: &str = "/latest/meta-data/iam/security-credentials/";
/// Static stability pushes the expiry of the last good credentials this far ahead, plus up to
/// [`STABILITY_JITTER`], so many instances do not all retry IMDS at the same moment.
const STABILITY_MIN: Duration = Duration::from_secs(5 * 60);
const STABILITY_JITTER: Duration = Duration::from_secs(10 * 60);

/// Which credentials API answered on this instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    /// `security-credentials-extended/`: adds `AccountId`.
    Extended,
    /// `security-credentials/`: every instance has it.
    Legacy,
}

impl Api {
    fn path(self) -> &'static str {
        match self {
            Self::Extended => EXTENDED_PATH,
            Self::Legacy => LEGACY_PATH,
        }
    }
}

#[derive(Debug, Default)]
struct State {
    /// Learned on first success; `None` = try extended, then legacy.
    api: Option<Api>,
    /// The discovered role name (not used when one is configured).
    role: Option<String>,
    /// The last credentials that were valid when received.
    last_good: Option<Credentials>,
}

/// Credentials of the IAM role attached to the EC2 instance — Grafana's **Workspace IAM role**
/// auth type, and the last link of the default chain.
///
/// Each call asks IMDS anew (put a cache in front of it); the session token, the role name and
/// which credentials API the instance supports are remembered between calls.
///
/// - Answers [`NotConfigured`](CredentialError::NotConfigured) when
///   `AWS_EC2_METADATA_DISABLED=true`, when nothing answers at the endpoint (not on EC2), or
///   when the instance has no role (404). Every other failure stops a chain.
/// - **Static stability**: when IMDS becomes unreachable or slow, or hands out credentials that
///   have already expired, the last good credentials are served again with their expiry pushed
///   5–15 minutes ahead (jittered) and a warning is logged. Credentials that were never valid
///   when received are never served.
///
/// ```
/// use awsauth_core::{Context, CredentialSource, MapEnv, Status};
/// use awsauth_imds::ImdsSource;
/// let source = ImdsSource::new();
/// let cx = Context::builder().env(MapEnv::from([("AWS_EC2_METADATA_DISABLED", "TRUE")])).build();
/// assert_eq!(source.explain(&cx)[0].status, Status::NotConfigured);
/// ```
#[derive(Debug)]
pub struct ImdsSource {
    client: ImdsClient,
    role: Option<String>,
    state: Mutex<State>,
}

impl Default for ImdsSource {
    fn default() -> Self {
        Self::new()
    }
}

impl ImdsSource {
    /// A source with a default [`ImdsClient`] that discovers the role.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A builder.
    pub fn builder() -> ImdsSourceBuilder {
        ImdsSourceBuilder {
            client: None,
            role: None,
        }
    }

    /// The client (share it with a region lookup so both use one session token).
    pub fn client(&self) -> &ImdsClient {
        &self.client
    }

    /// The instance's region through the same client and session token.
    pub async fn region(&self, cx: &Context) -> Result<String, CredentialError> {
        self.client.region(cx).await
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The last good credentials with a pushed expiry, if there are any.
    fn stale(&self, cx: &Context, why: &str) -> Option<Credentials> {
        let last = self.state().last_good.clone()?;
        let expiry = timefmt::add(cx.now(), STABILITY_MIN + cx.jitter(STABILITY_JITTER));
        tracing::warn!(
            access_key_id = last.access_key_id(),
            original_expiry = %last.expiry().map(timefmt::rfc3339).unwrap_or_default(),
            extended_to = %timefmt::rfc3339(expiry),
            reason = why,
            "IMDS could not refresh the instance credentials; serving the last good ones for a while (static stability)"
        );
        Some(last.with_expiry(Some(expiry)))
    }

    async fn fetch_credentials(&self, cx: &Context) -> Result<Credentials, Failure> {
        if let Some(role) = &self.role
            && !parse::is_role_name(role)
        {
            return Err(Failure::Fatal(invalid_role(role)));
        }
        let (api, known_role) = {
            let state = self.state();
            (state.api, state.role.clone())
        };
        let (api, role) = match (&self.role, known_role) {
            (Some(configured), _) => (api, configured.clone()),
            (None, Some(known)) => (api, known),
            (None, None) => {
                let (api, role) = self.discover_role(cx, api).await?;
                (Some(api), role)
            }
        };
        match self.credentials_for(cx, api, &role).await? {
            Some(credentials) => Ok(credentials),
            None if self.role.is_none() => {
                // The discovered role is gone (the instance profile changed): look again once.
                tracing::debug!(role = %role, "role no longer listed; discovering it again");
                self.state().role = None;
                let (api, role) = self.discover_role(cx, api).await?;
                self.credentials_for(cx, Some(api), &role)
                    .await?
                    .ok_or_else(|| Self::no_role_error(&role))
            }
            None => Err(Failure::Fatal(CredentialError::invalid_configuration(
                SOURCE_NAME,
                format!(
                    "the configured role `{role}` is not attached to this instance (IMDS answered 404 for it)"
                ),
            ))),
        }
    }

    fn no_role_error(role: &str) -> Failure {
        Failure::Fatal(CredentialError::provider_failed(
            SOURCE_NAME,
            format!("IMDS listed role `{role}` but has no credentials for it (404)"),
        ))
    }

    /// The role name from the role listing: extended first, legacy when extended is missing.
    async fn discover_role(
        &self,
        cx: &Context,
        api: Option<Api>,
    ) -> Result<(Api, String), Failure> {
        let order: &[Api] = match api {
            Some(Api::Legacy) => &[Api::Legacy],
            _ => &[Api::Extended, Api::Legacy],
        };
        let mut last_404 = None;
        for &candidate in order {
            let fetched = self.client.fetch(cx, candidate.path()).await?;
            match fetched.status() {
                200 => {
                    let role = parse::role_listing(&fetched.response.body).ok_or_else(|| {
                        Failure::Fatal(
                            fetched.failed("the role listing does not start with an IAM role name"),
                        )
                    })?;
                    let mut state = self.state();
                    state.api = Some(candidate);
                    state.role = Some(role.clone());
                    return Ok((candidate, role));
                }
                404 => last_404 = Some(fetched.url),
                _ => return Err(status_failure(&fetched, "listing the instance's role")),
            }
        }
        Err(Failure::Absent(CredentialError::not_configured(
            SOURCE_NAME,
            format!(
                "no IAM role is attached to this instance (GET {} answered 404)",
                last_404.unwrap_or_else(|| LEGACY_PATH.to_owned())
            ),
        )))
    }

    /// The role's credentials; `Ok(None)` when IMDS says 404 for the role on every API tried.
    async fn credentials_for(
        &self,
        cx: &Context,
        api: Option<Api>,
        role: &str,
    ) -> Result<Option<Credentials>, Failure> {
        let order: &[Api] = match api {
            Some(Api::Extended) => &[Api::Extended],
            Some(Api::Legacy) => &[Api::Legacy],
            None => &[Api::Extended, Api::Legacy],
        };
        for &candidate in order {
            let path = format!("{}{role}", candidate.path());
            let fetched = self.client.fetch(cx, &path).await?;
            match fetched.status() {
                200 => {
                    let credentials =
                        parse::credentials(&fetched.response.body, role, &fetched.url)?;
                    self.state().api = Some(candidate);
                    return Ok(Some(credentials));
                }
                404 => continue,
                _ => return Err(status_failure(&fetched, "fetching the role's credentials")),
            }
        }
        Ok(None)
    }
}

fn invalid_role(role: &str) -> CredentialError {
    let shown: String = role.chars().take(64).collect();
    CredentialError::invalid_configuration(
        SOURCE_NAME,
        format!("`{shown}` is not an IAM role name (1-64 letters, digits and +=,.@_-)"),
    )
}

fn status_failure(fetched: &Fetched, what: &str) -> Failure {
    let err = fetched.status_error(what);
    if err.is_retryable() {
        Failure::Outage(err)
    } else {
        Failure::Fatal(err)
    }
}

#[async_trait]
impl CredentialSource for ImdsSource {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        match self.fetch_credentials(cx).await {
            Ok(credentials) => {
                let now = cx.now();
                if credentials.is_expired_at(now) {
                    let why = format!(
                        "IMDS returned credentials that expired at {}",
                        credentials
                            .expiry()
                            .map(timefmt::rfc3339)
                            .unwrap_or_default()
                    );
                    return self.stale(cx, &why).ok_or_else(|| {
                        CredentialError::provider_failed(
                            SOURCE_NAME,
                            format!(
                                "{why} (it is {} here; is the system clock right?)",
                                timefmt::rfc3339(now)
                            ),
                        )
                        .retryable(true)
                    });
                }
                self.state().last_good = Some(credentials.clone());
                tracing::debug!(provenance = %credentials.provenance(), access_key_id = credentials.access_key_id(), "instance credentials resolved");
                Ok(credentials)
            }
            Err(Failure::Unreachable(err) | Failure::Outage(err)) => {
                match self.stale(cx, &err.to_string()) {
                    Some(stale) => Ok(stale),
                    None => Err(err),
                }
            }
            Err(failure) => Err(failure.into_error()),
        }
    }

    fn name(&self) -> &str {
        SOURCE_NAME
    }

    /// The instance role, unless IMDS is disabled or configured wrongly; only trying tells
    /// whether this is EC2.
    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        if disabled(cx) {
            return Err(CredentialError::not_configured(
                SOURCE_NAME,
                format!("{DISABLED_ENV} is set to true"),
            ));
        }
        if let Some(role) = self.role.as_deref().filter(|r| !parse::is_role_name(r)) {
            return Err(invalid_role(role));
        }
        self.client.resolve_endpoint(cx)?;
        self.client.settings_in(cx)?;
        Ok(Plan::new(Step::named_source("Ec2InstanceMetadata")))
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        let line = if disabled(cx) {
            Explanation::new(
                SOURCE_NAME,
                Status::NotConfigured,
                format!("{DISABLED_ENV} is set to true"),
            )
        } else if let Some(role) = self.role.as_deref().filter(|r| !parse::is_role_name(r)) {
            Explanation::new(SOURCE_NAME, Status::Invalid, invalid_role(role).message())
        } else {
            match self
                .client
                .resolve_endpoint(cx)
                .and_then(|endpoint| Ok((endpoint, self.client.settings_in(cx)?)))
            {
                Err(err) => Explanation::new(SOURCE_NAME, Status::Invalid, err.message()),
                Ok((endpoint, _)) => {
                    let role = match &self.role {
                        Some(role) => format!("the configured role `{role}`"),
                        None => "the role attached to the instance".to_owned(),
                    };
                    let v1 = if self.client.allows_imdsv1_fallback() {
                        ", falling back to IMDSv1 if tokens fail"
                    } else {
                        ""
                    };
                    Explanation::new(
                        SOURCE_NAME,
                        Status::Unknown,
                        format!(
                            "would ask the instance metadata service at {} ({}) with IMDSv2 session tokens{v1}, for {role}; only trying tells whether this is EC2",
                            endpoint.url(),
                            endpoint.origin()
                        ),
                    )
                }
            }
        };
        vec![line]
    }
}

/// Builder for [`ImdsSource`]; see [`ImdsSource::builder`].
#[derive(Debug)]
pub struct ImdsSourceBuilder {
    client: Option<ImdsClient>,
    role: Option<String>,
}

impl ImdsSourceBuilder {
    /// The client to use (shared with region lookups); default [`ImdsClient::new`].
    pub fn client(mut self, client: ImdsClient) -> Self {
        self.client = Some(client);
        self
    }

    /// Uses this role instead of discovering it from the role listing. A name that cannot be
    /// an IAM role name makes every call fail with `InvalidConfiguration`.
    pub fn role_name(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// Finishes.
    pub fn build(self) -> ImdsSource {
        ImdsSource {
            client: self.client.unwrap_or_default(),
            role: self
                .role
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty()),
            state: Mutex::new(State::default()),
        }
    }
}
