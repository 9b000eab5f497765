//! `cargo xtask ci`: everything CI checks, as named steps, with one summary at the end.
//!
//! | step | what runs |
//! |---|---|
//! | `fmt` | `cargo fmt --all --check` |
//! | `clippy` | `cargo clippy --workspace --all-targets -- -D warnings` |
//! | `test` | `cargo xtask test` (the whole suite, moto started for the interop tests, then the feature matrix: every facade combination its docs promise, every crate's own features) |
//! | `doc` | `cargo doc --workspace --no-deps` with `RUSTDOCFLAGS=-D warnings` |
//! | `deny` | `cargo deny check licenses bans sources` (cargo-deny installed when missing) |
//! | `advisories` | `cargo deny check advisories`, only when the advisory database is reachable; offline it is skipped and says so |
//!
//! Every step runs even when an earlier one failed (`--fail-fast` stops at the first failure), so
//! one run shows everything that is wrong. `--skip STEP` (repeatable, or a comma list) leaves
//! steps out; `--no-interop` runs the suite without moto.

use std::time::{Duration, Instant};

use crate::cmd::{self, Args};
use crate::deny::{self, Outcome};

const STEPS: [&str; 6] = ["fmt", "clippy", "test", "doc", "deny", "advisories"];

const USAGE: &str = "cargo xtask ci [--no-interop] [--fail-fast] [--skip STEP[,STEP…]]
steps: fmt, clippy, test, doc, deny, advisories";

/// Entry point of `cargo xtask ci`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut args = Args::new(args);
    let no_interop = args.flag("--no-interop");
    let fail_fast = args.flag("--fail-fast");
    let skip: Vec<String> = args
        .values("--skip")?
        .iter()
        .flat_map(|s| s.split(','))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    args.finish(USAGE)?;
    if let Some(unknown) = skip.iter().find(|s| !STEPS.contains(&s.as_str())) {
        return Err(format!("--skip {unknown}: no such step\n\nusage: {USAGE}"));
    }
    let mut summary: Vec<(&str, Outcome, Duration)> = Vec::new();
    for step in STEPS {
        if skip.iter().any(|s| s == step) {
            summary.push((step, Outcome::Skipped("--skip".to_owned()), Duration::ZERO));
            continue;
        }
        eprintln!("xtask ci: ── {step} ──");
        let started = Instant::now();
        let outcome = run_step(step, no_interop);
        let elapsed = started.elapsed();
        if let Outcome::Skipped(why) = &outcome {
            eprintln!("xtask ci: {step} skipped: {why}");
        }
        let failed = matches!(outcome, Outcome::Failed(_));
        summary.push((step, outcome, elapsed));
        if failed && fail_fast {
            break;
        }
    }
    println!("{}", render_summary(&summary));
    let failed: Vec<&str> = summary
        .iter()
        .filter(|(_, outcome, _)| matches!(outcome, Outcome::Failed(_)))
        .map(|(step, _, _)| *step)
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("ci failed: {}", failed.join(", ")))
    }
}

fn run_step(step: &str, no_interop: bool) -> Outcome {
    let result = match step {
        "fmt" => cmd::cargo(&["fmt", "--all", "--check"], &[]),
        "clippy" => cmd::cargo(
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            &[],
        ),
        "test" => crate::test::run_tests(no_interop, &[]),
        "doc" => cmd::cargo(
            &["doc", "--workspace", "--no-deps"],
            &[("RUSTDOCFLAGS", "-D warnings")],
        ),
        "deny" => return deny::check_offline(),
        "advisories" => return deny::check_advisories(),
        other => Err(format!("no step {other}")),
    };
    match result {
        Ok(()) => Outcome::Passed,
        Err(e) => Outcome::Failed(e),
    }
}

fn render_summary(summary: &[(&str, Outcome, Duration)]) -> String {
    let mut out = String::from("\nci summary:\n");
    for (step, outcome, elapsed) in summary {
        let (mark, note) = match outcome {
            Outcome::Passed => ("ok     ", String::new()),
            Outcome::Failed(why) => ("FAILED ", format!("  {why}")),
            Outcome::Skipped(why) => ("skipped", format!("  {why}")),
        };
        let time = if elapsed.is_zero() {
            String::new()
        } else {
            format!("{:>6.1}s", elapsed.as_secs_f64())
        };
        out.push_str(&format!("  {step:<10} {mark} {time:>7}{note}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_each_step_and_why_it_was_skipped_or_failed() {
        let text = render_summary(&[
            ("fmt", Outcome::Passed, Duration::from_millis(1500)),
            (
                "deny",
                Outcome::Failed("cargo deny failed".into()),
                Duration::from_secs(3),
            ),
            (
                "advisories",
                Outcome::Skipped("offline: github.com does not resolve".into()),
                Duration::ZERO,
            ),
        ]);
        assert!(text.contains("fmt        ok         1.5s"), "{text}");
        assert!(
            text.contains("deny       FAILED     3.0s  cargo deny failed"),
            "{text}"
        );
        assert!(
            text.contains("advisories skipped          offline: github.com does not resolve"),
            "{text}"
        );
    }
}
