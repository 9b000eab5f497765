//! [`HttpSettings`]: time-outs, attempts, backoff and the response-size cap.

use std::time::Duration;

/// How one logical HTTP operation may spend time and memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSettings {
    /// Time allowed to open a connection (TCP, plus TLS for https).
    pub connect_timeout: Duration,
    /// Time allowed for one attempt, from sending to the last byte of the body. Connecting has
    /// its own allowance on top, so an attempt is cut at `connect_timeout + attempt_timeout`.
    pub attempt_timeout: Duration,
    /// Time allowed for the whole operation, retries and backoff included.
    pub total_timeout: Duration,
    /// Attempts at most (1 = no retry).
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubles each time, with full jitter.
    pub initial_backoff: Duration,
    /// The backoff never exceeds this.
    pub max_backoff: Duration,
    /// The largest response body accepted; a larger one fails without being buffered.
    pub max_body_bytes: usize,
}

impl HttpSettings {
    /// For instance-metadata and container endpoints: they answer in milliseconds or not at
    /// all, so fail fast (connect 1 s, attempt 1 s, 3 attempts, 64 KiB).
    pub fn metadata() -> Self {
        Self {
            connect_timeout: Duration::from_secs(1),
            attempt_timeout: Duration::from_secs(1),
            total_timeout: Duration::from_secs(5),
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            max_body_bytes: 64 * 1024,
        }
    }

    /// For STS: a regional service over the internet (connect 3.1 s as the AWS SDKs use,
    /// attempt 10 s, 3 attempts, 1 MiB).
    pub fn sts() -> Self {
        Self {
            connect_timeout: Duration::from_millis(3100),
            attempt_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_body_bytes: 1024 * 1024,
        }
    }

    /// The backoff before attempt `attempt` (2 = the first retry), before jitter.
    pub fn backoff_ceiling(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(2).min(20);
        self.initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff)
    }
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self::sts()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = HttpSettings::metadata();
        assert_eq!(s.backoff_ceiling(2), Duration::from_millis(100));
        assert_eq!(s.backoff_ceiling(3), Duration::from_millis(200));
        assert_eq!(s.backoff_ceiling(5), Duration::from_millis(800));
        assert_eq!(s.backoff_ceiling(6), Duration::from_secs(1));
        assert_eq!(s.backoff_ceiling(u32::MAX), Duration::from_secs(1));
    }
}
