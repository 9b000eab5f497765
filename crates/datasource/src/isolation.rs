//! Tenant isolation: the rules that keep what a data source's settings choose (endpoint,
//! profile, role) away from the server's own identity. docs/threat-model.md states them.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, Step, async_trait,
};
use http::Uri;

use crate::{AuthSettings, AuthType, DatasourceError};

/// The longest tenant-supplied value an error or log line shows; the rest is cut.
pub(crate) const MAX_SHOWN_CHARS: usize = 128;

/// A tenant-supplied value (a profile name, an ARN, an endpoint) as errors and logs show it:
/// quoted, control characters, line and paragraph separators and bidirectional overrides
/// escaped (so it can never start a new log line or hide text), and cut after
/// [`MAX_SHOWN_CHARS`] characters.
pub(crate) fn shown(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(MAX_SHOWN_CHARS) + 2);
    out.push('"');
    let mut chars = value.chars();
    for c in chars.by_ref().take(MAX_SHOWN_CHARS) {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if awsauth_core::must_escape(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out.push('"');
    let rest = chars.count();
    if rest > 0 {
        out.push_str(&format!(" (and {rest} more characters)"));
    }
    out
}

/// Whether a session of `auth_type` signs its STS calls with credentials the server owns (its
/// environment, files, instance or pod identity, or the platform's keys), rather than with
/// keys the data source itself supplies.
pub(crate) fn uses_server_identity(auth_type: AuthType) -> bool {
    auth_type != AuthType::Keys
}

/// Parses `allowed_sts_endpoints`: comma-separated `host`, `host:port` or `*.domain` entries,
/// lowercased. Blank entries are skipped.
pub(crate) fn parse_host_list(text: &str) -> Result<Vec<String>, String> {
    let mut hosts = Vec::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let entry = entry.to_ascii_lowercase();
        let (host, port) = match entry.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => (host, Some(port)),
            _ => (entry.as_str(), None),
        };
        let name = host.strip_prefix("*.").unwrap_or(host);
        let host_ok = !name.is_empty()
            && name.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok());
        if !host_ok || !port_ok {
            return Err(format!(
                "{} is not a host name; expected entries such as sts.internal.example, \
                 sts.internal.example:8443 or *.sts.internal.example (no scheme or path)",
                shown(&entry)
            ));
        }
        hosts.push(entry);
    }
    Ok(hosts)
}

/// Whether an entry of `allowed_sts_endpoints` covers `host` (lowercase) on `port`.
fn allows(entry: &str, host: &str, port: Option<u16>) -> bool {
    let (pattern, entry_port) = match entry.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().ok()),
        None => (entry, None),
    };
    if entry_port.is_some() && entry_port != port {
        return false;
    }
    match pattern.strip_prefix("*.") {
        Some(domain) => host
            .strip_suffix(domain)
            .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
        None => host == pattern,
    }
}

/// The rule for a data source's STS endpoint (issue 19.1): when the STS calls are signed with
/// the server's credentials, the endpoint must be an https AWS STS host (default port) or a
/// host of the server's `allowed_sts_endpoints`. Checked when the session is built, before any
/// request; the error names the data source's setting and the server's.
pub(crate) fn check_sts_endpoint(
    auth_type: AuthType,
    endpoint: &str,
    policy: &AuthSettings,
) -> Result<(), DatasourceError> {
    if !uses_server_identity(auth_type) {
        return Ok(());
    }
    let refused = || DatasourceError::StsEndpointNotAllowed {
        auth_type,
        endpoint: shown(endpoint),
    };
    let uri: Uri = endpoint.parse().map_err(|_| refused())?;
    let authority = uri.authority().ok_or_else(refused)?;
    if authority.as_str().contains('@') {
        return Err(refused());
    }
    let host = authority.host().to_ascii_lowercase();
    let port = authority.port_u16();
    let aws = uri.scheme_str() == Some("https")
        && port.is_none_or(|p| p == 443)
        && awsauth_chain::is_aws_sts_host(&host);
    if aws
        || policy
            .allowed_sts_endpoints
            .iter()
            .any(|entry| allows(entry, &host, port))
    {
        Ok(())
    } else {
        Err(refused())
    }
}

/// The rule for a tenant-selected profile (issue 19.2): the platform's profile — the base
/// credentials of `grafana_assume_role` — is never a data source's to select. Checked when the
/// session is built.
pub(crate) fn check_tenant_profile(
    profile: Option<&str>,
    policy: &AuthSettings,
) -> Result<(), DatasourceError> {
    match profile {
        Some(name) if name.trim() == policy.platform_credentials.profile.trim() => {
            Err(DatasourceError::PlatformProfile {
                profile: shown(name),
            })
        }
        _ => Ok(()),
    }
}

/// A tenant-selected profile (the `credentials` auth type) under the isolation rules. Every
/// `provide` and `plan` first reads the profile's plan (no network) and refuses it when
///
/// - its keys are the platform profile's (reached through `source_profile`) while that profile
///   lives in the shared files (issue 19.2) — the error names the setting that moves it out of
///   reach; or
/// - it is a `credential_source` with no role on top (issue 19.3): the server's ambient
///   credentials themselves (its environment, instance or container role) would be handed to
///   the data source. With a `role_arn` on top the data source gets that role's credentials,
///   and a failed AssumeRole is an error, never the base.
#[derive(Debug)]
pub(crate) struct TenantProfile {
    pub(crate) inner: Arc<dyn CredentialSource>,
    /// The platform's profile, when it is in the shared files tenant profiles read.
    pub(crate) platform: Option<String>,
}

impl TenantProfile {
    /// The source for a tenant's profile under `policy`.
    pub(crate) fn wrap(
        inner: Arc<dyn CredentialSource>,
        policy: &AuthSettings,
    ) -> Arc<dyn CredentialSource> {
        let location = &policy.platform_credentials;
        // In its own file the platform profile is out of tenant profiles' reach.
        let platform = location
            .credentials_file
            .is_none()
            .then(|| location.profile.trim().to_owned());
        Arc::new(Self { inner, platform })
    }

    fn check(&self, plan: &Plan) -> Result<(), CredentialError> {
        let steps = plan.steps();
        let reaches_platform = self.platform.as_deref().is_some_and(|platform| {
            steps.iter().any(|step| {
                matches!(step, Step::Static { profile: Some(p), .. } if p.trim() == platform)
            })
        });
        if reaches_platform {
            return Err(CredentialError::invalid_configuration(
                self.inner.name(),
                format!(
                    "the profile's credentials come from profile {}, the platform's \
                     (grafana_assume_role's base credentials), which data sources may not use; \
                     the server's operator can move it to its own file \
                     (PlatformCredentials::credentials_file)",
                    shown(self.platform.as_deref().unwrap_or_default())
                ),
            ));
        }
        if let [Step::NamedSource { name }] = steps {
            return Err(CredentialError::invalid_configuration(
                self.inner.name(),
                format!(
                    "the profile sets credential_source = {} without role_arn: that would hand \
                     the server's own credentials to the data source; credential_source is only \
                     used to assume the profile's role_arn",
                    shown(name)
                ),
            ));
        }
        Ok(())
    }
}

#[async_trait]
impl CredentialSource for TenantProfile {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        if let Ok(plan) = self.inner.plan(cx) {
            self.check(&plan)?;
        }
        self.inner.provide(cx).await
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        self.inner.explain(cx)
    }

    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        let plan = self.inner.plan(cx)?;
        self.check(&plan)?;
        Ok(plan)
    }

    fn current(&self, now: SystemTime) -> Option<Credentials> {
        self.inner.current(now)
    }

    fn recheck_interval(&self) -> Option<Duration> {
        self.inner.recheck_interval()
    }
}

/// The longest value each tenant-supplied field may hold (STS's own limits where there are
/// some); a longer one is refused before anything is built.
const FIELD_LIMITS: &[(&str, usize)] = &[
    ("jsonData.profile", 256),
    ("jsonData.assumeRoleArn", 2048),
    ("jsonData.externalId", 1224),
    ("jsonData.endpoint", 2048),
    ("jsonData.region", 64),
    ("jsonData.defaultRegion", 64),
];

/// The rule for tenant-supplied text (issue 19.11): no control characters, line or paragraph
/// separators or bidirectional overrides, and a bounded length — so no value a tenant writes
/// can forge a log line, hide text in an error or grow one without bound. The error shows the
/// value escaped and cut ([`shown`]).
pub(crate) fn check_tenant_text(field: &str, value: Option<&str>) -> Result<(), DatasourceError> {
    let Some(value) = value else {
        return Ok(());
    };
    let limit = FIELD_LIMITS
        .iter()
        .find(|(name, _)| *name == field)
        .map_or(2048, |(_, limit)| *limit);
    if value.chars().any(awsauth_core::must_escape) {
        return Err(DatasourceError::settings(
            field,
            format!(
                "{} holds a control character or line break; remove it",
                shown(value)
            ),
        ));
    }
    let len = value.chars().count();
    if len > limit {
        return Err(DatasourceError::settings(
            field,
            format!(
                "{} is {len} characters long; at most {limit} are accepted",
                shown(value)
            ),
        ));
    }
    Ok(())
}

/// Checks every tenant-supplied text field of `settings` with [`check_tenant_text`].
pub(crate) fn check_tenant_fields(
    settings: &crate::DatasourceSettings,
) -> Result<(), DatasourceError> {
    for (field, value) in [
        ("jsonData.profile", settings.profile.as_deref()),
        (
            "jsonData.assumeRoleArn",
            settings.assume_role_arn.as_deref(),
        ),
        ("jsonData.externalId", settings.external_id.as_deref()),
        ("jsonData.endpoint", settings.endpoint.as_deref()),
        ("jsonData.region", settings.region.as_deref()),
        ("jsonData.defaultRegion", settings.default_region.as_deref()),
    ] {
        check_tenant_text(field, value)?;
    }
    Ok(())
}

/// The rule for the service endpoint a session hands its callers (issue 19.12), as for STS:
/// an absolute URL with a host, no user information or query string, https — plain http only
/// to a loopback host unless the server allows it
/// ([`AuthSettings::insecure_service_endpoints`]) — and never a link-local address (the
/// instance and container metadata services live there).
pub(crate) fn check_service_endpoint(
    endpoint: &str,
    policy: &AuthSettings,
) -> Result<(), DatasourceError> {
    let bad = |why: &str| {
        DatasourceError::settings("jsonData.endpoint", format!("{} {why}", shown(endpoint)))
    };
    let uri: Uri = endpoint
        .parse()
        .map_err(|_| bad("is not a URL (like https://monitoring.eu-west-1.amazonaws.com)"))?;
    let Some(authority) = uri.authority().filter(|a| !a.host().is_empty()) else {
        return Err(bad("has no host"));
    };
    if authority.as_str().contains('@') {
        return Err(DatasourceError::settings(
            "jsonData.endpoint",
            "contains user information (user:password@); remove it",
        ));
    }
    if uri.query().is_some() {
        return Err(bad("must not have a query string"));
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let lower = host.to_ascii_lowercase();
    let link_local = match lower.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_link_local(),
        Ok(std::net::IpAddr::V6(ip)) => {
            (ip.segments()[0] & 0xffc0) == 0xfe80
                || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_link_local())
                || ip == std::net::Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)
        }
        Err(_) => lower == "instance-data" || lower.starts_with("instance-data."),
    };
    if link_local {
        return Err(bad(
            "is a link-local address, where the instance and container metadata services \
             answer; a data source cannot use it",
        ));
    }
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") if awsauth_chain::is_loopback(host) || policy.insecure_service_endpoints => {
            Ok(())
        }
        Some("http") => Err(bad(
            "uses plain http to a host that is not loopback: the signed requests and their \
             answers would travel in clear; use https",
        )),
        _ => Err(bad("must be an https URL")),
    }
}

/// A session's base built on the server's identity, with its errors made tenant-safe (issue
/// 19.6): the data source receives the kind, the service error code, whether to retry, and a
/// short message naming its auth type (and its own profile); the full error — the server's
/// file paths, profile names, endpoints — goes to the server's log.
#[derive(Debug)]
pub(crate) struct TenantSafeErrors {
    inner: Arc<dyn CredentialSource>,
    /// `auth type `credentials` (profile "x")`.
    label: String,
}

impl TenantSafeErrors {
    /// `inner` with tenant-safe errors, unless the policy keeps the detail (a local tool).
    pub(crate) fn wrap(
        inner: Arc<dyn CredentialSource>,
        auth_type: AuthType,
        profile: Option<&str>,
        policy: &AuthSettings,
    ) -> Arc<dyn CredentialSource> {
        if policy.full_error_detail {
            return inner;
        }
        let label = match profile {
            Some(p) if auth_type == AuthType::Credentials => {
                format!("auth type `{auth_type}` (profile {})", shown(p))
            }
            _ => format!("auth type `{auth_type}`"),
        };
        Arc::new(Self { inner, label })
    }

    fn safe(&self, err: CredentialError) -> CredentialError {
        tracing::warn!(
            data_source = %self.label,
            error = %err,
            "a data source's credentials could not be loaded (the data source sees a short message)"
        );
        const LOG: &str = "the server's log has the details";
        match &err {
            CredentialError::NotConfigured { .. } => CredentialError::not_configured(
                &self.label,
                format!("the server has no credentials for it; {LOG}"),
            ),
            CredentialError::InvalidConfiguration { .. } => CredentialError::invalid_configuration(
                &self.label,
                format!("the server's configuration for it cannot be used; {LOG}"),
            ),
            CredentialError::TimedOut { after, .. } => CredentialError::timed_out(
                &self.label,
                format!("loading the server's credentials; {LOG}"),
                *after,
            ),
            _ => {
                let mut safe = CredentialError::provider_failed(
                    &self.label,
                    match err.code() {
                        Some(code) => {
                            format!("loading the server's credentials failed ({code}); {LOG}")
                        }
                        None => format!("loading the server's credentials failed; {LOG}"),
                    },
                )
                .retryable(err.is_retryable());
                if let Some(code) = err.code() {
                    safe = safe.with_code(code);
                }
                safe
            }
        }
    }
}

#[async_trait]
impl CredentialSource for TenantSafeErrors {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        self.inner.provide(cx).await.map_err(|e| self.safe(e))
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        self.inner.explain(cx)
    }

    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        self.inner.plan(cx).map_err(|e| self.safe(e))
    }

    fn current(&self, now: SystemTime) -> Option<Credentials> {
        self.inner.current(now)
    }

    fn recheck_interval(&self) -> Option<Duration> {
        self.inner.recheck_interval()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_escapes_and_cuts() {
        assert_eq!(shown("dev"), "\"dev\"");
        assert_eq!(shown("a\nb\r\"c\\"), "\"a\\u{a}b\\u{d}\\\"c\\\\\"");
        assert_eq!(shown("x\u{202e}y\u{2028}"), "\"x\\u{202e}y\\u{2028}\"");
        let long = "p".repeat(MAX_SHOWN_CHARS + 7);
        let s = shown(&long);
        assert!(s.ends_with("\" (and 7 more characters)"), "{s}");
        assert_eq!(s.matches('p').count(), MAX_SHOWN_CHARS);
    }

    #[test]
    fn host_lists() {
        assert_eq!(
            parse_host_list(" STS.Internal.example, ,*.sts.corp:8443 ").unwrap(),
            ["sts.internal.example", "*.sts.corp:8443"]
        );
        for bad in ["https://sts.x", "sts.x/path", "a b", "sts.x:port", "*."] {
            assert!(parse_host_list(bad).is_err(), "{bad}");
        }
        assert!(allows("sts.corp", "sts.corp", Some(8443)));
        assert!(!allows("sts.corp:443", "sts.corp", Some(8443)));
        assert!(allows("*.corp", "sts.corp", None));
        assert!(!allows("*.corp", "corp", None));
        assert!(!allows("*.corp", "evilcorp", None));
        assert!(!allows("sts.corp", "sts.corp.evil", None));
    }
}
