//! `SsoSource` as its users see it, against the testkit's `FakeSso` on loopback: both profile
//! forms, the token cache, refresh, the portal's answers, bad cache files, endpoints.
#![allow(clippy::unwrap_used)]

mod cache_files;
mod portal;
mod refresh;
mod source;
mod support;
