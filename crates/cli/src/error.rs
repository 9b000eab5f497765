//! [`CliError`]: what went wrong, as one line for people, a JSON object for scripts, and an exit
//! code.

use std::fmt;
use std::process::ExitCode;

use awsauth::datasource::{DatasourceError, DatasourceErrorKind};
use awsauth::{CredentialError, ErrorKind};
use serde_json::json;

/// The family of a failure; each has its exit code and its JSON `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A flag or argument is wrong (exit 2).
    Usage,
    /// No source had anything configured (exit 3).
    NotConfigured,
    /// The server's policy forbids what was asked (exit 4).
    NotAllowed,
    /// A bad file, profile, setting or value (exit 5).
    InvalidConfiguration,
    /// A provider was tried and failed (exit 6).
    ProviderFailed,
    /// A provider did not answer in time (exit 6).
    TimedOut,
}

impl Kind {
    /// The JSON `kind`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Usage => "usage",
            Self::NotConfigured => "not_configured",
            Self::NotAllowed => "not_allowed",
            Self::InvalidConfiguration => "invalid_configuration",
            Self::ProviderFailed => "provider_failed",
            Self::TimedOut => "timed_out",
        }
    }

    /// The process exit code.
    pub(crate) fn exit_code(self) -> u8 {
        match self {
            Self::Usage => 2,
            Self::NotConfigured => 3,
            Self::NotAllowed => 4,
            Self::InvalidConfiguration => 5,
            Self::ProviderFailed | Self::TimedOut => 6,
        }
    }
}

/// A failure of a command. The message names what to fix and never contains a secret (it is
/// built from errors that promise the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CliError {
    pub(crate) kind: Kind,
    pub(crate) message: String,
}

impl CliError {
    pub(crate) fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(Kind::InvalidConfiguration, message)
    }

    /// `{"error":{"kind":…,"message":…}}`.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        json!({"error": {"kind": self.kind.as_str(), "message": self.message}})
    }

    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.kind.exit_code())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<CredentialError> for CliError {
    fn from(err: CredentialError) -> Self {
        let kind = match err.kind() {
            ErrorKind::NotConfigured => Kind::NotConfigured,
            ErrorKind::InvalidConfiguration => Kind::InvalidConfiguration,
            ErrorKind::TimedOut => Kind::TimedOut,
            // `ErrorKind` is non-exhaustive: anything new is a failure of the provider.
            _ => Kind::ProviderFailed,
        };
        let hint = match kind {
            Kind::NotConfigured => {
                " (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or pick an auth type; `awsauth explain` shows each source)"
            }
            Kind::InvalidConfiguration => " (`awsauth explain` with the same flags shows more)",
            _ => "",
        };
        Self::new(kind, format!("{err}{hint}"))
    }
}

impl From<DatasourceError> for CliError {
    fn from(err: DatasourceError) -> Self {
        let kind = match err.kind() {
            DatasourceErrorKind::NotAllowed => Kind::NotAllowed,
            _ => Kind::InvalidConfiguration,
        };
        let hint = match &err {
            DatasourceError::NotAllowed { .. } => {
                " (allow it with --allowed-auth-providers or AWS_AUTH_AllowedAuthProviders)"
            }
            DatasourceError::AssumeRoleDisabled => {
                " (enable it with --assume-role-enabled true or AWS_AUTH_AssumeRoleEnabled=true)"
            }
            _ => "",
        };
        Self::new(kind, format!("{err}{hint}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_the_documented_exit_codes() {
        let codes: Vec<(&str, u8)> = [
            Kind::Usage,
            Kind::NotConfigured,
            Kind::NotAllowed,
            Kind::InvalidConfiguration,
            Kind::ProviderFailed,
            Kind::TimedOut,
        ]
        .into_iter()
        .map(|k| (k.as_str(), k.exit_code()))
        .collect();
        assert_eq!(
            codes,
            [
                ("usage", 2),
                ("not_configured", 3),
                ("not_allowed", 4),
                ("invalid_configuration", 5),
                ("provider_failed", 6),
                ("timed_out", 6)
            ]
        );
    }

    #[test]
    fn credential_errors_keep_their_kind() {
        let e: CliError =
            CredentialError::timed_out("imds", "GET /", std::time::Duration::from_secs(1)).into();
        assert_eq!(e.kind, Kind::TimedOut);
        let e: CliError =
            CredentialError::not_configured("env", "AWS_ACCESS_KEY_ID is not set").into();
        assert_eq!(e.kind, Kind::NotConfigured);
        assert_eq!(
            e.to_json()["error"]["kind"],
            serde_json::Value::from("not_configured")
        );
    }
}
