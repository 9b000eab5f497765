//! `awsauth profiles`: both files merged, secrets redacted.

use crate::{Home, awsauth};

#[test]
fn profiles_are_merged_and_secrets_redacted() {
    let home = Home::new();
    home.write(
        ".aws/config",
        "[default]\nregion = eu-west-1\n[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = default\n[sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://corp.awsapps.com/start\n",
    );
    home.write(
        ".aws/credentials",
        "[default]\naws_access_key_id = AKIADEFAULT000000001\naws_secret_access_key = default-secret-value\naws_session_token = default-token-value\n",
    );
    let env = [("HOME", home.path().to_str().unwrap())];
    let run = awsauth(&["profiles", "--format", "json"], &env);
    run.assert_code(0)
        .assert_no(&["default-secret-value", "default-token-value"]);
    let json = run.json();
    let default = &json["profiles"]["default"];
    assert_eq!(default["region"], "eu-west-1");
    assert_eq!(default["aws_access_key_id"], "AKIADEFAULT000000001");
    assert_eq!(default["aws_secret_access_key"], "** redacted **");
    assert_eq!(default["aws_session_token"], "** redacted **");
    assert_eq!(json["profiles"]["dev"]["source_profile"], "default");
    assert_eq!(json["sso_sessions"]["corp"]["sso_region"], "us-east-1");
    assert_eq!(json["files"]["credentials"]["found"], true);

    let text = awsauth(&["profiles"], &env);
    text.assert_code(0)
        .assert_no(&["default-secret-value", "default-token-value"]);
    assert!(text.stdout.contains("[profile dev]"), "{}", text.stdout);
    assert!(
        text.stdout
            .contains("aws_secret_access_key = ** redacted **"),
        "{}",
        text.stdout
    );
}

#[test]
fn a_group_writable_credentials_file_is_refused() {
    let home = Home::new();
    let path = home.write(".aws/credentials", "[default]\naws_access_key_id = A\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let run = awsauth(&["profiles"], &[("HOME", home.path().to_str().unwrap())]);
        run.assert_code(5);
        assert!(run.stderr.contains("chmod"), "{}", run.stderr);
    }
}

#[test]
fn no_files_is_an_empty_listing() {
    let home = Home::new();
    let run = awsauth(
        &["profiles", "--format", "json"],
        &[("HOME", home.path().to_str().unwrap())],
    );
    run.assert_code(0);
    assert_eq!(run.json()["profiles"], serde_json::json!({}));
    assert_eq!(run.json()["files"]["config"]["found"], false);
}

#[test]
fn a_credential_process_line_keeps_only_its_program() {
    let home = Home::new();
    home.write(
        ".aws/config",
        "[profile proc]\ncredential_process = /opt/bin/vault-helper aws --token planted-process-token\n[profile bare]\ncredential_process = helper\n[profile assign]\ncredential_process = TOKEN=planted-process-token\n",
    );
    let env = [("HOME", home.path().to_str().unwrap())];
    let run = awsauth(&["profiles", "--format", "json"], &env);
    run.assert_code(0).assert_no(&["planted-process-token"]);
    let json = run.json();
    assert_eq!(
        json["profiles"]["proc"]["credential_process"],
        "/opt/bin/vault-helper ** redacted **"
    );
    assert_eq!(json["profiles"]["bare"]["credential_process"], "helper");
    assert_eq!(
        json["profiles"]["assign"]["credential_process"],
        "** redacted **"
    );
    awsauth(&["profiles"], &env)
        .assert_code(0)
        .assert_no(&["planted-process-token"]);
}
