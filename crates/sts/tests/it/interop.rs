//! The client against a real STS implementation: moto (`moto[server]`), started by
//! `cargo xtask test`, which exports `AWSAUTH_MOTO_ENDPOINT=http://127.0.0.1:<port>`. Without
//! that variable every test here prints a skip line and passes under plain `cargo test`, and
//! fails under `cargo xtask test` (which promised moto).
//!
//! moto's IAM auth mode is global to its server. Only `iam_auth_mode` and
//! `many_sessions_many_readers_one_assume_role_per_expiry_with_iam_auth` turn it on: each holds the
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

/// The system clock plus an offset the test moves forward, so every session's credentials
/// expire when the test says, however long moto's minimum session (900 s) is.
#[derive(Debug, Default)]
struct JumpingClock {
    ahead_secs: std::sync::atomic::AtomicU64,
}

impl JumpingClock {
    fn jump(&self, by: Duration) {
        self.ahead_secs
            .fetch_add(by.as_secs(), std::sync::atomic::Ordering::SeqCst);
    }
}

impl awsauth_core::Clock for JumpingClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
            + Duration::from_secs(self.ahead_secs.load(std::sync::atomic::Ordering::SeqCst))
    }

    fn sleep(&self, duration: Duration) -> awsauth_core::Sleep {
        SystemClock.sleep(duration)
    }
}

/// One data source's role session: AssumeRole with the moto user's key, counting the calls it
/// sends (moto keeps no per-call log; each call here is one AssumeRole request on the wire, the
/// HTTP client's retries aside, and moto answers none with a retryable error in this test).
#[derive(Debug)]
struct RoleSession {
    sts: StsClient,
    key: Credentials,
    input: AssumeRoleInput,
    calls: std::sync::atomic::AtomicUsize,
}

#[awsauth_core::async_trait]
impl awsauth_core::CredentialSource for RoleSession {
    async fn provide(&self, cx: &Context) -> Result<Credentials, awsauth_core::CredentialError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.sts
            .assume_role(cx, &self.key, &self.input)
            .await
            .map(|a| a.credentials)
            .map_err(|e| awsauth_core::CredentialError::provider_failed("interop", e.to_string()))
    }

    fn name(&self) -> &str {
        "interop-role-session"
    }
}

/// Issue 18, real STS under concurrency: 200 cached role sessions × 20 concurrent readers
/// against moto with IAM auth on (every request's SigV4 signature verified against the key moto
/// issued). Each round, the readers' clock jumps 1,000 s ahead, past the 900-second
/// credentials' expiry, so every session's credentials expire between rounds (moto does not
/// judge `X-Amz-Date`; the clock skew table, fed by moto's `Date` header, puts each new
/// expiry back on the readers' clock). Asserts 0 errors (a rejected signature is an error) and
/// exactly one AssumeRole per session per expiry: `rounds` calls per session.
/// `AWSAUTH_STS_CONCURRENCY_SESSIONS` shrinks or grows the session count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_sessions_many_readers_one_assume_role_per_expiry_with_iam_auth() {
    use awsauth_core::{CachedSource, CredentialSourceExt as _};
    use std::sync::atomic::Ordering;

    let Some(endpoint) = moto() else { return };
    let _exclusive = MOTO.write().await;
    let sessions: usize = std::env::var("AWSAUTH_STS_CONCURRENCY_SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    const READERS: usize = 20;
    const ROUNDS: usize = 3;
    let started = std::time::Instant::now();

    let user = unique("awsauth-concurrency-user");
    let role_name = unique("awsauth-concurrency-role");
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
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{user_arn}"}},"Action":"sts:AssumeRole"}}]}}"#
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
    let key = Credentials::builder(
        between(&key, "<AccessKeyId>", "</AccessKeyId>").unwrap(),
        between(&key, "<SecretAccessKey>", "</SecretAccessKey>").unwrap(),
    )
    .provenance("moto-user")
    .build();

    let clock = Arc::new(JumpingClock::default());
    let cx = Context::builder()
        .clock(clock.clone())
        .http(HttpClient::hyper())
        .build();
    let sts = client(&endpoint);
    let sources: Vec<Arc<RoleSession>> = (0..sessions)
        .map(|i| {
            Arc::new(RoleSession {
                sts: sts.clone(),
                key: key.clone(),
                input: AssumeRoleInput::new(&role_arn, format!("ds-{i}"))
                    .duration(Duration::from_secs(900)),
                calls: Default::default(),
            })
        })
        .collect();
    let caches: Vec<Arc<CachedSource>> = sources
        .iter()
        .map(|s| Arc::new(CachedSource::builder_shared(s.clone()).build()))
        .collect();

    // Auth on. Nothing below panics until auth is back to what it was.
    let previous = reset_auth(&endpoint, "0").await.unwrap();
    let mut errors = Vec::new();
    let mut reads = 0usize;
    for round in 0..ROUNDS {
        if round > 0 {
            clock.jump(Duration::from_secs(1000));
        }
        let mut tasks = tokio::task::JoinSet::new();
        for cache in &caches {
            for _ in 0..READERS {
                let cache = cache.clone();
                let cx = cx.clone();
                tasks.spawn(async move {
                    let now = cx.now();
                    match cache.resolve(&cx).await {
                        Ok(creds) if creds.expiry().is_some_and(|e| e > now) => Ok(()),
                        Ok(creds) => Err(format!("expired credentials: {:?}", creds.expiry())),
                        Err(err) => Err(err.to_string()),
                    }
                });
            }
        }
        while let Some(outcome) = tasks.join_next().await {
            reads += 1;
            if let Err(err) = outcome.unwrap_or_else(|e| Err(e.to_string())) {
                errors.push(err);
            }
        }
    }
    let restored = reset_auth(&endpoint, &previous).await;

    restored.expect("moto's auth setting is restored");
    let calls: Vec<usize> = sources
        .iter()
        .map(|s| s.calls.load(Ordering::SeqCst))
        .collect();
    let total: usize = calls.iter().sum();
    println!(
        "sts concurrency: {sessions} sessions x {READERS} readers x {ROUNDS} rounds: {reads} reads, \
         {total} AssumeRole calls, {} errors, {:.1} s",
        errors.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        errors.is_empty(),
        "{} of {reads} reads failed, first: {:?}",
        errors.len(),
        errors.first()
    );
    assert_eq!(reads, sessions * READERS * ROUNDS);
    let off: Vec<(usize, usize)> = calls
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, n)| *n != ROUNDS)
        .collect();
    assert!(
        off.is_empty(),
        "sessions without exactly one AssumeRole per expiry (session, calls): {off:?}"
    );
}
