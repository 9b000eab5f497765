//! [`AuthSettings`]: the server's policy for AWS data sources, and the gate that enforces it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use awsauth_core::Context;

use crate::{AuthType, AuthTypeSet, DatasourceError, DatasourceSettings};

/// Environment key for [`AuthSettings::allowed_auth_providers`].
pub const ENV_ALLOWED_AUTH_PROVIDERS: &str = "AWS_AUTH_AllowedAuthProviders";
/// Environment key for [`AuthSettings::assume_role_enabled`].
pub const ENV_ASSUME_ROLE_ENABLED: &str = "AWS_AUTH_AssumeRoleEnabled";
/// Environment key for [`AuthSettings::session_duration`].
pub const ENV_SESSION_DURATION: &str = "AWS_AUTH_SESSION_DURATION";
/// Environment key for [`AuthSettings::external_id`].
pub const ENV_EXTERNAL_ID: &str = "AWS_AUTH_EXTERNAL_ID";
/// Environment key for [`AuthSettings::list_metrics_page_limit`].
pub const ENV_LIST_METRICS_PAGE_LIMIT: &str = "AWS_CW_LIST_METRICS_PAGE_LIMIT";
/// Environment key for [`AuthSettings::credential_process_enabled`] (an awsauth setting; Grafana
/// has none, as its SDK always runs `credential_process`).
pub const ENV_CREDENTIAL_PROCESS_ENABLED: &str = "AWS_AUTH_CredentialProcessEnabled";

/// Grafana's default session duration for assumed roles.
pub const DEFAULT_SESSION_DURATION: Duration = Duration::from_secs(15 * 60);
/// Grafana's default CloudWatch `ListMetrics` page limit.
pub const DEFAULT_LIST_METRICS_PAGE_LIMIT: u32 = 500;

/// The shortest and longest session AssumeRole accepts.
const MIN_SESSION: Duration = Duration::from_secs(15 * 60);
const MAX_SESSION: Duration = Duration::from_secs(12 * 60 * 60);

/// Where the `grafana_assume_role` auth type finds the platform's own credentials.
///
/// Tried in order: a key-pair directory (files `access-key-id` and `secret-access-key`, as a
/// mounted secret provides them), then a named profile of the shared credentials file. Both are
/// read again whenever the credentials are refreshed, so a rotated secret is picked up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlatformCredentials {
    /// The key-pair directory; `None` skips it. Default `/tmp/aws.credentials`.
    pub key_directory: Option<PathBuf>,
    /// The profile to read when the directory has no keys. Default `assume_role_credentials`.
    pub profile: String,
    /// The shared credentials file holding that profile; `None` means the usual location.
    pub credentials_file: Option<PathBuf>,
}

impl Default for PlatformCredentials {
    fn default() -> Self {
        Self {
            key_directory: Some(PathBuf::from("/tmp/aws.credentials")),
            profile: "assume_role_credentials".to_owned(),
            credentials_file: None,
        }
    }
}

/// The server's policy for AWS data sources (Grafana's `[aws]` section of `grafana.ini`).
///
/// Defaults are Grafana's: `default`, `keys` and `credentials` allowed, assume role enabled,
/// 15-minute sessions, no external id, a `ListMetrics` page limit of 500.
///
/// ```
/// use std::time::Duration;
/// use awsauth_datasource::{AuthSettings, AuthType};
/// let policy = AuthSettings::from_ini_str(
///     "[aws]\nallowed_auth_providers = default, ec2_iam_role\nsession_duration = 1h\n",
///     "grafana.ini",
/// ).unwrap();
/// assert!(policy.allowed_auth_providers.contains(AuthType::Ec2IamRole));
/// assert!(!policy.allowed_auth_providers.contains(AuthType::Keys));
/// assert_eq!(policy.session_duration, Duration::from_secs(3600));
/// assert!(policy.assume_role_enabled);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthSettings {
    /// The auth types data sources may use.
    pub allowed_auth_providers: AuthTypeSet,
    /// Whether data sources may assume a role (set `assumeRoleArn`).
    pub assume_role_enabled: bool,
    /// How long assumed-role sessions last (15 minutes to 12 hours).
    pub session_duration: Duration,
    /// The external id `grafana_assume_role` sends (the stack's id); data sources cannot set it.
    pub external_id: Option<String>,
    /// CloudWatch's `ListMetrics` page limit (carried for callers; not used for credentials).
    pub list_metrics_page_limit: u32,
    /// The role session name for AssumeRole; `None` lets the STS source choose one.
    pub session_name: Option<String>,
    /// Where `grafana_assume_role` reads the platform's own credentials.
    pub platform_credentials: PlatformCredentials,
    /// Whether a data source's profile may run its `credential_process` (default true, as in
    /// every SDK). Off, a session's sources see a process runner that refuses, so such a
    /// profile is an error naming this setting (`credential_process_enabled` in `[aws]`,
    /// `AWS_AUTH_CredentialProcessEnabled`) and nothing is run. aws-config's own chain
    /// (feature `sdk`) does its own spawning and is not covered.
    pub credential_process_enabled: bool,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            allowed_auth_providers: AuthTypeSet::grafana_default(),
            assume_role_enabled: true,
            session_duration: DEFAULT_SESSION_DURATION,
            external_id: None,
            list_metrics_page_limit: DEFAULT_LIST_METRICS_PAGE_LIMIT,
            session_name: None,
            platform_credentials: PlatformCredentials::default(),
            credential_process_enabled: true,
        }
    }
}

impl AuthSettings {
    /// Grafana's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the allowed auth types.
    pub fn allow(mut self, providers: impl IntoIterator<Item = AuthType>) -> Self {
        self.allowed_auth_providers = providers.into_iter().collect();
        self
    }

    /// Enables or disables assume role.
    pub fn assume_role_enabled(mut self, enabled: bool) -> Self {
        self.assume_role_enabled = enabled;
        self
    }

    /// Sets the session duration; it must lie between 15 minutes and 12 hours.
    pub fn session_duration(mut self, duration: Duration) -> Result<Self, DatasourceError> {
        check_session_range("session_duration", &format!("{duration:?}"), None, duration)?;
        self.session_duration = duration;
        Ok(self)
    }

    /// Sets the external id used by `grafana_assume_role`.
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into()).filter(|e| !e.trim().is_empty());
        self
    }

    /// Sets the role session name used for AssumeRole.
    pub fn session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into()).filter(|n| !n.trim().is_empty());
        self
    }

    /// Allows or forbids `credential_process` profiles (see
    /// [`credential_process_enabled`](Self::credential_process_enabled)).
    pub fn credential_process_enabled(mut self, enabled: bool) -> Self {
        self.credential_process_enabled = enabled;
        self
    }

    /// Sets where `grafana_assume_role` finds the platform's credentials.
    pub fn platform_credentials(mut self, location: PlatformCredentials) -> Self {
        self.platform_credentials = location;
        self
    }

    /// Grafana's defaults overridden by the plugin environment keys that are set and not blank:
    /// `AWS_AUTH_AllowedAuthProviders`, `AWS_AUTH_AssumeRoleEnabled`,
    /// `AWS_AUTH_SESSION_DURATION`, `AWS_AUTH_EXTERNAL_ID`, `AWS_CW_LIST_METRICS_PAGE_LIMIT`,
    /// `AWS_AUTH_CredentialProcessEnabled`.
    pub fn from_env(cx: &Context) -> Result<Self, DatasourceError> {
        Self::default().with_env(cx)
    }

    /// These settings overridden by the plugin environment keys that are set (see
    /// [`from_env`](Self::from_env)).
    pub fn with_env(mut self, cx: &Context) -> Result<Self, DatasourceError> {
        for key in [
            ENV_ALLOWED_AUTH_PROVIDERS,
            ENV_ASSUME_ROLE_ENABLED,
            ENV_SESSION_DURATION,
            ENV_EXTERNAL_ID,
            ENV_LIST_METRICS_PAGE_LIMIT,
            ENV_CREDENTIAL_PROCESS_ENABLED,
        ] {
            if let Some(value) = cx.env_nonblank(key) {
                self.apply(Setting::from_env_key(key), key, &value, None)?;
            }
        }
        Ok(self)
    }

    /// Grafana's defaults overridden by the `[aws]` section of an ini text. `origin` names the
    /// text in errors (`/etc/grafana/grafana.ini`). Keys other than the policy keys are
    /// ignored, as are other sections.
    pub fn from_ini_str(text: &str, origin: &str) -> Result<Self, DatasourceError> {
        let mut settings = Self::default();
        for (line_no, key, value) in ini_section(text, "aws") {
            let Some(setting) = Setting::from_ini_key(key) else {
                continue;
            };
            let location = Some(format!("{origin} line {line_no}"));
            settings.apply(Some(setting), key, value, location)?;
        }
        Ok(settings)
    }

    /// Reads an ini file (at most 4 MiB) through the context's file system; see
    /// [`from_ini_str`](Self::from_ini_str).
    pub fn from_ini_file(cx: &Context, path: &Path) -> Result<Self, DatasourceError> {
        let origin = path.display().to_string();
        // One open handle, checked with fstat, read at most one byte past the cap.
        let contents = cx.fs().read_limited(path, MAX_INI_FILE).map_err(|e| {
            DatasourceError::configuration(match e.kind() {
                std::io::ErrorKind::FileTooLarge => {
                    format!(
                        "{origin} is larger than {MAX_INI_FILE} bytes; expected Grafana's ini file"
                    )
                }
                std::io::ErrorKind::InvalidInput => {
                    format!("{origin} is not a regular file (a directory, a device or a pipe)")
                }
                kind => format!("cannot read {origin}: {kind}"),
            })
        })?;
        let text = std::str::from_utf8(&contents.bytes)
            .map_err(|_| DatasourceError::configuration(format!("{origin} is not valid UTF-8")))?;
        Self::from_ini_str(text, &origin)
    }

    fn apply(
        &mut self,
        setting: Option<Setting>,
        key: &str,
        value: &str,
        location: Option<String>,
    ) -> Result<(), DatasourceError> {
        let value = unquote(value.trim());
        let bad = |message: &str| {
            DatasourceError::auth_setting(key, value, location.clone(), message.to_owned())
        };
        match setting {
            Some(Setting::AllowedAuthProviders) => {
                let set = AuthTypeSet::parse_list(value).map_err(|e| bad(&e.to_string()))?;
                // An empty list keeps Grafana's default, as Grafana does.
                if !set.is_empty() {
                    self.allowed_auth_providers = set;
                }
            }
            Some(Setting::AssumeRoleEnabled) => {
                self.assume_role_enabled = parse_bool(value)
                    .ok_or_else(|| bad("expected true or false (or 1, 0, t, f)"))?;
            }
            Some(Setting::CredentialProcessEnabled) => {
                self.credential_process_enabled = parse_bool(value)
                    .ok_or_else(|| bad("expected true or false (or 1, 0, t, f)"))?;
            }
            Some(Setting::SessionDuration) => {
                let duration = parse_duration(value).map_err(|m| bad(&m))?;
                check_session_range(key, value, location.clone(), duration)?;
                self.session_duration = duration;
            }
            Some(Setting::ExternalId) => {
                self.external_id = Some(value.to_owned()).filter(|v| !v.is_empty());
            }
            Some(Setting::ListMetricsPageLimit) => {
                self.list_metrics_page_limit = value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad("expected a positive whole number"))?;
            }
            None => {}
        }
        Ok(())
    }

    /// The gate, checked before anything is built: the data source's auth type must be
    /// allowed, and an assume-role ARN needs assume role enabled.
    ///
    /// ```
    /// use awsauth_datasource::{AuthSettings, AuthType, DatasourceSettings};
    /// let policy = AuthSettings::new().allow([AuthType::Default]);
    /// let err = policy.check(&DatasourceSettings::new(AuthType::Keys)).unwrap_err();
    /// assert_eq!(err.to_string(), "attempting to use an auth type that is not allowed: \"keys\"");
    /// assert!(err.is_not_allowed());
    /// ```
    pub fn check(&self, settings: &DatasourceSettings) -> Result<(), DatasourceError> {
        if !self.allowed_auth_providers.contains(settings.auth_type) {
            return Err(DatasourceError::NotAllowed {
                auth_type: settings.auth_type,
            });
        }
        if settings.role_arn().is_some() && !self.assume_role_enabled {
            return Err(DatasourceError::AssumeRoleDisabled);
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
enum Setting {
    AllowedAuthProviders,
    AssumeRoleEnabled,
    SessionDuration,
    ExternalId,
    ListMetricsPageLimit,
    CredentialProcessEnabled,
}

/// The largest Grafana ini file [`AuthSettings::from_ini_file`] reads.
const MAX_INI_FILE: u64 = 4 * 1024 * 1024;

impl Setting {
    fn from_env_key(key: &str) -> Option<Self> {
        Some(match key {
            ENV_ALLOWED_AUTH_PROVIDERS => Self::AllowedAuthProviders,
            ENV_ASSUME_ROLE_ENABLED => Self::AssumeRoleEnabled,
            ENV_SESSION_DURATION => Self::SessionDuration,
            ENV_EXTERNAL_ID => Self::ExternalId,
            ENV_LIST_METRICS_PAGE_LIMIT => Self::ListMetricsPageLimit,
            ENV_CREDENTIAL_PROCESS_ENABLED => Self::CredentialProcessEnabled,
            _ => return None,
        })
    }

    fn from_ini_key(key: &str) -> Option<Self> {
        Some(match key.to_ascii_lowercase().as_str() {
            "allowed_auth_providers" => Self::AllowedAuthProviders,
            "assume_role_enabled" => Self::AssumeRoleEnabled,
            "session_duration" => Self::SessionDuration,
            "external_id" => Self::ExternalId,
            "list_metrics_page_limit" => Self::ListMetricsPageLimit,
            "credential_process_enabled" => Self::CredentialProcessEnabled,
            _ => return None,
        })
    }
}

fn check_session_range(
    key: &str,
    value: &str,
    location: Option<String>,
    duration: Duration,
) -> Result<(), DatasourceError> {
    if (MIN_SESSION..=MAX_SESSION).contains(&duration) {
        Ok(())
    } else {
        Err(DatasourceError::auth_setting(
            key,
            value,
            location,
            "AssumeRole sessions last from 15m to 12h",
        ))
    }
}

/// Go's `strconv.ParseBool`, which Grafana uses.
fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Grafana's duration syntax: one or more `<whole number><unit>` parts, units `ms`, `s`, `m`,
/// `h`, `d` (24h) and `w` (7d): `15m`, `1h30m`, `1d`, `900s`.
///
/// ```
/// use std::time::Duration;
/// use awsauth_datasource::parse_duration;
/// assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
/// assert_eq!(parse_duration("1d").unwrap(), Duration::from_secs(86400));
/// assert!(parse_duration("15").is_err());
/// assert!(parse_duration("soon").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    const HELP: &str = "expected a duration such as 15m, 1h, 1d, 900s or 1h30m";
    let text = text.trim();
    if text.is_empty() {
        return Err(HELP.to_owned());
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return Err(HELP.to_owned());
        }
        let (number, tail) = rest.split_at(digits);
        let number: u64 = number.parse().map_err(|_| HELP.to_owned())?;
        let unit_len = tail.len()
            - tail
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        let (unit, tail) = tail.split_at(unit_len);
        let seconds_per_unit: Option<u64> = match unit {
            "ms" => None,
            "s" => Some(1),
            "m" => Some(60),
            "h" => Some(3600),
            "d" => Some(86_400),
            "w" => Some(604_800),
            _ => return Err(HELP.to_owned()),
        };
        let part = match seconds_per_unit {
            None => Some(Duration::from_millis(number)),
            Some(unit) => number.checked_mul(unit).map(Duration::from_secs),
        };
        total = part
            .and_then(|p| total.checked_add(p))
            .ok_or_else(|| "duration too large".to_owned())?;
        rest = tail;
    }
    Ok(total)
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

/// The `key = value` lines of one section of an ini text, with 1-based line numbers. Comments
/// start with `;` or `#`; section names match case-insensitively.
fn ini_section<'a>(
    text: &'a str,
    section: &'a str,
) -> impl Iterator<Item = (usize, &'a str, &'a str)> + 'a {
    let mut current: Option<&str> = None;
    text.lines().enumerate().filter_map(move |(i, line)| {
        let line = line.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            return None;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.trim());
            return None;
        }
        if !current.is_some_and(|c| c.eq_ignore_ascii_case(section)) {
            return None;
        }
        let (key, value) = line.split_once('=')?;
        Some((i + 1, key.trim(), value.trim()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use awsauth_core::MapEnv;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(
            parse_duration("1500ms").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(
            parse_duration("2w").unwrap(),
            Duration::from_secs(1_209_600)
        );
        for junk in [
            "",
            "m",
            "15",
            "15 m",
            "-15m",
            "1.5h",
            "15min",
            "1h-",
            "99999999999999999999h",
        ] {
            assert!(parse_duration(junk).is_err(), "{junk:?} should be rejected");
        }
    }

    #[test]
    fn env_overrides_only_what_is_set() {
        let cx = Context::builder()
            .env(MapEnv::from([
                (ENV_ALLOWED_AUTH_PROVIDERS, "keys , ec2_iam_role"),
                (ENV_ASSUME_ROLE_ENABLED, "false"),
                (ENV_EXTERNAL_ID, "stack-42"),
            ]))
            .build();
        let s = AuthSettings::from_env(&cx).unwrap();
        assert_eq!(s.allowed_auth_providers.to_string(), "keys,ec2_iam_role");
        assert!(!s.assume_role_enabled);
        assert_eq!(s.external_id.as_deref(), Some("stack-42"));
        assert_eq!(s.session_duration, DEFAULT_SESSION_DURATION);
        assert_eq!(s.list_metrics_page_limit, 500);
    }

    #[test]
    fn bad_env_value_names_key_and_value() {
        let cx = Context::builder()
            .env(MapEnv::from([(ENV_LIST_METRICS_PAGE_LIMIT, "lots")]))
            .build();
        let err = AuthSettings::from_env(&cx).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid AWS auth setting AWS_CW_LIST_METRICS_PAGE_LIMIT = \"lots\": expected a positive whole number"
        );
    }

    #[test]
    fn ini_reads_only_the_aws_section() {
        let text = "\
; comment
[auth]
session_duration = nonsense
[AWS]
# comment
allowed_auth_providers = \"default,grafana_assume_role\"
assume_role_enabled = 0
list_metrics_page_limit = 100
forward_settings_to_plugins = cloudwatch
[other]
assume_role_enabled = junk
";
        let s = AuthSettings::from_ini_str(text, "grafana.ini").unwrap();
        assert_eq!(
            s.allowed_auth_providers.to_string(),
            "default,grafana_assume_role"
        );
        assert!(!s.assume_role_enabled);
        assert_eq!(s.list_metrics_page_limit, 100);
    }

    #[test]
    fn ini_error_names_file_and_line() {
        let err =
            AuthSettings::from_ini_str("[aws]\n\nsession_duration = 5m\n", "/etc/grafana.ini")
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid AWS auth setting session_duration = \"5m\" (/etc/grafana.ini line 3): AssumeRole sessions last from 15m to 12h"
        );
    }
}
