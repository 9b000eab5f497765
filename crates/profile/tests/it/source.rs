//! source tests.
