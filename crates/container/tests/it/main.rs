//! The container source against wiremock servers on 127.0.0.1.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod endpoints;
mod responses;
mod support;
mod tokens;
