//! The workspace acceptance suite: one test binary, one module per concern.
#![allow(clippy::unwrap_used, missing_docs)]

mod secret_debug;
mod tidy;
