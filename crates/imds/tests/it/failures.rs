//! What goes wrong, and which errors stop a chain.

use std::time::{Duration, Instant};

use awsauth_core::{CredentialSource, ErrorKind, MapEnv, Status, SystemClock};
use awsauth_http::HttpSettings;
use awsauth_imds::{ImdsClient, ImdsSource};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test]
async fn no_role_is_not_configured() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let err = source_for(&server).provide(&no_env()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotConfigured, "{err}");
    assert!(err.to_string().contains("no IAM role"), "{err}");
    assert_eq!(count(&server, "GET", EXTENDED).await, 1);
    assert_eq!(count(&server, "GET", LEGACY).await, 1);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_not_configured() {
    let port = closed_port();
    let source = ImdsSource::builder()
        .client(
            ImdsClient::builder()
                .endpoint(format!("http://127.0.0.1:{port}"))
                .http_settings(fast())
                .build(),
        )
        .build();
    let err = source.provide(&no_env()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotConfigured, "{err}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[tokio::test]
async fn disabled_by_the_environment_sends_nothing() {
    let server = healthy().await;
    let cx = cx(MapEnv::from([
        ("AWS_EC2_METADATA_DISABLED", " TrUe "),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.uri().as_str()),
    ]));
    let source = ImdsSource::builder()
        .client(ImdsClient::builder().http_settings(fast()).build())
        .build();
    let err = source.provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotConfigured, "{err}");
    assert!(
        err.to_string().contains("AWS_EC2_METADATA_DISABLED"),
        "{err}"
    );
    assert_eq!(source.explain(&cx)[0].status, Status::NotConfigured);
    assert!(server.received_requests().await.unwrap().is_empty());
    // Anything but "true" leaves it on.
    let cx = crate::support::cx(MapEnv::from([
        ("AWS_EC2_METADATA_DISABLED", "false"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.uri().as_str()),
    ]));
    source.provide(&cx).await.unwrap();
}

#[tokio::test]
async fn a_slow_endpoint_is_cut_by_the_attempt_timeout() {
    let server = MockServer::start().await;
    mount_slow_token(&server).await;
    let settings = HttpSettings {
        attempt_timeout: Duration::from_millis(200),
        max_attempts: 2,
        ..fast()
    };
    let source = ImdsSource::builder()
        .client(client_for(&server).http_settings(settings).build())
        .build();
    let started = Instant::now();
    let err = source.provide(&no_env()).await.unwrap_err();
    // Hang guard, not a timing goal: the token endpoint answers after 120 s, which must not
    // be waited out (generous for a loaded 2-core machine).
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(err.kind(), ErrorKind::TimedOut, "{err}");
    assert!(err.to_string().contains(TOKEN_PATH), "{err}");
    assert_eq!(count(&server, "PUT", TOKEN_PATH).await, 2);
}

#[tokio::test]
async fn a_server_error_is_retried_until_success() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("{EXTENDED}{ROLE}")))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_extended(&server, &in_hours(&SystemClock, 6)).await;
    let creds = source_for(&server).provide(&no_env()).await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIAEXAMPLE");
    assert_eq!(count(&server, "GET", &format!("{EXTENDED}{ROLE}")).await, 2);
}

#[tokio::test]
async fn server_errors_that_persist_are_retryable_failures() {
    let server = with_credentials_response(ResponseTemplate::new(503)).await;
    let err = source_for(&server).provide(&no_env()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");
    assert!(err.is_retryable());
    assert_eq!(err.code(), Some("503"));
    assert_eq!(count(&server, "GET", &format!("{EXTENDED}{ROLE}")).await, 3);
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let server = with_credentials_response(
        ResponseTemplate::new(200).set_body_string("x".repeat(70 * 1024)),
    )
    .await;
    let err = source_for(&server).provide(&no_env()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");
    assert!(err.to_string().contains("exceeds"), "{err}");
}

#[tokio::test]
async fn malformed_json_is_a_failure_without_the_body() {
    let server = with_credentials_response(
        ResponseTemplate::new(200)
            .set_body_string(format!("{{\"SecretAccessKey\": \"{SECRET}\", ")),
    )
    .await;
    let err = source_for(&server).provide(&no_env()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");
    assert!(err.to_string().contains("not valid JSON"), "{err}");
    assert!(!err.to_string().contains(SECRET), "{err}");
}

#[tokio::test]
async fn a_code_other_than_success_is_carried() {
    let server = with_credentials_response(ResponseTemplate::new(200).set_body_json(
        serde_json::json!({"Code": "Failed", "Message": "Instance profile is being updated"}),
    ))
    .await;
    let err = source_for(&server).provide(&no_env()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");
    assert_eq!(err.code(), Some("Failed"));
    assert!(err.to_string().contains("being updated"), "{err}");
}

#[tokio::test]
async fn a_forbidden_metadata_request_stops_the_chain() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403))
        .mount(&server)
        .await;
    let err = source_for(&server).provide(&no_env()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");
    assert_eq!(err.code(), Some("403"));
}

/// Off EC2, 169.254.169.254 often drops packets: connecting hangs. With the default equal
/// connect and attempt time-outs that must still be "not configured" (a chain moves on), not
/// a time-out that stops the chain. A listener whose accept queue is full plays the black hole.
#[tokio::test]
async fn a_black_holed_endpoint_is_not_configured() {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    let _listener = socket.listen(1).unwrap();
    let mut held = Vec::new();
    for _ in 0..4 {
        if let Ok(Ok(stream)) = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            held.push(stream);
        }
    }
    let settings = HttpSettings {
        connect_timeout: Duration::from_millis(300),
        attempt_timeout: Duration::from_millis(300),
        max_attempts: 2,
        ..fast()
    };
    let source = ImdsSource::builder()
        .client(
            ImdsClient::builder()
                .endpoint(format!("http://{addr}"))
                .http_settings(settings)
                .build(),
        )
        .build();
    let err = source.provide(&no_env()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotConfigured, "{err}");
}
