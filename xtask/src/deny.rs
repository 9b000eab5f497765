//! cargo-deny for `cargo xtask ci`: installs it when missing, runs the offline checks
//! (`licenses bans sources`), and runs `advisories` only when the advisory database can be
//! fetched — an offline machine gets a clear "skipped" instead of a failure.

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::cmd;

/// The host the RustSec advisory database is cloned from.
const ADVISORY_HOST: &str = "github.com";

/// What a step of `ci` ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

/// Makes sure `cargo deny` runs, installing it with `cargo install cargo-deny --locked` (from
/// crates.io) when it does not.
pub(crate) fn ensure_installed() -> Result<(), String> {
    if installed_version().is_some() {
        return Ok(());
    }
    eprintln!(
        "xtask: cargo-deny is not installed; cargo install cargo-deny --locked (a few minutes, once)"
    );
    cmd::cargo(&["install", "cargo-deny", "--locked"], &[])?;
    installed_version()
        .map(|_| ())
        .ok_or_else(|| "cargo-deny was installed but `cargo deny --version` still fails; is ~/.cargo/bin on PATH?".to_owned())
}

fn installed_version() -> Option<String> {
    let output = cmd::cargo_command(&["deny", "--version"]).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// `cargo deny check licenses bans sources`: needs no network beyond the crates already fetched.
pub(crate) fn check_offline() -> Outcome {
    if let Err(e) = ensure_installed() {
        return Outcome::Failed(e);
    }
    match cmd::cargo(&["deny", "check", "licenses", "bans", "sources"], &[]) {
        Ok(()) => Outcome::Passed,
        Err(e) => Outcome::Failed(e),
    }
}

/// `cargo deny check advisories` when the database is reachable; otherwise skipped, saying why.
pub(crate) fn check_advisories() -> Outcome {
    let proxied = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    if !proxied && let Err(why) = reachable(ADVISORY_HOST, 443, Duration::from_secs(5)) {
        return Outcome::Skipped(format!(
            "offline: the advisory database cannot be fetched ({why}); run `cargo deny check advisories` where {ADVISORY_HOST} is reachable"
        ));
    }
    if let Err(e) = ensure_installed() {
        return Outcome::Failed(e);
    }
    eprintln!("xtask: cargo deny check advisories");
    let output = match cmd::tee(&mut cmd::cargo_command(&["deny", "check", "advisories"])) {
        Ok(output) => output,
        Err(e) => return Outcome::Failed(e),
    };
    if output.success {
        return Outcome::Passed;
    }
    let all: Vec<&str> = output
        .stdout
        .iter()
        .chain(&output.stderr)
        .map(String::as_str)
        .collect();
    if is_fetch_failure(&all) {
        Outcome::Skipped(
            "offline: cargo-deny could not fetch the advisory database (see its message above)"
                .to_owned(),
        )
    } else {
        Outcome::Failed(format!(
            "cargo deny check advisories failed ({})",
            output.status
        ))
    }
}

/// Whether `host:port` accepts a TCP connection within `timeout`.
fn reachable(host: &str, port: u16, timeout: Duration) -> Result<(), String> {
    let addresses: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{host} does not resolve: {e}"))?
        .collect();
    let mut last = format!("{host} has no address");
    for address in addresses {
        match TcpStream::connect_timeout(&address, timeout) {
            Ok(_) => return Ok(()),
            Err(e) => last = format!("cannot connect to {address}: {e}"),
        }
    }
    Err(last)
}

/// Whether cargo-deny's output says the database could not be fetched, as opposed to reporting
/// an advisory (which always carries an advisory id and must fail the check).
pub(crate) fn is_fetch_failure(lines: &[&str]) -> bool {
    let reports_advisory = lines
        .iter()
        .any(|l| l.contains("RUSTSEC-") || l.contains("error[vulnerability]"));
    let cannot_fetch = lines.iter().any(|l| {
        let l = l.to_ascii_lowercase();
        [
            "failed to fetch advisory database",
            "failed to fetch",
            "failed to clone",
            "failed to open advisory database",
            "could not resolve host",
            "failed to lookup address",
            "dns error",
            "error sending request",
            "network is unreachable",
        ]
        .iter()
        .any(|needle| l.contains(needle))
    });
    cannot_fetch && !reports_advisory
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_database_is_told_apart_from_a_reported_advisory() {
        assert!(is_fetch_failure(&[
            "2026-11-26 [ERROR] failed to fetch advisory database https://github.com/RustSec/advisory-db: An IO error occurred when talking to the server",
        ]));
        // cargo-deny 0.20.2 behind an unreachable proxy, verbatim.
        assert!(is_fetch_failure(&[
            "2026-11-26 04:49:15 [ERROR] failed to fetch advisory database https://github.com/RustSec/advisory-db with cli: failed to clone: [\"clone\", \"--depth=1\"]",
            "fatal: unable to access 'https://github.com/RustSec/advisory-db/': Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server",
        ]));
        assert!(is_fetch_failure(&[
            "error: dns error: failed to lookup address information"
        ]));
        assert!(!is_fetch_failure(&[
            "error[vulnerability]: Timing variability in example",
            "ID: RUSTSEC-2099-0001",
        ]));
        assert!(!is_fetch_failure(&["advisories FAILED"]));
    }
}
