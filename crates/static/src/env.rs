//! [`EnvSource`]: the standard AWS environment variables.

use std::borrow::Cow;

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, SecretString,
    Status, Step, async_trait,
};

use crate::complete_pair;

const ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
const SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
const SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
const ACCOUNT_ID: &str = "AWS_ACCOUNT_ID";

/// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`
/// and optional `AWS_ACCOUNT_ID`, read on every call (so a changed environment is seen).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use awsauth_core::{Context, CredentialSource, ErrorKind, MapEnv};
/// use awsauth_static::EnvSource;
/// let cx = Context::builder().env(MapEnv::from([("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")])).build();
/// let err = EnvSource::new().provide(&cx).await.unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
/// assert!(err.to_string().contains("AWS_SECRET_ACCESS_KEY"));
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct EnvSource {
    name: Cow<'static, str>,
}

impl Default for EnvSource {
    fn default() -> Self {
        Self {
            name: Cow::Borrowed("env"),
        }
    }
}

impl EnvSource {
    /// The source, named `env`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Renames the source (in errors, `explain` and provenance), as a `keys` auth type reading
    /// the environment is named `keys`.
    pub fn named(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = name.into();
        self
    }

    fn pair(&self, cx: &Context) -> Result<(String, SecretString), CredentialError> {
        complete_pair(
            &self.name,
            cx.env_nonblank(ACCESS_KEY_ID),
            cx.env_nonblank(SECRET_ACCESS_KEY).map(SecretString::from),
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
        )
    }
}

#[async_trait]
impl CredentialSource for EnvSource {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        let (key, secret) = self.pair(cx)?;
        Ok(Credentials::builder(key, secret)
            .maybe_session_token(cx.env_nonblank(SESSION_TOKEN).map(SecretString::from))
            .maybe_account_id(cx.env_nonblank(ACCOUNT_ID))
            .provenance(self.name.to_string())
            .build())
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        self.pair(cx)
            .map(|_| Plan::new(Step::static_keys_from("environment")))
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        let line = match self.pair(cx) {
            Ok(_) => {
                let token = if cx.env_nonblank(SESSION_TOKEN).is_some() {
                    " (with AWS_SESSION_TOKEN)"
                } else {
                    ""
                };
                Explanation::new(
                    self.name.to_string(),
                    Status::Configured,
                    format!("{ACCESS_KEY_ID} and {SECRET_ACCESS_KEY} are set{token}"),
                )
            }
            Err(err) if err.is_not_configured() => {
                Explanation::new(self.name.to_string(), Status::NotConfigured, err.message())
            }
            Err(err) => Explanation::new(self.name.to_string(), Status::Invalid, err.message()),
        };
        vec![line]
    }
}
