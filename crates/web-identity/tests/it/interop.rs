//! `WebIdentitySource` against moto, when `cargo xtask test` provides one through
//! `AWSAUTH_MOTO_ENDPOINT` (read from the process environment: harness configuration, not
//! source input). Without it the test prints a skip line and passes under plain `cargo test`, and fails under
//! `cargo xtask test` (which promised moto). moto answers
//! `AssumeRoleWithWebIdentity` without verifying the token; what this proves is the wire format
//! both ways.

use awsauth_http::HttpClient;
use std::sync::Arc;
use std::time::SystemTime;

use awsauth_core::{Context, CredentialSource, MapEnv, SystemClock};
use awsauth_web_identity::WebIdentitySource;

use crate::support::{ROLE, TOKEN, TOKEN_PATH, token_fs};

fn moto() -> Option<String> {
    awsauth_testkit::interop_var("AWSAUTH_MOTO_ENDPOINT")
}

#[tokio::test]
async fn exchanges_a_token_file_with_moto() {
    let Some(endpoint) = moto() else { return };
    let cx = Context::builder()
        .env(MapEnv::from([
            ("AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_PATH),
            ("AWS_ROLE_ARN", ROLE),
            ("AWS_ROLE_SESSION_NAME", "interop-pod"),
            ("AWS_ENDPOINT_URL_STS", endpoint.as_str()),
            ("AWS_REGION", "eu-west-1"),
        ]))
        .fs(token_fs(TOKEN))
        .clock(Arc::new(SystemClock))
        .http(HttpClient::hyper())
        .build();
    let creds = WebIdentitySource::from_env().provide(&cx).await.unwrap();
    assert!(creds.access_key_id().starts_with("ASIA"));
    assert!(creds.expiry().unwrap() > SystemTime::now());
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert_eq!(
        creds.provenance().to_string(),
        format!("web-identity:{ROLE}")
    );
}
