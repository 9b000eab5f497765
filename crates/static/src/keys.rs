//! [`StaticSource`]: keys given in code.

use std::time::SystemTime;

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, SecretString,
    Status, Step, async_trait,
};

use crate::complete_pair;

/// Keys given in code or settings (Grafana's `keys` auth type).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use awsauth_core::{Context, CredentialSource};
/// use awsauth_static::StaticSource;
/// let source = StaticSource::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
/// let creds = source.provide(&Context::builder().build()).await.unwrap();
/// assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
/// assert_eq!(creds.provenance().to_string(), "static");
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct StaticSource {
    name: String,
    access_key_id: Option<String>,
    secret_access_key: Option<SecretString>,
    session_token: Option<SecretString>,
    expiry: Option<SystemTime>,
    account_id: Option<String>,
    key_label: String,
    secret_label: String,
}

impl StaticSource {
    /// A source for a complete key pair.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<SecretString>,
    ) -> Self {
        Self::from_parts(Some(access_key_id.into()), Some(secret_access_key.into()))
    }

    /// A source for a key pair whose halves may be missing (as they may be in a data source's
    /// settings). Blank counts as missing: both missing is "not configured", one missing is
    /// "invalid configuration".
    pub fn from_parts(
        access_key_id: Option<String>,
        secret_access_key: Option<SecretString>,
    ) -> Self {
        Self {
            name: "static".to_owned(),
            access_key_id: access_key_id
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty()),
            secret_access_key: secret_access_key.filter(|s| !s.is_blank()),
            session_token: None,
            expiry: None,
            account_id: None,
            key_label: "access key id".to_owned(),
            secret_label: "secret access key".to_owned(),
        }
    }

    /// Adds a session token (blank counts as none).
    pub fn session_token(mut self, token: impl Into<SecretString>) -> Self {
        self.session_token = Some(token.into()).filter(|t| !t.is_blank());
        self
    }

    /// Sets an expiry, for keys that are known to stop working.
    pub fn expiry(mut self, expiry: SystemTime) -> Self {
        self.expiry = Some(expiry);
        self
    }

    /// Sets the account id.
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }

    /// Renames the source (in errors and provenance), e.g. `keys`.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// How errors name the two fields, e.g. `("accessKey", "secretKey")` for a Grafana data
    /// source's `secureJsonData`.
    pub fn field_names(mut self, key: impl Into<String>, secret: impl Into<String>) -> Self {
        self.key_label = key.into();
        self.secret_label = secret.into();
        self
    }

    fn pair(&self) -> Result<(String, SecretString), CredentialError> {
        complete_pair(
            &self.name,
            self.access_key_id.clone(),
            self.secret_access_key.clone(),
            &self.key_label,
            &self.secret_label,
        )
    }
}

#[async_trait]
impl CredentialSource for StaticSource {
    async fn provide(&self, _cx: &Context) -> Result<Credentials, CredentialError> {
        let (key, secret) = self.pair()?;
        Ok(Credentials::builder(key, secret)
            .maybe_session_token(self.session_token.clone())
            .maybe_expiry(self.expiry)
            .maybe_account_id(self.account_id.clone())
            .provenance(self.name.clone())
            .build())
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn plan(&self, _cx: &Context) -> Result<Plan, CredentialError> {
        self.pair()
            .map(|_| Plan::new(Step::static_keys_from(self.name.clone())))
    }

    fn explain(&self, _cx: &Context) -> Vec<Explanation> {
        let line = match self.pair() {
            Ok(_) => Explanation::new(
                &self.name,
                Status::Configured,
                format!("{} and {} are set", self.key_label, self.secret_label),
            ),
            Err(err) if err.is_not_configured() => {
                Explanation::new(&self.name, Status::NotConfigured, err.message())
            }
            Err(err) => Explanation::new(&self.name, Status::Invalid, err.message()),
        };
        vec![line]
    }
}
