//! [`DatasourceError`]: why a data source's settings could not become a credential source.

use awsauth_core::CredentialError;

use crate::AuthType;

/// The name errors converted into [`CredentialError`] carry as their source.
pub(crate) const SOURCE_NAME: &str = "datasource";

/// Why settings, policy or a data source could not be turned into a session.
///
/// Two families, told apart by [`kind`](Self::kind): the server's policy forbids what the data
/// source asks for ([`DatasourceErrorKind::NotAllowed`]), or something is configured wrongly
/// ([`DatasourceErrorKind::InvalidConfiguration`]). A command-line tool maps them to different
/// exit codes; both convert into [`CredentialError::InvalidConfiguration`].
///
/// Messages name the field, key, file or line involved and never contain a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DatasourceError {
    /// The data source's auth type is not in the server's `allowed_auth_providers`.
    #[error("attempting to use an auth type that is not allowed: \"{auth_type}\"")]
    NotAllowed {
        /// The auth type the data source asked for.
        auth_type: AuthType,
    },
    /// The data source sets an assume-role ARN but the server has assume role disabled.
    #[error("attempting to use assume role (ARN) which is disabled in grafana.ini")]
    AssumeRoleDisabled,
    /// The data source's `endpoint` names an STS host that may not receive the server's
    /// credentials: the auth type's STS calls are signed with the server's own identity, and
    /// the host is neither an AWS STS host nor in the server's `allowed_sts_endpoints`.
    #[error(
        "jsonData.endpoint names the STS endpoint {endpoint}, which is not an AWS STS host \
         (sts.<region>.amazonaws.com, …); auth type `{auth_type}` signs its STS calls with the \
         server's credentials, which only AWS STS hosts and the hosts the server allows \
         (allowed_sts_endpoints in the [aws] section, or AWS_AUTH_AllowedStsEndpoints) may \
         receive"
    )]
    StsEndpointNotAllowed {
        /// The auth type the data source uses.
        auth_type: AuthType,
        /// The endpoint as given, quoted, escaped and cut to a bounded length.
        endpoint: String,
    },
    /// The data source selects the platform's profile (the base credentials of
    /// `grafana_assume_role`), which is the server's own identity.
    #[error(
        "jsonData.profile {profile} is the platform's profile (the base credentials of \
         grafana_assume_role); data sources cannot select it"
    )]
    PlatformProfile {
        /// The profile as given, quoted, escaped and cut to a bounded length.
        profile: String,
    },
    /// The data source's `authType` is not one Grafana knows.
    #[error("unknown auth type: \"{value}\"")]
    UnknownAuthType {
        /// What the settings said (auth type names are not secrets).
        value: String,
    },
    /// The data source's JSON is malformed or a field has the wrong type.
    #[error("invalid data source settings: {field}: {message}")]
    InvalidSettings {
        /// Where: a path such as `jsonData.assumeRoleArn`, or `json` for a syntax error.
        field: String,
        /// What is wrong (never the value of a secret field).
        message: String,
    },
    /// A server policy value (from an ini file, the environment or code) cannot be used.
    #[error("invalid AWS auth setting {key} = {value:?}{}: {message}", at_text(.location))]
    InvalidAuthSettings {
        /// The key: `AWS_AUTH_SESSION_DURATION`, `session_duration`…
        key: String,
        /// The value as given.
        value: String,
        /// Where it came from (`grafana.ini line 12`), when known.
        location: Option<String>,
        /// What is wrong and what is accepted.
        message: String,
    },
    /// The combination of settings and policy cannot produce credentials (for example
    /// `grafana_assume_role` without an ARN).
    #[error("{message}")]
    InvalidConfiguration {
        /// What is wrong and what to change.
        message: String,
    },
}

fn at_text(location: &Option<String>) -> String {
    location
        .as_deref()
        .map(|l| format!(" ({l})"))
        .unwrap_or_default()
}

/// The family of a [`DatasourceError`], for exit codes and matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DatasourceErrorKind {
    /// The server's policy forbids it: [`NotAllowed`](DatasourceError::NotAllowed),
    /// [`AssumeRoleDisabled`](DatasourceError::AssumeRoleDisabled) and
    /// [`StsEndpointNotAllowed`](DatasourceError::StsEndpointNotAllowed) and
    /// [`PlatformProfile`](DatasourceError::PlatformProfile).
    NotAllowed,
    /// Something is configured wrongly; every other variant.
    InvalidConfiguration,
}

impl DatasourceErrorKind {
    /// The snake_case name used in JSON output (`not_allowed`, `invalid_configuration`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotAllowed => "not_allowed",
            Self::InvalidConfiguration => "invalid_configuration",
        }
    }
}

impl DatasourceError {
    /// The family.
    pub fn kind(&self) -> DatasourceErrorKind {
        match self {
            Self::NotAllowed { .. }
            | Self::AssumeRoleDisabled
            | Self::StsEndpointNotAllowed { .. }
            | Self::PlatformProfile { .. } => DatasourceErrorKind::NotAllowed,
            _ => DatasourceErrorKind::InvalidConfiguration,
        }
    }

    /// True when the server's policy forbids what the data source asks for.
    pub fn is_not_allowed(&self) -> bool {
        self.kind() == DatasourceErrorKind::NotAllowed
    }

    pub(crate) fn settings(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidSettings {
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn auth_setting(
        key: impl Into<String>,
        value: impl Into<String>,
        location: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::InvalidAuthSettings {
            key: key.into(),
            value: value.into(),
            location,
            message: message.into(),
        }
    }

    pub(crate) fn configuration(message: impl Into<String>) -> Self {
        Self::InvalidConfiguration {
            message: message.into(),
        }
    }
}

impl From<DatasourceError> for CredentialError {
    /// Every data source error is "configured, but wrongly" for a credential chain; use
    /// [`DatasourceError::kind`] before converting to keep the policy distinction.
    fn from(err: DatasourceError) -> Self {
        CredentialError::invalid_configuration(SOURCE_NAME, err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_texts_are_exact() {
        assert_eq!(
            DatasourceError::NotAllowed {
                auth_type: AuthType::Keys
            }
            .to_string(),
            "attempting to use an auth type that is not allowed: \"keys\""
        );
        assert_eq!(
            DatasourceError::AssumeRoleDisabled.to_string(),
            "attempting to use assume role (ARN) which is disabled in grafana.ini"
        );
        assert_eq!(
            DatasourceError::UnknownAuthType {
                value: "rainbows".into()
            }
            .to_string(),
            "unknown auth type: \"rainbows\""
        );
    }

    #[test]
    fn kinds_split_policy_from_configuration() {
        assert!(DatasourceError::AssumeRoleDisabled.is_not_allowed());
        assert_eq!(
            DatasourceError::configuration("x").kind(),
            DatasourceErrorKind::InvalidConfiguration
        );
        let e = DatasourceError::auth_setting(
            "session_duration",
            "soon",
            Some("grafana.ini line 3".into()),
            "expected a duration such as 15m",
        );
        assert_eq!(
            e.to_string(),
            "invalid AWS auth setting session_duration = \"soon\" (grafana.ini line 3): expected a duration such as 15m"
        );
        let c: CredentialError = e.into();
        assert_eq!(c.kind(), awsauth_core::ErrorKind::InvalidConfiguration);
    }
}
