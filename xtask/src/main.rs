//! `cargo xtask`: the project's automation, in Rust, with one dependency (`serde_json`, to read
//! `cargo metadata` and the benchmark line protocol).
//!
//! Every command lives in its own module and is one row of [`COMMANDS`]; `cargo xtask help`
//! lists them. Nothing here hard-codes which crates exist: crates, versions, features and
//! dependency edges come from `cargo metadata` (see `metadata.rs`).
#![forbid(unsafe_code)]

mod bench;
mod ci;
mod cmd;
mod deny;
mod footprint;
mod fuzz;
mod man;
mod matrix;
mod metadata;
mod moto;
mod release;
mod reliability;
mod seed;
mod test;

use std::process::ExitCode;

/// One `cargo xtask` command.
struct Command {
    name: &'static str,
    usage: &'static str,
    about: &'static str,
    run: fn(&[String]) -> Result<(), String>,
}

/// Every command. Adding one (`fuzz`, `reliability`, `footprint`…) is a module and one row here.
const COMMANDS: &[Command] = &[
    Command {
        name: "test",
        usage: "[--no-interop] [--no-matrix] [-- <cargo test args>]",
        about: "the whole test suite, then every feature combination; starts moto (a real STS) for the interop tests",
        run: test::test,
    },
    Command {
        name: "interop",
        usage: "[-- <cargo test args>]",
        about: "only the interop tests, against moto",
        run: test::interop,
    },
    Command {
        name: "ci",
        usage: "[--no-interop] [--fail-fast] [--skip STEP,…]",
        about: "fmt, clippy -D warnings, tests (with the feature matrix), docs -D warnings, cargo-deny",
        run: ci::run,
    },
    Command {
        name: "bench",
        usage: "[--strict] [--parse FILE] [-- <cargo bench args>]",
        about: "every benchmark, then one table: measure, awsauth, peer, ratio, goal, holds?",
        run: bench::run,
    },
    Command {
        name: "footprint",
        usage: "[--release] [--keep]",
        about: "clean builds of a consumer of awsauth and of aws-config: build time, crate count, ratios",
        run: footprint::run,
    },
    Command {
        name: "reliability",
        usage: "[--parse FILE] [-- <test name filters>]",
        about: "the acceptance suite with reporting: scenarios, faults survived, inputs tried, secrets leaked (must be 0), panics (must be 0)",
        run: reliability::run,
    },
    Command {
        name: "fuzz",
        usage: "[--cases N] [--seed S] [--debug] [-- <harness args>]",
        about: "the bad-input tests with 1,000,000 cases per generator per parser (release build; not run in CI)",
        run: fuzz::run,
    },
    Command {
        name: "man",
        usage: "[--dir DIR]",
        about: "the awsauth man pages (clap_mangen), into target/man",
        run: man::run,
    },
    Command {
        name: "release",
        usage: "plan | check [--no-package] [--no-verify] | bump major|minor|patch | publish [--execute]",
        about: "publish order, pre-release checks, lockstep version bump, publishing",
        run: release::run,
    },
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (name, rest) = match args.split_first() {
        Some((name, rest)) => (name.as_str(), rest),
        None => ("help", &[][..]),
    };
    let result = match COMMANDS.iter().find(|c| c.name == name) {
        Some(command) => (command.run)(rest),
        None if matches!(name, "help" | "--help" | "-h") => {
            println!("{}", usage());
            Ok(())
        }
        None => Err(format!("unknown command {name:?}\n\n{}", usage())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> String {
    let mut text = String::from("usage: cargo xtask <command>\n\ncommands:\n");
    for command in COMMANDS {
        text.push_str(&format!(
            "  {} {}\n      {}\n",
            command.name, command.usage, command.about
        ));
    }
    text.push_str("\nSee CONTRIBUTING.md for what each command checks.");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_are_unique_and_all_listed_in_the_usage() {
        let text = usage();
        for (i, command) in COMMANDS.iter().enumerate() {
            assert!(
                COMMANDS.iter().skip(i + 1).all(|c| c.name != command.name),
                "{} twice",
                command.name
            );
            assert!(text.contains(&format!("  {} ", command.name)));
        }
    }
}
