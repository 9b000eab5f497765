//! RFC 3339 timestamps as AWS writes them (`2024-05-01T12:00:00Z`, with or without fractional
//! seconds), shared by every source that parses an `Expiration`, and the checked time
//! arithmetic every expiry goes through.
//!
//! RFC 3339 covers the years 0000 to 9999. A timestamp whose offset moves it outside that range
//! (`9999-12-31T23:59:59-01:00` is 10000-01-01 in UTC) is clamped to its end, so every time a
//! parser returns can be printed again and compared without overflow; nothing here panics.

use std::time::{Duration, SystemTime};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Seconds from 0000-01-01T00:00:00Z to the Unix epoch.
const SECONDS_BEFORE_EPOCH: u64 = 62_167_219_200;
/// Seconds from the Unix epoch to 9999-12-31T23:59:59Z.
const SECONDS_TO_LAST: u64 = 253_402_300_799;

/// 9999-12-31T23:59:59Z, the last second RFC 3339 can write: the latest time any parser here
/// returns, and the "never" that checked arithmetic saturates at.
///
/// ```
/// use awsauth_core::timefmt;
/// assert_eq!(timefmt::rfc3339(timefmt::latest()), "9999-12-31T23:59:59Z");
/// ```
pub fn latest() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(SECONDS_TO_LAST)
}

/// 0000-01-01T00:00:00Z, the first second RFC 3339 can write.
///
/// ```
/// use awsauth_core::timefmt;
/// assert_eq!(timefmt::rfc3339(timefmt::earliest()), "0000-01-01T00:00:00Z");
/// ```
pub fn earliest() -> SystemTime {
    SystemTime::UNIX_EPOCH
        .checked_sub(Duration::from_secs(SECONDS_BEFORE_EPOCH))
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// `t` moved into the range RFC 3339 can write ([`earliest`] ..= [`latest`]).
pub fn clamp(t: SystemTime) -> SystemTime {
    t.clamp(earliest(), latest())
}

/// `t + d`, saturating at [`latest`] instead of overflowing (a server's `expires_in` of
/// `u64::MAX` seconds means "as late as can be", not a panic).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use awsauth_core::timefmt;
/// let now = SystemTime::UNIX_EPOCH;
/// assert_eq!(timefmt::add(now, Duration::from_secs(60)), now + Duration::from_secs(60));
/// assert_eq!(timefmt::add(now, Duration::MAX), timefmt::latest());
/// ```
pub fn add(t: SystemTime, d: Duration) -> SystemTime {
    t.checked_add(d).map_or_else(latest, clamp)
}

/// `t - d`, saturating at [`earliest`].
pub fn sub(t: SystemTime, d: Duration) -> SystemTime {
    t.checked_sub(d).map_or_else(earliest, clamp)
}

/// Formats a time as RFC 3339 in UTC, whole seconds (`2024-05-01T12:00:00Z`); a time outside
/// RFC 3339's years is printed as the nearest one it can write.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// assert_eq!(awsauth_core::timefmt::rfc3339(t), "2023-11-14T22:13:20Z");
/// let far = SystemTime::UNIX_EPOCH + Duration::from_secs(400_000_000_000);
/// assert_eq!(awsauth_core::timefmt::rfc3339(far), "9999-12-31T23:59:59Z");
/// ```
pub fn rfc3339(t: SystemTime) -> String {
    let seconds = match clamp(t).duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => after.as_secs() as i64,
        Err(before) => {
            let before = before.duration();
            // Whole seconds, rounded down (towards the past) like the time after the epoch.
            let whole = before.as_secs() as i64;
            if before.subsec_nanos() > 0 {
                -whole - 1
            } else {
                -whole
            }
        }
    };
    OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("{seconds}s since epoch"))
}

/// Parses an RFC 3339 timestamp (any offset, optional fractional seconds, a leap second where
/// the `time` crate accepts one). A time that lies outside the years 0000–9999 once moved to
/// UTC is clamped to [`earliest`] or [`latest`].
///
/// ```
/// use awsauth_core::timefmt;
/// let t = timefmt::parse_rfc3339("2023-11-14T22:13:20.123456Z").unwrap();
/// assert_eq!(timefmt::rfc3339(t), "2023-11-14T22:13:20Z");
/// assert!(timefmt::parse_rfc3339("yesterday").is_err());
/// let never = timefmt::parse_rfc3339("9999-12-31T23:59:59-01:00").unwrap();
/// assert_eq!(never, timefmt::latest());
/// ```
pub fn parse_rfc3339(text: &str) -> Result<SystemTime, InvalidTimestamp> {
    let parsed = OffsetDateTime::parse(text.trim(), &Rfc3339)
        .map_err(|_| InvalidTimestamp(text.chars().take(64).collect()))?;
    let nanos = parsed.unix_timestamp_nanos();
    let magnitude = Duration::new(
        (nanos.unsigned_abs() / 1_000_000_000).min(u128::from(u64::MAX)) as u64,
        (nanos.unsigned_abs() % 1_000_000_000) as u32,
    );
    Ok(if nanos >= 0 {
        add(SystemTime::UNIX_EPOCH, magnitude)
    } else {
        sub(SystemTime::UNIX_EPOCH, magnitude)
    })
}

/// A timestamp that is not RFC 3339; carries (at most 64 characters of) the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 timestamp: {0:?}")]
pub struct InvalidTimestamp(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes_print_and_parse_back() {
        for (text, shown) in [
            ("9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59Z"),
            ("9999-12-31T23:59:59-23:59", "9999-12-31T23:59:59Z"),
            ("0000-01-01T00:00:00+23:59", "0000-01-01T00:00:00Z"),
            ("0000-01-01T00:00:00.5Z", "0000-01-01T00:00:00Z"),
            ("9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59Z"),
        ] {
            let t = parse_rfc3339(text).unwrap();
            assert_eq!(rfc3339(t), shown, "{text}");
            assert_eq!(
                parse_rfc3339(&rfc3339(t)).map(rfc3339),
                Ok(shown.to_owned())
            );
        }
    }

    #[test]
    fn credentials_with_a_hostile_expiry_print_without_panicking() {
        let expiry = parse_rfc3339("9999-12-31T23:59:59-01:00").unwrap();
        let creds = crate::Credentials::builder("AKID", "secret")
            .expiry(expiry)
            .build();
        assert!(format!("{creds:?}").contains("9999-12-31T23:59:59Z"));
    }

    #[test]
    fn printing_any_time_is_total() {
        let before = SystemTime::UNIX_EPOCH - Duration::from_secs(100_000_000_000);
        assert_eq!(rfc3339(before), "0000-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(SystemTime::UNIX_EPOCH - Duration::from_millis(500)),
            "1969-12-31T23:59:59Z"
        );
    }
}
