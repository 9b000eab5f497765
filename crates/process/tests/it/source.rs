//! `ProcessSource`'s own rules, with a fake runner: what it asks the runner, plans and explain
//! without running anything, contexts that cannot run programs, re-runs through the cache.

use std::time::Duration;

use awsauth_core::{
    CachedSource, Context, CredentialSource, CredentialSourceExt, ErrorKind, MapEnv, Status,
};
use awsauth_process::{
    DEFAULT_TIMEOUT, ExitStatus, MAX_STDOUT, ProcessRunner, ProcessSource, RunError, RunOutput,
};

use crate::support::{FakeRunner, SECRET, assert_not_in_error, cx_with, good_output};

fn command() -> String {
    format!("vault-helper aws --token {SECRET}")
}

#[tokio::test]
async fn the_runner_gets_the_command_the_injected_environment_and_the_bounds() {
    let fake = FakeRunner::answering(vec![Ok(RunOutput::new(ExitStatus::Code(0), good_output()))]);
    let (cx, _clock) = cx_with(
        MapEnv::from([("ONLY", "this")]),
        ProcessRunner::new(fake.clone()),
    );
    let creds = ProcessSource::new(command())
        .profile("dev")
        .account_id(Some("123456789012".into()))
        .provide(&cx)
        .await
        .unwrap();
    assert_eq!(creds.account_id(), Some("123456789012"));
    let requests = fake.requests.lock().unwrap();
    let request = &requests[0];
    assert_eq!(request.command_line.expose_secret(), command());
    assert_eq!(request.env, Some(vec![("ONLY".into(), "this".into())]));
    assert_eq!(request.timeout, DEFAULT_TIMEOUT);
    assert_eq!(request.stdout_limit, MAX_STDOUT);
    assert_eq!(request.program(), "vault-helper");
    assert!(!format!("{request:?}").contains(SECRET), "{request:?}");
}

#[tokio::test]
async fn plan_and_explain_run_nothing_and_show_only_the_program() {
    let fake = FakeRunner::answering(vec![Ok(RunOutput::new(ExitStatus::Code(0), good_output()))]);
    let (cx, _clock) = cx_with(MapEnv::new(), ProcessRunner::new(fake.clone()));
    let source = ProcessSource::new(command()).profile("dev");
    let plan = source.plan(&cx).unwrap();
    assert_eq!(
        serde_json::to_value(&plan).unwrap(),
        serde_json::json!([{"step": "credential_process", "program": "vault-helper"}])
    );
    let lines = source.explain(&cx);
    assert_eq!(lines[0].status, Status::Configured);
    assert!(lines[0].reason.contains("vault-helper"), "{lines:?}");
    assert_eq!(fake.runs(), 0, "plan/explain must not run the program");
    for text in [
        format!("{source:?}"),
        format!("{lines:?}"),
        plan.to_string(),
    ] {
        assert!(!text.contains(SECRET), "{text}");
    }
}

#[tokio::test]
async fn a_closed_or_refusing_slot_is_invalid_configuration_in_plan_and_provide() {
    let closed = Context::builder().build();
    let refusing = Context::builder()
        .processes(ProcessRunner::refusing(
            "the server's policy forbids credential_process (AWS_AUTH_CredentialProcessEnabled)",
        ))
        .build();
    let source = ProcessSource::new(command()).profile("dev");
    for (cx, says) in [
        (&closed, "its process slot is closed"),
        (&refusing, "AWS_AUTH_CredentialProcessEnabled"),
    ] {
        let err = source.provide(cx).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
        assert!(err.to_string().starts_with(
            "profile:dev: invalid configuration: profile \"dev\" sets credential_process (vault-helper), but "
        ), "{err}");
        assert!(err.to_string().contains(says), "{err}");
        assert_not_in_error(&err, SECRET);
        let plan_err = source.plan(cx).unwrap_err();
        assert_eq!(plan_err.to_string(), err.to_string());
        assert_eq!(source.explain(cx)[0].status, Status::Invalid);
    }
}

#[tokio::test]
async fn runner_failures_keep_their_kind_and_hide_the_command() {
    for (answer, kind, says) in [
        (
            RunError::NotStarted {
                shell: "sh".into(),
                message: "No such file or directory".into(),
            },
            ErrorKind::ProviderFailed,
            "the shell (sh) could not be started",
        ),
        (
            RunError::TimedOut {
                after: Duration::from_secs(60),
            },
            ErrorKind::TimedOut,
            "ran longer than 60s",
        ),
        (
            RunError::OutputTooLarge { limit: MAX_STDOUT },
            ErrorKind::ProviderFailed,
            "printed more than 1048576 bytes",
        ),
    ] {
        let fake = FakeRunner::answering(vec![Err(answer)]);
        let (cx, _clock) = cx_with(MapEnv::new(), ProcessRunner::new(fake));
        let err = ProcessSource::new(command())
            .provide(&cx)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{err}");
        assert!(err.to_string().contains(says), "{err}");
        assert!(
            err.to_string().contains("credential_process vault-helper"),
            "{err}"
        );
        assert_not_in_error(&err, SECRET);
    }
    let fake = FakeRunner::answering(vec![Ok(RunOutput::new(ExitStatus::Signal(9), ""))]);
    let (cx, _clock) = cx_with(MapEnv::new(), ProcessRunner::new(fake));
    let err = ProcessSource::new(command())
        .provide(&cx)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("exited with killed by signal 9"),
        "{err}"
    );
}

#[tokio::test]
async fn the_cache_runs_the_program_again_before_expiration_and_never_for_long_term_keys() {
    // Expires an hour after the context's clock.
    let expiring = r#"{"Version":1,"AccessKeyId":"ASIA1","SecretAccessKey":"s","SessionToken":"t","Expiration":"2024-01-01T01:00:00Z"}"#;
    let fake = FakeRunner::answering(vec![Ok(RunOutput::new(ExitStatus::Code(0), expiring))]);
    let (cx, clock) = cx_with(MapEnv::new(), ProcessRunner::new(fake.clone()));
    let cached = CachedSource::new(ProcessSource::new(command()));
    cached.resolve(&cx).await.unwrap();
    cached.resolve(&cx).await.unwrap();
    assert_eq!(fake.runs(), 1, "fresh credentials come from the cache");
    clock.advance(Duration::from_secs(3590));
    let _ = cached.resolve(&cx).await;
    assert_eq!(
        fake.runs(),
        2,
        "inside the refresh window the program runs again"
    );

    let long_term = r#"{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"s"}"#;
    let fake = FakeRunner::answering(vec![Ok(RunOutput::new(ExitStatus::Code(0), long_term))]);
    let (cx, clock) = cx_with(MapEnv::new(), ProcessRunner::new(fake.clone()));
    let cached = CachedSource::new(ProcessSource::new(command()));
    cached.resolve(&cx).await.unwrap();
    clock.advance(Duration::from_secs(30 * 24 * 3600));
    cached.resolve(&cx).await.unwrap();
    assert_eq!(fake.runs(), 1);
}
