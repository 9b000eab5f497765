//! # awsauth-web-identity
//!
//! [`WebIdentitySource`]: a web identity (OIDC) token file exchanged for temporary credentials
//! with `sts:AssumeRoleWithWebIdentity` — how EKS IAM roles for service accounts reach
//! Grafana. Kubernetes projects the service account token into the pod and sets
//! `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`; a profile may name the same things with
//! `web_identity_token_file`, `role_arn` and `role_session_name`.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use awsauth_core::{Context, CredentialSource, ErrorKind, MapEnv};
//! use awsauth_web_identity::WebIdentitySource;
//!
//! let source = WebIdentitySource::from_env();
//! // Nothing set: not configured, so a chain moves on.
//! let err = source.provide(&Context::builder().build()).await.unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::NotConfigured);
//! // The token file is named but missing: an error that says where and what to check.
//! let cx = Context::builder()
//!     .env(MapEnv::from([
//!         ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"),
//!         ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/grafana"),
//!     ]))
//!     .build();
//! let err = source.provide(&cx).await.unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
//! assert!(err.to_string().contains("/var/run/secrets/eks.amazonaws.com/serviceaccount/token"));
//! assert!(err.to_string().contains("fsGroup: 472"));
//! # });
//! ```
#![forbid(unsafe_code)]

mod source;

/// The STS client a source's calls go through (its `sts_client` setter), re-exported so a
/// caller needs no second import.
pub use awsauth_sts::StsClient;
pub use source::{
    ENV_ROLE_ARN, ENV_ROLE_SESSION_NAME, ENV_WEB_IDENTITY_TOKEN_FILE, MAX_TOKEN_FILE_BYTES,
    WebIdentitySource,
};
