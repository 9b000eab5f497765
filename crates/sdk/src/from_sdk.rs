//! [`FromSdk`]: an aws-config provider as an awsauth source.

use std::fmt;

use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::error::CredentialsError;
use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Status, async_trait,
};

/// Any SDK credentials provider as a [`CredentialSource`].
///
/// aws-config providers do their own I/O, so the [`Context`] passed to
/// [`provide`](CredentialSource::provide) is not used — which is exactly why the hand-rolled
/// sources are the default and this bridge is opt-in.
pub struct FromSdk<P> {
    name: String,
    provider: P,
}

impl<P: ProvideCredentials> FromSdk<P> {
    /// Wraps `provider`; `name` appears in errors and provenance.
    pub fn new(name: impl Into<String>, provider: P) -> Self {
        Self {
            name: name.into(),
            provider,
        }
    }
}

impl<P: ProvideCredentials> fmt::Debug for FromSdk<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FromSdk")
            .field("name", &self.name)
            .field("provider", &self.provider)
            .finish()
    }
}

/// aws-config's own `DefaultCredentialsChain`, for users who want exactly the SDK's behaviour.
/// Its HTTP calls (IMDS, STS, containers) use [`sdk_http_client`].
pub async fn sdk_default_chain()
-> FromSdk<aws_config::default_provider::credentials::DefaultCredentialsChain> {
    let config =
        aws_config::provider_config::ProviderConfig::default().with_http_client(sdk_http_client());
    let chain = aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
        .configure(config)
        .build()
        .await;
    FromSdk::new("sdk-default", chain)
}

/// An SDK HTTP client on rustls with the ring provider — the same TLS stack as awsauth's own
/// client, instead of the SDK default's aws-lc. Pass it to any `aws-sdk-*` config with
/// `.http_client(..)`.
pub fn sdk_http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

#[async_trait]
impl<P: ProvideCredentials> CredentialSource for FromSdk<P> {
    async fn provide(&self, _cx: &Context) -> Result<Credentials, CredentialError> {
        let creds = self
            .provider
            .provide_credentials()
            .await
            .map_err(|err| from_sdk_error(&self.name, err))?;
        let provenance = format!("{}:{}", self.name, provider_name(&creds));
        Ok(
            Credentials::builder(creds.access_key_id(), creds.secret_access_key())
                .maybe_session_token(creds.session_token().map(Into::into))
                .maybe_expiry(creds.expiry())
                .maybe_account_id(creds.account_id().map(|a| a.as_str().to_owned()))
                .provenance(provenance)
                .build(),
        )
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn explain(&self, _cx: &Context) -> Vec<Explanation> {
        vec![Explanation::new(
            &self.name,
            Status::Unknown,
            "an aws-config provider: it can only tell by trying (use --run)",
        )]
    }
}

fn provider_name(creds: &aws_credential_types::Credentials) -> String {
    // The Debug of SDK credentials names the provider and redacts the secret; take the name only.
    let debug = format!("{creds:?}");
    debug
        .split("provider_name: \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("sdk")
        .to_owned()
}

fn from_sdk_error(name: &str, err: CredentialsError) -> CredentialError {
    let message = describe(&err);
    match err {
        CredentialsError::CredentialsNotLoaded(_) => CredentialError::not_configured(name, message),
        CredentialsError::InvalidConfiguration(_) => {
            CredentialError::invalid_configuration(name, message)
        }
        CredentialsError::ProviderTimedOut(timeout) => {
            CredentialError::timed_out(name, message, timeout.timeout_duration())
        }
        _ => CredentialError::provider_failed(name, message),
    }
}

fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}
