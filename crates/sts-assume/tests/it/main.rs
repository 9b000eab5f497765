//! `AssumeRoleSource` against wiremock (and, when `cargo xtask test` provides one, moto).
#![allow(clippy::unwrap_used)]

mod interop;
mod source;
mod support;
