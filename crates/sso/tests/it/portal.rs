//! The portal's answers: 500 and 429 are retried, 401 and 403 are not and say to log in again,
//! bad bodies are typed errors; endpoints come from the variables and are checked.

use std::time::Duration;

use awsauth_core::{CredentialSource, ErrorKind};
use awsauth_http::HttpSettings;
use awsauth_testkit::{Fault, SsoRoleCredentials};

use crate::support::*;

#[tokio::test]
async fn server_errors_and_throttling_are_retried() {
    for fault in [
        Fault::Status(500),
        Fault::JsonError {
            code: "TooManyRequestsException".into(),
            status: 429,
        },
    ] {
        let rig = Rig::new().await;
        rig.session_token(3600);
        rig.sso.inject(fault.clone(), 2);
        session_source().provide(&rig.cx).await.unwrap();
        assert_eq!(rig.sso.received_requests(), 3, "{fault:?}");
    }
}

#[tokio::test]
async fn throttling_that_does_not_stop_is_a_retryable_failure() {
    let rig = Rig::new().await;
    rig.session_token(3600);
    rig.sso.inject(
        Fault::JsonError {
            code: "TooManyRequestsException".into(),
            status: 429,
        },
        3,
    );
    let err = session_source().provide(&rig.cx).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert_eq!(err.code(), Some("TooManyRequestsException"));
    assert!(
        err.to_string()
            .contains("GetRoleCredentials at http://127.0.0.1:")
            && err
                .to_string()
                .contains("(account 123456789012, role ReadOnly) failed: HTTP 429"),
        "{err}"
    );
}

#[tokio::test]
async fn unauthorized_is_not_retried_and_says_to_log_in_again() {
    let rig = Rig::new().await;
    rig.session_token(3600);
    rig.sso.revoke_access_token(ACCESS_TOKEN);
    let err = session_source().provide(&rig.cx).await.unwrap_err();
    assert_eq!(rig.sso.received_requests(), 1, "not retried");
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    assert!(!err.is_retryable());
    assert_eq!(err.code(), Some("UnauthorizedException"));
    let text = err.to_string();
    assert!(
        text.starts_with("sso: the SSO token is no longer valid: GetRoleCredentials at")
            && text
                .contains("HTTP 401 (UnauthorizedException): Session token not found or invalid")
            && text.ends_with("run `aws sso login --sso-session corp`"),
        "{text}"
    );
    assert_no_secret(&text);
}

#[tokio::test]
async fn forbidden_is_not_retried_either() {
    let rig = Rig::new().await;
    rig.session_token(3600);
    rig.sso.allow_role(ACCOUNT, "Admin");
    let err = session_source().provide(&rig.cx).await.unwrap_err();
    assert_eq!(rig.sso.received_requests(), 1);
    assert!(
        err.to_string()
            .contains("HTTP 403 (ForbiddenException): No access"),
        "{err}"
    );
}

#[tokio::test]
async fn bad_answers_are_typed_errors_naming_the_endpoint() {
    for (fault, why) in [
        (Fault::Malformed, "not the expected JSON"),
        (Fault::Oversized(200 * 1024), "oversized response"),
        (Fault::Truncated, "connection failed"),
    ] {
        let rig = Rig::new().await;
        rig.session_token(3600);
        rig.sso.inject(fault.clone(), 3);
        let err = session_source().provide(&rig.cx).await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(why) && text.contains("127.0.0.1"),
            "{fault:?}: {text}"
        );
        assert_no_secret(&text);
    }
}

#[tokio::test]
async fn a_portal_that_never_answers_times_out() {
    let rig = Rig::new().await;
    rig.session_token(3600);
    rig.sso.inject(Fault::BlackHole, 5);
    let settings = HttpSettings {
        attempt_timeout: Duration::from_millis(100),
        total_timeout: Duration::from_millis(400),
        ..fast()
    };
    let err = session_source()
        .http_settings(settings)
        .provide(&rig.cx)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut, "{err}");
}

#[tokio::test]
async fn the_credentials_set_on_the_fake_are_what_comes_back() {
    let rig = Rig::new().await;
    rig.session_token(3600);
    rig.sso.set_role_credentials(
        ACCOUNT,
        ROLE,
        SsoRoleCredentials {
            access_key_id: "ASIAFIXEDSSO00000001".into(),
            secret_access_key: "fixed-secret".into(),
            session_token: "fixed-token".into(),
            lifetime: Duration::from_secs(900),
        },
    );
    let creds = session_source().provide(&rig.cx).await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIAFIXEDSSO00000001");
    assert_eq!(creds.session_token(), Some("fixed-token"));
}

#[tokio::test]
async fn aws_endpoint_url_serves_both_services_and_keeps_its_path() {
    let rig = Rig::new().await;
    let prefixed = format!("{}/prefix", rig.sso.endpoint());
    let cx = rig.cx.with_env(awsauth_core::MapEnv::from([
        ("HOME", HOME),
        ("AWS_ENDPOINT_URL", prefixed.as_str()),
    ]));
    rig.session_token(-1);
    session_source().provide(&cx).await.unwrap();
    let paths: Vec<String> = rig.sso.calls().into_iter().map(|c| c.path).collect();
    assert_eq!(paths, ["/prefix/token", "/prefix/federation/credentials"]);
}

#[tokio::test]
async fn plain_http_to_a_host_that_is_not_loopback_is_refused() {
    let rig = Rig::new().await;
    rig.session_token(3600);
    let cx = rig.cx.with_env(awsauth_core::MapEnv::from([
        ("HOME", HOME),
        ("AWS_ENDPOINT_URL_SSO", "http://sso.internal:8080"),
    ]));
    let err = session_source().provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(
        err.to_string()
            .contains("AWS_ENDPOINT_URL_SSO is http://sso.internal:8080/: plain http is refused"),
        "{err}"
    );
    assert_eq!(rig.sso.received_requests(), 0);
}

#[tokio::test]
async fn a_context_without_http_fails_loudly() {
    let rig = Rig::new().await;
    rig.session_token(3600);
    let closed = awsauth_core::Context::builder()
        .env(awsauth_core::MapEnv::from([
            ("HOME", HOME),
            ("AWS_ENDPOINT_URL_SSO", rig.sso.endpoint().as_str()),
        ]))
        .fs(rig.fs.clone())
        .clock(rig.clock.clone())
        .build();
    let err = session_source().provide(&closed).await.unwrap_err();
    assert!(err.to_string().contains("no HTTP client"), "{err}");
    assert!(!err.is_not_configured());
    assert_eq!(rig.sso.received_requests(), 0);
}
