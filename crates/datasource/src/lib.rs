//! # awsauth-datasource
//!
//! The layer a Grafana-like service calls: "give me credentials — or a request signer — for
//! this data source". It turns a data source's settings plus the server's policy into a
//! [`CredentialSource`](awsauth_core::CredentialSource) the way Grafana's AWS SDK does, without
//! its known bugs.
//!
//! - [`AuthType`] and [`DatasourceSettings`]: Grafana's data source JSON, keys matched
//!   case-insensitively, secrets in [`SecretString`](awsauth_core::SecretString).
//! - [`AuthSettings`]: the server's policy (`[aws]` in `grafana.ini`, the plugin environment, or
//!   code), and its gate [`AuthSettings::check`], with Grafana's exact error texts.
//! - [`build_session`] and the [`SourceFactory`] seam: this crate decides *what* to build for an
//!   auth type; the factory knows *how*. [`StandardFactory`] builds the real sources through
//!   `awsauth-chain` (the default chain, profile plans, IMDS, STS AssumeRole).
//! - [`Endpoints`], [`OPT_IN_REGIONS`], [`sts_region_for`]: the endpoint and STS region rules.
//! - [`SessionCache`]: one session per distinct settings, bounded, O(1);
//!   [`SessionCache::standard`] uses the [`StandardFactory`]. Sessions are wrapped in the
//!   credentials cache ([`CachedSource`](awsauth_core::CachedSource)).
//! - [`RequestSigner`] and [`SigV4Layer`]: SigV4 signing for HTTP data sources.
//!
//! Errors are [`DatasourceError`]s; [`DatasourceError::kind`] separates "not allowed by the
//! server's policy" from "configured wrongly".
#![forbid(unsafe_code)]

mod auth_type;
mod compose;
mod endpoint;
mod error;
mod factory;
mod isolation;
mod policy;
mod proxy;
mod session;
mod settings;
mod sigv4;
mod stats;

/// docs/observability.md's example, run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/observability.md")]
mod observability_doc {}

pub use auth_type::{AuthType, AuthTypeSet};
/// Where the STS calls of a session go: the one [`StsOptions`] of
/// `awsauth-sts`.
pub use awsauth_chain::StsOptions;
pub use awsauth_static::KeyDirectorySource;
pub use compose::{AssumeRoleParams, KeyPair, Session, SourceFactory, build_session};
pub use endpoint::{
    Endpoints, OPT_IN_REGIONS, OPT_IN_STS_REGION, is_opt_in_region, sts_region_for,
};
pub use error::{DatasourceError, DatasourceErrorKind};
pub use factory::StandardFactory;
pub use policy::{
    AuthSettings, DEFAULT_LIST_METRICS_PAGE_LIMIT, DEFAULT_SESSION_DURATION,
    ENV_ALLOWED_AUTH_PROVIDERS, ENV_ALLOWED_STS_ENDPOINTS, ENV_ASSUME_ROLE_ENABLED,
    ENV_CREDENTIAL_PROCESS_ENABLED, ENV_EXTERNAL_ID, ENV_LIST_METRICS_PAGE_LIMIT,
    ENV_PER_DATASOURCE_HTTP_PROXY_ENABLED, ENV_SESSION_DURATION, PlatformCredentials,
    parse_duration, parse_session_duration,
};
pub use session::{DEFAULT_IDLE_TTL, DEFAULT_MAX_ENTRIES, SessionCache};
pub use settings::{
    DatasourceProxy, DatasourceSettings, IgnoredSetting, ParsedSettings, ProxyType,
};
pub use sigv4::{BoxError, RequestSigner, SigV4Layer, SigV4Service, SignError};
pub use stats::{CacheTotals, SessionReport};
