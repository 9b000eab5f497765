//! [`ProfileAwareImds`]: IMDS with the selected profile's endpoint settings, read at call time.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, async_trait,
};
use awsauth_imds::{ImdsClient, ImdsClientBuilder, ImdsSource};
use awsauth_profile::ProfileCache;

use crate::files::{ProfileFiles, ProfileSettings};

/// The instance role's credentials from IMDS ([`ImdsSource`]), with the endpoint settings of
/// the selected profile (`ec2_metadata_service_endpoint`, `ec2_metadata_service_endpoint_mode`)
/// as the SDKs apply them: below `AWS_EC2_METADATA_SERVICE_ENDPOINT(_MODE)`, above the default;
/// and its retry settings (`metadata_service_timeout`, `metadata_service_num_attempts`) as the
/// AWS CLI does: below `AWS_METADATA_SERVICE_TIMEOUT` / `AWS_METADATA_SERVICE_NUM_ATTEMPTS`.
///
/// The profile is read at call time (cached until its file changes). The underlying
/// [`ImdsSource`] — its session token, learned role and last good credentials (static
/// stability) — is kept as long as those settings stay the same.
///
/// This is the IMDS link of [`default_chain`](crate::default_chain) and the source behind
/// Grafana's `ec2_iam_role` auth type.
///
/// ```
/// use awsauth_chain::ProfileAwareImds;
/// use awsauth_core::{Context, CredentialSource, MapEnv, MemFs};
/// let fs = MemFs::new();
/// fs.insert("/home/u/.aws/config", "[default]\nec2_metadata_service_endpoint = http://127.0.0.1:1338\n");
/// let cx = Context::builder().env(MapEnv::from([("HOME", "/home/u")])).fs(fs).build();
/// let line = &ProfileAwareImds::new().explain(&cx)[0];
/// assert!(line.reason.contains("http://127.0.0.1:1338"), "{}", line.reason);
/// ```
#[derive(Debug)]
pub struct ProfileAwareImds {
    files: ProfileFiles,
    client: ImdsClientBuilder,
    built: Mutex<Option<(ProfileSettings, Arc<ImdsSource>)>>,
}

impl Default for ProfileAwareImds {
    fn default() -> Self {
        Self::new()
    }
}

impl ProfileAwareImds {
    /// IMDS with the default client settings and the selected profile (`AWS_PROFILE`, else
    /// `default`).
    pub fn new() -> Self {
        Self {
            files: ProfileFiles::default(),
            client: ImdsClient::builder(),
            built: Mutex::new(None),
        }
    }

    /// Reads the settings of this profile instead of `AWS_PROFILE` / `default`.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.files.profile = Some(name.into());
        self
    }

    /// Reads this config file instead of `AWS_CONFIG_FILE` / `~/.aws/config`.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.files.config_file = Some(path.into());
        self
    }

    /// The client settings (time-outs, attempts, token TTL, IMDSv1 fallback, an explicit
    /// endpoint). The profile's settings are added to this builder.
    pub fn client(mut self, builder: ImdsClientBuilder) -> Self {
        self.client = builder;
        self
    }

    pub(crate) fn with_cache(mut self, cache: ProfileCache) -> Self {
        self.files.cache = cache;
        self
    }

    /// The IMDS source for the profile settings in `cx`, kept while they do not change.
    fn source(&self, cx: &Context) -> Arc<ImdsSource> {
        let settings = self.files.settings(cx);
        let mut built = self.built.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((current, source)) = built.as_ref()
            && *current == settings
        {
            return Arc::clone(source);
        }
        let client = settings.imds_client(self.client.clone());
        let source = Arc::new(ImdsSource::builder().client(client).build());
        *built = Some((settings, Arc::clone(&source)));
        source
    }
}

#[async_trait]
impl CredentialSource for ProfileAwareImds {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        self.source(cx).provide(cx).await
    }

    fn name(&self) -> &str {
        "imds"
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        self.source(cx).explain(cx)
    }

    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        self.source(cx).plan(cx)
    }
}
