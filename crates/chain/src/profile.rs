//! [`ProfileChain`]: a profile's [`ProfilePlan`] executed with the STS, web-identity, IMDS,
//! container, IAM Identity Center, `credential_process` and console sign-in (`login_session`)
//! sources.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[cfg(feature = "container")]
use awsauth_container::ContainerSource;
use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, Provenance, Status,
    async_trait,
};
#[cfg(feature = "login")]
use awsauth_http::endpoint::EndpointSettings;
#[cfg(feature = "imds")]
use awsauth_imds::{ImdsClient, ImdsSource};
#[cfg(feature = "login")]
use awsauth_login::LoginSource;
#[cfg(feature = "process")]
use awsauth_process::ProcessSource;
#[cfg(feature = "sts")]
use awsauth_profile::AssumeRoleStep;
#[cfg(feature = "login")]
use awsauth_profile::LoginStep;
#[cfg(feature = "process")]
use awsauth_profile::ProcessStep;
#[cfg(feature = "sso")]
use awsauth_profile::SsoStep;
#[cfg(feature = "web-identity")]
use awsauth_profile::WebIdentityStep;
use awsauth_profile::{
    FileLocations, NamedSource, ProfileCache, ProfilePlan, ProfileStep, StaticKeys,
};
#[cfg(feature = "sso")]
use awsauth_sso::SsoSource;
use awsauth_static::EnvSource;
#[cfg(feature = "sts")]
use awsauth_sts_assume::AssumeRoleSource;
#[cfg(feature = "web-identity")]
use awsauth_web_identity::WebIdentitySource;

use crate::StsOptions;
use crate::files::{ProfileFiles, ProfileSettings};

/// A profile of the shared config and credentials files, executed fully: its [`ProfilePlan`] (static
/// keys, a `credential_source`, a web identity token or IAM Identity Center (SSO), then each
/// `role_arn` hop) becomes
/// nested sources — the base step's source, then one
/// [`AssumeRoleSource`] per hop carrying that profile's `external_id`,
/// `role_session_name` and `duration_seconds`.
///
/// - **Read at call time.** The plan is made on every [`provide`](CredentialSource::provide)
///   from the files, which are parsed again only when they change, so an edited profile is
///   used at once. The sources built for a plan are kept while the plan stays the same (an
///   IMDS session token or static stability survive between calls).
/// - **A named profile is configured.** A profile named here, by the data source or by
///   `AWS_PROFILE` that does not exist is `InvalidConfiguration`, listing the profiles that
///   exist: the chain stops rather than hand out the next source's identity. Only the
///   implicit `default` profile, when absent, and a profile without credentials are
///   [`NotConfigured`](CredentialError::NotConfigured) (a chain moves on, and
///   [`only`](awsauth_core::only) turns it into a clear error). A wrong profile (a loop, a bad
///   `duration_seconds`, SSO…) is `InvalidConfiguration`.
/// - **Regions.** STS calls go to [`StsOptions::region`] if set, else `AWS_REGION` /
///   `AWS_DEFAULT_REGION`, else the `region` of the profile that names the role, else the
///   selected profile's `region`. The selected profile's `ec2_metadata_service_endpoint(_mode)`
///   applies to a `credential_source = Ec2InstanceMetadata` step.
/// - **Provenance** reads like the plan: `profile:dev -> assume-role:arn:…`; a named source
///   shows as `profile:ci -> imds -> assume-role:arn:…`, a web identity as
///   `profile:eks -> web-identity:arn:…`, SSO as `profile:dev -> sso:<account>/<role>`.
/// - **SSO** steps read the token cache `aws sso login` fills and call the portal (see
///   `awsauth_sso::SsoSource`); the portal and OIDC endpoints follow the selected profile's
///   `services` section and `endpoint_url` below the `AWS_ENDPOINT_URL*` variables.
/// - Role sessions last `duration_seconds`, else [`awsauth_sts_assume::DEFAULT_DURATION`]
///   (15 minutes, Grafana's default).
/// - A `credential_process` step runs its program through the context's process slot
///   ([`awsauth_process::ProcessSource`], killed after
///   [`process_timeout`](Self::process_timeout)); its provenance reads
///   `profile:dev -> process:<program>`.
/// - A `login_session` step reads the `aws login` token cache and renews through the sign-in
///   service ([`awsauth_login::LoginSource`]); provenance `profile:dev -> login:<session>`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use awsauth_chain::{profile_chain, StsOptions};
/// use awsauth_core::{only, Context, CredentialSource, MapEnv, MemFs, Status};
/// let fs = MemFs::new();
/// fs.insert("/home/u/.aws/config", "\
/// [profile base]
/// aws_access_key_id = AKIDEXAMPLE
/// aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
/// [profile reader]
/// role_arn = arn:aws:iam::123456789012:role/reader
/// source_profile = base
/// ");
/// let cx = Context::builder().env(MapEnv::from([("HOME", "/home/u")])).fs(fs).build();
///
/// let base = profile_chain(Some("base"), StsOptions::new());
/// assert_eq!(base.provide(&cx).await.unwrap().provenance().to_string(), "profile:base");
///
/// // explain() needs no network and shows the plan.
/// let reader = profile_chain(Some("reader"), StsOptions::new().region("eu-west-1"));
/// let lines = reader.explain(&cx);
/// assert_eq!(lines[0].status, Status::Configured);
/// assert!(lines[0].reason.contains("assume role arn:aws:iam::123456789012:role/reader"));
///
/// let err = only(profile_chain(Some("dev"), StsOptions::new())).provide(&cx).await.unwrap_err();
/// assert!(err.to_string().contains(r#"profile "dev" not found in /home/u/.aws/config"#));
/// # });
/// ```
#[derive(Debug)]
pub struct ProfileChain {
    name: String,
    files: ProfileFiles,
    sts: StsOptions,
    recheck: Option<Duration>,
    #[cfg(feature = "process")]
    process_timeout: Duration,
    built: Mutex<Option<Built>>,
}

/// The sources built for one plan, and what they were built from.
#[derive(Debug)]
struct Built {
    key: BuildKey,
    source: Arc<dyn CredentialSource>,
}

#[derive(Debug, PartialEq, Eq)]
struct BuildKey {
    plan: ProfilePlan,
    settings: ProfileSettings,
}

/// The profile `name` (else `AWS_PROFILE`, else `default`) of the default files, executed
/// with `sts` for its STS calls. See [`ProfileChain`].
pub fn profile_chain(name: Option<&str>, sts: StsOptions) -> ProfileChain {
    let chain = ProfileChain::new().sts(sts);
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => chain.profile(name),
        None => chain,
    }
}

/// The plan for profile `name` (else `AWS_PROFILE`, else `default`) in the default files of
/// `cx` — what [`ProfileChain`] would execute, with its secrets (for printing, take
/// [`ProfilePlan::describe`]). Errors as [`ProfileChain::profile_plan`].
///
/// ```
/// use awsauth_core::{Context, MapEnv, MemFs};
/// let fs = MemFs::new();
/// fs.insert("/home/u/.aws/config", "[profile ci]\nrole_arn = arn:aws:iam::123456789012:role/ci\ncredential_source = Ec2InstanceMetadata\n");
/// let cx = Context::builder().env(MapEnv::from([("HOME", "/home/u"), ("AWS_PROFILE", "ci")])).fs(fs).build();
/// let plan = awsauth_chain::profile_plan(&cx, None).unwrap().describe();
/// assert_eq!(plan.to_string(), "Ec2InstanceMetadata credentials -> assume role arn:aws:iam::123456789012:role/ci");
/// ```
pub fn profile_plan(cx: &Context, name: Option<&str>) -> Result<ProfilePlan, CredentialError> {
    profile_chain(name, StsOptions::new()).profile_plan(cx)
}

impl Default for ProfileChain {
    fn default() -> Self {
        Self::new()
    }
}

impl ProfileChain {
    /// The selected profile (`AWS_PROFILE`, else `default`) of the default files, STS options
    /// from the environment.
    pub fn new() -> Self {
        Self {
            name: "profile".to_owned(),
            files: ProfileFiles::default(),
            sts: StsOptions::default(),
            recheck: None,
            #[cfg(feature = "process")]
            process_timeout: awsauth_process::DEFAULT_TIMEOUT,
            built: Mutex::new(None),
        }
    }

    /// Uses profile `name` instead of `AWS_PROFILE` / `default`; the source is then named
    /// `profile:<name>`. Blank means unset.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        let name = name.into().trim().to_owned();
        if name.is_empty() {
            self.files.profile = None;
            self.name = "profile".to_owned();
        } else {
            self.name = format!("profile:{name}");
            self.files.profile = Some(name);
        }
        self
    }

    /// Reads this config file instead of `AWS_CONFIG_FILE` / `~/.aws/config`.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.files.config_file = Some(path.into());
        self
    }

    /// Reads this credentials file instead of `AWS_SHARED_CREDENTIALS_FILE` /
    /// `~/.aws/credentials`.
    pub fn credentials_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.files.credentials_file = Some(path.into());
        self
    }

    /// Where the STS calls of the plan go.
    pub fn sts(mut self, options: StsOptions) -> Self {
        self.sts = options;
        self
    }

    /// Asks a [cache](awsauth_core::CachedSource) in front of this source to re-read the
    /// profile this often even when its credentials do not expire (static keys that may be
    /// edited in place). Off by default: every re-check of a role profile is an STS call.
    pub fn recheck_interval(mut self, interval: Duration) -> Self {
        self.recheck = Some(interval);
        self
    }

    /// How long a `credential_process` program may run before it and its process group are
    /// killed (default [`awsauth_process::DEFAULT_TIMEOUT`], 60 seconds; AWS defines no profile
    /// key for it). Feature `process`.
    #[cfg(feature = "process")]
    pub fn process_timeout(mut self, timeout: Duration) -> Self {
        self.process_timeout = timeout;
        self
    }

    pub(crate) fn with_cache(mut self, cache: ProfileCache) -> Self {
        self.files.cache = cache;
        self
    }

    /// The profile used in `cx`: the configured one, else `AWS_PROFILE`, else `default`.
    pub fn selected_profile(&self, cx: &Context) -> String {
        self.files.selected(cx)
    }

    /// Where the files are looked for in `cx`.
    pub fn locations(&self, cx: &Context) -> FileLocations {
        self.files.locations(cx)
    }

    /// The plan for the selected profile, read now (no network):
    /// [`NotConfigured`](CredentialError::NotConfigured) when the files or the profile are
    /// missing or the profile holds no credentials, `InvalidConfiguration` when it is wrong,
    /// `ProviderFailed` when a file cannot be read.
    pub fn profile_plan(&self, cx: &Context) -> Result<ProfilePlan, CredentialError> {
        self.plan_and_settings(cx).map(|(plan, _)| plan)
    }

    fn plan_and_settings(
        &self,
        cx: &Context,
    ) -> Result<(ProfilePlan, ProfileSettings), CredentialError> {
        let loaded = self.files.load(cx).map_err(|e| self.rename(e))?;
        let settings = self.files.settings_in(cx, &loaded);
        let selection = self.files.selection(cx);
        let plan = loaded
            .plan(&settings.profile)
            .map_err(|e| e.into_credential_error(&self.name, &selection))?;
        if let Some(err) = left_out(&plan, &self.name) {
            return Err(err);
        }
        Ok((plan, settings))
    }

    /// The profile crate names its errors `profile`; an explicitly named chain uses its name.
    fn rename(&self, err: CredentialError) -> CredentialError {
        match err {
            CredentialError::NotConfigured { reason, .. } => {
                CredentialError::not_configured(&self.name, reason)
            }
            CredentialError::InvalidConfiguration { message, .. } => {
                CredentialError::invalid_configuration(&self.name, message)
            }
            other => other,
        }
    }

    /// The sources for the plan in `cx`, built anew only when the plan or the settings changed.
    fn executed(
        &self,
        cx: &Context,
    ) -> Result<(ProfilePlan, Arc<dyn CredentialSource>), CredentialError> {
        let (plan, settings) = self.plan_and_settings(cx)?;
        let key = BuildKey { plan, settings };
        let mut built = self.built.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(current) = built.as_ref()
            && current.key == key
        {
            return Ok((key.plan, Arc::clone(&current.source)));
        }
        let source = execute(&key, &self.sts, self.process_time_limit());
        let plan = key.plan.clone();
        *built = Some(Built {
            key,
            source: Arc::clone(&source),
        });
        Ok((plan, source))
    }
}

impl ProfileChain {
    #[cfg(feature = "process")]
    fn process_time_limit(&self) -> Duration {
        self.process_timeout
    }

    #[cfg(not(feature = "process"))]
    fn process_time_limit(&self) -> Duration {
        Duration::ZERO
    }
}

/// The cargo feature of this crate that executes `step`, when this build leaves it out.
fn feature_left_out(step: &ProfileStep) -> Option<&'static str> {
    match step {
        ProfileStep::Static(_) => None,
        ProfileStep::NamedSource(step) => match step.name {
            NamedSource::Environment => None,
            NamedSource::Ec2InstanceMetadata => (!cfg!(feature = "imds")).then_some("imds"),
            NamedSource::EcsContainer => (!cfg!(feature = "container")).then_some("container"),
        },
        ProfileStep::WebIdentity(_) => (!cfg!(feature = "web-identity")).then_some("web-identity"),
        ProfileStep::Sso(_) => (!cfg!(feature = "sso")).then_some("sso"),
        ProfileStep::CredentialProcess(_) => (!cfg!(feature = "process")).then_some("process"),
        ProfileStep::Login(_) => (!cfg!(feature = "login")).then_some("login"),
        ProfileStep::AssumeRole(_) => (!cfg!(feature = "sts")).then_some("sts"),
        // A step this crate does not know yet is executed as an empty plan ("not configured").
        _ => None,
    }
}

/// A plan this build cannot execute: `InvalidConfiguration` naming the step and the feature
/// (as aws-config's `FeatureNotEnabled`). The profile was chosen, so it never falls through.
fn left_out(plan: &ProfilePlan, source: &str) -> Option<CredentialError> {
    plan.steps().iter().find_map(|step| {
        feature_left_out(step).map(|feature| {
            CredentialError::invalid_configuration(
                source,
                format!(
                    "profile \"{}\" needs {step}, which this build leaves out: enable the \
                     `{feature}` cargo feature of awsauth (or awsauth-chain)",
                    plan.profile(),
                ),
            )
        })
    })
}

/// Nests the sources of a plan: the base step, then one AssumeRole hop per step. Every step's
/// feature is on (`left_out` turned the plan away otherwise).
#[cfg_attr(
    not(all(feature = "sts", feature = "web-identity", feature = "process")),
    allow(unused_variables, unused_mut)
)]
fn execute(
    key: &BuildKey,
    sts: &StsOptions,
    process_timeout: Duration,
) -> Arc<dyn CredentialSource> {
    let settings = &key.settings;
    // The profile's region for an STS step: the step's own profile's, else the selected one's.
    // The STS client puts it below an explicit region and the environment (`choose_region`).
    let profile_region = |own: Option<&str>| -> Option<String> {
        own.or(settings.region.as_deref()).map(str::to_owned)
    };
    let mut steps = key.plan.steps().iter();
    let mut source: Arc<dyn CredentialSource> = match steps.next() {
        Some(ProfileStep::Static(keys)) => Arc::new(StaticStep::new(keys)),
        Some(ProfileStep::NamedSource(step)) => {
            let inner: Arc<dyn CredentialSource> = match step.name {
                NamedSource::Environment => Arc::new(EnvSource::new()),
                #[cfg(feature = "imds")]
                NamedSource::Ec2InstanceMetadata => {
                    let client = settings.imds_client(ImdsClient::builder());
                    Arc::new(ImdsSource::builder().client(client).build())
                }
                #[cfg(feature = "container")]
                NamedSource::EcsContainer => Arc::new(ContainerSource::new()),
                #[cfg(not(all(feature = "imds", feature = "container")))]
                _ => Arc::new(EmptyPlan),
            };
            Arc::new(InProfile::new(&step.profile, inner))
        }
        #[cfg(feature = "web-identity")]
        Some(ProfileStep::WebIdentity(step)) => {
            let region = profile_region(step.region.as_deref());
            Arc::new(InProfile::new(
                &step.profile,
                Arc::new(web_identity(step, sts, region.as_deref())),
            ))
        }
        #[cfg(feature = "sso")]
        Some(ProfileStep::Sso(step)) => {
            Arc::new(InProfile::new(&step.profile, Arc::new(sso(step, settings))))
        }
        #[cfg(feature = "process")]
        Some(ProfileStep::CredentialProcess(step)) => Arc::new(InProfile::new(
            &step.profile,
            Arc::new(process(step, process_timeout)),
        )),
        #[cfg(feature = "login")]
        Some(ProfileStep::Login(step)) => Arc::new(InProfile::new(
            &step.profile,
            Arc::new(login(step, settings)),
        )),
        // A plan is never empty, and its first step is never a hop; answer "not configured"
        // rather than panic should that ever change.
        _ => Arc::new(EmptyPlan),
    };
    #[cfg(feature = "sts")]
    for step in steps {
        if let ProfileStep::AssumeRole(hop) = step {
            let region = profile_region(hop.region.as_deref());
            source = Arc::new(assume_role(source, hop, sts, region.as_deref()));
        }
    }
    source
}

#[cfg(feature = "process")]
fn process(step: &ProcessStep, timeout: Duration) -> ProcessSource {
    ProcessSource::new(step.command_line().clone())
        .profile(step.profile.clone())
        .account_id(step.account_id.clone())
        .timeout(timeout)
}

/// The login step's source; like the SDKs' sign-in client, its endpoint and region follow the
/// selected profile (then the profile with `login_session`, for the region).
#[cfg(feature = "login")]
fn login(step: &LoginStep, settings: &ProfileSettings) -> LoginSource {
    let mut endpoint = EndpointSettings::default();
    endpoint.profile = Some(settings.signin_endpoint.clone());
    LoginSource::new(step.login_session.clone())
        .profile(step.profile.clone())
        .region(settings.region.clone().or_else(|| step.region.clone()))
        .endpoint_settings(endpoint)
}

#[cfg(feature = "web-identity")]
fn web_identity(
    step: &WebIdentityStep,
    sts: &StsOptions,
    region: Option<&str>,
) -> WebIdentitySource {
    let mut source = WebIdentitySource::new(step.token_file.clone(), step.role_arn.clone())
        .named(format!("profile:{}", step.profile))
        .sts_client(sts.client(region));
    if let Some(name) = &step.role_session_name {
        source = source.session_name(name.clone());
    }
    source
}

/// The SSO step's source; its endpoints follow the selected profile's settings (as the SDKs'
/// clients do), its errors name the profile with the `sso_*` keys.
#[cfg(feature = "sso")]
fn sso(step: &SsoStep, settings: &ProfileSettings) -> SsoSource {
    let source = match &step.session {
        Some(session) => SsoSource::with_session(
            session.clone(),
            step.start_url.clone(),
            step.region.clone(),
            step.account_id.clone(),
            step.role_name.clone(),
        ),
        None => SsoSource::legacy(
            step.start_url.clone(),
            step.region.clone(),
            step.account_id.clone(),
            step.role_name.clone(),
        ),
    };
    let source = source
        .named(format!("profile:{}", step.profile))
        .profile(step.profile.clone())
        .profile_endpoints(
            settings.sso_endpoint.clone(),
            settings.sso_oidc_endpoint.clone(),
        );
    match &step.registration_scopes {
        Some(scopes) => source.registration_scopes(scopes.clone()),
        None => source,
    }
}

#[cfg(feature = "sts")]
fn assume_role(
    base: Arc<dyn CredentialSource>,
    hop: &AssumeRoleStep,
    sts: &StsOptions,
    region: Option<&str>,
) -> AssumeRoleSource {
    let mut source = AssumeRoleSource::from_shared(base, hop.role_arn.clone())
        .named(format!("profile:{}", hop.profile))
        .sts_client(sts.client(region));
    if let Some(external_id) = &hop.external_id {
        source = source.external_id(external_id.clone());
    }
    if let Some(name) = &hop.role_session_name {
        source = source.session_name(name.clone());
    }
    if let Some(seconds) = hop.duration_seconds {
        source = source.duration(Duration::from_secs(u64::from(seconds)));
    }
    source
}

#[async_trait]
impl CredentialSource for ProfileChain {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        let (plan, source) = self.executed(cx)?;
        tracing::debug!(source = %self.name, plan = %plan, "executing profile plan");
        source.provide(cx).await
    }

    fn name(&self) -> &str {
        &self.name
    }

    /// The profile's plan, without its secrets; errors as [`profile_plan`](Self::profile_plan),
    /// and as the base step's source when the context refuses what it needs (a
    /// `credential_process` in a context that cannot run programs). Runs nothing.
    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        let plan = self.profile_plan(cx)?;
        #[cfg(feature = "process")]
        if let Some(ProfileStep::CredentialProcess(step)) = plan.steps().first() {
            process(step, self.process_timeout).plan(cx)?;
        }
        Ok(plan.describe())
    }

    /// One line for the profile and its plan, then the lines of the sources that execute it.
    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        match self.executed(cx) {
            Ok((plan, source)) => {
                let files: Vec<String> = self
                    .files
                    .load(cx)
                    .map(|loaded| {
                        loaded
                            .set()
                            .files()
                            .map(|(_, path)| path.display().to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                let mut lines = vec![Explanation::new(
                    &self.name,
                    Status::Configured,
                    format!(
                        "profile \"{}\" in {}: {plan}",
                        plan.profile(),
                        files.join(" and ")
                    ),
                )];
                lines.extend(source.explain(cx));
                lines
            }
            Err(err) => {
                let status = if err.is_not_configured() {
                    Status::NotConfigured
                } else {
                    Status::Invalid
                };
                vec![Explanation::new(&self.name, status, err.message())]
            }
        }
    }

    fn recheck_interval(&self) -> Option<Duration> {
        self.recheck
    }
}

/// The static keys of a plan's first step.
#[derive(Debug)]
struct StaticStep {
    name: String,
    keys: StaticKeys,
}

impl StaticStep {
    fn new(keys: &StaticKeys) -> Self {
        Self {
            name: format!("profile:{}", keys.profile),
            keys: keys.clone(),
        }
    }
}

#[async_trait]
impl CredentialSource for StaticStep {
    async fn provide(&self, _cx: &Context) -> Result<Credentials, CredentialError> {
        Ok(self.keys.credentials())
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn explain(&self, _cx: &Context) -> Vec<Explanation> {
        vec![Explanation::new(
            &self.name,
            Status::Configured,
            format!(
                "static keys {} in {}",
                self.keys.access_key_id,
                self.keys.file.display()
            ),
        )]
    }
}

/// A plan's base source with `profile:<name>` put in front of its provenance.
#[derive(Debug)]
struct InProfile {
    step: String,
    inner: Arc<dyn CredentialSource>,
}

impl InProfile {
    fn new(profile: &str, inner: Arc<dyn CredentialSource>) -> Self {
        Self {
            step: format!("profile:{profile}"),
            inner,
        }
    }
}

#[async_trait]
impl CredentialSource for InProfile {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        let credentials = self.inner.provide(cx).await?;
        let mut provenance = Provenance::new(self.step.clone());
        for step in credentials.provenance().steps() {
            provenance = provenance.then(step.clone());
        }
        Ok(credentials.with_provenance(provenance))
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        self.inner.explain(cx)
    }
}

/// Stands in for a plan without a base step (cannot happen with the profile crate's plans).
#[derive(Debug)]
struct EmptyPlan;

#[async_trait]
impl CredentialSource for EmptyPlan {
    async fn provide(&self, _cx: &Context) -> Result<Credentials, CredentialError> {
        Err(CredentialError::not_configured(
            "profile",
            "the profile's plan has no base step",
        ))
    }

    fn name(&self) -> &str {
        "profile"
    }
}
