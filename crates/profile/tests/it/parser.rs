//! parser tests.
