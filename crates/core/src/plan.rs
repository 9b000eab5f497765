//! [`Plan`]: the steps a source would run to produce credentials, as data.
//!
//! Every source says what it would do through [`CredentialSource::plan`](crate::CredentialSource::plan),
//! without the network and without spawning anything; combinators compose the answers the way
//! they compose credentials (a chain's plan is the plan of the link that would answer, assume
//! role appends a hop). The CLI's `explain` prints exactly this value, as text or as JSON, so
//! there is one decision of "what would run", made by the sources themselves.
//!
//! A plan never holds a secret: steps name profiles, files, variables, roles and programs.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// The steps a source would run, base first: the first step yields base credentials, each
/// following [`Step::AssumeRole`] uses the credentials of the steps before it.
///
/// Serializes as a JSON array of step objects, each tagged by `"step"`:
///
/// ```
/// use awsauth_core::{Plan, Step};
/// let plan = Plan::new(Step::static_keys_from("environment")).then(Step::assume_role(
///     "arn:aws:iam::123456789012:role/reader",
/// ));
/// assert_eq!(
///     serde_json::to_string(&plan).unwrap(),
///     r#"[{"step":"static","source":"environment"},{"step":"assume_role","role_arn":"arn:aws:iam::123456789012:role/reader","external_id":null,"role_session_name":null,"duration_seconds":null,"region":null}]"#
/// );
/// assert_eq!(plan.to_string(), "static keys from environment -> assume role arn:aws:iam::123456789012:role/reader");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Plan {
    steps: Vec<Step>,
}

impl Plan {
    /// A plan of one step.
    pub fn new(base: Step) -> Self {
        Self { steps: vec![base] }
    }

    /// A plan from steps, base first.
    pub fn from_steps(steps: Vec<Step>) -> Self {
        Self { steps }
    }

    /// This plan with `step` appended.
    pub fn then(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// The steps, base first.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The steps, to take apart.
    pub fn into_steps(self) -> Vec<Step> {
        self.steps
    }
}

impl From<Step> for Plan {
    fn from(step: Step) -> Self {
        Self::new(step)
    }
}

impl fmt::Display for Plan {
    /// The steps joined by ` -> `.
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Step {
    /// Keys that are there already: in a profile, the environment, a data source's settings or a
    /// key directory.
    Static {
        /// The profile holding them, for keys of a profile.
        #[serde(skip_serializing_if = "Option::is_none")]
        profile: Option<String>,
        /// Where else they come from (`environment`, `settings`, `key-directory:/path`).
        #[serde(skip_serializing_if = "Option::is_none")]
        source: Option<String>,
    },
    /// A source named by a profile's `credential_source`, or picked by an auth type:
    /// `Environment`, `Ec2InstanceMetadata`, `EcsContainer`.
    NamedSource {
        /// The source's name, as `credential_source` spells it.
        name: String,
    },
    /// `AssumeRoleWithWebIdentity` with a token read from a file at each refresh.
    WebIdentity {
        /// The role.
        role_arn: String,
        /// The token file (the token itself is never in a plan).
        token_file: String,
        /// The role session name, if set.
        role_session_name: Option<String>,
    },
    /// `AssumeRole` with the credentials of the steps before.
    AssumeRole {
        /// The role.
        role_arn: String,
        /// The external id sent, if any.
        external_id: Option<String>,
        /// The role session name, if set.
        role_session_name: Option<String>,
        /// The session length asked for, if set.
        duration_seconds: Option<u64>,
        /// The STS region, where the step decides it.
        region: Option<String>,
    },
    /// IAM Identity Center: the role credentials of an SSO account and role, with a token from
    /// the SSO token cache. Every `sso_*` setting the profile and its `[sso-session]` resolve
    /// to, by its name in the config file.
    Sso {
        /// `sso_session`, `sso_start_url`, `sso_region`, `sso_account_id`, `sso_role_name`,
        /// `sso_registration_scopes`, as resolved.
        #[serde(flatten)]
        settings: BTreeMap<String, String>,
    },
    /// An external program run by `credential_process`. Only the program's name is shown:
    /// its arguments may hold secrets.
    CredentialProcess {
        /// The first word of the command line.
        program: String,
    },
    /// Console sign-in credentials (`aws login`) of a `login_session`.
    Login {
        /// The session's ARN.
        login_session: String,
    },
    /// A source that cannot say more about itself than its name.
    Source {
        /// The source's name.
        name: String,
    },
}

impl Step {
    /// Static keys of a profile.
    pub fn static_keys_of_profile(profile: impl Into<String>) -> Self {
        Self::Static {
            profile: Some(profile.into()),
            source: None,
        }
    }

    /// Static keys from somewhere other than a profile (`environment`, `settings`, …).
    pub fn static_keys_from(source: impl Into<String>) -> Self {
        Self::Static {
            profile: None,
            source: Some(source.into()),
        }
    }

    /// A named source (`Ec2InstanceMetadata`, …).
    pub fn named_source(name: impl Into<String>) -> Self {
        Self::NamedSource { name: name.into() }
    }

    /// An AssumeRole hop with nothing but the role set.
    pub fn assume_role(role_arn: impl Into<String>) -> Self {
        Self::AssumeRole {
            role_arn: role_arn.into(),
            external_id: None,
            role_session_name: None,
            duration_seconds: None,
            region: None,
        }
    }

    /// An IAM Identity Center step: the `sso_*` settings by their config names, the optional
    /// ones (`sso_session` for the legacy form, `sso_registration_scopes`) left out when unset.
    ///
    /// ```
    /// let step = awsauth_core::Step::sso(Some("corp"), "https://corp.awsapps.com/start", "eu-west-1", "123456789012", "ReadOnly", None);
    /// assert_eq!(step.to_string(), "IAM Identity Center (account 123456789012, role ReadOnly, session corp, start url https://corp.awsapps.com/start, region eu-west-1)");
    /// ```
    pub fn sso(
        session: Option<&str>,
        start_url: &str,
        region: &str,
        account_id: &str,
        role_name: &str,
        registration_scopes: Option<&str>,
    ) -> Self {
        let mut settings = BTreeMap::new();
        for (key, value) in [
            ("sso_session", session),
            ("sso_start_url", Some(start_url)),
            ("sso_region", Some(region)),
            ("sso_account_id", Some(account_id)),
            ("sso_role_name", Some(role_name)),
            ("sso_registration_scopes", registration_scopes),
        ] {
            if let Some(value) = value {
                settings.insert(key.to_owned(), value.to_owned());
            }
        }
        Self::Sso { settings }
    }

    /// The step's tag: `static`, `named_source`, `web_identity`, `assume_role`, `sso`,
    /// `credential_process`, `login` or `source`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Static { .. } => "static",
            Self::NamedSource { .. } => "named_source",
            Self::WebIdentity { .. } => "web_identity",
            Self::AssumeRole { .. } => "assume_role",
            Self::Sso { .. } => "sso",
            Self::CredentialProcess { .. } => "credential_process",
            Self::Login { .. } => "login",
            Self::Source { .. } => "source",
        }
    }
}

impl fmt::Display for Step {
    /// One line for people: `static keys of profile "base"`, `assume role arn:… (external id x)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Static { profile, source } => match (profile, source) {
                (Some(profile), _) => write!(f, "static keys of profile \"{profile}\""),
                (None, Some(source)) => write!(f, "static keys from {source}"),
                (None, None) => f.write_str("static keys"),
            },
            Self::NamedSource { name } => write!(f, "{name} credentials"),
            Self::WebIdentity {
                role_arn,
                token_file,
                role_session_name,
            } => {
                write!(
                    f,
                    "web identity: assume {role_arn} with the token in {token_file}"
                )?;
                details(f, &[("session name", role_session_name.as_deref())])
            }
            Self::AssumeRole {
                role_arn,
                external_id,
                role_session_name,
                duration_seconds,
                region,
            } => {
                write!(f, "assume role {role_arn}")?;
                let duration = duration_seconds.map(|s| format!("{s}s"));
                details(
                    f,
                    &[
                        ("external id", external_id.as_deref()),
                        ("session name", role_session_name.as_deref()),
                        ("duration", duration.as_deref()),
                        ("region", region.as_deref()),
                    ],
                )
            }
            Self::Sso { settings } => {
                f.write_str("IAM Identity Center")?;
                let get = |key: &str| settings.get(key).map(String::as_str);
                details(
                    f,
                    &[
                        ("account", get("sso_account_id")),
                        ("role", get("sso_role_name")),
                        ("session", get("sso_session")),
                        ("start url", get("sso_start_url")),
                        ("region", get("sso_region")),
                    ],
                )
            }
            Self::CredentialProcess { program } => {
                write!(f, "credential_process: run {program} (arguments not shown)")
            }
            Self::Login { login_session } => write!(f, "console sign-in session {login_session}"),
            Self::Source { name } => write!(f, "source {name}"),
        }
    }
}

/// The program a `credential_process` command line runs: its first word that is not a shell
/// variable assignment (`TOKEN=… helper` shows `helper`), quotes removed, at most 100
/// characters. This is all of a command line that a plan, an error or a log may show: the
/// arguments (and assignments) after or before it often carry secrets.
///
/// ```
/// use awsauth_core::program_name;
/// assert_eq!(program_name("vault-helper --token s3cr3t"), "vault-helper");
/// assert_eq!(program_name("  '/opt/my tools/helper' -x"), "/opt/my tools/helper");
/// assert_eq!(program_name("API_TOKEN=s3cr3t LANG=C helper get"), "helper");
/// assert_eq!(program_name(r#""C:\Program Files\helper.exe" /x"#), r"C:\Program Files\helper.exe");
/// assert_eq!(program_name("TOKEN=s3cr3t"), "");
/// ```
pub fn program_name(command_line: &str) -> String {
    const MAX_CHARS: usize = 100;
    let mut rest = command_line;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return String::new();
        }
        let (word, tail) = first_word(rest);
        rest = tail;
        if !is_assignment(&word) {
            return word.chars().take(MAX_CHARS).collect();
        }
    }
}

/// One word of a command line, quotes removed, and what follows it.
fn first_word(text: &str) -> (String, &str) {
    let mut word = String::new();
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => word.push(c),
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c.is_whitespace() => return (word, &text[i..]),
            None => word.push(c),
        }
    }
    (word, "")
}

/// `NAME=value`, as a shell reads a leading word.
fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            let mut chars = name.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

fn details(f: &mut fmt::Formatter<'_>, fields: &[(&str, Option<&str>)]) -> fmt::Result {
    let mut first = true;
    for (label, value) in fields {
        if let Some(value) = value {
            f.write_str(if first { " (" } else { ", " })?;
            write!(f, "{label} {value}")?;
            first = false;
        }
    }
    if !first {
        f.write_str(")")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_serialize_with_their_tag_and_fields() {
        let sso = Step::Sso {
            settings: BTreeMap::from([
                ("sso_account_id".to_owned(), "123456789012".to_owned()),
                ("sso_session".to_owned(), "corp".to_owned()),
            ]),
        };
        assert_eq!(
            serde_json::to_value(&sso).unwrap(),
            serde_json::json!({"step": "sso", "sso_account_id": "123456789012", "sso_session": "corp"})
        );
        let process = Step::CredentialProcess {
            program: "vault-helper".into(),
        };
        assert_eq!(
            serde_json::to_value(&process).unwrap(),
            serde_json::json!({"step": "credential_process", "program": "vault-helper"})
        );
        assert_eq!(
            serde_json::to_value(Step::static_keys_of_profile("base")).unwrap(),
            serde_json::json!({"step": "static", "profile": "base"})
        );
        for step in [sso, process, Step::named_source("EcsContainer")] {
            assert_eq!(
                serde_json::to_value(&step).unwrap()["step"],
                step.kind(),
                "{step:?}"
            );
        }
    }

    #[test]
    fn display_shows_only_what_is_set() {
        let hop = Step::AssumeRole {
            role_arn: "arn:aws:iam::123456789012:role/r".into(),
            external_id: Some("tenant-42".into()),
            role_session_name: None,
            duration_seconds: Some(900),
            region: None,
        };
        assert_eq!(
            hop.to_string(),
            "assume role arn:aws:iam::123456789012:role/r (external id tenant-42, duration 900s)"
        );
        assert_eq!(
            Step::assume_role("arn:aws:iam::1:role/x").to_string(),
            "assume role arn:aws:iam::1:role/x"
        );
    }
}
