//! Service endpoints: where a request to an AWS service other than STS goes (IAM Identity
//! Center's portal and OIDC service, the sign-in service), by the SDKs' rules for
//! service-specific endpoints.
//!
//! Precedence, highest first (botocore and aws-config agree):
//!
//! 1. an endpoint set in code ([`EndpointSettings::endpoint_url`]);
//! 2. `AWS_ENDPOINT_URL_<SERVICE>` (the service id upper-cased, spaces as `_`:
//!    `AWS_ENDPOINT_URL_SSO_OIDC`);
//! 3. `AWS_ENDPOINT_URL`;
//! 4. the profile's `services = NAME`, whose `[services NAME]` section holds
//!    `<service key> =` with an indented `endpoint_url = …` (the key is the service id
//!    lower-cased, spaces as `_`: `sso_oidc`);
//! 5. the profile's own `endpoint_url`;
//! 6. the endpoint the service's rules generate for the region, or its FIPS / dual-stack
//!    variant.
//!
//! `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` (else the profile's
//! `ignore_configured_endpoint_urls = true`) skips 2 to 5. FIPS and dual-stack come from code,
//! else `AWS_USE_FIPS_ENDPOINT` / `AWS_USE_DUALSTACK_ENDPOINT`, else the profile's
//! `use_fips_endpoint` / `use_dualstack_endpoint`; asking for either together with a configured
//! endpoint is a configuration error, as in the SDKs' endpoint rules (the variant cannot be
//! applied to a URL someone typed).
//!
//! A configured endpoint must be `https://`, or `http://` to a loopback host (a fake on
//! `127.0.0.1`): these services carry bearer tokens and credentials. It may have a path prefix
//! (kept: requests go below it), never user information or a query string.
//!
//! This module reads the environment through the [`Context`] and nothing else; what the
//! profile says arrives as plain values ([`ProfileEndpoint`]), read by the profile crate.
//!
//! ```
//! use awsauth_core::{Context, MapEnv};
//! use awsauth_http::endpoint::{EndpointSettings, Service, resolve_service_endpoint};
//! const SSO: Service = Service::new("SSO", "SSO", "sso");
//! let generate = |v: &awsauth_http::endpoint::Variant<'_>| {
//!     format!("https://portal.sso.{}.{}", v.region, v.partition.dns_suffix)
//! };
//! let cx = Context::builder().build();
//! let endpoint = resolve_service_endpoint(&cx, &SSO, &EndpointSettings::default(), "eu-west-1", generate).unwrap();
//! assert_eq!(endpoint.to_string(), "https://portal.sso.eu-west-1.amazonaws.com/");
//!
//! let cx = Context::builder().env(MapEnv::from([("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:4566/sso")])).build();
//! let endpoint = resolve_service_endpoint(&cx, &SSO, &EndpointSettings::default(), "eu-west-1", generate).unwrap();
//! assert_eq!(endpoint.url_for("/federation/credentials").unwrap().to_string(), "http://127.0.0.1:4566/sso/federation/credentials");
//! assert_eq!(endpoint.source(), "AWS_ENDPOINT_URL_SSO");
//! ```

use std::fmt;

use awsauth_core::Context;
use http::Uri;

/// `AWS_ENDPOINT_URL`: an endpoint for every service.
pub const ENV_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` turns every configured endpoint off.
pub const ENV_IGNORE_CONFIGURED_ENDPOINT_URLS: &str = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";
/// `AWS_USE_FIPS_ENDPOINT=true` selects FIPS endpoints.
pub const ENV_USE_FIPS_ENDPOINT: &str = "AWS_USE_FIPS_ENDPOINT";
/// `AWS_USE_DUALSTACK_ENDPOINT=true` selects dual-stack (IPv4 and IPv6) endpoints.
pub const ENV_USE_DUALSTACK_ENDPOINT: &str = "AWS_USE_DUALSTACK_ENDPOINT";

/// The profile keys this module's rules read (the profile crate collects them).
pub mod profile_keys {
    /// `services = NAME`: the `[services NAME]` section with per-service endpoints.
    pub const SERVICES: &str = "services";
    /// `endpoint_url`: the profile's endpoint for every service (also the key inside a
    /// service's block of a `[services]` section).
    pub const ENDPOINT_URL: &str = "endpoint_url";
    /// `ignore_configured_endpoint_urls = true`.
    pub const IGNORE_CONFIGURED_ENDPOINT_URLS: &str = "ignore_configured_endpoint_urls";
    /// `use_fips_endpoint = true`.
    pub const USE_FIPS_ENDPOINT: &str = "use_fips_endpoint";
    /// `use_dualstack_endpoint = true`.
    pub const USE_DUALSTACK_ENDPOINT: &str = "use_dualstack_endpoint";
}

/// An AWS service, by the names its endpoint settings use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Service {
    id: &'static str,
    env_suffix: &'static str,
    profile_key: &'static str,
}

impl Service {
    /// A service: its id (`SSO OIDC`), the suffix of its environment variable (`SSO_OIDC` for
    /// `AWS_ENDPOINT_URL_SSO_OIDC`) and its key in a `[services]` section (`sso_oidc`).
    pub const fn new(
        id: &'static str,
        env_suffix: &'static str,
        profile_key: &'static str,
    ) -> Self {
        Self {
            id,
            env_suffix,
            profile_key,
        }
    }

    /// The service id, for messages.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// `AWS_ENDPOINT_URL_<SUFFIX>`.
    pub fn env_var(&self) -> String {
        format!("{ENV_ENDPOINT_URL}_{}", self.env_suffix)
    }

    /// The key of the service's block in a `[services]` section.
    pub fn profile_key(&self) -> &'static str {
        self.profile_key
    }
}

pub use awsauth_core::ProfileEndpoint;

/// How a client's endpoint is chosen: what code set, and what the profile says. `Debug` hides
/// any user information in the URLs.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct EndpointSettings {
    /// An endpoint set in code; wins over everything.
    pub endpoint_url: Option<String>,
    /// FIPS endpoints on or off; `None` reads the environment, then the profile.
    pub use_fips: Option<bool>,
    /// Dual-stack endpoints on or off; `None` reads the environment, then the profile.
    pub use_dual_stack: Option<bool>,
    /// Allows plain `http://` to a host that is not loopback. Only code can set it (for test
    /// rigs reached by name); the bearer tokens these services take would travel in clear.
    pub allow_insecure_http: bool,
    /// The selected profile's endpoint settings, if a profile is involved.
    pub profile: Option<ProfileEndpoint>,
}

impl fmt::Debug for EndpointSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EndpointSettings")
            .field(
                "endpoint_url",
                &self
                    .endpoint_url
                    .as_deref()
                    .map(awsauth_core::without_userinfo),
            )
            .field("use_fips", &self.use_fips)
            .field("use_dual_stack", &self.use_dual_stack)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("profile", &self.profile)
            .finish()
    }
}

/// Where an endpoint came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EndpointOrigin {
    /// Set in code.
    Explicit,
    /// `AWS_ENDPOINT_URL_<SERVICE>`.
    EnvService,
    /// `AWS_ENDPOINT_URL`.
    EnvAll,
    /// The profile's `[services]` section.
    ProfileService,
    /// The profile's `endpoint_url`.
    ProfileAll,
    /// Generated for the region (FIPS / dual-stack as asked).
    Generated,
}

/// An AWS partition, as far as endpoints care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Partition {
    /// `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, …
    pub name: &'static str,
    /// The DNS suffix of regular and FIPS endpoints (`amazonaws.com`).
    pub dns_suffix: &'static str,
    /// The DNS suffix of dual-stack endpoints (`api.aws`), where the partition has them.
    pub dual_stack_dns_suffix: Option<&'static str>,
}

/// The partition a region belongs to (by its prefix; unknown regions are in `aws`).
///
/// ```
/// use awsauth_http::endpoint::partition;
/// assert_eq!(partition("cn-north-1").dual_stack_dns_suffix, Some("api.amazonwebservices.com.cn"));
/// assert_eq!(partition("us-gov-west-1").name, "aws-us-gov");
/// assert_eq!(partition("us-iso-east-1").dual_stack_dns_suffix, None);
/// ```
pub fn partition(region: &str) -> Partition {
    let p = |name, dns_suffix, dual_stack_dns_suffix| Partition {
        name,
        dns_suffix,
        dual_stack_dns_suffix,
    };
    if region.starts_with("cn-") {
        p(
            "aws-cn",
            "amazonaws.com.cn",
            Some("api.amazonwebservices.com.cn"),
        )
    } else if region.starts_with("us-gov-") {
        p("aws-us-gov", "amazonaws.com", Some("api.aws"))
    } else if region.starts_with("us-isob-") {
        p("aws-iso-b", "sc2s.sgov.gov", None)
    } else if region.starts_with("us-isof-") {
        p("aws-iso-f", "csp.hci.ic.gov", None)
    } else if region.starts_with("us-iso-") {
        p("aws-iso", "c2s.ic.gov", None)
    } else if region.starts_with("eu-isoe-") {
        p("aws-iso-e", "cloud.adc-e.uk", None)
    } else if region.starts_with("eusc-") {
        p("aws-eusc", "amazonaws.eu", None)
    } else {
        p("aws", "amazonaws.com", Some("api.aws"))
    }
}

/// What a service's generator is asked to build: the region, its partition and the variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variant<'a> {
    /// The region (a valid region name).
    pub region: &'a str,
    /// Its partition.
    pub partition: Partition,
    /// FIPS endpoint asked for.
    pub fips: bool,
    /// Dual-stack endpoint asked for (the partition has them).
    pub dual_stack: bool,
}

impl Variant<'_> {
    /// The DNS suffix for this variant: the dual-stack one when asked for.
    pub fn dns_suffix(&self) -> &'static str {
        if self.dual_stack {
            self.partition
                .dual_stack_dns_suffix
                .unwrap_or(self.partition.dns_suffix)
        } else {
            self.partition.dns_suffix
        }
    }
}

/// An endpoint to call: a base URL (scheme, host, port and an optional path prefix) and where it
/// came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEndpoint {
    url: Uri,
    origin: EndpointOrigin,
    source: String,
}

impl ServiceEndpoint {
    /// The base URL.
    pub fn url(&self) -> &Uri {
        &self.url
    }

    /// Where it came from.
    pub fn origin(&self) -> EndpointOrigin {
        self.origin
    }

    /// Where it came from, for messages: `AWS_ENDPOINT_URL_SSO`, `profile "dev" endpoint_url`,
    /// `the generated endpoint`.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The URL of `path_and_query` (starting with `/`) below the base URL's path.
    pub fn url_for(&self, path_and_query: &str) -> Result<Uri, EndpointError> {
        let base = self.url.path().trim_end_matches('/');
        let scheme = self.url.scheme_str().unwrap_or("https");
        let authority = self.url.authority().map(|a| a.as_str()).unwrap_or("");
        format!("{scheme}://{authority}{base}{path_and_query}")
            .parse::<Uri>()
            .map_err(|e| EndpointError::UnusableUrl {
                setting: format!("{self} with {path_and_query}"),
                problem: UrlProblem::NotAUrl {
                    reason: e.to_string(),
                },
            })
    }
}

impl fmt::Display for ServiceEndpoint {
    /// `scheme://host[:port]/path`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = self.url.scheme_str().unwrap_or("https");
        let authority = self.url.authority().map(|a| a.as_str()).unwrap_or("");
        write!(f, "{scheme}://{authority}{}", self.url.path())
    }
}

/// Why no endpoint could be resolved; names the setting, variable or profile key at fault and
/// never quotes user information of a URL. The one endpoint error of every service client
/// (STS, SSO, sign-in).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// A variable, profile key or setting holds a value outside its choices.
    #[error("{setting} is {value:?}; expected {expected}")]
    InvalidValue {
        /// Where the value was found (`AWS_USE_FIPS_ENDPOINT`, `profile "dev" use_fips_endpoint`).
        setting: String,
        /// The value (at most 64 characters).
        value: String,
        /// The values it can take.
        expected: &'static str,
    },
    /// A region that is not a region name.
    #[error("{origin} holds {region:?}, which is not a region name (like us-east-1)")]
    NotARegion {
        /// Where the region was found.
        origin: String,
        /// The value (at most 64 characters).
        region: String,
    },
    /// A configured (or generated) endpoint URL that cannot be used.
    #[error("{setting} {problem}")]
    UnusableUrl {
        /// Where the URL was configured (`AWS_ENDPOINT_URL_STS`, `profile "dev" endpoint_url`).
        setting: String,
        /// What is wrong with it.
        problem: UrlProblem,
    },
    /// The settings ask for what the service's endpoint rules do not have (a FIPS variant of a
    /// configured endpoint, dual-stack in a partition without it, a bad `[services]` section).
    #[error("{service} endpoint: {reason}")]
    Unsupported {
        /// The service (`SSO`, `SSO OIDC`…).
        service: &'static str,
        /// Why.
        reason: String,
    },
}

/// What is wrong with an endpoint URL ([`EndpointError::UnusableUrl`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlProblem {
    /// Not an absolute URL with a host.
    #[error("is not an absolute URL with a host (like {example})")]
    NotAbsolute {
        /// A URL that would do.
        example: String,
    },
    /// No host.
    #[error("has no host")]
    NoHost,
    /// `user:password@` in the authority (never echoed: it is a credential).
    #[error("contains user information (user:password@); remove it")]
    UserInformation,
    /// A query string.
    #[error("must not have a query string")]
    Query,
    /// Plain `http` to a host that is not loopback.
    #[error(
        "is {shown}: plain http is refused for a host that is not loopback, because {exposed}; use https"
    )]
    PlainHttp {
        /// The URL without user information or query.
        shown: String,
        /// What would cross the network in clear.
        exposed: String,
    },
    /// Neither `https` nor `http`.
    #[error("is {shown}: only https (or http to a loopback host) is supported")]
    Scheme {
        /// The URL without user information or query.
        shown: String,
    },
    /// The URL does not parse once normalized.
    #[error("is not a usable URL: {reason}")]
    NotAUrl {
        /// The parser's reason.
        reason: String,
    },
}

/// What a configured endpoint URL must be, for every service: absolute with a host, no user
/// information, no query string, `https` — or `http` to loopback, or with `allow_insecure_http`.
/// `setting` names where the URL was configured, `example` is shown when it is not absolute,
/// `exposed` says what plain http would expose. Returns the URL, parsed.
///
/// ```
/// use awsauth_http::endpoint::{check_configured_url, EndpointError, UrlProblem};
/// let ok = check_configured_url("http://127.0.0.1:4566", "AWS_ENDPOINT_URL", "https://example.com", "the token", false);
/// assert_eq!(ok.unwrap().host(), Some("127.0.0.1"));
/// let err = check_configured_url("http://sts.example.com", "AWS_ENDPOINT_URL", "https://example.com", "the token", false);
/// assert!(matches!(err, Err(EndpointError::UnusableUrl { problem: UrlProblem::PlainHttp { .. }, .. })));
/// ```
pub fn check_configured_url(
    url: &str,
    setting: &str,
    example: &str,
    exposed: &str,
    allow_insecure_http: bool,
) -> Result<Uri, EndpointError> {
    let unusable = |problem| EndpointError::UnusableUrl {
        setting: setting.to_owned(),
        problem,
    };
    let parsed = url.parse::<Uri>().ok();
    let Some(uri) = parsed.filter(|u| u.host().is_some_and(|h| !h.is_empty())) else {
        return Err(unusable(UrlProblem::NotAbsolute {
            example: example.to_owned(),
        }));
    };
    let Some(authority) = uri.authority() else {
        return Err(unusable(UrlProblem::NoHost));
    };
    if authority.as_str().contains('@') {
        // Never echo it: user information in a URL is a credential.
        return Err(unusable(UrlProblem::UserInformation));
    }
    if uri.query().is_some() {
        return Err(unusable(UrlProblem::Query));
    }
    let shown = || {
        format!(
            "{}://{}{}",
            uri.scheme_str().unwrap_or(""),
            authority.as_str(),
            uri.path()
        )
    };
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if is_loopback(authority.host()) || allow_insecure_http => {}
        Some("http") => {
            return Err(unusable(UrlProblem::PlainHttp {
                shown: shown(),
                exposed: exposed.to_owned(),
            }));
        }
        _ => return Err(unusable(UrlProblem::Scheme { shown: shown() })),
    }
    Ok(uri)
}

/// A value of at most 64 characters, for messages.
fn clipped(value: &str) -> String {
    value.chars().take(64).collect()
}

/// True for a region name: 1 to 63 lower-case letters, digits and `-`, not starting or ending
/// with `-`. Anything else must never reach a host name.
///
/// ```
/// assert!(awsauth_http::endpoint::is_region_name("eu-west-1"));
/// assert!(!awsauth_http::endpoint::is_region_name("evil.com/x"));
/// ```
pub fn is_region_name(region: &str) -> bool {
    (1..=63).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-')
}

/// `localhost`, 127.0.0.0/8 or `::1` (core's one rule).
pub fn is_loopback(host: &str) -> bool {
    awsauth_core::is_loopback_host(host)
}

/// Resolves the endpoint of `service` for `region` by the rules of this module; `generate`
/// builds the service's own endpoint for a [`Variant`] (called only when nothing is
/// configured). No network.
pub fn resolve_service_endpoint(
    cx: &Context,
    service: &Service,
    settings: &EndpointSettings,
    region: &str,
    generate: impl FnOnce(&Variant<'_>) -> String,
) -> Result<ServiceEndpoint, EndpointError> {
    let profile = settings.profile.as_ref();
    let fips = flag(
        cx,
        settings.use_fips,
        ENV_USE_FIPS_ENDPOINT,
        profile.map(|p| (p, profile_keys::USE_FIPS_ENDPOINT, &p.use_fips_endpoint)),
    )?;
    let dual_stack = flag(
        cx,
        settings.use_dual_stack,
        ENV_USE_DUALSTACK_ENDPOINT,
        profile.map(|p| {
            (
                p,
                profile_keys::USE_DUALSTACK_ENDPOINT,
                &p.use_dualstack_endpoint,
            )
        }),
    )?;
    if let Some((url, origin, source)) = configured(cx, service, settings)? {
        if fips.0 || dual_stack.0 {
            let (what, from) = if fips.0 {
                ("FIPS", fips.1)
            } else {
                ("dual-stack", dual_stack.1)
            };
            return Err(EndpointError::Unsupported {
                service: service.id,
                reason: format!(
                    "{source} sets an endpoint, and {from} asks for a {what} endpoint; \
                     a configured endpoint cannot be given a {what} variant (as in the AWS \
                     SDKs): turn one of them off"
                ),
            });
        }
        return custom(service, &url, origin, source, settings.allow_insecure_http);
    }
    if !is_region_name(region) {
        return Err(EndpointError::Unsupported {
            service: service.id,
            reason: format!(
                "the region {:?} is not a region name (like us-east-1)",
                clipped(region)
            ),
        });
    }
    let partition = partition(region);
    if dual_stack.0 && partition.dual_stack_dns_suffix.is_none() {
        return Err(EndpointError::Unsupported {
            service: service.id,
            reason: format!(
                "{} asks for a dual-stack endpoint, but the {} partition (region {region}) has \
                 none",
                dual_stack.1, partition.name
            ),
        });
    }
    let variant = Variant {
        region,
        partition,
        fips: fips.0,
        dual_stack: dual_stack.0,
    };
    let url = generate(&variant);
    let url = url.parse::<Uri>().map_err(|e| EndpointError::Unsupported {
        service: service.id,
        reason: format!("the generated endpoint {url} is not a URL: {e}"),
    })?;
    Ok(ServiceEndpoint {
        url: with_root_path(&url)?,
        origin: EndpointOrigin::Generated,
        source: "the generated endpoint".to_owned(),
    })
}

/// A flag from code, else the environment, else the profile: its value and where it came
/// from.
fn flag(
    cx: &Context,
    explicit: Option<bool>,
    var: &'static str,
    profile: Option<(&ProfileEndpoint, &'static str, &Option<String>)>,
) -> Result<(bool, String), EndpointError> {
    if let Some(on) = explicit {
        return Ok((on, "the setting in code".to_owned()));
    }
    if let Some(value) = cx.env_nonblank(var) {
        return parse_bool(&value)
            .map(|on| (on, var.to_owned()))
            .ok_or_else(|| EndpointError::InvalidValue {
                setting: var.to_owned(),
                value: clipped(&value),
                expected: "true or false",
            });
    }
    if let Some((p, key, Some(value))) = profile {
        let value = value.trim();
        if !value.is_empty() {
            let from = format!("profile \"{}\" {key}", p.profile);
            return parse_bool(value)
                .map(|on| (on, from.clone()))
                .ok_or_else(|| EndpointError::InvalidValue {
                    setting: from,
                    value: clipped(value),
                    expected: "true or false",
                });
        }
    }
    Ok((false, String::new()))
}

fn parse_bool(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn nonblank(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .and_then(awsauth_core::nonblank)
        .map(str::to_owned)
}

/// The configured endpoint, if any: its URL, origin and a name for messages.
fn configured(
    cx: &Context,
    service: &Service,
    settings: &EndpointSettings,
) -> Result<Option<(String, EndpointOrigin, String)>, EndpointError> {
    if let Some(url) = nonblank(&settings.endpoint_url) {
        return Ok(Some((
            url,
            EndpointOrigin::Explicit,
            "the endpoint set in code".to_owned(),
        )));
    }
    let profile = settings.profile.as_ref();
    let ignore = match cx.env_nonblank(ENV_IGNORE_CONFIGURED_ENDPOINT_URLS) {
        Some(value) => parse_bool(&value).ok_or_else(|| EndpointError::InvalidValue {
            setting: ENV_IGNORE_CONFIGURED_ENDPOINT_URLS.to_owned(),
            value: clipped(&value),
            expected: "true or false",
        })?,
        None => match profile.and_then(|p| nonblank(&p.ignore_configured_endpoint_urls)) {
            Some(value) => parse_bool(&value).ok_or_else(|| EndpointError::InvalidValue {
                setting: format!(
                    "profile \"{}\" {}",
                    profile.map(|p| p.profile.as_str()).unwrap_or_default(),
                    profile_keys::IGNORE_CONFIGURED_ENDPOINT_URLS,
                ),
                value: clipped(&value),
                expected: "true or false",
            })?,
            None => false,
        },
    };
    if ignore {
        return Ok(None);
    }
    let var = service.env_var();
    if let Some(url) = cx.env_nonblank(&var) {
        return Ok(Some((url, EndpointOrigin::EnvService, var)));
    }
    if let Some(url) = cx.env_nonblank(ENV_ENDPOINT_URL) {
        return Ok(Some((
            url,
            EndpointOrigin::EnvAll,
            ENV_ENDPOINT_URL.to_owned(),
        )));
    }
    let Some(profile) = profile else {
        return Ok(None);
    };
    if let Some(problem) = &profile.problem {
        return Err(EndpointError::Unsupported {
            service: service.id,
            reason: problem.to_string(),
        });
    }
    if let Some(url) = nonblank(&profile.service_endpoint_url) {
        let section = profile.services_section.as_deref().unwrap_or("?");
        return Ok(Some((
            url,
            EndpointOrigin::ProfileService,
            format!(
                "[services {section}] {} endpoint_url (profile \"{}\")",
                service.profile_key, profile.profile
            ),
        )));
    }
    if let Some(url) = nonblank(&profile.endpoint_url) {
        return Ok(Some((
            url,
            EndpointOrigin::ProfileAll,
            format!("profile \"{}\" endpoint_url", profile.profile),
        )));
    }
    Ok(None)
}

/// A configured URL, checked: absolute, `https` (or `http` to loopback, or by opt-in), no
/// user information, no query string.
fn custom(
    service: &Service,
    url: &str,
    origin: EndpointOrigin,
    named: String,
    allow_insecure_http: bool,
) -> Result<ServiceEndpoint, EndpointError> {
    let uri = check_configured_url(
        url,
        &named,
        &format!("https://{}.example.com", service.profile_key),
        &format!(
            "the {} requests carry a bearer token or credentials",
            service.id
        ),
        allow_insecure_http,
    )?;
    Ok(ServiceEndpoint {
        url: with_root_path(&uri)?,
        origin,
        source: named,
    })
}

/// `uri` with at least `/` as its path.
fn with_root_path(uri: &Uri) -> Result<Uri, EndpointError> {
    let path = if uri.path().is_empty() {
        "/"
    } else {
        uri.path()
    };
    let scheme = uri.scheme_str().unwrap_or("https");
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or("");
    format!("{scheme}://{authority}{path}")
        .parse::<Uri>()
        .map_err(|e| EndpointError::UnusableUrl {
            setting: format!("{scheme}://{authority}{path}"),
            problem: UrlProblem::NotAUrl {
                reason: e.to_string(),
            },
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use awsauth_core::MapEnv;

    const OIDC: Service = Service::new("SSO OIDC", "SSO_OIDC", "sso_oidc");

    fn oidc(v: &Variant<'_>) -> String {
        let host = if v.fips { "oidc-fips" } else { "oidc" };
        format!("https://{host}.{}.{}", v.region, v.dns_suffix())
    }

    fn resolve(
        env: &[(&str, &str)],
        settings: &EndpointSettings,
        region: &str,
    ) -> Result<ServiceEndpoint, EndpointError> {
        let env: MapEnv = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        resolve_service_endpoint(
            &Context::builder().env(env).build(),
            &OIDC,
            settings,
            region,
            oidc,
        )
    }

    fn profile(f: impl FnOnce(&mut ProfileEndpoint)) -> EndpointSettings {
        let mut p = ProfileEndpoint::new("dev");
        f(&mut p);
        EndpointSettings {
            profile: Some(p),
            ..EndpointSettings::default()
        }
    }

    #[test]
    fn precedence_code_then_service_variable_then_global_then_profile() {
        let full = {
            let mut s = profile(|p| {
                p.services_section = Some("local".into());
                p.service_endpoint_url = Some("https://svc.example.com".into());
                p.endpoint_url = Some("https://profile.example.com".into());
            });
            s.endpoint_url = Some("https://code.example.com".into());
            s
        };
        let env = [
            ("AWS_ENDPOINT_URL_SSO_OIDC", "https://oidc-var.example.com"),
            ("AWS_ENDPOINT_URL", "https://all.example.com"),
        ];
        let at = |env: &[(&str, &str)], s: &EndpointSettings| {
            let e = resolve(env, s, "eu-west-1").unwrap();
            (e.to_string(), e.origin())
        };
        assert_eq!(
            at(&env, &full),
            ("https://code.example.com/".into(), EndpointOrigin::Explicit)
        );
        let mut no_code = full.clone();
        no_code.endpoint_url = None;
        assert_eq!(
            at(&env, &no_code),
            (
                "https://oidc-var.example.com/".into(),
                EndpointOrigin::EnvService
            )
        );
        assert_eq!(
            at(&env[1..], &no_code),
            ("https://all.example.com/".into(), EndpointOrigin::EnvAll)
        );
        assert_eq!(
            at(&[], &no_code),
            (
                "https://svc.example.com/".into(),
                EndpointOrigin::ProfileService
            )
        );
        let mut global = no_code.clone();
        if let Some(p) = global.profile.as_mut() {
            p.service_endpoint_url = None;
        }
        assert_eq!(
            at(&[], &global),
            (
                "https://profile.example.com/".into(),
                EndpointOrigin::ProfileAll
            )
        );
        assert_eq!(
            at(&[], &EndpointSettings::default()),
            (
                "https://oidc.eu-west-1.amazonaws.com/".into(),
                EndpointOrigin::Generated
            )
        );
        // Blank values count as unset.
        assert_eq!(
            at(
                &[
                    ("AWS_ENDPOINT_URL_SSO_OIDC", "  "),
                    ("AWS_ENDPOINT_URL", "")
                ],
                &global
            )
            .1,
            EndpointOrigin::ProfileAll
        );
    }

    #[test]
    fn ignoring_configured_endpoints_keeps_only_code() {
        let mut s = profile(|p| p.endpoint_url = Some("https://profile.example.com".into()));
        let env = [
            ("AWS_ENDPOINT_URL", "https://all.example.com"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"),
        ];
        assert_eq!(
            resolve(&env, &s, "us-east-1").unwrap().origin(),
            EndpointOrigin::Generated
        );
        let mut ignoring = profile(|p| {
            p.endpoint_url = Some("https://profile.example.com".into());
            p.ignore_configured_endpoint_urls = Some("true".into());
        });
        assert_eq!(
            resolve(&env[..1], &ignoring, "us-east-1").unwrap().origin(),
            EndpointOrigin::Generated
        );
        // The variable beats the profile's key.
        assert_eq!(
            resolve(
                &[env[0], ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false")],
                &ignoring,
                "us-east-1"
            )
            .unwrap()
            .origin(),
            EndpointOrigin::EnvAll
        );
        ignoring.endpoint_url = Some("https://code.example.com".into());
        assert_eq!(
            resolve(&env, &ignoring, "us-east-1").unwrap().origin(),
            EndpointOrigin::Explicit
        );
        s.profile.as_mut().unwrap().ignore_configured_endpoint_urls = Some("maybe".into());
        let err = resolve(&[], &s, "us-east-1").unwrap_err();
        assert!(
            err.to_string()
                .contains("profile \"dev\" ignore_configured_endpoint_urls"),
            "{err}"
        );
    }

    #[test]
    fn fips_and_dual_stack_variants() {
        let on = |fips: bool, dual: bool| EndpointSettings {
            use_fips: Some(fips),
            use_dual_stack: Some(dual),
            ..EndpointSettings::default()
        };
        let url = |s: &EndpointSettings, region: &str| resolve(&[], s, region).unwrap().to_string();
        assert_eq!(
            url(&on(true, false), "us-east-1"),
            "https://oidc-fips.us-east-1.amazonaws.com/"
        );
        assert_eq!(
            url(&on(false, true), "us-east-1"),
            "https://oidc.us-east-1.api.aws/"
        );
        assert_eq!(
            url(&on(true, true), "cn-north-1"),
            "https://oidc-fips.cn-north-1.api.amazonwebservices.com.cn/"
        );
        let err = resolve(&[], &on(false, true), "us-iso-east-1").unwrap_err();
        assert!(err.to_string().contains("aws-iso partition"), "{err}");
        // From the environment, then the profile.
        let from_profile = profile(|p| p.use_fips_endpoint = Some("true".into()));
        assert_eq!(
            url(&from_profile, "eu-west-1"),
            "https://oidc-fips.eu-west-1.amazonaws.com/"
        );
        assert_eq!(
            resolve(
                &[("AWS_USE_FIPS_ENDPOINT", "false")],
                &from_profile,
                "eu-west-1"
            )
            .unwrap()
            .to_string(),
            "https://oidc.eu-west-1.amazonaws.com/"
        );
        let err = resolve(
            &[("AWS_USE_DUALSTACK_ENDPOINT", "yes")],
            &from_profile,
            "eu-west-1",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("AWS_USE_DUALSTACK_ENDPOINT"),
            "{err}"
        );
    }

    #[test]
    fn a_configured_endpoint_with_a_variant_is_a_configuration_error() {
        let err = resolve(
            &[
                ("AWS_ENDPOINT_URL_SSO_OIDC", "https://oidc.example.com"),
                ("AWS_USE_FIPS_ENDPOINT", "true"),
            ],
            &EndpointSettings::default(),
            "us-east-1",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("AWS_ENDPOINT_URL_SSO_OIDC")
                && err.to_string().contains("AWS_USE_FIPS_ENDPOINT")
                && err.to_string().contains("FIPS"),
            "{err}"
        );
    }

    #[test]
    fn configured_urls_are_checked_and_keep_their_path() {
        let at = |url: &str| {
            resolve(
                &[("AWS_ENDPOINT_URL", url)],
                &EndpointSettings::default(),
                "us-east-1",
            )
        };
        let e = at("http://127.0.0.1:9000/pfx/").unwrap();
        assert_eq!(
            e.url_for("/token").unwrap().to_string(),
            "http://127.0.0.1:9000/pfx/token"
        );
        assert!(at("http://localhost:9000").is_ok());
        assert!(at("http://[::1]:9000").is_ok());
        let err = at("http://oidc.internal").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("AWS_ENDPOINT_URL is http://oidc.internal/")
                && err.to_string().contains("plain http is refused"),
            "{err}"
        );
        let err = at("https://user:hunter2@oidc.example.com").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let mut profile = ProfileEndpoint::new("dev");
        profile.endpoint_url = Some("http://a:hunter2@127.0.0.1:1".into());
        let settings = EndpointSettings {
            endpoint_url: Some("https://user:hunter2@oidc.example.com/x@y".into()),
            profile: Some(profile),
            ..EndpointSettings::default()
        };
        let shown = format!("{settings:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("oidc.example.com/x@y"),
            "{shown}"
        );
        assert!(at("https://oidc.example.com/?x=1").is_err());
        assert!(at("oidc.example.com").is_err());
        assert!(at("ftp://oidc.example.com").is_err());
        let insecure = EndpointSettings {
            endpoint_url: Some("http://oidc.internal:8080".into()),
            allow_insecure_http: true,
            ..EndpointSettings::default()
        };
        assert!(resolve(&[], &insecure, "us-east-1").is_ok());
    }

    #[test]
    fn a_region_that_is_no_region_never_reaches_a_host_name() {
        let err = resolve(&[], &EndpointSettings::default(), "evil.com/x").unwrap_err();
        assert!(err.to_string().contains("not a region name"), "{err}");
    }

    #[test]
    fn a_profile_problem_is_reported_when_the_profile_would_be_read() {
        let s = profile(|p| p.problem = Some("profile \"dev\" has services = gone".into()));
        let err = resolve(&[], &s, "us-east-1").unwrap_err();
        assert!(err.to_string().contains("services = gone"), "{err}");
        // A variable above the profile makes the profile irrelevant.
        assert!(
            resolve(
                &[("AWS_ENDPOINT_URL", "https://a.example.com")],
                &s,
                "us-east-1"
            )
            .is_ok()
        );
    }
}
