//! [`CredentialError`]: the one error type every source returns.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// One source's answer inside a chain that found nothing: which source, and why it had nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The source's name.
    pub source: String,
    /// Why it was not configured (names the variable, file or profile involved).
    pub reason: String,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.reason)
    }
}

/// Why a source gave no credentials.
///
/// The split is the fallback contract: [`NotConfigured`](Self::NotConfigured) means "nothing
/// here, try the next source" and is the only error a [`Chain`](crate::Chain) falls through on.
/// Every other variant means the source *was* configured and failed, which stops the chain so
/// the user learns what is wrong instead of silently getting another identity.
///
/// Messages name the file, profile, field, variable or endpoint involved and never a secret.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// This source has nothing to offer here (its variables are absent, its file or profile does
    /// not exist, the endpoint cannot be reached).
    #[error("{}", not_configured_text(.source_name, .reason, .attempts))]
    NotConfigured {
        /// The source that was asked.
        source_name: String,
        /// Why it had nothing.
        reason: String,
        /// For a chain: every source tried, in order. Empty for a single source.
        attempts: Vec<Attempt>,
    },
    /// The source is configured, but wrongly (a key id with no secret, a malformed file, a bad
    /// ARN). Retrying does not help; the configuration must change.
    #[error("{source_name}: invalid configuration: {message}")]
    InvalidConfiguration {
        /// The source that found the problem.
        source_name: String,
        /// What is wrong and where.
        message: String,
    },
    /// The source was configured and tried, and the attempt failed.
    #[error("{source_name}: {message}")]
    ProviderFailed {
        /// The source that failed.
        source_name: String,
        /// What failed, naming the endpoint or file.
        message: String,
        /// A service error code where there is one (`AccessDenied`, `Throttling`…).
        code: Option<String>,
        /// Whether trying again later may succeed.
        retryable: bool,
        /// The underlying error, if any (its `Display` must not contain secrets either).
        #[source]
        cause: Option<Arc<dyn StdError + Send + Sync>>,
    },
    /// The source did not answer in time.
    #[error("{source_name}: timed out after {}: {message}", DisplayDuration(*.after))]
    TimedOut {
        /// The source that was waited for.
        source_name: String,
        /// What was being waited for.
        message: String,
        /// How long was waited.
        after: Duration,
    },
}

fn not_configured_text(source: &str, reason: &str, attempts: &[Attempt]) -> String {
    if attempts.is_empty() {
        return format!("{source}: not configured: {reason}");
    }
    let mut text = format!("{source}: no credentials found; tried ");
    for (i, attempt) in attempts.iter().enumerate() {
        if i > 0 {
            text.push_str("; ");
        }
        text.push_str(&attempt.to_string());
    }
    text
}

struct DisplayDuration(Duration);

impl fmt::Display for DisplayDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if ms >= 1000 && ms.is_multiple_of(1000) {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{ms}ms")
        }
    }
}

/// The kind of a [`CredentialError`], for matching, exit codes and JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`CredentialError::NotConfigured`].
    NotConfigured,
    /// See [`CredentialError::InvalidConfiguration`].
    InvalidConfiguration,
    /// See [`CredentialError::ProviderFailed`].
    ProviderFailed,
    /// See [`CredentialError::TimedOut`].
    TimedOut,
}

impl ErrorKind {
    /// The snake_case name used in JSON output (`not_configured`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotConfigured => "not_configured",
            Self::InvalidConfiguration => "invalid_configuration",
            Self::ProviderFailed => "provider_failed",
            Self::TimedOut => "timed_out",
        }
    }
}

impl CredentialError {
    /// "Nothing here": the source's inputs are absent.
    pub fn not_configured(source: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::NotConfigured {
            source_name: source.into(),
            reason: reason.into(),
            attempts: Vec::new(),
        }
    }

    /// "Configured, but wrongly".
    pub fn invalid_configuration(source: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidConfiguration {
            source_name: source.into(),
            message: message.into(),
        }
    }

    /// "Tried and failed"; not retryable unless [`retryable`](Self::retryable) says so.
    pub fn provider_failed(source: impl Into<String>, message: impl Into<String>) -> Self {
        Self::ProviderFailed {
            source_name: source.into(),
            message: message.into(),
            code: None,
            retryable: false,
            cause: None,
        }
    }

    /// "Did not answer within `after`".
    pub fn timed_out(
        source: impl Into<String>,
        message: impl Into<String>,
        after: Duration,
    ) -> Self {
        Self::TimedOut {
            source_name: source.into(),
            message: message.into(),
            after,
        }
    }

    /// Marks a [`ProviderFailed`](Self::ProviderFailed) error as retryable or not; other kinds
    /// are returned unchanged.
    pub fn retryable(mut self, value: bool) -> Self {
        if let Self::ProviderFailed { retryable, .. } = &mut self {
            *retryable = value;
        }
        self
    }

    /// Attaches a service error code to a [`ProviderFailed`](Self::ProviderFailed) error.
    pub fn with_code(mut self, value: impl Into<String>) -> Self {
        if let Self::ProviderFailed { code, .. } = &mut self {
            *code = Some(value.into());
        }
        self
    }

    /// Attaches the underlying cause to a [`ProviderFailed`](Self::ProviderFailed) error.
    pub fn with_cause(mut self, value: impl StdError + Send + Sync + 'static) -> Self {
        if let Self::ProviderFailed { cause, .. } = &mut self {
            *cause = Some(Arc::new(value));
        }
        self
    }

    /// The kind, for matching.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotConfigured { .. } => ErrorKind::NotConfigured,
            Self::InvalidConfiguration { .. } => ErrorKind::InvalidConfiguration,
            Self::ProviderFailed { .. } => ErrorKind::ProviderFailed,
            Self::TimedOut { .. } => ErrorKind::TimedOut,
        }
    }

    /// True for [`NotConfigured`](Self::NotConfigured): the one error a chain falls through on.
    pub fn is_not_configured(&self) -> bool {
        matches!(self, Self::NotConfigured { .. })
    }

    /// Whether trying again may help: retryable provider failures and time-outs.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::ProviderFailed { retryable, .. } => *retryable,
            Self::TimedOut { .. } => true,
            _ => false,
        }
    }

    /// The name of the source the error is about.
    pub fn source_name(&self) -> &str {
        match self {
            Self::NotConfigured { source_name, .. }
            | Self::InvalidConfiguration { source_name, .. }
            | Self::ProviderFailed { source_name, .. }
            | Self::TimedOut { source_name, .. } => source_name,
        }
    }

    /// The service error code, where the source got one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::ProviderFailed { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// For [`NotConfigured`](Self::NotConfigured): the attempts of a chain, or this single
    /// source's reason as one attempt. Empty for every other kind.
    pub fn attempts(&self) -> Vec<Attempt> {
        match self {
            Self::NotConfigured {
                source_name,
                reason,
                attempts,
            } => {
                if attempts.is_empty() {
                    vec![Attempt {
                        source: source_name.clone(),
                        reason: reason.clone(),
                    }]
                } else {
                    attempts.clone()
                }
            }
            _ => Vec::new(),
        }
    }

    /// The message without the source-name prefix (the reason, for `NotConfigured`).
    pub fn message(&self) -> String {
        match self {
            Self::NotConfigured {
                reason, attempts, ..
            } => {
                if attempts.is_empty() {
                    reason.clone()
                } else {
                    attempts
                        .iter()
                        .map(Attempt::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                }
            }
            Self::InvalidConfiguration { message, .. }
            | Self::ProviderFailed { message, .. }
            | Self::TimedOut { message, .. } => message.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_source_and_reason() {
        let e = CredentialError::not_configured("env", "AWS_ACCESS_KEY_ID is not set");
        assert_eq!(
            e.to_string(),
            "env: not configured: AWS_ACCESS_KEY_ID is not set"
        );
        let e = CredentialError::timed_out(
            "imds",
            "GET http://169.254.169.254/",
            Duration::from_secs(2),
        );
        assert_eq!(
            e.to_string(),
            "imds: timed out after 2s: GET http://169.254.169.254/"
        );
    }

    #[test]
    fn chain_display_lists_every_attempt() {
        let e = CredentialError::NotConfigured {
            source_name: "default".into(),
            reason: "no source had credentials".into(),
            attempts: vec![
                Attempt {
                    source: "env".into(),
                    reason: "AWS_ACCESS_KEY_ID is not set".into(),
                },
                Attempt {
                    source: "profile".into(),
                    reason: "no file at ~/.aws/credentials".into(),
                },
            ],
        };
        assert_eq!(
            e.to_string(),
            "default: no credentials found; tried env: AWS_ACCESS_KEY_ID is not set; profile: no file at ~/.aws/credentials"
        );
    }

    #[test]
    fn builders_only_touch_provider_failed() {
        let e = CredentialError::provider_failed("sts", "AccessDenied")
            .retryable(true)
            .with_code("Throttling");
        assert!(e.is_retryable());
        assert_eq!(e.code(), Some("Throttling"));
        let e = CredentialError::invalid_configuration("x", "y")
            .retryable(true)
            .with_code("c");
        assert!(!e.is_retryable());
        assert_eq!(e.code(), None);
    }
}
