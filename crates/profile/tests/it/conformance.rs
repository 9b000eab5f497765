//! The AWS SDKs' shared suites, read in place from the `aws-runtime` crate's registry source
//! (located with `cargo metadata`), so the cases stay those the SDK team publishes.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use awsauth_core::{Context, MapEnv};
use awsauth_profile::{FileKind, FileLocations, Platform, ProfileSet, selected_profile};
use serde_json::Value;

/// `test-data/<name>` of the aws-runtime package this workspace resolves.
fn suite(name: &str) -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut candidates: Vec<PathBuf> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "aws-runtime")
        .map(|p| {
            PathBuf::from(p["manifest_path"].as_str().unwrap())
                .parent()
                .unwrap()
                .join("test-data")
                .join(name)
        })
        .filter(|path| path.is_file())
        .collect();
    candidates.sort();
    let path = candidates.pop().unwrap_or_else(|| {
        panic!("no aws-runtime package with test-data/{name} in cargo metadata")
    });
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Printed past the test harness's capture, so the count shows in every run.
fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

type Flat = BTreeMap<String, BTreeMap<String, String>>;

fn expected_sections(value: Option<&Value>) -> Flat {
    let Some(value) = value else {
        return Flat::new();
    };
    value
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, props)| {
            let props = props
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect();
            (name.clone(), props)
        })
        .collect()
}

fn flatten<'a>(sections: impl Iterator<Item = awsauth_profile::Section<'a>>) -> Flat {
    sections
        .map(|s| {
            let props = s
                .properties()
                .map(|(k, p)| (k.to_owned(), p.value().to_owned()))
                .collect();
            (s.name().to_owned(), props)
        })
        .collect()
}

fn run_parser_case(case: &Value) -> Result<(), String> {
    let input = &case["input"];
    let parsed = (|| {
        let mut set = ProfileSet::new();
        if let Some(text) = input["configFile"].as_str() {
            set.add_file(FileKind::Config, "~/.aws/config", text)?;
        }
        if let Some(text) = input["credentialsFile"].as_str() {
            set.add_file(FileKind::Credentials, "~/.aws/credentials", text)?;
        }
        Ok::<_, awsauth_profile::ParseError>(set)
    })();
    let output = &case["output"];
    match (
        parsed,
        output.get("errorContaining").and_then(Value::as_str),
    ) {
        (Err(err), Some(expected)) => {
            let text = err.to_string();
            if text.contains(expected) {
                Ok(())
            } else {
                Err(format!("error {text:?} does not contain {expected:?}"))
            }
        }
        (Ok(set), Some(expected)) => Err(format!(
            "expected an error containing {expected:?}, parsed {:?}",
            flatten(set.profiles())
        )),
        (Err(err), None) => Err(format!("expected success, got {err}")),
        (Ok(set), None) => {
            let config = &output["config"];
            let profiles = expected_sections(config.get("profiles"));
            let sso = expected_sections(config.get("sso_sessions"));
            let (actual_profiles, actual_sso) =
                (flatten(set.profiles()), flatten(set.sso_sessions()));
            if actual_profiles != profiles {
                Err(format!(
                    "profiles differ:\n expected {profiles:?}\n actual   {actual_profiles:?}"
                ))
            } else if actual_sso != sso {
                Err(format!(
                    "sso sessions differ:\n expected {sso:?}\n actual   {actual_sso:?}"
                ))
            } else {
                Ok(())
            }
        }
    }
}

#[test]
fn profile_parser_tests_all_pass() {
    let suite = suite("profile-parser-tests.json");
    let cases = suite["tests"].as_array().unwrap();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            run_parser_case(case)
                .err()
                .map(|why| format!("{}: {why}", case["name"].as_str().unwrap_or("?")))
        })
        .collect();
    report(&format!(
        "profile-parser-tests.json: {}/{} passed",
        cases.len() - failures.len(),
        cases.len()
    ));
    assert!(
        cases.len() >= 65,
        "the suite shrank to {} cases",
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn run_location_case(case: &Value) -> Result<(), String> {
    let env: BTreeMap<String, String> = case["environment"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let platform = match case["platform"].as_str().unwrap() {
        "windows" => Platform::Windows,
        _ => Platform::Unix,
    };
    let at = FileLocations::from_vars(|name| env.get(name).cloned(), platform);
    let config = at.config.as_ref().and_then(|p| p.to_str());
    let credentials = at.credentials.as_ref().and_then(|p| p.to_str());
    if config != case["configLocation"].as_str() {
        return Err(format!(
            "config at {config:?}, expected {}",
            case["configLocation"]
        ));
    }
    if credentials != case["credentialsLocation"].as_str() {
        return Err(format!(
            "credentials at {credentials:?}, expected {}",
            case["credentialsLocation"]
        ));
    }
    if let Some(expected) = case["profile"].as_str() {
        let cx = Context::builder()
            .env(env.into_iter().collect::<MapEnv>())
            .build();
        let profile = selected_profile(&cx, None);
        if profile != expected {
            return Err(format!("profile {profile:?}, expected {expected:?}"));
        }
    }
    Ok(())
}

#[test]
fn file_location_tests_all_pass_on_both_platforms() {
    let suite = suite("file-location-tests.json");
    let cases = suite["tests"].as_array().unwrap();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            run_location_case(case)
                .err()
                .map(|why| format!("{}: {why}", case["name"].as_str().unwrap_or("?")))
        })
        .collect();
    report(&format!(
        "file-location-tests.json: {}/{} passed",
        cases.len() - failures.len(),
        cases.len()
    ));
    assert!(!cases.is_empty());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
