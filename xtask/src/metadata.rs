//! The workspace as `cargo metadata` describes it: members, versions, publish flags, features and
//! dependency edges. Nothing here knows which crates exist; every command reads them from here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The members of the workspace.
#[derive(Debug, Clone)]
pub(crate) struct Workspace {
    /// The workspace root directory.
    pub(crate) root: PathBuf,
    /// Every member, sorted by name.
    pub(crate) packages: Vec<Package>,
}

/// One workspace member.
#[derive(Debug, Clone)]
pub(crate) struct Package {
    pub(crate) name: String,
    pub(crate) version: String,
    /// `publish` is not `false` (and, when it is a list, the list names crates.io).
    pub(crate) publishable: bool,
    pub(crate) manifest_path: PathBuf,
    pub(crate) description: Option<String>,
    pub(crate) license: Option<String>,
    pub(crate) license_file: Option<String>,
    pub(crate) repository: Option<String>,
    pub(crate) homepage: Option<String>,
    pub(crate) readme: Option<String>,
    pub(crate) keywords: Vec<String>,
    pub(crate) features: BTreeMap<String, Vec<String>>,
    pub(crate) dependencies: Vec<Dependency>,
}

/// One dependency declaration of a package.
#[derive(Debug, Clone)]
pub(crate) struct Dependency {
    /// The package name (not the rename).
    pub(crate) name: String,
    /// The version requirement; `*` for a path dependency without a version.
    pub(crate) req: String,
    pub(crate) kind: DepKind,
}

/// Which section a dependency is declared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DepKind {
    Normal,
    Build,
    Dev,
}

impl DepKind {
    /// The manifest section's name, for messages.
    pub(crate) fn section(self) -> &'static str {
        match self {
            DepKind::Normal => "dependencies",
            DepKind::Build => "build-dependencies",
            DepKind::Dev => "dev-dependencies",
        }
    }
}

impl Dependency {
    /// Whether `cargo package` keeps this dependency in the published manifest. Cargo drops a
    /// dev-dependency that has no version (path only); everything else must be on the registry.
    pub(crate) fn survives_packaging(&self) -> bool {
        !(self.kind == DepKind::Dev && self.req == "*")
    }
}

impl Package {
    /// The directory holding the manifest.
    pub(crate) fn dir(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new("."))
    }
}

impl Workspace {
    /// Runs `cargo metadata --no-deps` in the workspace root and parses it.
    pub(crate) fn load() -> Result<Self, String> {
        let output = crate::cmd::cargo_command(&[
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .output()
        .map_err(|e| format!("could not run cargo metadata: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "cargo metadata failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        let text = String::from_utf8(output.stdout)
            .map_err(|_| "cargo metadata printed non-UTF-8 output".to_owned())?;
        Self::parse(&text)
    }

    /// Parses the JSON of `cargo metadata --format-version 1` (with or without `--no-deps`);
    /// only workspace members are kept.
    pub(crate) fn parse(json: &str) -> Result<Self, String> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| format!("cargo metadata JSON: {e}"))?;
        let root = value
            .get("workspace_root")
            .and_then(Value::as_str)
            .map(PathBuf::from)
            .ok_or("cargo metadata has no workspace_root")?;
        let members: Vec<&str> = value
            .get("workspace_members")
            .and_then(Value::as_array)
            .ok_or("cargo metadata has no workspace_members")?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let mut packages = Vec::new();
        for package in value
            .get("packages")
            .and_then(Value::as_array)
            .ok_or("cargo metadata has no packages")?
        {
            let id = str_field(package, "id").unwrap_or_default();
            if members.contains(&id.as_str()) {
                packages.push(parse_package(package)?);
            }
        }
        packages.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Self { root, packages })
    }

    /// The member called `name`.
    pub(crate) fn package(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.name == name)
    }

    /// Whether `name` is a member of this workspace.
    pub(crate) fn is_member(&self, name: &str) -> bool {
        self.package(name).is_some()
    }
}

fn str_field(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn parse_package(package: &Value) -> Result<Package, String> {
    let name = str_field(package, "name").ok_or("a package without a name")?;
    let version =
        str_field(package, "version").ok_or_else(|| format!("package {name} has no version"))?;
    let manifest_path = str_field(package, "manifest_path")
        .map(PathBuf::from)
        .ok_or_else(|| format!("package {name} has no manifest_path"))?;
    let publishable = match package.get("publish") {
        None | Some(Value::Null) => true,
        Some(Value::Array(registries)) => {
            registries.iter().any(|r| r.as_str() == Some("crates-io"))
        }
        Some(_) => false,
    };
    let features = package
        .get("features")
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.clone(), strings(Some(v))))
                .collect()
        })
        .unwrap_or_default();
    let mut dependencies = Vec::new();
    for dep in package
        .get("dependencies")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let dep_name = str_field(dep, "name")
            .ok_or_else(|| format!("package {name} has a dependency without a name"))?;
        let kind = match dep.get("kind").and_then(Value::as_str) {
            None => DepKind::Normal,
            Some("build") => DepKind::Build,
            Some("dev") => DepKind::Dev,
            Some(other) => {
                return Err(format!(
                    "package {name}: dependency {dep_name} has unknown kind {other:?}"
                ));
            }
        };
        dependencies.push(Dependency {
            name: dep_name,
            req: str_field(dep, "req").unwrap_or_else(|| "*".to_owned()),
            kind,
        });
    }
    Ok(Package {
        name,
        version,
        publishable,
        manifest_path,
        description: str_field(package, "description"),
        license: str_field(package, "license"),
        license_file: str_field(package, "license_file"),
        repository: str_field(package, "repository"),
        homepage: str_field(package, "homepage"),
        readme: str_field(package, "readme"),
        keywords: strings(package.get("keywords")),
        features,
        dependencies,
    })
}

/// The fixture used by the unit tests of every module: a small workspace shaped like ours.
#[cfg(test)]
pub(crate) fn fixture() -> Workspace {
    Workspace::parse(include_str!("../tests/fixtures/metadata.json")).expect("fixture parses")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_publish_flags_features_and_dependency_kinds_are_read() {
        let ws = fixture();
        assert!(
            !ws.is_member("serde_json"),
            "non-members (from the full graph) are dropped"
        );
        let core = ws.package("awsauth-core").unwrap();
        assert!(core.publishable);
        assert_eq!(core.version, "0.1.0");
        assert!(!ws.package("awsauth-benches").unwrap().publishable);
        assert!(!ws.package("xtask").unwrap().publishable);
        let facade = ws.package("awsauth").unwrap();
        assert!(facade.features.contains_key("profile"));
        let profile = ws.package("awsauth-profile").unwrap();
        let testkit = profile
            .dependencies
            .iter()
            .find(|d| d.name == "awsauth-testkit")
            .unwrap();
        assert_eq!(testkit.kind, DepKind::Dev);
        assert!(testkit.survives_packaging(), "it carries a version");
        let names: Vec<_> = ws.packages.iter().map(|p| p.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
    }

    #[test]
    fn a_path_only_dev_dependency_is_dropped_by_packaging() {
        let dep = Dependency {
            name: "x".into(),
            req: "*".into(),
            kind: DepKind::Dev,
        };
        assert!(!dep.survives_packaging());
        let normal = Dependency {
            kind: DepKind::Normal,
            ..dep
        };
        assert!(normal.survives_packaging());
    }

    #[test]
    fn broken_json_is_an_error_not_a_panic() {
        assert!(Workspace::parse("{").is_err());
        assert!(Workspace::parse("{}").is_err());
        assert!(
            Workspace::parse(
                r#"{"workspace_root":"/w","workspace_members":[],"packages":[{"id":"a"}]}"#
            )
            .is_ok()
        );
    }
}
