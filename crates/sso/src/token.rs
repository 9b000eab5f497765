//! The access token: read from the cache file, refreshed through SSO OIDC when it is about to
//! expire (session form only), written back atomically.
//!
//! The timings are aws-config's (`sso/token.rs`): a token is refreshed once it expires within
//! [`REFRESH_WINDOW`] (its `REFRESH_BUFFER_TIME`, 5 minutes), and one source tries at most once
//! per [`MIN_TIME_BETWEEN_REFRESH`] (30 seconds). Where the SDKs differ on a failed refresh,
//! this module follows the rule: while the old token is still valid it is used and a
//! warning is logged; once it has expired the failure is an error that says how to log in again.
//!
//! Refreshes of one cache file are single-flight within the process: a refresh holds a lock
//! for that file, and whoever waited for it reads the file again (finding the new token) before
//! deciding to refresh.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, SystemTime};

use awsauth_core::{Context, CredentialError, timefmt};

use crate::cache::{CacheError, CachedToken, MAX_CACHE_FILE_BYTES, parse_cached_token};
use crate::source::SsoSource;
use crate::{endpoint, wire};

/// A token that expires within this window is refreshed (aws-config's `REFRESH_BUFFER_TIME`).
pub const REFRESH_WINDOW: Duration = Duration::from_secs(5 * 60);

/// One source refreshes at most this often (aws-config's `MIN_TIME_BETWEEN_REFRESH`).
pub const MIN_TIME_BETWEEN_REFRESH: Duration = Duration::from_secs(30);

/// The mode the cache file is written with: readable by its owner only.
const CACHE_FILE_MODE: u32 = 0o600;

/// Why the cache file gave no token.
#[derive(Debug)]
pub(crate) enum ReadProblem {
    Missing,
    TooLarge,
    Unreadable(io::ErrorKind),
    Invalid(CacheError),
}

/// Reads and parses the cache file, bounded.
pub(crate) fn read(cx: &Context, path: &Path) -> Result<CachedToken, ReadProblem> {
    let contents = cx
        .fs()
        .read_limited(path, MAX_CACHE_FILE_BYTES)
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => ReadProblem::Missing,
            io::ErrorKind::FileTooLarge => ReadProblem::TooLarge,
            kind => ReadProblem::Unreadable(kind),
        })?;
    parse_cached_token(&contents.bytes, path).map_err(ReadProblem::Invalid)
}

impl ReadProblem {
    /// The sentence for an error or `explain`: what is wrong with which file.
    pub(crate) fn describe(&self, path: &Path, what: &str) -> String {
        let path = path.display();
        match self {
            Self::Missing => format!(
                "there is no SSO token for {what} at {path} (not logged in, or the cache was \
                 cleared)"
            ),
            Self::TooLarge => format!(
                "the SSO token cache file {path} is larger than {} bytes, which no token file \
                 is",
                MAX_CACHE_FILE_BYTES
            ),
            Self::Unreadable(kind) => {
                format!("the SSO token cache file {path} cannot be read ({kind})")
            }
            Self::Invalid(err) => err.to_string(),
        }
    }
}

/// The locks that make refreshes of one cache file single-flight in this process.
fn flight(path: &Path) -> Arc<tokio::sync::Mutex<()>> {
    static FLIGHTS: OnceLock<Mutex<HashMap<PathBuf, Weak<tokio::sync::Mutex<()>>>>> =
        OnceLock::new();
    let mut flights = FLIGHTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(lock) = flights.get(path).and_then(Weak::upgrade) {
        return lock;
    }
    flights.retain(|_, lock| lock.strong_count() > 0);
    let lock = Arc::new(tokio::sync::Mutex::new(()));
    flights.insert(path.to_owned(), Arc::downgrade(&lock));
    lock
}

impl SsoSource {
    /// The access token to use now: the cached one, refreshed first when the session form's
    /// token is within the refresh window.
    pub(crate) async fn token(
        &self,
        cx: &Context,
        path: &Path,
    ) -> Result<CachedToken, CredentialError> {
        let cached = read(cx, path).map_err(|p| self.read_failed(&p, path))?;
        let now = cx.now();
        if self.session.is_none() {
            // The legacy form cannot refresh; like botocore, an expired token is refused here
            // instead of being sent.
            if cached.expires_at <= now {
                return Err(self.failed(format!(
                    "the SSO token in {} expired at {}; run `{}`",
                    path.display(),
                    timefmt::rfc3339(cached.expires_at),
                    self.login_command()
                )));
            }
            return Ok(cached);
        }
        if !expires_soon(&cached, now) {
            return Ok(cached);
        }
        let lock = flight(path);
        let _flight = lock.lock().await;
        // Another refresh of this file may have finished while this one waited.
        let cached = read(cx, path).map_err(|p| self.read_failed(&p, path))?;
        let now = cx.now();
        if !expires_soon(&cached, now) {
            return Ok(cached);
        }
        let expired = cached.expires_at <= now;
        let (client_id, client_secret, refresh_token) = match cached.refresh_inputs(now) {
            Ok(inputs) => inputs,
            Err(why) if expired => {
                return Err(self.failed(format!(
                    "the SSO token in {} expired at {} and cannot be refreshed ({why}); run `{}`",
                    path.display(),
                    timefmt::rfc3339(cached.expires_at),
                    self.login_command()
                )));
            }
            Err(why) => {
                tracing::debug!(path = %path.display(), reason = why, "the SSO token expires soon and cannot be refreshed; using it while it lasts");
                return Ok(cached);
            }
        };
        if !self.may_attempt_refresh(now) {
            if expired {
                return Err(self.failed(format!(
                    "the SSO token in {} expired at {}, and refreshing it failed less than {}s \
                     ago; run `{}`",
                    path.display(),
                    timefmt::rfc3339(cached.expires_at),
                    MIN_TIME_BETWEEN_REFRESH.as_secs(),
                    self.login_command()
                )));
            }
            return Ok(cached);
        }
        let settings = self.http_settings_or_default();
        let outcome = match endpoint::oidc(cx, &self.oidc, &self.region) {
            Err(e) => Err((None, e.to_string())),
            Ok(oidc) => wire::create_token(
                cx,
                &oidc,
                &settings,
                client_id,
                client_secret,
                refresh_token,
            )
            .await
            .map_err(|e| (Some(oidc.to_string()), e.to_string())),
        };
        match outcome {
            Ok(refreshed) => {
                let mut token = cached.clone();
                token.access_token = refreshed.access_token;
                token.expires_at = timefmt::add(cx.now(), refreshed.expires_in);
                // aws-config keeps the old refresh token when the answer has none.
                if let Some(rotated) = refreshed.refresh_token {
                    token.refresh_token = Some(rotated);
                }
                token.region = Some(self.region.clone());
                token.start_url = Some(self.start_url.clone());
                match cx
                    .fs()
                    .write_atomic(path, &token.to_json(), CACHE_FILE_MODE)
                {
                    Ok(()) => {
                        tracing::debug!(path = %path.display(), expires_at = %timefmt::rfc3339(token.expires_at), "refreshed the SSO token")
                    }
                    Err(e) => {
                        tracing::warn!(path = %path.display(), error = %e.kind(), "refreshed the SSO token but could not write it back to the cache; using it for this call only")
                    }
                }
                Ok(token)
            }
            Err((endpoint, why)) => {
                let at = endpoint.map(|e| format!(" at {e}")).unwrap_or_default();
                if expired {
                    Err(self.failed(format!(
                        "the SSO token in {} expired at {} and refreshing it through SSO OIDC \
                         CreateToken{at} failed: {why}; run `{}`",
                        path.display(),
                        timefmt::rfc3339(cached.expires_at),
                        self.login_command()
                    )))
                } else {
                    tracing::warn!(
                        path = %path.display(),
                        expires_at = %timefmt::rfc3339(cached.expires_at),
                        error = %why,
                        "refreshing the SSO token through SSO OIDC CreateToken{at} failed; using the cached token until it expires"
                    );
                    Ok(cached)
                }
            }
        }
    }

    /// True (and the attempt recorded) when this source has not tried to refresh within
    /// [`MIN_TIME_BETWEEN_REFRESH`] by `now`.
    fn may_attempt_refresh(&self, now: SystemTime) -> bool {
        let mut last = self
            .last_refresh_attempt
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let allowed = last.is_none_or(|at| {
            now.duration_since(at)
                .map(|d| d >= MIN_TIME_BETWEEN_REFRESH)
                // The clock went backwards: do not hold the refresh back.
                .unwrap_or(true)
        });
        if allowed {
            *last = Some(now);
        }
        allowed
    }

    pub(crate) fn read_failed(&self, problem: &ReadProblem, path: &Path) -> CredentialError {
        self.failed(format!(
            "{}; run `{}`",
            problem.describe(path, &self.token_owner()),
            self.login_command()
        ))
    }
}

/// Within the refresh window (or expired) at `now`.
pub(crate) fn expires_soon(token: &CachedToken, now: SystemTime) -> bool {
    token
        .expires_at
        .duration_since(now)
        .map(|left| left <= REFRESH_WINDOW)
        .unwrap_or(true)
}
