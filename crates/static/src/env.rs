//! [`EnvSource`]: the standard AWS environment variables.

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, SecretString, Status,
    async_trait,
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
#[derive(Debug, Clone, Default)]
pub struct EnvSource {
    _private: (),
}

impl EnvSource {
    /// The source.
    pub fn new() -> Self {
        Self::default()
    }

    fn pair(cx: &Context) -> Result<(String, SecretString), CredentialError> {
        complete_pair(
            "env",
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
        let (key, secret) = Self::pair(cx)?;
        Ok(Credentials::builder(key, secret)
            .maybe_session_token(cx.env_nonblank(SESSION_TOKEN).map(SecretString::from))
            .maybe_account_id(cx.env_nonblank(ACCOUNT_ID))
            .provenance("env")
            .build())
    }

    fn name(&self) -> &str {
        "env"
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        let line = match Self::pair(cx) {
            Ok(_) => {
                let token = if cx.env_nonblank(SESSION_TOKEN).is_some() {
                    " (with AWS_SESSION_TOKEN)"
                } else {
                    ""
                };
                Explanation::new(
                    "env",
                    Status::Configured,
                    format!("{ACCESS_KEY_ID} and {SECRET_ACCESS_KEY} are set{token}"),
                )
            }
            Err(err) if err.is_not_configured() => {
                Explanation::new("env", Status::NotConfigured, err.message())
            }
            Err(err) => Explanation::new("env", Status::Invalid, err.message()),
        };
        vec![line]
    }
}
