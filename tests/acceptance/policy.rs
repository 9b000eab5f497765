//! Endpoint and file policy, end to end:
//!
//! - STS (AssumeRole, web identity) and container endpoints: plain http only to loopback (and,
//!   for the container, the ECS/EKS agent addresses), or for STS with the explicit code-only
//!   opt-in. A web identity token, a SigV4-signed request or a container authorization token
//!   is never handed to the network layer for plain http to another host: every refusal is
//!   checked with a transport that performs no I/O and records what would have been sent, so
//!   no packet ever leaves for the non-loopback addresses named here.
//! - A credentials file writable by its group or by others is refused, through the
//!   `credentials` auth type of `awsauth-datasource` (the CLI's part comes with the CLI).

use awsauth_sts_assume::StsClient;
use std::sync::Arc;
use std::time::Duration;

use awsauth_container::ContainerSource;
use awsauth_core::{Context, CredentialSource, ErrorKind, MapEnv, MemFs};
use awsauth_datasource::{AuthSettings, AuthType, DatasourceSettings, SessionCache};
use awsauth_static::StaticSource;
use awsauth_sts_assume::AssumeRoleSource;
use awsauth_web_identity::WebIdentitySource;

use crate::factory::RealFactory;
use crate::support::{Capture, NoNetwork, SkewClock, Tally, fast_http, report, scenario};

const KEY_ID: &str = "AKIDPOLICYTEST00001";
const SECRET: &str = "policy/SECRET+4e4e4e4e4e4e";
const WEB_IDENTITY_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.POLICY.sig";
const AGENT_TOKEN: &str = "policy+agent/AuthToken=5f5f5f";
const ROLE: &str = "arn:aws:iam::123456789012:role/policy";
const TOKEN_FILE: &str = "/var/run/secrets/token";
const SECRETS: &[&str] = &[SECRET, WEB_IDENTITY_TOKEN, AGENT_TOKEN];

/// Plain-http endpoints to hosts that are not loopback (none is ever contacted).
const REMOTE_HTTP: &[&str] = &[
    "http://10.255.255.1/",
    "HTTP://10.255.255.1/",
    "http://sts.example.internal/",
    "http://sts.us-east-1.amazonaws.com/",
    "http://127.0.0.1.nip.io/",
    "http://localhost.example.com/",
    "http://[fd00::1]:8080/",
    "http://[::ffff:10.0.0.1]/",
    "http://0.0.0.0/",
    "http://2130706433/",
    "http://169.254.169.254/",
];

/// Endpoints that are allowed for STS: https anywhere, plain http to loopback.
const ALLOWED: &[&str] = &[
    "https://sts.eu-west-1.amazonaws.com/",
    "https://10.255.255.1/",
    "http://127.0.0.1:9/",
    "http://localhost:9/",
    "http://[::1]:9/",
];

fn cx(env: MapEnv, fs: MemFs, transport: &NoNetwork) -> Context {
    transport.install(
        &Context::builder()
            .env(env)
            .fs(fs)
            .clock(Arc::new(SkewClock::default()))
            .build(),
    )
}

fn token_fs() -> MemFs {
    let fs = MemFs::new();
    fs.insert(TOKEN_FILE, WEB_IDENTITY_TOKEN);
    fs
}

/// The STS sources for `endpoint`, given in code or through the environment.
fn sts_sources(endpoint: &str, opt_in: bool) -> Vec<(String, Box<dyn CredentialSource>, MapEnv)> {
    let client = |explicit: bool| {
        let client = StsClient::new()
            .region("us-east-1")
            .allow_insecure_http(opt_in)
            .http_settings(fast_http());
        if explicit {
            client.endpoint_url(endpoint)
        } else {
            client
        }
    };
    let assume = |explicit: bool| {
        AssumeRoleSource::new(StaticSource::new(KEY_ID, SECRET), ROLE).sts_client(client(explicit))
    };
    let web =
        |explicit: bool| WebIdentitySource::new(TOKEN_FILE, ROLE).sts_client(client(explicit));
    let env_sts = MapEnv::from([("AWS_ENDPOINT_URL_STS", endpoint)]);
    let env_all = MapEnv::from([("AWS_ENDPOINT_URL", endpoint)]);
    vec![
        (
            "assume role, explicit".into(),
            Box::new(assume(true)),
            MapEnv::new(),
        ),
        (
            "assume role, AWS_ENDPOINT_URL_STS".into(),
            Box::new(assume(false)),
            env_sts.clone(),
        ),
        (
            "assume role, AWS_ENDPOINT_URL".into(),
            Box::new(assume(false)),
            env_all.clone(),
        ),
        (
            "web identity, explicit".into(),
            Box::new(web(true)),
            MapEnv::new(),
        ),
        (
            "web identity, AWS_ENDPOINT_URL_STS".into(),
            Box::new(web(false)),
            env_sts,
        ),
        (
            "web identity, AWS_ENDPOINT_URL".into(),
            Box::new(web(false)),
            env_all,
        ),
    ]
}

async fn refused_before_any_connection(
    capture: &Capture,
    label: &str,
    source: &dyn CredentialSource,
    cx: &Context,
    transport: &NoNetwork,
) {
    let outcome = source.provide(cx).await;
    capture.record_outcome(label, &outcome);
    let err = outcome.expect_err(label);
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidConfiguration,
        "{label}: {err}"
    );
    assert!(
        transport.endpoints().is_empty(),
        "{label}: reached the network layer: {:?}",
        transport.endpoints()
    );
    let explained = source.explain(cx);
    capture.record_debug(label, &explained);
}

#[test]
fn sts_refuses_plain_http_to_other_hosts_before_any_connection() {
    let mut count = 0;
    let scanned = scenario(
        "sts plain http",
        SECRETS,
        Duration::from_secs(60),
        |capture| {
            let count = &mut count;
            async move {
                for endpoint in REMOTE_HTTP {
                    for (how, source, env) in sts_sources(endpoint, false) {
                        let label = format!("{how} {endpoint}");
                        let transport = NoNetwork::default();
                        let cx = cx(env, token_fs(), &transport);
                        refused_before_any_connection(&capture, &label, &*source, &cx, &transport)
                            .await;
                        *count += 1;
                    }
                }
            }
        },
    );
    report(
        "policy::sts_plain_http",
        Tally {
            scenarios: count,
            lines_scanned: scanned.lines,
            ..Tally::default()
        },
    );
}

#[test]
fn sts_sends_to_https_loopback_and_explicitly_allowed_http_only() {
    let scanned = scenario(
        "sts allowed",
        SECRETS,
        Duration::from_secs(60),
        |capture| async move {
            for endpoint in ALLOWED {
                for (how, source, env) in sts_sources(endpoint, false) {
                    let label = format!("{how} {endpoint}");
                    let transport = NoNetwork::default();
                    let outcome = source.provide(&cx(env, token_fs(), &transport)).await;
                    capture.record_outcome(&label, &outcome);
                    // The transport refuses everything, so the call fails — after reaching it.
                    assert_eq!(
                        outcome.unwrap_err().kind(),
                        ErrorKind::ProviderFailed,
                        "{label}"
                    );
                    let sent = transport.endpoints();
                    assert_eq!(sent.len(), 3, "{label}: one attempt per retry: {sent:?}");
                    assert!(
                        sent.iter()
                            .all(|e| e.starts_with(endpoint.trim_end_matches('/'))),
                        "{label}: {sent:?}"
                    );
                }
            }
            // The code-only opt-in lets plain http through to another host (a test rig's
            // LocalStack by name, say); the environment alone never does.
            for (how, source, env) in sts_sources("http://10.255.255.1/", true) {
                let transport = NoNetwork::default();
                let outcome = source.provide(&cx(env, token_fs(), &transport)).await;
                capture.record_outcome(&how, &outcome);
                assert_eq!(transport.endpoints().len(), 3, "{how} with the opt-in");
            }
        },
    );
    report(
        "policy::sts_allowed",
        Tally {
            scenarios: ALLOWED.len() * 6 + 6,
            lines_scanned: scanned.lines,
            ..Tally::default()
        },
    );
}

#[test]
fn container_sends_its_token_in_clear_only_to_loopback_and_the_agents() {
    let remote = [
        "http://10.255.255.1/creds",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/creds",
        "http://agent.example.internal/creds",
        "http://169.254.170.2.nip.io/creds",
        "ftp://127.0.0.1/creds",
        "http://user:pass@127.0.0.1/creds",
    ];
    let allowed = [
        "http://127.0.0.1:9/v1/credentials",
        "http://localhost:9/creds",
        "http://[::1]:9/creds",
        "http://169.254.170.2/v2/credentials/id",
        "http://169.254.170.23/v1/credentials",
        "http://[fd00:ec2::23]/v1/credentials",
        "https://agent.example.internal/creds",
    ];
    let scanned = scenario(
        "container policy",
        SECRETS,
        Duration::from_secs(60),
        |capture| async move {
            let source = ContainerSource::builder()
                .http_settings(fast_http())
                .build();
            for uri in remote {
                for token_from_file in [false, true] {
                    let fs = MemFs::new();
                    fs.insert("/var/run/agent-token", AGENT_TOKEN);
                    let env = if token_from_file {
                        MapEnv::from([
                            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri),
                            (
                                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                "/var/run/agent-token",
                            ),
                        ])
                    } else {
                        MapEnv::from([
                            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri),
                            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", AGENT_TOKEN),
                        ])
                    };
                    let transport = NoNetwork::default();
                    let cx = cx(env, fs, &transport);
                    refused_before_any_connection(&capture, uri, &source, &cx, &transport).await;
                }
            }
            for uri in allowed {
                let env = MapEnv::from([
                    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri),
                    ("AWS_CONTAINER_AUTHORIZATION_TOKEN", AGENT_TOKEN),
                ]);
                let transport = NoNetwork::default();
                let outcome = source.provide(&cx(env, MemFs::new(), &transport)).await;
                capture.record_outcome(uri, &outcome);
                assert_eq!(
                    outcome.unwrap_err().kind(),
                    ErrorKind::ProviderFailed,
                    "{uri}"
                );
                assert_eq!(transport.endpoints().len(), 3, "{uri}");
            }
        },
    );
    report(
        "policy::container",
        Tally {
            scenarios: remote.len() * 2 + allowed.len(),
            lines_scanned: scanned.lines,
            ..Tally::default()
        },
    );
}

fn sessions() -> SessionCache {
    SessionCache::new(
        AuthSettings::new().allow([AuthType::Keys, AuthType::Credentials]),
        Arc::new(RealFactory::new(fast_http())),
    )
}

#[test]
fn datasource_sts_endpoint_follows_the_same_rule() {
    let scanned = scenario(
        "datasource sts endpoint",
        SECRETS,
        Duration::from_secs(60),
        |capture| async move {
            let sessions = sessions();
            for endpoint in [
                "http://sts.example.internal",
                "http://sts.10.255.255.1.nip.io",
            ] {
                let settings = DatasourceSettings::from_json(
                &serde_json::json!({
                    "jsonData": {"authType": "keys", "assumeRoleArn": ROLE, "endpoint": endpoint,
                                 "defaultRegion": "eu-west-1"},
                    "secureJsonData": {"accessKey": KEY_ID, "secretKey": SECRET},
                })
                .to_string(),
            )
            .unwrap();
                let session = sessions.get(&settings).unwrap();
                assert_eq!(session.sts().endpoint.as_deref(), Some(endpoint));
                let transport = NoNetwork::default();
                let cx = cx(MapEnv::new(), MemFs::new(), &transport);
                refused_before_any_connection(&capture, endpoint, &*session, &cx, &transport).await;
            }
        },
    );
    report(
        "policy::datasource_sts_endpoint",
        Tally {
            scenarios: 2,
            lines_scanned: scanned.lines,
            ..Tally::default()
        },
    );
}

#[test]
fn a_credentials_file_writable_by_others_is_refused_through_the_datasource() {
    let cases: &[(u32, bool)] = &[
        (0o600, true),
        (0o400, true),
        (0o640, true),
        (0o644, true),
        (0o660, false),
        (0o620, false),
        (0o602, false),
        (0o664, false),
        (0o666, false),
        (0o777, false),
        (0o100_622, false),
    ];
    let scanned = scenario(
        "credentials file mode",
        SECRETS,
        Duration::from_secs(60),
        |capture| async move {
            let settings = DatasourceSettings::from_json(
                r#"{"jsonData": {"authType": "credentials", "profile": "grafana"}}"#,
            )
            .unwrap();
            for &(mode, accepted) in cases {
                let fs = MemFs::new();
                fs.insert_with_mode(
                "/usr/share/grafana/.aws/credentials",
                format!("[grafana]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"),
                mode,
            );
                let transport = NoNetwork::default();
                let cx = cx(
                    MapEnv::from([("HOME", "/usr/share/grafana")]),
                    fs,
                    &transport,
                );
                // A fresh cache each time: the file is what changes, not the settings.
                let session = sessions().get(&settings).unwrap();
                let outcome = session.provide(&cx).await;
                capture.record_outcome(&format!("mode {mode:o}"), &outcome);
                match (accepted, outcome) {
                    (true, Ok(credentials)) => assert_eq!(credentials.access_key_id(), KEY_ID),
                    (false, Err(err)) => {
                        assert_eq!(
                            err.kind(),
                            ErrorKind::InvalidConfiguration,
                            "{mode:o}: {err}"
                        );
                        // The data source sees a short message; the server's log has the
                        // file and the fix.
                        let text = err.to_string();
                        assert!(
                            !text.contains("/usr/share/grafana/.aws/credentials"),
                            "{text}"
                        );
                        assert!(
                            capture.contains("/usr/share/grafana/.aws/credentials"),
                            "the log lacks the file"
                        );
                        assert!(capture.contains("chmod 600"), "the log lacks the fix");
                    }
                    (accepted, outcome) => {
                        panic!("mode {mode:o}: expected accepted={accepted}, got {outcome:?}")
                    }
                }
                assert!(transport.endpoints().is_empty());
            }
            assert!(
                capture.contains("readable by every user"),
                "a world-readable file is used with a warning"
            );
        },
    );
    report(
        "policy::credentials_file_mode",
        Tally {
            scenarios: cases.len(),
            lines_scanned: scanned.lines,
            ..Tally::default()
        },
    );
}

/// The identity a configuration must resolve to — or that it must stop, naming why, without
/// touching the network — by the rules of issue 15 items 1–3.
#[derive(Debug, PartialEq, Eq)]
enum Want {
    /// These keys, from no other source.
    Key(&'static str),
    /// An error, and nothing sent anywhere (no other identity was tried).
    Stop,
    /// The web identity role of the default chain (its STS call is what is sent).
    WebIdentity,
}

const ENV_KEY: &str = "AKIDPOLICYENV000001";
const READER_KEY: &str = "AKIDPOLICYREADER001";
const DEFAULT_KEY: &str = "AKIDPOLICYDEFAULT01";
const SETTINGS_KEY: &str = "AKIDPOLICYSETTINGS1";
const MISPLACED_KEY: &str = "AKIDPOLICYMISPLACE1";
const IDENTITY_SECRETS: &[&str] = &[
    "policy-env/SECRET+0a0a0a0a",
    "policy-reader/SECRET+1b1b1b1b",
    "policy-default/SECRET+2c2c2c2c",
    "policy-settings/SECRET+3d3d3d3d",
    "policy-misplaced/SECRET+4e4e4e4e",
    WEB_IDENTITY_TOKEN,
];

/// How a data source JSON carries (or misplaces) its keys.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// `secureJsonData.accessKey` / `secretKey`.
    Secure,
    /// No keys anywhere.
    NoKeys,
    /// `{"authType": …, "accessKey": …}` at the top level (Grafana reads none of it).
    Flat,
    /// The keys inside `jsonData`.
    InJsonData,
}

/// The model: what a configuration must resolve to.
fn want(
    auth_type: AuthType,
    profile: Option<&str>,
    aws_profile: Option<&str>,
    shape: Shape,
    env_keys: bool,
    web_identity: bool,
    default_profile: bool,
) -> Want {
    let named = |name: Option<&str>| match name {
        Some("reader") => Want::Key(READER_KEY),
        Some(_) => Want::Stop,
        None if default_profile => Want::Key(DEFAULT_KEY),
        None => Want::Stop,
    };
    match auth_type {
        AuthType::Keys => match shape {
            Shape::Secure => Want::Key(SETTINGS_KEY),
            _ => Want::Stop,
        },
        AuthType::Credentials => named(profile.or(aws_profile)),
        _ if env_keys => Want::Key(ENV_KEY),
        _ => match (aws_profile, default_profile, web_identity) {
            (Some(_), _, _) | (None, true, _) => named(aws_profile),
            (None, false, true) => Want::WebIdentity,
            (None, false, false) => Want::Stop,
        },
    }
}

/// Issue 15 items 1–3, over every combination: a data source gets the identity it was
/// configured for or an error, never another identity. A profile named by `AWS_PROFILE` or the
/// data source that does not exist stops (no web identity, no default profile); a settings
/// file's keys come only from `secureJsonData` (never the environment); keys Grafana would not
/// read are reported and never used.
#[test]
fn no_combination_yields_an_identity_other_than_the_configured_one() {
    let auth_types = [AuthType::Default, AuthType::Keys, AuthType::Credentials];
    let profiles = [None, Some("reader"), Some("raeder")];
    let shapes = [Shape::Secure, Shape::NoKeys, Shape::Flat, Shape::InJsonData];
    let mut combinations = Vec::new();
    for auth_type in auth_types {
        for profile in profiles {
            for aws_profile in profiles {
                for shape in shapes {
                    for bits in 0..8u8 {
                        combinations.push((auth_type, profile, aws_profile, shape, bits));
                    }
                }
            }
        }
    }
    let count = combinations.len();
    let scanned = scenario(
        "no other identity",
        IDENTITY_SECRETS,
        Duration::from_secs(120),
        |capture| async move {
            let policy = AuthSettings::new().allow(AuthType::ALL);
            let mut wrong = Vec::new();
            for (auth_type, profile, aws_profile, shape, bits) in combinations {
                let (env_keys, web_identity, default_profile) =
                    (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0);
                let mut json_data = serde_json::json!({"authType": auth_type.as_str()});
                if let Some(profile) = profile {
                    json_data["profile"] = profile.into();
                }
                let mut root = serde_json::json!({});
                match shape {
                    Shape::Secure => {
                        root["secureJsonData"] = serde_json::json!({
                            "accessKey": SETTINGS_KEY, "secretKey": IDENTITY_SECRETS[3]});
                    }
                    Shape::NoKeys => {}
                    Shape::Flat => {
                        root["authType"] = auth_type.as_str().into();
                        root["accessKey"] = MISPLACED_KEY.into();
                        root["secretKey"] = IDENTITY_SECRETS[4].into();
                        json_data = serde_json::json!({});
                        if let Some(profile) = profile {
                            json_data["profile"] = profile.into();
                        }
                    }
                    Shape::InJsonData => {
                        json_data["accessKey"] = MISPLACED_KEY.into();
                        json_data["secretKey"] = IDENTITY_SECRETS[4].into();
                    }
                }
                root["jsonData"] = json_data;
                let parsed = DatasourceSettings::parse_value(&root).unwrap();
                let misplaced = parsed.misplaced_secrets().count();
                let expect_misplaced = matches!(shape, Shape::Flat | Shape::InJsonData);
                if (misplaced > 0) != expect_misplaced {
                    wrong.push(format!(
                        "{shape:?}: misplaced secrets reported: {:?}",
                        parsed.ignored
                    ));
                }
                let settings = parsed.settings;

                let mut credentials = String::from("[reader]\n");
                credentials.push_str(&format!(
                    "aws_access_key_id = {READER_KEY}\naws_secret_access_key = {}\n",
                    IDENTITY_SECRETS[1]
                ));
                if default_profile {
                    credentials.push_str(&format!(
                        "[default]\naws_access_key_id = {DEFAULT_KEY}\naws_secret_access_key = {}\n",
                        IDENTITY_SECRETS[2]
                    ));
                }
                let fs = token_fs();
                fs.insert("/home/u/.aws/credentials", credentials);
                let mut env = vec![
                    ("HOME", "/home/u"),
                    ("AWS_REGION", "eu-west-1"),
                    ("AWS_EC2_METADATA_DISABLED", "true"),
                ];
                if let Some(name) = aws_profile {
                    env.push(("AWS_PROFILE", name));
                }
                if env_keys {
                    env.push(("AWS_ACCESS_KEY_ID", ENV_KEY));
                    env.push(("AWS_SECRET_ACCESS_KEY", IDENTITY_SECRETS[0]));
                }
                if web_identity {
                    env.push(("AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE));
                    env.push(("AWS_ROLE_ARN", ROLE));
                }
                let transport = NoNetwork::default();
                let cx = cx(
                    MapEnv::from_iter(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))),
                    fs,
                    &transport,
                );
                let session = awsauth_datasource::build_session(
                    &settings,
                    &policy,
                    &awsauth_datasource::StandardFactory::new(),
                )
                .unwrap();
                let outcome = session.provide(&cx).await;
                let plan = session.plan(&cx);
                capture.record_outcome(
                    &format!("{auth_type} {profile:?} {aws_profile:?} {shape:?} {bits}"),
                    &outcome,
                );
                let expected = want(
                    settings.auth_type,
                    settings.profile_name(),
                    aws_profile,
                    shape,
                    env_keys,
                    web_identity,
                    default_profile,
                );
                let sent = transport.endpoints();
                let ok = match (&expected, &outcome) {
                    (Want::Key(key), Ok(creds)) => {
                        creds.access_key_id() == *key && sent.is_empty() && plan.is_ok()
                    }
                    (Want::Stop, Err(_)) => sent.is_empty(),
                    (Want::WebIdentity, Err(_)) => {
                        sent.iter()
                            .all(|e| e.contains("sts.eu-west-1.amazonaws.com"))
                            && !sent.is_empty()
                    }
                    _ => false,
                };
                // The plan (what `explain` prints) stops exactly where resolving stops.
                let plan_agrees = match &expected {
                    Want::Stop => plan.is_err(),
                    _ => true,
                };
                if !ok || !plan_agrees {
                    wrong.push(format!(
                        "{auth_type} profile={profile:?} AWS_PROFILE={aws_profile:?} {shape:?} env_keys={env_keys} web_identity={web_identity} default={default_profile}: want {expected:?}, got {:?} (sent {sent:?}, plan {:?})",
                        outcome.as_ref().map(|c| c.access_key_id().to_owned()).map_err(|e| e.to_string()),
                        plan.as_ref().map(|p| format!("{p:?}")).map_err(|e| e.to_string())
                    ));
                }
                if let Ok(creds) = &outcome {
                    assert_ne!(
                        creds.access_key_id(),
                        MISPLACED_KEY,
                        "a key Grafana would not read was used"
                    );
                }
            }
            assert!(
                wrong.is_empty(),
                "{} of {count} wrong:\n{}",
                wrong.len(),
                wrong.join("\n")
            );
        },
    );
    report(
        "policy::no_other_identity",
        Tally {
            scenarios: count,
            lines_scanned: scanned.lines,
            ..Tally::default()
        },
    );
}
