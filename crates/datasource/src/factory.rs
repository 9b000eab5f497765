//! [`StandardFactory`]: the [`SourceFactory`] that builds awsauth's real sources.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use awsauth_chain::{Ec2IamRole, profile_chain};
use awsauth_core::CredentialSource;
use awsauth_sts_assume::{AssumeRoleSource, StsClient};

use crate::{AssumeRoleParams, SourceFactory, StsOptions};

/// The [`SourceFactory`] for production: every auth type built from awsauth's own sources
/// through `awsauth-chain`.
///
/// | asks for | builds |
/// |---|---|
/// | [`keys`](SourceFactory::keys) | the compact static-keys source (the trait's default) |
/// | [`profile`](SourceFactory::profile) | [`awsauth_chain::ProfileChain`]: the profile's plan executed (static keys, `credential_source`, web identity, role hops through STS) |
/// | [`ec2_iam_role`](SourceFactory::ec2_iam_role) | [`Ec2IamRole`]: the container credentials endpoint when `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `_FULL_URI` is set, else the instance role from IMDS; never one after the other |
/// | [`default_chain`](SourceFactory::default_chain) | [`awsauth_chain::default_chain`]: env → profile → web identity → container → IMDS (or aws-config's chain, see below) |
/// | [`assume_role`](SourceFactory::assume_role) | [`AssumeRoleSource`] with the external id, session name, duration and STS options |
///
/// Construction does no I/O: an STS or IMDS failure surfaces on the first credential fetch.
/// [`SessionCache::standard`](crate::SessionCache::standard) uses this factory.
///
/// With the cargo feature `sdk`, `StandardFactory::sdk_default_chain(true)` swaps
/// aws-config's own default chain in for the `default` auth type.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use awsauth_core::{Context, CredentialSource, MapEnv};
/// use awsauth_datasource::{AuthSettings, AuthType, DatasourceSettings, StandardFactory, build_session};
/// let settings = DatasourceSettings::new(AuthType::Default);
/// let session = build_session(&settings, &AuthSettings::new(), &StandardFactory::new()).unwrap();
/// let cx = Context::builder()
///     .env(MapEnv::from([("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "secret")]))
///     .build();
/// let creds = session.provide(&cx).await.unwrap();
/// assert_eq!(creds.provenance().to_string(), "env");
/// # });
/// ```
#[derive(Debug, Clone, Default)]
pub struct StandardFactory {
    /// Shared by clones, as the sessions they build share the clients.
    sts_clients: Arc<StsClients>,
    #[cfg(feature = "sdk")]
    sdk_default_chain: bool,
}

/// One STS client per distinct [`StsOptions`] of the data sources' own assume-role hops,
/// shared by their sessions: a server may hold a hundred thousand sessions with a handful of
/// distinct options, and a client is only settings. Bounded: past [`Self::MAX`] distinct
/// options a session gets a client of its own.
#[derive(Debug, Default)]
struct StsClients(Mutex<HashMap<StsOptions, StsClient>>);

impl StsClients {
    const MAX: usize = 256;

    fn get(&self, options: &StsOptions) -> StsClient {
        let mut clients = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(client) = clients.get(options) {
            return client.clone();
        }
        let client = options.client(None);
        if clients.len() < Self::MAX {
            clients.insert(options.clone(), client.clone());
        }
        client
    }
}

impl StandardFactory {
    /// The factory with awsauth's own default chain.
    pub fn new() -> Self {
        Self::default()
    }

    /// This factory, shared, as [`SessionCache::new`](crate::SessionCache::new) and friends
    /// take it.
    pub fn shared() -> Arc<dyn SourceFactory> {
        Arc::new(Self::new())
    }

    /// Uses aws-config's own default chain ([`awsauth_chain::sdk_default_chain`]) for the
    /// `default` auth type instead of awsauth's. aws-config reads the process environment and
    /// files itself, outside the [`Context`](awsauth_core::Context), and resolves its own STS
    /// region.
    #[cfg(feature = "sdk")]
    pub fn sdk_default_chain(mut self, on: bool) -> Self {
        self.sdk_default_chain = on;
        self
    }
}

impl SourceFactory for StandardFactory {
    fn profile(
        &self,
        name: Option<&str>,
        credentials_file: Option<&Path>,
        sts: &StsOptions,
    ) -> Arc<dyn CredentialSource> {
        let chain = profile_chain(name, sts.clone());
        Arc::new(match credentials_file {
            Some(path) => chain.credentials_file(path),
            None => chain,
        })
    }

    fn ec2_iam_role(&self) -> Arc<dyn CredentialSource> {
        Arc::new(Ec2IamRole::new())
    }

    fn default_chain(&self, sts: &StsOptions) -> Arc<dyn CredentialSource> {
        #[cfg(feature = "sdk")]
        if self.sdk_default_chain {
            return Arc::new(awsauth_chain::sdk_default_chain());
        }
        Arc::new(awsauth_chain::default_chain(sts.clone()))
    }

    fn assume_role(
        &self,
        base: Arc<dyn CredentialSource>,
        params: AssumeRoleParams,
    ) -> Arc<dyn CredentialSource> {
        let mut source = AssumeRoleSource::from_shared(base, params.role_arn)
            .duration(params.duration)
            .sts_client(self.sts_clients.get(&params.sts));
        if let Some(external_id) = params.external_id {
            source = source.external_id(external_id);
        }
        if let Some(session_name) = params.session_name {
            source = source.session_name(session_name);
        }
        Arc::new(source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_distinct_sts_options_gets_its_own_settings_past_the_bound_too() {
        let clients = StsClients::default();
        for i in 0..StsClients::MAX + 10 {
            let region = format!("eu-test-{i}");
            let client = clients.get(&StsOptions::in_region(&region));
            assert_eq!(client.config().region.as_deref(), Some(region.as_str()));
        }
        // A shared client answers for its own options only.
        let fips = clients.get(&StsOptions::in_region("eu-test-1").use_fips(true));
        assert_eq!(fips.config().use_fips, Some(true));
        assert_eq!(
            clients
                .get(&StsOptions::in_region("eu-test-1"))
                .config()
                .use_fips,
            None
        );
        assert_eq!(clients.0.lock().unwrap().len(), StsClients::MAX);
    }
}
