//! The steps of a [`ProfilePlan`](super::ProfilePlan): static keys, a named source, a web
//! identity, IAM Identity Center (SSO), a `credential_process`, a console sign-in session, an
//! assume-role hop.

use std::fmt;
use std::path::PathBuf;

use awsauth_core::{Credentials, REDACTED, SecretString, Step};

/// One step of a [`ProfilePlan`](super::ProfilePlan).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileStep {
    /// Keys written in a profile.
    Static(StaticKeys),
    /// Credentials from another source, named by `credential_source`.
    NamedSource(NamedSourceStep),
    /// `AssumeRoleWithWebIdentity` with a token read from a file.
    WebIdentity(WebIdentityStep),
    /// IAM Identity Center: an account's role credentials, with a token from the SSO token
    /// cache that `aws sso login` fills.
    Sso(SsoStep),
    /// An external program's credentials (`credential_process`).
    CredentialProcess(ProcessStep),
    /// Console sign-in credentials (`login_session`, written by `aws login`).
    Login(LoginStep),
    /// `AssumeRole` with the previous step's credentials.
    AssumeRole(AssumeRoleStep),
}

impl ProfileStep {
    /// `static`, `named_source`, `web_identity`, `sso`, `credential_process`, `login` or
    /// `assume_role` (the tags of [`Step`]).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Static(_) => "static",
            Self::NamedSource(_) => "named_source",
            Self::WebIdentity(_) => "web_identity",
            Self::Sso(_) => "sso",
            Self::CredentialProcess(_) => "credential_process",
            Self::Login(_) => "login",
            Self::AssumeRole(_) => "assume_role",
        }
    }

    /// The profile this step comes from.
    pub fn profile(&self) -> &str {
        match self {
            Self::Static(s) => &s.profile,
            Self::NamedSource(s) => &s.profile,
            Self::WebIdentity(s) => &s.profile,
            Self::Sso(s) => &s.profile,
            Self::CredentialProcess(s) => &s.profile,
            Self::Login(s) => &s.profile,
            Self::AssumeRole(s) => &s.profile,
        }
    }

    /// The step as `explain` shows it (see [`ProfilePlan::describe`](super::ProfilePlan::describe)).
    pub fn describe(&self) -> Step {
        match self {
            Self::Static(s) => Step::static_keys_of_profile(s.profile.clone()),
            Self::NamedSource(s) => Step::named_source(s.name.as_str()),
            Self::WebIdentity(s) => Step::WebIdentity {
                role_arn: s.role_arn.clone(),
                token_file: s.token_file.display().to_string(),
                role_session_name: s.role_session_name.clone(),
            },
            Self::Sso(s) => s.describe(),
            Self::CredentialProcess(s) => Step::CredentialProcess {
                program: s.program.clone(),
            },
            Self::Login(s) => Step::Login {
                login_session: s.login_session.clone(),
            },
            Self::AssumeRole(s) => Step::AssumeRole {
                role_arn: s.role_arn.clone(),
                external_id: s.external_id.clone(),
                role_session_name: s.role_session_name.clone(),
                duration_seconds: s.duration_seconds.map(u64::from),
                region: s.region.clone(),
            },
        }
    }
}

impl fmt::Display for ProfileStep {
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
            Self::Sso(s) => {
                write!(
                    f,
                    "IAM Identity Center account {} role {}",
                    s.account_id, s.role_name
                )?;
                match &s.session {
                    Some(session) => write!(f, " (sso-session {session})"),
                    None => write!(f, " (start url {})", s.start_url),
                }
            }
            Self::CredentialProcess(s) => write!(
                f,
                "credential_process {} (arguments not shown; profile \"{}\")",
                s.program, s.profile
            ),
            Self::Login(s) => write!(
                f,
                "console sign-in session {} (profile \"{}\")",
                s.login_session, s.profile
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
    pub(super) secret_access_key: SecretString,
    pub(super) session_token: Option<SecretString>,
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

/// A [`Step::CredentialProcess`]: the profile's `credential_process` command line. Only the
/// program's name prints; the whole line is a secret (people put tokens in it).
#[derive(Clone, PartialEq, Eq)]
pub struct ProcessStep {
    /// The profile with `credential_process`.
    pub profile: String,
    /// The program: the command line's first word ([`awsauth_core::program_name`]).
    pub program: String,
    pub(super) command_line: SecretString,
    /// `aws_account_id`, the account when the program's output has no `AccountId`.
    pub account_id: Option<String>,
}

impl ProcessStep {
    /// The whole command line, to run it.
    pub fn command_line(&self) -> &SecretString {
        &self.command_line
    }
}

impl fmt::Debug for ProcessStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessStep")
            .field("profile", &self.profile)
            .field("program", &self.program)
            .field("command_line", &format_args!("{REDACTED}"))
            .field("account_id", &self.account_id)
            .finish()
    }
}

/// A [`Step::Login`]: a profile's `login_session`, whose credentials `aws login` keeps in the
/// login token cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginStep {
    /// The profile with `login_session`.
    pub profile: String,
    /// `login_session`: the ARN of the signed-in identity; the cache file is named by its
    /// SHA-256.
    pub login_session: String,
    /// `region`: the sign-in service's region unless the cached token names its own
    /// (`signInRegion`), the environment or the selected profile sets one.
    pub region: Option<String>,
}

/// A [`Step::Sso`]: the role credentials of an IAM Identity Center account and role, with an
/// access token from the SSO token cache (`~/.aws/sso/cache`). Either form of profile ends up
/// here: `sso_session = NAME` with an `[sso-session NAME]` section, or the legacy form with
/// `sso_start_url` and `sso_region` in the profile itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoStep {
    /// The profile with the `sso_*` keys.
    pub profile: String,
    /// `sso_session`: the `[sso-session]` section's name (`None` for the legacy form). Its
    /// token is cached under this name, and only its tokens are refreshed.
    pub session: Option<String>,
    /// `sso_start_url`, from the session section or (legacy) the profile.
    pub start_url: String,
    /// `sso_region`: where the portal and OIDC endpoints are.
    pub region: String,
    /// `sso_account_id`.
    pub account_id: String,
    /// `sso_role_name`.
    pub role_name: String,
    /// `sso_registration_scopes` of the session (shown; not needed for credentials).
    pub registration_scopes: Option<String>,
}

impl SsoStep {
    /// The step as `explain` shows it: every `sso_*` setting the profile and its session
    /// resolve to, by its name in the config file (`{"step":"sso", …}`).
    pub fn describe(&self) -> Step {
        Step::sso(
            self.session.as_deref(),
            &self.start_url,
            &self.region,
            &self.account_id,
            &self.role_name,
            self.registration_scopes.as_deref(),
        )
    }
}
