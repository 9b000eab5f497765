//! `awsauth exec -- COMMAND…`: the child's environment, its exit status, forwarded signals,
//! and real clients (boto3/botocore from the interop venv) reading the served credentials.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::serve::{TEMP_ENV, TEMP_KEY_ID, TEMP_SECRET, TEMP_TOKEN};
use crate::{KEY_ID, SECRET, awsauth};

#[cfg(unix)]
#[test]
fn the_child_sees_the_endpoint_and_nothing_that_would_outrank_it() {
    let mut env = TEMP_ENV.to_vec();
    env.extend([
        ("AWS_PROFILE", "other"),
        ("AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/other"),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
        ("PATH", "/usr/bin:/bin"),
        ("KEEP_ME", "kept"),
    ]);
    let run = awsauth(
        &[
            "exec",
            "--auth-type",
            "keys",
            "--region",
            "eu-west-1",
            "--",
            "sh",
            "-c",
            "env | grep -E '^(AWS_|KEEP_ME)' | sort",
        ],
        &env,
    );
    run.assert_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let names: Vec<&str> = lines.iter().map(|l| l.split_once('=').unwrap().0).collect();
    assert_eq!(
        names,
        [
            "AWS_CONFIG_FILE",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_DEFAULT_REGION",
            "AWS_EC2_METADATA_DISABLED",
            "AWS_REGION",
            "AWS_SHARED_CREDENTIALS_FILE",
            "KEEP_ME",
        ],
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("AWS_REGION=eu-west-1"));
    assert!(
        run.stdout
            .contains("AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:")
    );
    assert!(!run.stdout.contains(TEMP_SECRET) && !run.stdout.contains(TEMP_TOKEN));
}

#[cfg(unix)]
#[test]
fn exec_exits_with_the_childs_status() {
    let run = awsauth(
        &["exec", "--auth-type", "keys", "--", "sh", "-c", "exit 7"],
        &TEMP_ENV,
    );
    run.assert_code(7);
    let killed = awsauth(
        &[
            "exec",
            "--auth-type",
            "keys",
            "--",
            "sh",
            "-c",
            "kill -TERM $$",
        ],
        &TEMP_ENV,
    );
    killed.assert_code(128 + 15);
    let missing = awsauth(
        &["exec", "--auth-type", "keys", "--", "/nonexistent/program"],
        &TEMP_ENV,
    );
    missing.assert_code(127);
    // A configuration problem is resolve's code, before anything runs.
    let bad = awsauth(
        &["exec", "--auth-type", "keys", "--", "sh", "-c", "echo ran"],
        &[
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
    );
    bad.assert_code(5);
    assert!(!bad.stdout.contains("ran"));
    awsauth(&["exec", "--auth-type", "keys"], &TEMP_ENV).assert_code(2);
}

/// SIGTERM sent to awsauth reaches the child, whose own exit status is awsauth's.
#[cfg(unix)]
#[test]
fn signals_are_forwarded_to_the_child() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_awsauth"))
        .args([
            "exec",
            "--auth-type",
            "keys",
            "--",
            "sh",
            "-c",
            "trap 'echo got-term; exit 42' TERM; echo ready; i=0; while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done",
        ])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(TEMP_ENV)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(rest, "got-term\n");
    assert_eq!(status.code(), Some(42));
}

/// The interop venv's Python (boto3 and botocore come with moto), if it exists.
pub(crate) fn interop_python() -> Option<PathBuf> {
    if let Some(path) = awsauth_testkit::interop_var("AWSAUTH_INTEROP_PYTHON") {
        return Some(PathBuf::from(path));
    }
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/interop/venv/bin/python");
    path.exists().then_some(path)
}

const BOTO3_READS: &str = r#"
import json, os, sys
import boto3
session = boto3.Session()
creds = session.get_credentials()
frozen = creds.get_frozen_credentials()
print(json.dumps({"method": creds.method, "access_key": frozen.access_key,
                  "secret_key": frozen.secret_key, "token": frozen.token,
                  "region": session.region_name}))
"#;

const BOTO3_WRONG_TOKEN: &str = r#"
import os, sys
os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "not-the-token"
import botocore.session
from botocore.exceptions import BotoCoreError
try:
    creds = botocore.session.get_session().get_credentials()
except BotoCoreError as e:
    print("refused:", type(e).__name__)
    sys.exit(3)
print("got", None if creds is None else creds.method)
sys.exit(0 if creds is None else 1)
"#;

/// boto3, a real client of the container credentials protocol, obtains exactly the served
/// credentials through `awsauth exec`; with a wrong token the server refuses it and boto3
/// gets no credentials.
#[test]
fn interop_boto3_reads_exactly_the_served_credentials() {
    let Some(python) = interop_python() else {
        eprintln!("skipped: no interop venv (cargo xtask test creates it)");
        return;
    };
    let python = python.to_str().unwrap();
    let mut env = TEMP_ENV.to_vec();
    env.push(("PATH", "/usr/bin:/bin"));
    let run = awsauth(
        &[
            "exec",
            "--auth-type",
            "keys",
            "--region",
            "eu-west-1",
            "--",
            python,
            "-c",
            BOTO3_READS,
        ],
        &env,
    );
    run.assert_code(0);
    let read: serde_json::Value = serde_json::from_str(run.stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    assert_eq!(read["method"], "container-role");
    assert_eq!(read["access_key"], TEMP_KEY_ID);
    assert_eq!(read["secret_key"], TEMP_SECRET);
    assert_eq!(read["token"], TEMP_TOKEN);
    assert_eq!(read["region"], "eu-west-1");

    let wrong = awsauth(
        &[
            "exec",
            "--auth-type",
            "keys",
            "--",
            python,
            "-c",
            BOTO3_WRONG_TOKEN,
        ],
        &env,
    );
    assert!(
        wrong.code == 0 || wrong.code == 3,
        "boto3 must fail to get credentials: {}\n{}",
        wrong.stdout,
        wrong.stderr
    );
    assert!(!wrong.stdout.contains("container-role"), "{}", wrong.stdout);
}
