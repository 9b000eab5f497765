//! The credentials JSON document AWS's credential endpoints and helpers share: IMDS's
//! `security-credentials` answer, the ECS / EKS Pod Identity agents' answer and
//! `credential_process` output. One shape, read once; each source decides which fields it
//! requires and how it words a refusal.

use std::fmt;
use std::time::SystemTime;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::timefmt::{self, InvalidTimestamp};
use crate::{SecretString, account_of_arn};

/// A credentials document, deserialized with any serde format (the sources use `serde_json`).
/// Field names are matched exactly (PascalCase); unknown fields (`LastUpdated`, `Type`…) are
/// ignored. Secrets are [`SecretString`]s from the start: nothing here prints them.
///
/// ```
/// use awsauth_core::CredentialsDocument;
/// let doc: CredentialsDocument = serde_json::from_str(r#"{"AccessKeyId":" AKID ",
///     "SecretAccessKey":"s","Expiration":"2030-01-01T00:00:00Z",
///     "RoleArn":"arn:aws:iam::123456789012:role/task"}"#).unwrap();
/// let (key_id, _secret) = doc.keys().unwrap();
/// assert_eq!(key_id, "AKID");
/// assert!(doc.expiry().unwrap().is_some());
/// assert_eq!(doc.account().as_deref(), Some("123456789012"));
/// let empty: CredentialsDocument = serde_json::from_str("{}").unwrap();
/// assert_eq!(empty.keys().unwrap_err().to_string(), "AccessKeyId");
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct CredentialsDocument {
    /// `Version` (`credential_process`: must be the number 1).
    pub version: Option<DocumentVersion>,
    /// `Code` (IMDS: `Success`, or why not).
    pub code: Option<String>,
    /// `Message` (IMDS, with a failing `Code`).
    pub message: Option<String>,
    /// `AccessKeyId`.
    pub access_key_id: Option<String>,
    /// `SecretAccessKey`.
    #[serde(default)]
    pub secret_access_key: Option<SecretString>,
    /// `Token` (IMDS and the container agents).
    #[serde(default)]
    pub token: Option<SecretString>,
    /// `SessionToken` (`credential_process`).
    #[serde(default)]
    pub session_token: Option<SecretString>,
    /// `Expiration`, RFC 3339.
    pub expiration: Option<String>,
    /// `AccountId`.
    pub account_id: Option<String>,
    /// `RoleArn` (the container agents), where the account comes from when `AccountId` is absent.
    pub role_arn: Option<String>,
}

/// Which of the two required fields a document lacks (absent or blank).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingField(pub &'static str);

impl fmt::Display for MissingField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl CredentialsDocument {
    /// `AccessKeyId` (trimmed) and `SecretAccessKey`, or the first of them that is absent or
    /// blank.
    pub fn keys(&self) -> Result<(String, SecretString), MissingField> {
        let key_id = self
            .access_key_id
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or(MissingField("AccessKeyId"))?;
        let secret = self
            .secret_access_key
            .clone()
            .filter(|s| !s.is_blank())
            .ok_or(MissingField("SecretAccessKey"))?;
        Ok((key_id.to_owned(), secret))
    }

    /// `Expiration`, read; `None` when absent or blank.
    pub fn expiry(&self) -> Result<Option<SystemTime>, InvalidTimestamp> {
        match self
            .expiration
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            Some(text) => timefmt::parse_rfc3339(text).map(Some),
            None => Ok(None),
        }
    }

    /// `AccountId` (trimmed, non-blank), else the account of `RoleArn`.
    pub fn account(&self) -> Option<String> {
        self.account_id
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .or_else(|| {
                self.role_arn
                    .as_deref()
                    .and_then(account_of_arn)
                    .map(str::to_owned)
            })
    }
}

/// A document's `Version`, as far as a reader needs it: a number, or what else it was.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum DocumentVersion {
    /// A JSON number (`1` and `1.0` alike are `1.0`).
    Number(f64),
    /// A string.
    String,
    /// `true` or `false`.
    Bool,
    /// A list or an object.
    Other,
}

impl<'de> Deserialize<'de> for DocumentVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Kind;
        impl<'de> Visitor<'de> for Kind {
            type Value = DocumentVersion;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a version")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(DocumentVersion::Number(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(DocumentVersion::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(DocumentVersion::Number(v))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(DocumentVersion::String)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(DocumentVersion::Bool)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(DocumentVersion::Other)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(DocumentVersion::Other)
            }
        }
        deserializer.deserialize_any(Kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> CredentialsDocument {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn versions_blanks_and_accounts_read_as_each_source_needs() {
        let version = |v: &str| doc(&format!(r#"{{"Version":{v}}}"#)).version;
        assert_eq!(version("1"), Some(DocumentVersion::Number(1.0)));
        assert_eq!(version("1.0"), Some(DocumentVersion::Number(1.0)));
        assert_eq!(version("-2"), Some(DocumentVersion::Number(-2.0)));
        assert_eq!(version("\"1\""), Some(DocumentVersion::String));
        assert_eq!(version("true"), Some(DocumentVersion::Bool));
        assert_eq!(version("[1,{}]"), Some(DocumentVersion::Other));
        assert_eq!(version("{\"a\":[]}"), Some(DocumentVersion::Other));
        assert_eq!(version("null"), None);

        let blank = doc(r#"{"AccessKeyId":"  ","SecretAccessKey":"s","Expiration":" "}"#);
        assert_eq!(blank.keys().unwrap_err(), MissingField("AccessKeyId"));
        assert_eq!(blank.expiry().unwrap(), None);
        let no_secret = doc(r#"{"AccessKeyId":"A","SecretAccessKey":" "}"#);
        assert_eq!(
            no_secret.keys().unwrap_err(),
            MissingField("SecretAccessKey")
        );
        assert!(doc(r#"{"Expiration":"yesterday"}"#).expiry().is_err());

        let arn = r#""RoleArn":"arn:aws:iam::123456789012:role/r""#;
        assert_eq!(
            doc(&format!("{{{arn}}}")).account().as_deref(),
            Some("123456789012")
        );
        assert_eq!(
            doc(&format!(r#"{{"AccountId":" 210987654321 ",{arn}}}"#))
                .account()
                .as_deref(),
            Some("210987654321")
        );
        assert_eq!(doc(r#"{"AccountId":" "}"#).account(), None);
    }

    #[test]
    fn debug_never_shows_the_secrets() {
        let d = doc(r#"{"SecretAccessKey":"SECRET-1","Token":"TOKEN-2","SessionToken":"TOKEN-3"}"#);
        let shown = format!("{d:?}");
        assert!(
            !shown.contains("SECRET-1") && !shown.contains("TOKEN-2") && !shown.contains("TOKEN-3")
        );
    }
}
