//! What a healthy instance gives.

use awsauth_core::{CredentialSource, ErrorKind, MapEnv, Status, SystemClock};
use awsauth_imds::{ImdsClient, ImdsSource};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use awsauth_testkit::LogCapture;

use crate::support::*;

#[tokio::test]
async fn extended_api_gives_credentials_with_account_id() {
    let (logs, _guard) = LogCapture::start();
    let server = healthy().await;
    let creds = source_for(&server).provide(&no_env()).await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIAEXAMPLE");
    assert_eq!(creds.secret_access_key(), SECRET);
    assert_eq!(creds.session_token(), Some(SESSION));
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert!(creds.expiry().unwrap() > now());
    assert_eq!(creds.provenance().to_string(), format!("imds:role/{ROLE}"));
    assert_eq!(count(&server, "PUT", TOKEN_PATH).await, 1);
    assert_eq!(count(&server, "GET", EXTENDED).await, 1);
    assert_eq!(count(&server, "GET", LEGACY).await, 0);
    let printed = format!("{creds:?}");
    assert!(!printed.contains(SECRET) && !printed.contains(SESSION));
    logs.assert_no_secrets(SECRETS);
}

#[tokio::test]
async fn legacy_api_is_used_when_extended_is_missing_and_remembered() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(LEGACY))
        .respond_with(ResponseTemplate::new(200).set_body_string(ROLE))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{LEGACY}{ROLE}")))
        .and(header("x-aws-ec2-metadata-token", TOKEN))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(document(&in_hours(&SystemClock, 6), None)),
        )
        .mount(&server)
        .await;
    // Everything else (the extended paths) answers 404.
    let source = source_for(&server);
    let cx = no_env();
    let first = source.provide(&cx).await.unwrap();
    assert_eq!(first.account_id(), None);
    assert_eq!(first.access_key_id(), "ASIAEXAMPLE");
    source.provide(&cx).await.unwrap();
    assert_eq!(
        count(&server, "GET", EXTENDED).await,
        1,
        "extended is tried once, then remembered as missing"
    );
    assert_eq!(count(&server, "GET", &format!("{LEGACY}{ROLE}")).await, 2);
    assert_eq!(
        count(&server, "GET", LEGACY).await,
        1,
        "the role name is remembered"
    );
}

#[tokio::test]
async fn a_configured_role_skips_the_listing() {
    let server = healthy().await;
    let source = ImdsSource::builder()
        .client(client_for(&server).build())
        .role_name(ROLE)
        .build();
    let creds = source.provide(&no_env()).await.unwrap();
    assert_eq!(creds.provenance().to_string(), format!("imds:role/{ROLE}"));
    assert_eq!(count(&server, "GET", EXTENDED).await, 0);
}

#[tokio::test]
async fn a_configured_role_that_is_not_attached_is_invalid_configuration() {
    let server = healthy().await;
    let source = ImdsSource::builder()
        .client(client_for(&server).build())
        .role_name("other-role")
        .build();
    let err = source.provide(&no_env()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
    assert!(err.to_string().contains("other-role"), "{err}");

    let bad = ImdsSource::builder()
        .client(client_for(&server).build())
        .role_name("../etc")
        .build();
    let err = bad.provide(&no_env()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
    assert_eq!(bad.explain(&no_env())[0].status, Status::Invalid);
}

#[tokio::test]
async fn a_changed_instance_profile_is_discovered_again() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(EXTENDED))
        .respond_with(ResponseTemplate::new(200).set_body_string("old-role"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{EXTENDED}old-role")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(document(&in_hours(&SystemClock, 6), None)),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_extended(&server, &in_hours(&SystemClock, 6)).await;
    let source = source_for(&server);
    let cx = no_env();
    let first = source.provide(&cx).await.unwrap();
    assert_eq!(first.provenance().to_string(), "imds:role/old-role");
    let second = source.provide(&cx).await.unwrap();
    assert_eq!(second.provenance().to_string(), format!("imds:role/{ROLE}"));
}

#[tokio::test]
async fn region_comes_from_placement_and_shares_the_token() {
    let server = healthy().await;
    Mock::given(method("GET"))
        .and(path("/latest/meta-data/placement/region"))
        .and(header("x-aws-ec2-metadata-token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_string("eu-west-3"))
        .mount(&server)
        .await;
    let client = client_for(&server).build();
    let source = ImdsSource::builder().client(client.clone()).build();
    let cx = no_env();
    assert_eq!(client.region(&cx).await.unwrap(), "eu-west-3");
    source.provide(&cx).await.unwrap();
    assert_eq!(source.region(&cx).await.unwrap(), "eu-west-3");
    assert_eq!(
        count(&server, "PUT", TOKEN_PATH).await,
        1,
        "one token for credentials and region"
    );
}

#[tokio::test]
async fn region_that_is_not_a_region_name_is_refused() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path("/latest/meta-data/placement/region"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>captive portal</html>"))
        .mount(&server)
        .await;
    let err = client_for(&server)
        .build()
        .region(&no_env())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");
}

#[tokio::test]
async fn the_endpoint_from_the_environment_is_used() {
    let server = healthy().await;
    let cx = cx(MapEnv::from([(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        server.uri(),
    )]));
    let source = ImdsSource::builder()
        .client(ImdsClient::builder().http_settings(fast()).build())
        .build();
    source.provide(&cx).await.unwrap();
    let explained = &source.explain(&cx)[0];
    assert_eq!(explained.status, Status::Unknown);
    assert!(
        explained.reason.contains(&server.uri()),
        "{}",
        explained.reason
    );
    assert!(
        explained
            .reason
            .contains("AWS_EC2_METADATA_SERVICE_ENDPOINT"),
        "{}",
        explained.reason
    );
}

#[tokio::test]
async fn imdsv1_fallback_is_off_by_default() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(405))
        .mount(&server)
        .await;
    let (logs, _guard) = LogCapture::start();
    let err = source_for(&server).provide(&no_env()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");
    assert!(
        err.to_string().contains("405") && err.to_string().contains("IMDSv1"),
        "{err}"
    );
    assert_eq!(
        count(&server, "GET", EXTENDED).await + count(&server, "GET", LEGACY).await,
        0
    );
    logs.assert_no_secrets(SECRETS);
}

#[tokio::test]
async fn imdsv1_fallback_when_enabled_goes_on_without_a_token() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(403))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(EXTENDED))
        .respond_with(ResponseTemplate::new(200).set_body_string(ROLE))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{EXTENDED}{ROLE}")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(document(&in_hours(&SystemClock, 6), None)),
        )
        .mount(&server)
        .await;
    let (logs, _guard) = LogCapture::start();
    let source = ImdsSource::builder()
        .client(client_for(&server).allow_imdsv1_fallback(true).build())
        .build();
    let creds = source.provide(&no_env()).await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIAEXAMPLE");
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests
            .iter()
            .filter(|r| r.method.as_str() == "GET")
            .all(|r| !r.headers.contains_key("x-aws-ec2-metadata-token"))
    );
    assert!(
        logs.text().contains("falling back to IMDSv1"),
        "{}",
        logs.text()
    );
}

#[tokio::test]
async fn imdsv1_fallback_enabled_still_prefers_tokens() {
    let server = healthy().await;
    let source = ImdsSource::builder()
        .client(client_for(&server).allow_imdsv1_fallback(true).build())
        .build();
    source.provide(&no_env()).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests
            .iter()
            .filter(|r| r.method.as_str() == "GET")
            .all(|r| r.headers.contains_key("x-aws-ec2-metadata-token"))
    );
}
