//! `awsauth whoami`: GetCallerIdentity, signed with the resolved credentials.

use crate::{Fakes, KEY_ID, SECRET, awsauth};

#[test]
fn whoami_names_the_account_and_arn() {
    let fakes = Fakes::start();
    let sts = fakes.sts.endpoint();
    let env = [
        ("AWS_ACCESS_KEY_ID", KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_ENDPOINT_URL_STS", sts.as_str()),
        ("AWS_REGION", "us-east-1"),
    ];
    let run = awsauth(&["whoami", "--auth-type", "keys", "--format", "json"], &env);
    run.assert_code(0).assert_no(&[SECRET]);
    // `aws sts get-caller-identity`'s keys, and only those: scripts move over unchanged.
    let json = run.json();
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["UserId", "Account", "Arn"], "{json}");
    assert_eq!(json["Account"], "123456789012");
    assert_eq!(
        json["Arn"],
        format!("arn:aws:iam::123456789012:user/{KEY_ID}")
    );
    assert!(json["UserId"].as_str().is_some_and(|u| !u.is_empty()));
    assert_eq!(fakes.sts.successful("GetCallerIdentity"), 1);

    let text = awsauth(&["whoami"], &env);
    text.assert_code(0).assert_no(&[SECRET]);
    assert!(
        text.stdout.contains("arn:aws:iam::123456789012:user/"),
        "{}",
        text.stdout
    );
}

#[test]
fn whoami_with_unknown_keys_fails_with_sts_error() {
    let fakes = Fakes::start();
    let sts = fakes.sts.endpoint();
    let run = awsauth(
        &["whoami", "--format", "json"],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIAUNKNOWN000000001"),
            ("AWS_SECRET_ACCESS_KEY", "unknown-secret-value"),
            ("AWS_ENDPOINT_URL_STS", sts.as_str()),
            ("AWS_REGION", "us-east-1"),
        ],
    );
    run.assert_code(6).assert_no(&["unknown-secret-value"]);
    assert_eq!(run.json()["error"]["kind"], "provider_failed");
}

/// With no data source region, the selected profile's `region` is the session's: `resolve`
/// shows it and `whoami` signs its STS call for it, as aws-config does (issue 15.9).
#[test]
fn the_profiles_region_is_the_sessions_when_the_data_source_has_none() {
    let fakes = Fakes::start();
    let sts = fakes.sts.endpoint();
    let home = crate::Home::new();
    home.write(
        ".aws/credentials",
        &format!("[reader]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"),
    );
    home.write(".aws/config", "[profile reader]\nregion = eu-north-1\n");
    let home_dir = home.path().to_str().unwrap().to_owned();
    let env = [
        ("HOME", home_dir.as_str()),
        ("AWS_ENDPOINT_URL_STS", sts.as_str()),
    ];
    let resolve = awsauth(
        &["resolve", "--profile", "reader", "--format", "json"],
        &env,
    );
    resolve.assert_code(0).assert_no(&[SECRET]);
    assert_eq!(resolve.json()["region"], "eu-north-1");
    awsauth(&["whoami", "--profile", "reader"], &env)
        .assert_code(0)
        .assert_no(&[SECRET]);
    let calls = fakes.sts.calls();
    assert_eq!(
        calls.last().unwrap().signing_region.as_deref(),
        Some("eu-north-1")
    );
    // The data source's region still comes first.
    let resolve = awsauth(
        &[
            "resolve",
            "--profile",
            "reader",
            "--region",
            "ap-south-1",
            "--format",
            "json",
        ],
        &env,
    );
    assert_eq!(resolve.json()["region"], "ap-south-1");
}
