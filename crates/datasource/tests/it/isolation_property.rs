//! Issue 19's "done when": over every field a tenant controls — auth type, endpoint (AWS STS
//! hosts, foreign hosts, a service URL, a metadata address), profile (the platform's, operator
//! profiles built on `credential_source`, missing ones), assume role on or off, its own keys —
//! and the server's policy (allowed auth types, assume role enabled, an STS allow-list), under
//! every ambient identity a server may have (environment keys, a pod's web identity, a
//! container role, an instance role) and both homes of the platform's profile:
//!
//! 1. no request that is not signed with the tenant's own keys — every request that carries or
//!    is signed with the server's identity — reaches a host outside the rules (the server's
//!    own endpoints, AWS STS hosts, the server's allow-list);
//! 2. the server's ambient identity is what a data source gets only for the auth types that
//!    stand for it (`default`; `ec2_iam_role` for the instance role), the platform's keys
//!    never, and a data source that sets a role gets that role or an error, never its base;
//! 3. errors a data source sees name none of the server's files.

use std::path::PathBuf;
use std::sync::OnceLock;

use awsauth_core::{CredentialSource, MemFs};
use awsauth_datasource::{
    AuthSettings, AuthType, AuthTypeSet, DatasourceSettings, PlatformCredentials, StandardFactory,
    build_session,
};
use awsauth_testkit::{FakeContainer, FakeImds, FakeSts, RoleRule};
use proptest::prelude::*;

use crate::isolation::{
    POD_ROLE, POD_TOKEN, ROLE, SERVER_KEY, SERVER_SECRET, TENANT_KEY, TENANT_SECRET, Wire, server,
};

const PLATFORM_KEY: &str = "AKIDPLATFORMDIRKEY";
const PLATFORM_PROFILE_KEY: &str = "AKIDPLATFORMPROFILE";
const OPERATOR_PROFILE_KEY: &str = "AKIDOPERATORPROFILE";
const OPS_ROLE: &str = "arn:aws:iam::333333333333:role/operator-ops";
const DENIED_ROLE: &str = "arn:aws:iam::222222222222:role/needs-another-external-id";
const ALLOWED_HOST: &str = "sts.internal.example";

struct Fakes {
    rt: tokio::runtime::Runtime,
    sts: FakeSts,
    imds: FakeImds,
    container: FakeContainer,
}

fn fakes() -> &'static Fakes {
    static FAKES: OnceLock<Fakes> = OnceLock::new();
    FAKES.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (sts, imds, container) = rt.block_on(async {
            let imds = FakeImds::start().await.unwrap();
            let metadata = imds.credentials();
            let sts = FakeSts::start().await.unwrap();
            // Keys from IMDS, the container agent and STS itself sign later calls too.
            sts.add_key(SERVER_KEY, SERVER_SECRET);
            sts.add_key(PLATFORM_KEY, "platform-dir-secret");
            sts.add_key(PLATFORM_PROFILE_KEY, "platform-profile-secret");
            sts.add_key(OPERATOR_PROFILE_KEY, "operator-secret");
            sts.add_key(TENANT_KEY, TENANT_SECRET);
            sts.accept_web_identity_tokens(&[POD_TOKEN]);
            sts.add_role(
                DENIED_ROLE,
                RoleRule {
                    external_id: Some("not-what-anyone-sends".into()),
                },
            );
            sts.add_temporary_key(
                &metadata.access_key_id,
                &metadata.secret_access_key,
                &metadata.token,
            );
            // The container agent serves the same key id with another secret.
            sts.set_verify_signatures(false);
            (sts, imds, FakeContainer::start().await.unwrap())
        });
        Fakes {
            rt,
            sts,
            imds,
            container,
        }
    })
}

/// The identity the server's process has of its own.
#[derive(Debug, Clone, Copy)]
enum Ambient {
    EnvKeys,
    WebIdentity,
    Container,
    Instance,
}

#[derive(Debug, Clone)]
struct Case {
    ambient: Ambient,
    platform_key_directory: bool,
    platform_own_file: bool,
    auth_type: AuthType,
    profile: Option<&'static str>,
    endpoint: Option<&'static str>,
    role: Option<&'static str>,
    external_id: Option<&'static str>,
    tenant_keys: bool,
    allow_all_auth_types: bool,
    assume_role_enabled: bool,
    allow_list: bool,
}

fn case() -> impl Strategy<Value = Case> {
    let server = (
        prop_oneof![
            Just(Ambient::EnvKeys),
            Just(Ambient::WebIdentity),
            Just(Ambient::Container),
            Just(Ambient::Instance)
        ],
        any::<bool>(),
        any::<bool>(),
    );
    let tenant = (
        prop::sample::select(AuthType::ALL.to_vec()),
        prop::option::of(prop::sample::select(vec![
            "operator",
            "assume_role_credentials",
            "ambient-env",
            "ambient-imds",
            "ambient-container",
            "bare-imds",
            "via-platform",
            "denied",
            "missing",
        ])),
        prop::option::of(prop::sample::select(vec![
            "sts.eu-west-1.amazonaws.com",
            "https://sts-fips.us-east-1.amazonaws.com",
            "vpce-0a1b2c3d.sts.eu-west-1.vpce.amazonaws.com",
            "sts.attacker.example",
            "https://sts.attacker.example:443",
            "sts.eu-west-1.amazonaws.com.attacker.example",
            "https://sts.eu-west-1.amazonaws.com:8443",
            ALLOWED_HOST,
            "monitoring.attacker.example",
            "http://169.254.169.254",
            "http://monitoring.attacker.example",
        ])),
        prop::option::of(prop::sample::select(vec![ROLE, DENIED_ROLE])),
        prop::option::of(Just("tenant-external-id")),
        any::<bool>(),
    );
    // Mostly permissive servers, so most cases get as far as a request.
    let policy = (
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.8),
        any::<bool>(),
    );
    (server, tenant, policy).prop_map(
        |(
            (ambient, platform_key_directory, platform_own_file),
            (auth_type, profile, endpoint, role, external_id, tenant_keys),
            (allow_all_auth_types, assume_role_enabled, allow_list),
        )| Case {
            ambient,
            platform_key_directory,
            platform_own_file,
            auth_type,
            profile,
            endpoint,
            role,
            external_id,
            tenant_keys,
            allow_all_auth_types,
            assume_role_enabled,
            allow_list,
        },
    )
}

fn files(case: &Case) -> MemFs {
    let fs = MemFs::new();
    fs.insert("/var/run/secrets/eks/token", POD_TOKEN);
    fs.insert(
        "/home/grafana/.aws/config",
        format!(
            "[profile ambient-env]\nrole_arn = {OPS_ROLE}\ncredential_source = Environment\n\
             [profile ambient-imds]\nrole_arn = {OPS_ROLE}\ncredential_source = Ec2InstanceMetadata\n\
             [profile ambient-container]\nrole_arn = {OPS_ROLE}\ncredential_source = EcsContainer\n\
             [profile bare-imds]\ncredential_source = Ec2InstanceMetadata\n\
             [profile via-platform]\nrole_arn = {OPS_ROLE}\nsource_profile = assume_role_credentials\n\
             [profile denied]\nrole_arn = {DENIED_ROLE}\ncredential_source = Environment\n"
        ),
    );
    let platform_profile = format!(
        "[assume_role_credentials]\naws_access_key_id = {PLATFORM_PROFILE_KEY}\n\
         aws_secret_access_key = platform-profile-secret\n"
    );
    let operator = format!(
        "[operator]\naws_access_key_id = {OPERATOR_PROFILE_KEY}\n\
         aws_secret_access_key = operator-secret\n"
    );
    if case.platform_own_file {
        fs.insert("/home/grafana/.aws/credentials", operator);
        fs.insert("/etc/grafana/platform-credentials", platform_profile);
    } else {
        fs.insert(
            "/home/grafana/.aws/credentials",
            format!("{operator}{platform_profile}"),
        );
    }
    if case.platform_key_directory {
        fs.insert("/run/platform/access-key-id", PLATFORM_KEY);
        fs.insert("/run/platform/secret-access-key", "platform-dir-secret");
    }
    fs
}

fn settings(case: &Case) -> DatasourceSettings {
    let mut s = DatasourceSettings::new(case.auth_type);
    s.profile = case.profile.map(str::to_owned);
    s.endpoint = case.endpoint.map(str::to_owned);
    s.assume_role_arn = case.role.map(str::to_owned);
    s.external_id = case.external_id.map(str::to_owned);
    s.default_region = Some("eu-west-1".into());
    if case.tenant_keys {
        s.access_key = Some(TENANT_KEY.into());
        s.secret_key = Some(TENANT_SECRET.into());
    }
    s
}

fn policy(case: &Case) -> AuthSettings {
    let mut location = PlatformCredentials::default();
    location.key_directory = Some(PathBuf::from("/run/platform"));
    if case.platform_own_file {
        location.credentials_file = Some(PathBuf::from("/etc/grafana/platform-credentials"));
    }
    let allowed = if case.allow_all_auth_types {
        AuthTypeSet::all()
    } else {
        AuthTypeSet::grafana_default()
    };
    let mut policy = AuthSettings::new()
        .allow(allowed.iter())
        .assume_role_enabled(case.assume_role_enabled)
        .external_id("stack-1")
        .platform_credentials(location);
    if case.allow_list {
        policy = policy.allowed_sts_endpoints([ALLOWED_HOST]).unwrap();
    }
    policy
}

/// Whether a request that is not the tenant's own may go to `host` (`host[:port]`).
fn server_may_reach(host: &str, case: &Case) -> bool {
    let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
    let port_ok = host.rsplit_once(':').is_none_or(|(_, p)| p == "443");
    name == "127.0.0.1"
        || (awsauth_chain::is_aws_sts_host(name) && port_ok)
        || (case.allow_list && name == ALLOWED_HOST)
}

fn check(case: &Case) -> Result<(), TestCaseError> {
    let fakes = fakes();
    let wire = Wire::new();
    let fs = files(case);
    let mut vars = vec![
        ("AWS_ENDPOINT_URL_STS".to_owned(), fakes.sts.endpoint()),
        (
            "AWS_EC2_METADATA_SERVICE_ENDPOINT".to_owned(),
            fakes.imds.endpoint(),
        ),
    ];
    let ambient: &[(&str, String)] = &match case.ambient {
        Ambient::EnvKeys => vec![
            ("AWS_ACCESS_KEY_ID", SERVER_KEY.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", SERVER_SECRET.to_owned()),
        ],
        Ambient::WebIdentity => vec![
            (
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                "/var/run/secrets/eks/token".to_owned(),
            ),
            ("AWS_ROLE_ARN", POD_ROLE.to_owned()),
        ],
        Ambient::Container => vec![(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            fakes.container.full_uri(),
        )],
        Ambient::Instance => vec![],
    };
    vars.extend(ambient.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let cx = server(&vars, &fs, &wire);

    let built = build_session(&settings(case), &policy(case), &StandardFactory::new());
    let outcome = match &built {
        Ok(session) => Some(fakes.rt.block_on(session.provide(&cx))),
        Err(_) => None,
    };

    // 1. Where the server's identity went.
    for sent in wire.sent() {
        if sent.access_key_id.as_deref() == Some(TENANT_KEY) {
            prop_assert!(!sent.body.contains(POD_TOKEN));
            continue;
        }
        prop_assert!(
            server_may_reach(&sent.host, case),
            "a request {} went to {}",
            if sent.body.contains(POD_TOKEN) {
                "carrying the pod's web identity token".to_owned()
            } else {
                format!("signed with {:?}", sent.access_key_id)
            },
            sent.host
        );
    }

    // 2. What the data source got.
    match outcome {
        Some(Ok(creds)) => {
            let key = creds.access_key_id();
            let provenance = creds.provenance().to_string();
            prop_assert!(
                key != PLATFORM_KEY && key != PLATFORM_PROFILE_KEY,
                "the platform's keys were handed out ({provenance})"
            );
            let metadata_key = fakes.imds.credentials().access_key_id;
            let ambient_itself = key == SERVER_KEY
                || key == metadata_key
                || provenance == format!("web-identity:{POD_ROLE}");
            match case.auth_type {
                AuthType::Default => {}
                AuthType::Ec2IamRole => {
                    prop_assert!(key == metadata_key || case.role.is_some(), "{provenance}")
                }
                _ => prop_assert!(
                    !ambient_itself,
                    "the server's ambient identity was handed out ({provenance})"
                ),
            }
            if let Some(role) = case.role {
                prop_assert!(
                    provenance.ends_with(&format!("assume-role:{role}")),
                    "a role was set but the data source got {provenance}"
                );
            }
        }
        // 3. What a failure tells the data source.
        Some(Err(err)) => {
            let text = err.to_string();
            for secret_place in [
                "/home/grafana",
                "/run/platform",
                "/etc/grafana",
                "ambient-",
                "via-platform",
            ] {
                let named_by_tenant = case.profile.is_some_and(|p| p.contains(secret_place));
                prop_assert!(
                    named_by_tenant || !text.contains(secret_place),
                    "the error names the server's {secret_place}: {text}"
                );
            }
        }
        None => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_servers_identity_stays_where_the_policy_allows(case in case()) {
        check(&case)?;
    }
}

#[test]
fn the_property_sees_a_leak_when_there_is_one() {
    // The oracle itself: a foreign host receiving a server-signed request is caught.
    let case = Case {
        ambient: Ambient::EnvKeys,
        platform_key_directory: false,
        platform_own_file: false,
        auth_type: AuthType::Default,
        profile: None,
        endpoint: None,
        role: None,
        external_id: None,
        tenant_keys: false,
        allow_all_auth_types: true,
        assume_role_enabled: true,
        allow_list: false,
    };
    assert!(server_may_reach("127.0.0.1:4566", &case));
    assert!(server_may_reach("sts.eu-west-1.amazonaws.com", &case));
    assert!(!server_may_reach("sts.attacker.example", &case));
    assert!(!server_may_reach("sts.eu-west-1.amazonaws.com:8443", &case));
    assert!(!server_may_reach(ALLOWED_HOST, &case));
}
