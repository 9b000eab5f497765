//! The server's `credential_process` switch: with it off, no data source can run a program —
//! not through the `credentials` auth type, the default chain or a role on top — even when the
//! caller's context would let it; the error names the setting.

use std::sync::Arc;

use awsauth_core::{Context, CredentialSource, ErrorKind, MapEnv, MemFs, SystemClock};
use awsauth_datasource::{
    AuthSettings, AuthType, DatasourceSettings, ENV_CREDENTIAL_PROCESS_ENABLED, StandardFactory,
    build_session,
};
use awsauth_process::ProcessRunner;

/// A profile whose program leaves a marker file and prints keys.
fn setup() -> (Context, std::path::PathBuf) {
    let marker = std::env::temp_dir().join(format!(
        "awsauth-datasource-marker-{}-{}",
        std::process::id(),
        fastrand_suffix()
    ));
    let fs = MemFs::new();
    fs.insert(
        "/home/grafana/.aws/config",
        format!(
            "[profile proc]\ncredential_process = sh -c 'touch {}; printf \"{{\\\"Version\\\":1,\\\"AccessKeyId\\\":\\\"AKIDPROC\\\",\\\"SecretAccessKey\\\":\\\"s\\\"}}\"'\n",
            marker.display()
        ),
    );
    let cx = Context::builder()
        .clock(Arc::new(SystemClock))
        .env(MapEnv::from([
            ("HOME", "/home/grafana"),
            ("PATH", "/usr/bin:/bin"),
            ("AWS_PROFILE", "proc"),
        ]))
        .fs(fs)
        // The caller's context could run programs: the policy must win over it.
        .processes(ProcessRunner::os())
        .build();
    (cx, marker)
}

fn fastrand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::SeqCst)
}

fn credentials_profile() -> DatasourceSettings {
    let mut settings = DatasourceSettings::new(AuthType::Credentials);
    settings.profile = Some("proc".into());
    settings
}

#[tokio::test]
async fn with_the_switch_on_a_process_profile_runs() {
    let (cx, marker) = setup();
    let session = build_session(
        &credentials_profile(),
        &AuthSettings::new(),
        &StandardFactory::new(),
    )
    .unwrap();
    let creds = session.provide(&cx).await.unwrap();
    assert_eq!(creds.access_key_id(), "AKIDPROC");
    assert!(marker.exists());
    let _ = std::fs::remove_file(marker);
}

#[tokio::test]
async fn with_the_switch_off_no_auth_type_can_run_a_program() {
    // With the server's detail: the refusal names the setting (a tenant sees a short message).
    let policy = AuthSettings::new()
        .credential_process_enabled(false)
        .full_error_detail(true);
    let mut default = DatasourceSettings::new(AuthType::Default);
    default.assume_role_arn = Some("arn:aws:iam::123456789012:role/r".into());
    for settings in [credentials_profile(), default] {
        let (cx, marker) = setup();
        let session = build_session(&settings, &policy, &StandardFactory::new()).unwrap();
        let err = session.plan(&cx).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
        let err = session.provide(&cx).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
        let text = err.to_string();
        assert!(
            text.contains(r#"profile "proc" sets credential_process (sh)"#),
            "{text}"
        );
        assert!(
            text.contains("credential_process_enabled = false"),
            "{text}"
        );
        assert!(text.contains(ENV_CREDENTIAL_PROCESS_ENABLED), "{text}");
        assert!(
            !marker.exists(),
            "the program ran although the server said no"
        );
    }
}

#[test]
fn the_switch_is_read_from_the_environment_and_the_ini_file() {
    assert!(AuthSettings::new().credential_process_enabled);
    let cx = Context::builder()
        .env(MapEnv::from([(ENV_CREDENTIAL_PROCESS_ENABLED, "false")]))
        .build();
    assert!(
        !AuthSettings::from_env(&cx)
            .unwrap()
            .credential_process_enabled
    );
    let ini = AuthSettings::from_ini_str("[aws]\ncredential_process_enabled = 0\n", "grafana.ini")
        .unwrap();
    assert!(!ini.credential_process_enabled);
    let err =
        AuthSettings::from_ini_str("[aws]\ncredential_process_enabled = maybe\n", "grafana.ini")
            .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid AWS auth setting credential_process_enabled = \"maybe\" (grafana.ini line 2): expected true or false (or 1, 0, t, f)"
    );
}
