//! `cargo xtask footprint`: what depending on awsauth costs a real service, next to aws-config.
//!
//! A service that signs AWS calls already builds a stack of its own. The **service floor** is
//! such a consumer: tokio (rt + net), hyper client and server, hyper-util, hyper-rustls and
//! rustls on ring, serde, serde_json, tracing, http, bytes — at the requirements of our
//! workspace. Two more consumers are the floor plus `awsauth` (the facade, default features)
//! and the floor plus `aws-config` + `aws-sdk-sts` (default features, the peer). Each is built
//! from clean under `target/footprint/` — its own `CARGO_TARGET_DIR`, emptied first — one
//! after the other so they do not share the two cores; downloads happen before the clock
//! starts (`cargo fetch`).
//!
//! Printed: each consumer's clean build time and crate count (every package of `cargo tree -e
//! normal,build`, the consumer excluded), then what awsauth and the peer each **add** to the
//! floor, and the ratios. Goals: awsauth adds at most [`TIME_GOAL`] of the peer's added build
//! time and [`CRATES_GOAL`] of its added crates. A fourth consumer, `awsauth` with
//! `default-features = false, features = ["chain", "static", "profile"]`, is only counted
//! (`cargo tree`, no build): its crates, and none of the network stack
//! (`matrix::NETWORK_STACK`). A fifth, the floor plus aws-sigv4 (and the two SDK crates its
//! signing API takes, at our features), is built the same way: the share of what awsauth adds
//! that the design keeps on purpose (the signer is not ours to write), printed with the crates
//! awsauth adds beyond it, by name — what a decision to trim must weigh. The rows are also
//! printed as `AWSAUTH-BENCH` lines (see `bench.rs`), so a saved log can be summarised with
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

/// The goal for build time: what awsauth adds to the service floor is at most this fraction of
/// what aws-config + aws-sdk-sts add.
const TIME_GOAL: f64 = 0.15;

/// The goal for crates added to the service floor, as [`TIME_GOAL`].
const CRATES_GOAL: f64 = 0.35;

/// The service floor's crates: `(name, features, default features on)`; versions are the
/// workspace's requirements.
const SERVICE_FLOOR: &[(&str, &[&str], bool)] = &[
    ("tokio", &["rt-multi-thread", "net", "macros"], false),
    ("hyper", &["client", "server", "http1"], false),
    (
        "hyper-util",
        &["client-legacy", "server", "tokio", "http1"],
        false,
    ),
    (
        "hyper-rustls",
        &["ring", "http1", "tls12", "webpki-roots"],
        false,
    ),
    ("rustls", &["ring", "std", "tls12"], false),
    ("serde", &["derive"], true),
    ("serde_json", &[], true),
    ("tracing", &[], true),
    ("http", &[], true),
    ("bytes", &[], true),
];

/// One scratch consumer.
struct Consumer {
    /// Directory name under `target/footprint/`, also the package name.
    name: &'static str,
    /// The `[dependencies]` lines.
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
    let facade = toml_string(&root.join("crates").join("awsauth"));
    let floor_lines = service_floor(&root)?;
    let aws_config_req = workspace_requirement(&root, "aws-config")?;
    let aws_sts_req = workspace_requirement(&root, "aws-sdk-sts")?;
    let floor = Consumer {
        name: "footprint-floor",
        dependency: floor_lines.clone(),
        main: "fn main() {\n    let _ = bytes::Bytes::new();\n}\n",
    };
    let ours = Consumer {
        name: "footprint-awsauth",
        dependency: format!("{floor_lines}\nawsauth = {{ path = {facade} }}"),
        main: "fn main() {\n    let _ = awsauth::Context::system();\n}\n",
    };
    let peer = Consumer {
        name: "footprint-aws-sdk",
        dependency: format!(
            "{floor_lines}\naws-config = {}\naws-sdk-sts = {}",
            toml_string(Path::new(&aws_config_req)),
            toml_string(Path::new(&aws_sts_req))
        ),
        main: "fn main() {\n    let _ = aws_config::BehaviorVersion::latest();\n    \
               let _ = std::any::type_name::<aws_sdk_sts::Client>();\n}\n",
    };
    let signer = Consumer {
        name: "footprint-aws-sigv4",
        dependency: format!(
            "{floor_lines}\n{}",
            SIGNER
                .iter()
                .map(|name| workspace_spec(&root, name).map(|spec| format!("{name} = {spec}")))
                .collect::<Result<Vec<_>, _>>()?
                .join("\n")
        ),
        main: "fn main() {\n    let _ = aws_sigv4::http_request::SignableBody::UnsignedPayload;\n}\n",
    };
    let trimmed = Consumer {
        name: "footprint-awsauth-chain-static-profile",
        dependency: format!(
            "awsauth = {{ path = {facade}, default-features = false, features = [\"chain\", \"static\", \"profile\"] }}"
        ),
        main: "fn main() {\n    let _ = awsauth::default_chain;\n}\n",
    };

    let lock = root.join("Cargo.lock");
    let mut costs = Vec::new();
    for consumer in [&floor, &ours, &peer, &signer] {
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
    let [floor_cost, awsauth, aws_sdk, signer_cost] = [costs[0], costs[1], costs[2], costs[3]];
    let beyond_signer = beyond(
        &tree(&scratch.join(signer.name), signer.name)?,
        &tree(&scratch.join(ours.name), ours.name)?,
    );
    let dir = scratch.join(trimmed.name);
    write_consumer(&dir, &trimmed, &lock)?;
    let listing = tree(&dir, trimmed.name)?;
    let trimmed_crates = count_crates(&listing, trimmed.name);
    let network = crate::matrix::network_stack_in(&crate::matrix::tree_crates(&listing));

    let profile = if release { "release" } else { "debug" };
    let peer_label = format!("aws-config {aws_config_req} + aws-sdk-sts {aws_sts_req}");
    let mut results = added_rows(floor_cost, awsauth, aws_sdk, profile, &peer_label);
    results.extend(signer_rows(
        floor_cost,
        signer_cost,
        aws_sdk,
        profile,
        &peer_label,
    ));
    results.push(BenchResult {
        measure: "footprint: crates of awsauth with chain + static + profile alone".to_owned(),
        awsauth: trimmed_crates as f64,
        peer: None,
        unit: "crates".to_owned(),
        peer_name: None,
        goal: Some("no HTTP, TLS or aws-* crate".to_owned()),
        holds: Some(network.is_empty()),
    });
    for r in &results {
        println!("{}", protocol_line(r));
    }
    println!();
    println!("{}", bench::render_table(&results));
    println!(
        "service floor: {:.1} s, {} crates; floor + awsauth: {:.1} s, {} crates; floor + {peer_label}: \
         {:.1} s, {} crates",
        floor_cost.build.as_secs_f64(),
        floor_cost.crates,
        awsauth.build.as_secs_f64(),
        awsauth.crates,
        aws_sdk.build.as_secs_f64(),
        aws_sdk.crates,
    );
    println!(
        "floor + aws-sigv4 (the signer the design keeps): {:.1} s, {} crates; awsauth adds {} crates beyond it: {}",
        signer_cost.build.as_secs_f64(),
        signer_cost.crates,
        beyond_signer.len(),
        beyond_signer.join(" ")
    );
    println!(
        "awsauth with chain + static + profile: {trimmed_crates} crates{}",
        if network.is_empty() {
            ", none of the network stack".to_owned()
        } else {
            format!(", among them {}", network.join(", "))
        }
    );
    if results.iter().all(|r| r.holds == Some(true)) {
        println!(
            "xtask footprint: every goal holds (added time ≤ {TIME_GOAL}×, added crates ≤ {CRATES_GOAL}× of the peer's)"
        );
    } else {
        println!(
            "xtask footprint: a goal does not hold (added time ≤ {TIME_GOAL}×, added crates ≤ {CRATES_GOAL}× of the peer's)"
        );
    }
    Ok(())
}

/// The signer awsauth builds on and keeps (the rule: aws-sigv4 stays), with the two SDK
/// crates its API takes; written as the workspace writes them.
const SIGNER: &[&str] = &[
    "aws-sigv4",
    "aws-credential-types",
    "aws-smithy-runtime-api",
];

/// The service floor's `[dependencies]` lines, at the workspace's requirements.
fn service_floor(root: &Path) -> Result<String, String> {
    let mut lines = Vec::new();
    for (name, features, defaults) in SERVICE_FLOOR {
        let req = workspace_requirement(root, name)?;
        let features = features
            .iter()
            .map(|f| format!("\"{f}\""))
            .collect::<Vec<_>>()
            .join(", ");
        lines.push(format!(
            "{name} = {{ version = {}, default-features = {defaults}, features = [{features}] }}",
            toml_string(Path::new(&req))
        ));
    }
    Ok(lines.join("\n"))
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

/// The workspace's whole specification of `name` (`"1.3"` or `{ version = …, features = … }`),
/// as written on its line of `[workspace.dependencies]`.
fn workspace_spec(root: &Path, name: &str) -> Result<String, String> {
    let path = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    spec_in(&text, name).ok_or_else(|| {
        format!(
            "{} has no line for {name} in [workspace.dependencies]",
            path.display()
        )
    })
}

fn spec_in(manifest: &str, name: &str) -> Option<String> {
    manifest.lines().find_map(|l| {
        let rest = l.trim_start().strip_prefix(name)?.trim_start();
        Some(rest.strip_prefix('=')?.trim().to_owned())
    })
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
    let crates = count_crates(&tree(dir, name)?, name);
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

/// `cargo tree` of the consumer in `dir`: every package of its normal and build edges, one a
/// line, for the host.
fn tree(dir: &Path, name: &str) -> Result<String, String> {
    eprintln!("xtask footprint: {name}: cargo tree");
    let output = Command::new(cmd::cargo_program())
        .args([
            "tree",
            "--edges",
            "normal,build",
            "--prefix",
            "none",
            "--no-dedupe",
        ])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{name}: cargo tree failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
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

/// What awsauth and the peer each add to the floor, build time and crates, with the ratios
/// and the goals.
fn added_rows(
    floor: Cost,
    ours: Cost,
    peer: Cost,
    profile: &str,
    peer_label: &str,
) -> Vec<BenchResult> {
    let added = |with: Cost| {
        (
            (with.build.as_secs_f64() - floor.build.as_secs_f64()).max(0.0),
            with.crates.saturating_sub(floor.crates) as f64,
        )
    };
    let (our_time, our_crates) = added(ours);
    let (peer_time, peer_crates) = added(peer);
    let row = |measure: String, ours: f64, peer: f64, unit: &str, goal: f64| BenchResult {
        measure,
        awsauth: ours,
        peer: Some(peer),
        unit: unit.to_owned(),
        peer_name: Some(format!("{peer_label}, default features")),
        goal: Some(format!("≤ {goal}× of the peer's")),
        holds: Some(peer > 0.0 && ours <= goal * peer),
    };
    vec![
        row(
            format!("footprint: clean {profile} build time added to a service floor"),
            round_tenths(our_time),
            round_tenths(peer_time),
            "s",
            TIME_GOAL,
        ),
        row(
            "footprint: crates added to a service floor".to_owned(),
            our_crates,
            peer_crates,
            "crates",
            CRATES_GOAL,
        ),
    ]
}

/// What the signer alone adds to the floor, against what the peer adds: the part of awsauth's
/// footprint the design keeps on purpose (no goal: it is reported, not judged).
fn signer_rows(
    floor: Cost,
    signer: Cost,
    peer: Cost,
    profile: &str,
    peer_label: &str,
) -> Vec<BenchResult> {
    let peer_time = (peer.build.as_secs_f64() - floor.build.as_secs_f64()).max(0.0);
    let row = |measure: String, ours: f64, peer: f64, unit: &str| BenchResult {
        measure,
        awsauth: ours,
        peer: Some(peer),
        unit: unit.to_owned(),
        peer_name: Some(format!("{peer_label}, default features")),
        goal: None,
        holds: None,
    };
    vec![
        row(
            format!("footprint: of it, aws-sigv4's clean {profile} build time"),
            round_tenths((signer.build.as_secs_f64() - floor.build.as_secs_f64()).max(0.0)),
            round_tenths(peer_time),
            "s",
        ),
        row(
            "footprint: of it, aws-sigv4's crates".to_owned(),
            signer.crates.saturating_sub(floor.crates) as f64,
            peer.crates.saturating_sub(floor.crates) as f64,
            "crates",
        ),
    ]
}

/// The packages (`name vX`) in the `with` tree that the `base` tree lacks, sorted.
fn beyond(base: &str, with: &str) -> Vec<String> {
    let packages = |tree: &str| -> BTreeSet<String> {
        tree.lines()
            .filter_map(|line| {
                let mut words = line.split_whitespace();
                let (name, version) = (words.next()?, words.next()?);
                version
                    .starts_with('v')
                    .then(|| format!("{name} {version}"))
            })
            .collect()
    };
    let base = packages(base);
    packages(with)
        .into_iter()
        .filter(|p| !base.contains(p) && !p.starts_with("footprint-"))
        .collect()
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
    fn rows_report_what_each_adds_to_the_floor_with_ratio_and_goal() {
        let cost = |secs: u64, crates: usize| Cost {
            build: Duration::from_secs(secs),
            crates,
        };
        // The hand measurement: floor 29.6 s; awsauth adds 22 s / 55, the SDK 104.8 s / 146.
        let floor = Cost {
            build: Duration::from_millis(29_600),
            crates: 80,
        };
        let ours = Cost {
            build: Duration::from_millis(51_600),
            crates: 135,
        };
        let peer = Cost {
            build: Duration::from_millis(134_400),
            crates: 226,
        };
        let rows = added_rows(
            floor,
            ours,
            peer,
            "debug",
            "aws-config 1.13 + aws-sdk-sts 1.80",
        );
        assert_eq!(rows[0].awsauth, 22.0);
        assert_eq!(rows[0].peer, Some(104.8));
        assert_eq!(rows[0].holds, Some(false), "0.21× > 0.15×");
        assert_eq!(rows[1].awsauth, 55.0);
        assert_eq!(rows[1].peer, Some(146.0));
        assert_eq!(rows[1].holds, Some(false), "0.38× > 0.35×");
        let lean = added_rows(floor, cost(40, 120), peer, "debug", "x");
        assert_eq!(lean[0].holds, Some(true), "10.4 s ≤ 0.15 × 104.8 s");
        assert_eq!(lean[1].holds, Some(true), "40 ≤ 0.35 × 146");
        // A consumer faster than the floor (noise) adds nothing rather than a negative time.
        assert_eq!(
            added_rows(floor, cost(20, 80), peer, "debug", "x")[0].awsauth,
            0.0
        );
        for row in &rows {
            let parsed = bench::parse_line(&protocol_line(row)).unwrap().unwrap();
            assert_eq!(&parsed, row);
        }
        let table = bench::render_table(&rows);
        assert!(
            table.contains("footprint: crates added to a service floor"),
            "{table}"
        );
        assert!(table.contains("0.38×"), "{table}");
    }

    #[test]
    fn the_signers_share_and_what_awsauth_adds_beyond_it() {
        let floor = Cost {
            build: Duration::from_secs(30),
            crates: 50,
        };
        let signer = Cost {
            build: Duration::from_secs(70),
            crates: 80,
        };
        let peer = Cost {
            build: Duration::from_secs(330),
            crates: 195,
        };
        let rows = signer_rows(floor, signer, peer, "debug", "x");
        assert_eq!((rows[0].awsauth, rows[0].peer), (40.0, Some(300.0)));
        assert_eq!((rows[1].awsauth, rows[1].peer), (30.0, Some(145.0)));
        assert!(rows.iter().all(|r| r.goal.is_none() && r.holds.is_none()));
        let base = "footprint-aws-sigv4 v0.0.0 (/t)\naws-sigv4 v1.6.4\nhex v0.4.3\n";
        let with = "footprint-awsauth v0.0.0 (/t)\nawsauth v0.1.0 (/w)\nhex v0.4.3\n\
                    p256 v0.14.0\nawsauth v0.1.0 (/w) (*)\n";
        assert_eq!(beyond(base, with), ["awsauth v0.1.0", "p256 v0.14.0"]);
    }

    #[test]
    fn the_signer_is_written_as_the_workspace_writes_it() {
        let root = cmd::workspace_root();
        for name in SIGNER {
            let spec = workspace_spec(&root, name).unwrap();
            assert!(
                spec.starts_with('"') || spec.starts_with('{'),
                "{name} = {spec}"
            );
        }
        assert_eq!(
            spec_in(
                "a = \"1\"\naws-sigv4 = { version = \"1.6\" }\n",
                "aws-sigv4"
            )
            .as_deref(),
            Some("{ version = \"1.6\" }")
        );
    }

    #[test]
    fn the_service_floor_is_written_at_the_workspaces_requirements() {
        let root = cmd::workspace_root();
        let floor = service_floor(&root).unwrap();
        assert_eq!(floor.lines().count(), SERVICE_FLOOR.len());
        let tls = workspace_requirement(&root, "hyper-rustls").unwrap();
        let expected = format!(
            "hyper-rustls = {{ version = \"{tls}\", default-features = false, features = [\"ring\", \"http1\", \"tls12\", \"webpki-roots\"] }}"
        );
        assert!(floor.lines().any(|l| l == expected), "{floor}");
        assert!(
            floor.contains("default-features = true, features = [\"derive\"]"),
            "{floor}"
        );
    }
}
