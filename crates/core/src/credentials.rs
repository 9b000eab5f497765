//! [`Credentials`] and their [`Provenance`].

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use crate::secret::{REDACTED, SecretString};
use crate::timefmt;

/// Which sources produced a credential, outermost last: `profile:dev -> assume-role:arn:…`.
///
/// ```
/// use awsauth_core::Provenance;
/// let p = Provenance::new("profile:dev").then("assume-role:arn:aws:iam::123456789012:role/reader");
/// assert_eq!(p.to_string(), "profile:dev -> assume-role:arn:aws:iam::123456789012:role/reader");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Provenance(Arc<[String]>);

impl Provenance {
    /// A provenance with a single step.
    pub fn new(step: impl Into<String>) -> Self {
        Self(Arc::from(vec![step.into()]))
    }

    /// This provenance followed by one more step (for example an assume-role hop on top of it).
    pub fn then(&self, step: impl Into<String>) -> Self {
        let mut steps = self.0.to_vec();
        steps.push(step.into());
        Self(Arc::from(steps))
    }

    /// The steps, first (innermost base) to last.
    pub fn steps(&self) -> &[String] {
        &self.0
    }
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" -> ")?;
            }
            f.write_str(step)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

struct Inner {
    access_key_id: String,
    secret_access_key: SecretString,
    session_token: Option<SecretString>,
    expiry: Option<SystemTime>,
    account_id: Option<String>,
    provenance: Provenance,
}

/// A set of AWS credentials: a cheap handle (one `Arc`) over immutable data.
///
/// The secret access key and the session token are zeroized when the last handle is dropped and
/// never appear in `Debug`. There is no `Display`.
///
/// ```
/// use awsauth_core::Credentials;
/// let creds = Credentials::builder("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
///     .session_token("FwoGZXIvYXdzEXAMPLE")
///     .provenance("env")
///     .build();
/// assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
/// let debug = format!("{creds:?}");
/// assert!(debug.contains("AKIDEXAMPLE") && !debug.contains("wJalr") && !debug.contains("FwoG"));
/// ```
#[derive(Clone)]
pub struct Credentials(Arc<Inner>);

impl Credentials {
    /// Starts building credentials from a key pair.
    pub fn builder(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<SecretString>,
    ) -> CredentialsBuilder {
        CredentialsBuilder {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
            expiry: None,
            account_id: None,
            provenance: None,
        }
    }

    /// The access key id (not a secret: AWS prints it in logs and consoles).
    pub fn access_key_id(&self) -> &str {
        &self.0.access_key_id
    }

    /// The secret access key. Call it only to sign or to hand the key to a consumer that asked.
    pub fn secret_access_key(&self) -> &str {
        self.0.secret_access_key.expose_secret()
    }

    /// The session token of temporary credentials.
    pub fn session_token(&self) -> Option<&str> {
        self.0
            .session_token
            .as_ref()
            .map(SecretString::expose_secret)
    }

    /// When the credentials stop working; `None` for long-term keys.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.0.expiry
    }

    /// The AWS account the credentials belong to, where the source knows it.
    pub fn account_id(&self) -> Option<&str> {
        self.0.account_id.as_deref()
    }

    /// Which sources produced these credentials.
    pub fn provenance(&self) -> &Provenance {
        &self.0.provenance
    }

    /// True when the credentials have an expiry at or before `now`.
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        self.0.expiry.is_some_and(|expiry| expiry <= now)
    }

    /// A copy with another expiry (used by static stability, which extends the last good
    /// credentials during an outage).
    pub fn with_expiry(&self, expiry: Option<SystemTime>) -> Self {
        self.rebuild(|inner| inner.expiry = expiry)
    }

    /// A copy with another provenance.
    pub fn with_provenance(&self, provenance: Provenance) -> Self {
        self.rebuild(|inner| inner.provenance = provenance)
    }

    fn rebuild(&self, change: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = Inner {
            access_key_id: self.0.access_key_id.clone(),
            secret_access_key: self.0.secret_access_key.clone(),
            session_token: self.0.session_token.clone(),
            expiry: self.0.expiry,
            account_id: self.0.account_id.clone(),
            provenance: self.0.provenance.clone(),
        };
        change(&mut inner);
        Self(Arc::new(inner))
    }

    /// True when both handles point at the same credentials object (no comparison of secrets).
    pub fn ptr_eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Credentials");
        s.field("access_key_id", &self.0.access_key_id)
            .field("secret_access_key", &format_args!("{REDACTED}"));
        if self.0.session_token.is_some() {
            s.field("session_token", &format_args!("{REDACTED}"));
        }
        match self.0.expiry {
            Some(expiry) => s.field("expiry", &format_args!("{}", timefmt::rfc3339(expiry))),
            None => s.field("expiry", &format_args!("never")),
        };
        if let Some(account) = &self.0.account_id {
            s.field("account_id", account);
        }
        s.field("provenance", &self.0.provenance).finish()
    }
}

/// Builder for [`Credentials`]; see [`Credentials::builder`].
#[derive(Debug)]
pub struct CredentialsBuilder {
    access_key_id: String,
    secret_access_key: SecretString,
    session_token: Option<SecretString>,
    expiry: Option<SystemTime>,
    account_id: Option<String>,
    provenance: Option<Provenance>,
}

impl CredentialsBuilder {
    /// Sets the session token of temporary credentials.
    pub fn session_token(mut self, token: impl Into<SecretString>) -> Self {
        self.session_token = Some(token.into());
        self
    }

    /// Sets the session token if there is one; a blank token counts as none.
    pub fn maybe_session_token(mut self, token: Option<SecretString>) -> Self {
        self.session_token = token.filter(|t| !t.is_blank());
        self
    }

    /// Sets the expiry.
    pub fn expiry(mut self, expiry: SystemTime) -> Self {
        self.expiry = Some(expiry);
        self
    }

    /// Sets the expiry if there is one.
    pub fn maybe_expiry(mut self, expiry: Option<SystemTime>) -> Self {
        self.expiry = expiry;
        self
    }

    /// Sets the account id; a blank one counts as none.
    pub fn account_id(self, account_id: impl Into<String>) -> Self {
        self.maybe_account_id(Some(account_id.into()))
    }

    /// Sets the account id if there is one; a blank one counts as none.
    pub fn maybe_account_id(mut self, account_id: Option<String>) -> Self {
        self.account_id = account_id.filter(|a| !a.trim().is_empty());
        self
    }

    /// Names the source that produced the credentials (one step).
    pub fn provenance(mut self, step: impl Into<String>) -> Self {
        self.provenance = Some(Provenance::new(step));
        self
    }

    /// Sets a full provenance.
    pub fn provenance_chain(mut self, provenance: Provenance) -> Self {
        self.provenance = Some(provenance);
        self
    }

    /// Finishes; without a provenance the credentials are marked `unknown`.
    pub fn build(self) -> Credentials {
        Credentials(Arc::new(Inner {
            access_key_id: self.access_key_id,
            secret_access_key: self.secret_access_key,
            session_token: self.session_token,
            expiry: self.expiry,
            account_id: self.account_id,
            provenance: self
                .provenance
                .unwrap_or_else(|| Provenance::new("unknown")),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLETOKEN";

    fn sample() -> Credentials {
        Credentials::builder("AKIDEXAMPLE", SECRET)
            .session_token(TOKEN)
            .expiry(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))
            .account_id("123456789012")
            .provenance_chain(
                Provenance::new("env").then("assume-role:arn:aws:iam::123456789012:role/r"),
            )
            .build()
    }

    #[test]
    fn debug_shows_key_id_expiry_provenance_but_no_secret() {
        let printed = format!("{:?} {:#?}", sample(), sample());
        assert!(printed.contains("AKIDEXAMPLE"));
        assert!(printed.contains("2023-11-14T22:13:20Z"), "{printed}");
        assert!(printed.contains("env -> assume-role"));
        assert!(
            !printed.contains(SECRET) && !printed.contains(TOKEN),
            "{printed}"
        );
    }

    #[test]
    fn clones_share_one_allocation() {
        let a = sample();
        let b = a.clone();
        assert!(a.ptr_eq(&b));
    }

    #[test]
    fn expiry_edge_is_expired_at_the_exact_instant() {
        let c = sample();
        let expiry = c.expiry().unwrap();
        assert!(!c.is_expired_at(expiry - Duration::from_secs(1)));
        assert!(c.is_expired_at(expiry));
    }

    #[test]
    fn blank_token_and_account_count_as_absent() {
        let c = Credentials::builder("AKID", "s")
            .maybe_session_token(Some(SecretString::from(" ")))
            .maybe_account_id(Some(String::new()))
            .build();
        assert_eq!(c.session_token(), None);
        assert_eq!(c.account_id(), None);
        assert_eq!(c.provenance().to_string(), "unknown");
    }

    #[test]
    fn with_expiry_keeps_everything_else() {
        let c = sample();
        let later = c.with_expiry(None);
        assert_eq!(later.secret_access_key(), SECRET);
        assert_eq!(later.session_token(), Some(TOKEN));
        assert_eq!(later.expiry(), None);
        assert_eq!(later.provenance(), c.provenance());
    }
}
