//! Clock skew between this host and a service, measured from the `Date` header of its
//! answers, and kept per endpoint so later calls sign with, and judge expiry by, the
//! service's time.
//!
//! The rules, in one place (docs/cache.md and docs/threat-model.md state them for operators):
//!
//! - An offset is measured as the answer's `Date` minus the midpoint of send and receive on
//!   the context's clock. A missing or unparsable `Date` measures nothing.
//! - Offsets under [`MIN_CORRECTED_SKEW`] are noise (the header has one-second resolution,
//!   and STS accepts five minutes): they clear a stored offset instead of setting one.
//! - Offsets over [`MAX_CORRECTED_SKEW`] are not believed: a `Date` a day off is more likely
//!   a broken proxy than a broken clock. They are ignored, and the original error stands.
//! - A stored offset is forgotten [`SKEW_TTL`] after it was last confirmed, or as soon as the
//!   host's clock reads earlier than when it was measured (the clock was stepped).
//! - An offset is between one clock and one endpoint (scheme, host and port): contexts with
//!   different clocks never share one. The table holds at most [`MAX_ENDPOINTS`] entries.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use awsauth_core::Context;
use http::{HeaderValue, Uri};

/// Smaller offsets are not corrected (and clear a stored one).
pub const MIN_CORRECTED_SKEW: Duration = Duration::from_secs(30);
/// Larger offsets are not believed, and not corrected.
pub const MAX_CORRECTED_SKEW: Duration = Duration::from_secs(24 * 3600);
/// A stored offset not confirmed by an answer for this long is forgotten.
pub const SKEW_TTL: Duration = Duration::from_secs(3600);
/// The most (clock, endpoint) offsets the process keeps at once.
pub const MAX_ENDPOINTS: usize = 1024;

/// How far a service's clock is ahead of ours (negative: behind), in milliseconds.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use awsauth_http::ClockOffset;
/// let ahead = ClockOffset::from_millis(20 * 60 * 1000);
/// let here = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// assert_eq!(ahead.service_time(here), here + Duration::from_secs(1200));
/// assert_eq!(ahead.local_time(ahead.service_time(here)), here);
/// assert_eq!(ahead.to_string(), "20m 0s ahead of this host");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockOffset(i64);

impl ClockOffset {
    /// No offset.
    pub const ZERO: Self = Self(0);

    /// An offset of `millis` (positive: the service is ahead).
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    /// The offset in milliseconds.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Whether this is no offset at all.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The offset's size.
    pub fn magnitude(self) -> Duration {
        Duration::from_millis(self.0.unsigned_abs())
    }

    /// The service's time when this host's clock reads `local`.
    pub fn service_time(self, local: SystemTime) -> SystemTime {
        shift(local, self.0)
    }

    /// What this host's clock reads when the service's reads `service`.
    pub fn local_time(self, service: SystemTime) -> SystemTime {
        shift(service, self.0.saturating_neg())
    }

    /// The offset measured from an answer's `Date` header: the header minus the midpoint of
    /// `sent` and `received`. `None` for a missing or unparsable header.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use awsauth_http::{ClockOffset, HeaderValue};
    /// let sent = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777 - 1200);
    /// let date = HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT");
    /// let offset = ClockOffset::measure(Some(&date), sent, sent + Duration::from_secs(2)).unwrap();
    /// assert_eq!(offset.as_millis(), 1_199_000);
    /// assert_eq!(ClockOffset::measure(Some(&HeaderValue::from_static("yesterday")), sent, sent), None);
    /// assert_eq!(ClockOffset::measure(None, sent, sent), None);
    /// ```
    pub fn measure(
        date: Option<&HeaderValue>,
        sent: SystemTime,
        received: SystemTime,
    ) -> Option<Self> {
        let date = httpdate::parse_http_date(date?.to_str().ok()?).ok()?;
        let half_trip = received.duration_since(sent).unwrap_or_default() / 2;
        let midpoint = sent.checked_add(half_trip)?;
        Some(Self(millis_between(midpoint, date)))
    }

    fn is_noise(self) -> bool {
        self.magnitude() < MIN_CORRECTED_SKEW
    }

    fn is_believable(self) -> bool {
        self.magnitude() <= MAX_CORRECTED_SKEW
    }
}

impl std::fmt::Display for ClockOffset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.magnitude().as_secs();
        let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
        let side = if self.0 >= 0 { "ahead of" } else { "behind" };
        if h > 0 {
            write!(f, "{h}h {m}m {s}s {side} this host")
        } else {
            write!(f, "{m}m {s}s {side} this host")
        }
    }
}

/// `to - from` in milliseconds, saturating.
fn millis_between(from: SystemTime, to: SystemTime) -> i64 {
    match to.duration_since(from) {
        Ok(ahead) => i64::try_from(ahead.as_millis()).unwrap_or(i64::MAX),
        Err(behind) => i64::try_from(behind.duration().as_millis())
            .map(i64::saturating_neg)
            .unwrap_or(i64::MIN),
    }
}

fn shift(at: SystemTime, millis: i64) -> SystemTime {
    let by = Duration::from_millis(millis.unsigned_abs());
    let shifted = if millis >= 0 {
        at.checked_add(by)
    } else {
        at.checked_sub(by)
    };
    shifted.unwrap_or(at)
}

/// What [`ClockSkew::observe`] made of a measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Observation {
    /// Nothing measured (no usable `Date`), or the same offset as before (within
    /// [`MIN_CORRECTED_SKEW`]): nothing changed.
    Unchanged,
    /// A new offset is in effect for the endpoint (it was `previous`).
    Corrected {
        /// The offset used until now.
        previous: ClockOffset,
        /// The offset now in effect.
        now: ClockOffset,
    },
    /// The clocks agree again; the stored offset was dropped.
    Cleared,
    /// The measurement was beyond [`MAX_CORRECTED_SKEW`] and was ignored.
    Unbelievable(ClockOffset),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    offset: ClockOffset,
    /// The context's clock when the offset was last confirmed.
    confirmed: SystemTime,
}

/// The process-wide table of clock offsets, per (clock, endpoint).
#[derive(Debug, Default)]
struct Table(HashMap<(usize, String), Entry>);

fn table() -> &'static Mutex<Table> {
    static TABLE: OnceLock<Mutex<Table>> = OnceLock::new();
    TABLE.get_or_init(Mutex::default)
}

/// The per-endpoint clock offsets of this process. A stateless handle: the offsets live in
/// one process-wide table, keyed by the context's clock and the endpoint.
///
/// ```
/// use std::time::SystemTime;
/// use awsauth_core::Context;
/// use awsauth_http::{ClockOffset, ClockSkew, Observation};
/// let cx = Context::builder().build();
/// let endpoint = "https://sts.example.test/".parse().unwrap();
/// assert_eq!(ClockSkew::offset(&cx, &endpoint), ClockOffset::ZERO);
/// let behind = ClockOffset::from_millis(-20 * 60 * 1000);
/// assert!(matches!(ClockSkew::observe(&cx, &endpoint, Some(behind)), Observation::Corrected { .. }));
/// assert_eq!(ClockSkew::offset(&cx, &endpoint), behind);
/// // Noise clears it.
/// assert_eq!(ClockSkew::observe(&cx, &endpoint, Some(ClockOffset::from_millis(900))), Observation::Cleared);
/// assert_eq!(ClockSkew::offset(&cx, &endpoint), ClockOffset::ZERO);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ClockSkew;

impl ClockSkew {
    /// The offset in effect for `endpoint` on the context's clock (zero when none is stored
    /// or it has expired).
    pub fn offset(cx: &Context, endpoint: &Uri) -> ClockOffset {
        let key = key(cx, endpoint);
        let now = cx.now();
        let mut table = table().lock().unwrap_or_else(|e| e.into_inner());
        match table.0.get(&key) {
            Some(entry) if is_fresh(entry, now) => entry.offset,
            Some(_) => {
                table.0.remove(&key);
                ClockOffset::ZERO
            }
            None => ClockOffset::ZERO,
        }
    }

    /// Records a measurement (from [`ClockOffset::measure`]) for `endpoint`, by the rules of
    /// this module, and says what changed. A new offset is logged once, as a warning naming
    /// it.
    pub fn observe(cx: &Context, endpoint: &Uri, measured: Option<ClockOffset>) -> Observation {
        let Some(measured) = measured else {
            return Observation::Unchanged;
        };
        let key = key(cx, endpoint);
        let now = cx.now();
        let mut table = table().lock().unwrap_or_else(|e| e.into_inner());
        let previous = table
            .0
            .get(&key)
            .filter(|entry| is_fresh(entry, now))
            .map(|entry| entry.offset)
            .unwrap_or_default();
        if !measured.is_believable() {
            drop(table);
            tracing::warn!(endpoint = %key.1, offset_ms = measured.as_millis(), "the service's Date header says its clock is {measured}, further off than awsauth corrects (24 h); not correcting this host's clock");
            return Observation::Unbelievable(measured);
        }
        if measured.is_noise() {
            return match table.0.remove(&key) {
                Some(_) if !previous.is_zero() => {
                    drop(table);
                    tracing::info!(endpoint = %key.1, "this host's clock agrees with the service again; clock skew correction off");
                    Observation::Cleared
                }
                _ => Observation::Unchanged,
            };
        }
        let changed = ClockOffset(measured.0.saturating_sub(previous.0)).magnitude();
        let offset = if changed < MIN_CORRECTED_SKEW {
            previous
        } else {
            measured
        };
        if table.0.len() >= MAX_ENDPOINTS && !table.0.contains_key(&key) {
            table.0.retain(|_, entry| is_fresh(entry, now));
            if table.0.len() >= MAX_ENDPOINTS
                && let Some(oldest) = table
                    .0
                    .iter()
                    .min_by_key(|(_, entry)| entry.confirmed)
                    .map(|(k, _)| k.clone())
            {
                table.0.remove(&oldest);
            }
        }
        table.0.insert(
            key.clone(),
            Entry {
                offset,
                confirmed: now,
            },
        );
        drop(table);
        if offset == previous {
            return Observation::Unchanged;
        }
        tracing::warn!(endpoint = %key.1, offset_ms = offset.as_millis(), "the service's clock is {offset}; signing with and judging expiry by the corrected time. Fix this host's clock (NTP)");
        Observation::Corrected {
            previous,
            now: offset,
        }
    }
}

fn is_fresh(entry: &Entry, now: SystemTime) -> bool {
    now.duration_since(entry.confirmed)
        .is_ok_and(|age| age < SKEW_TTL)
}

fn key(cx: &Context, endpoint: &Uri) -> (usize, String) {
    let clock = Arc::as_ptr(&cx.clock_handle()).cast::<()>() as usize;
    let scheme = endpoint.scheme_str().unwrap_or("https");
    let authority = endpoint.authority().map_or("", |a| a.as_str());
    (clock, format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use awsauth_core::ManualClock;

    fn context(clock: &ManualClock) -> Context {
        Context::builder().clock(Arc::new(clock.clone())).build()
    }

    const MIN: i64 = 60_000;

    #[test]
    fn offsets_expire_and_follow_stepped_clocks() {
        let clock = ManualClock::default();
        let cx = context(&clock);
        let endpoint: Uri = "http://127.0.0.1:1/".parse().unwrap();
        ClockSkew::observe(&cx, &endpoint, Some(ClockOffset(20 * MIN)));
        clock.advance(SKEW_TTL - Duration::from_secs(1));
        assert_eq!(ClockSkew::offset(&cx, &endpoint), ClockOffset(20 * MIN));
        clock.advance(Duration::from_secs(1));
        assert_eq!(ClockSkew::offset(&cx, &endpoint), ClockOffset::ZERO);
        // A clock stepped back before the measurement forgets it.
        ClockSkew::observe(&cx, &endpoint, Some(ClockOffset(-20 * MIN)));
        clock.set(SystemTime::UNIX_EPOCH);
        assert_eq!(ClockSkew::offset(&cx, &endpoint), ClockOffset::ZERO);
    }

    #[test]
    fn small_changes_keep_the_offset_and_big_ones_replace_it() {
        let clock = ManualClock::default();
        let cx = context(&clock);
        let endpoint: Uri = "http://127.0.0.1:2/".parse().unwrap();
        let first = ClockSkew::observe(&cx, &endpoint, Some(ClockOffset(20 * MIN)));
        assert_eq!(
            first,
            Observation::Corrected {
                previous: ClockOffset::ZERO,
                now: ClockOffset(20 * MIN)
            }
        );
        let jitter = ClockSkew::observe(&cx, &endpoint, Some(ClockOffset(20 * MIN + 2_000)));
        assert_eq!(jitter, Observation::Unchanged);
        assert_eq!(ClockSkew::offset(&cx, &endpoint), ClockOffset(20 * MIN));
        let moved = ClockSkew::observe(&cx, &endpoint, Some(ClockOffset(-7 * MIN)));
        assert!(matches!(moved, Observation::Corrected { .. }));
        assert_eq!(
            ClockSkew::observe(&cx, &endpoint, Some(ClockOffset(25 * 60 * MIN))),
            Observation::Unbelievable(ClockOffset(25 * 60 * MIN))
        );
        assert_eq!(ClockSkew::offset(&cx, &endpoint), ClockOffset(-7 * MIN));
        // Another clock, or another port, shares nothing.
        let other = context(&ManualClock::default());
        assert_eq!(ClockSkew::offset(&other, &endpoint), ClockOffset::ZERO);
        let port: Uri = "http://127.0.0.1:3/".parse().unwrap();
        assert_eq!(ClockSkew::offset(&cx, &port), ClockOffset::ZERO);
    }

    #[test]
    fn the_table_is_bounded() {
        let clock = ManualClock::default();
        let cx = context(&clock);
        for port in 0..MAX_ENDPOINTS + 10 {
            let endpoint: Uri = format!("http://10.0.0.1:{}/", port + 1).parse().unwrap();
            ClockSkew::observe(&cx, &endpoint, Some(ClockOffset(10 * MIN)));
            clock.advance(Duration::from_millis(1));
        }
        let clock_id = key(&cx, &"http://x/".parse().unwrap()).0;
        let table = table().lock().unwrap();
        let mine = table.0.keys().filter(|(c, _)| *c == clock_id).count();
        assert!(mine <= MAX_ENDPOINTS, "{mine} entries");
    }
}
