//! A [`SourceFactory`] built from the real source crates, for driving `awsauth-datasource` end
//! to end until the `chain` crate's factory is merged.
//!
//! - `keys`: the datasource crate's own default.
//! - `profile`: [`ProfileSource`] (static-key profiles; role profiles are refused by it).
//! - `ec2_iam_role`: [`ImdsSource`] on the IMDS endpoint given here.
//! - `default_chain`: env → profile → web identity → container → IMDS.
//! - `assume_role`: [`AssumeRoleSource`] with the data source's STS options.
//!
//! Every STS call follows the data source's STS options; the STS endpoint otherwise comes from
//! the context (`AWS_ENDPOINT_URL_STS`), which is how the scenarios reach `FakeSts`.
//!
//! Sources that call the network are wrapped in a [`CachedSource`] here: the datasource crate's
//! own wrapping point (`with_credentials_cache` in `compose.rs`) still returns the source
//! unchanged, so without this every read of a session would call STS again.

use std::path::Path;
use std::sync::Arc;

use awsauth_container::ContainerSource;
use awsauth_core::{CachedSource, Chain, CredentialSource};
use awsauth_datasource::{AssumeRoleParams, SourceFactory, StsOptions};
use awsauth_http::HttpSettings;
use awsauth_imds::{ImdsClient, ImdsSource};
use awsauth_profile::ProfileSource;
use awsauth_static::EnvSource;
use awsauth_sts_assume::AssumeRoleSource;
use awsauth_web_identity::WebIdentitySource;

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct RealFactory {
    /// Where IMDS is (`None`: the default endpoint resolution).
    pub imds_endpoint: Option<String>,
    /// Time-outs of every HTTP call the built sources make.
    pub http: HttpSettings,
    /// Whether network sources get a credentials cache (see the module documentation).
    pub cache: bool,
}

impl RealFactory {
    /// A factory whose sources use `http` and cache network credentials.
    pub fn new(http: HttpSettings) -> Self {
        Self {
            imds_endpoint: None,
            http,
            cache: true,
        }
    }

    fn imds(&self) -> ImdsSource {
        let mut client = ImdsClient::builder().http_settings(self.http.clone());
        if let Some(endpoint) = &self.imds_endpoint {
            client = client.endpoint(endpoint.clone());
        }
        ImdsSource::builder().client(client.build()).build()
    }

    fn web_identity(&self, sts: &StsOptions) -> WebIdentitySource {
        WebIdentitySource::from_env().sts_client(sts.client(None).http_settings(self.http.clone()))
    }

    fn cached(&self, source: Arc<dyn CredentialSource>) -> Arc<dyn CredentialSource> {
        if self.cache {
            Arc::new(CachedSource::builder_shared(source).build())
        } else {
            source
        }
    }
}

impl SourceFactory for RealFactory {
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
        self.cached(Arc::new(self.imds()))
    }

    fn default_chain(&self, sts: &StsOptions) -> Arc<dyn CredentialSource> {
        let chain = Chain::new("default")
            .or_else(EnvSource::new())
            .or_else(ProfileSource::new())
            .or_else(self.web_identity(sts))
            .or_else(
                ContainerSource::builder()
                    .http_settings(self.http.clone())
                    .build(),
            )
            .or_else(self.imds());
        self.cached(Arc::new(chain))
    }

    fn assume_role(
        &self,
        base: Arc<dyn CredentialSource>,
        params: AssumeRoleParams,
    ) -> Arc<dyn CredentialSource> {
        let mut source = AssumeRoleSource::from_shared(base, params.role_arn)
            .duration(params.duration)
            .sts_client(params.sts.client(None).http_settings(self.http.clone()));
        if let Some(external_id) = params.external_id {
            source = source.external_id(external_id);
        }
        if let Some(session_name) = params.session_name {
            source = source.session_name(session_name);
        }
        self.cached(Arc::new(source))
    }
}
