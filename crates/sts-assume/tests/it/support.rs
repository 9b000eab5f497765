//! Test doubles for base sources and canned STS answers.

use awsauth_http::HttpClient;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, ManualClock, Status,
    async_trait,
};
use wiremock::ResponseTemplate;

pub(crate) const ROLE: &str = "arn:aws:iam::123456789012:role/reader";
pub(crate) const ROLE2: &str = "arn:aws:iam::210987654321:role/ops/writer";
pub(crate) const BASE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// Deterministic context: 2024-01-01T00:00:00Z, empty environment.
pub(crate) fn cx() -> Context {
    Context::builder()
        .clock(Arc::new(ManualClock::default()))
        .http(HttpClient::hyper())
        .build()
}

/// Static keys whose access key id counts the calls (`AKIDBASE1`, `AKIDBASE2`…), so a test
/// sees that the base is asked on every call.
#[derive(Debug, Default)]
pub(crate) struct CountingKeys {
    pub(crate) calls: AtomicUsize,
}

#[async_trait]
impl CredentialSource for CountingKeys {
    async fn provide(&self, _cx: &Context) -> Result<Credentials, CredentialError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(Credentials::builder(format!("AKIDBASE{n}"), BASE_SECRET)
            .provenance("keys")
            .build())
    }

    fn name(&self) -> &str {
        "keys"
    }

    fn explain(&self, _cx: &Context) -> Vec<Explanation> {
        vec![Explanation::new(
            "keys",
            Status::Configured,
            "fixed test keys",
        )]
    }
}

/// A base that has nothing here, or one that fails.
#[derive(Debug)]
pub(crate) enum Broken {
    NotConfigured,
    Failing,
}

#[async_trait]
impl CredentialSource for Broken {
    async fn provide(&self, _cx: &Context) -> Result<Credentials, CredentialError> {
        Err(match self {
            Self::NotConfigured => {
                CredentialError::not_configured("env", "AWS_ACCESS_KEY_ID is not set")
            }
            Self::Failing => CredentialError::provider_failed("imds", "IMDS answered 500"),
        })
    }

    fn name(&self) -> &str {
        match self {
            Self::NotConfigured => "env",
            Self::Failing => "imds",
        }
    }

    fn explain(&self, _cx: &Context) -> Vec<Explanation> {
        vec![Explanation::new(
            self.name(),
            Status::NotConfigured,
            "AWS_ACCESS_KEY_ID is not set",
        )]
    }
}

pub(crate) fn issued_secret(tag: &str) -> String {
    format!("issuedSecret{tag}doNotLeak")
}

pub(crate) fn issued_token(tag: &str) -> String {
    format!("issuedToken{tag}doNotLeak")
}

/// A successful AssumeRole answer whose key id and secrets carry `tag`.
pub(crate) fn assumed(tag: &str, account: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string(format!(
        r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser><Arn>arn:aws:sts::{account}:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIA{tag}</AccessKeyId>
      <SecretAccessKey>{}</SecretAccessKey>
      <SessionToken>{}</SessionToken>
      <Expiration>2024-01-01T00:15:00.000123Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
</AssumeRoleResponse>"#,
        issued_secret(tag),
        issued_token(tag)
    ))
}

pub(crate) fn sts_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_string(format!(
        "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"
    ))
}

pub(crate) fn form(body: &[u8]) -> std::collections::BTreeMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

pub(crate) fn authorization(request: &wiremock::Request) -> String {
    request.headers["authorization"]
        .to_str()
        .unwrap()
        .to_owned()
}

/// A base holding temporary credentials (key, secret, session token).
#[derive(Debug)]
pub(crate) struct SessionBase;

pub(crate) const BASE_TOKEN: &str = "FwoGZXIvYXdzEBaseSessionTokenDoNotLeak";

#[async_trait]
impl CredentialSource for SessionBase {
    async fn provide(&self, _cx: &Context) -> Result<Credentials, CredentialError> {
        Ok(Credentials::builder("ASIABASE", BASE_SECRET)
            .session_token(BASE_TOKEN)
            .provenance("sso")
            .build())
    }

    fn name(&self) -> &str {
        "sso"
    }
}
