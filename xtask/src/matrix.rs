//! The feature matrix `cargo xtask test` builds and tests after the workspace run: code behind a
//! cargo feature that `cargo test --workspace` leaves off is compiled and tested too.
//!
//! | run | why |
//! |---|---|
//! | the facade with no feature, with each default feature alone | its docs promise every feature builds alone |
//! | the facade with each opt-in feature (outside `default`, e.g. `sdk`) alone, `cargo check --tests` | it builds alone; its tests run in the every-feature run below, where the same code is on — and a second configuration of the AWS SDK's stack would cost the suite more than a minute to link |
//! | the facade with each combination its README, its crate docs or the workspace README show (`default-features = false, features = [...]`) | a documented setup must build and work |
//! | the facade with every feature, together with every other crate that has features gating its own code, all of them on | `default` plus the opt-in ones (`sdk`), doctests included; `awsauth-chain`'s and `awsauth-datasource`'s `sdk` (a feature that only forwards to a third-party crate's, like `awsauth-sdk`'s `sso`, gates none of ours and is left out). One build, so the aws-config stack is compiled once for it |
//!
//! | `cargo tree -e normal` of the facade with each of those combinations made only of [`WITHOUT_NETWORK`] features | such a consumer builds no crate of the [`NETWORK_STACK`] (HTTP, TLS, the AWS SDK's): the promise of `awsauth-chain`'s per-link features and of the README's `default-features = false` example. Seconds, no build |
//!
//! The facade's runs other than "every feature" skip its doctests (they are written for the
//! default features); its integration tests (`crates/awsauth/tests/it`) test each feature's
//! module when the feature is on. Crates, features and combinations come from `cargo metadata`
//! and the docs, never a list here.

use std::collections::BTreeSet;

use crate::metadata::{Package, Workspace};

/// The facade crate.
pub(crate) const FACADE: &str = "awsauth";

/// The facade features that reach no network: a consumer with only these (and the defaults
/// off) builds none of the [`NETWORK_STACK`] — the environment and profile-keys links of
/// `chain` need none, its other links come with the features of their sources.
pub(crate) const WITHOUT_NETWORK: &[&str] = &["chain", "process", "profile", "static"];

/// What "the network stack" is, by crate-name prefix: hyper and its helpers, rustls, and every
/// `aws-*` crate (aws-sigv4, aws-smithy-*, aws-credential-types, aws-config).
pub(crate) const NETWORK_STACK: &[&str] = &["hyper", "rustls", "aws-", "h2", "reqwest"];

/// One step of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    /// What it builds, for the log and the summary.
    pub(crate) label: String,
    /// The arguments after `cargo`.
    pub(crate) args: Vec<String>,
    /// What makes it pass.
    pub(crate) check: Check,
}

/// How a run of the matrix is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// Cargo succeeds (`cargo test`).
    Succeeds,
    /// Cargo succeeds and the crates its output lists (`cargo tree --prefix none --format {p}`)
    /// include none of the [`NETWORK_STACK`].
    NoNetworkStack,
}

/// Every run, in order: the facade's, then the other crates'. `facade_docs` is the text of the
/// facade's README and crate docs, searched for documented combinations.
pub(crate) fn runs(ws: &Workspace, facade_docs: &str) -> Vec<Run> {
    let mut runs = Vec::new();
    if let Some(facade) = ws.package(FACADE) {
        let named: Vec<&str> = sorted_features(facade);
        let defaults: BTreeSet<&str> = facade
            .features
            .get("default")
            .map(|d| d.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let mut combinations: Vec<Vec<String>> = vec![Vec::new()];
        combinations.extend(named.iter().map(|f| vec![(*f).to_owned()]));
        for documented in documented_combinations(facade_docs) {
            let mut documented = documented;
            documented.sort();
            documented.dedup();
            if !combinations.contains(&documented) {
                combinations.push(documented);
            }
        }
        let mut trees = Vec::new();
        for features in combinations {
            let opt_in_alone = matches!(features.as_slice(), [f] if !defaults.contains(f.as_str()));
            let verb = if opt_in_alone { "check" } else { "test" };
            let mut args = strings(&[verb, "-p", FACADE, "--no-default-features", "--tests"]);
            let mut label = if features.is_empty() {
                format!("{FACADE} without features")
            } else {
                args.extend(["--features".to_owned(), features.join(",")]);
                format!("{FACADE} with {}", features.join(" + "))
            };
            if opt_in_alone {
                label.push_str(" (checked; tested with every feature)");
            }
            if features
                .iter()
                .all(|f| WITHOUT_NETWORK.contains(&f.as_str()))
            {
                let mut tree = strings(&["tree", "-p", FACADE, "--no-default-features"]);
                if !features.is_empty() {
                    tree.extend(["--features".to_owned(), features.join(",")]);
                }
                tree.extend(strings(&[
                    "-e", "normal", "--prefix", "none", "--format", "{p}",
                ]));
                trees.push(Run {
                    label: format!("{label}: no network stack"),
                    args: tree,
                    check: Check::NoNetworkStack,
                });
            }
            runs.push(Run {
                label,
                args,
                check: Check::Succeeds,
            });
        }
        // First: they take seconds and say the most about the shape.
        runs.splice(0..0, trees);
    }
    let mut all = strings(&["test"]);
    let mut names = Vec::new();
    if ws.package(FACADE).is_some() {
        all.extend(strings(&["-p", FACADE]));
        names.push(FACADE.to_owned());
    }
    for package in &ws.packages {
        if package.name != FACADE && !features_gating_own_code(ws, package).is_empty() {
            all.extend(["-p".to_owned(), package.name.clone()]);
            names.push(package.name.clone());
        }
    }
    if !names.is_empty() {
        all.push("--all-features".to_owned());
        runs.push(Run {
            label: format!("{} with every feature", names.join(", ")),
            args: all,
            check: Check::Succeeds,
        });
    }
    runs
}

/// The crates of a `cargo tree --prefix none --format {p}` listing (`name vX.Y.Z (path)`, a
/// repeated crate marked `(*)`), each once, sorted.
pub(crate) fn tree_crates(listing: &str) -> Vec<String> {
    let names: BTreeSet<String> = listing
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    names.into_iter().collect()
}

/// The crates of `crates` that belong to the [`NETWORK_STACK`].
pub(crate) fn network_stack_in(crates: &[String]) -> Vec<String> {
    crates
        .iter()
        .filter(|name| NETWORK_STACK.iter().any(|prefix| name.starts_with(prefix)))
        .cloned()
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn sorted_features(package: &Package) -> Vec<&str> {
    let mut named: Vec<&str> = package
        .features
        .keys()
        .map(String::as_str)
        .filter(|f| *f != "default")
        .collect();
    named.sort_unstable();
    named
}

/// The non-default features of `package` that switch on code of this workspace: an empty
/// feature (a `cfg` flag), one that enables a workspace crate or a feature of one, or one that
/// enables another such feature of the same package.
pub(crate) fn features_gating_own_code(ws: &Workspace, package: &Package) -> Vec<String> {
    let mut own = BTreeSet::new();
    let mut changed = true;
    while changed {
        changed = false;
        for (name, enables) in &package.features {
            if name == "default" || own.contains(name) {
                continue;
            }
            let ours = enables.is_empty()
                || enables.iter().any(|entry| {
                    let target = entry
                        .trim_start_matches("dep:")
                        .split('/')
                        .next()
                        .unwrap_or_default()
                        .trim_end_matches('?');
                    ws.is_member(target) || own.contains(target)
                });
            if ours {
                own.insert(name.clone());
                changed = true;
            }
        }
    }
    own.into_iter().collect()
}

/// Feature lists the docs show for the facade with its defaults off: every
/// `default-features = false` line with `features = ["a", "b"]` on it.
pub(crate) fn documented_combinations(docs: &str) -> Vec<Vec<String>> {
    docs.lines()
        .filter(|line| {
            let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
            compact.contains("default-features=false") && compact.contains("features=[")
        })
        .filter_map(|line| {
            let list = line.split("features").last()?;
            let list = list.split_once('[')?.1.split_once(']')?.0;
            Some(
                list.split(',')
                    .map(|f| f.trim().trim_matches('"').trim().to_owned())
                    .filter(|f| !f.is_empty())
                    .collect(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::fixture;

    const DOCS: &str = r#"
A chain of env and profile keys, nothing else:

```toml
awsauth = { version = "0.1", default-features = false, features = ["static", "profile"] }
awsauth = { version = "0.1", features = ["sdk"] }
```
"#;

    fn labels(runs: &[Run]) -> Vec<&str> {
        runs.iter().map(|r| r.label.as_str()).collect()
    }

    #[test]
    fn the_facade_alone_per_feature_as_documented_then_everything_on_with_the_crates_own_features()
    {
        let runs = runs(&fixture(), DOCS);
        assert_eq!(
            labels(&runs),
            [
                "awsauth without features: no network stack",
                "awsauth with profile: no network stack",
                "awsauth with static: no network stack",
                "awsauth with profile + static: no network stack",
                "awsauth without features",
                "awsauth with profile",
                "awsauth with sdk (checked; tested with every feature)",
                "awsauth with static",
                "awsauth with sts",
                "awsauth with profile + static",
                "awsauth, awsauth-chain with every feature",
            ]
        );
        assert_eq!(
            runs[3].args,
            [
                "tree",
                "-p",
                "awsauth",
                "--no-default-features",
                "--features",
                "profile,static",
                "-e",
                "normal",
                "--prefix",
                "none",
                "--format",
                "{p}"
            ]
        );
        assert_eq!(runs[3].check, Check::NoNetworkStack);
        // `sdk` is outside `default`: compile-checked alone, tested in the every-feature run.
        assert_eq!(runs[6].args[0], "check");
        assert!(
            runs[6]
                .args
                .ends_with(&["--features".to_owned(), "sdk".to_owned()])
        );
        assert_eq!(runs[7].args[0], "test", "static is a default feature");
        assert!(runs[4..].iter().all(|r| r.check == Check::Succeeds));
        assert_eq!(
            runs[9].args,
            [
                "test",
                "-p",
                "awsauth",
                "--no-default-features",
                "--tests",
                "--features",
                "profile,static"
            ]
        );
        assert_eq!(
            runs[10].args,
            [
                "test",
                "-p",
                "awsauth",
                "-p",
                "awsauth-chain",
                "--all-features"
            ]
        );
    }

    #[test]
    fn the_network_stack_is_found_in_a_tree_listing_by_crate_name() {
        let listing = "awsauth v0.1.0 (/w/crates/awsauth)\nawsauth-core v0.1.0 (/w/crates/core)\n\
                       tokio v1.54.1\nawsauth-core v0.1.0 (/w/crates/core) (*)\n\
                       hyper-util v0.1.21\naws-smithy-types v1.3.0\nrustls v0.23.31\n";
        let crates = tree_crates(listing);
        assert_eq!(crates.len(), 6, "{crates:?}");
        assert_eq!(
            network_stack_in(&crates),
            ["aws-smithy-types", "hyper-util", "rustls"]
        );
        // Our own `awsauth-*` crates are not the AWS SDK's.
        assert!(network_stack_in(&tree_crates("awsauth-http v0.1.0\n")).is_empty());
    }

    #[test]
    fn a_feature_that_only_forwards_to_a_third_party_crate_gates_none_of_our_code() {
        let ws = fixture();
        let sdk = ws.package("awsauth-sdk").unwrap();
        assert!(sdk.features.contains_key("sso"), "the fixture has one");
        assert!(features_gating_own_code(&ws, sdk).is_empty());
        let chain = ws.package("awsauth-chain").unwrap();
        assert_eq!(features_gating_own_code(&ws, chain), ["sdk"]);
    }

    #[test]
    fn documented_combinations_are_read_from_toml_lines_with_the_defaults_off() {
        assert_eq!(
            documented_combinations(DOCS),
            [vec!["static".to_owned(), "profile".to_owned()]]
        );
        assert!(documented_combinations("features = [\"sdk\"]").is_empty());
        assert_eq!(
            documented_combinations(r#"awsauth={default-features=false,features=["chain"]}"#),
            [vec!["chain".to_owned()]]
        );
    }
}
