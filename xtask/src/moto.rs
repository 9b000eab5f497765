//! A moto server (a real, third-party implementation of STS) on a free loopback port.
//!
//! The venv lives in `target/interop/venv` and is created on first use with a pinned moto, so a
//! fresh clone needs only `python3` with the `venv` module. The server is stopped when the
//! [`Server`] is dropped, so a failing test run does not leave it behind.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The pinned version: interop results must not change under us.
pub(crate) const MOTO_VERSION: &str = "5.2.5";

/// A running moto server; dropping it stops the server.
pub(crate) struct Server {
    child: Child,
    port: u16,
}

/// How many requests the IAM-auth instance answers without checking signatures: the `curl`
/// interop test's setup (CreateUser, PutUserPolicy, CreateAccessKey); every request after
/// them must be signed by a key moto issued.
pub(crate) const IAM_SETUP_REQUESTS: &str = "3";

/// The venv's Python, which has boto3 and botocore (moto's dependencies): the interop tests'
/// real clients of the container credentials protocol.
pub(crate) fn python() -> PathBuf {
    venv_dir().join("bin/python")
}

fn venv_dir() -> PathBuf {
    crate::cmd::workspace_root().join("target/interop/venv")
}

impl Server {
    /// Creates the venv if needed and starts moto on a free loopback port.
    pub(crate) fn start() -> Result<Self, String> {
        Self::start_with("moto.log", &[])
    }

    /// A second instance with IAM authentication on: after the first
    /// [`IAM_SETUP_REQUESTS`] requests, moto verifies every SigV4 signature.
    pub(crate) fn start_iam_auth() -> Result<Self, String> {
        Self::start_with(
            "moto-iam.log",
            &[("INITIAL_NO_AUTH_ACTION_COUNT", IAM_SETUP_REQUESTS)],
        )
    }

    fn start_with(log_name: &str, env: &[(&str, &str)]) -> Result<Self, String> {
        let venv = venv_dir();
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
        ensure_venv(&venv, &python).map_err(|e| cannot_install(&e))?;
        let port = free_port()?;
        let log = std::fs::File::create(venv.parent().unwrap_or(&venv).join(log_name))
            .map_err(|e| format!("cannot create the moto log: {e}"))?;
        let child = Command::new(venv.join("bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start moto_server: {e}"))?;
        let mut server = Self { child, port };
        server.wait_ready(Duration::from_secs(60))?;
        Ok(server)
    }

    /// `http://127.0.0.1:<port>`.
    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<(), String> {
        let started = Instant::now();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        while started.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "moto_server exited early ({status}); see target/interop/moto.log"
                ));
            }
            if let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let request = format!(
                    "GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                    self.port
                );
                let mut head = [0u8; 12];
                if stream.write_all(request.as_bytes()).is_ok()
                    && stream.read_exact(&mut head).is_ok()
                    && head.starts_with(b"HTTP/1.")
                {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "moto_server did not answer within {limit:?}; see target/interop/moto.log"
        ))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("no free loopback port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// What `cargo xtask test` says when moto cannot be installed: why, and the way to go on.
fn cannot_install(why: &str) -> String {
    format!(
        "cannot install moto for the interop tests: {why}\n\
         xtask: without network access (or python3 with venv) run `cargo xtask test --no-interop`; \
         CI runs the interop tests"
    )
}

fn ensure_venv(venv: &Path, python: &str) -> Result<(), String> {
    let marker: PathBuf = venv.join(format!(".moto-{MOTO_VERSION}"));
    if marker.exists() && venv.join("bin/moto_server").exists() {
        return Ok(());
    }
    eprintln!(
        "xtask: creating {} with moto[server]=={MOTO_VERSION} (once)",
        venv.display()
    );
    run(
        Command::new(python).args(["-m", "venv"]).arg(venv),
        "python3 -m venv (is python3 with venv installed?)",
    )?;
    run(
        Command::new(venv.join("bin/pip"))
            // Fail fast without network: one retry, a short time-out.
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .args(["--retries", "1", "--timeout", "15"])
            .arg(format!("moto[server]=={MOTO_VERSION}")),
        "pip install moto[server]",
    )?;
    std::fs::write(&marker, MOTO_VERSION)
        .map_err(|e| format!("cannot write {}: {e}", marker.display()))
}

fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("{what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No python (or no network for pip): the failure is immediate and names the way on.
    #[test]
    fn a_venv_that_cannot_be_made_fails_at_once_naming_no_interop() {
        let dir = std::env::temp_dir().join(format!("xtask-venv-{}", std::process::id()));
        let started = Instant::now();
        let err = ensure_venv(&dir, "/nonexistent/python3").unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10));
        let shown = cannot_install(&err);
        assert!(shown.contains("python3 -m venv"), "{shown}");
        assert!(shown.contains("cargo xtask test --no-interop"), "{shown}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
