//! The `awsauth` command.
//!
//! `awsauth demo` resolves credentials through each auth type that the workspace implements so
//! far, against an in-memory environment, and prints which source answered, which were skipped
//! and why — the same reasoning `explain` will print for a real configuration.
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Instant;

use awsauth_core::{Chain, Context, CredentialSource, MapEnv, only};
use awsauth_static::{EnvSource, StaticSource};
use clap::{Parser, Subcommand};

/// Resolve AWS credentials the way Grafana's AWS data sources do.
#[derive(Debug, Parser)]
#[command(name = "awsauth", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Resolve credentials through every auth type against built-in fakes (offline).
    Demo,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("awsauth: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    match cli.command {
        Command::Demo => runtime.block_on(demo()),
    }
}

/// One row of the demo: an auth type, the source tree it builds, and the environment it runs in.
struct Scenario {
    auth_type: &'static str,
    source: Box<dyn CredentialSource>,
    cx: Context,
}

fn scenarios() -> Vec<Scenario> {
    let empty = Context::builder().build();
    let env = Context::builder()
        .env(MapEnv::from([
            ("AWS_ACCESS_KEY_ID", "AKIADEMOENV000000001"),
            ("AWS_SECRET_ACCESS_KEY", "demo-secret-from-the-environment"),
        ]))
        .build();
    let keys = || {
        StaticSource::new("AKIADEMOKEYS00000001", "demo-secret-from-settings")
            .named("keys")
            .field_names("accessKey", "secretKey")
    };
    let default_chain = || Chain::new("default").or_else(EnvSource::new());
    vec![
        Scenario {
            auth_type: "keys",
            source: Box::new(only(keys()).selected_as("auth type `keys`")),
            cx: empty.clone(),
        },
        Scenario {
            auth_type: "keys (blank)",
            source: Box::new(
                only(
                    StaticSource::from_parts(None, None)
                        .named("keys")
                        .field_names("accessKey", "secretKey"),
                )
                .selected_as("auth type `keys`"),
            ),
            cx: empty.clone(),
        },
        Scenario {
            auth_type: "default (env)",
            source: Box::new(default_chain()),
            cx: env,
        },
        Scenario {
            auth_type: "default (nothing)",
            source: Box::new(default_chain()),
            cx: empty,
        },
    ]
}

async fn demo() -> ExitCode {
    println!(
        "{:<20} {:<10} {:<22} {:<8} {:>8}  detail",
        "auth type", "outcome", "access key id", "expiry", "time"
    );
    for scenario in scenarios() {
        let started = Instant::now();
        let outcome = scenario.source.provide(&scenario.cx).await;
        let micros = started.elapsed().as_micros();
        match outcome {
            Ok(creds) => println!(
                "{:<20} {:<10} {:<22} {:<8} {:>6}µs  via {}",
                scenario.auth_type,
                "ok",
                redact_key_id(creds.access_key_id()),
                creds
                    .expiry()
                    .map(awsauth_core::timefmt::rfc3339)
                    .unwrap_or_else(|| "never".into()),
                micros,
                creds.provenance()
            ),
            Err(err) => println!(
                "{:<20} {:<10} {:<22} {:<8} {:>6}µs  {err}",
                scenario.auth_type,
                err.kind().as_str(),
                "-",
                "-",
                micros
            ),
        }
    }
    ExitCode::SUCCESS
}

/// `AKIA…0001`: enough to recognise a key, not enough to use it anywhere.
fn redact_key_id(key_id: &str) -> String {
    let chars: Vec<char> = key_id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}
