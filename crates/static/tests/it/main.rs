//! Behaviour of the static sources as a user of the crate sees it.
#![allow(clippy::unwrap_used)]

use awsauth_core::{Chain, Context, CredentialSource, ErrorKind, MapEnv, SecretString, only};
use awsauth_static::{EnvSource, StaticSource};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLETOKEN";

fn cx(vars: &[(&str, &str)]) -> Context {
    Context::builder()
        .env(
            vars.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<MapEnv>(),
        )
        .build()
}

#[tokio::test]
async fn env_reads_all_four_variables() {
    let cx = cx(&[
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_SESSION_TOKEN", TOKEN),
        ("AWS_ACCOUNT_ID", "123456789012"),
    ]);
    let creds = EnvSource::new().provide(&cx).await.unwrap();
    assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
    assert_eq!(creds.secret_access_key(), SECRET);
    assert_eq!(creds.session_token(), Some(TOKEN));
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert_eq!(creds.expiry(), None);
    assert_eq!(creds.provenance().to_string(), "env");
}

#[tokio::test]
async fn env_unset_or_blank_is_not_configured() {
    for vars in [
        &[][..],
        &[("AWS_ACCESS_KEY_ID", " "), ("AWS_SECRET_ACCESS_KEY", "")][..],
    ] {
        let err = EnvSource::new().provide(&cx(vars)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotConfigured, "{err}");
        assert!(
            err.to_string()
                .contains("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
        );
    }
}

#[tokio::test]
async fn env_half_a_pair_names_the_missing_variable_and_stops_a_chain() {
    let err = EnvSource::new()
        .provide(&cx(&[("AWS_SECRET_ACCESS_KEY", SECRET)]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert_eq!(
        err.to_string(),
        "env: invalid configuration: AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"
    );
    assert!(!format!("{err} {err:?}").contains(SECRET));

    // A half-configured env must not silently fall back to the next source.
    let chain = Chain::new("default")
        .or_else(EnvSource::new())
        .or_else(StaticSource::new("AKIDFALLBACK", "other"));
    let err = chain
        .provide(&cx(&[("AWS_ACCESS_KEY_ID", "AKID")]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(
        err.to_string()
            .contains("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
    );
}

#[tokio::test]
async fn blank_session_token_is_ignored() {
    let cx = cx(&[
        ("AWS_ACCESS_KEY_ID", "AKID"),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_SESSION_TOKEN", "  "),
    ]);
    assert_eq!(
        EnvSource::new().provide(&cx).await.unwrap().session_token(),
        None
    );
}

#[tokio::test]
async fn keys_auth_type_without_keys_fails_with_a_helpful_message() {
    let keys = only(
        StaticSource::from_parts(None, None)
            .named("keys")
            .field_names("accessKey", "secretKey"),
    )
    .selected_as("auth type `keys`");
    let err = keys.provide(&cx(&[])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert_eq!(
        err.to_string(),
        "keys: invalid configuration: auth type `keys` selected but accessKey and secretKey are not set (no fallback)"
    );
}

#[tokio::test]
async fn static_source_carries_token_expiry_and_account() {
    let expiry = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(2_000_000_000);
    let source = StaticSource::from_parts(Some(" AKID ".into()), Some(SecretString::from(SECRET)))
        .session_token(TOKEN)
        .expiry(expiry)
        .account_id("123456789012")
        .named("keys");
    let creds = source.provide(&cx(&[])).await.unwrap();
    assert_eq!(creds.access_key_id(), "AKID");
    assert_eq!(creds.session_token(), Some(TOKEN));
    assert_eq!(creds.expiry(), Some(expiry));
    assert_eq!(creds.provenance().to_string(), "keys");
    let printed = format!("{source:?} {creds:?}");
    assert!(
        !printed.contains(SECRET) && !printed.contains(TOKEN),
        "{printed}"
    );
}

#[tokio::test]
async fn explain_reports_status_without_secrets() {
    let lines = Chain::new("default")
        .or_else(EnvSource::new())
        .or_else(StaticSource::from_parts(Some("AKID".into()), None))
        .explain(&cx(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ]));
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].status, awsauth_core::Status::Configured);
    assert_eq!(lines[1].status, awsauth_core::Status::Invalid);
    assert_eq!(
        lines[1].reason,
        "access key id is set but secret access key is not"
    );
}
