//! The two calls on the wire, over [`awsauth_http`]: the portal's `GetRoleCredentials` and SSO
//! OIDC's `CreateToken` with the refresh-token grant. Both are rest-json and unsigned; the
//! bearer token, the refresh token and the client secret travel in a header or a body that is
//! wiped when dropped, and never reach an error.

use std::fmt;
use std::time::{Duration, SystemTime};

use awsauth_core::{Context, REDACTED, SecretString};
use awsauth_http::endpoint::ServiceEndpoint;
use awsauth_http::{
    Bytes, ClockOffset, ClockSkew, HeaderName, HeaderValue, HttpClient, HttpError, HttpRequest,
    HttpResponse, HttpSettings, Method, default_classifier,
};
use serde::Deserialize;
use zeroize::Zeroizing;

/// The header carrying the access token to the portal (with an underscore, as the model has
/// it).
pub const BEARER_HEADER: &str = "x-amz-sso_bearer_token";

const USER_AGENT: &str = concat!("awsauth/", env!("CARGO_PKG_VERSION"));
/// The longest service message kept in an error.
const MAX_MESSAGE_CHARS: usize = 256;

/// What went wrong with one call.
#[derive(Debug, Clone)]
pub(crate) enum CallError {
    /// The URL could not be built.
    Endpoint(String),
    /// The transport gave up (after its retries).
    Http(HttpError),
    /// The service answered with an error status.
    Status {
        /// The HTTP status.
        status: u16,
        /// `x-amzn-ErrorType`, `__type` or `code` (`UnauthorizedException`).
        code: Option<String>,
        /// The OAuth `error` of an OIDC answer (`invalid_grant`).
        oauth_error: Option<String>,
        /// The service's message, bounded and scrubbed.
        message: Option<String>,
    },
    /// A success status with a body that is not the expected answer.
    Malformed(String),
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Endpoint(message) => f.write_str(message),
            Self::Http(err) => write!(f, "{err}"),
            Self::Status {
                status,
                code,
                oauth_error,
                message,
            } => {
                write!(f, "HTTP {status}")?;
                if let Some(error) = oauth_error {
                    write!(f, " {error}")?;
                }
                if let Some(code) = code {
                    write!(f, " ({code})")?;
                }
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            Self::Malformed(detail) => write!(f, "the answer is not usable: {detail}"),
        }
    }
}

/// Role credentials as the portal gives them.
pub(crate) struct RoleCredentials {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: SecretString,
    pub(crate) session_token: Option<SecretString>,
    pub(crate) expiration: SystemTime,
}

impl fmt::Debug for RoleCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoleCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &format_args!("{REDACTED}"))
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetRoleCredentialsOutput {
    role_credentials: Option<RoleCredentialsDocument>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleCredentialsDocument {
    access_key_id: Option<String>,
    #[serde(default)]
    secret_access_key: Option<SecretString>,
    #[serde(default)]
    session_token: Option<SecretString>,
    expiration: Option<i64>,
}

/// Reads a `GetRoleCredentials` answer. Never quotes the body.
pub(crate) fn parse_role_credentials(body: &[u8]) -> Result<RoleCredentials, String> {
    let output: GetRoleCredentialsOutput = serde_json::from_slice(body)
        .map_err(|e| format!("the GetRoleCredentials answer is not the expected JSON ({e})"))?;
    let doc = output
        .role_credentials
        .ok_or("the answer has no roleCredentials")?;
    let access_key_id = doc
        .access_key_id
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
        .ok_or("roleCredentials has no accessKeyId")?;
    let secret_access_key = doc
        .secret_access_key
        .filter(|s| !s.is_blank())
        .ok_or("roleCredentials has no secretAccessKey")?;
    let millis = doc.expiration.ok_or("roleCredentials has no expiration")?;
    let expiration = u64::try_from(millis)
        .ok()
        .and_then(|ms| SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(ms)))
        // Past year 9999 is "as late as can be", not a time that cannot be printed.
        .map(awsauth_core::timefmt::clamp)
        .ok_or_else(|| format!("roleCredentials has an expiration out of range ({millis} ms)"))?;
    Ok(RoleCredentials {
        access_key_id,
        secret_access_key,
        session_token: doc.session_token.filter(|t| !t.is_blank()),
        expiration,
    })
}

/// `GET /federation/credentials?account_id=…&role_name=…` with the bearer token.
pub(crate) async fn get_role_credentials(
    cx: &Context,
    endpoint: &ServiceEndpoint,
    settings: &HttpSettings,
    access_token: &SecretString,
    account_id: &str,
    role_name: &str,
) -> Result<RoleCredentials, CallError> {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("account_id", account_id)
        .append_pair("role_name", role_name)
        .finish();
    let url = endpoint
        .url_for(&format!("/federation/credentials?{query}"))
        .map_err(|e| CallError::Endpoint(e.to_string()))?;
    let bearer = HeaderValue::from_str(access_token.expose_secret())
        .map_err(|_| {
            CallError::Malformed("the cached accessToken is not a valid header value".into())
        })
        .map(|mut v| {
            v.set_sensitive(true);
            v
        })?;
    let request = HttpRequest::new(Method::GET, url)
        .header(HeaderName::from_static(BEARER_HEADER), bearer)
        .header(
            HeaderName::from_static("user-agent"),
            HeaderValue::from_static(USER_AGENT),
        )
        .allow_proxy(true);
    let url = request.uri.clone();
    let sent = cx.now();
    let response = send(cx, request, settings, &[access_token]).await?;
    // A bearer call is never refused for its time, but the portal's Date says how far this
    // host's clock is off: the expiry is handed on on this host's clock.
    let measured = ClockOffset::measure(response.headers.get("date"), sent, cx.now());
    ClockSkew::observe(cx, &url, measured);
    let offset = ClockSkew::offset(cx, &url);
    let mut credentials = parse_role_credentials(&response.body).map_err(CallError::Malformed)?;
    credentials.expiration = offset.local_time(credentials.expiration);
    Ok(credentials)
}

/// A refreshed token from `CreateToken`.
#[derive(Debug)]
pub(crate) struct RefreshedToken {
    pub(crate) access_token: SecretString,
    pub(crate) expires_in: Duration,
    pub(crate) refresh_token: Option<SecretString>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateTokenOutput {
    #[serde(default)]
    access_token: Option<SecretString>,
    expires_in: Option<i64>,
    #[serde(default)]
    refresh_token: Option<SecretString>,
}

/// Reads a `CreateToken` answer. Never quotes the body.
pub(crate) fn parse_create_token(body: &[u8]) -> Result<RefreshedToken, String> {
    let output: CreateTokenOutput = serde_json::from_slice(body)
        .map_err(|e| format!("the CreateToken answer is not the expected JSON ({e})"))?;
    let access_token = output
        .access_token
        .filter(|t| !t.is_blank())
        .ok_or("the CreateToken answer has no accessToken")?;
    let seconds = output
        .expires_in
        .ok_or("the CreateToken answer has no expiresIn")?;
    let seconds = u64::try_from(seconds).map_err(|_| {
        format!("SSO OIDC responded with a negative expiration duration ({seconds} s)")
    })?;
    Ok(RefreshedToken {
        access_token,
        expires_in: Duration::from_secs(seconds),
        refresh_token: output.refresh_token.filter(|t| !t.is_blank()),
    })
}

/// `POST /token` with `grantType = refresh_token`.
pub(crate) async fn create_token(
    cx: &Context,
    endpoint: &ServiceEndpoint,
    settings: &HttpSettings,
    client_id: &str,
    client_secret: &SecretString,
    refresh_token: &SecretString,
) -> Result<RefreshedToken, CallError> {
    let url = endpoint
        .url_for("/token")
        .map_err(|e| CallError::Endpoint(e.to_string()))?;
    let body = json_body(&[
        ("clientId", client_id),
        ("clientSecret", client_secret.expose_secret()),
        ("grantType", "refresh_token"),
        ("refreshToken", refresh_token.expose_secret()),
    ]);
    let request = HttpRequest::new(Method::POST, url)
        .header(
            HeaderName::from_static("content-type"),
            HeaderValue::from_static("application/json"),
        )
        .header(
            HeaderName::from_static("user-agent"),
            HeaderValue::from_static(USER_AGENT),
        )
        // Wiped when the last reference (a retry's clone included) is dropped.
        .body(Bytes::from_owner(body))
        .allow_proxy(true);
    let response = send(cx, request, settings, &[client_secret, refresh_token]).await?;
    parse_create_token(&response.body).map_err(CallError::Malformed)
}

/// A compact JSON object of string pairs, in one buffer sized for the worst case up front (so
/// it never reallocates and leaves no unwiped copy of a secret), wiped on drop.
fn json_body(pairs: &[(&str, &str)]) -> Zeroizing<Vec<u8>> {
    let capacity = 2 + pairs
        .iter()
        .map(|(k, v)| k.len() + 6 * v.len() + 6)
        .sum::<usize>();
    let mut out = Zeroizing::new(Vec::with_capacity(capacity));
    out.push(b'{');
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // Writing to a Vec cannot fail, and a &str always serializes.
        let _ = serde_json::to_writer(&mut *out, key);
        out.push(b':');
        let _ = serde_json::to_writer(&mut *out, value);
    }
    out.push(b'}');
    out
}

/// Sends with the usual retries (connection failures, time-outs, 5xx and 429); an error
/// status becomes [`CallError::Status`] with the service's code and message, any of `secrets`
/// removed from it.
async fn send(
    cx: &Context,
    request: HttpRequest,
    settings: &HttpSettings,
    secrets: &[&SecretString],
) -> Result<HttpResponse, CallError> {
    let response = HttpClient::send_in(cx, request, settings, default_classifier)
        .await
        .map_err(CallError::Http)?;
    if response.status.is_success() {
        return Ok(response);
    }
    Err(status_error(&response, secrets))
}

/// The typed error of a rest-json answer: the error type from `x-amzn-ErrorType`, else the
/// body's `__type` or `code` (cut at `:`, the last `#` segment kept); the OAuth `error`; the
/// message from `message`, `Message`, `error_description` or `errorMessage`.
fn status_error(response: &HttpResponse, secrets: &[&SecretString]) -> CallError {
    let body: Option<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_slice(&response.body).ok();
    let field = |names: &[&str]| -> Option<String> {
        let body = body.as_ref()?;
        names
            .iter()
            .find_map(|n| body.get(*n).and_then(serde_json::Value::as_str))
            .map(str::to_owned)
    };
    let code = response
        .header_str("x-amzn-errortype")
        .map(str::to_owned)
        .or_else(|| field(&["__type", "code", "Code"]))
        .map(|c| clean_code(&c))
        .filter(|c| !c.is_empty());
    let oauth_error = field(&["error"])
        .map(|c| clean_code(&c))
        .filter(|c| !c.is_empty());
    let message = field(&["message", "Message", "error_description", "errorMessage"])
        .map(|m| clean_message(&m, secrets))
        .filter(|m| !m.is_empty());
    CallError::Status {
        status: response.status.as_u16(),
        code,
        oauth_error,
        message,
    }
}

fn clean_code(code: &str) -> String {
    let code = code.split(':').next().unwrap_or(code);
    let code = code.rsplit('#').next().unwrap_or(code);
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .take(64)
        .collect()
}

/// Bounds a service message, drops control characters and removes any secret the request
/// carried, should the service have echoed it.
fn clean_message(message: &str, secrets: &[&SecretString]) -> String {
    let mut text: String = message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        text = text.replace(secret.expose_secret(), REDACTED);
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        text = text.chars().take(MAX_MESSAGE_CHARS).collect();
        text.push('…');
    }
    text.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use awsauth_http::{HeaderMap, StatusCode};

    #[test]
    fn role_credentials_are_read_with_their_millisecond_expiry() {
        let creds = parse_role_credentials(
            br#"{"roleCredentials":{"accessKeyId":"ASIA","secretAccessKey":"s","sessionToken":"t","expiration":1704067200123}}"#,
        )
        .unwrap();
        assert_eq!(
            creds.expiration,
            SystemTime::UNIX_EPOCH + Duration::from_millis(1_704_067_200_123)
        );
        assert_eq!(creds.session_token.unwrap().expose_secret(), "t");
        for (body, why) in [
            (&br#"{}"#[..], "no roleCredentials"),
            (
                br#"{"roleCredentials":{"secretAccessKey":"s","expiration":1}}"#,
                "no accessKeyId",
            ),
            (
                br#"{"roleCredentials":{"accessKeyId":"A","expiration":1}}"#,
                "no secretAccessKey",
            ),
            (
                br#"{"roleCredentials":{"accessKeyId":"A","secretAccessKey":"s"}}"#,
                "no expiration",
            ),
            (
                br#"{"roleCredentials":{"accessKeyId":"A","secretAccessKey":"s","expiration":-5}}"#,
                "out of range",
            ),
            (b"<html>", "not the expected JSON"),
        ] {
            let err = parse_role_credentials(body).unwrap_err();
            assert!(err.contains(why), "{err}");
        }
    }

    #[test]
    fn create_token_answers_need_a_token_and_a_positive_lifetime() {
        let t = parse_create_token(br#"{"accessToken":"a","expiresIn":3600,"tokenType":"Bearer"}"#)
            .unwrap();
        assert_eq!(t.expires_in, Duration::from_secs(3600));
        assert!(t.refresh_token.is_none());
        assert!(
            parse_create_token(br#"{"expiresIn":3600}"#)
                .unwrap_err()
                .contains("no accessToken")
        );
        assert!(
            parse_create_token(br#"{"accessToken":"a","expiresIn":-1}"#)
                .unwrap_err()
                .contains("negative expiration")
        );
    }

    #[test]
    fn json_bodies_are_escaped_and_never_grow() {
        let body = json_body(&[("clientId", "c\"\u{1}"), ("refreshToken", "r")]);
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r#"{"clientId":"c\"\u0001","refreshToken":"r"}"#
        );
        let worst = "\u{1}".repeat(50);
        let body = json_body(&[("k", worst.as_str())]);
        assert_eq!(
            body.capacity(),
            2 + 1 + 6 * 50 + 6,
            "the buffer was reallocated"
        );
    }

    #[test]
    fn error_answers_are_typed_and_scrubbed() {
        let token = SecretString::from("refresh-token-value");
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amzn-errortype",
            HeaderValue::from_static("InvalidGrantException:http://internal"),
        );
        let response = HttpResponse {
            status: StatusCode::BAD_REQUEST,
            headers,
            body: Bytes::from_static(
                br#"{"error":"invalid_grant","error_description":"refresh-token-value is revoked\n"}"#,
            ),
        };
        let err = status_error(&response, &[&token]);
        assert_eq!(
            err.to_string(),
            format!("HTTP 400 invalid_grant (InvalidGrantException): {REDACTED} is revoked")
        );
        let response = HttpResponse {
            status: StatusCode::UNAUTHORIZED,
            headers: HeaderMap::new(),
            body: Bytes::from_static(br#"{"__type":"com.amazon#UnauthorizedException","message":"Session token not found or invalid"}"#),
        };
        assert_eq!(
            status_error(&response, &[]).to_string(),
            "HTTP 401 (UnauthorizedException): Session token not found or invalid"
        );
    }
}
