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
//! - [`FakeSignin`]: the sign-in service's token call (`aws login` sessions), verifying DPoP
//!   proofs (ES256 signature, `htm`, `htu`, fresh `jti`) and rotating refresh tokens.
//!
//! All take [`Fault`]s: the next requests can be delayed, black-holed, answered with a status,
//! an STS error code or a rest-json error, reset mid-body, truncated, oversized or malformed. All count requests,
//! including every request that arrived whatever fault answered it (`received_requests`).
//!
//! The servers stop when their handle is dropped.
//!
//! For the tests around them:
//!
//! - [`LogCapture`]: everything `tracing` logs while installed, as text — the one log capture
//!   every test suite of the workspace uses. It cannot silently miss lines (it keeps every
//!   callsite of interest) and its secret check fails when it captured nothing.
//! - [`SecretScan`]: is a secret in a text, verbatim, base64/base64url, hex, percent-encoded,
//!   JSON- or `Debug`-escaped, or any 12-byte part of one of those? Also finds every secret
//!   these fakes issue ([`ISSUED_SECRET_MARKERS`]).
//! - [`interop_var`]: where `cargo xtask test` put a real third-party service (moto); an
//!   interop test skips without it under plain `cargo test` and fails without it under the
//!   harness.
#![forbid(unsafe_code)]

mod body;
mod container;
mod fault;
mod imds;
mod interop;
mod leaks;
mod logs;
mod server;
mod signin;
mod sigv4;
mod sso;
mod sts;

pub use container::{CONTAINER_CREDENTIALS_PATH, FakeContainer};
pub use fault::{DateHeader, Fault};
pub use imds::{FakeImds, ImdsCredentials};
pub use interop::{REQUIRED_ENV as INTEROP_REQUIRED_ENV, interop_var};
pub use leaks::{ISSUED_SECRET_MARKERS, Leak, SecretScan, WINDOW};
pub use logs::LogCapture;
pub use signin::{FakeSignin, SIGNIN_CLIENT_ID, SigninCall};
pub use sso::{FakeSso, SsoCall, SsoRoleCredentials};
pub use sts::{FakeSts, MAX_REQUEST_SKEW, RecordedCall, RoleRule};
