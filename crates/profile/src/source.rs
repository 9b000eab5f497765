//! [`ProfileSource`]: static keys from a named profile, as a [`CredentialSource`].

use std::path::PathBuf;
use std::sync::Arc;

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, Status, Step,
    async_trait,
};

use crate::load::{LoadedProfiles, ProfileCache, SOURCE_NAME};
use crate::location::{self, FileLocations};
use crate::plan::{ProfilePlan, ProfileStep};

/// Credentials from a profile of the shared files — Grafana's **Credentials file** auth type,
/// and the profile link of the default chain.
///
/// The profile is the one given to [`profile`](Self::profile), else `AWS_PROFILE`, else
/// `default`. The files are `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`, else
/// `~/.aws/config` / `~/.aws/credentials`, unless set here. They are re-read when they change.
///
/// This source delivers profiles whose [plan](ProfilePlan) is static keys. A role profile needs STS
/// and is refused with `InvalidConfiguration` (a chain must not silently use another identity);
/// `awsauth-chain` executes such plans, using [`profile_plan`](Self::profile_plan).
///
/// A profile someone named (here, or by `AWS_PROFILE`) that does not exist is
/// `InvalidConfiguration` listing the profiles that exist: a chain stops there rather than
/// move on to another identity. The implicit `default` profile, when absent (or no files at
/// all), is `NotConfigured`; wrap the source in [`only`](awsauth_core::only) for the
/// no-fallback behaviour there too:
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use awsauth_core::{only, Context, CredentialSource, MapEnv, MemFs};
/// use awsauth_profile::ProfileSource;
/// let fs = MemFs::new();
/// fs.insert("/home/u/.aws/credentials", "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n[prod]\n");
/// let cx = Context::builder().env(MapEnv::from([("HOME", "/home/u")])).fs(fs).build();
///
/// let creds = ProfileSource::new().provide(&cx).await.unwrap();
/// assert_eq!(creds.provenance().to_string(), "profile:default");
///
/// let err = only(ProfileSource::new().profile("dev")).provide(&cx).await.unwrap_err();
/// assert!(err.to_string().contains(
///     r#"profile "dev" not found in /home/u/.aws/credentials (profiles there: default, prod)"#
/// ));
/// # });
/// ```
#[derive(Debug, Clone, Default)]
pub struct ProfileSource {
    profile: Option<String>,
    config_file: Option<PathBuf>,
    credentials_file: Option<PathBuf>,
    cache: ProfileCache,
}

impl ProfileSource {
    /// The source for the selected profile and the default file locations.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses this profile instead of `AWS_PROFILE` / `default`.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// Reads this config file instead of `AWS_CONFIG_FILE` / `~/.aws/config`.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_file = Some(path.into());
        self
    }

    /// Reads this credentials file instead of `AWS_SHARED_CREDENTIALS_FILE` /
    /// `~/.aws/credentials`.
    pub fn credentials_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.credentials_file = Some(path.into());
        self
    }

    /// The profile this source uses in `cx`.
    pub fn selected_profile(&self, cx: &Context) -> String {
        location::selected_profile(cx, self.profile.as_deref())
    }

    /// Where this source looks for the files in `cx`.
    pub fn locations(&self, cx: &Context) -> FileLocations {
        let mut at = FileLocations::from_context(cx);
        if let Some(path) = &self.config_file {
            at.config = Some(path.clone());
        }
        if let Some(path) = &self.credentials_file {
            at.credentials = Some(path.clone());
        }
        at
    }

    /// The merged profiles (cached until a file changes).
    pub fn load(&self, cx: &Context) -> Result<Arc<LoadedProfiles>, CredentialError> {
        self.cache.load(cx, &self.locations(cx))
    }

    /// The plan for the selected profile: `NotConfigured` when the implicit `default` profile
    /// is missing or the profile has no credentials, `InvalidConfiguration` when a named
    /// profile is missing or the profile is wrong.
    pub fn profile_plan(&self, cx: &Context) -> Result<ProfilePlan, CredentialError> {
        let loaded = self.load(cx)?;
        let selection = location::ProfileSelection::from_context(cx, self.profile.as_deref());
        loaded
            .plan(selection.name())
            .map_err(|err| err.into_credential_error(SOURCE_NAME, &selection))
    }

    fn static_credentials(&self, cx: &Context) -> Result<(Credentials, String), CredentialError> {
        let plan = self.profile_plan(cx)?;
        if let Some(keys) = plan.as_static() {
            return Ok((keys.credentials(), keys.file.display().to_string()));
        }
        let needs = match plan
            .steps()
            .iter()
            .find(|s| !matches!(s, ProfileStep::Static(_)))
        {
            Some(ProfileStep::AssumeRole(_)) => "an assume-role step",
            Some(ProfileStep::WebIdentity(_)) => "a web identity step",
            Some(ProfileStep::NamedSource(_)) => "a credential_source step",
            Some(ProfileStep::Sso(_)) => "an IAM Identity Center (SSO) step",
            Some(ProfileStep::CredentialProcess(_)) => "a credential_process step",
            Some(ProfileStep::Login(_)) => "a console sign-in (login_session) step",
            _ => "more than static keys",
        };
        Err(CredentialError::invalid_configuration(
            SOURCE_NAME,
            format!(
                "profile \"{}\" needs {needs}; use the chain crate (awsauth-chain), which \
                 executes the plan: {plan}",
                plan.profile()
            ),
        ))
    }
}

#[async_trait]
impl CredentialSource for ProfileSource {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        self.static_credentials(cx).map(|(creds, _)| creds)
    }

    fn name(&self) -> &str {
        SOURCE_NAME
    }

    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        self.static_credentials(cx)?;
        Ok(Plan::new(Step::static_keys_of_profile(
            self.selected_profile(cx),
        )))
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        let line = match self.static_credentials(cx) {
            Ok((creds, file)) => Explanation::new(
                SOURCE_NAME,
                Status::Configured,
                format!(
                    "profile \"{}\" in {file}: static keys {}",
                    self.selected_profile(cx),
                    creds.access_key_id()
                ),
            ),
            Err(err) if err.is_not_configured() => {
                Explanation::new(SOURCE_NAME, Status::NotConfigured, err.message())
            }
            Err(err) => Explanation::new(SOURCE_NAME, Status::Invalid, err.message()),
        };
        vec![line]
    }
}
