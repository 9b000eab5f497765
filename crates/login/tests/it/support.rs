//! Fixtures: a cache file, contexts, the keys, a log capture.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awsauth_core::{Context, ManualClock, MapEnv, MemFs, timefmt};
use awsauth_http::HttpClient;

pub(crate) const SESSION: &str = "arn:aws:iam::0123456789012:user/Admin";
pub(crate) const CACHE_FILE: &str = "/home/u/.aws/login/cache/36db1d138ff460920374e4c3d8e01f53f9f73537e89c88d639f68393df0e2726.json";
pub(crate) const SECRET: &str = "PlantedLoginSecret";
pub(crate) const REFRESH: &str = "PlantedRefreshToken-1";
pub(crate) const ID_TOKEN: &str = "PlantedIdToken.eyJzdWIiOiJ4In0.sig";

/// A SEC1 key, as `aws login` writes it.
pub(crate) const SEC1_KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIImPrxP4tOYSNQTkUYfZXXANva+s4T0CRvCnt8k5H+NnoAoGCCqGSM49\nAwEHoUQDQgAE/CqO73XDdE4arUaxD7e+oJDR9O5EK3pNfVwaqs5AMPpmk0NVKKnQ\nYmI7rArmt8TSpntR0J+2kdY7HxQYxm+egg==\n-----END EC PRIVATE KEY-----\n";
/// The same key as PKCS#8 (botocore accepts it, aws-config does not).
pub(crate) const PKCS8_KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgiY+vE/i05hI1BORR\nh9ldcA29r6zhPQJG8Ke3yTkf42ehRANCAAT8Ko7vdcN0ThqtRrEPt76gkNH07kQr\nek19XBqqzkAw+maTQ1UoqdBiYjusCua3xNKme1HQn7aR1jsfFBjGb56C\n-----END PRIVATE KEY-----\n";

/// 2024-01-01T00:00:00Z, the injected clock's start.
pub(crate) fn start() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200)
}

/// A cache document expiring `expires_in` after the clock's start (negative: before).
pub(crate) fn cache_doc(expires_in: i64, key: &str) -> serde_json::Value {
    let expires = if expires_in >= 0 {
        start() + Duration::from_secs(expires_in as u64)
    } else {
        start() - Duration::from_secs(expires_in.unsigned_abs())
    };
    serde_json::json!({
        "accessToken": {
            "accessKeyId": "ASIACACHED",
            "secretAccessKey": format!("{SECRET}-key"),
            "sessionToken": format!("{SECRET}-session"),
            "accountId": "0123456789012",
            "expiresAt": timefmt::rfc3339(expires),
        },
        "tokenType": "aws_sigv4",
        "clientId": "arn:aws:signin:::devtools/same-device",
        "refreshToken": REFRESH,
        "idToken": ID_TOKEN,
        "dpopKey": key,
        "someFutureField": {"kept": true},
    })
}

/// A context at the start time, HOME=/home/u, `env` extra, the cache `doc` in place.
pub(crate) fn cx_with(
    doc: &serde_json::Value,
    env: &[(&str, &str)],
) -> (Context, MemFs, ManualClock) {
    let fs = MemFs::new();
    fs.insert(CACHE_FILE, doc.to_string());
    let mut map = MapEnv::from([("HOME", "/home/u")]);
    for (k, v) in env {
        map = map.set(*k, *v);
    }
    let clock = ManualClock::at(start());
    let cx = Context::builder()
        .env(map)
        .fs(fs.clone())
        .clock(Arc::new(clock.clone()))
        .http(HttpClient::hyper())
        .build();
    (cx, fs, clock)
}

/// The secrets of the cache and the service that must never show.
pub(crate) fn secrets() -> Vec<String> {
    vec![
        format!("{SECRET}-key"),
        format!("{SECRET}-session"),
        REFRESH.to_owned(),
        ID_TOKEN.to_owned(),
        "MHcCAQEEIImPrxP4".to_owned(),
        "MIGHAgEAMBMGByqGSM49".to_owned(),
        "fake-signin-secret".to_owned(),
        "fake-signin-refresh".to_owned(),
    ]
}

#[track_caller]
pub(crate) fn assert_clean(text: &str) {
    for secret in secrets() {
        assert!(!text.contains(&secret), "{secret} leaked: {text}");
    }
}

/// The workspace's one log capture (testkit), under the name these tests use.
pub(crate) use awsauth_testkit::LogCapture as Captured;
