//! Parser behaviour beyond the shared suite: error wording, secrets kept out of messages,
//! sections the suite does not cover, warnings.

use awsauth_profile::{FileKind, Problem, ProfileSet};

use crate::SECRET;

const CREDS: &str = "/home/u/.aws/credentials";

#[test]
fn errors_name_file_and_line_and_never_quote_the_line() {
    let text = format!(
        "[default]\naws_access_key_id = AKID\n\n# note\n[prod]\nregion = x\naws_secret_access_key {SECRET}\n"
    );
    let err = ProfileSet::parse(FileKind::Credentials, CREDS, &text).unwrap_err();
    assert_eq!(err.line, 7);
    assert_eq!(err.problem, Problem::NoEquals);
    let shown = err.to_string();
    assert!(
        shown.starts_with(
            "credentials file /home/u/.aws/credentials, line 7: expected \"key = value\""
        ),
        "{shown}"
    );
    assert!(!shown.contains(SECRET) && !format!("{err:?}").contains(SECRET));
}

/// The hint quotes the section syntax of the file at hand: `[profile name]` belongs in the
/// config file, `[name]` in the credentials file.
#[test]
fn the_no_section_hint_fits_the_file() {
    let config = ProfileSet::parse(FileKind::Config, "/c", "region = x\n").unwrap_err();
    assert!(
        config.to_string().contains("\"[profile name]\""),
        "{config}"
    );
    let creds = ProfileSet::parse(FileKind::Credentials, "/k", "region = x\n").unwrap_err();
    let text = creds.to_string();
    assert!(
        text.contains("\"[name]\"") && !text.contains("[profile"),
        "{text}"
    );
}

#[test]
fn each_problem_has_its_line() {
    let cases: &[(&str, u32, Problem)] = &[
        ("key = v\n", 1, Problem::NoSection),
        ("\n\n[profile x\n", 3, Problem::UnclosedSection),
        ("[default]\n= v\n", 2, Problem::NoName),
        ("[default]\ns3 =\n  nope\n", 3, Problem::SubPropertyNoEquals),
        ("[default]\ns3 =\n  = 1\n", 3, Problem::SubPropertyNoName),
        (
            "[default]\n  orphan\n",
            2,
            Problem::ContinuationWithoutProperty,
        ),
        (
            "[default]\r\na = 1\r\n\r\n  = x\r\nb\r\n",
            5,
            Problem::NoEquals,
        ),
    ];
    for (text, line, problem) in cases {
        let err = ProfileSet::parse(FileKind::Config, "/c", text).unwrap_err();
        assert_eq!(
            (err.line, err.problem),
            (*line, *problem),
            "{text:?}: {err}"
        );
        assert!(
            err.to_string()
                .starts_with(&format!("config file /c, line {line}: "))
        );
    }
}

#[test]
fn non_utf8_is_an_error_naming_the_file() {
    let err = ProfileSet::new()
        .add_file_bytes(FileKind::Credentials, CREDS, b"[default]\n\xc3\x28 = 1\n")
        .unwrap_err();
    assert!(matches!(err.problem, Problem::NotUtf8 { column: 0 }));
    assert_eq!(
        err.to_string(),
        "credentials file /home/u/.aws/credentials, line 2: not valid UTF-8 (at byte 0 of the line); save the file as UTF-8"
    );
}

#[test]
fn values_keep_comment_characters_without_whitespace_before_them() {
    let set = ProfileSet::parse(
        FileKind::Credentials,
        CREDS,
        "[default]\naws_secret_access_key = abc#def;ghi # a comment\nregion=eu-west-1;x\n",
    )
    .unwrap();
    let p = set.profile("default").unwrap();
    assert_eq!(p.get("aws_secret_access_key"), Some("abc#def;ghi"));
    assert_eq!(p.get("region"), Some("eu-west-1;x"));
}

#[test]
fn sso_sessions_services_and_sub_properties() {
    let set = ProfileSet::parse(
        FileKind::Config,
        "/c",
        "[sso-session corp]\nsso_region = eu-west-1\n\
         [services local]\ns3 =\n  endpoint_url = http://127.0.0.1:9000\n  # not a comment here = 1\n\
         [profile dev]\nservices = local\nS3 =\n  Max_Concurrent_Requests = 20\n\n  addressing_style = path\n",
    )
    .unwrap();
    assert_eq!(
        set.sso_session("corp").unwrap().get("sso_region"),
        Some("eu-west-1")
    );
    let s3 = set.services("local").unwrap().property("s3").unwrap();
    assert_eq!(
        s3.sub_properties(),
        vec![
            ("endpoint_url", "http://127.0.0.1:9000"),
            ("# not a comment here", "1")
        ]
    );
    let dev = set.profile("dev").unwrap();
    assert_eq!(
        dev.property("s3").unwrap().sub_properties(),
        vec![
            ("Max_Concurrent_Requests", "20"),
            ("addressing_style", "path")
        ]
    );
    assert_eq!(set.profile_names(), vec!["dev"]);
}

#[test]
fn skipped_sections_and_keys_are_reported_as_warnings() {
    let set = ProfileSet::parse(
        FileKind::Config,
        "/c",
        "[dev]\na = 1\n[profile in valid]\nb = 2\n[profile ok]\nbad key = 3\n[default]\n[profile default]\n",
    )
    .unwrap();
    assert_eq!(set.profile_names(), vec!["default", "ok"]);
    let warnings = set.warnings().join("\n");
    assert!(
        warnings.contains("config file /c, line 1: section [dev] ignored"),
        "{warnings}"
    );
    assert!(
        warnings.contains("line 3: section [profile in valid] ignored"),
        "{warnings}"
    );
    assert!(
        warnings.contains("line 6: a property was ignored"),
        "{warnings}"
    );
    assert!(
        warnings.contains("line 7: section [default] ignored"),
        "{warnings}"
    );
}

#[test]
fn later_files_win_key_by_key_and_origins_are_kept() {
    let mut set = ProfileSet::parse(
        FileKind::Config,
        "/home/u/.aws/config",
        "[default]\nregion = eu-west-1\naws_access_key_id = FROMCONFIG\n",
    )
    .unwrap();
    set.add_file(
        FileKind::Credentials,
        CREDS,
        "\n[default]\naws_access_key_id = FROMCREDS\n",
    )
    .unwrap();
    let p = set.profile("default").unwrap();
    assert_eq!(p.get("aws_access_key_id"), Some("FROMCREDS"));
    let origin = p.property("aws_access_key_id").unwrap().origin();
    assert_eq!((origin.file, origin.line), (FileKind::Credentials, 3));
    assert_eq!(p.get("region"), Some("eu-west-1"));
    assert!(p.appears_in(FileKind::Config) && p.appears_in(FileKind::Credentials));
    assert_eq!(
        set.path(FileKind::Credentials).unwrap().to_str(),
        Some(CREDS)
    );
}

#[test]
fn debug_output_redacts_secret_values() {
    let set = ProfileSet::parse(
        FileKind::Credentials,
        CREDS,
        &format!("[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = {SECRET}\naws_session_token = tok-{SECRET}\nweb_identity_token_file = /var/run/token\n"),
    )
    .unwrap();
    let debug = format!("{set:?}");
    assert!(debug.contains("AKIDEXAMPLE") && debug.contains("/var/run/token"));
    assert!(!debug.contains(SECRET), "{debug}");
    let p = set.profile("default").unwrap();
    assert!(p.property("aws_secret_access_key").unwrap().is_sensitive());
    assert!(
        !p.property("web_identity_token_file")
            .unwrap()
            .is_sensitive()
    );
}

#[test]
fn debug_output_redacts_a_secret_line_that_continues_another_value() {
    // Indented, the token line continues `region` (and `s3`'s sub-properties): it is part of
    // their values as the file is written, and still a secret.
    let set = ProfileSet::parse(
        FileKind::Config,
        CREDS,
        &format!("[default]\nregion = eu-west-1\n\taws_session_token = {SECRET}\n  {SECRET}\ns3 =\n  max_concurrent_requests = 20\n  aws_secret_access_key = {SECRET}\n"),
    )
    .unwrap();
    let p = set.profile("default").unwrap();
    assert!(p.property("region").unwrap().value().contains(SECRET));
    let debug = format!("{set:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(debug.contains("eu-west-1") && debug.contains("max_concurrent_requests = 20"));
}

#[test]
fn lookups_are_case_insensitive_and_empty_values_count_as_absent() {
    let set = ProfileSet::parse(
        FileKind::Credentials,
        CREDS,
        "[default]\nRegion = x\nempty =\n",
    )
    .unwrap();
    let p = set.profile("default").unwrap();
    assert_eq!(p.get("REGION"), Some("x"));
    assert_eq!(p.get("empty"), None);
    assert_eq!(p.property("empty").unwrap().value(), "");
}

#[test]
fn duplicate_keys_keep_the_last_value_in_small_and_large_sections() {
    for keys in [3usize, 16, 17, 200] {
        let mut text = String::from("[default]\n");
        for round in 0..3 {
            for k in 0..keys {
                text.push_str(&format!("K{k} = v{round}-{k}\n"));
            }
        }
        text.push_str("k0 = last\n[default]\nk1 = reopened\n");
        let set = ProfileSet::parse(FileKind::Credentials, CREDS, &text).unwrap();
        let p = set.profile("default").unwrap();
        assert_eq!(p.len(), keys, "{keys} keys");
        assert_eq!(p.get("k0"), Some("last"));
        assert_eq!(p.get("k1"), Some("reopened"));
        assert_eq!(
            p.get(&format!("k{}", keys - 1)),
            Some(&*format!("v2-{}", keys - 1))
        );
        // Definition order of the surviving definitions.
        let order: Vec<&str> = p.properties().map(|(k, _)| k).collect();
        assert_eq!(order.last(), Some(&"k1"));
        assert_eq!(order.get(order.len() - 2), Some(&"k0"));
    }
}
