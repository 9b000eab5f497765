//! Shared fixtures: a scripted IMDS on wiremock, contexts, the secrets the logs must not hold.

use awsauth_http::HttpClient;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awsauth_core::{Clock, Context, MapEnv, SystemClock, timefmt};
use awsauth_http::HttpSettings;
use awsauth_imds::{ImdsClient, ImdsClientBuilder, ImdsSource};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const TOKEN: &str = "imds-session-token-AAAA";
pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
pub const SESSION: &str = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";
pub const ROLE: &str = "web-role";
pub const TOKEN_PATH: &str = "/latest/api/token";
pub const EXTENDED: &str = "/latest/meta-data/iam/security-credentials-extended/";
pub const LEGACY: &str = "/latest/meta-data/iam/security-credentials/";

/// Real time (the servers really answer), an environment of the test's choosing.
pub fn cx(env: MapEnv) -> Context {
    Context::builder()
        .clock(Arc::new(SystemClock))
        .env(env)
        .http(HttpClient::hyper())
        .build()
}

pub fn no_env() -> Context {
    cx(MapEnv::new())
}

/// Fast settings so failure tests finish quickly.
pub fn fast() -> HttpSettings {
    HttpSettings {
        connect_timeout: Duration::from_millis(500),
        attempt_timeout: Duration::from_millis(500),
        total_timeout: Duration::from_secs(5),
        max_attempts: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(10),
        max_body_bytes: 64 * 1024,
    }
}

pub fn client_for(server: &MockServer) -> ImdsClientBuilder {
    ImdsClient::builder()
        .endpoint(server.uri())
        .http_settings(fast())
}

pub fn source_for(server: &MockServer) -> ImdsSource {
    ImdsSource::builder()
        .client(client_for(server).build())
        .build()
}

pub fn in_hours(clock: &dyn Clock, hours: u64) -> String {
    timefmt::rfc3339(clock.now() + Duration::from_secs(hours * 3600))
}

pub fn document(expiration: &str, account: Option<&str>) -> serde_json::Value {
    let mut doc = serde_json::json!({
        "Code": "Success",
        "LastUpdated": "2024-01-01T00:00:00Z",
        "Type": "AWS-HMAC",
        "AccessKeyId": "ASIAEXAMPLE",
        "SecretAccessKey": SECRET,
        "Token": SESSION,
        "Expiration": expiration,
    });
    if let Some(account) = account {
        doc["AccountId"] = account.into();
    }
    doc
}

/// The token endpoint: answers `TOKEN` with the TTL header, as IMDS does.
pub async fn mount_token(server: &MockServer) {
    Mock::given(method("PUT"))
        .and(path(TOKEN_PATH))
        .and(header("x-aws-ec2-metadata-token-ttl-seconds", "21600"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-aws-ec2-metadata-token-ttl-seconds", "21600")
                .set_body_string(TOKEN),
        )
        .mount(server)
        .await;
}

/// A role listing and credentials on the extended API (token required).
pub async fn mount_extended(server: &MockServer, expiration: &str) {
    Mock::given(method("GET"))
        .and(path(EXTENDED))
        .and(header("x-aws-ec2-metadata-token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!("{ROLE}\n")))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{EXTENDED}{ROLE}")))
        .and(header("x-aws-ec2-metadata-token", TOKEN))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(document(expiration, Some("123456789012"))),
        )
        .mount(server)
        .await;
}

/// A healthy instance: token + extended API, credentials valid for 6 hours.
pub async fn healthy() -> MockServer {
    let server = MockServer::start().await;
    mount_token(&server).await;
    mount_extended(&server, &in_hours(&SystemClock, 6)).await;
    server
}

/// How many requests hit `method path`.
pub async fn count(server: &MockServer, m: &str, p: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == m && r.url.path() == p)
        .count()
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Every secret of the fixtures: none may reach a log line.
pub const SECRETS: [&str; 3] = [TOKEN, SECRET, SESSION];

pub fn now() -> SystemTime {
    SystemTime::now()
}

/// A token, a role listing, and `response` for the role's credentials.
pub async fn with_credentials_response(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(EXTENDED))
        .respond_with(ResponseTemplate::new(200).set_body_string(ROLE))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{EXTENDED}{ROLE}")))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

/// A token endpoint that answers only after 120 seconds (longer than any hang guard).
pub async fn mount_slow_token(server: &MockServer) {
    Mock::given(method("PUT"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(TOKEN)
                .set_delay(Duration::from_secs(120)),
        )
        .mount(server)
        .await;
}
