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
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awsauth_core::{
    CachedSource, Chain, Context, CredentialError, CredentialSource, Credentials, Explanation,
    Plan, SecretString, Status, Step, async_trait, only,
};
use awsauth_static::StaticSource;

use crate::endpoint::check_region;
use crate::settings::nonblank;
use crate::stats::{SessionReport, SessionStats, Tracked};
use crate::{
    AuthSettings, AuthType, DatasourceError, DatasourceSettings, Endpoints, sts_region_for,
};

/// Where and how STS calls made while resolving credentials go.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct StsOptions {
    /// The STS region: the data source's region, or `us-east-1` for an opt-in region. `None`
    /// when the data source has no region (the source resolves one as the SDK would).
    pub region: Option<String>,
    /// A custom STS endpoint from the data source's `endpoint` (`https://sts.…`), if any.
    pub endpoint: Option<String>,
    /// Whether FIPS endpoints should be used.
    pub use_fips: bool,
}

impl StsOptions {
    /// Options with an STS region and nothing else.
    pub fn in_region(region: impl Into<String>) -> Self {
        Self {
            region: Some(region.into()),
            ..Self::default()
        }
    }
}

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
        Arc::new(KeysSource::new(keys))
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

    /// The instance's role from IMDS (the `ec2_iam_role` auth type).
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
    /// What the upstream did, for [`report`](Self::report).
    stats: Arc<SessionStats>,
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
        self.stats.report(self.auth_type)
    }

    pub(crate) fn stats(&self) -> &SessionStats {
        &self.stats
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

    /// Where STS calls made while resolving credentials go (for `grafana_assume_role`, the
    /// data source's STS endpoint is not used).
    pub fn sts(&self) -> StsOptions {
        let sts = sts_options(self.region(), &self.endpoints());
        if self.auth_type == AuthType::GrafanaAssumeRole {
            StsOptions {
                endpoint: None,
                ..sts
            }
        } else {
            sts
        }
    }
}

fn sts_options(region: Option<&str>, endpoints: &Endpoints) -> StsOptions {
    StsOptions {
        region: region.map(|r| sts_region_for(r).to_owned()),
        endpoint: endpoints.sts_endpoint.clone(),
        use_fips: endpoints.use_fips,
    }
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

    let region = settings.resolved_region().map(str::to_owned);
    if let Some(region) = &region {
        check_region(region)?;
    }
    let endpoints = Endpoints::classify(settings.endpoint.as_deref());
    let sts = sts_options(region.as_deref(), &endpoints);

    let label = |t: AuthType| format!("auth type `{t}`");
    let auth_type = settings.auth_type;
    let (base, role): (Arc<dyn CredentialSource>, Option<AssumeRoleParams>) = match auth_type {
        AuthType::Default => (
            factory.default_chain(&sts),
            user_role(settings, policy, &sts),
        ),
        AuthType::Keys => {
            let keys = KeyPair {
                access_key_id: settings.access_key.clone(),
                secret_access_key: settings.secret_key.clone(),
                session_token: settings.session_token.clone(),
            };
            let source = only(factory.keys(keys)).selected_as(label(auth_type));
            (Arc::new(source), user_role(settings, policy, &sts))
        }
        AuthType::Credentials => {
            let profile = factory.profile(settings.profile_name(), None, &sts);
            let source = only(profile).selected_as(label(auth_type));
            (Arc::new(source), user_role(settings, policy, &sts))
        }
        AuthType::Ec2IamRole => {
            let source = only(factory.ec2_iam_role()).selected_as(label(auth_type));
            (Arc::new(source), user_role(settings, policy, &sts))
        }
        AuthType::GrafanaAssumeRole => grafana_assume_role(settings, policy, factory, &sts)?,
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
    if !policy.credential_process_enabled {
        composed = Arc::new(NoProcesses { inner: composed });
    }
    let stats = Arc::new(SessionStats::default());
    Ok(Session {
        source: with_credentials_cache(composed, auth_type, assumes_role, &stats),
        stats,
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
    stats: &Arc<SessionStats>,
) -> Arc<dyn CredentialSource> {
    if auth_type == AuthType::Keys && !assumes_role {
        return source;
    }
    // Counted below the cache: only upstream calls reach it.
    let tracked = Arc::new(Tracked::new(source, Arc::clone(stats)));
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
/// assume the data source's role with the server's external id. The data source cannot choose
/// the external id (it identifies the Grafana stack to the role's trust policy) nor the STS
/// endpoint.
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
    let external_id = nonblank(policy.external_id.as_deref()).ok_or_else(|| {
        DatasourceError::configuration(
            "auth type `grafana_assume_role` needs the server's external id (AWS_AUTH_EXTERNAL_ID or external_id in the [aws] section)",
        )
    })?;
    let platform_sts = StsOptions {
        endpoint: None,
        ..sts.clone()
    };
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
    let base = only(chain).selected_as("auth type `grafana_assume_role`");
    let params = AssumeRoleParams {
        role_arn: role_arn.to_owned(),
        external_id: Some(external_id.to_owned()),
        session_name: policy.session_name.clone(),
        duration: policy.session_duration,
        sts: platform_sts,
    };
    Ok((Arc::new(base), Some(params)))
}

/// Keys in a directory of files `access-key-id` and `secret-access-key`, read through the
/// context's file system on every call (so a rotated secret is seen at the next refresh).
/// Neither file present: not configured. One present: invalid configuration.
#[derive(Debug, Clone)]
pub struct KeyDirectorySource {
    dir: PathBuf,
    name: String,
}

impl KeyDirectorySource {
    /// The source for `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        Self {
            name: format!("key-directory:{}", dir.display()),
            dir,
        }
    }

    fn read(&self, cx: &Context, file: &str) -> Result<Option<String>, CredentialError> {
        const MAX_LEN: u64 = 16 * 1024;
        let path = self.dir.join(file);
        match cx.fs().metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(CredentialError::provider_failed(
                    &self.name,
                    format!("cannot read {}: {}", path.display(), e.kind()),
                ));
            }
            Ok(meta) if meta.len > MAX_LEN => {
                return Err(CredentialError::invalid_configuration(
                    &self.name,
                    format!("{} is larger than {MAX_LEN} bytes", path.display()),
                ));
            }
            Ok(_) => {}
        }
        let bytes = match cx.fs().read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(CredentialError::provider_failed(
                    &self.name,
                    format!("cannot read {}: {}", path.display(), e.kind()),
                ));
            }
        };
        let text = String::from_utf8(bytes).map_err(|_| {
            CredentialError::invalid_configuration(
                &self.name,
                format!("{} is not valid UTF-8", path.display()),
            )
        })?;
        Ok(Some(text.trim().to_owned()).filter(|t| !t.is_empty()))
    }
}

#[async_trait]
impl CredentialSource for KeyDirectorySource {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        let key = self.read(cx, "access-key-id")?;
        let secret = self.read(cx, "secret-access-key")?.map(SecretString::from);
        StaticSource::from_parts(key, secret)
            .named(self.name.clone())
            .field_names(
                self.dir.join("access-key-id").display().to_string(),
                self.dir.join("secret-access-key").display().to_string(),
            )
            .provide(cx)
            .await
    }

    fn name(&self) -> &str {
        &self.name
    }

    /// The keys of the directory, when both files are there (read to tell, as `provide` would).
    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        let key = self.read(cx, "access-key-id")?;
        let secret = self.read(cx, "secret-access-key")?.map(SecretString::from);
        StaticSource::from_parts(key, secret)
            .named(self.name.clone())
            .field_names(
                self.dir.join("access-key-id").display().to_string(),
                self.dir.join("secret-access-key").display().to_string(),
            )
            .plan(cx)
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        let exists = |f: &str| cx.fs().metadata(&self.dir.join(f)).is_ok();
        let (status, reason) = match (exists("access-key-id"), exists("secret-access-key")) {
            (true, true) => (Status::Configured, "both key files exist"),
            (false, false) => (Status::NotConfigured, "no key files"),
            _ => (Status::Invalid, "only one of the two key files exists"),
        };
        vec![Explanation::new(
            &self.name,
            status,
            format!("{reason} in {}", self.dir.display()),
        )]
    }
}

/// The default `keys` source: [`StaticSource`]'s behaviour with only the three values stored.
#[derive(Clone)]
struct KeysSource {
    access_key_id: Option<Box<str>>,
    secret_access_key: Option<SecretString>,
    session_token: Option<SecretString>,
}

impl fmt::Debug for KeysSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeysSource")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token)
            .finish()
    }
}

impl KeysSource {
    const NAME: &'static str = "keys";

    fn new(keys: KeyPair) -> Self {
        Self {
            access_key_id: keys
                .access_key_id
                .as_deref()
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(Box::from),
            secret_access_key: keys.secret_access_key.filter(|s| !s.is_blank()),
            session_token: keys.session_token.filter(|t| !t.is_blank()),
        }
    }

    fn pair(&self) -> Result<(&str, &SecretString), CredentialError> {
        match (&self.access_key_id, &self.secret_access_key) {
            (Some(key), Some(secret)) => Ok((key, secret)),
            (None, None) => Err(CredentialError::not_configured(
                Self::NAME,
                "accessKey and secretKey are not set",
            )),
            (Some(_), None) => Err(CredentialError::invalid_configuration(
                Self::NAME,
                "accessKey is set but secretKey is not",
            )),
            (None, Some(_)) => Err(CredentialError::invalid_configuration(
                Self::NAME,
                "secretKey is set but accessKey is not",
            )),
        }
    }
}

#[async_trait]
impl CredentialSource for KeysSource {
    async fn provide(&self, _cx: &Context) -> Result<Credentials, CredentialError> {
        let (key, secret) = self.pair()?;
        Ok(Credentials::builder(key, secret.clone())
            .maybe_session_token(self.session_token.clone())
            .provenance(Self::NAME)
            .build())
    }

    fn name(&self) -> &str {
        Self::NAME
    }

    fn plan(&self, _cx: &Context) -> Result<Plan, CredentialError> {
        self.pair()
            .map(|_| Plan::new(Step::static_keys_from("settings")))
    }

    fn explain(&self, _cx: &Context) -> Vec<Explanation> {
        let line = match self.pair() {
            Ok(_) => Explanation::new(
                Self::NAME,
                Status::Configured,
                "accessKey and secretKey are set",
            ),
            Err(err) if err.is_not_configured() => {
                Explanation::new(Self::NAME, Status::NotConfigured, err.message())
            }
            Err(err) => Explanation::new(Self::NAME, Status::Invalid, err.message()),
        };
        vec![line]
    }
}
