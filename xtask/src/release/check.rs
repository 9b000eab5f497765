//! What must hold before a release, short of building: versions in lockstep, internal pins,
//! the metadata crates.io shows, and a CHANGELOG entry. Pure over the parsed workspace.

use crate::metadata::{DepKind, Workspace};

use super::bump::{Version, has_entry};

/// One thing that would make a release wrong, naming the crate and what to change.
pub(crate) type Problem = String;

/// Every problem found; empty when the workspace is ready to package.
pub(crate) fn problems(ws: &Workspace, version: Version, changelog: Option<&str>) -> Vec<Problem> {
    let version = version.to_string();
    let pin = format!("={version}");
    let mut found = Vec::new();
    for package in ws.packages.iter().filter(|p| p.publishable) {
        let name = &package.name;
        if package.version != version {
            found.push(format!(
                "{name}: version is {}, the workspace is at {version} (use `version.workspace = true`)",
                package.version
            ));
        }
        let missing = |field: &Option<String>| field.as_deref().is_none_or(|s| s.trim().is_empty());
        if missing(&package.description) {
            found.push(format!("{name}: no `description` in its Cargo.toml"));
        }
        if missing(&package.license) && missing(&package.license_file) {
            found.push(format!(
                "{name}: no `license` (use `license.workspace = true`)"
            ));
        }
        if missing(&package.repository) {
            found.push(format!(
                "{name}: no `repository` (use `repository.workspace = true`)"
            ));
        }
        match &package.readme {
            Some(readme) if !readme.trim().is_empty() => {
                if !package.dir().join(readme).is_file() && package.dir().exists() {
                    found.push(format!(
                        "{name}: readme {readme} does not exist next to its Cargo.toml"
                    ));
                }
            }
            _ => found.push(format!("{name}: no `readme` (add a README.md)")),
        }
        if package.keywords.is_empty() {
            found.push(format!(
                "{name}: no `keywords` (use `keywords.workspace = true`)"
            ));
        }
    }
    // Internal edges, from every member: the pins must all move together.
    for package in &ws.packages {
        for dep in &package.dependencies {
            let Some(target) = ws.package(&dep.name) else {
                continue;
            };
            let edge = format!("{} -> {} ({})", package.name, dep.name, dep.kind.section());
            if dep.req == "*" {
                if package.publishable && dep.kind != DepKind::Dev {
                    found.push(format!(
                        "{edge}: a path dependency without a version cannot be published; use `{}.workspace = true` (which pins ={version})",
                        dep.name
                    ));
                }
                continue;
            }
            if target.publishable && dep.req != pin {
                found.push(format!(
                    "{edge}: requires {:?}, but internal crates pin the workspace version exactly ({pin:?})",
                    dep.req
                ));
            }
            if package.publishable && !target.publishable && dep.survives_packaging() {
                found.push(format!(
                    "{edge}: {} has publish = false, so {} cannot be published with this dependency{}",
                    dep.name,
                    package.name,
                    if dep.kind == DepKind::Dev {
                        " (drop the version from the dev-dependency so cargo strips it)"
                    } else {
                        ""
                    }
                ));
            }
        }
    }
    match changelog {
        None => found.push("CHANGELOG.md is missing".to_owned()),
        Some(text) if !has_entry(text, &version) => found.push(format!(
            "CHANGELOG.md has no `## [{version}]` entry (`cargo xtask release bump` adds one)"
        )),
        Some(_) => {}
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::fixture;

    const CHANGELOG: &str = "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-11-01\n";

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn the_fixture_is_ready_to_release() {
        let ws = fixture();
        // The fixture's paths do not exist on this machine, so readme files are not looked at.
        assert_eq!(
            problems(&ws, v("0.1.0"), Some(CHANGELOG)),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_changelog_without_the_version_is_reported() {
        let ws = fixture();
        let found = problems(&ws, v("0.1.0"), Some("# Changelog\n\n## [Unreleased]\n"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("## [0.1.0]"), "{found:?}");
        let found = problems(&ws, v("0.1.0"), None);
        assert!(found.iter().any(|p| p.contains("CHANGELOG.md is missing")));
    }

    #[test]
    fn a_crate_off_the_workspace_version_or_a_loose_pin_is_named() {
        let mut ws = fixture();
        for package in &mut ws.packages {
            if package.name == "awsauth-static" {
                package.version = "0.1.1".into();
            }
            if package.name == "awsauth-sts" {
                for dep in &mut package.dependencies {
                    if dep.name == "awsauth-http" {
                        dep.req = "^0.1.0".into();
                    }
                }
            }
        }
        let found = problems(&ws, v("0.1.0"), Some(CHANGELOG));
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("awsauth-static: version is 0.1.1")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|p| p
                .starts_with("awsauth-sts -> awsauth-http (dependencies): requires \"^0.1.0\"")),
            "{found:?}"
        );
        // The whole workspace moved on without the pins: every internal edge is reported.
        let found = problems(&fixture(), v("0.2.0"), Some("## [0.2.0]\n"));
        assert!(
            found
                .iter()
                .any(|p| p.contains("awsauth-core: version is 0.1.0"))
        );
        assert!(
            found
                .iter()
                .any(|p| p.contains("awsauth-cli -> awsauth (dependencies)"))
        );
    }

    #[test]
    fn missing_metadata_is_named_per_field() {
        let mut ws = fixture();
        for package in &mut ws.packages {
            if package.name == "awsauth-http" {
                package.description = None;
                package.license = Some(String::new());
                package.repository = None;
                package.readme = None;
                package.keywords.clear();
            }
        }
        let found = problems(&ws, v("0.1.0"), Some(CHANGELOG));
        for field in ["description", "license", "repository", "readme", "keywords"] {
            assert!(
                found
                    .iter()
                    .any(|p| p.starts_with("awsauth-http: no `") && p.contains(field)),
                "{field} not reported: {found:?}"
            );
        }
        assert_eq!(found.len(), 5, "{found:?}");
    }

    #[test]
    fn unpublishable_and_unversioned_internal_dependencies_are_caught() {
        let mut ws = fixture();
        for package in &mut ws.packages {
            if package.name == "awsauth-chain" {
                for dep in &mut package.dependencies {
                    if dep.name == "awsauth-static" {
                        dep.req = "*".into();
                    }
                    if dep.name == "awsauth-benches" {
                        dep.req = "=0.1.0".into();
                    }
                }
            }
        }
        let found = problems(&ws, v("0.1.0"), Some(CHANGELOG));
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("awsauth-chain -> awsauth-static (dependencies): a path dependency without a version")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|p| p.starts_with(
                "awsauth-chain -> awsauth-benches (dev-dependencies): awsauth-benches has publish = false"
            )),
            "{found:?}"
        );
        assert_eq!(found.len(), 2, "{found:?}");
    }
}
