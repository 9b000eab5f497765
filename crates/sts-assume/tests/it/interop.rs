//! `AssumeRoleSource` against moto, when `cargo xtask test` provides one through
//! `AWSAUTH_MOTO_ENDPOINT` (read from the process environment: harness configuration, not
//! source input). Without it the test prints a skip line and passes under plain `cargo test`, and fails under
//! `cargo xtask test` (which promised moto). These tests never turn
//! moto's IAM auth mode on (the `awsauth-sts` interop suite does, and restores it).

use awsauth_http::HttpClient;
use awsauth_sts_assume::StsClient;
use std::sync::Arc;
use std::time::SystemTime;

use awsauth_core::{Context, CredentialSource, SystemClock};
use awsauth_sts_assume::AssumeRoleSource;

use crate::support::{CountingKeys, ROLE, ROLE2};

fn moto() -> Option<String> {
    awsauth_testkit::interop_var("AWSAUTH_MOTO_ENDPOINT")
}

#[tokio::test]
async fn a_two_hop_role_chain_against_moto() {
    let Some(endpoint) = moto() else { return };
    let cx = Context::builder()
        .clock(Arc::new(SystemClock))
        .http(HttpClient::hyper())
        .build();
    let first = AssumeRoleSource::new(CountingKeys::default(), ROLE)
        .sts_client(StsClient::new().endpoint_url(&endpoint))
        .external_id("interop-ext");
    let second = AssumeRoleSource::new(first, ROLE2)
        .sts_client(StsClient::new().endpoint_url(&endpoint))
        .session_name("second-hop");
    let creds = second.provide(&cx).await.unwrap();
    assert!(creds.access_key_id().starts_with("ASIA"));
    assert!(creds.expiry().unwrap() > SystemTime::now());
    assert_eq!(creds.account_id(), Some("210987654321"));
    assert_eq!(
        creds.provenance().to_string(),
        format!("keys -> assume-role:{ROLE} -> assume-role:{ROLE2}")
    );
}
