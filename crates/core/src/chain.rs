//! [`Chain`]: try sources in order, falling through only on "not configured".

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::{Context, CredentialError, CredentialSource, Credentials, Explanation, Plan};

/// Tries its sources in order and returns the first credentials.
///
/// It moves to the next source **only** when a source answers
/// [`NotConfigured`](CredentialError::NotConfigured). Any other error — a malformed profile, an
/// STS `AccessDenied`, a time-out — stops the chain and is returned as it is, because silently
/// falling back to another identity hides the problem and may grant the wrong permissions.
///
/// When every source is not configured, the chain itself answers `NotConfigured` with every
/// attempt listed in order, so a chain nested in another chain falls through too.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use awsauth_core::{Chain, Context, CredentialError, ErrorKind};
/// # use awsauth_core::{CredentialSource, Credentials};
/// # #[derive(Debug)] struct Nothing(&'static str);
/// # #[async_trait::async_trait] impl CredentialSource for Nothing {
/// #   async fn provide(&self, _: &Context) -> Result<Credentials, CredentialError> {
/// #     Err(CredentialError::not_configured(self.0, "nothing set")) }
/// #   fn name(&self) -> &str { self.0 } }
/// let chain = Chain::new("default").or_else(Nothing("env")).or_else(Nothing("profile"));
/// let err = chain.provide(&Context::builder().build()).await.unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::NotConfigured);
/// assert_eq!(err.attempts().len(), 2);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct Chain {
    name: String,
    links: Vec<Arc<dyn CredentialSource>>,
}

impl Chain {
    /// An empty chain; `name` appears in errors and `explain` output.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            links: Vec::new(),
        }
    }

    /// Appends a source.
    pub fn or_else(mut self, source: impl CredentialSource + 'static) -> Self {
        self.links.push(Arc::new(source));
        self
    }

    /// Appends a shared source.
    pub fn or_else_shared(mut self, source: Arc<dyn CredentialSource>) -> Self {
        self.links.push(source);
        self
    }

    /// The sources, in order.
    pub fn links(&self) -> &[Arc<dyn CredentialSource>] {
        &self.links
    }
}

#[async_trait]
impl CredentialSource for Chain {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        let mut attempts = Vec::new();
        for link in &self.links {
            match link.provide(cx).await {
                Ok(credentials) => {
                    tracing::debug!(
                        chain = %self.name,
                        source = link.name(),
                        skipped = attempts.len(),
                        "credentials resolved"
                    );
                    return Ok(credentials);
                }
                Err(err) if err.is_not_configured() => {
                    tracing::debug!(chain = %self.name, source = link.name(), reason = %err.message(), "source not configured; trying the next");
                    attempts.extend(err.attempts());
                }
                Err(err) => {
                    tracing::debug!(chain = %self.name, source = link.name(), error = %err, "source failed; the chain stops here");
                    return Err(err);
                }
            }
        }
        let reason = if attempts.is_empty() {
            "the chain has no sources".to_owned()
        } else {
            "no source had credentials".to_owned()
        };
        Err(CredentialError::NotConfigured {
            source_name: self.name.clone(),
            reason,
            attempts,
        })
    }

    /// The plan of the link that would answer: the first whose plan is not "not configured".
    /// When none has one, "not configured" with every link's reason, as `provide` would say.
    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        let mut attempts = Vec::new();
        for link in &self.links {
            match link.plan(cx) {
                Err(err) if err.is_not_configured() => attempts.extend(err.attempts()),
                other => return other,
            }
        }
        let reason = if attempts.is_empty() {
            "the chain has no sources"
        } else {
            "no source had credentials"
        };
        Err(CredentialError::NotConfigured {
            source_name: self.name.clone(),
            reason: reason.to_owned(),
            attempts,
        })
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        self.links
            .iter()
            .flat_map(|link| link.explain(cx))
            .collect()
    }

    /// The shortest interval any link asks for: the chain cannot tell which link will answer
    /// next time (a rotated file may appear further up), so it is re-resolved as often as its
    /// most demanding link needs.
    fn recheck_interval(&self) -> Option<Duration> {
        self.links
            .iter()
            .filter_map(|link| link.recheck_interval())
            .min()
    }
}
