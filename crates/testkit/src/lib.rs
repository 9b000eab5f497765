//! # awsauth-testkit
//!
//! Fake AWS credential endpoints for tests, as real hyper servers on ephemeral loopback ports:
//!
//! - [`FakeImds`]: EC2 instance metadata (IMDSv2 tokens enforced, TTL honoured, a role with
//!   expiring credentials, extended and legacy paths, the region).
//! - [`FakeSts`]: `AssumeRole` / `GetCallerIdentity` with SigV4 verification of known keys,
//!   external-ID checks, `AssumeRoleWithWebIdentity`, and credentials it issues that can sign
//!   further calls (role chains).
//!
//! Both take [`Fault`]s: the next requests can be delayed, black-holed, answered with a status or
//! an STS error code, reset mid-body, truncated, oversized or malformed. Both count requests.
//!
//! The servers stop when their handle is dropped.
#![forbid(unsafe_code)]

mod body;
mod fault;
mod imds;
mod server;
mod sigv4;
mod sts;

pub use fault::Fault;
pub use imds::{FakeImds, ImdsCredentials};
pub use sts::{FakeSts, RecordedCall, RoleRule};
