//! # awsauth-static
//!
//! Sources of long-term (or externally refreshed) keys:
//!
//! - [`StaticSource`]: keys given in code or settings — Grafana's **Access and secret key** auth
//!   type. Wrap it in [`only`](awsauth_core::only) for the no-fallback behaviour.
//! - [`KeysSource`]: the same for a data source's own key pair (Grafana's `keys` auth type),
//!   in the least memory a server's session cache can hold one per data source with.
//! - [`KeyDirectorySource`]: keys in the files `access-key-id` and `secret-access-key` of a
//!   directory (a mounted secret: Grafana's platform credentials), refused unless the server's
//!   user (or root) owns them and nobody else can write them.
//! - [`EnvSource`]: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` and
//!   `AWS_ACCOUNT_ID`, the first link of the AWS SDK default chain.
//!
//! Both treat a blank value as not set, and a key id without a secret (or the reverse) as
//! [`InvalidConfiguration`](awsauth_core::CredentialError::InvalidConfiguration) naming what is
//! missing — a half-configured source stops a chain instead of being skipped.
#![forbid(unsafe_code)]

mod env;
mod key_directory;
mod keys;
mod keys_source;

pub use env::EnvSource;
pub use key_directory::KeyDirectorySource;
pub use keys::StaticSource;
pub use keys_source::KeysSource;

use awsauth_core::{CredentialError, SecretString};

/// Both halves of a key pair, or the error that says which half is missing — decided the same
/// way for both sources.
fn complete_pair(
    source: &str,
    key_id: Option<String>,
    secret: Option<SecretString>,
    key_label: &str,
    secret_label: &str,
) -> Result<(String, SecretString), CredentialError> {
    match (key_id, secret) {
        (Some(key_id), Some(secret)) => Ok((key_id, secret)),
        (None, None) => Err(CredentialError::not_configured(
            source,
            format!("{key_label} and {secret_label} are not set"),
        )),
        (Some(_), None) => Err(CredentialError::invalid_configuration(
            source,
            format!("{key_label} is set but {secret_label} is not"),
        )),
        (None, Some(_)) => Err(CredentialError::invalid_configuration(
            source,
            format!("{secret_label} is set but {key_label} is not"),
        )),
    }
}
