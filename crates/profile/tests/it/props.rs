//! Random input never panics, and what comes out keeps the parser's promises.

use awsauth_profile::{FileKind, ProfileSet};
use proptest::collection::vec;
use proptest::prelude::*;

/// 4096 by default; `PROPTEST_CASES=100000` for the long run.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(4096),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn kind() -> impl Strategy<Value = FileKind> {
    prop_oneof![Just(FileKind::Config), Just(FileKind::Credentials)]
}

const MARKER: &str = "SECRETMARKER";

/// Lines that are nearly right: the pieces of real files, broken in small ways.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[default]".to_owned()),
        Just("[profile default]".to_owned()),
        "\\[ ?(profile|sso-session|services|profile\t)? ?[a-z\\-@ ]{0,6} ?\\]?[#;]?[a-z ]{0,3}",
        "[ \t]{0,2}(aws_access_key_id|role_arn|source_profile|region|s3|[A-Za-z_ ]{0,6})[ \t]*=?[ \t]*[a-z0-9#;= \t]{0,10}",
        "[ \t]{1,2}[a-z_]{0,6} ?=? ?[a-z#;]{0,4}",
        Just(format!("aws_secret_access_key {MARKER}")),
        Just(format!("  {MARKER}")),
        "[#;][^\n]{0,8}",
        Just(String::new()),
        "[\u{0}-\u{7f}]{0,6}",
        ".{0,4}",
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..512), kind in kind()) {
        let mut set = ProfileSet::new();
        match set.add_file_bytes(kind, "/f", &bytes) {
            Ok(()) => {
                for name in set.profile_names() {
                    match set.plan(name) {
                        Ok(plan) => {
                            prop_assert!(!plan.steps().is_empty());
                            prop_assert_eq!(plan.steps().len(), plan.describe().steps().len());
                            prop_assert_eq!(plan.profile(), name);
                        }
                        // The profile at fault is named: the one asked for or one on its
                        // source_profile path.
                        Err(err) => {
                            let text = err.to_string();
                            let names_one = set
                                .profile_names()
                                .iter()
                                .any(|p| text.contains(&format!("\"{p}\"")));
                            prop_assert!(names_one, "{}", text);
                        }
                    }
                }
            }
            Err(err) => {
                // Line breaks as the AWS CLI counts them: \n, \r\n and a lone \r.
                let text = String::from_utf8_lossy(&bytes).replace("\r\n", "\n").replace('\r', "\n");
                let lines = text.split('\n').count();
                prop_assert!(err.line >= 1 && err.line as usize <= lines);
            }
        }
    }

    #[test]
    fn almost_valid_files_never_panic_and_keep_their_promises(
        lines in vec(line(), 0..40),
        crlf in any::<bool>(),
        kind in kind(),
    ) {
        let text = lines.join(if crlf { "\r\n" } else { "\n" });
        match ProfileSet::parse(kind, "/f", &text) {
            Ok(set) => {
                for profile in set.profiles() {
                    prop_assert!(!profile.name().is_empty());
                    prop_assert!(!profile.name().contains([' ', '\t', '[', ']']));
                    for (key, _) in profile.properties() {
                        prop_assert!(!key.bytes().any(|b| b.is_ascii_uppercase()), "{}", key);
                    }
                    if let Err(err) = set.plan(profile.name()) {
                        prop_assert!(!err.to_string().contains(MARKER));
                    }
                }
                let warnings = set.warnings().join("\n");
                prop_assert!(!warnings.contains(MARKER));
            }
            Err(err) => {
                let shown = err.to_string();
                let prefix = format!("{} file /f, line {}: ", kind, err.line);
                prop_assert!(shown.starts_with(&prefix), "{}", shown);
                // Line breaks as the AWS CLI counts them: \n, \r\n and a lone \r.
                let lines = text.replace("\r\n", "\n").replace('\r', "\n");
                prop_assert!(err.line as usize <= lines.lines().count().max(1));
                prop_assert!(!shown.contains(MARKER));
            }
        }
    }
}
