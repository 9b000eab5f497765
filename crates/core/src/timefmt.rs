//! RFC 3339 timestamps as AWS writes them (`2024-05-01T12:00:00Z`, with or without fractional
//! seconds), shared by every source that parses an `Expiration`.

use std::time::SystemTime;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Formats a time as RFC 3339 in UTC, whole seconds (`2024-05-01T12:00:00Z`).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// assert_eq!(awsauth_core::timefmt::rfc3339(t), "2023-11-14T22:13:20Z");
/// ```
pub fn rfc3339(t: SystemTime) -> String {
    let t = OffsetDateTime::from(t);
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339)
        .unwrap_or_else(|_| format!("{}s since epoch", t.unix_timestamp()))
}

/// Parses an RFC 3339 timestamp (any offset, optional fractional seconds).
///
/// ```
/// let t = awsauth_core::timefmt::parse_rfc3339("2023-11-14T22:13:20.123456Z").unwrap();
/// assert_eq!(awsauth_core::timefmt::rfc3339(t), "2023-11-14T22:13:20Z");
/// assert!(awsauth_core::timefmt::parse_rfc3339("yesterday").is_err());
/// ```
pub fn parse_rfc3339(text: &str) -> Result<SystemTime, InvalidTimestamp> {
    OffsetDateTime::parse(text.trim(), &Rfc3339)
        .map(SystemTime::from)
        .map_err(|_| InvalidTimestamp(text.chars().take(64).collect()))
}

/// A timestamp that is not RFC 3339; carries (at most 64 characters of) the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 timestamp: {0:?}")]
pub struct InvalidTimestamp(pub String);
