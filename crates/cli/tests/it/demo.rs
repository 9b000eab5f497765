//! `awsauth demo`: every auth type against in-process fakes, offline, exit 0.

use crate::awsauth;

#[test]
fn demo_resolves_every_auth_type() {
    let run = awsauth(&["demo"], &[]);
    run.assert_code(0).assert_no(&[
        "awsauth-demo-secret",
        "awsauth-demo-profile-secret",
        "awsauth-demo-token",
        "awsauth-demo-process-secret",
        "awsauth-demo-login",
        "awsauth-demo-sso-token",
    ]);
    let row = |label: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(&format!("{label}  ")))
            .unwrap_or_else(|| panic!("no row {label}: {}", run.stdout))
            .to_owned()
    };
    assert!(row("keys").contains("AKIA…0001"), "{}", run.stdout);
    assert!(row("credentials").contains("profile:demo"));
    assert!(
        row("credentials (sso)").contains("profile:sso-demo -> sso:123456789012/GrafanaReader"),
        "{}",
        run.stdout
    );
    assert!(row("ec2_iam_role").contains("imds"));
    assert!(
        row("keys + assume role")
            .contains("keys -> assume-role:arn:aws:iam::123456789012:role/grafana-reader")
    );
    assert!(row("web identity").contains("web-identity"));
    assert!(row("default").contains("imds"));
    assert!(row("credential_process").contains("profile:helper -> process:printf"));
    assert!(
        row("console sign-in")
            .contains("profile:signin -> login:arn:aws:iam::123456789012:user/awsauth-demo")
    );
    assert!(row("keys, left blank").contains("invalid_configuration"));
}

#[test]
fn demo_as_json_has_one_entry_per_scenario() {
    let run = awsauth(&["demo", "--format", "json"], &[]);
    run.assert_code(0);
    let json = run.json();
    let rows = json["scenarios"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    let ok = rows.iter().filter(|r| r["error"].is_null()).count();
    assert_eq!(ok, 9, "{json}");
}

#[test]
fn demo_ignores_the_callers_aws_environment() {
    let run = awsauth(
        &["demo", "--format", "json"],
        &[
            ("AWS_PROFILE", "does-not-exist"),
            ("AWS_ACCESS_KEY_ID", "AKIACALLER0000000001"),
        ],
    );
    run.assert_code(0);
    assert!(!run.stdout.contains("AKIACALLER"), "{}", run.stdout);
}
