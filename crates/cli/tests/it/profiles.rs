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

/// A credentials file writable by others is refused for credentials, but `profiles` still
/// lists it (secrets redacted), with the refusal as a warning, so the user sees what is there.
#[cfg(unix)]
#[test]
fn a_world_writable_credentials_file_is_listed_with_the_warning_and_refused_for_use() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    let path = home.write(
        ".aws/credentials",
        "[default]\naws_access_key_id = AKIAWRITABLE00000001\naws_secret_access_key = writable-secret\n[ci]\naws_access_key_id = B\n",
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let env = [("HOME", home.path().to_str().unwrap())];
    let run = awsauth(&["profiles"], &env);
    run.assert_code(0).assert_no(&["writable-secret"]);
    assert!(run.stdout.contains("[profile ci]"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("aws_access_key_id = AKIAWRITABLE00000001"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("# warning:") && run.stdout.contains("chmod 600"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("warning") && run.stderr.contains("0666"),
        "{}",
        run.stderr
    );
    let json = awsauth(&["profiles", "--format", "json"], &env);
    json.assert_code(0);
    assert!(
        json.json()["warnings"][0]
            .as_str()
            .unwrap()
            .contains("0666")
    );
    // Resolving from it is still refused.
    let resolve = awsauth(&["resolve", "--profile", "ci"], &env);
    resolve.assert_code(5);
    assert!(resolve.stderr.contains("chmod 600"), "{}", resolve.stderr);
}

/// `profiles --names`: one name a line, like `aws configure list-profiles`.
#[test]
fn names_prints_one_profile_a_line() {
    let home = Home::new();
    home.write(".aws/config", "[default]\nregion = eu-west-1\n[profile dev]\nregion = us-east-1\n[sso-session corp]\nsso_region = us-east-1\n");
    home.write(
        ".aws/credentials",
        "[ci]\naws_access_key_id = A\naws_secret_access_key = s\n",
    );
    let run = awsauth(
        &["profiles", "--names"],
        &[("HOME", home.path().to_str().unwrap())],
    );
    run.assert_code(0);
    let mut names: Vec<&str> = run.stdout.lines().collect();
    names.sort_unstable();
    assert_eq!(names, ["ci", "default", "dev"], "{}", run.stdout);
    awsauth(&["profiles", "--names", "--format", "json"], &[]).assert_code(2);
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

/// A secret indented under another key is part of that key's value as the file is written;
/// listed, a value shows only its first line (a block of nested settings shows its lines whose
/// keys are not secrets). Both line-break forms the AWS CLI knows, and the `-v` log.
#[test]
fn a_value_is_listed_up_to_its_first_line_so_a_secret_run_into_it_never_shows() {
    let home = Home::new();
    home.write(
        ".aws/config",
        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n  aws_secret_access_key = indented-secret-value\nsource_profile = dev\n\
         [profile cr]\nregion = eu-west-1\raws_session_token = lone-cr-token-value\n\
         [services s]\ns3 =\n  endpoint_url = https://s3.example.com\n  aws_secret_access_key = nested-secret-value\n",
    );
    let env = [("HOME", home.path().to_str().unwrap())];
    let secrets = [
        "indented-secret-value",
        "lone-cr-token-value",
        "nested-secret-value",
    ];
    let run = awsauth(&["-v", "profiles", "--format", "json"], &env);
    run.assert_code(0).assert_no(&secrets);
    let json = run.json();
    assert_eq!(
        json["profiles"]["dev"]["role_arn"],
        "arn:aws:iam::123456789012:role/dev (and 1 continuation line, not shown)"
    );
    assert_eq!(json["profiles"]["cr"]["region"], "eu-west-1");
    assert_eq!(
        json["profiles"]["cr"]["aws_session_token"],
        "** redacted **"
    );
    let s3 = json["services"]["s"]["s3"].as_str().unwrap();
    assert!(s3.contains("endpoint_url = https://s3.example.com"), "{s3}");
    let text = awsauth(&["-v", "profiles"], &env);
    text.assert_code(0).assert_no(&secrets);
    let explain = awsauth(&["-v", "explain", "--profile", "dev"], &env);
    explain.assert_no(&secrets);
}
