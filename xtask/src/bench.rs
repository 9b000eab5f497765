//! `cargo xtask bench`: runs every benchmark (`cargo bench -p awsauth-benches`) and prints one
//! summary table — measure, awsauth, peer, ratio, goal, holds? — built from the lines the
//! benchmark binaries print in the protocol below.
//!
//! # The `AWSAUTH-BENCH` line protocol (version 1)
//!
//! A benchmark reports a result by printing **one line** to stdout (stderr works too):
//!
//! ```text
//! AWSAUTH-BENCH {"measure":"cache: cached read, 1 thread","awsauth_ns":14.2,"peer":"aws-config","peer_ns":301.5,"goal":"≥ 6× faster than aws-config","holds":true}
//! ```
//!
//! The line starts with `AWSAUTH-BENCH` and one space (leading whitespace is allowed), followed
//! by a single-line JSON object:
//!
//! | field | type | required | meaning |
//! |---|---|---|---|
//! | `measure` | string | yes | what was measured; unique in a run (a later line with the same `measure` replaces the earlier one) |
//! | `awsauth_ns` | number | one of the two | awsauth's result in nanoseconds (a median, per iteration) |
//! | `peer_ns` | number or null | no | the peer's result in nanoseconds, measured in the same run on the same input |
//! | `awsauth` + `unit` | number + string | one of the two | for quantities that are not times: the value and its unit (`"bytes"`, `"calls"`, `"crates"`, `"s"`, …) |
//! | `peer` (with `unit`) | number or null | no | the peer's value in the same unit |
//! | `peer_name` | string | no | who the peer is (`"aws-config 1.13"`); shown next to its value |
//! | `goal` | string | no | the goal in words (`"≤ 0.8× aws-config"`, `"≤ 20 ns"`, `"= 1"`) |
//! | `holds` | bool or null | no | whether the goal holds in this run; the benchmark decides, since it knows the goal |
//!
//! With `awsauth_ns`, `peer` may also be a string naming the peer (the same as `peer_name`).
//! The ratio printed is `awsauth / peer` (below 1 means awsauth is faster or smaller). Unknown
//! fields are ignored, so a benchmark may add its own (`p99_ns`, `samples`…). A line that starts
//! with the prefix but is not valid is reported with the reason and does not stop the run.
//!
//! From Rust, print it with `serde_json`:
//!
//! ```text
//! println!("AWSAUTH-BENCH {}", serde_json::json!({
//!     "measure": "imds: cold resolution",
//!     "awsauth_ns": ours.as_nanos() as f64,
//!     "peer_ns": theirs.as_nanos() as f64,
//!     "peer_name": "aws-config",
//!     "goal": "≤ 0.8× aws-config",
//!     "holds": ours.as_secs_f64() <= 0.8 * theirs.as_secs_f64(),
//! }));
//! ```
//!
//! `cargo xtask bench --parse FILE` prints the table from a saved log instead of running.
//! `--strict` makes a missed goal fail the command (by default it is reported, exit status 0).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::cmd::{self, Args};
use crate::metadata::Workspace;

/// The prefix of a result line.
pub(crate) const PREFIX: &str = "AWSAUTH-BENCH";

/// The package holding every comparison benchmark.
const BENCH_PACKAGE: &str = "awsauth-benches";

const USAGE: &str = "cargo xtask bench [--strict] [--parse FILE] [-- <cargo bench args>]";

/// One reported result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BenchResult {
    pub(crate) measure: String,
    pub(crate) awsauth: f64,
    pub(crate) peer: Option<f64>,
    /// `ns` for times, otherwise the unit the benchmark gave.
    pub(crate) unit: String,
    pub(crate) peer_name: Option<String>,
    pub(crate) goal: Option<String>,
    pub(crate) holds: Option<bool>,
}

impl BenchResult {
    /// `awsauth / peer`, when there is a peer and it is not zero.
    pub(crate) fn ratio(&self) -> Option<f64> {
        self.peer.filter(|p| *p > 0.0).map(|p| self.awsauth / p)
    }
}

/// Parses one output line: `None` when it is not a protocol line, `Some(Err)` when it starts
/// with the prefix but is malformed (the message says why).
pub(crate) fn parse_line(line: &str) -> Option<Result<BenchResult, String>> {
    let rest = line.trim_start().strip_prefix(PREFIX)?;
    // `AWSAUTH-BENCHMARK …` is not ours.
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    Some(parse_json(rest.trim()))
}

fn parse_json(json: &str) -> Result<BenchResult, String> {
    let value: Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let object = value.as_object().ok_or("not a JSON object")?;
    let measure = object
        .get("measure")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .ok_or("`measure` (a non-empty string) is missing")?
        .to_owned();
    let number = |key: &str| -> Result<Option<f64>, String> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_f64()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(Some)
                .ok_or_else(|| format!("`{key}` must be a non-negative number, got {v}")),
        }
    };
    let text = |key: &str| -> Result<Option<String>, String> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(format!("`{key}` must be a string, got {v}")),
        }
    };
    let unit = text("unit")?;
    let (awsauth, peer, unit, mut peer_name) = match (number("awsauth_ns")?, unit) {
        (Some(_), Some(unit)) => {
            return Err(format!(
                "`awsauth_ns` is a time; with `unit` ({unit:?}) use `awsauth`"
            ));
        }
        (Some(ns), None) => {
            let peer_name = match object.get("peer") {
                Some(Value::String(name)) => Some(name.clone()),
                _ => None,
            };
            (ns, number("peer_ns")?, "ns".to_owned(), peer_name)
        }
        (None, Some(unit)) => {
            let value = number("awsauth")?
                .ok_or_else(|| format!("`awsauth` (a number in {unit}) is missing"))?;
            (value, number("peer")?, unit, None)
        }
        (None, None) => {
            return Err("`awsauth_ns` (or `awsauth` with `unit`) is missing".to_owned());
        }
    };
    if let Some(name) = text("peer_name")? {
        peer_name = Some(name);
    }
    let holds = match object.get("holds") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(v) => return Err(format!("`holds` must be true, false or null, got {v}")),
    };
    Ok(BenchResult {
        measure,
        awsauth,
        peer,
        unit,
        peer_name,
        goal: text("goal")?,
        holds,
    })
}

/// Every result in `lines` (a later line for the same measure replaces the earlier one, keeping
/// its place), and a message for each malformed protocol line.
pub(crate) fn collect<'a>(
    lines: impl IntoIterator<Item = &'a str>,
) -> (Vec<BenchResult>, Vec<String>) {
    let mut results: Vec<BenchResult> = Vec::new();
    let mut errors = Vec::new();
    for (number, line) in lines.into_iter().enumerate() {
        match parse_line(line) {
            None => {}
            Some(Ok(result)) => match results.iter_mut().find(|r| r.measure == result.measure) {
                Some(existing) => *existing = result,
                None => results.push(result),
            },
            Some(Err(why)) => errors.push(format!("output line {}: {why}: {line}", number + 1)),
        }
    }
    (results, errors)
}

/// `value` in `unit`, scaled for reading (`1.53 µs`, `12.0 MiB`).
pub(crate) fn format_quantity(value: f64, unit: &str) -> String {
    match unit {
        "ns" => {
            if value < 1e3 {
                format!("{} ns", three_digits(value))
            } else if value < 1e6 {
                format!("{} µs", three_digits(value / 1e3))
            } else if value < 1e9 {
                format!("{} ms", three_digits(value / 1e6))
            } else {
                format!("{} s", three_digits(value / 1e9))
            }
        }
        "bytes" | "B" => {
            const KIB: f64 = 1024.0;
            if value < KIB {
                format!("{value:.0} B")
            } else if value < KIB * KIB {
                format!("{:.1} KiB", value / KIB)
            } else if value < KIB * KIB * KIB {
                format!("{:.1} MiB", value / (KIB * KIB))
            } else {
                format!("{:.2} GiB", value / (KIB * KIB * KIB))
            }
        }
        _ => {
            let number = if value.fract() == 0.0 && value.abs() < 1e15 {
                format!("{value:.0}")
            } else {
                let text = format!("{value:.3}");
                text.trim_end_matches('0').trim_end_matches('.').to_owned()
            };
            format!("{number} {unit}")
        }
    }
}

/// Three significant digits (`1.53`, `14.2`, `812`), enough to compare runs by eye.
fn three_digits(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.2}")
    } else if value < 100.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    }
}

/// The summary table, as Markdown (aligned, so it also reads well in a terminal).
pub(crate) fn render_table(results: &[BenchResult]) -> String {
    let header = ["measure", "awsauth", "peer", "ratio", "goal", "holds?"].map(str::to_owned);
    let mut rows = vec![header];
    for r in results {
        let peer = match (r.peer, &r.peer_name) {
            (Some(value), Some(name)) => format!("{} ({name})", format_quantity(value, &r.unit)),
            (Some(value), None) => format_quantity(value, &r.unit),
            (None, _) => "—".to_owned(),
        };
        rows.push([
            r.measure.clone(),
            format_quantity(r.awsauth, &r.unit),
            peer,
            r.ratio().map_or("—".to_owned(), |x| format!("{x:.2}×")),
            r.goal.clone().unwrap_or_else(|| "—".to_owned()),
            match r.holds {
                Some(true) => "yes".to_owned(),
                Some(false) => "NO".to_owned(),
                None => "—".to_owned(),
            },
        ]);
    }
    let mut widths = [0usize; 6];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        out.push('|');
        for (cell, width) in row.iter().zip(widths) {
            let pad = width.saturating_sub(cell.chars().count());
            out.push(' ');
            out.push_str(cell);
            out.push_str(&" ".repeat(pad));
            out.push_str(" |");
        }
        out.push('\n');
        if i == 0 {
            out.push('|');
            for width in widths {
                out.push_str(&"-".repeat(width + 2));
                out.push('|');
            }
            out.push('\n');
        }
    }
    out
}

/// Entry point of `cargo xtask bench`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut args = Args::new(args);
    let strict = args.flag("--strict");
    let parse = args.values("--parse")?;
    let passthrough = args.passthrough().to_vec();
    args.finish(USAGE)?;
    let (lines, run_error) = if let Some(file) = parse.last() {
        let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
        (text.lines().map(str::to_owned).collect::<Vec<_>>(), None)
    } else {
        let ws = Workspace::load()?;
        if !ws.is_member(BENCH_PACKAGE) {
            println!(
                "xtask bench: the workspace has no {BENCH_PACKAGE} package yet; no benchmark to run"
            );
            return Ok(());
        }
        let mut cargo_args = vec![
            "bench".to_owned(),
            "-p".to_owned(),
            BENCH_PACKAGE.to_owned(),
        ];
        cargo_args.extend(passthrough);
        eprintln!("xtask: cargo {}", cmd::join(&cargo_args));
        let output = cmd::tee(&mut cmd::cargo_command(&cargo_args))?;
        let error = (!output.success).then(|| {
            format!(
                "cargo {} failed ({})",
                cmd::join(&cargo_args),
                output.status
            )
        });
        let mut lines = output.stdout;
        lines.extend(output.stderr);
        (lines, error)
    };
    let (results, errors) = collect(lines.iter().map(String::as_str));
    println!();
    for error in &errors {
        println!("xtask bench: ignored a malformed {PREFIX} line — {error}");
    }
    if results.is_empty() {
        println!(
            "xtask bench: no {PREFIX} lines in the output (see xtask/src/bench.rs for the protocol)"
        );
    } else {
        print!("{}", render_table(&results));
    }
    let missed: BTreeSet<&str> = results
        .iter()
        .filter(|r| r.holds == Some(false))
        .map(|r| r.measure.as_str())
        .collect();
    let held = results.iter().filter(|r| r.holds == Some(true)).count();
    println!(
        "{} result(s); goals held: {held}, missed: {}",
        results.len(),
        missed.len()
    );
    if let Some(error) = run_error {
        return Err(error);
    }
    if strict && !missed.is_empty() {
        return Err(format!(
            "--strict: goal(s) missed: {}",
            missed.into_iter().collect::<Vec<_>>().join("; ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_result_with_a_peer_parses_and_gives_the_ratio() {
        let line = r#"AWSAUTH-BENCH {"measure":"imds: cold","awsauth_ns":800000,"peer_ns":1000000,"peer_name":"aws-config","goal":"≤ 0.8× aws-config","holds":true,"samples":100}"#;
        let result = parse_line(line).unwrap().unwrap();
        assert_eq!(
            result,
            BenchResult {
                measure: "imds: cold".into(),
                awsauth: 800_000.0,
                peer: Some(1_000_000.0),
                unit: "ns".into(),
                peer_name: Some("aws-config".into()),
                goal: Some("≤ 0.8× aws-config".into()),
                holds: Some(true),
            }
        );
        assert_eq!(result.ratio(), Some(0.8));
    }

    #[test]
    fn peer_may_name_the_peer_for_times_and_be_a_value_for_units() {
        let time = parse_line(
            r#"AWSAUTH-BENCH {"measure":"m","awsauth_ns":1,"peer":"aws-config","peer_ns":2}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(time.peer_name.as_deref(), Some("aws-config"));
        assert_eq!(time.peer, Some(2.0));
        let memory = parse_line(r#"  AWSAUTH-BENCH {"measure":"sessions: 100k","awsauth":33554432,"unit":"bytes","goal":"≤ 64 MiB","holds":true}"#)
            .unwrap()
            .unwrap();
        assert_eq!(memory.unit, "bytes");
        assert_eq!(memory.peer, None);
        assert_eq!(memory.ratio(), None);
    }

    #[test]
    fn other_lines_are_not_results() {
        for line in [
            "",
            "Benchmarking cache/read: Warming up for 3.0000 s",
            "AWSAUTH-BENCHMARK {\"measure\":\"x\",\"awsauth_ns\":1}",
            "note: AWSAUTH-BENCH {} in the middle of a line",
        ] {
            assert!(parse_line(line).is_none(), "{line:?}");
        }
    }

    #[test]
    fn malformed_protocol_lines_say_what_is_wrong() {
        let cases = [
            ("AWSAUTH-BENCH", "not JSON"),
            ("AWSAUTH-BENCH [1]", "not a JSON object"),
            (r#"AWSAUTH-BENCH {"awsauth_ns":1}"#, "`measure`"),
            (
                r#"AWSAUTH-BENCH {"measure":" ","awsauth_ns":1}"#,
                "`measure`",
            ),
            (r#"AWSAUTH-BENCH {"measure":"m"}"#, "`awsauth_ns`"),
            (
                r#"AWSAUTH-BENCH {"measure":"m","awsauth_ns":-1}"#,
                "non-negative",
            ),
            (
                r#"AWSAUTH-BENCH {"measure":"m","awsauth_ns":"fast"}"#,
                "non-negative",
            ),
            (
                r#"AWSAUTH-BENCH {"measure":"m","awsauth_ns":1,"unit":"ns"}"#,
                "use `awsauth`",
            ),
            (
                r#"AWSAUTH-BENCH {"measure":"m","unit":"calls"}"#,
                "`awsauth` (a number in calls)",
            ),
            (
                r#"AWSAUTH-BENCH {"measure":"m","awsauth_ns":1,"holds":"yes"}"#,
                "`holds`",
            ),
            (
                r#"AWSAUTH-BENCH {"measure":"m","awsauth_ns":1,"goal":3}"#,
                "`goal`",
            ),
        ];
        for (line, expected) in cases {
            let err = parse_line(line).unwrap().unwrap_err();
            assert!(err.contains(expected), "{line}: {err}");
        }
    }

    #[test]
    fn collecting_keeps_order_replaces_repeats_and_reports_bad_lines() {
        let output = "\
Running benches/cache.rs
AWSAUTH-BENCH {\"measure\":\"a\",\"awsauth_ns\":10}
AWSAUTH-BENCH {\"measure\":\"b\",\"awsauth\":1,\"unit\":\"calls\",\"goal\":\"= 1\",\"holds\":true}
AWSAUTH-BENCH {oops}
AWSAUTH-BENCH {\"measure\":\"a\",\"awsauth_ns\":12}
";
        let (results, errors) = collect(output.lines());
        let measures: Vec<_> = results
            .iter()
            .map(|r| (r.measure.as_str(), r.awsauth))
            .collect();
        assert_eq!(measures, [("a", 12.0), ("b", 1.0)]);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("output line 4: not JSON"),
            "{errors:?}"
        );
    }

    #[test]
    fn quantities_are_scaled_for_reading() {
        assert_eq!(format_quantity(14.24, "ns"), "14.2 ns");
        assert_eq!(format_quantity(1530.0, "ns"), "1.53 µs");
        assert_eq!(format_quantity(812_000.0, "ns"), "812 µs");
        assert_eq!(format_quantity(301.5, "ns"), "302 ns");
        assert_eq!(format_quantity(1_200_000.0, "ns"), "1.20 ms");
        assert_eq!(format_quantity(3.0, "ns"), "3.00 ns");
        assert_eq!(format_quantity(3.5e9, "ns"), "3.50 s");
        assert_eq!(format_quantity(512.0, "bytes"), "512 B");
        assert_eq!(format_quantity(33_554_432.0, "bytes"), "32.0 MiB");
        assert_eq!(format_quantity(1.0, "calls"), "1 calls");
        assert_eq!(format_quantity(0.125, "s"), "0.125 s");
    }

    #[test]
    fn the_table_has_one_row_per_measure_and_aligned_columns() {
        let (results, _) = collect([
            r#"AWSAUTH-BENCH {"measure":"cache: cached read","awsauth_ns":14.2,"peer_ns":301.5,"peer_name":"aws-config","goal":"≥ 6× faster","holds":true}"#,
            r#"AWSAUTH-BENCH {"measure":"cache: refresh storm upstream calls","awsauth":2,"unit":"calls","goal":"= 1","holds":false}"#,
        ]);
        let table = render_table(&results);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 4, "{table}");
        assert!(lines[0].starts_with("| measure "), "{table}");
        assert!(lines[2].contains("| 14.2 ns ") && lines[2].contains("302 ns (aws-config)"));
        assert!(
            lines[2].contains("| 0.05× ") && lines[2].contains("| yes "),
            "{table}"
        );
        assert!(
            lines[3].contains("| 2 calls ") && lines[3].contains("| NO "),
            "{table}"
        );
        let widths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{table}");
    }
}
