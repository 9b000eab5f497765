//! Parsing IMDS answers: the role listing and the credentials document.

use awsauth_core::{CredentialError, Credentials, CredentialsDocument};

use crate::SOURCE_NAME;

/// Turns a credentials document into [`Credentials`]. `url` names where it came from (errors
/// name it; they never quote the body, which holds secrets).
pub(crate) fn credentials(
    body: &[u8],
    role: &str,
    url: &str,
) -> Result<Credentials, CredentialError> {
    let failed =
        |what: String| CredentialError::provider_failed(SOURCE_NAME, format!("GET {url}: {what}"));
    // The document of `/latest/meta-data/iam/security-credentials[-extended]/<role>`.
    let doc: CredentialsDocument = serde_json::from_slice(body).map_err(|e| {
        // serde_json's messages give a line and column, never the input itself.
        failed(format!("the credentials document is not valid JSON ({e})"))
    })?;
    if let Some(code) = doc.code.as_deref().map(str::trim)
        && code != "Success"
    {
        let code: String = code.chars().take(64).collect();
        let message = doc
            .message
            .as_deref()
            .map(|m| format!(": {}", m.chars().take(256).collect::<String>()))
            .unwrap_or_default();
        return Err(failed(format!(
            "IMDS answered Code `{code}` for role `{role}`{message}"
        ))
        .with_code(code));
    }
    let missing = |field: &str| failed(format!("the credentials document has no {field}"));
    let (key_id, secret) = doc.keys().map_err(|field| missing(field.0))?;
    // IMDS credentials always expire: an absent Expiration is a broken document.
    let expiry = doc
        .expiry()
        .map_err(|e| failed(format!("its Expiration is unreadable: {e}")))?
        .ok_or_else(|| missing("Expiration"))?;
    Ok(Credentials::builder(key_id, secret)
        .maybe_session_token(doc.token)
        .expiry(expiry)
        .maybe_account_id(doc.account_id.map(|a| a.trim().to_owned()))
        .provenance(format!("imds:role/{role}"))
        .build())
}

/// Reads an IMDS credentials document (the body of
/// `GET /latest/meta-data/iam/security-credentials[-extended]/<role>`) as [`ImdsSource`] does.
///
/// `role` goes into the provenance (`imds:role/<role>`) and the messages; `url` names where the
/// body came from. Errors are [`ProviderFailed`](CredentialError::ProviderFailed) naming `url`
/// and the missing or unreadable field, never quoting the body (it holds secrets). A document
/// whose `Code` is not `Success` is an error carrying that code. Never panics.
///
/// ```
/// let body = br#"{"Code":"Success","AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"s3cr3t",
///   "Token":"t0k3n","Expiration":"2030-01-01T00:00:00Z","AccountId":"123456789012"}"#;
/// let url = "http://169.254.169.254/latest/meta-data/iam/security-credentials-extended/web";
/// let creds = awsauth_imds::parse_credentials(body, "web", url).unwrap();
/// assert_eq!(creds.account_id(), Some("123456789012"));
/// let err = awsauth_imds::parse_credentials(b"{\"AccessKeyId\":\"A\"}", "web", url).unwrap_err();
/// assert!(err.to_string().contains(url) && err.to_string().contains("SecretAccessKey"));
/// ```
///
/// [`ImdsSource`]: crate::ImdsSource
pub fn parse_credentials(
    body: &[u8],
    role: &str,
    url: &str,
) -> Result<Credentials, CredentialError> {
    credentials(body, role, url)
}

/// Reads a role listing (the body of `GET /latest/meta-data/iam/security-credentials/`): its
/// first non-blank line, if that is an IAM role name. `None` for anything else. Never panics.
///
/// ```
/// assert_eq!(awsauth_imds::parse_role_listing(b"web-role\n").as_deref(), Some("web-role"));
/// assert_eq!(awsauth_imds::parse_role_listing(b"../etc/passwd"), None);
/// ```
pub fn parse_role_listing(body: &[u8]) -> Option<String> {
    role_listing(body)
}

/// The role name from a role listing: its first non-blank line.
pub(crate) fn role_listing(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let first = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    is_role_name(first).then(|| first.to_owned())
}

/// IAM role names: 1–64 characters of letters, digits and `+=,.@_-`; not `.` or `..`, which
/// a URL path reads as "this" or "the parent" directory instead of a role.
pub(crate) fn is_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use awsauth_core::timefmt;
    use proptest::prelude::*;

    const GOOD: &str = r#"{"Code":"Success","LastUpdated":"2024-01-01T00:00:00Z","Type":"AWS-HMAC",
        "AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"sekrit/KEY","Token":"tok",
        "Expiration":"2024-01-01T06:00:00Z","AccountId":"123456789012"}"#;

    #[test]
    fn a_complete_document_parses() {
        let c = credentials(GOOD.as_bytes(), "web", "u").unwrap();
        assert_eq!(c.access_key_id(), "ASIAEXAMPLE");
        assert_eq!(c.secret_access_key(), "sekrit/KEY");
        assert_eq!(c.session_token(), Some("tok"));
        assert_eq!(c.account_id(), Some("123456789012"));
        assert_eq!(
            timefmt::rfc3339(c.expiry().unwrap()),
            "2024-01-01T06:00:00Z"
        );
        assert_eq!(c.provenance().to_string(), "imds:role/web");
    }

    #[test]
    fn errors_never_quote_the_body() {
        let body = r#"{"AccessKeyId":"AKID","SecretAccessKey":"sekrit-value","Expiration":"soon"}"#;
        let err = credentials(body.as_bytes(), "r", "u").unwrap_err();
        assert!(err.to_string().contains("Expiration"), "{err}");
        assert!(!err.to_string().contains("sekrit"), "{err}");
        let err = credentials(br#"{"SecretAccessKey":"sekrit-value",}"#, "r", "u").unwrap_err();
        assert!(!err.to_string().contains("sekrit"), "{err}");
    }

    #[test]
    fn role_listings() {
        assert_eq!(
            role_listing(b"\n  my-role+x \nother\n").as_deref(),
            Some("my-role+x")
        );
        assert_eq!(role_listing(b""), None);
        assert_eq!(role_listing(b"has space"), None);
        assert_eq!(role_listing(b"../../etc"), None);
        assert_eq!(role_listing(&[0xff, 0xfe]), None);
    }

    /// What every outcome promises: credentials with a key id, a secret and an expiry; or a
    /// `ProviderFailed` error naming the URL and quoting nothing of the body.
    fn kept_its_promises(
        outcome: Result<Credentials, CredentialError>,
        body: &[u8],
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        match outcome {
            Ok(c) => {
                proptest::prop_assert!(!c.access_key_id().trim().is_empty());
                proptest::prop_assert!(!c.secret_access_key().trim().is_empty());
                proptest::prop_assert!(c.expiry().is_some());
                proptest::prop_assert_eq!(c.provenance().to_string(), "imds:role/r");
            }
            Err(e) => {
                proptest::prop_assert_eq!(e.kind(), awsauth_core::ErrorKind::ProviderFailed);
                proptest::prop_assert!(e.message().starts_with("GET the-url: "), "{}", e);
                let quoted = String::from_utf8_lossy(body).contains("sekrit/KEY")
                    && e.to_string().contains("sekrit/KEY");
                proptest::prop_assert!(!quoted, "the error quotes the secret: {}", e);
            }
        }
        Ok(())
    }

    #[test]
    fn dot_segments_are_not_role_names() {
        for listing in [&b".\n"[..], b"..", b"  ..  \nweb-role"] {
            assert_eq!(role_listing(listing), None, "{listing:?}");
        }
        assert_eq!(role_listing(b"web.role").as_deref(), Some("web.role"));
        assert_eq!(role_listing(b"...").as_deref(), Some("..."));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_give_credentials_or_a_clean_error(
            body in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            kept_its_promises(credentials(&body, "r", "the-url"), &body)?;
            if let Some(role) = role_listing(&body) {
                proptest::prop_assert!(is_role_name(&role), "{:?}", role);
            }
        }

        #[test]
        fn odd_values_are_refused_and_plain_ones_read_as_written(
            code in proptest::option::of("[A-Za-z]{0,10}"),
            key in proptest::option::of(".{0,20}"),
            expiration in proptest::option::of(".{0,40}"),
            number in any::<i64>(),
        ) {
            // A secret that is not a string is never credentials.
            let doc = serde_json::json!({
                "Code": code, "AccessKeyId": key, "SecretAccessKey": number,
                "Expiration": expiration, "Token": [number], "AccountId": {"x": number},
            });
            let outcome = credentials(doc.to_string().as_bytes(), "r", "the-url");
            proptest::prop_assert!(outcome.is_err());
            kept_its_promises(outcome, b"")?;
            let doc = serde_json::json!({
                "Code": code, "AccessKeyId": key, "SecretAccessKey": "s",
                "Expiration": expiration,
            });
            let outcome = credentials(doc.to_string().as_bytes(), "r", "the-url");
            let readable = code.as_deref().is_none_or(|c| c.trim() == "Success")
                && key.as_deref().is_some_and(|k| !k.trim().is_empty())
                && expiration.as_deref().is_some_and(|e| timefmt::parse_rfc3339(e).is_ok());
            proptest::prop_assert_eq!(outcome.is_ok(), readable, "{:?}", outcome);
            if let Ok(c) = &outcome {
                proptest::prop_assert_eq!(Some(c.access_key_id()), key.as_deref().map(str::trim));
            }
            kept_its_promises(outcome, b"")?;
        }

        #[test]
        fn a_mutated_document_gives_credentials_or_a_clean_error_and_a_cut_one_an_error(
            cut in 0usize..400,
            byte in any::<u8>(),
        ) {
            let mut body = GOOD.as_bytes().to_vec();
            let at = cut % body.len();
            body[at] = byte;
            kept_its_promises(credentials(&body, "r", "the-url"), &body)?;
            let cut_short = credentials(&GOOD.as_bytes()[..at], "r", "the-url");
            proptest::prop_assert!(cut_short.is_err(), "a document cut at {} parsed", at);
            kept_its_promises(cut_short, &GOOD.as_bytes()[..at])?;
        }
    }
}
