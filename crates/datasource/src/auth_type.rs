//! [`AuthType`]: how a data source authenticates, and [`AuthTypeSet`], the server's allow-list.

use std::fmt;
use std::str::FromStr;

use crate::DatasourceError;

/// How a Grafana AWS data source authenticates (its `jsonData.authType`).
///
/// ```
/// use awsauth_datasource::AuthType;
/// assert_eq!(AuthType::parse("sharedCreds").unwrap(), AuthType::Credentials);
/// assert_eq!(AuthType::parse("arn").unwrap(), AuthType::Default); // legacy
/// assert_eq!(AuthType::parse("").unwrap(), AuthType::Default);
/// assert_eq!(
///     AuthType::parse("rainbows").unwrap_err().to_string(),
///     "unknown auth type: \"rainbows\""
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum AuthType {
    /// `default`: the AWS SDK default chain (env, profile, web identity, container, IMDS).
    /// Also what the legacy `arn` and a missing or empty auth type mean.
    #[default]
    Default,
    /// `keys`: the access and secret key from `secureJsonData`, no fallback.
    Keys,
    /// `credentials` (alias `sharedCreds`): a named profile of the shared files, no fallback.
    Credentials,
    /// `ec2_iam_role`: the instance's role from IMDS, no fallback.
    Ec2IamRole,
    /// `grafana_assume_role`: the platform's own credentials assume the data source's role with
    /// the server's external id.
    GrafanaAssumeRole,
}

impl AuthType {
    /// Every auth type, in a fixed order.
    pub const ALL: [AuthType; 5] = [
        AuthType::Default,
        AuthType::Keys,
        AuthType::Credentials,
        AuthType::Ec2IamRole,
        AuthType::GrafanaAssumeRole,
    ];

    /// Grafana's name: `default`, `keys`, `credentials`, `ec2_iam_role`, `grafana_assume_role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Keys => "keys",
            Self::Credentials => "credentials",
            Self::Ec2IamRole => "ec2_iam_role",
            Self::GrafanaAssumeRole => "grafana_assume_role",
        }
    }

    /// How errors name the choice: ``auth type `keys` `` (as in ``auth type `keys` selected but
    /// …``).
    pub fn label(self) -> &'static str {
        match self {
            Self::Default => "auth type `default`",
            Self::Keys => "auth type `keys`",
            Self::Credentials => "auth type `credentials`",
            Self::Ec2IamRole => "auth type `ec2_iam_role`",
            Self::GrafanaAssumeRole => "auth type `grafana_assume_role`",
        }
    }

    /// Parses Grafana's names, the alias `sharedCreds` and the legacy `arn`; an empty string
    /// means `default`. Names are matched exactly, as Grafana does (surrounding whitespace is
    /// ignored).
    pub fn parse(value: &str) -> Result<Self, DatasourceError> {
        Ok(match value.trim() {
            "" | "default" | "arn" => Self::Default,
            "keys" => Self::Keys,
            "credentials" | "sharedCreds" => Self::Credentials,
            "ec2_iam_role" => Self::Ec2IamRole,
            "grafana_assume_role" => Self::GrafanaAssumeRole,
            _ => {
                return Err(DatasourceError::UnknownAuthType {
                    value: value.to_owned(),
                });
            }
        })
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for AuthType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuthType {
    type Err = DatasourceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A set of auth types: the server's `allowed_auth_providers`.
///
/// ```
/// use awsauth_datasource::{AuthType, AuthTypeSet};
/// let set = AuthTypeSet::parse_list(" default , keys,credentials").unwrap();
/// assert_eq!(set, AuthTypeSet::grafana_default());
/// assert!(set.contains(AuthType::Keys) && !set.contains(AuthType::Ec2IamRole));
/// assert_eq!(set.to_string(), "default,keys,credentials");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AuthTypeSet(u8);

impl AuthTypeSet {
    /// No auth type allowed.
    pub const fn empty() -> Self {
        Self(0)
    }

    /// Every auth type allowed.
    pub fn all() -> Self {
        AuthType::ALL.into_iter().collect()
    }

    /// Grafana's default: `default,keys,credentials`.
    pub fn grafana_default() -> Self {
        [AuthType::Default, AuthType::Keys, AuthType::Credentials]
            .into_iter()
            .collect()
    }

    /// Parses a comma-separated list (entries trimmed, empty entries skipped). Aliases count as
    /// their auth type (`sharedCreds` allows `credentials`, `arn` allows `default`). An unknown
    /// name is an error: a typo in a security policy should be loud, not silently ignored.
    /// An empty list gives an empty set; callers decide whether that means "the default".
    pub fn parse_list(list: &str) -> Result<Self, DatasourceError> {
        let mut set = Self::empty();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            set.insert(AuthType::parse(entry)?);
        }
        Ok(set)
    }

    /// Adds an auth type.
    pub fn insert(&mut self, auth_type: AuthType) {
        self.0 |= auth_type.bit();
    }

    /// Removes an auth type.
    pub fn remove(&mut self, auth_type: AuthType) {
        self.0 &= !auth_type.bit();
    }

    /// Whether `auth_type` is allowed.
    pub fn contains(self, auth_type: AuthType) -> bool {
        self.0 & auth_type.bit() != 0
    }

    /// True when nothing is allowed.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The members, in [`AuthType::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = AuthType> {
        AuthType::ALL.into_iter().filter(move |t| self.contains(*t))
    }
}

impl FromIterator<AuthType> for AuthTypeSet {
    fn from_iter<I: IntoIterator<Item = AuthType>>(iter: I) -> Self {
        let mut set = Self::empty();
        for t in iter {
            set.insert(t);
        }
        set
    }
}

impl fmt::Display for AuthTypeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(t.as_str())?;
        }
        Ok(())
    }
}

impl fmt::Debug for AuthTypeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in AuthType::ALL {
            assert_eq!(AuthType::parse(t.as_str()).unwrap(), t);
        }
    }

    #[test]
    fn the_label_names_grafanas_name() {
        for t in AuthType::ALL {
            assert_eq!(t.label(), format!("auth type `{t}`"));
        }
    }

    #[test]
    fn unknown_list_entry_is_an_error() {
        let err = AuthTypeSet::parse_list("default,rainbows").unwrap_err();
        assert_eq!(err.to_string(), "unknown auth type: \"rainbows\"");
        assert!(AuthTypeSet::parse_list(" , ").unwrap().is_empty());
    }
}
