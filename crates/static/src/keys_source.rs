//! [`KeysSource`]: the `keys` auth type's source, in as little memory as a key pair needs.

use std::fmt;

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, REDACTED,
    SecretString, Status, Step, async_trait, nonblank,
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
    /// The access key id, the secret access key and the session token one after the other,
    /// in one zeroized allocation.
    parts: SecretString,
    /// Lengths of the access key id and the secret in `parts` (0: absent); the token is the
    /// rest.
    key_len: usize,
    secret_len: usize,
}

impl fmt::Debug for KeysSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |part: Option<&str>| part.map(|_| REDACTED);
        f.debug_struct("KeysSource")
            .field("access_key_id", &self.access_key_id())
            .field("secret_access_key", &redacted(self.secret()))
            .field("session_token", &redacted(self.session_token()))
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
        let key = access_key_id.as_deref().and_then(nonblank).unwrap_or("");
        let secret = secret_access_key
            .as_ref()
            .filter(|s| !s.is_blank())
            .map_or("", SecretString::expose_secret);
        let token = session_token
            .as_ref()
            .filter(|t| !t.is_blank())
            .map_or("", SecretString::expose_secret);
        // Sized exactly, so the buffer moves into the secret without a copy left behind.
        let mut parts = String::with_capacity(key.len() + secret.len() + token.len());
        for part in [key, secret, token] {
            parts.push_str(part);
        }
        Self {
            parts: SecretString::new(parts),
            key_len: key.len(),
            secret_len: secret.len(),
        }
    }

    fn access_key_id(&self) -> Option<&str> {
        self.parts
            .expose_secret()
            .get(..self.key_len)
            .filter(|k| !k.is_empty())
    }

    fn secret(&self) -> Option<&str> {
        self.parts
            .expose_secret()
            .get(self.key_len..self.key_len + self.secret_len)
            .filter(|s| !s.is_empty())
    }

    fn session_token(&self) -> Option<&str> {
        self.parts
            .expose_secret()
            .get(self.key_len + self.secret_len..)
            .filter(|t| !t.is_empty())
    }

    fn pair(&self) -> Result<(&str, &str), CredentialError> {
        match (self.access_key_id(), self.secret()) {
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
        Ok(Credentials::builder(key, SecretString::new(secret))
            .maybe_session_token(self.session_token().map(SecretString::new))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn provide(source: &KeysSource) -> Result<Credentials, CredentialError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(source.provide(&Context::builder().build()))
    }

    #[test]
    fn the_three_parts_come_back_apart_trimmed_and_blank_is_absent() {
        let source = KeysSource::new(
            Some(" AKIDEXAMPLE ".into()),
            Some("wJalrXUtnFEMI/K7MDENG".into()),
            Some("FwoGZXIvYXdzEXAMPLE".into()),
        );
        let creds = provide(&source).unwrap();
        assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(creds.secret_access_key(), "wJalrXUtnFEMI/K7MDENG");
        assert_eq!(creds.session_token(), Some("FwoGZXIvYXdzEXAMPLE"));

        let no_token = KeysSource::new(
            Some("AKIDEXAMPLE".into()),
            Some("secret".into()),
            Some(" \t".into()),
        );
        assert_eq!(provide(&no_token).unwrap().session_token(), None);

        let blank_secret = KeysSource::new(Some("AKIDEXAMPLE".into()), Some("  ".into()), None);
        assert_eq!(
            provide(&blank_secret).unwrap_err().message(),
            "accessKey is set but secretKey is not"
        );
        let only_secret = KeysSource::new(None, Some("secret".into()), Some("token".into()));
        assert_eq!(
            provide(&only_secret).unwrap_err().message(),
            "secretKey is set but accessKey is not"
        );
    }

    #[test]
    fn debug_shows_the_key_id_and_nothing_of_the_secret_or_token() {
        let source = KeysSource::new(
            Some("AKIDEXAMPLE".into()),
            Some("wJalrXUtnFEMI".into()),
            Some("FwoGZXIvYXdz".into()),
        );
        let debug = format!("{source:?}");
        assert!(debug.contains("AKIDEXAMPLE"), "{debug}");
        assert!(
            !debug.contains("wJalr") && !debug.contains("FwoG"),
            "{debug}"
        );
        assert!(debug.contains(REDACTED), "{debug}");
    }
}
