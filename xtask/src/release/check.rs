//! What must hold before a release, short of building: versions in lockstep, internal pins,
//! the metadata crates.io shows, licence texts at the root and in every published crate, no
//! `repository` / `homepage` pointing at someone else's project, and a CHANGELOG entry. Pure
//! over the parsed workspace and the clone's git remotes (files are looked at only where the
//! manifests' directories exist).

use std::path::Path;

use crate::metadata::{DepKind, Workspace};

use super::bump::{Version, has_entry};

/// One thing that would make a release wrong, naming the crate and what to change.
pub(crate) type Problem = String;

/// The licence text files an SPDX expression needs (`MIT OR Apache-2.0` → both).
fn licence_files(expression: &str) -> Vec<&'static str> {
    let mut files = Vec::new();
    for id in expression.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '/') {
        match id {
            "MIT" => files.push("LICENSE-MIT"),
            "Apache-2.0" => files.push("LICENSE-APACHE"),
            _ => {}
        }
    }
    files
}

/// `https://host/owner/name`, for comparing a manifest URL with a git remote.
pub(crate) fn normalize_url(url: &str) -> String {
    let url = url.trim().trim_end_matches('/').trim_end_matches(".git");
    let url = match url.strip_prefix("git@") {
        Some(rest) => format!("https://{}", rest.replacen(':', "/", 1)),
        None => url.replacen("http://", "https://", 1),
    };
    url.to_ascii_lowercase()
}

fn licence_problems(dir: &Path, files: &[&str], whose: &str, found: &mut Vec<Problem>) {
    if !dir.exists() {
        return;
    }
    for file in files {
        if !dir.join(file).is_file() {
            found.push(format!(
                "{whose}: no {file} in {} (the licence says it, the text must ship with it)",
                dir.display()
            ));
        }
    }
}

/// Every problem found; empty when the workspace is ready to package. `remotes` are the
/// clone's git remote URLs: a `repository` or `homepage` must be one of them.
pub(crate) fn problems(
    ws: &Workspace,
    version: Version,
    changelog: Option<&str>,
    remotes: &[String],
) -> Vec<Problem> {
    let version = version.to_string();
    let pin = format!("={version}");
    let mut found = Vec::new();
    let remotes: Vec<String> = remotes.iter().map(|r| normalize_url(r)).collect();
    let mut root_licences = Vec::new();
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
        if let Some(expression) = &package.license {
            let files = licence_files(expression);
            licence_problems(package.dir(), &files, name, &mut found);
            for file in files {
                if !root_licences.contains(&file) {
                    root_licences.push(file);
                }
            }
        }
        for (field, url) in [
            ("repository", &package.repository),
            ("homepage", &package.homepage),
        ] {
            if let Some(url) = url.as_deref().filter(|u| !u.trim().is_empty())
                && !remotes.contains(&normalize_url(url))
            {
                found.push(format!(
                    "{name}: `{field}` is {url}, which no git remote of this clone points at; \
                     leave it out until the project has a repository of its own"
                ));
            }
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
    licence_problems(&ws.root, &root_licences, "the workspace root", &mut found);
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

    /// The fixture's manifests name this repository; as if a remote pointed there.
    const REMOTES: &[&str] = &["git@github.com:awsauth/awsauth.git"];

    fn problems(ws: &Workspace, version: Version, changelog: Option<&str>) -> Vec<Problem> {
        let remotes: Vec<String> = REMOTES.iter().map(|r| (*r).to_owned()).collect();
        super::problems(ws, version, changelog, &remotes)
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
                package.readme = None;
                package.keywords.clear();
            }
        }
        let found = problems(&ws, v("0.1.0"), Some(CHANGELOG));
        for field in ["description", "license", "readme", "keywords"] {
            assert!(
                found
                    .iter()
                    .any(|p| p.starts_with("awsauth-http: no `") && p.contains(field)),
                "{field} not reported: {found:?}"
            );
        }
        assert_eq!(found.len(), 4, "{found:?}");
    }

    /// A repository or homepage no remote points at is someone else's project: reported.
    #[test]
    fn a_repository_that_is_not_this_projects_is_reported() {
        let ws = fixture();
        let found = super::problems(&ws, v("0.1.0"), Some(CHANGELOG), &[]);
        assert!(
            found
                .iter()
                .any(|p| p.contains("`repository` is https://github.com/awsauth/awsauth")),
            "{found:?}"
        );
        assert!(
            found.iter().all(|p| p.contains("leave it out")),
            "{found:?}"
        );
        let other = ["https://example.org/someone/else".to_owned()];
        assert!(!super::problems(&ws, v("0.1.0"), Some(CHANGELOG), &other).is_empty());
        assert_eq!(
            normalize_url("git@github.com:AwsAuth/awsauth.git"),
            normalize_url("https://github.com/awsauth/awsauth/")
        );
    }

    /// `MIT OR Apache-2.0` needs LICENSE-MIT and LICENSE-APACHE at the root and in every
    /// published crate's directory.
    #[test]
    fn missing_licence_texts_are_reported_where_they_are_missing() {
        let dir = std::env::temp_dir().join(format!("xtask-licences-{}", std::process::id()));
        let krate = dir.join("crates/http");
        std::fs::create_dir_all(&krate).unwrap();
        std::fs::write(krate.join("README.md"), "x").unwrap();
        std::fs::write(krate.join("LICENSE-MIT"), "MIT").unwrap();
        let mut ws = fixture();
        ws.root = dir.clone();
        for package in &mut ws.packages {
            if package.name == "awsauth-http" {
                package.manifest_path = krate.join("Cargo.toml");
            }
        }
        let found = problems(&ws, v("0.1.0"), Some(CHANGELOG));
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("awsauth-http: no LICENSE-APACHE")),
            "{found:?}"
        );
        assert!(
            !found
                .iter()
                .any(|p| p.starts_with("awsauth-http: no LICENSE-MIT"))
        );
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("the workspace root: no LICENSE-MIT"))
                && found
                    .iter()
                    .any(|p| p.starts_with("the workspace root: no LICENSE-APACHE")),
            "{found:?}"
        );
        std::fs::write(krate.join("LICENSE-APACHE"), "Apache").unwrap();
        std::fs::write(dir.join("LICENSE-MIT"), "MIT").unwrap();
        std::fs::write(dir.join("LICENSE-APACHE"), "Apache").unwrap();
        assert_eq!(
            problems(&ws, v("0.1.0"), Some(CHANGELOG)),
            Vec::<String>::new()
        );
        let _ = std::fs::remove_dir_all(dir);
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

/// The real workspace, as `release check` sees it: every published crate ships both licence
/// texts and names no repository that is not this project's. Runs in every `cargo test`, so a
/// new crate without them fails CI, not the release.
#[cfg(test)]
mod workspace {
    #[test]
    fn the_workspace_ships_its_licences_and_names_no_foreign_repository() {
        let ws = crate::metadata::Workspace::load().unwrap();
        let remotes = super::super::git_remotes(&ws.root);
        let found: Vec<String> = super::problems(
            &ws,
            super::Version::parse(&ws.packages[0].version).unwrap(),
            Some("## [0.0.0]"),
            &remotes,
        )
        .into_iter()
        .filter(|p| p.contains("LICENSE") || p.contains("`repository`") || p.contains("`homepage`"))
        .collect();
        assert!(found.is_empty(), "{}", found.join("\n"));
    }
}
