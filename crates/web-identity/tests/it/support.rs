//! Fixtures: contexts with a token file, a file system that refuses reads.

use awsauth_http::HttpClient;
use std::io;
use std::path::Path;
use std::sync::Arc;

use awsauth_core::{Context, FileMeta, Fs, ManualClock, MapEnv, MemFs};
use wiremock::ResponseTemplate;

pub(crate) const ROLE: &str = "arn:aws:iam::123456789012:role/grafana-irsa";
pub(crate) const TOKEN_PATH: &str = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";
pub(crate) const TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Z3JhZmFuYSJ9.c2lnbmF0dXJlLW9uZQ";
pub(crate) const ROTATED: &str =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IjIifQ.eyJzdWIiOiJyb3RhdGVkIn0.c2lnbmF0dXJlLXR3bw";
pub(crate) const ISSUED_SECRET: &str = "issuedSecretWebIdentityDoNotLeak";

/// A context at 2024-01-01T00:00:00Z with `env` and `fs`.
pub(crate) fn cx(env: &[(&str, &str)], fs: impl Fs + 'static) -> Context {
    let env: MapEnv = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Context::builder()
        .env(env)
        .fs(fs)
        .clock(Arc::new(ManualClock::default()))
        .http(HttpClient::hyper())
        .build()
}

pub(crate) fn token_fs(token: &str) -> MemFs {
    let fs = MemFs::new();
    fs.insert(TOKEN_PATH, token);
    fs
}

pub(crate) fn env_with_endpoint(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_PATH.to_owned()),
        ("AWS_ROLE_ARN", ROLE.to_owned()),
        ("AWS_ENDPOINT_URL_STS", endpoint.to_owned()),
    ]
}

pub(crate) fn as_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// A file system where the token exists but cannot be read (the Grafana uid-472 situation).
#[derive(Debug)]
pub(crate) struct PermissionDenied;

impl Fs for PermissionDenied {
    fn read(&self, _path: &Path) -> io::Result<Vec<u8>> {
        Err(io::Error::from(io::ErrorKind::PermissionDenied))
    }

    fn metadata(&self, _path: &Path) -> io::Result<FileMeta> {
        let mut meta = FileMeta::file(900);
        meta.mode = Some(0o600);
        Ok(meta)
    }
}

pub(crate) fn web_identity_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string(format!(
        r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:monitoring:grafana</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/grafana-irsa/s</Arn>
      <AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>issuedTokenWebIdentity</SessionToken>
      <SecretAccessKey>{ISSUED_SECRET}</SecretAccessKey>
      <Expiration>2024-01-01T01:00:00Z</Expiration>
      <AccessKeyId>ASIAWEBID</AccessKeyId>
    </Credentials>
    <Provider>arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>"#
    ))
}

pub(crate) fn sts_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_string(format!(
        "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>"
    ))
}

pub(crate) fn form(body: &[u8]) -> std::collections::BTreeMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// A file system whose token file says it is small and then reads as 1 MiB — what a file that
/// grows between the `stat` and the read, or a `/proc`-style file, looks like.
#[derive(Debug)]
pub(crate) struct LiesAboutItsSize;

impl Fs for LiesAboutItsSize {
    fn read(&self, _path: &Path) -> io::Result<Vec<u8>> {
        Ok(vec![b'x'; 1024 * 1024])
    }

    fn metadata(&self, _path: &Path) -> io::Result<FileMeta> {
        Ok(FileMeta::file(900))
    }
}
