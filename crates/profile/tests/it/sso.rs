//! IAM Identity Center profiles: both forms become one SSO step; every misconfiguration the
//! SDKs refuse is an error naming the profile and the key, in aws-config's words.

use awsauth_profile::{FileKind, PlanError, ProfileSet, ProfileStep, SsoStep};

const CONFIG: &str = "/home/u/.aws/config";

fn set(config: &str) -> ProfileSet {
    ProfileSet::parse(FileKind::Config, CONFIG, config).unwrap()
}

fn sso(set: &ProfileSet, profile: &str) -> SsoStep {
    match set.plan(profile).unwrap().steps() {
        [ProfileStep::Sso(step)] => step.clone(),
        other => panic!("expected one SSO step, got {other:?}"),
    }
}

fn invalid(set: &ProfileSet, profile: &str) -> String {
    let err = set.plan(profile).unwrap_err();
    assert!(
        matches!(err, PlanError::Invalid { .. }),
        "{profile}: expected an invalid configuration, got {err:?}"
    );
    assert!(!err.is_not_configured(), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("profile \"{profile}\" ({CONFIG})"))
            && text.contains("has invalid SSO config"),
        "{text}"
    );
    text
}

const SESSION: &str = "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\
    sso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n";

#[test]
fn the_session_form_takes_start_url_and_region_from_its_section() {
    let set = set(&format!(
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\nregion = us-east-2\n{SESSION}"
    ));
    let step = sso(&set, "dev");
    assert_eq!(step.session.as_deref(), Some("corp"));
    assert_eq!(step.start_url, "https://corp.awsapps.com/start");
    assert_eq!(step.region, "eu-west-1");
    assert_eq!(
        (step.account_id.as_str(), step.role_name.as_str()),
        ("123456789012", "ReadOnly")
    );
    let plan = set.plan("dev").unwrap();
    assert_eq!(
        serde_json::to_value(plan.describe()).unwrap(),
        serde_json::json!([{
            "step": "sso",
            "sso_session": "corp",
            "sso_start_url": "https://corp.awsapps.com/start",
            "sso_region": "eu-west-1",
            "sso_account_id": "123456789012",
            "sso_role_name": "ReadOnly",
            "sso_registration_scopes": "sso:account:access",
        }])
    );
    assert_eq!(
        plan.to_string(),
        "IAM Identity Center account 123456789012 role ReadOnly (sso-session corp)"
    );
}

#[test]
fn the_legacy_form_holds_everything_in_the_profile() {
    let set = set(
        "[profile old]\nsso_start_url = https://d-123.awsapps.com/start\nsso_region = us-west-2\n\
         sso_account_id = 111122223333\nsso_role_name = Admin\n",
    );
    let step = sso(&set, "old");
    assert_eq!(step.session, None);
    assert_eq!(step.start_url, "https://d-123.awsapps.com/start");
    assert_eq!(step.region, "us-west-2");
    assert_eq!(
        serde_json::to_value(set.plan("old").unwrap().describe()).unwrap()[0],
        serde_json::json!({
            "step": "sso",
            "sso_start_url": "https://d-123.awsapps.com/start",
            "sso_region": "us-west-2",
            "sso_account_id": "111122223333",
            "sso_role_name": "Admin",
        })
    );
}

#[test]
fn account_id_and_role_name_come_together() {
    let set = set(&format!(
        "[profile a]\nsso_session = corp\nsso_account_id = 123456789012\n\
         [profile r]\nsso_session = corp\nsso_role_name = ReadOnly\n\
         [profile none]\nsso_session = corp\n{SESSION}"
    ));
    assert!(
        invalid(&set, "a")
            .contains("if `sso_account_id` is set, then `sso_role_name` must also be set")
    );
    assert!(
        invalid(&set, "r")
            .contains("if `sso_role_name` is set, then `sso_account_id` must also be set")
    );
    assert!(invalid(&set, "none").contains(
        "would resolve an access token instead of credentials since it doesn't have \
         `sso_account_id` and `sso_role_name` set"
    ));
}

#[test]
fn a_named_session_must_exist() {
    let set = set("[profile dev]\nsso_session = gone\nsso_account_id = 1\nsso_role_name = r\n");
    let text = invalid(&set, "dev");
    assert!(
        text.contains("sso-session named `gone` was not found")
            && text.contains("no [sso-session gone] section in /home/u/.aws/config"),
        "{text}"
    );
}

#[test]
fn a_profile_naming_a_session_may_not_set_start_url_or_region_itself() {
    let set = set(&format!(
        "[profile same]\nsso_session = corp\nsso_region = eu-west-1\nsso_account_id = 1\nsso_role_name = r\n\
         [profile differs]\nsso_session = corp\nsso_start_url = https://other.awsapps.com/start\nsso_account_id = 1\nsso_role_name = r\n{SESSION}"
    ));
    let text = invalid(&set, "same");
    assert!(
        text.contains(
            "`sso_region` can only be specified in the [sso-session] config when a session name \
             is given (/home/u/.aws/config, line 3 sets it)"
        ) && !text.contains("inconsistent"),
        "{text}"
    );
    let text = invalid(&set, "differs");
    assert!(
        text.contains("`sso_start_url` can only be specified in the [sso-session] config")
            && text.contains(
                "the value for sso_start_url is inconsistent between profile \
                 (https://other.awsapps.com/start) and sso-session (https://corp.awsapps.com/start)"
            ),
        "{text}"
    );
}

#[test]
fn a_missing_region_or_start_url_names_the_key_and_where_it_was_looked_for() {
    let set = set(
        "[profile legacy]\nsso_start_url = https://d.awsapps.com/start\nsso_account_id = 1\nsso_role_name = r\n\
         [profile session]\nsso_session = bare\nsso_account_id = 1\nsso_role_name = r\n\
         [sso-session bare]\nsso_region = us-east-1\n\
         [profile bad-region]\nsso_start_url = https://d.awsapps.com/start\nsso_region = evil.com/x\nsso_account_id = 1\nsso_role_name = r\n",
    );
    assert!(invalid(&set, "legacy").contains("`sso_region` was missing"));
    assert!(
        invalid(&set, "session").contains("`sso_start_url` was missing (in [sso-session bare])")
    );
    assert!(invalid(&set, "bad-region").contains("is not a region name"));
}

/// `source_profile` → SSO profile → `role_arn`: the SSO step is the base of the role chain.
#[test]
fn an_sso_profile_is_the_base_of_a_role_chain() {
    let set = set(&format!(
        "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\n\
         [profile reader]\nrole_arn = arn:aws:iam::999999999999:role/reader\nsource_profile = sso\n{SESSION}"
    ));
    let plan = set.plan("reader").unwrap();
    let kinds: Vec<String> = plan
        .steps()
        .iter()
        .map(|s| format!("{}:{}", s.kind(), s.profile()))
        .collect();
    assert_eq!(kinds, ["sso:sso", "assume_role:reader"]);
    let json = serde_json::to_value(plan.describe()).unwrap();
    assert_eq!(json[0]["step"], "sso");
    assert_eq!(json[1]["role_arn"], "arn:aws:iam::999999999999:role/reader");
}

/// The SDKs' base-provider order: `credential_source` and a web identity come before SSO;
/// SSO comes before static keys in the same profile.
#[test]
fn sso_sits_where_the_sdks_profile_provider_puts_it() {
    let set = set(&format!(
        "[profile both]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = r\n\
         aws_access_key_id = AKID\naws_secret_access_key = secret\n\
         [profile web]\nrole_arn = arn:aws:iam::1:role/w\nweb_identity_token_file = /t\nsso_session = corp\n{SESSION}"
    ));
    assert_eq!(set.plan("both").unwrap().steps()[0].kind(), "sso");
    assert_eq!(set.plan("web").unwrap().steps()[0].kind(), "web_identity");
}

#[test]
fn a_profiles_endpoint_settings_debug_without_the_urls_user_information() {
    let set = set("
[profile dev]
endpoint_url = https://admin:hunter2@proxy.example.com/x
services = local
[services local]
sso =
  endpoint_url = http://ops:s3cr3t@127.0.0.1:4566
");
    let endpoint = set.service_endpoint("dev", "sso");
    let debug = format!("{endpoint:?}");
    assert!(
        !debug.contains("hunter2") && !debug.contains("s3cr3t"),
        "{debug}"
    );
    assert!(
        debug.contains("proxy.example.com") && debug.contains("127.0.0.1:4566"),
        "{debug}"
    );
    // The values themselves are kept as written, for the endpoint rules.
    assert_eq!(
        endpoint.service_endpoint_url.as_deref(),
        Some("http://ops:s3cr3t@127.0.0.1:4566")
    );
}
