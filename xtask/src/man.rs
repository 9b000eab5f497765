//! `cargo xtask man [--dir DIR]`: the `awsauth` man pages (`awsauth.1`, `awsauth-<command>.1`),
//! rendered by the binary itself from its clap definition (clap_mangen), into `target/man` by
//! default. Install with e.g. `sudo cp target/man/*.1 /usr/local/share/man/man1/`.

use crate::cmd::{self, Args};

const USAGE: &str = "cargo xtask man [--dir DIR]";

/// Entry point of `cargo xtask man`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut args = Args::new(args);
    let dir = args.values("--dir")?.pop().unwrap_or_else(|| {
        cmd::workspace_root()
            .join("target/man")
            .display()
            .to_string()
    });
    args.finish(USAGE)?;
    cmd::cargo(
        &[
            "run",
            "--quiet",
            "-p",
            "awsauth-cli",
            "--bin",
            "awsauth",
            "--",
            "man",
            "--dir",
            &dir,
        ],
        &[],
    )
}
