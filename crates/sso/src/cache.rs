//! The SSO token cache: `~/.aws/sso/cache/<sha1 hex>.json`, the file `aws sso login` writes
//! and the SDKs read.
//!
//! The name is the lower-case SHA-1 hex digest of the UTF-8 bytes of the session name (for a
//! profile with `sso_session`) or of the start URL (the legacy form), untrimmed. The file is
//! one JSON object; keys are matched without regard to case and unknown keys are ignored, as
//! aws-config reads it. It is rewritten in aws-config's layout (compact, its key order,
//! timestamps in RFC 3339 UTC) with only the known keys.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use awsauth_core::{REDACTED, SecretString, timefmt};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

/// The cache's place below the home directory.
pub const CACHE_DIR: &str = ".aws/sso/cache";

/// The largest cache file read: a token file is a few kilobytes; anything bigger is not one,
/// and is refused without reading it all.
pub const MAX_CACHE_FILE_BYTES: u64 = 1024 * 1024;

/// The cache file's name for `key` (a session name or a start URL): `<sha1 hex>.json`.
///
/// ```
/// assert_eq!(awsauth_sso::cache_file_name("admin"), "d033e22ae348aeb5660fc2140aec35850c4da997.json");
/// assert_eq!(
///     awsauth_sso::cache_file_name("https://d-92671207e4.awsapps.com/start"),
///     "13f9d35043871d073ab260e020f0ffde092cb14b.json"
/// );
/// ```
pub fn cache_file_name(key: &str) -> String {
    let digest = Sha1::digest(key.as_bytes());
    let mut name = String::with_capacity(45);
    for byte in digest.iter() {
        name.push(char::from(HEX[usize::from(byte >> 4)]));
        name.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    name.push_str(".json");
    name
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The cache file for `key` in `dir`.
pub fn cache_file(dir: &Path, key: &str) -> PathBuf {
    dir.join(cache_file_name(key))
}

/// A token from the cache. The access token, the refresh token and the client secret are
/// [`SecretString`]s: `Debug` shows none of them.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CachedToken {
    /// `accessToken`: what GetRoleCredentials takes.
    pub access_token: SecretString,
    /// `expiresAt`.
    pub expires_at: SystemTime,
    /// `refreshToken` (session form, after `aws sso login`).
    pub refresh_token: Option<SecretString>,
    /// `clientId`: the OIDC client registered by `aws sso login`.
    pub client_id: Option<String>,
    /// `clientSecret`.
    pub client_secret: Option<SecretString>,
    /// `registrationExpiresAt`: when the client registration (and so refreshing) ends.
    pub registration_expires_at: Option<SystemTime>,
    /// `region` (informational).
    pub region: Option<String>,
    /// `startUrl` (informational).
    pub start_url: Option<String>,
}

impl CachedToken {
    /// A token with only an access token and its expiry.
    pub fn new(access_token: impl Into<SecretString>, expires_at: SystemTime) -> Self {
        Self {
            access_token: access_token.into(),
            expires_at,
            refresh_token: None,
            client_id: None,
            client_secret: None,
            registration_expires_at: None,
            region: None,
            start_url: None,
        }
    }

    /// The refresh inputs, if all are there and the client registration has not expired at
    /// `now`; else why not (for messages).
    pub(crate) fn refresh_inputs(
        &self,
        now: SystemTime,
    ) -> Result<(&str, &SecretString, &SecretString), &'static str> {
        let (Some(client_id), Some(secret), Some(refresh)) = (
            self.client_id.as_deref(),
            self.client_secret.as_ref(),
            self.refresh_token.as_ref(),
        ) else {
            return Err("it has no refreshToken, clientId and clientSecret");
        };
        match self.registration_expires_at {
            None => Err("it has no registrationExpiresAt"),
            Some(at) if at <= now => {
                Err("its client registration (registrationExpiresAt) has expired")
            }
            Some(_) => Ok((client_id, secret, refresh)),
        }
    }

    /// The file's bytes, in aws-config's layout: compact JSON, keys in the order accessToken,
    /// expiresAt, refreshToken, clientId, clientSecret, registrationExpiresAt, region,
    /// startUrl; absent ones left out. The buffer is wiped when dropped and sized up front, so
    /// it never reallocates and leaves no copy of a secret behind.
    pub fn to_json(&self) -> Zeroizing<Vec<u8>> {
        let expires_at = timefmt::rfc3339(self.expires_at);
        let registration = self.registration_expires_at.map(timefmt::rfc3339);
        let fields: [(&str, Option<&str>); 8] = [
            ("accessToken", Some(self.access_token.expose_secret())),
            ("expiresAt", Some(&expires_at)),
            (
                "refreshToken",
                self.refresh_token.as_ref().map(SecretString::expose_secret),
            ),
            ("clientId", self.client_id.as_deref()),
            (
                "clientSecret",
                self.client_secret.as_ref().map(SecretString::expose_secret),
            ),
            ("registrationExpiresAt", registration.as_deref()),
            ("region", self.region.as_deref()),
            ("startUrl", self.start_url.as_deref()),
        ];
        // Worst case: every byte of a value escaped as \u00XX (6 bytes), plus quotes, colon
        // and comma.
        let capacity = 2 + fields
            .iter()
            .filter_map(|(k, v)| v.map(|v| k.len() + 6 * v.len() + 6))
            .sum::<usize>();
        let mut out = Zeroizing::new(Vec::with_capacity(capacity));
        out.push(b'{');
        let mut first = true;
        for (key, value) in fields {
            let Some(value) = value else { continue };
            if !first {
                out.push(b',');
            }
            first = false;
            out.push(b'"');
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":");
            escape_into(&mut out, value);
        }
        out.push(b'}');
        out
    }
}

/// A JSON string literal of `value`, appended.
fn escape_into(out: &mut Vec<u8>, value: &str) {
    out.push(b'"');
    for c in value.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            c if (c as u32) < 0x20 => {
                let code = c as u32;
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(code >> 4) as usize]);
                out.push(HEX[(code & 0xf) as usize]);
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |present: bool| if present { REDACTED } else { "none" };
        f.debug_struct("CachedToken")
            .field("access_token", &format_args!("{REDACTED}"))
            .field(
                "expires_at",
                &format_args!("{}", timefmt::rfc3339(self.expires_at)),
            )
            .field(
                "refresh_token",
                &format_args!("{}", redacted(self.refresh_token.is_some())),
            )
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &format_args!("{}", redacted(self.client_secret.is_some())),
            )
            .field(
                "registration_expires_at",
                &self.registration_expires_at.map(timefmt::rfc3339),
            )
            .field("region", &self.region)
            .field("start_url", &self.start_url)
            .finish()
    }
}

/// Why a cache file could not be used. `Display` names the file and the field, never a value
/// of the file (only a malformed timestamp is quoted, and only its first 64 characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the SSO token cache file {} {problem}", .path.display())]
pub struct CacheError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub problem: CacheProblem,
}

/// What is wrong with a cache file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CacheProblem {
    /// The bytes are not UTF-8.
    #[error("is not UTF-8 text")]
    NotUtf8,
    /// Not one JSON object (syntax error, truncated, an array, trailing data).
    #[error("is not a JSON object ({0})")]
    NotJson(String),
    /// A required field is missing or empty.
    #[error("has no `{0}`")]
    Missing(&'static str),
    /// A field has the wrong JSON type.
    #[error("has a `{0}` that is not a string")]
    NotAString(&'static str),
    /// A timestamp field is not RFC 3339.
    #[error(
        "has a `{field}` that is not an RFC 3339 timestamp like 2024-01-01T00:00:00Z: {value:?}"
    )]
    BadTimestamp {
        /// `expiresAt` or `registrationExpiresAt`.
        field: &'static str,
        /// The first 64 characters of the value.
        value: String,
    },
}

/// Reads a cache file's bytes. `path` only names the file in errors.
///
/// ```
/// use std::path::Path;
/// let token = awsauth_sso::parse_cached_token(
///     br#"{"accessToken":"secret-token","expiresAt":"2024-01-01T08:00:00Z","region":"eu-west-1"}"#,
///     Path::new("/home/u/.aws/sso/cache/x.json"),
/// ).unwrap();
/// assert_eq!(token.region.as_deref(), Some("eu-west-1"));
/// assert!(!format!("{token:?}").contains("secret-token"));
/// let err = awsauth_sso::parse_cached_token(br#"{"accessToken":"t"}"#, Path::new("/c.json")).unwrap_err();
/// assert_eq!(err.to_string(), "the SSO token cache file /c.json has no `expiresAt`");
/// ```
pub fn parse_cached_token(bytes: &[u8], path: &Path) -> Result<CachedToken, CacheError> {
    let fail = |problem| CacheError {
        path: path.to_owned(),
        problem,
    };
    if std::str::from_utf8(bytes).is_err() {
        return Err(fail(CacheProblem::NotUtf8));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let raw = match de.deserialize_map(RawVisitor) {
        Ok(raw) => raw,
        Err(e) => {
            // Our own problems travel as custom errors; serde_json's own messages give a line
            // and column, never the input.
            return Err(fail(match RawVisitor::ours(&e.to_string()) {
                Some(problem) => problem,
                None => CacheProblem::NotJson(e.to_string()),
            }));
        }
    };
    de.end()
        .map_err(|e| fail(CacheProblem::NotJson(e.to_string())))?;
    let access_token = raw
        .access_token
        .filter(|t| !t.is_blank())
        .ok_or_else(|| fail(CacheProblem::Missing("accessToken")))?;
    let expires_at = timestamp(raw.expires_at, "expiresAt")
        .map_err(fail)?
        .ok_or_else(|| fail(CacheProblem::Missing("expiresAt")))?;
    let registration_expires_at =
        timestamp(raw.registration_expires_at, "registrationExpiresAt").map_err(fail)?;
    Ok(CachedToken {
        access_token,
        expires_at,
        refresh_token: raw.refresh_token.filter(|t| !t.is_blank()),
        client_id: raw.client_id.filter(|c| !c.trim().is_empty()),
        client_secret: raw.client_secret.filter(|c| !c.is_blank()),
        registration_expires_at,
        region: raw.region,
        start_url: raw.start_url,
    })
}

fn timestamp(
    value: Option<String>,
    field: &'static str,
) -> Result<Option<SystemTime>, CacheProblem> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => {
            timefmt::parse_rfc3339(text)
                .map(Some)
                .map_err(|_| CacheProblem::BadTimestamp {
                    field,
                    value: text.chars().take(64).collect(),
                })
        }
    }
}

/// The fields as found, secrets already boxed.
#[derive(Default)]
struct Raw {
    access_token: Option<SecretString>,
    expires_at: Option<String>,
    refresh_token: Option<SecretString>,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    registration_expires_at: Option<String>,
    region: Option<String>,
    start_url: Option<String>,
}

/// Reads the top-level object, matching keys without regard to case (as aws-config does).
struct RawVisitor;

/// The prefix of the custom errors this visitor raises, so they can be told from serde_json's.
const NOT_A_STRING: &str = "awsauth-sso: not a string: ";

impl RawVisitor {
    fn ours(message: &str) -> Option<CacheProblem> {
        let rest = message.strip_prefix(NOT_A_STRING)?;
        let field = FIELDS.iter().find(|f| rest.starts_with(**f))?;
        Some(CacheProblem::NotAString(field))
    }
}

const FIELDS: [&str; 8] = [
    "accessToken",
    "expiresAt",
    "refreshToken",
    "clientId",
    "clientSecret",
    "registrationExpiresAt",
    "region",
    "startUrl",
];

/// A string value (or null) moved into its destination without another copy; any other JSON
/// value is consumed and marked, so that a wrong type is told from a syntax error.
enum StringValue {
    Value(Option<String>),
    NotAString,
}

impl<'de> de::Deserialize<'de> for StringValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StringValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StringValue, E> {
                Ok(StringValue::Value(Some(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<StringValue, E> {
                Ok(StringValue::Value(Some(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<StringValue, E> {
                Ok(StringValue::Value(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<StringValue, E> {
                Ok(StringValue::Value(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<StringValue, E> {
                Ok(StringValue::NotAString)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<StringValue, E> {
                Ok(StringValue::NotAString)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<StringValue, E> {
                Ok(StringValue::NotAString)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<StringValue, E> {
                Ok(StringValue::NotAString)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<StringValue, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(StringValue::NotAString)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StringValue, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(StringValue::NotAString)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut raw = Raw::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let Some(field) = FIELDS.iter().find(|f| f.eq_ignore_ascii_case(&key)) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let value = match map.next_value::<StringValue>()? {
                StringValue::Value(value) => value,
                StringValue::NotAString => {
                    return Err(de::Error::custom(format!("{NOT_A_STRING}{field}")));
                }
            };
            match *field {
                "accessToken" => raw.access_token = value.map(SecretString::from),
                "expiresAt" => raw.expires_at = value,
                "refreshToken" => raw.refresh_token = value.map(SecretString::from),
                "clientId" => raw.client_id = value,
                "clientSecret" => raw.client_secret = value.map(SecretString::from),
                "registrationExpiresAt" => raw.registration_expires_at = value,
                "region" => raw.region = value,
                _ => raw.start_url = value,
            }
        }
        Ok(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const PATH: &str = "/home/u/.aws/sso/cache/x.json";

    fn parse(text: &[u8]) -> Result<CachedToken, CacheError> {
        parse_cached_token(text, Path::new(PATH))
    }

    fn problem(text: &[u8]) -> CacheProblem {
        parse(text).unwrap_err().problem
    }

    #[test]
    fn the_sdks_hashes_name_the_file() {
        assert_eq!(
            cache_file_name("test"),
            "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3.json"
        );
        assert_eq!(
            cache_file(Path::new("/home/u/.aws/sso/cache"), "admin"),
            Path::new("/home/u/.aws/sso/cache/d033e22ae348aeb5660fc2140aec35850c4da997.json")
        );
    }

    #[test]
    fn every_field_is_read_and_keys_match_without_case() {
        let token = parse(
            br#"{"ACCESSTOKEN":"at","expiresat":"2024-01-01T00:00:00.5Z","refreshToken":"rt",
                "clientId":"cid","clientSecret":"cs","registrationExpiresAt":"2024-06-01T00:00:00Z",
                "region":"eu-west-1","startUrl":"https://s","unknown":{"nested":[1,2]}}"#,
        )
        .unwrap();
        assert_eq!(token.access_token.expose_secret(), "at");
        assert_eq!(timefmt::rfc3339(token.expires_at), "2024-01-01T00:00:00Z");
        assert_eq!(token.refresh_token.as_ref().unwrap().expose_secret(), "rt");
        assert_eq!(token.client_id.as_deref(), Some("cid"));
        assert_eq!(token.client_secret.as_ref().unwrap().expose_secret(), "cs");
        assert!(token.registration_expires_at.is_some());
        assert_eq!(token.start_url.as_deref(), Some("https://s"));
        let shown = format!("{token:?}");
        for secret in ["\"at\"", "\"rt\"", "\"cs\""] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn bad_files_are_typed_errors_naming_the_file() {
        assert_eq!(problem(b"\xff\xfe{}"), CacheProblem::NotUtf8);
        assert!(matches!(
            problem(b"{\"accessToken\":\"a"),
            CacheProblem::NotJson(_)
        ));
        assert!(matches!(problem(b"[]"), CacheProblem::NotJson(_)));
        assert!(matches!(problem(b"{} {}"), CacheProblem::NotJson(_)));
        assert!(matches!(problem(b""), CacheProblem::NotJson(_)));
        assert_eq!(
            problem(br#"{"expiresAt":"2024-01-01T00:00:00Z"}"#),
            CacheProblem::Missing("accessToken")
        );
        assert_eq!(
            problem(br#"{"accessToken":" ","expiresAt":"2024-01-01T00:00:00Z"}"#),
            CacheProblem::Missing("accessToken")
        );
        assert_eq!(
            problem(br#"{"accessToken":7,"expiresAt":"2024-01-01T00:00:00Z"}"#),
            CacheProblem::NotAString("accessToken")
        );
        let err = parse(br#"{"accessToken":"FUZZSECRET","expiresAt":123}"#).unwrap_err();
        assert_eq!(err.problem, CacheProblem::NotAString("expiresAt"));
        assert!(
            err.to_string()
                .starts_with(&format!("the SSO token cache file {PATH} "))
        );
        assert!(!err.to_string().contains("FUZZSECRET"));
    }

    #[test]
    fn foreign_timestamps_are_refused_with_the_field_named() {
        for foreign in [
            "2024-01-01 00:00:00",
            "2024-01-01T00:00:00UTC",
            "2024-01-01T00:00:00",
            "1704067200",
            "yesterday",
        ] {
            let text = format!(r#"{{"accessToken":"a","expiresAt":"{foreign}"}}"#);
            assert_eq!(
                problem(text.as_bytes()),
                CacheProblem::BadTimestamp {
                    field: "expiresAt",
                    value: foreign.to_owned()
                },
                "{foreign}"
            );
        }
        // RFC 3339 with an offset is read (botocore writes Z, others may not).
        assert!(parse(br#"{"accessToken":"a","expiresAt":"2024-01-01T02:00:00+02:00"}"#).is_ok());
        let text = br#"{"accessToken":"a","expiresAt":"2024-01-01T00:00:00Z","registrationExpiresAt":"soon"}"#;
        assert!(matches!(
            problem(text),
            CacheProblem::BadTimestamp {
                field: "registrationExpiresAt",
                ..
            }
        ));
    }

    #[test]
    fn written_files_read_back_and_follow_aws_configs_layout() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200);
        let mut token = CachedToken::new("acc\"ess\n", at);
        token.refresh_token = Some("rt".into());
        token.client_id = Some("cid".into());
        token.client_secret = Some("cs".into());
        token.registration_expires_at = Some(at + Duration::from_secs(86_400));
        token.region = Some("eu-west-1".into());
        token.start_url = Some("https://s".into());
        let json = token.to_json();
        assert_eq!(
            std::str::from_utf8(&json).unwrap(),
            r#"{"accessToken":"acc\"ess\u000a","expiresAt":"2024-01-01T00:00:00Z","refreshToken":"rt","clientId":"cid","clientSecret":"cs","registrationExpiresAt":"2024-01-02T00:00:00Z","region":"eu-west-1","startUrl":"https://s"}"#
        );
        assert!(json.len() <= json.capacity());
        assert_eq!(parse(&json).unwrap(), token);
        let minimal = CachedToken::new("a", at);
        assert_eq!(
            std::str::from_utf8(&minimal.to_json()).unwrap(),
            r#"{"accessToken":"a","expiresAt":"2024-01-01T00:00:00Z"}"#
        );
    }
}
