//! The sign-in service's token call on the wire: the refresh request's body, the answer, the
//! errors.

use std::fmt;

use awsauth_core::{REDACTED, SecretString};
use serde::Deserialize;

/// A successful answer of `POST /v1/token`: new credentials, how long they last, and the
/// refresh token to use next time. `Debug` redacts every secret.
#[non_exhaustive]
pub struct TokenResponse {
    /// The new access key id.
    pub access_key_id: String,
    /// The new secret access key.
    pub secret_access_key: SecretString,
    /// The new session token.
    pub session_token: SecretString,
    /// Seconds until the credentials expire.
    pub expires_in: u64,
    /// The next refresh token (the old one is spent).
    pub refresh_token: SecretString,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &format_args!("{REDACTED}"))
            .field("session_token", &format_args!("{REDACTED}"))
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &format_args!("{REDACTED}"))
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    access_token: Option<Access>,
    expires_in: Option<i64>,
    #[serde(default)]
    refresh_token: Option<SecretString>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Access {
    access_key_id: Option<String>,
    #[serde(default)]
    secret_access_key: Option<SecretString>,
    #[serde(default)]
    session_token: Option<SecretString>,
}

/// Reads a `POST /v1/token` answer (the `tokenOutput` payload): `accessToken`
/// {`accessKeyId`, `secretAccessKey`, `sessionToken`}, `expiresIn` (seconds, not negative),
/// `refreshToken`. Errors name the field, never a value.
///
/// ```
/// let body = br#"{"accessToken":{"accessKeyId":"ASIANEW","secretAccessKey":"s","sessionToken":"t"},
///   "tokenType":"aws_sigv4","expiresIn":900,"refreshToken":"r2"}"#;
/// let answer = awsauth_login::parse_token_response(body).unwrap();
/// assert_eq!((answer.access_key_id.as_str(), answer.expires_in), ("ASIANEW", 900));
/// assert_eq!(awsauth_login::parse_token_response(b"{}").unwrap_err(), "the answer has no accessToken");
/// ```
pub fn parse_token_response(body: &[u8]) -> Result<TokenResponse, String> {
    let body: Body = serde_json::from_slice(body).map_err(|e| {
        format!(
            "the answer is not the expected JSON object (line {} column {})",
            e.line(),
            e.column()
        )
    })?;
    let access = body
        .access_token
        .ok_or_else(|| "the answer has no accessToken".to_owned())?;
    let missing = |field: &str| format!("the answer has no {field}");
    let expires_in = body.expires_in.ok_or_else(|| missing("expiresIn"))?;
    let expires_in =
        u64::try_from(expires_in).map_err(|_| "the answer's expiresIn is negative".to_owned())?;
    Ok(TokenResponse {
        access_key_id: access
            .access_key_id
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| missing("accessToken.accessKeyId"))?,
        secret_access_key: access
            .secret_access_key
            .filter(|s| !s.is_blank())
            .ok_or_else(|| missing("accessToken.secretAccessKey"))?,
        session_token: access
            .session_token
            .filter(|s| !s.is_blank())
            .ok_or_else(|| missing("accessToken.sessionToken"))?,
        expires_in,
        refresh_token: body
            .refresh_token
            .filter(|s| !s.is_blank())
            .ok_or_else(|| missing("refreshToken"))?,
    })
}

/// The request body: the `tokenInput` payload of the refresh-token grant, written into a
/// zeroizing buffer (it holds the refresh token).
pub(crate) fn refresh_body(
    client_id: &str,
    refresh_token: &SecretString,
) -> zeroize::Zeroizing<Vec<u8>> {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Input<'a> {
        client_id: &'a str,
        refresh_token: &'a str,
        grant_type: &'a str,
    }
    let mut out = zeroize::Zeroizing::new(Vec::with_capacity(4096));
    let _ = serde_json::to_writer(
        &mut *out,
        &Input {
            client_id,
            refresh_token: refresh_token.expose_secret(),
            grant_type: "refresh_token",
        },
    );
    out
}

/// An error answer: the OAuth2 error code (`TOKEN_EXPIRED`, …) and the exception
/// (`AccessDeniedException`, from `x-amzn-ErrorType` or the body), each at most 64
/// characters.
pub(crate) fn error_of(header_type: Option<&str>, body: &[u8]) -> (Option<String>, Option<String>) {
    #[derive(Deserialize)]
    struct ErrorBody {
        error: Option<String>,
        #[serde(rename = "__type")]
        kind: Option<String>,
    }
    let short = |s: &str| -> Option<String> {
        // `aws.protocoltests#Name:extra` → `Name`.
        let s = s.split(':').next().unwrap_or(s);
        let s = s.rsplit('#').next().unwrap_or(s).trim();
        let ok = !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        ok.then(|| s.chars().take(64).collect())
    };
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let code = parsed
        .as_ref()
        .and_then(|b| b.error.as_deref())
        .and_then(short);
    let kind = header_type.and_then(short).or_else(|| {
        parsed
            .as_ref()
            .and_then(|b| b.kind.as_deref())
            .and_then(short)
    });
    (code, kind)
}
