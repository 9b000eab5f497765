//! Shared fixtures.

use awsauth_http::HttpClient;
use std::io::Write;
use std::sync::{Arc, Mutex};
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

/// Captures every log line written while the guard lives on this thread.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    pub fn capture() -> (Self, tracing::subscriber::DefaultGuard) {
        let logs = Self::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        // Every callsite stays of interest to a global no-op subscriber, so none can cache "never"
        // while a parallel test registers it (that would hide a line from this capture).
        static LISTEN_EVERYWHERE: std::sync::Once = std::sync::Once::new();
        LISTEN_EVERYWHERE.call_once(|| {
            let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry());
        });
        let guard = tracing::subscriber::set_default(subscriber);
        // Callsites first hit while no subscriber listened cache "never"; with tests running in
        // parallel that race can hide a log line from this capture, so recompute interest.
        tracing::callsite::rebuild_interest_cache();
        (logs, guard)
    }

    pub fn assert_no_secrets(&self) {
        let text = String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned();
        for secret in [AUTH, SECRET, SESSION] {
            assert!(
                !text.contains(secret),
                "a secret leaked into the logs:\n{text}"
            );
        }
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
