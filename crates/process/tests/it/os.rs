//! The operating system's runner on real `sh` children: what the child gets (the context's
//! environment, no stdin), and the bounds (time-out by the injected clock with the whole
//! process group killed, the stdout cap, exit statuses, a missing program).

use std::path::Path;
use std::time::Duration;

use awsauth_core::{CredentialSource, ErrorKind};
use awsauth_process::ProcessSource;

use crate::support::{
    Captured, SECRET, Scratch, advancing, assert_not_in_error, good_output, os_cx,
};

/// True once process `pid` is gone or a zombie (Linux; elsewhere, `kill -0` says).
fn is_dead(pid: u32) -> bool {
    let stat = Path::new("/proc").join(pid.to_string()).join("stat");
    if Path::new("/proc/self/stat").exists() {
        return match std::fs::read_to_string(&stat) {
            Err(_) => true,
            // "pid (comm) S …": the state follows the closing parenthesis.
            Ok(text) => text
                .rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X')),
        };
    }
    !std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .status()
        .is_ok_and(|s| s.success())
}

async fn wait_for_file(path: &Path) -> String {
    for _ in 0..500 {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text.trim().to_owned();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{} never appeared", path.display());
}

/// Kills `pid` when dropped, so a failing test leaves no `sleep 1000` behind.
struct Reap(u32);

impl Drop for Reap {
    fn drop(&mut self) {
        if !is_dead(self.0) {
            let _ = std::process::Command::new("kill")
                .args(["-9", &self.0.to_string()])
                .status();
        }
    }
}

async fn wait_dead(pid: u32) {
    let _reap = Reap(pid);
    for _ in 0..500 {
        if is_dead(pid) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("process {pid} (the helper's own child) is still alive");
}

#[tokio::test]
async fn a_helper_script_yields_its_credentials() {
    let dir = Scratch::new();
    let helper = dir.script("helper", &format!("cat <<'JSON'\n{}\nJSON", good_output()));
    let (cx, _clock) = os_cx(&[]);
    let source = ProcessSource::new(format!("{helper} --token {SECRET}")).profile("dev");
    let creds = source.provide(&cx).await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIAPROCESS");
    assert_eq!(creds.provenance().to_string(), format!("process:{helper}"));
}

#[tokio::test]
async fn the_child_sees_exactly_the_injected_environment_and_no_stdin() {
    // HOME is set for this test process, but not in the injected environment; the child must
    // not see it. stdin is closed: `read` hits end of file at once.
    let line = r#"[ -z "$HOME" ] || exit 3; if read x; then exit 4; fi; printf '{"Version":1,"AccessKeyId":"%s","SecretAccessKey":"s"}' "$HELPER_KEY""#;
    let (cx, _clock) = os_cx(&[("HELPER_KEY", "AKIDFROMENV")]);
    let creds = ProcessSource::new(line).provide(&cx).await.unwrap();
    assert_eq!(creds.access_key_id(), "AKIDFROMENV");
}

#[tokio::test]
async fn a_hanging_helper_is_killed_with_its_process_group_at_the_time_out() {
    let dir = Scratch::new();
    let pidfile = dir.path().join("grandchild.pid");
    // The helper starts a child of its own and waits for it: both must die.
    let helper = dir.script(
        "hang",
        &format!(
            "sleep 1000 >/dev/null 2>&1 &\necho $! > '{}'\nwait",
            pidfile.display()
        ),
    );
    let (cx, clock) = os_cx(&[]);
    let source = ProcessSource::new(helper).profile("dev");
    let err = advancing(&clock, Duration::from_secs(61), source.provide(&cx))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);
    assert!(
        err.to_string()
            .contains("ran longer than 60s and was killed with its process group"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains(r#"profile "dev": credential_process"#),
        "{err}"
    );
    let grandchild: u32 = wait_for_file(&pidfile).await.parse().unwrap();
    wait_dead(grandchild).await;
}

#[tokio::test]
async fn the_time_out_is_settable_in_code() {
    let (cx, clock) = os_cx(&[]);
    let source = ProcessSource::new("sleep 1000").timeout(Duration::from_secs(5));
    let err = advancing(&clock, Duration::from_secs(6), source.provide(&cx))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ran longer than 5s"), "{err}");
}

#[tokio::test]
async fn a_caller_that_stops_waiting_kills_the_process_group_too() {
    let dir = Scratch::new();
    let pidfile = dir.path().join("grandchild.pid");
    let helper = dir.script(
        "hang",
        &format!(
            "sleep 1000 >/dev/null 2>&1 &\necho $! > '{}'\nwait",
            pidfile.display()
        ),
    );
    let (cx, _clock) = os_cx(&[]);
    let task = tokio::spawn(async move { ProcessSource::new(helper).provide(&cx).await });
    let grandchild: u32 = wait_for_file(&pidfile).await.parse().unwrap();
    task.abort();
    wait_dead(grandchild).await;
}

#[tokio::test]
async fn a_helper_printing_100_mb_is_cut_off_at_1_mib() {
    let (cx, _clock) = os_cx(&[]);
    let source = ProcessSource::new("head -c 100000000 /dev/zero").profile("big");
    let err = tokio::time::timeout(Duration::from_secs(30), source.provide(&cx))
        .await
        .expect("the cap must end the run, not the time-out")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    assert_eq!(
        err.to_string(),
        "profile:big: profile \"big\": credential_process head: it printed more than 1048576 bytes on stdout and was killed with its process group"
    );
}

#[tokio::test]
async fn a_failing_helper_names_its_exit_status_never_its_stderr() {
    let (cx, _clock) = os_cx(&[]);
    let source =
        ProcessSource::new(format!("echo 'login needed {SECRET}' >&2; exit 1")).profile("dev");
    let err = source.provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    assert_eq!(
        err.to_string(),
        "profile:dev: profile \"dev\": credential_process echo exited with exit status 1; its stderr, if any, is in this program's stderr"
    );
    assert_not_in_error(&err, SECRET);
}

#[tokio::test]
async fn version_2_and_expired_output_are_provider_failures() {
    let (cx, _clock) = os_cx(&[]);
    let v2 =
        ProcessSource::new(r#"echo '{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "s"}'"#);
    let err = v2.provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    assert!(
        err.to_string()
            .ends_with("its output has Version 2; only Version 1 is supported"),
        "{err}"
    );

    // An hour before the context's clock (2024-01-01T00:00:00Z).
    let expired = ProcessSource::new(format!(
        r#"echo '{{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "{SECRET}", "Expiration": "2023-12-31T23:00:00Z"}}'"#
    ));
    let err = expired.provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    assert!(
        err.to_string().contains("expired at 2023-12-31T23:00:00Z"),
        "{err}"
    );
    assert_not_in_error(&err, SECRET);
}

#[tokio::test]
async fn a_missing_program_is_named_without_its_arguments_in_errors_or_logs() {
    let captured = Captured::default();
    let _guard = captured.install();
    let (cx, _clock) = os_cx(&[]);
    let source = ProcessSource::new(format!("/no/such/helper --token {SECRET}")).profile("dev");
    let err = source.provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    assert_eq!(
        err.to_string(),
        "profile:dev: profile \"dev\": credential_process /no/such/helper exited with exit status 127 (the shell did not find the program: check its path and PATH); its stderr, if any, is in this program's stderr"
    );
    assert_not_in_error(&err, SECRET);
    let logs = captured.text();
    assert!(logs.contains("/no/such/helper"), "{logs}");
    assert!(!logs.contains(SECRET), "{logs}");
}

#[tokio::test]
async fn a_profile_that_runs_itself_again_stops_at_the_nesting_limit() {
    // The child sees the depth one higher than its parent; at the limit nothing runs.
    let (cx, _clock) = os_cx(&[]);
    let line = r#"printf '{"Version":1,"AccessKeyId":"DEPTH%s","SecretAccessKey":"s"}' "$AWSAUTH_CREDENTIAL_PROCESS_DEPTH""#;
    let creds = ProcessSource::new(line).provide(&cx).await.unwrap();
    assert_eq!(creds.access_key_id(), "DEPTH1");
    let (deep, _clock) = os_cx(&[("AWSAUTH_CREDENTIAL_PROCESS_DEPTH", "3")]);
    let err = ProcessSource::new(line).provide(&deep).await.unwrap_err();
    assert!(err.to_string().contains("nested 3 deep"), "{err}");
}
