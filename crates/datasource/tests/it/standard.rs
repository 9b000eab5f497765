//! Grafana's scenarios end to end: `StandardFactory` (the real sources, through
//! `awsauth-chain`) against `FakeSts` / `FakeImds` / a container agent on 127.0.0.1, with
//! in-memory files and environments. Endpoints reach the sources through the environment
//! (`AWS_ENDPOINT_URL_STS`, `AWS_EC2_METADATA_SERVICE_ENDPOINT`,
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI`), as they would in a deployment.

use awsauth_http::HttpClient;
use std::path::PathBuf;
use std::sync::Arc;

use awsauth_core::{Context, CredentialSource, ErrorKind, MapEnv, MemFs, SystemClock};
use awsauth_datasource::{
    AuthSettings, AuthType, DatasourceSettings, PlatformCredentials, SessionCache, StandardFactory,
    build_session,
};
use awsauth_testkit::{FakeContainer, FakeImds, FakeSts, RecordedCall, RoleRule};

const KEY: &str = "AKIDGRAFANAEXAMPLE";
const SECRET: &str = "grafana-secret-wJalrXUtnFEMI";
const ROLE: &str = "arn:aws:iam::123456789012:role/grafana-reader";
const ADMIN: &str = "arn:aws:iam::123456789012:role/grafana-admin";
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.service-account-token";

fn context(vars: &[(&str, &str)], fs: &MemFs) -> Context {
    let env: MapEnv = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .chain([("HOME".to_owned(), "/home/grafana".to_owned())])
        .collect();
    Context::builder()
        .clock(Arc::new(SystemClock))
        .env(env)
        .fs(fs.clone())
        .http(HttpClient::hyper())
        .build()
}

async fn fake_sts() -> FakeSts {
    let sts = FakeSts::start().await.unwrap();
    sts.add_key(KEY, SECRET);
    sts
}

fn all_allowed() -> AuthSettings {
    AuthSettings::new().allow(AuthType::ALL)
}

fn keys() -> DatasourceSettings {
    let mut s = DatasourceSettings::new(AuthType::Keys);
    s.access_key = Some(KEY.into());
    s.secret_key = Some(SECRET.into());
    s.default_region = Some("eu-west-1".into());
    s
}

fn assume_role_calls(sts: &FakeSts) -> Vec<RecordedCall> {
    sts.calls()
        .into_iter()
        .filter(|c| c.action == "AssumeRole")
        .collect()
}

#[tokio::test]
async fn keys_give_the_keys() {
    let session = build_session(&keys(), &AuthSettings::new(), &StandardFactory::new()).unwrap();
    let creds = session.provide(&context(&[], &MemFs::new())).await.unwrap();
    assert_eq!(creds.access_key_id(), KEY);
    assert_eq!(creds.provenance().to_string(), "keys");
}

#[tokio::test]
async fn keys_plus_assume_role_send_the_external_id_to_sts() {
    let sts = fake_sts().await;
    sts.add_role(
        ROLE,
        RoleRule {
            external_id: Some("tenant-42".into()),
        },
    );
    let mut settings = keys();
    settings.assume_role_arn = Some(ROLE.into());
    settings.external_id = Some("tenant-42".into());
    let session = build_session(&settings, &AuthSettings::new(), &StandardFactory::new()).unwrap();

    let cx = context(&[("AWS_ENDPOINT_URL_STS", &sts.endpoint())], &MemFs::new());
    let creds = session.provide(&cx).await.unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        format!("keys -> assume-role:{ROLE}")
    );
    let call = &assume_role_calls(&sts)[0];
    assert_eq!(call.error, None);
    assert_eq!(call.params["ExternalId"], "tenant-42");
    assert_eq!(
        call.params["DurationSeconds"], "900",
        "Grafana's 15 minutes"
    );
    assert_eq!(call.access_key_id.as_deref(), Some(KEY));
    assert_eq!(call.signing_region.as_deref(), Some("eu-west-1"));
}

#[tokio::test]
async fn an_sts_failure_surfaces_on_the_first_fetch_not_at_construction() {
    let sts = fake_sts().await;
    sts.add_role(
        ROLE,
        RoleRule {
            external_id: Some("the-right-one".into()),
        },
    );
    let mut settings = keys();
    settings.assume_role_arn = Some(ROLE.into());
    settings.external_id = Some("a-wrong-one".into());
    let session = build_session(&settings, &AuthSettings::new(), &StandardFactory::new()).unwrap();
    assert_eq!(sts.requests(), 0, "construction touches no network");

    let cx = context(&[("AWS_ENDPOINT_URL_STS", &sts.endpoint())], &MemFs::new());
    let err = session.provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    assert_eq!(err.code(), Some("AccessDenied"), "{err}");
    assert_eq!(sts.requests(), 1);
}

#[tokio::test]
async fn default_from_the_environment() {
    let session = build_session(
        &DatasourceSettings::new(AuthType::Default),
        &AuthSettings::new(),
        &StandardFactory::new(),
    )
    .unwrap();
    let cx = context(
        &[
            ("AWS_ACCESS_KEY_ID", KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
        &MemFs::new(),
    );
    let creds = session.provide(&cx).await.unwrap();
    assert_eq!(creds.provenance().to_string(), "env");
}

#[tokio::test]
async fn default_from_aws_shared_credentials_file() {
    let fs = MemFs::new();
    fs.insert(
        "/etc/grafana/aws-credentials",
        format!("[default]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n"),
    );
    let session = build_session(
        &DatasourceSettings::new(AuthType::Default),
        &AuthSettings::new(),
        &StandardFactory::new(),
    )
    .unwrap();
    let cx = context(
        &[(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/etc/grafana/aws-credentials",
        )],
        &fs,
    );
    let creds = session.provide(&cx).await.unwrap();
    assert_eq!(creds.access_key_id(), KEY);
    assert_eq!(creds.provenance().to_string(), "profile:default");
}

#[tokio::test]
async fn default_falls_through_to_web_identity_then_imds() {
    let sts = fake_sts().await;
    sts.accept_web_identity_tokens(&[TOKEN]);
    let imds = FakeImds::start().await.unwrap();
    let fs = MemFs::new();
    fs.insert("/var/run/secrets/eks/token", TOKEN);
    let (sts_url, imds_url) = (sts.endpoint(), imds.endpoint());
    let settings = DatasourceSettings::new(AuthType::Default);

    let web = context(
        &[
            ("AWS_ENDPOINT_URL_STS", &sts_url),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds_url),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/eks/token"),
            ("AWS_ROLE_ARN", ROLE),
        ],
        &fs,
    );
    let session = build_session(&settings, &AuthSettings::new(), &StandardFactory::new()).unwrap();
    let creds = session.provide(&web).await.unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        format!("web-identity:{ROLE}")
    );
    assert_eq!(imds.total_requests(), 0);

    let ec2 = context(
        &[
            ("AWS_ENDPOINT_URL_STS", &sts_url),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds_url),
        ],
        &fs,
    );
    let session = build_session(&settings, &AuthSettings::new(), &StandardFactory::new()).unwrap();
    let creds = session.provide(&ec2).await.unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        "imds:role/awsauth-demo-role"
    );
}

#[tokio::test]
async fn default_stops_at_a_half_configured_environment() {
    let imds = FakeImds::start().await.unwrap();
    let session = build_session(
        &DatasourceSettings::new(AuthType::Default),
        &AuthSettings::new().full_error_detail(true),
        &StandardFactory::new(),
    )
    .unwrap();
    let cx = context(
        &[
            ("AWS_ACCESS_KEY_ID", KEY),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.endpoint()),
        ],
        &MemFs::new(),
    );
    let err = session.provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(err.to_string().contains("AWS_SECRET_ACCESS_KEY"), "{err}");
    assert_eq!(imds.total_requests(), 0);
}

fn credentials_profile(name: &str) -> DatasourceSettings {
    let mut s = DatasourceSettings::new(AuthType::Credentials);
    s.profile = Some(name.into());
    s.default_region = Some("us-west-2".into());
    s
}

#[tokio::test]
async fn credentials_from_a_given_profile() {
    let fs = MemFs::new();
    fs.insert(
        "/home/grafana/.aws/credentials",
        format!("[grafana]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n"),
    );
    let session = build_session(
        &credentials_profile("grafana"),
        &AuthSettings::new(),
        &StandardFactory::new(),
    )
    .unwrap();
    let creds = session.provide(&context(&[], &fs)).await.unwrap();
    assert_eq!(creds.provenance().to_string(), "profile:grafana");
}

#[tokio::test]
async fn credentials_with_a_missing_profile_is_a_helpful_error_without_fallback() {
    let fs = MemFs::new();
    fs.insert(
        "/home/grafana/.aws/credentials",
        "[default]\naws_access_key_id = A\naws_secret_access_key = B\n",
    );
    let session = build_session(
        &credentials_profile("grafana"),
        &AuthSettings::new().full_error_detail(true),
        &StandardFactory::new(),
    )
    .unwrap();
    // The environment has keys too: they must not be used.
    let cx = context(
        &[
            ("AWS_ACCESS_KEY_ID", KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
        &fs,
    );
    let err = session.provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert_eq!(
        err.message(),
        "profile \"grafana\" not found in /home/grafana/.aws/credentials (profiles there: \
         default); it was named, so no other source is tried"
    );
}

#[tokio::test]
async fn credentials_with_a_role_profile_chains_two_hops_through_sts() {
    let sts = fake_sts().await;
    let fs = MemFs::new();
    fs.insert(
        "/home/grafana/.aws/config",
        format!(
            "[profile base]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n\
             [profile reader]\nrole_arn = {ROLE}\nsource_profile = base\nexternal_id = x-1\n\
             [profile admin]\nrole_arn = {ADMIN}\nsource_profile = reader\n"
        ),
    );
    let session = build_session(
        &credentials_profile("admin"),
        &AuthSettings::new(),
        &StandardFactory::new(),
    )
    .unwrap();
    let cx = context(&[("AWS_ENDPOINT_URL_STS", &sts.endpoint())], &fs);
    let creds = session.provide(&cx).await.unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        format!("profile:base -> assume-role:{ROLE} -> assume-role:{ADMIN}")
    );
    let calls = assume_role_calls(&sts);
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].params["ExternalId"], "x-1");
    // The data source's region is the STS region of every hop.
    assert!(
        calls
            .iter()
            .all(|c| c.signing_region.as_deref() == Some("us-west-2"))
    );
}

#[tokio::test]
async fn ec2_iam_role_asks_imds() {
    let imds = FakeImds::start().await.unwrap();
    let mut settings = DatasourceSettings::new(AuthType::Ec2IamRole);
    settings.default_region = Some("us-east-1".into());
    let session = build_session(&settings, &all_allowed(), &StandardFactory::new()).unwrap();
    let cx = context(
        &[
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.endpoint()),
            // Not used: ec2_iam_role means IMDS and nothing else.
            ("AWS_ACCESS_KEY_ID", KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
        &MemFs::new(),
    );
    let creds = session.provide(&cx).await.unwrap();
    assert_eq!(creds.access_key_id(), imds.credentials().access_key_id);
    assert_eq!(imds.credential_requests(), 1);
}

/// In a container (`AWS_CONTAINER_CREDENTIALS_*` set), `ec2_iam_role` is the container
/// credentials endpoint — an ECS task role or EKS Pod Identity — as in Grafana; IMDS is not
/// asked, not even when the endpoint fails (issue 15.4).
#[tokio::test]
async fn ec2_iam_role_in_a_container_uses_the_container_endpoint_and_never_imds() {
    let imds = FakeImds::start().await.unwrap();
    let agent = FakeContainer::start().await.unwrap();
    let session = build_session(
        &DatasourceSettings::new(AuthType::Ec2IamRole),
        &all_allowed(),
        &StandardFactory::new(),
    )
    .unwrap();
    let imds_endpoint = imds.endpoint();
    let full_uri = agent.full_uri();
    let cx = context(
        &[
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds_endpoint),
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &full_uri),
        ],
        &MemFs::new(),
    );
    let lines = session.explain(&cx);
    assert!(
        lines.iter().any(|l| l
            .reason
            .contains("AWS_CONTAINER_CREDENTIALS_FULL_URI is set")),
        "{lines:?}"
    );
    let creds = session.provide(&cx).await.unwrap();
    assert_eq!(creds.access_key_id(), agent.credentials().access_key_id);
    assert_eq!(agent.credential_requests(), 1);

    // A failing endpoint is that failure, never the instance role.
    let failing = build_session(
        &DatasourceSettings::new(AuthType::Ec2IamRole),
        &all_allowed(),
        &StandardFactory::new(),
    )
    .unwrap();
    agent.inject(awsauth_testkit::Fault::Status(500), 100);
    failing.provide(&cx).await.unwrap_err();
    assert_eq!(
        imds.received_requests(),
        0,
        "IMDS is never asked in a container"
    );
}

#[tokio::test]
async fn ec2_iam_role_off_ec2_is_an_error() {
    let session = build_session(
        &DatasourceSettings::new(AuthType::Ec2IamRole),
        &all_allowed().full_error_detail(true),
        &StandardFactory::new(),
    )
    .unwrap();
    let cx = context(&[("AWS_EC2_METADATA_DISABLED", "true")], &MemFs::new());
    let err = session.provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(
        err.to_string()
            .contains("auth type `ec2_iam_role` selected but"),
        "{err}"
    );
}

#[tokio::test]
async fn grafana_assume_role_uses_the_platform_keys_and_the_servers_external_id() {
    let sts = fake_sts().await;
    sts.add_role(
        ROLE,
        RoleRule {
            external_id: Some("stack-1234".into()),
        },
    );
    let fs = MemFs::new();
    fs.insert("/run/aws/access-key-id", format!("{KEY}\n"));
    fs.insert("/run/aws/secret-access-key", format!("{SECRET}\n"));
    let mut location = PlatformCredentials::default();
    location.key_directory = Some(PathBuf::from("/run/aws"));
    let policy = all_allowed()
        .external_id("stack-1234")
        .platform_credentials(location);
    let mut settings = DatasourceSettings::new(AuthType::GrafanaAssumeRole);
    settings.assume_role_arn = Some(ROLE.into());
    settings.external_id = Some("chosen-by-the-user".into());
    settings.default_region = Some("eu-west-1".into());
    let session = build_session(&settings, &policy, &StandardFactory::new()).unwrap();

    let cx = context(&[("AWS_ENDPOINT_URL_STS", &sts.endpoint())], &fs);
    let creds = session.provide(&cx).await.unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        format!("key-directory:/run/aws -> assume-role:{ROLE}")
    );
    let call = &assume_role_calls(&sts)[0];
    assert_eq!(call.params["ExternalId"], "stack-1234");
    assert_eq!(call.error, None);
}

#[tokio::test]
async fn grafana_assume_role_falls_back_to_the_platform_profile() {
    let sts = fake_sts().await;
    let fs = MemFs::new();
    fs.insert(
        "/etc/grafana/platform-credentials",
        format!("[assume_role_credentials]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n"),
    );
    let mut location = PlatformCredentials::default();
    location.key_directory = Some(PathBuf::from("/run/aws"));
    location.credentials_file = Some(PathBuf::from("/etc/grafana/platform-credentials"));
    let policy = all_allowed()
        .external_id("stack-1234")
        .platform_credentials(location);
    let mut settings = DatasourceSettings::new(AuthType::GrafanaAssumeRole);
    settings.assume_role_arn = Some(ROLE.into());
    let session = build_session(&settings, &policy, &StandardFactory::new()).unwrap();
    let cx = context(&[("AWS_ENDPOINT_URL_STS", &sts.endpoint())], &fs);
    let creds = session.provide(&cx).await.unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        format!("profile:assume_role_credentials -> assume-role:{ROLE}")
    );
}

#[tokio::test]
async fn an_opt_in_region_sends_sts_to_us_east_1() {
    let sts = fake_sts().await;
    let mut settings = keys();
    settings.region = Some("af-south-1".into());
    settings.assume_role_arn = Some(ROLE.into());
    let session = build_session(&settings, &AuthSettings::new(), &StandardFactory::new()).unwrap();
    assert_eq!(session.region(), Some("af-south-1"));
    let cx = context(&[("AWS_ENDPOINT_URL_STS", &sts.endpoint())], &MemFs::new());
    session.provide(&cx).await.unwrap();
    assert_eq!(
        assume_role_calls(&sts)[0].signing_region.as_deref(),
        Some("us-east-1")
    );
}

#[tokio::test]
async fn sessions_cache_credentials_and_edited_settings_make_a_new_session() {
    let sts = fake_sts().await;
    let cx = context(&[("AWS_ENDPOINT_URL_STS", &sts.endpoint())], &MemFs::new());
    let cache = SessionCache::standard(AuthSettings::new()).with_clock(cx.clock_handle());
    let mut settings = keys();
    settings.assume_role_arn = Some(ROLE.into());

    let session = cache.get(&settings).unwrap();
    let first = session.provide(&cx).await.unwrap();
    let again = cache.get(&settings).unwrap().provide(&cx).await.unwrap();
    assert!(first.ptr_eq(&again), "served from the credentials cache");
    assert_eq!(sts.successful("AssumeRole"), 1, "no second STS call");

    settings.external_id = Some("edited".into());
    let edited = cache.get(&settings).unwrap().provide(&cx).await.unwrap();
    assert!(!edited.ptr_eq(&first));
    assert_eq!(sts.successful("AssumeRole"), 2);
    let call = &assume_role_calls(&sts)[1];
    assert_eq!(call.params["ExternalId"], "edited");
}

#[test]
fn the_default_auth_type_uses_awsauths_own_chain_unless_the_sdk_feature_says_otherwise() {
    use awsauth_datasource::{SourceFactory, StsOptions};
    let ours = StandardFactory::new().default_chain(&StsOptions::default());
    assert_eq!(ours.name(), "default");
    #[cfg(feature = "sdk")]
    {
        let sdk = StandardFactory::new()
            .sdk_default_chain(true)
            .default_chain(&StsOptions::default());
        assert_eq!(sdk.name(), "sdk-default");
    }
}
