//! # awsauth-sso
//!
//! IAM Identity Center (formerly AWS SSO) credentials, the way the AWS SDKs get them for a
//! profile that `aws sso login` set up:
//!
//! 1. the access token from the token cache, `~/.aws/sso/cache/<sha1 hex>.json` — the SHA-1 of
//!    the session name for a profile with `sso_session`, of the start URL for the legacy form
//!    ([`cache_file_name`], [`parse_cached_token`]);
//! 2. for the session form, a refresh through SSO OIDC `CreateToken` (`grantType =
//!    refresh_token`) when the token is within [`REFRESH_WINDOW`] of its expiry (aws-config's
//!    `REFRESH_BUFFER_TIME`, 5 minutes; at most one attempt per [`MIN_TIME_BETWEEN_REFRESH`],
//!    its 30 seconds), written back atomically with mode 0600;
//! 3. the portal's `GetRoleCredentials` (`GET /federation/credentials`, header
//!    `x-amz-sso_bearer_token`) for the account and role.
//!
//! [`SsoSource`] does all three. The profile rules (which keys, which form, the validation
//! messages) live with the profile planner in `awsauth-profile`; `awsauth-chain` executes an
//! SSO step of a profile's plan with this crate, so the default chain and the `credentials`
//! auth type pick SSO profiles up where the SDKs' profile provider does, alone or as the base
//! of a role chain.
//!
//! Endpoints follow [`awsauth_http::endpoint`]: `AWS_ENDPOINT_URL_SSO` /
//! `AWS_ENDPOINT_URL_SSO_OIDC`, then `AWS_ENDPOINT_URL`, then the profile's `services` section
//! and `endpoint_url`, else `portal.sso.{region}` / `oidc.{region}` (FIPS and dual-stack
//! variants on request); plain http only to loopback. All HTTP goes through `awsauth-http`
//! (time-outs, a 1 MiB cap, retries of connection failures, 5xx and 429; a 401 or 403 is not
//! retried and says to log in again).
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use awsauth_core::{Context, CredentialSource, MapEnv, MemFs};
//! use awsauth_sso::{SsoSource, cache_file_name};
//! let fs = MemFs::new();
//! fs.insert(
//!     format!("/home/u/.aws/sso/cache/{}", cache_file_name("corp")),
//!     r#"{"accessToken":"eyJ...","expiresAt":"2023-12-31T00:00:00Z"}"#,
//! );
//! let cx = Context::builder().env(MapEnv::from([("HOME", "/home/u")])).fs(fs).build();
//! let source = SsoSource::with_session("corp", "https://corp.awsapps.com/start", "eu-west-1", "123456789012", "ReadOnly");
//! // The context's clock says 2024-01-01: the token has expired and has no refresh token.
//! let err = source.provide(&cx).await.unwrap_err().to_string();
//! assert!(err.contains("expired at 2023-12-31T00:00:00Z and cannot be refreshed"), "{err}");
//! assert!(err.ends_with("run `aws sso login --sso-session corp`"), "{err}");
//! # });
//! ```
#![forbid(unsafe_code)]

mod cache;
mod endpoint;
mod source;
mod token;
mod wire;

pub use awsauth_http::endpoint::ProfileEndpoint;
pub use cache::{
    CACHE_DIR, CacheError, CacheProblem, CachedToken, MAX_CACHE_FILE_BYTES, cache_file,
    cache_file_name, parse_cached_token,
};
pub use endpoint::{OIDC, PORTAL};
pub use source::{SOURCE_NAME, SsoSource};
pub use token::{MIN_TIME_BETWEEN_REFRESH, REFRESH_WINDOW};
pub use wire::BEARER_HEADER;
