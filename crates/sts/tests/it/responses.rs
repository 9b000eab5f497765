//! What comes back: XML variants, every STS error code, retries, time-outs, oversized bodies.

use std::time::{Duration, Instant, SystemTime};

use awsauth_core::ErrorKind;
use awsauth_http::HttpSettings;
use awsauth_sts::{AssumeRoleInput, StsClient, StsError, StsErrorCode, StsErrorKind};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

async fn assume(server: &MockServer) -> Result<awsauth_sts::AssumedRole, StsError> {
    StsClient::new()
        .endpoint_url(server.uri())
        .http_settings(fast())
        .assume_role(&real_cx(), &base(), &AssumeRoleInput::new(ROLE, "session"))
        .await
}

async fn answering(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn expiration_with_and_without_fractional_seconds() {
    let hour = SystemTime::UNIX_EPOCH + Duration::from_secs(4_859_744_400);
    for (text, expected) in [
        ("2124-01-01T01:00:00Z", hour),
        (
            "2124-01-01T01:00:00.123456Z",
            hour + Duration::from_micros(123_456),
        ),
        ("2124-01-01T01:00:00.5Z", hour + Duration::from_millis(500)),
        ("2124-01-01T02:00:00+01:00", hour),
    ] {
        let server = answering(
            ResponseTemplate::new(200).set_body_string(credentials_xml("AssumeRole", text)),
        )
        .await;
        let creds = assume(&server).await.unwrap().credentials;
        assert_eq!(creds.expiry(), Some(expected), "{text}");
    }
}

#[tokio::test]
async fn xml_variants_are_read() {
    // No namespace, no declaration, other element order, extra elements, CRLF, entities.
    let reordered = r#"<?xml version="1.0" encoding="UTF-8"?>
<AssumeRoleResponse>
 <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>
 <AssumeRoleResult>
  <SourceIdentity>me</SourceIdentity>
  <Credentials>
   <Expiration>2124-01-01T01:00:00Z</Expiration>
   <SessionToken>tok&amp;en</SessionToken>
   <SecretAccessKey>se&#x2F;cret</SecretAccessKey>
   <AccessKeyId>
     ASIAREORDERED
   </AccessKeyId>
  </Credentials>
 </AssumeRoleResult>
</AssumeRoleResponse>"#
        .replace('\n', "\r\n");
    let server = answering(ResponseTemplate::new(200).set_body_string(reordered)).await;
    let assumed = assume(&server).await.unwrap();
    let creds = assumed.credentials;
    assert_eq!(creds.access_key_id(), "ASIAREORDERED");
    assert_eq!(creds.secret_access_key(), "se/cret");
    assert_eq!(creds.session_token(), Some("tok&en"));
    assert_eq!(
        creds.account_id(),
        None,
        "no AssumedRoleUser, so no account id"
    );
    assert_eq!(assumed.assumed_role_arn, None);
}

#[tokio::test]
async fn incomplete_or_malformed_success_bodies_are_provider_failures() {
    let without_token = credentials_xml("AssumeRole", "2124-01-01T01:00:00Z")
        .replace(&format!("<SessionToken>{ISSUED_TOKEN}</SessionToken>"), "");
    let bad_expiry = credentials_xml("AssumeRole", "tomorrow");
    let truncated = credentials_xml("AssumeRole", "2124-01-01T01:00:00Z")[..300].to_owned();
    for (body, expect) in [
        (without_token, "SessionToken"),
        (bad_expiry, "Expiration"),
        (truncated, "XML"),
        ("<html><body>hello</body></html>".to_owned(), "AccessKeyId"),
        (String::new(), "no XML element"),
    ] {
        let server = answering(ResponseTemplate::new(200).set_body_string(body)).await;
        let err = assume(&server).await.unwrap_err();
        assert!(
            matches!(err.kind(), StsErrorKind::MalformedResponse { .. }),
            "{err}"
        );
        assert!(err.to_string().contains(expect), "{expect}: {err}");
        assert!(
            !err.to_string().contains(ISSUED_SECRET),
            "never the body: {err}"
        );
        let cred = err.into_credential_error("assume-role");
        assert_eq!(cred.kind(), ErrorKind::ProviderFailed);
        assert!(!cred.is_retryable());
        assert_eq!(
            requests(&server).await,
            1,
            "a malformed answer is not retried"
        );
    }
}

#[tokio::test]
async fn every_sts_error_code_is_typed_and_retried_only_when_transient() {
    let cases = [
        (403, "AccessDenied", StsErrorCode::AccessDenied, false),
        (400, "ExpiredToken", StsErrorCode::ExpiredToken, false),
        (
            400,
            "InvalidIdentityToken",
            StsErrorCode::InvalidIdentityToken,
            false,
        ),
        (
            400,
            "IDPCommunicationError",
            StsErrorCode::IdpCommunicationError,
            true,
        ),
        (
            403,
            "IDPRejectedClaim",
            StsErrorCode::IdpRejectedClaim,
            false,
        ),
        (
            403,
            "RegionDisabledException",
            StsErrorCode::RegionDisabled,
            false,
        ),
        (400, "Throttling", StsErrorCode::Throttling, true),
        (400, "ValidationError", StsErrorCode::ValidationError, false),
        (
            400,
            "MalformedPolicyDocument",
            StsErrorCode::MalformedPolicyDocument,
            false,
        ),
        (
            403,
            "InvalidClientTokenId",
            StsErrorCode::InvalidClientTokenId,
            false,
        ),
        (
            403,
            "SignatureDoesNotMatch",
            StsErrorCode::SignatureDoesNotMatch,
            false,
        ),
        (
            500,
            "InternalFailure",
            StsErrorCode::Other("InternalFailure".into()),
            true,
        ),
        (
            400,
            "SomethingNew",
            StsErrorCode::Other("SomethingNew".into()),
            false,
        ),
    ];
    for (status, wire, code, retried) in cases {
        let server = answering(error(status, wire, "the message")).await;
        let err = assume(&server).await.unwrap_err();
        assert_eq!(err.code(), Some(&code), "{wire}");
        assert_eq!(err.is_retryable(), retried, "{wire}");
        let expected_attempts = if retried { 3 } else { 1 };
        assert_eq!(requests(&server).await, expected_attempts, "{wire}");
        let text = err.to_string();
        assert!(
            text.contains(wire) && text.contains("the message"),
            "{text}"
        );
        assert!(
            text.contains(ROLE) && text.contains(&server.uri()),
            "{text}"
        );
        let cred = err.into_credential_error("assume-role");
        assert_eq!(cred.kind(), ErrorKind::ProviderFailed, "{wire}");
        assert_eq!(cred.code(), Some(wire));
        assert_eq!(cred.is_retryable(), retried, "{wire}");
        assert_eq!(
            StsError::find_in(&cred).and_then(StsError::code),
            Some(&code)
        );
    }
}

#[tokio::test]
async fn an_error_body_behind_a_200_is_still_an_error() {
    let server =
        answering(ResponseTemplate::new(200).set_body_string(error_xml("AccessDenied", "no")))
            .await;
    let err = assume(&server).await.unwrap_err();
    assert_eq!(err.code(), Some(&StsErrorCode::AccessDenied));
}

#[tokio::test]
async fn throttling_then_success_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(error(400, "Throttling", "Rate exceeded"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>busy</html>"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ok("AssumeRole"))
        .mount(&server)
        .await;
    let assumed = assume(&server).await.unwrap();
    assert_eq!(assumed.credentials.access_key_id(), "ASIAISSUED");
    assert_eq!(requests(&server).await, 3);
    // Every attempt carries the same signed body.
    let bodies: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.body)
        .collect();
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
}

#[tokio::test]
async fn server_errors_without_an_error_body_are_retried_then_reported() {
    let server = answering(ResponseTemplate::new(502).set_body_string("bad gateway")).await;
    let err = assume(&server).await.unwrap_err();
    assert_eq!(err.kind(), &StsErrorKind::UnexpectedStatus { status: 502 });
    assert!(err.is_retryable());
    assert_eq!(requests(&server).await, 3);
    let server = answering(ResponseTemplate::new(404).set_body_string("not here")).await;
    let err = assume(&server).await.unwrap_err();
    assert!(!err.is_retryable());
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn a_hanging_server_is_cut_by_the_time_outs() {
    let server = answering(ok("AssumeRole").set_delay(Duration::from_secs(120))).await;
    let settings = HttpSettings {
        attempt_timeout: Duration::from_millis(200),
        max_attempts: 2,
        ..fast()
    };
    let started = Instant::now();
    let err = StsClient::new()
        .endpoint_url(server.uri())
        .http_settings(settings)
        .assume_role(&real_cx(), &base(), &AssumeRoleInput::new(ROLE, "s1"))
        .await
        .unwrap_err();
    // Hang guard only: two minutes of server delay are not waited out (the two attempts take
    // well under a second; the bound is generous for a loaded 2-core machine).
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(err.is_retryable());
    assert_eq!(requests(&server).await, 2, "the time-out is retried");
    let cred = err.into_credential_error("assume-role");
    assert_eq!(cred.kind(), ErrorKind::TimedOut, "{cred}");
    assert!(cred.to_string().contains(&server.uri()), "{cred}");
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let padding = "x".repeat(20 * 1024);
    let body = credentials_xml("AssumeRole", "2124-01-01T01:00:00Z").replace(
        "<PackedPolicySize>",
        &format!("<Padding>{padding}</Padding><PackedPolicySize>"),
    );
    let server = answering(ResponseTemplate::new(200).set_body_string(body)).await;
    let err = assume(&server).await.unwrap_err();
    match err.kind() {
        StsErrorKind::Http(http) => {
            assert_eq!(http.kind(), awsauth_http::HttpErrorKind::BodyTooLarge)
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("exceeds"), "{err}");
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn a_closed_port_is_a_retryable_provider_failure() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let err = StsClient::new()
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .http_settings(fast())
        .assume_role(&real_cx(), &base(), &AssumeRoleInput::new(ROLE, "s1"))
        .await
        .unwrap_err();
    assert!(err.is_retryable());
    let cred = err.into_credential_error("assume-role");
    assert_eq!(cred.kind(), ErrorKind::ProviderFailed);
    assert!(
        cred.to_string().contains(&format!("127.0.0.1:{port}")),
        "{cred}"
    );
}

#[tokio::test]
async fn credentials_already_expired_here_point_at_the_clock() {
    let server = answering(
        ResponseTemplate::new(200)
            .set_body_string(credentials_xml("AssumeRole", "2020-01-01T00:00:00Z")),
    )
    .await;
    let err = assume(&server).await.unwrap_err();
    assert!(
        matches!(err.kind(), StsErrorKind::ExpiredOnArrival { .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("the credentials issued expired at 2020-01-01T00:00:00Z, and it is "),
        "{text}"
    );
    assert!(text.contains("is the system clock right?"), "{text}");
    assert!(!text.contains(ISSUED_SECRET) && !text.contains(ISSUED_TOKEN));
    let cred = err.into_credential_error("assume-role");
    assert_eq!(cred.kind(), ErrorKind::ProviderFailed);
    assert!(cred.is_retryable(), "a clock can be corrected");
}
