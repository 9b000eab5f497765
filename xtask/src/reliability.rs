//! `cargo xtask reliability`: runs the acceptance suite (`awsauth-tests`) with reporting on and
//! prints one table — scenarios run, faults survived, inputs tried, log lines scanned, secrets
//! leaked, panics — from the lines its tests print. Fails when a secret leaked, something
//! panicked, a test failed or no test reported at all.
//!
//! # The `AWSAUTH-RELIABILITY` line protocol
//!
//! With `AWSAUTH_RELIABILITY_REPORT` set, each reliability test that passes prints one line:
//!
//! ```text
//! AWSAUTH-RELIABILITY {"test":"faults::matrix","scenarios":80,"faults":76,"inputs":0,"lines_scanned":91234,"leaks":0}
//! ```
//!
//! Numbers are added up over all lines (a later line with the same `test` replaces the earlier
//! one). A test that fails prints no line; its failure is counted from the harness output:
//! `scenario …: N line(s) leak a secret` adds N leaked lines, and every `panicked at <file>`
//! whose file is outside `tests/acceptance/` (a panic in the code under test, not a failed
//! assertion of the suite) adds a panic.
//!
//! `cargo xtask reliability --parse FILE` prints the table from a saved log instead.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::cmd::{self, Args};

/// The prefix of a report line.
pub(crate) const PREFIX: &str = "AWSAUTH-RELIABILITY";
/// The variable that turns reporting on in the tests.
const REPORT_ENV: &str = "AWSAUTH_RELIABILITY_REPORT";
const USAGE: &str = "cargo xtask reliability [--parse FILE] [-- <test name filters>]";

/// One test's report.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) scenarios: u64,
    pub(crate) faults: u64,
    pub(crate) inputs: u64,
    pub(crate) lines_scanned: u64,
    pub(crate) leaks: u64,
}

/// Everything read from a run's output.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Summary {
    /// Per test, by name.
    pub(crate) tests: BTreeMap<String, Line>,
    /// Secret-leaking lines reported by failed scenarios.
    pub(crate) leaks: u64,
    /// Panics in the code under test.
    pub(crate) panics: u64,
    /// `(passed, failed)` from the harness's `test result:` lines.
    pub(crate) results: (u64, u64),
    /// Report lines that could not be read, with the reason.
    pub(crate) invalid: Vec<String>,
}

impl Summary {
    pub(crate) fn total(&self) -> Line {
        let mut total = Line::default();
        for line in self.tests.values() {
            total.scenarios += line.scenarios;
            total.faults += line.faults;
            total.inputs += line.inputs;
            total.lines_scanned += line.lines_scanned;
            total.leaks += line.leaks;
        }
        total.leaks += self.leaks;
        total
    }
}

fn number(value: &Value, field: &str) -> Result<u64, String> {
    match value.get(field) {
        None | Some(Value::Null) => Ok(0),
        Some(v) => v
            .as_u64()
            .ok_or_else(|| format!("`{field}` is not a whole number")),
    }
}

fn parse_line(json: &str) -> Result<(String, Line), String> {
    let value: Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let test = value
        .get("test")
        .and_then(Value::as_str)
        .ok_or("no `test` name")?
        .to_owned();
    Ok((
        test,
        Line {
            scenarios: number(&value, "scenarios")?,
            faults: number(&value, "faults")?,
            inputs: number(&value, "inputs")?,
            lines_scanned: number(&value, "lines_scanned")?,
            leaks: number(&value, "leaks")?,
        },
    ))
}

/// `N` from `… N line(s) leak a secret`.
fn leaked_lines(line: &str) -> Option<u64> {
    let before = line.split(" line(s) leak a secret").next()?;
    if before.len() == line.len() {
        return None;
    }
    before.rsplit(' ').next()?.parse().ok()
}

/// The file of `thread '…' panicked at <file>:<line>:<col>:`.
fn panic_file(line: &str) -> Option<&str> {
    let rest = line.split(" panicked at ").nth(1)?;
    rest.split(':').next()
}

/// The suite's own files: a panic there is a failed assertion, not a panic under test.
fn is_suite_file(path: &str) -> bool {
    path.contains("tests/acceptance/") || path.contains("tests/soak/")
}

fn test_result(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let count = |label: &str| {
        rest.split(';').find_map(|part| {
            part.trim()
                .strip_suffix(label)?
                .trim()
                .rsplit(' ')
                .next()?
                .parse()
                .ok()
        })
    };
    Some((count("passed")?, count("failed")?))
}

/// Reads a run's output (stdout and stderr lines, in any order).
pub(crate) fn parse<S: AsRef<str>>(lines: &[S]) -> Summary {
    let mut summary = Summary::default();
    for line in lines {
        let line = line.as_ref();
        if let Some(json) = line.trim_start().strip_prefix(PREFIX) {
            match parse_line(json.trim()) {
                Ok((test, report)) => {
                    summary.tests.insert(test, report);
                }
                Err(why) => summary.invalid.push(format!("{why}: {line}")),
            }
            continue;
        }
        if let Some(n) = leaked_lines(line) {
            summary.leaks += n;
        }
        if let Some(file) = panic_file(line)
            && !is_suite_file(&file.replace('\\', "/"))
        {
            summary.panics += 1;
        }
        if let Some((passed, failed)) = test_result(line) {
            summary.results.0 += passed;
            summary.results.1 += failed;
        }
    }
    summary
}

fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The table, and whether the run holds (no leak, no panic, no failed test, something ran).
pub(crate) fn table(summary: &Summary) -> (String, bool) {
    let total = summary.total();
    let mut text = String::new();
    text.push_str(
        "| test | scenarios | faults | inputs | lines scanned |\n|---|---:|---:|---:|---:|\n",
    );
    for (name, line) in &summary.tests {
        text.push_str(&format!(
            "| {name} | {} | {} | {} | {} |\n",
            grouped(line.scenarios),
            grouped(line.faults),
            grouped(line.inputs),
            grouped(line.lines_scanned)
        ));
    }
    let holds = total.leaks == 0
        && summary.panics == 0
        && summary.results.1 == 0
        && !summary.tests.is_empty();
    let verdict = |ok: bool| if ok { "ok" } else { "FAILS" };
    text.push_str("\n| measure | value | must |\n|---|---:|---|\n");
    text.push_str(&format!(
        "| scenarios run | {} | |\n",
        grouped(total.scenarios)
    ));
    text.push_str(&format!(
        "| faults survived | {} | |\n",
        grouped(total.faults)
    ));
    text.push_str(&format!("| inputs tried | {} | |\n", grouped(total.inputs)));
    text.push_str(&format!(
        "| log lines and error texts scanned | {} | |\n",
        grouped(total.lines_scanned)
    ));
    text.push_str(&format!(
        "| secrets leaked | {} | 0: {} |\n",
        total.leaks,
        verdict(total.leaks == 0)
    ));
    text.push_str(&format!(
        "| panics | {} | 0: {} |\n",
        summary.panics,
        verdict(summary.panics == 0)
    ));
    text.push_str(&format!(
        "| tests passed / failed | {} / {} | 0 failed: {} |\n",
        summary.results.0,
        summary.results.1,
        verdict(summary.results.1 == 0)
    ));
    for invalid in &summary.invalid {
        text.push_str(&format!("\nunreadable report line: {invalid}"));
    }
    if summary.tests.is_empty() {
        text.push_str("\nno test reported: did the filter match nothing?");
    }
    (text, holds)
}

/// Runs the acceptance suite with reporting on (`extra_env` added) and returns what it printed.
pub(crate) fn run_suite(
    cargo_flags: &[&str],
    harness_args: &[String],
    extra_env: &[(&str, &str)],
) -> Result<Summary, String> {
    let mut args: Vec<String> = ["test", "-p", "awsauth-tests", "--test", "acceptance"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.extend(cargo_flags.iter().map(|s| (*s).to_owned()));
    args.push("--".to_owned());
    args.push("--nocapture".to_owned());
    args.extend(harness_args.iter().cloned());
    eprintln!("xtask: cargo {}", cmd::join(&args));
    let mut command = cmd::cargo_command(&args);
    command.env(REPORT_ENV, "1");
    for (name, value) in extra_env {
        command.env(name, value);
    }
    let teed = cmd::tee(&mut command)?;
    let mut lines = teed.stdout;
    lines.extend(teed.stderr);
    let summary = parse(&lines);
    if !teed.success && summary.results.1 == 0 {
        return Err(format!(
            "the acceptance suite did not run to the end ({})",
            teed.status
        ));
    }
    Ok(summary)
}

/// Entry point of `cargo xtask reliability`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut args = Args::new(args);
    let parse_file = args.values("--parse")?;
    let passthrough = args.passthrough().to_vec();
    args.finish(USAGE)?;
    let summary = match parse_file.as_slice() {
        // The acceptance suite, and the simulated day at full size (its own test target).
        [] => run_suite(
            &["--test", "soak"],
            &passthrough,
            &[("AWSAUTH_SOAK", "full")],
        )?,
        [file] => {
            let text = std::fs::read_to_string(file).map_err(|e| format!("reading {file}: {e}"))?;
            parse(&text.lines().collect::<Vec<_>>())
        }
        _ => return Err(format!("--parse takes one file\n\nusage: {USAGE}")),
    };
    let (text, holds) = table(&summary);
    println!("\nreliability (awsauth-tests, acceptance suite)\n\n{text}");
    if holds {
        Ok(())
    } else {
        Err("the reliability suite does not hold (see the table)".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lines_failures_and_results_are_added_up() {
        let log = [
            r#"AWSAUTH-RELIABILITY {"test":"faults::matrix","scenarios":80,"faults":76,"inputs":0,"lines_scanned":1000,"leaks":0}"#,
            r#"  AWSAUTH-RELIABILITY {"test":"bad_input::profile","scenarios":1,"inputs":200000}"#,
            r#"AWSAUTH-RELIABILITY {"test":"bad_input::profile","scenarios":1,"inputs":2000000}"#,
            "AWSAUTH-RELIABILITY {not json",
            "thread 'x' panicked at tests/acceptance/faults.rs:10:5:",
            "thread 'tokio-rt-worker' panicked at crates/imds/src/parse.rs:42:9:",
            "scenario imds: 2 line(s) leak a secret:",
            "test result: ok. 26 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 19.08s",
        ];
        let summary = parse(&log);
        let total = summary.total();
        assert_eq!(total.scenarios, 81);
        assert_eq!(total.faults, 76);
        assert_eq!(total.inputs, 2_000_000);
        assert_eq!(total.leaks, 2);
        assert_eq!(summary.panics, 1, "only the panic outside the suite counts");
        assert_eq!(summary.results, (26, 1));
        assert_eq!(summary.invalid.len(), 1);
        let (text, holds) = table(&summary);
        assert!(!holds);
        assert!(text.contains("| inputs tried | 2,000,000 | |"), "{text}");
        assert!(text.contains("| secrets leaked | 2 | 0: FAILS |"), "{text}");
    }

    #[test]
    fn a_clean_run_holds_and_an_empty_one_does_not() {
        let log = [
            r#"AWSAUTH-RELIABILITY {"test":"load","scenarios":1}"#,
            "test result: ok. 27 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1s",
        ];
        assert!(table(&parse(&log)).1);
        assert!(!table(&parse(&["test result: ok. 0 passed; 0 failed;"])).1);
    }
}
