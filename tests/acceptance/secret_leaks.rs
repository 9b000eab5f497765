//! Secret leaks: every source, on its success and failure paths, runs under a TRACE capture
//! (see `support::scenario`); every log line, every error's `Display` / `Debug` (causes
//! included), every credential's and source's `Debug` and every `explain` line is searched for
//! the scenario's secrets — secret keys, session tokens, web identity tokens, container
//! authorization tokens, data source `secureJsonData` — and for the secrets the fakes issue.
//!
//! Zeroization is tested through `SecretString`'s own API.

use awsauth_sts_assume::StsClient;
use std::sync::Arc;
use std::time::Duration;

use awsauth_container::ContainerSource;
use awsauth_core::{
    CachedSource, Context, CredentialError, CredentialSource, Credentials, ErrorKind, MapEnv,
    MemFs, SecretString,
};
use awsauth_datasource::{AuthSettings, AuthType, DatasourceSettings, RequestSigner, SessionCache};
use awsauth_imds::{ImdsClient, ImdsSource};
use awsauth_profile::ProfileSource;
use awsauth_static::{EnvSource, StaticSource};
use awsauth_sts_assume::AssumeRoleSource;
use awsauth_testkit::{FakeContainer, FakeImds, FakeSts, Fault, ImdsCredentials, RoleRule};
use awsauth_web_identity::WebIdentitySource;
use zeroize::Zeroize;

use crate::factory::RealFactory;
use crate::support::{Capture, Counting, SkewClock, Tally, context, fast_http, report, scenario};

const LIMIT: Duration = Duration::from_secs(30);

const KEY_ID: &str = "AKIDLEAKTEST0000001";
const STATIC_SECRET: &str = "static+SECRET/wJalrXUtnFEMI/K7MDENG";
const STATIC_TOKEN: &str = "static/TOKEN+IQoJb3JpZ2luX2VjEXAMPLE==";
const ENV_SECRET: &str = "env+SECRET/bPxRfiCYEXAMPLEKEY";
const ENV_TOKEN: &str = "env/TOKEN+FwoGZXIvYXdzEXAMPLE==";
const PROFILE_SECRET: &str = "profile/SECRET+9f8e7d6c5b4a";
const PROFILE_TOKEN: &str = "profile+TOKEN/0a1b2c3d4e5f==";
const INSTANCE_SECRET: &str = "instance/SECRET+5a5a5a5a5a";
const INSTANCE_TOKEN: &str = "instance+TOKEN/6b6b6b6b6b6b==";
const TASK_SECRET: &str = "task/SECRET+7c7c7c7c7c7c";
const TASK_TOKEN: &str = "task+TOKEN/8d8d8d8d8d8d==";
const AGENT_TOKEN: &str = "agent/AuthToken+9e9e9e9e9e=";
const WEB_IDENTITY_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.WEBIDENTITY-payload.sig";
const BASE_SECRET: &str = "base+SECRET/1f1f1f1f1f1f1f";
const DS_SECRET: &str = "datasource/SECRET+2e2e2e2e2e";
const DS_TOKEN: &str = "datasource+TOKEN/3d3d3d3d3d==";

const ROLE: &str = "arn:aws:iam::123456789012:role/leak-test";
const TOKEN_FILE: &str = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";

const ALL_SECRETS: &[&str] = &[
    STATIC_SECRET,
    STATIC_TOKEN,
    ENV_SECRET,
    ENV_TOKEN,
    PROFILE_SECRET,
    PROFILE_TOKEN,
    INSTANCE_SECRET,
    INSTANCE_TOKEN,
    TASK_SECRET,
    TASK_TOKEN,
    AGENT_TOKEN,
    WEB_IDENTITY_TOKEN,
    BASE_SECRET,
    DS_SECRET,
    DS_TOKEN,
];

/// Asks `source` once, recording its `Debug`, its `explain` lines and the outcome.
async fn probe(
    capture: &Capture,
    label: &str,
    source: &dyn CredentialSource,
    cx: &Context,
) -> Result<Credentials, CredentialError> {
    capture.record_debug(label, &source);
    capture.record_debug(label, &source.explain(cx));
    let outcome = source.provide(cx).await;
    capture.record_outcome(label, &outcome);
    outcome
}

fn expect_kind(outcome: &Result<Credentials, CredentialError>, kind: ErrorKind) {
    match outcome {
        Err(err) => assert_eq!(err.kind(), kind, "{err}"),
        Ok(c) => panic!("expected {kind:?}, got credentials {c:?}"),
    }
}

fn base_cx(env: MapEnv, fs: MemFs) -> (Context, Counting) {
    let http = Counting::new();
    (context(env, fs, &SkewClock::default(), &http), http)
}

/// Reports one test: each outcome probed (a source, a configuration, success or failure) is a
/// scenario.
fn finish(test: &str, scanned: &[crate::support::Scanned]) {
    report(
        test,
        Tally {
            scenarios: scanned.iter().map(|s| s.outcomes).sum(),
            lines_scanned: scanned.iter().map(|s| s.lines).sum(),
            ..Tally::default()
        },
    );
}

#[test]
fn static_env_and_profile_sources_leak_nothing() {
    let mut scanned = Vec::new();
    scanned.push(scenario("static", ALL_SECRETS, LIMIT, |cap| async move {
        let (cx, _) = base_cx(MapEnv::new(), MemFs::new());
        let ok = StaticSource::new(KEY_ID, STATIC_SECRET).session_token(STATIC_TOKEN);
        let creds = probe(&cap, "static ok", &ok, &cx).await.unwrap();
        assert_eq!(creds.secret_access_key(), STATIC_SECRET);
        let half = StaticSource::from_parts(None, Some(SecretString::from(STATIC_SECRET)));
        let outcome = probe(&cap, "static half", &half, &cx).await;
        expect_kind(&outcome, ErrorKind::InvalidConfiguration);
    }));
    scanned.push(scenario("env", ALL_SECRETS, LIMIT, |cap| async move {
        let env = MapEnv::from([
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", ENV_SECRET),
            ("AWS_SESSION_TOKEN", ENV_TOKEN),
        ]);
        let (cx, _) = base_cx(env, MemFs::new());
        let creds = probe(&cap, "env ok", &EnvSource::new(), &cx).await.unwrap();
        assert_eq!(creds.session_token(), Some(ENV_TOKEN));
        cap.record_debug("env context", &cx);
        let env = MapEnv::from([
            ("AWS_SECRET_ACCESS_KEY", ENV_SECRET),
            ("AWS_SESSION_TOKEN", ENV_TOKEN),
        ]);
        let (cx, _) = base_cx(env, MemFs::new());
        let outcome = probe(&cap, "env half", &EnvSource::new(), &cx).await;
        assert!(outcome.is_err());
    }));
    scanned.push(scenario("profile", ALL_SECRETS, LIMIT, |cap| async move {
        let fs = MemFs::new();
        let env = MapEnv::from([("HOME", "/home/grafana")]);
        let path = "/home/grafana/.aws/credentials";
        fs.insert(
            path,
            format!(
                "[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {PROFILE_SECRET}\naws_session_token = {PROFILE_TOKEN}\n"
            ),
        );
        let (cx, _) = base_cx(env.clone(), fs.clone());
        let creds = probe(&cap, "profile ok", &ProfileSource::new(), &cx)
            .await
            .unwrap();
        assert_eq!(creds.secret_access_key(), PROFILE_SECRET);
        cap.record_debug("profile plan", &ProfileSource::new().plan(&cx));
        cap.record_debug("memfs", &fs);

        // A syntax error on the very line that holds the secret.
        fs.insert(
            path,
            format!("[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key {PROFILE_SECRET}\n"),
        );
        let outcome = probe(&cap, "profile syntax", &ProfileSource::new(), &cx).await;
        expect_kind(&outcome, ErrorKind::InvalidConfiguration);
        assert!(outcome.unwrap_err().to_string().contains("line 3"));

        // The secret without its key id; then the file writable by others.
        fs.insert(path, format!("[default]\naws_secret_access_key = {PROFILE_SECRET}\n"));
        let outcome = probe(&cap, "profile half", &ProfileSource::new(), &cx).await;
        assert!(outcome.is_err());
        fs.insert_with_mode(
            path,
            format!("[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {PROFILE_SECRET}\n"),
            0o666,
        );
        let outcome = probe(&cap, "profile mode", &ProfileSource::new(), &cx).await;
        expect_kind(&outcome, ErrorKind::InvalidConfiguration);
        // Lone CR line breaks: line breaks, as the AWS CLI reads them (issue 19 item 5), so
        // these are three lines and [default] has its keys; nothing is quoted either way.
        fs.insert(
            path,
            format!("[default]\raws_access_key_id = {KEY_ID}\raws_secret_access_key = {PROFILE_SECRET}\r[other]"),
        );
        let outcome = probe(&cap, "profile lone CRs", &ProfileSource::new(), &cx).await;
        assert_eq!(
            outcome.as_ref().map(|c| c.secret_access_key().to_owned()).ok().as_deref(),
            Some(PROFILE_SECRET)
        );
        // Invalid UTF-8 right after the secret.
        let mut bytes = format!("[default]\naws_secret_access_key = {PROFILE_SECRET}").into_bytes();
        bytes.extend_from_slice(&[0xff, 0xfe, b'\n']);
        fs.insert(path, bytes);
        let outcome = probe(&cap, "profile utf8", &ProfileSource::new(), &cx).await;
        expect_kind(&outcome, ErrorKind::InvalidConfiguration);
    }));
    finish("secret_leaks::static_env_profile", &scanned);
}

fn instance_credentials() -> ImdsCredentials {
    ImdsCredentials {
        access_key_id: "ASIAINSTANCE0000001".into(),
        secret_access_key: INSTANCE_SECRET.into(),
        token: INSTANCE_TOKEN.into(),
        ..ImdsCredentials::default()
    }
}

fn imds_source(imds: &FakeImds) -> ImdsSource {
    let client = ImdsClient::builder()
        .endpoint(imds.endpoint())
        .http_settings(fast_http())
        .build();
    ImdsSource::builder().client(client).build()
}

#[test]
fn imds_leaks_nothing_on_success_outage_and_expired_credentials() {
    let scanned = scenario("imds", ALL_SECRETS, LIMIT, |cap| async move {
        let imds = FakeImds::start().await.unwrap();
        imds.set_credentials(instance_credentials());
        let (cx, _) = base_cx(MapEnv::new(), MemFs::new());
        let source = imds_source(&imds);
        let creds = probe(&cap, "imds ok", &source, &cx).await.unwrap();
        assert_eq!(creds.session_token(), Some(INSTANCE_TOKEN));

        // An outage: static stability serves the last credentials, with a warning.
        imds.inject(Fault::Status(500), 100);
        let stale = probe(&cap, "imds outage", &source, &cx).await.unwrap();
        assert_eq!(stale.access_key_id(), creds.access_key_id());
        assert!(cap.contains("static stability"));
        imds.clear_faults();

        // Expired at receipt, on a source with nothing to fall back to.
        imds.set_credentials(ImdsCredentials {
            lifetime: Duration::ZERO,
            ..instance_credentials()
        });
        let fresh = imds_source(&imds);
        let outcome = probe(&cap, "imds expired", &fresh, &cx).await;
        expect_kind(&outcome, ErrorKind::ProviderFailed);
        // Malformed document and an unknown token.
        imds.set_credentials(instance_credentials());
        let warm = imds_source(&imds);
        warm.provide(&cx).await.unwrap();
        imds.inject(Fault::Malformed, 1);
        let outcome = probe(&cap, "imds malformed", &warm, &cx).await;
        expect_kind(&outcome, ErrorKind::ProviderFailed);
        imds.revoke_tokens();
        probe(&cap, "imds revoked", &warm, &cx).await.unwrap();
        cap.record_debug("imds client", warm.client());
    });
    finish("secret_leaks::imds", &[scanned]);
}

fn task_credentials() -> ImdsCredentials {
    ImdsCredentials {
        access_key_id: "ASIATASK00000000001".into(),
        secret_access_key: TASK_SECRET.into(),
        token: TASK_TOKEN.into(),
        ..ImdsCredentials::default()
    }
}

fn container_source() -> ContainerSource {
    ContainerSource::builder()
        .http_settings(fast_http())
        .build()
}

#[test]
fn container_leaks_neither_credentials_nor_its_authorization_token() {
    let scanned = scenario("container", ALL_SECRETS, LIMIT, |cap| async move {
        let agent = FakeContainer::start().await.unwrap();
        agent.set_credentials(task_credentials());
        agent.require_authorization(Some(AGENT_TOKEN));

        // The token from the environment, then from a file.
        let env = MapEnv::from([
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                agent.full_uri().as_str(),
            ),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", AGENT_TOKEN),
        ]);
        let (cx, _) = base_cx(env, MemFs::new());
        let creds = probe(&cap, "container env token", &container_source(), &cx)
            .await
            .unwrap();
        assert_eq!(creds.secret_access_key(), TASK_SECRET);
        let fs = MemFs::new();
        fs.insert("/var/run/pod-identity/token", format!("{AGENT_TOKEN}\n"));
        let env = MapEnv::from([
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                agent.full_uri().as_str(),
            ),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                "/var/run/pod-identity/token",
            ),
        ]);
        let (cx, _) = base_cx(env, fs);
        probe(&cap, "container file token", &container_source(), &cx)
            .await
            .unwrap();

        // Refused by the agent; a token that cannot be a header; plain http to a remote host.
        let wrong = format!("{AGENT_TOKEN}-rotated");
        let env = MapEnv::from([
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                agent.full_uri().as_str(),
            ),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", wrong.as_str()),
        ]);
        let (cx, _) = base_cx(env, MemFs::new());
        let outcome = probe(&cap, "container refused", &container_source(), &cx).await;
        expect_kind(&outcome, ErrorKind::ProviderFailed);
        let broken = format!("{AGENT_TOKEN}\r\nX-Injected: 1");
        let env = MapEnv::from([
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                agent.full_uri().as_str(),
            ),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", broken.as_str()),
        ]);
        let (cx, _) = base_cx(env, MemFs::new());
        let outcome = probe(&cap, "container bad header", &container_source(), &cx).await;
        expect_kind(&outcome, ErrorKind::InvalidConfiguration);
        let env = MapEnv::from([
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "http://10.255.255.1/creds",
            ),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", AGENT_TOKEN),
        ]);
        let (cx, http) = base_cx(env, MemFs::new());
        let outcome = probe(&cap, "container remote http", &container_source(), &cx).await;
        expect_kind(&outcome, ErrorKind::InvalidConfiguration);
        assert_eq!(http.attempts(), 0);
        // A body that is not JSON.
        agent.inject(Fault::Malformed, 1);
        let env = MapEnv::from([
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                agent.full_uri().as_str(),
            ),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", AGENT_TOKEN),
        ]);
        let (cx, _) = base_cx(env, MemFs::new());
        let outcome = probe(&cap, "container malformed", &container_source(), &cx).await;
        expect_kind(&outcome, ErrorKind::ProviderFailed);
    });
    finish("secret_leaks::container", &[scanned]);
}

fn assume_role(sts: &FakeSts, base: impl CredentialSource + 'static) -> AssumeRoleSource {
    AssumeRoleSource::new(base, ROLE).sts_client(
        StsClient::new()
            .endpoint_url(sts.endpoint())
            .region("us-east-1")
            .http_settings(fast_http()),
    )
}

#[test]
fn sts_sources_and_the_cache_leak_nothing() {
    let mut scanned = Vec::new();
    scanned.push(scenario(
        "assume role",
        ALL_SECRETS,
        LIMIT,
        |cap| async move {
            let sts = FakeSts::start().await.unwrap();
            sts.add_key(KEY_ID, BASE_SECRET);
            let (cx, _) = base_cx(MapEnv::new(), MemFs::new());
            let base = || StaticSource::new(KEY_ID, BASE_SECRET);
            let creds = probe(&cap, "assume ok", &assume_role(&sts, base()), &cx)
                .await
                .unwrap();
            assert!(creds.secret_access_key().starts_with("sts-secret-"));
            // A role chain: the issued credentials sign the next hop.
            let chain = assume_role(&sts, assume_role(&sts, base()));
            let creds = probe(&cap, "assume chain", &chain, &cx).await.unwrap();
            assert_eq!(creds.provenance().steps().len(), 3);

            // External id demanded but not given; a base key STS does not know; a garbled answer.
            sts.add_role(
                ROLE,
                RoleRule {
                    external_id: Some("tenant-42".into()),
                },
            );
            let outcome = probe(&cap, "assume denied", &assume_role(&sts, base()), &cx).await;
            expect_kind(&outcome, ErrorKind::ProviderFailed);
            assert_eq!(outcome.unwrap_err().code(), Some("AccessDenied"));
            let unknown =
                StaticSource::new("AKIDUNKNOWN00000001", BASE_SECRET).session_token(STATIC_TOKEN);
            let outcome = probe(&cap, "assume unknown key", &assume_role(&sts, unknown), &cx).await;
            expect_kind(&outcome, ErrorKind::ProviderFailed);
            sts.add_role(ROLE, RoleRule::default());
            sts.inject(Fault::Malformed, 1);
            let outcome = probe(&cap, "assume malformed", &assume_role(&sts, base()), &cx).await;
            expect_kind(&outcome, ErrorKind::ProviderFailed);
            sts.inject(Fault::Truncated, 10);
            let outcome = probe(&cap, "assume truncated", &assume_role(&sts, base()), &cx).await;
            expect_kind(&outcome, ErrorKind::ProviderFailed);
            sts.clear_faults();
            cap.record_debug("sts calls", &sts.calls());
        },
    ));
    scanned.push(scenario(
        "web identity",
        ALL_SECRETS,
        LIMIT,
        |cap| async move {
            let sts = FakeSts::start().await.unwrap();
            let fs = MemFs::new();
            fs.insert(TOKEN_FILE, WEB_IDENTITY_TOKEN);
            let (cx, _) = base_cx(MapEnv::new(), fs.clone());
            let source = || {
                WebIdentitySource::new(TOKEN_FILE, ROLE).sts_client(
                    StsClient::new()
                        .endpoint_url(sts.endpoint())
                        .region("us-east-1")
                        .http_settings(fast_http()),
                )
            };
            probe(&cap, "web identity ok", &source(), &cx)
                .await
                .unwrap();
            // From the environment, through the default variables.
            let env = MapEnv::from([
                ("AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE),
                ("AWS_ROLE_ARN", ROLE),
                ("AWS_ENDPOINT_URL_STS", sts.endpoint().as_str()),
                ("AWS_REGION", "eu-west-1"),
            ]);
            let (env_cx, _) = base_cx(env, fs.clone());
            let from_env = WebIdentitySource::from_env()
                .sts_client(StsClient::new().http_settings(fast_http()));
            probe(&cap, "web identity env", &from_env, &env_cx)
                .await
                .unwrap();

            // The token refused; the token file unreadable; a token with a control character.
            sts.accept_web_identity_tokens(&["some-other-token"]);
            let outcome = probe(&cap, "web identity refused", &source(), &cx).await;
            expect_kind(&outcome, ErrorKind::ProviderFailed);
            assert_eq!(outcome.unwrap_err().code(), Some("InvalidIdentityToken"));
            fs.insert(TOKEN_FILE, format!("{WEB_IDENTITY_TOKEN}\u{0}"));
            let outcome = probe(&cap, "web identity nul", &source(), &cx).await;
            expect_kind(&outcome, ErrorKind::InvalidConfiguration);
            fs.remove(TOKEN_FILE);
            let outcome = probe(&cap, "web identity missing", &source(), &cx).await;
            expect_kind(&outcome, ErrorKind::InvalidConfiguration);
            fs.insert(TOKEN_FILE, WEB_IDENTITY_TOKEN);
            sts.inject(
                Fault::StsError {
                    code: "IDPCommunicationError".into(),
                    status: 400,
                },
                10,
            );
            let outcome = probe(&cap, "web identity idp down", &source(), &cx).await;
            expect_kind(&outcome, ErrorKind::ProviderFailed);
            sts.clear_faults();
            cap.record_debug("sts calls", &sts.calls());
        },
    ));
    scanned.push(scenario("cache", ALL_SECRETS, LIMIT, |cap| async move {
        let sts = FakeSts::start().await.unwrap();
        sts.add_key(KEY_ID, BASE_SECRET);
        let clock = SkewClock::default();
        let http = Counting::new();
        let cx = context(MapEnv::new(), MemFs::new(), &clock, &http);
        let cached = CachedSource::new(assume_role(&sts, StaticSource::new(KEY_ID, BASE_SECRET)));
        let first = probe(&cap, "cache cold", &cached, &cx).await.unwrap();
        // Into the mandatory window with STS down: the cached credentials, and a warning.
        clock.advance(Duration::from_secs(15 * 60 - 30));
        sts.inject(Fault::Status(503), 100);
        let stale = probe(&cap, "cache stale", &cached, &cx).await.unwrap();
        assert!(stale.ptr_eq(&first));
        assert!(cap.contains("serving the cached ones"));
        cap.record_debug("cache status", &cached.status());
        // Past expiry with STS still down: the error, never the expired credentials.
        clock.advance(Duration::from_secs(60));
        let outcome = probe(&cap, "cache expired", &cached, &cx).await;
        assert!(outcome.is_err());
        // STS is back; time has passed for it too.
        sts.clear_faults();
        sts.set_clock_offset(Duration::from_secs(15 * 60 + 30));
        probe(&cap, "cache recovered", &cached, &cx).await.unwrap();
    }));
    finish("secret_leaks::sts_and_cache", &scanned);
}

fn settings(json: serde_json::Value) -> DatasourceSettings {
    DatasourceSettings::from_json(&json.to_string()).unwrap()
}

#[test]
fn datasource_sessions_leak_no_secure_json_data() {
    let scanned = scenario("datasource", ALL_SECRETS, LIMIT, |cap| async move {
        let sts = FakeSts::start().await.unwrap();
        sts.add_key(KEY_ID, DS_SECRET);
        let fs = MemFs::new();
        fs.insert(
            "/home/grafana/.aws/credentials",
            format!(
                "[reader]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {PROFILE_SECRET}\n"
            ),
        );
        let env = MapEnv::from([
            ("HOME", "/home/grafana"),
            ("AWS_ENDPOINT_URL_STS", sts.endpoint().as_str()),
        ]);
        let (cx, _) = base_cx(env, fs);
        let policy = AuthSettings::new()
            .allow([AuthType::Keys, AuthType::Credentials, AuthType::Default])
            .assume_role_enabled(true);
        let sessions = SessionCache::new(policy, Arc::new(RealFactory::new(fast_http())));
        cap.record_debug("session cache", &sessions);

        let keys = settings(serde_json::json!({
            "jsonData": {"authType": "keys", "defaultRegion": "eu-west-1"},
            "secureJsonData": {"accessKey": KEY_ID, "secretKey": DS_SECRET, "sessionToken": DS_TOKEN},
        }));
        cap.record_debug("settings", &keys);
        let session = sessions.get(&keys).unwrap();
        cap.record_debug("session", &session);
        let creds = probe(&cap, "ds keys", &*session, &cx).await.unwrap();
        assert_eq!(creds.secret_access_key(), DS_SECRET);
        let signer = RequestSigner::for_session(&session, "aps").unwrap();
        cap.record_debug("signer", &signer);
        let mut request = http::Request::builder()
            .method("POST")
            .uri("https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/query")
            .body(b"query=up".to_vec())
            .unwrap();
        signer.sign(&cx, &mut request).await.unwrap();
        let authorization = request.headers()["authorization"].to_str().unwrap();
        assert!(!authorization.contains(DS_SECRET));

        // Keys with assume role through FakeSts, then a role that demands an external id.
        let role = settings(serde_json::json!({
            "jsonData": {"authType": "keys", "assumeRoleArn": ROLE, "defaultRegion": "eu-west-1"},
            "secureJsonData": {"accessKey": KEY_ID, "secretKey": DS_SECRET},
        }));
        let session = sessions.get(&role).unwrap();
        probe(&cap, "ds assume", &*session, &cx).await.unwrap();
        let denied_role = "arn:aws:iam::123456789012:role/needs-external-id";
        sts.add_role(
            denied_role,
            RoleRule {
                external_id: Some("tenant-7".into()),
            },
        );
        let denied = settings(serde_json::json!({
            "jsonData": {"authType": "keys", "assumeRoleArn": denied_role, "externalId": "tenant-8"},
            "secureJsonData": {"accessKey": KEY_ID, "secretKey": DS_SECRET, "sessionToken": DS_TOKEN},
        }));
        let session = sessions.get(&denied).unwrap();
        let outcome = probe(&cap, "ds denied", &*session, &cx).await;
        expect_kind(&outcome, ErrorKind::ProviderFailed);

        // Half a key pair; a profile; settings JSON that is wrong around the secrets.
        let half = settings(serde_json::json!({
            "jsonData": {"authType": "keys"},
            "secureJsonData": {"secretKey": DS_SECRET, "sessionToken": DS_TOKEN},
        }));
        let session = sessions.get(&half).unwrap();
        let outcome = probe(&cap, "ds half", &*session, &cx).await;
        assert!(outcome.is_err());
        let profile = settings(serde_json::json!({
            "jsonData": {"authType": "credentials", "profile": "reader"},
        }));
        let session = sessions.get(&profile).unwrap();
        probe(&cap, "ds profile", &*session, &cx).await.unwrap();
        for bad in [
            serde_json::json!({"jsonData": {"authType": "keys", "region": 7},
                "secureJsonData": {"secretKey": DS_SECRET}}),
            serde_json::json!({"jsonData": {"authType": DS_TOKEN.len()},
                "secureJsonData": {"secretKey": DS_SECRET, "SECRETKEY": DS_TOKEN}}),
            serde_json::json!({"jsonData": {"authType": "keys"},
                "secureJsonData": {"secretKey": [DS_SECRET]}}),
            serde_json::json!({"jsonData": {"authType": "nope"},
                "secureJsonData": {"secretKey": DS_SECRET}}),
        ] {
            let err = DatasourceSettings::from_json(&bad.to_string()).unwrap_err();
            cap.record_error("ds settings", &err);
        }
        let text = format!(r#"{{"secureJsonData": {{"secretKey": "{DS_SECRET}", "#);
        let err = DatasourceSettings::from_json(&text).unwrap_err();
        cap.record_error("ds truncated json", &err);
        // The default chain (here: web identity from the environment) and the instance role.
        let imds = FakeImds::start().await.unwrap();
        imds.set_credentials(instance_credentials());
        let fs = MemFs::new();
        fs.insert(TOKEN_FILE, WEB_IDENTITY_TOKEN);
        let env = MapEnv::from([
            ("AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE),
            ("AWS_ROLE_ARN", ROLE),
            ("AWS_ENDPOINT_URL_STS", sts.endpoint().as_str()),
        ]);
        let (chain_cx, _) = base_cx(env, fs);
        let factory = RealFactory {
            imds_endpoint: Some(imds.endpoint()),
            ..RealFactory::new(fast_http())
        };
        let platform = SessionCache::new(
            AuthSettings::new().allow([AuthType::Default, AuthType::Ec2IamRole]),
            Arc::new(factory),
        );
        let default = settings(serde_json::json!({"jsonData": {"authType": "default"}}));
        let session = platform.get(&default).unwrap();
        let creds = probe(&cap, "ds default chain", &*session, &chain_cx)
            .await
            .unwrap();
        assert!(
            creds.provenance().to_string().contains("web-identity"),
            "{creds:?}"
        );
        let instance = settings(serde_json::json!({"jsonData": {"authType": "ec2_iam_role"}}));
        let session = platform.get(&instance).unwrap();
        let creds = probe(&cap, "ds instance role", &*session, &chain_cx)
            .await
            .unwrap();
        assert_eq!(creds.secret_access_key(), INSTANCE_SECRET);
        imds.set_role(None);
        let fresh = SessionCache::new(
            AuthSettings::new().allow([AuthType::Ec2IamRole]),
            Arc::new(RealFactory {
                imds_endpoint: Some(imds.endpoint()),
                ..RealFactory::new(fast_http())
            }),
        );
        let session = fresh.get(&instance).unwrap();
        let outcome = probe(&cap, "ds no instance role", &*session, &chain_cx).await;
        assert!(outcome.is_err());

        // The policy gate refuses before anything is built.
        let strict = SessionCache::new(
            AuthSettings::new().allow([AuthType::Default]),
            Arc::new(RealFactory::new(fast_http())),
        );
        let err = strict.get(&keys).unwrap_err();
        assert!(err.is_not_allowed());
        cap.record_error("ds not allowed", &err);
    });
    finish("secret_leaks::datasource", &[scanned]);
}

#[test]
fn secrets_are_wiped_by_zeroize() {
    let mut secret = SecretString::from(WEB_IDENTITY_TOKEN);
    let copy = secret.clone();
    assert_eq!(secret.len(), WEB_IDENTITY_TOKEN.len());
    secret.zeroize();
    assert!(secret.is_empty() && secret.is_blank());
    assert_eq!(secret.expose_secret(), "");
    // A clone is its own buffer: wiping one leaves the other intact, and its `Debug` stays
    // redacted.
    assert_eq!(copy.expose_secret(), WEB_IDENTITY_TOKEN);
    assert!(!format!("{copy:?}").contains(WEB_IDENTITY_TOKEN));
    let mut token = SecretString::from(String::from(DS_TOKEN));
    token.zeroize();
    assert_eq!(token, SecretString::default());
}

const PROCESS_ARGUMENT: &str = "process-ARGUMENT-4c4c4c4c4c";
const PROCESS_SECRET: &str = "process-SECRET-5d5d5d5d5d";
const LOGIN_SECRET: &str = "login-SECRET-6e6e6e6e6e";
const LOGIN_REFRESH: &str = "login-REFRESH-7f7f7f7f7f";
const LOGIN_ID_TOKEN: &str = "login-IDTOKEN-8a8a8a8a8a";
const DPOP_KEY_BODY: &str = "MHcCAQEEIImPrxP4tOYSNQTkUYfZXXANva";

const PROCESS_AND_LOGIN_SECRETS: &[&str] = &[
    PROCESS_ARGUMENT,
    PROCESS_SECRET,
    LOGIN_SECRET,
    LOGIN_REFRESH,
    LOGIN_ID_TOKEN,
    DPOP_KEY_BODY,
    "fake-signin-secret",
    "fake-signin-refresh",
    "fake-signin-session",
];

#[test]
fn process_and_login_sources_leak_nothing() {
    use awsauth_login::LoginSource;
    use awsauth_process::{ProcessRunner, ProcessSource};
    let mut scanned = Vec::new();
    scanned.push(scenario("credential_process", PROCESS_AND_LOGIN_SECRETS, LIMIT, |cap| async move {
        let (cx, _) = base_cx(MapEnv::from([("PATH", "/usr/bin:/bin")]), MemFs::new());
        let cx = cx.with_processes(ProcessRunner::os());
        let print = |version: u8| {
            format!(
                "printf '{{\"Version\":{version},\"AccessKeyId\":\"{KEY_ID}\",\"SecretAccessKey\":\"{PROCESS_SECRET}\"}}' --token {PROCESS_ARGUMENT}"
            )
        };
        let ok = ProcessSource::new(print(1)).profile("proc");
        let creds = probe(&cap, "process ok", &ok, &cx).await.unwrap();
        assert_eq!(creds.secret_access_key(), PROCESS_SECRET);
        cap.record_debug("process plan", &ok.plan(&cx));
        for (label, line) in [
            ("process version 2", print(2)),
            ("process exit 1", format!("echo {PROCESS_SECRET} >&2; exit 1 # {PROCESS_ARGUMENT}")),
            ("process not found", format!("/no/such/helper --token {PROCESS_ARGUMENT}")),
        ] {
            let source = ProcessSource::new(line).profile("proc");
            let outcome = probe(&cap, label, &source, &cx).await;
            expect_kind(&outcome, ErrorKind::ProviderFailed);
        }
        let refused = cx.with_processes(ProcessRunner::refusing("policy"));
        let outcome = probe(&cap, "process refused", &ok, &refused).await;
        expect_kind(&outcome, ErrorKind::InvalidConfiguration);
    }));
    scanned.push(scenario("login", PROCESS_AND_LOGIN_SECRETS, LIMIT, |cap| async move {
        let signin = awsauth_testkit::FakeSignin::start(LOGIN_REFRESH).await.unwrap();
        let key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIImPrxP4tOYSNQTkUYfZXXANva+s4T0CRvCnt8k5H+NnoAoGCCqGSM49\nAwEHoUQDQgAE/CqO73XDdE4arUaxD7e+oJDR9O5EK3pNfVwaqs5AMPpmk0NVKKnQ\nYmI7rArmt8TSpntR0J+2kdY7HxQYxm+egg==\n-----END EC PRIVATE KEY-----\n";
        let session = "arn:aws:iam::0123456789012:user/Admin";
        let path = format!(
            "/home/grafana/.aws/login/cache/{}",
            awsauth_login::cache_file_name(session)
        );
        let doc = |expires: &str, dpop: &str| {
            serde_json::json!({
                "accessToken": {"accessKeyId": KEY_ID, "secretAccessKey": LOGIN_SECRET,
                    "sessionToken": LOGIN_SECRET, "accountId": "0123456789012", "expiresAt": expires},
                "clientId": awsauth_testkit::SIGNIN_CLIENT_ID,
                "refreshToken": LOGIN_REFRESH, "idToken": LOGIN_ID_TOKEN, "dpopKey": dpop,
            })
            .to_string()
        };
        let fs = MemFs::new();
        fs.insert(&path, doc("2000-01-01T00:00:00Z", key));
        let endpoint = signin.endpoint();
        let env = MapEnv::from([
            ("HOME", "/home/grafana"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL_SIGNIN", endpoint.as_str()),
        ]);
        let (cx, _) = base_cx(env, fs.clone());
        let source = LoginSource::new(session).profile("signin").http_settings(fast_http());
        let creds = probe(&cap, "login renewed", &source, &cx).await.unwrap();
        assert!(creds.access_key_id().starts_with("ASIAFAKESIGNIN"));
        cap.record_debug("login memfs", &fs);
        signin.refuse(Some((401, "TOKEN_EXPIRED")));
        fs.insert(&path, doc("2000-01-01T00:00:00Z", key));
        let outcome = probe(&cap, "login refused", &source, &cx).await;
        expect_kind(&outcome, ErrorKind::ProviderFailed);
        fs.insert(&path, doc("2000-01-01T00:00:00Z", &key.replace("MHcC", "MHcD")));
        let outcome = probe(&cap, "login bad key", &source, &cx).await;
        expect_kind(&outcome, ErrorKind::ProviderFailed);
        fs.insert(&path, doc("not a time", key));
        let outcome = probe(&cap, "login bad expiry", &source, &cx).await;
        expect_kind(&outcome, ErrorKind::ProviderFailed);
    }));
    finish("secret_leaks::process_login", &scanned);
}

const SSO_ACCESS: &str = "sso-cache-ACCESS-TOKEN-4f4f4f4f";
const SSO_REFRESH: &str = "sso-cache-REFRESH-TOKEN-5e5e5e5e";
const SSO_CLIENT_SECRET: &str = "sso-cache-CLIENT-SECRET-6d6d6d6d";
const SSO_SECRETS: &[&str] = &[SSO_ACCESS, SSO_REFRESH, SSO_CLIENT_SECRET];

fn sso_cache(now: std::time::SystemTime, secs: i64, refreshable: bool) -> String {
    let at = |s: i64| {
        awsauth_core::timefmt::rfc3339(if s >= 0 {
            now + Duration::from_secs(s as u64)
        } else {
            now - Duration::from_secs(s.unsigned_abs())
        })
    };
    let mut doc = serde_json::json!({"accessToken": SSO_ACCESS, "expiresAt": at(secs)});
    if refreshable {
        doc["refreshToken"] = SSO_REFRESH.into();
        doc["clientId"] = "leak-client".into();
        doc["clientSecret"] = SSO_CLIENT_SECRET.into();
        doc["registrationExpiresAt"] = at(86_400).into();
    }
    doc.to_string()
}

/// IAM Identity Center: the cached access token, the refresh token, the client secret, the
/// tokens and credentials the fake issues — on success, refresh, refused refresh, refused token,
/// bad cache files and through a profile plan.
#[test]
fn sso_leaks_no_token_client_secret_or_credentials() {
    let secrets: Vec<&str> = ALL_SECRETS.iter().chain(SSO_SECRETS).copied().collect();
    let scanned = scenario("sso", &secrets, LIMIT, |cap| async move {
        let sso = awsauth_testkit::FakeSso::start().await.unwrap();
        sso.add_access_token(SSO_ACCESS)
            .add_client("leak-client", SSO_CLIENT_SECRET)
            .add_refresh_token(SSO_REFRESH);
        let fs = MemFs::new();
        let path = format!(
            "/home/grafana/.aws/sso/cache/{}",
            awsauth_sso::cache_file_name("corp")
        );
        let env = MapEnv::from([
            ("HOME", "/home/grafana"),
            ("AWS_ENDPOINT_URL_SSO", sso.endpoint().as_str()),
            ("AWS_ENDPOINT_URL_SSO_OIDC", sso.endpoint().as_str()),
        ]);
        let clock = SkewClock::default();
        let http = Counting::new();
        let cx = context(env, fs.clone(), &clock, &http);
        let now = awsauth_core::Clock::now(&clock);
        let source = || {
            awsauth_sso::SsoSource::with_session(
                "corp",
                "https://corp.awsapps.com/start",
                "eu-west-1",
                "123456789012",
                "ReadOnly",
            )
            .http_settings(fast_http())
        };
        fs.insert(&path, sso_cache(now, 3600, true));
        let creds = probe(&cap, "sso ok", &source(), &cx).await.unwrap();
        assert!(creds.secret_access_key().starts_with("sso-secret-"));
        // Due for a refresh: CreateToken, written back.
        fs.insert(&path, sso_cache(now, 60, true));
        probe(&cap, "sso refreshed", &source(), &cx).await.unwrap();
        assert_eq!(sso.successful("CreateToken"), 1);
        cap.record(
            "sso cache after refresh",
            "(contents are secret; only parsed)",
        );
        let written = fs.contents(&path).unwrap();
        cap.record_debug(
            "sso parsed cache",
            &awsauth_sso::parse_cached_token(&written, std::path::Path::new(&path)),
        );
        // The refresh refused while the token is valid (a warning), and after it expired.
        fs.insert(&path, sso_cache(now, 60, true));
        sso.revoke_refresh_token(SSO_REFRESH);
        probe(&cap, "sso refresh refused", &source(), &cx)
            .await
            .unwrap();
        assert!(cap.contains("WARN"));
        fs.insert(&path, sso_cache(now, -60, true));
        let outcome = probe(&cap, "sso refresh refused expired", &source(), &cx).await;
        expect_kind(&outcome, ErrorKind::ProviderFailed);
        // The portal refuses the token; bad cache files holding the secrets.
        fs.insert(&path, sso_cache(now, 3600, true));
        sso.revoke_access_token(SSO_ACCESS);
        let outcome = probe(&cap, "sso unauthorized", &source(), &cx).await;
        expect_kind(&outcome, ErrorKind::ProviderFailed);
        let good = sso_cache(now, 3600, true);
        for (label, bytes) in [
            ("sso truncated", good.as_bytes()[..good.len() - 20].to_vec()),
            ("sso not utf8", [good.as_bytes(), b"\xff"].concat()),
            (
                "sso bad expiry",
                good.replace(
                    &awsauth_core::timefmt::rfc3339(now + Duration::from_secs(3600)),
                    "soon",
                )
                .into_bytes(),
            ),
        ] {
            fs.insert(&path, bytes);
            let outcome = probe(&cap, label, &source(), &cx).await;
            expect_kind(&outcome, ErrorKind::ProviderFailed);
        }
        // Through a profile plan: plan, explain and the outcome.
        fs.insert(
            "/home/grafana/.aws/config",
            "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\n\
             [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n",
        );
        fs.insert(&path, sso_cache(now, 3600, false));
        sso.add_access_token(SSO_ACCESS);
        let chain = awsauth_chain::profile_chain(Some("dev"), awsauth_chain::StsOptions::new());
        cap.record_debug("sso plan", &chain.plan(&cx));
        probe(&cap, "sso profile", &chain, &cx).await.unwrap();
        cap.record_debug("sso calls", &sso.calls());
    });
    finish("secret_leaks::sso", &[scanned]);
}
