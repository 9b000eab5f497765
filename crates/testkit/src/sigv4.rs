//! SigV4 verification of incoming requests, with `aws-sigv4` (the same signer the SDKs use):
//! the request is re-signed with the known secret over the headers it claims to have signed,
//! and the signatures are compared.

use std::time::SystemTime;

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4::SigningParams;
use time::{Date, Month, PrimitiveDateTime, Time};

/// The parts of an `Authorization: AWS4-HMAC-SHA256 …` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authorization {
    pub(crate) access_key_id: String,
    pub(crate) region: String,
    pub(crate) service: String,
    pub(crate) signed_headers: Vec<String>,
    pub(crate) signature: String,
}

/// Why a signature was refused, as STS says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No or malformed `Authorization` header.
    Missing(String),
    /// The signature does not match.
    Mismatch,
}

pub(crate) fn parse_authorization(value: &str) -> Option<Authorization> {
    let rest = value.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (key, value) = part.trim().split_once('=')?;
        match key {
            "Credential" => credential = Some(value),
            "SignedHeaders" => signed_headers = Some(value),
            "Signature" => signature = Some(value),
            _ => {}
        }
    }
    let mut scope = credential?.split('/');
    let access_key_id = scope.next()?.to_owned();
    let _date = scope.next()?;
    let region = scope.next()?.to_owned();
    let service = scope.next()?.to_owned();
    Some(Authorization {
        access_key_id,
        region,
        service,
        signed_headers: signed_headers?.split(';').map(str::to_owned).collect(),
        signature: signature?.to_owned(),
    })
}

/// `20240101T120000Z` → a time.
pub(crate) fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let (date, clock) = value.strip_suffix('Z')?.split_once('T')?;
    let num = |s: &str, range: std::ops::Range<usize>| s.get(range)?.parse::<u32>().ok();
    if date.len() != 8 || clock.len() != 6 {
        return None;
    }
    let month = Month::try_from(u8::try_from(num(date, 4..6)?).ok()?).ok()?;
    let date = Date::from_calendar_date(
        i32::try_from(num(date, 0..4)?).ok()?,
        month,
        u8::try_from(num(date, 6..8)?).ok()?,
    )
    .ok()?;
    let time = Time::from_hms(
        u8::try_from(num(clock, 0..2)?).ok()?,
        u8::try_from(num(clock, 2..4)?).ok()?,
        u8::try_from(num(clock, 4..6)?).ok()?,
    )
    .ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc().into())
}

/// Checks the SigV4 signature of a request signed with `secret` (and `session_token`, which
/// must then be in `x-amz-security-token`).
pub(crate) fn verify(
    head: &http::request::Parts,
    body: &[u8],
    auth: &Authorization,
    secret: &str,
    session_token: Option<&str>,
) -> Result<(), Refusal> {
    let header = |name: &str| head.headers.get(name).and_then(|v| v.to_str().ok());
    let time = header("x-amz-date")
        .and_then(parse_amz_date)
        .ok_or_else(|| Refusal::Missing("x-amz-date".into()))?;
    if session_token.is_some() && header("x-amz-security-token") != session_token {
        return Err(Refusal::Mismatch);
    }
    // The signer adds x-amz-date and the token itself; everything else signed is passed in.
    let mut headers = Vec::new();
    for name in &auth.signed_headers {
        if name == "x-amz-date" || name == "x-amz-security-token" {
            continue;
        }
        let value = header(name).ok_or_else(|| Refusal::Missing(name.clone()))?;
        headers.push((name.as_str(), value));
    }
    let uri = head.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let host = header("host").unwrap_or("localhost");
    let full_uri = format!("http://{host}{uri}");
    let signable = SignableRequest::new(
        head.method.as_str(),
        full_uri,
        headers.into_iter(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| Refusal::Missing(e.to_string()))?;
    let identity = aws_credential_types::Credentials::new(
        &auth.access_key_id,
        secret,
        session_token.map(str::to_owned),
        None,
        "awsauth-testkit",
    )
    .into();
    let mut settings = SigningSettings::default();
    // Verify exactly the headers the client listed: exclude nothing by default rules.
    settings.excluded_headers = Some(Vec::new());
    let params = SigningParams::builder()
        .identity(&identity)
        .region(&auth.region)
        .name(&auth.service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| Refusal::Missing(e.to_string()))?
        .into();
    let output = sign(signable, &params).map_err(|e| Refusal::Missing(e.to_string()))?;
    if output.signature() == auth.signature {
        Ok(())
    } else {
        Err(Refusal::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_authorization_header() {
        let auth = parse_authorization("AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=abc123").unwrap();
        assert_eq!(auth.access_key_id, "AKID");
        assert_eq!(auth.region, "eu-west-1");
        assert_eq!(auth.service, "sts");
        assert_eq!(auth.signed_headers, ["content-type", "host", "x-amz-date"]);
        assert_eq!(auth.signature, "abc123");
        assert!(parse_authorization("Bearer x").is_none());
        assert!(parse_authorization("AWS4-HMAC-SHA256 Credential=AKID").is_none());
    }
}
