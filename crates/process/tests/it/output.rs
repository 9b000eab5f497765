//! `parse_output`: the process credentials format, field by field.

use std::time::{Duration, SystemTime};

use awsauth_process::{ProcessOutputError, parse_output};

use crate::support::{SECRET, good_output};

fn now() -> SystemTime {
    // 2024-01-01T00:00:00Z
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200)
}

fn parse(text: &str) -> Result<awsauth_core::Credentials, ProcessOutputError> {
    parse_output(
        text.as_bytes(),
        Some("999999999999"),
        now(),
        "process:helper",
    )
}

#[test]
fn a_full_document_gives_expiring_credentials() {
    let creds = parse(&good_output()).unwrap();
    assert_eq!(creds.access_key_id(), "ASIAPROCESS");
    assert_eq!(creds.secret_access_key(), format!("{SECRET}-key"));
    assert_eq!(
        creds.session_token(),
        Some(format!("{SECRET}-token").as_str())
    );
    assert_eq!(
        awsauth_core::timefmt::rfc3339(creds.expiry().unwrap()),
        "2124-01-01T00:00:00Z"
    );
    assert_eq!(creds.provenance().to_string(), "process:helper");
    // No AccountId in the output: the profile's aws_account_id.
    assert_eq!(creds.account_id(), Some("999999999999"));
}

#[test]
fn without_expiration_the_keys_are_long_term_and_the_output_account_wins() {
    let creds = parse(
        r#"{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"s","AccountId":"123456789012","Extra":[1,2]}"#,
    )
    .unwrap();
    assert_eq!(creds.expiry(), None);
    assert_eq!(creds.session_token(), None);
    assert_eq!(creds.account_id(), Some("123456789012"));
    // A blank AccountId falls back to the profile's, as botocore does.
    let creds = parse(r#"{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"s","AccountId":""}"#)
        .unwrap();
    assert_eq!(creds.account_id(), Some("999999999999"));
}

#[test]
fn version_must_be_the_number_one() {
    assert!(parse(r#"{"Version":1.0,"AccessKeyId":"A","SecretAccessKey":"s"}"#).is_ok());
    for (doc, message) in [
        (
            r#"{"Version":2,"AccessKeyId":"A","SecretAccessKey":"s"}"#,
            "its output has Version 2; only Version 1 is supported",
        ),
        (
            r#"{"Version":"1","AccessKeyId":"A","SecretAccessKey":"s"}"#,
            "its output has Version as a string (it must be the number 1); only Version 1 is supported",
        ),
        (
            r#"{"AccessKeyId":"A","SecretAccessKey":"s"}"#,
            "its output has no Version (it must be 1)",
        ),
    ] {
        assert_eq!(parse(doc).unwrap_err().to_string(), message, "{doc}");
    }
}

#[test]
fn missing_or_blank_keys_are_named() {
    assert_eq!(
        parse(r#"{"Version":1,"SecretAccessKey":"s"}"#).unwrap_err(),
        ProcessOutputError::MissingField {
            field: "AccessKeyId"
        }
    );
    assert_eq!(
        parse(&format!(
            r#"{{"Version":1,"AccessKeyId":"A","SecretAccessKey":"  ","SessionToken":"{SECRET}"}}"#
        ))
        .unwrap_err(),
        ProcessOutputError::MissingField {
            field: "SecretAccessKey"
        }
    );
}

#[test]
fn expired_output_is_an_error_that_points_at_the_clock() {
    let err = parse(
        r#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"2023-12-31T23:00:00Z"}"#,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "it printed credentials that expired at 2023-12-31T23:00:00Z (now is 2024-01-01T00:00:00Z by this machine's clock; if the program's credentials are fresh, check the clock)"
    );
    // An offset is RFC 3339 too.
    assert!(parse(r#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"2124-01-01T02:00:00+02:00"}"#).is_ok());
    assert_eq!(
        parse(r#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"tomorrow"}"#)
            .unwrap_err(),
        ProcessOutputError::BadExpiration
    );
}

#[test]
fn junk_is_named_without_quoting_it() {
    for junk in [
        format!("{SECRET} not json"),
        format!(r#"{{"Version":1,"AccessKeyId":"A","SecretAccessKey":"{SECRET}""#),
        format!(r#"[{{"SecretAccessKey":"{SECRET}"}}]"#),
        format!(r#"{{"Version":1,"AccessKeyId":"A","SecretAccessKey":"{SECRET}"}} trailing"#),
        format!(r#"{{"Version":1,"AccessKeyId":7,"SecretAccessKey":"{SECRET}"}}"#),
    ] {
        let err = parse(&junk).unwrap_err();
        assert!(
            matches!(err, ProcessOutputError::NotJson { .. }),
            "{junk}: {err:?}"
        );
        assert!(!format!("{err} {err:?}").contains(SECRET), "{err}");
    }
    assert_eq!(
        parse_output(b"\xff\xfe{}", None, now(), "p").unwrap_err(),
        ProcessOutputError::NotUtf8
    );
}
