//! What goes on the wire: form fields, headers, the SigV4 `Authorization` header.

use std::time::{Duration, SystemTime};

use awsauth_core::SecretString;
use awsauth_sts::{AssumeRoleInput, StsClient, StsErrorKind, WebIdentityInput};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

async fn server_answering(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

fn assert_signature(auth: &str, scope: &str, signed_headers: &str) {
    let prefix =
        format!("AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders={signed_headers}, Signature=");
    let signature = auth
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{auth:?} should start with {prefix:?}"));
    assert_eq!(signature.len(), 64, "{auth}");
    assert!(signature.bytes().all(|b| b.is_ascii_hexdigit()), "{auth}");
}

#[tokio::test]
async fn assume_role_posts_the_form_and_signs_for_sts_in_the_endpoint_region() {
    let server = server_answering(ok("AssumeRole")).await;
    let client = StsClient::new()
        .endpoint_url(server.uri())
        .region("eu-west-1");
    let input = AssumeRoleInput::new(ROLE, "grafana-session")
        .external_id("tenant:42/ext")
        .duration(Duration::from_secs(900));
    let assumed = client
        .assume_role(&manual_cx(), &base_with_token(), &input)
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/");
    assert_eq!(request.url.query(), None);
    assert_eq!(
        header(request, "content-type"),
        Some("application/x-www-form-urlencoded; charset=utf-8")
    );
    let fields = form(&request.body);
    let expected: Vec<(&str, &str)> = vec![
        ("Action", "AssumeRole"),
        ("DurationSeconds", "900"),
        ("ExternalId", "tenant:42/ext"),
        ("RoleArn", ROLE),
        ("RoleSessionName", "grafana-session"),
        ("Version", "2011-06-15"),
    ];
    assert_eq!(
        fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
        expected
    );
    assert_eq!(header(request, "x-amz-date"), Some("20240101T000000Z"));
    assert_eq!(header(request, "x-amz-security-token"), Some(TOKEN));
    assert_signature(
        header(request, "authorization").unwrap(),
        "ASIABASE/20240101/eu-west-1/sts/aws4_request",
        "content-type;host;x-amz-date;x-amz-security-token",
    );

    let creds = &assumed.credentials;
    assert_eq!(creds.access_key_id(), "ASIAISSUED");
    assert_eq!(creds.secret_access_key(), ISSUED_SECRET);
    assert_eq!(creds.session_token(), Some(ISSUED_TOKEN));
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert_eq!(
        creds.expiry(),
        Some(SystemTime::UNIX_EPOCH + Duration::from_secs(4_859_744_400))
    );
    assert_eq!(
        creds.provenance().to_string(),
        format!("assume-role:{ROLE}")
    );
    assert_eq!(
        assumed.assumed_role_arn.as_deref(),
        Some("arn:aws:sts::123456789012:assumed-role/reader/s")
    );
    let debug = format!("{assumed:?}");
    assert!(
        !debug.contains(ISSUED_SECRET) && !debug.contains(ISSUED_TOKEN),
        "{debug}"
    );
}

#[tokio::test]
async fn long_term_keys_send_no_security_token_and_optional_fields_are_omitted() {
    let server = server_answering(ok("AssumeRole")).await;
    let client = StsClient::new().endpoint_url(server.uri());
    client
        .assume_role(&manual_cx(), &base(), &AssumeRoleInput::new(ROLE, "plain"))
        .await
        .unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    assert!(request.headers.get("x-amz-security-token").is_none());
    let fields = form(&request.body);
    assert!(!fields.contains_key("ExternalId") && !fields.contains_key("DurationSeconds"));
    // No region anywhere: a custom endpoint is signed for us-east-1.
    assert_signature(
        header(request, "authorization").unwrap(),
        "AKIDBASE/20240101/us-east-1/sts/aws4_request",
        "content-type;host;x-amz-date",
    );
}

#[tokio::test]
async fn the_signing_region_comes_from_the_environment_when_the_endpoint_names_none() {
    let server = server_answering(ok("AssumeRole")).await;
    let cx = manual_cx().with_env(awsauth_core::MapEnv::from([
        ("AWS_REGION", "cn-north-1"),
        ("AWS_ENDPOINT_URL_STS", server.uri().as_str()),
    ]));
    StsClient::new()
        .assume_role(&cx, &base(), &AssumeRoleInput::new(ROLE, "cn"))
        .await
        .unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    assert_signature(
        header(request, "authorization").unwrap(),
        "AKIDBASE/20240101/cn-north-1/sts/aws4_request",
        "content-type;host;x-amz-date",
    );
}

#[tokio::test]
async fn web_identity_is_unsigned_and_carries_the_token_in_the_body() {
    let server = server_answering(ok("AssumeRoleWithWebIdentity")).await;
    let token = SecretString::from("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.sig");
    let input = WebIdentityInput::new(ROLE, "pod-session", token.clone());
    let assumed = StsClient::new()
        .endpoint_url(server.uri())
        .assume_role_with_web_identity(&manual_cx(), &input)
        .await
        .unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    assert!(request.headers.get("authorization").is_none());
    assert!(request.headers.get("x-amz-security-token").is_none());
    let fields = form(&request.body);
    assert_eq!(fields["Action"], "AssumeRoleWithWebIdentity");
    assert_eq!(fields["Version"], "2011-06-15");
    assert_eq!(fields["RoleArn"], ROLE);
    assert_eq!(fields["RoleSessionName"], "pod-session");
    assert_eq!(fields["WebIdentityToken"], token.expose_secret());
    assert!(!fields.contains_key("DurationSeconds"));
    assert_eq!(
        assumed.credentials.provenance().to_string(),
        format!("web-identity:{ROLE}")
    );
    assert!(!format!("{input:?}").contains("eyJ"), "{input:?}");
}

#[tokio::test]
async fn get_caller_identity_is_signed_and_read() {
    let body = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/alice</Arn>
    <UserId>AIDAEXAMPLE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;
    let server = server_answering(ResponseTemplate::new(200).set_body_string(body)).await;
    let who = StsClient::new()
        .endpoint_url(server.uri())
        .region("eu-central-1")
        .get_caller_identity(&manual_cx(), &base())
        .await
        .unwrap();
    assert_eq!(who.account, "123456789012");
    assert_eq!(who.arn, "arn:aws:iam::123456789012:user/alice");
    assert_eq!(who.user_id, "AIDAEXAMPLE");
    let request = &server.received_requests().await.unwrap()[0];
    let fields = form(&request.body);
    assert_eq!(fields.len(), 2);
    assert_eq!(fields["Action"], "GetCallerIdentity");
    assert_signature(
        header(request, "authorization").unwrap(),
        "AKIDBASE/20240101/eu-central-1/sts/aws4_request",
        "content-type;host;x-amz-date",
    );
}

#[tokio::test]
async fn invalid_input_is_refused_before_any_request() {
    let server = server_answering(ok("AssumeRole")).await;
    let client = StsClient::new().endpoint_url(server.uri());
    let cases = [
        (
            AssumeRoleInput::new("arn:aws:iam::123:role/x", "ok-name"),
            "role ARN",
        ),
        (AssumeRoleInput::new(ROLE, "x"), "session name"),
        (
            AssumeRoleInput::new(ROLE, "ok-name").external_id("no spaces allowed"),
            "external ID",
        ),
        (
            AssumeRoleInput::new(ROLE, "ok-name").duration(Duration::from_secs(43_201)),
            "duration",
        ),
    ];
    for (input, field) in cases {
        let err = client
            .assume_role(&manual_cx(), &base(), &input)
            .await
            .unwrap_err();
        match err.kind() {
            StsErrorKind::InvalidInput { field: got, .. } => assert_eq!(got, field),
            other => panic!("{field}: {other:?}"),
        }
        assert!(err.is_configuration_error());
    }
    let err = client
        .assume_role_with_web_identity(
            &manual_cx(),
            &WebIdentityInput::new(ROLE, "ok-name", SecretString::from("  ")),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("web identity token"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_before_sending() {
    let client = StsClient::new().endpoint_url("http://sts.example.com");
    let err = client
        .assume_role(&manual_cx(), &base(), &AssumeRoleInput::new(ROLE, "s1"))
        .await
        .unwrap_err();
    assert!(err.is_configuration_error());
    assert!(err.to_string().contains("plain http is refused"), "{err}");
}

/// I/O is closed by default: a context built with `Context::builder()` and no HTTP client sends
/// nothing, even to a server that would answer, and says why.
#[tokio::test]
async fn a_context_without_an_http_client_sends_nothing() {
    let server = server_answering(ok("AssumeRole")).await;
    let client = StsClient::new()
        .endpoint_url(server.uri())
        .region("eu-west-1");
    let closed = awsauth_core::Context::builder().build();
    let err = client
        .assume_role(
            &closed,
            &base_with_token(),
            &AssumeRoleInput::new(ROLE, "grafana-session"),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("no HTTP client in this context"),
        "{err}"
    );
    assert!(!err.is_retryable(), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn debug_of_the_sts_settings_hides_an_endpoint_urls_user_information() {
    let url = "https://ops:hunter2@sts.example.com/";
    let client = awsauth_sts::StsClient::new().endpoint_url(url);
    let options = awsauth_sts::StsOptions::new().endpoint(url);
    for debug in [
        format!("{client:?}"),
        format!("{:?}", client.config()),
        format!("{options:?}"),
    ] {
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("sts.example.com"), "{debug}");
    }
    // The value itself is kept for the endpoint rules, which refuse it.
    assert_eq!(client.config().endpoint_url.as_deref(), Some(url));
}
