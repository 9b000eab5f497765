//! `cargo xtask test` and `cargo xtask interop`: the test suite, with moto (a real STS) started
//! on a free loopback port for the interop tests and stopped afterwards — also on failure.

use crate::cmd::{self, Args};
use crate::moto;

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
    if no_interop {
        eprintln!("xtask: --no-interop: the interop tests will report themselves as skipped");
        return cmd::cargo(&cargo_args, &[]);
    }
    let server = moto::Server::start()?;
    let endpoint = server.endpoint();
    eprintln!("xtask: moto STS at {endpoint}");
    cmd::cargo(&cargo_args, &[("AWSAUTH_MOTO_ENDPOINT", endpoint.as_str())])
    // `server` is dropped here, which stops moto whether the tests passed or not.
}

/// Entry point of `cargo xtask interop`.
pub(crate) fn interop(args: &[String]) -> Result<(), String> {
    let args = Args::new(args);
    let passthrough = args.passthrough().to_vec();
    args.finish(INTEROP_USAGE)?;
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
    cargo_args.extend(passthrough);
    cmd::cargo(&cargo_args, &[("AWSAUTH_MOTO_ENDPOINT", endpoint.as_str())])
}
