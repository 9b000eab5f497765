//! [`OsRunner`]: the operating system's process runner — the one adapter in this crate that
//! spawns anything.
//!
//! The child is `sh -c <command line>` on Unix and `cmd.exe /C "<command line>"` on Windows,
//! as aws-config runs `credential_process`. Its stdin is closed, its stderr is this process's
//! stderr, its stdout is read up to the request's cap. On Unix it leads a process group of its
//! own, so a time-out, an oversized output or a dropped call kills the helper's own children
//! too (`killpg`, SIGKILL): a `credential_process` that forks a browser or an agent and hangs
//! leaves nothing behind. (On Windows only the shell itself is killed.)

use std::process::Stdio;

use awsauth_core::{Context, async_trait};
use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};
use zeroize::Zeroizing;

use crate::runner::{ExitStatus, ProcessRequest, RunError, RunOutput, RunProcess};

/// The operating system's runner; what a system process slot means.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRunner;

#[cfg(unix)]
const SHELL: &str = "sh";
#[cfg(windows)]
const SHELL: &str = "cmd.exe";

fn command(request: &ProcessRequest) -> Command {
    let line = request.command_line.expose_secret();
    let mut command = Command::new(SHELL);
    #[cfg(unix)]
    {
        command.arg("-c").arg(line).process_group(0);
    }
    #[cfg(windows)]
    {
        // cmd.exe strips one pair of outer quotes from what follows /C.
        command.arg("/C").raw_arg(format!("\"{line}\""));
    }
    if let Some(vars) = &request.env {
        command.env_clear().envs(vars.iter().map(|(k, v)| (k, v)));
    }
    command.envs(request.extra_env.iter().map(|(k, v)| (k, v)));
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    command
}

/// Kills the child's process group when dropped while armed: on a time-out, an oversized
/// output, or a caller that stopped waiting. Disarmed once the child has been reaped (its
/// process group id could then belong to someone else).
struct Group {
    #[cfg(unix)]
    pid: Option<rustix::process::Pid>,
}

impl Group {
    fn of(child: &Child) -> Self {
        #[cfg(unix)]
        {
            Self {
                pid: child
                    .id()
                    .and_then(|id| rustix::process::Pid::from_raw(i32::try_from(id).ok()?)),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = child;
            Self {}
        }
    }

    fn kill(&mut self) {
        #[cfg(unix)]
        if let Some(pid) = self.pid.take() {
            // The group may be gone already; nothing more to do then.
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
    }

    fn disarm(&mut self) {
        #[cfg(unix)]
        {
            self.pid = None;
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
    }
}

fn status_of(status: std::process::ExitStatus) -> ExitStatus {
    if let Some(code) = status.code() {
        return ExitStatus::Code(code);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return ExitStatus::Signal(signal);
        }
    }
    ExitStatus::Unknown
}

fn io_error(err: &std::io::Error) -> RunError {
    RunError::Io {
        message: err.to_string(),
    }
}

/// Reads at most `limit + 1` bytes: one more than allowed is enough to know it is too much.
async fn read_capped(
    stdout: &mut tokio::process::ChildStdout,
    limit: usize,
) -> Result<Zeroizing<Vec<u8>>, RunError> {
    let mut out = Zeroizing::new(Vec::with_capacity(limit.min(8 * 1024)));
    let mut chunk = Zeroizing::new([0u8; 8 * 1024]);
    loop {
        let n = stdout
            .read(&mut chunk[..])
            .await
            .map_err(|e| io_error(&e))?;
        if n == 0 {
            return Ok(out);
        }
        if out.len() + n > limit {
            return Err(RunError::OutputTooLarge { limit });
        }
        out.extend_from_slice(&chunk[..n]);
    }
}

#[async_trait]
impl RunProcess for OsRunner {
    async fn run(&self, cx: &Context, request: &ProcessRequest) -> Result<RunOutput, RunError> {
        let mut child = command(request).spawn().map_err(|e| RunError::NotStarted {
            shell: SHELL.to_owned(),
            message: e.to_string(),
        })?;
        let mut group = Group::of(&child);
        let Some(mut stdout) = child.stdout.take() else {
            return Err(RunError::Io {
                message: "no stdout pipe".to_owned(),
            });
        };
        let finished = async {
            let out = read_capped(&mut stdout, request.stdout_limit).await?;
            let status = child.wait().await.map_err(|e| io_error(&e))?;
            Ok::<_, RunError>((status, out))
        };
        let result = tokio::select! {
            result = finished => result,
            () = cx.clock().sleep(request.timeout) => Err(RunError::TimedOut { after: request.timeout }),
        };
        match result {
            Ok((status, stdout)) => {
                group.disarm();
                Ok(RunOutput {
                    status: status_of(status),
                    stdout,
                })
            }
            Err(err) => {
                group.kill();
                // Reap it, so no zombie is left; it was just sent SIGKILL.
                let _ = child.kill().await;
                Err(err)
            }
        }
    }
}
