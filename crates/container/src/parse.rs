//! Parsing the credentials document and error bodies served by the ECS and EKS agents.

use awsauth_core::{CredentialError, Credentials, CredentialsDocument};
use serde::Deserialize;

use crate::SOURCE_NAME;

/// `{"Code": …, "Message": …}` (either case).
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(alias = "Code")]
    code: Option<String>,
    #[serde(alias = "Message")]
    message: Option<String>,
}

/// Reads a container credentials document (what the ECS agent or the EKS Pod Identity agent
/// answers) as [`ContainerSource`] does: `AccessKeyId` and `SecretAccessKey` required, `Token`,
/// `Expiration` (RFC 3339), `AccountId` optional, the account taken from `RoleArn` when
/// `AccountId` is absent.
///
/// `url` names where the body came from and `provenance` becomes the credentials' provenance.
/// Errors are [`ProviderFailed`](CredentialError::ProviderFailed) naming `url` and the field,
/// never quoting the body (it holds secrets). Never panics.
///
/// ```
/// let body = br#"{"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"s3cr3t","Token":"t0k3n",
///   "Expiration":"2030-01-01T00:00:00Z","RoleArn":"arn:aws:iam::123456789012:role/task"}"#;
/// let url = "http://169.254.170.23/v1/credentials";
/// let creds = awsauth_container::parse_credentials(body, url, "container:eks").unwrap();
/// assert_eq!(creds.account_id(), Some("123456789012"));
/// let err = awsauth_container::parse_credentials(b"[]", url, "container:eks").unwrap_err();
/// assert!(err.to_string().contains(url));
/// ```
///
/// [`ContainerSource`]: crate::ContainerSource
pub fn parse_credentials(
    body: &[u8],
    url: &str,
    provenance: &str,
) -> Result<Credentials, CredentialError> {
    credentials(body, url, provenance)
}

/// Reads an agent's error body, `{"Code": …, "Message": …}` in either letter case: the code
/// (at most 64 characters) and the message (at most 256), each `None` when absent or blank.
/// Anything else gives `(None, None)`. Never panics.
///
/// ```
/// let (code, message) = awsauth_container::parse_error_body(br#"{"code":"AccessDenied","message":"no"}"#);
/// assert_eq!((code.as_deref(), message.as_deref()), (Some("AccessDenied"), Some("no")));
/// assert_eq!(awsauth_container::parse_error_body(b"<html>"), (None, None));
/// ```
pub fn parse_error_body(body: &[u8]) -> (Option<String>, Option<String>) {
    error_body(body)
}

/// Turns a credentials document into [`Credentials`]; errors name `url`, never quote the body.
pub(crate) fn credentials(
    body: &[u8],
    url: &str,
    provenance: &str,
) -> Result<Credentials, CredentialError> {
    let failed =
        |what: String| CredentialError::provider_failed(SOURCE_NAME, format!("GET {url}: {what}"));
    let doc: CredentialsDocument = serde_json::from_slice(body)
        .map_err(|e| failed(format!("the credentials document is not valid JSON ({e})")))?;
    let (key_id, secret) = doc
        .keys()
        .map_err(|field| failed(format!("the credentials document has no {field}")))?;
    let expiry = doc
        .expiry()
        .map_err(|e| failed(format!("its Expiration is unreadable: {e}")))?;
    let account = doc.account();
    Ok(Credentials::builder(key_id, secret)
        .maybe_session_token(doc.token)
        .maybe_expiry(expiry)
        .maybe_account_id(account)
        .provenance(provenance)
        .build())
}

/// The service's error code and message, if the body is such a document.
pub(crate) fn error_body(body: &[u8]) -> (Option<String>, Option<String>) {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => (
            e.code
                .map(|c| c.trim().chars().take(64).collect())
                .filter(|c: &String| !c.is_empty()),
            e.message
                .map(|m| m.trim().chars().take(256).collect())
                .filter(|m: &String| !m.is_empty()),
        ),
        Err(_) => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awsauth_core::timefmt;
    use proptest::prelude::*;
    use proptest::test_runner::TestCaseError;

    #[test]
    fn ecs_document_parses_and_account_comes_from_the_role_arn() {
        let body = br#"{"AccessKeyId":"ASIAX","SecretAccessKey":"s","Token":"t",
            "Expiration":"2030-01-01T00:00:00Z","RoleArn":"arn:aws:iam::123456789012:role/task"}"#;
        let c = credentials(body, "u", "container:ecs").unwrap();
        assert_eq!(c.account_id(), Some("123456789012"));
        assert_eq!(c.session_token(), Some("t"));
        assert_eq!(c.provenance().to_string(), "container:ecs");
    }

    #[test]
    fn expiration_is_optional_but_must_be_readable() {
        let c = credentials(br#"{"AccessKeyId":"A","SecretAccessKey":"s"}"#, "u", "p").unwrap();
        assert_eq!(c.expiry(), None);
        let err = credentials(
            br#"{"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"later"}"#,
            "u",
            "p",
        )
        .unwrap_err();
        assert!(err.to_string().contains("Expiration"), "{err}");
    }

    #[test]
    fn error_bodies_in_either_case() {
        assert_eq!(
            error_body(br#"{"Code":"AccessDenied","Message":"no"}"#),
            (Some("AccessDenied".into()), Some("no".into()))
        );
        assert_eq!(
            error_body(br#"{"code":"InvalidIdentifier","message":"bad"}"#),
            (Some("InvalidIdentifier".into()), Some("bad".into()))
        );
        assert_eq!(error_body(b"<html>"), (None, None));
    }

    /// What every outcome promises: credentials with a key id and a secret; or a
    /// `ProviderFailed` error naming the URL.
    fn kept_its_promises(
        outcome: Result<Credentials, CredentialError>,
    ) -> Result<(), TestCaseError> {
        match outcome {
            Ok(c) => {
                prop_assert!(!c.access_key_id().trim().is_empty());
                prop_assert!(!c.secret_access_key().trim().is_empty());
                prop_assert_eq!(c.provenance().to_string(), "container:p");
            }
            Err(e) => {
                prop_assert_eq!(e.kind(), awsauth_core::ErrorKind::ProviderFailed);
                prop_assert!(e.message().starts_with("GET the-url: "), "{}", e);
            }
        }
        Ok(())
    }

    /// An error body's code and message are cut to 64 and 256 characters, never blank.
    fn bounded((code, message): (Option<String>, Option<String>)) -> Result<(), TestCaseError> {
        prop_assert!(
            code.as_deref()
                .is_none_or(|c| !c.is_empty() && c.chars().count() <= 64)
        );
        prop_assert!(
            message
                .as_deref()
                .is_none_or(|m| !m.is_empty() && m.chars().count() <= 256)
        );
        Ok(())
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_give_credentials_or_a_clean_error(
            body in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            kept_its_promises(credentials(&body, "the-url", "container:p"))?;
            bounded(error_body(&body))?;
        }

        #[test]
        fn odd_values_are_refused_and_plain_ones_read_as_written(
            key in proptest::option::of(".{0,20}"),
            expiration in proptest::option::of(".{0,40}"),
            arn in proptest::option::of("[a-z0-9:/]{0,40}"),
            number in any::<i64>(),
            long in ".{0,300}",
        ) {
            // A token that is not a string, a secret that is not one: never credentials.
            let doc = serde_json::json!({
                "AccessKeyId": key, "SecretAccessKey": "s", "Expiration": expiration,
                "RoleArn": arn, "Token": number,
            });
            let outcome = credentials(doc.to_string().as_bytes(), "the-url", "container:p");
            prop_assert!(outcome.is_err());
            kept_its_promises(outcome)?;
            let doc = serde_json::json!({"AccessKeyId": key, "SecretAccessKey": [number], "RoleArn": arn});
            let outcome = credentials(doc.to_string().as_bytes(), "the-url", "container:p");
            prop_assert!(outcome.is_err());
            kept_its_promises(outcome)?;
            // Plain strings: credentials exactly when the key id is there and the expiry (if
            // any) reads.
            let doc = serde_json::json!({
                "AccessKeyId": key, "SecretAccessKey": "s", "Expiration": expiration, "RoleArn": arn,
            });
            let outcome = credentials(doc.to_string().as_bytes(), "the-url", "container:p");
            let readable = key.as_deref().is_some_and(|k| !k.trim().is_empty())
                && expiration.as_deref().map(str::trim).is_none_or(|e| {
                    e.is_empty() || timefmt::parse_rfc3339(e).is_ok()
                });
            prop_assert_eq!(outcome.is_ok(), readable, "{:?}", outcome);
            if let Ok(c) = &outcome {
                prop_assert_eq!(Some(c.access_key_id()), key.as_deref().map(str::trim));
            }
            kept_its_promises(outcome)?;
            let doc = serde_json::json!({"code": number.to_string(), "Message": long});
            let (code, message) = error_body(doc.to_string().as_bytes());
            prop_assert_eq!(code, Some(number.to_string()));
            let expected: String = long.trim().chars().take(256).collect();
            prop_assert_eq!(message, Some(expected).filter(|m| !m.is_empty()));
            bounded(error_body(doc.to_string().as_bytes()))?;
        }
    }
}
