//! `LoginSource` against `FakeSignin` on loopback, with the token cache in a `MemFs`, the
//! clock injected: reading the cache, renewing with a verified DPoP proof, writing back, and
//! every way the cache or the service can be wrong.
#![allow(clippy::unwrap_used)]

mod cache;
mod refresh;
mod support;
