//! `cargo xtask fuzz`: the acceptance suite's bad-input tests (`bad_input::*`) with many more
//! cases — 1,000,000 per generator per parser by default (the normal suite runs 100,000), in
//! a release build — and a fresh seed each run, printed so a failure can be replayed with
//! `--seed`. Prints the reliability table for the run. CI does not run it.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::cmd::Args;
use crate::reliability;

const USAGE: &str = "cargo xtask fuzz [--cases N] [--seed S] [--debug] [-- <harness args>]";
const DEFAULT_CASES: u64 = 1_000_000;

/// Entry point of `cargo xtask fuzz`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut args = Args::new(args);
    let debug = args.flag("--debug");
    let cases = match args.values("--cases")?.as_slice() {
        [] => DEFAULT_CASES,
        [n] => n
            .replace('_', "")
            .parse()
            .map_err(|_| format!("--cases {n:?} is not a number\n\nusage: {USAGE}"))?,
        _ => return Err(format!("--cases is given twice\n\nusage: {USAGE}")),
    };
    let seed = match args.values("--seed")?.as_slice() {
        [] => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default(),
        [s] => s
            .parse()
            .map_err(|_| format!("--seed {s:?} is not a number\n\nusage: {USAGE}"))?,
        _ => return Err(format!("--seed is given twice\n\nusage: {USAGE}")),
    };
    let mut harness = vec![
        "bad_input".to_owned(),
        "--test-threads".to_owned(),
        "2".to_owned(),
    ];
    harness.extend(args.passthrough().iter().cloned());
    args.finish(USAGE)?;
    eprintln!(
        "xtask: fuzzing with {cases} cases per generator per parser, seed {seed} (replay with --seed {seed})"
    );
    let cases = cases.to_string();
    let seed_text = seed.to_string();
    let flags: &[&str] = if debug { &[] } else { &["--release"] };
    let summary = reliability::run_suite(
        flags,
        &harness,
        &[
            ("AWSAUTH_FUZZ_CASES", cases.as_str()),
            ("AWSAUTH_FUZZ_SEED", seed_text.as_str()),
        ],
    )?;
    let (text, holds) = reliability::table(&summary);
    println!("\nfuzz (seed {seed})\n\n{text}");
    if holds {
        Ok(())
    } else {
        Err(format!(
            "fuzzing found a problem (see above); replay with cargo xtask fuzz --seed {seed} --cases {cases}"
        ))
    }
}
