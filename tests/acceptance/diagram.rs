//! ARCHITECTURE.md's layer diagram is the one place that says which layer each crate sits in;
//! its edges are the manifests' (every normal dependency of a workspace crate on another, `?`
//! when optional, that is behind a cargo feature). `tidy` reads the layers from it and fails
//! when the diagram and the manifests disagree, naming the crate and the edge.
//! `AWSAUTH_BLESS=1 cargo test -p awsauth-tests --test acceptance diagram` rewrites the diagram's
//! edges from the manifests (the layers stay as written).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

/// The line before the diagram's code block in ARCHITECTURE.md.
pub(crate) const MARKER: &str =
    "<!-- the layers and their crates; the edges are checked against the manifests by tidy -->";

/// The layers, top to bottom, as the diagram names them.
pub(crate) const LAYER_NAMES: &[&str] = &[
    "front",
    "composition",
    "source",
    "plumbing",
    "core",
    "support",
];

/// One crate's line: its layer and its edges to workspace crates (short names, `true` when
/// the edge is optional).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CrateLine {
    pub(crate) layer: String,
    pub(crate) edges: BTreeMap<String, bool>,
}

/// The diagram: crates in the order written, each with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diagram {
    pub(crate) order: Vec<String>,
    pub(crate) crates: BTreeMap<String, CrateLine>,
}

/// A workspace package's short name in the diagram: `awsauth-chain` is `chain`; the facade
/// `awsauth` and `xtask` keep theirs.
pub(crate) fn short(package: &str) -> &str {
    package.strip_prefix("awsauth-").unwrap_or(package)
}

/// The code block after [`MARKER`] in `doc`, and where it starts and ends (byte offsets of its
/// content).
fn block(doc: &str) -> Result<(usize, usize), String> {
    let at = doc
        .find(MARKER)
        .ok_or("ARCHITECTURE.md has no layer diagram (its marker line is missing)")?;
    let open = doc[at..]
        .find("```")
        .map(|i| at + i)
        .ok_or("the diagram's code block is missing")?;
    let start = doc[open..]
        .find('\n')
        .map(|i| open + i + 1)
        .ok_or("the diagram's code block is empty")?;
    let end = doc[start..]
        .find("```")
        .map(|i| start + i)
        .ok_or("the diagram's code block is not closed")?;
    Ok((start, end))
}

/// Parses the diagram: `layer:` lines, then `  crate → dep dep? …` lines under each.
pub(crate) fn parse(doc: &str) -> Result<Diagram, String> {
    let (start, end) = block(doc)?;
    let mut layer: Option<String> = None;
    let mut diagram = Diagram {
        order: Vec::new(),
        crates: BTreeMap::new(),
    };
    for (n, line) in doc[start..end].lines().enumerate() {
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        if let Some(name) = text.strip_suffix(':') {
            if !LAYER_NAMES.contains(&name) {
                return Err(format!(
                    "diagram line {}: unknown layer `{name}` (layers: {})",
                    n + 1,
                    LAYER_NAMES.join(", ")
                ));
            }
            layer = Some(name.to_owned());
            continue;
        }
        let Some(layer) = layer.clone() else {
            return Err(format!("diagram line {}: a crate before any layer", n + 1));
        };
        let (name, deps) = text.split_once('→').unwrap_or((text, ""));
        let name = name.trim().to_owned();
        let mut edges = BTreeMap::new();
        for dep in deps.split_whitespace() {
            let optional = dep.ends_with('?');
            edges.insert(dep.trim_end_matches('?').to_owned(), optional);
        }
        if diagram.crates.contains_key(&name) {
            return Err(format!("diagram line {}: {name} listed twice", n + 1));
        }
        diagram.order.push(name.clone());
        diagram.crates.insert(name, CrateLine { layer, edges });
    }
    Ok(diagram)
}

/// Every workspace crate's normal dependencies on workspace crates, from `cargo metadata`
/// (short names; optional only when every declaration of the edge is).
pub(crate) fn manifest_edges(meta: &Value) -> BTreeMap<String, BTreeMap<String, bool>> {
    let packages = meta["packages"].as_array().cloned().unwrap_or_default();
    let members: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let mut all = BTreeMap::new();
    for package in &packages {
        let Some(from) = package["name"].as_str() else {
            continue;
        };
        let mut edges: BTreeMap<String, bool> = BTreeMap::new();
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            let to = dep["name"].as_str().unwrap_or_default();
            if !dep["kind"].is_null() || !members.contains(to) {
                continue;
            }
            let optional = dep["optional"].as_bool().unwrap_or(false);
            let entry = edges.entry(short(to).to_owned()).or_insert(optional);
            *entry = *entry && optional;
        }
        all.insert(short(from).to_owned(), edges);
    }
    all
}

/// Where the diagram and the manifests disagree, one line per difference.
pub(crate) fn disagreements(
    diagram: &Diagram,
    manifests: &BTreeMap<String, BTreeMap<String, bool>>,
) -> Vec<String> {
    let mut found = Vec::new();
    for (name, edges) in manifests {
        let Some(line) = diagram.crates.get(name) else {
            found.push(format!(
                "{name} is a workspace crate the diagram does not show: add it under its layer"
            ));
            continue;
        };
        for (to, optional) in edges {
            match line.edges.get(to) {
                None => found.push(format!(
                    "{name} → {to}: in the manifests, missing from the diagram"
                )),
                Some(shown) if shown != optional => found.push(format!(
                    "{name} → {to}: the manifests make it {}, the diagram {}",
                    kind(*optional),
                    kind(*shown)
                )),
                Some(_) => {}
            }
        }
        for to in line.edges.keys() {
            if !edges.contains_key(to) {
                found.push(format!(
                    "{name} → {to}: in the diagram, but no manifest has it"
                ));
            }
        }
    }
    for name in &diagram.order {
        if !manifests.contains_key(name) {
            found.push(format!("{name}: in the diagram, but not a workspace crate"));
        }
    }
    found
}

fn kind(optional: bool) -> &'static str {
    if optional {
        "optional (`?`)"
    } else {
        "required"
    }
}

/// The diagram's text with the layers and order of `diagram` and the edges of `manifests`.
pub(crate) fn render(
    diagram: &Diagram,
    manifests: &BTreeMap<String, BTreeMap<String, bool>>,
) -> String {
    let width = diagram.order.iter().map(String::len).max().unwrap_or(0);
    let mut out = String::new();
    for layer in LAYER_NAMES {
        let names: Vec<&String> = diagram
            .order
            .iter()
            .filter(|n| diagram.crates[*n].layer == *layer)
            .collect();
        if names.is_empty() {
            continue;
        }
        out.push_str(layer);
        out.push_str(":\n");
        for name in names {
            let edges = manifests.get(name).unwrap_or(&diagram.crates[name].edges);
            let deps: Vec<String> = edges
                .iter()
                .map(|(to, optional)| format!("{to}{}", if *optional { "?" } else { "" }))
                .collect();
            let line = format!("  {name:width$} → {}", deps.join(" "));
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// `doc` with the diagram's block replaced by `text`.
pub(crate) fn replace_block(doc: &str, text: &str) -> Result<String, String> {
    let (start, end) = block(doc)?;
    Ok(format!("{}{text}{}", &doc[..start], &doc[end..]))
}

/// ARCHITECTURE.md's diagram, parsed.
pub(crate) fn architecture(root: &Path) -> Diagram {
    let doc = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    parse(&doc).unwrap_or_else(|e| panic!("ARCHITECTURE.md: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# A\n\n<!-- the layers and their crates; the edges are checked against the manifests by tidy -->\n```text\nfront:\n  awsauth → chain? core\ncomposition:\n  chain   → core\ncore:\n  core    →\n```\n\nmore\n";

    fn edges(list: &[(&str, &[(&str, bool)])]) -> BTreeMap<String, BTreeMap<String, bool>> {
        list.iter()
            .map(|(from, to)| {
                (
                    (*from).to_owned(),
                    to.iter().map(|(t, o)| ((*t).to_owned(), *o)).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn the_diagram_is_read_with_its_layers_and_optional_edges() {
        let diagram = parse(DOC).unwrap();
        assert_eq!(diagram.order, ["awsauth", "chain", "core"]);
        assert_eq!(diagram.crates["chain"].layer, "composition");
        assert!(diagram.crates["awsauth"].edges["chain"]);
        assert!(!diagram.crates["awsauth"].edges["core"]);
        assert!(diagram.crates["core"].edges.is_empty());
        assert!(parse("no marker").is_err());
        assert!(parse(&DOC.replace("composition:", "middle:")).is_err());
    }

    #[test]
    fn every_difference_between_the_diagram_and_the_manifests_is_named() {
        let diagram = parse(DOC).unwrap();
        let agree = edges(&[
            ("awsauth", &[("chain", true), ("core", false)]),
            ("chain", &[("core", false)]),
            ("core", &[]),
        ]);
        assert!(disagreements(&diagram, &agree).is_empty());
        assert_eq!(
            render(&diagram, &agree),
            DOC.split("```text\n")
                .nth(1)
                .unwrap()
                .split("```")
                .next()
                .unwrap()
        );

        let differ = edges(&[
            // chain made required, a new edge to sdk, core's edge gone; chain gains an edge.
            ("awsauth", &[("chain", false), ("sdk", true)]),
            ("chain", &[("core", false), ("static", false)]),
            ("core", &[]),
            ("static", &[("core", false)]),
        ]);
        let found = disagreements(&diagram, &differ);
        assert_eq!(
            found,
            [
                "awsauth → chain: the manifests make it required, the diagram optional (`?`)",
                "awsauth → sdk: in the manifests, missing from the diagram",
                "awsauth → core: in the diagram, but no manifest has it",
                "chain → static: in the manifests, missing from the diagram",
                "static is a workspace crate the diagram does not show: add it under its layer",
            ]
        );
        let blessed = replace_block(DOC, &render(&diagram, &differ)).unwrap();
        assert!(blessed.contains("  awsauth → chain sdk?\n"), "{blessed}");
        assert!(blessed.ends_with("```\n\nmore\n"));
    }
}
