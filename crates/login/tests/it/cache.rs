//! Reading the cache: where the file is, fresh credentials, every missing field, files that
//! are not tokens.

use awsauth_core::{Context, CredentialSource, ErrorKind, MapEnv, MemFs};
use awsauth_login::{LoginSource, cache_file_name};

use crate::support::*;

#[tokio::test]
async fn fresh_credentials_come_from_the_cache_without_a_request() {
    let (cx, _fs, _clock) = cx_with(&cache_doc(3600, SEC1_KEY), &[]);
    let source = LoginSource::new(SESSION).profile("signin");
    let creds = source.provide(&cx).await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIACACHED");
    assert_eq!(creds.secret_access_key(), format!("{SECRET}-key"));
    assert_eq!(
        creds.session_token(),
        Some(format!("{SECRET}-session").as_str())
    );
    assert_eq!(creds.account_id(), Some("0123456789012"));
    assert_eq!(creds.provenance().to_string(), format!("login:{SESSION}"));
    assert_clean(&format!("{source:?} {:?}", source.explain(&cx)));
}

#[tokio::test]
async fn the_cache_directory_follows_aws_login_cache_directory() {
    assert_eq!(
        cache_file_name("arn:aws:sts::012345678910:assumed-role/Admin/admin"),
        "4b0ba8f99f075c0633e122fd73346ce203a3faf18ea0310eb2d29df1bab2e255.json"
    );
    let fs = MemFs::new();
    fs.insert(
        format!("/tmp/login-cache/{}", cache_file_name(SESSION)),
        cache_doc(3600, SEC1_KEY).to_string(),
    );
    let cx = Context::builder()
        .env(MapEnv::from([(
            "AWS_LOGIN_CACHE_DIRECTORY",
            "/tmp/login-cache",
        )]))
        .fs(fs)
        .build();
    let creds = LoginSource::new(SESSION).provide(&cx).await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIACACHED");
}

#[tokio::test]
async fn a_missing_file_says_to_run_aws_login() {
    let (cx, fs, _clock) = cx_with(&cache_doc(3600, SEC1_KEY), &[]);
    fs.remove(CACHE_FILE);
    let err = LoginSource::new(SESSION)
        .profile("signin")
        .provide(&cx)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    assert_eq!(
        err.to_string(),
        format!(
            "profile:signin: profile \"signin\": console sign-in session {SESSION}: no cached login token at {CACHE_FILE}; run `aws login --profile signin`"
        )
    );
    let no_home = Context::builder().build();
    let err = LoginSource::new(SESSION)
        .provide(&no_home)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(
        err.to_string().contains("AWS_LOGIN_CACHE_DIRECTORY"),
        "{err}"
    );
}

#[tokio::test]
async fn every_missing_field_is_named_and_nothing_secret_is_quoted() {
    for (path, field) in [
        ("accessToken", "accessToken"),
        ("accessToken.accessKeyId", "accessToken.accessKeyId"),
        ("accessToken.secretAccessKey", "accessToken.secretAccessKey"),
        ("accessToken.sessionToken", "accessToken.sessionToken"),
        ("accessToken.accountId", "accessToken.accountId"),
        ("accessToken.expiresAt", "accessToken.expiresAt"),
        ("clientId", "clientId"),
        ("refreshToken", "refreshToken"),
        ("dpopKey", "dpopKey"),
    ] {
        let mut doc = cache_doc(3600, SEC1_KEY);
        match path.split_once('.') {
            Some((outer, inner)) => {
                doc[outer].as_object_mut().unwrap().remove(inner);
            }
            None => {
                doc.as_object_mut().unwrap().remove(path);
            }
        }
        let (cx, _fs, _clock) = cx_with(&doc, &[]);
        let err = LoginSource::new(SESSION)
            .profile("signin")
            .provide(&cx)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ProviderFailed);
        assert!(
            err.to_string().contains(&format!("the login token cache file {CACHE_FILE} has no {field}; run `aws login --profile signin`")),
            "{field}: {err}"
        );
        assert_clean(&format!("{err} {err:?}"));
    }
    // idToken is optional.
    let mut doc = cache_doc(3600, SEC1_KEY);
    doc.as_object_mut().unwrap().remove("idToken");
    let (cx, _fs, _clock) = cx_with(&doc, &[]);
    assert!(LoginSource::new(SESSION).provide(&cx).await.is_ok());
}

#[tokio::test]
async fn files_that_are_not_tokens_are_named() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            format!("{{\"refreshToken\": \"{REFRESH}\"").into_bytes(),
            "is not a JSON object (line 1 column",
        ),
        (b"\xff\xfe{}".to_vec(), "is not UTF-8 text"),
        (
            {
                let mut doc = cache_doc(3600, SEC1_KEY);
                doc["accessToken"]["expiresAt"] = "next tuesday".into();
                doc.to_string().into_bytes()
            },
            "has an accessToken.expiresAt that is not an RFC 3339 timestamp",
        ),
        (
            vec![b' '; 100 * 1024 * 1024 / 1024],
            "is larger than 65536 bytes",
        ),
    ];
    for (bytes, says) in cases {
        let (cx, fs, _clock) = cx_with(&cache_doc(3600, SEC1_KEY), &[]);
        fs.insert(CACHE_FILE, &bytes);
        let err = LoginSource::new(SESSION).provide(&cx).await.unwrap_err();
        assert!(err.to_string().contains(says), "{says}: {err}");
        assert!(err.to_string().contains(CACHE_FILE), "{err}");
        assert_clean(&err.to_string());
    }
}

#[test]
fn plan_and_explain_read_and_call_nothing() {
    // No file, no HTTP: plan and explain still answer.
    let cx = Context::builder()
        .env(MapEnv::from([("HOME", "/home/u")]))
        .build();
    let source = LoginSource::new(SESSION).profile("signin");
    assert_eq!(
        serde_json::to_value(source.plan(&cx).unwrap()).unwrap(),
        serde_json::json!([{"step": "login", "login_session": SESSION}])
    );
    assert!(source.explain(&cx)[0].reason.contains(CACHE_FILE));
}
