//! The Authorization token: from the environment or a file re-read on every call.

use awsauth_core::{CredentialSource, ErrorKind, MemFs, Status};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use awsauth_testkit::LogCapture;

use crate::support::*;

const FULL: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
const TOKEN: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
const TOKEN_FILE: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";

/// Answers only requests that carry `Authorization: <token>`.
async fn mount_for(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path("/v1/credentials"))
        .and(header("authorization", token))
        .respond_with(ResponseTemplate::new(200).set_body_json(document()))
        .mount(server)
        .await;
}

#[tokio::test]
async fn the_token_variable_is_sent_as_authorization() {
    let server = MockServer::start().await;
    mount_for(&server, AUTH).await;
    let uri = format!("{}/v1/credentials", server.uri());
    let (logs, _guard) = LogCapture::start();
    let creds = source()
        .provide(&cx(&[(FULL, &uri), (TOKEN, AUTH)]))
        .await
        .unwrap();
    assert_eq!(creds.access_key_id(), "ASIACONTAINER");
    logs.assert_no_secrets(SECRETS);
}

#[tokio::test]
async fn the_token_file_is_re_read_on_every_call_and_wins_over_the_variable() {
    let server = MockServer::start().await;
    mount_for(&server, "first-token").await;
    mount_for(&server, "second-token").await;
    let uri = format!("{}/v1/credentials", server.uri());
    let fs = MemFs::new();
    fs.insert(
        "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token",
        "first-token\n",
    );
    let cx = cx_with_fs(
        &[
            (FULL, &uri),
            (
                TOKEN_FILE,
                "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token",
            ),
            (TOKEN, "ignored-token"),
        ],
        fs.clone(),
    );
    let source = source();
    source.provide(&cx).await.unwrap();
    fs.insert(
        "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token",
        "second-token",
    );
    source.provide(&cx).await.unwrap();
    let sent: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.headers
                .get("authorization")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(sent, ["first-token", "second-token"]);
    assert_eq!(fs.reads(), 2);
    let line = &source.explain(&cx)[0];
    assert_eq!(line.status, Status::Configured);
    assert!(line.reason.contains(TOKEN_FILE), "{}", line.reason);
}

#[tokio::test]
async fn a_missing_token_file_names_the_variable_and_path() {
    let cx = cx(&[(FULL, "http://127.0.0.1:9/x"), (TOKEN_FILE, "/nope/token")]);
    let err = source().provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");
    assert!(
        err.to_string().contains(TOKEN_FILE) && err.to_string().contains("/nope/token"),
        "{err}"
    );
    assert_eq!(source().explain(&cx)[0].status, Status::Invalid);
}

#[tokio::test]
async fn tokens_that_cannot_be_a_header_are_refused_without_being_shown() {
    let fs = MemFs::new();
    fs.insert("/t", "");
    fs.insert("/big", vec![b'a'; 20_000]);
    for (vars, fs) in [
        (vec![(TOKEN, "line1\r\nX-Injected: yes")], MemFs::new()),
        (vec![(TOKEN_FILE, "/t")], fs.clone()),
        (vec![(TOKEN_FILE, "/big")], fs.clone()),
    ] {
        let mut vars = vars;
        vars.push((FULL, "http://127.0.0.1:9/x"));
        let err = source().provide(&cx_with_fs(&vars, fs)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
        assert!(!err.to_string().contains("X-Injected"), "{err}");
    }
}

/// `/dev/zero` reports a size of 0 and never ends: it used to grow the process by gigabytes.
#[cfg(unix)]
#[tokio::test]
async fn a_device_as_the_token_file_is_a_clear_error_and_nothing_is_sent() {
    let server = MockServer::start().await;
    mount_for(&server, AUTH).await;
    let uri = format!("{}/v1/credentials", server.uri());
    let cx = cx_with_fs(&[(FULL, &uri), (TOKEN_FILE, "/dev/zero")], MemFs::new())
        .with_fs(awsauth_core::SystemFs);
    let err = source().provide(&cx).await.unwrap_err();
    let text = err.to_string();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{text}");
    assert!(
        text.contains("/dev/zero") && text.contains("not a regular file"),
        "{text}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}
