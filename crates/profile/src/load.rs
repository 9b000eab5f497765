//! Reading the two files through the injected [`Fs`](awsauth_core::Fs): existence, size,
//! permissions, UTF-8, and a cache that re-parses only when a file changes.

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};

use awsauth_core::{Context, CredentialError, FileMeta};

use crate::location::FileLocations;
use crate::model::{FileKind, ProfileSet};
use crate::plan::{PlanError, ProfilePlan};

/// Larger files are refused rather than read: a shared config file is a few kilobytes.
pub const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// The name this crate's errors carry.
pub(crate) const SOURCE_NAME: &str = "profile";

/// The merged profiles of the files that exist, and where they were looked for.
#[derive(Debug, Clone)]
pub struct LoadedProfiles {
    set: ProfileSet,
    locations: FileLocations,
}

impl LoadedProfiles {
    /// The merged profiles.
    pub fn set(&self) -> &ProfileSet {
        &self.set
    }

    /// Where the files were looked for.
    pub fn locations(&self) -> &FileLocations {
        &self.locations
    }

    /// True when the file of this kind existed and was read.
    pub fn found(&self, file: FileKind) -> bool {
        self.set.path(file).is_some()
    }

    /// True when neither file exists.
    pub fn no_files(&self) -> bool {
        self.set.files().next().is_none()
    }

    /// The plan for `profile`; when no file exists the error says where they were looked for.
    pub fn plan(&self, profile: &str) -> Result<ProfilePlan, PlanError> {
        if self.no_files() {
            return Err(PlanError::ProfileNotFound {
                profile: profile.to_owned(),
                searched: self.missing_files(),
                available: Vec::new(),
                hint: None,
            });
        }
        self.set.plan(profile)
    }

    fn missing_files(&self) -> String {
        let paths: Vec<String> = [FileKind::Config, FileKind::Credentials]
            .into_iter()
            .filter_map(|kind| self.locations.path(kind))
            .map(|p| format!("{} (no such file)", p.display()))
            .collect();
        if paths.is_empty() {
            "no profile file: HOME is not set and neither AWS_CONFIG_FILE nor \
             AWS_SHARED_CREDENTIALS_FILE is"
                .to_owned()
        } else {
            paths.join(" or ")
        }
    }
}

/// Reads and parses the files at `locations` through `cx.fs()`, config first, then
/// credentials (whose keys win). A missing file is skipped; a credentials file writable by
/// group or others is refused.
pub fn load(cx: &Context, locations: &FileLocations) -> Result<LoadedProfiles, CredentialError> {
    let metas = stat_all(cx, locations)?;
    load_with(cx, locations, &metas)
}

type Metas = [Option<FileMeta>; 2];

/// How many times [`ProfileCache::load`] reads again files that changed while they were read.
const MAX_REREADS: usize = 3;

const KINDS: [FileKind; 2] = [FileKind::Config, FileKind::Credentials];

fn stat_all(cx: &Context, locations: &FileLocations) -> Result<Metas, CredentialError> {
    let mut metas = [None, None];
    for (slot, kind) in metas.iter_mut().zip(KINDS) {
        if let Some(path) = locations.path(kind) {
            *slot = stat(cx, kind, path)?;
        }
    }
    Ok(metas)
}

fn stat(cx: &Context, kind: FileKind, path: &Path) -> Result<Option<FileMeta>, CredentialError> {
    match cx.fs().metadata(path) {
        Ok(meta) => Ok(Some(meta)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(io_error(kind, path, &err)),
    }
}

fn io_error(kind: FileKind, path: &Path, err: &io::Error) -> CredentialError {
    CredentialError::provider_failed(
        SOURCE_NAME,
        format!("cannot read {kind} file {}: {err}", path.display()),
    )
}

fn load_with(
    cx: &Context,
    locations: &FileLocations,
    metas: &Metas,
) -> Result<LoadedProfiles, CredentialError> {
    let mut set = ProfileSet::new();
    for (meta, kind) in metas.iter().zip(KINDS) {
        let (Some(_), Some(path)) = (meta, locations.path(kind)) else {
            continue;
        };
        // One open handle: its own fstat decides size, type and mode (no window between a
        // look at the path and the read), and the read stops one byte past the cap.
        let contents = match cx.fs().read_limited(path, MAX_FILE_SIZE) {
            Ok(contents) => contents,
            // Removed between the stat and the read: treat as absent; the next call sees it.
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) if err.kind() == io::ErrorKind::FileTooLarge => {
                return Err(CredentialError::invalid_configuration(
                    SOURCE_NAME,
                    format!(
                        "{kind} file {} is more than the {MAX_FILE_SIZE} bytes a profile file may have",
                        path.display(),
                    ),
                ));
            }
            Err(err) if err.kind() == io::ErrorKind::InvalidInput => {
                return Err(CredentialError::invalid_configuration(
                    SOURCE_NAME,
                    format!(
                        "{kind} file {} is not a regular file (a directory, a device or a pipe)",
                        path.display(),
                    ),
                ));
            }
            Err(err) => return Err(io_error(kind, path, &err)),
        };
        if kind == FileKind::Credentials {
            check_permissions(kind, path, &contents.meta)?;
        }
        set.add_file_bytes(kind, path, &contents.bytes)
            .map_err(|err| CredentialError::invalid_configuration(SOURCE_NAME, err.to_string()))?;
        // The config file is read first: a secret in the set now is one the config file holds,
        // and such a file gets the credentials file's rule.
        if kind == FileKind::Config && holds_secrets(&set) {
            check_permissions(kind, path, &contents.meta)?;
        }
    }
    Ok(LoadedProfiles {
        set,
        locations: locations.clone(),
    })
}

/// Whether any profile or sso-session of the set has a secret value.
fn holds_secrets(set: &ProfileSet) -> bool {
    set.profiles()
        .chain(set.sso_sessions())
        .any(|section| section.properties().any(|(_, p)| p.is_sensitive()))
}

/// Group- or world-writable credentials are refused (anyone who can write them can make this
/// process use their identity); world-readable ones are allowed with a warning. The config
/// file is held to the same rule when it holds keys.
fn check_permissions(kind: FileKind, path: &Path, meta: &FileMeta) -> Result<(), CredentialError> {
    let Some(mode) = meta.mode else {
        return Ok(());
    };
    let mode = mode & 0o777;
    if mode & 0o022 != 0 {
        return Err(CredentialError::invalid_configuration(
            SOURCE_NAME,
            format!(
                "{kind} file {path} has mode {mode:04o}, writable by {who}; refusing to \
                 use it{keys}. Fix: chmod 600 {path}",
                keys = if kind == FileKind::Config {
                    " (it holds keys)"
                } else {
                    ""
                },
                path = path.display(),
                who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
                    (true, true) => "group and others",
                    (true, false) => "its group",
                    _ => "others",
                }
            ),
        ));
    }
    if mode & 0o004 != 0 {
        tracing::warn!(
            path = %path.display(),
            mode = format_args!("{mode:04o}"),
            file = %kind,
            "a file holding keys is readable by every user of this machine; consider chmod 600"
        );
    }
    Ok(())
}

/// Loads the files once and again only when one of them changes (its size, modification time
/// or inode — a rotated file is a new inode), or when the locations change. Between changes a
/// call costs two `stat`s. Clones share the cache.
#[derive(Debug, Clone, Default)]
pub struct ProfileCache {
    inner: Arc<Mutex<Option<CacheEntry>>>,
}

#[derive(Debug)]
struct CacheEntry {
    locations: FileLocations,
    metas: Metas,
    result: Result<Arc<LoadedProfiles>, CredentialError>,
}

impl ProfileCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The profiles at `locations`, re-read only if a file changed since the last call. Errors
    /// are cached too, so a broken file is not re-parsed on every call either.
    pub fn load(
        &self,
        cx: &Context,
        locations: &FileLocations,
    ) -> Result<Arc<LoadedProfiles>, CredentialError> {
        let metas = stat_all(cx, locations)?;
        let mut entry = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(cached) = entry.as_ref()
            && cached.locations == *locations
            && cached.metas == metas
        {
            return cached.result.clone();
        }
        let mut metas = metas;
        let mut result = load_with(cx, locations, &metas).map(Arc::new);
        // A file that changed while it was read (rewritten in place by another process: a
        // truncate, then writes) may have been read half-written: read again until the files
        // hold still across a read, a few times at most. A file replaced by rename is read
        // whole either way; this also catches a rename between the stat and the read.
        for _ in 0..MAX_REREADS {
            let after = stat_all(cx, locations)?;
            if after == metas {
                break;
            }
            tracing::debug!(
                "a shared config or credentials file changed while it was read; reading it again"
            );
            metas = after;
            result = load_with(cx, locations, &metas).map(Arc::new);
        }
        *entry = Some(CacheEntry {
            locations: locations.clone(),
            metas,
            result: result.clone(),
        });
        result
    }

    /// Forgets the cached files.
    pub fn clear(&self) {
        *self.inner.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
