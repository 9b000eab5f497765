//! Reading what a `credential_process` prints: the JSON document of the AWS SDKs' process
//! credentials format.

use std::time::SystemTime;

use awsauth_core::{Credentials, CredentialsDocument, DocumentVersion, MissingField, timefmt};

/// What is wrong with a program's output. Never quotes a secret field, nor the output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProcessOutputError {
    /// Not UTF-8.
    #[error("its output is not UTF-8 text")]
    NotUtf8,
    /// Not one JSON object.
    #[error("its output is not a JSON object ({reason})")]
    NotJson {
        /// The parser's reason, without the input (line and column).
        reason: String,
    },
    /// `Version` is absent.
    #[error("its output has no Version (it must be 1)")]
    MissingVersion,
    /// `Version` is not the number 1.
    #[error("its output has Version {found}; only Version 1 is supported")]
    UnsupportedVersion {
        /// What was found, described (`2`, `a string`).
        found: String,
    },
    /// A required field is absent or blank.
    #[error("its output has no {field}")]
    MissingField {
        /// `AccessKeyId` or `SecretAccessKey`.
        field: &'static str,
    },
    /// `Expiration` is not RFC 3339.
    #[error("its output's Expiration is not an RFC 3339 timestamp")]
    BadExpiration,
    /// The credentials had expired before they were printed (by this machine's clock).
    #[error(
        "it printed credentials that expired at {expired} (now is {now} by this machine's clock; if the program's credentials are fresh, check the clock)"
    )]
    Expired {
        /// The `Expiration` printed.
        expired: String,
        /// Now, by the context's clock.
        now: String,
    },
}

/// Reads a `credential_process` output as the AWS SDKs define it: a JSON object with
/// `Version` (the number 1), `AccessKeyId`, `SecretAccessKey`, and optionally `SessionToken`,
/// `Expiration` (RFC 3339; absent means the keys do not expire) and `AccountId` (else
/// `account_id`, the profile's `aws_account_id`). Field names are matched exactly; unknown
/// fields are ignored. Credentials whose `Expiration` is not after `now` are an error.
///
/// `provenance` becomes the credentials' provenance. Errors never quote the output.
///
/// ```
/// use std::time::SystemTime;
/// let out = br#"{"Version": 1, "AccessKeyId": "AKIDEXAMPLE", "SecretAccessKey": "s3cr3t",
///   "SessionToken": "t0k3n", "Expiration": "2124-01-01T00:00:00Z"}"#;
/// let creds = awsauth_process::parse_output(out, Some("123456789012"), SystemTime::now(), "process:helper").unwrap();
/// assert_eq!(creds.account_id(), Some("123456789012"));
/// let err = awsauth_process::parse_output(br#"{"Version": 2}"#, None, SystemTime::now(), "p").unwrap_err();
/// assert_eq!(err.to_string(), "its output has Version 2; only Version 1 is supported");
/// ```
pub fn parse_output(
    stdout: &[u8],
    account_id: Option<&str>,
    now: SystemTime,
    provenance: &str,
) -> Result<Credentials, ProcessOutputError> {
    let text = std::str::from_utf8(stdout).map_err(|_| ProcessOutputError::NotUtf8)?;
    let doc: CredentialsDocument =
        serde_json::from_str(text).map_err(|e| ProcessOutputError::NotJson {
            reason: json_reason(&e),
        })?;
    match doc.version {
        None => return Err(ProcessOutputError::MissingVersion),
        // 1 and 1.0 alike, as both SDKs accept.
        Some(DocumentVersion::Number(1.0)) => {}
        Some(DocumentVersion::Number(n)) => {
            return Err(ProcessOutputError::UnsupportedVersion {
                found: n.to_string().chars().take(20).collect(),
            });
        }
        Some(other) => {
            return Err(ProcessOutputError::UnsupportedVersion {
                found: match other {
                    DocumentVersion::String => "as a string (it must be the number 1)",
                    DocumentVersion::Bool => "as a boolean",
                    _ => "as a list or object",
                }
                .to_owned(),
            });
        }
    }
    let (access_key_id, secret_access_key) = doc
        .keys()
        .map_err(|MissingField(field)| ProcessOutputError::MissingField { field })?;
    let expires = doc
        .expiry()
        .map_err(|_| ProcessOutputError::BadExpiration)?;
    if let Some(expires) = expires
        && expires <= now
    {
        return Err(ProcessOutputError::Expired {
            expired: timefmt::rfc3339(expires),
            now: timefmt::rfc3339(now),
        });
    }
    // The output's account wins over the profile's; a blank one falls back (as botocore).
    let account = doc
        .account_id
        .filter(|a| !a.trim().is_empty())
        .or_else(|| account_id.map(str::to_owned));
    Ok(Credentials::builder(access_key_id, secret_access_key)
        .maybe_session_token(doc.session_token.filter(|t| !t.is_blank()))
        .maybe_expiry(expires)
        .maybe_account_id(account)
        .provenance(provenance)
        .build())
}

/// serde_json's reason without anything of the input: its category, line and column.
fn json_reason(err: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match err.classify() {
        Category::Io => "unreadable",
        Category::Syntax => "syntax error",
        Category::Data => "a field has the wrong type",
        Category::Eof => "it ends early",
    };
    format!("{what} at line {} column {}", err.line(), err.column())
}
