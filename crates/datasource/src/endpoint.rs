//! Regions and endpoints: the opt-in region list, the STS region rule and how a data source's
//! custom endpoint is used.

use crate::DatasourceError;

/// Regions an AWS account must opt into. Credentials from an account that has not enabled
/// them are rejected by their regional STS, so STS calls for data sources in these regions go to
/// `us-east-1` instead. This is the one place the list is kept.
pub const OPT_IN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
];

/// Where STS calls go when a data source in an opt-in region assumes a role.
pub const OPT_IN_STS_REGION: &str = "us-east-1";

/// Whether `region` is an opt-in region.
pub fn is_opt_in_region(region: &str) -> bool {
    OPT_IN_REGIONS.contains(&region)
}

/// The region STS calls use for a data source in `region`: the region itself, or `us-east-1`
/// for an opt-in region.
///
/// ```
/// use awsauth_datasource::sts_region_for;
/// assert_eq!(sts_region_for("eu-west-1"), "eu-west-1");
/// assert_eq!(sts_region_for("af-south-1"), "us-east-1");
/// ```
pub fn sts_region_for(region: &str) -> &str {
    if is_opt_in_region(region) {
        OPT_IN_STS_REGION
    } else {
        region
    }
}

/// Checks that a region looks like one (lowercase letters, digits and hyphens), so it is safe to
/// put into a host name such as `sts.{region}.amazonaws.com`.
pub(crate) fn check_region(region: &str) -> Result<(), DatasourceError> {
    if awsauth_http::endpoint::is_region_name(region) {
        Ok(())
    } else {
        Err(DatasourceError::settings(
            "jsonData.region",
            format!("{region:?} is not a region name (lowercase letters, digits and hyphens)"),
        ))
    }
}

/// What a data source's custom endpoint means, once classified.
///
/// - empty or `default`: no custom endpoint;
/// - containing `-fips.`: use the FIPS endpoints, and do not use it as a base URL;
/// - starting with `sts.` or `sts-fips.` (with or without `https://`): used for STS only;
/// - anything else: the service's base URL (`https://` is added when there is no scheme).
///
/// ```
/// use awsauth_datasource::Endpoints;
/// let e = Endpoints::classify(Some("monitoring.example.com"));
/// assert_eq!(e.service_endpoint.as_deref(), Some("https://monitoring.example.com"));
/// let e = Endpoints::classify(Some("sts.eu-west-1.amazonaws.com"));
/// assert_eq!(e.service_endpoint, None);
/// assert_eq!(e.sts_endpoint.as_deref(), Some("https://sts.eu-west-1.amazonaws.com"));
/// let e = Endpoints::classify(Some("https://monitoring-fips.us-east-1.amazonaws.com"));
/// assert!(e.use_fips && e.service_endpoint.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Endpoints {
    /// The base URL for the data source's service client, if any.
    pub service_endpoint: Option<String>,
    /// The endpoint for STS calls made while resolving credentials, if any.
    pub sts_endpoint: Option<String>,
    /// Whether FIPS endpoints should be used.
    pub use_fips: bool,
}

impl Endpoints {
    /// Classifies a data source's `endpoint` setting.
    pub fn classify(endpoint: Option<&str>) -> Self {
        let endpoint = endpoint.map(str::trim).unwrap_or_default();
        if endpoint.is_empty() || endpoint == "default" {
            return Self::default();
        }
        let host_part = endpoint
            .strip_prefix("https://")
            .or_else(|| endpoint.strip_prefix("http://"))
            .unwrap_or(endpoint);
        let is_sts = host_part.starts_with("sts.") || host_part.starts_with("sts-fips.");
        if is_sts {
            return Self {
                service_endpoint: None,
                sts_endpoint: Some(with_scheme(endpoint)),
                use_fips: host_part.starts_with("sts-fips."),
            };
        }
        if endpoint.contains("-fips.") {
            return Self {
                use_fips: true,
                ..Self::default()
            };
        }
        Self {
            service_endpoint: Some(with_scheme(endpoint)),
            ..Self::default()
        }
    }
}

fn with_scheme(endpoint: &str) -> String {
    if endpoint.contains("://") {
        endpoint.to_owned()
    } else {
        format!("https://{endpoint}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opt_in_list_is_sorted_and_complete() {
        let mut sorted = OPT_IN_REGIONS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, OPT_IN_REGIONS);
        assert_eq!(OPT_IN_REGIONS.len(), 17);
        assert!(!is_opt_in_region("us-east-1"));
    }

    #[test]
    fn classification() {
        assert_eq!(Endpoints::classify(None), Endpoints::default());
        assert_eq!(Endpoints::classify(Some(" default ")), Endpoints::default());
        let e = Endpoints::classify(Some("https://sts-fips.us-east-1.amazonaws.com"));
        assert_eq!(
            e.sts_endpoint.as_deref(),
            Some("https://sts-fips.us-east-1.amazonaws.com")
        );
        assert!(e.use_fips);
        assert!(e.service_endpoint.is_none());
        let e = Endpoints::classify(Some("http://localhost:4566"));
        assert_eq!(e.service_endpoint.as_deref(), Some("http://localhost:4566"));
    }

    #[test]
    fn regions_must_be_host_safe() {
        assert!(check_region("eu-west-1").is_ok());
        for bad in ["", "EU", "evil.com#", "us-east-1/x", "-a", "a b"] {
            assert!(check_region(bad).is_err(), "{bad:?}");
        }
        // A region is one DNS label: 63 characters at most, the limit STS's endpoint applies.
        assert!(check_region(&"a".repeat(63)).is_ok());
        assert!(check_region(&"a".repeat(64)).is_err());
    }
}
