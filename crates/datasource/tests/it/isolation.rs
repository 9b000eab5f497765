//! Tenant isolation (issue 19): what a data source's settings choose — endpoint, profile,
//! role — never sends the server's own identity (its environment keys, web identity token,
//! instance or container role, the platform's keys) anywhere the server's policy does not
//! allow. Every request goes through [`Wire`], which records the host it was for and what it
//! carried; loopback requests reach the `testkit` fakes, any other host is unreachable.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use awsauth_core::{Context, CredentialSource, MapEnv, MemFs, SystemClock, async_trait};
use awsauth_datasource::{
    AuthSettings, AuthType, DatasourceSettings, PlatformCredentials, StandardFactory, build_session,
};
use awsauth_http::{
    HttpClient, HttpError, HttpErrorKind, HttpRequest, HttpResponse, HttpSettings, HyperTransport,
    Transport,
};
use awsauth_testkit::{FakeSts, RoleRule};

pub(crate) const SERVER_KEY: &str = "AKIDSERVERAMBIENT";
pub(crate) const SERVER_SECRET: &str = "server-secret-wJalrXUtnFEMI";
pub(crate) const TENANT_KEY: &str = "AKIDTENANTOWNKEYS";
pub(crate) const TENANT_SECRET: &str = "tenant-secret-bPxRfiCYEXAMPLE";
pub(crate) const POD_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.the-pods-service-account-token";
pub(crate) const POD_ROLE: &str = "arn:aws:iam::111111111111:role/grafana-pod";
pub(crate) const ROLE: &str = "arn:aws:iam::222222222222:role/tenant-reader";
pub(crate) const FOREIGN: &str = "sts.attacker.example";

/// One request as it left the process.
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    /// `host[:port]` the request was addressed to.
    pub(crate) host: String,
    /// The access key id of its SigV4 `Authorization` header, if signed.
    pub(crate) access_key_id: Option<String>,
    /// The form body (STS requests: action, role, the web identity token).
    pub(crate) body: String,
}

impl Sent {
    pub(crate) fn is_loopback(&self) -> bool {
        let host = self.host.rsplit_once(':').map_or(&*self.host, |(h, _)| h);
        host == "127.0.0.1" || host == "localhost" || host == "[::1]"
    }
}

/// A transport that records every request; loopback requests go on to the fakes, anything
/// else fails at once (no test reaches the internet).
#[derive(Debug, Default)]
pub(crate) struct Wire {
    sent: Mutex<Vec<Sent>>,
    inner: Option<HyperTransport>,
}

impl Wire {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            sent: Mutex::new(Vec::new()),
            inner: Some(HyperTransport::new(None)),
        })
    }

    pub(crate) fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }

    pub(crate) fn hosts(&self) -> Vec<String> {
        self.sent().into_iter().map(|s| s.host).collect()
    }
}

fn access_key_of(request: &HttpRequest) -> Option<String> {
    let auth = request.headers.get("authorization")?.to_str().ok()?;
    let credential = auth.split("Credential=").nth(1)?;
    Some(credential.split('/').next()?.to_owned())
}

#[async_trait]
impl Transport for Wire {
    async fn send(
        &self,
        request: HttpRequest,
        settings: &HttpSettings,
    ) -> Result<HttpResponse, HttpError> {
        let sent = Sent {
            host: request
                .uri
                .authority()
                .map(|a| a.as_str().to_owned())
                .unwrap_or_default(),
            access_key_id: access_key_of(&request),
            body: String::from_utf8_lossy(&request.body).into_owned(),
        };
        let loopback = sent.is_loopback();
        self.sent.lock().unwrap().push(sent);
        match &self.inner {
            Some(inner) if loopback => inner.send(request, settings).await,
            // Final (not retried), so a test reaching a foreign host fails fast.
            _ => Err(HttpError::new(
                HttpErrorKind::InvalidRequest,
                request.endpoint(),
                "unreachable (test network)",
            )),
        }
    }
}

/// The server's context: its environment, files and the recording wire.
pub(crate) fn server(vars: &[(&str, &str)], fs: &MemFs, wire: &Arc<Wire>) -> Context {
    let env: MapEnv = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .chain([("HOME".to_owned(), "/home/grafana".to_owned())])
        .collect();
    let transport: Arc<dyn Transport> = Arc::clone(wire) as Arc<dyn Transport>;
    Context::builder()
        .clock(Arc::new(SystemClock))
        .env(env)
        .fs(fs.clone())
        .http(HttpClient::from_transport(transport))
        .build()
}

pub(crate) async fn fake_sts() -> FakeSts {
    let sts = FakeSts::start().await.unwrap();
    sts.add_key(SERVER_KEY, SERVER_SECRET);
    sts.add_key(TENANT_KEY, TENANT_SECRET);
    sts.accept_web_identity_tokens(&[POD_TOKEN]);
    sts.add_role(ROLE, RoleRule::default());
    sts.add_role(POD_ROLE, RoleRule::default());
    sts
}

/// A pod with a web identity (EKS IRSA): its token file and role in the environment, STS
/// reached through `AWS_ENDPOINT_URL_STS` (the server's own setting).
fn pod(sts: &FakeSts, fs: &MemFs, wire: &Arc<Wire>) -> Context {
    fs.insert("/var/run/secrets/eks/token", POD_TOKEN);
    server(
        &[
            ("AWS_ENDPOINT_URL_STS", &sts.endpoint()),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/eks/token"),
            ("AWS_ROLE_ARN", POD_ROLE),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
        fs,
        wire,
    )
}

fn with_endpoint(auth_type: AuthType, endpoint: &str) -> DatasourceSettings {
    let mut s = DatasourceSettings::new(auth_type);
    s.endpoint = Some(endpoint.into());
    s.default_region = Some("eu-west-1".into());
    s
}

#[tokio::test]
async fn a_tenants_sts_endpoint_never_receives_the_pods_web_identity_token() {
    let (sts, fs, wire) = (fake_sts().await, MemFs::new(), Wire::new());
    let cx = pod(&sts, &fs, &wire);
    let settings = with_endpoint(AuthType::Default, FOREIGN);
    let session = build_session(&settings, &AuthSettings::new(), &StandardFactory::new());
    if let Ok(session) = session {
        let _ = session.provide(&cx).await;
    }
    for sent in wire.sent() {
        assert!(
            !sent.body.contains(POD_TOKEN) || sent.is_loopback(),
            "the pod's token went to {}",
            sent.host
        );
    }
    assert!(!wire.hosts().iter().any(|h| h.contains("attacker")));
}

#[tokio::test]
async fn the_default_chain_keeps_the_servers_sts_endpoint_whatever_the_data_source_says() {
    let (sts, fs, wire) = (fake_sts().await, MemFs::new(), Wire::new());
    let cx = pod(&sts, &fs, &wire);
    // An AWS STS host is acceptable for the data source's own hop, but the pod's web identity
    // call still goes where the server's environment says.
    let settings = with_endpoint(AuthType::Default, "sts.eu-west-1.amazonaws.com");
    let session = build_session(&settings, &AuthSettings::new(), &StandardFactory::new()).unwrap();
    let creds = session.provide(&cx).await.unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        format!("web-identity:{POD_ROLE}")
    );
    assert!(
        wire.sent().iter().all(Sent::is_loopback),
        "{:?}",
        wire.hosts()
    );
    assert_eq!(sts.successful("AssumeRoleWithWebIdentity"), 1);
}

#[tokio::test]
async fn the_servers_credentials_are_never_signed_for_a_foreign_sts_host() {
    let (sts, fs, wire) = (fake_sts().await, MemFs::new(), Wire::new());
    let env_keys = server(
        &[
            ("AWS_ENDPOINT_URL_STS", &sts.endpoint()),
            ("AWS_ACCESS_KEY_ID", SERVER_KEY),
            ("AWS_SECRET_ACCESS_KEY", SERVER_SECRET),
        ],
        &fs,
        &wire,
    );
    for auth_type in [
        AuthType::Default,
        AuthType::Credentials,
        AuthType::Ec2IamRole,
    ] {
        for endpoint in [
            FOREIGN.to_owned(),
            format!("https://{FOREIGN}"),
            "sts.eu-west-1.amazonaws.com.attacker.example".to_owned(),
            "https://sts.eu-west-1.amazonaws.com:8443".to_owned(),
            "http://sts.eu-west-1.amazonaws.com".to_owned(),
        ] {
            let mut settings = with_endpoint(auth_type, &endpoint);
            settings.assume_role_arn = Some(ROLE.into());
            let policy = AuthSettings::new().allow(AuthType::ALL);
            let err = build_session(&settings, &policy, &StandardFactory::new())
                .expect_err(&format!("{auth_type} with {endpoint}"));
            assert!(err.is_not_allowed(), "{err}");
            let text = err.to_string();
            assert!(text.contains("jsonData.endpoint"), "{text}");
            assert!(text.contains("allowed_sts_endpoints"), "{text}");
            assert!(text.contains("AWS_AUTH_AllowedStsEndpoints"), "{text}");
        }
    }
    // Nothing was built, so nothing was sent.
    let _ = env_keys;
    assert!(wire.sent().is_empty(), "{:?}", wire.hosts());
}

#[tokio::test]
async fn a_profiles_own_role_hops_follow_the_server_not_the_data_source() {
    let (sts, fs, wire) = (fake_sts().await, MemFs::new(), Wire::new());
    fs.insert(
        "/home/grafana/.aws/config",
        format!(
            "[profile base]\naws_access_key_id = {SERVER_KEY}\naws_secret_access_key = {SERVER_SECRET}\n\
             [profile ops]\nrole_arn = {POD_ROLE}\nsource_profile = base\n"
        ),
    );
    let cx = server(&[("AWS_ENDPOINT_URL_STS", &sts.endpoint())], &fs, &wire);
    let mut settings = with_endpoint(AuthType::Credentials, "sts.eu-west-1.amazonaws.com");
    settings.profile = Some("ops".into());
    settings.assume_role_arn = Some(ROLE.into());
    let session = build_session(&settings, &AuthSettings::new(), &StandardFactory::new()).unwrap();
    // The data source's own hop goes to the AWS host it names (unreachable here).
    let _ = session.provide(&cx).await.unwrap_err();
    let sent = wire.sent();
    let profile_hop = sent
        .iter()
        .find(|s| s.access_key_id.as_deref() == Some(SERVER_KEY))
        .expect("the profile's hop was made");
    assert!(
        profile_hop.is_loopback(),
        "the profile's hop went to {} instead of the server's AWS_ENDPOINT_URL_STS",
        profile_hop.host
    );
    assert_eq!(sts.successful("AssumeRole"), 1);
    assert!(
        sent.iter()
            .any(|s| s.host == "sts.eu-west-1.amazonaws.com" && s.body.contains("tenant-reader")),
        "{:?}",
        wire.hosts()
    );
}

#[tokio::test]
async fn a_tenants_own_keys_may_go_to_the_tenants_own_sts_host() {
    let (sts, fs, wire) = (fake_sts().await, MemFs::new(), Wire::new());
    let cx = server(
        &[
            ("AWS_ENDPOINT_URL_STS", &sts.endpoint()),
            ("AWS_ACCESS_KEY_ID", SERVER_KEY),
            ("AWS_SECRET_ACCESS_KEY", SERVER_SECRET),
        ],
        &fs,
        &wire,
    );
    let mut settings = with_endpoint(AuthType::Keys, FOREIGN);
    settings.access_key = Some(TENANT_KEY.into());
    settings.secret_key = Some(TENANT_SECRET.into());
    settings.assume_role_arn = Some(ROLE.into());
    let session = build_session(&settings, &AuthSettings::new(), &StandardFactory::new()).unwrap();
    let _ = session.provide(&cx).await.unwrap_err();
    let sent = wire.sent();
    assert!(!sent.is_empty());
    for s in &sent {
        assert_eq!(s.host, FOREIGN);
        assert_eq!(s.access_key_id.as_deref(), Some(TENANT_KEY));
    }
}

#[tokio::test]
async fn the_servers_allow_list_widens_the_rule_to_named_hosts() {
    let (sts, fs, wire) = (fake_sts().await, MemFs::new(), Wire::new());
    let cx = server(
        &[
            ("AWS_ENDPOINT_URL_STS", &sts.endpoint()),
            ("AWS_ACCESS_KEY_ID", SERVER_KEY),
            ("AWS_SECRET_ACCESS_KEY", SERVER_SECRET),
        ],
        &fs,
        &wire,
    );
    let policy = AuthSettings::new()
        .allowed_sts_endpoints(["sts.internal.example", "*.sts.corp.example:8443"])
        .unwrap();
    let mut settings = with_endpoint(AuthType::Default, "sts.internal.example");
    settings.assume_role_arn = Some(ROLE.into());
    let session = build_session(&settings, &policy, &StandardFactory::new()).unwrap();
    let _ = session.provide(&cx).await.unwrap_err();
    assert!(wire.hosts().iter().all(|h| h == "sts.internal.example"));

    for (endpoint, ok) in [
        ("https://sts.eu.sts.corp.example:8443", true),
        ("https://sts.eu.sts.corp.example", false),
        ("sts.internal.example.evil", false),
    ] {
        let mut settings = with_endpoint(AuthType::Default, endpoint);
        settings.assume_role_arn = Some(ROLE.into());
        let built = build_session(&settings, &policy, &StandardFactory::new());
        assert_eq!(built.is_ok(), ok, "{endpoint}");
    }
}

#[test]
fn the_allow_list_is_read_from_the_environment_and_the_ini_file() {
    let cx = Context::builder()
        .env(MapEnv::from([(
            "AWS_AUTH_AllowedStsEndpoints",
            "sts.internal.example, *.sts.corp.example",
        )]))
        .build();
    let policy = AuthSettings::from_env(&cx).unwrap();
    assert_eq!(
        policy.allowed_sts_endpoints,
        ["sts.internal.example", "*.sts.corp.example"]
    );
    let policy = AuthSettings::from_ini_str(
        "[aws]\nallowed_sts_endpoints = sts.internal.example:4443\n",
        "grafana.ini",
    )
    .unwrap();
    assert_eq!(policy.allowed_sts_endpoints, ["sts.internal.example:4443"]);
    let err = AuthSettings::from_ini_str(
        "[aws]\nallowed_sts_endpoints = https://sts.internal.example/\n",
        "grafana.ini",
    )
    .unwrap_err();
    assert!(
        err.to_string().contains(
            "allowed_sts_endpoints = \"https://sts.internal.example/\" (grafana.ini line 2)"
        ),
        "{err}"
    );
    assert!(AuthSettings::new().allowed_sts_endpoints.is_empty());
}

#[test]
fn grafana_assume_role_ignores_the_data_sources_endpoint_even_a_foreign_one() {
    let mut location = PlatformCredentials::default();
    location.key_directory = Some(PathBuf::from("/run/aws"));
    let policy = AuthSettings::new()
        .allow(AuthType::ALL)
        .external_id("stack-1")
        .platform_credentials(location);
    let mut settings = with_endpoint(AuthType::GrafanaAssumeRole, FOREIGN);
    settings.assume_role_arn = Some(ROLE.into());
    let session = build_session(&settings, &policy, &StandardFactory::new()).unwrap();
    assert_eq!(session.sts().endpoint, None);
}

// --- 19.2: the platform's profile ---------------------------------------------------------

const PLATFORM_PROFILE_KEY: &str = "AKIDPLATFORMPROFILE";

fn shared_files_with_the_platform_profile() -> MemFs {
    let fs = MemFs::new();
    fs.insert(
        "/home/grafana/.aws/credentials",
        format!(
            "[assume_role_credentials]\naws_access_key_id = {PLATFORM_PROFILE_KEY}\n\
             aws_secret_access_key = platform-secret\n\
             [tenant]\naws_access_key_id = {SERVER_KEY}\naws_secret_access_key = {SERVER_SECRET}\n"
        ),
    );
    fs.insert(
        "/home/grafana/.aws/config",
        format!(
            "[profile via-platform]\nrole_arn = {ROLE}\nsource_profile = assume_role_credentials\n"
        ),
    );
    fs
}

fn credentials(profile: &str) -> DatasourceSettings {
    let mut s = DatasourceSettings::new(AuthType::Credentials);
    s.profile = Some(profile.into());
    s.default_region = Some("eu-west-1".into());
    s
}

#[tokio::test]
async fn a_credentials_data_source_cannot_select_the_platform_profile() {
    let (sts, fs, wire) = (
        fake_sts().await,
        shared_files_with_the_platform_profile(),
        Wire::new(),
    );
    let cx = server(&[("AWS_ENDPOINT_URL_STS", &sts.endpoint())], &fs, &wire);
    for extra_role in [false, true] {
        let mut settings = credentials("assume_role_credentials");
        if extra_role {
            settings.assume_role_arn = Some(ROLE.into());
            settings.external_id = Some("stack-1234".into());
        }
        match build_session(&settings, &AuthSettings::new(), &StandardFactory::new()) {
            Err(err) => {
                assert!(err.is_not_allowed(), "{err}");
                assert!(err.to_string().contains("jsonData.profile"), "{err}");
            }
            Ok(session) => {
                let outcome = session.provide(&cx).await;
                panic!("the platform profile was usable: {outcome:?}");
            }
        }
    }
    assert!(wire.sent().is_empty());
}

#[tokio::test]
async fn a_tenant_profile_cannot_reach_the_platform_profile_through_source_profile() {
    let (sts, fs, wire) = (
        fake_sts().await,
        shared_files_with_the_platform_profile(),
        Wire::new(),
    );
    sts.set_verify_signatures(false);
    let cx = server(&[("AWS_ENDPOINT_URL_STS", &sts.endpoint())], &fs, &wire);
    let session = build_session(
        &credentials("via-platform"),
        &AuthSettings::new(),
        &StandardFactory::new(),
    )
    .unwrap();
    let err = session.provide(&cx).await.unwrap_err();
    assert_eq!(
        err.kind(),
        awsauth_core::ErrorKind::InvalidConfiguration,
        "{err}"
    );
    assert!(
        wire.sent()
            .iter()
            .all(|s| s.access_key_id.as_deref() != Some(PLATFORM_PROFILE_KEY)),
        "a request was signed with the platform's keys"
    );
    // The detail, for the server's operator.
    let detailed = build_session(
        &credentials("via-platform"),
        &AuthSettings::new().full_error_detail(true),
        &StandardFactory::new(),
    )
    .unwrap();
    let err = detailed.provide(&cx).await.unwrap_err();
    assert!(err.to_string().contains("the platform's"), "{err}");
    assert!(session.plan(&cx).is_err());
}

#[tokio::test]
async fn the_platform_profile_in_its_own_file_is_out_of_tenant_profiles_reach() {
    let (sts, fs, wire) = (fake_sts().await, MemFs::new(), Wire::new());
    sts.add_key(PLATFORM_PROFILE_KEY, "platform-secret");
    fs.insert(
        "/etc/grafana/platform-credentials",
        format!(
            "[assume_role_credentials]\naws_access_key_id = {PLATFORM_PROFILE_KEY}\n\
             aws_secret_access_key = platform-secret\n"
        ),
    );
    fs.insert(
        "/home/grafana/.aws/config",
        format!(
            "[profile via-platform]\nrole_arn = {ROLE}\nsource_profile = assume_role_credentials\n"
        ),
    );
    let cx = server(&[("AWS_ENDPOINT_URL_STS", &sts.endpoint())], &fs, &wire);
    let mut location = PlatformCredentials::default();
    location.key_directory = None;
    location.credentials_file = Some(PathBuf::from("/etc/grafana/platform-credentials"));
    let policy = AuthSettings::new()
        .allow(AuthType::ALL)
        .external_id("stack-1234")
        .platform_credentials(location);

    let tenant = build_session(
        &credentials("via-platform"),
        &policy,
        &StandardFactory::new(),
    )
    .unwrap();
    assert!(tenant.provide(&cx).await.is_err());

    let mut platform = DatasourceSettings::new(AuthType::GrafanaAssumeRole);
    platform.assume_role_arn = Some(ROLE.into());
    let platform = build_session(&platform, &policy, &StandardFactory::new()).unwrap();
    let creds = platform.provide(&cx).await.unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        format!("profile:assume_role_credentials -> assume-role:{ROLE}")
    );
    let signed: Vec<_> = wire
        .sent()
        .into_iter()
        .filter(|s| s.access_key_id.as_deref() == Some(PLATFORM_PROFILE_KEY))
        .collect();
    assert_eq!(signed.len(), 1, "only the platform's own hop");
}

// --- 19.3: operator profiles built on the server's ambient identity ------------------------

const OPS_ROLE: &str = "arn:aws:iam::333333333333:role/operator-ops";
const DENIED_ROLE: &str = "arn:aws:iam::333333333333:role/denied";

#[tokio::test]
async fn credential_source_profiles_give_the_role_never_the_ambient_credentials() {
    let sts = fake_sts().await;
    sts.add_role(
        DENIED_ROLE,
        RoleRule {
            external_id: Some("nobody-sends-this".into()),
        },
    );
    let imds = awsauth_testkit::FakeImds::start().await.unwrap();
    let container = awsauth_testkit::FakeContainer::start().await.unwrap();
    let imds_key = imds.credentials().access_key_id;
    let metadata = imds.credentials();
    sts.add_temporary_key(
        &metadata.access_key_id,
        &metadata.secret_access_key,
        &metadata.token,
    );
    // The container agent serves the same key id with another secret.
    sts.set_verify_signatures(false);
    let fs = MemFs::new();
    let mut config = String::new();
    for source in ["Environment", "Ec2InstanceMetadata", "EcsContainer"] {
        config.push_str(&format!(
            "[profile ok-{source}]\nrole_arn = {OPS_ROLE}\ncredential_source = {source}\n\
             [profile denied-{source}]\nrole_arn = {DENIED_ROLE}\ncredential_source = {source}\n\
             [profile bare-{source}]\ncredential_source = {source}\n"
        ));
    }
    fs.insert("/home/grafana/.aws/config", config);
    for detail in [false, true] {
        let wire = Wire::new();
        let cx = server(
            &[
                ("AWS_ENDPOINT_URL_STS", &sts.endpoint()),
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.endpoint()),
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &container.full_uri()),
                ("AWS_ACCESS_KEY_ID", SERVER_KEY),
                ("AWS_SECRET_ACCESS_KEY", SERVER_SECRET),
            ],
            &fs,
            &wire,
        );
        let policy = AuthSettings::new().full_error_detail(detail);
        for source in ["Environment", "Ec2InstanceMetadata", "EcsContainer"] {
            let ambient = |key: &str| key == SERVER_KEY || key == imds_key;
            let ok = build_session(
                &credentials(&format!("ok-{source}")),
                &policy,
                &StandardFactory::new(),
            )
            .unwrap();
            let creds = ok.provide(&cx).await.unwrap();
            assert!(
                !ambient(creds.access_key_id()),
                "{source}: {}",
                creds.provenance()
            );
            assert!(
                creds
                    .provenance()
                    .to_string()
                    .ends_with(&format!("assume-role:{OPS_ROLE}")),
                "{}",
                creds.provenance()
            );

            // A failed AssumeRole is an error, not the base; with or without the data
            // source's own role on top.
            for own_role in [None, Some(ROLE)] {
                let mut denied = credentials(&format!("denied-{source}"));
                denied.assume_role_arn = own_role.map(str::to_owned);
                let session = build_session(&denied, &policy, &StandardFactory::new()).unwrap();
                let err = session.provide(&cx).await.unwrap_err();
                assert_eq!(err.code(), Some("AccessDenied"), "{source}: {err}");
            }

            // credential_source without a role would be the ambient credentials themselves.
            let bare = build_session(
                &credentials(&format!("bare-{source}")),
                &policy,
                &StandardFactory::new(),
            )
            .unwrap();
            match bare.provide(&cx).await {
                Ok(creds) => panic!(
                    "{source}: the ambient credentials were handed out ({})",
                    creds.provenance()
                ),
                Err(err) => assert_eq!(
                    err.kind(),
                    awsauth_core::ErrorKind::InvalidConfiguration,
                    "{err}"
                ),
            }
        }
    }
}

// --- 19.7: the key directory's owner and mode ----------------------------------------------

#[tokio::test]
async fn a_key_directory_someone_else_could_write_is_refused() {
    use awsauth_core::MEMFS_UID;
    use awsauth_datasource::KeyDirectorySource;
    let cx_of = |fs: &MemFs| Context::builder().fs(fs.clone()).build();
    let source = KeyDirectorySource::new("/tmp/aws.credentials");
    for (mode, uid, ok) in [
        (0o600, MEMFS_UID, true),
        (0o644, MEMFS_UID, true),
        (0o440, 0, true),
        (0o600, MEMFS_UID + 1, false),
        (0o620, MEMFS_UID, false),
        (0o666, MEMFS_UID, false),
        (0o602, 0, false),
    ] {
        for planted in ["access-key-id", "secret-access-key"] {
            let fs = MemFs::new();
            for file in ["access-key-id", "secret-access-key"] {
                let (mode, uid) = if file == planted {
                    (mode, uid)
                } else {
                    (0o600, MEMFS_UID)
                };
                fs.insert_with_owner(format!("/tmp/aws.credentials/{file}"), "VALUE", mode, uid);
            }
            let outcome = source.provide(&cx_of(&fs)).await;
            assert_eq!(
                outcome.is_ok(),
                ok,
                "{planted} mode {mode:o} uid {uid}: {outcome:?}"
            );
            if let Err(err) = outcome {
                assert_eq!(err.kind(), awsauth_core::ErrorKind::InvalidConfiguration);
                let text = err.to_string();
                assert!(
                    text.contains(&format!("/tmp/aws.credentials/{planted}")),
                    "{text}"
                );
                assert!(
                    text.contains("writable by group or others")
                        || text.contains("belongs to user"),
                    "{text}"
                );
            }
        }
    }
}

// --- 19.6: errors a data source sees ----------------------------------------------------------

#[tokio::test]
async fn a_data_source_sees_a_short_error_and_the_server_logs_the_detail() {
    let fs = MemFs::new();
    fs.insert(
        "/home/grafana/.aws/credentials",
        "[ops-admin]\naws_access_key_id = A\naws_secret_access_key = B\n\
         [billing]\naws_access_key_id = A\naws_secret_access_key = B\n",
    );
    let wire = Wire::new();
    let cx = server(&[], &fs, &wire);
    let logs = awsauth_testkit::LogCapture::at(tracing::Level::WARN);
    let _guard = logs.install();
    let session = build_session(
        &credentials("grafana"),
        &AuthSettings::new(),
        &StandardFactory::new(),
    )
    .unwrap();
    let err = session.provide(&cx).await.unwrap_err();
    let text = err.to_string();
    for server_detail in ["/home/grafana", "ops-admin", "billing"] {
        assert!(!text.contains(server_detail), "{text}");
        assert!(
            logs.contains(server_detail),
            "the log lacks {server_detail}"
        );
    }
    assert_eq!(err.kind(), awsauth_core::ErrorKind::InvalidConfiguration);
    assert!(text.contains("auth type `credentials`"), "{text}");
    assert!(
        text.contains("\"grafana\""),
        "the tenant's own profile is named: {text}"
    );

    // A local tool keeps the detail.
    let detailed = build_session(
        &credentials("grafana"),
        &AuthSettings::new().full_error_detail(true),
        &StandardFactory::new(),
    )
    .unwrap();
    let text = detailed.provide(&cx).await.unwrap_err().to_string();
    assert!(text.contains("/home/grafana/.aws/credentials"), "{text}");
}

#[tokio::test]
async fn a_tenants_own_mistakes_keep_their_detail() {
    let mut settings = DatasourceSettings::new(AuthType::Keys);
    settings.access_key = Some(TENANT_KEY.into());
    let session = build_session(&settings, &AuthSettings::new(), &StandardFactory::new()).unwrap();
    let err = session
        .provide(&Context::builder().build())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("secretKey"), "{err}");
}

// --- 19.11: tenant-supplied text in errors and logs ------------------------------------------

#[test]
fn tenant_values_with_line_breaks_or_without_bound_are_refused_escaped() {
    let forged = "dev\n2026-01-01T00:00:00Z  INFO granted admin";
    let cases: Vec<(&str, DatasourceSettings)> = vec![
        ("jsonData.profile", {
            let mut s = credentials(forged);
            s.profile = Some(forged.into());
            s
        }),
        ("jsonData.assumeRoleArn", {
            let mut s = with_endpoint(AuthType::Default, "default");
            s.assume_role_arn = Some(format!("{ROLE}\r\nx"));
            s
        }),
        ("jsonData.externalId", {
            let mut s = with_endpoint(AuthType::Default, "default");
            s.assume_role_arn = Some(ROLE.into());
            s.external_id = Some("id\u{202e}txt".into());
            s
        }),
        ("jsonData.endpoint", {
            with_endpoint(
                AuthType::Default,
                &format!("sts.{}.example", "a".repeat(5000)),
            )
        }),
        ("jsonData.profile", credentials(&"p".repeat(300))),
    ];
    for (field, settings) in cases {
        let err = build_session(&settings, &AuthSettings::new(), &StandardFactory::new())
            .expect_err(field);
        let text = err.to_string();
        assert!(text.contains(field), "{text}");
        assert!(!text.contains('\n') && !text.contains('\r') && !text.contains('\u{202e}'));
        assert!(text.len() < 600, "{} characters", text.len());
    }
}

// --- 19.12: the service endpoint handed to callers --------------------------------------------

#[test]
fn the_service_endpoint_is_checked_like_the_sts_endpoint() {
    for (endpoint, ok) in [
        ("monitoring.eu-west-1.amazonaws.com", true),
        ("https://monitoring.example.com/prefix", true),
        ("http://localhost:4566", true),
        ("http://127.0.0.1:4566", true),
        ("http://monitoring.example.com", false),
        ("http://169.254.169.254", false),
        ("https://169.254.169.254/latest", false),
        ("http://169.254.170.2/v2/credentials", false),
        ("http://[fd00:ec2::254]", false),
        ("https://[fe80::1]", false),
        ("https://someone:hunter2@monitoring.example.com", false),
        ("https://monitoring.example.com/?x=1", false),
        ("ftp://monitoring.example.com", false),
        ("https://", false),
    ] {
        let settings = with_endpoint(AuthType::Default, endpoint);
        let built = build_session(&settings, &AuthSettings::new(), &StandardFactory::new());
        assert_eq!(built.is_ok(), ok, "{endpoint}: {:?}", built.err());
        if let Err(err) = built {
            let text = err.to_string();
            assert!(text.contains("jsonData.endpoint"), "{text}");
            assert!(!text.contains("hunter2"), "{text}");
        }
    }
    let opted_in = AuthSettings::new().insecure_service_endpoints(true);
    for (endpoint, ok) in [
        ("http://monitoring.example.com", true),
        ("http://169.254.169.254", false),
    ] {
        let settings = with_endpoint(AuthType::Default, endpoint);
        let built = build_session(&settings, &opted_in, &StandardFactory::new());
        assert_eq!(built.is_ok(), ok, "{endpoint}");
    }
}
