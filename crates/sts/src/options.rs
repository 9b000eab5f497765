//! [`StsOptions`]: where the STS calls made while resolving credentials go — the one shape of
//! these settings, re-exported by `awsauth-chain` and `awsauth-datasource`.

#[cfg(feature = "client")]
use crate::StsClient;

/// Where and how the STS calls a composite source makes (web identity, assume-role hops of a
/// profile) go. Everything left unset is resolved the way the SDKs do, from the environment
/// (`AWS_REGION`, `AWS_ENDPOINT_URL_STS`, `AWS_USE_FIPS_ENDPOINT`, …) and, for profiles, from
/// the profile's own `region`.
///
/// ```
/// use awsauth_sts::StsOptions;
/// let options = StsOptions::new().region("eu-west-1").use_fips(true);
/// assert_eq!(options.region.as_deref(), Some("eu-west-1"));
/// assert_eq!(options.use_fips, Some(true));
/// assert_eq!(StsOptions::default().endpoint, None);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct StsOptions {
    /// The STS region; wins over `AWS_REGION` / `AWS_DEFAULT_REGION` and a profile's `region`.
    /// Blank means unset.
    pub region: Option<String>,
    /// An explicit STS endpoint URL; wins over `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL`.
    /// Blank means unset.
    pub endpoint: Option<String>,
    /// Use (`Some(true)`) or refuse (`Some(false)`) FIPS endpoints; `None` reads
    /// `AWS_USE_FIPS_ENDPOINT`.
    pub use_fips: Option<bool>,
}

/// Hides any user information in the endpoint URL.
impl std::fmt::Debug for StsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StsOptions")
            .field("region", &self.region)
            .field(
                "endpoint",
                &self.endpoint.as_deref().map(awsauth_core::without_userinfo),
            )
            .field("use_fips", &self.use_fips)
            .finish()
    }
}

impl StsOptions {
    /// Nothing set: everything from the environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Options with an STS region and nothing else.
    pub fn in_region(region: impl Into<String>) -> Self {
        Self::new().region(region)
    }

    /// Sets the STS region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = nonblank(region.into());
        self
    }

    /// Sets an explicit STS endpoint URL.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = nonblank(url.into());
        self
    }

    /// Uses (or refuses) FIPS endpoints.
    pub fn use_fips(mut self, on: bool) -> Self {
        self.use_fips = Some(on);
        self
    }

    /// An STS client for these options (feature `client`). `profile_region` (the `region` of the
    /// profile a step came from) is used only when neither these options nor `AWS_REGION` /
    /// `AWS_DEFAULT_REGION` name a region: [`choose_region`](crate::choose_region) decides.
    #[cfg(feature = "client")]
    pub fn client(&self, profile_region: Option<&str>) -> StsClient {
        let mut client = StsClient::new();
        if let Some(endpoint) = self.endpoint.as_deref().filter(|e| !e.trim().is_empty()) {
            client = client.endpoint_url(endpoint);
        }
        if let Some(region) = self.region.as_deref() {
            client = client.region(region);
        }
        if let Some(region) = profile_region {
            client = client.profile_region(region);
        }
        if let Some(fips) = self.use_fips {
            client = client.use_fips(fips);
        }
        client
    }
}

fn nonblank(value: String) -> Option<String> {
    awsauth_core::nonblank(&value).map(str::to_owned)
}
