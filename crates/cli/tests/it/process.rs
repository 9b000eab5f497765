//! `credential_process` profiles through the binary: `resolve` (alone, under a role, with
//! `--auth-type credentials`), `explain` without running the program.

use crate::{Fakes, Home, KEY_ID, ROLE_ARN, SECRET, awsauth};

const PLANTED: &str = "planted-process-argument";

/// `proc` prints the key pair the fake STS knows; `reader` assumes a role with it; `marker`
/// leaves a file behind when it runs.
fn process_profiles(home: &Home) -> std::path::PathBuf {
    let marker = home.path().join("ran");
    home.write(
        ".aws/config",
        &format!(
            "[profile proc]\ncredential_process = printf '{{\"Version\":1,\"AccessKeyId\":\"{KEY_ID}\",\"SecretAccessKey\":\"{SECRET}\"}}' {PLANTED}\n\
             [profile reader]\nrole_arn = {ROLE_ARN}\nsource_profile = proc\nexternal_id = tenant-42\n\
             [profile marker]\ncredential_process = touch {}\n",
            marker.display()
        ),
    );
    marker
}

#[test]
fn resolve_runs_the_program_alone_and_under_a_role() {
    let fakes = Fakes::start();
    let home = Home::new();
    process_profiles(&home);
    let sts = fakes.sts.endpoint();
    let env = [
        ("HOME", home.path().to_str().unwrap()),
        ("PATH", "/usr/bin:/bin"),
        ("AWS_ENDPOINT_URL_STS", sts.as_str()),
        ("AWS_REGION", "eu-west-1"),
    ];
    let run = awsauth(&["resolve", "--profile", "proc", "--format", "json"], &env);
    run.assert_code(0).assert_no(&[SECRET, PLANTED]);
    assert_eq!(run.json()["access_key_id"], KEY_ID);
    assert_eq!(run.json()["source"], "profile:proc -> process:printf");

    let run = awsauth(
        &[
            "resolve",
            "--auth-type",
            "credentials",
            "--profile",
            "proc",
            "--format",
            "json",
        ],
        &env,
    );
    run.assert_code(0);
    assert_eq!(run.json()["access_key_id"], KEY_ID);

    let run = awsauth(
        &["resolve", "--profile", "reader", "--format", "json"],
        &env,
    );
    run.assert_code(0).assert_no(&[SECRET, PLANTED]);
    assert_eq!(
        run.json()["source"],
        format!("profile:proc -> process:printf -> assume-role:{ROLE_ARN}")
    );
}

#[test]
fn explain_shows_the_program_and_runs_nothing() {
    let home = Home::new();
    let marker = process_profiles(&home);
    let env = [
        ("HOME", home.path().to_str().unwrap()),
        ("PATH", "/usr/bin:/bin"),
    ];
    let run = awsauth(
        &["explain", "--profile", "marker", "--format", "json"],
        &env,
    );
    run.assert_code(0);
    assert_eq!(
        run.json()["plan"],
        serde_json::json!([{"step": "credential_process", "program": "touch"}])
    );
    let run = awsauth(
        &["explain", "--profile", "reader", "--format", "json"],
        &env,
    );
    run.assert_code(0).assert_no(&[PLANTED]);
    assert_eq!(run.json()["plan"][0]["step"], "credential_process");
    assert_eq!(run.json()["plan"][1]["step"], "assume_role");
    let text = awsauth(&["explain", "--profile", "marker"], &env);
    text.assert_code(0);
    assert!(
        text.stdout
            .contains("credential_process: run touch (arguments not shown)"),
        "{}",
        text.stdout
    );
    assert!(!marker.exists(), "explain ran the program");
    awsauth(&["resolve", "--profile", "marker"], &env);
    assert!(marker.exists(), "resolve should have run it");
}

/// botocore as the real client: its `credential_process` runs `awsauth resolve --format
/// process` for a profile whose own `credential_process` is a helper — awsauth producing for
/// an SDK what it consumed from a program.
#[test]
fn interop_botocore_runs_awsauth_which_runs_the_helper() {
    let Some(python) = awsauth_testkit::interop_var("AWSAUTH_INTEROP_PYTHON")
        .filter(|p| std::path::Path::new(p).exists())
    else {
        eprintln!("skipped: AWSAUTH_INTEROP_PYTHON is not set (run `cargo xtask test`)");
        return;
    };
    let home = Home::new();
    process_profiles(&home);
    let config = home.path().join(".aws/config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "[profile sdk]\ncredential_process = {} resolve --format process --profile proc\n",
        env!("CARGO_BIN_EXE_awsauth")
    ));
    std::fs::write(&config, text).unwrap();
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import json, botocore.session\nc = botocore.session.Session(profile='sdk').get_credentials().get_frozen_credentials()\nprint(json.dumps([c.access_key, c.secret_key]))",
        ])
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", "/usr/bin:/bin")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pair: (String, String) = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(pair, (KEY_ID.to_owned(), SECRET.to_owned()));
}
