//! Shared fixtures: contexts, settings, canned STS answers, form decoding.

use awsauth_http::HttpClient;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use awsauth_core::{Context, Credentials, ManualClock, SystemClock};
use awsauth_http::HttpSettings;
use wiremock::ResponseTemplate;

pub(crate) const ROLE: &str = "arn:aws:iam::123456789012:role/reader";
pub(crate) const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
pub(crate) const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLEBASETOKEN";
pub(crate) const ISSUED_SECRET: &str = "issuedSECRETdoNotLeak0123456789abcdefghij";
pub(crate) const ISSUED_TOKEN: &str = "FwoGZXIvYXdzEissuedTOKENdoNotLeak";

/// A deterministic context (2024-01-01T00:00:00Z, empty environment). Its clock never moves,
/// so use it only where no retry or time-out has to fire.
pub(crate) fn manual_cx() -> Context {
    Context::builder()
        .clock(Arc::new(ManualClock::default()))
        .http(HttpClient::hyper())
        .build()
}

/// Real time (backoff and time-outs really elapse), empty environment.
pub(crate) fn real_cx() -> Context {
    Context::builder()
        .clock(Arc::new(SystemClock))
        .http(HttpClient::hyper())
        .build()
}

/// Short time-outs and backoff so retry tests run quickly.
pub(crate) fn fast() -> HttpSettings {
    HttpSettings {
        connect_timeout: Duration::from_millis(500),
        attempt_timeout: Duration::from_millis(500),
        total_timeout: Duration::from_secs(5),
        max_attempts: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(10),
        max_body_bytes: 16 * 1024,
    }
}

pub(crate) fn base() -> Credentials {
    Credentials::builder("AKIDBASE", SECRET)
        .provenance("base")
        .build()
}

pub(crate) fn base_with_token() -> Credentials {
    Credentials::builder("ASIABASE", SECRET)
        .session_token(TOKEN)
        .provenance("base")
        .build()
}

pub(crate) fn credentials_xml(operation: &str, expiration: &str) -> String {
    format!(
        r#"<{operation}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <{operation}Result>
    <AssumedRoleUser>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:s</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/reader/s</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAISSUED</AccessKeyId>
      <SecretAccessKey>{ISSUED_SECRET}</SecretAccessKey>
      <SessionToken>{ISSUED_TOKEN}</SessionToken>
      <Expiration>{expiration}</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </{operation}Result>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</{operation}Response>"#
    )
}

pub(crate) fn ok(operation: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/xml")
        .set_body_string(credentials_xml(operation, "2124-01-01T01:00:00Z"))
}

pub(crate) fn error_xml(code: &str, message: &str) -> String {
    format!(
        r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>{code}</Code>
    <Message>{message}</Message>
  </Error>
  <RequestId>4f3b2c1d-0000-1111-2222-333344445555</RequestId>
</ErrorResponse>"#
    )
}

pub(crate) fn error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "text/xml")
        .set_body_string(error_xml(code, message))
}

/// The form fields of a request body.
pub(crate) fn form(body: &[u8]) -> BTreeMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}
