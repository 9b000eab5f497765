//! `WebIdentitySource` against wiremock and an in-memory file system (and, when
//! `cargo xtask test` provides one, moto).
#![allow(clippy::unwrap_used)]

mod interop;
mod source;
mod support;
