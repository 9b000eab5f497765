//! [`ProfileFiles`]: which profile, in which files, read through a shared rotation-aware cache.

use std::path::PathBuf;
use std::sync::Arc;

#[cfg(any(feature = "sso", feature = "login"))]
use awsauth_core::ProfileEndpoint;
use awsauth_core::{Context, CredentialError};
#[cfg(feature = "imds")]
use awsauth_imds::{
    ImdsClient, ImdsClientBuilder, PROFILE_ENDPOINT_KEY, PROFILE_ENDPOINT_MODE_KEY,
    PROFILE_NUM_ATTEMPTS_KEY, PROFILE_TIMEOUT_KEY,
};
use awsauth_profile::{
    FileLocations, LoadedProfiles, ProfileCache, ProfileSelection, selected_profile,
};

/// The profile key giving a profile's region.
const REGION_KEY: &str = "region";

/// Where the shared `config` and `credentials` files are and which profile is selected. The
/// files are read through one [`ProfileCache`], so they are parsed again only when they change
/// (a rotated credentials file is a new inode), and clones share it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProfileFiles {
    pub(crate) profile: Option<String>,
    pub(crate) config_file: Option<PathBuf>,
    pub(crate) credentials_file: Option<PathBuf>,
    pub(crate) cache: ProfileCache,
}

/// The profile-level settings other sources need (each source's only with its feature).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct ProfileSettings {
    pub(crate) profile: String,
    pub(crate) region: Option<String>,
    #[cfg(feature = "imds")]
    pub(crate) imds_endpoint: Option<String>,
    #[cfg(feature = "imds")]
    pub(crate) imds_endpoint_mode: Option<String>,
    #[cfg(feature = "imds")]
    pub(crate) imds_timeout: Option<String>,
    #[cfg(feature = "imds")]
    pub(crate) imds_num_attempts: Option<String>,
    /// What the profile says about the IAM Identity Center portal's endpoint (`sso`).
    #[cfg(feature = "sso")]
    pub(crate) sso_endpoint: ProfileEndpoint,
    /// What the profile says about the SSO OIDC endpoint (`sso_oidc`).
    #[cfg(feature = "sso")]
    pub(crate) sso_oidc_endpoint: ProfileEndpoint,
    /// What the profile says about the sign-in service's endpoint (`signin`).
    #[cfg(feature = "login")]
    pub(crate) signin_endpoint: ProfileEndpoint,
}

#[cfg(feature = "imds")]
impl ProfileSettings {
    /// `builder` with this profile's IMDS endpoint and retry settings added (they rank below
    /// the environment variables and below what `builder` set in code).
    pub(crate) fn imds_client(&self, builder: ImdsClientBuilder) -> ImdsClient {
        builder
            .profile_settings(
                self.profile.clone(),
                self.imds_endpoint.clone(),
                self.imds_endpoint_mode.clone(),
            )
            .profile_retry_settings(
                self.profile.clone(),
                self.imds_timeout.clone(),
                self.imds_num_attempts.clone(),
            )
            .build()
    }
}

impl ProfileFiles {
    /// The selected profile: the explicit one, else `AWS_PROFILE`, else `default`.
    pub(crate) fn selected(&self, cx: &Context) -> String {
        selected_profile(cx, self.profile.as_deref())
    }

    /// Who selected the profile (a named one that is missing stops a chain).
    pub(crate) fn selection(&self, cx: &Context) -> ProfileSelection {
        ProfileSelection::from_context(cx, self.profile.as_deref())
    }

    /// Where the files are looked for in `cx`.
    pub(crate) fn locations(&self, cx: &Context) -> FileLocations {
        let mut at = FileLocations::from_context(cx);
        if let Some(path) = &self.config_file {
            at.config = Some(path.clone());
        }
        if let Some(path) = &self.credentials_file {
            at.credentials = Some(path.clone());
        }
        at
    }

    /// The merged profiles (parsed again only when a file changed).
    pub(crate) fn load(&self, cx: &Context) -> Result<Arc<LoadedProfiles>, CredentialError> {
        self.cache.load(cx, &self.locations(cx))
    }

    /// The selected profile's `region`, IMDS endpoint and retry settings and its endpoint
    /// settings for IAM Identity Center, when the profile exists.
    pub(crate) fn settings_in(&self, cx: &Context, loaded: &LoadedProfiles) -> ProfileSettings {
        let profile = self.selected(cx);
        let section = loaded.set().profile(&profile);
        let get = |key: &str| section.and_then(|s| s.get(key)).map(str::to_owned);
        ProfileSettings {
            region: get(REGION_KEY),
            #[cfg(feature = "imds")]
            imds_endpoint: get(PROFILE_ENDPOINT_KEY),
            #[cfg(feature = "imds")]
            imds_endpoint_mode: get(PROFILE_ENDPOINT_MODE_KEY),
            #[cfg(feature = "imds")]
            imds_timeout: get(PROFILE_TIMEOUT_KEY),
            #[cfg(feature = "imds")]
            imds_num_attempts: get(PROFILE_NUM_ATTEMPTS_KEY),
            #[cfg(feature = "sso")]
            sso_endpoint: loaded
                .set()
                .service_endpoint(&profile, awsauth_sso::PORTAL.profile_key()),
            #[cfg(feature = "sso")]
            sso_oidc_endpoint: loaded
                .set()
                .service_endpoint(&profile, awsauth_sso::OIDC.profile_key()),
            #[cfg(feature = "login")]
            signin_endpoint: loaded
                .set()
                .service_endpoint(&profile, awsauth_login::SIGNIN.profile_key()),
            profile,
        }
    }

    /// Like [`settings_in`](Self::settings_in), loading the files; a file that cannot be read
    /// gives no settings (the profile link of a chain reports the file itself).
    #[cfg(feature = "imds")]
    pub(crate) fn settings(&self, cx: &Context) -> ProfileSettings {
        match self.load(cx) {
            Ok(loaded) => self.settings_in(cx, &loaded),
            Err(err) => {
                tracing::debug!(error = %err, "profile files unreadable; no profile settings for IMDS");
                ProfileSettings {
                    profile: self.selected(cx),
                    ..ProfileSettings::default()
                }
            }
        }
    }
}
