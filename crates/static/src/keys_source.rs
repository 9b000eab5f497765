//! [`KeysSource`]: the `keys` auth type's source, in as little memory as a key pair needs.

use std::fmt;

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, SecretString,
    Status, Step, async_trait,
};

/// A data source's own key pair (Grafana's `keys` auth type: `secureJsonData.accessKey`,
/// `secretKey`, `sessionToken`): [`StaticSource`](crate::StaticSource)'s behaviour named `keys`
/// with field names `accessKey` and `secretKey` (blank is absent; both absent is "not
/// configured", one absent is "invalid configuration"), with only the three values stored — a
/// server's session cache holds one per data source. `Debug` redacts the secret and the token.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use awsauth_core::{Context, CredentialSource};
/// use awsauth_static::KeysSource;
/// let source = KeysSource::new(Some("AKIDEXAMPLE".into()), None, None);
/// let err = source.provide(&Context::builder().build()).await.unwrap_err();
/// assert_eq!(err.message(), "accessKey is set but secretKey is not");
/// # });
/// ```
#[derive(Clone)]
pub struct KeysSource {
    access_key_id: Option<Box<str>>,
    secret_access_key: Option<SecretString>,
    session_token: Option<SecretString>,
}

impl fmt::Debug for KeysSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeysSource")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token)
            .finish()
    }
}

impl KeysSource {
    /// The source's name, and its credentials' provenance.
    pub const NAME: &'static str = "keys";

    /// The source for a key pair whose parts may be missing or blank.
    pub fn new(
        access_key_id: Option<String>,
        secret_access_key: Option<SecretString>,
        session_token: Option<SecretString>,
    ) -> Self {
        Self {
            access_key_id: access_key_id
                .as_deref()
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(Box::from),
            secret_access_key: secret_access_key.filter(|s| !s.is_blank()),
            session_token: session_token.filter(|t| !t.is_blank()),
        }
    }

    fn pair(&self) -> Result<(&str, &SecretString), CredentialError> {
        match (&self.access_key_id, &self.secret_access_key) {
            (Some(key), Some(secret)) => Ok((key, secret)),
            (None, None) => Err(CredentialError::not_configured(
                Self::NAME,
                "accessKey and secretKey are not set",
            )),
            (Some(_), None) => Err(CredentialError::invalid_configuration(
                Self::NAME,
                "accessKey is set but secretKey is not",
            )),
            (None, Some(_)) => Err(CredentialError::invalid_configuration(
                Self::NAME,
                "secretKey is set but accessKey is not",
            )),
        }
    }
}

#[async_trait]
impl CredentialSource for KeysSource {
    async fn provide(&self, _cx: &Context) -> Result<Credentials, CredentialError> {
        let (key, secret) = self.pair()?;
        Ok(Credentials::builder(key, secret.clone())
            .maybe_session_token(self.session_token.clone())
            .provenance(Self::NAME)
            .build())
    }

    fn name(&self) -> &str {
        Self::NAME
    }

    fn plan(&self, _cx: &Context) -> Result<Plan, CredentialError> {
        self.pair()
            .map(|_| Plan::new(Step::static_keys_from("settings")))
    }

    fn explain(&self, _cx: &Context) -> Vec<Explanation> {
        let line = match self.pair() {
            Ok(_) => Explanation::new(
                Self::NAME,
                Status::Configured,
                "accessKey and secretKey are set",
            ),
            Err(err) if err.is_not_configured() => {
                Explanation::new(Self::NAME, Status::NotConfigured, err.message())
            }
            Err(err) => Explanation::new(Self::NAME, Status::Invalid, err.message()),
        };
        vec![line]
    }
}
