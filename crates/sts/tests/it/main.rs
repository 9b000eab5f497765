//! The STS client against wiremock, the AWS SigV4 test suite, and (when `cargo xtask test`
//! provides one) a real moto server.
#![allow(clippy::unwrap_used)]

mod interop;
mod requests;
mod responses;
mod signing_suite;
mod support;
mod xml_fuzz;
