//! The AWS SDK for Rust as a client of `awsauth exec`: aws-config's container (ECS) provider,
//! in a child process that `awsauth exec` starts, obtains exactly the served credentials; with
//! a wrong token the server refuses it and the provider fails.
//!
//! The child is this test binary itself, re-run with `AWSAUTH_SDK_EXEC_CHILD` set, so the
//! client is the real aws-config of this crate's dependencies.

use std::path::PathBuf;
use std::process::Command;

use aws_credential_types::provider::ProvideCredentials;

const CHILD: &str = "AWSAUTH_SDK_EXEC_CHILD";
const KEY_ID: &str = "ASIASDKEXEC000000001";
const SECRET: &str = "sdk-exec-secret-key-value";
const TOKEN: &str = "sdk-exec-session-token-value";

/// The `awsauth` binary next to this test's target directory (`cargo test --workspace` builds
/// it before running any test).
fn awsauth_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?;
    let bin = dir.join(format!("awsauth{}", std::env::consts::EXE_SUFFIX));
    bin.exists().then_some(bin)
}

/// Run as the child: read credentials through aws-config's container provider and print them
/// (or the error) as one JSON line. Outside `awsauth exec` it does nothing.
#[tokio::test]
async fn sdk_exec_child() {
    let Ok(mode) = std::env::var(CHILD) else {
        return;
    };
    let _ = mode;
    let config = aws_config::provider_config::ProviderConfig::default()
        .with_http_client(awsauth_sdk::sdk_http_client());
    let provider = aws_config::ecs::EcsCredentialsProvider::builder()
        .configure(&config)
        .build();
    match provider.provide_credentials().await {
        Ok(creds) => println!(
            "{{\"ok\":true,\"access_key_id\":\"{}\",\"secret\":\"{}\",\"token\":\"{}\"}}",
            creds.access_key_id(),
            creds.secret_access_key(),
            creds.session_token().unwrap_or_default()
        ),
        Err(err) => println!("{{\"ok\":false,\"error\":{:?}}}", format!("{err:?}")),
    }
}

/// `awsauth exec -- [prefix…] <this test binary> --exact sdk_exec_child`.
fn run_child(binary: &PathBuf, prefix: &[&str], mode: &str) -> serde_json::Value {
    let exe = std::env::current_exe().unwrap();
    let output = Command::new(binary)
        .args(["exec", "--auth-type", "keys", "--"])
        .args(prefix)
        .arg(&exe)
        .args(["--exact", "exec::sdk_exec_child", "--nocapture", "--quiet"])
        .env_clear()
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_SESSION_TOKEN", TOKEN)
        .env(CHILD, mode)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| {
            panic!(
                "no answer from the child: {stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    serde_json::from_str(line).unwrap()
}

#[test]
fn aws_config_reads_exactly_the_served_credentials_through_awsauth_exec() {
    let Some(binary) = awsauth_binary() else {
        eprintln!("skipped: the awsauth binary is not built (cargo test --workspace builds it)");
        return;
    };
    let served = run_child(&binary, &[], "right-token");
    assert_eq!(served["ok"], true, "{served}");
    assert_eq!(served["access_key_id"], KEY_ID);
    assert_eq!(served["secret"], SECRET);
    assert_eq!(served["token"], TOKEN);

    if cfg!(not(unix)) {
        return;
    }
    // `env` changes the token between awsauth and the SDK.
    let refused = run_child(
        &binary,
        &[
            "/usr/bin/env",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN=not-the-token",
        ],
        "wrong-token",
    );
    assert_eq!(refused["ok"], false, "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains("401"),
        "{refused}"
    );
}
