//! Repository rules, checked by plain `cargo test` (rust-analyzer's "tidy" idea).
//!
//! The layering rules of ARCHITECTURE.md are read off `cargo metadata`: every normal (non-dev)
//! dependency edge between workspace crates, and from workspace crates to HTTP and AWS SDK crates,
//! must be allowed by the rules below for the layers ARCHITECTURE.md's diagram puts the crates
//! in — and the diagram's edges must be the manifests' (`diagram.rs`). A failure names the
//! offending edge.

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
/// the table says so, and on lower layers as listed in `violation`. Which crate is in which
/// layer is written once, in ARCHITECTURE.md's diagram (`diagram.rs` reads it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    /// No I/O, no HTTP, no AWS crate.
    Core,
    /// The shared HTTP and STS clients.
    Plumbing,
    /// One credential source each; never depend on each other.
    Source,
    /// Composition of sources.
    Composition,
    /// What users touch: the facade, the SDK bridge, the CLI.
    Front,
    /// Test fakes, benches, the acceptance suite, xtask.
    Support,
}

/// The layer `package` sits in, as ARCHITECTURE.md's diagram says.
fn layer_of(package: &str) -> Option<Layer> {
    static DIAGRAM: std::sync::OnceLock<crate::diagram::Diagram> = std::sync::OnceLock::new();
    let diagram = DIAGRAM.get_or_init(|| crate::diagram::architecture(&workspace_root()));
    let line = diagram.crates.get(crate::diagram::short(package))?;
    Some(match line.layer.as_str() {
        "core" => Layer::Core,
        "plumbing" => Layer::Plumbing,
        "source" => Layer::Source,
        "composition" => Layer::Composition,
        "front" => Layer::Front,
        _ => Layer::Support,
    })
}

/// ARCHITECTURE.md's diagram shows exactly the manifests' edges between workspace crates (and
/// every crate under a layer). `AWSAUTH_BLESS=1` rewrites its edges from the manifests.
#[test]
fn the_architecture_diagram_is_the_manifests() {
    let root = workspace_root();
    let path = root.join("ARCHITECTURE.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let diagram = crate::diagram::parse(&doc).unwrap_or_else(|e| panic!("ARCHITECTURE.md: {e}"));
    let manifests = crate::diagram::manifest_edges(&metadata());
    let found = crate::diagram::disagreements(&diagram, &manifests);
    if found.is_empty() {
        return;
    }
    let rendered = crate::diagram::render(&diagram, &manifests);
    if std::env::var_os("AWSAUTH_BLESS").is_some() {
        let blessed = crate::diagram::replace_block(&doc, &rendered).unwrap();
        std::fs::write(&path, blessed).unwrap();
        eprintln!("ARCHITECTURE.md: diagram edges rewritten from the manifests");
        return;
    }
    panic!(
        "ARCHITECTURE.md's diagram and the manifests disagree:\n  {}\n\nthe manifests' edges, \
         in the diagram's layers (AWSAUTH_BLESS=1 writes them):\n{rendered}",
        found.join("\n  ")
    );
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
            panic!("workspace crate {name} has no layer: add it under its layer in ARCHITECTURE.md's diagram")
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

/// The only places a library crate may reach the OS, and why. Everything else gets the
/// environment, files, clock, randomness, sockets and processes through `Context`. A new
/// adapter is a row here (with the reason), never an exception in the code.
const OS_ADAPTERS: &[(&str, &str)] = &[
    (
        "crates/core/src/system.rs",
        "Context::system(): the real environment, files, clock and randomness",
    ),
    (
        "crates/http/src/transport.rs",
        "the hyper transport: sockets and name resolution",
    ),
    (
        "crates/process/src/os.rs",
        "credential_process: the real process runner behind the Context's process slot",
    ),
];

/// Crates under `crates/` that are not libraries held to the rule: the binary (its `main` is
/// where the real context is made) and the test support (fakes bind sockets by design).
const NOT_LIBRARIES: &[&str] = &["cli", "testkit", "benches"];

/// The value types of `std::net`: parsing and comparing addresses reaches nothing.
const NET_VALUES: &[&str] = &[
    "IpAddr",
    "Ipv4Addr",
    "Ipv6Addr",
    "SocketAddr",
    "SocketAddrV4",
    "SocketAddrV6",
    "AddrParseError",
    "Ipv6MulticastScope",
];

/// Why `path` (the segments of a path in code or an expanded `use`) reaches the OS, if it does.
/// `aliases` are local names of `Instant` / `SystemTime` (`use std::time::Instant as Clock`).
fn os_access(path: &[String], aliases: &[String]) -> Option<String> {
    let p: Vec<&str> = path
        .iter()
        .map(String::as_str)
        .skip_while(|s| s.is_empty())
        .collect();
    let shown = p.join("::");
    let first = p.first().copied().unwrap_or_default();
    let second = p.get(1).copied();
    let std_like = matches!(first, "std" | "core" | "alloc");
    let why = match (first, second) {
        _ if std_like && p.len() == 1 => Some("std aliased or glob-imported"),
        (_, Some("fs" | "env" | "process" | "os")) if std_like => Some("OS access"),
        (_, Some("net")) if std_like => match p.get(2) {
            Some(item) if NET_VALUES.contains(item) => None,
            _ => Some("sockets or name resolution"),
        },
        (_, Some("thread")) if std_like && p.get(2) == Some(&"sleep") => Some("a real sleep"),
        (_, Some("io"))
            if std_like && matches!(p.get(2), Some(&("stdin" | "stdout" | "stderr"))) =>
        {
            Some("the process's standard streams")
        }
        (_, Some("*")) if std_like => Some("a glob import of std"),
        ("tokio", Some("fs" | "net" | "process" | "signal")) => Some("OS access"),
        ("tokio", Some("time")) => Some("the real clock (sleep, timeout, Instant)"),
        ("fastrand", Some(item)) if item != "Rng" => Some("the global random generator"),
        ("fastrand", Some("Rng")) if p.get(2) == Some(&"new") => {
            Some("a random generator seeded from the OS")
        }
        _ => None,
    };
    if let Some(why) = why {
        return Some(format!("`{shown}`: {why}"));
    }
    p.windows(2)
        .find(|w| {
            w[1] == "now"
                && (w[0] == "SystemTime" || w[0] == "Instant" || aliases.iter().any(|a| a == w[0]))
        })
        .map(|_| format!("`{shown}`: the real clock"))
}

/// `text` with comments, string and character literals blanked (line breaks kept, so line
/// numbers stay right), and every `#[cfg(test)]` item blanked too.
fn code_only(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let blank = |b: u8| if b == b'\n' { b'\n' } else { b' ' };
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(b"//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                out.push(b' ');
                i += 1;
            }
        } else if rest.starts_with(b"/*") {
            let mut depth = 0;
            while i < bytes.len() {
                if bytes[i..].starts_with(b"/*") {
                    depth += 1;
                    out.extend([b' ', b' ']);
                    i += 2;
                } else if bytes[i..].starts_with(b"*/") {
                    depth -= 1;
                    out.extend([b' ', b' ']);
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(bytes[i]));
                    i += 1;
                }
            }
        } else if rest.starts_with(b"r#") || rest.starts_with(b"r\"") {
            let hashes = rest[1..].iter().take_while(|&&b| b == b'#').count();
            if rest.get(1 + hashes) != Some(&b'"') {
                out.push(bytes[i]);
                i += 1;
                continue;
            }
            let end: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let start = i;
            i += 2 + hashes;
            while i < bytes.len() && !bytes[i..].starts_with(&end) {
                i += 1;
            }
            i = (i + end.len()).min(bytes.len());
            out.extend(bytes[start..i].iter().map(|&b| blank(b)));
        } else if bytes[i] == b'"' {
            out.push(b' ');
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                if bytes[i] == b'\\' {
                    out.push(b' ');
                    i += 1;
                }
                if i < bytes.len() {
                    out.push(blank(bytes[i]));
                    i += 1;
                }
            }
            out.push(b' ');
            i += 1;
        } else if bytes[i] == b'\''
            && (rest.get(2) == Some(&b'\'') || (rest.get(1) == Some(&b'\\')))
        {
            // A character literal ('x', '\n', '\u{1}'); a lifetime has no closing quote.
            let start = i;
            i += 1;
            while i < bytes.len() && bytes[i] != b'\'' {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(bytes.len());
            out.extend(bytes[start..i].iter().map(|&b| blank(b)));
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let mut code = String::from_utf8_lossy(&out).into_owned();
    // Unit tests may use the real world (hang guards, temp files): blank `#[cfg(test)]` items.
    while let Some(at) = code.find("#[cfg(test)]") {
        let body_end = code[at..].find(['{', ';']).map(|o| at + o);
        let end = match body_end {
            Some(open) if code.as_bytes()[open] == b'{' => {
                let mut depth = 0usize;
                let mut end = code.len();
                for (offset, c) in code[open..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = open + offset + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            Some(semicolon) => semicolon + 1,
            None => code.len(),
        };
        let blanked: String = code[at..end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        code.replace_range(at..end, &blanked);
    }
    code
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Colons,
    Open,
    Close,
    Comma,
    Semi,
    Star,
    Other,
}

/// Identifiers, `::`, braces, commas, semicolons and `*`, with their line numbers.
fn tokens(code: &str) -> Vec<(usize, Token)> {
    let mut out = Vec::new();
    let mut chars = code.char_indices().peekable();
    let mut line = 1;
    while let Some((i, c)) = chars.next() {
        let token = match c {
            '\n' => {
                line += 1;
                continue;
            }
            c if c.is_whitespace() => continue,
            c if c.is_alphabetic() || c == '_' => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_alphanumeric() || d == '_' {
                        end = j + d.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                Token::Ident(code[i..end].to_owned())
            }
            ':' if chars.peek().map(|&(_, d)| d) == Some(':') => {
                chars.next();
                Token::Colons
            }
            '{' => Token::Open,
            '}' => Token::Close,
            ',' => Token::Comma,
            ';' => Token::Semi,
            '*' => Token::Star,
            _ => Token::Other,
        };
        out.push((line, token));
    }
    out
}

/// Expands the use tree starting at `tokens[*at]` (after `use`) into full paths.
fn use_tree(
    tokens: &[(usize, Token)],
    at: &mut usize,
    prefix: &[String],
    out: &mut Vec<(Vec<String>, Option<String>)>,
) {
    let mut path = prefix.to_vec();
    while *at < tokens.len() {
        match &tokens[*at].1 {
            Token::Ident(name) if name == "as" => {
                *at += 1;
                let alias = match tokens.get(*at) {
                    Some((_, Token::Ident(a))) => Some(a.clone()),
                    _ => None,
                };
                *at += 1;
                out.push((path.clone(), alias));
                return;
            }
            Token::Ident(name) if name == "self" => {
                *at += 1;
            }
            Token::Ident(name) => {
                path.push(name.clone());
                *at += 1;
            }
            Token::Colons => *at += 1,
            Token::Star => {
                path.push("*".to_owned());
                *at += 1;
            }
            Token::Open => {
                *at += 1;
                loop {
                    use_tree(tokens, at, &path, out);
                    match tokens.get(*at).map(|(_, t)| t) {
                        Some(Token::Comma) => *at += 1,
                        Some(Token::Close) => {
                            *at += 1;
                            break;
                        }
                        _ => break,
                    }
                    if matches!(tokens.get(*at).map(|(_, t)| t), Some(Token::Close)) {
                        *at += 1;
                        break;
                    }
                }
                return;
            }
            _ => break,
        }
    }
    out.push((path, None));
}

/// Every place in `text` that reaches the OS: `(line, why)`.
fn os_accesses(text: &str) -> Vec<(usize, String)> {
    let code = code_only(text);
    let tokens = tokens(&code);
    let mut uses = Vec::new();
    let mut paths = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let (line, token) = &tokens[i];
        match token {
            Token::Ident(word) if word == "use" => {
                i += 1;
                let mut expanded = Vec::new();
                use_tree(&tokens, &mut i, &[], &mut expanded);
                uses.extend(expanded.into_iter().map(|(p, alias)| (*line, p, alias)));
            }
            Token::Ident(first) => {
                let mut path = vec![first.clone()];
                let mut j = i + 1;
                while let (Some((_, Token::Colons)), Some((_, Token::Ident(next)))) =
                    (tokens.get(j), tokens.get(j + 1))
                {
                    path.push(next.clone());
                    j += 2;
                }
                if path.len() > 1 {
                    paths.push((*line, path));
                }
                i = j;
            }
            Token::Colons => {
                // `::std::fs::read`: a path from the crate root.
                i += 1;
            }
            _ => i += 1,
        }
    }
    let aliases: Vec<String> = uses
        .iter()
        .filter(|(_, p, _)| matches!(p.last().map(String::as_str), Some("Instant" | "SystemTime")))
        .filter_map(|(_, _, alias)| alias.clone())
        .collect();
    let mut found = Vec::new();
    for (line, path, _) in &uses {
        if let Some(why) = os_access(path, &aliases) {
            found.push((*line, why));
        }
    }
    for (line, path) in &paths {
        if let Some(why) = os_access(path, &aliases) {
            found.push((*line, why));
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn library_crates_touch_the_os_only_in_their_adapters() {
    let root = workspace_root();
    let mut offenders = Vec::new();
    let mut adapters_that_reach_nothing: Vec<&str> = Vec::new();
    for (adapter, _) in OS_ADAPTERS {
        let path = root.join(adapter);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{adapter} is in OS_ADAPTERS but cannot be read: {e}"));
        if os_accesses(&text).is_empty() {
            adapters_that_reach_nothing.push(adapter);
        }
    }
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if NOT_LIBRARIES.contains(&name.as_str()) {
            continue;
        }
        let mut files = Vec::new();
        rust_files(&dir.join("src"), &mut files);
        for file in files {
            let relative = file
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if OS_ADAPTERS.iter().any(|(a, _)| *a == relative) {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            for (line, why) in os_accesses(&text) {
                offenders.push(format!("{relative}:{line}: {why}"));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "library code reaches the OS outside the adapters (go through Context, or add the file \
         to OS_ADAPTERS in tests/acceptance/tidy.rs with the reason):\n{}",
        offenders.join("\n")
    );
    assert!(
        adapters_that_reach_nothing.is_empty(),
        "OS_ADAPTERS lists files that reach no OS: {adapters_that_reach_nothing:?}"
    );
}

#[test]
fn the_os_rule_sees_every_way_of_writing_it() {
    let caught = |code: &str| !os_accesses(code).is_empty();
    for code in [
        "fn f() { std::env::var(\"HOME\"); }",
        "use std::{env, fs};",
        "use std::{fs::{self, File}, io};",
        "use std::env as environment;",
        "use ::std::process::Command;",
        "fn f() { let _ = std :: fs :: read(\"x\"); }",
        "use std::time::{Duration, Instant};\nfn f() { Instant::now(); }",
        "use std::time::SystemTime as Wall;\nfn f() { Wall::now(); }",
        "fn f() { std::time::SystemTime::now(); }",
        "use std::net::TcpStream;",
        "use std::net::{IpAddr, UdpSocket};",
        "use std::os::unix::fs::PermissionsExt;",
        "use tokio::net::TcpListener;",
        "fn f() { tokio::time::sleep(d); }",
        "fn f() { std::thread::sleep(d); }",
        "fn f() { fastrand::u64(..); }",
        "use std::*;",
        "use std as s;",
        "fn f() { std::io::stdout(); }",
    ] {
        assert!(caught(code), "not caught: {code}");
    }
    for code in [
        "// std::env::var in a comment\n/* std::fs::read */",
        "const M: &str = \"set std::env::var\";",
        "const R: &str = r#\"std::fs\"#;",
        "use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};",
        "use std::time::{Duration, SystemTime, UNIX_EPOCH};\nfn f(c: &dyn Clock) { c.now(); }",
        "fn f() { let r = fastrand::Rng::with_seed(7); }",
        "#[cfg(test)]\nmod tests {\n    fn t() { std::env::var(\"X\"); std::time::Instant::now(); }\n}",
        "fn f<'a>(x: &'a str) -> char { 'x' }",
    ] {
        assert!(
            !caught(code),
            "a false hit: {code}: {:?}",
            os_accesses(code)
        );
    }
    // Line numbers survive blanked comments and strings.
    assert_eq!(
        os_accesses("/* a\nb */\nconst S: &str = \"x\ny\";\nuse std::env;")[0].0,
        5
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

/// The workspace README's "Without the network" code is the code of the facade's test
/// `without_the_network::the_readme_example` (run with exactly the README's features by the
/// feature matrix), line for line — its `Context::system()` being the test's `cx` — so the
/// example cannot go stale.
#[test]
fn the_readme_example_without_the_network_is_the_tested_one() {
    let root = workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let test = std::fs::read_to_string(root.join("crates/awsauth/tests/it/main.rs")).unwrap();
    let section = readme
        .split("### Without the network")
        .nth(1)
        .expect("README has a \"Without the network\" section");
    let code = section
        .split("```rust")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the section has a rust block");
    let mut lines = 0;
    for line in code.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let line = line.replace("Context::system()", "cx");
        assert!(
            test.lines().any(|l| l.trim() == line),
            "README line not in the facade's test: {line}"
        );
        lines += 1;
    }
    assert!(lines >= 5, "{code}");
    assert!(
        section.contains(r#"default-features = false, features = ["chain", "static", "profile"]"#)
    );
}
