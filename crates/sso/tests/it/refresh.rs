//! Token refresh through SSO OIDC: when (aws-config's 5-minute window), what is written back
//! (atomically, mode 0600), what happens when it fails, and that it is single-flight.

use std::sync::Arc;
use std::time::Duration;

use awsauth_core::{CredentialSource, Fs, timefmt};
use awsauth_sso::{MIN_TIME_BETWEEN_REFRESH, REFRESH_WINDOW, SsoSource, parse_cached_token};
use awsauth_testkit::Fault;

use crate::support::*;

#[tokio::test]
async fn a_token_outside_the_window_is_used_as_it_is() {
    let rig = Rig::new().await;
    rig.session_token(REFRESH_WINDOW.as_secs() as i64 + 60);
    session_source().provide(&rig.cx).await.unwrap();
    assert_eq!(rig.sso.successful("CreateToken"), 0);
    assert_eq!(rig.fs.writes(), 1, "nothing written back");
}

#[tokio::test]
async fn a_token_inside_the_window_is_refreshed_and_written_back_atomically() {
    let rig = Rig::new().await;
    let path = rig.session_token(REFRESH_WINDOW.as_secs() as i64 - 10);
    rig.sso.revoke_access_token(ACCESS_TOKEN); // only the refreshed token works at the portal
    rig.sso.set_token_lifetime(Duration::from_secs(28_800));
    let creds = session_source().provide(&rig.cx).await.unwrap();
    assert_eq!(creds.account_id(), Some(ACCOUNT));

    let calls = rig.sso.calls();
    assert_eq!(
        calls.iter().map(|c| c.operation).collect::<Vec<_>>(),
        ["CreateToken", "GetRoleCredentials"]
    );
    assert_eq!(calls[0].grant_type.as_deref(), Some("refresh_token"));
    assert_eq!(calls[0].client_id.as_deref(), Some(CLIENT_ID));
    assert_eq!(calls[0].path, "/token");

    let (access, refresh) = rig.sso.last_issued().unwrap();
    let written = rig.contents(&path);
    assert_eq!(written["accessToken"], access.as_str());
    assert_eq!(written["refreshToken"], refresh.unwrap().as_str());
    assert_eq!(written["clientId"], CLIENT_ID);
    assert_eq!(written["clientSecret"], CLIENT_SECRET);
    assert_eq!(written["region"], REGION);
    assert_eq!(written["startUrl"], START_URL);
    let expires = timefmt::parse_rfc3339(written["expiresAt"].as_str().unwrap()).unwrap();
    let left = expires.duration_since(rig.now()).unwrap();
    assert!(left > Duration::from_secs(28_700), "{left:?}");
    // aws-config's layout: compact, its key order.
    let text = String::from_utf8(rig.fs.contents(&path).unwrap()).unwrap();
    assert!(text.starts_with(r#"{"accessToken":""#), "{text}");
    let meta = rig.fs.metadata(std::path::Path::new(&path)).unwrap();
    assert_eq!(meta.mode, Some(0o600));
    assert_eq!(rig.fs.writes(), 2, "one atomic write");
    // The file reads back with our own parser (and the SDKs' layout).
    parse_cached_token(text.as_bytes(), std::path::Path::new(&path)).unwrap();
}

#[tokio::test]
async fn without_a_new_refresh_token_the_old_one_is_kept() {
    let rig = Rig::new().await;
    let path = rig.session_token(-30);
    rig.sso.keep_refresh_tokens(true);
    session_source().provide(&rig.cx).await.unwrap();
    assert_eq!(rig.contents(&path)["refreshToken"], REFRESH_TOKEN);
}

#[tokio::test]
async fn invalid_grant_while_the_token_is_valid_uses_it_and_warns() {
    let rig = Rig::new().await;
    let path = rig.session_token(120);
    rig.sso.revoke_refresh_token(REFRESH_TOKEN);
    let (logs, _guard) = Logs::start();
    let creds = session_source().provide(&rig.cx).await.unwrap();
    assert_eq!(creds.account_id(), Some(ACCOUNT));
    let calls = rig.sso.calls();
    assert_eq!(calls[0].error.as_deref(), Some("InvalidGrantException"));
    let text = logs.text();
    assert!(
        text.contains("WARN")
            && text.contains("refreshing the SSO token through SSO OIDC CreateToken")
            && text.contains("invalid_grant"),
        "{text}"
    );
    assert_no_secret(&text);
    // The file is left as it was.
    assert_eq!(rig.contents(&path)["accessToken"], ACCESS_TOKEN);
}

#[tokio::test]
async fn invalid_grant_after_expiry_is_an_error_that_says_to_log_in() {
    let rig = Rig::new().await;
    rig.session_token(-120);
    rig.sso.revoke_refresh_token(REFRESH_TOKEN);
    let err = session_source().provide(&rig.cx).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("expired at")
            && text.contains("refreshing it through SSO OIDC CreateToken at http://127.0.0.1:")
            && text.contains(
                "HTTP 400 invalid_grant (InvalidGrantException): Invalid refresh token provided"
            )
            && text.ends_with("run `aws sso login --sso-session corp`"),
        "{text}"
    );
    assert_no_secret(&text);
    assert_eq!(rig.sso.successful("GetRoleCredentials"), 0);
}

#[tokio::test]
async fn an_expired_client_registration_cannot_refresh() {
    let rig = Rig::new().await;
    let mut doc: serde_json::Value =
        serde_json::from_str(&token_json(rig.now(), -10, true)).unwrap();
    doc["registrationExpiresAt"] = at(rig.now(), -1).into();
    rig.cache(SESSION, &doc.to_string());
    let err = session_source().provide(&rig.cx).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("its client registration (registrationExpiresAt) has expired"),
        "{err}"
    );
    assert_eq!(rig.sso.received_requests(), 0);
}

#[tokio::test]
async fn one_source_tries_at_most_once_per_30_seconds() {
    let rig = Rig::new().await;
    rig.session_token(200);
    rig.sso.revoke_refresh_token(REFRESH_TOKEN);
    let source = session_source();
    source.provide(&rig.cx).await.unwrap();
    source.provide(&rig.cx).await.unwrap();
    let refreshes = |rig: &Rig| {
        rig.sso
            .calls()
            .iter()
            .filter(|c| c.operation == "CreateToken")
            .count()
    };
    assert_eq!(refreshes(&rig), 1);
    rig.clock
        .advance(MIN_TIME_BETWEEN_REFRESH + Duration::from_secs(1));
    source.provide(&rig.cx).await.unwrap();
    assert_eq!(refreshes(&rig), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshes_of_one_cache_file_are_single_flight() {
    let rig = Rig::new().await;
    rig.session_token(-5);
    // A slow refresh, so every caller arrives while it runs.
    rig.sso.inject(Fault::Delay(Duration::from_millis(300)), 1);
    // Separate sources (two data sources with the same profile, say) share the file.
    let sources: Vec<Arc<SsoSource>> = (0..8).map(|_| Arc::new(session_source())).collect();
    let tasks: Vec<_> = sources
        .iter()
        .map(|source| {
            let source = Arc::clone(source);
            let cx = rig.cx.clone();
            tokio::spawn(async move { source.provide(&cx).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let creates = rig
        .sso
        .calls()
        .iter()
        .filter(|c| c.operation == "CreateToken")
        .count();
    assert_eq!(creates, 1, "{:?}", rig.sso.calls());
    assert_eq!(rig.sso.successful("GetRoleCredentials"), 8);
}

#[tokio::test]
async fn a_cache_that_cannot_be_written_still_serves_the_refreshed_token() {
    let rig = Rig::new().await;
    let path = rig.session_token(-5);
    rig.fs.set_read_only(true);
    rig.sso.revoke_access_token(ACCESS_TOKEN);
    let (logs, _guard) = Logs::start();
    session_source().provide(&rig.cx).await.unwrap();
    assert!(
        logs.text().contains("could not write it back to the cache"),
        "{}",
        logs.text()
    );
    assert_eq!(
        rig.contents(&path)["accessToken"],
        ACCESS_TOKEN,
        "the file is untouched"
    );
}

#[tokio::test]
async fn oidc_server_errors_are_retried() {
    let rig = Rig::new().await;
    rig.session_token(-5);
    rig.sso.inject(
        Fault::JsonError {
            code: "InternalServerException".into(),
            status: 500,
        },
        2,
    );
    session_source().provide(&rig.cx).await.unwrap();
    assert_eq!(rig.sso.successful("CreateToken"), 1);
    assert_eq!(
        rig.sso.received_requests(),
        4,
        "3 CreateToken attempts, 1 GetRoleCredentials"
    );
}
