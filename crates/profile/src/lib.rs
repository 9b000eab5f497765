//! # awsauth-profile
//!
//! The AWS shared `config` and `credentials` files, the way the AWS SDKs and the AWS CLI read
//! them — Grafana's **Credentials file** auth type and the profile link of the default chain.
//!
//! - [`ProfileSet::parse`] / [`ProfileSet::add_file`]: a pure parser (text in, profiles out)
//!   that passes all of the SDKs' shared conformance cases. Errors name the file and the line,
//!   never the content.
//! - [`FileLocations`] and [`selected_profile`]: `AWS_CONFIG_FILE`,
//!   `AWS_SHARED_CREDENTIALS_FILE`, `HOME` (and the Windows variables), `~` expansion,
//!   `AWS_PROFILE`.
//! - [`load`] and [`ProfileCache`]: reading through the injected file system, refusing a
//!   credentials file writable by others, re-reading only when a file changes.
//! - [`ProfileSet::plan`]: a profile turned into a [`ProfilePlan`] — static keys, a named
//!   source, a web identity or IAM Identity Center (SSO), then the roles to assume — for a higher crate to execute, and
//!   [`ProfilePlan::describe`]d as the secret-free [`awsauth_core::Plan`] `explain` prints. No
//!   STS or IMDS call happens here.
//! - [`ProfileSet::service_endpoint`]: what a profile says about a service's endpoint (its
//!   `services` section, `endpoint_url`, FIPS and dual-stack keys), for the endpoint rules of
//!   the HTTP crate.
//! - [`ProfileSource`]: a [`CredentialSource`](awsauth_core::CredentialSource) for profiles
//!   whose plan is static keys.
//!
//! ```
//! use awsauth_profile::{FileKind, ProfileSet, ProfileStep};
//! let mut set = ProfileSet::parse(FileKind::Config, "/home/u/.aws/config", "
//! [profile ci]
//! role_arn = arn:aws:iam::123456789012:role/ci
//! credential_source = Ec2InstanceMetadata
//! duration_seconds = 3600
//! ").unwrap();
//! let plan = set.plan("ci").unwrap();
//! assert_eq!(plan.to_string(), "credential_source Ec2InstanceMetadata -> assume role arn:aws:iam::123456789012:role/ci (profile \"ci\")");
//! assert!(matches!(&plan.steps()[1], ProfileStep::AssumeRole(r) if r.duration_seconds == Some(3600)));
//! ```
#![forbid(unsafe_code)]

mod endpoints;
mod load;
mod location;
mod model;
mod parse;
mod plan;
mod source;

pub use load::{LoadedProfiles, MAX_FILE_SIZE, ProfileCache, load};
pub use location::{
    CONFIG_FILE_VAR, CREDENTIALS_FILE_VAR, FileLocations, PROFILE_VAR, Platform, ProfileSelection,
    expand_home, home_dir, selected_profile,
};
pub use model::{FileKind, Origin, ProfileSet, Property, Section};
pub use parse::{ParseError, Problem};
pub use plan::{
    AssumeRoleStep, LoginStep, NamedSource, NamedSourceStep, PlanError, ProcessStep, ProfilePlan,
    ProfileStep, SsoStep, StaticKeys, WebIdentityStep,
};
pub use source::ProfileSource;
