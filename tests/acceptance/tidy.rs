//! Repository rules, checked by plain `cargo test` (rust-analyzer's "tidy" idea).
//!
//! The layering rules of ARCHITECTURE.md are read off `cargo metadata`: every normal (non-dev)
//! dependency edge between workspace crates, and from workspace crates to HTTP and AWS SDK crates,
//! must be allowed by the layer table below. A failure names the offending edge.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Where each workspace crate sits. A crate may depend on crates of its own layer only where
/// the table says so, and on lower layers as listed in `may_use`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    /// `core`: no I/O, no HTTP, no AWS crate.
    Core,
    /// Shared plumbing: `http`, `sts`.
    Plumbing,
    /// One credential source each; never depend on each other.
    Source,
    /// Composition of sources: `chain`, `datasource`.
    Composition,
    /// What users touch: `sdk`, the `awsauth` facade, the CLI.
    Front,
    /// Test fakes, benches, the acceptance suite, xtask.
    Support,
}

fn layer_of(package: &str) -> Option<Layer> {
    let folder = package.strip_prefix("awsauth-").unwrap_or(package);
    Some(match folder {
        "core" => Layer::Core,
        "http" | "sts" => Layer::Plumbing,
        "static" | "profile" | "imds" | "container" | "sts-assume" | "web-identity" | "sso" => {
            Layer::Source
        }
        "chain" | "datasource" => Layer::Composition,
        "sdk" | "awsauth" | "cli" => Layer::Front,
        "testkit" | "tests" | "benches" | "xtask" => Layer::Support,
        _ => return None,
    })
}

/// An edge that breaks the layers but is allowed as an *optional* dependency: a composition
/// crate may offer aws-config's own behaviour through the `sdk` bridge behind a cargo feature
/// that is off by default (`awsauth-chain`'s `sdk` feature).
fn optional_bridge(from: &str, to: &str, workspace: &BTreeMap<String, Layer>) -> bool {
    workspace.get(from) == Some(&Layer::Composition) && to == "awsauth-sdk"
}

/// Third-party crates that mean "HTTP" or "AWS SDK".
fn is_http_crate(name: &str) -> bool {
    matches!(
        name,
        "hyper"
            | "hyper-util"
            | "hyper-rustls"
            | "http"
            | "http-body"
            | "http-body-util"
            | "reqwest"
            | "rustls"
            | "tokio-rustls"
            | "h2"
    )
}

fn is_aws_sdk_crate(name: &str) -> bool {
    name == "aws-config" || name.starts_with("aws-sdk-")
}

fn is_aws_crate(name: &str) -> bool {
    name.starts_with("aws-")
}

/// Why an edge from `from` (a workspace package) to `to` breaks the architecture, if it does.
fn violation(from: &str, to: &str, workspace: &BTreeMap<String, Layer>) -> Option<String> {
    let from_layer = *workspace.get(from)?;
    if from_layer == Layer::Core && (is_http_crate(to) || is_aws_crate(to)) {
        return Some(format!(
            "core must not depend on HTTP or AWS crates, but depends on {to}"
        ));
    }
    if is_aws_sdk_crate(to) && from != "awsauth-sdk" {
        return Some(format!(
            "only awsauth-sdk may depend on aws-config / aws-sdk-*, but {from} depends on {to}"
        ));
    }
    if from == "awsauth-chain" && to == "awsauth-datasource" {
        return Some(
            "awsauth-chain must not depend on awsauth-datasource (datasource builds on chain)"
                .to_owned(),
        );
    }
    let to_layer = *workspace.get(to)?;
    let allowed = match from_layer {
        Layer::Core => false,
        Layer::Plumbing => {
            matches!(to_layer, Layer::Core) || (to == "awsauth-http" && from == "awsauth-sts")
        }
        Layer::Source => matches!(to_layer, Layer::Core | Layer::Plumbing),
        Layer::Composition => matches!(
            to_layer,
            Layer::Core | Layer::Plumbing | Layer::Source | Layer::Composition
        ),
        // The one exception: `awsauth demo` runs the testkit fakes in-process, so the CLI (a
        // binary nobody links against) depends on testkit.
        Layer::Front => {
            !matches!(to_layer, Layer::Support)
                || (from == "awsauth-cli" && to == "awsauth-testkit")
        }
        Layer::Support => true,
    };
    (!allowed).then(|| format!("{from} ({from_layer:?}) must not depend on {to} ({to_layer:?})"))
}

fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn dependency_edges_respect_the_layers() {
    let meta = metadata();
    let packages = meta["packages"].as_array().unwrap();
    let mut workspace = BTreeMap::new();
    for package in packages {
        let name = package["name"].as_str().unwrap();
        let layer = layer_of(name).unwrap_or_else(|| {
            panic!("workspace crate {name} has no layer: add it to layer_of() in tests/acceptance/tidy.rs and to ARCHITECTURE.md")
        });
        workspace.insert(name.to_owned(), layer);
    }
    let mut broken = Vec::new();
    for package in packages {
        let from = package["name"].as_str().unwrap();
        for dep in package["dependencies"].as_array().unwrap() {
            let is_normal = dep["kind"].is_null();
            if !is_normal {
                continue;
            }
            let to = dep["name"].as_str().unwrap();
            let optional = dep["optional"].as_bool().unwrap_or(false);
            if optional && optional_bridge(from, to, &workspace) {
                continue;
            }
            if let Some(why) = violation(from, to, &workspace) {
                broken.push(why);
            }
        }
    }
    assert!(
        broken.is_empty(),
        "architecture invariants broken:\n  {}",
        broken.join("\n  ")
    );
}

#[test]
fn the_rules_catch_the_edges_they_exist_for() {
    let workspace: BTreeMap<String, Layer> = [
        "awsauth-core",
        "awsauth-http",
        "awsauth-sts",
        "awsauth-imds",
        "awsauth-profile",
        "awsauth-sdk",
        "awsauth-chain",
        "awsauth-datasource",
    ]
    .into_iter()
    .map(|n| (n.to_owned(), layer_of(n).unwrap()))
    .collect();
    assert!(violation("awsauth-core", "hyper", &workspace).is_some());
    assert!(violation("awsauth-core", "aws-sigv4", &workspace).is_some());
    assert!(
        violation("awsauth-imds", "awsauth-profile", &workspace).is_some(),
        "sideways source edge"
    );
    assert!(violation("awsauth-imds", "aws-config", &workspace).is_some());
    assert!(violation("awsauth-sdk", "aws-config", &workspace).is_none());
    assert!(violation("awsauth-imds", "awsauth-http", &workspace).is_none());
    assert!(violation("awsauth-sts", "awsauth-http", &workspace).is_none());
    assert!(violation("awsauth-http", "awsauth-sts", &workspace).is_some());
    assert!(violation("awsauth-chain", "awsauth-imds", &workspace).is_none());
    assert!(
        violation("awsauth-profile", "awsauth-chain", &workspace).is_some(),
        "upward edge"
    );
    assert!(violation("awsauth-datasource", "awsauth-chain", &workspace).is_none());
    assert!(
        violation("awsauth-chain", "awsauth-datasource", &workspace).is_some(),
        "datasource builds on chain, never the reverse"
    );
    assert!(
        violation("awsauth-chain", "awsauth-sdk", &workspace).is_some(),
        "a required edge from composition to the sdk bridge"
    );
    assert!(optional_bridge("awsauth-chain", "awsauth-sdk", &workspace));
    assert!(!optional_bridge("awsauth-imds", "awsauth-sdk", &workspace));
    let mut front = workspace.clone();
    for name in ["awsauth", "awsauth-cli", "awsauth-testkit"] {
        front.insert(name.to_owned(), layer_of(name).unwrap());
    }
    assert!(violation("awsauth-cli", "awsauth-testkit", &front).is_none());
    assert!(
        violation("awsauth", "awsauth-testkit", &front).is_some(),
        "the library facade must not ship the test fakes"
    );
    assert!(violation("awsauth", "aws-config", &front).is_some());
    assert!(violation("awsauth", "awsauth-sdk", &front).is_none());
}

/// Every source file of every crate, for the text rules below.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

#[test]
fn core_touches_the_os_only_in_its_system_module() {
    let src = workspace_root().join("crates/core/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut offenders = Vec::new();
    for file in files {
        if file.ends_with("system.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if [
                "std::env::",
                "std::fs::",
                "SystemTime::now",
                "std::net",
                "tokio::fs",
                "tokio::net",
            ]
            .iter()
            .any(|p| code.contains(p))
            {
                offenders.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "core does I/O outside system.rs:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn every_crate_forbids_unsafe_and_every_module_has_docs() {
    let mut files = Vec::new();
    rust_files(&workspace_root().join("crates"), &mut files);
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let path = file.to_string_lossy();
        let in_src = path.contains("/src/");
        let is_crate_root = path.ends_with("/src/lib.rs") || path.ends_with("/src/main.rs");
        if is_crate_root && !text.contains("#![forbid(unsafe_code)]") {
            problems.push(format!("{path}: missing #![forbid(unsafe_code)]"));
        }
        if in_src && !text.trim_start().starts_with("//!") {
            problems.push(format!("{path}: module has no //! doc comment"));
        }
        for (i, line) in text.lines().enumerate() {
            if line.ends_with(' ') || line.ends_with('\t') {
                problems.push(format!("{path}:{}: trailing whitespace", i + 1));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_crate_uses_the_workspace_lints_and_one_integration_test_binary() {
    let crates = workspace_root().join("crates");
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(&crates).unwrap() {
        let dir = entry.unwrap().path();
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        if !manifest.contains("[lints]\nworkspace = true") {
            problems.push(format!("{}: add [lints] workspace = true", dir.display()));
        }
        let tests = dir.join("tests");
        if tests.is_dir() {
            for entry in std::fs::read_dir(&tests).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "rs") {
                    problems.push(format!(
                        "{}: put integration tests under tests/it/ (one binary per crate)",
                        path.display()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
