//! The composites against fake IMDS, STS and container servers on 127.0.0.1, with in-memory
//! files and environments.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod botocore;
mod default_chain;
mod login_profiles;
mod process_profiles;
mod profile_chain;
mod sso;
mod support;
