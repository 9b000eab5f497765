//! `cargo xtask footprint`: what depending on awsauth costs a user, next to aws-config.
//!
//! Two scratch consumers are written under `target/footprint/`: one depends on the `awsauth`
//! facade (a path dependency, default features), the other on `aws-config` with its default
//! features (the requirement our workspace uses). Each is built from clean — its own
//! `CARGO_TARGET_DIR` inside its scratch directory, emptied first — one after the other so they
//! do not share the two cores. Downloads happen before the clock starts (`cargo fetch`).
//!
//! Printed for both: the wall-clock build time and the number of crates compiled (every
//! package of `cargo tree -e normal,build` for the host, the consumer itself excluded), and the
//! ratios awsauth / aws-config. The goal is ≤ 40% on both.
//!
//! A third consumer shows how much of awsauth's cost is its own: the **floor** depends on exactly
//! the third-party crates our crates depend on directly (same versions, same features, read from
//! `cargo metadata` of the awsauth consumer) and on none of ours. What awsauth costs above the
//! floor is our code; the floor itself only moves by changing which crates we build on. The rows are also printed as
//! `AWSAUTH-BENCH` lines (see `bench.rs`), so a saved log can be summarised with
//! `cargo xtask bench --parse`.
//!
//! `--release` measures release builds; `--keep` leaves the scratch directories' build output
//! in place (by default it is removed afterwards: a clean aws-config build is large).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::bench::{self, BenchResult};
use crate::cmd::{self, Args};

const USAGE: &str = "cargo xtask footprint [--release] [--keep]";

/// The goal: awsauth costs at most this fraction of aws-config, in build time and in crates.
const GOAL: f64 = 0.40;

/// One scratch consumer.
struct Consumer {
    /// Directory name under `target/footprint/`, also the package name.
    name: &'static str,
    /// The `[dependencies]` line.
    dependency: String,
    /// `src/main.rs`: touches the dependency so it is really linked.
    main: &'static str,
}

/// What one clean build cost.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cost {
    build: Duration,
    crates: usize,
}

/// Entry point of `cargo xtask footprint`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut args = Args::new(args);
    let release = args.flag("--release");
    let keep = args.flag("--keep");
    args.finish(USAGE)?;

    let root = cmd::workspace_root();
    let scratch = root.join("target").join("footprint");
    let facade = root.join("crates").join("awsauth");
    let ours = Consumer {
        name: "footprint-awsauth",
        dependency: format!("awsauth = {{ path = {} }}", toml_string(&facade)),
        main: "fn main() {\n    let _ = awsauth::Context::system();\n}\n",
    };
    let aws_config_req = workspace_requirement(&root, "aws-config")?;
    let peer = Consumer {
        name: "footprint-aws-config",
        dependency: format!("aws-config = {}", toml_string(Path::new(&aws_config_req))),
        main: "fn main() {\n    let _ = aws_config::BehaviorVersion::latest();\n}\n",
    };

    let lock = root.join("Cargo.lock");
    let ours_dir = scratch.join(ours.name);
    write_consumer(&ours_dir, &ours, &lock)?;
    let floor = Consumer {
        name: "footprint-floor",
        dependency: floor_dependencies(&ours_dir)?,
        main: "fn main() {}\n",
    };
    let mut costs = Vec::new();
    for consumer in [&ours, &floor, &peer] {
        let dir = scratch.join(consumer.name);
        write_consumer(&dir, consumer, &lock)?;
        let cost = measure(&dir, consumer.name, release)?;
        eprintln!(
            "xtask footprint: {}: {:.1} s, {} crates",
            consumer.name,
            cost.build.as_secs_f64(),
            cost.crates
        );
        if !keep {
            // Best effort: the numbers are taken; only disk space is at stake.
            let _ = std::fs::remove_dir_all(dir.join("target"));
        }
        costs.push(cost);
    }
    let [awsauth, floor, aws_config] = [costs[0], costs[1], costs[2]];
    let profile = if release { "release" } else { "debug" };
    let results = results(awsauth, aws_config, profile, &aws_config_req);
    for r in &results {
        println!("{}", protocol_line(r));
    }
    println!();
    println!("{}", bench::render_table(&results));
    println!(
        "floor (our direct third-party dependencies, none of our crates): {:.1} s, {} crates = \
         {:.2}× / {:.2}× of aws-config; awsauth adds {:.1} s and {} crates above it",
        floor.build.as_secs_f64(),
        floor.crates,
        floor.build.as_secs_f64() / aws_config.build.as_secs_f64(),
        floor.crates as f64 / aws_config.crates as f64,
        awsauth.build.as_secs_f64() - floor.build.as_secs_f64(),
        awsauth.crates.saturating_sub(floor.crates),
    );
    if results.iter().all(|r| r.holds == Some(true)) {
        println!("xtask footprint: both goals hold (≤ {:.0}%)", GOAL * 100.0);
    } else {
        println!(
            "xtask footprint: a goal does not hold (≤ {:.0}% of aws-config)",
            GOAL * 100.0
        );
    }
    Ok(())
}

/// The requirement the workspace gives `name` in `[workspace.dependencies]` (`"1.13"`).
fn workspace_requirement(root: &Path, name: &str) -> Result<String, String> {
    let path = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    requirement_in(&text, name).ok_or_else(|| {
        format!(
            "{} has no version for {name} in [workspace.dependencies]",
            path.display()
        )
    })
}

/// The `[dependencies]` lines of the floor consumer: every third-party package that one of our
/// packages depends on directly (normal or build edge) in the resolved graph of the consumer in
/// `dir`, pinned to its resolved version with exactly its resolved features.
fn floor_dependencies(dir: &Path) -> Result<String, String> {
    let output = Command::new(cmd::cargo_program())
        .args(["metadata", "--format-version", "1"])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("could not run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed in {}:\n{}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata printed something else than JSON: {e}"))?;
    floor_from_metadata(&metadata)
}

/// See [`floor_dependencies`]; split out so it can be tested on a small document.
fn floor_from_metadata(metadata: &serde_json::Value) -> Result<String, String> {
    let missing = |what: &str| format!("cargo metadata output has no {what}");
    let packages = metadata["packages"]
        .as_array()
        .ok_or_else(|| missing("packages"))?;
    let nodes = metadata["resolve"]["nodes"]
        .as_array()
        .ok_or_else(|| missing("resolve.nodes"))?;
    let name_version = |id: &str| -> Option<(String, String)> {
        let package = packages.iter().find(|p| p["id"] == id)?;
        Some((
            package["name"].as_str()?.to_owned(),
            package["version"].as_str()?.to_owned(),
        ))
    };
    let features_of = |id: &str| -> Vec<String> {
        nodes
            .iter()
            .find(|n| n["id"] == id)
            .and_then(|n| n["features"].as_array())
            .map(|f| {
                f.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let ours = |name: &str| name == "awsauth" || name.starts_with("awsauth-");
    let mut direct: BTreeSet<(String, String, String)> = BTreeSet::new();
    for node in nodes {
        let id = node["id"].as_str().ok_or_else(|| missing("node id"))?;
        let Some((name, _)) = name_version(id) else {
            continue;
        };
        if !ours(&name) {
            continue;
        }
        for dep in node["deps"].as_array().into_iter().flatten() {
            let runtime_edge = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null() || k["kind"] == "build");
            let Some(dep_id) = dep["pkg"].as_str() else {
                continue;
            };
            if let Some((dep_name, version)) = name_version(dep_id)
                && runtime_edge
                && !ours(&dep_name)
            {
                direct.insert((dep_name, version, dep_id.to_owned()));
            }
        }
    }
    let lines: Vec<String> = direct
        .iter()
        .map(|(name, version, id)| {
            let features = features_of(id)
                .iter()
                .map(|f| format!("\"{f}\""))
                .collect::<Vec<_>>()
                .join(", ");
            // Keyed by name and version, so two versions of one crate can both be listed.
            let key = format!("{name}-{}", version.replace('.', "_"));
            format!(
                "{key} = {{ package = \"{name}\", version = \"={version}\", \
                 default-features = false, features = [{features}] }}"
            )
        })
        .collect();
    if lines.is_empty() {
        return Err("no third-party dependency of ours found in cargo metadata".to_owned());
    }
    Ok(lines.join("\n"))
}

/// `name = "1.2"` or `name = { version = "1.2", … }` in a manifest's text.
fn requirement_in(manifest: &str, name: &str) -> Option<String> {
    let line = manifest.lines().find(|l| {
        l.trim_start()
            .strip_prefix(name)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    })?;
    let value = line.split_once('=')?.1.trim();
    let quoted = match value.strip_prefix('{') {
        Some(table) => table.split("version").nth(1)?.split_once('=')?.1.trim(),
        None => value,
    };
    let inner = quoted.strip_prefix('"')?;
    Some(inner.split('"').next()?.to_owned())
}

/// A TOML basic string for a path or version.
fn toml_string(path: &Path) -> String {
    let text = path.display().to_string();
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Writes the consumer's manifest (its own workspace, so ours does not claim it), `main.rs`,
/// and our `Cargo.lock` as a starting point, so both sides resolve to the versions we test with.
fn write_consumer(dir: &Path, consumer: &Consumer, lock: &Path) -> Result<(), String> {
    let write = |path: PathBuf, text: &str| {
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    std::fs::create_dir_all(dir.join("src"))
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    write(
        dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n{}\n\n[workspace]\n",
            consumer.name, consumer.dependency
        ),
    )?;
    write(dir.join("src").join("main.rs"), consumer.main)?;
    if lock.exists() {
        std::fs::copy(lock, dir.join("Cargo.lock"))
            .map_err(|e| format!("cannot copy {}: {e}", lock.display()))?;
    }
    Ok(())
}

/// Fetches, counts the crates, empties the target directory, then times a build.
fn measure(dir: &Path, name: &str, release: bool) -> Result<Cost, String> {
    let target = dir.join("target");
    let cargo = |args: &[&str]| {
        let mut command = Command::new(cmd::cargo_program());
        command
            .args(args)
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &target)
            // The consumer is measured as a user builds it, not with our CI's flags.
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_BUILD_RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS");
        command
    };
    let run = |args: &[&str]| -> Result<std::process::Output, String> {
        eprintln!("xtask footprint: {name}: cargo {}", args.join(" "));
        let output = cargo(args)
            .output()
            .map_err(|e| format!("could not run cargo: {e}"))?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(format!(
                "{name}: cargo {} failed ({}):\n{}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    };
    run(&["fetch"])?;
    let tree = run(&[
        "tree",
        "--edges",
        "normal,build",
        "--prefix",
        "none",
        "--no-dedupe",
    ])?;
    let crates = count_crates(&String::from_utf8_lossy(&tree.stdout), name);
    if target.exists() {
        std::fs::remove_dir_all(&target)
            .map_err(|e| format!("cannot empty {}: {e}", target.display()))?;
    }
    let mut build = vec!["build", "--locked"];
    if release {
        build.push("--release");
    }
    eprintln!("xtask footprint: {name}: cargo {} (timed)", build.join(" "));
    let started = Instant::now();
    let status = cargo(&build)
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    let elapsed = started.elapsed();
    if !status.success() {
        return Err(format!(
            "{name}: cargo {} failed ({status})",
            build.join(" ")
        ));
    }
    Ok(Cost {
        build: elapsed,
        crates,
    })
}

/// Distinct packages in `cargo tree --prefix none` output (`name vX.Y.Z (…)` per line, `(*)`
/// marks for repeats), without the consumer itself.
fn count_crates(tree: &str, consumer: &str) -> usize {
    let packages: BTreeSet<(&str, &str)> = tree
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some((words.next()?, words.next()?))
        })
        .filter(|(name, version)| *name != consumer && version.starts_with('v'))
        .collect();
    packages.len()
}

/// The two rows: build time and crate count, with the ratio and the goal.
fn results(ours: Cost, peer: Cost, profile: &str, peer_req: &str) -> Vec<BenchResult> {
    let peer_name = Some(format!("aws-config {peer_req}, default features"));
    let goal = Some(format!("≤ {:.0}% of aws-config", GOAL * 100.0));
    let row = |measure: String, ours: f64, peer: f64, unit: &str| BenchResult {
        measure,
        awsauth: ours,
        peer: Some(peer),
        unit: unit.to_owned(),
        peer_name: peer_name.clone(),
        goal: goal.clone(),
        holds: Some(peer > 0.0 && ours <= GOAL * peer),
    };
    vec![
        row(
            format!("footprint: clean {profile} build"),
            round_tenths(ours.build.as_secs_f64()),
            round_tenths(peer.build.as_secs_f64()),
            "s",
        ),
        row(
            "footprint: crates compiled".to_owned(),
            ours.crates as f64,
            peer.crates as f64,
            "crates",
        ),
    ]
}

fn round_tenths(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `r` as an `AWSAUTH-BENCH` line.
fn protocol_line(r: &BenchResult) -> String {
    let value = serde_json::json!({
        "measure": r.measure,
        "awsauth": r.awsauth,
        "peer": r.peer,
        "unit": r.unit,
        "peer_name": r.peer_name,
        "goal": r.goal,
        "holds": r.holds,
    });
    format!("{} {value}", bench::PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crates_are_counted_once_each_without_the_consumer() {
        let tree = "footprint-awsauth v0.0.0 (/tmp/x)\n\
                    awsauth v0.1.0 (/w/crates/awsauth)\n\
                    awsauth-core v0.1.0 (/w/crates/core)\n\
                    async-trait v0.1.92 (proc-macro)\n\
                    proc-macro2 v1.0.95\n\
                    awsauth-core v0.1.0 (/w/crates/core) (*)\n\
                    hashbrown v0.14.5\n\
                    hashbrown v0.15.2\n\
                    \n";
        assert_eq!(count_crates(tree, "footprint-awsauth"), 6);
    }

    #[test]
    fn the_floor_lists_our_direct_third_party_dependencies_with_their_features() {
        let metadata = serde_json::json!({
            "packages": [
                {"id": "a", "name": "awsauth", "version": "0.1.0"},
                {"id": "c", "name": "awsauth-core", "version": "0.1.0"},
                {"id": "t", "name": "tokio", "version": "1.54.1"},
                {"id": "m", "name": "mio", "version": "1.2.5"},
                {"id": "d", "name": "proptest", "version": "1.0.0"},
                {"id": "s1", "name": "sha2", "version": "0.10.9"},
                {"id": "s2", "name": "sha2", "version": "0.11.1"},
            ],
            "resolve": {"nodes": [
                {"id": "a", "features": ["default"], "deps": [
                    {"pkg": "c", "dep_kinds": [{"kind": null}]},
                    {"pkg": "s1", "dep_kinds": [{"kind": null}]}]},
                {"id": "c", "features": [], "deps": [
                    {"pkg": "t", "dep_kinds": [{"kind": null}]},
                    {"pkg": "s2", "dep_kinds": [{"kind": "build"}]},
                    {"pkg": "d", "dep_kinds": [{"kind": "dev"}]}]},
                {"id": "t", "features": ["rt", "time"], "deps": [
                    {"pkg": "m", "dep_kinds": [{"kind": null}]}]},
                {"id": "m", "features": [], "deps": []},
                {"id": "s1", "features": [], "deps": []},
                {"id": "s2", "features": ["std"], "deps": []},
            ]},
        });
        let floor = floor_from_metadata(&metadata).unwrap();
        let lines: Vec<&str> = floor.lines().collect();
        assert_eq!(
            lines,
            [
                "sha2-0_10_9 = { package = \"sha2\", version = \"=0.10.9\", default-features = false, features = [] }",
                "sha2-0_11_1 = { package = \"sha2\", version = \"=0.11.1\", default-features = false, features = [\"std\"] }",
                "tokio-1_54_1 = { package = \"tokio\", version = \"=1.54.1\", default-features = false, features = [\"rt\", \"time\"] }",
            ],
            "transitive (mio) and dev (proptest) dependencies are left out"
        );
    }

    #[test]
    fn the_workspace_requirement_is_read_in_both_spellings() {
        let manifest = "[workspace.dependencies]\n\
                        aws-config = { version = \"1.13\", default-features = false }\n\
                        aws-config-extra = \"9\"\n\
                        serde = \"1.0.219\"\n";
        assert_eq!(
            requirement_in(manifest, "aws-config").as_deref(),
            Some("1.13")
        );
        assert_eq!(
            requirement_in(manifest, "serde").as_deref(),
            Some("1.0.219")
        );
        assert_eq!(requirement_in(manifest, "tokio"), None);
    }

    #[test]
    fn rows_report_ratio_and_goal_and_round_trip_through_the_protocol() {
        let ours = Cost {
            build: Duration::from_millis(30_040),
            crates: 80,
        };
        let peer = Cost {
            build: Duration::from_secs(91),
            crates: 224,
        };
        let rows = results(ours, peer, "debug", "1.13");
        assert_eq!(rows[0].awsauth, 30.0);
        assert_eq!(rows[0].holds, Some(true));
        assert_eq!(rows[1].holds, Some(true));
        let slow = Cost {
            build: Duration::from_secs(50),
            crates: 80,
        };
        assert_eq!(results(slow, peer, "debug", "1.13")[0].holds, Some(false));
        for row in &rows {
            let parsed = bench::parse_line(&protocol_line(row)).unwrap().unwrap();
            assert_eq!(&parsed, row);
        }
        let table = bench::render_table(&rows);
        assert!(table.contains("footprint: crates compiled"), "{table}");
        assert!(table.contains("0.36×"), "{table}");
    }
}
