//! [`PlanError`]: why no plan could be made for a profile.

use awsauth_core::CredentialError;

use crate::location::ProfileSelection;

/// Why no plan could be made for a profile. Messages name the profile, the key and the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The profile does not exist. A chain moves on; a no-fallback source reports it.
    #[error(
        "profile \"{profile}\" not found in {searched}{}{}",
        list_profiles(.available),
        .hint.as_ref().map(|h| format!("; note: {h}")).unwrap_or_default()
    )]
    ProfileNotFound {
        /// The profile asked for.
        profile: String,
        /// The files searched, for the message.
        searched: String,
        /// The profiles that do exist, sorted.
        available: Vec<String>,
        /// A parser warning about a skipped section of that name (`[profile dev]` written in
        /// the credentials file, say), which is usually the reason.
        hint: Option<String>,
    },
    /// The profile exists but holds no credentials of any kind (only `region`, say).
    #[error("{message}")]
    NoCredentials {
        /// The profile.
        profile: String,
        /// Says which keys were looked for, and where.
        message: String,
    },
    /// The profile is configured wrongly.
    #[error("{message}")]
    Invalid {
        /// The profile at fault.
        profile: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// `source_profile` leads back to a profile already on the path.
    #[error("source_profile loop: {}; a profile in the chain needs static keys or credential_source", .path.join(" -> "))]
    Loop {
        /// The profiles in order, ending with the repeated one: `a -> b -> a`.
        path: Vec<String>,
    },
    /// The profile uses a feature awsauth does not implement.
    #[error("{message}")]
    Unsupported {
        /// The profile.
        profile: String,
        /// The feature (`mfa_serial`, `sso`, `credential_process`, `login_session`).
        feature: &'static str,
        /// What to do instead.
        message: String,
    },
}

fn list_profiles(available: &[String]) -> String {
    const SHOWN: usize = 20;
    if available.is_empty() {
        return " (there are no profiles there)".to_owned();
    }
    let mut text = String::from(" (profiles there: ");
    text.push_str(
        &available
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
    );
    if available.len() > SHOWN {
        text.push_str(&format!(" and {} more", available.len() - SHOWN));
    }
    text.push(')');
    text
}

impl PlanError {
    /// True for the errors a chain falls through on: the profile is missing, or has no
    /// credentials at all.
    pub fn is_not_configured(&self) -> bool {
        matches!(
            self,
            Self::ProfileNotFound { .. } | Self::NoCredentials { .. }
        )
    }

    /// As a [`CredentialError`] of `source`, for the profile `selection` chose:
    /// `NotConfigured` (a chain moves on) or `InvalidConfiguration` (it stops).
    ///
    /// The one place the rule lives: a profile someone named (code, a flag, a data source,
    /// `AWS_PROFILE`) that does not exist is an error listing the profiles that do — moving on
    /// would hand out another identity. Only the implicit `default`, when absent, falls
    /// through. A profile that exists but holds no credentials (only `region`, say) falls
    /// through either way, as in the SDKs.
    pub fn into_credential_error(
        self,
        source: &str,
        selection: &ProfileSelection,
    ) -> CredentialError {
        let missing = matches!(self, Self::ProfileNotFound { .. });
        if missing && selection.is_explicit() {
            let by = match selection {
                ProfileSelection::Environment(_) => "AWS_PROFILE names it",
                _ => "it was named",
            };
            return CredentialError::invalid_configuration(
                source,
                format!("{self}; {by}, so no other source is tried"),
            );
        }
        if self.is_not_configured() {
            CredentialError::not_configured(source, self.to_string())
        } else {
            CredentialError::invalid_configuration(source, self.to_string())
        }
    }
}
