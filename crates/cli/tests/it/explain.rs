//! `awsauth explain`: sources, reasons and the plan, with no network unless `--run`.

use crate::{EXTERNAL_ID, Fakes, Home, KEY_ID, ROLE_ARN, SECRET, awsauth};

const BASE_SECRET: &str = "base-profile-secret-value";

fn role_profiles(home: &Home) {
    home.write(
        ".aws/credentials",
        &format!("[base]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {BASE_SECRET}\n"),
    );
    home.write(
        ".aws/config",
        &format!(
            "[profile reader]\nrole_arn = {ROLE_ARN}\nsource_profile = base\nexternal_id = {EXTERNAL_ID}\nrole_session_name = grafana\n"
        ),
    );
}

#[test]
fn default_chain_lists_each_source_and_touches_no_endpoint() {
    let fakes = Fakes::start();
    let home = Home::new();
    let imds = fakes.imds.endpoint();
    let sts = fakes.sts.endpoint();
    let env = [
        ("HOME", home.path().to_str().unwrap()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.as_str()),
        ("AWS_ENDPOINT_URL_STS", sts.as_str()),
        ("AWS_ACCESS_KEY_ID", KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
    ];
    let run = awsauth(&["explain", "--format", "json"], &env);
    run.assert_code(0).assert_no(&[SECRET]);
    let json = run.json();
    let sources = json["sources"].as_array().unwrap();
    assert!(sources.len() >= 4, "{json}");
    for source in sources {
        let status = source["status"].as_str().unwrap();
        assert!(
            ["configured", "not_configured", "invalid", "unknown"].contains(&status),
            "{source}"
        );
        assert!(source["reason"].as_str().is_some_and(|r| !r.is_empty()));
    }
    assert_eq!(sources[0]["status"], "configured", "{json}");
    assert!(
        sources[0]["reason"]
            .as_str()
            .unwrap()
            .contains("AWS_ACCESS_KEY_ID")
    );
    assert_eq!(
        json["plan"],
        serde_json::json!([{"step": "static", "source": "environment"}])
    );
    assert_eq!(fakes.imds.total_requests(), 0, "explain must not call IMDS");
    assert_eq!(fakes.sts.requests(), 0, "explain must not call STS");

    let text = awsauth(&["explain"], &env);
    text.assert_code(0).assert_no(&[SECRET]);
    assert!(
        text.stdout.contains("sources, in order:"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("static keys from environment"),
        "{}",
        text.stdout
    );
}

#[test]
fn a_profile_plan_shows_the_base_then_the_role() {
    let home = Home::new();
    role_profiles(&home);
    let env = [("HOME", home.path().to_str().unwrap())];
    let run = awsauth(
        &[
            "explain",
            "--auth-type",
            "credentials",
            "--profile",
            "reader",
            "--format",
            "json",
        ],
        &env,
    );
    run.assert_code(0).assert_no(&[BASE_SECRET]);
    let plan = run.json()["plan"].clone();
    assert_eq!(
        plan[0],
        serde_json::json!({"step": "static", "profile": "base"})
    );
    assert_eq!(plan[1]["step"], "assume_role");
    assert_eq!(plan[1]["role_arn"], ROLE_ARN);
    assert_eq!(plan[1]["external_id"], EXTERNAL_ID);
    assert_eq!(plan[1]["role_session_name"], "grafana");

    let text = awsauth(&["explain", "--profile", "reader"], &env);
    text.assert_code(0).assert_no(&[BASE_SECRET]);
    assert!(
        text.stdout.contains("1. static keys of profile \"base\""),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains(&format!("2. assume role {ROLE_ARN}")),
        "{}",
        text.stdout
    );
}

#[test]
fn a_data_source_role_is_the_last_step() {
    let run = awsauth(
        &[
            "explain",
            "--auth-type",
            "keys",
            "--assume-role-arn",
            ROLE_ARN,
            "--external-id",
            EXTERNAL_ID,
            "--duration",
            "1800s",
            "--format",
            "json",
        ],
        &[
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
    );
    run.assert_code(0).assert_no(&[SECRET]);
    let plan = run.json()["plan"].clone();
    assert_eq!(
        plan[0],
        serde_json::json!({"step": "static", "source": "environment"})
    );
    assert_eq!(
        plan[1],
        serde_json::json!({"step": "assume_role", "role_arn": ROLE_ARN, "external_id": EXTERNAL_ID,
                           "role_session_name": null, "duration_seconds": 1800,
                           "region": "us-east-1"})
    );
}

#[test]
fn ec2_iam_role_plans_the_instance_metadata_source() {
    let run = awsauth(
        &[
            "explain",
            "--auth-type",
            "ec2_iam_role",
            "--allowed-auth-providers",
            "ec2_iam_role",
            "--format",
            "json",
        ],
        // IMDS enabled (explain does not call it); the harness disables it otherwise.
        &[("AWS_EC2_METADATA_DISABLED", "false")],
    );
    run.assert_code(0);
    assert_eq!(
        run.json()["plan"],
        serde_json::json!([{"step": "named_source", "name": "Ec2InstanceMetadata"}])
    );
}

#[test]
fn run_resolves_too_and_its_failure_sets_the_exit_code() {
    let fakes = Fakes::start();
    let imds = fakes.imds.endpoint();
    let env = [("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.as_str())];
    let run = awsauth(&["explain", "--run", "--format", "json"], &env);
    run.assert_code(0);
    let creds = fakes.imds.credentials();
    run.assert_no(&[&creds.secret_access_key, &creds.token]);
    assert_eq!(
        run.json()["run"]["credentials"]["access_key_id"],
        creds.access_key_id
    );
    assert!(fakes.imds.credential_requests() > 0);

    let home = Home::new();
    let failed = awsauth(
        &[
            "explain",
            "--run",
            "--auth-type",
            "credentials",
            "--profile",
            "nope",
        ],
        &[("HOME", home.path().to_str().unwrap())],
    );
    failed.assert_code(5);
    assert!(
        failed.stdout.contains("sources, in order:"),
        "{}",
        failed.stdout
    );
    assert!(
        failed.stdout.contains("run: invalid_configuration"),
        "{}",
        failed.stdout
    );
}

#[test]
fn not_allowed_is_reported_by_explain_as_well() {
    let run = awsauth(
        &["explain", "--auth-type", "ec2_iam_role", "--format", "json"],
        &[],
    );
    run.assert_code(4);
    assert_eq!(run.json()["error"]["kind"], "not_allowed");
}

/// `explain` exits with the code `resolve` would have wherever that is known without the
/// network: 3 when nothing is configured, 5 for a selected profile that does not exist.
#[test]
fn explain_exits_as_resolve_would_without_the_network() {
    let home = Home::new();
    let env = [("HOME", home.path().to_str().unwrap())];
    let nothing = awsauth(&["explain", "--format", "json"], &env);
    nothing.assert_code(3);
    assert_eq!(nothing.json()["plan"], serde_json::json!([]));
    assert!(
        nothing.json()["plan_error"]
            .as_str()
            .unwrap()
            .contains("no credentials found"),
        "{}",
        nothing.stdout
    );
    awsauth(&["resolve"], &env).assert_code(3);

    let missing = awsauth(&["explain", "--profile", "nope"], &env);
    missing.assert_code(5);
    awsauth(&["resolve", "--profile", "nope"], &env).assert_code(5);
}

/// With a settings file, the keys are its `secureJsonData`'s only: keys in the environment are
/// not a fallback (a server would never read them for a data source).
#[test]
fn a_settings_file_without_keys_does_not_take_them_from_the_environment() {
    let home = Home::new();
    let settings = home.write("ds.json", r#"{"jsonData":{"authType":"keys"}}"#);
    let env = [
        ("HOME", home.path().to_str().unwrap()),
        ("AWS_ACCESS_KEY_ID", KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
    ];
    let settings = settings.to_str().unwrap();
    let resolved = awsauth(&["resolve", "--settings", settings], &env);
    resolved.assert_code(5).assert_no(&[SECRET, KEY_ID]);
    assert!(
        resolved
            .stderr
            .contains("accessKey and secretKey are not set"),
        "{}",
        resolved.stderr
    );
    awsauth(&["explain", "--settings", settings], &env).assert_code(5);

    // Without a settings file the environment is where a local tool's keys come from, and the
    // error names those variables.
    let bare = awsauth(&["resolve", "--auth-type", "keys"], &[]);
    bare.assert_code(5);
    assert!(
        bare.stderr
            .contains("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"),
        "{}",
        bare.stderr
    );
}

/// Issue 15 item 10: for every configuration whose outcome is known without the network,
/// `explain` exits with `resolve`'s code (3 nothing configured, 4 policy, 5 invalid), and
/// where both succeed the plan's first step is the source `resolve` used.
#[test]
fn explain_agrees_with_resolve_on_every_offline_outcome() {
    let fakes = Fakes::start();
    let home = Home::new();
    // `base` holds the key pair the fake STS knows, so the role profile resolves for real.
    home.write(
        ".aws/credentials",
        &format!("[base]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"),
    );
    home.write(
        ".aws/config",
        &format!(
            "[profile reader]\nrole_arn = {ROLE_ARN}\nsource_profile = base\nexternal_id = {EXTERNAL_ID}\n\
             [profile orphan]\nrole_arn = {ROLE_ARN}\nsource_profile = nowhere\n\
             [profile both]\nrole_arn = {ROLE_ARN}\nsource_profile = base\ncredential_source = Environment\n"
        ),
    );
    let keys_only = home.write("keys.json", r#"{"jsonData":{"authType":"keys"}}"#);
    let keys_only = keys_only.to_str().unwrap().to_owned();
    let token = home.write("token", "eyJ.token");
    let token = token.to_str().unwrap().to_owned();
    let imds = fakes.imds.endpoint();
    let sts = fakes.sts.endpoint();
    let h = home.path().to_str().unwrap().to_owned();
    let base: Vec<(&str, &str)> =
        vec![("HOME", h.as_str()), ("AWS_ENDPOINT_URL_STS", sts.as_str())];
    let with = |extra: &[(&'static str, &'static str)]| -> Vec<(String, String)> {
        base.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .chain(
                extra
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
            )
            .collect()
    };
    let leaked = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
    let token: &'static str = leaked(&token);
    let imds: &'static str = leaked(&imds);
    let keys_only: &'static str = leaked(&keys_only);
    // (flags, extra environment, the code both must exit with)
    type Case<'a> = (Vec<&'a str>, Vec<(String, String)>, i32);
    let cases: Vec<Case<'_>> = vec![
        (vec![], with(&[]), 3),
        (
            vec![],
            with(&[
                ("AWS_ACCESS_KEY_ID", KEY_ID),
                ("AWS_SECRET_ACCESS_KEY", SECRET),
            ]),
            0,
        ),
        (vec![], with(&[("AWS_ACCESS_KEY_ID", KEY_ID)]), 5),
        (vec!["--auth-type", "keys"], with(&[]), 5),
        (
            vec!["--settings", keys_only],
            with(&[
                ("AWS_ACCESS_KEY_ID", KEY_ID),
                ("AWS_SECRET_ACCESS_KEY", SECRET),
            ]),
            5,
        ),
        (vec!["--profile", "nope"], with(&[]), 5),
        (vec!["--profile", "orphan"], with(&[]), 5),
        (vec!["--profile", "both"], with(&[]), 5),
        (vec!["--profile", "reader"], with(&[]), 0),
        (vec!["--auth-type", "ec2_iam_role"], with(&[]), 4),
        (
            vec![
                "--auth-type",
                "ec2_iam_role",
                "--allowed-auth-providers",
                "ec2_iam_role",
            ],
            with(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds)]),
            0,
        ),
        (vec!["--auth-type", "grafana_assume_role"], with(&[]), 4),
        (
            vec![
                "--auth-type",
                "keys",
                "--assume-role-arn",
                ROLE_ARN,
                "--assume-role-enabled",
                "false",
            ],
            with(&[
                ("AWS_ACCESS_KEY_ID", KEY_ID),
                ("AWS_SECRET_ACCESS_KEY", SECRET),
            ]),
            4,
        ),
        (
            vec![
                "--auth-type",
                "keys",
                "--assume-role-arn",
                ROLE_ARN,
                "--external-id",
                EXTERNAL_ID,
            ],
            with(&[
                ("AWS_ACCESS_KEY_ID", KEY_ID),
                ("AWS_SECRET_ACCESS_KEY", SECRET),
            ]),
            0,
        ),
        (
            vec![],
            with(&[
                ("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token"),
                ("AWS_ROLE_ARN", ROLE_ARN),
            ]),
            5,
        ),
        (vec![], with(&[("AWS_WEB_IDENTITY_TOKEN_FILE", token)]), 5),
        (
            vec![],
            with(&[(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "http://203.0.113.9/creds",
            )]),
            5,
        ),
        (
            vec![],
            with(&[
                ("AWS_PROFILE", "nope"),
                ("AWS_ACCESS_KEY_ID", KEY_ID),
                ("AWS_SECRET_ACCESS_KEY", SECRET),
            ]),
            0,
        ),
        (
            vec!["--region", "not a region"],
            with(&[
                ("AWS_ACCESS_KEY_ID", KEY_ID),
                ("AWS_SECRET_ACCESS_KEY", SECRET),
            ]),
            5,
        ),
        // Issue 15.1: a profile named by AWS_PROFILE that does not exist stops the chain;
        // the web identity behind it is never used.
        (
            vec![],
            with(&[
                ("AWS_PROFILE", "raeder"),
                ("AWS_WEB_IDENTITY_TOKEN_FILE", token),
                ("AWS_ROLE_ARN", ROLE_ARN),
            ]),
            5,
        ),
        // Issue 15.4: ec2_iam_role in a container is the container endpoint, never IMDS (a
        // refused host is the endpoint's error).
        (
            vec![
                "--auth-type",
                "ec2_iam_role",
                "--allowed-auth-providers",
                "ec2_iam_role",
            ],
            with(&[
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds),
                (
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                    "http://203.0.113.9/creds",
                ),
            ]),
            5,
        ),
    ];
    let mut wrong = Vec::new();
    for (flags, env, code) in &cases {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut explain_args = vec!["explain", "--format", "json"];
        explain_args.extend(flags);
        let mut resolve_args = vec!["resolve", "--format", "json"];
        resolve_args.extend(flags);
        let explained = awsauth(&explain_args, &env);
        let resolved = awsauth(&resolve_args, &env);
        explained.assert_no(&[SECRET, BASE_SECRET]);
        if explained.code != *code || resolved.code != *code {
            wrong.push(format!(
                "{flags:?} {env:?}: explain {} resolve {} (want {code})\n  explain: {}{}\n  resolve: {}{}",
                explained.code, resolved.code, explained.stdout, explained.stderr, resolved.stdout, resolved.stderr
            ));
            continue;
        }
        if *code == 0 {
            // The plan's first step names the source the credentials came from.
            let plan = explained.json()["plan"].clone();
            let source = resolved.json()["source"].as_str().unwrap().to_owned();
            let first = &plan[0];
            let agrees = match first["step"].as_str().unwrap() {
                "static" => {
                    first["source"] == "environment"
                        && (source.starts_with("env") || source.starts_with("keys"))
                        || first["profile"]
                            .as_str()
                            .is_some_and(|p| source.contains(p))
                }
                "named_source" => {
                    source.to_lowercase().contains("imds")
                        || source.contains("Ec2InstanceMetadata")
                        || source.contains("ec2")
                }
                _ => true,
            };
            if !agrees {
                wrong.push(format!("{flags:?}: plan {plan} but resolved via {source}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A data source's own proxy is named by `explain` (host only, never the password) when the
/// server enables per-data-source proxies, and ignored otherwise (issue 15.6).
#[test]
fn explain_names_the_data_sources_proxy_host_when_the_server_enables_it() {
    const PASSWORD: &str = "cli-proxy-pa55word";
    let home = Home::new();
    let ds = home.write(
        "ds.json",
        &format!(
            r#"{{"jsonData":{{"authType":"default","proxyType":"url","proxyUrl":"http://proxy.internal:3128","proxyUsername":"grafana"}},"secureJsonData":{{"proxyPassword":"{PASSWORD}"}}}}"#
        ),
    );
    let ds = ds.to_str().unwrap();
    let keys = [
        ("AWS_ACCESS_KEY_ID", KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
    ];
    let off = awsauth(&["explain", "--settings", ds, "-vv"], &keys);
    off.assert_code(0).assert_no(&[PASSWORD, SECRET]);
    assert!(!off.stdout.contains("proxy.internal"), "{}", off.stdout);

    let mut on = keys.to_vec();
    on.push(("AWS_AUTH_PerDatasourceHTTPProxyEnabled", "true"));
    let run = awsauth(&["explain", "--settings", ds, "-vv"], &on);
    run.assert_code(0).assert_no(&[PASSWORD, SECRET]);
    assert!(
        run.stdout
            .contains("the data source's proxy proxy.internal:3128"),
        "{}",
        run.stdout
    );
}
