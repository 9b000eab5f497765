//! Bad cache files: each is a typed error naming the file (and the field), ending with how to
//! get a good one; no request is made, nothing leaks, nothing panics.

use awsauth_core::{CredentialSource, ErrorKind};
use awsauth_sso::{MAX_CACHE_FILE_BYTES, parse_cached_token};
use proptest::prelude::*;

use crate::support::*;

async fn error_for(contents: &[u8]) -> String {
    let rig = Rig::new().await;
    let path = cache_path(SESSION);
    rig.fs.insert(&path, contents);
    let err = session_source().provide(&rig.cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");
    assert_eq!(rig.sso.received_requests(), 0, "{err}");
    let text = err.to_string();
    assert!(text.contains(&path), "{text}");
    assert!(
        text.ends_with("run `aws sso login --sso-session corp`"),
        "{text}"
    );
    assert_no_secret(&text);
    text
}

#[tokio::test]
async fn malformed_and_truncated_json() {
    let good = token_json(std::time::SystemTime::now(), 3600, true);
    let text = error_for(&good.as_bytes()[..good.len() / 2]).await;
    assert!(
        text.contains("is not a JSON object (EOF while parsing"),
        "{text}"
    );
    let text = error_for(b"{\"accessToken\": \"cached-access-token-SECRET-1\",,}").await;
    assert!(text.contains("is not a JSON object"), "{text}");
    let text = error_for(b"[1, 2]").await;
    assert!(text.contains("is not a JSON object"), "{text}");
}

#[tokio::test]
async fn not_utf8() {
    let text = error_for(b"{\"accessToken\":\"\xff\xfe\",\"expiresAt\":\"x\"}").await;
    assert!(text.contains("is not UTF-8 text"), "{text}");
}

#[tokio::test]
async fn a_100_mb_file_is_refused_without_being_read() {
    let mut huge = vec![b' '; 100 * 1024 * 1024];
    huge[0] = b'{';
    let text = error_for(&huge).await;
    assert!(
        text.contains(&format!("is larger than {MAX_CACHE_FILE_BYTES} bytes")),
        "{text}"
    );
}

#[tokio::test]
async fn foreign_timestamps_and_missing_fields() {
    for (expires, shown) in [
        ("2030-01-01 00:00:00", "2030-01-01 00:00:00"),
        ("2030-01-01T00:00:00UTC", "2030-01-01T00:00:00UTC"),
        ("1893456000", "1893456000"),
    ] {
        let doc = format!(r#"{{"accessToken":"{ACCESS_TOKEN}","expiresAt":"{expires}"}}"#);
        let text = error_for(doc.as_bytes()).await;
        assert!(
            text.contains(&format!(
                "has a `expiresAt` that is not an RFC 3339 timestamp like 2024-01-01T00:00:00Z: \"{shown}\""
            )),
            "{text}"
        );
    }
    let text = error_for(
        format!(r#"{{"accessToken":"{ACCESS_TOKEN}","expiresAt":1893456000}}"#).as_bytes(),
    )
    .await;
    assert!(
        text.contains("has a `expiresAt` that is not a string"),
        "{text}"
    );
    let text = error_for(br#"{"expiresAt":"2030-01-01T00:00:00Z"}"#).await;
    assert!(text.contains("has no `accessToken`"), "{text}");
    let text = error_for(format!(r#"{{"accessToken":"{ACCESS_TOKEN}"}}"#).as_bytes()).await;
    assert!(text.contains("has no `expiresAt`"), "{text}");
}

#[tokio::test]
async fn a_directory_where_the_file_should_be_is_unreadable_not_missing() {
    let rig = Rig::new().await;
    let dir = std::env::temp_dir().join(format!("awsauth-sso-test-{}", std::process::id()));
    let path = dir.join(awsauth_sso::cache_file_name(SESSION));
    std::fs::create_dir_all(&path).unwrap();
    let cx = rig.cx.with_fs(awsauth_core::SystemFs);
    let err = session_source()
        .cache_dir(&dir)
        .provide(&cx)
        .await
        .unwrap_err();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        err.to_string().contains("cannot be read")
            && err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]
    /// Any bytes: a token or an error naming the file, never a panic.
    #[test]
    fn the_parser_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let path = std::path::Path::new("/c.json");
        if let Err(err) = parse_cached_token(&bytes, path) {
            prop_assert!(err.to_string().contains("/c.json"));
        }
    }
}
