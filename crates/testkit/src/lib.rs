//! # awsauth-testkit
//!
//! Fake AWS credential endpoints for tests, as real hyper servers on ephemeral loopback ports:
//!
//! - [`FakeImds`]: EC2 instance metadata (IMDSv2 tokens enforced, TTL honoured, a role with
//!   expiring credentials, extended and legacy paths, the region).
//! - [`FakeSts`]: `AssumeRole` / `GetCallerIdentity` with SigV4 verification of known keys,
//!   external-ID checks, `AssumeRoleWithWebIdentity`, and credentials it issues that can sign
//!   further calls (role chains).
//! - [`FakeContainer`]: the container credential agent (ECS task roles, EKS Pod Identity), with
//!   an optional required `Authorization` token.
//! - [`FakeSso`]: IAM Identity Center — the portal's `GetRoleCredentials` (bearer tokens
//!   checked, accounts and roles restricted on request, stable credentials per role) and SSO
//!   OIDC's `CreateToken` refresh grant (clients and refresh tokens checked, tokens rotated).
//!
//! All take [`Fault`]s: the next requests can be delayed, black-holed, answered with a status,
//! an STS error code or a rest-json error, reset mid-body, truncated, oversized or malformed. All count requests,
//! including every request that arrived whatever fault answered it (`received_requests`).
//!
//! The servers stop when their handle is dropped.
#![forbid(unsafe_code)]

mod body;
mod container;
mod fault;
mod imds;
mod server;
mod sigv4;
mod sso;
mod sts;

pub use container::{CONTAINER_CREDENTIALS_PATH, FakeContainer};
pub use fault::Fault;
pub use imds::{FakeImds, ImdsCredentials};
pub use sso::{FakeSso, SsoCall, SsoRoleCredentials};
pub use sts::{FakeSts, RecordedCall, RoleRule};
