//! # awsauth-imds
//!
//! Credentials and region from the EC2 instance metadata service, spoken as IMDSv2.
//!
//! - [`ImdsClient`]: resolves the endpoint (explicit setting >
//!   `AWS_EC2_METADATA_SERVICE_ENDPOINT` > profile `ec2_metadata_service_endpoint` > endpoint
//!   mode, `IPv4` → `http://169.254.169.254`, `IPv6` → `http://[fd00:ec2::254]`), gets a session
//!   token with `PUT /latest/api/token` and reuses it until shortly before its TTL ends, sends it
//!   as `x-aws-ec2-metadata-token`, and retries a 401 once with a fresh token. The token is a
//!   [`SecretString`](awsauth_core::SecretString) and is never logged.
//! - [`ImdsSource`]: the instance role's credentials from
//!   `/latest/meta-data/iam/security-credentials-extended/` (which also gives the account id),
//!   falling back to the legacy `/latest/meta-data/iam/security-credentials/`, with static
//!   stability across IMDS outages.
//! - [`ImdsClient::region`] reads `/latest/meta-data/placement/region`.
//! - [`parse_credentials`] and [`parse_role_listing`]: the pure readers of IMDS answers the
//!   source uses, public for tools and fuzzing.
//!
//! All I/O goes through the [`Context`](awsauth_core::Context): the environment, the clock
//! (token TTL, time-outs, static stability), randomness (jitter) and the HTTP client
//! ([`awsauth_http::HttpClient::from_context`]). This crate does not read profiles itself: a crate
//! that does passes the two profile settings to [`ImdsClientBuilder::profile_settings`], and the
//! two retry settings to [`ImdsClientBuilder::profile_retry_settings`].
//!
//! How long and how often to ask follows the AWS CLI: [`TIMEOUT_ENV`]
//! (`AWS_METADATA_SERVICE_TIMEOUT`, seconds to connect and again to answer) and
//! [`NUM_ATTEMPTS_ENV`] (`AWS_METADATA_SERVICE_NUM_ATTEMPTS`), else the profile's
//! `metadata_service_timeout` / `metadata_service_num_attempts`, else the client's settings
//! (1 s, 3 attempts). Values set in code win over all of them. Off EC2 with a black-holed
//! metadata address, `AWS_METADATA_SERVICE_NUM_ATTEMPTS=1` gives up after one second.
//!
//! IMDSv1 (no token) is used only when [`ImdsClientBuilder::allow_imdsv1_fallback`] is enabled,
//! because IMDSv1 answers any plain `GET` and so hands the instance's credentials to any
//! server-side request forgery.
#![forbid(unsafe_code)]

mod client;
mod endpoint;
mod parse;
mod retries;
mod source;

pub use client::{ImdsClient, ImdsClientBuilder, MAX_TOKEN_TTL};
pub use endpoint::{
    DISABLED_ENV, ENDPOINT_ENV, ENDPOINT_MODE_ENV, EndpointMode, InvalidEndpointMode,
    PROFILE_ENDPOINT_KEY, PROFILE_ENDPOINT_MODE_KEY, ResolvedEndpoint,
};
pub use parse::{parse_credentials, parse_role_listing};
pub use retries::{NUM_ATTEMPTS_ENV, PROFILE_NUM_ATTEMPTS_KEY, PROFILE_TIMEOUT_KEY, TIMEOUT_ENV};
pub use source::{ImdsSource, ImdsSourceBuilder};

/// The name in errors, `explain` output and provenance.
const SOURCE_NAME: &str = "imds";
