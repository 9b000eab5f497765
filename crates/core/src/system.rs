//! The real environment, file system, clock and randomness behind [`Context::system`].
//!
//! This module is the only place in `core` that touches the operating system; the tidy test in
//! `tests/` checks that no other file of the crate calls `std::env`, `std::fs` or `SystemTime::now`.
//!
//! [`Context::system`]: crate::Context::system

use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};

use std::sync::Arc;

use crate::context::{Clock, Context, Env, FileMeta, Fs, Random, Sleep};

impl Context {
    /// The real process environment, file system, clock and randomness.
    pub fn system() -> Self {
        Context::builder()
            .env(SystemEnv)
            .fs(SystemFs)
            .clock(Arc::new(SystemClock))
            .random(SystemRandom)
            .build()
    }
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemEnv;

impl Env for SystemEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemFs;

impl Fs for SystemFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn metadata(&self, path: &Path) -> io::Result<FileMeta> {
        let meta = std::fs::metadata(path)?;
        Ok(FileMeta {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode: inode(&meta),
            mode: mode(&meta),
        })
    }
}

#[cfg(unix)]
fn inode(meta: &std::fs::Metadata) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    Some(meta.ino())
}

#[cfg(unix)]
fn mode(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    Some(meta.mode() & 0o7777)
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> Option<u64> {
    None
}

#[cfg(not(unix))]
fn mode(_: &std::fs::Metadata) -> Option<u32> {
    None
}

/// The system clock; sleeping uses the tokio timer (so it needs a tokio runtime).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Thread-local fast randomness (not cryptographic; only used for jitter).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemRandom;

impl Random for SystemRandom {
    fn next_u64(&self) -> u64 {
        fastrand::u64(..)
    }
}
