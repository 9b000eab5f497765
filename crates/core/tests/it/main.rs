//! Integration tests of the core combinators.
#![allow(clippy::unwrap_used)]

// Counts allocations per thread for the hot-path tests (cache/hot_path.rs); it replaces this
// binary's global allocator, and only this binary's.
use allocation_counter as _;

mod cache;
mod fallback_properties;
