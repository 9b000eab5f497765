//! Reading Grafana's data source JSON, and the server policy from ini files and the
//! environment.

use std::path::Path;
use std::time::Duration;

use awsauth_core::{Context, MapEnv, MemFs};
use awsauth_datasource::{AuthSettings, AuthType, DatasourceErrorKind, DatasourceSettings};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "FwoGZXIvYXdzEXAMPLETOKEN";

#[test]
fn reads_every_field_case_insensitively() {
    let settings = DatasourceSettings::from_json(&format!(
        r#"{{
        "id": 7, "name": "CloudWatch",
        "JSONDATA": {{
            "AuthType": "keys", "PROFILE": "p", "assumeRoleARN": "arn:aws:iam::1:role/r",
            "externalID": "ext", "Endpoint": "https://example.com", "defaultregion": "eu-west-1",
            "Region": "eu-central-1", "customMetricsNamespaces": "x"
        }},
        "secureJsonData": {{"ACCESSKEY": " AKIDEXAMPLE ", "secretkey": "{SECRET}", "SessionToken": "{TOKEN}"}}
    }}"#
    ))
    .unwrap();
    assert_eq!(settings.auth_type, AuthType::Keys);
    assert_eq!(settings.profile_name(), Some("p"));
    assert_eq!(settings.role_arn(), Some("arn:aws:iam::1:role/r"));
    assert_eq!(settings.external_id(), Some("ext"));
    assert_eq!(settings.endpoint.as_deref(), Some("https://example.com"));
    assert_eq!(settings.resolved_region(), Some("eu-central-1"));
    assert_eq!(settings.access_key.as_deref(), Some("AKIDEXAMPLE"));
    assert_eq!(
        settings.secret_key.as_ref().map(|s| s.expose_secret()),
        Some(SECRET)
    );
    assert_eq!(
        settings.session_token.as_ref().map(|s| s.expose_secret()),
        Some(TOKEN)
    );
}

#[test]
fn missing_or_empty_auth_type_and_legacy_arn_mean_default() {
    for json in [
        r#"{}"#,
        r#"{"jsonData": {}}"#,
        r#"{"jsonData": {"authType": ""}}"#,
        r#"{"jsonData": {"authType": null}}"#,
        r#"{"jsonData": {"authType": "arn"}}"#,
        r#"{"jsonData": null, "secureJsonData": null}"#,
    ] {
        let s = DatasourceSettings::from_json(json).unwrap();
        assert_eq!(s.auth_type, AuthType::Default, "{json}");
    }
}

#[test]
fn region_default_means_default_region() {
    let s = DatasourceSettings::from_json(
        r#"{"jsonData": {"region": "default", "defaultRegion": "sa-east-1"}}"#,
    )
    .unwrap();
    assert_eq!(s.resolved_region(), Some("sa-east-1"));
    let s = DatasourceSettings::from_json(r#"{"jsonData": {"region": ""}}"#).unwrap();
    assert_eq!(s.resolved_region(), None);
}

#[test]
fn debug_redacts_the_secrets() {
    let s = DatasourceSettings::from_json(&format!(
        r#"{{"secureJsonData": {{"accessKey": "AKIDEXAMPLE", "secretKey": "{SECRET}", "sessionToken": "{TOKEN}"}}}}"#
    ))
    .unwrap();
    let printed = format!("{s:?} {s:#?}");
    assert!(printed.contains("AKIDEXAMPLE"));
    assert!(
        !printed.contains(SECRET) && !printed.contains(TOKEN),
        "{printed}"
    );
}

#[test]
fn bad_json_errors_name_the_field_and_never_a_secret() {
    let cases = [
        (
            r#"{"jsonData": {"region": 5}}"#.to_owned(),
            "jsonData.region: expected a string, found a number",
        ),
        (
            r#"{"jsonData": []}"#.to_owned(),
            "jsonData: expected an object, found an array",
        ),
        (r#"[1]"#.to_owned(), "$: expected an object, found an array"),
        (
            format!(r#"{{"secureJsonData": {{"secretKey": ["{SECRET}"]}}}}"#),
            "secureJsonData.secretKey: expected a string, found an array",
        ),
        (
            format!(r#"{{"secureJsonData": {{"secretKey": "{SECRET}", "SecretKey": "other"}}}}"#),
            "secureJsonData.secretKey: both",
        ),
        (
            format!(r#"{{"secureJsonData": {{"secretKey": "{SECRET}"#),
            "json: unexpected end of input at line 1",
        ),
        (
            format!(r#"{{"secureJsonData": {{"secretKey": {SECRET}}}}}"#),
            "json: malformed JSON at line 1",
        ),
    ];
    for (json, expected) in cases {
        let err = DatasourceSettings::from_json(&json).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(expected), "{json}: {text}");
        assert!(!text.contains("wJalr") && !text.contains("other"), "{text}");
        assert_eq!(err.kind(), DatasourceErrorKind::InvalidConfiguration);
    }
}

#[test]
fn serde_deserialize_uses_the_same_rules() {
    let s: DatasourceSettings =
        serde_json::from_str(r#"{"jsonData": {"authType": "sharedCreds"}}"#).unwrap();
    assert_eq!(s.auth_type, AuthType::Credentials);
    let err = serde_json::from_str::<DatasourceSettings>(r#"{"jsonData": {"authType": "x"}}"#)
        .unwrap_err();
    assert!(
        err.to_string().contains("unknown auth type: \"x\""),
        "{err}"
    );
}

#[test]
fn policy_defaults_are_grafanas() {
    let p = AuthSettings::new();
    assert_eq!(
        p.allowed_auth_providers.to_string(),
        "default,keys,credentials"
    );
    assert!(p.assume_role_enabled);
    assert_eq!(p.session_duration, Duration::from_secs(15 * 60));
    assert_eq!(p.external_id, None);
    assert_eq!(p.list_metrics_page_limit, 500);
    assert_eq!(
        AuthSettings::from_env(&Context::builder().build()).unwrap(),
        p
    );
}

#[test]
fn policy_from_an_ini_file_through_the_context() {
    let fs = MemFs::new();
    fs.insert(
        "/etc/grafana/grafana.ini",
        "[server]\nhttp_port = 3000\n\n[aws]\nallowed_auth_providers = default,keys,credentials,ec2_iam_role\nassume_role_enabled = false\nsession_duration = 2h\nexternal_id = stack-9\n",
    );
    let cx = Context::builder().fs(fs).build();
    let p = AuthSettings::from_ini_file(&cx, Path::new("/etc/grafana/grafana.ini")).unwrap();
    assert!(p.allowed_auth_providers.contains(AuthType::Ec2IamRole));
    assert!(!p.assume_role_enabled);
    assert_eq!(p.external_id.as_deref(), Some("stack-9"));
    assert_eq!(p.session_duration, Duration::from_secs(7200));
    // A day is longer than AssumeRole allows: a warning and the default (it cannot change who
    // the data source is), never a blocked data source.
    let p = AuthSettings::from_ini_str("[aws]\nsession_duration = 1d", "grafana.ini").unwrap();
    assert_eq!(p.session_duration, Duration::from_secs(900));
}

#[test]
fn policy_errors_name_the_key_and_the_value() {
    let cases = [
        (
            "AWS_AUTH_AssumeRoleEnabled",
            "yes please",
            "AWS_AUTH_AssumeRoleEnabled = \"yes please\": expected true or false",
        ),
        (
            "AWS_AUTH_AllowedAuthProviders",
            "default,rainbows",
            "AWS_AUTH_AllowedAuthProviders = \"default,rainbows\": unknown auth type: \"rainbows\"",
        ),
    ];
    for (key, value, expected) in cases {
        let cx = Context::builder().env(MapEnv::from([(key, value)])).build();
        let err = AuthSettings::from_env(&cx).unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
    }
    // Settings that cannot change identity warn, naming key and value, and keep the default.
    for (key, value) in [
        ("AWS_AUTH_SESSION_DURATION", "15 minutes"),
        ("AWS_CW_LIST_METRICS_PAGE_LIMIT", "-1"),
    ] {
        let (logs, _guard) = awsauth_testkit::LogCapture::start();
        let cx = Context::builder().env(MapEnv::from([(key, value)])).build();
        let policy = AuthSettings::from_env(&cx).unwrap();
        assert_eq!(policy, AuthSettings::new(), "{key}");
        assert!(
            logs.contains(&format!("{key} = {value:?}")),
            "{}",
            logs.text()
        );
    }
}

#[test]
fn unreadable_ini_names_the_file() {
    let cx = Context::builder().build();
    let err = AuthSettings::from_ini_file(&cx, Path::new("/nope/grafana.ini")).unwrap_err();
    assert!(err.to_string().contains("/nope/grafana.ini"), "{err}");
}

/// Keys Grafana would not read are reported with the parsed settings, never silently dropped
/// (issue 15.3): a flat data source, snake_case spellings, secrets inside `jsonData`. Other
/// plugins' `jsonData` keys and Grafana's own fields are not reported; no value is shown.
#[test]
fn keys_grafana_would_not_read_are_reported_by_name() {
    let parsed = DatasourceSettings::parse_json(
        r#"{"name": "cw", "type": "cloudwatch", "uid": "x1", "database": "legacy", "password": "",
            "authType": "keys", "accessKey": "AKIDFLAT", "secretKey": "flat-secret-value",
            "jsonData": {"authType": "default", "assume_role_arn": "arn:aws:iam::1:role/r",
                         "default_region": "eu-west-1", "sessionToken": "tok-secret-value",
                         "logsTimeout": "30m", "clientSecret": "client-secret-value"},
            "secureJsonData": {"access_key": "AKIDSNAKE", "secretKey": "ok"}}"#,
    )
    .unwrap();
    assert_eq!(parsed.settings.auth_type, AuthType::Default);
    assert_eq!(parsed.settings.access_key, None, "nothing is guessed");
    let report: Vec<(String, Option<&str>, bool)> = parsed
        .ignored
        .iter()
        .map(|i| (i.path.clone(), i.belongs, i.misplaced_secret))
        .collect();
    let expect = |path: &str, belongs: Option<&'static str>, secret: bool| {
        assert!(
            report.contains(&(path.to_owned(), belongs, secret)),
            "{path}: {report:?}"
        );
    };
    expect("authType", Some("jsonData.authType"), false);
    expect("accessKey", Some("secureJsonData.accessKey"), true);
    expect("secretKey", Some("secureJsonData.secretKey"), true);
    expect(
        "jsonData.assume_role_arn",
        Some("jsonData.assumeRoleArn"),
        false,
    );
    expect(
        "jsonData.default_region",
        Some("jsonData.defaultRegion"),
        false,
    );
    expect(
        "jsonData.sessionToken",
        Some("secureJsonData.sessionToken"),
        true,
    );
    expect("jsonData.clientSecret", None, true);
    expect(
        "secureJsonData.access_key",
        Some("secureJsonData.accessKey"),
        false,
    );
    assert_eq!(report.len(), 8, "{report:?}");
    assert_eq!(parsed.misplaced_secrets().count(), 4);
    let text = format!(
        "{:?} {}",
        parsed.ignored,
        parsed
            .ignored
            .iter()
            .map(|i| i.to_string())
            .collect::<String>()
    );
    for secret in [
        "AKIDFLAT",
        "flat-secret-value",
        "tok-secret-value",
        "client-secret-value",
        "AKIDSNAKE",
    ] {
        assert!(!text.contains(secret), "{secret} shown: {text}");
    }

    let clean = DatasourceSettings::parse_json(
        r#"{"jsonData": {"authType": "keys", "assumeRoleARN": "arn:aws:iam::1:role/r", "logsTimeout": "30m"},
            "secureJsonData": {"accessKey": "AKID", "secretKey": "s"}}"#,
    )
    .unwrap();
    assert!(clean.ignored.is_empty(), "{:?}", clean.ignored);
}
