//! The `awsauth` command: resolve, explain, serve and demo AWS credentials the way Grafana's AWS
//! data sources do.
//!
//! - `resolve`: a data source's credentials, as text, JSON, shell variable assignments (the AWS
//!   CLI's `export-credentials` formats) or the `credential_process` JSON.
//! - `explain`: each source, whether it is configured and why, and the plan — no network unless
//!   `--run`.
//! - `whoami`: `GetCallerIdentity` with the resolved credentials.
//! - `profiles`: the merged shared config and credentials files, secrets redacted.
//! - `serve` / `exec`: the credentials on a loopback container-credentials endpoint, for every
//!   other process (`exec` runs one command with it).
//! - `curl`: one SigV4-signed HTTP request.
//! - `demo`: every auth type against an in-process fake IMDS and STS, offline.
//! - `completions`: shell completion scripts; `man` (hidden): the man pages.
//!
//! Exit codes: 0 ok, 2 usage, 3 not configured anywhere, 4 not allowed by policy, 5 invalid
//! configuration, 6 provider failed or timed out, 7 an HTTP error status from `curl`; `exec`
//! exits with its command's status. Errors are one line on stderr (and a JSON object on stdout
//! with `--format json`).
#![forbid(unsafe_code)]

mod args;
mod curl;
mod demo;
mod error;
mod exec;
mod explain;
mod factory;
mod input;
mod logging;
mod man;
mod output;
mod profiles;
mod resolve;
mod serve;

use std::io::Write;
use std::process::ExitCode;

use awsauth::Context;
use clap::Parser;

use crate::args::{Cli, Command, Format, ResolveFormat, ServeFormat};
use crate::error::CliError;

/// What a command printed, and whether it still failed (`explain --run` prints its report and
/// then fails with the run's error).
#[derive(Debug)]
pub(crate) struct Done {
    pub(crate) stdout: String,
    pub(crate) failure: Option<CliError>,
    /// An exit status of the command's own (`exec`: the child's).
    pub(crate) status: Option<u8>,
}

impl From<String> for Done {
    fn from(stdout: String) -> Self {
        Self {
            stdout,
            failure: None,
            status: None,
        }
    }
}

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err, args::wants_json(&raw)),
    };
    logging::init(cli.verbose, matches!(cli.command, Command::Serve(_)));
    let json = wants_json_errors(&cli.command);
    // The credentials server answers many clients at once; everything else is one request at
    // a time.
    let runtime = match &cli.command {
        Command::Serve(_) | Command::Exec(_) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build(),
        _ => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("awsauth: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(run(cli.command));
    // A child or a connection still running must not keep the process alive.
    runtime.shutdown_background();
    match outcome {
        Ok(done) => {
            print(&done.stdout);
            match (done.failure, done.status) {
                (Some(err), _) => {
                    eprintln!("awsauth: {err}");
                    err.exit_code()
                }
                (None, Some(status)) => ExitCode::from(status),
                (None, None) => ExitCode::SUCCESS,
            }
        }
        Err(err) => report(&err, json),
    }
}

/// Whether the command was asked for JSON, so its errors are JSON too.
fn wants_json_errors(command: &Command) -> bool {
    match command {
        Command::Resolve(a) => a.format == ResolveFormat::Json,
        Command::Explain(a) => a.format == Format::Json,
        Command::Whoami(a) => a.format == Format::Json,
        Command::Profiles(a) => a.format == Format::Json,
        Command::Demo(a) => a.format == Format::Json,
        Command::Serve(a) => a.format == ServeFormat::Json,
        Command::Exec(_) | Command::Curl(_) | Command::Completions(_) | Command::Man(_) => false,
    }
}

async fn run(command: Command) -> Result<Done, CliError> {
    let cx = Context::system();
    match command {
        Command::Resolve(args) => resolve::resolve(&args, &cx).await.map(Done::from),
        Command::Explain(args) => explain::explain(&args, &cx).await,
        Command::Whoami(args) => resolve::whoami(&args, &cx).await.map(Done::from),
        Command::Profiles(args) => profiles::profiles(&args, &cx).map(Done::from),
        Command::Serve(args) => serve::serve_command(&args, &cx).await,
        Command::Exec(args) => exec::exec(&args, &cx).await,
        Command::Curl(args) => curl::curl(&args, &cx).await,
        Command::Demo(args) => demo::demo(args.format).await.map(Done::from),
        Command::Completions(args) => Ok(Done::from(man::completions(args.shell))),
        Command::Man(args) => man::write_pages(&args.dir).map(Done::from),
    }
}

fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`awsauth … | head`) is not worth a panic.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// One line on stderr; with `--format json` also the JSON error on stdout, for scripts.
fn report(err: &CliError, json: bool) -> ExitCode {
    if json {
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
        return report(&CliError::usage(first), true);
    }
    let _ = err.print();
    ExitCode::from(2)
}
