//! `cargo xtask`: the project's automation, in Rust, with no dependencies beyond std.
//!
//! - `cargo xtask test [--no-interop]`: the whole test suite. Starts a real STS (moto, in a venv
//!   under `target/interop/`) on a free loopback port for the interop tests, runs
//!   `cargo test --workspace`, and stops the server — also when the tests fail.
//! - `cargo xtask interop`: only the interop tests, against the same server.
//! - `cargo xtask ci`: everything CI checks.
#![forbid(unsafe_code)]

mod moto;

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => ("help", &[][..]),
    };
    let result = match command {
        "test" => test(rest),
        "interop" => interop(rest),
        "ci" => ci(rest),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: cargo xtask <command>

commands:
  test [--no-interop] [-- <cargo test args>]
                 the whole test suite; starts moto (a real STS) for the interop tests
  interop [-- <test harness args>]
                 only the interop tests (names containing `interop`) against moto
  ci             fmt check, clippy -D warnings, the whole test suite, docs with -D warnings";

fn test(args: &[String]) -> Result<(), String> {
    let no_interop = args.iter().any(|a| a == "--no-interop");
    let passthrough = passthrough(args);
    let mut cargo_args = vec!["test".to_owned(), "--workspace".to_owned()];
    cargo_args.extend(passthrough);
    if no_interop {
        eprintln!("xtask: --no-interop: the interop tests will report themselves as skipped");
        return cargo(&cargo_args, &[]);
    }
    let server = moto::Server::start()?;
    let endpoint = server.endpoint();
    eprintln!("xtask: moto STS at {endpoint}");
    cargo(&cargo_args, &[("AWSAUTH_MOTO_ENDPOINT", endpoint.as_str())])
    // `server` is dropped here, which stops moto whether the tests passed or not.
}

fn interop(args: &[String]) -> Result<(), String> {
    let server = moto::Server::start()?;
    let endpoint = server.endpoint();
    eprintln!("xtask: moto STS at {endpoint}");
    // Everything after `--` goes to the test harness, after the `interop` name filter.
    let mut cargo_args = vec![
        "test".to_owned(),
        "--workspace".to_owned(),
        "--".to_owned(),
        "interop".to_owned(),
    ];
    cargo_args.extend(passthrough(args));
    cargo(&cargo_args, &[("AWSAUTH_MOTO_ENDPOINT", endpoint.as_str())])
}

fn ci(_args: &[String]) -> Result<(), String> {
    cargo(&["fmt", "--all", "--check"].map(String::from), &[])?;
    cargo(
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]
        .map(String::from),
        &[],
    )?;
    test(&[])?;
    cargo(
        &["doc", "--workspace", "--no-deps"].map(String::from),
        &[("RUSTDOCFLAGS", "-D warnings")],
    )
}

fn passthrough(args: &[String]) -> Vec<String> {
    match args.iter().position(|a| a == "--") {
        Some(i) => args[i + 1..].to_vec(),
        None => Vec::new(),
    }
}

/// Runs cargo with `args` in the workspace root, streaming its output.
fn cargo(args: &[String], env: &[(&str, &str)]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("xtask: cargo {}", args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} failed ({status})", args.join(" ")))
    }
}

fn workspace_root() -> std::path::PathBuf {
    let manifest_dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or(manifest_dir)
}
