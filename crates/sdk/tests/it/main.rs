//! The bridge in both directions, with a real aws-sdk-sts client.
#![allow(clippy::unwrap_used)]

use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::error::CredentialsError;
use awsauth_core::{Chain, Context, CredentialSource, ErrorKind};
use awsauth_sdk::{FromSdk, SdkCredentials};
use awsauth_static::StaticSource;
use awsauth_testkit::{FakeSts, LogCapture};

mod exec;
mod moto;

pub(crate) fn sts_client(endpoint: &str, provider: SdkCredentials) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .http_client(awsauth_sdk::sdk_http_client())
        .credentials_provider(provider)
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

#[tokio::test]
async fn an_sdk_client_signs_with_an_awsauth_source() {
    let sts = FakeSts::start().await.unwrap();
    sts.add_key("AKIDBRIDGE", "bridge-secret");
    let client = sts_client(
        &sts.endpoint(),
        SdkCredentials::new(StaticSource::new("AKIDBRIDGE", "bridge-secret")),
    );
    let who = client.get_caller_identity().send().await.unwrap();
    assert_eq!(who.arn(), Some("arn:aws:iam::123456789012:user/AKIDBRIDGE"));
    // The fake verified the signature with aws-sigv4 against the known secret.
    assert_eq!(sts.successful("GetCallerIdentity"), 1);
    assert_eq!(sts.calls()[0].signing_region.as_deref(), Some("us-east-1"));
}

#[tokio::test]
async fn a_wrong_secret_is_rejected_by_signature() {
    let sts = FakeSts::start().await.unwrap();
    sts.add_key("AKIDBRIDGE", "bridge-secret");
    let client = sts_client(
        &sts.endpoint(),
        SdkCredentials::new(StaticSource::new("AKIDBRIDGE", "wrong")),
    );
    let err = client.get_caller_identity().send().await.unwrap_err();
    assert_eq!(
        err.into_service_error().meta().code(),
        Some("SignatureDoesNotMatch")
    );
}

#[tokio::test]
async fn our_errors_map_onto_the_sdk_kinds() {
    let not_configured = SdkCredentials::new(Chain::new("empty"));
    assert!(matches!(
        not_configured.provide_credentials().await.unwrap_err(),
        CredentialsError::CredentialsNotLoaded(_)
    ));
    let invalid = SdkCredentials::new(StaticSource::from_parts(Some("AKID".into()), None));
    assert!(matches!(
        invalid.provide_credentials().await.unwrap_err(),
        CredentialsError::InvalidConfiguration(_)
    ));
}

#[derive(Debug)]
struct Fails(fn() -> CredentialsError);

impl ProvideCredentials for Fails {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::ready(Err((self.0)()))
    }
}

#[tokio::test]
async fn sdk_errors_map_onto_ours_so_fallback_still_works() {
    let cx = Context::builder().build();
    let cases: [(fn() -> CredentialsError, ErrorKind); 4] = [
        (
            || CredentialsError::not_loaded("no profile"),
            ErrorKind::NotConfigured,
        ),
        (
            || CredentialsError::invalid_configuration("loop"),
            ErrorKind::InvalidConfiguration,
        ),
        (
            || CredentialsError::provider_timed_out(std::time::Duration::from_secs(5)),
            ErrorKind::TimedOut,
        ),
        (
            || CredentialsError::provider_error("503"),
            ErrorKind::ProviderFailed,
        ),
    ];
    for (make, kind) in cases {
        assert_eq!(
            FromSdk::new("sdk", Fails(make))
                .provide(&cx)
                .await
                .unwrap_err()
                .kind(),
            kind
        );
    }
    // CredentialsNotLoaded falls through to the next source in a chain.
    let chain = Chain::new("default")
        .or_else(FromSdk::new(
            "sdk",
            Fails(|| CredentialsError::not_loaded("nothing")),
        ))
        .or_else(StaticSource::new("AKIDNEXT", "s"));
    assert_eq!(
        chain.provide(&cx).await.unwrap().access_key_id(),
        "AKIDNEXT"
    );
}

#[tokio::test]
async fn sdk_credentials_come_through_with_provenance() {
    let sdk = aws_credential_types::Credentials::builder()
        .access_key_id("AKIDSDK")
        .secret_access_key("sdk-secret")
        .session_token("sdk-token")
        .account_id("123456789012")
        .provider_name("Environment")
        .build();
    let creds = FromSdk::new("sdk", sdk)
        .provide(&Context::builder().build())
        .await
        .unwrap();
    assert_eq!(creds.session_token(), Some("sdk-token"));
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert_eq!(creds.provenance().to_string(), "sdk:Environment");
}

/// Secrets with the characters real ones have, and every part of them searched.
const LEAK_SECRET: &str = "sdk/SECRET+wJalrXUtnFEMI/K7MDENG";
const LEAK_TOKEN: &str = "IQoJb3JpZ2luX2VjSDK/session+token/0123456789==";
const LEAK_WRONG: &str = "sdk+WRONG/secret+0123456789abcdef";

#[tokio::test]
async fn the_bridge_logs_no_secret_at_trace_in_either_direction() {
    let (logs, guard) = LogCapture::start();
    let sts = FakeSts::start().await.unwrap();
    sts.add_key("AKIDBRIDGE", LEAK_SECRET);
    // Ours as the SDK's provider: a signed call (a long-term key: no session token), then one
    // with a secret and a token STS does not accept.
    let ours = StaticSource::new("AKIDBRIDGE", LEAK_SECRET);
    let provider = SdkCredentials::new(ours);
    logs.record_debug("provider", &provider);
    let client = sts_client(&sts.endpoint(), provider);
    let who = client.get_caller_identity().send().await;
    logs.record_debug("who", &who.map(|w| w.arn().map(str::to_owned)).unwrap());
    let wrong = sts_client(
        &sts.endpoint(),
        SdkCredentials::new(StaticSource::new("AKIDBRIDGE", LEAK_WRONG).session_token(LEAK_TOKEN)),
    );
    let err = wrong.get_caller_identity().send().await.unwrap_err();
    logs.record_debug("sdk error", &err);
    let invalid = SdkCredentials::new(StaticSource::from_parts(None, Some(LEAK_SECRET.into())));
    logs.record_result("invalid", &invalid.provide_credentials().await);

    // The SDK's providers as ours: their credentials, and their errors.
    let sdk = aws_credential_types::Credentials::new(
        "AKIDSDK",
        LEAK_SECRET,
        Some(LEAK_TOKEN.to_owned()),
        None,
        "Environment",
    );
    let cx = Context::builder().build();
    let source = FromSdk::new("sdk", sdk);
    logs.record_debug("source", &source);
    logs.record_result("from sdk", &source.provide(&cx).await);
    let failing = FromSdk::new(
        "sdk",
        Fails(|| CredentialsError::provider_error("the profile's secret is refused")),
    );
    logs.record_result("from sdk failing", &failing.provide(&cx).await);
    drop(guard);
    logs.assert_no_secrets([LEAK_SECRET, LEAK_TOKEN, LEAK_WRONG]);
}
