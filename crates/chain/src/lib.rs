//! # awsauth-chain
//!
//! Composition of awsauth's credential sources, for users who want credentials the way the AWS
//! SDKs find them, without the Grafana layer (`awsauth-datasource` builds on this crate):
//!
//! - [`default_chain`] / [`DefaultChain`]: the SDK default order — environment → profile
//!   (`AWS_PROFILE`, its plan executed) → web identity → container → IMDS — with one builder
//!   slot per link ([`DefaultChainBuilder`]: set it or turn it off).
//! - [`profile_chain`] / [`ProfileChain`]: a profile of the shared files executed fully —
//!   static keys, `credential_source`, web identity, IAM Identity Center (SSO, through
//!   `awsauth-sso`), then each `role_arn` hop through STS —
//!   read at call time so edits are picked up. [`profile_plan`] returns the plan itself;
//!   every source's [`plan`](awsauth_core::CredentialSource::plan) describes it for printing.
//! - [`ProfileAwareImds`]: IMDS with the profile's `ec2_metadata_service_endpoint(_mode)`.
//! - [`Ec2IamRole`]: the container credentials endpoint when its variables are set, else IMDS
//!   (Grafana's `ec2_iam_role`), with no fallback between the two.
//! - [`StsOptions`]: region, endpoint and FIPS for the STS calls these composites make.
//! - Cargo features: each link of the chain comes with the feature of its source — `imds`,
//!   `container`, `sts` (a profile's `role_arn` hops), `web-identity`, `sso`, `process`,
//!   `login`, all on by default. The environment and profile-keys links are always there and
//!   need no network, so with the defaults off this crate builds no HTTP, TLS or AWS SDK
//!   crate. A profile whose plan needs a source left out is `InvalidConfiguration` naming the
//!   feature, never the next link's identity.
//! - With the `sdk` cargo feature (off by default): `sdk_default_chain()`, aws-config's own
//!   default chain through the `awsauth-sdk` bridge.
//!
//! Every composite only *constructs* sources: nothing touches the network until
//! [`provide`](awsauth_core::CredentialSource::provide), and
//! [`explain`](awsauth_core::CredentialSource::explain) never does. Put a
//! [cache](awsauth_core::CachedSource) in front for repeated use.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use awsauth_chain::{default_chain, StsOptions};
//! use awsauth_core::{Context, CredentialSource, MapEnv, MemFs};
//! let fs = MemFs::new();
//! fs.insert("/home/u/.aws/credentials", "[dev]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n");
//! let cx = Context::builder()
//!     .env(MapEnv::from([("HOME", "/home/u"), ("AWS_PROFILE", "dev")]))
//!     .fs(fs)
//!     .build();
//! let creds = default_chain(StsOptions::new()).provide(&cx).await.unwrap();
//! assert_eq!(creds.provenance().to_string(), "profile:dev");
//! # });
//! ```
#![forbid(unsafe_code)]

mod default;
mod files;
#[cfg(feature = "imds")]
mod imds;
mod profile;
#[cfg(all(feature = "imds", feature = "container"))]
mod remote;
#[cfg(feature = "sdk")]
mod sdk;

pub use awsauth_sts::StsOptions;
pub use default::{DefaultChain, DefaultChainBuilder, default_chain};
#[cfg(feature = "imds")]
pub use imds::ProfileAwareImds;
pub use profile::{ProfileChain, profile_chain, profile_plan};
#[cfg(all(feature = "imds", feature = "container"))]
pub use remote::Ec2IamRole;
#[cfg(feature = "sdk")]
pub use sdk::{SdkDefaultChain, sdk_default_chain};

/// The rule for AWS's own STS host names (the Grafana layer checks a data source's endpoint
/// with it before the server's credentials may be sent there).
#[cfg(feature = "sts")]
pub use awsauth_sts::is_aws_sts_host;

/// `localhost`, 127.0.0.0/8 or `::1` — the one loopback rule, for the layers above.
#[cfg(any(feature = "sts", feature = "sso", feature = "login"))]
pub use awsauth_http::endpoint::is_loopback;

/// The profile crate's plan types, so users of [`profile_plan`] need no second dependency.
pub use awsauth_profile::{PlanError, ProfilePlan, ProfileStep};
