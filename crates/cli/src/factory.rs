//! The [`SourceFactory`] the CLI builds sessions with: the `chain` crate's default chain and
//! profile execution behind `datasource`'s seam.
//!
//! Interim: once `datasource` ships its own factory over `chain`, this module becomes a single
//! call to it.

use std::path::Path;
use std::sync::Arc;

use awsauth::AssumeRoleSource;
use awsauth::CredentialSource;
use awsauth::chain::{ProfileAwareImds, ProfileChain, StsOptions as ChainSts, default_chain};
use awsauth::datasource::{AssumeRoleParams, SourceFactory, StsOptions};

/// The factory for every command.
pub(crate) fn factory() -> Arc<dyn SourceFactory> {
    Arc::new(ChainFactory)
}

#[derive(Debug)]
struct ChainFactory;

fn chain_sts(sts: &StsOptions) -> ChainSts {
    let mut options = ChainSts::new();
    if let Some(region) = &sts.region {
        options = options.region(region.clone());
    }
    if let Some(endpoint) = &sts.endpoint {
        options = options.endpoint(endpoint.clone());
    }
    if sts.use_fips {
        options = options.use_fips(true);
    }
    options
}

impl SourceFactory for ChainFactory {
    fn profile(
        &self,
        name: Option<&str>,
        credentials_file: Option<&Path>,
        sts: &StsOptions,
    ) -> Arc<dyn CredentialSource> {
        let mut source = ProfileChain::new().sts(chain_sts(sts));
        if let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) {
            source = source.profile(name);
        }
        if let Some(file) = credentials_file {
            source = source.credentials_file(file);
        }
        Arc::new(source)
    }

    fn ec2_iam_role(&self) -> Arc<dyn CredentialSource> {
        Arc::new(ProfileAwareImds::new())
    }

    fn default_chain(&self, sts: &StsOptions) -> Arc<dyn CredentialSource> {
        Arc::new(default_chain(chain_sts(sts)))
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
