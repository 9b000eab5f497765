//! Plans for role profiles: chains, loops, self-reference, named sources, web identity, and
//! the parameters carried into each step.

use awsauth_profile::{FileKind, NamedSource, PlanError, ProfileSet, ProfileStep};

use crate::SECRET;

const CONFIG: &str = "/home/u/.aws/config";
const CREDS: &str = "/home/u/.aws/credentials";

fn set(config: &str, credentials: &str) -> ProfileSet {
    let mut set = ProfileSet::parse(FileKind::Config, CONFIG, config).unwrap();
    set.add_file(FileKind::Credentials, CREDS, credentials)
        .unwrap();
    set
}

fn keys(profile: &str) -> String {
    format!("[{profile}]\naws_access_key_id = AKID{profile}\naws_secret_access_key = {SECRET}\n")
}

fn kinds(steps: &[ProfileStep]) -> Vec<String> {
    steps
        .iter()
        .map(|s| format!("{}:{}", s.kind(), s.profile()))
        .collect()
}

#[test]
fn static_profile_is_one_static_step_with_token_and_account() {
    let set = set(
        "",
        &format!(
            "[default]\naws_access_key_id = AKID\naws_secret_access_key = {SECRET}\naws_session_token = tok\naws_account_id = 123456789012\n"
        ),
    );
    let plan = set.plan("default").unwrap();
    let keys = plan.as_static().unwrap();
    let creds = keys.credentials();
    assert_eq!(creds.access_key_id(), "AKID");
    assert_eq!(creds.secret_access_key(), SECRET);
    assert_eq!(creds.session_token(), Some("tok"));
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert_eq!(creds.provenance().to_string(), "profile:default");
    assert_eq!(keys.file.to_str(), Some(CREDS));
    assert_eq!(
        serde_json::to_string(&plan.describe()).unwrap(),
        r#"[{"step":"static","profile":"default"}]"#
    );
}

#[test]
fn source_profile_chain_of_any_length_in_order_with_parameters() {
    let set = set(
        "[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = b\nexternal_id = ext-a\nrole_session_name = grafana-a\nduration_seconds = 1800\nregion = eu-west-1\n\
         [profile b]\nrole_arn = arn:aws:iam::222222222222:role/b\nsource_profile = c\n\
         [profile c]\nrole_arn = arn:aws:iam::333333333333:role/c\nsource_profile = base\n",
        &keys("base"),
    );
    let plan = set.plan("a").unwrap();
    assert_eq!(
        kinds(plan.steps()),
        [
            "static:base",
            "assume_role:c",
            "assume_role:b",
            "assume_role:a"
        ]
    );
    let ProfileStep::AssumeRole(a) = &plan.steps()[3] else {
        panic!("{plan:?}")
    };
    assert_eq!(a.role_arn, "arn:aws:iam::111111111111:role/a");
    assert_eq!(a.external_id.as_deref(), Some("ext-a"));
    assert_eq!(a.role_session_name.as_deref(), Some("grafana-a"));
    assert_eq!(a.duration_seconds, Some(1800));
    assert_eq!(a.region.as_deref(), Some("eu-west-1"));
    assert_eq!(
        serde_json::to_string(&plan.steps()[3].describe()).unwrap(),
        r#"{"step":"assume_role","role_arn":"arn:aws:iam::111111111111:role/a","external_id":"ext-a","role_session_name":"grafana-a","duration_seconds":1800,"region":"eu-west-1"}"#
    );
    assert!(
        !serde_json::to_string(&plan.describe())
            .unwrap()
            .contains(SECRET)
            && !format!("{plan:?}").contains(SECRET)
    );
}

#[test]
fn static_keys_end_the_chain_after_the_first_hop() {
    // `middle` has keys and a role: as a source it gives its keys; its role is not assumed.
    let set = set(
        "[profile top]\nrole_arn = arn:aws:iam::1:role/top\nsource_profile = middle\n\
         [profile middle]\nrole_arn = arn:aws:iam::1:role/middle\nsource_profile = top\n",
        &keys("middle"),
    );
    assert_eq!(
        kinds(set.plan("top").unwrap().steps()),
        ["static:middle", "assume_role:top"]
    );
    // As the selected profile, its role_arn wins over its own keys.
    let err = set.plan("middle").unwrap_err();
    assert!(
        matches!(&err, PlanError::Loop { path } if path == &["middle", "top", "middle"]),
        "{err}"
    );
}

#[test]
fn loops_are_reported_with_their_path() {
    let set = set(
        "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n\
         [profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = c\n\
         [profile c]\nrole_arn = arn:aws:iam::1:role/c\nsource_profile = a\n",
        "",
    );
    let err = set.plan("a").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("source_profile loop: a -> b -> c -> a"),
        "{err}"
    );
    assert!(!err.is_not_configured());
}

#[test]
fn source_profile_naming_itself_uses_its_own_keys() {
    let set = set(
        "[profile self]\nrole_arn = arn:aws:iam::1:role/self\nsource_profile = self\n",
        &keys("self"),
    );
    let plan = set.plan("self").unwrap();
    assert_eq!(kinds(plan.steps()), ["static:self", "assume_role:self"]);

    let set2 = ProfileSet::parse(
        FileKind::Config,
        CONFIG,
        "[profile self]\nrole_arn = arn:aws:iam::1:role/self\nsource_profile = self\n",
    )
    .unwrap();
    let err = set2.plan("self").unwrap_err();
    assert!(
        err.to_string()
            .contains("names itself as source_profile but has no aws_access_key_id"),
        "{err}"
    );
}

#[test]
fn credential_source_names_a_source() {
    for (value, expected) in [
        ("Environment", NamedSource::Environment),
        ("Ec2InstanceMetadata", NamedSource::Ec2InstanceMetadata),
        ("EcsContainer", NamedSource::EcsContainer),
    ] {
        let set = set(
            &format!(
                "[profile r]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = {value}\n"
            ),
            "",
        );
        let plan = set.plan("r").unwrap();
        assert!(matches!(&plan.steps()[0], ProfileStep::NamedSource(s) if s.name == expected));
        assert_eq!(
            serde_json::to_string(&plan.steps()[0].describe()).unwrap(),
            format!(r#"{{"step":"named_source","name":"{value}"}}"#)
        );
        assert_eq!(kinds(plan.steps()), ["named_source:r", "assume_role:r"]);
    }
    let set = set(
        "[profile r]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = ec2instancemetadata\n",
        "",
    );
    let err = set.plan("r").unwrap_err();
    assert!(
        err.to_string()
            .contains("it must be Environment, Ec2InstanceMetadata or EcsContainer")
    );
}

#[test]
fn credential_source_with_source_profile_is_an_error() {
    let set = set(
        "[profile r]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Environment\nsource_profile = base\n",
        &keys("base"),
    );
    let err = set.plan("r").unwrap_err();
    assert_eq!(
        err.to_string(),
        "profile \"r\" (/home/u/.aws/config) sets both source_profile and credential_source; keep only one"
    );
}

#[test]
fn web_identity_in_a_profile_and_as_a_source() {
    let set = set(
        "[profile wi]\nrole_arn = arn:aws:iam::1:role/wi\nweb_identity_token_file = /var/run/secrets/token\nrole_session_name = pod-1\n\
         [profile on-top]\nrole_arn = arn:aws:iam::2:role/top\nsource_profile = wi\n\
         [profile broken]\nweb_identity_token_file = /t\n",
        "",
    );
    let plan = set.plan("wi").unwrap();
    assert_eq!(
        serde_json::to_string(&plan.describe()).unwrap(),
        r#"[{"step":"web_identity","role_arn":"arn:aws:iam::1:role/wi","token_file":"/var/run/secrets/token","role_session_name":"pod-1"}]"#
    );
    assert_eq!(
        kinds(set.plan("on-top").unwrap().steps()),
        ["web_identity:wi", "assume_role:on-top"]
    );
    let err = set.plan("broken").unwrap_err();
    assert!(
        err.to_string()
            .contains("sets web_identity_token_file but not role_arn")
    );
}

#[test]
fn mfa_serial_is_reported_as_unsupported() {
    let set = set(
        "[profile r]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\nmfa_serial = arn:aws:iam::1:mfa/me\n",
        &keys("base"),
    );
    let err = set.plan("r").unwrap_err();
    assert!(matches!(
        err,
        PlanError::Unsupported {
            feature: "mfa_serial",
            ..
        }
    ));
    assert!(err.to_string().contains("sets mfa_serial"), "{err}");
    assert!(err.to_string().contains("does not support it"), "{err}");
}

#[test]
fn missing_profiles_and_broken_references() {
    let set = set(
        "[profile r]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = nowhere\n[profile only-region]\nregion = x\n\
         [profile needs-region-only]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = only-region\n",
        &keys("default"),
    );
    let err = set.plan("dev").unwrap_err();
    assert!(err.is_not_configured());
    assert_eq!(
        err.to_string(),
        "profile \"dev\" not found in /home/u/.aws/config or /home/u/.aws/credentials (profiles there: default, needs-region-only, only-region, r)"
    );
    let err = set.plan("r").unwrap_err();
    assert!(!err.is_not_configured());
    assert!(
        err.to_string()
            .contains("has source_profile = nowhere, but there is no profile \"nowhere\""),
        "{err}"
    );
    // A profile with nothing to give is "not configured" when selected...
    let err = set.plan("only-region").unwrap_err();
    assert!(err.is_not_configured(), "{err}");
    // ...but an error when another profile relies on it.
    let err = set.plan("needs-region-only").unwrap_err();
    assert!(!err.is_not_configured());
    assert!(
        err.to_string().contains("but is used as a source_profile"),
        "{err}"
    );
}

#[test]
fn half_a_key_pair_names_profile_and_file() {
    let set = set(
        "[profile p]\nregion = x\n",
        "[p]\naws_access_key_id = AKID\n",
    );
    let err = set.plan("p").unwrap_err();
    assert!(!err.is_not_configured());
    assert_eq!(
        err.to_string(),
        "profile \"p\" sets aws_access_key_id (/home/u/.aws/credentials, line 2) but not aws_secret_access_key"
    );
}

#[test]
fn bad_parameters_are_named() {
    for (extra, expected) in [
        (
            "duration_seconds = 60",
            "duration_seconds = 60 (/home/u/.aws/config, line 4)",
        ),
        (
            "duration_seconds = 1h",
            "it must be a whole number of seconds from 900 to 43200",
        ),
        (
            "role_session_name = has space",
            "STS accepts 2 to 64 characters",
        ),
    ] {
        let set = set(
            &format!(
                "[profile r]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n{extra}\n"
            ),
            &keys("base"),
        );
        let err = set.plan("r").unwrap_err();
        assert!(err.to_string().contains(expected), "{extra}: {err}");
    }
    let set = set(
        "[profile r]\nrole_arn = reader\ncredential_source = Environment\n",
        "",
    );
    assert!(
        set.plan("r")
            .unwrap_err()
            .to_string()
            .contains("is not a role ARN")
    );
}

#[test]
fn display_reads_as_a_recipe() {
    let set = set(
        "[profile r]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n",
        &keys("base"),
    );
    assert_eq!(
        set.plan("r").unwrap().to_string(),
        "static keys of profile \"base\" -> assume role arn:aws:iam::1:role/r (profile \"r\")"
    );
}

/// An indented line under a property continues its value: a secret indented by mistake under
/// `role_arn` becomes part of the role ARN. Such a value is refused, never quoted; nor does a
/// plan carry it (`region`, `external_id` are not validated otherwise).
#[test]
fn a_value_that_goes_on_over_indented_lines_is_refused_unquoted() {
    let config = format!(
        "[profile dev]\nrole_arn = not-an-arn\n  aws_secret_access_key = {SECRET}\nsource_profile = base\n\
         [profile other]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = Ec2\n  {SECRET}\n"
    );
    let set = set(&config, &keys("base"));
    let err = set.plan("dev").unwrap_err().to_string();
    assert!(
        err.contains("profile \"dev\": role_arn goes on over indented lines below it"),
        "{err}"
    );
    assert!(!err.contains(SECRET), "{err}");
    let err = set.plan("other").unwrap_err().to_string();
    assert!(
        err.contains("credential_source goes on over indented lines"),
        "{err}"
    );
    assert!(!err.contains(SECRET), "{err}");
    for key in ["region", "external_id", "role_session_name"] {
        let config = format!(
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n{key} = x\n\taws_session_token = {SECRET}\n"
        );
        let err = self::set(&config, &keys("base")).plan("r").unwrap_err();
        assert!(matches!(err, PlanError::Invalid { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains(&format!("{key} goes on over indented lines")),
            "{text}"
        );
        assert!(!text.contains(SECRET), "{text}");
    }
}

/// A lone CR is a line break, as in the AWS CLI's parser: `duration_seconds = 9\r
/// aws_secret_access_key = …` is two settings. Read as one line (it was), the secret rode along
/// in the duration's value into the plan's error, `explain` and the logs.
#[test]
fn a_lone_carriage_return_ends_the_value_so_the_secret_after_it_is_never_quoted() {
    for breaks in ["\r", "\r\n", "\n"] {
        let config = format!(
            "[profile r]{breaks}role_arn = arn:aws:iam::123456789012:role/r{breaks}source_profile = base{breaks}\
             duration_seconds = 9{breaks}aws_secret_access_key = {SECRET}{breaks}"
        );
        let set = set(&config, &keys("base"));
        let r = set.profile("r").unwrap();
        assert_eq!(r.get("duration_seconds"), Some("9"), "{breaks:?}");
        assert_eq!(r.get("aws_secret_access_key"), Some(SECRET), "{breaks:?}");
        let shown = match set.plan("r") {
            Ok(plan) => format!("{plan} {plan:?}"),
            Err(err) => format!("{err} {err:?}"),
        };
        assert!(!shown.contains(SECRET), "{breaks:?}: {shown}");
        assert!(!format!("{set:?}").contains(SECRET), "{breaks:?}");
    }
}

/// U+2028 is not a line break in a profile file (the AWS CLI keeps it inside the value), but a
/// terminal or log viewer may break there: a value holding one is refused, and not quoted past it.
#[test]
fn a_unicode_line_separator_in_a_value_is_refused_unquoted() {
    let config = format!(
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\u{2028}aws_secret_access_key = {SECRET}\nsource_profile = base\n"
    );
    let err = set(&config, &keys("base"))
        .plan("r")
        .unwrap_err()
        .to_string();
    assert!(!err.contains(SECRET), "{err}");
    assert!(err.contains("role_arn"), "{err}");
}
