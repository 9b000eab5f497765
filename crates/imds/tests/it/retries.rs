//! `AWS_METADATA_SERVICE_TIMEOUT` and `AWS_METADATA_SERVICE_NUM_ATTEMPTS` (and the profile's
//! keys) decide how long and how often a request is tried, unless code set it.

use std::time::{Duration, Instant};

use awsauth_core::{CredentialSource, ErrorKind, MapEnv, Status};
use awsauth_imds::{ImdsClient, ImdsSource, NUM_ATTEMPTS_ENV, TIMEOUT_ENV};
use wiremock::{MockServer, ResponseTemplate};

use crate::support::*;

/// A source on the client's defaults (nothing set in code) for `server`.
fn default_source(server: &MockServer) -> ImdsSource {
    ImdsSource::builder()
        .client(ImdsClient::builder().endpoint(server.uri()).build())
        .build()
}

fn env(pairs: &[(&str, &str)]) -> MapEnv {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn the_attempts_variable_sets_how_often_a_failing_request_is_tried() {
    for (attempts, expected) in [("1", 1), ("2", 2)] {
        let server = with_credentials_response(ResponseTemplate::new(503)).await;
        let err = default_source(&server)
            .provide(&cx(env(&[(NUM_ATTEMPTS_ENV, attempts)])))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("503"), "{err}");
        assert_eq!(
            count(&server, "GET", &format!("{EXTENDED}{ROLE}")).await,
            expected,
            "{NUM_ATTEMPTS_ENV}={attempts}"
        );
    }
}

#[tokio::test]
async fn the_profile_counts_below_the_variable() {
    let server = with_credentials_response(ResponseTemplate::new(503)).await;
    let client = |env_attempts: Option<&str>| {
        let source = ImdsSource::builder()
            .client(
                ImdsClient::builder()
                    .endpoint(server.uri())
                    .profile_retry_settings("dev", None, Some("2".to_owned()))
                    .build(),
            )
            .build();
        (
            source,
            env(&env_attempts.map_or(vec![], |a| vec![(NUM_ATTEMPTS_ENV, a)])),
        )
    };
    let (source, vars) = client(None);
    source.provide(&cx(vars)).await.unwrap_err();
    let credentials_path = format!("{EXTENDED}{ROLE}");
    assert_eq!(
        count(&server, "GET", &credentials_path).await,
        2,
        "the profile's 2"
    );
    let (source, vars) = client(Some("1"));
    source.provide(&cx(vars)).await.unwrap_err();
    assert_eq!(
        count(&server, "GET", &credentials_path).await,
        3,
        "then the variable's 1"
    );
}

#[tokio::test]
async fn settings_made_in_code_win_over_the_variables() {
    let server = with_credentials_response(ResponseTemplate::new(503)).await;
    // `client_for` sets every HTTP setting in code, three attempts included.
    source_for(&server)
        .provide(&cx(env(&[(NUM_ATTEMPTS_ENV, "1"), (TIMEOUT_ENV, "30")])))
        .await
        .unwrap_err();
    assert_eq!(count(&server, "GET", &format!("{EXTENDED}{ROLE}")).await, 3);
}

#[tokio::test]
async fn the_timeout_variable_cuts_a_slow_answer() {
    let server = MockServer::start().await;
    mount_slow_token(&server).await;
    let started = Instant::now();
    let err = default_source(&server)
        .provide(&cx(env(&[(TIMEOUT_ENV, "1"), (NUM_ATTEMPTS_ENV, "1")])))
        .await
        .unwrap_err();
    // Hang guard, not a timing goal: the token endpoint answers after 120 s, which must not
    // be waited out (generous for a loaded 2-core machine).
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(err.kind(), ErrorKind::TimedOut, "{err}");
    assert!(err.to_string().contains("within 1s"), "{err}");
    assert_eq!(count(&server, "PUT", TOKEN_PATH).await, 1);
}

#[tokio::test]
async fn an_unusable_value_is_invalid_configuration_before_any_request() {
    let server = healthy().await;
    let source = default_source(&server);
    let vars = || cx(env(&[(TIMEOUT_ENV, "soon")]));
    let err = source.provide(&vars()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
    assert!(
        err.to_string()
            .contains("AWS_METADATA_SERVICE_TIMEOUT must be a whole number of seconds from 1 to 3600, not \"soon\""),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
    let line = &source.explain(&vars())[0];
    assert_eq!(line.status, Status::Invalid, "{line:?}");
    assert!(line.reason.contains(TIMEOUT_ENV), "{line:?}");
}
