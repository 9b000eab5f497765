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
    let assume = |explicit: bool| {
        let mut source = AssumeRoleSource::new(StaticSource::new(KEY_ID, SECRET), ROLE)
            .region("us-east-1")
            .allow_insecure_http(opt_in)
            .http_settings(fast_http());
        if explicit {
            source = source.endpoint_url(endpoint);
        }
        source
    };
    let web = |explicit: bool| {
        let mut source = WebIdentitySource::new(TOKEN_FILE, ROLE)
            .region("us-east-1")
            .allow_insecure_http(opt_in)
            .http_settings(fast_http());
        if explicit {
            source = source.endpoint_url(endpoint);
        }
        source
    };
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
