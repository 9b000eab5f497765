//! The command line, as clap types. Flags mirror a Grafana data source's fields and the server's
//! policy keys; no flag takes a secret.

use std::path::PathBuf;
use std::time::Duration;

use awsauth::datasource::{AuthType, AuthTypeSet, parse_duration};
use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes: 0 ok, 2 usage, 3 no credentials configured anywhere, 4 not allowed by policy,
5 invalid configuration, 6 provider failed or timed out.

Secrets are never taken as arguments: keys come from --settings (secureJsonData) or the
standard environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
Logging goes to stderr: RUST_LOG (tracing's env filter) and -v / -vv; no level prints a secret.";

/// Resolve AWS credentials the way Grafana's AWS data sources do.
#[derive(Debug, Parser)]
#[command(name = "awsauth", version, about, after_help = EXIT_CODES)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,

    /// Output format. `env` and `process` exist for `resolve` only; see `awsauth resolve --help`
    /// for which formats print secrets.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,

    /// More log output on stderr: -v for awsauth's debug events, -vv for everything at trace.
    /// RUST_LOG refines it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Resolve credentials for a data source's settings and print them.
    #[command(after_help = SECRETS_HELP)]
    Resolve(ResolveArgs),
    /// Show which sources would be used and why, and the plan of steps, without the network.
    Explain(ExplainArgs),
    /// Resolve credentials, then ask STS who they belong to (GetCallerIdentity).
    Whoami(SourceArgs),
    /// Print the merged profiles of the shared config and credentials files, secrets redacted.
    Profiles,
    /// Resolve credentials through every auth type against built-in fakes (offline).
    Demo,
}

const SECRETS_HELP: &str = "\
Secrets in the output:
  --format text, json   the secret key and session token are redacted unless --show-secrets
  --format env          `export AWS_…=` lines; needs --show-secrets, since they are all secrets
  --format process      the credential_process JSON (\"Version\": 1); always carries the secret
                        key, its only purpose. When stdout is a terminal it also needs
                        --show-secrets, so credentials do not end up in a scrollback by accident.";

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// For people.
    Text,
    /// One JSON object.
    Json,
    /// `export AWS_…=` lines for a shell (`resolve` only).
    Env,
    /// The `credential_process` JSON (`resolve` only).
    Process,
}

#[derive(Debug, Args)]
pub(crate) struct ResolveArgs {
    #[command(flatten)]
    pub(crate) source: SourceArgs,

    /// Print the secret key and session token in `text` and `json` output (redacted otherwise);
    /// required by `--format env`.
    #[arg(long)]
    pub(crate) show_secrets: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    #[command(flatten)]
    pub(crate) source: SourceArgs,

    /// Also resolve the credentials (this may call IMDS or STS) and show the outcome, redacted.
    #[arg(long)]
    pub(crate) run: bool,
}

/// A data source's settings and the server's policy, as flags.
#[derive(Debug, Args, Default)]
pub(crate) struct SourceArgs {
    /// The auth type (jsonData.authType): default, keys, credentials, ec2_iam_role or
    /// grafana_assume_role. Without it: the settings file's, else `credentials` when --profile
    /// is given, else `default`.
    #[arg(long, value_name = "TYPE", value_parser = parse_auth_type)]
    pub(crate) auth_type: Option<AuthType>,

    /// The profile of the shared files for `--auth-type credentials` (jsonData.profile).
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,

    /// A role to assume on top of the auth type's credentials (jsonData.assumeRoleArn).
    #[arg(long, value_name = "ARN")]
    pub(crate) assume_role_arn: Option<String>,

    /// The external ID sent with AssumeRole (jsonData.externalId).
    #[arg(long, value_name = "ID")]
    pub(crate) external_id: Option<String>,

    /// The role session name for AssumeRole.
    #[arg(long, value_name = "NAME")]
    pub(crate) session_name: Option<String>,

    /// The assumed-role session length (session_duration): 900 (seconds), 15m, 1h… up to 12h.
    /// Defaults to AWS_AUTH_SESSION_DURATION, else 15m.
    #[arg(long, value_name = "DURATION", value_parser = parse_session_duration)]
    pub(crate) duration: Option<Duration>,

    /// The region (jsonData.region).
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,

    /// A custom endpoint (jsonData.endpoint).
    #[arg(long, value_name = "URL")]
    pub(crate) endpoint: Option<String>,

    /// A Grafana data source JSON with `jsonData` and `secureJsonData`; the flags above override
    /// its fields. Keep it chmod 600: it may hold keys.
    #[arg(long, value_name = "FILE")]
    pub(crate) settings: Option<PathBuf>,

    /// The auth types allowed (allowed_auth_providers), comma-separated. Defaults to
    /// AWS_AUTH_AllowedAuthProviders, else `default,keys,credentials`.
    #[arg(long, value_name = "LIST", value_parser = parse_auth_type_set)]
    pub(crate) allowed_auth_providers: Option<AuthTypeSet>,

    /// Whether a data source may assume a role (assume_role_enabled). Defaults to
    /// AWS_AUTH_AssumeRoleEnabled, else true.
    #[arg(long, value_name = "BOOL", action = clap::ArgAction::Set)]
    pub(crate) assume_role_enabled: Option<bool>,
}

fn parse_auth_type(value: &str) -> Result<AuthType, String> {
    AuthType::parse(value).map_err(|e| {
        format!("{e}; expected default, keys, credentials, ec2_iam_role or grafana_assume_role")
    })
}

fn parse_auth_type_set(value: &str) -> Result<AuthTypeSet, String> {
    let set = AuthTypeSet::parse_list(value).map_err(|e| e.to_string())?;
    if set.is_empty() {
        return Err("name at least one auth type".to_owned());
    }
    Ok(set)
}

/// Plain seconds (`900`) or Grafana's duration syntax (`15m`, `1h30m`), 15 minutes to 12 hours.
fn parse_session_duration(value: &str) -> Result<Duration, String> {
    let duration = match value.trim().parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => parse_duration(value)?,
    };
    if !(Duration::from_secs(900)..=Duration::from_secs(43_200)).contains(&duration) {
        return Err("AssumeRole sessions last from 900 s (15m) to 43200 s (12h)".to_owned());
    }
    Ok(duration)
}

/// Whether the raw arguments ask for JSON, for errors found before clap could parse them.
pub(crate) fn wants_json(args: &[String]) -> bool {
    args.iter()
        .zip(args.iter().skip(1))
        .any(|(flag, value)| flag == "--format" && value == "json")
        || args.iter().any(|a| a == "--format=json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_take_seconds_or_grafana_syntax_within_the_sts_range() {
        assert_eq!(parse_session_duration("900"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_session_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_session_duration("60").is_err());
        assert!(parse_session_duration("13h").is_err());
        assert!(parse_session_duration("soon").is_err());
    }

    #[test]
    fn json_is_detected_in_both_spellings() {
        let args = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(wants_json(&args(&[
            "resolve", "--format", "json", "--bogus"
        ])));
        assert!(wants_json(&args(&["--format=json"])));
        assert!(!wants_json(&args(&["--format", "text"])));
    }
}
