//! [`Ec2IamRole`]: Grafana's `ec2_iam_role` auth type — the role of the machine or container
//! Grafana runs in, by the SDKs' "remote credentials" rule.

use awsauth_container::{ContainerSource, FULL_URI_ENV, RELATIVE_URI_ENV};
use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, Status, async_trait,
};

use crate::ProfileAwareImds;

/// The role of the machine or container Grafana runs in: the container credentials endpoint
/// ([`ContainerSource`]: an ECS task role, EKS Pod Identity) when
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `AWS_CONTAINER_CREDENTIALS_FULL_URI` is set,
/// else the instance role from IMDS ([`ProfileAwareImds`]) — the AWS SDKs' remote-credentials
/// rule that Grafana's `ec2_iam_role` follows.
///
/// Decided on every call from the context's environment, and final: a container endpoint that
/// fails is that failure, never IMDS, and IMDS is never followed by anything else.
/// [`explain`](CredentialSource::explain) says which one and why.
///
/// ```
/// use awsauth_chain::Ec2IamRole;
/// use awsauth_core::{Context, CredentialSource, MapEnv};
/// let cx = Context::builder()
///     .env(MapEnv::from([("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc")]))
///     .build();
/// let lines = Ec2IamRole::new().explain(&cx);
/// assert_eq!(lines[0].source, "ec2_iam_role");
/// assert!(lines[0].reason.starts_with("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is set"), "{}", lines[0].reason);
/// assert_eq!(lines[1].source, "container");
/// ```
#[derive(Debug)]
pub struct Ec2IamRole {
    container: ContainerSource,
    imds: ProfileAwareImds,
}

impl Default for Ec2IamRole {
    fn default() -> Self {
        Self::new()
    }
}

/// Which of the two a context selects, and the variable that says so.
enum Remote {
    Container(&'static str),
    Imds,
}

impl Ec2IamRole {
    /// The container endpoint or IMDS, each with its default settings.
    pub fn new() -> Self {
        Self {
            container: ContainerSource::new(),
            imds: ProfileAwareImds::new(),
        }
    }

    /// Uses this IMDS source (its client settings, profile).
    pub fn imds(mut self, imds: ProfileAwareImds) -> Self {
        self.imds = imds;
        self
    }

    /// Uses this container source.
    pub fn container(mut self, container: ContainerSource) -> Self {
        self.container = container;
        self
    }

    fn remote(cx: &Context) -> Remote {
        for variable in [RELATIVE_URI_ENV, FULL_URI_ENV] {
            if cx.env_nonblank(variable).is_some() {
                return Remote::Container(variable);
            }
        }
        Remote::Imds
    }

    fn selected(&self, cx: &Context) -> &dyn CredentialSource {
        match Self::remote(cx) {
            Remote::Container(_) => &self.container,
            Remote::Imds => &self.imds,
        }
    }
}

#[async_trait]
impl CredentialSource for Ec2IamRole {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        self.selected(cx).provide(cx).await
    }

    fn name(&self) -> &str {
        "ec2_iam_role"
    }

    /// One line saying which source is used and why, then that source's own lines.
    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        let reason = match Self::remote(cx) {
            Remote::Container(variable) => format!(
                "{variable} is set: the container credentials endpoint (ECS task role, EKS Pod \
                 Identity), never IMDS"
            ),
            Remote::Imds => format!(
                "neither {RELATIVE_URI_ENV} nor {FULL_URI_ENV} is set: the instance role from IMDS"
            ),
        };
        let mut lines = vec![Explanation::new(self.name(), Status::Configured, reason)];
        lines.extend(self.selected(cx).explain(cx));
        lines
    }

    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        self.selected(cx).plan(cx)
    }
}
