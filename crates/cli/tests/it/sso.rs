//! The new user's flow from the issue: `~/.aws/config` with an `[sso-session]` and a profile
//! using it, the token cache `aws sso login` leaves, then `awsauth resolve --profile dev`,
//! `awsauth explain --profile dev` (no network) and a data source with auth type `credentials`
//! and profile `dev`.

use std::time::{Duration, SystemTime};

use awsauth::sso::cache_file_name;
use awsauth::timefmt;
use awsauth_testkit::{FakeSso, SsoRoleCredentials};

use crate::{Home, awsauth};

const ACCESS_TOKEN: &str = "cli-sso-access-token-not-to-be-printed";
const REFRESH_TOKEN: &str = "cli-sso-refresh-token-not-to-be-printed";
const CLIENT_SECRET: &str = "cli-sso-client-secret-not-to-be-printed";

struct Rig {
    sso: FakeSso,
    home: Home,
    _runtime: tokio::runtime::Runtime,
}

impl Rig {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sso = runtime.block_on(FakeSso::start()).unwrap();
        sso.add_access_token(ACCESS_TOKEN)
            .add_client("cli-client", CLIENT_SECRET)
            .add_refresh_token(REFRESH_TOKEN);
        let home = Home::new();
        home.write(
            ".aws/config",
            "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\
             sso_registration_scopes = sso:account:access\n\
             [profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\nregion = us-east-1\n",
        );
        Self {
            sso,
            home,
            _runtime: runtime,
        }
    }

    /// What `aws sso login --sso-session corp` leaves behind, expiring in `secs`.
    fn login(&self, secs: u64) {
        std::fs::create_dir_all(self.home.path().join(".aws/sso/cache")).unwrap();
        let expires = timefmt::rfc3339(SystemTime::now() + Duration::from_secs(secs));
        let registration = timefmt::rfc3339(SystemTime::now() + Duration::from_secs(86_400));
        self.home.write(
            &format!(".aws/sso/cache/{}", cache_file_name("corp")),
            &format!(
                r#"{{"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1", "accessToken": "{ACCESS_TOKEN}", "expiresAt": "{expires}", "clientId": "cli-client", "clientSecret": "{CLIENT_SECRET}", "refreshToken": "{REFRESH_TOKEN}", "registrationExpiresAt": "{registration}"}}"#
            ),
        );
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("HOME", self.home.path().display().to_string()),
            ("AWS_ENDPOINT_URL_SSO", self.sso.endpoint()),
            ("AWS_ENDPOINT_URL_SSO_OIDC", self.sso.endpoint()),
        ]
    }

    fn run(&self, args: &[&str]) -> crate::Run {
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let run = awsauth(args, &env);
        run.assert_no(&[ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET]);
        run
    }
}

#[test]
fn resolve_profile_dev_gives_the_sso_role_credentials() {
    let rig = Rig::new();
    rig.login(3600);
    let run = rig.run(&["resolve", "--profile", "dev", "--format", "json"]);
    run.assert_code(0);
    let json = run.json();
    assert_eq!(json["source"], "profile:dev -> sso:123456789012/ReadOnly");
    assert_eq!(json["account_id"], "123456789012", "{json}");
    assert_eq!(rig.sso.successful("GetRoleCredentials"), 1);
    // The process format is the one that may print the secret (for credential_process).
    let run = rig.run(&["resolve", "--profile", "dev", "--format", "process"]);
    run.assert_code(0);
    let expected = SsoRoleCredentials::derived("123456789012", "ReadOnly");
    assert_eq!(run.json()["SecretAccessKey"], expected.secret_access_key);
}

#[test]
fn resolve_refreshes_a_token_inside_the_window_and_writes_it_back() {
    let rig = Rig::new();
    rig.login(60);
    rig.sso.revoke_access_token(ACCESS_TOKEN);
    rig.run(&["resolve", "--profile", "dev", "--format", "json"])
        .assert_code(0);
    assert_eq!(rig.sso.successful("CreateToken"), 1);
    let file = rig
        .home
        .path()
        .join(".aws/sso/cache")
        .join(cache_file_name("corp"));
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let (access, _) = rig.sso.last_issued().unwrap();
    assert_eq!(written["accessToken"], access);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn explain_profile_dev_shows_the_plan_without_the_network() {
    let rig = Rig::new();
    rig.login(60); // due for a refresh: explain must not do it
    let run = rig.run(&["explain", "--profile", "dev", "--format", "json"]);
    run.assert_code(0);
    let json = run.json();
    assert_eq!(
        json["plan"],
        serde_json::json!([{
            "step": "sso",
            "sso_session": "corp",
            "sso_start_url": "https://corp.awsapps.com/start",
            "sso_region": "eu-west-1",
            "sso_account_id": "123456789012",
            "sso_role_name": "ReadOnly",
            "sso_registration_scopes": "sso:account:access",
        }]),
        "{json}"
    );
    assert_eq!(rig.sso.received_requests(), 0, "explain called the network");
    let text = rig.run(&["explain", "--profile", "dev"]);
    text.assert_code(0);
    assert!(
        text.stdout
            .contains("IAM Identity Center (account 123456789012, role ReadOnly, session corp"),
        "{}",
        text.stdout
    );
    assert_eq!(rig.sso.received_requests(), 0);
}

#[test]
fn explain_and_resolve_say_to_log_in_when_there_is_no_token() {
    let rig = Rig::new();
    let run = rig.run(&["resolve", "--profile", "dev"]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr
            .contains("run `aws sso login --sso-session corp`"),
        "{}",
        run.stderr
    );
    let run = rig.run(&["explain", "--profile", "dev", "--format", "json"]);
    let json = run.json();
    let lines = json["sources"].as_array().unwrap();
    assert!(
        lines.iter().any(|l| l["status"] == "invalid"
            && l["reason"]
                .as_str()
                .unwrap()
                .contains("aws sso login --sso-session corp")),
        "{json}"
    );
    assert_eq!(rig.sso.received_requests(), 0);
}

#[test]
fn a_data_source_with_auth_type_credentials_and_profile_dev() {
    let rig = Rig::new();
    rig.login(3600);
    let settings = rig.home.write(
        "ds.json",
        r#"{"jsonData":{"authType":"credentials","profile":"dev","defaultRegion":"us-east-1"}}"#,
    );
    let run = rig.run(&[
        "resolve",
        "--settings",
        settings.to_str().unwrap(),
        "--format",
        "json",
    ]);
    run.assert_code(0);
    assert_eq!(
        run.json()["source"],
        "profile:dev -> sso:123456789012/ReadOnly"
    );
}

#[test]
fn the_default_chain_uses_aws_profile_dev() {
    let rig = Rig::new();
    rig.login(3600);
    let mut env = rig.env();
    env.push(("AWS_PROFILE", "dev".to_owned()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let run = awsauth(&["resolve", "--format", "json"], &env);
    run.assert_code(0).assert_no(&[ACCESS_TOKEN]);
    assert_eq!(
        run.json()["source"],
        "profile:dev -> sso:123456789012/ReadOnly"
    );
}

#[test]
fn profiles_lists_sso_profiles_and_sessions_and_never_a_token() {
    let rig = Rig::new();
    rig.login(3600);
    let run = rig.run(&["profiles", "--format", "json"]);
    run.assert_code(0);
    let json = run.json();
    assert_eq!(json["profiles"]["dev"]["sso_session"], "corp");
    assert_eq!(
        json["sso_sessions"]["corp"]["sso_start_url"],
        "https://corp.awsapps.com/start"
    );
    let text = rig.run(&["profiles"]);
    assert!(
        text.stdout.contains("[sso-session corp]"),
        "{}",
        text.stdout
    );
}

/// Issue 18, many processes on one cache: `n` `awsauth resolve` processes started at once on
/// one token cache file whose token is inside the refresh window, while a watcher re-reads and
/// parses the file as fast as it can. Every process gets the portal's credentials; every read
/// of the file is a whole token (the write-back is temp + rename, never in place); the fake
/// OIDC sees at least one `CreateToken` and at most one per process (there is no lock across
/// processes: each may refresh once, a later one finds the refreshed token and does not;
/// attempts per process are counted from its `-v` log, and must add up to the fake's count); the
/// file ends holding a refreshed token, mode 0600. Returns (CreateToken calls, reads checked).
fn processes_refresh_one_cache(n: usize) -> (usize, u64) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let rig = Rig::new();
    rig.login(60);
    let file = rig
        .home
        .path()
        .join(".aws/sso/cache")
        .join(cache_file_name("corp"));

    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let done = done.clone();
        let file = file.clone();
        std::thread::spawn(move || {
            let (mut reads, mut broken) = (0u64, Vec::new());
            while !done.load(Ordering::Relaxed) {
                let bytes = std::fs::read(&file).unwrap();
                reads += 1;
                match serde_json::from_slice::<serde_json::Value>(&bytes) {
                    Ok(json)
                        if json["accessToken"].is_string() && json["expiresAt"].is_string() => {}
                    Ok(_) => broken.push(format!("{} bytes, a token field missing", bytes.len())),
                    Err(err) => broken.push(format!("{} bytes: {err}", bytes.len())),
                }
            }
            (reads, broken)
        })
    };

    let mut env = rig.env();
    env.push(("AWS_EC2_METADATA_DISABLED", "true".to_owned()));
    let children: Vec<_> = (0..n)
        .map(|_| {
            std::process::Command::new(env!("CARGO_BIN_EXE_awsauth"))
                .args(["-v", "resolve", "--profile", "dev", "--format", "json"])
                .env_clear()
                .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let expected = SsoRoleCredentials::derived("123456789012", "ReadOnly");
    let mut attempts = Vec::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        let run = crate::Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        };
        run.assert_code(0)
            .assert_no(&[ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET]);
        assert_eq!(
            run.json()["access_key_id"],
            expected.access_key_id,
            "{}",
            run.stdout
        );
        // Each refresh attempt ends in one of these debug / warning events (-v).
        attempts.push(
            run.stderr
                .lines()
                .filter(|l| {
                    l.contains("refreshed the SSO token")
                        || l.contains("refreshing the SSO token through SSO OIDC CreateToken")
                })
                .count(),
        );
    }
    done.store(true, Ordering::Relaxed);
    let (reads, broken) = watcher.join().unwrap();
    assert!(
        broken.is_empty(),
        "{n} processes: {} of {reads} reads of the cache file were not a whole token, first: {:?}",
        broken.len(),
        broken.first()
    );

    let refreshes = rig
        .sso
        .calls()
        .iter()
        .filter(|call| call.operation == "CreateToken")
        .count();
    assert!(
        (1..=n).contains(&refreshes),
        "{n} processes made {refreshes} CreateToken calls"
    );
    // Per process: at most one attempt, and the processes' own accounts add up to what the
    // fake OIDC received.
    assert!(
        attempts.iter().all(|a| *a <= 1),
        "refresh attempts per process: {attempts:?}"
    );
    assert_eq!(
        attempts.iter().sum::<usize>(),
        refreshes,
        "refresh attempts per process {attempts:?} vs CreateToken calls at the fake"
    );
    assert_eq!(rig.sso.successful("GetRoleCredentials"), n);
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let expires = timefmt::parse_rfc3339(written["expiresAt"].as_str().unwrap()).unwrap();
    assert!(
        expires > SystemTime::now() + Duration::from_secs(30 * 60),
        "the file does not hold a refreshed token: {}",
        written["expiresAt"]
    );
    assert_ne!(written["accessToken"], ACCESS_TOKEN);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    println!(
        "sso cache: {n} processes, {refreshes} CreateToken calls, {reads} reads of the file, all whole"
    );
    (refreshes, reads)
}

#[test]
fn two_processes_refresh_one_token_cache_without_corrupting_it() {
    processes_refresh_one_cache(2);
}

#[test]
fn eight_processes_refresh_one_token_cache_without_corrupting_it() {
    processes_refresh_one_cache(8);
}
