//! [`Plan`]: what it takes to get credentials for a profile, as data.
//!
//! A role profile is a recipe: start from some base credentials (static keys, a named source
//! such as IMDS, or a web identity token), then assume one or more roles. This crate makes no
//! network call; it turns the profile into an ordered list of [`Step`]s that a higher crate
//! executes with the STS, web-identity, IMDS and container sources, and that a CLI prints.
//!
//! The resolution follows the AWS SDKs: `source_profile` chains of any length, a source
//! profile with static keys ends the chain (its own `role_arn` is then not used), a profile
//! naming itself as `source_profile` uses its own keys, loops are errors.

use std::fmt;
use std::path::PathBuf;

use awsauth_core::{CredentialError, Credentials, REDACTED, SecretString};

use crate::model::{ProfileSet, Section};

/// The keys this module reads.
mod keys {
    pub(super) const ACCESS_KEY_ID: &str = "aws_access_key_id";
    pub(super) const SECRET_ACCESS_KEY: &str = "aws_secret_access_key";
    pub(super) const SESSION_TOKEN: &str = "aws_session_token";
    pub(super) const ACCOUNT_ID: &str = "aws_account_id";
    pub(super) const ROLE_ARN: &str = "role_arn";
    pub(super) const SOURCE_PROFILE: &str = "source_profile";
    pub(super) const CREDENTIAL_SOURCE: &str = "credential_source";
    pub(super) const WEB_IDENTITY_TOKEN_FILE: &str = "web_identity_token_file";
    pub(super) const EXTERNAL_ID: &str = "external_id";
    pub(super) const ROLE_SESSION_NAME: &str = "role_session_name";
    pub(super) const DURATION_SECONDS: &str = "duration_seconds";
    pub(super) const REGION: &str = "region";
    pub(super) const MFA_SERIAL: &str = "mfa_serial";
    pub(super) const CREDENTIAL_PROCESS: &str = "credential_process";
    pub(super) const LOGIN_SESSION: &str = "login_session";
    pub(super) const SSO: [&str; 5] = [
        "sso_session",
        "sso_start_url",
        "sso_account_id",
        "sso_role_name",
        "sso_region",
    ];
}

/// STS accepts role sessions of 15 minutes to 12 hours.
const DURATION_RANGE: std::ops::RangeInclusive<u32> = 900..=43_200;

/// The ordered steps that produce credentials for a profile: the first step gives base
/// credentials, each following [`Step::AssumeRole`] uses the previous step's credentials.
///
/// ```
/// use awsauth_profile::{FileKind, ProfileSet, Step};
/// let set = ProfileSet::parse(FileKind::Config, "/home/u/.aws/config", "
/// [profile base]
/// aws_access_key_id = AKIDEXAMPLE
/// aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
/// [profile reader]
/// role_arn = arn:aws:iam::123456789012:role/reader
/// source_profile = base
/// external_id = grafana-42
/// ").unwrap();
/// let plan = set.plan("reader").unwrap();
/// assert!(matches!(&plan.steps()[0], Step::Static(keys) if keys.profile == "base"));
/// assert!(matches!(&plan.steps()[1], Step::AssumeRole(role) if role.external_id.as_deref() == Some("grafana-42")));
/// assert_eq!(
///     plan.to_json(),
///     r#"[{"step":"static","profile":"base"},{"step":"assume_role","role_arn":"arn:aws:iam::123456789012:role/reader","external_id":"grafana-42","role_session_name":null,"duration_seconds":null,"region":null}]"#
/// );
/// assert!(!format!("{plan:?} {plan}").contains("wJalr"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    profile: String,
    steps: Vec<Step>,
}

impl Plan {
    /// The profile the plan is for.
    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// The steps, base first. Never empty.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The static keys when the plan is nothing more than that.
    pub fn as_static(&self) -> Option<&StaticKeys> {
        match self.steps.as_slice() {
            [Step::Static(keys)] => Some(keys),
            _ => None,
        }
    }

    /// The plan as a JSON array, one object per step, with no secret in it:
    /// `{"step":"static","profile":…}`, `{"step":"named_source","name":…}`,
    /// `{"step":"web_identity","role_arn":…,"token_file":…,"role_session_name":…}`,
    /// `{"step":"assume_role","role_arn":…,"external_id":…,"role_session_name":…,"duration_seconds":…,"region":…}`.
    pub fn to_json(&self) -> String {
        let mut out = String::from("[");
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&step.to_json());
        }
        out.push(']');
        out
    }
}

impl fmt::Display for Plan {
    /// `static keys of profile "base" -> assume role arn:… (profile "reader")`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                f.write_str(" -> ")?;
            }
            write!(f, "{step}")?;
        }
        Ok(())
    }
}

/// One step of a [`Plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// Keys written in a profile.
    Static(StaticKeys),
    /// Credentials from another source, named by `credential_source`.
    NamedSource(NamedSourceStep),
    /// `AssumeRoleWithWebIdentity` with a token read from a file.
    WebIdentity(WebIdentityStep),
    /// `AssumeRole` with the previous step's credentials.
    AssumeRole(AssumeRoleStep),
}

impl Step {
    /// `static`, `named_source`, `web_identity` or `assume_role`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Static(_) => "static",
            Self::NamedSource(_) => "named_source",
            Self::WebIdentity(_) => "web_identity",
            Self::AssumeRole(_) => "assume_role",
        }
    }

    /// The profile this step comes from.
    pub fn profile(&self) -> &str {
        match self {
            Self::Static(s) => &s.profile,
            Self::NamedSource(s) => &s.profile,
            Self::WebIdentity(s) => &s.profile,
            Self::AssumeRole(s) => &s.profile,
        }
    }

    /// The step as one JSON object (see [`Plan::to_json`]).
    pub fn to_json(&self) -> String {
        let mut json = JsonObject::new(self.kind());
        match self {
            Self::Static(s) => json.string("profile", Some(&s.profile)),
            Self::NamedSource(s) => json.string("name", Some(s.name.as_str())),
            Self::WebIdentity(s) => {
                json.string("role_arn", Some(&s.role_arn));
                json.string("token_file", Some(&s.token_file.display().to_string()));
                json.string("role_session_name", s.role_session_name.as_deref());
            }
            Self::AssumeRole(s) => {
                json.string("role_arn", Some(&s.role_arn));
                json.string("external_id", s.external_id.as_deref());
                json.string("role_session_name", s.role_session_name.as_deref());
                json.number("duration_seconds", s.duration_seconds);
                json.string("region", s.region.as_deref());
            }
        }
        json.finish()
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Static(s) => write!(f, "static keys of profile \"{}\"", s.profile),
            Self::NamedSource(s) => write!(f, "credential_source {}", s.name.as_str()),
            Self::WebIdentity(s) => write!(
                f,
                "web identity {} with token file {}",
                s.role_arn,
                s.token_file.display()
            ),
            Self::AssumeRole(s) => {
                write!(f, "assume role {} (profile \"{}\")", s.role_arn, s.profile)
            }
        }
    }
}

/// Static keys from a profile. The secret and token never print.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticKeys {
    /// The profile holding the keys.
    pub profile: String,
    /// `aws_access_key_id`.
    pub access_key_id: String,
    secret_access_key: SecretString,
    session_token: Option<SecretString>,
    /// `aws_account_id`.
    pub account_id: Option<String>,
    /// The file that holds `aws_access_key_id`.
    pub file: PathBuf,
}

impl StaticKeys {
    /// The credentials, with provenance `profile:<name>`.
    pub fn credentials(&self) -> Credentials {
        Credentials::builder(self.access_key_id.clone(), self.secret_access_key.clone())
            .maybe_session_token(self.session_token.clone())
            .maybe_account_id(self.account_id.clone())
            .provenance(format!("profile:{}", self.profile))
            .build()
    }

    /// True when the profile has an `aws_session_token` too.
    pub fn has_session_token(&self) -> bool {
        self.session_token.is_some()
    }
}

impl fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("StaticKeys");
        s.field("profile", &self.profile)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &format_args!("{REDACTED}"));
        if self.session_token.is_some() {
            s.field("session_token", &format_args!("{REDACTED}"));
        }
        s.field("account_id", &self.account_id)
            .field("file", &self.file)
            .finish()
    }
}

/// The sources `credential_source` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NamedSource {
    /// `Environment`: `AWS_ACCESS_KEY_ID` and friends.
    Environment,
    /// `Ec2InstanceMetadata`: the instance role, from IMDS.
    Ec2InstanceMetadata,
    /// `EcsContainer`: the task role, from the container credentials endpoint.
    EcsContainer,
}

impl NamedSource {
    /// The spelling used in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Environment => "Environment",
            Self::Ec2InstanceMetadata => "Ec2InstanceMetadata",
            Self::EcsContainer => "EcsContainer",
        }
    }

    /// Parses the exact spelling (as the SDKs do).
    pub fn parse(value: &str) -> Option<Self> {
        [
            Self::Environment,
            Self::Ec2InstanceMetadata,
            Self::EcsContainer,
        ]
        .into_iter()
        .find(|s| s.as_str() == value)
    }
}

/// A [`Step::NamedSource`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedSourceStep {
    /// The profile with `credential_source`.
    pub profile: String,
    /// The source.
    pub name: NamedSource,
}

/// A [`Step::WebIdentity`]: `role_arn` + `web_identity_token_file` in one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebIdentityStep {
    /// The profile.
    pub profile: String,
    /// `role_arn`.
    pub role_arn: String,
    /// `web_identity_token_file` (read at each refresh; the token itself is never in the plan).
    pub token_file: PathBuf,
    /// `role_session_name`.
    pub role_session_name: Option<String>,
    /// `region`, for the STS endpoint.
    pub region: Option<String>,
}

/// A [`Step::AssumeRole`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleStep {
    /// The profile with `role_arn`.
    pub profile: String,
    /// `role_arn`.
    pub role_arn: String,
    /// `external_id`.
    pub external_id: Option<String>,
    /// `role_session_name`.
    pub role_session_name: Option<String>,
    /// `duration_seconds` (900–43200).
    pub duration_seconds: Option<u32>,
    /// `region`, for the STS endpoint.
    pub region: Option<String>,
}

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

    /// As a [`CredentialError`] of `source`: `NotConfigured` or `InvalidConfiguration`.
    pub fn into_credential_error(self, source: &str) -> CredentialError {
        if self.is_not_configured() {
            CredentialError::not_configured(source, self.to_string())
        } else {
            CredentialError::invalid_configuration(source, self.to_string())
        }
    }
}

impl ProfileSet {
    /// The plan for profile `name`. Pure: reads nothing but this set.
    pub fn plan(&self, name: &str) -> Result<Plan, PlanError> {
        Planner { set: self }.plan(name)
    }

    /// The files searched, for "not found in …".
    pub(crate) fn searched(&self) -> String {
        let paths: Vec<String> = self.files().map(|(_, p)| p.display().to_string()).collect();
        if paths.is_empty() {
            "no profile file (none was read)".to_owned()
        } else {
            paths.join(" or ")
        }
    }
}

struct Planner<'a> {
    set: &'a ProfileSet,
}

impl<'a> Planner<'a> {
    fn plan(&self, selected: &str) -> Result<Plan, PlanError> {
        let mut visited: Vec<&'a str> = Vec::new();
        let mut roles: Vec<AssumeRoleStep> = Vec::new();
        let mut name: &'a str = match self.set.profile(selected) {
            Some(section) => section.name(),
            None => {
                let skipped = [
                    format!("section [{selected}] "),
                    format!(" {selected}] ignored"),
                ];
                return Err(PlanError::ProfileNotFound {
                    profile: selected.to_owned(),
                    searched: self.set.searched(),
                    available: self
                        .set
                        .profile_names()
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                    hint: self
                        .set
                        .warnings()
                        .iter()
                        .find(|w| skipped.iter().any(|s| w.contains(s.as_str())))
                        .cloned(),
                });
            }
        };
        let base = loop {
            let Some(profile) = self.set.profile(name) else {
                let referrer = visited.last().copied().unwrap_or(selected);
                return Err(PlanError::Invalid {
                    profile: referrer.to_owned(),
                    message: format!(
                        "profile \"{referrer}\" has source_profile = {name}, but there is no \
                         profile \"{name}\" in {}",
                        self.set.searched()
                    ),
                });
            };
            if visited.contains(&name) {
                let mut path: Vec<String> = visited.iter().map(|s| (*s).to_owned()).collect();
                path.push(name.to_owned());
                return Err(PlanError::Loop { path });
            }
            visited.push(name);
            let first = visited.len() == 1;
            // After the first hop, static keys win over anything else the profile says.
            if !first && let Some(keys) = self.static_keys(profile)? {
                break Step::Static(keys);
            }
            if let Some(role_arn) = get(profile, keys::ROLE_ARN)
                && get(profile, keys::WEB_IDENTITY_TOKEN_FILE).is_none()
            {
                roles.push(self.assume_role(profile, role_arn)?);
                let source_profile = get(profile, keys::SOURCE_PROFILE);
                let credential_source = get(profile, keys::CREDENTIAL_SOURCE);
                match (source_profile, credential_source) {
                    (Some(_), Some(_)) => {
                        return Err(self.invalid(
                            profile,
                            "sets both source_profile and credential_source; keep only one",
                        ));
                    }
                    (None, None) => {
                        return Err(self.invalid(
                            profile,
                            "sets role_arn but neither source_profile nor credential_source \
                             (nor web_identity_token_file); add source_profile = <a profile \
                             with keys> or credential_source = Environment | \
                             Ec2InstanceMetadata | EcsContainer",
                        ));
                    }
                    (Some(source), None) if source == name => {
                        // A profile may source its own keys and assume a role with them.
                        match self.static_keys(profile)? {
                            Some(keys) => break Step::Static(keys),
                            None => {
                                return Err(self.invalid(
                                    profile,
                                    "names itself as source_profile but has no \
                                     aws_access_key_id / aws_secret_access_key",
                                ));
                            }
                        }
                    }
                    (Some(source), None) => {
                        name = match self.set.profile(source) {
                            Some(section) => section.name(),
                            None => {
                                return Err(PlanError::Invalid {
                                    profile: name.to_owned(),
                                    message: format!(
                                        "profile \"{name}\" ({}) has source_profile = {source}, \
                                         but there is no profile \"{source}\" in {}",
                                        self.set.where_defined(profile),
                                        self.set.searched()
                                    ),
                                });
                            }
                        };
                    }
                    (None, Some(source)) => break self.named_source(profile, source)?,
                }
            } else {
                break self.base(profile, first)?;
            }
        };
        let mut steps = Vec::with_capacity(roles.len() + 1);
        steps.push(base);
        steps.extend(roles.into_iter().rev().map(Step::AssumeRole));
        Ok(Plan {
            profile: selected.to_owned(),
            steps,
        })
    }

    /// A profile without a chained role: where do its credentials come from?
    fn base(&self, profile: Section<'a>, first: bool) -> Result<Step, PlanError> {
        if let Some(source) = get(profile, keys::CREDENTIAL_SOURCE) {
            return self.named_source(profile, source);
        }
        match (
            get(profile, keys::ROLE_ARN),
            get(profile, keys::WEB_IDENTITY_TOKEN_FILE),
        ) {
            (Some(role_arn), Some(token_file)) => {
                check_role_arn(self, profile, role_arn)?;
                return Ok(Step::WebIdentity(WebIdentityStep {
                    profile: profile.name().to_owned(),
                    role_arn: role_arn.to_owned(),
                    token_file: PathBuf::from(token_file),
                    role_session_name: self.session_name(profile)?,
                    region: get(profile, keys::REGION).map(str::to_owned),
                }));
            }
            (None, Some(_)) => {
                return Err(self.invalid(
                    profile,
                    "sets web_identity_token_file but not role_arn; add the role to assume",
                ));
            }
            _ => {}
        }
        if let Some(key) = keys::SSO.into_iter().find(|k| get(profile, k).is_some()) {
            return Err(self.unsupported(
                profile,
                "sso",
                format!(
                    "uses IAM Identity Center (SSO, {key}), which awsauth does not support; \
                     use static keys, a role, or run `aws configure export-credentials`"
                ),
            ));
        }
        if get(profile, keys::LOGIN_SESSION).is_some() {
            return Err(self.unsupported(
                profile,
                "login_session",
                "uses login_session (`aws login`), which awsauth does not support".to_owned(),
            ));
        }
        if get(profile, keys::CREDENTIAL_PROCESS).is_some() {
            return Err(self.unsupported(
                profile,
                "credential_process",
                "uses credential_process, which awsauth does not support (it runs no \
                 external commands)"
                    .to_owned(),
            ));
        }
        if let Some(keys) = self.static_keys(profile)? {
            return Ok(Step::Static(keys));
        }
        let message = format!(
            "profile \"{}\" ({}) has no credentials: no aws_access_key_id, role_arn, \
             credential_source or web_identity_token_file",
            profile.name(),
            self.set.where_defined(profile)
        );
        if first {
            Err(PlanError::NoCredentials {
                profile: profile.name().to_owned(),
                message,
            })
        } else {
            Err(PlanError::Invalid {
                profile: profile.name().to_owned(),
                message: format!("{message}, but is used as a source_profile"),
            })
        }
    }

    fn static_keys(&self, profile: Section<'a>) -> Result<Option<StaticKeys>, PlanError> {
        let key_id = profile
            .property(keys::ACCESS_KEY_ID)
            .filter(|p| !p.value().is_empty());
        let secret = profile
            .property(keys::SECRET_ACCESS_KEY)
            .filter(|p| !p.value().is_empty());
        let token = profile
            .property(keys::SESSION_TOKEN)
            .filter(|p| !p.value().is_empty());
        match (key_id, secret) {
            (Some(key_id), Some(secret)) => Ok(Some(StaticKeys {
                profile: profile.name().to_owned(),
                access_key_id: key_id.value().to_owned(),
                secret_access_key: SecretString::from(secret.value()),
                session_token: token.map(|t| SecretString::from(t.value())),
                account_id: get(profile, keys::ACCOUNT_ID).map(str::to_owned),
                file: self
                    .set
                    .path(key_id.origin().file)
                    .map(PathBuf::from)
                    .unwrap_or_default(),
            })),
            (Some(key_id), None) => Err(PlanError::Invalid {
                profile: profile.name().to_owned(),
                message: format!(
                    "profile \"{}\" sets aws_access_key_id ({}) but not aws_secret_access_key",
                    profile.name(),
                    self.set.file_of(key_id)
                ),
            }),
            (None, Some(secret)) => Err(PlanError::Invalid {
                profile: profile.name().to_owned(),
                message: format!(
                    "profile \"{}\" sets aws_secret_access_key ({}) but not aws_access_key_id",
                    profile.name(),
                    self.set.file_of(secret)
                ),
            }),
            (None, None) => match token {
                Some(token) => Err(PlanError::Invalid {
                    profile: profile.name().to_owned(),
                    message: format!(
                        "profile \"{}\" sets aws_session_token ({}) but not aws_access_key_id \
                         and aws_secret_access_key",
                        profile.name(),
                        self.set.file_of(token)
                    ),
                }),
                None => Ok(None),
            },
        }
    }

    fn assume_role(
        &self,
        profile: Section<'a>,
        role_arn: &str,
    ) -> Result<AssumeRoleStep, PlanError> {
        check_role_arn(self, profile, role_arn)?;
        if get(profile, keys::MFA_SERIAL).is_some() {
            return Err(self.unsupported(
                profile,
                "mfa_serial",
                "sets mfa_serial: assuming a role with MFA needs a token code typed in by a \
                 person, which a server cannot do, so awsauth does not support it; remove \
                 mfa_serial or use a role that does not require MFA"
                    .to_owned(),
            ));
        }
        let duration_seconds = match profile.property(keys::DURATION_SECONDS) {
            None => None,
            Some(p) if p.value().is_empty() => None,
            Some(p) => match p.value().parse::<u32>() {
                Ok(seconds) if DURATION_RANGE.contains(&seconds) => Some(seconds),
                _ => {
                    return Err(self.invalid(
                        profile,
                        &format!(
                            "sets duration_seconds = {} ({}); it must be a whole number of \
                             seconds from {} to {}",
                            shown(p.value()),
                            self.set.file_of(p),
                            DURATION_RANGE.start(),
                            DURATION_RANGE.end()
                        ),
                    ));
                }
            },
        };
        Ok(AssumeRoleStep {
            profile: profile.name().to_owned(),
            role_arn: role_arn.to_owned(),
            external_id: get(profile, keys::EXTERNAL_ID).map(str::to_owned),
            role_session_name: self.session_name(profile)?,
            duration_seconds,
            region: get(profile, keys::REGION).map(str::to_owned),
        })
    }

    fn session_name(&self, profile: Section<'a>) -> Result<Option<String>, PlanError> {
        let Some(name) = get(profile, keys::ROLE_SESSION_NAME) else {
            return Ok(None);
        };
        let valid_char = |c: char| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '=' | ',' | '.' | '@' | '-')
        };
        if (2..=64).contains(&name.len()) && name.chars().all(valid_char) {
            Ok(Some(name.to_owned()))
        } else {
            Err(self.invalid(
                profile,
                &format!(
                    "sets role_session_name = {}; STS accepts 2 to 64 characters of \
                     letters, digits and + = , . @ _ -",
                    shown(name)
                ),
            ))
        }
    }

    fn named_source(&self, profile: Section<'a>, value: &str) -> Result<Step, PlanError> {
        match NamedSource::parse(value) {
            Some(name) => Ok(Step::NamedSource(NamedSourceStep {
                profile: profile.name().to_owned(),
                name,
            })),
            None => Err(self.invalid(
                profile,
                &format!(
                    "sets credential_source = {}; it must be Environment, \
                     Ec2InstanceMetadata or EcsContainer",
                    shown(value)
                ),
            )),
        }
    }

    fn invalid(&self, profile: Section<'a>, what: &str) -> PlanError {
        PlanError::Invalid {
            profile: profile.name().to_owned(),
            message: format!(
                "profile \"{}\" ({}) {what}",
                profile.name(),
                self.set.where_defined(profile)
            ),
        }
    }

    fn unsupported(&self, profile: Section<'a>, feature: &'static str, what: String) -> PlanError {
        PlanError::Unsupported {
            profile: profile.name().to_owned(),
            feature,
            message: format!(
                "profile \"{}\" ({}) {what}",
                profile.name(),
                self.set.where_defined(profile)
            ),
        }
    }
}

fn check_role_arn<'a>(
    planner: &Planner<'a>,
    profile: Section<'a>,
    role_arn: &str,
) -> Result<(), PlanError> {
    if role_arn.starts_with("arn:") && role_arn.contains(":role/") {
        Ok(())
    } else {
        Err(planner.invalid(
            profile,
            &format!(
                "sets role_arn = {}, which is not a role ARN \
                 (arn:aws:iam::<account>:role/<name>)",
                shown(role_arn)
            ),
        ))
    }
}

/// A value as an error message may quote it: its first line only, at most 100 characters. The
/// lines after it are continuation lines, which may be other properties run together with
/// this one (an indented `aws_secret_access_key = …` under `role_arn`, say) and are never
/// shown.
fn shown(value: &str) -> String {
    const MAX_CHARS: usize = 100;
    let mut lines = value.lines();
    let first = lines.next().unwrap_or_default();
    let mut text: String = first.chars().take(MAX_CHARS).collect();
    if first.chars().count() > MAX_CHARS {
        text.push('…');
    }
    match lines.count() {
        0 => text,
        1 => format!("{text} (and 1 continuation line, not shown)"),
        n => format!("{text} (and {n} continuation lines, not shown)"),
    }
}

/// A non-empty value.
fn get<'s>(profile: Section<'s>, key: &str) -> Option<&'s str> {
    profile.get(key)
}

/// A tiny JSON object writer: enough for plan steps, so the crate needs no serde.
struct JsonObject(String);

impl JsonObject {
    fn new(step: &str) -> Self {
        let mut json = Self(String::from("{"));
        json.key("step");
        push_json_string(&mut json.0, step);
        json
    }

    fn key(&mut self, key: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        push_json_string(&mut self.0, key);
        self.0.push(':');
    }

    fn string(&mut self, key: &str, value: Option<&str>) {
        self.key(key);
        match value {
            Some(value) => push_json_string(&mut self.0, value),
            None => self.0.push_str("null"),
        }
    }

    fn number(&mut self, key: &str, value: Option<u32>) {
        self.key(key);
        match value {
            Some(value) => self.0.push_str(&value.to_string()),
            None => self.0.push_str("null"),
        }
    }

    fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

fn push_json_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}
