//! [`KeyDirectorySource`]: keys in two files of a directory, as a mounted secret provides them.

use std::io;
use std::path::{Path, PathBuf};

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, FileMeta, Plan,
    SecretString, Status, async_trait,
};

use crate::StaticSource;

/// The largest key file read.
const MAX_LEN: u64 = 16 * 1024;

/// Keys in a directory of files `access-key-id` and `secret-access-key` (Grafana's platform
/// credentials for `grafana_assume_role`; `/tmp/aws.credentials` by default), read through the
/// context's file system on every call, so a rotated secret is seen at the next refresh.
/// Neither file present: not configured. One present: invalid configuration.
///
/// **Ownership.** Whoever can write these files chooses the server's identity, so the directory
/// and both files must belong to the server's own user (or to root, as a mounted secret does)
/// and must not be writable by group or others. Otherwise the source refuses, naming the path,
/// its owner or its mode — before the keys are used. Each file is opened once; the check is
/// made on the open handle's metadata, so no file can be swapped between the check and the
/// read.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use awsauth_core::{Context, CredentialSource, MemFs};
/// use awsauth_static::KeyDirectorySource;
/// let fs = MemFs::new();
/// fs.insert("/run/aws/access-key-id", "AKIDEXAMPLE\n");
/// fs.insert_with_mode("/run/aws/secret-access-key", "wJalrXUtnFEMI\n", 0o666);
/// let cx = Context::builder().fs(fs).build();
/// let err = KeyDirectorySource::new("/run/aws").provide(&cx).await.unwrap_err();
/// assert!(err.to_string().contains("writable by group or others"), "{err}");
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct KeyDirectorySource {
    dir: PathBuf,
    name: String,
}

impl KeyDirectorySource {
    /// The source for `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        Self {
            name: format!("key-directory:{}", dir.display()),
            dir,
        }
    }

    /// Refuses a file or directory that someone other than this server (or root) could have
    /// written.
    fn check_owner(
        &self,
        cx: &Context,
        path: &Path,
        meta: &FileMeta,
    ) -> Result<(), CredentialError> {
        if let (Some(owner), Some(me)) = (meta.uid, cx.fs().current_uid())
            && owner != me
            && owner != 0
        {
            return Err(CredentialError::invalid_configuration(
                &self.name,
                format!(
                    "{} belongs to user {owner}, not to this server's user {me} (or root); \
                     whoever owns it chooses the server's identity, so it is not used",
                    path.display()
                ),
            ));
        }
        if let Some(mode) = meta.mode
            && mode & 0o022 != 0
        {
            return Err(CredentialError::invalid_configuration(
                &self.name,
                format!(
                    "{} is writable by group or others (mode {:o}); make it writable by its \
                     owner only (chmod go-w)",
                    path.display(),
                    mode & 0o7777
                ),
            ));
        }
        Ok(())
    }

    /// The directory's own check; a directory the file system cannot describe (an in-memory
    /// one) is judged by its files alone.
    fn check_dir(&self, cx: &Context) -> Result<(), CredentialError> {
        match cx.fs().metadata(&self.dir) {
            Ok(meta) => self.check_owner(cx, &self.dir, &meta),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(CredentialError::provider_failed(
                &self.name,
                format!("cannot read {}: {}", self.dir.display(), e.kind()),
            )),
        }
    }

    fn read(&self, cx: &Context, file: &str) -> Result<Option<String>, CredentialError> {
        let path = self.dir.join(file);
        let contents = match cx.fs().read_limited(&path, MAX_LEN) {
            Ok(contents) => contents,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::FileTooLarge => {
                return Err(CredentialError::invalid_configuration(
                    &self.name,
                    format!("{} is larger than {MAX_LEN} bytes", path.display()),
                ));
            }
            Err(e) => {
                return Err(CredentialError::provider_failed(
                    &self.name,
                    format!("cannot read {}: {}", path.display(), e.kind()),
                ));
            }
        };
        self.check_owner(cx, &path, &contents.meta)?;
        let text = std::str::from_utf8(&contents.bytes).map_err(|_| {
            CredentialError::invalid_configuration(
                &self.name,
                format!("{} is not valid UTF-8", path.display()),
            )
        })?;
        Ok(Some(text.trim().to_owned()).filter(|t| !t.is_empty()))
    }

    fn keys(&self, cx: &Context) -> Result<StaticSource, CredentialError> {
        self.check_dir(cx)?;
        let key = self.read(cx, "access-key-id")?;
        let secret = self.read(cx, "secret-access-key")?.map(SecretString::from);
        Ok(StaticSource::from_parts(key, secret)
            .named(self.name.clone())
            .field_names(
                self.dir.join("access-key-id").display().to_string(),
                self.dir.join("secret-access-key").display().to_string(),
            ))
    }
}

#[async_trait]
impl CredentialSource for KeyDirectorySource {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        self.keys(cx)?.provide(cx).await
    }

    fn name(&self) -> &str {
        &self.name
    }

    /// The keys of the directory, when both files are there (read to tell, as `provide` would).
    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        self.keys(cx)?.plan(cx)
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        let exists = |f: &str| cx.fs().metadata(&self.dir.join(f)).is_ok();
        let (status, reason) = match (exists("access-key-id"), exists("secret-access-key")) {
            (true, true) => (Status::Configured, "both key files exist"),
            (false, false) => (Status::NotConfigured, "no key files"),
            _ => (Status::Invalid, "only one of the two key files exists"),
        };
        vec![Explanation::new(
            &self.name,
            status,
            format!("{reason} in {}", self.dir.display()),
        )]
    }
}
