//! # awsauth-core
//!
//! The small, stable foundation every awsauth crate builds on:
//!
//! - [`Credentials`]: a cheap handle over an access key, a zeroized secret and token, an expiry,
//!   an account id and a [`Provenance`] that says which sources produced it.
//! - [`CredentialSource`]: the one trait every source implements; callers read through
//!   [`CredentialSourceExt::resolve`], which answers cached credentials without boxing a future.
//! - [`CredentialError`]: one error enum whose [`NotConfigured`](CredentialError::NotConfigured)
//!   variant is the only one a [`Chain`] falls through on.
//! - Combinators: [`Chain`] (fallback), [`only`] (no fallback), [`CachedSource`] (caching with
//!   refresh ahead of expiry; see [`mod@cache`]).
//! - [`Plan`] and [`Step`]: what a source would run, as data, for `explain`
//!   ([`CredentialSource::plan`]).
//! - [`Context`]: the injected environment, files, clock and randomness, and the HTTP and
//!   process-spawning slots (closed unless filled).
//!
//! This crate performs no I/O of its own (the OS adapters behind [`Context::system`] are the
//! single exception, in one module) and depends on no HTTP or AWS crate.
#![forbid(unsafe_code)]

mod arn;
pub mod cache;
mod chain;
mod context;
mod credentials;
mod document;
mod endpoint;
mod error;
mod only;
mod plan;
mod quote;
mod secret;
mod source;
mod system;
pub mod timefmt;

pub use arn::{account_of_arn, is_loopback_host};
pub use cache::{CacheBuilder, CacheStatus, CachedSource, cache};
pub use chain::Chain;
pub use context::{
    Clock, Context, ContextBuilder, Env, FileContents, FileMeta, Fs, MEMFS_UID, ManualClock,
    MapEnv, MemFs, Random, SeededRandom, Service, Sleep, check_limited,
};
pub use credentials::{Credentials, CredentialsBuilder, Provenance};
pub use document::{CredentialsDocument, DocumentVersion, MissingField};
pub use endpoint::{ProfileEndpoint, without_userinfo};
pub use error::{Attempt, CredentialError, ErrorKind};
pub use only::{NoFallback, only};
pub use plan::{Plan, Step, program_name};
pub use quote::{MAX_QUOTED_CHARS, Quoted, must_escape, nonblank, quoted};
pub use secret::{REDACTED, SecretString};
pub use source::{CredentialSource, CredentialSourceExt, Explanation, Resolve, Status};
pub use system::{SystemClock, SystemEnv, SystemFs, SystemRandom};

/// Re-exported so source crates and users implement [`CredentialSource`] with the same macro.
pub use async_trait::async_trait;
