//! # awsauth-sdk
//!
//! The bridge between awsauth and the AWS SDK for Rust, in both directions:
//!
//! - [`SdkCredentials`] makes any awsauth
//!   [`CredentialSource`](awsauth_core::CredentialSource) an SDK credentials provider, so it
//!   plugs into every `aws-sdk-*` client (`credentials_provider(SdkCredentials::new(..))`).
//! - [`FromSdk`] makes any aws-config provider — its `DefaultCredentialsChain`, SSO,
//!   `credential_process` — an awsauth source, with `CredentialsNotLoaded` mapped to
//!   [`NotConfigured`](awsauth_core::CredentialError::NotConfigured) so fallback keeps working.
//!
//! This is the only awsauth crate allowed to depend on aws-config / aws-sdk-* (checked by the
//! workspace tidy test).
#![forbid(unsafe_code)]

mod from_sdk;
mod to_sdk;

pub use from_sdk::{FromSdk, sdk_default_chain, sdk_http_client};
pub use to_sdk::SdkCredentials;
