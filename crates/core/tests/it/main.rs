//! Integration tests of the core combinators.
#![allow(clippy::unwrap_used)]

mod cache;
mod fallback_properties;
