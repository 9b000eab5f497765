//! The feature matrix `cargo xtask test` builds and tests after the workspace run: code behind a
//! cargo feature that `cargo test --workspace` leaves off is compiled and tested too.
//!
//! | run | why |
//! |---|---|
//! | the facade with no feature, with each feature alone | its docs promise every feature builds alone |
//! | the facade with each combination its README or crate docs show (`default-features = false, features = [...]`) | a documented setup must build and work |
//! | the facade with every feature, together with every other crate that has features gating its own code, all of them on | `default` plus the opt-in ones (`sdk`), doctests included; `awsauth-chain`'s and `awsauth-datasource`'s `sdk` (a feature that only forwards to a third-party crate's, like `awsauth-sdk`'s `sso`, gates none of ours and is left out). One build, so the aws-config stack is compiled once for it |
//!
//! The facade's runs other than "every feature" skip its doctests (they are written for the
//! default features); its integration tests (`crates/awsauth/tests/it`) test each feature's
//! module when the feature is on. Crates, features and combinations come from `cargo metadata`
//! and the docs, never a list here.

use std::collections::BTreeSet;

use crate::metadata::{Package, Workspace};

/// The facade crate.
pub(crate) const FACADE: &str = "awsauth";

/// One `cargo test` of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    /// What it builds, for the log and the summary.
    pub(crate) label: String,
    /// The arguments after `cargo`.
    pub(crate) args: Vec<String>,
}

/// Every run, in order: the facade's, then the other crates'. `facade_docs` is the text of the
/// facade's README and crate docs, searched for documented combinations.
pub(crate) fn runs(ws: &Workspace, facade_docs: &str) -> Vec<Run> {
    let mut runs = Vec::new();
    if let Some(facade) = ws.package(FACADE) {
        let named: Vec<&str> = sorted_features(facade);
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
        for features in combinations {
            let mut args = strings(&["test", "-p", FACADE, "--no-default-features", "--tests"]);
            let label = if features.is_empty() {
                format!("{FACADE} without features")
            } else {
                args.extend(["--features".to_owned(), features.join(",")]);
                format!("{FACADE} with {}", features.join(" + "))
            };
            runs.push(Run { label, args });
        }
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
        });
    }
    runs
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
                "awsauth without features",
                "awsauth with profile",
                "awsauth with sdk",
                "awsauth with static",
                "awsauth with sts",
                "awsauth with profile + static",
                "awsauth, awsauth-chain with every feature",
            ]
        );
        assert_eq!(
            runs[5].args,
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
            runs[6].args,
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
