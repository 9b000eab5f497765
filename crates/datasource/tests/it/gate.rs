//! The gate: policy is checked before anything is built, with Grafana's exact texts.

use std::sync::Arc;

use awsauth_core::{Context, CredentialSource, ErrorKind};
use awsauth_datasource::{
    AuthSettings, AuthType, AuthTypeSet, DatasourceError, DatasourceErrorKind, DatasourceSettings,
    SessionCache, build_session,
};
use proptest::prelude::*;

use crate::fake::RecordingFactory;

#[test]
fn not_allowed_auth_type_has_grafanas_text() {
    let factory = RecordingFactory::new();
    let settings = DatasourceSettings::new(AuthType::Ec2IamRole);
    let err = build_session(&settings, &AuthSettings::new(), &*factory).unwrap_err();
    assert_eq!(
        err.to_string(),
        "attempting to use an auth type that is not allowed: \"ec2_iam_role\""
    );
    assert_eq!(err.kind(), DatasourceErrorKind::NotAllowed);
    assert!(factory.calls().is_empty());
}

#[test]
fn disabled_assume_role_has_grafanas_text() {
    let factory = RecordingFactory::new();
    let mut settings = DatasourceSettings::new(AuthType::Keys);
    settings.assume_role_arn = Some("arn:aws:iam::123456789012:role/r".into());
    let policy = AuthSettings::new().assume_role_enabled(false);
    let err = build_session(&settings, &policy, &*factory).unwrap_err();
    assert_eq!(
        err.to_string(),
        "attempting to use assume role (ARN) which is disabled in grafana.ini"
    );
    assert!(err.is_not_allowed());
    // A blank ARN is no ARN.
    settings.assume_role_arn = Some("  ".into());
    assert!(build_session(&settings, &policy, &*factory).is_ok());
}

#[test]
fn the_cli_can_tell_policy_from_configuration_after_conversion_too() {
    let err = DatasourceError::NotAllowed {
        auth_type: AuthType::Keys,
    };
    assert_eq!(err.kind().as_str(), "not_allowed");
    let converted: awsauth_core::CredentialError = err.into();
    assert_eq!(converted.kind(), ErrorKind::InvalidConfiguration);
    assert!(converted.to_string().contains("not allowed: \"keys\""));
}

#[test]
fn unknown_auth_types_are_refused_when_reading_the_settings() {
    for json in [
        r#"{"jsonData": {"authType": "rainbows"}}"#,
        r#"{"jsonData": {"AUTHTYPE": "rainbows"}}"#,
    ] {
        let err = DatasourceSettings::from_json(json).unwrap_err();
        assert_eq!(err.to_string(), "unknown auth type: \"rainbows\"");
        assert_eq!(err.kind(), DatasourceErrorKind::InvalidConfiguration);
    }
}

fn auth_type() -> impl Strategy<Value = AuthType> {
    prop::sample::select(AuthType::ALL.to_vec())
}

fn subset() -> impl Strategy<Value = AuthTypeSet> {
    (0u8..32).prop_map(|bits| {
        AuthType::ALL
            .into_iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, t)| t)
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Every auth type × every subset of allowed providers × assume role on/off × ARN or not:
    /// a disallowed combination yields no session, builds nothing and provides nothing, through
    /// both entry points; an allowed one passes the gate.
    #[test]
    fn a_disallowed_combination_never_yields_credentials(
        auth_type in auth_type(),
        allowed in subset(),
        assume_role_enabled in any::<bool>(),
        arn in prop::option::of("arn:aws:iam::[0-9]{12}:role/[a-z]{1,8}"),
        region in prop::option::of(prop::sample::select(vec!["eu-west-1", "af-south-1"])),
    ) {
        let mut settings = DatasourceSettings::new(auth_type);
        settings.assume_role_arn = arn.clone();
        settings.region = region.map(str::to_owned);
        settings.access_key = Some("AKIDEXAMPLE".into());
        settings.secret_key = Some("secret".into());
        let mut policy = AuthSettings::new()
            .assume_role_enabled(assume_role_enabled)
            .external_id("stack-1");
        policy.allowed_auth_providers = allowed;

        let expected = if !allowed.contains(auth_type) {
            Some(DatasourceError::NotAllowed { auth_type })
        } else if arn.is_some() && !assume_role_enabled {
            Some(DatasourceError::AssumeRoleDisabled)
        } else {
            None
        };

        let factory = RecordingFactory::new();
        let built = build_session(&settings, &policy, &*factory);
        let cache = SessionCache::new(policy.clone(), Arc::clone(&factory) as _);
        let cached = cache.get(&settings);
        match expected {
            Some(expected) => {
                prop_assert_eq!(built.unwrap_err(), expected.clone());
                prop_assert_eq!(cached.unwrap_err(), expected);
                prop_assert!(factory.calls().is_empty(), "built {:?}", factory.calls());
                prop_assert_eq!(factory.provides(), 0);
                prop_assert!(cache.is_empty());
            }
            None => {
                // grafana_assume_role without an ARN is a configuration error, not the gate's.
                if let Err(err) = &built {
                    prop_assert!(!err.is_not_allowed(), "{}", err);
                }
                if let Ok(session) = built {
                    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
                    let cx = Context::builder().build();
                    prop_assert!(rt.block_on(session.provide(&cx)).is_ok());
                }
            }
        }
    }
}
