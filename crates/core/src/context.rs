//! [`Context`]: every piece of the outside world a source may touch, injected.
//!
//! Sources read environment variables, files, the clock and randomness only through the
//! context, so a test can hand them a [`MapEnv`], a [`MemFs`] and a [`ManualClock`] and get the
//! same answer every run.
//!
//! Two services `core` cannot implement without an HTTP or process crate have named slots of
//! their own: [HTTP](Context::http) and [process spawning](Context::processes). Each slot is
//! *closed* in a [`Context::builder`] context (a source that needs it fails with an error that
//! says so), *system* in [`Context::system`] (the crate that owns the service uses the real one),
//! or holds a client the caller [installed](ContextBuilder::http). No slot ever falls back to a
//! process-wide global on its own.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

/// Environment variables.
pub trait Env: Send + Sync + fmt::Debug {
    /// The value of `name`, or `None` when unset or not valid Unicode.
    fn var(&self, name: &str) -> Option<String>;

    /// The environment a child process started in this one gets (`credential_process`):
    /// `Some(vars)` is exactly that list, `None` means "this process's own environment",
    /// inherited unchanged ([`SystemEnv`](crate::SystemEnv)).
    ///
    /// The default is `Some(vec![])`: an environment that cannot list its variables gives a
    /// child none — never the server's own variables (and credentials) in its place.
    fn child_env(&self) -> Option<Vec<(String, String)>> {
        Some(Vec::new())
    }
}

/// What a source needs to know about a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct FileMeta {
    /// Size in bytes.
    pub len: u64,
    /// Last modification, where the platform reports it.
    pub modified: Option<SystemTime>,
    /// Inode number (Unix), so a replaced file is noticed even with the same size and mtime.
    pub inode: Option<u64>,
    /// Permission bits (Unix), for the "credentials file writable by others" check.
    pub mode: Option<u32>,
    /// The owner's user id (Unix), for "a file of keys must belong to this server's user".
    pub uid: Option<u32>,
    /// True for a regular file (not a directory, device or FIFO).
    pub is_file: bool,
}

impl FileMeta {
    /// Metadata of a regular file of `len` bytes; everything else unknown.
    pub fn file(len: u64) -> Self {
        Self {
            len,
            is_file: true,
            ..Self::default()
        }
    }
}

/// A file read whole by [`Fs::read_limited`]: its bytes (zeroized on drop, since they may be
/// credentials) and the metadata of the handle they were read from.
#[derive(Clone)]
pub struct FileContents {
    /// The bytes.
    pub bytes: zeroize::Zeroizing<Vec<u8>>,
    /// `fstat` of the open handle: the same file the bytes came from.
    pub meta: FileMeta,
}

impl fmt::Debug for FileContents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileContents")
            .field("len", &self.bytes.len())
            .field("meta", &self.meta)
            .finish()
    }
}

/// File access.
///
/// Reads go through [`read_limited`](Self::read_limited), which opens a file once, takes its
/// metadata from the open handle and never holds more than the limit in memory — a token file
/// pointing at `/dev/zero` costs `limit` bytes, not the process. Writes go through
/// [`write_atomic`](Self::write_atomic), so a reader (or a crash) never sees half a file.
pub trait Fs: Send + Sync + fmt::Debug {
    /// The whole file. Prefer [`read_limited`](Self::read_limited): this one has no bound.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;

    /// The file's metadata (follows symlinks, like `std::fs::metadata`).
    fn metadata(&self, path: &Path) -> io::Result<FileMeta>;

    /// The whole file, opened once, if it is a regular file of at most `limit` bytes. A larger
    /// file is an error of kind [`io::ErrorKind::FileTooLarge`]; a directory or device is one of
    /// kind [`io::ErrorKind::InvalidInput`]. The metadata returned is the open handle's.
    ///
    /// The default reads [`metadata`](Self::metadata) and then [`read`](Self::read) (two looks
    /// at the path); real file systems override it with one open handle.
    fn read_limited(&self, path: &Path, limit: u64) -> io::Result<FileContents> {
        let meta = self.metadata(path)?;
        check_limited(&meta, limit)?;
        let bytes = self.read(path)?;
        if bytes.len() as u64 > limit {
            return Err(too_large(limit));
        }
        Ok(FileContents {
            bytes: zeroize::Zeroizing::new(bytes),
            meta,
        })
    }

    /// Replaces the file at `path` with `data` atomically: a temporary file in the same
    /// directory, written, synced, given permission bits `mode` and renamed over `path`, so a
    /// concurrent reader sees the old file or the new one and a crash leaves no half-written
    /// file. Missing parent directories are created (mode `0o700`).
    ///
    /// The default refuses: a file system is read-only unless it says otherwise.
    fn write_atomic(&self, path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
        let _ = (data, mode);
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "{} cannot be written: this file system is read-only",
                path.display()
            ),
        ))
    }

    /// The user id this process runs as (Unix), the owner expected of the files of keys it
    /// trusts. `None` where it cannot be told.
    fn current_uid(&self) -> Option<u32> {
        None
    }
}

/// The checks [`Fs::read_limited`] makes on a file's metadata before reading it.
pub fn check_limited(meta: &FileMeta, limit: u64) -> io::Result<()> {
    if !meta.is_file {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    if meta.len > limit {
        return Err(too_large(limit));
    }
    Ok(())
}

fn too_large(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("larger than {limit} bytes"),
    )
}

/// A boxed future that resolves after a delay, as returned by [`Clock::sleep`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Wall-clock time and sleeping.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Now.
    fn now(&self) -> SystemTime;
    /// A future that completes once `duration` has passed on this clock.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// A source of random numbers (for jitter).
pub trait Random: Send + Sync + fmt::Debug {
    /// A uniformly random `u64`.
    fn next_u64(&self) -> u64;
}

/// The injected outside world. Cheap to clone (a handful of `Arc`s).
///
/// ```
/// use awsauth_core::{Context, MapEnv};
/// let cx = Context::builder().env(MapEnv::from([("AWS_PROFILE", "dev")])).build();
/// assert_eq!(cx.env_var("AWS_PROFILE").as_deref(), Some("dev"));
/// assert_eq!(cx.env_var("HOME"), None);
/// ```
#[derive(Clone)]
pub struct Context {
    env: Arc<dyn Env>,
    fs: Arc<dyn Fs>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn Random>,
    http: Slot,
    processes: Slot,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("env", &self.env)
            .field("fs", &self.fs)
            .field("clock", &self.clock)
            .field("http", &self.http)
            .field("processes", &self.processes)
            .finish_non_exhaustive()
    }
}

/// What a service slot of a [`Context`] holds.
#[derive(Clone, Default)]
enum Slot {
    /// Nothing: whoever needs the service fails, saying so.
    #[default]
    Closed,
    /// The real service of the operating system, built by the crate that owns it.
    System,
    /// A service the caller installed (a fake, a client with its own settings).
    Installed(Arc<dyn Any + Send + Sync>),
}

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Closed => "closed",
            Self::System => "system",
            Self::Installed(_) => "installed",
        })
    }
}

impl Slot {
    fn access<T: Any>(&self) -> Service<'_, T> {
        match self {
            Self::Closed => Service::Closed,
            Self::System => Service::System,
            Self::Installed(value) => match value.downcast_ref::<T>() {
                Some(value) => Service::Installed(value),
                // Something else was installed: for a caller asking for `T`, the slot holds
                // nothing it can use, and it must not reach for the system service instead.
                None => Service::Closed,
            },
        }
    }
}

/// What a [`Context`] offers for one of its service slots ([`Context::http`],
/// [`Context::processes`]), as seen by the crate that owns the service type `T`.
#[derive(Debug)]
pub enum Service<'a, T> {
    /// No service: the caller must fail with an error that says the context has none.
    Closed,
    /// Use the real service of the operating system ([`Context::system`]).
    System,
    /// Use this one.
    Installed(&'a T),
}

impl Context {
    /// A builder that starts from an empty environment, an empty file system, a
    /// [`ManualClock`] at 2024-01-01T00:00:00Z, seeded randomness, no HTTP and no process
    /// spawning: fully deterministic, and closed to the outside world until a slot is filled.
    pub fn builder() -> ContextBuilder {
        ContextBuilder {
            cx: Self {
                env: Arc::new(MapEnv::default()),
                fs: Arc::new(MemFs::default()),
                clock: Arc::new(ManualClock::default()),
                random: Arc::new(SeededRandom::new(0x5eed)),
                http: Slot::Closed,
                processes: Slot::Closed,
            },
        }
    }

    /// The environment.
    pub fn env(&self) -> &dyn Env {
        &*self.env
    }

    /// The value of an environment variable, `None` when unset.
    pub fn env_var(&self, name: &str) -> Option<String> {
        self.env.var(name)
    }

    /// The value of an environment variable, `None` when unset or blank (AWS tools treat a blank
    /// variable as unset). Surrounding whitespace is trimmed.
    pub fn env_nonblank(&self, name: &str) -> Option<String> {
        self.env
            .var(name)
            .as_deref()
            .and_then(crate::nonblank)
            .map(str::to_owned)
    }

    /// The file system.
    pub fn fs(&self) -> &dyn Fs {
        &*self.fs
    }

    /// The clock.
    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    /// The clock as a shareable handle (for background tasks).
    pub fn clock_handle(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.clock)
    }

    /// Now, by the injected clock.
    #[inline]
    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// A random `u64` from the injected source.
    pub fn random_u64(&self) -> u64 {
        self.random.next_u64()
    }

    /// A random duration in `[0, max]` ("full jitter").
    pub fn jitter(&self, max: Duration) -> Duration {
        let nanos = max.as_nanos().min(u128::from(u64::MAX)) as u64;
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(self.random.next_u64() % (nanos + 1).max(1))
    }

    /// The HTTP slot, as seen by the crate whose client type is `T` (`awsauth-http`'s
    /// `HttpClient`): closed, the system's network, or an installed client.
    pub fn http<T: Any>(&self) -> Service<'_, T> {
        self.http.access()
    }

    /// The process-spawning slot, as seen by the crate whose runner type is `T`: closed, the
    /// system's processes, or an installed runner.
    pub fn processes<T: Any>(&self) -> Service<'_, T> {
        self.processes.access()
    }

    /// A copy with `client` in the HTTP slot.
    pub fn with_http<T: Any + Send + Sync>(&self, client: T) -> Self {
        Self {
            http: Slot::Installed(Arc::new(client)),
            ..self.clone()
        }
    }

    /// A copy with `runner` in the process-spawning slot.
    pub fn with_processes<T: Any + Send + Sync>(&self, runner: T) -> Self {
        Self {
            processes: Slot::Installed(Arc::new(runner)),
            ..self.clone()
        }
    }

    /// A copy whose HTTP slot is the system's network.
    pub fn with_system_http(&self) -> Self {
        Self {
            http: Slot::System,
            ..self.clone()
        }
    }

    /// A copy whose process-spawning slot is the system's.
    pub fn with_system_processes(&self) -> Self {
        Self {
            processes: Slot::System,
            ..self.clone()
        }
    }

    /// A copy that can spawn no process (a server that forbids `credential_process`, say).
    pub fn without_processes(&self) -> Self {
        Self {
            processes: Slot::Closed,
            ..self.clone()
        }
    }

    /// A copy with another environment.
    pub fn with_env(&self, env: impl Env + 'static) -> Self {
        Self {
            env: Arc::new(env),
            ..self.clone()
        }
    }

    /// A copy with another file system.
    pub fn with_fs(&self, fs: impl Fs + 'static) -> Self {
        Self {
            fs: Arc::new(fs),
            ..self.clone()
        }
    }

    /// A copy with another clock.
    pub fn with_clock(&self, clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            ..self.clone()
        }
    }
}

/// Builder for a [`Context`]; see [`Context::builder`].
#[derive(Debug)]
pub struct ContextBuilder {
    cx: Context,
}

impl ContextBuilder {
    /// Sets the environment.
    pub fn env(mut self, env: impl Env + 'static) -> Self {
        self.cx.env = Arc::new(env);
        self
    }

    /// Sets the file system.
    pub fn fs(mut self, fs: impl Fs + 'static) -> Self {
        self.cx.fs = Arc::new(fs);
        self
    }

    /// Sets the file system from a shared handle (so the test can keep editing it).
    pub fn fs_shared(mut self, fs: Arc<dyn Fs>) -> Self {
        self.cx.fs = fs;
        self
    }

    /// Sets the clock (pass an `Arc` so the test keeps a handle to advance it).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.cx.clock = clock;
        self
    }

    /// Sets the randomness.
    pub fn random(mut self, random: impl Random + 'static) -> Self {
        self.cx.random = Arc::new(random);
        self
    }

    /// Installs an HTTP client (of the type the HTTP crate reads: `awsauth_http::HttpClient`).
    pub fn http<T: Any + Send + Sync>(mut self, client: T) -> Self {
        self.cx.http = Slot::Installed(Arc::new(client));
        self
    }

    /// Lets HTTP use the system's network, as [`Context::system`] does.
    pub fn system_http(mut self) -> Self {
        self.cx.http = Slot::System;
        self
    }

    /// Installs a process runner (of the type the process crate reads).
    pub fn processes<T: Any + Send + Sync>(mut self, runner: T) -> Self {
        self.cx.processes = Slot::Installed(Arc::new(runner));
        self
    }

    /// Lets sources spawn real processes, as [`Context::system`] does.
    pub fn system_processes(mut self) -> Self {
        self.cx.processes = Slot::System;
        self
    }

    /// Finishes.
    pub fn build(self) -> Context {
        self.cx
    }
}

/// An environment held in a map, for tests and for embedding applications that keep per-tenant
/// settings apart from the process environment. `Debug` lists the variable names only: values
/// such as `AWS_SECRET_ACCESS_KEY` are secrets.
#[derive(Clone, Default)]
pub struct MapEnv(HashMap<String, String>);

impl fmt::Debug for MapEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.0.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_tuple("MapEnv").field(&names).finish()
    }
}

impl MapEnv {
    /// An empty environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a variable.
    pub fn set(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.insert(name.into(), value.into());
        self
    }
}

impl<K: Into<String>, V: Into<String>, const N: usize> From<[(K, V); N]> for MapEnv {
    fn from(pairs: [(K, V); N]) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl FromIterator<(String, String)> for MapEnv {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl Env for MapEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }

    /// Exactly the variables of the map, sorted by name: a child started in a test (or a
    /// tenant's environment) sees what the context holds and nothing else.
    fn child_env(&self) -> Option<Vec<(String, String)>> {
        let mut vars: Vec<(String, String)> =
            self.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        vars.sort_unstable();
        Some(vars)
    }
}

#[derive(Clone)]
struct MemFile {
    data: Arc<[u8]>,
    meta: FileMeta,
}

/// An in-memory file system. Clones share the same files, so a test can rewrite a file while a
/// source holds the context. Every write gets a new inode and a later mtime, as a real rotation
/// does. `Debug` lists paths only: the contents are credentials files.
#[derive(Clone, Default)]
pub struct MemFs {
    files: Arc<Mutex<MemFiles>>,
}

impl fmt::Debug for MemFs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let files = self.lock();
        let mut paths: Vec<&PathBuf> = files.by_path.keys().collect();
        paths.sort_unstable();
        f.debug_struct("MemFs")
            .field("paths", &paths)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct MemFiles {
    by_path: HashMap<PathBuf, MemFile>,
    writes: u64,
    reads: u64,
    read_only: bool,
}

/// The user id [`MemFs`] reports as the process's, and gives its files unless told otherwise.
pub const MEMFS_UID: u32 = 1000;

impl MemFs {
    /// An empty file system.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes a file with mode `0o600`.
    pub fn insert(&self, path: impl Into<PathBuf>, data: impl AsRef<[u8]>) -> &Self {
        self.insert_with_mode(path, data, 0o600)
    }

    /// Writes a file with the given permission bits.
    pub fn insert_with_mode(
        &self,
        path: impl Into<PathBuf>,
        data: impl AsRef<[u8]>,
        mode: u32,
    ) -> &Self {
        self.insert_with_owner(path, data, mode, MEMFS_UID)
    }

    /// Writes a file with the given permission bits and owner.
    pub fn insert_with_owner(
        &self,
        path: impl Into<PathBuf>,
        data: impl AsRef<[u8]>,
        mode: u32,
        uid: u32,
    ) -> &Self {
        let mut files = self.lock();
        files.writes += 1;
        let serial = files.writes;
        let data: Arc<[u8]> = Arc::from(data.as_ref());
        let meta = FileMeta {
            len: data.len() as u64,
            modified: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + serial)),
            inode: Some(serial),
            mode: Some(mode),
            uid: Some(uid),
            is_file: true,
        };
        files.by_path.insert(path.into(), MemFile { data, meta });
        self
    }

    /// The contents of a file, as a test reads back what a source wrote.
    pub fn contents(&self, path: impl AsRef<Path>) -> Option<Vec<u8>> {
        self.lock()
            .by_path
            .get(path.as_ref())
            .map(|file| file.data.to_vec())
    }

    /// Makes [`Fs::write_atomic`] fail with `PermissionDenied` (or work again), as a read-only
    /// home directory does.
    pub fn set_read_only(&self, read_only: bool) -> &Self {
        self.lock().read_only = read_only;
        self
    }

    /// How many files were written, by [`insert`](Self::insert) or [`Fs::write_atomic`].
    pub fn writes(&self) -> u64 {
        self.lock().writes
    }

    /// Removes a file.
    pub fn remove(&self, path: impl AsRef<Path>) -> &Self {
        self.lock().by_path.remove(path.as_ref());
        self
    }

    /// How many times [`Fs::read`] was called (to prove that a cache avoids re-reading).
    pub fn reads(&self) -> u64 {
        self.lock().reads
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemFiles> {
        // A panic while holding this lock cannot leave the map half-written, so poisoning is
        // not a reason to fail later reads.
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, path: &Path) -> io::Result<MemFile> {
        self.lock().by_path.get(path).cloned().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("no such file: {}", path.display()),
            )
        })
    }
}

impl Fs for MemFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.lock().reads += 1;
        Ok(self.get(path)?.data.to_vec())
    }

    fn metadata(&self, path: &Path) -> io::Result<FileMeta> {
        Ok(self.get(path)?.meta)
    }

    /// One lookup: the bytes and the metadata of the same version of the file.
    fn read_limited(&self, path: &Path, limit: u64) -> io::Result<FileContents> {
        let file = {
            let mut files = self.lock();
            files.reads += 1;
            files.by_path.get(path).cloned()
        }
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("no such file: {}", path.display()),
            )
        })?;
        check_limited(&file.meta, limit)?;
        Ok(FileContents {
            bytes: zeroize::Zeroizing::new(file.data.to_vec()),
            meta: file.meta,
        })
    }

    fn write_atomic(&self, path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
        if self.lock().read_only {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("{} cannot be written: read-only", path.display()),
            ));
        }
        self.insert_with_mode(path, data, mode);
        Ok(())
    }

    fn current_uid(&self) -> Option<u32> {
        Some(MEMFS_UID)
    }
}

/// A clock that moves only when told to. [`Clock::sleep`] on it completes when
/// [`advance`](ManualClock::advance) or [`set`](ManualClock::set) moves the time past the
/// deadline.
///
/// ```
/// use std::time::Duration;
/// use awsauth_core::{Clock, ManualClock};
/// let clock = ManualClock::default();
/// let start = clock.now();
/// clock.advance(Duration::from_secs(90));
/// assert_eq!(clock.now().duration_since(start).unwrap(), Duration::from_secs(90));
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<watch::Sender<SystemTime>>,
}

impl Default for ManualClock {
    /// Starts at 2024-01-01T00:00:00Z.
    fn default() -> Self {
        Self::at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200))
    }
}

impl ManualClock {
    /// A clock that starts at `start`.
    pub fn at(start: SystemTime) -> Self {
        Self {
            now: Arc::new(watch::Sender::new(start)),
        }
    }

    /// Moves the clock forward, waking the sleepers whose deadline has come.
    pub fn advance(&self, by: Duration) {
        self.now.send_modify(|now| *now += by);
    }

    /// Sets the time (it may go backwards, as a corrected system clock can).
    pub fn set(&self, to: SystemTime) {
        self.now.send_replace(to);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.now.borrow()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let mut rx = self.now.subscribe();
        let deadline = *rx.borrow() + duration;
        Box::pin(async move {
            // The sender lives as long as any clock handle; if every handle is gone, nothing
            // can advance time any more, so the sleep simply never ends (like a real one that
            // outlives its runtime).
            if rx.wait_for(|now| *now >= deadline).await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

/// Deterministic randomness from a seed.
#[derive(Debug)]
pub struct SeededRandom(Mutex<fastrand::Rng>);

impl SeededRandom {
    /// A generator that always yields the same sequence for the same seed.
    pub fn new(seed: u64) -> Self {
        Self(Mutex::new(fastrand::Rng::with_seed(seed)))
    }
}

impl Random for SeededRandom {
    fn next_u64(&self) -> u64 {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).u64(..)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_nonblank_treats_blank_as_unset() {
        let cx = Context::builder()
            .env(MapEnv::from([("A", "  "), ("B", " x ")]))
            .build();
        assert_eq!(cx.env_nonblank("A"), None);
        assert_eq!(cx.env_nonblank("B").as_deref(), Some("x"));
        assert_eq!(cx.env_var("A").as_deref(), Some("  "));
    }

    #[test]
    fn a_child_sees_exactly_the_injected_environment() {
        let env = MapEnv::from([("B", "2"), ("A", "1")]);
        assert_eq!(
            env.child_env(),
            Some(vec![("A".into(), "1".into()), ("B".into(), "2".into())])
        );
        #[derive(Debug)]
        struct Opaque;
        impl Env for Opaque {
            fn var(&self, _: &str) -> Option<String> {
                Some("x".into())
            }
        }
        assert_eq!(Opaque.child_env(), Some(Vec::new()));
        assert_eq!(crate::SystemEnv.child_env(), None);
    }

    #[test]
    fn memfs_rewrite_changes_inode_and_mtime() {
        let fs = MemFs::new();
        fs.insert("/a", "one");
        let first = fs.metadata(Path::new("/a")).unwrap();
        fs.insert("/a", "two");
        let second = fs.metadata(Path::new("/a")).unwrap();
        assert_ne!(first.inode, second.inode);
        assert!(second.modified > first.modified);
        assert_eq!(fs.read(Path::new("/a")).unwrap(), b"two");
        assert_eq!(
            fs.read(Path::new("/missing")).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn service_slots_are_closed_unless_filled_and_typed() {
        #[derive(Debug, PartialEq)]
        struct Client(u8);
        let base = Context::builder().build();
        assert!(matches!(base.http::<Client>(), Service::Closed));
        assert!(matches!(base.processes::<Client>(), Service::Closed));

        let with = base.with_http(Client(7));
        assert!(matches!(
            with.http::<Client>(),
            Service::Installed(Client(7))
        ));
        // Copy on write: the original context is still closed.
        assert!(matches!(base.http::<Client>(), Service::Closed));
        // A slot holding another type is closed for this one, never "system".
        assert!(matches!(with.http::<u32>(), Service::Closed));
        assert!(matches!(with.processes::<Client>(), Service::Closed));

        let system = base.with_system_http().with_system_processes();
        assert!(matches!(system.http::<Client>(), Service::System));
        assert!(matches!(
            system.without_processes().processes::<Client>(),
            Service::Closed
        ));
        assert!(format!("{system:?}").contains("http: system"), "{system:?}");
    }

    #[test]
    fn memfs_reads_are_bounded_and_writes_replace_whole_files() {
        let fs = MemFs::new();
        fs.insert("/a", "0123456789");
        assert_eq!(
            &*fs.read_limited(Path::new("/a"), 10).unwrap().bytes,
            b"0123456789"
        );
        assert_eq!(
            fs.read_limited(Path::new("/a"), 9).unwrap_err().kind(),
            io::ErrorKind::FileTooLarge
        );
        fs.write_atomic(Path::new("/a"), b"new", 0o600).unwrap();
        let read = fs.read_limited(Path::new("/a"), 10).unwrap();
        assert_eq!(&*read.bytes, b"new");
        assert_eq!(read.meta.mode, Some(0o600));
        assert_eq!(read.meta.uid, fs.current_uid());
        fs.set_read_only(true);
        assert_eq!(
            fs.write_atomic(Path::new("/a"), b"x", 0o600)
                .unwrap_err()
                .kind(),
            io::ErrorKind::PermissionDenied
        );
        assert_eq!(fs.contents("/a").unwrap(), b"new");
    }

    #[test]
    fn jitter_stays_within_bounds_and_is_seeded() {
        let a = Context::builder().build();
        let b = Context::builder().build();
        for _ in 0..100 {
            let x = a.jitter(Duration::from_millis(50));
            assert!(x <= Duration::from_millis(50));
            assert_eq!(x, b.jitter(Duration::from_millis(50)));
        }
        assert_eq!(a.jitter(Duration::ZERO), Duration::ZERO);
    }

    #[tokio::test]
    async fn manual_sleep_wakes_only_when_time_passes() {
        let clock = ManualClock::default();
        let sleep = clock.sleep(Duration::from_secs(10));
        let handle = tokio::spawn(sleep);
        tokio::task::yield_now().await;
        clock.advance(Duration::from_secs(9));
        tokio::task::yield_now().await;
        assert!(!handle.is_finished());
        clock.advance(Duration::from_secs(1));
        tokio::time::timeout(Duration::from_secs(5), handle)
            .await
            .expect("sleep should end once the clock passed its deadline")
            .unwrap();
    }
}
