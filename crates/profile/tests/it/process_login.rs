//! Plans for `credential_process` and `login_session` profiles: where they rank among a
//! profile's keys (aws-config's order), as the base of a role chain, and what a plan shows.

use awsauth_profile::{FileKind, PlanError, ProfileSet, ProfileStep};

use crate::SECRET;

fn set(config: &str) -> ProfileSet {
    ProfileSet::parse(FileKind::Config, "/home/u/.aws/config", config).unwrap()
}

const SESSION: &str = "arn:aws:iam::0123456789012:user/Admin";

#[test]
fn a_process_profile_plans_one_step_that_shows_only_the_program() {
    let set = set(&format!(
        "[profile proc]\ncredential_process = /opt/bin/vault-helper aws --token {SECRET}\naws_account_id = 123456789012\nregion = eu-west-1\n"
    ));
    let plan = set.plan("proc").unwrap();
    let [ProfileStep::CredentialProcess(step)] = plan.steps() else {
        panic!("{plan:?}");
    };
    assert_eq!(step.program, "/opt/bin/vault-helper");
    assert_eq!(step.account_id.as_deref(), Some("123456789012"));
    assert!(step.command_line().expose_secret().ends_with(SECRET));
    assert_eq!(
        serde_json::to_value(plan.describe()).unwrap(),
        serde_json::json!([{"step": "credential_process", "program": "/opt/bin/vault-helper"}])
    );
    for text in [
        format!("{plan:?}"),
        plan.to_string(),
        plan.describe().to_string(),
        serde_json::to_string(&plan.describe()).unwrap(),
    ] {
        assert!(!text.contains(SECRET), "{text}");
    }
}

#[test]
fn a_login_profile_plans_its_session() {
    let set = set(&format!(
        "[profile signin]\nlogin_session = {SESSION}\nregion = us-west-2\n"
    ));
    let plan = set.plan("signin").unwrap();
    let [ProfileStep::Login(step)] = plan.steps() else {
        panic!("{plan:?}");
    };
    assert_eq!(step.login_session, SESSION);
    assert_eq!(step.region.as_deref(), Some("us-west-2"));
    assert_eq!(
        serde_json::to_value(plan.describe()).unwrap(),
        serde_json::json!([{"step": "login", "login_session": SESSION}])
    );
}

#[test]
fn the_order_within_a_profile_is_aws_configs() {
    // login_session, then credential_process, then static keys; a source profile's static
    // keys still win over the rest once it is used as a source (as for every other kind).
    let set = set(&format!(
        "[profile all]\nlogin_session = {SESSION}\ncredential_process = helper\naws_access_key_id = AKID\naws_secret_access_key = s\n\
         [profile proc_and_keys]\ncredential_process = helper\naws_access_key_id = AKID\naws_secret_access_key = s\n\
         [profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = proc_and_keys\n"
    ));
    assert_eq!(set.plan("all").unwrap().steps()[0].kind(), "login");
    assert_eq!(
        set.plan("proc_and_keys").unwrap().steps()[0].kind(),
        "credential_process"
    );
    assert_eq!(set.plan("role").unwrap().steps()[0].kind(), "static");
}

#[test]
fn both_are_bases_of_role_chains() {
    let set = set(&format!(
        "[profile proc]\ncredential_process = helper --secret {SECRET}\n\
         [profile signin]\nlogin_session = {SESSION}\n\
         [profile via_proc]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = proc\n\
         [profile via_signin]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = signin\n\
         [profile two_hops]\nrole_arn = arn:aws:iam::123456789012:role/c\nsource_profile = via_proc\n"
    ));
    let kinds = |name: &str| -> Vec<String> {
        set.plan(name)
            .unwrap()
            .steps()
            .iter()
            .map(|s| format!("{}:{}", s.kind(), s.profile()))
            .collect()
    };
    assert_eq!(
        kinds("via_proc"),
        ["credential_process:proc", "assume_role:via_proc"]
    );
    assert_eq!(
        kinds("via_signin"),
        ["login:signin", "assume_role:via_signin"]
    );
    assert_eq!(
        kinds("two_hops"),
        [
            "credential_process:proc",
            "assume_role:via_proc",
            "assume_role:two_hops"
        ]
    );
    assert_eq!(
        set.plan("via_signin").unwrap().describe().to_string(),
        format!(
            "console sign-in session {SESSION} -> assume role arn:aws:iam::123456789012:role/b"
        )
    );
}

#[test]
fn a_command_line_without_a_program_is_invalid_without_quoting_it() {
    let set = set(&format!(
        "[profile p]\ncredential_process = TOKEN={SECRET}\n"
    ));
    let err = set.plan("p").unwrap_err();
    assert!(matches!(err, PlanError::Invalid { .. }), "{err:?}");
    assert!(err.to_string().contains("names no program"), "{err}");
    assert!(!err.to_string().contains(SECRET), "{err}");
}
