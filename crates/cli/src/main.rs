//! The `awsauth` command: resolve, explain and demo AWS credentials the way Grafana's AWS data
//! sources do.
//!
//! - `resolve`: a data source's credentials, as text, JSON, shell `export` lines or the
//!   `credential_process` JSON.
//! - `explain`: each source, whether it is configured and why, and the plan — no network unless
//!   `--run`.
//! - `whoami`: `GetCallerIdentity` with the resolved credentials.
//! - `profiles`: the merged shared config and credentials files, secrets redacted.
//! - `demo`: every auth type against an in-process fake IMDS and STS, offline.
//!
//! Exit codes: 0 ok, 2 usage, 3 not configured anywhere, 4 not allowed by policy, 5 invalid
//! configuration, 6 provider failed or timed out. Errors are one line on stderr (and a JSON
//! object on stdout with `--format json`).
#![forbid(unsafe_code)]

mod args;
mod demo;
mod error;
mod explain;
mod factory;
mod input;
mod logging;
mod output;
mod profiles;
mod resolve;

use std::io::Write;
use std::process::ExitCode;

use awsauth::Context;
use clap::Parser;

use crate::args::{Cli, Command, Format};
use crate::error::CliError;

/// What a command printed, and whether it still failed (`explain --run` prints its report and
/// then fails with the run's error).
#[derive(Debug)]
pub(crate) struct Done {
    pub(crate) stdout: String,
    pub(crate) failure: Option<CliError>,
}

impl From<String> for Done {
    fn from(stdout: String) -> Self {
        Self {
            stdout,
            failure: None,
        }
    }
}

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err, args::wants_json(&raw)),
    };
    logging::init(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("awsauth: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let format = cli.format;
    let outcome = runtime.block_on(run(cli.command, format));
    match outcome {
        Ok(done) => {
            print(&done.stdout);
            match done.failure {
                None => ExitCode::SUCCESS,
                Some(err) => {
                    eprintln!("awsauth: {err}");
                    err.exit_code()
                }
            }
        }
        Err(err) => report(&err, format),
    }
}

async fn run(command: Command, format: Format) -> Result<Done, CliError> {
    let cx = Context::system();
    match command {
        Command::Resolve(args) => resolve::resolve(&args, format, &cx).await.map(Done::from),
        Command::Explain(args) => explain::explain(&args, format, &cx).await,
        Command::Whoami(args) => resolve::whoami(&args, format, &cx).await.map(Done::from),
        Command::Profiles => profiles::profiles(format, &cx).map(Done::from),
        Command::Demo => demo::demo(format).await.map(Done::from),
    }
}

fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`awsauth … | head`) is not worth a panic.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// One line on stderr; with `--format json` also the JSON error on stdout, for scripts.
fn report(err: &CliError, format: Format) -> ExitCode {
    if format == Format::Json {
        print(&format!("{}\n", err.to_json()));
    }
    eprintln!("awsauth: {err}");
    err.exit_code()
}

/// clap's own rendering for help, version and usage errors; a JSON error when JSON was asked.
fn usage_error(err: &clap::Error, json: bool) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) && err.exit_code() == 0
    {
        let _ = err.print();
        return ExitCode::SUCCESS;
    }
    if json {
        let rendered = err.render().to_string();
        let first = rendered
            .lines()
            .next()
            .unwrap_or("invalid arguments")
            .trim_start_matches("error: ")
            .to_owned();
        return report(&CliError::usage(first), Format::Json);
    }
    let _ = err.print();
    ExitCode::from(2)
}
