//! The IMDS source and client against wiremock servers on 127.0.0.1.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod endpoint;
mod failures;
mod happy;
mod retries;
mod stability;
mod support;
mod token;
