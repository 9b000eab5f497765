//! Renewing through `FakeSignin`: the DPoP proof verified by a second implementation (ring),
//! the exact URL, the file written back atomically, and the service's refusals.

use std::time::Duration;

use awsauth_core::{Context, CredentialSource, ErrorKind, Fs, MapEnv, MemFs};
use awsauth_login::LoginSource;
use awsauth_testkit::{FakeSignin, Fault};

use crate::support::*;

async fn signin() -> FakeSignin {
    FakeSignin::start(REFRESH).await.unwrap()
}

#[tokio::test]
async fn credentials_near_expiry_are_renewed_with_a_verified_proof_and_written_back() {
    let captured = Captured::default();
    let _guard = captured.install();
    let fake = signin().await;
    let endpoint = fake.endpoint();
    // Four minutes left: inside the five-minute window.
    let (cx, fs, _clock) = cx_with(
        &cache_doc(240, SEC1_KEY),
        &[
            ("AWS_ENDPOINT_URL_SIGNIN", &endpoint),
            ("AWS_REGION", "us-west-2"),
        ],
    );
    let source = LoginSource::new(SESSION).profile("signin");
    let creds = source.provide(&cx).await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIAFAKESIGNIN000001");
    assert_eq!(
        creds.account_id(),
        Some("0123456789012"),
        "the account is kept"
    );
    assert_eq!(
        creds.expiry().unwrap(),
        start() + Duration::from_secs(900),
        "expiresAt is now + expiresIn"
    );
    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].error, None,
        "the fake refused the proof: {calls:?}"
    );
    assert_eq!(calls[0].htm.as_deref(), Some("POST"));
    assert_eq!(
        calls[0].htu.as_deref(),
        Some(format!("{endpoint}/v1/token").as_str())
    );

    // Written back: new tokens, everything else kept, mode 0600.
    let written: serde_json::Value =
        serde_json::from_slice(&fs.contents(CACHE_FILE).unwrap()).unwrap();
    assert_eq!(
        written["accessToken"]["accessKeyId"],
        "ASIAFAKESIGNIN000001"
    );
    assert_eq!(written["accessToken"]["accountId"], "0123456789012");
    assert_eq!(written["accessToken"]["expiresAt"], "2024-01-01T00:15:00Z");
    assert_eq!(written["refreshToken"], fake.refresh_token());
    assert_eq!(written["idToken"], ID_TOKEN);
    assert_eq!(written["dpopKey"], SEC1_KEY);
    assert_eq!(
        written["someFutureField"],
        serde_json::json!({"kept": true})
    );
    let meta = fs.metadata(std::path::Path::new(CACHE_FILE)).unwrap();
    assert_eq!(meta.mode, Some(0o600));

    // The next call reads the renewed file: no second request.
    source.provide(&cx).await.unwrap();
    assert_eq!(fake.tokens_issued(), 1);
    let logs = captured.text();
    assert!(
        logs.contains("renewed console sign-in credentials"),
        "{logs}"
    );
    assert_clean(&logs);
}

#[tokio::test]
async fn a_pkcs8_key_and_an_endpoint_with_a_path_prefix_work() {
    let fake = signin().await;
    let prefixed = format!("{}/pfx", fake.endpoint());
    let (cx, _fs, _clock) = cx_with(
        &cache_doc(-3600, PKCS8_KEY),
        &[("AWS_ENDPOINT_URL", &prefixed), ("AWS_REGION", "us-east-1")],
    );
    let creds = LoginSource::new(SESSION).provide(&cx).await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIAFAKESIGNIN000001");
    let call = &fake.calls()[0];
    assert_eq!(call.error, None, "{call:?}");
    assert_eq!(call.path, "/pfx/v1/token");
    assert_eq!(
        call.htu.as_deref(),
        Some(format!("{prefixed}/v1/token").as_str())
    );
}

#[tokio::test]
async fn sign_in_refusals_say_what_to_do_and_leak_nothing() {
    for (status, code, says, retried) in [
        (
            401,
            "TOKEN_EXPIRED",
            "the sign-in session has expired; run `aws login --profile signin`",
            false,
        ),
        (
            403,
            "USER_CREDENTIALS_CHANGED",
            "the password changed since the sign-in",
            false,
        ),
        (
            403,
            "INSUFFICIENT_PERMISSIONS",
            "may not call signin:CreateOAuth2Token",
            false,
        ),
        (
            500,
            "server_error",
            "answered 500 (InternalServerException server_error)",
            true,
        ),
    ] {
        let fake = signin().await;
        fake.refuse(Some((status, code)));
        let endpoint = fake.endpoint();
        let (cx, _fs, _clock) = cx_with(
            &cache_doc(-60, SEC1_KEY),
            &[
                ("AWS_ENDPOINT_URL_SIGNIN", &endpoint),
                ("AWS_REGION", "us-east-1"),
            ],
        );
        let source = LoginSource::new(SESSION)
            .profile("signin")
            .http_settings(fast_http());
        let err = source.provide(&cx).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");
        assert!(err.to_string().contains(says), "{code}: {err}");
        assert!(
            err.to_string().contains(&format!("{endpoint}/v1/token")),
            "{err}"
        );
        assert_eq!(err.is_retryable(), retried, "{err}");
        assert_eq!(fake.calls().len(), if retried { 3 } else { 1 }, "{code}");
        assert_clean(&format!("{err} {err:?}"));
    }
}

fn fast_http() -> awsauth_http::HttpSettings {
    awsauth_http::HttpSettings {
        initial_backoff: Duration::ZERO,
        max_backoff: Duration::ZERO,
        ..awsauth_http::HttpSettings::sts()
    }
}

#[tokio::test]
async fn a_failed_renewal_keeps_still_valid_credentials_and_fails_once_they_expired() {
    let fake = signin().await;
    fake.inject(Fault::Status(503), 100);
    let endpoint = fake.endpoint();
    let (cx, _fs, clock) = cx_with(
        &cache_doc(120, SEC1_KEY),
        &[
            ("AWS_ENDPOINT_URL_SIGNIN", &endpoint),
            ("AWS_REGION", "us-east-1"),
        ],
    );
    let source = LoginSource::new(SESSION).http_settings(fast_http());
    let creds = source.provide(&cx).await.unwrap();
    assert_eq!(
        creds.access_key_id(),
        "ASIACACHED",
        "still valid for two minutes"
    );
    clock.advance(Duration::from_secs(180));
    let err = source.provide(&cx).await.unwrap_err();
    assert!(err.to_string().contains("answered 503"), "{err}");
}

#[tokio::test]
async fn a_bad_dpop_key_is_named_and_no_request_is_sent() {
    let fake = signin().await;
    let endpoint = fake.endpoint();
    for key in [
        "not a key".to_owned(),
        // A valid PEM of another kind of key (an RSA label) is no EC key either.
        SEC1_KEY.replace("MHcCAQEEIImPrxP4", "MHcCAQEEIImPrxP5"),
        SEC1_KEY.replace("EC PRIVATE KEY", "RSA PRIVATE KEY"),
    ] {
        let (cx, _fs, _clock) = cx_with(
            &cache_doc(-60, &key),
            &[
                ("AWS_ENDPOINT_URL_SIGNIN", &endpoint),
                ("AWS_REGION", "us-east-1"),
            ],
        );
        let err = LoginSource::new(SESSION)
            .profile("signin")
            .provide(&cx)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains(&format!(
                "the dpopKey in {CACHE_FILE} is not an EC P-256 private key"
            )),
            "{err}"
        );
        assert_clean(&format!("{err} {err:?}"));
    }
    assert_eq!(fake.received_requests(), 0);
}

#[tokio::test]
async fn sign_in_region_picks_the_generated_endpoint() {
    // No HTTP client in the context: the error names the URL the call would have gone to.
    let mut doc = cache_doc(-60, SEC1_KEY);
    doc["signInRegion"] = "eu-west-1".into();
    let fs = MemFs::new();
    fs.insert(CACHE_FILE, doc.to_string());
    let cx = Context::builder()
        .env(MapEnv::from([
            ("HOME", "/home/u"),
            ("AWS_REGION", "us-west-2"),
        ]))
        .fs(fs)
        .clock(std::sync::Arc::new(awsauth_core::ManualClock::at(start())))
        .build();
    let err = LoginSource::new(SESSION).provide(&cx).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("https://eu-west-1.signin.aws.amazon.com/v1/token"),
        "{err}"
    );
    // Without it, the environment's region.
    doc.as_object_mut().unwrap().remove("signInRegion");
    cx.fs()
        .write_atomic(
            std::path::Path::new(CACHE_FILE),
            doc.to_string().as_bytes(),
            0o600,
        )
        .unwrap();
    let err = LoginSource::new(SESSION).provide(&cx).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("https://us-west-2.signin.aws.amazon.com/v1/token"),
        "{err}"
    );
}

#[tokio::test]
async fn a_read_only_cache_still_answers_the_renewed_credentials() {
    let fake = signin().await;
    let endpoint = fake.endpoint();
    let (cx, fs, _clock) = cx_with(
        &cache_doc(-60, SEC1_KEY),
        &[
            ("AWS_ENDPOINT_URL_SIGNIN", &endpoint),
            ("AWS_REGION", "us-east-1"),
        ],
    );
    fs.set_read_only(true);
    let creds = LoginSource::new(SESSION).provide(&cx).await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIAFAKESIGNIN000001");
}
