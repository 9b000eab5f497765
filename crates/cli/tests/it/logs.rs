//! Logging at every verbosity: not one secret, whatever is resolved — and whatever fails.
//! Every run's stderr is searched with testkit's `SecretScan` (each secret verbatim, encoded
//! or in part, and every secret the fakes issued); a run that logged nothing fails.

use awsauth_testkit::{Fault, SecretScan};

use crate::{EXTERNAL_ID, Fakes, Home, KEY_ID, ROLE_ARN, Run, SECRET, WEB_TOKEN, awsauth};

/// Fails when `run`'s stderr (or, with `stdout_too`, its stdout) holds a secret, or when
/// stderr is empty.
#[track_caller]
fn assert_clean(scan: &SecretScan, args: &[&str], run: &Run, stdout_too: bool) {
    scan.assert_clean(&format!("stderr of awsauth {args:?}"), &run.stderr);
    if stdout_too && !run.stdout.trim().is_empty() {
        scan.assert_clean(&format!("stdout of awsauth {args:?}"), &run.stdout);
    }
}

#[test]
fn very_verbose_logs_hold_no_secret() {
    let fakes = Fakes::start();
    let home = Home::new();
    let token_file = home.write("token", WEB_TOKEN);
    let ds = home.write(
        "ds.json",
        &format!(
            r#"{{"jsonData":{{"authType":"keys","assumeRoleArn":"{ROLE_ARN}","externalId":"{EXTERNAL_ID}"}},"secureJsonData":{{"accessKey":"{KEY_ID}","secretKey":"{SECRET}"}}}}"#
        ),
    );
    let imds = fakes.imds.endpoint();
    let sts = fakes.sts.endpoint();
    let common = [
        ("HOME", home.path().to_str().unwrap()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.as_str()),
        ("AWS_ENDPOINT_URL_STS", sts.as_str()),
        ("AWS_REGION", "us-east-1"),
    ];
    let imds_creds = fakes.imds.credentials();
    let mut never = vec![
        SECRET.to_owned(),
        WEB_TOKEN.to_owned(),
        imds_creds.secret_access_key.clone(),
        imds_creds.token.clone(),
    ];

    // Each run prints its issued secrets on stdout (--show-secrets), so stderr can be checked
    // for exactly those.
    let runs: Vec<Vec<&str>> = vec![
        vec![
            "-vv",
            "resolve",
            "--settings",
            ds.to_str().unwrap(),
            "--format",
            "json",
            "--show-secrets",
        ],
        vec!["-vv", "resolve", "--format", "json", "--show-secrets"],
        vec![
            "-v",
            "resolve",
            "--auth-type",
            "ec2_iam_role",
            "--allowed-auth-providers",
            "ec2_iam_role",
            "--format",
            "json",
            "--show-secrets",
        ],
    ];
    let with_web: Vec<(&str, &str)> = common
        .iter()
        .copied()
        .chain([
            ("AWS_WEB_IDENTITY_TOKEN_FILE", token_file.to_str().unwrap()),
            ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/eks"),
        ])
        .collect();
    for (i, args) in runs.iter().enumerate() {
        let env: &[(&str, &str)] = if i == 1 { &with_web } else { &common };
        let run = awsauth(args, env);
        run.assert_code(0);
        let json = run.json();
        for field in ["secret_access_key", "session_token"] {
            if let Some(value) = json[field].as_str() {
                never.push(value.to_owned());
            }
        }
        assert_clean(&SecretScan::new(&never), args, &run, false);
    }
    // RUST_LOG alone turns logging on as well.
    let mut env = common.to_vec();
    env.push(("RUST_LOG", "trace"));
    let run = awsauth(&["whoami", "--settings", ds.to_str().unwrap()], &env);
    run.assert_code(0);
    assert!(run.stderr.lines().count() > 1);
    assert_clean(&SecretScan::new(&never), &["whoami"], &run, false);
}

/// A failing run: its arguments, the variables it adds to the common ones, its exit code.
type Failing<'a> = (Vec<&'a str>, Vec<(&'static str, String)>, i32);

/// Secrets with the characters real ones have.
const WRONG_SECRET: &str = "cli/WRONG+secret/key0123456789abcdef";
const PROFILE_SECRET: &str = "cli+PROFILE/secret+0123456789abcdef";
const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjCLI/session+token/0123456789==";
const REFUSED_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.cli-refused-token.c2ln";

#[test]
fn failures_at_trace_level_log_no_secret() {
    let fakes = Fakes::start();
    let home = Home::new();
    let imds = fakes.imds.endpoint();
    let sts = fakes.sts.endpoint();
    let common = [
        ("HOME", home.path().to_str().unwrap()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.as_str()),
        ("AWS_ENDPOINT_URL_STS", sts.as_str()),
        ("AWS_REGION", "us-east-1"),
    ];
    let write_ds = |name: &str, json: serde_json::Value| {
        home.write(name, &json.to_string())
            .to_str()
            .unwrap()
            .to_owned()
    };
    // A key STS knows with the wrong secret; the right one with a wrong external id.
    let wrong_secret = write_ds(
        "wrong-secret.json",
        serde_json::json!({
            "jsonData": {"authType": "keys", "assumeRoleArn": ROLE_ARN, "externalId": EXTERNAL_ID},
            "secureJsonData": {"accessKey": KEY_ID, "secretKey": WRONG_SECRET, "sessionToken": SESSION_TOKEN},
        }),
    );
    let wrong_external_id = write_ds(
        "wrong-external-id.json",
        serde_json::json!({
            "jsonData": {"authType": "keys", "assumeRoleArn": ROLE_ARN, "externalId": "tenant-0"},
            "secureJsonData": {"accessKey": KEY_ID, "secretKey": SECRET},
        }),
    );
    // Settings JSON cut off right after a secret.
    let truncated = home.write(
        "truncated.json",
        &format!(
            r#"{{"jsonData":{{"authType":"keys"}},"secureJsonData":{{"secretKey":"{WRONG_SECRET}","#
        ),
    );
    // A credentials file with a syntax error on the very line of the secret, in a home of its
    // own (in the shared one it would stop every default chain).
    let broken_home = Home::new();
    let broken = vec![("HOME", broken_home.path().to_str().unwrap().to_owned())];
    broken_home.write(
        ".aws/credentials",
        &format!(
            "[broken]\naws_access_key_id = {KEY_ID}\naws_secret_access_key {PROFILE_SECRET}\n"
        ),
    );
    let token_file = home.write("token", REFUSED_TOKEN);
    let nul_token_file = home.write("nul-token", &format!("{REFUSED_TOKEN}\u{0}"));
    fakes.sts.accept_web_identity_tokens(&["only-this-token"]);
    let web_identity = |file: &std::path::Path| -> Vec<(&'static str, String)> {
        vec![
            (
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                file.to_str().unwrap().to_owned(),
            ),
            (
                "AWS_ROLE_ARN",
                "arn:aws:iam::123456789012:role/eks".to_owned(),
            ),
        ]
    };
    let imds_creds = fakes.imds.credentials();
    let scan = SecretScan::new([
        SECRET,
        WRONG_SECRET,
        PROFILE_SECRET,
        SESSION_TOKEN,
        REFUSED_TOKEN,
        WEB_TOKEN,
        imds_creds.secret_access_key.as_str(),
        imds_creds.token.as_str(),
    ]);

    let truncated = truncated.to_str().unwrap().to_owned();
    let runs: Vec<Failing<'_>> = vec![
        (
            vec![
                "-vv",
                "resolve",
                "--settings",
                &wrong_secret,
                "--format",
                "json",
            ],
            vec![],
            6,
        ),
        (
            vec!["-vv", "whoami", "--settings", &wrong_secret],
            vec![],
            6,
        ),
        (
            vec!["-vv", "explain", "--run", "--settings", &wrong_secret],
            vec![],
            6,
        ),
        (
            vec!["-vv", "resolve", "--settings", &wrong_external_id],
            vec![],
            6,
        ),
        (
            vec![
                "-vv",
                "resolve",
                "--settings",
                &truncated,
                "--format",
                "json",
            ],
            vec![],
            5,
        ),
        (
            vec![
                "-vv",
                "resolve",
                "--auth-type",
                "credentials",
                "--profile",
                "broken",
            ],
            broken.clone(),
            5,
        ),
        (vec!["-vv", "profiles"], broken, 5),
        (
            vec!["-vv", "resolve", "--format", "json"],
            web_identity(&token_file),
            6,
        ),
        // Refused before anything is sent (invalid configuration), and named without the token.
        (vec!["-vv", "resolve"], web_identity(&nul_token_file), 5),
        (
            vec![
                "-vv",
                "resolve",
                "--auth-type",
                "keys",
                "--assume-role-arn",
                ROLE_ARN,
                "--format",
                "process",
            ],
            vec![
                ("AWS_ACCESS_KEY_ID", KEY_ID.to_owned()),
                ("AWS_SECRET_ACCESS_KEY", WRONG_SECRET.to_owned()),
                ("AWS_SESSION_TOKEN", SESSION_TOKEN.to_owned()),
            ],
            6,
        ),
        (
            vec![
                "-vv",
                "resolve",
                "--auth-type",
                "ec2_iam_role",
                "--allowed-auth-providers",
                "ec2_iam_role",
            ],
            vec![],
            6,
        ),
    ];
    for (i, (args, extra, code)) in runs.iter().enumerate() {
        if i == runs.len() - 1 {
            // The instance answers 500 from now on.
            fakes.imds.inject(Fault::Status(500), 100);
        }
        let mut env: Vec<(&str, &str)> = common
            .iter()
            .copied()
            .filter(|(k, _)| extra.iter().all(|(e, _)| e != k))
            .collect();
        env.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
        let run = awsauth(args, &env);
        run.assert_code(*code);
        assert_clean(&scan, args, &run, true);
    }
}
