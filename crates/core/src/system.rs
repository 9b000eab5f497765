//! The real environment, file system, clock and randomness behind [`Context::system`].
//!
//! This module is the only place in `core` that touches the operating system; the tidy test in
//! `tests/` checks that no other file of the crate calls `std::env`, `std::fs` or `SystemTime::now`.
//!
//! [`Context::system`]: crate::Context::system

use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::context::{
    Clock, Context, Env, FileContents, FileMeta, Fs, Random, Sleep, check_limited,
};

impl Context {
    /// The real process environment, file system, clock and randomness, with the HTTP and
    /// process-spawning slots set to the system's (the crates that own those services build the
    /// real ones).
    pub fn system() -> Self {
        Context::builder()
            .env(SystemEnv)
            .fs(SystemFs)
            .clock(Arc::new(SystemClock))
            .random(SystemRandom)
            .system_http()
            .system_processes()
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

    /// `None`: a child inherits this process's environment as it is (non-Unicode values too).
    fn child_env(&self) -> Option<Vec<(String, String)>> {
        None
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
        Ok(file_meta(&std::fs::metadata(path)?))
    }

    fn read_limited(&self, path: &Path, limit: u64) -> io::Result<FileContents> {
        let file = std::fs::File::open(path)?;
        // The handle's own metadata: no window between looking at the path and reading it.
        let meta = file_meta(&file.metadata()?);
        check_limited(&meta, limit)?;
        let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(meta.len as usize));
        // A file that grows while it is read (or lies about its size, as /proc files do) is
        // still cut at one byte past the limit.
        file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > limit {
            return Err(io::Error::new(
                io::ErrorKind::FileTooLarge,
                format!("larger than {limit} bytes"),
            ));
        }
        Ok(FileContents { bytes, meta })
    }

    fn write_atomic(&self, path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        create_private_dir(dir)?;
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
        // Unique per process and call, in the same directory so the rename stays on one file
        // system; `create_new` refuses to follow a planted file or link.
        let temp = dir.join(format!(
            ".{}.{}.{:016x}.tmp",
            name.to_string_lossy(),
            std::process::id(),
            fastrand::u64(..)
        ));
        let written = (|| {
            let mut file = open_new(&temp, mode)?;
            file.write_all(data)?;
            file.sync_all()?;
            std::fs::rename(&temp, path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written?;
        // The rename is durable once the directory is synced (best effort: not every platform
        // can open a directory).
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    fn current_uid(&self) -> Option<u32> {
        current_uid()
    }
}

fn file_meta(meta: &std::fs::Metadata) -> FileMeta {
    let mut out = FileMeta::file(meta.len());
    out.modified = meta.modified().ok();
    out.inode = inode(meta);
    out.mode = mode(meta);
    out.uid = uid(meta);
    out.is_file = meta.is_file();
    out
}

#[cfg(unix)]
fn open_new(path: &Path, mode: u32) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
}

#[cfg(not(unix))]
fn open_new(path: &Path, _mode: u32) -> io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn uid(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    Some(meta.uid())
}

#[cfg(not(unix))]
fn uid(_: &std::fs::Metadata) -> Option<u32> {
    None
}

/// The effective user id, without `unsafe`: Linux reports it in `/proc/self/status` (the second
/// field of `Uid:`). Elsewhere it is unknown, and checks that need it say so.
fn current_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
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
