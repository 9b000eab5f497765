//! Which variable gives the endpoint, and which endpoints are refused.

use awsauth_container::ContainerSource;
use awsauth_core::{CredentialSource, ErrorKind, Status};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const REL: &str = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
const FULL: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";

async fn server_at(p: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(p))
        .respond_with(ResponseTemplate::new(200).set_body_json(document()))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn unset_variables_are_not_configured() {
    let cx = cx(&[(REL, "  "), (FULL, "")]);
    let err = source().provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotConfigured, "{err}");
    assert!(
        err.to_string().contains(REL) && err.to_string().contains(FULL),
        "{err}"
    );
    assert_eq!(source().explain(&cx)[0].status, Status::NotConfigured);
}

#[tokio::test]
async fn a_relative_uri_is_asked_on_the_ecs_agent() {
    let line = &ContainerSource::new().explain(&cx(&[(REL, "/v2/credentials/abc-123")]))[0];
    assert_eq!(line.status, Status::Configured);
    assert!(
        line.reason
            .contains("http://169.254.170.2/v2/credentials/abc-123"),
        "{}",
        line.reason
    );

    let server = server_at("/v2/credentials/abc-123").await;
    let source = ContainerSource::builder()
        .http_settings(fast())
        .relative_uri_base(server.uri())
        .build();
    let creds = source
        .provide(&cx(&[(REL, "/v2/credentials/abc-123")]))
        .await
        .unwrap();
    assert_eq!(creds.access_key_id(), "ASIACONTAINER");
    assert_eq!(creds.secret_access_key(), SECRET);
    assert_eq!(creds.session_token(), Some(SESSION));
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert_eq!(creds.provenance().to_string(), "container:ecs");
}

#[tokio::test]
async fn a_relative_uri_must_be_a_path() {
    let err = source()
        .provide(&cx(&[(REL, "v2/credentials")]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
    assert!(err.to_string().contains(REL), "{err}");
}

#[tokio::test]
async fn a_full_uri_on_loopback_is_used() {
    let server = server_at("/creds").await;
    let uri = format!("{}/creds", server.uri());
    let creds = source().provide(&cx(&[(FULL, &uri)])).await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIACONTAINER");
    assert_eq!(
        creds.provenance().to_string(),
        format!("container:{}", server.uri())
    );
}

#[tokio::test]
async fn the_relative_uri_wins_over_the_full_uri() {
    let server = server_at("/rel").await;
    let source = ContainerSource::builder()
        .http_settings(fast())
        .relative_uri_base(server.uri())
        .build();
    let cx = cx(&[(REL, "/rel"), (FULL, "http://10.9.9.9/refused-if-used")]);
    source.provide(&cx).await.unwrap();
}

#[tokio::test]
async fn plain_http_to_other_hosts_is_refused_naming_variable_and_host() {
    for (uri, host) in [
        (
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/r",
            "169.254.169.254",
        ),
        ("http://10.0.0.8:8080/creds", "10.0.0.8"),
        ("http://creds.example.com/x", "creds.example.com"),
        ("http://[fd00:ec2::254]/", "fd00:ec2::254"),
    ] {
        let cx = cx(&[(FULL, uri), ("AWS_CONTAINER_AUTHORIZATION_TOKEN", AUTH)]);
        let err = source().provide(&cx).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{uri}: {err}");
        let text = err.to_string();
        assert!(text.contains(FULL) && text.contains(host), "{text}");
        assert!(!text.contains(AUTH));
        let line = &source().explain(&cx)[0];
        assert_eq!(line.status, Status::Invalid);
        assert!(line.reason.contains(host), "{}", line.reason);
    }
    for uri in ["ftp://127.0.0.1/x", "not a url", "/path/only"] {
        let err = source().provide(&cx(&[(FULL, uri)])).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{uri}: {err}");
    }
}

#[tokio::test]
async fn the_agent_addresses_and_https_are_allowed() {
    for uri in [
        "http://169.254.170.23/v1/credentials",
        "http://[fd00:ec2::23]/v1/credentials",
        "http://169.254.170.2/v2/credentials/x",
        "https://creds.example.com/x",
        "http://localhost:9911/x",
    ] {
        let line = &source().explain(&cx(&[(FULL, uri)]))[0];
        assert_eq!(line.status, Status::Configured, "{uri}: {}", line.reason);
        assert!(line.reason.contains(FULL), "{}", line.reason);
    }
}
