//! `credential_process` profiles through the profile chain and the default chain: real `sh`
//! children (the operating system's runner installed explicitly), alone and under a role.

use awsauth_chain::{DefaultChain, StsOptions, default_chain, profile_chain};
use awsauth_core::{Context, CredentialSource, ErrorKind, MemFs, only};
use awsauth_process::ProcessRunner;

use crate::support::*;

const READER: &str = "arn:aws:iam::123456789012:role/reader";
const PLANTED: &str = "PlantedArgumentDoNotLeak";

fn process_profiles(marker: &str) -> String {
    format!(
        "[profile proc]
credential_process = printf '{{\"Version\":1,\"AccessKeyId\":\"{BASE_KEY}\",\"SecretAccessKey\":\"{BASE_SECRET}\"}}' {PLANTED}
aws_account_id = 123456789012
[profile marker]
credential_process = touch {marker}
[profile reader]
role_arn = {READER}
source_profile = proc
"
    )
}

fn with_runner(cx: Context) -> Context {
    cx.with_processes(ProcessRunner::os())
}

fn files_with_profiles(marker: &str) -> MemFs {
    let fs = files();
    fs.insert(CONFIG, process_profiles(marker));
    fs
}

#[tokio::test]
async fn a_process_profile_resolves_alone_and_under_a_role() {
    let sts = sts().await;
    let fs = files_with_profiles("/nonexistent/marker");
    let cx = with_runner(cx(&[("AWS_ENDPOINT_URL_STS", &sts.endpoint())], &fs));

    let creds = profile_chain(Some("proc"), StsOptions::new())
        .provide(&cx)
        .await
        .unwrap();
    assert_eq!(creds.access_key_id(), BASE_KEY);
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert_eq!(
        creds.provenance().to_string(),
        "profile:proc -> process:printf"
    );

    let creds = profile_chain(Some("reader"), StsOptions::new().region("eu-west-1"))
        .provide(&cx)
        .await
        .unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        format!("profile:proc -> process:printf -> assume-role:{READER}")
    );
    let calls = assume_role_calls(&sts);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].error, None);
    assert_eq!(calls[0].access_key_id.as_deref(), Some(BASE_KEY));
}

#[tokio::test]
async fn the_default_chain_runs_the_selected_process_profile() {
    let fs = files_with_profiles("/nonexistent/marker");
    let cx = with_runner(cx(&[("AWS_PROFILE", "proc")], &fs));
    let chain = DefaultChain::builder().no_imds().build();
    let creds = chain.provide(&cx).await.unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        "profile:proc -> process:printf"
    );
    assert_eq!(
        serde_json::to_value(chain.plan(&cx).unwrap()).unwrap(),
        serde_json::json!([{"step": "credential_process", "program": "printf"}])
    );
}

#[tokio::test]
async fn plan_and_explain_run_nothing_and_never_show_the_arguments() {
    let dir = std::env::temp_dir().join(format!("awsauth-chain-marker-{}", std::process::id()));
    let marker = dir.display().to_string();
    let _ = std::fs::remove_file(&dir);
    let fs = files_with_profiles(&marker);
    let cx = with_runner(cx(&[("AWS_PROFILE", "marker")], &fs));
    let chain = default_chain(StsOptions::new());
    let plan = chain.plan(&cx).unwrap();
    assert_eq!(
        plan.to_string(),
        "credential_process: run touch (arguments not shown)"
    );
    let lines = chain.explain(&cx);
    assert!(!dir.exists(), "plan or explain ran the program");

    let reader = profile_chain(Some("reader"), StsOptions::new());
    let text = format!(
        "{:?} {} {:?}",
        reader.explain(&cx),
        reader.plan(&cx).unwrap(),
        lines
    );
    assert!(!text.contains(PLANTED), "{text}");
    assert!(!text.contains(&marker), "{text}");
}

#[tokio::test]
async fn without_a_runner_a_selected_process_profile_is_an_error_never_the_next_source() {
    let fs = files_with_profiles("/nonexistent/marker");
    // Keys in the environment would answer if the profile fell through; it must not.
    let cx = cx(
        &[
            ("AWS_PROFILE", "proc"),
            ("AWS_ACCESS_KEY_ID", ENV_KEY),
            ("AWS_SECRET_ACCESS_KEY", ENV_SECRET),
        ],
        &fs,
    );
    let err = only(profile_chain(Some("proc"), StsOptions::new()))
        .provide(&cx)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(
        err.to_string().contains("its process slot is closed"),
        "{err}"
    );
    let chain = DefaultChain::builder().no_env().no_imds().build();
    assert_eq!(
        chain.provide(&cx).await.unwrap_err().kind(),
        ErrorKind::InvalidConfiguration
    );
}

/// botocore (from the interop venv) as an oracle: the same profile and helper, run by
/// botocore's `ProcessProvider` and by awsauth, give the same credentials — or both refuse.
/// No shell syntax in the line: botocore splits it itself and runs no shell.
#[tokio::test]
async fn interop_botocore_reads_what_awsauth_reads_from_the_same_helper() {
    let Some(python) = awsauth_testkit::interop_var("AWSAUTH_INTEROP_PYTHON")
        .filter(|p| std::path::Path::new(p).exists())
    else {
        eprintln!("skipped: AWSAUTH_INTEROP_PYTHON is not set (run `cargo xtask test`)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("awsauth-botocore-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "full",
            r#"{"Version": 1, "AccessKeyId": "ASIAORACLE", "SecretAccessKey": "oracle-secret", "SessionToken": "oracle-token", "Expiration": "2124-01-01T00:00:00Z", "AccountId": "111122223333"}"#,
            0,
        ),
        (
            "profile_account",
            r#"{"Version": 1, "AccessKeyId": "AKIDORACLE", "SecretAccessKey": "oracle-secret"}"#,
            0,
        ),
        (
            "version2",
            r#"{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "s"}"#,
            0,
        ),
        ("fails", "{}", 1),
    ];
    let mut config = String::new();
    for (name, output, code) in cases {
        let script = dir.join(name);
        std::fs::write(
            &script,
            format!("#!/bin/sh\ncat <<'JSON'\n{output}\nJSON\nexit {code}\n"),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        config.push_str(&format!(
            "[profile {name}]\ncredential_process = {} --flag\naws_account_id = 999999999999\n",
            script.display()
        ));
    }
    let config_path = dir.join("config");
    std::fs::write(&config_path, &config).unwrap();
    let oracle = |profile: &str| -> serde_json::Value {
        let code = format!(
            "import json, botocore.session\n\
             try:\n  c = botocore.session.Session(profile='{profile}').get_credentials().get_frozen_credentials()\n  print(json.dumps({{'key': c.access_key, 'secret': c.secret_key, 'token': c.token, 'account': c.account_id}}))\n\
             except Exception as e:\n  print(json.dumps({{'error': type(e).__name__}}))\n"
        );
        let out = std::process::Command::new(&python)
            .args(["-c", &code])
            .env_clear()
            .env("HOME", &dir)
            .env("PATH", "/usr/bin:/bin")
            .env("AWS_CONFIG_FILE", &config_path)
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("none"))
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "botocore printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
    };
    let fs = MemFs::new();
    fs.insert(CONFIG, config.clone());
    let cx = with_runner(cx(&[("PATH", "/usr/bin:/bin")], &fs));
    for (name, _, _) in cases {
        let theirs = oracle(name);
        let ours = profile_chain(Some(name), StsOptions::new())
            .provide(&cx)
            .await;
        match ours {
            Ok(creds) => {
                assert_eq!(theirs["key"], creds.access_key_id(), "{name}: {theirs}");
                assert_eq!(theirs["secret"], creds.secret_access_key(), "{name}");
                assert_eq!(theirs["token"].as_str(), creds.session_token(), "{name}");
                assert_eq!(theirs["account"].as_str(), creds.account_id(), "{name}");
            }
            Err(err) => assert!(
                theirs.get("error").is_some(),
                "{name}: awsauth refused ({err}) but botocore answered {theirs}"
            ),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
