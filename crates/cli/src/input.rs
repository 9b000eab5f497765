//! From flags, the settings file and the environment to a data source's settings and the server's
//! policy — the two things `datasource::build_session` takes.

use awsauth::Context;
use awsauth::datasource::{AuthSettings, AuthType, DatasourceSettings, Session, build_session};

use crate::args::SourceArgs;
use crate::error::CliError;
use crate::factory::{KeysFrom, factory};

/// A settings file larger than this is not a data source definition.
const MAX_SETTINGS_FILE: u64 = 1024 * 1024;

/// What a command resolves: the data source and the policy it is checked against.
#[derive(Debug, Clone)]
pub(crate) struct Input {
    pub(crate) settings: DatasourceSettings,
    pub(crate) policy: AuthSettings,
    /// Where the `keys` auth type takes its key pair from: the settings file's
    /// `secureJsonData` when there is a file (exactly the server's view), else the standard
    /// environment variables.
    pub(crate) keys_from: KeysFrom,
}

impl Input {
    /// Reads the settings file (if any), applies the flags on top, and builds the policy from
    /// the `AWS_AUTH_*` variables overridden by the policy flags.
    pub(crate) fn gather(args: &SourceArgs, cx: &Context) -> Result<Self, CliError> {
        let mut settings = match &args.settings {
            Some(path) => read_settings(cx, path)?,
            None => DatasourceSettings::default(),
        };
        let from_file = args.settings.is_some();

        settings.auth_type = match (args.auth_type, &args.profile) {
            (Some(auth_type), _) => auth_type,
            (None, _) if from_file => settings.auth_type,
            (None, Some(_)) => AuthType::Credentials,
            (None, None) => AuthType::Default,
        };
        if let Some(profile) = &args.profile {
            if settings.auth_type != AuthType::Credentials {
                return Err(CliError::usage(format!(
                    "--profile applies to --auth-type credentials, not {}; the default chain reads AWS_PROFILE",
                    settings.auth_type
                )));
            }
            settings.profile = Some(profile.clone());
        }
        let set = |field: &mut Option<String>, value: &Option<String>| {
            if let Some(value) = value {
                *field = Some(value.clone());
            }
        };
        set(&mut settings.assume_role_arn, &args.assume_role_arn);
        set(&mut settings.external_id, &args.external_id);
        set(&mut settings.region, &args.region);
        set(&mut settings.endpoint, &args.endpoint);
        // Both only shape an AssumeRole call; without a role they would be silently ignored.
        if settings.assume_role_arn.is_none() {
            for (flag, given) in [
                ("--external-id", args.external_id.is_some()),
                ("--duration", args.duration.is_some()),
            ] {
                if given {
                    return Err(CliError::usage(format!(
                        "{flag} applies to an assumed role; add --assume-role-arn (or assumeRoleArn in the settings file)"
                    )));
                }
            }
        }

        let keys_from = if from_file {
            KeysFrom::Settings
        } else {
            KeysFrom::Environment
        };

        // A local tool: errors keep the server's detail (paths, profile names) for its user.
        let mut policy = AuthSettings::from_env(cx)?.full_error_detail(true);
        if let Some(allowed) = args.allowed_auth_providers {
            policy.allowed_auth_providers = allowed;
        }
        if let Some(enabled) = args.assume_role_enabled {
            policy.assume_role_enabled = enabled;
        }
        if let Some(duration) = args.duration {
            policy = policy.session_duration(duration)?;
        }
        if let Some(name) = &args.session_name {
            policy = policy.session_name(name.clone());
        }
        Ok(Self {
            settings,
            policy,
            keys_from,
        })
    }

    /// The data source's session, built exactly as a server builds it (the policy gate first;
    /// no network).
    pub(crate) fn session(&self) -> Result<Session, CliError> {
        Ok(build_session(
            &self.settings,
            &self.policy,
            &*factory(self.keys_from),
        )?)
    }
}

fn read_settings(cx: &Context, path: &std::path::Path) -> Result<DatasourceSettings, CliError> {
    let shown = path.display();
    let cannot = |e: std::io::Error| {
        CliError::invalid(format!(
            "cannot read the settings file {shown}: {}",
            e.kind()
        ))
    };
    // One open handle, checked with fstat, read at most one byte past the cap.
    let contents = cx
        .fs()
        .read_limited(path, MAX_SETTINGS_FILE)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::FileTooLarge => CliError::invalid(format!(
                "the settings file {shown} is larger than {MAX_SETTINGS_FILE} bytes; expected a data source JSON"
            )),
            std::io::ErrorKind::InvalidInput => CliError::invalid(format!(
                "the settings file {shown} is not a regular file (a directory, a device or a pipe)"
            )),
            _ => cannot(e),
        })?;
    let text = std::str::from_utf8(&contents.bytes)
        .map_err(|_| CliError::invalid(format!("the settings file {shown} is not UTF-8")))?;
    let parsed = DatasourceSettings::parse_json(text)
        .map_err(|e| CliError::invalid(format!("the settings file {shown}: {e}")))?;
    // A secret outside secureJsonData is refused: a server would not read it, and carrying on
    // would resolve some other identity.
    let misplaced: Vec<String> = parsed
        .misplaced_secrets()
        .map(ToString::to_string)
        .collect();
    if !misplaced.is_empty() {
        return Err(CliError::invalid(format!(
            "the settings file {shown}: {}; move it into secureJsonData (Grafana keeps secrets there, encrypted)",
            misplaced.join("; ")
        )));
    }
    for ignored in &parsed.ignored {
        tracing::warn!(path = %shown, "settings file: {ignored}");
    }
    if holds_secrets(&parsed.settings) {
        warn_if_wider_than_owner(path, contents.meta.mode);
    }
    Ok(parsed.settings)
}

/// Whether the data source JSON holds a key in `secureJsonData`.
fn holds_secrets(settings: &DatasourceSettings) -> bool {
    settings.access_key.is_some()
        || settings.secret_key.is_some()
        || settings.session_token.is_some()
        || settings.proxy.password.is_some()
}

/// A settings file may hold keys: like a credentials file, it should be `chmod 600`.
fn warn_if_wider_than_owner(path: &std::path::Path, mode: Option<u32>) {
    let Some(mode) = mode.map(|m| m & 0o777) else {
        return;
    };
    if mode & 0o077 != 0 {
        tracing::warn!(
            path = %path.display(),
            mode = format_args!("{mode:04o}"),
            "settings file is readable by other users of this machine and may hold keys; consider chmod 600"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awsauth::{MapEnv, MemFs};

    fn cx(env: &[(&str, &str)], fs: MemFs) -> Context {
        Context::builder()
            .env(
                env.iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect::<MapEnv>(),
            )
            .fs(fs)
            .build()
    }

    #[test]
    fn a_profile_alone_means_the_credentials_auth_type() {
        let args = SourceArgs {
            profile: Some("reader".into()),
            ..SourceArgs::default()
        };
        let input = Input::gather(&args, &cx(&[], MemFs::new())).unwrap();
        assert_eq!(input.settings.auth_type, AuthType::Credentials);
        assert_eq!(input.settings.profile_name(), Some("reader"));
        let args = SourceArgs {
            profile: Some("reader".into()),
            auth_type: Some(AuthType::Default),
            ..SourceArgs::default()
        };
        let err = Input::gather(&args, &cx(&[], MemFs::new())).unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::Usage);
    }

    /// With a settings file the keys are its `secureJsonData`'s only (the server's view); the
    /// environment is read for keys only when there is no settings file.
    #[test]
    fn keys_come_from_the_settings_file_or_else_the_environment() {
        let fs = MemFs::new();
        fs.insert(
            "/ds.json",
            r#"{"jsonData":{"authType":"keys","region":"eu-west-1"},"secureJsonData":{"accessKey":"AKIDFILE","secretKey":"file-secret"}}"#,
        );
        let env = [
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", "env-secret"),
        ];
        let args = SourceArgs {
            settings: Some("/ds.json".into()),
            region: Some("us-west-2".into()),
            ..SourceArgs::default()
        };
        let input = Input::gather(&args, &cx(&env, fs)).unwrap();
        assert_eq!(input.settings.access_key.as_deref(), Some("AKIDFILE"));
        assert_eq!(input.settings.resolved_region(), Some("us-west-2"));
        assert_eq!(input.keys_from, KeysFrom::Settings);

        let args = SourceArgs {
            auth_type: Some(AuthType::Keys),
            ..SourceArgs::default()
        };
        let input = Input::gather(&args, &cx(&env, MemFs::new())).unwrap();
        assert_eq!(input.settings.access_key, None);
        assert_eq!(input.keys_from, KeysFrom::Environment);
    }

    #[test]
    fn policy_flags_override_the_environment() {
        let env = [
            ("AWS_AUTH_AllowedAuthProviders", "keys"),
            ("AWS_AUTH_AssumeRoleEnabled", "false"),
        ];
        let input = Input::gather(&SourceArgs::default(), &cx(&env, MemFs::new())).unwrap();
        assert!(
            !input
                .policy
                .allowed_auth_providers
                .contains(AuthType::Default)
        );
        assert!(!input.policy.assume_role_enabled);
        let args = SourceArgs {
            allowed_auth_providers: Some([AuthType::Default].into_iter().collect()),
            assume_role_enabled: Some(true),
            ..SourceArgs::default()
        };
        let input = Input::gather(&args, &cx(&env, MemFs::new())).unwrap();
        assert!(
            input
                .policy
                .allowed_auth_providers
                .contains(AuthType::Default)
        );
        assert!(input.policy.assume_role_enabled);
    }

    #[test]
    fn a_missing_settings_file_is_invalid_configuration_naming_it() {
        let args = SourceArgs {
            settings: Some("/nowhere.json".into()),
            ..SourceArgs::default()
        };
        let err = Input::gather(&args, &cx(&[], MemFs::new())).unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::InvalidConfiguration);
        assert!(err.message.contains("/nowhere.json"), "{err}");
    }
}
