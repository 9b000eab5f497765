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

/// The venv's Python (botocore and boto3 come with moto), exported to the tests as
/// `AWSAUTH_INTEROP_PYTHON` so botocore can serve as a real client and an oracle.
pub(crate) fn python() -> String {
    crate::cmd::workspace_root()
        .join("target/interop/venv/bin/python")
        .display()
        .to_string()
}

impl Server {
    /// Creates the venv if needed and starts moto on a free loopback port.
    pub(crate) fn start() -> Result<Self, String> {
        let venv = crate::cmd::workspace_root().join("target/interop/venv");
        ensure_venv(&venv)?;
        let port = free_port()?;
        let log = std::fs::File::create(venv.parent().unwrap_or(&venv).join("moto.log"))
            .map_err(|e| format!("cannot create the moto log: {e}"))?;
        let child = Command::new(venv.join("bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
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

fn ensure_venv(venv: &Path) -> Result<(), String> {
    let marker: PathBuf = venv.join(format!(".moto-{MOTO_VERSION}"));
    if marker.exists() && venv.join("bin/moto_server").exists() {
        return Ok(());
    }
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    eprintln!(
        "xtask: creating {} with moto[server]=={MOTO_VERSION} (once)",
        venv.display()
    );
    run(
        Command::new(&python).args(["-m", "venv"]).arg(venv),
        "python3 -m venv (is python3 with venv installed?)",
    )?;
    run(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
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
