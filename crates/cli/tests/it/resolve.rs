//! `awsauth resolve`: every auth type, every format, every exit code.

use crate::{EXTERNAL_ID, Fakes, Home, KEY_ID, ROLE_ARN, SECRET, WEB_TOKEN, awsauth};

const ENV_KEYS: [(&str, &str); 2] = [
    ("AWS_ACCESS_KEY_ID", KEY_ID),
    ("AWS_SECRET_ACCESS_KEY", SECRET),
];

#[test]
fn keys_from_the_environment_in_text_and_json_are_redacted() {
    let text = awsauth(&["resolve", "--auth-type", "keys"], &ENV_KEYS);
    text.assert_code(0).assert_no(&[SECRET]);
    assert!(text.stdout.contains(KEY_ID), "{}", text.stdout);
    assert!(
        text.stdout.contains("source         keys"),
        "{}",
        text.stdout
    );

    let json = awsauth(
        &[
            "resolve",
            "--auth-type",
            "keys",
            "--format",
            "json",
            "--region",
            "eu-west-1",
        ],
        &ENV_KEYS,
    );
    json.assert_code(0).assert_no(&[SECRET]);
    assert_eq!(
        json.json(),
        serde_json::json!({
            "access_key_id": KEY_ID,
            "secret_access_key": "** redacted **",
            "session_token": null,
            "expiration": null,
            "account_id": null,
            "source": "keys",
            "region": "eu-west-1",
        })
    );
}

#[test]
fn show_secrets_prints_them_in_json() {
    let run = awsauth(
        &[
            "resolve",
            "--auth-type",
            "keys",
            "--format",
            "json",
            "--show-secrets",
        ],
        &ENV_KEYS,
    );
    run.assert_code(0);
    assert_eq!(run.json()["secret_access_key"], SECRET);
}

#[test]
fn env_format_needs_show_secrets_and_then_prints_export_lines() {
    let refused = awsauth(
        &["resolve", "--auth-type", "keys", "--format", "env"],
        &ENV_KEYS,
    );
    refused.assert_code(2).assert_no(&[SECRET]);
    assert!(refused.stdout.is_empty());
    assert!(
        refused.stderr.contains("--show-secrets"),
        "{}",
        refused.stderr
    );

    let run = awsauth(
        &[
            "resolve",
            "--auth-type",
            "keys",
            "--format",
            "env",
            "--show-secrets",
            "--region",
            "eu-west-1",
        ],
        &ENV_KEYS,
    );
    run.assert_code(0);
    assert_eq!(
        run.stdout,
        format!(
            "export AWS_ACCESS_KEY_ID='{KEY_ID}'\nexport AWS_SECRET_ACCESS_KEY='{SECRET}'\n\
             unset AWS_SESSION_TOKEN\nunset AWS_CREDENTIAL_EXPIRATION\nexport AWS_REGION='eu-west-1'\n"
        )
    );
}

#[test]
fn process_format_is_the_credential_process_json_with_the_secret() {
    // stdout is a pipe here, as under an SDK: no --show-secrets needed.
    let run = awsauth(
        &["resolve", "--auth-type", "keys", "--format", "process"],
        &ENV_KEYS,
    );
    run.assert_code(0);
    assert_eq!(
        run.json(),
        serde_json::json!({"Version": 1, "AccessKeyId": KEY_ID, "SecretAccessKey": SECRET})
    );
}

#[test]
fn process_format_of_assumed_role_has_token_and_expiration_from_sts() {
    let fakes = Fakes::start();
    let sts = fakes.sts.endpoint();
    let env = [
        ENV_KEYS[0],
        ENV_KEYS[1],
        ("AWS_ENDPOINT_URL_STS", &sts),
        ("AWS_REGION", "us-east-1"),
    ];
    let run = awsauth(
        &[
            "resolve",
            "--auth-type",
            "keys",
            "--assume-role-arn",
            ROLE_ARN,
            "--external-id",
            EXTERNAL_ID,
            "--session-name",
            "cli-test",
            "--duration",
            "1h",
            "--format",
            "process",
        ],
        &env,
    );
    run.assert_code(0);
    let json = run.json();
    assert_eq!(json["Version"], 1);
    assert!(
        json["AccessKeyId"].as_str().unwrap().starts_with("ASIA"),
        "{json}"
    );
    assert!(json["SessionToken"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(json["Expiration"].as_str().unwrap().ends_with('Z'));
    let call = fakes
        .sts
        .calls()
        .into_iter()
        .find(|c| c.action == "AssumeRole")
        .unwrap();
    assert_eq!(
        call.params.get("ExternalId").map(String::as_str),
        Some(EXTERNAL_ID)
    );
    assert_eq!(
        call.params.get("RoleSessionName").map(String::as_str),
        Some("cli-test")
    );
    assert_eq!(
        call.params.get("DurationSeconds").map(String::as_str),
        Some("3600")
    );
    assert_eq!(call.access_key_id.as_deref(), Some(KEY_ID));
}

#[test]
fn assume_role_json_names_the_chain_and_redacts_the_token() {
    let fakes = Fakes::start();
    let sts = fakes.sts.endpoint();
    let env = [
        ENV_KEYS[0],
        ENV_KEYS[1],
        ("AWS_ENDPOINT_URL_STS", &sts),
        ("AWS_REGION", "us-east-1"),
    ];
    let args = [
        "resolve",
        "--auth-type",
        "keys",
        "--assume-role-arn",
        ROLE_ARN,
        "--external-id",
        EXTERNAL_ID,
        "--format",
        "json",
    ];
    let run = awsauth(&args, &env);
    run.assert_code(0).assert_no(&[SECRET]);
    let json = run.json();
    assert_eq!(json["source"], format!("keys -> assume-role:{ROLE_ARN}"));
    assert_eq!(json["session_token"], "** redacted **");
    assert_eq!(json["account_id"], "123456789012");
    assert!(json["expiration"].is_string());

    let mut shown = args.to_vec();
    shown.push("--show-secrets");
    let secret_run = awsauth(&shown, &env);
    let token = secret_run.json()["session_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // The same call's text output never shows the issued token.
    // Text output of the same resolution redacts the issued token too.
    let text = awsauth(&args[..args.len() - 2], &env);
    text.assert_code(0).assert_no(&[SECRET, &token]);
    assert!(
        text.stdout.contains("session token  ** redacted **"),
        "{}",
        text.stdout
    );
}

#[test]
fn a_wrong_external_id_is_a_provider_failure_exit_6() {
    let fakes = Fakes::start();
    let sts = fakes.sts.endpoint();
    let env = [
        ENV_KEYS[0],
        ENV_KEYS[1],
        ("AWS_ENDPOINT_URL_STS", &sts),
        ("AWS_REGION", "us-east-1"),
    ];
    let run = awsauth(
        &[
            "resolve",
            "--auth-type",
            "keys",
            "--assume-role-arn",
            ROLE_ARN,
            "--external-id",
            "wrong",
            "--format",
            "json",
        ],
        &env,
    );
    run.assert_code(6).assert_no(&[SECRET]);
    let json = run.json();
    assert_eq!(json["error"]["kind"], "provider_failed");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("AccessDenied"),
        "{json}"
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn a_settings_file_gives_the_auth_type_and_the_keys() {
    let home = Home::new();
    let file = home.write(
        "ds.json",
        &format!(
            r#"{{"jsonData":{{"authType":"keys","defaultRegion":"ap-south-1"}},"secureJsonData":{{"accessKey":"{KEY_ID}","secretKey":"{SECRET}"}}}}"#
        ),
    );
    let run = awsauth(
        &[
            "resolve",
            "--settings",
            file.to_str().unwrap(),
            "--format",
            "json",
        ],
        &[],
    );
    run.assert_code(0).assert_no(&[SECRET]);
    assert_eq!(run.json()["access_key_id"], KEY_ID);
    assert_eq!(run.json()["region"], "ap-south-1");
}

#[test]
fn credentials_auth_type_reads_the_named_profile() {
    let home = Home::new();
    home.write(
        ".aws/credentials",
        "[reader]\naws_access_key_id = AKIAPROFILE000000001\naws_secret_access_key = profile-secret-xyz\n",
    );
    let home_path = home.path().to_str().unwrap();
    let run = awsauth(
        &["resolve", "--profile", "reader", "--format", "json"],
        &[("HOME", home_path)],
    );
    run.assert_code(0).assert_no(&["profile-secret-xyz"]);
    assert_eq!(run.json()["access_key_id"], "AKIAPROFILE000000001");
    assert_eq!(run.json()["source"], "profile:reader");

    // A profile that does not exist, with no fallback: invalid configuration, naming it.
    let missing = awsauth(
        &[
            "resolve",
            "--auth-type",
            "credentials",
            "--profile",
            "nope",
            "--format",
            "json",
        ],
        &[("HOME", home_path)],
    );
    missing.assert_code(5);
    assert_eq!(missing.json()["error"]["kind"], "invalid_configuration");
    assert!(missing.stderr.contains("nope"), "{}", missing.stderr);
}

#[test]
fn ec2_iam_role_uses_imds_when_allowed() {
    let fakes = Fakes::start();
    let imds = fakes.imds.endpoint();
    let env = [("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.as_str())];
    let refused = awsauth(
        &["resolve", "--auth-type", "ec2_iam_role", "--format", "json"],
        &env,
    );
    refused.assert_code(4);
    assert_eq!(refused.json()["error"]["kind"], "not_allowed");
    assert_eq!(
        fakes.imds.total_requests(),
        0,
        "the gate comes before the network"
    );

    let run = awsauth(
        &[
            "resolve",
            "--auth-type",
            "ec2_iam_role",
            "--allowed-auth-providers",
            "ec2_iam_role",
            "--format",
            "json",
        ],
        &env,
    );
    run.assert_code(0);
    let creds = fakes.imds.credentials();
    run.assert_no(&[&creds.secret_access_key, &creds.token]);
    assert_eq!(run.json()["access_key_id"], creds.access_key_id);
    assert_eq!(run.json()["account_id"], "123456789012");
}

#[test]
fn policy_from_the_environment_and_flags_that_override_it() {
    let env = [
        ENV_KEYS[0],
        ENV_KEYS[1],
        ("AWS_AUTH_AllowedAuthProviders", "default"),
    ];
    awsauth(&["resolve", "--auth-type", "keys"], &env).assert_code(4);
    awsauth(
        &[
            "resolve",
            "--auth-type",
            "keys",
            "--allowed-auth-providers",
            "keys",
        ],
        &env,
    )
    .assert_code(0);

    let disabled = [
        ENV_KEYS[0],
        ENV_KEYS[1],
        ("AWS_AUTH_AssumeRoleEnabled", "false"),
    ];
    let run = awsauth(
        &[
            "resolve",
            "--auth-type",
            "keys",
            "--assume-role-arn",
            ROLE_ARN,
        ],
        &disabled,
    );
    run.assert_code(4);
    assert!(run.stderr.contains("assume role"), "{}", run.stderr);
    // A bad policy value that could widen access is invalid configuration; one that cannot
    // change identity is a warning and the default (issue 15.8).
    awsauth(
        &["resolve"],
        &[
            ENV_KEYS[0],
            ENV_KEYS[1],
            ("AWS_AUTH_AssumeRoleEnabled", "soon"),
        ],
    )
    .assert_code(5);
    let run = awsauth(
        &["resolve"],
        &[
            ENV_KEYS[0],
            ENV_KEYS[1],
            ("AWS_AUTH_SESSION_DURATION", "soon"),
            ("AWS_CW_LIST_METRICS_PAGE_LIMIT", "lots"),
        ],
    );
    run.assert_code(0);
    assert!(
        run.stderr.contains("AWS_AUTH_SESSION_DURATION") && run.stderr.contains("using 15m"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("AWS_CW_LIST_METRICS_PAGE_LIMIT"),
        "{}",
        run.stderr
    );
}

#[test]
fn default_chain_finds_web_identity() {
    let fakes = Fakes::start();
    let home = Home::new();
    let token = home.write("token", WEB_TOKEN);
    let sts = fakes.sts.endpoint();
    let run = awsauth(
        &["resolve", "--format", "json"],
        &[
            ("HOME", home.path().to_str().unwrap()),
            ("AWS_ENDPOINT_URL_STS", &sts),
            ("AWS_REGION", "us-east-1"),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap()),
            ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/eks"),
        ],
    );
    run.assert_code(0).assert_no(&[WEB_TOKEN]);
    assert!(
        run.json()["source"]
            .as_str()
            .unwrap()
            .contains("web-identity"),
        "{}",
        run.stdout
    );
}

#[test]
fn nothing_configured_anywhere_is_exit_3_listing_each_source() {
    let home = Home::new();
    let run = awsauth(&["resolve"], &[("HOME", home.path().to_str().unwrap())]);
    run.assert_code(3);
    assert!(run.stdout.is_empty());
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("AWS_ACCESS_KEY_ID"), "{}", run.stderr);
    let json = awsauth(
        &["resolve", "--format", "json"],
        &[("HOME", home.path().to_str().unwrap())],
    );
    json.assert_code(3);
    assert_eq!(json.json()["error"]["kind"], "not_configured");
}

#[test]
fn keys_selected_but_missing_is_invalid_configuration() {
    let run = awsauth(&["resolve", "--auth-type", "keys", "--format", "json"], &[]);
    run.assert_code(5);
    assert!(
        run.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("auth type `keys` selected"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_unreadable_settings_file_is_invalid_configuration() {
    let run = awsauth(&["resolve", "--settings", "/nonexistent/ds.json"], &[]);
    run.assert_code(5);
    assert!(
        run.stderr.contains("/nonexistent/ds.json"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_timeout_is_exit_6_timed_out() {
    let fakes = Fakes::start();
    fakes.imds.inject(
        awsauth_testkit::Fault::Delay(std::time::Duration::from_secs(30)),
        100,
    );
    let imds = fakes.imds.endpoint();
    let run = awsauth(
        &[
            "resolve",
            "--auth-type",
            "ec2_iam_role",
            "--allowed-auth-providers",
            "ec2_iam_role",
            "--format",
            "json",
        ],
        &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.as_str())],
    );
    run.assert_code(6);
    let kind = run.json()["error"]["kind"].as_str().unwrap().to_owned();
    assert_eq!(kind, "timed_out", "{}", run.stdout);
}

#[test]
fn usage_errors_are_exit_2_and_json_when_asked() {
    let run = awsauth(&["resolve", "--auth-type", "rainbows"], &[]);
    run.assert_code(2);
    assert!(run.stderr.contains("rainbows"), "{}", run.stderr);
    let json = awsauth(&["resolve", "--format", "json", "--no-such-flag"], &[]);
    json.assert_code(2);
    assert_eq!(json.json()["error"]["kind"], "usage");
    awsauth(&["resolve", "--duration", "60"], &[]).assert_code(2);
    awsauth(
        &["resolve", "--auth-type", "default", "--profile", "x"],
        &[],
    )
    .assert_code(2);
    awsauth(&["explain", "--format", "process"], &[]).assert_code(2);
    // Secrets are not flags.
    awsauth(&["resolve", "--secret-key", "x"], &[]).assert_code(2);
    awsauth(&["--help"], &[]).assert_code(0);
}

#[test]
fn a_profile_that_assumes_a_role_runs_its_plan_through_sts() {
    let fakes = Fakes::start();
    let home = Home::new();
    home.write(
        ".aws/credentials",
        &format!("[base]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"),
    );
    home.write(
        ".aws/config",
        &format!(
            "[profile reader]\nrole_arn = {ROLE_ARN}\nsource_profile = base\nexternal_id = {EXTERNAL_ID}\n"
        ),
    );
    let sts = fakes.sts.endpoint();
    let run = awsauth(
        &["resolve", "--profile", "reader", "--format", "json"],
        &[
            ("HOME", home.path().to_str().unwrap()),
            ("AWS_ENDPOINT_URL_STS", &sts),
            ("AWS_REGION", "us-east-1"),
        ],
    );
    run.assert_code(0).assert_no(&[SECRET]);
    let source = run.json()["source"].as_str().unwrap().to_owned();
    assert!(source.starts_with("profile:base -> "), "{source}");
    assert!(source.contains(ROLE_ARN), "{source}");
    assert_eq!(fakes.sts.successful("AssumeRole"), 1);
}

/// The AWS CLI's `export-credentials` formats, from the binary.
#[test]
fn the_aws_cli_export_formats_print_assignments_with_show_secrets() {
    let env = [
        ("AWS_ACCESS_KEY_ID", KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_SESSION_TOKEN", "the-session-token"),
    ];
    for (format, first) in [
        ("env-no-export", format!("AWS_ACCESS_KEY_ID='{KEY_ID}'")),
        ("powershell", format!("$Env:AWS_ACCESS_KEY_ID=\"{KEY_ID}\"")),
        ("windows-cmd", format!("set AWS_ACCESS_KEY_ID={KEY_ID}")),
    ] {
        let refused = awsauth(
            &["resolve", "--auth-type", "keys", "--format", format],
            &env,
        );
        refused.assert_code(2).assert_no(&[SECRET]);
        let run = awsauth(
            &[
                "resolve",
                "--auth-type",
                "keys",
                "--format",
                format,
                "--show-secrets",
            ],
            &env,
        );
        run.assert_code(0);
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), 3, "{format}: {}", run.stdout);
        assert_eq!(lines[0], first, "{format}");
        assert!(lines[2].contains("AWS_SESSION_TOKEN") && lines[2].contains("the-session-token"));
    }
}

/// `--external-id` and `--duration` only shape an AssumeRole call: without a role they are a
/// usage error rather than silently ignored.
#[test]
fn external_id_or_duration_without_a_role_arn_is_a_usage_error() {
    for args in [
        &["resolve", "--auth-type", "keys", "--external-id", "x"][..],
        &["resolve", "--auth-type", "keys", "--duration", "1h"][..],
        &["explain", "--duration", "900s"][..],
    ] {
        let run = awsauth(args, &ENV_KEYS);
        run.assert_code(2);
        assert!(run.stderr.contains("--assume-role-arn"), "{}", run.stderr);
    }
    let home = Home::new();
    let ds = home.write(
        "ds.json",
        &format!(r#"{{"jsonData":{{"authType":"keys","assumeRoleArn":"{ROLE_ARN}"}}}}"#),
    );
    // A role from the settings file is a role.
    awsauth(
        &[
            "explain",
            "--settings",
            ds.to_str().unwrap(),
            "--external-id",
            "x",
            "--duration",
            "1h",
        ],
        &[],
    )
    .assert_code(5);
}

/// A settings file holding secrets gets the credentials file's advice when others may read it.
#[cfg(unix)]
#[test]
fn a_settings_file_with_secrets_readable_by_others_gets_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    let ds = home.write(
        "ds.json",
        &format!(
            r#"{{"jsonData":{{"authType":"keys"}},"secureJsonData":{{"accessKey":"{KEY_ID}","secretKey":"{SECRET}"}}}}"#
        ),
    );
    let run = |mode: u32| {
        std::fs::set_permissions(&ds, std::fs::Permissions::from_mode(mode)).unwrap();
        awsauth(&["resolve", "--settings", ds.to_str().unwrap()], &[])
    };
    let private = run(0o600);
    private.assert_code(0).assert_no(&[SECRET]);
    assert!(!private.stderr.contains("chmod"), "{}", private.stderr);
    for mode in [0o644, 0o640] {
        let open = run(mode);
        open.assert_code(0).assert_no(&[SECRET]);
        assert!(
            open.stderr.contains("chmod 600") && open.stderr.contains(&format!("{mode:04o}")),
            "{mode:o}: {}",
            open.stderr
        );
    }
    // Without secrets there is nothing to protect.
    let plain = home.write("plain.json", r#"{"jsonData":{"authType":"default"}}"#);
    std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = awsauth(&["explain", "--settings", plain.to_str().unwrap()], &[]);
    assert!(!run.stderr.contains("chmod"), "{}", run.stderr);
}

/// Settings a server would not read are reported (issue 15.3): a secret outside
/// `secureJsonData` refuses the file, naming where it belongs; a misspelled key is a warning.
#[test]
fn settings_grafana_would_not_read_are_reported_and_misplaced_secrets_refused() {
    let home = Home::new();
    let flat = home.write(
        "flat.json",
        &format!(r#"{{"authType":"keys","accessKey":"{KEY_ID}","secretKey":"{SECRET}"}}"#),
    );
    let run = awsauth(
        &["resolve", "--settings", flat.to_str().unwrap()],
        &ENV_KEYS,
    );
    run.assert_code(5).assert_no(&[SECRET]);
    assert!(
        run.stderr.contains("`secretKey`") && run.stderr.contains("secureJsonData.secretKey"),
        "{}",
        run.stderr
    );
    let in_json_data = home.write(
        "in-json-data.json",
        &format!(r#"{{"jsonData":{{"authType":"keys","secretKey":"{SECRET}"}}}}"#),
    );
    let run = awsauth(
        &["explain", "--settings", in_json_data.to_str().unwrap()],
        &ENV_KEYS,
    );
    run.assert_code(5).assert_no(&[SECRET]);
    assert!(run.stderr.contains("jsonData.secretKey"), "{}", run.stderr);

    let snake = home.write(
        "snake.json",
        &format!(
            r#"{{"jsonData":{{"authType":"keys","assume_role_arn":"{ROLE_ARN}"}},"secureJsonData":{{"accessKey":"{KEY_ID}","secretKey":"{SECRET}"}}}}"#
        ),
    );
    let run = awsauth(&["resolve", "--settings", snake.to_str().unwrap()], &[]);
    run.assert_code(0).assert_no(&[SECRET]);
    assert!(
        run.stderr.contains("jsonData.assume_role_arn")
            && run.stderr.contains("jsonData.assumeRoleArn"),
        "{}",
        run.stderr
    );
}
