//! Deciding what to build: the [`SourceFactory`] seam and [`build_session`], which turns a data
//! source's settings and the server's policy into a [`Session`].
//!
//! `datasource` decides *what* to build (which source for which auth type, no-fallback wrapping,
//! assume role on top, the STS region rule, the endpoint rules). *How* each source is built —
//! executing a profile plan, the default chain, IMDS, STS — is the [`SourceFactory`]'s job,
//! implemented for production by [`StandardFactory`](crate::StandardFactory) with the
//! composition crate below (`awsauth-chain`), so this crate stays a thin policy-and-settings
//! layer and tests can hand in a fake factory that records what was asked.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use awsauth_core::{
    CachedSource, Chain, Context, CredentialError, CredentialSource, Credentials, Explanation,
    Plan, SecretString, async_trait, only,
};
use awsauth_static::{KeyDirectorySource, KeysSource};

use crate::endpoint::check_region;
use crate::isolation;
use crate::stats::{SessionReport, SessionStats, Tracked};
use crate::{
    AuthSettings, AuthType, DatasourceError, DatasourceSettings, Endpoints, StsOptions,
    sts_region_for,
};

/// A key pair for the `keys` auth type. `Debug` redacts the secret and the token.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct KeyPair {
    /// The access key id (`secureJsonData.accessKey`).
    pub access_key_id: Option<String>,
    /// The secret access key (`secureJsonData.secretKey`).
    pub secret_access_key: Option<SecretString>,
    /// The session token (`secureJsonData.sessionToken`).
    pub session_token: Option<SecretString>,
}

/// Everything an AssumeRole source needs besides its base credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssumeRoleParams {
    /// The role to assume.
    pub role_arn: String,
    /// The external id to send, if any.
    pub external_id: Option<String>,
    /// The role session name; `None` lets the source choose one.
    pub session_name: Option<String>,
    /// The requested session duration (`DurationSeconds`), from [`AuthSettings`].
    pub duration: Duration,
    /// Where the AssumeRole call goes.
    pub sts: StsOptions,
}

impl AssumeRoleParams {
    /// Parameters for `role_arn` with `duration`, no external id, default session name and STS
    /// options.
    pub fn new(role_arn: impl Into<String>, duration: Duration) -> Self {
        Self {
            role_arn: role_arn.into(),
            external_id: None,
            session_name: None,
            duration,
            sts: StsOptions::default(),
        }
    }
}

/// How the sources a data source needs are built: the seam between this crate (which decides
/// what to build) and the composition crate (which knows how).
///
/// Every method only *constructs* a source — no I/O, no network. The returned sources do their
/// work in [`CredentialSource::provide`], so an STS failure surfaces on the first credential
/// fetch, not at construction. Sources should answer
/// [`NotConfigured`](CredentialError::NotConfigured) when their inputs are absent: this crate
/// wraps `keys`, `credentials`, `ec2_iam_role` and `grafana_assume_role` sources in
/// [`only`](awsauth_core::only) so that becomes a clear "selected but …" error.
pub trait SourceFactory: Send + Sync + fmt::Debug {
    /// The `keys` auth type: static keys from the data source's secure settings. The default
    /// builds a source named `keys` that behaves as an [`awsauth_static::StaticSource`] named
    /// `keys` with field names `accessKey` and `secretKey` (blank is absent; both absent is
    /// "not configured", one absent is "invalid configuration"), in a third of the memory —
    /// a session cache holds one per data source.
    fn keys(&self, keys: KeyPair) -> Arc<dyn CredentialSource> {
        Arc::new(KeysSource::new(
            keys.access_key_id,
            keys.secret_access_key,
            keys.session_token,
        ))
    }

    /// A profile of the shared config and credentials files, executed fully (static keys,
    /// `role_arn` with `source_profile` or `credential_source`, web identity, process, SSO as
    /// supported). `name: None` means `AWS_PROFILE`, else `default`. `credentials_file: Some`
    /// replaces the shared credentials file's location. STS calls the profile needs follow
    /// `sts`.
    fn profile(
        &self,
        name: Option<&str>,
        credentials_file: Option<&Path>,
        sts: &StsOptions,
    ) -> Arc<dyn CredentialSource>;

    /// The `ec2_iam_role` auth type: the role of the machine or container the server runs in —
    /// the container credentials endpoint when `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or
    /// `_FULL_URI` is set (an ECS task role, EKS Pod Identity), else the instance role from
    /// IMDS; never the one after the other.
    fn ec2_iam_role(&self) -> Arc<dyn CredentialSource>;

    /// The SDK default chain: env → profile (`AWS_PROFILE`) → web identity → container → IMDS.
    /// STS calls (web identity, profile roles) follow `sts`.
    fn default_chain(&self, sts: &StsOptions) -> Arc<dyn CredentialSource>;

    /// AssumeRole with credentials from `base`. The source should call STS lazily (on
    /// `provide`) and cache nothing itself: the session layer wraps the result in the cache.
    fn assume_role(
        &self,
        base: Arc<dyn CredentialSource>,
        params: AssumeRoleParams,
    ) -> Arc<dyn CredentialSource>;
}

/// A data source's resolved session: its credential source plus the region and endpoints a
/// caller needs to build service clients.
///
/// It is itself a [`CredentialSource`] (delegating to [`source`](Self::source)). Kept small
/// (one allocation besides the region) because a [`SessionCache`](crate::SessionCache) holds
/// one per data source.
#[derive(Debug, Clone)]
pub struct Session {
    source: Arc<dyn CredentialSource>,
    auth_type: AuthType,
    region: Option<Box<str>>,
    /// `None` when the data source sets no endpoint (the common case).
    endpoints: Option<Box<Endpoints>>,
    /// The counted upstream below the cache, for [`report`](Self::report): set at build for
    /// every session with an upstream; a plain `keys` session (none, never counted) gets one
    /// only to hold its label.
    tracked: OnceLock<Arc<Tracked>>,
}

impl Session {
    /// The credential source, wrapped in the credentials cache (except plain `keys`, whose
    /// credentials are in memory already).
    pub fn source(&self) -> Arc<dyn CredentialSource> {
        Arc::clone(&self.source)
    }

    /// The auth type the session was built for.
    pub fn auth_type(&self) -> AuthType {
        self.auth_type
    }

    /// What the session's upstream did: last credentials' provenance and expiry, last
    /// refresh, last error, call counts. No secret. Plain `keys` sessions have no upstream and
    /// report no calls.
    pub fn report(&self) -> SessionReport {
        match self.tracked.get() {
            Some(tracked) => tracked.stats().report(self.auth_type),
            None => SessionStats::default().report(self.auth_type),
        }
    }

    /// Sets the operator's label once (the first data source that asked for these settings).
    pub(crate) fn label(&self, label: &str) {
        self.tracked
            .get_or_init(|| Arc::new(Tracked::new(Arc::clone(&self.source))))
            .stats()
            .label(label);
    }

    /// Upstream calls and how many failed (both zero without an upstream).
    pub(crate) fn upstream_counts(&self) -> (u64, u64) {
        self.tracked.get().map_or((0, 0), |tracked| {
            (tracked.stats().calls(), tracked.stats().failures())
        })
    }

    /// The data source's region (`region`, else `defaultRegion`), for service clients.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The base URL for service clients, when the data source sets a custom one.
    pub fn service_endpoint(&self) -> Option<&str> {
        self.endpoints.as_ref()?.service_endpoint.as_deref()
    }

    /// Whether service clients should use FIPS endpoints.
    pub fn use_fips(&self) -> bool {
        self.endpoints.as_ref().is_some_and(|e| e.use_fips)
    }

    /// The classified endpoint settings.
    pub fn endpoints(&self) -> Endpoints {
        self.endpoints.as_deref().cloned().unwrap_or_default()
    }

    /// Where the data source's own STS call (its assume-role hop) goes: its STS region, FIPS
    /// and — except for `grafana_assume_role` — its STS endpoint, which
    /// [`build_session`] has checked against the server's policy.
    pub fn sts(&self) -> StsOptions {
        own_hop_sts(self.auth_type, self.region(), &self.endpoints())
    }
}

/// The STS options of a data source's own assume-role hop: the data source's STS region and
/// FIPS setting, and its STS endpoint — except for `grafana_assume_role`, whose hop is the
/// platform's and never follows the data source's endpoint. The one place that rule lives.
fn own_hop_sts(auth_type: AuthType, region: Option<&str>, endpoints: &Endpoints) -> StsOptions {
    let sts = server_sts(region, endpoints);
    match &endpoints.sts_endpoint {
        Some(endpoint) if auth_type != AuthType::GrafanaAssumeRole => {
            sts.endpoint(endpoint.clone())
        }
        _ => sts,
    }
}

/// The STS options of the links that produce the server's own identity (the default chain's
/// web identity and profile, a profile's own role hops, the platform's profile): the data
/// source's STS region and FIPS setting (they only pick among AWS's hosts), never its
/// endpoint — those calls carry the server's web identity token or are signed with the
/// server's credentials, so they go where the server's environment and files say.
fn server_sts(region: Option<&str>, endpoints: &Endpoints) -> StsOptions {
    let mut sts = StsOptions::new();
    if let Some(region) = region {
        sts = sts.region(sts_region_for(region));
    }
    // Not asking for FIPS leaves AWS_USE_FIPS_ENDPOINT to decide.
    if endpoints.use_fips {
        sts = sts.use_fips(true);
    }
    sts
}

#[async_trait]
impl CredentialSource for Session {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        self.source.provide(cx).await
    }

    fn name(&self) -> &str {
        self.source.name()
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        self.source.explain(cx)
    }

    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        self.source.plan(cx)
    }

    fn current(&self, now: SystemTime) -> Option<Credentials> {
        self.source.current(now)
    }
}

/// Builds a data source's session: checks the gate first (nothing is built and nothing touches
/// the network when the policy says no), then picks the source for the auth type, puts assume
/// role on top when an ARN is set, and wraps the result in the credentials cache.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// # use std::{path::Path, sync::Arc};
/// # use awsauth_core::{Chain, CredentialSource};
/// # use awsauth_datasource::*;
/// # #[derive(Debug)] struct Unused;
/// # impl SourceFactory for Unused {
/// #   fn profile(&self, _: Option<&str>, _: Option<&Path>, _: &StsOptions) -> Arc<dyn CredentialSource> { unimplemented!() }
/// #   fn ec2_iam_role(&self) -> Arc<dyn CredentialSource> { unimplemented!() }
/// #   fn default_chain(&self, _: &StsOptions) -> Arc<dyn CredentialSource> { unimplemented!() }
/// #   fn assume_role(&self, _: Arc<dyn CredentialSource>, _: AssumeRoleParams) -> Arc<dyn CredentialSource> { unimplemented!() }
/// # }
/// let settings = DatasourceSettings::from_json(r#"{
///   "jsonData": {"authType": "keys", "defaultRegion": "eu-west-1"},
///   "secureJsonData": {"accessKey": "AKIDEXAMPLE", "secretKey": "wJalrXUtnFEMI/K7MDENG"}
/// }"#).unwrap();
/// let session = build_session(&settings, &AuthSettings::new(), &Unused).unwrap();
/// assert_eq!(session.region(), Some("eu-west-1"));
/// let creds = session.provide(&awsauth_core::Context::builder().build()).await.unwrap();
/// assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
/// # });
/// ```
pub fn build_session(
    settings: &DatasourceSettings,
    policy: &AuthSettings,
    factory: &dyn SourceFactory,
) -> Result<Session, DatasourceError> {
    policy.check(settings)?;
    isolation::check_tenant_fields(settings)?;

    let region = settings.resolved_region().map(str::to_owned);
    if let Some(region) = &region {
        check_region(region)?;
    }
    let endpoints = Endpoints::classify(settings.endpoint.as_deref());
    if let Some(url) = &endpoints.service_endpoint {
        isolation::check_service_endpoint(url, policy)?;
    }
    let auth_type = settings.auth_type;
    let sts = own_hop_sts(auth_type, region.as_deref(), &endpoints);
    if let Some(endpoint) = &sts.endpoint {
        isolation::check_sts_endpoint(auth_type, endpoint, policy)?;
    }
    let server_sts = server_sts(region.as_deref(), &endpoints);

    let (base, role): (Arc<dyn CredentialSource>, Option<AssumeRoleParams>) = match auth_type {
        AuthType::Default => (
            factory.default_chain(&server_sts),
            user_role(settings, policy, &sts),
        ),
        AuthType::Keys => {
            let keys = KeyPair {
                access_key_id: settings.access_key.clone(),
                secret_access_key: settings.secret_key.clone(),
                session_token: settings.session_token.clone(),
            };
            let source = only(factory.keys(keys)).selected_as(auth_type.label());
            (Arc::new(source), user_role(settings, policy, &sts))
        }
        AuthType::Credentials => {
            isolation::check_tenant_profile(settings.profile_name(), policy)?;
            let profile = factory.profile(settings.profile_name(), None, &server_sts);
            let profile = isolation::TenantProfile::wrap(profile, policy);
            let source = only(profile).selected_as(auth_type.label());
            (Arc::new(source), user_role(settings, policy, &sts))
        }
        AuthType::Ec2IamRole => {
            let source = only(factory.ec2_iam_role()).selected_as(auth_type.label());
            (Arc::new(source), user_role(settings, policy, &sts))
        }
        AuthType::GrafanaAssumeRole => grafana_assume_role(settings, policy, factory, &sts)?,
    };
    let base = if isolation::uses_server_identity(auth_type) {
        isolation::TenantSafeErrors::wrap(base, auth_type, settings.profile_name(), policy)
    } else {
        base
    };

    tracing::debug!(
        auth_type = auth_type.as_str(),
        region = region.as_deref().unwrap_or("-"),
        assume_role = role.as_ref().map(|r| r.role_arn.as_str()).unwrap_or("-"),
        sts_region = sts.region.as_deref().unwrap_or("-"),
        fips = endpoints.use_fips,
        "building a data source session"
    );
    let assumes_role = role.is_some();
    let mut composed = match role {
        Some(params) => factory.assume_role(base, params),
        None => base,
    };
    composed = crate::proxy::apply(
        composed,
        &settings.proxy,
        policy.per_datasource_http_proxy_enabled,
    )?;
    if !policy.credential_process_enabled {
        composed = Arc::new(NoProcesses { inner: composed });
    }
    let tracked = OnceLock::new();
    Ok(Session {
        source: with_credentials_cache(composed, auth_type, assumes_role, &tracked),
        tracked,
        auth_type,
        region: region.map(String::into_boxed_str),
        endpoints: (endpoints != Endpoints::default()).then(|| Box::new(endpoints)),
    })
}

/// The single place a built source is wrapped in the credentials cache
/// ([`CachedSource`]), so every session — and every cached entry of a
/// [`SessionCache`](crate::SessionCache) — reads its credentials through it: refresh ahead of
/// expiry, one refresh at a time, old credentials kept while a refresh fails.
///
/// Plain `keys` sessions (no assume role) are not wrapped: their credentials are in memory
/// already and never expire, and skipping the cache keeps 100,000 such sessions small.
fn with_credentials_cache(
    source: Arc<dyn CredentialSource>,
    auth_type: AuthType,
    assumes_role: bool,
    tracked: &OnceLock<Arc<Tracked>>,
) -> Arc<dyn CredentialSource> {
    if auth_type == AuthType::Keys && !assumes_role {
        return source;
    }
    // Counted below the cache: only upstream calls reach it.
    let tracked = Arc::clone(tracked.get_or_init(|| Arc::new(Tracked::new(source))));
    Arc::new(CachedSource::builder_shared(tracked).build())
}

/// Why a session refuses `credential_process`, naming the setting that says so.
const PROCESS_REFUSAL: &str = "the server's policy forbids credential_process \
    (credential_process_enabled = false in the [aws] section, or \
    AWS_AUTH_CredentialProcessEnabled=false)";

/// A session's sources under a policy that forbids `credential_process`: every call reaches
/// them with a context whose process runner refuses (whatever the caller's context holds), so
/// no factory, profile or chain below can start a program, and the refusal names the setting.
#[derive(Debug)]
struct NoProcesses {
    inner: Arc<dyn CredentialSource>,
}

impl NoProcesses {
    fn cx(cx: &Context) -> Context {
        cx.with_processes(awsauth_process::ProcessRunner::refusing(PROCESS_REFUSAL))
    }
}

#[async_trait]
impl CredentialSource for NoProcesses {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        self.inner.provide(&Self::cx(cx)).await
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        self.inner.explain(&Self::cx(cx))
    }

    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        self.inner.plan(&Self::cx(cx))
    }

    fn current(&self, now: SystemTime) -> Option<Credentials> {
        self.inner.current(now)
    }

    fn recheck_interval(&self) -> Option<Duration> {
        self.inner.recheck_interval()
    }
}

/// Assume role on top of a user-chosen auth type: when the data source sets an ARN, with its
/// own external id.
fn user_role(
    settings: &DatasourceSettings,
    policy: &AuthSettings,
    sts: &StsOptions,
) -> Option<AssumeRoleParams> {
    let role_arn = settings.role_arn()?;
    Some(AssumeRoleParams {
        role_arn: role_arn.to_owned(),
        external_id: settings.external_id().map(str::to_owned),
        session_name: policy.session_name.clone(),
        duration: policy.session_duration,
        sts: sts.clone(),
    })
}

/// `grafana_assume_role`: the platform's own credentials (a key-pair directory, then a profile)
/// assume the data source's role with the server's external id — or, for a data source with
/// `usePerDatasourceExternalId: true` and a `grafanaExternalId`, that one (Grafana's
/// per-data-source isolation). `jsonData.externalId` is never used here; the data source cannot
/// choose the STS endpoint (`sts` is [`own_hop_sts`] for this auth type: no endpoint).
fn grafana_assume_role(
    settings: &DatasourceSettings,
    policy: &AuthSettings,
    factory: &dyn SourceFactory,
    sts: &StsOptions,
) -> Result<(Arc<dyn CredentialSource>, Option<AssumeRoleParams>), DatasourceError> {
    let role_arn = settings.role_arn().ok_or_else(|| {
        DatasourceError::configuration(
            "auth type `grafana_assume_role` needs an assume role ARN (jsonData.assumeRoleArn)",
        )
    })?;
    let external_id = settings
        .grafana_assume_role_external_id(policy.external_id.as_deref())
        .ok_or_else(|| {
            DatasourceError::configuration(
                "auth type `grafana_assume_role` needs the server's external id (AWS_AUTH_EXTERNAL_ID or external_id in the [aws] section), or a data source with usePerDatasourceExternalId and grafanaExternalId",
            )
        })?;
    let platform_sts = sts.clone();
    let location = &policy.platform_credentials;
    let mut chain = Chain::new("grafana_assume_role base");
    if let Some(dir) = &location.key_directory {
        chain = chain.or_else(KeyDirectorySource::new(dir.clone()));
    }
    let profile = factory.profile(
        Some(&location.profile),
        location.credentials_file.as_deref(),
        &platform_sts,
    );
    chain = chain.or_else_shared(profile);
    let base = only(chain).selected_as(AuthType::GrafanaAssumeRole.label());
    let params = AssumeRoleParams {
        role_arn: role_arn.to_owned(),
        external_id: Some(external_id.to_owned()),
        session_name: policy.session_name.clone(),
        duration: policy.session_duration,
        sts: platform_sts,
    };
    Ok((Arc::new(base), Some(params)))
}
