//! Integration tests of the core combinators.
#![allow(clippy::unwrap_used)]

mod fallback_properties;
