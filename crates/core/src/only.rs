//! [`NoFallback`] and [`only`]: a source that must deliver, or say why it cannot.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use crate::{Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, Status};

/// Wraps `source` so that "not configured" becomes an error instead of a reason to fall back.
///
/// This is how Grafana's `keys`, `credentials` and `ec2_iam_role` auth types behave: the user
/// picked one method, so a missing key or profile must be reported, not papered over by another
/// identity further down a chain.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use awsauth_core::{only, Chain, Context, CredentialSource, ErrorKind};
/// let strict = only(Chain::new("keys")).selected_as("auth type `keys`");
/// let err = strict.provide(&Context::builder().build()).await.unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
/// assert!(err.to_string().contains("auth type `keys` selected but"));
/// # });
/// ```
pub fn only<S: CredentialSource>(source: S) -> NoFallback<S> {
    NoFallback {
        label: None,
        source,
    }
}

/// See [`only`].
#[derive(Debug, Clone)]
pub struct NoFallback<S> {
    /// A `&'static str` label costs no allocation (a server may hold a hundred thousand).
    label: Option<Cow<'static, str>>,
    source: S,
}

impl<S: CredentialSource> NoFallback<S> {
    /// How the error names the user's choice, e.g. ``auth type `keys` `` gives
    /// ``auth type `keys` selected but AWS_ACCESS_KEY_ID is not set``.
    pub fn selected_as(mut self, label: impl Into<Cow<'static, str>>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// The wrapped source.
    pub fn inner(&self) -> &S {
        &self.source
    }

    fn label(&self) -> Cow<'_, str> {
        match &self.label {
            Some(label) => Cow::Borrowed(label),
            None => Cow::Owned(format!("source `{}`", self.source.name())),
        }
    }

    /// "Not configured" becomes "selected but …": the one rule, for credentials and plans.
    fn no_fallback<T>(&self, outcome: Result<T, CredentialError>) -> Result<T, CredentialError> {
        match outcome {
            Err(err) if err.is_not_configured() => Err(CredentialError::InvalidConfiguration {
                source_name: err.source_name().to_owned(),
                message: format!(
                    "{} selected but {} (no fallback)",
                    self.label(),
                    err.message()
                ),
            }),
            other => other,
        }
    }
}

#[async_trait]
impl<S: CredentialSource> CredentialSource for NoFallback<S> {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        self.no_fallback(self.source.provide(cx).await)
    }

    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        self.no_fallback(self.source.plan(cx))
    }

    fn name(&self) -> &str {
        self.source.name()
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        self.source
            .explain(cx)
            .into_iter()
            .map(|mut line| {
                if line.status == Status::NotConfigured {
                    line.status = Status::Invalid;
                    line.reason = format!("{} (no fallback)", line.reason);
                }
                line
            })
            .collect()
    }

    fn recheck_interval(&self) -> Option<Duration> {
        self.source.recheck_interval()
    }

    /// Credentials the wrapped source holds are returned as they are: "not configured" cannot
    /// arise from memory.
    fn current(&self, now: SystemTime) -> Option<Credentials> {
        self.source.current(now)
    }
}
