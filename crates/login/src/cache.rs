//! The login token cache: where a session's file is, what it holds, how it is written back.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use awsauth_core::{Context, SecretString, timefmt};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Overrides the login token cache directory (`~/.aws/login/cache`), as the SDKs allow.
pub const ENV_LOGIN_CACHE_DIRECTORY: &str = "AWS_LOGIN_CACHE_DIRECTORY";

/// A cache file larger than this is not a token (it is read no further).
pub(crate) const MAX_CACHE_FILE: u64 = 64 * 1024;

/// The file name of a session's cache entry: the lower-case hex SHA-256 of the session ARN
/// (trimmed), then `.json`.
///
/// ```
/// assert_eq!(
///     awsauth_login::cache_file_name("arn:aws:iam::0123456789012:user/Admin"),
///     "36db1d138ff460920374e4c3d8e01f53f9f73537e89c88d639f68393df0e2726.json"
/// );
/// ```
pub fn cache_file_name(login_session: &str) -> String {
    let digest = Sha256::digest(login_session.trim().as_bytes());
    let mut name = String::with_capacity(69);
    for byte in digest.iter() {
        name.push_str(&format!("{byte:02x}"));
    }
    name.push_str(".json");
    name
}

/// The cache file of `login_session` in `cx`: `AWS_LOGIN_CACHE_DIRECTORY`, else
/// `$HOME/.aws/login/cache` (`%USERPROFILE%` where `HOME` is unset).
pub(crate) fn cache_file(cx: &Context, login_session: &str) -> Result<PathBuf, String> {
    let dir = match cx.env_nonblank(ENV_LOGIN_CACHE_DIRECTORY) {
        Some(dir) => PathBuf::from(dir),
        None => {
            let home = cx
                .env_nonblank("HOME")
                .or_else(|| cx.env_nonblank("USERPROFILE"))
                .ok_or_else(|| {
                    format!(
                        "neither HOME nor {ENV_LOGIN_CACHE_DIRECTORY} is set, so the login \
                         token cache cannot be found"
                    )
                })?;
            Path::new(&home).join(".aws").join("login").join("cache")
        }
    };
    Ok(dir.join(cache_file_name(login_session)))
}

/// What is wrong with a cache file. Names the field, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginCacheError {
    /// Not UTF-8.
    #[error("is not UTF-8 text")]
    NotUtf8,
    /// Not one JSON object.
    #[error("is not a JSON object ({reason})")]
    NotJson {
        /// Line and column, never the input.
        reason: String,
    },
    /// A required field is absent, blank or of the wrong type.
    #[error("has no {field}")]
    Missing {
        /// `accessToken.accessKeyId`, `refreshToken`, …
        field: &'static str,
    },
    /// A timestamp field is not RFC 3339.
    #[error("has an {field} that is not an RFC 3339 timestamp")]
    BadTimestamp {
        /// The field.
        field: &'static str,
    },
}

/// Checks a cache file's bytes as [`LoginSource`](crate::LoginSource) reads them: every
/// required field present, `expiresAt` RFC 3339. Answers the file's access key id and account;
/// errors name the field, never a value.
///
/// ```
/// let err = awsauth_login::check_cache_file(br#"{"accessToken": {}}"#).unwrap_err();
/// assert_eq!(err.to_string(), "has no accessToken.expiresAt");
/// ```
pub fn check_cache_file(bytes: &[u8]) -> Result<(String, String), LoginCacheError> {
    LoginToken::parse(bytes).map(|t| (t.access_key_id, t.account_id))
}

/// A parsed cache file. `extra` keeps the top-level fields this crate does not know, so a
/// rewrite loses nothing.
pub(crate) struct LoginToken {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: SecretString,
    pub(crate) session_token: SecretString,
    pub(crate) account_id: String,
    pub(crate) expires_at: SystemTime,
    pub(crate) token_type: Option<String>,
    pub(crate) client_id: String,
    pub(crate) refresh_token: SecretString,
    pub(crate) id_token: Option<SecretString>,
    pub(crate) dpop_key: SecretString,
    pub(crate) sign_in_region: Option<String>,
    pub(crate) extra: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    access_token: Option<AccessToken>,
    token_type: Option<String>,
    client_id: Option<String>,
    #[serde(default)]
    refresh_token: Option<SecretString>,
    #[serde(default)]
    id_token: Option<SecretString>,
    #[serde(default)]
    dpop_key: Option<SecretString>,
    sign_in_region: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccessToken {
    access_key_id: Option<String>,
    #[serde(default)]
    secret_access_key: Option<SecretString>,
    #[serde(default)]
    session_token: Option<SecretString>,
    account_id: Option<String>,
    expires_at: Option<String>,
}

fn present(value: Option<String>, field: &'static str) -> Result<String, LoginCacheError> {
    value
        .filter(|v| !v.trim().is_empty())
        .ok_or(LoginCacheError::Missing { field })
}

fn present_secret(
    value: Option<SecretString>,
    field: &'static str,
) -> Result<SecretString, LoginCacheError> {
    value
        .filter(|v| !v.is_blank())
        .ok_or(LoginCacheError::Missing { field })
}

impl LoginToken {
    /// Parses a cache file's bytes.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, LoginCacheError> {
        let text = std::str::from_utf8(bytes).map_err(|_| LoginCacheError::NotUtf8)?;
        let doc: Document = serde_json::from_str(text).map_err(|e| LoginCacheError::NotJson {
            reason: format!("line {} column {}", e.line(), e.column()),
        })?;
        let access = doc.access_token.ok_or(LoginCacheError::Missing {
            field: "accessToken",
        })?;
        let expires_at = present(access.expires_at, "accessToken.expiresAt")?;
        let expires_at =
            timefmt::parse_rfc3339(&expires_at).map_err(|_| LoginCacheError::BadTimestamp {
                field: "accessToken.expiresAt",
            })?;
        Ok(Self {
            access_key_id: present(access.access_key_id, "accessToken.accessKeyId")?,
            secret_access_key: present_secret(
                access.secret_access_key,
                "accessToken.secretAccessKey",
            )?,
            session_token: present_secret(access.session_token, "accessToken.sessionToken")?,
            account_id: present(access.account_id, "accessToken.accountId")?,
            expires_at,
            token_type: doc.token_type,
            client_id: present(doc.client_id, "clientId")?,
            refresh_token: present_secret(doc.refresh_token, "refreshToken")?,
            id_token: doc.id_token.filter(|t| !t.is_blank()),
            dpop_key: present_secret(doc.dpop_key, "dpopKey")?,
            sign_in_region: doc.sign_in_region.filter(|r| !r.trim().is_empty()),
            extra: doc.extra,
        })
    }

    /// The file's new contents: every field, the unknown ones included. Written straight into
    /// a zeroizing buffer sized up front, so no copy of a secret is left in freed memory.
    pub(crate) fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(16 * 1024));
        let expires_at = timefmt::rfc3339(self.expires_at);
        let view = View {
            access_token: AccessView {
                access_key_id: &self.access_key_id,
                secret_access_key: self.secret_access_key.expose_secret(),
                session_token: self.session_token.expose_secret(),
                account_id: &self.account_id,
                expires_at: &expires_at,
            },
            token_type: self.token_type.as_deref(),
            client_id: &self.client_id,
            refresh_token: self.refresh_token.expose_secret(),
            id_token: self.id_token.as_ref().map(SecretString::expose_secret),
            dpop_key: self.dpop_key.expose_secret(),
            sign_in_region: self.sign_in_region.as_deref(),
            extra: &self.extra,
        };
        // Serializing borrowed strings into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, &view);
        out
    }
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct View<'a> {
    access_token: AccessView<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_type: Option<&'a str>,
    client_id: &'a str,
    refresh_token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<&'a str>,
    dpop_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sign_in_region: Option<&'a str>,
    #[serde(flatten)]
    extra: &'a Map<String, Value>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct AccessView<'a> {
    access_key_id: &'a str,
    secret_access_key: &'a str,
    session_token: &'a str,
    account_id: &'a str,
    expires_at: &'a str,
}
