//! botocore as a differential oracle for IAM Identity Center profiles: the same config file, the
//! same token cache and the same `FakeSso` — botocore (from the interop venv `cargo xtask`
//! builds, `target/interop/venv`) and awsauth must yield the same credentials, or both refuse.
//!
//! Each side gets its own copy of the home directory, so a refresh by one does not change what
//! the other reads. The differences the notes list (botocore's 15-minute refresh window, its
//! lenient timestamps, its handling of a refresh answer without `refreshToken`) are avoided
//! by the scenarios or asserted as differences.
//!
//! Without the venv the test says it skipped — unless it runs under `cargo xtask test`
//! (`AWSAUTH_MOTO_ENDPOINT` set), where the venv must exist.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awsauth_chain::{StsOptions, profile_chain};
use awsauth_core::{Context, CredentialSource, MapEnv, SystemClock, SystemFs, timefmt};
use awsauth_http::HttpClient;
use awsauth_sso::cache_file_name;
use awsauth_testkit::FakeSso;
use serde_json::Value;

const ACCESS: &str = "oracle-access-token-0001";
const REFRESH: &str = "oracle-refresh-token-0001";
const CLIENT: &str = "oracle-client";
const CLIENT_SECRET: &str = "oracle-client-secret";

const CONFIG: &str = "\
[profile session]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = ReadOnly
[profile refresh]
sso_session = expired
sso_account_id = 111122223333
sso_role_name = Admin
[profile noref]
sso_session = dead
sso_account_id = 111122223333
sso_role_name = ReadOnly
[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-west-2
sso_account_id = 444455556666
sso_role_name = PowerUser
[profile oldlegacy]
sso_start_url = https://old.awsapps.com/start
sso_region = us-west-2
sso_account_id = 444455556666
sso_role_name = PowerUser
[profile missing]
sso_session = nobody
sso_account_id = 111122223333
sso_role_name = ReadOnly
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
[sso-session expired]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
[sso-session dead]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
[sso-session nobody]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
";

const ORACLE: &str = r#"
import json, sys
import botocore.session
out = {}
for name in sys.argv[1:]:
    try:
        creds = botocore.session.Session(profile=name).get_credentials()
        if creds is None:
            out[name] = {"error": "NoCredentials"}
            continue
        frozen = creds.get_frozen_credentials()
        expiry = getattr(creds, "_expiry_time", None)
        out[name] = {
            "access_key_id": frozen.access_key,
            "secret_access_key": frozen.secret_key,
            "session_token": frozen.token,
            "account_id": getattr(frozen, "account_id", None),
            "expiry": expiry.timestamp() if expiry is not None else None,
        }
    except Exception as e:
        out[name] = {"error": type(e).__name__}
print(json.dumps(out))
"#;

fn python() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join("target/interop/venv/bin/python");
    python.exists().then_some(python)
}

/// A home directory with the config and the token cache.
struct Home(PathBuf);

impl Home {
    fn new(tag: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "awsauth-oracle-{tag}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(dir.join(".aws/sso/cache")).unwrap();
        std::fs::write(dir.join(".aws/config"), CONFIG).unwrap();
        let now = SystemTime::now();
        let at = |secs: i64| {
            timefmt::rfc3339(if secs >= 0 {
                now + Duration::from_secs(secs as u64)
            } else {
                now - Duration::from_secs(secs.unsigned_abs())
            })
        };
        let write = |key: &str, doc: Value| {
            std::fs::write(
                dir.join(".aws/sso/cache").join(cache_file_name(key)),
                doc.to_string(),
            )
            .unwrap();
        };
        write(
            "corp",
            serde_json::json!({"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1",
                "accessToken": ACCESS, "expiresAt": at(3600)}),
        );
        write(
            "expired",
            serde_json::json!({"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1",
                "accessToken": "oracle-expired-access", "expiresAt": at(-60),
                "refreshToken": REFRESH, "clientId": CLIENT, "clientSecret": CLIENT_SECRET,
                "registrationExpiresAt": at(86_400)}),
        );
        write(
            "dead",
            serde_json::json!({"accessToken": "oracle-dead-access", "expiresAt": at(-60)}),
        );
        write(
            "https://legacy.awsapps.com/start",
            serde_json::json!({"accessToken": ACCESS, "expiresAt": at(3600)}),
        );
        write(
            "https://old.awsapps.com/start",
            serde_json::json!({"accessToken": ACCESS, "expiresAt": at(-1)}),
        );
        Self(dir)
    }

    fn env(&self, endpoint: &str) -> Vec<(String, String)> {
        [
            ("HOME", self.0.display().to_string()),
            (
                "AWS_CONFIG_FILE",
                self.0.join(".aws/config").display().to_string(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                self.0.join(".aws/credentials").display().to_string(),
            ),
            ("AWS_ENDPOINT_URL_SSO", endpoint.to_owned()),
            ("AWS_ENDPOINT_URL_SSO_OIDC", endpoint.to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const PROFILES: [&str; 6] = [
    "session",
    "refresh",
    "noref",
    "legacy",
    "oldlegacy",
    "missing",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_botocore_and_awsauth_yield_the_same_sso_credentials() {
    let Some(python) = python() else {
        if std::env::var_os("AWSAUTH_MOTO_ENDPOINT").is_some() {
            panic!("the interop venv (target/interop/venv) is missing under cargo xtask test");
        }
        println!("skipped: no target/interop/venv (run cargo xtask test, which creates it)");
        return;
    };
    let sso = FakeSso::start().await.unwrap();
    sso.add_access_token(ACCESS)
        .add_client(CLIENT, CLIENT_SECRET)
        .add_refresh_token(REFRESH)
        // Both refresh from the same cache contents; a rotating fake would refuse the second.
        .keep_refresh_tokens(true);

    // botocore.
    let theirs_home = Home::new("botocore");
    let env = theirs_home.env(&sso.endpoint());
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg("-c")
            .arg(ORACLE)
            .args(PROFILES)
            .env_clear()
            .envs(env)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "botocore failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let theirs: BTreeMap<String, Value> = serde_json::from_slice(&output.stdout).unwrap();
    let botocore_calls = sso.calls();
    let refreshes = |calls: &[awsauth_testkit::SsoCall]| {
        calls
            .iter()
            .filter(|c| c.operation == "CreateToken")
            .count()
    };
    assert_eq!(refreshes(&botocore_calls), 1, "{botocore_calls:?}");

    // awsauth, on its own copy of the same files.
    let ours_home = Home::new("awsauth");
    let env: MapEnv = ours_home.env(&sso.endpoint()).into_iter().collect();
    let cx = Context::builder()
        .env(env)
        .fs(SystemFs)
        .clock(Arc::new(SystemClock))
        .http(HttpClient::hyper())
        .build();
    let before = sso.calls().len();
    for profile in PROFILES {
        let ours = profile_chain(Some(profile), StsOptions::new())
            .provide(&cx)
            .await;
        let theirs = &theirs[profile];
        match ours {
            Ok(creds) => {
                assert_eq!(
                    theirs["error"],
                    Value::Null,
                    "{profile}: botocore failed: {theirs}"
                );
                assert_eq!(theirs["access_key_id"], creds.access_key_id(), "{profile}");
                assert_eq!(
                    theirs["secret_access_key"],
                    creds.secret_access_key(),
                    "{profile}"
                );
                assert_eq!(
                    theirs["session_token"].as_str(),
                    creds.session_token(),
                    "{profile}"
                );
                assert_eq!(
                    theirs["account_id"].as_str(),
                    creds.account_id(),
                    "{profile}"
                );
                let ours_expiry = creds
                    .expiry()
                    .unwrap()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap()
                    .as_secs_f64();
                let theirs_expiry = theirs["expiry"].as_f64().unwrap();
                assert!(
                    (ours_expiry - theirs_expiry).abs() <= 5.0,
                    "{profile}: expiry {ours_expiry} vs {theirs_expiry}"
                );
            }
            Err(err) => {
                assert!(
                    theirs.get("error").and_then(Value::as_str).is_some(),
                    "{profile}: awsauth refused ({err}), botocore resolved"
                );
                assert!(
                    err.to_string().contains("aws sso login"),
                    "{profile}: {err}"
                );
            }
        }
    }
    let ours_calls: Vec<_> = sso.calls().into_iter().skip(before).collect();
    assert_eq!(refreshes(&ours_calls), 1, "{ours_calls:?}");
    // The same profiles reached the portal on both sides: the expired, unrefreshable and
    // missing tokens reached nothing.
    let portal = |calls: &[awsauth_testkit::SsoCall]| -> Vec<(Option<String>, Option<String>)> {
        let mut seen: Vec<_> = calls
            .iter()
            .filter(|c| c.operation == "GetRoleCredentials")
            .map(|c| (c.account_id.clone(), c.role_name.clone()))
            .collect();
        seen.sort();
        seen
    };
    assert_eq!(portal(&botocore_calls), portal(&ours_calls));
    assert_eq!(portal(&ours_calls).len(), 3);
    for profile in ["noref", "oldlegacy", "missing"] {
        assert!(
            theirs[profile]["error"].is_string(),
            "{profile}: {}",
            theirs[profile]
        );
    }

    // Both wrote the refreshed token back; where they differ is documented: botocore drops the
    // refresh token when the answer has none, aws-config (and awsauth) keep it.
    let read = |home: &Home| -> Value {
        let path = home
            .0
            .join(".aws/sso/cache")
            .join(cache_file_name("expired"));
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    };
    let (theirs_file, ours_file) = (read(&theirs_home), read(&ours_home));
    for file in [&theirs_file, &ours_file] {
        assert!(
            file["accessToken"]
                .as_str()
                .unwrap()
                .starts_with("sso-access-"),
            "{file}"
        );
        assert_eq!(file["clientId"], CLIENT);
    }
    assert_eq!(ours_file["refreshToken"], REFRESH);
    assert_eq!(theirs_file.get("refreshToken"), None);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = ours_home
            .0
            .join(".aws/sso/cache")
            .join(cache_file_name("expired"));
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
