//! `cargo xtask release plan|check|bump|publish`: every publishable crate moves in lockstep at
//! the workspace version and reaches crates.io in dependency order.
//!
//! - `plan`: the publishable crates (`publish` not `false`) in topological order, with versions.
//! - `check`: versions in lockstep, every internal dependency pinned `=<workspace version>`,
//!   description / license / repository / readme / keywords on every crate, a CHANGELOG entry
//!   for the version, then `cargo package` for all publishable crates in one invocation.
//! - `bump major|minor|patch`: moves `workspace.package.version` and every `=x.y.z` internal
//!   pin in the root `Cargo.toml` together, adds the CHANGELOG heading, refreshes `Cargo.lock`.
//! - `publish`: a dry run that prints what it would do; `publish --execute` requires a dated
//!   CHANGELOG heading for the version, runs `release check`, then `cargo publish -p <crate>` for
//!   each crate in order (a version already on crates.io is skipped, so it can resume).
//!
//! **Unpublished internal dependencies.** A crate's dependencies must be on the registry before
//! it can be verified, which is never true for the first release of a workspace, nor for any
//! release (every crate pins `=<new version>` of its siblings). `release check` therefore
//! packages all publishable crates in **one** `cargo package -p a -p b …` invocation: since
//! cargo 1.90 that packages them in dependency order and verifies each one against a temporary
//! local registry (`target/package/tmp-registry`) holding the `.crate` files just made, overlaid
//! on crates.io — so the verify build of `awsauth-static` compiles the packaged `awsauth-core`,
//! exactly what crates.io will serve. `cargo package -p <one crate>` alone would fail for every
//! crate with an internal dependency. `release publish --execute` publishes one crate at a time in
//! the same order; cargo waits after each upload until the index has it, so the next verify
//! build finds it on crates.io.

mod bump;
mod check;
mod order;

use std::path::Path;

use crate::cmd::{self, Args};
use crate::metadata::Workspace;

const USAGE: &str = "cargo xtask release plan
       cargo xtask release check [--no-package] [--no-verify]
       cargo xtask release bump major|minor|patch
       cargo xtask release publish [--execute]";

/// Entry point of `cargo xtask release`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut args = Args::new(args);
    let sub = args.positional().unwrap_or_default();
    match sub.as_str() {
        "plan" => {
            args.finish(USAGE)?;
            plan()
        }
        "check" => {
            let no_package = args.flag("--no-package");
            let no_verify = args.flag("--no-verify");
            args.finish(USAGE)?;
            check(!no_package, no_verify)
        }
        "bump" => {
            let part = args
                .positional()
                .ok_or_else(|| format!("bump what?\n\nusage: {USAGE}"))?;
            let part = bump::Part::parse(&part)?;
            args.finish(USAGE)?;
            bump(part)
        }
        "publish" => {
            let execute = args.flag("--execute");
            args.finish(USAGE)?;
            publish(execute)
        }
        "" => Err(format!("which release command?\n\nusage: {USAGE}")),
        other => Err(format!(
            "unknown release command {other:?}\n\nusage: {USAGE}"
        )),
    }
}

fn root_manifest(ws: &Workspace) -> Result<String, String> {
    read(&ws.root.join("Cargo.toml"))
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn plan() -> Result<(), String> {
    let ws = Workspace::load()?;
    let version = bump::workspace_version(&root_manifest(&ws)?)?;
    let order = order::publish_order(&ws)?;
    println!(
        "release plan: {} publishable crate(s) at workspace version {version}, in publish order:",
        order.len()
    );
    let width = order.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for (i, package) in order.iter().enumerate() {
        let internal: Vec<&str> = package
            .dependencies
            .iter()
            .filter(|d| d.survives_packaging() && order.iter().any(|p| p.name == d.name))
            .map(|d| d.name.as_str())
            .collect();
        let after = if internal.is_empty() {
            String::new()
        } else {
            format!("  (after {})", internal.join(", "))
        };
        println!(
            "{:>3}. {:<width$}  {}{after}",
            i + 1,
            package.name,
            package.version
        );
    }
    let skipped: Vec<&str> = ws
        .packages
        .iter()
        .filter(|p| !p.publishable)
        .map(|p| p.name.as_str())
        .collect();
    if !skipped.is_empty() {
        println!("not published (publish = false): {}", skipped.join(", "));
    }
    Ok(())
}

fn check(package: bool, no_verify: bool) -> Result<(), String> {
    let ws = Workspace::load()?;
    let version = bump::workspace_version(&root_manifest(&ws)?)?;
    let order = order::publish_order(&ws)?;
    let changelog = std::fs::read_to_string(ws.root.join("CHANGELOG.md")).ok();
    let found = check::problems(&ws, version, changelog.as_deref(), &git_remotes(&ws.root));
    println!(
        "release check: {} publishable crate(s) at {version}",
        order.len()
    );
    if !found.is_empty() {
        for problem in &found {
            println!("  ✗ {problem}");
        }
        return Err(format!(
            "release check: {} problem(s); nothing was packaged",
            found.len()
        ));
    }
    println!(
        "  ✓ versions in lockstep, internal pins ={version}, metadata complete, CHANGELOG has [{version}]"
    );
    let dated = changelog
        .as_deref()
        .is_some_and(|text| bump::entry_is_dated(text, &version.to_string()));
    if !dated {
        println!(
            "  ! CHANGELOG.md's [{version}] heading has no date yet (`## [{version}] - YYYY-MM-DD`); `release publish --execute` requires one"
        );
    }
    if !package {
        println!("  - cargo package skipped (--no-package)");
        return Ok(());
    }
    // One invocation, so cargo verifies each crate against the ones packaged before it (see the
    // module documentation). --allow-dirty: a check runs before the release commit exists;
    // `cargo publish` itself refuses a dirty tree.
    let mut args: Vec<String> = vec!["package".into(), "--allow-dirty".into()];
    if no_verify {
        args.push("--no-verify".into());
    }
    for package in &order {
        args.push("-p".into());
        args.push(package.name.clone());
    }
    println!(
        "  … cargo package for {} crate(s) in one invocation: unpublished internal dependencies resolve from the crates packaged just before (target/package/tmp-registry){}",
        order.len(),
        if no_verify {
            "; --no-verify: not built"
        } else {
            ""
        }
    );
    cmd::cargo(&args, &[])?;
    println!(
        "  ✓ cargo package succeeded for: {}",
        order
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

fn bump(part: bump::Part) -> Result<(), String> {
    let ws = Workspace::load()?;
    let manifest_path = ws.root.join("Cargo.toml");
    let manifest = read(&manifest_path)?;
    let old = bump::workspace_version(&manifest)?;
    let new = old.bump(part);
    let internal: Vec<&str> = ws.packages.iter().map(|p| p.name.as_str()).collect();
    let bumped = bump::bump_manifest(&manifest, old, new, &internal)?;
    let changelog_path = ws.root.join("CHANGELOG.md");
    let changelog = read(&changelog_path)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let date = bump::date_from_unix(now);
    let changelog = bump::changelog_add(&changelog, new, &date)?;
    write(&manifest_path, &bumped.text)?;
    write(&changelog_path, &changelog)?;
    println!("release bump: {old} -> {new}");
    println!("  Cargo.toml: [workspace.package] version = \"{new}\"");
    println!(
        "  Cargo.toml: {} internal pin(s) now ={new}: {}",
        bumped.pins.len(),
        bumped.pins.join(", ")
    );
    println!("  CHANGELOG.md: ## [{new}] - {date} (the [Unreleased] notes moved under it)");
    // Cargo.lock records the workspace members' versions; refresh only those entries.
    cmd::cargo(&["update", "--workspace", "--offline"], &[])?;
    println!("  Cargo.lock: workspace members updated");
    println!("next: review the diff, `cargo xtask release check`, commit, tag v{new}");
    Ok(())
}

fn publish(execute: bool) -> Result<(), String> {
    let ws = Workspace::load()?;
    let version = bump::workspace_version(&root_manifest(&ws)?)?;
    let order = order::publish_order(&ws)?;
    if !execute {
        println!(
            "release publish (dry run; nothing is uploaded): {} crate(s) at {version}",
            order.len()
        );
        println!("  would run: cargo xtask release check");
        let width = order.iter().map(|p| p.name.len()).max().unwrap_or(0);
        for package in &order {
            println!(
                "  would run: cargo publish -p {:<width$}   # uploads {} {}",
                package.name, package.name, package.version
            );
        }
        println!(
            "run `cargo xtask release publish --execute` to upload (needs a clean tree and `cargo login`)"
        );
        return Ok(());
    }
    let changelog = read(&ws.root.join("CHANGELOG.md"))?;
    if !bump::entry_is_dated(&changelog, &version.to_string()) {
        return Err(format!(
            "CHANGELOG.md: give the [{version}] heading its release date (`## [{version}] - YYYY-MM-DD`) before publishing"
        ));
    }
    check(true, false)?;
    for package in &order {
        println!("release publish: {} {}", package.name, package.version);
        let mut command = cmd::cargo_command(&["publish", "-p", package.name.as_str()]);
        let output = cmd::tee(&mut command)?;
        if output.success {
            continue;
        }
        // Resuming after a partial release: a version already on crates.io is done.
        if output
            .stderr
            .iter()
            .any(|l| l.contains("already exists") || l.contains("is already uploaded"))
        {
            println!(
                "  {} {} is already on crates.io; continuing",
                package.name, package.version
            );
            continue;
        }
        return Err(format!(
            "cargo publish -p {} failed ({}); crates before it in the plan are published, rerun to resume",
            package.name, output.status
        ));
    }
    println!(
        "release publish: {} crate(s) published at {version}",
        order.len()
    );
    Ok(())
}

/// The clone's remote URLs (`git remote -v`); none when git is missing or there is no remote.
fn git_remotes(root: &std::path::Path) -> Vec<String> {
    let Ok(output) = std::process::Command::new("git")
        .args(["remote", "-v"])
        .current_dir(root)
        .output()
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().nth(1))
        .map(str::to_owned)
        .collect()
}
