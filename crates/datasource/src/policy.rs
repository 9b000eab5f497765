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
/// Environment key for [`AuthSettings::per_datasource_http_proxy_enabled`].
pub const ENV_PER_DATASOURCE_HTTP_PROXY_ENABLED: &str = "AWS_AUTH_PerDatasourceHTTPProxyEnabled";
/// Environment key for [`AuthSettings::allowed_sts_endpoints`] (an awsauth setting).
pub const ENV_ALLOWED_STS_ENDPOINTS: &str = "AWS_AUTH_AllowedStsEndpoints";

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
    /// Whether a data source's own HTTP proxy (`jsonData.proxyType` / `proxyUrl`) applies to
    /// its credential calls (default false, as in Grafana;
    /// `AWS_AUTH_PerDatasourceHTTPProxyEnabled`, `per_datasource_http_proxy_enabled` in
    /// `[aws]`). Off, those settings are ignored and the server's proxy environment applies.
    pub per_datasource_http_proxy_enabled: bool,
    /// STS hosts besides AWS's own that a data source's `endpoint` may name when the STS call
    /// is signed with the server's credentials (every auth type but `keys`): `host`,
    /// `host:port` or `*.domain` (any host under `domain`). Empty by default: such a data
    /// source may only name an AWS STS host (`sts[-fips].<region>.amazonaws.com`, …; see
    /// [`is_aws_sts_host`](awsauth_chain::is_aws_sts_host)). `allowed_sts_endpoints` in `[aws]`,
    /// `AWS_AUTH_AllowedStsEndpoints`, comma-separated.
    pub allowed_sts_endpoints: Vec<String>,
    /// Whether a data source's service endpoint may be plain `http://` to a host that is not
    /// loopback (off by default; code only, for test rigs). Link-local addresses are refused
    /// whatever this says.
    pub insecure_service_endpoints: bool,
    /// Whether errors a session returns keep their full detail (the server's file paths,
    /// profile names, endpoints). Off by default: a server's data source sees a short message
    /// naming its auth type, and the full error goes to the server's log (`tracing`, level
    /// WARN). A local tool such as the `awsauth` CLI turns it on.
    pub full_error_detail: bool,
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
            per_datasource_http_proxy_enabled: false,
            allowed_sts_endpoints: Vec::new(),
            insecure_service_endpoints: false,
            full_error_detail: false,
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

    /// Honours or ignores data sources' own HTTP proxies (see
    /// [`per_datasource_http_proxy_enabled`](Self::per_datasource_http_proxy_enabled)).
    pub fn per_datasource_http_proxy_enabled(mut self, enabled: bool) -> Self {
        self.per_datasource_http_proxy_enabled = enabled;
        self
    }

    /// Sets the STS hosts besides AWS's own that data sources built on the server's credentials
    /// may name (see [`allowed_sts_endpoints`](Self::allowed_sts_endpoints)).
    pub fn allowed_sts_endpoints(
        mut self,
        hosts: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<Self, DatasourceError> {
        let list: Vec<String> = hosts.into_iter().map(Into::into).collect();
        self.allowed_sts_endpoints =
            crate::isolation::parse_host_list(&list.join(",")).map_err(|m| {
                DatasourceError::auth_setting("allowed_sts_endpoints", list.join(","), None, m)
            })?;
        Ok(self)
    }

    /// Lets data sources use a plain `http://` service endpoint on a host that is not loopback
    /// (see [`insecure_service_endpoints`](Self::insecure_service_endpoints)).
    pub fn insecure_service_endpoints(mut self, allow: bool) -> Self {
        self.insecure_service_endpoints = allow;
        self
    }

    /// Keeps the full detail in the errors sessions return (see
    /// [`full_error_detail`](Self::full_error_detail)): for a local tool, never for a server
    /// whose data sources belong to others.
    pub fn full_error_detail(mut self, on: bool) -> Self {
        self.full_error_detail = on;
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
    /// `AWS_AUTH_CredentialProcessEnabled`, `AWS_AUTH_PerDatasourceHTTPProxyEnabled`,
    /// `AWS_AUTH_AllowedStsEndpoints`.
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
            ENV_PER_DATASOURCE_HTTP_PROXY_ENABLED,
            ENV_ALLOWED_STS_ENDPOINTS,
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
            Some(Setting::PerDatasourceHttpProxyEnabled) => {
                self.per_datasource_http_proxy_enabled = parse_bool(value)
                    .ok_or_else(|| bad("expected true or false (or 1, 0, t, f)"))?;
            }
            // These two cannot change who a data source is: a bad value is a warning and the
            // documented default, as in Grafana. The others could widen access (the allowed
            // list, assume role, credential_process): a bad value there fails closed.
            Some(Setting::SessionDuration) => match parse_session_duration(value) {
                Ok(duration) => self.session_duration = duration,
                Err(problem) => warn_default(
                    key,
                    value,
                    location.as_deref(),
                    &problem,
                    &format!("{}m", self.session_duration.as_secs() / 60),
                ),
            },
            Some(Setting::ExternalId) => {
                self.external_id = Some(value.to_owned()).filter(|v| !v.is_empty());
            }
            Some(Setting::AllowedStsEndpoints) => {
                self.allowed_sts_endpoints =
                    crate::isolation::parse_host_list(value).map_err(|m| bad(&m))?;
            }
            Some(Setting::ListMetricsPageLimit) => {
                match value.parse::<u32>().ok().filter(|n| *n > 0) {
                    Some(limit) => self.list_metrics_page_limit = limit,
                    None => warn_default(
                        key,
                        value,
                        location.as_deref(),
                        "expected a positive whole number",
                        &self.list_metrics_page_limit.to_string(),
                    ),
                }
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
    PerDatasourceHttpProxyEnabled,
    AllowedStsEndpoints,
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
            ENV_PER_DATASOURCE_HTTP_PROXY_ENABLED => Self::PerDatasourceHttpProxyEnabled,
            ENV_ALLOWED_STS_ENDPOINTS => Self::AllowedStsEndpoints,
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
            "per_datasource_http_proxy_enabled" => Self::PerDatasourceHttpProxyEnabled,
            "allowed_sts_endpoints" => Self::AllowedStsEndpoints,
            _ => return None,
        })
    }
}

/// A bad value of a setting that cannot change identity: said once, on stderr or the server's
/// log, and the current (documented default) value kept.
fn warn_default(key: &str, value: &str, location: Option<&str>, problem: &str, kept: &str) {
    tracing::warn!(
        key,
        value,
        location = location.unwrap_or("-"),
        kept,
        "invalid AWS auth setting {key} = {value:?}: {problem}; using {kept} (it cannot change \
         which identity is used, so authentication goes on)"
    );
}

/// A session duration as every reader takes it (`AWS_AUTH_SESSION_DURATION`,
/// `[aws] session_duration`, the CLI's `--duration`): [`parse_duration`]'s syntax, within the
/// 15 minutes to 12 hours AssumeRole accepts.
///
/// ```
/// use std::time::Duration;
/// use awsauth_datasource::parse_session_duration;
/// assert_eq!(parse_session_duration("1.5h"), Ok(Duration::from_secs(5400)));
/// assert!(parse_session_duration("5m").is_err());
/// ```
pub fn parse_session_duration(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if (MIN_SESSION..=MAX_SESSION).contains(&duration) {
        Ok(duration)
    } else {
        Err("AssumeRole sessions last from 15m to 12h".to_owned())
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

/// Grafana's duration syntax (`gtime.ParseDuration`): Go's `time.ParseDuration` — one or more
/// `<number><unit>` parts, the number with an optional fraction, units `ns`, `us` (`µs`),
/// `ms`, `s`, `m`, `h` — plus Grafana's `d` (24h) and `w` (7d): `15m`, `1.5h`, `90m`,
/// `1h30m`, `900s`, `1d`. A bare `0` is zero, as in Go; any other number needs a unit. Signs
/// are refused (a duration here is never negative).
///
/// Every duration awsauth reads takes this syntax: `AWS_AUTH_SESSION_DURATION`,
/// `[aws] session_duration`, the CLI's `--duration`.
///
/// ```
/// use std::time::Duration;
/// use awsauth_datasource::parse_duration;
/// assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
/// assert_eq!(parse_duration("1.5h").unwrap(), Duration::from_secs(5400));
/// assert_eq!(parse_duration("1d").unwrap(), Duration::from_secs(86400));
/// assert!(parse_duration("15").is_err());
/// assert!(parse_duration("soon").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    const HELP: &str = "expected a duration such as 15m, 1h, 1.5h, 1h30m, 900s or 1d";
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    if text.is_empty() || text.starts_with(['+', '-']) {
        return Err(HELP.to_owned());
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{HELP}; a number needs a unit (900s, 15m)"));
    }
    let mut total_nanos: u128 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let whole_len = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let (whole, tail) = rest.split_at(whole_len);
        let (fraction, tail) = match tail.strip_prefix('.') {
            Some(after) => {
                let len =
                    after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                after.split_at(len)
            }
            None => ("", tail),
        };
        if whole.is_empty() && fraction.is_empty() {
            return Err(HELP.to_owned());
        }
        let unit_len = tail.len() - tail.trim_start_matches(|c: char| c.is_alphabetic()).len();
        let (unit, tail) = tail.split_at(unit_len);
        let nanos_per_unit: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60 * 1_000_000_000,
            "h" => 3_600 * 1_000_000_000,
            "d" => 86_400 * 1_000_000_000,
            "w" => 604_800 * 1_000_000_000,
            _ => return Err(HELP.to_owned()),
        };
        let too_large = || "duration too large".to_owned();
        // Digits beyond these cannot matter (or overflow anyway).
        if whole.len() > 20 {
            return Err(too_large());
        }
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| HELP.to_owned())?
        };
        let mut part = whole.checked_mul(nanos_per_unit).ok_or_else(too_large)?;
        // The fraction, digit by digit, truncated to whole nanoseconds as Go does.
        let mut scale = nanos_per_unit;
        for digit in fraction.bytes().take(30) {
            scale /= 10;
            if scale == 0 {
                break;
            }
            part += u128::from(digit - b'0') * scale;
        }
        total_nanos = total_nanos.checked_add(part).ok_or_else(too_large)?;
        rest = tail;
    }
    let secs =
        u64::try_from(total_nanos / 1_000_000_000).map_err(|_| "duration too large".to_owned())?;
    // The remainder is below 10^9, so it fits.
    let nanos = (total_nanos % 1_000_000_000) as u32;
    Ok(Duration::new(secs, nanos))
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
            "+15m",
            ".",
            "h",
            "900",
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

    /// Go's syntax (what Grafana's `gtime.ParseDuration` falls back to) and Grafana's `d`/`w`
    /// (issue 15.7).
    #[test]
    fn durations_in_gos_syntax_and_grafanas_units() {
        for (text, seconds) in [
            ("1.5h", 5400.0),
            ("90m", 5400.0),
            ("1h30m", 5400.0),
            ("900s", 900.0),
            ("0.25h", 900.0),
            (".5h", 1800.0),
            ("1h0.5m", 3630.0),
            ("1d", 86_400.0),
            ("1w", 604_800.0),
            ("0", 0.0),
            ("1500us", 0.0015),
            ("2µs", 0.000_002),
            ("7ns", 0.000_000_007),
        ] {
            assert_eq!(
                parse_duration(text).map(|d| d.as_secs_f64()),
                Ok(seconds),
                "{text}"
            );
        }
        for env in ["1.5h", "90m", "1h30m", "1200s"] {
            let cx = Context::builder()
                .env(MapEnv::from([(ENV_SESSION_DURATION, env)]))
                .build();
            let s = AuthSettings::from_env(&cx).unwrap();
            assert_eq!(parse_session_duration(env), Ok(s.session_duration), "{env}");
            assert_ne!(s.session_duration, DEFAULT_SESSION_DURATION, "{env}");
        }
    }

    /// A bad value of a setting that cannot change identity is a warning and the default
    /// (issue 15.8); one that could widen access fails closed.
    #[test]
    fn a_bad_harmless_setting_warns_and_keeps_the_default_a_bad_gate_fails() {
        let (logs, _guard) = awsauth_testkit::LogCapture::start();
        let cx = Context::builder()
            .env(MapEnv::from([
                (ENV_LIST_METRICS_PAGE_LIMIT, "lots"),
                (ENV_SESSION_DURATION, "forever"),
            ]))
            .build();
        let s = AuthSettings::from_env(&cx).unwrap();
        assert_eq!(s.list_metrics_page_limit, DEFAULT_LIST_METRICS_PAGE_LIMIT);
        assert_eq!(s.session_duration, DEFAULT_SESSION_DURATION);
        let text = logs.text();
        assert!(
            text.contains("AWS_CW_LIST_METRICS_PAGE_LIMIT") && text.contains("using 500"),
            "{text}"
        );
        assert!(
            text.contains("AWS_AUTH_SESSION_DURATION") && text.contains("using 15m"),
            "{text}"
        );
        let s =
            AuthSettings::from_ini_str("[aws]\nsession_duration = 5m\n", "grafana.ini").unwrap();
        assert_eq!(s.session_duration, DEFAULT_SESSION_DURATION);

        for (key, value) in [
            (ENV_ASSUME_ROLE_ENABLED, "nope"),
            (ENV_ALLOWED_AUTH_PROVIDERS, "keys,bogus"),
            (ENV_CREDENTIAL_PROCESS_ENABLED, "maybe"),
            (ENV_PER_DATASOURCE_HTTP_PROXY_ENABLED, "sure"),
        ] {
            let cx = Context::builder().env(MapEnv::from([(key, value)])).build();
            let err = AuthSettings::from_env(&cx).unwrap_err();
            assert!(err.to_string().contains(key), "{err}");
        }
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
        let err = AuthSettings::from_ini_str(
            "[aws]\n\nassume_role_enabled = sometimes\n",
            "/etc/grafana.ini",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid AWS auth setting assume_role_enabled = \"sometimes\" (/etc/grafana.ini line 3): expected true or false (or 1, 0, t, f)"
        );
    }
}
