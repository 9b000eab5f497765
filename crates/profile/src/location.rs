//! Where the shared files are, and which profile is selected, decided from environment
//! variables the way the AWS SDKs do (`file-location-tests.json`).

use std::path::{Path, PathBuf};

use awsauth_core::Context;

use crate::model::FileKind;

/// `AWS_CONFIG_FILE`: overrides `~/.aws/config`.
pub const CONFIG_FILE_VAR: &str = "AWS_CONFIG_FILE";
/// `AWS_SHARED_CREDENTIALS_FILE`: overrides `~/.aws/credentials`.
pub const CREDENTIALS_FILE_VAR: &str = "AWS_SHARED_CREDENTIALS_FILE";
/// `AWS_PROFILE`: the profile used when none is given explicitly.
pub const PROFILE_VAR: &str = "AWS_PROFILE";

/// How paths are spelled: which variables give the home directory and which separator joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    /// Linux, macOS, the BSDs: home is `$HOME`, paths use `/`.
    Unix,
    /// Windows: home is `%HOME%`, else `%USERPROFILE%`, else `%HOMEDRIVE%%HOMEPATH%`;
    /// paths use `\`.
    Windows,
}

impl Platform {
    /// The platform this program was built for.
    pub fn current() -> Self {
        if cfg!(windows) {
            Self::Windows
        } else {
            Self::Unix
        }
    }

    fn separator(self) -> char {
        match self {
            Self::Unix => '/',
            Self::Windows => '\\',
        }
    }
}

/// The paths of the config and credentials files. `None` when neither an override variable
/// nor a home directory says where the file is.
///
/// ```
/// use awsauth_profile::{FileLocations, Platform};
/// let env = |name: &str| match name {
///     "HOME" => Some("/home/u".to_owned()),
///     "AWS_CONFIG_FILE" => Some("~/work/config".to_owned()),
///     _ => None,
/// };
/// let at = FileLocations::from_vars(env, Platform::Unix);
/// assert_eq!(at.config.unwrap().to_str(), Some("/home/u/work/config"));
/// assert_eq!(at.credentials.unwrap().to_str(), Some("/home/u/.aws/credentials"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FileLocations {
    /// The config file.
    pub config: Option<PathBuf>,
    /// The credentials file.
    pub credentials: Option<PathBuf>,
}

impl FileLocations {
    /// The locations for the context's environment, spelled for this platform.
    pub fn from_context(cx: &Context) -> Self {
        Self::from_vars(|name| cx.env_var(name), Platform::current())
    }

    /// The locations for an environment given as a lookup function (blank values count as
    /// unset) and a platform.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>, platform: Platform) -> Self {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let home = home_dir(var, platform);
        let locate = |override_var: &str, file: &str| -> Option<PathBuf> {
            match var(override_var) {
                Some(path) => Some(PathBuf::from(expand_home(&path, home.as_deref(), platform))),
                None => {
                    let home = home.as_deref()?;
                    let sep = platform.separator();
                    let home = home.strip_suffix(['/', sep]).unwrap_or(home);
                    Some(PathBuf::from(format!("{home}{sep}.aws{sep}{file}")))
                }
            }
        };
        Self {
            config: locate(CONFIG_FILE_VAR, "config"),
            credentials: locate(CREDENTIALS_FILE_VAR, "credentials"),
        }
    }

    /// Explicit paths (a data source's settings, a command-line flag).
    pub fn new(config: Option<PathBuf>, credentials: Option<PathBuf>) -> Self {
        Self {
            config,
            credentials,
        }
    }

    /// The path of one file.
    pub fn path(&self, file: FileKind) -> Option<&Path> {
        match file {
            FileKind::Config => self.config.as_deref(),
            FileKind::Credentials => self.credentials.as_deref(),
        }
    }
}

/// The home directory from the environment: `HOME`, and on Windows then `USERPROFILE`, then
/// `HOMEDRIVE` + `HOMEPATH`.
pub fn home_dir(var: impl Fn(&str) -> Option<String>, platform: Platform) -> Option<String> {
    let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    if let Some(home) = var("HOME") {
        return Some(home);
    }
    match platform {
        Platform::Unix => None,
        Platform::Windows => var("USERPROFILE").or_else(|| {
            let drive = var("HOMEDRIVE")?;
            let path = var("HOMEPATH")?;
            Some(format!("{drive}{path}"))
        }),
    }
}

/// Replaces a leading `~` (alone, or followed by `/`, or `\` on Windows) with `home`. Other
/// forms (`~user/…`) and paths without a known home are returned unchanged.
pub fn expand_home(path: &str, home: Option<&str>, platform: Platform) -> String {
    let Some(rest) = path.strip_prefix('~') else {
        return path.to_owned();
    };
    let is_separator = |c: char| c == '/' || c == platform.separator();
    if !(rest.is_empty() || rest.starts_with(is_separator)) {
        return path.to_owned();
    }
    match home {
        Some(home) => {
            let home = home.strip_suffix(is_separator).unwrap_or(home);
            format!("{home}{rest}")
        }
        None => {
            tracing::warn!(
                path,
                "cannot expand ~: no home directory is set (HOME); using the path as written"
            );
            path.to_owned()
        }
    }
}

/// The selected profile: `explicit` if given (and not blank), else `AWS_PROFILE`, else
/// `default`.
pub fn selected_profile(cx: &Context, explicit: Option<&str>) -> String {
    ProfileSelection::from_context(cx, explicit).into_name()
}

/// Who chose the profile — what decides whether a missing one may be skipped.
///
/// A profile someone named (in code, by a flag, by a data source's `profile`, or by
/// `AWS_PROFILE`) is *configured*: when it does not exist that is an error, never a reason to
/// try the next source (which would be another identity). Only the implicit `default`, when
/// absent, is "not configured here".
///
/// ```
/// use awsauth_core::{Context, MapEnv};
/// use awsauth_profile::ProfileSelection;
/// let cx = Context::builder().env(MapEnv::from([("AWS_PROFILE", "raeder")])).build();
/// assert_eq!(ProfileSelection::from_context(&cx, None), ProfileSelection::Environment("raeder".into()));
/// assert_eq!(ProfileSelection::from_context(&cx, Some("ci")), ProfileSelection::Named("ci".into()));
/// let empty = Context::builder().build();
/// assert!(!ProfileSelection::from_context(&empty, None).is_explicit());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProfileSelection {
    /// Named in code, by a command-line flag or by a data source's settings.
    Named(String),
    /// Named by `AWS_PROFILE`.
    Environment(String),
    /// Nobody named one: `default`.
    ImplicitDefault,
}

impl ProfileSelection {
    /// `explicit` if given (and not blank), else `AWS_PROFILE`, else the implicit `default`.
    pub fn from_context(cx: &Context, explicit: Option<&str>) -> Self {
        if let Some(name) = explicit.map(str::trim).filter(|name| !name.is_empty()) {
            return Self::Named(name.to_owned());
        }
        match cx.env_nonblank(PROFILE_VAR) {
            Some(name) => Self::Environment(name.trim().to_owned()),
            None => Self::ImplicitDefault,
        }
    }

    /// The profile's name.
    pub fn name(&self) -> &str {
        match self {
            Self::Named(name) | Self::Environment(name) => name,
            Self::ImplicitDefault => "default",
        }
    }

    /// The profile's name, owned.
    pub fn into_name(self) -> String {
        match self {
            Self::Named(name) | Self::Environment(name) => name,
            Self::ImplicitDefault => "default".to_owned(),
        }
    }

    /// True when someone named the profile: then a missing profile is an error.
    pub fn is_explicit(&self) -> bool {
        !matches!(self, Self::ImplicitDefault)
    }

    /// Who named it, for messages: `AWS_PROFILE`, `name`, or `nobody (the implicit default)`.
    pub fn named_by(&self) -> &'static str {
        match self {
            Self::Named(_) => "name",
            Self::Environment(_) => PROFILE_VAR,
            Self::ImplicitDefault => "nobody (the implicit default)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_forms() {
        let home = Some("/home/u");
        assert_eq!(expand_home("~", home, Platform::Unix), "/home/u");
        assert_eq!(expand_home("~/x", home, Platform::Unix), "/home/u/x");
        assert_eq!(expand_home("~x/y", home, Platform::Unix), "~x/y");
        assert_eq!(expand_home("/a/~/b", home, Platform::Unix), "/a/~/b");
        assert_eq!(expand_home("~/x", None, Platform::Unix), "~/x");
        assert_eq!(
            expand_home("~\\x", Some("C:\\Users\\u\\"), Platform::Windows),
            "C:\\Users\\u\\x"
        );
        assert_eq!(expand_home("~\\x", home, Platform::Unix), "~\\x");
    }

    #[test]
    fn no_home_means_no_default_paths() {
        let at = FileLocations::from_vars(|_| None, Platform::Unix);
        assert_eq!(at, FileLocations::default());
    }
}
