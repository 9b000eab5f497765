//! # awsauth-sts
//!
//! awsauth's own STS client, shared by the `sts-assume` and `web-identity` sources and by
//! `awsauth whoami`:
//!
//! - [`StsClient`]: `AssumeRole` (SigV4-signed with the base credentials), the unsigned
//!   `AssumeRoleWithWebIdentity`, and `GetCallerIdentity`, in the query protocol (`POST /`,
//!   form-encoded, `Version=2011-06-15`) over the shared [`awsauth_http`] client: time-outs,
//!   a bounded body, retries with backoff on throttling, `IDPCommunicationError` and 5xx.
//! - [`resolve_endpoint`]: explicit endpoint > `AWS_ENDPOINT_URL_STS` > `AWS_ENDPOINT_URL` >
//!   the regional (or FIPS) endpoint of the region's partition; the global endpoint only for
//!   `AWS_STS_REGIONAL_ENDPOINTS=legacy` in a legacy region or when no region is known. Plain
//!   `http://` only to loopback unless explicitly allowed.
//! - Validation before any network call: [`RoleArn`], [`validate_external_id`],
//!   [`validate_session_name`], [`validate_duration`].
//! - [`StsOptions`]: region, endpoint and FIPS for the STS calls a composite source makes,
//!   turned into a client by [`StsOptions::client`].
//! - [`is_aws_sts_host`]: whether a host is one of AWS's own STS endpoints (the rule a server
//!   applies before a caller-chosen endpoint may receive a request signed with its credentials).
//! - [`SigV4Signer`]: signs an [`HttpRequest`](awsauth_http::HttpRequest) with the `aws-sigv4`
//!   crate.
//! - [`StsError`]: typed by [`StsErrorCode`], mapped onto
//!   [`CredentialError`](awsauth_core::CredentialError) by
//!   [`StsError::into_credential_error`].
//! - [`xml`]: the quick-xml readers for STS answers.
#![forbid(unsafe_code)]

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
mod endpoint;
#[cfg(feature = "client")]
mod error;
#[cfg(feature = "client")]
mod hosts;
mod options;
#[cfg(feature = "client")]
mod sign;
#[cfg(feature = "client")]
mod validate;
#[cfg(feature = "client")]
pub mod xml;

#[cfg(feature = "client")]
pub use client::{
    API_VERSION, AssumeRoleInput, AssumedRole, FORM_CONTENT_TYPE, SIGNING_SERVICE, StsClient,
    WebIdentityInput, classify, default_session_name, is_clock_skew_code,
};
#[cfg(feature = "client")]
pub use endpoint::{
    ENV_DEFAULT_REGION, ENV_ENDPOINT_URL, ENV_ENDPOINT_URL_STS,
    ENV_IGNORE_CONFIGURED_ENDPOINT_URLS, ENV_REGION, ENV_STS_REGIONAL_ENDPOINTS,
    ENV_USE_FIPS_ENDPOINT, EndpointConfig, EndpointError, EndpointOrigin, GLOBAL_ENDPOINT,
    RegionOrigin, ResolvedEndpoint, choose_region, resolve_endpoint, resolve_region,
};
#[cfg(feature = "client")]
pub use error::{Operation, StsError, StsErrorCode, StsErrorKind};
#[cfg(feature = "client")]
pub use hosts::is_aws_sts_host;
pub use options::StsOptions;
#[cfg(feature = "client")]
pub use sign::{SigV4Signer, SignError};
#[cfg(feature = "client")]
pub use validate::{
    MAX_DURATION, MIN_DURATION, RoleArn, ValidationError, validate_duration, validate_external_id,
    validate_session_name,
};
#[cfg(feature = "client")]
pub use xml::CallerIdentity;
