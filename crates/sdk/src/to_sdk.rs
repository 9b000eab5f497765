//! [`SdkCredentials`]: an awsauth source as an SDK credentials provider.

use std::sync::Arc;

use aws_credential_types::provider::{self, ProvideCredentials, error::CredentialsError, future};
use aws_smithy_runtime_api::client::identity::{IdentityFuture, ResolveIdentity};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::shared::IntoShared;
use aws_smithy_types::config_bag::ConfigBag;
use awsauth_core::{Context, CredentialError, CredentialSource, Credentials};

/// An awsauth source as an SDK `ProvideCredentials` / `ResolveIdentity`.
///
/// ```
/// use awsauth_sdk::SdkCredentials;
/// use awsauth_static::StaticSource;
/// let provider = SdkCredentials::new(StaticSource::new("AKIDEXAMPLE", "secret"));
/// // aws_sdk_s3::Config::builder().credentials_provider(provider) …
/// # let _ = provider;
/// ```
#[derive(Debug, Clone)]
pub struct SdkCredentials {
    source: Arc<dyn CredentialSource>,
    cx: Context,
}

impl SdkCredentials {
    /// Wraps `source`; it is asked with [`Context::system`].
    pub fn new(source: impl CredentialSource + 'static) -> Self {
        Self::with_context(Arc::new(source), Context::system())
    }

    /// Wraps a shared source, asked with the given context.
    pub fn with_context(source: Arc<dyn CredentialSource>, cx: Context) -> Self {
        Self { source, cx }
    }

    async fn resolve(&self) -> provider::Result {
        self.source
            .provide(&self.cx)
            .await
            .map(|creds| to_sdk_credentials(&creds))
            .map_err(to_sdk_error)
    }
}

impl ProvideCredentials for SdkCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        // Cached credentials answer without a boxed future.
        match self.source.current(self.cx.now()) {
            Some(creds) => future::ProvideCredentials::ready(Ok(to_sdk_credentials(&creds))),
            None => future::ProvideCredentials::new(self.resolve()),
        }
    }
}

impl ResolveIdentity for SdkCredentials {
    fn resolve_identity<'a>(
        &'a self,
        _components: &'a RuntimeComponents,
        _config: &'a ConfigBag,
    ) -> IdentityFuture<'a> {
        match self.source.current(self.cx.now()) {
            Some(creds) => IdentityFuture::ready(Ok(to_sdk_credentials(&creds).into())),
            None => IdentityFuture::new(async move { Ok(self.resolve().await?.into()) }),
        }
    }
}

impl IntoShared<aws_credential_types::provider::SharedCredentialsProvider> for SdkCredentials {
    fn into_shared(self) -> aws_credential_types::provider::SharedCredentialsProvider {
        aws_credential_types::provider::SharedCredentialsProvider::new(self)
    }
}

/// Our credentials as the SDK's (the secret crosses into the SDK's own zeroizing type).
fn to_sdk_credentials(creds: &Credentials) -> aws_credential_types::Credentials {
    let mut builder = aws_credential_types::Credentials::builder()
        .access_key_id(creds.access_key_id())
        .secret_access_key(creds.secret_access_key())
        .provider_name("awsauth");
    if let Some(token) = creds.session_token() {
        builder = builder.session_token(token);
    }
    if let Some(expiry) = creds.expiry() {
        builder = builder.expiry(expiry);
    }
    if let Some(account) = creds.account_id() {
        builder = builder.account_id(account);
    }
    builder.build()
}

fn to_sdk_error(err: CredentialError) -> CredentialsError {
    match err {
        CredentialError::NotConfigured { .. } => CredentialsError::not_loaded(err),
        CredentialError::InvalidConfiguration { .. } => {
            CredentialsError::invalid_configuration(err)
        }
        CredentialError::TimedOut { after, .. } => CredentialsError::provider_timed_out(after),
        other => CredentialsError::provider_error(other),
    }
}
