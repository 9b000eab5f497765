//! The built `awsauth` binary, run as a user runs it: a cleared environment plus explicit
//! variables pointing at the testkit fakes, started in this test process on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod curl;
mod demo;
mod docs;
mod exec;
mod explain;
mod login;
mod logs;
mod process;
mod profiles;
mod resolve;
mod serve;
mod sso;
mod whoami;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use awsauth_testkit::{FakeImds, FakeSts, RoleRule};
use serde_json::Value;

/// A key pair the fake STS accepts signatures from.
pub(crate) const KEY_ID: &str = "AKIATESTCLI000000001";
pub(crate) const SECRET: &str = "cli-test-secret-key-0123456789";
/// The role that demands an external ID.
pub(crate) const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/reader";
pub(crate) const EXTERNAL_ID: &str = "tenant-42";
/// The web identity token written to the token file (no 12-character run of it is an
/// innocent word the logs hold, so the leak scan can search every part of it).
pub(crate) const WEB_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.Y2xpLXRlc3Q.c2lnbmF0dXJl";

/// The fakes, on a runtime of their own that keeps serving while a test waits for the binary.
pub(crate) struct Fakes {
    pub(crate) imds: FakeImds,
    pub(crate) sts: FakeSts,
    _runtime: tokio::runtime::Runtime,
}

impl Fakes {
    pub(crate) fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (imds, sts) = runtime.block_on(async {
            (
                FakeImds::start().await.unwrap(),
                FakeSts::start().await.unwrap(),
            )
        });
        sts.add_key(KEY_ID, SECRET).add_role(
            ROLE_ARN,
            RoleRule {
                external_id: Some(EXTERNAL_ID.to_owned()),
            },
        );
        Self {
            imds,
            sts,
            _runtime: runtime,
        }
    }
}

/// A fresh directory under cargo's temporary directory for tests, used as `HOME`.
pub(crate) struct Home(PathBuf);

impl Home {
    pub(crate) fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "cli-it-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(path.join(".aws")).unwrap();
        Self(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `relative` (mode 600) and returns its path.
    pub(crate) fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        path
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One run of the binary.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    pub(crate) fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub(crate) fn assert_no(&self, secrets: &[&str]) -> &Self {
        for secret in secrets {
            assert!(
                !self.stdout.contains(secret) && !self.stderr.contains(secret),
                "{secret:?} leaked\nstdout: {}\nstderr: {}",
                self.stdout,
                self.stderr
            );
        }
        self
    }
}

/// Runs `awsauth args…` with only `env` set (plus IMDS switched off unless `env` names an
/// endpoint, so nothing waits on 169.254.169.254).
pub(crate) fn awsauth(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_awsauth"));
    command.args(args).env_clear();
    if !env
        .iter()
        .any(|(k, _)| *k == "AWS_EC2_METADATA_SERVICE_ENDPOINT")
    {
        command.env("AWS_EC2_METADATA_DISABLED", "true");
    }
    command.envs(env.iter().copied());
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}
