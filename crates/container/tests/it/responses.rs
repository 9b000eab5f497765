//! What the agent answers, and what it means.

use std::time::{Duration, Instant};

use awsauth_container::ContainerSource;
use awsauth_core::{CredentialSource, ErrorKind};
use awsauth_http::HttpSettings;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const FULL: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";

async fn answering(response: ResponseTemplate) -> (MockServer, String) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(response)
        .mount(&server)
        .await;
    let uri = format!("{}/creds", server.uri());
    (server, uri)
}

#[tokio::test]
async fn an_error_document_is_carried_and_not_retried() {
    let (server, uri) = answering(ResponseTemplate::new(403).set_body_json(serde_json::json!({
        "Code": "AccessDenied", "Message": "the pod's service account has no association"
    })))
    .await;
    let err = source().provide(&cx(&[(FULL, &uri)])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");
    assert_eq!(err.code(), Some("AccessDenied"));
    assert!(!err.is_retryable());
    assert!(
        err.to_string().contains("no association") && err.to_string().contains(FULL),
        "{err}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_server_error_is_retried_until_success() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(document()))
        .mount(&server)
        .await;
    let uri = format!("{}/creds", server.uri());
    source().provide(&cx(&[(FULL, &uri)])).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn persistent_server_errors_are_retryable() {
    let (_server, uri) = answering(ResponseTemplate::new(503)).await;
    let err = source().provide(&cx(&[(FULL, &uri)])).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert_eq!(err.code(), Some("503"));
}

#[tokio::test]
async fn malformed_json_and_oversized_bodies_fail() {
    let (_s, uri) = answering(
        ResponseTemplate::new(200).set_body_string(format!("{{\"SecretAccessKey\":\"{SECRET}\"")),
    )
    .await;
    let err = source().provide(&cx(&[(FULL, &uri)])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");
    assert!(!err.to_string().contains(SECRET), "{err}");

    let (_s, uri) =
        answering(ResponseTemplate::new(200).set_body_string("x".repeat(65 * 1024))).await;
    let err = source().provide(&cx(&[(FULL, &uri)])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");
    assert!(err.to_string().contains("exceeds"), "{err}");

    let (_s, uri) = answering(
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"AccessKeyId": "A"})),
    )
    .await;
    let err = source().provide(&cx(&[(FULL, &uri)])).await.unwrap_err();
    assert!(err.to_string().contains("SecretAccessKey"), "{err}");
}

#[tokio::test]
async fn an_unreachable_agent_stops_the_chain() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let uri = format!("http://127.0.0.1:{port}/creds");
    let err = source().provide(&cx(&[(FULL, &uri)])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");
    assert!(err.is_retryable());
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[tokio::test]
async fn a_slow_agent_is_cut_by_the_attempt_timeout() {
    let (server, uri) = answering(
        ResponseTemplate::new(200)
            .set_body_json(document())
            .set_delay(Duration::from_secs(120)),
    )
    .await;
    let source = ContainerSource::builder()
        .http_settings(HttpSettings {
            attempt_timeout: Duration::from_millis(200),
            max_attempts: 2,
            ..fast()
        })
        .build();
    let started = Instant::now();
    let err = source.provide(&cx(&[(FULL, &uri)])).await.unwrap_err();
    // Hang guard, not a timing goal: two 200 ms attempts must not wait out the 120 s delay
    // (generous for a loaded 2-core machine).
    assert!(started.elapsed() < Duration::from_secs(60), "hang guard");
    assert_eq!(err.kind(), ErrorKind::TimedOut, "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn credentials_already_expired_here_point_at_the_clock() {
    let mut expired = document();
    expired["Expiration"] = "2020-01-01T00:00:00Z".into();
    let (_server, uri) = answering(ResponseTemplate::new(200).set_body_json(expired)).await;
    let err = source().provide(&cx(&[(FULL, &uri)])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "the credentials from {FULL} expired at 2020-01-01T00:00:00Z, and it is "
        )),
        "{text}"
    );
    assert!(text.contains("is the system clock right?"), "{text}");
    assert!(!text.contains(SECRET) && !text.contains(SESSION), "{text}");
}
