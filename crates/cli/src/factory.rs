//! The [`SourceFactory`] the CLI builds sessions with.
//!
//! Interim: a small factory over the source crates until the `chain` crate's factory is merged
//! (it executes full profile plans and the complete default chain).

use std::path::Path;
use std::sync::Arc;

use awsauth::datasource::{AssumeRoleParams, SourceFactory, StsOptions};
use awsauth::{
    AssumeRoleSource, Chain, ContainerSource, CredentialSource, EnvSource, ImdsSource,
    ProfileSource, WebIdentitySource,
};

/// The factory for every command.
pub(crate) fn factory() -> Arc<dyn SourceFactory> {
    Arc::new(Interim)
}

#[derive(Debug)]
struct Interim;

fn web_identity(sts: &StsOptions) -> WebIdentitySource {
    let mut source = WebIdentitySource::from_env().use_fips(sts.use_fips);
    if let Some(region) = &sts.region {
        source = source.region(region.clone());
    }
    if let Some(endpoint) = &sts.endpoint {
        source = source.endpoint_url(endpoint.clone());
    }
    source
}

impl SourceFactory for Interim {
    fn profile(
        &self,
        name: Option<&str>,
        credentials_file: Option<&Path>,
        _sts: &StsOptions,
    ) -> Arc<dyn CredentialSource> {
        let mut source = ProfileSource::new();
        if let Some(name) = name {
            source = source.profile(name);
        }
        if let Some(file) = credentials_file {
            source = source.credentials_file(file);
        }
        Arc::new(source)
    }

    fn ec2_iam_role(&self) -> Arc<dyn CredentialSource> {
        Arc::new(ImdsSource::new())
    }

    fn default_chain(&self, sts: &StsOptions) -> Arc<dyn CredentialSource> {
        Arc::new(
            Chain::new("default")
                .or_else(EnvSource::new())
                .or_else(ProfileSource::new())
                .or_else(web_identity(sts))
                .or_else(ContainerSource::new())
                .or_else(ImdsSource::new()),
        )
    }

    fn assume_role(
        &self,
        base: Arc<dyn CredentialSource>,
        params: AssumeRoleParams,
    ) -> Arc<dyn CredentialSource> {
        let mut source = AssumeRoleSource::from_shared(base, params.role_arn)
            .duration(params.duration)
            .use_fips(params.sts.use_fips);
        if let Some(external_id) = params.external_id {
            source = source.external_id(external_id);
        }
        if let Some(name) = params.session_name {
            source = source.session_name(name);
        }
        if let Some(region) = params.sts.region {
            source = source.region(region);
        }
        if let Some(endpoint) = params.sts.endpoint {
            source = source.endpoint_url(endpoint);
        }
        Arc::new(source)
    }
}
