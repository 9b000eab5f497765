//! Shared fixtures.

use awsauth_http::HttpClient;
use std::sync::Arc;
use std::time::Duration;

use awsauth_container::ContainerSource;
use awsauth_core::{Context, MapEnv, MemFs, SystemClock};
use awsauth_http::HttpSettings;

pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
pub const SESSION: &str = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";
pub const AUTH: &str = "pod-identity-token-QQQQ";

pub fn cx(vars: &[(&str, &str)]) -> Context {
    cx_with_fs(vars, MemFs::new())
}

pub fn cx_with_fs(vars: &[(&str, &str)], fs: MemFs) -> Context {
    Context::builder()
        .clock(Arc::new(SystemClock))
        .env(
            vars.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<MapEnv>(),
        )
        .fs(fs)
        .http(HttpClient::hyper())
        .build()
}

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

pub fn source() -> ContainerSource {
    ContainerSource::builder().http_settings(fast()).build()
}

pub fn document() -> serde_json::Value {
    serde_json::json!({
        "AccessKeyId": "ASIACONTAINER",
        "SecretAccessKey": SECRET,
        "Token": SESSION,
        "Expiration": "2124-01-01T00:00:00Z",
        "AccountId": "123456789012",
    })
}

/// Every secret of the fixtures: none may reach a log line.
pub const SECRETS: [&str; 3] = [AUTH, SECRET, SESSION];
