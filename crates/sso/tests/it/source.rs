//! Both profile forms end to end, what plan and explain say without the network, and the
//! errors of a missing or expired token.

use std::time::Duration;

use awsauth_core::{Context, CredentialSource, ErrorKind, MapEnv, Status};
use awsauth_sso::SsoSource;
use awsauth_testkit::SsoRoleCredentials;

use crate::support::*;

#[tokio::test]
async fn the_session_form_reads_the_token_cached_under_the_session_name() {
    let rig = Rig::new().await;
    rig.session_token(3600);
    let creds = session_source().provide(&rig.cx).await.unwrap();
    let expected = SsoRoleCredentials::derived(ACCOUNT, ROLE);
    assert_eq!(creds.access_key_id(), expected.access_key_id);
    assert_eq!(creds.secret_access_key(), expected.secret_access_key);
    assert_eq!(creds.session_token(), Some(expected.session_token.as_str()));
    assert_eq!(creds.account_id(), Some(ACCOUNT));
    assert_eq!(creds.provenance().to_string(), "sso:123456789012/ReadOnly");
    let left = creds.expiry().unwrap().duration_since(rig.now()).unwrap();
    assert!(
        left > Duration::from_secs(3500) && left <= Duration::from_secs(3600),
        "{left:?}"
    );
    let calls = rig.sso.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].operation, "GetRoleCredentials");
    assert_eq!(calls[0].account_id.as_deref(), Some(ACCOUNT));
    assert_eq!(calls[0].role_name.as_deref(), Some(ROLE));
    assert_eq!(calls[0].bearer_token_len, Some(ACCESS_TOKEN.len()));
    assert_eq!(calls[0].path, "/federation/credentials");
    assert_no_secret(&format!("{:?}", session_source()));
}

#[tokio::test]
async fn the_legacy_form_reads_the_token_cached_under_the_start_url() {
    let rig = Rig::new().await;
    rig.cache(START_URL, &token_json(rig.now(), 3600, false));
    let creds = legacy_source().provide(&rig.cx).await.unwrap();
    assert_eq!(creds.account_id(), Some(ACCOUNT));
    assert_eq!(rig.sso.successful("GetRoleCredentials"), 1);
    // The session form does not see the legacy form's file (nor the reverse).
    let err = session_source().provide(&rig.cx).await.unwrap_err();
    assert!(err.to_string().contains(&cache_path(SESSION)), "{err}");
}

#[tokio::test]
async fn a_missing_token_says_which_file_and_how_to_log_in() {
    let rig = Rig::new().await;
    let err = session_source().provide(&rig.cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    assert_eq!(
        err.to_string(),
        format!(
            "sso: there is no SSO token for sso-session corp at {} (not logged in, or the cache \
             was cleared); run `aws sso login --sso-session corp`",
            cache_path(SESSION)
        )
    );
    let err = legacy_source()
        .named("profile:dev")
        .provide(&rig.cx)
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "profile:dev: there is no SSO token for start URL https://corp.awsapps.com/start"
        ) && err
            .to_string()
            .ends_with("run `aws sso login --profile dev`"),
        "{err}"
    );
    assert_eq!(rig.sso.received_requests(), 0);
}

#[tokio::test]
async fn an_expired_token_without_a_refresh_token_is_refused_without_a_request() {
    let rig = Rig::new().await;
    let path = rig.cache(SESSION, &token_json(rig.now(), -60, false));
    let err = session_source().provide(&rig.cx).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&format!("the SSO token in {path} expired at "))
            && text.contains(
                "cannot be refreshed (it has no refreshToken, clientId and clientSecret)"
            )
            && text.ends_with("run `aws sso login --sso-session corp`"),
        "{text}"
    );
    // The legacy form never refreshes; an expired token is refused here too, as botocore does.
    rig.cache(START_URL, &token_json(rig.now(), -1, true));
    let err = legacy_source().provide(&rig.cx).await.unwrap_err();
    assert!(
        err.to_string().contains("expired at")
            && err
                .to_string()
                .ends_with("run `aws sso login --profile dev`"),
        "{err}"
    );
    assert_eq!(rig.sso.received_requests(), 0);
    assert_no_secret(&text);
}

#[tokio::test]
async fn plan_and_explain_need_no_network_and_refresh_nothing() {
    let rig = Rig::new().await;
    rig.session_token(60); // inside the refresh window
    // A context that cannot reach any network: explain and plan must still answer.
    let offline = Context::builder()
        .env(MapEnv::from([("HOME", HOME)]))
        .fs(rig.fs.clone())
        .clock(rig.clock.clone())
        .build();
    let source = session_source().registration_scopes("sso:account:access");
    let plan = source.plan(&offline).unwrap();
    assert_eq!(
        serde_json::to_value(&plan).unwrap(),
        serde_json::json!([{
            "step": "sso",
            "sso_session": SESSION,
            "sso_start_url": START_URL,
            "sso_region": REGION,
            "sso_account_id": ACCOUNT,
            "sso_role_name": ROLE,
            "sso_registration_scopes": "sso:account:access",
        }])
    );
    let lines = source.explain(&offline);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].status, Status::Configured);
    assert!(
        lines[0]
            .reason
            .contains("will be refreshed through SSO OIDC first"),
        "{}",
        lines[0].reason
    );
    assert_eq!(rig.sso.received_requests(), 0);
    assert_eq!(rig.fs.writes(), 1, "explain wrote nothing");

    // Explain tells a missing or dead token apart from a good one.
    let lines = legacy_source().explain(&offline);
    assert_eq!(lines[0].status, Status::Invalid);
    assert!(
        lines[0].reason.contains("aws sso login --profile dev"),
        "{}",
        lines[0].reason
    );
    rig.session_token(7200);
    let lines = source.explain(&offline);
    assert_eq!(lines[0].status, Status::Configured);
    assert!(
        lines[0].reason.contains("valid until"),
        "{}",
        lines[0].reason
    );
    rig.cache(SESSION, &token_json(rig.now(), -5, false));
    assert_eq!(source.explain(&offline)[0].status, Status::Invalid);
}

#[tokio::test]
async fn the_home_directory_is_needed_to_find_the_cache() {
    let cx = Context::builder().build();
    let err = session_source().provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(err.to_string().contains("HOME is not set"), "{err}");
    let source = session_source().cache_dir("/elsewhere");
    assert_eq!(
        source.cache_file(&cx).unwrap(),
        std::path::Path::new("/elsewhere").join(awsauth_sso::cache_file_name(SESSION))
    );
}

#[tokio::test]
async fn settings_that_cannot_be_sent_are_refused_before_any_request() {
    let rig = Rig::new().await;
    rig.session_token(3600);
    for (source, key) in [
        (
            SsoSource::with_session(SESSION, START_URL, "eu west 1", ACCOUNT, ROLE),
            "sso_region",
        ),
        (
            SsoSource::with_session(SESSION, START_URL, REGION, " ", ROLE),
            "sso_account_id",
        ),
        (
            SsoSource::with_session(SESSION, START_URL, REGION, ACCOUNT, ""),
            "sso_role_name",
        ),
    ] {
        let err = source.provide(&rig.cx).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
        assert!(err.to_string().contains(key), "{err}");
    }
    assert_eq!(rig.sso.received_requests(), 0);
}

#[tokio::test]
async fn credentials_already_expired_by_this_clock_point_at_the_clock() {
    let rig = Rig::new().await;
    rig.session_token(30 * 86_400);
    rig.clock.advance(Duration::from_secs(7 * 86_400));
    let err = session_source().provide(&rig.cx).await.unwrap_err();
    assert!(err.is_retryable());
    assert!(err.to_string().contains("check the system clock"), "{err}");
}

/// A host clock 70 minutes ahead of the portal's: one-hour credentials would look expired on
/// arrival by it. The portal's `Date` header corrects the judgment, and the expiry is handed
/// on on the host's clock (issue 18).
#[tokio::test]
async fn a_host_clock_ahead_of_the_portal_does_not_expire_credentials_on_arrival() {
    let rig = Rig::new().await;
    rig.clock.advance(Duration::from_secs(70 * 60));
    rig.session_token(3600);
    let creds = session_source().provide(&rig.cx).await.unwrap();
    let left = creds.expiry().unwrap().duration_since(rig.now()).unwrap();
    assert!(
        left > Duration::from_secs(59 * 60) && left <= Duration::from_secs(3605),
        "{left:?} left by the host's clock"
    );
}
