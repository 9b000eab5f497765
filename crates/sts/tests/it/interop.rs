//! The client against a real STS implementation: moto (`moto[server]`), started by
//! `cargo xtask test`, which exports `AWSAUTH_MOTO_ENDPOINT=http://127.0.0.1:<port>`. Without
//! that variable every test here prints a skip line and passes under plain `cargo test`, and
//! fails under `cargo xtask test` (which promised moto).
//!
//! moto's IAM auth mode is global to its server. Only `iam_auth_mode` turns it on: it holds the
//! write side of `MOTO`, which every other moto test of this binary holds for reading, and it
//! puts back the previous setting (the count moto's `reset-auth` answer reports) before it
//! asserts anything. Test binaries run one after another under `cargo test`, so tests of other
//! crates never see auth mode on (a runner that runs binaries in parallel, such as nextest,
//! must put the interop tests in one serial group).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awsauth_core::{Context, Credentials, SecretString, SystemClock};
use awsauth_http::{
    HeaderName, HeaderValue, HttpClient, HttpRequest, HttpSettings, Method, default_classifier,
};
use awsauth_sts::{
    AssumeRoleInput, SigV4Signer, StsClient, StsError, StsErrorCode, WebIdentityInput,
};
use tokio::sync::RwLock;

static MOTO: RwLock<()> = RwLock::const_new(());

/// The moto endpoint, or `None` after printing why the test is skipped. Read from the
/// process environment on purpose: it is test-harness configuration, not source input.
fn moto() -> Option<String> {
    awsauth_testkit::interop_var("AWSAUTH_MOTO_ENDPOINT")
}

fn cx() -> Context {
    Context::builder()
        .clock(Arc::new(SystemClock))
        .http(HttpClient::hyper())
        .build()
}

fn settings() -> HttpSettings {
    HttpSettings {
        attempt_timeout: Duration::from_secs(10),
        total_timeout: Duration::from_secs(20),
        ..HttpSettings::sts()
    }
}

fn client(endpoint: &str) -> StsClient {
    StsClient::new()
        .endpoint_url(endpoint)
        .http_settings(settings())
}

/// moto accepts any key while auth mode is off.
fn any_keys() -> Credentials {
    Credentials::builder("AKIAAWSAUTHINTEROP01", "anySecretWhileAuthIsOff")
        .provenance("interop")
        .build()
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{prefix}-{nanos}")
}

fn assert_fresh(creds: &Credentials) {
    let expiry = creds.expiry().expect("STS credentials expire");
    assert!(expiry > SystemTime::now(), "expiry is in the future");
    assert!(creds.session_token().is_some_and(|t| !t.is_empty()));
    assert!(creds.access_key_id().starts_with("ASIA"), "{creds:?}");
}

#[tokio::test]
async fn assume_role_succeeds() {
    let Some(endpoint) = moto() else { return };
    let _shared = MOTO.read().await;
    let role = "arn:aws:iam::123456789012:role/awsauth-interop-any";
    let assumed = client(&endpoint)
        .assume_role(
            &cx(),
            &any_keys(),
            &AssumeRoleInput::new(role, "interop-session")
                .external_id("interop-external-id")
                .duration(Duration::from_secs(900)),
        )
        .await
        .unwrap();
    let creds = &assumed.credentials;
    assert_fresh(creds);
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert_eq!(
        assumed.assumed_role_arn.as_deref(),
        Some("arn:aws:sts::123456789012:assumed-role/awsauth-interop-any/interop-session")
    );
    assert_eq!(
        creds.provenance().to_string(),
        format!("assume-role:{role}")
    );
}

#[tokio::test]
async fn assume_role_with_web_identity_succeeds() {
    let Some(endpoint) = moto() else { return };
    let _shared = MOTO.read().await;
    let role = "arn:aws:iam::123456789012:role/awsauth-interop-irsa";
    let token = SecretString::from("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJpbnRlcm9wIn0.c2lnbmF0dXJl");
    let assumed = client(&endpoint)
        .assume_role_with_web_identity(&cx(), &WebIdentityInput::new(role, "pod", token))
        .await
        .unwrap();
    assert_fresh(&assumed.credentials);
    assert_eq!(assumed.credentials.account_id(), Some("123456789012"));
    // moto writes microseconds; they survive parsing.
    let expiry = assumed.credentials.expiry().unwrap();
    let micros = expiry
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .subsec_micros();
    let nanos = expiry
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    assert_eq!(nanos, micros * 1000, "microsecond precision");
}

#[tokio::test]
async fn get_caller_identity_succeeds_with_assumed_credentials() {
    let Some(endpoint) = moto() else { return };
    let _shared = MOTO.read().await;
    let sts = client(&endpoint);
    let assumed = sts
        .assume_role(
            &cx(),
            &any_keys(),
            &AssumeRoleInput::new("arn:aws:iam::123456789012:role/awsauth-whoami", "whoami"),
        )
        .await
        .unwrap();
    let who = sts
        .get_caller_identity(&cx(), &assumed.credentials)
        .await
        .unwrap();
    assert_eq!(who.account, "123456789012");
    assert_eq!(
        who.arn,
        "arn:aws:sts::123456789012:assumed-role/awsauth-whoami/whoami"
    );
}

/// One IAM query call, signed for `iam` (moto routes by the credential scope's service).
async fn iam(endpoint: &str, params: &[(&str, &str)]) -> Result<String, String> {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .append_pair("Version", "2010-05-08")
        .finish();
    let mut request = HttpRequest::new(Method::POST, format!("{endpoint}/").parse().unwrap())
        .header(
            HeaderName::from_static("content-type"),
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
        )
        .body(body);
    SigV4Signer::new("us-east-1", "iam", SystemTime::now())
        .sign(&mut request, &any_keys())
        .map_err(|e| e.to_string())?;
    let response = HttpClient::hyper()
        .send(&cx(), request, &settings(), default_classifier)
        .await
        .map_err(|e| e.to_string())?;
    let text = response.text().unwrap_or_default().to_owned();
    if response.status.is_success() {
        Ok(text)
    } else {
        Err(format!(
            "IAM {:?}: HTTP {}: {text}",
            params.first(),
            response.status
        ))
    }
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

/// Sets moto's "requests before auth" count; returns the previous one.
async fn reset_auth(endpoint: &str, count: &str) -> Result<String, String> {
    let request = HttpRequest::new(
        Method::POST,
        format!("{endpoint}/moto-api/reset-auth").parse().unwrap(),
    )
    .header(
        HeaderName::from_static("content-type"),
        HeaderValue::from_static("text/plain"),
    )
    .body(count.to_owned());
    let response = HttpClient::hyper()
        .send(&cx(), request, &settings(), default_classifier)
        .await
        .map_err(|e| e.to_string())?;
    let json: serde_json::Value =
        serde_json::from_slice(&response.body).map_err(|e| e.to_string())?;
    json["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("unexpected reset-auth answer: {json}"))
}

struct AuthOutcomes {
    right: Result<Credentials, StsError>,
    wrong_secret: Result<Credentials, StsError>,
    wrong_external_id: Result<Credentials, StsError>,
}

#[tokio::test]
async fn iam_auth_mode() {
    let Some(endpoint) = moto() else { return };
    let _exclusive = MOTO.write().await;

    // Set up, while auth is still off: a user allowed to call sts:AssumeRole, its access key,
    // and a role that trusts the user only with the right external ID.
    let user = unique("awsauth-interop-user");
    let role_name = unique("awsauth-interop-role");
    let user_arn = format!("arn:aws:iam::123456789012:user/{user}");
    let role_arn = format!("arn:aws:iam::123456789012:role/{role_name}");
    iam(&endpoint, &[("Action", "CreateUser"), ("UserName", &user)])
        .await
        .unwrap();
    let allow_all =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    iam(
        &endpoint,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", &user),
            ("PolicyName", "assume"),
            ("PolicyDocument", allow_all),
        ],
    )
    .await
    .unwrap();
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{user_arn}"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"right-external-id"}}}}}}]}}"#
    );
    iam(
        &endpoint,
        &[
            ("Action", "CreateRole"),
            ("RoleName", &role_name),
            ("AssumeRolePolicyDocument", &trust),
        ],
    )
    .await
    .unwrap();
    let key = iam(
        &endpoint,
        &[("Action", "CreateAccessKey"), ("UserName", &user)],
    )
    .await
    .unwrap();
    let key_id = between(&key, "<AccessKeyId>", "</AccessKeyId>")
        .unwrap()
        .to_owned();
    let secret = between(&key, "<SecretAccessKey>", "</SecretAccessKey>")
        .unwrap()
        .to_owned();
    let moto_key = Credentials::builder(&key_id, secret.as_str())
        .provenance("moto-user")
        .build();
    let wrong_secret = Credentials::builder(&key_id, format!("{secret}WRONG"))
        .provenance("moto-user")
        .build();

    // Auth on. Nothing below panics until auth is back to what it was.
    let previous = reset_auth(&endpoint, "0").await.unwrap();
    let sts = client(&endpoint);
    let assume = |creds: Credentials, external_id: &'static str| {
        let sts = sts.clone();
        let input = AssumeRoleInput::new(&role_arn, "auth-mode").external_id(external_id);
        async move {
            sts.assume_role(&cx(), &creds, &input)
                .await
                .map(|a| a.credentials)
        }
    };
    let outcomes = AuthOutcomes {
        right: assume(moto_key.clone(), "right-external-id").await,
        wrong_secret: assume(wrong_secret, "right-external-id").await,
        // (A request without any external ID is not tried: moto 5.2.5 lets it through, where
        // AWS would deny it.)
        wrong_external_id: assume(moto_key, "wrong-external-id").await,
    };
    let restored = reset_auth(&endpoint, &previous).await;

    restored.expect("moto's auth setting is restored");
    let creds = outcomes.right.expect("signed with a moto-issued key");
    assert_fresh(&creds);
    let err = outcomes
        .wrong_secret
        .expect_err("a wrong secret is refused");
    assert_eq!(
        err.code(),
        Some(&StsErrorCode::SignatureDoesNotMatch),
        "{err}"
    );
    assert!(!err.is_retryable());
    let err = outcomes
        .wrong_external_id
        .expect_err("a wrong external ID is refused");
    assert_eq!(err.code(), Some(&StsErrorCode::AccessDenied), "{err}");
    assert!(!err.is_retryable());
    assert!(err.to_string().contains(&role_arn), "{err}");
}
