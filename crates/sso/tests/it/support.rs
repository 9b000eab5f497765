//! Shared fixtures: a clock that reads the system time shifted by an adjustable offset (so
//! cache expiries can be set relative to "now" and moved, while retries still sleep for real),
//! a context with a home directory and the fake's endpoints, cache files, a log capture.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use awsauth_core::{Clock, Context, MapEnv, MemFs, Sleep, timefmt};
use awsauth_http::{HttpClient, HttpSettings};
use awsauth_sso::{SsoSource, cache_file_name};
use awsauth_testkit::FakeSso;

pub(crate) const HOME: &str = "/home/u";
pub(crate) const SESSION: &str = "corp";
pub(crate) const START_URL: &str = "https://corp.awsapps.com/start";
pub(crate) const REGION: &str = "eu-west-1";
pub(crate) const ACCOUNT: &str = "123456789012";
pub(crate) const ROLE: &str = "ReadOnly";
pub(crate) const ACCESS_TOKEN: &str = "cached-access-token-SECRET-1";
pub(crate) const REFRESH_TOKEN: &str = "cached-refresh-token-SECRET-2";
pub(crate) const CLIENT_ID: &str = "client-id-1";
pub(crate) const CLIENT_SECRET: &str = "client-secret-SECRET-3";

/// The system time moved by an offset the test controls; sleeps are real (tokio).
#[derive(Debug, Default)]
pub(crate) struct ShiftedClock {
    ahead: Mutex<Duration>,
}

impl ShiftedClock {
    pub(crate) fn advance(&self, by: Duration) {
        *self.ahead.lock().unwrap() += by;
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> SystemTime {
        SystemTime::now() + *self.ahead.lock().unwrap()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// What a test works with.
pub(crate) struct Rig {
    pub(crate) sso: FakeSso,
    pub(crate) fs: MemFs,
    pub(crate) clock: Arc<ShiftedClock>,
    pub(crate) cx: Context,
}

impl Rig {
    /// The fake (accepting [`ACCESS_TOKEN`], the client and [`REFRESH_TOKEN`]) behind
    /// `AWS_ENDPOINT_URL_SSO` and `AWS_ENDPOINT_URL_SSO_OIDC`, an empty file system, `HOME`.
    pub(crate) async fn new() -> Self {
        Self::with_env(&[]).await
    }

    pub(crate) async fn with_env(extra: &[(&str, &str)]) -> Self {
        let sso = FakeSso::start().await.unwrap();
        sso.add_access_token(ACCESS_TOKEN)
            .add_client(CLIENT_ID, CLIENT_SECRET)
            .add_refresh_token(REFRESH_TOKEN);
        let fs = MemFs::new();
        let clock = Arc::new(ShiftedClock::default());
        let env: MapEnv = [
            ("HOME".to_owned(), HOME.to_owned()),
            ("AWS_ENDPOINT_URL_SSO".to_owned(), sso.endpoint()),
            ("AWS_ENDPOINT_URL_SSO_OIDC".to_owned(), sso.endpoint()),
        ]
        .into_iter()
        .chain(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
        .collect();
        let cx = Context::builder()
            .env(env)
            .fs(fs.clone())
            .clock(clock.clone())
            .http(HttpClient::hyper())
            .build();
        Self { sso, fs, clock, cx }
    }

    pub(crate) fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// Writes the cache file of `key` (a session name or start URL).
    pub(crate) fn cache(&self, key: &str, json: &str) -> String {
        let path = cache_path(key);
        self.fs.insert(&path, json);
        path
    }

    /// A session token file expiring `in_secs` from now, with everything a refresh needs.
    pub(crate) fn session_token(&self, in_secs: i64) -> String {
        self.cache(SESSION, &token_json(self.now(), in_secs, true))
    }

    pub(crate) fn contents(&self, path: &str) -> serde_json::Value {
        serde_json::from_slice(&self.fs.contents(path).unwrap()).unwrap()
    }
}

pub(crate) fn cache_path(key: &str) -> String {
    format!("{HOME}/.aws/sso/cache/{}", cache_file_name(key))
}

/// `now + secs` (or minus) in RFC 3339.
pub(crate) fn at(now: SystemTime, secs: i64) -> String {
    let t = if secs >= 0 {
        now + Duration::from_secs(secs as u64)
    } else {
        now - Duration::from_secs(secs.unsigned_abs())
    };
    timefmt::rfc3339(t)
}

/// A cache document expiring `secs` from `now`; with `refreshable`, the refresh inputs too.
pub(crate) fn token_json(now: SystemTime, secs: i64, refreshable: bool) -> String {
    let mut doc = serde_json::json!({
        "startUrl": START_URL,
        "region": REGION,
        "accessToken": ACCESS_TOKEN,
        "expiresAt": at(now, secs),
    });
    if refreshable {
        doc["refreshToken"] = REFRESH_TOKEN.into();
        doc["clientId"] = CLIENT_ID.into();
        doc["clientSecret"] = CLIENT_SECRET.into();
        doc["registrationExpiresAt"] = at(now, 90 * 86_400).into();
    }
    doc.to_string()
}

pub(crate) fn fast() -> HttpSettings {
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

pub(crate) fn session_source() -> SsoSource {
    SsoSource::with_session(SESSION, START_URL, REGION, ACCOUNT, ROLE).http_settings(fast())
}

pub(crate) fn legacy_source() -> SsoSource {
    SsoSource::legacy(START_URL, REGION, ACCOUNT, ROLE)
        .profile("dev")
        .http_settings(fast())
}

/// Every secret a test plants.
pub(crate) const SECRETS: &[&str] = &[
    ACCESS_TOKEN,
    REFRESH_TOKEN,
    CLIENT_SECRET,
    "sso-secret-",
    "sso-session-token-",
    "sso-access-",
    "sso-refresh-",
];

pub(crate) fn assert_no_secret(text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}

/// The workspace's one log capture (testkit), under the name these tests use.
pub(crate) use awsauth_testkit::LogCapture as Logs;
