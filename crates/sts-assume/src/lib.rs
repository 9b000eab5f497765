//! # awsauth-sts-assume
//!
//! [`AssumeRoleSource`]: temporary credentials for an IAM role, obtained with `sts:AssumeRole`
//! using the credentials of any base source — Grafana's **Assume Role ARN** and **External ID**
//! fields. Role chains (a profile that assumes a role from a profile that assumes a role) are
//! sources nested in each other.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use std::time::Duration;
//! use awsauth_core::{Chain, Context, CredentialSource, ErrorKind};
//! use awsauth_sts_assume::AssumeRoleSource;
//!
//! // An empty chain stands in for "no base credentials here".
//! let source = AssumeRoleSource::new(Chain::new("base"), "arn:aws:iam::123456789012:role/reader")
//!     .external_id("tenant-42")
//!     .duration(Duration::from_secs(3600));
//! let err = source.provide(&Context::builder().build()).await.unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::NotConfigured);
//! # });
//! ```
#![forbid(unsafe_code)]

mod source;

/// The STS client a source's calls go through (its `sts_client` setter), re-exported so a
/// caller needs no second import.
pub use awsauth_sts::StsClient;
pub use source::{AssumeRoleSource, DEFAULT_DURATION};
