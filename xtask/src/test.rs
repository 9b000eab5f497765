//! `cargo xtask test` and `cargo xtask interop`: the test suite, with moto (a real STS) started
//! on a free loopback port for the interop tests and stopped afterwards — also on failure.

use crate::cmd::{self, Args};
use crate::moto;

/// The property tests' seed when `PROPTEST_RNG_SEED` is not set: the suite CI runs draws the
/// same cases every time, so a run fails because of the change it tests, never because of the
/// draw. Exploring other draws is what `PROPTEST_RNG_SEED=<n>`, plain `cargo test` (a fresh
/// seed per run) and `cargo xtask fuzz` are for.
const DEFAULT_PROPTEST_SEED: &str = "20261126";

const TEST_USAGE: &str = "cargo xtask test [--no-interop] [-- <cargo test args>]";
const INTEROP_USAGE: &str = "cargo xtask interop [-- <cargo test args>]";

/// Entry point of `cargo xtask test`.
pub(crate) fn test(args: &[String]) -> Result<(), String> {
    let mut args = Args::new(args);
    let no_interop = args.flag("--no-interop");
    let passthrough = args.passthrough().to_vec();
    args.finish(TEST_USAGE)?;
    run_tests(no_interop, &passthrough)
}

/// The whole suite; with `no_interop` the interop tests report themselves as skipped.
pub(crate) fn run_tests(no_interop: bool, passthrough: &[String]) -> Result<(), String> {
    let mut cargo_args = vec!["test".to_owned(), "--workspace".to_owned()];
    cargo_args.extend(passthrough.iter().cloned());
    let seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_PROPTEST_SEED.to_owned());
    eprintln!("xtask: property tests draw with PROPTEST_RNG_SEED={seed}");
    if no_interop {
        eprintln!("xtask: --no-interop: the interop tests will report themselves as skipped");
        return cmd::cargo(&cargo_args, &[("PROPTEST_RNG_SEED", seed.as_str())]);
    }
    let servers = Interop::start()?;
    let mut env = servers.env();
    env.push(("PROPTEST_RNG_SEED".to_owned(), seed));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    cmd::cargo(&cargo_args, &env)
    // `servers` is dropped here, which stops moto whether the tests passed or not.
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
