//! The built `awsauth` binary, run as a user runs it.
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn awsauth(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_awsauth"))
        .args(args)
        .env_clear()
        .output()
        .unwrap()
}

#[test]
fn demo_resolves_each_auth_type_and_explains_failures() {
    let out = awsauth(&["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let row = |prefix: &str| {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no row {prefix}: {text}"))
            .to_owned()
    };
    assert!(row("keys ").contains("via keys"));
    assert!(
        row("keys (blank)")
            .contains("auth type `keys` selected but accessKey and secretKey are not set")
    );
    assert!(row("default (env)").contains("via env"));
    assert!(row("default (nothing)").contains("not_configured"));
    assert!(!text.contains("demo-secret"), "a secret leaked: {text}");
}
