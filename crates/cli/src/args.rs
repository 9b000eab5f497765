//! The command line, as clap types. Flags mirror a Grafana data source's fields and the server's
//! policy keys; no flag takes a secret. Each subcommand has its own `--format`, listing only the
//! formats it prints.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use awsauth::datasource::{AuthType, AuthTypeSet};
use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes: 0 ok, 2 usage, 3 no credentials configured anywhere, 4 not allowed by policy,
5 invalid configuration, 6 provider failed or timed out (`exec` exits with its command's status;
`curl` with 7 when the response status is 400 or more).

Secrets are never taken as arguments: keys come from --settings (secureJsonData) or the
standard environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
Logging goes to stderr: RUST_LOG (tracing's env filter) and -v / -vv; no level prints a secret.";

/// Resolve AWS credentials the way Grafana's AWS data sources do.
#[derive(Debug, Parser)]
#[command(name = "awsauth", version, about, after_help = EXIT_CODES)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,

    /// More log output on stderr: -v for awsauth's debug events, -vv for everything at trace.
    /// RUST_LOG refines it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Resolve credentials for a data source's settings and print them.
    #[command(after_help = RESOLVE_HELP)]
    Resolve(ResolveArgs),
    /// Show which sources would be used and why, and the plan of steps, without the network.
    #[command(after_help = EXPLAIN_HELP)]
    Explain(ExplainArgs),
    /// Resolve credentials, then ask STS who they belong to (GetCallerIdentity).
    #[command(after_help = WHOAMI_HELP)]
    Whoami(WhoamiArgs),
    /// Print the merged profiles of the shared config and credentials files, secrets redacted.
    #[command(after_help = PROFILES_HELP)]
    Profiles(ProfilesArgs),
    /// Serve the credentials on a loopback port, speaking the container credentials protocol
    /// that every AWS SDK and the AWS CLI read.
    #[command(after_help = SERVE_HELP)]
    Serve(ServeArgs),
    /// Run a command with the credentials served to it over the container credentials
    /// protocol, on an ephemeral loopback port, for as long as it runs.
    #[command(after_help = EXEC_HELP)]
    Exec(ExecArgs),
    /// Sign one HTTP request with SigV4 and send it (what awscurl does).
    #[command(after_help = CURL_HELP)]
    Curl(CurlArgs),
    /// Resolve credentials through every auth type against built-in fakes (offline).
    Demo(DemoArgs),
    /// Print a shell completion script.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Write the man pages (used by `cargo xtask man`).
    #[command(hide = true)]
    Man(ManArgs),
}

const RESOLVE_HELP: &str = "\
Secrets in the output:
  --format text, json   the secret key and session token are redacted unless --show-secrets
  --format env, env-no-export, powershell, windows-cmd
                        variable assignments for a shell (the AWS CLI's export-credentials
                        formats); need --show-secrets, since they are all secrets
  --format process      the credential_process JSON (\"Version\": 1); always carries the secret
                        key, its only purpose. When stdout is a terminal it also needs
                        --show-secrets, so credentials do not end up in a scrollback by accident.

Examples:
  awsauth resolve --profile reader --format json
  eval \"$(awsauth resolve --profile reader --format env --show-secrets)\"
  credential_process = awsauth resolve --format process --profile base";

const EXPLAIN_HELP: &str = "\
Exits with the code resolving would have where that is known without the network: 3 nothing
configured, 4 not allowed by policy, 5 invalid configuration.

Examples:
  awsauth explain --auth-type default
  awsauth explain --profile reader --format json";

const WHOAMI_HELP: &str = "\
--format json prints the keys of `aws sts get-caller-identity`: UserId, Account, Arn.

Examples:
  awsauth whoami --profile reader
  awsauth whoami --format json | jq -r .Arn";

const PROFILES_HELP: &str = "\
Examples:
  awsauth profiles
  awsauth profiles --names          # one name a line, like `aws configure list-profiles`";

const SERVE_HELP: &str = "\
The server binds to loopback only, answers GET on one path with a fresh random token (compared
in constant time; anything else is 401 without detail), and serves one cached session: the
flags decide the profile and role, never a request. Clients read:
  AWS_CONTAINER_CREDENTIALS_FULL_URI    http://127.0.0.1:<port>/v1/credentials
  AWS_CONTAINER_AUTHORIZATION_TOKEN     the token (or AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)
The protocol carries temporary credentials only: long-term keys need --assume-role-arn.

Examples:
  awsauth serve --profile reader > ~/.aws/awsauth.env &   # then: . ~/.aws/awsauth.env
  awsauth serve --profile reader --token-file ~/.aws/awsauth-token --format json";

const EXEC_HELP: &str = "\
The command gets AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN, and
none of the variables that would take precedence over them (AWS_ACCESS_KEY_ID, AWS_PROFILE, …).
SIGINT, SIGTERM and SIGHUP are forwarded; awsauth exits with the command's status.

Examples:
  awsauth exec --profile reader -- aws s3 ls
  awsauth exec --profile base --assume-role-arn arn:aws:iam::123456789012:role/reader -- python3 app.py";

const CURL_HELP: &str = "\
The request is signed by the same RequestSigner a server uses for SigV4 HTTP data sources
(Prometheus, OpenSearch…). The signing region is the data source's (--region), else AWS_REGION.

Examples:
  awsauth curl --service aps --region eu-west-1 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/query?query=up'
  awsauth curl --service sts --region us-east-1 -X POST -d 'Action=GetCallerIdentity&Version=2011-06-15' https://sts.us-east-1.amazonaws.com/
  awsauth curl --dry-run --service es --region eu-west-1 https://search-logs.eu-west-1.es.amazonaws.com/_cat/indices";

const COMPLETIONS_HELP: &str = "\
Examples:
  awsauth completions bash > /etc/bash_completion.d/awsauth
  awsauth completions zsh > \"${fpath[1]}/_awsauth\"
  awsauth completions fish > ~/.config/fish/completions/awsauth.fish";

/// `text` or `json`: what every command but `resolve` and `serve` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum Format {
    /// For people.
    #[default]
    Text,
    /// One JSON object.
    Json,
}

/// What `resolve` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum ResolveFormat {
    /// For people; secrets redacted unless --show-secrets.
    #[default]
    Text,
    /// One JSON object; secrets redacted unless --show-secrets.
    Json,
    /// `export AWS_…='…'` lines for a POSIX shell.
    Env,
    /// `AWS_…='…'` lines without `export`.
    EnvNoExport,
    /// `$Env:AWS_…="…"` lines for PowerShell.
    Powershell,
    /// `set AWS_…=…` lines for Windows cmd.
    WindowsCmd,
    /// The `credential_process` JSON.
    Process,
}

impl ResolveFormat {
    /// Its name on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Json => "json",
            Self::Env => "env",
            Self::EnvNoExport => "env-no-export",
            Self::Powershell => "powershell",
            Self::WindowsCmd => "windows-cmd",
            Self::Process => "process",
        }
    }

    /// Whether this format is variable assignments for a shell.
    pub(crate) fn is_shell(self) -> bool {
        matches!(
            self,
            Self::Env | Self::EnvNoExport | Self::Powershell | Self::WindowsCmd
        )
    }
}

/// What `serve` prints once it listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum ServeFormat {
    /// `export AWS_CONTAINER_…=` lines for a POSIX shell.
    #[default]
    Env,
    /// One JSON object: `{"full_uri", "token" | "token_file"}`.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct ResolveArgs {
    #[command(flatten)]
    pub(crate) source: SourceArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ResolveFormat::Text)]
    pub(crate) format: ResolveFormat,

    /// Print the secret key and session token in `text` and `json` output (redacted otherwise);
    /// required by the shell formats.
    #[arg(long)]
    pub(crate) show_secrets: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    #[command(flatten)]
    pub(crate) source: SourceArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,

    /// Also resolve the credentials (this may call IMDS or STS) and show the outcome, redacted.
    #[arg(long)]
    pub(crate) run: bool,
}

#[derive(Debug, Args)]
pub(crate) struct WhoamiArgs {
    #[command(flatten)]
    pub(crate) source: SourceArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct ProfilesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,

    /// Only the profile names, one a line (`aws configure list-profiles`).
    #[arg(long, conflicts_with = "format")]
    pub(crate) names: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

/// How the credentials server listens; shared by `serve` and `exec`.
#[derive(Debug, Args, Clone)]
pub(crate) struct ListenArgs {
    /// At most this many connections are served at once; more wait to be accepted.
    #[arg(long, value_name = "N", default_value_t = 128, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub(crate) max_connections: u32,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub(crate) source: SourceArgs,

    #[command(flatten)]
    pub(crate) listen: ListenArgs,

    /// The loopback address and port to listen on (port 0: any free port). Anything but a
    /// loopback address is refused.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub(crate) bind: String,

    /// Write the token to this file (mode 0600) and print AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
    /// instead of the token.
    #[arg(long, value_name = "FILE")]
    pub(crate) token_file: Option<PathBuf>,

    /// What to print once listening.
    #[arg(long, value_enum, default_value_t = ServeFormat::Env)]
    pub(crate) format: ServeFormat,
}

#[derive(Debug, Args)]
pub(crate) struct ExecArgs {
    #[command(flatten)]
    pub(crate) source: SourceArgs,

    #[command(flatten)]
    pub(crate) listen: ListenArgs,

    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub(crate) command: Vec<OsString>,
}

#[derive(Debug, Args)]
pub(crate) struct CurlArgs {
    #[command(flatten)]
    pub(crate) source: SourceArgs,

    /// The signing name of the service: `aps`, `es`, `sts`, `execute-api`, `s3`…
    #[arg(long, value_name = "NAME")]
    pub(crate) service: String,

    /// The HTTP method; POST when there is a body, else GET.
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    pub(crate) method: Option<String>,

    /// A header to send, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub(crate) headers: Vec<String>,

    /// The request body.
    #[arg(
        short = 'd',
        long = "data",
        value_name = "BODY",
        conflicts_with = "data_file"
    )]
    pub(crate) data: Option<String>,

    /// Read the request body from a file.
    #[arg(long, value_name = "FILE")]
    pub(crate) data_file: Option<PathBuf>,

    /// Print the response status line and headers before the body.
    #[arg(short = 'i', long)]
    pub(crate) include: bool,

    /// Print the signed request (signature and session token redacted) and send nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// The URL.
    #[arg(value_name = "URL")]
    pub(crate) url: String,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// The directory to write `awsauth.1` and `awsauth-<command>.1` into.
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: PathBuf,
}

/// A data source's settings and the server's policy, as flags.
#[derive(Debug, Args, Default, Clone)]
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

    /// The external ID sent with AssumeRole (jsonData.externalId); needs a role ARN.
    #[arg(long, value_name = "ID")]
    pub(crate) external_id: Option<String>,

    /// The role session name for AssumeRole.
    #[arg(long, value_name = "NAME")]
    pub(crate) session_name: Option<String>,

    /// The assumed-role session length (session_duration), in the syntax
    /// AWS_AUTH_SESSION_DURATION takes: 900s, 15m, 1.5h, 1h30m… from 15m to 12h; needs a role
    /// ARN. Defaults to AWS_AUTH_SESSION_DURATION, else 15m.
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

/// The session duration in the syntax `AWS_AUTH_SESSION_DURATION` takes (Go's, plus `d` and
/// `w`), 15 minutes to 12 hours: one parser for the flag and the variable.
fn parse_session_duration(value: &str) -> Result<Duration, String> {
    awsauth::datasource::parse_session_duration(value)
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

    fn help(command: &str) -> String {
        let mut cli = Cli::command();
        cli.build();
        let sub = cli
            .find_subcommand_mut(command)
            .unwrap_or_else(|| panic!("no {command}"));
        sub.render_long_help().to_string()
    }

    /// Each command's help names the formats it prints and no other; `resolve --help` does not
    /// send the reader to `resolve --help`.
    #[test]
    fn each_help_lists_only_its_own_formats() {
        let resolve = help("resolve");
        for name in [
            "text",
            "json",
            "env",
            "env-no-export",
            "powershell",
            "windows-cmd",
            "process",
        ] {
            assert!(resolve.contains(&format!("- {name}")), "{name}:\n{resolve}");
        }
        assert!(!resolve.contains("resolve --help"), "{resolve}");
        for command in ["explain", "whoami", "profiles", "demo"] {
            let text = help(command);
            assert!(text.contains("- text") && text.contains("- json"), "{text}");
            for other in ["- env", "- process", "- powershell", "resolve only"] {
                assert!(!text.contains(other), "{command} lists {other}:\n{text}");
            }
        }
        let serve = help("serve");
        assert!(
            serve.contains("- env") && !serve.contains("- process"),
            "{serve}"
        );
    }

    #[test]
    fn durations_take_the_variables_syntax_within_the_sts_range() {
        assert_eq!(parse_session_duration("900s"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_session_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(
            parse_session_duration("1.5h"),
            Ok(Duration::from_secs(5400))
        );
        assert_eq!(
            parse_session_duration("1h30m"),
            Ok(Duration::from_secs(5400))
        );
        assert!(
            parse_session_duration("900").is_err(),
            "a number needs a unit, as in the variable"
        );
        assert!(parse_session_duration("60s").is_err());
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
