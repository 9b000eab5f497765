//! # awsauth
//!
//! AWS credentials resolved the way Grafana authenticates its AWS data sources — the `default`
//! chain, `keys`, `credentials` (a profile), `ec2_iam_role`, assume role with an external ID,
//! web identity (EKS) — with one rule for fallback: a source that has nothing to offer answers
//! [`NotConfigured`](CredentialError::NotConfigured) and a [`Chain`] moves on; a source that is
//! configured but broken stops the chain and says why.
//!
//! This crate is the front door: it re-exports [`awsauth_core`] (everything at the top level)
//! and each source crate behind a cargo feature.
//!
//! | feature | module | what it brings |
//! |---|---|---|
//! | `static` *(default)* | [`static_keys`] | [`StaticSource`] (the `keys` auth type), [`EnvSource`] |
//! | `profile` *(default)* | [`profile`] | the shared `config` / `credentials` files, [`ProfileSource`] |
//! | `imds` *(default)* | [`imds`] | [`ImdsSource`] (the `ec2_iam_role` auth type) |
//! | `container` *(default)* | [`container`] | [`ContainerSource`] (ECS task roles, EKS Pod Identity) |
//! | `sts` *(default)* | [`sts`], [`sts_assume`] | the STS client, [`AssumeRoleSource`] |
//! | `web-identity` *(default)* | [`web_identity`] | [`WebIdentitySource`] (EKS IAM roles for service accounts) |
//! | `sso` *(default)* | [`sso`] | [`SsoSource`] (IAM Identity Center: the `aws sso login` token cache, refresh, role credentials) |
//! | `process` *(default)* | [`process`] | [`ProcessSource`] (`credential_process`, bounded, through the context's process slot) |
//! | `login` *(default)* | [`login`] | [`LoginSource`] (console sign-in: `aws login` sessions, DPoP-bound renewal) |
//! | `chain` *(default)* | [`chain`] | [`default_chain`], [`profile_chain`] (profile plans executed: role chains, web identity, `credential_source`, IAM Identity Center, `credential_process`, console sign-in) |
//! | `datasource` *(default)* | [`datasource`] | Grafana's auth types, settings, policy, sessions, SigV4 signing |
//! | `sdk` | `sdk` | the aws-config bridge, both directions (pulls in aws-config) |
//!
//! The defaults are the hand-rolled sources; `sdk` is opt-in because it brings in aws-config.
//! Every feature builds alone, and its tests pass (`cargo xtask test` runs each, see
//! CONTRIBUTING.md).
//!
//! # One example per auth type
//!
//! The examples use the default features. Sources are asked with a [`Context`]:
//! [`Context::system()`] in production (the real environment, files, clock and HTTP), or one
//! built from [`MapEnv`] / [`MemFs`] in tests. Those that need the network are marked
//! `no_run`; the others run as tests.
//!
//! Callers read credentials with [`resolve`](CredentialSourceExt::resolve): cached credentials
//! come back without allocating a future. Implementors of a source write
//! [`provide`](CredentialSource::provide).
//!
//! ## A data source's settings, as Grafana keeps them
//!
//! The Grafana layer maps a data source's JSON and the server's policy onto the sources below —
//! no-fallback wrapping, assume role on top, the STS region rules, the credentials cache — and
//! keeps one session per distinct settings.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use awsauth::datasource::{AuthSettings, DatasourceSettings, SessionCache};
//! use awsauth::{Context, CredentialSourceExt};
//!
//! // The server's policy. Grafana's defaults here; on a server, usually
//! // `AuthSettings::from_env(&Context::system())?` (the AWS_AUTH_* variables).
//! let sessions = SessionCache::standard(AuthSettings::new());
//! let settings = DatasourceSettings::from_json(r#"{
//!     "jsonData": {"authType": "keys", "defaultRegion": "eu-west-1"},
//!     "secureJsonData": {"accessKey": "AKIDEXAMPLE", "secretKey": "wJalrXUtnFEMI/K7MDENG"}
//! }"#)?;
//! let session = sessions.get(&settings)?;
//! assert_eq!(session.region(), Some("eu-west-1"));
//! let creds = session.resolve(&Context::system()).await?;
//! assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! The sections below build each auth type from the sources directly.
//!
//! ## `default` — the AWS SDK default chain
//!
//! Environment → profile (`AWS_PROFILE`, its plan executed) → web identity → container → IMDS.
//! A source that is configured but broken stops the chain instead of being skipped.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use awsauth::chain::StsOptions;
//! use awsauth::{Context, CredentialSourceExt, MapEnv, cache, default_chain};
//!
//! let source = cache(default_chain(StsOptions::new().region("eu-west-1")));
//! // In production: `Context::system()`. Here, an environment with keys in it.
//! let cx = Context::builder()
//!     .env(MapEnv::from([
//!         ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
//!         ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG"),
//!     ]))
//!     .build();
//! let creds = source.resolve(&cx).await?;
//! assert_eq!(creds.provenance().to_string(), "env");
//! # Ok::<(), awsauth::CredentialError>(())
//! # }).unwrap();
//! ```
//!
//! ## `keys` — an access and secret key, no fallback
//!
//! [`only`] turns "not configured" into an error naming what is missing, so a data source with
//! blank keys never silently uses another identity.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use awsauth::{Context, CredentialSourceExt, ErrorKind, StaticSource, only};
//!
//! let source = only(StaticSource::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG").named("keys"))
//!     .selected_as("auth type `keys`");
//! let creds = source.resolve(&Context::system()).await?;
//! assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
//! assert_eq!(creds.provenance().to_string(), "keys");
//!
//! let blank = only(StaticSource::from_parts(None, None).named("keys"))
//!     .selected_as("auth type `keys`");
//! let err = blank.resolve(&Context::system()).await.unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
//! # Ok::<(), awsauth::CredentialError>(())
//! # }).unwrap();
//! ```
//!
//! ## `credentials` — a profile of the shared files, no fallback
//!
//! [`profile_chain`] executes the whole profile: static keys, `credential_source`, web identity,
//! then each `role_arn` hop through STS (with its `external_id`, `role_session_name`,
//! `duration_seconds`).
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use awsauth::chain::StsOptions;
//! use awsauth::{Context, CredentialSourceExt, MapEnv, MemFs, only, profile_chain};
//!
//! let fs = MemFs::new();
//! fs.insert(
//!     "/home/grafana/.aws/credentials",
//!     "[reader]\naws_access_key_id = AKIDREADER\naws_secret_access_key = example-secret\n",
//! );
//! let cx = Context::builder()
//!     .env(MapEnv::from([("HOME", "/home/grafana")]))
//!     .fs(fs)
//!     .build();
//! let source = only(profile_chain(Some("reader"), StsOptions::new()))
//!     .selected_as("auth type `credentials`");
//! let creds = source.resolve(&cx).await?;
//! assert_eq!(creds.access_key_id(), "AKIDREADER");
//! assert_eq!(creds.provenance().to_string(), "profile:reader");
//! # Ok::<(), awsauth::CredentialError>(())
//! # }).unwrap();
//! ```
//!
//! ## `ec2_iam_role` — the instance role from IMDSv2, no fallback
//!
//! ```no_run
//! # async fn f() -> Result<(), awsauth::CredentialError> {
//! use awsauth::{Context, CredentialSourceExt, ImdsSource, cache, only};
//!
//! // Cache it: IMDS credentials last hours, and the cache refreshes them ahead of expiry.
//! let source = cache(only(ImdsSource::new()).selected_as("auth type `ec2_iam_role`"));
//! let creds = source.resolve(&Context::system()).await?;
//! println!("{} expires {:?}", creds.access_key_id(), creds.expiry());
//! # Ok(()) }
//! ```
//!
//! ## Assume role with an external ID — on top of any base source
//!
//! ```no_run
//! # async fn f() -> Result<(), awsauth::CredentialError> {
//! use std::time::Duration;
//! use awsauth::sts_assume::StsClient;
//! use awsauth::{AssumeRoleSource, Context, CredentialSourceExt, EnvSource, cache};
//!
//! let source = cache(
//!     AssumeRoleSource::new(EnvSource::new(), "arn:aws:iam::123456789012:role/grafana-reader")
//!         .external_id("tenant-42")
//!         .session_name("grafana")
//!         .duration(Duration::from_secs(15 * 60))
//!         .sts_client(StsClient::new().region("eu-west-1")),
//! );
//! let creds = source.resolve(&Context::system()).await?;
//! // "env -> assume-role:arn:aws:iam::123456789012:role/grafana-reader"
//! println!("{}", creds.provenance());
//! # Ok(()) }
//! ```
//!
//! ## Web identity — EKS IAM roles for service accounts
//!
//! Kubernetes projects a token file and sets `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`;
//! the source reads the file again at every refresh.
//!
//! ```no_run
//! # async fn f() -> Result<(), awsauth::CredentialError> {
//! use awsauth::{Context, CredentialSourceExt, WebIdentitySource, cache};
//!
//! let source = cache(WebIdentitySource::from_env());
//! let creds = source.resolve(&Context::system()).await?;
//! assert!(creds.expiry().is_some());
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub use awsauth_core::*;

/// Keys given in code or settings, and the `AWS_ACCESS_KEY_ID` environment variables
/// ([`awsauth_static`]).
#[cfg(feature = "static")]
pub use awsauth_static as static_keys;
#[cfg(feature = "static")]
pub use awsauth_static::{EnvSource, StaticSource};

/// The shared `config` and `credentials` files ([`awsauth_profile`]).
#[cfg(feature = "profile")]
pub use awsauth_profile as profile;
#[cfg(feature = "profile")]
pub use awsauth_profile::ProfileSource;

/// The HTTP plumbing the network sources share ([`awsauth_http`]): install your own
/// [`HttpClient`](awsauth_http::HttpClient) or transport into a [`Context`].
#[cfg(any(
    feature = "imds",
    feature = "container",
    feature = "sts",
    feature = "web-identity",
    feature = "sso",
    feature = "login"
))]
pub use awsauth_http as http;

/// EC2 instance metadata, IMDSv2 ([`awsauth_imds`]).
#[cfg(feature = "imds")]
pub use awsauth_imds as imds;
#[cfg(feature = "imds")]
pub use awsauth_imds::ImdsSource;

/// ECS task roles and EKS Pod Identity ([`awsauth_container`]).
#[cfg(feature = "container")]
pub use awsauth_container as container;
#[cfg(feature = "container")]
pub use awsauth_container::ContainerSource;

/// awsauth's STS client: `AssumeRole`, `AssumeRoleWithWebIdentity`, `GetCallerIdentity`
/// ([`awsauth_sts`]).
#[cfg(feature = "sts")]
pub use awsauth_sts as sts;
/// Assume role on top of any source ([`awsauth_sts_assume`]).
#[cfg(feature = "sts")]
pub use awsauth_sts_assume as sts_assume;
#[cfg(feature = "sts")]
pub use awsauth_sts_assume::AssumeRoleSource;

/// Web identity (OIDC) tokens exchanged with STS ([`awsauth_web_identity`]).
#[cfg(feature = "web-identity")]
pub use awsauth_web_identity as web_identity;
#[cfg(feature = "web-identity")]
pub use awsauth_web_identity::WebIdentitySource;

/// `credential_process`: an external program's credentials, bounded and through the
/// context's process slot ([`awsauth_process`]).
#[cfg(feature = "process")]
pub use awsauth_process as process;
#[cfg(feature = "process")]
pub use awsauth_process::ProcessSource;
/// IAM Identity Center (SSO) role credentials ([`awsauth_sso`]).
#[cfg(feature = "sso")]
pub use awsauth_sso as sso;
#[cfg(feature = "sso")]
pub use awsauth_sso::SsoSource;

/// Console sign-in credentials, `aws login` sessions ([`awsauth_login`]).
#[cfg(feature = "login")]
pub use awsauth_login as login;
#[cfg(feature = "login")]
pub use awsauth_login::LoginSource;

/// The SDK default chain and full profile execution ([`awsauth_chain`]).
#[cfg(feature = "chain")]
pub use awsauth_chain as chain;
#[cfg(feature = "chain")]
pub use awsauth_chain::{DefaultChain, ProfileChain, default_chain, profile_chain};

/// Grafana's layer: auth types, data source settings, the server's policy, sessions, SigV4
/// request signing ([`awsauth_datasource`]).
#[cfg(feature = "datasource")]
pub use awsauth_datasource as datasource;

/// The bridge to the AWS SDK for Rust ([`awsauth_sdk`]): awsauth sources as SDK providers, and
/// aws-config providers as awsauth sources.
#[cfg(feature = "sdk")]
pub use awsauth_sdk as sdk;
