//! What gets built for each auth type: which constructions `build_session` asks a recording
//! factory for, and with which parameters. What the sources then answer is tested against the
//! real ones in `standard.rs`; nothing here asserts a string the recording factory's stand-ins
//! made up (their provenance, their STS error codes).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use awsauth_core::{Context, CredentialSource, ErrorKind, MemFs};
use awsauth_datasource::{
    AuthSettings, AuthType, DatasourceErrorKind, DatasourceSettings, PlatformCredentials,
    StsOptions, build_session,
};

use crate::fake::{Call, RecordingFactory};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const ROLE: &str = "arn:aws:iam::123456789012:role/grafana-reader";

fn cx() -> Context {
    Context::builder().build()
}

fn keys(region: &str) -> DatasourceSettings {
    DatasourceSettings::from_json(&format!(
        r#"{{"jsonData": {{"authType": "keys", "defaultRegion": "{region}"}},
            "secureJsonData": {{"accessKey": "AKIDEXAMPLE", "secretKey": "{SECRET}"}}}}"#
    ))
    .unwrap()
}

fn all_allowed() -> AuthSettings {
    AuthSettings::new().allow(AuthType::ALL)
}

#[tokio::test]
async fn keys_give_the_keys_without_any_network() {
    let factory = RecordingFactory::new();
    let session = build_session(&keys("eu-west-1"), &AuthSettings::new(), &*factory).unwrap();
    assert_eq!(session.auth_type(), AuthType::Keys);
    assert_eq!(session.region(), Some("eu-west-1"));
    let creds = session.provide(&cx()).await.unwrap();
    assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
    assert_eq!(creds.secret_access_key(), SECRET);
    assert_eq!(
        factory.calls(),
        vec![Call::Keys {
            access_key_id: Some("AKIDEXAMPLE".into())
        }]
    );
}

#[tokio::test]
async fn keys_with_a_session_token_pass_it_on() {
    let mut settings = keys("eu-west-1");
    settings.session_token = Some("FwoGZXIvYXdzEXAMPLE".into());
    let factory = RecordingFactory::new();
    let session = build_session(&settings, &AuthSettings::new(), &*factory).unwrap();
    let creds = session.provide(&cx()).await.unwrap();
    assert_eq!(creds.session_token(), Some("FwoGZXIvYXdzEXAMPLE"));
}

#[tokio::test]
async fn keys_missing_is_an_error_not_a_fallback() {
    let settings = DatasourceSettings::new(AuthType::Keys);
    let factory = RecordingFactory::new();
    let session = build_session(&settings, &AuthSettings::new(), &*factory).unwrap();
    let err = session.provide(&cx()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(
        err.to_string()
            .contains("auth type `keys` selected but accessKey and secretKey are not set"),
        "{err}"
    );
}

#[tokio::test]
async fn keys_plus_assume_role_send_the_external_id_to_sts() {
    let mut settings = keys("eu-west-1");
    settings.assume_role_arn = Some(ROLE.into());
    settings.external_id = Some("ext-123".into());
    let factory = RecordingFactory::new();
    let policy = AuthSettings::new()
        .session_duration(Duration::from_secs(3600))
        .unwrap()
        .session_name("grafana-session");
    let session = build_session(&settings, &policy, &*factory).unwrap();
    // Construction did no I/O.
    assert_eq!(factory.provides(), 0);
    let params = factory.assume_role_params();
    assert_eq!(params.len(), 1);
    let p = &params[0];
    assert_eq!(p.role_arn, ROLE);
    assert_eq!(p.external_id.as_deref(), Some("ext-123"));
    assert_eq!(p.duration, Duration::from_secs(3600));
    assert_eq!(p.session_name.as_deref(), Some("grafana-session"));
    assert_eq!(p.sts, StsOptions::in_region("eu-west-1"));
    match &factory.calls()[1] {
        Call::AssumeRole { base, .. } => assert_eq!(base, "keys"),
        other => panic!("expected assume role on top of keys, got {other:?}"),
    }
    assert_eq!(session.auth_type(), AuthType::Keys);
}

#[test]
fn assume_role_without_an_external_id_sends_none() {
    let mut settings = keys("eu-west-1");
    settings.assume_role_arn = Some(ROLE.into());
    let factory = RecordingFactory::new();
    build_session(&settings, &AuthSettings::new(), &*factory).unwrap();
    assert_eq!(factory.assume_role_params()[0].external_id, None);
}

#[test]
fn default_session_duration_is_fifteen_minutes() {
    let mut settings = DatasourceSettings::new(AuthType::Default);
    settings.assume_role_arn = Some(ROLE.into());
    let factory = RecordingFactory::new();
    build_session(&settings, &AuthSettings::new(), &*factory).unwrap();
    assert_eq!(
        factory.assume_role_params()[0].duration,
        Duration::from_secs(900)
    );
}

#[test]
fn default_uses_the_default_chain_with_the_sts_region() {
    let mut settings = DatasourceSettings::new(AuthType::Default);
    settings.region = Some("ap-northeast-1".into());
    let factory = RecordingFactory::new();
    build_session(&settings, &AuthSettings::new(), &*factory).unwrap();
    assert_eq!(
        factory.calls(),
        vec![Call::DefaultChain {
            sts: StsOptions::in_region("ap-northeast-1")
        }]
    );
}

#[test]
fn credentials_reads_the_named_profile() {
    let settings = DatasourceSettings::from_json(
        r#"{"jsonData": {"authType": "sharedCreds", "profile": "prod"}}"#,
    )
    .unwrap();
    let factory = RecordingFactory::new();
    build_session(&settings, &AuthSettings::new(), &*factory).unwrap();
    assert_eq!(
        factory.calls(),
        vec![Call::Profile {
            name: Some("prod".into()),
            credentials_file: None,
            sts: StsOptions::default(),
        }]
    );
}

#[test]
fn credentials_profile_falls_back_to_the_legacy_database_field() {
    let settings = DatasourceSettings::from_json(
        r#"{"database": "legacy", "jsonData": {"authType": "credentials", "profile": ""}}"#,
    )
    .unwrap();
    let factory = RecordingFactory::new();
    build_session(&settings, &AuthSettings::new(), &*factory).unwrap();
    assert!(matches!(
        &factory.calls()[0],
        Call::Profile { name: Some(n), .. } if n == "legacy"
    ));
}

#[test]
fn ec2_iam_role_asks_for_imds_only() {
    let factory = RecordingFactory::new();
    build_session(
        &DatasourceSettings::new(AuthType::Ec2IamRole),
        &all_allowed(),
        &*factory,
    )
    .unwrap();
    assert_eq!(factory.calls(), vec![Call::Ec2IamRole]);
}

#[test]
fn opt_in_region_sends_sts_to_us_east_1() {
    for region in [
        "af-south-1",
        "me-central-1",
        "ap-southeast-7",
        "mx-central-1",
    ] {
        let mut settings = keys(region);
        settings.assume_role_arn = Some(ROLE.into());
        let factory = RecordingFactory::new();
        let session = build_session(&settings, &AuthSettings::new(), &*factory).unwrap();
        assert_eq!(
            session.region(),
            Some(region),
            "service calls stay in the region"
        );
        assert_eq!(
            factory.assume_role_params()[0].sts.region.as_deref(),
            Some("us-east-1"),
            "{region}"
        );
    }
}

#[test]
fn fips_endpoint_turns_fips_on_and_is_not_a_base_url() {
    let mut settings = keys("us-gov-west-1");
    settings.endpoint = Some("monitoring-fips.us-gov-west-1.amazonaws.com".into());
    settings.assume_role_arn = Some(ROLE.into());
    let factory = RecordingFactory::new();
    let session = build_session(&settings, &AuthSettings::new(), &*factory).unwrap();
    assert!(session.use_fips());
    assert_eq!(session.service_endpoint(), None);
    let sts = &factory.assume_role_params()[0].sts;
    assert_eq!(sts.use_fips, Some(true));
    assert_eq!(sts.endpoint, None);
}

#[test]
fn sts_endpoint_is_used_for_sts_only() {
    for endpoint in [
        "sts.eu-west-1.amazonaws.com",
        "https://sts.eu-west-1.amazonaws.com",
    ] {
        let mut settings = keys("eu-west-1");
        settings.endpoint = Some(endpoint.into());
        settings.assume_role_arn = Some(ROLE.into());
        let factory = RecordingFactory::new();
        let session = build_session(&settings, &AuthSettings::new(), &*factory).unwrap();
        assert_eq!(session.service_endpoint(), None, "{endpoint}");
        assert_eq!(
            factory.assume_role_params()[0].sts.endpoint.as_deref(),
            Some("https://sts.eu-west-1.amazonaws.com")
        );
    }
}

#[test]
fn service_endpoint_is_exposed_and_not_used_for_sts() {
    let mut settings = keys("eu-west-1");
    settings.endpoint = Some("vpce-123.monitoring.eu-west-1.vpce.amazonaws.com".into());
    settings.assume_role_arn = Some(ROLE.into());
    let factory = RecordingFactory::new();
    let session = build_session(&settings, &AuthSettings::new(), &*factory).unwrap();
    assert_eq!(
        session.service_endpoint(),
        Some("https://vpce-123.monitoring.eu-west-1.vpce.amazonaws.com")
    );
    assert_eq!(factory.assume_role_params()[0].sts.endpoint, None);
}

#[test]
fn a_region_that_is_not_a_host_label_is_refused() {
    let settings = keys("evil.example#");
    let factory = RecordingFactory::new();
    let err = build_session(&settings, &AuthSettings::new(), &*factory).unwrap_err();
    assert_eq!(err.kind(), DatasourceErrorKind::InvalidConfiguration);
    assert!(err.to_string().contains("jsonData.region"), "{err}");
    assert!(factory.calls().is_empty());
}

fn grafana_assume_role() -> DatasourceSettings {
    let mut s = DatasourceSettings::new(AuthType::GrafanaAssumeRole);
    s.assume_role_arn = Some(ROLE.into());
    s.external_id = Some("user-chosen".into());
    s.endpoint = Some("sts.eu-west-1.amazonaws.com".into());
    s.default_region = Some("eu-west-1".into());
    s
}

#[test]
fn grafana_assume_role_uses_the_servers_external_id_and_sts_settings() {
    let mut location = PlatformCredentials::default();
    location.key_directory = Some(PathBuf::from("/run/aws"));
    let policy = all_allowed()
        .external_id("stack-1234")
        .platform_credentials(location);
    let factory = RecordingFactory::new();
    build_session(&grafana_assume_role(), &policy, &*factory).unwrap();

    let p = &factory.assume_role_params()[0];
    assert_eq!(
        p.external_id.as_deref(),
        Some("stack-1234"),
        "never the data source's"
    );
    assert_eq!(
        p.sts.endpoint, None,
        "the data source cannot redirect the platform's STS calls"
    );
    assert_eq!(p.sts.region.as_deref(), Some("eu-west-1"));
    assert!(matches!(
        &factory.calls()[0],
        Call::Profile { name: Some(n), .. } if n == "assume_role_credentials"
    ));
}

#[tokio::test]
async fn grafana_assume_role_with_one_key_file_is_invalid() {
    let fs = MemFs::new();
    fs.insert("/tmp/aws.credentials/access-key-id", "AKIDPLATFORM");
    let cx = Context::builder().fs(fs).build();
    let factory = RecordingFactory::new();
    let session = build_session(
        &grafana_assume_role(),
        // The server's detail (a local tool's view; a tenant sees a short message).
        &all_allowed()
            .external_id("stack-1234")
            .full_error_detail(true),
        &*factory,
    )
    .unwrap();
    let err = session.provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(err.to_string().contains("secret-access-key"), "{err}");
}

#[test]
fn grafana_assume_role_needs_an_arn_and_a_server_external_id() {
    let factory = RecordingFactory::new();
    let mut no_arn = grafana_assume_role();
    no_arn.assume_role_arn = None;
    let err = build_session(&no_arn, &all_allowed().external_id("stack"), &*factory).unwrap_err();
    assert!(err.to_string().contains("jsonData.assumeRoleArn"), "{err}");

    let err = build_session(&grafana_assume_role(), &all_allowed(), &*factory).unwrap_err();
    assert!(err.to_string().contains("AWS_AUTH_EXTERNAL_ID"), "{err}");
    assert_eq!(err.kind(), DatasourceErrorKind::InvalidConfiguration);
    assert!(factory.calls().is_empty());
}

/// A factory that keeps the default `keys` method.
#[derive(Debug)]
struct DefaultKeys;

impl awsauth_datasource::SourceFactory for DefaultKeys {
    fn profile(
        &self,
        _: Option<&str>,
        _: Option<&std::path::Path>,
        _: &StsOptions,
    ) -> Arc<dyn CredentialSource> {
        unreachable!()
    }
    fn ec2_iam_role(&self) -> Arc<dyn CredentialSource> {
        unreachable!()
    }
    fn default_chain(&self, _: &StsOptions) -> Arc<dyn CredentialSource> {
        unreachable!()
    }
    fn assume_role(
        &self,
        _: Arc<dyn CredentialSource>,
        _: awsauth_datasource::AssumeRoleParams,
    ) -> Arc<dyn CredentialSource> {
        unreachable!()
    }
}

#[tokio::test]
async fn the_default_keys_source_behaves_like_the_static_source() {
    use awsauth_core::Status;
    let build = |key: Option<&str>, secret: Option<&str>, token: Option<&str>| {
        let mut s = DatasourceSettings::new(AuthType::Keys);
        s.access_key = key.map(str::to_owned);
        s.secret_key = secret.map(Into::into);
        s.session_token = token.map(Into::into);
        build_session(&s, &AuthSettings::new(), &DefaultKeys).unwrap()
    };

    let session = build(Some(" AKIDEXAMPLE "), Some(SECRET), Some("token"));
    let creds = session.provide(&cx()).await.unwrap();
    assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
    assert_eq!(creds.secret_access_key(), SECRET);
    assert_eq!(creds.session_token(), Some("token"));
    assert_eq!(creds.provenance().to_string(), "keys");
    assert_eq!(session.explain(&cx())[0].status, Status::Configured);
    assert!(!format!("{session:?}").contains("wJalr"));

    let session = build(Some(""), Some("  "), Some(" "));
    let err = session.provide(&cx()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "keys: invalid configuration: auth type `keys` selected but accessKey and secretKey are not set (no fallback)"
    );
    assert_eq!(session.explain(&cx())[0].status, Status::Invalid);

    let err = build(Some("AKIDEXAMPLE"), None, None)
        .provide(&cx())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(
        err.to_string()
            .contains("accessKey is set but secretKey is not"),
        "{err}"
    );
    let err = build(None, Some(SECRET), None)
        .provide(&cx())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("secretKey is set but accessKey is not"),
        "{err}"
    );
    assert!(!err.to_string().contains("wJalr"));
}

/// Grafana's per-data-source external id (issue 15.5): `grafanaExternalId` is sent only with
/// `usePerDatasourceExternalId: true`; `false`, unset (legacy) or blank sends the stack's.
#[test]
fn grafana_assume_role_sends_the_per_data_source_external_id_only_when_switched_on() {
    let policy = all_allowed().external_id("stack-1234");
    let sent = |own: Option<&str>, switch: Option<bool>| {
        let mut settings = grafana_assume_role();
        settings.grafana_external_id = own.map(str::to_owned);
        settings.use_per_datasource_external_id = switch;
        let factory = RecordingFactory::new();
        build_session(&settings, &policy, &*factory).unwrap();
        factory.assume_role_params()[0].external_id.clone()
    };
    assert_eq!(sent(Some("ds-7"), Some(true)).as_deref(), Some("ds-7"));
    assert_eq!(
        sent(Some("ds-7"), Some(false)).as_deref(),
        Some("stack-1234")
    );
    assert_eq!(sent(Some("ds-7"), None).as_deref(), Some("stack-1234"));
    assert_eq!(sent(Some("  "), Some(true)).as_deref(), Some("stack-1234"));
    assert_eq!(sent(None, Some(true)).as_deref(), Some("stack-1234"));

    // Read from the data source JSON.
    let settings = DatasourceSettings::from_json(
        r#"{"jsonData": {"authType": "grafana_assume_role", "assumeRoleArn": "arn:aws:iam::123456789012:role/grafana",
            "grafanaExternalId": "ds-9", "usePerDatasourceExternalId": true}}"#,
    )
    .unwrap();
    let factory = RecordingFactory::new();
    build_session(&settings, &all_allowed(), &*factory).unwrap();
    assert_eq!(
        factory.assume_role_params()[0].external_id.as_deref(),
        Some("ds-9"),
        "a per-data-source id needs no stack id on the server"
    );
    let err =
        DatasourceSettings::from_json(r#"{"jsonData": {"usePerDatasourceExternalId": "yes"}}"#)
            .unwrap_err();
    assert!(
        err.to_string()
            .contains("jsonData.usePerDatasourceExternalId"),
        "{err}"
    );
}
