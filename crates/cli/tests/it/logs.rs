//! Logging at every verbosity: not one secret, whatever is resolved.

use crate::{EXTERNAL_ID, Fakes, Home, KEY_ID, ROLE_ARN, SECRET, WEB_TOKEN, awsauth};

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
        assert!(!run.stderr.is_empty(), "-v should log something");
        for secret in &never {
            assert!(
                !run.stderr.contains(secret.as_str()),
                "{secret:?} in the logs of {args:?}:\n{}",
                run.stderr
            );
        }
    }
    // RUST_LOG alone turns logging on as well.
    let mut env = common.to_vec();
    env.push(("RUST_LOG", "trace"));
    let run = awsauth(&["whoami", "--settings", ds.to_str().unwrap()], &env);
    run.assert_code(0);
    assert!(run.stderr.lines().count() > 1);
    for secret in &never {
        assert!(
            !run.stderr.contains(secret.as_str()),
            "{secret:?} in\n{}",
            run.stderr
        );
    }
}
