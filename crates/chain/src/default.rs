//! [`DefaultChain`]: the AWS SDK default credential chain, built from awsauth's own sources.

use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "container")]
use awsauth_container::ContainerSource;
use awsauth_core::{
    Chain, Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, async_trait,
};
use awsauth_profile::ProfileCache;
use awsauth_static::EnvSource;
#[cfg(feature = "web-identity")]
use awsauth_web_identity::WebIdentitySource;

#[cfg(feature = "imds")]
use crate::ProfileAwareImds;
use crate::{ProfileChain, StsOptions};

/// The SDK default chain with [`StsOptions`] for its STS calls (web identity, the roles of a
/// profile), every link at its default. Same as `DefaultChain::builder().sts(sts).build()`.
///
/// ```
/// use awsauth_chain::{default_chain, StsOptions};
/// use awsauth_core::{Context, CredentialSource, MapEnv, Status};
/// let chain = default_chain(StsOptions::new().region("eu-west-1"));
/// let cx = Context::builder()
///     .env(MapEnv::from([("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "s")]))
///     .build();
/// let lines = chain.explain(&cx); // no network
/// let names: Vec<&str> = lines.iter().map(|l| l.source.as_str()).collect();
/// assert_eq!(names, ["env", "profile", "web-identity", "container", "imds"]);
/// assert_eq!(lines[0].status, Status::Configured);
/// ```
pub fn default_chain(sts: StsOptions) -> DefaultChain {
    DefaultChain::builder().sts(sts).build()
}

/// The AWS SDK default credential chain: environment variables → the profile
/// (`AWS_PROFILE`, else `default`, its plan executed by [`ProfileChain`]) → web identity from
/// `AWS_WEB_IDENTITY_TOKEN_FILE` / `AWS_ROLE_ARN` → the container credentials endpoint (ECS,
/// EKS Pod Identity) → IMDS ([`ProfileAwareImds`]).
///
/// A link that is not configured here is skipped; a link that is configured but fails — a
/// half-set `AWS_ACCESS_KEY_ID`, a broken profile, an STS refusal — stops the chain with its
/// error (see [`Chain`]). When no link is configured, the error lists every link's reason.
///
/// Build it with [`default_chain`], or with [`DefaultChain::builder`] to replace or turn off
/// links: the builder has one slot per link (set it or turn it off), reqsign style.
///
/// Each default link is there when the cargo feature of its source is on (`web-identity`,
/// `container`, `imds`; the environment and profile links always): a build without them has
/// no default for those slots, and a source set in a slot is used whatever the features.
#[derive(Debug, Clone)]
pub struct DefaultChain {
    chain: Chain,
}

impl DefaultChain {
    /// A builder with every link at its default.
    pub fn builder() -> DefaultChainBuilder {
        DefaultChainBuilder {
            sts: StsOptions::default(),
            env: Slot::Default,
            profile: Slot::Default,
            web_identity: Slot::Default,
            container: Slot::Default,
            imds: Slot::Default,
        }
    }

    /// The links, in order (turned-off links are absent).
    pub fn links(&self) -> &[Arc<dyn CredentialSource>] {
        self.chain.links()
    }
}

#[async_trait]
impl CredentialSource for DefaultChain {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        self.chain.provide(cx).await
    }

    fn name(&self) -> &str {
        self.chain.name()
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        self.chain.explain(cx)
    }

    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        self.chain.plan(cx)
    }

    fn recheck_interval(&self) -> Option<Duration> {
        self.chain.recheck_interval()
    }
}

/// One link of the default chain: the default source, another source, or none.
#[derive(Debug, Clone, Default)]
enum Slot {
    #[default]
    Default,
    Set(Arc<dyn CredentialSource>),
    Off,
}

impl Slot {
    /// The link: `default()` (`None` when this build has no default source for it), the set
    /// source, or none.
    fn resolve(
        self,
        default: impl FnOnce() -> Option<Arc<dyn CredentialSource>>,
    ) -> Option<Arc<dyn CredentialSource>> {
        match self {
            Self::Default => default(),
            Self::Set(source) => Some(source),
            Self::Off => None,
        }
    }
}

/// Builder for [`DefaultChain`]: one slot per link, in chain order. Each slot holds the
/// default source until it is set to another source (`env(…)`, `profile(…)`, …) or turned off
/// (`no_env()`, …).
///
/// ```
/// use awsauth_chain::{DefaultChain, ProfileChain, StsOptions};
/// use awsauth_core::{CredentialSource, Context};
/// let chain = DefaultChain::builder()
///     .sts(StsOptions::new().region("us-west-2"))
///     .profile(ProfileChain::new().profile("grafana"))
///     .no_imds() // not on EC2: do not wait for the metadata service
///     .build();
/// let names: Vec<&str> = chain.links().iter().map(|l| l.name()).collect();
/// assert_eq!(names, ["env", "profile:grafana", "web-identity", "container"]);
/// ```
#[derive(Debug, Clone)]
pub struct DefaultChainBuilder {
    sts: StsOptions,
    env: Slot,
    profile: Slot,
    web_identity: Slot,
    container: Slot,
    imds: Slot,
}

impl DefaultChainBuilder {
    /// Where the STS calls of the default web identity and profile links go. A source set in a
    /// slot keeps its own settings.
    pub fn sts(mut self, options: StsOptions) -> Self {
        self.sts = options;
        self
    }

    /// Replaces the environment link (default: [`EnvSource`]).
    pub fn env(mut self, source: impl CredentialSource + 'static) -> Self {
        self.env = Slot::Set(Arc::new(source));
        self
    }

    /// Leaves the environment link out.
    pub fn no_env(mut self) -> Self {
        self.env = Slot::Off;
        self
    }

    /// Replaces the profile link (default: [`ProfileChain::new`] with the chain's
    /// [`StsOptions`]).
    pub fn profile(mut self, source: impl CredentialSource + 'static) -> Self {
        self.profile = Slot::Set(Arc::new(source));
        self
    }

    /// Leaves the profile link out.
    pub fn no_profile(mut self) -> Self {
        self.profile = Slot::Off;
        self
    }

    /// Replaces the web identity link (default, with the `web-identity` feature:
    /// `WebIdentitySource::from_env` with the chain's [`StsOptions`]).
    pub fn web_identity(mut self, source: impl CredentialSource + 'static) -> Self {
        self.web_identity = Slot::Set(Arc::new(source));
        self
    }

    /// Leaves the web identity link out.
    pub fn no_web_identity(mut self) -> Self {
        self.web_identity = Slot::Off;
        self
    }

    /// Replaces the container link (default, with the `container` feature:
    /// `ContainerSource::new`).
    pub fn container(mut self, source: impl CredentialSource + 'static) -> Self {
        self.container = Slot::Set(Arc::new(source));
        self
    }

    /// Leaves the container link out.
    pub fn no_container(mut self) -> Self {
        self.container = Slot::Off;
        self
    }

    /// Replaces the IMDS link (default, with the `imds` feature: `ProfileAwareImds::new`).
    pub fn imds(mut self, source: impl CredentialSource + 'static) -> Self {
        self.imds = Slot::Set(Arc::new(source));
        self
    }

    /// Leaves the IMDS link out.
    pub fn no_imds(mut self) -> Self {
        self.imds = Slot::Off;
        self
    }

    /// Finishes. The default profile and IMDS links share one profile file cache.
    pub fn build(self) -> DefaultChain {
        let files = ProfileCache::new();
        let sts = self.sts;
        let links = [
            self.env.resolve(|| Some(Arc::new(EnvSource::new()))),
            self.profile.resolve(|| {
                Some(Arc::new(
                    ProfileChain::new()
                        .sts(sts.clone())
                        .with_cache(files.clone()),
                ))
            }),
            self.web_identity.resolve(|| default_web_identity(&sts)),
            self.container.resolve(default_container),
            self.imds.resolve(|| default_imds(&files)),
        ];
        let chain = links
            .into_iter()
            .flatten()
            .fold(Chain::new("default"), Chain::or_else_shared);
        DefaultChain { chain }
    }
}

// The default links of the network sources, each there only with its source's feature.

#[cfg(feature = "web-identity")]
fn default_web_identity(sts: &StsOptions) -> Option<Arc<dyn CredentialSource>> {
    Some(Arc::new(
        WebIdentitySource::from_env().sts_client(sts.client(None)),
    ))
}

#[cfg(not(feature = "web-identity"))]
fn default_web_identity(_: &StsOptions) -> Option<Arc<dyn CredentialSource>> {
    None
}

#[cfg(feature = "container")]
fn default_container() -> Option<Arc<dyn CredentialSource>> {
    Some(Arc::new(ContainerSource::new()))
}

#[cfg(not(feature = "container"))]
fn default_container() -> Option<Arc<dyn CredentialSource>> {
    None
}

#[cfg(feature = "imds")]
fn default_imds(files: &ProfileCache) -> Option<Arc<dyn CredentialSource>> {
    Some(Arc::new(ProfileAwareImds::new().with_cache(files.clone())))
}

#[cfg(not(feature = "imds"))]
fn default_imds(_: &ProfileCache) -> Option<Arc<dyn CredentialSource>> {
    None
}
