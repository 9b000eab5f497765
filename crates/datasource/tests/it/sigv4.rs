//! SigV4 request signing, checked against the AWS signing test suite's vectors.

use std::convert::Infallible;
use std::future::{Ready, poll_fn, ready};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, SystemTime};

use awsauth_core::{Context, CredentialSource, Credentials, ErrorKind, ManualClock};
use awsauth_datasource::{
    AuthSettings, AuthType, DatasourceSettings, RequestSigner, SigV4Layer, SignError, build_session,
};
use awsauth_static::StaticSource;
use tower_layer::Layer;
use tower_service::Service;

use crate::fake::RecordingFactory;

const KEY: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// 2015-08-30T12:36:00Z, the test suite's timestamp.
const SUITE_TIME: u64 = 1_440_938_160;
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const HELLO_WORLD_SHA256: &str = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

fn suite_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(SUITE_TIME)
}

fn signer(service: &str) -> RequestSigner {
    RequestSigner::new(
        Arc::new(StaticSource::new(KEY, SECRET)),
        "us-east-1",
        service,
    )
}

fn creds() -> Credentials {
    Credentials::builder(KEY, SECRET).build()
}

fn header<'a, B>(request: &'a http::Request<B>, name: &str) -> Option<&'a str> {
    request.headers().get(name).map(|v| v.to_str().unwrap())
}

#[test]
fn get_vanilla() {
    let mut request = http::Request::get("https://example.amazonaws.com/")
        .body(Vec::new())
        .unwrap();
    signer("service")
        .sign_with(&creds(), suite_time(), &mut request)
        .unwrap();
    assert_eq!(header(&request, "x-amz-date"), Some("20150830T123600Z"));
    assert_eq!(
        header(&request, "authorization"),
        Some(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        )
    );
}

#[test]
fn get_vanilla_with_session_token_signs_the_token() {
    let token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
    let creds = Credentials::builder(KEY, SECRET)
        .session_token(token)
        .build();
    let mut request = http::Request::get("https://example.amazonaws.com/")
        .body(Vec::new())
        .unwrap();
    signer("service")
        .sign_with(&creds, suite_time(), &mut request)
        .unwrap();
    assert_eq!(header(&request, "x-amz-security-token"), Some(token));
    assert_eq!(
        header(&request, "authorization"),
        Some(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"
        )
    );
}

#[test]
fn the_callers_other_headers_stay_unsigned_and_an_old_authorization_is_replaced() {
    let mut request = http::Request::post("https://example.amazonaws.com/")
        .header("user-agent", "grafana/11")
        .header("x-grafana-org-id", "1")
        .header("authorization", "Bearer stale")
        .header("x-amz-date", "19990101T000000Z")
        .body(Vec::new())
        .unwrap();
    signer("service")
        .sign_with(&creds(), suite_time(), &mut request)
        .unwrap();
    // post-vanilla: the extra headers do not change the signature.
    assert_eq!(
        header(&request, "authorization"),
        Some(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
        )
    );
    assert_eq!(request.headers().get_all("authorization").iter().count(), 1);
    assert_eq!(request.headers().get_all("x-amz-date").iter().count(), 1);
    assert_eq!(header(&request, "user-agent"), Some("grafana/11"));
    assert_eq!(header(&request, "x-grafana-org-id"), Some("1"));
}

#[test]
fn s3_adds_and_signs_the_payload_hash() {
    for (body, hash) in [
        (&b""[..], EMPTY_SHA256),
        (&b"hello world"[..], HELLO_WORLD_SHA256),
    ] {
        let mut request = http::Request::put("https://bucket.s3.us-east-1.amazonaws.com/key")
            .body(body.to_vec())
            .unwrap();
        signer("s3")
            .sign_with(&creds(), suite_time(), &mut request)
            .unwrap();
        assert_eq!(header(&request, "x-amz-content-sha256"), Some(hash));
        let auth = header(&request, "authorization").unwrap();
        assert!(
            auth.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date,"),
            "{auth}"
        );
        assert_eq!(request.body(), body, "the body is still readable");
    }
}

#[test]
fn other_services_get_no_payload_hash_header_but_the_body_is_signed() {
    let sign = |body: &[u8]| {
        let mut request = http::Request::post("https://aps-workspaces.us-east-1.amazonaws.com/")
            .body(body.to_vec())
            .unwrap();
        signer("aps")
            .sign_with(&creds(), suite_time(), &mut request)
            .unwrap();
        assert!(request.headers().get("x-amz-content-sha256").is_none());
        header(&request, "authorization").unwrap().to_owned()
    };
    assert_ne!(sign(b"query=up"), sign(b"query=down"));
}

#[tokio::test]
async fn time_comes_from_the_context_clock() {
    let clock = ManualClock::at(suite_time());
    let cx = Context::builder().clock(Arc::new(clock.clone())).build();
    let sign = || async {
        let mut request = http::Request::get("https://example.amazonaws.com/")
            .body(Vec::new())
            .unwrap();
        signer("service").sign(&cx, &mut request).await.unwrap();
        header(&request, "authorization").unwrap().to_owned()
    };
    let first = sign().await;
    assert!(
        first.ends_with(
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        )
    );
    clock.advance(Duration::from_secs(1));
    assert_ne!(
        first,
        sign().await,
        "a different clock gives a different signature"
    );
}

#[tokio::test]
async fn a_credentials_failure_is_reported_without_sending() {
    let signer = RequestSigner::new(
        Arc::new(StaticSource::from_parts(Some(KEY.into()), None)),
        "us-east-1",
        "es",
    );
    let mut request = http::Request::get("https://search.example.com/_search?token=abc")
        .body(Vec::new())
        .unwrap();
    let err = signer
        .sign(&Context::builder().build(), &mut request)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SignError::Credentials(e) if e.kind() == ErrorKind::InvalidConfiguration)
    );
    assert!(request.headers().get("authorization").is_none());
}

#[test]
fn a_relative_uri_cannot_be_signed_and_the_error_hides_the_query() {
    let mut request = http::Request::get("/api/v1/query?secret=1")
        .body(Vec::new())
        .unwrap();
    let err = signer("aps")
        .sign_with(&creds(), suite_time(), &mut request)
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("no host"), "{text}");
    assert!(!text.contains("secret=1"), "{text}");
}

#[tokio::test]
async fn a_session_gives_a_signer_in_its_region() {
    let mut settings = DatasourceSettings::new(AuthType::Keys);
    settings.access_key = Some(KEY.into());
    settings.secret_key = Some(SECRET.into());
    settings.default_region = Some("eu-west-1".into());
    let factory = RecordingFactory::new();
    let session = build_session(&settings, &AuthSettings::new(), &*factory).unwrap();
    let signer = session.request_signer("aps").unwrap();
    let mut request = http::Request::get("https://aps-workspaces.eu-west-1.amazonaws.com/")
        .body(Vec::new())
        .unwrap();
    signer
        .sign(&Context::builder().build(), &mut request)
        .await
        .unwrap();
    assert!(
        header(&request, "authorization")
            .unwrap()
            .contains("/eu-west-1/aps/aws4_request")
    );

    settings.default_region = None;
    let session = build_session(&settings, &AuthSettings::new(), &*factory).unwrap();
    assert!(
        session.request_signer("aps").is_err(),
        "no region, no signer"
    );
}

/// A service that records the requests it receives.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<http::Request<Vec<u8>>>>>);

impl Service<http::Request<Vec<u8>>> for Recorder {
    type Response = http::Response<()>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Vec<u8>>) -> Self::Future {
        self.0.lock().unwrap().push(request);
        ready(Ok(http::Response::new(())))
    }
}

#[tokio::test]
async fn the_tower_layer_signs_every_request() {
    let recorder = Recorder::default();
    let cx = Context::builder()
        .clock(Arc::new(ManualClock::at(suite_time())))
        .build();
    let mut service = SigV4Layer::new(signer("s3"), cx).layer(recorder.clone());
    for body in [&b""[..], b"hello world"] {
        poll_fn(|task| service.poll_ready(task)).await.unwrap();
        let request = http::Request::put("https://bucket.s3.us-east-1.amazonaws.com/k")
            .header("x-custom", "kept")
            .body(body.to_vec())
            .unwrap();
        service.call(request).await.unwrap();
    }
    let seen = recorder.0.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(header(&seen[0], "x-amz-content-sha256"), Some(EMPTY_SHA256));
    assert_eq!(
        header(&seen[1], "x-amz-content-sha256"),
        Some(HELLO_WORLD_SHA256)
    );
    assert_eq!(seen[1].body(), b"hello world");
    assert_eq!(header(&seen[1], "x-custom"), Some("kept"));
    assert!(
        header(&seen[1], "authorization")
            .unwrap()
            .starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/")
    );
}

#[tokio::test]
async fn the_tower_layer_reports_credential_errors_and_does_not_call_the_inner_service() {
    let recorder = Recorder::default();
    let broken = RequestSigner::new(
        Arc::new(
            awsauth_core::only(StaticSource::from_parts(None, None))
                .selected_as("auth type `keys`"),
        ),
        "us-east-1",
        "es",
    );
    let mut service = SigV4Layer::new(broken, Context::builder().build()).layer(recorder.clone());
    poll_fn(|task| service.poll_ready(task)).await.unwrap();
    let err = service
        .call(
            http::Request::get("https://search.example.com/")
                .body(Vec::new())
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("auth type `keys` selected but"),
        "{err}"
    );
    assert!(recorder.0.lock().unwrap().is_empty());
    // The source is a CredentialSource like any other.
    let _: &dyn CredentialSource = &StaticSource::new(KEY, SECRET);
}
