//! The IMDSv2 session token: reuse, refresh before its TTL ends, a fresh one after a 401.

use awsauth_http::HttpClient;
use std::sync::Arc;
use std::time::Duration;

use awsauth_core::{Context, CredentialSource, ManualClock, SystemClock};
use awsauth_imds::{ImdsClient, ImdsSource};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use awsauth_testkit::LogCapture;

use crate::support::*;

/// A manual clock, advanced only between calls (HTTP time-outs run on the context clock too;
/// nothing here waits for one, since every mock answers at once).
fn manual() -> (Arc<ManualClock>, Context) {
    let clock = Arc::new(ManualClock::default());
    let cx = Context::builder()
        .clock(clock.clone())
        .http(HttpClient::hyper())
        .build();
    (clock, cx)
}

#[tokio::test]
async fn the_token_is_reused_until_shortly_before_its_ttl_ends() {
    let (clock, cx) = manual();
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_extended(&server, &in_hours(&*clock, 24)).await;
    let source = source_for(&server);

    source.provide(&cx).await.unwrap();
    clock.advance(Duration::from_secs(3 * 3600));
    source.provide(&cx).await.unwrap();
    // 6 h TTL minus the 60 s margin: one second before, still the old token…
    clock.advance(Duration::from_secs(3 * 3600 - 61));
    source.provide(&cx).await.unwrap();
    assert_eq!(count(&server, "PUT", TOKEN_PATH).await, 1);
    // …two seconds later, a new one.
    clock.advance(Duration::from_secs(2));
    source.provide(&cx).await.unwrap();
    assert_eq!(count(&server, "PUT", TOKEN_PATH).await, 2);
}

#[tokio::test]
async fn a_shorter_ttl_granted_by_the_server_is_honoured() {
    let (clock, cx) = manual();
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(TOKEN_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-aws-ec2-metadata-token-ttl-seconds", "120")
                .set_body_string(TOKEN),
        )
        .mount(&server)
        .await;
    mount_extended(&server, &in_hours(&*clock, 24)).await;
    let source = source_for(&server);
    source.provide(&cx).await.unwrap();
    clock.advance(Duration::from_secs(59));
    source.provide(&cx).await.unwrap();
    assert_eq!(count(&server, "PUT", TOKEN_PATH).await, 1);
    clock.advance(Duration::from_secs(2));
    source.provide(&cx).await.unwrap();
    assert_eq!(count(&server, "PUT", TOKEN_PATH).await, 2);
}

#[tokio::test]
async fn a_configured_ttl_is_sent() {
    let (clock, cx) = manual();
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(TOKEN_PATH))
        .and(header("x-aws-ec2-metadata-token-ttl-seconds", "300"))
        .respond_with(ResponseTemplate::new(200).set_body_string(TOKEN))
        .mount(&server)
        .await;
    mount_extended(&server, &in_hours(&*clock, 24)).await;
    let source = ImdsSource::builder()
        .client(
            client_for(&server)
                .token_ttl(Duration::from_secs(300))
                .build(),
        )
        .build();
    source.provide(&cx).await.unwrap();
}

#[tokio::test]
async fn a_401_gets_a_fresh_token_and_one_retry() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_string("stale-token"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(header("x-aws-ec2-metadata-token", "stale-token"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    mount_extended(&server, &in_hours(&SystemClock, 6)).await;
    let (logs, _guard) = LogCapture::start();
    let creds = source_for(&server).provide(&no_env()).await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIAEXAMPLE");
    assert_eq!(count(&server, "PUT", TOKEN_PATH).await, 2);
    logs.assert_no_secrets(SECRETS);
    assert!(!logs.text().contains("stale-token"));
}

#[tokio::test]
async fn a_401_with_a_fresh_token_too_is_an_error() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let err = source_for(&server).provide(&no_env()).await.unwrap_err();
    assert_eq!(err.code(), Some("401"), "{err}");
    assert_eq!(
        count(&server, "PUT", TOKEN_PATH).await,
        2,
        "exactly one retry"
    );
    assert_eq!(count(&server, "GET", EXTENDED).await, 2);
}

#[tokio::test]
async fn concurrent_callers_share_one_token_request() {
    let server = healthy().await;
    let client = client_for(&server).build();
    let cx = no_env();
    let calls = (0..8).map(|_| {
        let client = client.clone();
        let cx = cx.clone();
        async move { client.get(&cx, EXTENDED).await }
    });
    for outcome in futures_join(calls).await {
        assert_eq!(outcome.unwrap().trim(), ROLE);
    }
    assert_eq!(count(&server, "PUT", TOKEN_PATH).await, 1);
}

async fn futures_join<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_new_endpoint_gets_its_own_token() {
    let first = healthy().await;
    let second = healthy().await;
    let client = ImdsClient::builder().http_settings(fast()).build();
    let source = ImdsSource::builder().client(client).build();
    for server in [&first, &second] {
        let cx = cx(awsauth_core::MapEnv::from([(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            server.uri(),
        )]));
        source.provide(&cx).await.unwrap();
    }
    assert_eq!(count(&first, "PUT", TOKEN_PATH).await, 1);
    assert_eq!(count(&second, "PUT", TOKEN_PATH).await, 1);
}
