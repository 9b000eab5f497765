//! [`SecretString`]: a string that never prints itself and is wiped when dropped.

use std::fmt;

use zeroize::{Zeroize, Zeroizing};

/// What `Debug` prints in place of a secret.
pub const REDACTED: &str = "** redacted **";

/// A secret value: a secret access key, a session token, a web identity token, a container
/// authorization token.
///
/// `Debug` prints [`REDACTED`]; there is deliberately no `Display`. The bytes are zeroized when
/// the value is dropped (and by [`Zeroize::zeroize`]). Read the value with
/// [`expose_secret`](Self::expose_secret) only where it is really sent or signed with.
///
/// ```
/// use awsauth_core::SecretString;
/// let token = SecretString::from("hunter2");
/// assert_eq!(format!("{token:?}"), "** redacted **");
/// assert_eq!(token.expose_secret(), "hunter2");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret itself. Every call site is a place where the secret leaves its box: keep them
    /// few (signing, sending, printing on explicit request).
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// True when the secret is empty or only whitespace; such a value counts as "not set".
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }

    /// The length in bytes (safe to log: it says nothing of the content beyond its size).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Zeroize for SecretString {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// A secret read from JSON (a credentials document, a token cache, a service's answer): the
/// deserialized `String` moves into the zeroizing box without another copy. There is no
/// `Serialize`: writing a secret out is always an explicit `expose_secret`.
///
/// ```
/// let s: Option<awsauth_core::SecretString> = serde_json::from_str(r#""wJalr""#).unwrap();
/// assert_eq!(s.unwrap().expose_secret(), "wJalr");
/// ```
impl<'de> serde::Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::from)
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = SecretString::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        let printed = format!("{s:?} {s:#?}");
        assert!(!printed.contains("wJalr"), "{printed}");
    }

    #[test]
    fn zeroize_wipes_the_value() {
        let mut s = SecretString::from("token-value");
        s.zeroize();
        assert!(s.is_empty());
        assert_eq!(s.expose_secret(), "");
    }

    #[test]
    fn blank_means_whitespace_only() {
        assert!(SecretString::from("  \t").is_blank());
        assert!(!SecretString::from(" x ").is_blank());
    }
}
