//! Which metadata endpoint to ask: explicit setting > `AWS_EC2_METADATA_SERVICE_ENDPOINT` >
//! profile `ec2_metadata_service_endpoint` > endpoint mode (explicit > environment > profile >
//! IPv4).

use std::fmt;
use std::str::FromStr;

use awsauth_core::{Context, CredentialError};
use awsauth_http::Uri;

use crate::SOURCE_NAME;

/// `AWS_EC2_METADATA_SERVICE_ENDPOINT`: a full endpoint URL that overrides the mode.
pub const ENDPOINT_ENV: &str = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`: `IPv4` or `IPv6` (any case).
pub const ENDPOINT_MODE_ENV: &str = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE";
/// `AWS_EC2_METADATA_DISABLED`: `true` (any case) turns the source off.
pub const DISABLED_ENV: &str = "AWS_EC2_METADATA_DISABLED";
/// The profile key for the endpoint.
pub const PROFILE_ENDPOINT_KEY: &str = "ec2_metadata_service_endpoint";
/// The profile key for the endpoint mode.
pub const PROFILE_ENDPOINT_MODE_KEY: &str = "ec2_metadata_service_endpoint_mode";

/// The address family of the default endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EndpointMode {
    /// `http://169.254.169.254` (the default).
    #[default]
    IPv4,
    /// `http://[fd00:ec2::254]` (Nitro instances in IPv6-enabled subnets).
    IPv6,
}

impl EndpointMode {
    /// The endpoint this mode stands for.
    ///
    /// ```
    /// use awsauth_imds::EndpointMode;
    /// assert_eq!(EndpointMode::IPv6.endpoint(), "http://[fd00:ec2::254]");
    /// assert_eq!("ipv4".parse::<EndpointMode>().unwrap(), EndpointMode::IPv4);
    /// ```
    pub fn endpoint(self) -> &'static str {
        match self {
            Self::IPv4 => "http://169.254.169.254",
            Self::IPv6 => "http://[fd00:ec2::254]",
        }
    }

    /// The canonical spelling (`IPv4`, `IPv6`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IPv4 => "IPv4",
            Self::IPv6 => "IPv6",
        }
    }
}

impl fmt::Display for EndpointMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mode other than `IPv4` / `IPv6`; carries (at most 64 characters of) the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidEndpointMode(pub String);

impl fmt::Display for InvalidEndpointMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not an endpoint mode (expected IPv4 or IPv6)",
            self.0
        )
    }
}

impl std::error::Error for InvalidEndpointMode {}

impl FromStr for EndpointMode {
    type Err = InvalidEndpointMode;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        if trimmed.eq_ignore_ascii_case("ipv4") {
            Ok(Self::IPv4)
        } else if trimmed.eq_ignore_ascii_case("ipv6") {
            Ok(Self::IPv6)
        } else {
            Err(InvalidEndpointMode(trimmed.chars().take(64).collect()))
        }
    }
}

/// The endpoint a client will use, and the setting it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedEndpoint {
    url: String,
    origin: String,
}

impl ResolvedEndpoint {
    /// The base URL without a trailing slash, e.g. `http://169.254.169.254`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where it came from, for humans: `AWS_EC2_METADATA_SERVICE_ENDPOINT`, ``profile `dev`
    /// setting ec2_metadata_service_endpoint``, `default mode IPv4`…
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// The profile's IMDS settings, handed over by a crate that reads profiles (this crate does not
/// depend on the profile crate).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ProfileSettings {
    pub(crate) profile: String,
    pub(crate) endpoint: Option<String>,
    pub(crate) endpoint_mode: Option<String>,
}

/// Everything the endpoint can be resolved from, besides the environment.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct EndpointConfig {
    pub(crate) explicit: Option<String>,
    pub(crate) explicit_mode: Option<EndpointMode>,
    pub(crate) profile: Option<ProfileSettings>,
}

impl fmt::Debug for EndpointConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A URL with user info is refused when used, but must not be printed either.
        let hide = |url: &Option<String>| {
            url.as_deref()
                .map(|u| {
                    if u.contains('@') {
                        "<URL with user info>"
                    } else {
                        u
                    }
                })
                .map(str::to_owned)
        };
        f.debug_struct("EndpointConfig")
            .field("explicit", &hide(&self.explicit))
            .field("explicit_mode", &self.explicit_mode)
            .field(
                "profile",
                &self.profile.as_ref().map(|p| {
                    (
                        p.profile.as_str(),
                        hide(&p.endpoint),
                        p.endpoint_mode.as_deref(),
                    )
                }),
            )
            .finish()
    }
}

fn nonblank(value: Option<&String>) -> Option<&str> {
    value.and_then(|v| awsauth_core::nonblank(v))
}

impl EndpointConfig {
    /// Applies the precedence rules. Once a higher-precedence setting gives the endpoint, the
    /// lower ones (modes included) are not looked at, so they cannot make it fail.
    pub(crate) fn resolve(&self, cx: &Context) -> Result<ResolvedEndpoint, CredentialError> {
        if let Some(url) = nonblank(self.explicit.as_ref()) {
            return validate(url, "the endpoint set in code");
        }
        if let Some(url) = cx.env_nonblank(ENDPOINT_ENV) {
            return validate(&url, ENDPOINT_ENV);
        }
        let profile = self.profile.as_ref();
        if let Some(p) = profile
            && let Some(url) = nonblank(p.endpoint.as_ref())
        {
            return validate(url, &profile_origin(&p.profile, PROFILE_ENDPOINT_KEY));
        }
        let (mode, origin) = if let Some(mode) = self.explicit_mode {
            (mode, "the endpoint mode set in code".to_owned())
        } else if let Some(text) = cx.env_nonblank(ENDPOINT_MODE_ENV) {
            (
                parse_mode(&text, ENDPOINT_MODE_ENV)?,
                ENDPOINT_MODE_ENV.to_owned(),
            )
        } else if let Some(p) = profile
            && let Some(text) = nonblank(p.endpoint_mode.as_ref())
        {
            let origin = profile_origin(&p.profile, PROFILE_ENDPOINT_MODE_KEY);
            (parse_mode(text, &origin)?, origin)
        } else {
            (EndpointMode::IPv4, "the default".to_owned())
        };
        Ok(ResolvedEndpoint {
            url: mode.endpoint().to_owned(),
            origin: format!("mode {mode} from {origin}"),
        })
    }
}

fn profile_origin(profile: &str, key: &str) -> String {
    if profile.is_empty() {
        format!("profile setting {key}")
    } else {
        format!("profile `{profile}` setting {key}")
    }
}

fn parse_mode(text: &str, origin: &str) -> Result<EndpointMode, CredentialError> {
    text.parse().map_err(|e: InvalidEndpointMode| {
        CredentialError::invalid_configuration(SOURCE_NAME, format!("{origin}: {e}"))
    })
}

/// Accepts `http(s)://host[:port][/prefix]`; no user info, query or fragment. The trailing slash
/// is dropped so paths can be appended.
fn validate(url: &str, origin: &str) -> Result<ResolvedEndpoint, CredentialError> {
    let invalid = |why: &str| {
        CredentialError::invalid_configuration(
            SOURCE_NAME,
            format!(
                "{origin} is not a usable endpoint URL ({why}); expected e.g. http://169.254.169.254 or http://[fd00:ec2::254]"
            ),
        )
    };
    if url.contains('@') {
        // Do not echo it: user info would be a credential.
        return Err(invalid("it contains user info"));
    }
    let shown: String = url.chars().take(128).collect();
    let uri: Uri = url
        .parse()
        .map_err(|_| invalid(&format!("`{shown}` does not parse as a URL")))?;
    let scheme = match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") => {
            s.to_ascii_lowercase()
        }
        _ => return Err(invalid(&format!("`{shown}` is not an http or https URL"))),
    };
    let authority = match uri.authority() {
        Some(a) if !a.host().is_empty() => a.as_str(),
        _ => return Err(invalid(&format!("`{shown}` has no host"))),
    };
    if uri.query().is_some() || url.contains('#') {
        return Err(invalid(&format!(
            "`{shown}` has a query or fragment; give only scheme, host, port and path"
        )));
    }
    let path = uri.path().trim_end_matches('/');
    Ok(ResolvedEndpoint {
        url: format!("{scheme}://{authority}{path}"),
        origin: origin.to_owned(),
    })
}

/// True when `AWS_EC2_METADATA_DISABLED` says `true` (any case, surrounding blanks ignored).
pub(crate) fn disabled(cx: &Context) -> bool {
    cx.env_nonblank(DISABLED_ENV)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_normalises_and_refuses() {
        let ok = validate("HTTP://127.0.0.1:1338/", "X").unwrap();
        assert_eq!(ok.url(), "http://127.0.0.1:1338");
        let ok = validate("http://[fd00:ec2::254]/prefix/", "X").unwrap();
        assert_eq!(ok.url(), "http://[fd00:ec2::254]/prefix");
        for bad in [
            "169.254.169.254",
            "ftp://host/",
            "http://",
            "http://h/?q=1",
            "http://h/#f",
            "not a url",
            "http://user:pw@h/",
        ] {
            let err = validate(bad, "VAR").unwrap_err();
            assert!(err.to_string().contains("VAR"), "{err}");
            assert!(!err.to_string().contains("pw@"), "{err}");
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_endpoints_and_modes_resolve_or_are_refused_naming_their_origin(
            text in "\\PC{0,80}",
        ) {
            match validate(&text, "X") {
                Ok(ok) => {
                    proptest::prop_assert!(
                        ok.url().starts_with("http://") || ok.url().starts_with("https://"),
                        "{}", ok.url()
                    );
                    // The same endpoint again: validating its own URL changes nothing.
                    let again = validate(ok.url(), "X").unwrap();
                    proptest::prop_assert_eq!(again.url(), ok.url());
                }
                Err(err) => {
                    proptest::prop_assert_eq!(err.kind(), awsauth_core::ErrorKind::InvalidConfiguration);
                    proptest::prop_assert!(err.to_string().contains("X is not a usable endpoint URL"));
                }
            }
            match text.parse::<EndpointMode>() {
                Ok(mode) => proptest::prop_assert!(text.trim().eq_ignore_ascii_case(mode.as_str())),
                Err(err) => proptest::prop_assert!(err.0.chars().count() <= 64),
            }
        }

        #[test]
        fn url_like_endpoints_keep_scheme_host_and_path_without_user_info_or_a_trailing_slash(
            text in "(https?|ftp)://[a-z0-9@:\\[\\]./?#%-]{0,40}",
        ) {
            match validate(&text, "X") {
                Ok(ok) => {
                    proptest::prop_assert!(!ok.url().ends_with('/'));
                    proptest::prop_assert!(!ok.url().contains('@'));
                    proptest::prop_assert!(text.starts_with(ok.url()), "{} -> {}", text, ok.url());
                }
                Err(err) => {
                    let refused = text.starts_with("ftp")
                        || text.contains(['@', '?', '#'])
                        || text.parse::<Uri>().is_err()
                        || text.parse::<Uri>().is_ok_and(|u| u.host().is_none_or(str::is_empty));
                    proptest::prop_assert!(refused, "{} refused: {}", text, err);
                }
            }
        }
    }

    #[test]
    fn modes_parse_in_any_case() {
        assert_eq!(
            " IPV6 ".parse::<EndpointMode>().unwrap(),
            EndpointMode::IPv6
        );
        assert_eq!("iPv4".parse::<EndpointMode>().unwrap(), EndpointMode::IPv4);
        assert!("ipv5".parse::<EndpointMode>().is_err());
    }
}
