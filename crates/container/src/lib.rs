//! # awsauth-container
//!
//! [`ContainerSource`]: credentials from the container's credential agent — ECS task roles
//! (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` on `http://169.254.170.2`) and EKS Pod Identity
//! (`AWS_CONTAINER_CREDENTIALS_FULL_URI` with `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`). In the
//! default chain it comes just before IMDS.
//!
//! A full URI is checked before anything is sent: plain http only to loopback or the ECS/EKS
//! agent addresses, https anywhere else, so a tampered environment cannot make the process
//! send its authorization token in clear text to an arbitrary host.
//!
//! [`parse_credentials`] and [`parse_error_body`] are the pure readers of the agents' answers
//! the source uses, public for tools and fuzzing.
//!
//! All I/O goes through the [`Context`](awsauth_core::Context): the environment, the token file
//! (`cx.fs()`, re-read on every call), the clock and the HTTP client
//! ([`awsauth_http::HttpClient::from_context`]).
#![forbid(unsafe_code)]

mod parse;
mod source;
mod target;

pub use parse::{parse_credentials, parse_error_body};
pub use source::{ContainerSource, ContainerSourceBuilder};
pub use target::{
    AUTH_TOKEN_ENV, AUTH_TOKEN_FILE_ENV, ECS_ENDPOINT, FULL_URI_ENV, RELATIVE_URI_ENV,
};

/// The name in errors, `explain` output and logs.
const SOURCE_NAME: &str = "container";
