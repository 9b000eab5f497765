//! The planner: a profile of a [`ProfileSet`] turned into a [`ProfilePlan`] by the SDKs'
//! rules (`source_profile` chains, `credential_source`, web identity, loops).

use std::path::PathBuf;

use awsauth_core::{SecretString, program_name};

use super::{
    AssumeRoleStep, LoginStep, NamedSource, NamedSourceStep, PlanError, ProcessStep, ProfilePlan,
    ProfileStep, SsoStep, StaticKeys, WebIdentityStep,
};
use crate::model::{ProfileSet, Section};

/// STS accepts role sessions of 15 minutes to 12 hours.
const DURATION_RANGE: std::ops::RangeInclusive<u32> = 900..=43_200;

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
    pub(super) const SSO_SESSION: &str = "sso_session";
    pub(super) const SSO_START_URL: &str = "sso_start_url";
    pub(super) const SSO_REGION: &str = "sso_region";
    pub(super) const SSO_ACCOUNT_ID: &str = "sso_account_id";
    pub(super) const SSO_ROLE_NAME: &str = "sso_role_name";
    pub(super) const SSO_REGISTRATION_SCOPES: &str = "sso_registration_scopes";
    /// Every key above: each is one value on one line.
    pub(super) const ALL: [&str; 21] = [
        ACCESS_KEY_ID,
        SECRET_ACCESS_KEY,
        SESSION_TOKEN,
        ACCOUNT_ID,
        ROLE_ARN,
        SOURCE_PROFILE,
        CREDENTIAL_SOURCE,
        WEB_IDENTITY_TOKEN_FILE,
        EXTERNAL_ID,
        ROLE_SESSION_NAME,
        DURATION_SECONDS,
        REGION,
        MFA_SERIAL,
        CREDENTIAL_PROCESS,
        LOGIN_SESSION,
        SSO_SESSION,
        SSO_START_URL,
        SSO_REGION,
        SSO_ACCOUNT_ID,
        SSO_ROLE_NAME,
        SSO_REGISTRATION_SCOPES,
    ];
}

impl ProfileSet {
    /// The plan for profile `name`. Pure: reads nothing but this set.
    pub fn plan(&self, name: &str) -> Result<ProfilePlan, PlanError> {
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
    fn plan(&self, selected: &str) -> Result<ProfilePlan, PlanError> {
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
            one_line_values(profile)?;
            let first = visited.len() == 1;
            // After the first hop, static keys win over anything else the profile says.
            if !first && let Some(keys) = self.static_keys(profile)? {
                break ProfileStep::Static(keys);
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
                            Some(keys) => break ProfileStep::Static(keys),
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
        steps.extend(roles.into_iter().rev().map(ProfileStep::AssumeRole));
        Ok(ProfilePlan::new(selected.to_owned(), steps))
    }

    /// A profile without a chained role: where do its credentials come from?
    fn base(&self, profile: Section<'a>, first: bool) -> Result<ProfileStep, PlanError> {
        if let Some(source) = get(profile, keys::CREDENTIAL_SOURCE) {
            return self.named_source(profile, source);
        }
        match (
            get(profile, keys::ROLE_ARN),
            get(profile, keys::WEB_IDENTITY_TOKEN_FILE),
        ) {
            (Some(role_arn), Some(token_file)) => {
                check_role_arn(self, profile, role_arn)?;
                return Ok(ProfileStep::WebIdentity(WebIdentityStep {
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
        if let Some(step) = self.sso(profile)? {
            return Ok(ProfileStep::Sso(step));
        }
        // aws-config's order: SSO, then login_session, then credential_process, then keys.
        if let Some(session) = get(profile, keys::LOGIN_SESSION) {
            return Ok(ProfileStep::Login(LoginStep {
                profile: profile.name().to_owned(),
                login_session: session.to_owned(),
                region: get(profile, keys::REGION).map(str::to_owned),
            }));
        }
        if let Some(command) = get(profile, keys::CREDENTIAL_PROCESS) {
            let program = program_name(command);
            if program.is_empty() {
                return Err(self.invalid(
                    profile,
                    "sets credential_process to a command line that names no program \
                     (only variable assignments); put the program to run in it",
                ));
            }
            return Ok(ProfileStep::CredentialProcess(ProcessStep {
                profile: profile.name().to_owned(),
                program,
                command_line: SecretString::from(command),
                account_id: get(profile, keys::ACCOUNT_ID).map(str::to_owned),
            }));
        }
        if let Some(keys) = self.static_keys(profile)? {
            return Ok(ProfileStep::Static(keys));
        }
        let message = format!(
            "profile \"{}\" ({}) has no credentials: no aws_access_key_id, role_arn, \
             credential_source, web_identity_token_file, credential_process or login_session",
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

    /// The SSO step of a profile with any `sso_*` key, validated as aws-config does (the
    /// messages follow its wording, naming the profile and the key): a named session must
    /// exist and hold the start URL and region (the profile may not repeat them), account id
    /// and role name come together.
    fn sso(&self, profile: Section<'a>) -> Result<Option<SsoStep>, PlanError> {
        let account_id = get(profile, keys::SSO_ACCOUNT_ID);
        let role_name = get(profile, keys::SSO_ROLE_NAME);
        let session = get(profile, keys::SSO_SESSION);
        let own_start_url = profile
            .property(keys::SSO_START_URL)
            .filter(|p| !p.value().is_empty());
        let own_region = profile
            .property(keys::SSO_REGION)
            .filter(|p| !p.value().is_empty());
        if account_id.is_none()
            && role_name.is_none()
            && session.is_none()
            && own_start_url.is_none()
            && own_region.is_none()
        {
            return Ok(None);
        }
        let invalid =
            |what: String| self.invalid(profile, &format!("has invalid SSO config: {what}"));
        let (start_url, region, section) = match session {
            Some(name) => {
                let Some(section) = self.set.sso_session(name) else {
                    return Err(invalid(format!(
                        "sso-session named `{}` was not found: there is no [sso-session {}] \
                         section in {}",
                        shown(name),
                        shown(name),
                        self.set.searched()
                    )));
                };
                for (key, own) in [
                    (keys::SSO_START_URL, own_start_url),
                    (keys::SSO_REGION, own_region),
                ] {
                    if let Some(own) = own {
                        let mut what = format!(
                            "`{key}` can only be specified in the [sso-session] config when a \
                             session name is given ({} sets it)",
                            self.set.file_of(own)
                        );
                        if let Some(theirs) = section.get(key)
                            && theirs != own.value()
                        {
                            what.push_str(&format!(
                                "; the value for {key} is inconsistent between profile ({}) and \
                                 sso-session ({})",
                                shown(own.value()),
                                shown(theirs)
                            ));
                        }
                        return Err(invalid(what));
                    }
                }
                (
                    section.get(keys::SSO_START_URL),
                    section.get(keys::SSO_REGION),
                    Some(section),
                )
            }
            None => (
                own_start_url.map(|p| p.value()),
                own_region.map(|p| p.value()),
                None,
            ),
        };
        let (account_id, role_name) = match (account_id, role_name) {
            (Some(account), Some(role)) => (account, role),
            (Some(_), None) => {
                return Err(invalid(format!(
                    "if `{}` is set, then `{}` must also be set",
                    keys::SSO_ACCOUNT_ID,
                    keys::SSO_ROLE_NAME
                )));
            }
            (None, Some(_)) => {
                return Err(invalid(format!(
                    "if `{}` is set, then `{}` must also be set",
                    keys::SSO_ROLE_NAME,
                    keys::SSO_ACCOUNT_ID
                )));
            }
            (None, None) => {
                return Err(invalid(format!(
                    "it would resolve an access token instead of credentials since it doesn't \
                     have `{}` and `{}` set; specify both to let this profile resolve \
                     credentials",
                    keys::SSO_ACCOUNT_ID,
                    keys::SSO_ROLE_NAME
                )));
            }
        };
        let from = match session {
            Some(name) => format!(" (in [sso-session {}])", shown(name)),
            None => String::new(),
        };
        let region =
            region.ok_or_else(|| invalid(format!("`{}` was missing{from}", keys::SSO_REGION)))?;
        let start_url = start_url
            .ok_or_else(|| invalid(format!("`{}` was missing{from}", keys::SSO_START_URL)))?;
        if !is_region_name(region) {
            return Err(invalid(format!(
                "`{}` = {}{from} is not a region name (like us-east-1)",
                keys::SSO_REGION,
                shown(region)
            )));
        }
        Ok(Some(SsoStep {
            profile: profile.name().to_owned(),
            session: session.map(str::to_owned),
            start_url: start_url.to_owned(),
            region: region.to_owned(),
            account_id: account_id.to_owned(),
            role_name: role_name.to_owned(),
            registration_scopes: section
                .and_then(|s| s.get(keys::SSO_REGISTRATION_SCOPES))
                .map(str::to_owned),
        }))
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

    fn named_source(&self, profile: Section<'a>, value: &str) -> Result<ProfileStep, PlanError> {
        match NamedSource::parse(value) {
            Some(name) => Ok(ProfileStep::NamedSource(NamedSourceStep {
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
    let value = awsauth_core::quoted(value);
    let first = value.first_line();
    let mut text: String = first.chars().take(awsauth_core::MAX_QUOTED_CHARS).collect();
    if first.chars().count() > awsauth_core::MAX_QUOTED_CHARS {
        text.push('…');
    }
    match value.more_lines() {
        0 => text,
        1 => format!("{text} (and 1 continuation line, not shown)"),
        n => format!("{text} (and {n} continuation lines, not shown)"),
    }
}

/// Refuses a key the planner reads whose value goes on over indented lines: as the file is
/// written they belong to the value (`region = eu-west-1` then an indented
/// `aws_session_token = …`), which no region, ARN or secret can be — and a plan must not carry
/// a secret in another key's value. The value is not quoted.
fn one_line_values(profile: Section<'_>) -> Result<(), PlanError> {
    match keys::ALL
        .iter()
        .find(|key| get(profile, key).is_some_and(|v| awsauth_core::quoted(v).more_lines() > 0))
    {
        None => Ok(()),
        Some(key) => Err(PlanError::Invalid {
            profile: profile.name().to_owned(),
            message: format!(
                "profile \"{}\": {key} goes on over indented lines below it (an indented line \
                 continues the value above it); write {key} on one line, and the next setting \
                 unindented",
                profile.name()
            ),
        }),
    }
}

/// A region name: lower-case letters, digits and `-` (it becomes part of a host name).
fn is_region_name(region: &str) -> bool {
    (1..=63).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-')
}

/// A non-empty value.
fn get<'s>(profile: Section<'s>, key: &str) -> Option<&'s str> {
    profile.get(key)
}
