//! `cargo xtask test` and `cargo xtask interop`: the test suite, with moto (a real STS) started
//! on a free loopback port for the interop tests and stopped afterwards — also on failure.
//!
//! `cargo xtask test` runs `cargo test --workspace`, then the feature matrix (`matrix.rs`:
//! every facade combination its docs promise, every crate's own features), all with the seeds
//! of `seed.rs` (derived from the commit) and, unless `--no-interop`, with moto's endpoint and
//! [`INTEROP_REQUIRED_ENV`] exported, so an interop test that finds no moto fails.

use crate::cmd::{self, Args};
use crate::{matrix, moto, seed};

/// Exported when moto was started: an interop test without its endpoint then fails instead of
/// skipping (read by `awsauth_testkit::interop_var`).
const INTEROP_REQUIRED_ENV: &str = "AWSAUTH_INTEROP_REQUIRED";

const TEST_USAGE: &str =
    "cargo xtask test [--no-interop] [--no-matrix | --matrix-only] [-- <cargo test args>]";
const INTEROP_USAGE: &str = "cargo xtask interop [-- <cargo test args>]";

/// Entry point of `cargo xtask test`.
pub(crate) fn test(args: &[String]) -> Result<(), String> {
    let mut args = Args::new(args);
    let no_interop = args.flag("--no-interop");
    let no_matrix = args.flag("--no-matrix");
    let matrix_only = args.flag("--matrix-only");
    let passthrough = args.passthrough().to_vec();
    args.finish(TEST_USAGE)?;
    if matrix_only {
        if no_matrix || !passthrough.is_empty() {
            return Err(format!(
                "--matrix-only takes no other option; usage: {TEST_USAGE}"
            ));
        }
        // The feature matrix alone (no interop test runs in it): after a change to features.
        let seeds = seed::for_this_run();
        eprintln!("{}", seeds.announce());
        return feature_matrix(&seeds.env());
    }
    run_tests_with(no_interop, !no_matrix, &passthrough)
}

/// The whole suite and the feature matrix; with `no_interop` the interop tests report
/// themselves as skipped.
pub(crate) fn run_tests(no_interop: bool, passthrough: &[String]) -> Result<(), String> {
    run_tests_with(no_interop, true, passthrough)
}

fn run_tests_with(
    no_interop: bool,
    with_matrix: bool,
    passthrough: &[String],
) -> Result<(), String> {
    let mut cargo_args = vec!["test".to_owned(), "--workspace".to_owned()];
    cargo_args.extend(passthrough.iter().cloned());
    let seeds = seed::for_this_run();
    eprintln!("{}", seeds.announce());
    let mut env: Vec<(String, String)> = seeds
        .env()
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    // Kept alive until the matrix is done; dropping it stops moto, whatever happened.
    let _server = if no_interop {
        eprintln!("xtask: --no-interop: the interop tests will report themselves as skipped");
        None
    } else {
        let servers = Interop::start()?;
        env.extend(servers.env());
        Some(servers)
    };
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    cmd::cargo(&cargo_args, &env)?;
    if !with_matrix {
        eprintln!("xtask: --no-matrix: the feature matrix is left out");
        return Ok(());
    }
    if !passthrough.is_empty() {
        eprintln!("xtask: arguments after `--` given: the feature matrix is left out");
        return Ok(());
    }
    feature_matrix(&env)
}

/// Every run of the feature matrix (all of them, even after a failure), then which failed.
fn feature_matrix(env: &[(&str, &str)]) -> Result<(), String> {
    let ws = crate::metadata::Workspace::load()?;
    // The facade's README and crate docs, and the workspace README (where users look first).
    let docs = ws
        .package(matrix::FACADE)
        .map(|facade| {
            let dir = facade.dir();
            [
                dir.join("README.md"),
                dir.join("src/lib.rs"),
                ws.root.join("README.md"),
            ]
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .collect::<Vec<_>>()
            .join("\n")
        })
        .unwrap_or_default();
    let runs = matrix::runs(&ws, &docs);
    let started = std::time::Instant::now();
    let mut failed = Vec::new();
    // Each run's time, so the slow ones are known before the suite nears its time limit.
    let mut took = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        eprintln!(
            "xtask: feature matrix {}/{}: {}",
            i + 1,
            runs.len(),
            run.label
        );
        let run_started = std::time::Instant::now();
        let outcome = match run.check {
            matrix::Check::Succeeds => cmd::cargo(&run.args, env),
            matrix::Check::NoNetworkStack => no_network_stack(&run.args),
        };
        took.push((run_started.elapsed(), run.label.as_str()));
        if let Err(e) = outcome {
            eprintln!("xtask: {e}");
            failed.push(run.label.clone());
        }
    }
    took.sort_by_key(|(time, _)| std::cmp::Reverse(*time));
    let slowest: Vec<String> = took
        .iter()
        .take(5)
        .map(|(time, label)| format!("{label} {:.0}s", time.as_secs_f64()))
        .collect();
    eprintln!(
        "xtask: feature matrix: {} run(s) in {:.0?}, {} failed; slowest: {}",
        runs.len(),
        started.elapsed(),
        failed.len(),
        slowest.join(", ")
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the feature matrix failed for: {}",
            failed.join("; ")
        ))
    }
}

/// Runs `cargo tree` with `args` and fails when the crates it lists include the network stack;
/// prints how many crates such a consumer builds.
fn no_network_stack(args: &[String]) -> Result<(), String> {
    let shown = cmd::join(args);
    eprintln!("xtask: cargo {shown}");
    let output = cmd::cargo_command(args)
        .output()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo {shown} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let crates = matrix::tree_crates(&String::from_utf8_lossy(&output.stdout));
    let network = matrix::network_stack_in(&crates);
    if network.is_empty() {
        eprintln!(
            "xtask: {} crates (ours included), none of the network stack",
            crates.len()
        );
        Ok(())
    } else {
        Err(format!(
            "these features promise no network stack (matrix.rs WITHOUT_NETWORK), but the build \
             has {}: `cargo tree -i <crate>` with the same features shows the edge that brings it",
            network.join(", ")
        ))
    }
}

/// The interop world: moto (STS, no signature checks), a second moto with IAM authentication
/// on (`awsauth curl`'s test), and the venv's Python with boto3 (`awsauth exec`'s test).
struct Interop {
    moto: moto::Server,
    moto_iam: moto::Server,
}

impl Interop {
    fn start() -> Result<Self, String> {
        let moto = moto::Server::start()?;
        let moto_iam = moto::Server::start_iam_auth()?;
        eprintln!(
            "xtask: moto STS at {}, with IAM auth at {}",
            moto.endpoint(),
            moto_iam.endpoint()
        );
        Ok(Self { moto, moto_iam })
    }

    fn env(&self) -> Vec<(String, String)> {
        vec![
            ("AWSAUTH_MOTO_ENDPOINT".to_owned(), self.moto.endpoint()),
            (
                "AWSAUTH_MOTO_IAM_ENDPOINT".to_owned(),
                self.moto_iam.endpoint(),
            ),
            (
                "AWSAUTH_INTEROP_PYTHON".to_owned(),
                moto::python().display().to_string(),
            ),
            (INTEROP_REQUIRED_ENV.to_owned(), "1".to_owned()),
        ]
    }
}

/// Entry point of `cargo xtask interop`.
pub(crate) fn interop(args: &[String]) -> Result<(), String> {
    let args = Args::new(args);
    let passthrough = args.passthrough().to_vec();
    args.finish(INTEROP_USAGE)?;
    let servers = Interop::start()?;
    let env = servers.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // Everything after `--` goes to the test harness, after the `interop` name filter.
    let mut cargo_args = vec![
        "test".to_owned(),
        "--workspace".to_owned(),
        "--".to_owned(),
        "interop".to_owned(),
    ];
    cargo_args.extend(passthrough);
    cmd::cargo(&cargo_args, &env)
}
