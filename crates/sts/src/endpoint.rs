//! Which STS endpoint to call, and which region to sign for.
//!
//! Order: an explicit endpoint, then `AWS_ENDPOINT_URL_STS`, then `AWS_ENDPOINT_URL`, then the
//! regional endpoint `https://sts.{region}.{dns suffix}` of the region's partition (FIPS:
//! `sts-fips.`). The global `https://sts.amazonaws.com` is used only when
//! `AWS_STS_REGIONAL_ENDPOINTS=legacy` and the region is one of those that used it by default
//! before regional endpoints, or when no region is known. The signing region follows the endpoint.

use std::fmt;

use awsauth_core::Context;
use awsauth_http::Uri;
pub use awsauth_http::endpoint::EndpointError;
use awsauth_http::endpoint::{UrlProblem, check_configured_url, is_region_name};

/// `AWS_ENDPOINT_URL_STS`: the STS endpoint, for STS only.
pub const ENV_ENDPOINT_URL_STS: &str = "AWS_ENDPOINT_URL_STS";
/// `AWS_ENDPOINT_URL`: an endpoint for every service.
pub const ENV_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` disables the two variables above.
pub const ENV_IGNORE_CONFIGURED_ENDPOINT_URLS: &str = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";
/// `AWS_REGION`.
pub const ENV_REGION: &str = "AWS_REGION";
/// `AWS_DEFAULT_REGION`, read when `AWS_REGION` is not set.
pub const ENV_DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
/// `AWS_USE_FIPS_ENDPOINT=true` selects FIPS endpoints.
pub const ENV_USE_FIPS_ENDPOINT: &str = "AWS_USE_FIPS_ENDPOINT";
/// `AWS_STS_REGIONAL_ENDPOINTS=legacy|regional`.
pub const ENV_STS_REGIONAL_ENDPOINTS: &str = "AWS_STS_REGIONAL_ENDPOINTS";

/// The global endpoint.
pub const GLOBAL_ENDPOINT: &str = "https://sts.amazonaws.com/";

/// Regions whose default was the global endpoint before STS went regional by default; with
/// `AWS_STS_REGIONAL_ENDPOINTS=legacy` they still use it.
const LEGACY_GLOBAL_REGIONS: &[&str] = &[
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "aws-global",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// What the caller configured; everything else comes from the environment. `Debug` hides any
/// user information in the endpoint URL.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EndpointConfig {
    /// An explicit endpoint URL (Grafana's **Endpoint** field); wins over everything.
    pub endpoint_url: Option<String>,
    /// An explicit region; wins over `AWS_REGION` and `AWS_DEFAULT_REGION`.
    pub region: Option<String>,
    /// A profile's `region`: used only when neither the explicit region nor the environment
    /// names one ([`choose_region`]).
    pub profile_region: Option<String>,
    /// Use FIPS endpoints; `None` reads `AWS_USE_FIPS_ENDPOINT`. Applies to generated endpoints
    /// only: an explicit or environment endpoint URL is used as given.
    pub use_fips: Option<bool>,
    /// Allow plain `http://` to a host that is not loopback. Off by default: a signed request,
    /// a web identity token and the credentials in the answer would cross the network in clear.
    /// Only code can turn this on (no environment variable does), for test rigs such as a
    /// LocalStack container reached by name.
    pub allow_insecure_http: bool,
}

impl fmt::Debug for EndpointConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EndpointConfig")
            .field(
                "endpoint_url",
                &self
                    .endpoint_url
                    .as_deref()
                    .map(awsauth_core::without_userinfo),
            )
            .field("region", &self.region)
            .field("profile_region", &self.profile_region)
            .field("use_fips", &self.use_fips)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish()
    }
}

/// Where a resolved endpoint came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EndpointOrigin {
    /// The explicit setting.
    Explicit,
    /// `AWS_ENDPOINT_URL_STS`.
    EnvSts,
    /// `AWS_ENDPOINT_URL`.
    EnvAll,
    /// Generated for the region.
    Regional,
    /// Generated FIPS endpoint for the region.
    Fips,
    /// The global endpoint.
    Global,
}

impl EndpointOrigin {
    /// How `explain` describes it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Explicit => "set explicitly",
            Self::EnvSts => "from AWS_ENDPOINT_URL_STS",
            Self::EnvAll => "from AWS_ENDPOINT_URL",
            Self::Regional => "regional endpoint",
            Self::Fips => "FIPS endpoint",
            Self::Global => "global endpoint",
        }
    }
}

/// An endpoint ready to call: the URL to POST to and the region to sign for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedEndpoint {
    url: Uri,
    signing_region: String,
    origin: EndpointOrigin,
}

impl ResolvedEndpoint {
    /// The URL requests are POSTed to.
    pub fn url(&self) -> &Uri {
        &self.url
    }

    /// The region in the SigV4 credential scope.
    pub fn signing_region(&self) -> &str {
        &self.signing_region
    }

    /// Where the endpoint came from.
    pub fn origin(&self) -> EndpointOrigin {
        self.origin
    }
}

impl fmt::Display for ResolvedEndpoint {
    /// `scheme://host[:port]/path`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = self.url.scheme_str().unwrap_or("https");
        let authority = self.url.authority().map(|a| a.as_str()).unwrap_or("");
        write!(f, "{scheme}://{authority}{}", self.url.path())
    }
}

/// Where the region of an STS call (or of the CLI's output) was found; the variants are in
/// precedence order, highest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RegionOrigin {
    /// The caller's region setting (a data source's region, [`StsOptions::region`], code).
    ///
    /// [`StsOptions::region`]: crate::StsOptions::region
    Explicit,
    /// `AWS_REGION`.
    EnvRegion,
    /// `AWS_DEFAULT_REGION`.
    EnvDefaultRegion,
    /// A profile's `region` key.
    Profile,
}

impl fmt::Display for RegionOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Explicit => "the region setting",
            Self::EnvRegion => ENV_REGION,
            Self::EnvDefaultRegion => ENV_DEFAULT_REGION,
            Self::Profile => "the profile's region",
        })
    }
}

/// The region precedence, decided here and nowhere else: the explicit setting, else
/// `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the profile's `region` (aws-config's and
/// botocore's order). Blank counts as unset. A value that is not a region name is an error
/// naming where it came from; the search does not go on past it.
///
/// ```
/// use awsauth_core::{Context, MapEnv};
/// use awsauth_sts::{choose_region, RegionOrigin};
/// let cx = Context::builder().env(MapEnv::from([("AWS_DEFAULT_REGION", "eu-west-1")])).build();
/// // The environment beats a profile's region…
/// assert_eq!(
///     choose_region(&cx, None, Some("us-west-2")).unwrap(),
///     Some(("eu-west-1".to_owned(), RegionOrigin::EnvDefaultRegion))
/// );
/// // …and an explicit region beats both.
/// assert_eq!(
///     choose_region(&cx, Some("us-east-2"), Some("us-west-2")).unwrap(),
///     Some(("us-east-2".to_owned(), RegionOrigin::Explicit))
/// );
/// ```
pub fn choose_region(
    cx: &Context,
    explicit: Option<&str>,
    profile: Option<&str>,
) -> Result<Option<(String, RegionOrigin)>, EndpointError> {
    let given = |value: Option<&str>| {
        value
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
    };
    let found = given(explicit)
        .map(|r| (r, RegionOrigin::Explicit))
        .or_else(|| {
            cx.env_nonblank(ENV_REGION)
                .map(|r| (r, RegionOrigin::EnvRegion))
        })
        .or_else(|| {
            cx.env_nonblank(ENV_DEFAULT_REGION)
                .map(|r| (r, RegionOrigin::EnvDefaultRegion))
        })
        .or_else(|| given(profile).map(|r| (r, RegionOrigin::Profile)));
    match found {
        None => Ok(None),
        Some((region, origin)) if is_region_name(&region) => Ok(Some((region, origin))),
        Some((region, origin)) => Err(EndpointError::NotARegion {
            origin: origin.to_string(),
            region: region.chars().take(64).collect(),
        }),
    }
}

/// The region of an STS call without a profile: [`choose_region`] with no profile region.
///
/// ```
/// use awsauth_core::{Context, MapEnv};
/// use awsauth_sts::resolve_region;
/// let cx = Context::builder().env(MapEnv::from([("AWS_DEFAULT_REGION", "eu-west-1")])).build();
/// assert_eq!(resolve_region(&cx, None).unwrap().as_deref(), Some("eu-west-1"));
/// assert_eq!(resolve_region(&cx, Some("us-east-2")).unwrap().as_deref(), Some("us-east-2"));
/// ```
pub fn resolve_region(
    cx: &Context,
    explicit: Option<&str>,
) -> Result<Option<String>, EndpointError> {
    Ok(choose_region(cx, explicit, None)?.map(|(region, _)| region))
}

/// The partition's DNS suffix for a region.
fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else if region.starts_with("us-isob-") {
        "sc2s.sgov.gov"
    } else if region.starts_with("us-isof-") {
        "csp.hci.ic.gov"
    } else if region.starts_with("us-iso-") {
        "c2s.ic.gov"
    } else if region.starts_with("eu-isoe-") {
        "cloud.adc-e.uk"
    } else if region.starts_with("eusc-") {
        "amazonaws.eu"
    } else {
        "amazonaws.com"
    }
}

fn env_flag(cx: &Context, name: &str) -> Result<Option<bool>, EndpointError> {
    match cx.env_nonblank(name) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(v) => Err(EndpointError::InvalidValue {
            setting: name.to_owned(),
            value: v.chars().take(64).collect(),
            expected: "true or false",
        }),
    }
}

/// Resolves the endpoint for `config` in `cx`'s environment. No network.
///
/// ```
/// use awsauth_core::{Context, MapEnv};
/// use awsauth_sts::{resolve_endpoint, EndpointConfig};
/// let cx = Context::builder().env(MapEnv::from([("AWS_REGION", "cn-north-1")])).build();
/// let endpoint = resolve_endpoint(&cx, &EndpointConfig::default()).unwrap();
/// assert_eq!(endpoint.to_string(), "https://sts.cn-north-1.amazonaws.com.cn/");
/// assert_eq!(endpoint.signing_region(), "cn-north-1");
/// ```
pub fn resolve_endpoint(
    cx: &Context,
    config: &EndpointConfig,
) -> Result<ResolvedEndpoint, EndpointError> {
    let region = choose_region(
        cx,
        config.region.as_deref(),
        config.profile_region.as_deref(),
    )?
    .map(|(region, _)| region);
    if let Some((url, origin)) = custom_endpoint(cx, config)? {
        return custom(&url, origin, region, config.allow_insecure_http);
    }
    let fips = match config.use_fips {
        Some(fips) => fips,
        None => env_flag(cx, ENV_USE_FIPS_ENDPOINT)?.unwrap_or(false),
    };
    let legacy = match cx.env_nonblank(ENV_STS_REGIONAL_ENDPOINTS) {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("legacy") => true,
        Some(v) if v.eq_ignore_ascii_case("regional") => false,
        Some(v) => {
            return Err(EndpointError::InvalidValue {
                setting: ENV_STS_REGIONAL_ENDPOINTS.to_owned(),
                value: v.chars().take(64).collect(),
                expected: "legacy or regional",
            });
        }
    };
    let global = || {
        generated(
            GLOBAL_ENDPOINT.to_owned(),
            "us-east-1",
            EndpointOrigin::Global,
        )
    };
    let Some(region) = region else {
        return if fips {
            generated(
                "https://sts-fips.us-east-1.amazonaws.com/".to_owned(),
                "us-east-1",
                EndpointOrigin::Fips,
            )
        } else {
            global()
        };
    };
    if !fips
        && (region == "aws-global" || (legacy && LEGACY_GLOBAL_REGIONS.contains(&region.as_str())))
    {
        return global();
    }
    let suffix = dns_suffix(&region);
    if fips {
        // GovCloud's regular endpoints are already FIPS endpoints.
        let host = if region.starts_with("us-gov-") {
            "sts"
        } else {
            "sts-fips"
        };
        let region = if region == "aws-global" {
            "us-east-1".to_owned()
        } else {
            region
        };
        return generated(
            format!("https://{host}.{region}.{suffix}/"),
            &region,
            EndpointOrigin::Fips,
        );
    }
    generated(
        format!("https://sts.{region}.{suffix}/"),
        &region,
        EndpointOrigin::Regional,
    )
}

fn custom_endpoint(
    cx: &Context,
    config: &EndpointConfig,
) -> Result<Option<(String, EndpointOrigin)>, EndpointError> {
    if let Some(url) = config
        .endpoint_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        return Ok(Some((url.to_owned(), EndpointOrigin::Explicit)));
    }
    if env_flag(cx, ENV_IGNORE_CONFIGURED_ENDPOINT_URLS)? == Some(true) {
        return Ok(None);
    }
    Ok(cx
        .env_nonblank(ENV_ENDPOINT_URL_STS)
        .map(|u| (u, EndpointOrigin::EnvSts))
        .or_else(|| {
            cx.env_nonblank(ENV_ENDPOINT_URL)
                .map(|u| (u, EndpointOrigin::EnvAll))
        }))
}

fn generated(
    url: String,
    signing_region: &str,
    origin: EndpointOrigin,
) -> Result<ResolvedEndpoint, EndpointError> {
    let url = url.parse::<Uri>().map_err(|e| EndpointError::UnusableUrl {
        setting: format!("the generated endpoint {url}"),
        problem: UrlProblem::NotAUrl {
            reason: e.to_string(),
        },
    })?;
    Ok(ResolvedEndpoint {
        url,
        signing_region: signing_region.to_owned(),
        origin,
    })
}

fn custom(
    url: &str,
    origin: EndpointOrigin,
    region: Option<String>,
    allow_insecure_http: bool,
) -> Result<ResolvedEndpoint, EndpointError> {
    let named = match origin {
        EndpointOrigin::EnvSts => ENV_ENDPOINT_URL_STS,
        EndpointOrigin::EnvAll => ENV_ENDPOINT_URL,
        _ => "the endpoint setting",
    };
    let uri = check_configured_url(
        url,
        named,
        "https://sts.eu-west-1.amazonaws.com",
        "the signed request, any web identity token and the returned credentials would travel \
         in clear",
        allow_insecure_http,
    )?;
    let Some(authority) = uri.authority() else {
        return Err(EndpointError::UnusableUrl {
            setting: named.to_owned(),
            problem: UrlProblem::NoHost,
        });
    };
    let host = authority.host().to_owned();
    let path = if uri.path().is_empty() {
        "/"
    } else {
        uri.path()
    };
    let url = format!(
        "{}://{}{}",
        uri.scheme_str().unwrap_or("https"),
        authority.as_str(),
        path
    )
    .parse::<Uri>()
    .map_err(|e| EndpointError::UnusableUrl {
        setting: named.to_owned(),
        problem: UrlProblem::NotAUrl {
            reason: e.to_string(),
        },
    })?;
    let signing_region = region_in_host(&host)
        .or(region)
        .unwrap_or_else(|| "us-east-1".to_owned());
    Ok(ResolvedEndpoint {
        url,
        signing_region,
        origin,
    })
}

/// The region an AWS STS host name implies: `sts[-fips].{region}.…` (also inside VPC endpoint
/// names), or `us-east-1` for the global `sts.amazonaws.com`.
fn region_in_host(host: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    if host == "sts.amazonaws.com" {
        return Some("us-east-1".to_owned());
    }
    let labels: Vec<&str> = host.split('.').collect();
    labels
        .windows(2)
        .find(|pair| {
            matches!(pair.first(), Some(&"sts" | &"sts-fips"))
                && pair.get(1).is_some_and(|r| {
                    is_region_name(r)
                        && r.contains('-')
                        && r.bytes().last().is_some_and(|b| b.is_ascii_digit())
                })
        })
        .and_then(|pair| pair.get(1))
        .map(|r| (*r).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one precedence: explicit, `AWS_REGION`, `AWS_DEFAULT_REGION`, profile; blank is
    /// unset at every level; a bad value stops the search and names its origin.
    #[test]
    fn choose_region_takes_the_first_level_that_names_a_region() {
        use awsauth_core::MapEnv;
        let env = |vars: &[(&str, &str)]| {
            Context::builder()
                .env(MapEnv::from_iter(
                    vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
                ))
                .build()
        };
        let both = env(&[
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "eu-west-2"),
        ]);
        let default_only = env(&[("AWS_REGION", "  "), ("AWS_DEFAULT_REGION", "eu-west-2")]);
        let none = env(&[]);
        let chosen =
            |cx: &Context, explicit, profile| choose_region(cx, explicit, profile).unwrap();
        assert_eq!(
            chosen(&both, Some("us-east-2"), Some("ap-south-1")),
            Some(("us-east-2".into(), RegionOrigin::Explicit))
        );
        assert_eq!(
            chosen(&both, Some(" "), Some("ap-south-1")),
            Some(("eu-west-1".into(), RegionOrigin::EnvRegion))
        );
        assert_eq!(
            chosen(&default_only, None, Some("ap-south-1")),
            Some(("eu-west-2".into(), RegionOrigin::EnvDefaultRegion))
        );
        assert_eq!(
            chosen(&none, None, Some(" ap-south-1 ")),
            Some(("ap-south-1".into(), RegionOrigin::Profile))
        );
        assert_eq!(chosen(&none, None, Some("")), None);
        let bad = choose_region(
            &env(&[("AWS_REGION", "eu west 1")]),
            None,
            Some("ap-south-1"),
        )
        .unwrap_err();
        assert!(bad.to_string().starts_with("AWS_REGION holds"), "{bad}");
        assert!(
            matches!(&bad, EndpointError::NotARegion { origin, region } if origin == "AWS_REGION" && region == "eu west 1"),
            "{bad:?}"
        );
        // A profile's region is below the environment: resolving an endpoint uses it only then.
        let config = EndpointConfig {
            profile_region: Some("ap-south-1".into()),
            ..EndpointConfig::default()
        };
        assert_eq!(
            resolve_endpoint(&both, &config).unwrap().signing_region(),
            "eu-west-1"
        );
        assert_eq!(
            resolve_endpoint(&none, &config).unwrap().signing_region(),
            "ap-south-1"
        );
    }
    use awsauth_core::MapEnv;

    fn resolve(
        env: &[(&str, &str)],
        config: EndpointConfig,
    ) -> Result<ResolvedEndpoint, EndpointError> {
        let env: MapEnv = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        resolve_endpoint(&Context::builder().env(env).build(), &config)
    }

    fn url(env: &[(&str, &str)], config: EndpointConfig) -> (String, String) {
        let e = resolve(env, config).unwrap();
        (e.to_string(), e.signing_region().to_owned())
    }

    fn region(r: &str) -> EndpointConfig {
        EndpointConfig {
            region: Some(r.into()),
            ..Default::default()
        }
    }

    #[test]
    fn regional_endpoints_per_partition() {
        let cases = [
            ("us-east-1", "https://sts.us-east-1.amazonaws.com/"),
            ("eu-west-1", "https://sts.eu-west-1.amazonaws.com/"),
            ("cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn/"),
            (
                "cn-northwest-1",
                "https://sts.cn-northwest-1.amazonaws.com.cn/",
            ),
            ("us-gov-west-1", "https://sts.us-gov-west-1.amazonaws.com/"),
            ("us-iso-east-1", "https://sts.us-iso-east-1.c2s.ic.gov/"),
            (
                "us-isob-east-1",
                "https://sts.us-isob-east-1.sc2s.sgov.gov/",
            ),
        ];
        for (r, expected) in cases {
            assert_eq!(url(&[], region(r)), (expected.to_owned(), r.to_owned()));
        }
    }

    #[test]
    fn region_precedence() {
        let env = [
            ("AWS_REGION", "eu-west-2"),
            ("AWS_DEFAULT_REGION", "eu-west-3"),
        ];
        assert_eq!(url(&env, region("ap-south-1")).1, "ap-south-1");
        assert_eq!(url(&env, EndpointConfig::default()).1, "eu-west-2");
        assert_eq!(url(&env[1..], EndpointConfig::default()).1, "eu-west-3");
        assert_eq!(
            url(&[("AWS_REGION", "  ")], EndpointConfig::default()).1,
            "us-east-1"
        );
        let err = resolve(&[("AWS_REGION", "eu west")], EndpointConfig::default()).unwrap_err();
        assert!(err.to_string().contains("AWS_REGION"), "{err}");
        let err = resolve(&[], region("evil.com/x")).unwrap_err();
        assert!(err.to_string().contains("region setting"), "{err}");
    }

    #[test]
    fn fips_endpoints() {
        let fips = |r: &str| EndpointConfig {
            use_fips: Some(true),
            ..region(r)
        };
        assert_eq!(
            url(&[], fips("us-east-2")),
            (
                "https://sts-fips.us-east-2.amazonaws.com/".into(),
                "us-east-2".into()
            )
        );
        assert_eq!(
            url(&[], fips("us-gov-east-1")).0,
            "https://sts.us-gov-east-1.amazonaws.com/"
        );
        assert_eq!(
            url(&[], fips("cn-north-1")).0,
            "https://sts-fips.cn-north-1.amazonaws.com.cn/"
        );
        assert_eq!(
            url(&[("AWS_USE_FIPS_ENDPOINT", "TRUE")], region("us-west-2")).0,
            "https://sts-fips.us-west-2.amazonaws.com/"
        );
        assert_eq!(
            url(
                &[("AWS_USE_FIPS_ENDPOINT", "true")],
                EndpointConfig {
                    use_fips: Some(false),
                    ..region("us-west-2")
                }
            )
            .0,
            "https://sts.us-west-2.amazonaws.com/",
            "the explicit setting wins over the variable"
        );
        assert_eq!(
            url(
                &[("AWS_STS_REGIONAL_ENDPOINTS", "legacy")],
                fips("us-east-1")
            )
            .0,
            "https://sts-fips.us-east-1.amazonaws.com/",
            "FIPS never uses the (non-FIPS) global endpoint"
        );
        let err = resolve(&[("AWS_USE_FIPS_ENDPOINT", "yes")], region("us-east-1")).unwrap_err();
        assert!(err.to_string().contains("AWS_USE_FIPS_ENDPOINT"), "{err}");
    }

    #[test]
    fn global_endpoint_only_for_legacy_regions_or_no_region() {
        let legacy = [("AWS_STS_REGIONAL_ENDPOINTS", "legacy")];
        assert_eq!(
            url(&legacy, region("eu-west-1")),
            ("https://sts.amazonaws.com/".into(), "us-east-1".into())
        );
        assert_eq!(
            url(&legacy, region("af-south-1")).0,
            "https://sts.af-south-1.amazonaws.com/",
            "a region added after regionalisation stays regional"
        );
        assert_eq!(
            url(&legacy, region("cn-north-1")).0,
            "https://sts.cn-north-1.amazonaws.com.cn/"
        );
        assert_eq!(
            url(
                &[("AWS_STS_REGIONAL_ENDPOINTS", "regional")],
                region("eu-west-1")
            )
            .0,
            "https://sts.eu-west-1.amazonaws.com/"
        );
        assert_eq!(
            url(&[], region("eu-west-1")).0,
            "https://sts.eu-west-1.amazonaws.com/"
        );
        assert_eq!(
            url(&[], EndpointConfig::default()),
            ("https://sts.amazonaws.com/".into(), "us-east-1".into())
        );
        assert_eq!(
            url(&[], region("aws-global")).0,
            "https://sts.amazonaws.com/"
        );
        let err = resolve(
            &[("AWS_STS_REGIONAL_ENDPOINTS", "global")],
            region("us-east-1"),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("AWS_STS_REGIONAL_ENDPOINTS"),
            "{err}"
        );
    }

    #[test]
    fn custom_endpoint_precedence() {
        let env = [
            ("AWS_ENDPOINT_URL_STS", "https://sts-proxy.example.com"),
            ("AWS_ENDPOINT_URL", "https://all.example.com"),
        ];
        let explicit = EndpointConfig {
            endpoint_url: Some("https://explicit.example.com/sts".into()),
            ..region("eu-central-1")
        };
        let e = resolve(&env, explicit).unwrap();
        assert_eq!(e.to_string(), "https://explicit.example.com/sts");
        assert_eq!(e.origin(), EndpointOrigin::Explicit);
        assert_eq!(e.signing_region(), "eu-central-1");
        let e = resolve(&env, region("eu-central-1")).unwrap();
        assert_eq!(
            (e.to_string(), e.origin()),
            (
                "https://sts-proxy.example.com/".into(),
                EndpointOrigin::EnvSts
            )
        );
        let e = resolve(&env[1..], region("eu-central-1")).unwrap();
        assert_eq!(
            (e.to_string(), e.origin()),
            ("https://all.example.com/".into(), EndpointOrigin::EnvAll)
        );
        let ignore = [env[0], ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")];
        assert_eq!(
            url(&ignore, region("eu-central-1")).0,
            "https://sts.eu-central-1.amazonaws.com/"
        );
        assert_eq!(
            url(
                &env,
                EndpointConfig {
                    use_fips: Some(true),
                    ..region("us-east-1")
                }
            )
            .0,
            "https://sts-proxy.example.com/",
            "FIPS applies to generated endpoints only"
        );
    }

    #[test]
    fn signing_region_follows_the_endpoint() {
        let at = |u: &str, r: Option<&str>| {
            resolve(
                &[],
                EndpointConfig {
                    endpoint_url: Some(u.into()),
                    region: r.map(Into::into),
                    ..Default::default()
                },
            )
            .unwrap()
            .signing_region()
            .to_owned()
        };
        assert_eq!(
            at("https://sts.eu-west-1.amazonaws.com", Some("us-east-1")),
            "eu-west-1"
        );
        assert_eq!(
            at("https://sts-fips.us-east-2.amazonaws.com", None),
            "us-east-2"
        );
        assert_eq!(
            at("https://sts.amazonaws.com", Some("eu-west-1")),
            "us-east-1"
        );
        assert_eq!(
            at(
                "https://vpce-0abc-xyz.sts.ap-southeast-2.vpce.amazonaws.com",
                None
            ),
            "ap-southeast-2"
        );
        assert_eq!(
            at("https://sts.cn-north-1.amazonaws.com.cn", None),
            "cn-north-1"
        );
        assert_eq!(at("https://proxy.internal", Some("sa-east-1")), "sa-east-1");
        assert_eq!(at("https://proxy.internal", None), "us-east-1");
    }

    #[test]
    fn plain_http_only_to_loopback_or_by_explicit_opt_in() {
        let with = |u: &str, allow: bool| {
            resolve(
                &[],
                EndpointConfig {
                    endpoint_url: Some(u.into()),
                    allow_insecure_http: allow,
                    ..Default::default()
                },
            )
        };
        assert!(with("http://127.0.0.1:4566", false).is_ok());
        assert!(with("http://127.9.9.9:4566", false).is_ok());
        assert!(with("http://localhost:4566", false).is_ok());
        assert!(with("http://[::1]:4566", false).is_ok());
        let err = with("http://localstack:4566", false).unwrap_err();
        assert!(
            err.to_string().contains("plain http is refused")
                && err.to_string().contains("http://localstack:4566"),
            "{err}"
        );
        assert!(
            with("http://169.254.169.254", false).is_err(),
            "link-local is not loopback"
        );
        assert!(with("http://localstack:4566", true).is_ok());
        let err = resolve(
            &[("AWS_ENDPOINT_URL_STS", "http://10.0.0.1")],
            EndpointConfig::default(),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("AWS_ENDPOINT_URL_STS"), "{err}");
        assert!(with("ftp://example.com", true).is_err());
    }

    #[test]
    fn malformed_custom_endpoints_are_refused_without_echoing_userinfo() {
        let with = |u: &str| {
            resolve(
                &[],
                EndpointConfig {
                    endpoint_url: Some(u.into()),
                    ..Default::default()
                },
            )
        };
        let err = with("https://user:hunter2@sts.example.com").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(with("sts.example.com").is_err());
        assert!(with("https://").is_err());
        assert!(with("https://sts.example.com/?Action=x").is_err());
        assert!(with("not a url at all").is_err());
        assert_eq!(
            with("https://sts.example.com:8443").unwrap().to_string(),
            "https://sts.example.com:8443/"
        );
    }
}
