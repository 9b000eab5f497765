//! The source's contract: configuration from env or a profile plan, the token re-read per
//! call, unreadable files explained, the token kept out of logs, errors and Debug.

use awsauth_web_identity::StsClient;
use std::time::Duration;

use awsauth_core::{CredentialSource, ErrorKind, MemFs, Status};
use awsauth_web_identity::WebIdentitySource;
use wiremock::matchers::method;
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
async fn nothing_set_is_not_configured_and_half_set_is_explained() {
    let source = WebIdentitySource::from_env();
    let err = source.provide(&cx(&[], MemFs::new())).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotConfigured);
    assert!(
        err.to_string()
            .contains("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set"),
        "{err}"
    );
    assert_eq!(
        source.explain(&cx(&[], MemFs::new()))[0].status,
        Status::NotConfigured
    );

    let role_only = cx(&[("AWS_ROLE_ARN", ROLE)], MemFs::new());
    assert_eq!(
        source.provide(&role_only).await.unwrap_err().kind(),
        ErrorKind::NotConfigured
    );

    let file_only = cx(
        &[("AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_PATH)],
        token_fs(TOKEN),
    );
    let err = source.provide(&file_only).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(err.to_string().contains("AWS_ROLE_ARN is not"), "{err}");

    let blank = cx(
        &[("AWS_WEB_IDENTITY_TOKEN_FILE", " "), ("AWS_ROLE_ARN", "")],
        MemFs::new(),
    );
    assert_eq!(
        source.provide(&blank).await.unwrap_err().kind(),
        ErrorKind::NotConfigured
    );
}

#[tokio::test]
async fn exchanges_the_token_from_env_unsigned() {
    let server = answering(web_identity_ok()).await;
    let env = env_with_endpoint(&server.uri());
    let mut env = as_refs(&env);
    env.push(("AWS_ROLE_SESSION_NAME", "grafana-pod"));
    let creds = WebIdentitySource::from_env()
        .provide(&cx(&env, token_fs(&format!("{TOKEN}\n"))))
        .await
        .unwrap();
    assert_eq!(creds.access_key_id(), "ASIAWEBID");
    assert_eq!(creds.secret_access_key(), ISSUED_SECRET);
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert_eq!(
        creds.provenance().to_string(),
        format!("web-identity:{ROLE}")
    );
    let request = &server.received_requests().await.unwrap()[0];
    assert!(request.headers.get("authorization").is_none());
    let fields = form(&request.body);
    assert_eq!(fields["Action"], "AssumeRoleWithWebIdentity");
    assert_eq!(fields["RoleArn"], ROLE);
    assert_eq!(fields["RoleSessionName"], "grafana-pod");
    assert_eq!(fields["WebIdentityToken"], TOKEN, "trimmed of its newline");
    assert!(!fields.contains_key("DurationSeconds"));
}

#[tokio::test]
async fn a_profile_plan_gives_file_role_and_session_name() {
    let server = answering(web_identity_ok()).await;
    let source = WebIdentitySource::new("/etc/grafana/token", ROLE)
        .session_name("from-profile")
        .duration(Duration::from_secs(1800))
        .sts_client(StsClient::new().endpoint_url(server.uri()));
    let fs = MemFs::new();
    fs.insert("/etc/grafana/token", TOKEN);
    // Variables are ignored when the plan is explicit.
    let env = [("AWS_ROLE_SESSION_NAME", "from-env"), ("AWS_ROLE_ARN", "x")];
    source.provide(&cx(&env, fs)).await.unwrap();
    let fields = form(&server.received_requests().await.unwrap()[0].body);
    assert_eq!(fields["RoleSessionName"], "from-profile");
    assert_eq!(fields["DurationSeconds"], "1800");
    assert_eq!(fields["WebIdentityToken"], TOKEN);

    let err = WebIdentitySource::new("/etc/grafana/token", "arn:aws:iam::1:role/x")
        .provide(&cx(&[], MemFs::new()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(err.to_string().contains("invalid role_arn"), "{err}");
    let err = WebIdentitySource::new("/etc/grafana/token", "")
        .provide(&cx(&[], MemFs::new()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("role_arn is not set"), "{err}");
}

#[tokio::test]
async fn the_default_session_name_comes_from_the_clock() {
    let server = answering(web_identity_ok()).await;
    let env = env_with_endpoint(&server.uri());
    WebIdentitySource::from_env()
        .provide(&cx(&as_refs(&env), token_fs(TOKEN)))
        .await
        .unwrap();
    let fields = form(&server.received_requests().await.unwrap()[0].body);
    assert_eq!(fields["RoleSessionName"], "awsauth-1704067200000");
}

#[tokio::test]
async fn the_token_file_is_read_again_on_every_call() {
    let server = answering(web_identity_ok()).await;
    let env = env_with_endpoint(&server.uri());
    let fs = token_fs(TOKEN);
    let context = cx(&as_refs(&env), fs.clone());
    let source = WebIdentitySource::from_env();
    source.provide(&context).await.unwrap();
    fs.insert(TOKEN_PATH, ROTATED);
    source.provide(&context).await.unwrap();
    let tokens: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| form(&r.body)["WebIdentityToken"].clone())
        .collect();
    assert_eq!(tokens, [TOKEN, ROTATED]);
}

#[tokio::test]
async fn an_unreadable_token_names_the_path_and_the_fsgroup_fix() {
    let server = answering(web_identity_ok()).await;
    let env = env_with_endpoint(&server.uri());
    let source = WebIdentitySource::from_env();

    let err = source
        .provide(&cx(&as_refs(&env), PermissionDenied))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{text}");
    assert!(text.contains(TOKEN_PATH), "{text}");
    assert!(text.contains("AWS_WEB_IDENTITY_TOKEN_FILE"), "{text}");
    assert!(text.contains("permission denied"), "{text}");
    assert!(
        text.contains("user 472") && text.contains("fsGroup: 472"),
        "{text}"
    );
    let explained = source.explain(&cx(&as_refs(&env), PermissionDenied));
    assert_eq!(explained[0].status, Status::Invalid);
    assert!(explained[0].reason.contains("fsGroup: 472"));

    let err = source
        .provide(&cx(&as_refs(&env), MemFs::new()))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("no such file") && err.to_string().contains(TOKEN_PATH),
        "{err}"
    );

    let err = source
        .provide(&cx(&as_refs(&env), token_fs(" \n")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is empty"), "{err}");

    let err = source
        .provide(&cx(&as_refs(&env), token_fs(&"x".repeat(70 * 1024))))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("more than"), "{err}");

    // A token with a NUL or another control character inside is no JWT: refused by name,
    // without the token in the message, instead of being sent as it is.
    for token in [
        "eyJhbGciOiJSUzI1NiJ9\0.eyJzdWIiOiJ4In0.c2ln",
        "eyJh\x1b[2Jbad.eyJ.c2ln",
    ] {
        let err = source
            .provide(&cx(&as_refs(&env), token_fs(token)))
            .await
            .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{text}");
        assert!(
            text.contains("control character") && text.contains(TOKEN_PATH),
            "{text}"
        );
        assert!(
            !text.contains("eyJ"),
            "the message quotes the token: {text}"
        );
    }

    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing is sent without a token"
    );
}

#[tokio::test]
async fn sts_errors_keep_their_code_and_never_show_the_token() {
    for (status, code, retryable) in [
        (400, "InvalidIdentityToken", false),
        (400, "ExpiredToken", false),
        (403, "IDPRejectedClaim", false),
        (403, "AccessDenied", false),
        (400, "IDPCommunicationError", true),
    ] {
        // A service that echoes the token back must not make us print it.
        let server = answering(sts_error(status, code, &format!("bad token {TOKEN}"))).await;
        let env = env_with_endpoint(&server.uri());
        let source = WebIdentitySource::from_env().sts_client(StsClient::new().http_settings(
            awsauth_http::HttpSettings {
                initial_backoff: Duration::ZERO,
                max_backoff: Duration::ZERO,
                ..awsauth_http::HttpSettings::sts()
            },
        ));
        let err = source
            .provide(&cx(&as_refs(&env), token_fs(TOKEN)))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some(code));
        assert_eq!(err.is_retryable(), retryable, "{code}");
        let text = format!("{err} {err:?}");
        assert!(!text.contains(TOKEN), "{text}");
        assert!(
            text.contains(ROLE) && text.contains(&server.uri()),
            "{text}"
        );
    }
}

#[tokio::test]
async fn the_token_never_reaches_logs_or_debug() {
    let (logs, _guard) = LogCapture::start();
    let server = answering(web_identity_ok()).await;
    let env = env_with_endpoint(&server.uri());
    let source = WebIdentitySource::from_env();
    let context = cx(&as_refs(&env), token_fs(TOKEN));
    let creds = source.provide(&context).await.unwrap();
    // Any of the source's or the STS client's lines proves the capture sees this call.
    assert!(
        logs.contains("exchanging the web identity token")
            || logs.contains("AssumeRoleWithWebIdentity"),
        "the capture works: {}",
        logs.text()
    );
    logs.record_debug("source", &source);
    logs.record_debug("credentials", &creds);
    logs.record_debug("explain", &source.explain(&context));
    logs.record_debug("context", &context);
    logs.assert_no_secrets([TOKEN, ISSUED_SECRET, "issuedTokenWebIdentity"]);
}

#[tokio::test]
async fn explain_reports_a_ready_source_without_network() {
    let server = answering(web_identity_ok()).await;
    let env = env_with_endpoint(&server.uri());
    let lines = WebIdentitySource::from_env().explain(&cx(&as_refs(&env), token_fs(TOKEN)));
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].status, Status::Configured);
    assert!(
        lines[0].reason.contains(TOKEN_PATH)
            && lines[0].reason.contains(ROLE)
            && lines[0].reason.contains("AWS_ENDPOINT_URL_STS"),
        "{}",
        lines[0].reason
    );
    assert!(!lines[0].reason.contains(TOKEN));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_token_file_is_bounded_by_what_is_read_not_by_its_stat() {
    let server = answering(web_identity_ok()).await;
    let env = env_with_endpoint(&server.uri());
    let source = WebIdentitySource::from_env();
    let err = source
        .provide(&cx(&as_refs(&env), LiesAboutItsSize))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
    assert!(err.to_string().contains("more than"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// `/dev/zero` reports a size of 0 and never ends: it used to grow the process by gigabytes.
#[cfg(unix)]
#[tokio::test]
async fn a_device_as_the_token_file_is_a_clear_error() {
    let server = answering(web_identity_ok()).await;
    let mut env = env_with_endpoint(&server.uri());
    env[0].1 = "/dev/zero".to_owned();
    let err = WebIdentitySource::from_env()
        .provide(&cx(&as_refs(&env), awsauth_core::SystemFs))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{text}");
    assert!(
        text.contains("/dev/zero") && text.contains("not a regular file"),
        "{text}"
    );
}
