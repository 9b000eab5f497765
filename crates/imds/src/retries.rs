//! How long and how often to ask IMDS, as the AWS CLI lets users say it:
//! `AWS_METADATA_SERVICE_TIMEOUT` / `AWS_METADATA_SERVICE_NUM_ATTEMPTS`, else the profile's
//! `metadata_service_timeout` / `metadata_service_num_attempts`, else the client's settings.
//! A value set in code ([`ImdsClientBuilder`](crate::ImdsClientBuilder)) beats both.

use std::borrow::Cow;
use std::time::Duration;

use awsauth_core::{Context, CredentialError};
use awsauth_http::HttpSettings;

use crate::SOURCE_NAME;

/// `AWS_METADATA_SERVICE_TIMEOUT`: whole seconds allowed to connect to IMDS, and again for it to
/// answer (1 to 3600).
pub const TIMEOUT_ENV: &str = "AWS_METADATA_SERVICE_TIMEOUT";
/// `AWS_METADATA_SERVICE_NUM_ATTEMPTS`: attempts per metadata request (1 to 100). `1` gives up
/// after a single try off EC2.
pub const NUM_ATTEMPTS_ENV: &str = "AWS_METADATA_SERVICE_NUM_ATTEMPTS";
/// The profile key for the time-out, below [`TIMEOUT_ENV`].
pub const PROFILE_TIMEOUT_KEY: &str = "metadata_service_timeout";
/// The profile key for the attempts, below [`NUM_ATTEMPTS_ENV`].
pub const PROFILE_NUM_ATTEMPTS_KEY: &str = "metadata_service_num_attempts";

const MAX_TIMEOUT_SECS: u64 = 3600;
const MAX_ATTEMPTS: u64 = 100;
/// How much of a bad value an error message quotes.
const QUOTED_CHARS: usize = 40;

/// What decides the time-out and the attempts besides the client's own settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Retries {
    /// The time-outs were set in code: the environment and the profile are not read for them.
    pub(crate) explicit_timeout: bool,
    /// The attempts were set in code.
    pub(crate) explicit_attempts: bool,
    pub(crate) profile: Option<ProfileRetries>,
}

/// The profile's raw values and the profile's name (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProfileRetries {
    pub(crate) profile: String,
    pub(crate) timeout: Option<String>,
    pub(crate) num_attempts: Option<String>,
}

impl Retries {
    /// `base` adjusted by the environment and the profile in `cx`; an unusable value is an
    /// [`InvalidConfiguration`](CredentialError::InvalidConfiguration) naming where it came from.
    pub(crate) fn apply<'a>(
        &self,
        cx: &Context,
        base: &'a HttpSettings,
    ) -> Result<Cow<'a, HttpSettings>, CredentialError> {
        let timeout = match self.explicit_timeout {
            true => None,
            false => self.lookup(
                cx,
                TIMEOUT_ENV,
                PROFILE_TIMEOUT_KEY,
                |p| &p.timeout,
                MAX_TIMEOUT_SECS,
                "a whole number of seconds",
            )?,
        };
        let attempts = match self.explicit_attempts {
            true => None,
            false => self.lookup(
                cx,
                NUM_ATTEMPTS_ENV,
                PROFILE_NUM_ATTEMPTS_KEY,
                |p| &p.num_attempts,
                MAX_ATTEMPTS,
                "a whole number",
            )?,
        };
        if timeout.is_none() && attempts.is_none() {
            return Ok(Cow::Borrowed(base));
        }
        let mut settings = base.clone();
        if let Some(secs) = timeout {
            settings.connect_timeout = Duration::from_secs(secs);
            settings.attempt_timeout = Duration::from_secs(secs);
        }
        if let Some(n) = attempts {
            // Bounded by MAX_ATTEMPTS, so it fits.
            settings.max_attempts = u32::try_from(n).unwrap_or(u32::MAX);
        }
        // The whole operation must leave room for every attempt the user asked for.
        let attempts = settings.max_attempts.max(1);
        let needed = settings
            .connect_timeout
            .saturating_add(settings.attempt_timeout)
            .saturating_mul(attempts)
            .saturating_add(settings.max_backoff.saturating_mul(attempts - 1));
        settings.total_timeout = settings.total_timeout.max(needed);
        Ok(Cow::Owned(settings))
    }

    /// The environment variable's value, else the profile's, parsed as a number in 1..=`max`.
    fn lookup(
        &self,
        cx: &Context,
        env: &str,
        key: &str,
        field: fn(&ProfileRetries) -> &Option<String>,
        max: u64,
        what: &str,
    ) -> Result<Option<u64>, CredentialError> {
        let (value, origin) = match cx.env_nonblank(env) {
            Some(value) => (value, env.to_owned()),
            None => match self.profile.as_ref().and_then(|p| {
                field(p)
                    .as_deref()
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (v.to_owned(), format!("{key} in profile `{}`", p.profile)))
            }) {
                Some(found) => found,
                None => return Ok(None),
            },
        };
        match value.trim().parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
            _ => {
                let quoted: String = value.chars().take(QUOTED_CHARS).collect();
                let cut = if value.chars().count() > QUOTED_CHARS {
                    "…"
                } else {
                    ""
                };
                Err(CredentialError::invalid_configuration(
                    SOURCE_NAME,
                    format!("{origin} must be {what} from 1 to {max}, not {quoted:?}{cut}"),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use awsauth_core::{ErrorKind, MapEnv};

    use super::*;

    fn cx(env: &[(&str, &str)]) -> Context {
        Context::builder()
            .env(MapEnv::from_iter(
                env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
            ))
            .build()
    }

    fn profile(timeout: Option<&str>, attempts: Option<&str>) -> Retries {
        Retries {
            profile: Some(ProfileRetries {
                profile: "dev".to_owned(),
                timeout: timeout.map(str::to_owned),
                num_attempts: attempts.map(str::to_owned),
            }),
            ..Retries::default()
        }
    }

    #[test]
    fn nothing_set_keeps_the_client_settings() {
        let base = HttpSettings::metadata();
        let applied = Retries::default().apply(&cx(&[]), &base).unwrap();
        assert!(matches!(applied, Cow::Borrowed(_)));
    }

    #[test]
    fn the_environment_beats_the_profile_and_sets_both_time_outs() {
        let base = HttpSettings::metadata();
        let env = cx(&[(TIMEOUT_ENV, " 4 "), (NUM_ATTEMPTS_ENV, "1")]);
        let applied = profile(Some("9"), Some("7")).apply(&env, &base).unwrap();
        assert_eq!(applied.connect_timeout, Duration::from_secs(4));
        assert_eq!(applied.attempt_timeout, Duration::from_secs(4));
        assert_eq!(applied.max_attempts, 1);
        // One attempt of 4 s to connect and 4 s to answer does not fit in the default 5 s.
        assert_eq!(applied.total_timeout, Duration::from_secs(8));

        let from_profile = profile(Some("9"), Some("7"))
            .apply(&cx(&[]), &base)
            .unwrap();
        assert_eq!(from_profile.connect_timeout, Duration::from_secs(9));
        assert_eq!(from_profile.max_attempts, 7);
        // Seven attempts of 9 + 9 s, with backoff between them, must fit in the total.
        assert!(from_profile.total_timeout >= Duration::from_secs(7 * 18));
    }

    #[test]
    fn settings_made_in_code_win_over_both() {
        let base = HttpSettings::metadata();
        let retries = Retries {
            explicit_timeout: true,
            explicit_attempts: true,
            ..profile(Some("9"), Some("7"))
        };
        let env = cx(&[(TIMEOUT_ENV, "4"), (NUM_ATTEMPTS_ENV, "1")]);
        assert!(matches!(
            retries.apply(&env, &base).unwrap(),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn unusable_values_are_invalid_configuration_naming_their_origin() {
        let base = HttpSettings::metadata();
        for (env, expected) in [
            (
                (TIMEOUT_ENV, "0"),
                "AWS_METADATA_SERVICE_TIMEOUT must be a whole number of seconds from 1 to 3600, not \"0\"",
            ),
            ((TIMEOUT_ENV, "1.5"), "not \"1.5\""),
            ((TIMEOUT_ENV, "3601"), "from 1 to 3600"),
            (
                (NUM_ATTEMPTS_ENV, "-1"),
                "AWS_METADATA_SERVICE_NUM_ATTEMPTS must be a whole number from 1 to 100, not \"-1\"",
            ),
            (
                (NUM_ATTEMPTS_ENV, "99999999999999999999999"),
                "not \"99999999999999999999999\"",
            ),
        ] {
            let err = Retries::default().apply(&cx(&[env]), &base).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
            assert!(err.to_string().contains(expected), "{err}");
        }
        let err = profile(None, Some("many"))
            .apply(&cx(&[]), &base)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("metadata_service_num_attempts in profile `dev` must be a whole number from 1 to 100, not \"many\""),
            "{err}"
        );
        let long = "9".repeat(500);
        let err = Retries::default()
            .apply(&cx(&[(TIMEOUT_ENV, &long)]), &base)
            .unwrap_err();
        assert!(err.to_string().len() < 200, "a long value is cut: {err}");
    }
}
