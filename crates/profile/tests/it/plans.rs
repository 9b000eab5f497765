//! plans tests.
