//! [`Context`]: every piece of the outside world a source may touch, injected.
//!
//! Sources read environment variables, files, the clock and randomness only through the
//! context, so a test can hand them a [`MapEnv`], a [`MemFs`] and a [`ManualClock`] and get the
//! same answer every run. Crates above `core` add their own services (the HTTP client, for one)
//! as typed [extensions](Context::with_extension), which keeps `core` free of any HTTP crate.

use std::any::{Any, TypeId};
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
}

/// What a source needs to know about a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileMeta {
    /// Size in bytes.
    pub len: u64,
    /// Last modification, where the platform reports it.
    pub modified: Option<SystemTime>,
    /// Inode number (Unix), so a replaced file is noticed even with the same size and mtime.
    pub inode: Option<u64>,
    /// Permission bits (Unix), for the "credentials file writable by others" check.
    pub mode: Option<u32>,
}

/// Read-only file access.
pub trait Fs: Send + Sync + fmt::Debug {
    /// The whole file. Credential files are small; callers bound the size with
    /// [`metadata`](Self::metadata) first where it matters.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The file's metadata (follows symlinks, like `std::fs::metadata`).
    fn metadata(&self, path: &Path) -> io::Result<FileMeta>;
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
    extensions: Arc<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("env", &self.env)
            .field("fs", &self.fs)
            .field("clock", &self.clock)
            .field("extensions", &self.extensions.len())
            .finish_non_exhaustive()
    }
}

impl Context {
    /// A builder that starts from an empty environment, an empty file system, a
    /// [`ManualClock`] at 2024-01-01T00:00:00Z and seeded randomness: fully deterministic.
    pub fn builder() -> ContextBuilder {
        ContextBuilder {
            cx: Self {
                env: Arc::new(MapEnv::default()),
                fs: Arc::new(MemFs::default()),
                clock: Arc::new(ManualClock::default()),
                random: Arc::new(SeededRandom::new(0x5eed)),
                extensions: Arc::default(),
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
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
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

    /// The extension of type `T`, if one was added.
    pub fn extension<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.extensions
            .get(&TypeId::of::<T>())
            .and_then(|value| value.downcast_ref::<T>())
    }

    /// A copy of this context with `value` as its extension of type `T` (replacing any).
    pub fn with_extension<T: Any + Send + Sync>(&self, value: T) -> Self {
        let mut extensions = (*self.extensions).clone();
        extensions.insert(TypeId::of::<T>(), Arc::new(value));
        Self {
            extensions: Arc::new(extensions),
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

    /// Adds an extension.
    pub fn extension<T: Any + Send + Sync>(mut self, value: T) -> Self {
        self.cx = self.cx.with_extension(value);
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
}

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
        let mut files = self.lock();
        files.writes += 1;
        let serial = files.writes;
        let data: Arc<[u8]> = Arc::from(data.as_ref());
        let meta = FileMeta {
            len: data.len() as u64,
            modified: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + serial)),
            inode: Some(serial),
            mode: Some(mode),
        };
        files.by_path.insert(path.into(), MemFile { data, meta });
        self
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
    fn extensions_are_typed_and_copy_on_write() {
        #[derive(Debug, PartialEq)]
        struct Marker(u8);
        let base = Context::builder().build();
        let with = base.with_extension(Marker(7));
        assert_eq!(with.extension::<Marker>(), Some(&Marker(7)));
        assert_eq!(base.extension::<Marker>(), None);
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
