//! [`ProfileEndpoint`]: what a profile says about one service's endpoint, as plain values —
//! read by the profile crate, weighed against the environment by the HTTP crate's endpoint
//! rules. One type for both, so neither converts.

use std::borrow::Cow;
use std::fmt;

use crate::REDACTED;

/// The endpoint settings of one profile for one service, as written (trimmed; blank values
/// absent): its `services` section, `endpoint_url` there and in the profile,
/// `ignore_configured_endpoint_urls`, `use_fips_endpoint`, `use_dualstack_endpoint`. Nothing is
/// validated here: the rules that weigh them against the environment do. `Debug` hides any
/// user information in the URLs.
///
/// ```
/// use awsauth_core::ProfileEndpoint;
/// let mut endpoint = ProfileEndpoint::new("dev");
/// endpoint.endpoint_url = Some("https://ops:s3cr3t@proxy.example.com".into());
/// assert!(!format!("{endpoint:?}").contains("s3cr3t"));
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ProfileEndpoint {
    /// The profile, for messages.
    pub profile: String,
    /// `services = NAME`, if set.
    pub services_section: Option<String>,
    /// `endpoint_url` under the service's key in the `[services NAME]` section.
    pub service_endpoint_url: Option<String>,
    /// The profile's own `endpoint_url`.
    pub endpoint_url: Option<String>,
    /// `ignore_configured_endpoint_urls`.
    pub ignore_configured_endpoint_urls: Option<String>,
    /// `use_fips_endpoint`.
    pub use_fips_endpoint: Option<String>,
    /// `use_dualstack_endpoint`.
    pub use_dualstack_endpoint: Option<String>,
    /// Something the profile got wrong that only matters once an endpoint is resolved (a
    /// `services` name with no such section), as a message naming the profile; reported only
    /// then, as botocore does.
    pub problem: Option<String>,
}

impl ProfileEndpoint {
    /// Nothing set, for profile `profile`.
    pub fn new(profile: impl Into<String>) -> Self {
        Self {
            profile: profile.into(),
            ..Self::default()
        }
    }
}

impl fmt::Debug for ProfileEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn url(u: &Option<String>) -> Option<Cow<'_, str>> {
            u.as_deref().map(without_userinfo)
        }
        f.debug_struct("ProfileEndpoint")
            .field("profile", &self.profile)
            .field("services_section", &self.services_section)
            .field("service_endpoint_url", &url(&self.service_endpoint_url))
            .field("endpoint_url", &url(&self.endpoint_url))
            .field(
                "ignore_configured_endpoint_urls",
                &self.ignore_configured_endpoint_urls,
            )
            .field("use_fips_endpoint", &self.use_fips_endpoint)
            .field("use_dualstack_endpoint", &self.use_dualstack_endpoint)
            .field("problem", &self.problem)
            .finish()
    }
}

/// `url` with any user information (`user:password@`) replaced by [`REDACTED`], for `Debug`
/// and messages.
///
/// ```
/// use awsauth_core::without_userinfo;
/// assert_eq!(without_userinfo("https://u:p@h.example/x"), "https://** redacted **@h.example/x");
/// assert_eq!(without_userinfo("https://h.example/a@b"), "https://h.example/a@b");
/// ```
pub fn without_userinfo(url: &str) -> Cow<'_, str> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Cow::Borrowed(url);
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => Cow::Owned(format!("{scheme}://{REDACTED}@{}", &rest[at + 1..])),
        None => Cow::Borrowed(url),
    }
}
