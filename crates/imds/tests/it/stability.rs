//! Static stability: the last good credentials carry on through an outage.

use std::time::Duration;

use awsauth_core::{CredentialSource, ErrorKind, SystemClock, timefmt};
use awsauth_http::{HttpClient, HttpSettings, HyperTransport};
use awsauth_imds::{ImdsClient, ImdsSource};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use awsauth_testkit::LogCapture;

use crate::support::*;

fn one_attempt(server: &MockServer) -> ImdsSource {
    let settings = HttpSettings {
        max_attempts: 1,
        ..fast()
    };
    ImdsSource::builder()
        .client(client_for(server).http_settings(settings).build())
        .build()
}

fn assert_pushed_ahead(expiry: std::time::SystemTime) {
    let ahead = expiry.duration_since(now()).unwrap_or_default();
    assert!(
        ahead >= Duration::from_secs(4 * 60) && ahead <= Duration::from_secs(15 * 60),
        "expiry {} is {ahead:?} ahead",
        timefmt::rfc3339(expiry)
    );
}

#[tokio::test]
async fn server_errors_after_a_success_serve_the_last_good_credentials() {
    let server = healthy().await;
    let source = one_attempt(&server);
    let cx = no_env();
    let good = source.provide(&cx).await.unwrap();

    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let (logs, _guard) = LogCapture::start();
    let stale = source.provide(&cx).await.unwrap();
    assert_eq!(stale.access_key_id(), good.access_key_id());
    assert_eq!(stale.session_token(), good.session_token());
    assert_pushed_ahead(stale.expiry().unwrap());
    assert!(logs.text().contains("static stability"), "{}", logs.text());
    assert!(logs.text().contains("WARN"), "{}", logs.text());
    logs.assert_no_secrets(SECRETS);
}

#[tokio::test]
async fn an_endpoint_that_went_away_serves_the_last_good_credentials() {
    // A server of its own (not from wiremock's pool), so dropping it really closes the port.
    let server = MockServer::builder().start().await;
    mount_token(&server).await;
    mount_extended(&server, &in_hours(&SystemClock, 6)).await;
    let source = one_attempt(&server);
    // A private connection pool per call: a kept-alive connection would outlive the server.
    let fresh = || HttpClient::new(HyperTransport::new(None)).install(&no_env());
    source.provide(&fresh()).await.unwrap();
    drop(server);
    let stale = source.provide(&fresh()).await.unwrap();
    assert_eq!(stale.access_key_id(), "ASIAEXAMPLE");
    assert_pushed_ahead(stale.expiry().unwrap());
}

#[tokio::test]
async fn already_expired_credentials_are_replaced_by_the_last_good_ones() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(EXTENDED))
        .respond_with(ResponseTemplate::new(200).set_body_string(ROLE))
        .mount(&server)
        .await;
    let mut good = document(&in_hours(&SystemClock, 6), None);
    good["AccessKeyId"] = "ASIAGOOD".into();
    Mock::given(method("GET"))
        .and(path(format!("{EXTENDED}{ROLE}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(good))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let mut expired = document("2020-01-01T00:00:00Z", None);
    expired["AccessKeyId"] = "ASIAEXPIRED".into();
    Mock::given(method("GET"))
        .and(path(format!("{EXTENDED}{ROLE}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(expired))
        .mount(&server)
        .await;
    let source = source_for(&server);
    let cx = no_env();
    source.provide(&cx).await.unwrap();
    let served = source.provide(&cx).await.unwrap();
    assert_eq!(served.access_key_id(), "ASIAGOOD");
    assert_pushed_ahead(served.expiry().unwrap());

    // A fresh source never had good credentials: it must not pass the expired ones off as valid.
    let err = source_for(&server).provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");
    assert!(
        err.to_string().contains("expired at 2020-01-01T00:00:00Z"),
        "{err}"
    );
}

#[tokio::test]
async fn without_last_good_credentials_an_outage_is_reported() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let err = one_attempt(&server).provide(&no_env()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");

    let source = ImdsSource::builder()
        .client(
            ImdsClient::builder()
                .endpoint(format!("http://127.0.0.1:{}", closed_port()))
                .http_settings(HttpSettings {
                    max_attempts: 1,
                    ..fast()
                })
                .build(),
        )
        .build();
    let err = source.provide(&no_env()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotConfigured, "{err}");
}

#[tokio::test]
async fn no_role_after_a_success_is_not_papered_over() {
    let server = healthy().await;
    let source = one_attempt(&server);
    let cx = no_env();
    source.provide(&cx).await.unwrap();
    server.reset().await;
    mount_token(&server).await;
    let err = source.provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotConfigured, "{err}");
}
