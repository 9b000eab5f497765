//! The source's contract: fields sent, provenance, base per call, role chains, fallback,
//! errors, `explain` without network.

use awsauth_sts_assume::StsClient;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use awsauth_core::{Chain, CredentialSource, ErrorKind, Status, only};
use awsauth_sts::{StsError, StsErrorCode};
use awsauth_sts_assume::AssumeRoleSource;
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use awsauth_testkit::LogCapture;

use crate::support::*;

async fn answering(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn assumes_the_role_with_defaults_and_records_provenance() {
    let server = answering(assumed("ONE", "123456789012")).await;
    let source = AssumeRoleSource::new(CountingKeys::default(), ROLE).sts_client(
        StsClient::new()
            .endpoint_url(server.uri())
            .region("eu-west-1"),
    );
    let creds = source.provide(&cx()).await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIAONE");
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert_eq!(
        creds.provenance().to_string(),
        format!("keys -> assume-role:{ROLE}")
    );
    let request = &server.received_requests().await.unwrap()[0];
    let fields = form(&request.body);
    assert_eq!(fields["Action"], "AssumeRole");
    assert_eq!(fields["RoleArn"], ROLE);
    assert_eq!(fields["RoleSessionName"], "awsauth-1704067200000");
    assert_eq!(
        fields["DurationSeconds"], "900",
        "Grafana's 15-minute default"
    );
    assert!(!fields.contains_key("ExternalId"));
    assert!(
        authorization(request).starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDBASE1/20240101/eu-west-1/sts/aws4_request,"
        ),
        "{}",
        authorization(request)
    );
}

#[tokio::test]
async fn external_id_session_name_and_duration_are_sent() {
    let server = answering(assumed("ONE", "123456789012")).await;
    let source = AssumeRoleSource::new(CountingKeys::default(), ROLE)
        .sts_client(StsClient::new().endpoint_url(server.uri()))
        .external_id(" grafana-tenant-7 ")
        .session_name("grafana@org-1")
        .duration(Duration::from_secs(3600));
    source.provide(&cx()).await.unwrap();
    let fields = form(&server.received_requests().await.unwrap()[0].body);
    assert_eq!(fields["ExternalId"], "grafana-tenant-7");
    assert_eq!(fields["RoleSessionName"], "grafana@org-1");
    assert_eq!(fields["DurationSeconds"], "3600");
    assert!(
        !format!("{source:?}").contains("grafana-tenant-7"),
        "{source:?}"
    );
}

#[tokio::test]
async fn the_base_is_asked_on_every_call() {
    let server = answering(assumed("ONE", "123456789012")).await;
    let base = Arc::new(CountingKeys::default());
    let source = AssumeRoleSource::from_shared(base.clone(), ROLE)
        .sts_client(StsClient::new().endpoint_url(server.uri()));
    source.provide(&cx()).await.unwrap();
    source.provide(&cx()).await.unwrap();
    assert_eq!(base.calls.load(Ordering::SeqCst), 2);
    let requests = server.received_requests().await.unwrap();
    assert!(authorization(&requests[0]).contains("Credential=AKIDBASE1/"));
    assert!(authorization(&requests[1]).contains("Credential=AKIDBASE2/"));
}

#[tokio::test]
async fn a_role_chain_signs_each_hop_with_the_previous_hops_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("role%2Freader"))
        .respond_with(assumed("HOP1", "123456789012"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_string_contains("role%2Fops%2Fwriter"))
        .respond_with(assumed("HOP2", "210987654321"))
        .mount(&server)
        .await;
    let first = AssumeRoleSource::new(CountingKeys::default(), ROLE)
        .sts_client(StsClient::new().endpoint_url(server.uri()));
    let second =
        AssumeRoleSource::new(first, ROLE2).sts_client(StsClient::new().endpoint_url(server.uri()));
    let creds = second.provide(&cx()).await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIAHOP2");
    assert_eq!(creds.account_id(), Some("210987654321"));
    assert_eq!(
        creds.provenance().to_string(),
        format!("keys -> assume-role:{ROLE} -> assume-role:{ROLE2}")
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert!(authorization(&requests[0]).contains("Credential=AKIDBASE1/"));
    assert!(
        authorization(&requests[1]).contains("Credential=ASIAHOP1/"),
        "the second hop is signed with the first hop's credentials"
    );
    assert_eq!(
        requests[1].headers["x-amz-security-token"]
            .to_str()
            .unwrap(),
        issued_token("HOP1")
    );
}

#[tokio::test]
async fn an_unconfigured_base_falls_through_a_chain_and_only_makes_it_an_error() {
    let server = answering(assumed("ONE", "123456789012")).await;
    let source = AssumeRoleSource::new(Broken::NotConfigured, ROLE)
        .sts_client(StsClient::new().endpoint_url(server.uri()));
    let err = source.provide(&cx()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotConfigured);
    assert!(
        err.to_string().contains(ROLE) && err.to_string().contains("AWS_ACCESS_KEY_ID"),
        "{err}"
    );

    let chain = Chain::new("default")
        .or_else(source.clone())
        .or_else(CountingKeys::default());
    let creds = chain.provide(&cx()).await.unwrap();
    assert_eq!(creds.provenance().to_string(), "keys", "the chain moved on");

    let strict = only(source).selected_as("Assume Role ARN");
    let err = strict.provide(&cx()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_failing_base_stops_here_unchanged() {
    let server = answering(assumed("ONE", "123456789012")).await;
    let source = AssumeRoleSource::new(Broken::Failing, ROLE)
        .sts_client(StsClient::new().endpoint_url(server.uri()));
    let err = source.provide(&cx()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    assert_eq!(err.source_name(), "imds");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn invalid_settings_are_named_before_the_base_or_sts_is_asked() {
    let server = answering(assumed("ONE", "123456789012")).await;
    let base = Arc::new(CountingKeys::default());
    let make = || {
        AssumeRoleSource::from_shared(base.clone(), ROLE)
            .sts_client(StsClient::new().endpoint_url(server.uri()))
    };
    let cases = [
        (
            AssumeRoleSource::from_shared(base.clone(), "arn:aws:iam::123456789012:user/bob"),
            "role ARN",
        ),
        (
            AssumeRoleSource::from_shared(base.clone(), "  "),
            "role ARN",
        ),
        (make().external_id("x"), "external ID"),
        (make().external_id("has spaces in it"), "external ID"),
        (make().session_name("s"), "session name"),
        (make().session_name("s".repeat(65)), "session name"),
        (make().duration(Duration::from_secs(899)), "duration"),
        (make().duration(Duration::from_secs(43_201)), "duration"),
    ];
    for (source, field) in cases {
        let err = source.provide(&cx()).await.unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::InvalidConfiguration,
            "{field}: {err}"
        );
        assert!(
            err.to_string().contains(&format!("invalid {field}")),
            "{field}: {err}"
        );
        let explained = source.explain(&cx());
        assert_eq!(explained.last().unwrap().status, Status::Invalid);
    }
    assert_eq!(base.calls.load(Ordering::SeqCst), 0);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn sts_errors_name_endpoint_and_role_and_keep_the_code() {
    let server = answering(sts_error(
        403,
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/grafana is not authorized to perform: sts:AssumeRole",
    ))
    .await;
    let source = AssumeRoleSource::new(CountingKeys::default(), ROLE)
        .sts_client(StsClient::new().endpoint_url(server.uri()))
        .external_id("wrong-id");
    let err = source.provide(&cx()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    assert_eq!(err.code(), Some("AccessDenied"));
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(
        text.starts_with("assume-role: STS AssumeRole for "),
        "{text}"
    );
    assert!(
        text.contains(ROLE) && text.contains(&server.uri()),
        "{text}"
    );
    assert!(text.contains("sts:ExternalId"), "the hint: {text}");
    assert!(
        !text.contains(BASE_SECRET) && !text.contains("wrong-id"),
        "{text}"
    );
    assert_eq!(
        StsError::find_in(&err).and_then(StsError::code),
        Some(&StsErrorCode::AccessDenied)
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn explain_tells_without_network() {
    let server = answering(assumed("ONE", "123456789012")).await;
    let source = AssumeRoleSource::new(CountingKeys::default(), ROLE)
        .sts_client(StsClient::new().endpoint_url(server.uri()))
        .external_id("ext-id-1");
    let lines = source.explain(&cx());
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].source, "keys");
    let own = &lines[1];
    assert_eq!(own.source, "assume-role");
    assert_eq!(own.status, Status::Configured);
    assert!(
        own.reason.contains(ROLE)
            && own.reason.contains(&server.uri())
            && own.reason.contains("900 s")
            && own.reason.contains("external ID")
            && !own.reason.contains("ext-id-1"),
        "{}",
        own.reason
    );

    let missing = AssumeRoleSource::new(Broken::NotConfigured, ROLE).explain(&cx());
    assert_eq!(missing.last().unwrap().status, Status::NotConfigured);

    let insecure = AssumeRoleSource::new(CountingKeys::default(), ROLE)
        .sts_client(StsClient::new().endpoint_url("http://sts.example.com"))
        .explain(&cx());
    assert_eq!(insecure.last().unwrap().status, Status::Invalid);
    assert!(insecure.last().unwrap().reason.contains("plain http"));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn no_secret_reaches_logs_or_debug_even_at_trace_level() {
    let (logs, _guard) = LogCapture::start();
    let server = answering(assumed("LOG", "123456789012")).await;
    let source = AssumeRoleSource::new(SessionBase, ROLE)
        .sts_client(StsClient::new().endpoint_url(server.uri()));
    let creds = source.provide(&cx()).await.unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        request.headers["x-amz-security-token"].to_str().unwrap(),
        BASE_TOKEN
    );
    // Any of the source's or the STS client's lines proves the capture sees this call.
    assert!(
        logs.contains("assuming role") || logs.contains("operation=AssumeRole"),
        "the capture works: {}",
        logs.text()
    );
    logs.record_debug("source", &source);
    logs.record_debug("credentials", &creds);
    logs.record_debug("explain", &source.explain(&cx()));
    logs.assert_no_secrets([
        BASE_SECRET,
        BASE_TOKEN,
        &issued_secret("LOG"),
        &issued_token("LOG"),
    ]);
}

/// An ARN read from a profile may carry a continuation line — another setting run together
/// with it, a secret maybe. The error, `explain`, `Debug` and the `-v` log quote its first
/// line only (they quoted all of it, `{:?}`-escaped, before).
#[tokio::test]
async fn an_arn_with_a_continuation_line_is_quoted_up_to_its_first_line() {
    const RUN_IN: &str = "runInSecretValueDoNotShow";
    for arn in [
        format!("{ROLE}\naws_secret_access_key = {RUN_IN}"),
        format!("{ROLE}\raws_secret_access_key = {RUN_IN}"),
        format!("{ROLE}\u{2028}aws_secret_access_key = {RUN_IN}"),
    ] {
        let (logs, _guard) = LogCapture::start();
        let source = AssumeRoleSource::new(CountingKeys::default(), arn.clone());
        let err = source.provide(&cx()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
        let shown = format!(
            "{err} {err:?} {source:?} {:?} {:?}",
            source.explain(&cx()),
            source.plan(&cx())
        );
        assert!(!shown.contains(RUN_IN), "{arn:?}: {shown}");
        assert!(shown.contains("role/reader"), "{shown}");
        assert!(!logs.contains(RUN_IN), "{arn:?}");
    }
}
