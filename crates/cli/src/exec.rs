//! `awsauth exec -- COMMAND…`: the credentials server on an ephemeral loopback port, and one
//! command run with it.
//!
//! The child's environment points at the server (`AWS_CONTAINER_CREDENTIALS_FULL_URI`,
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`) and holds nothing an SDK would read *before* the
//! container provider: the key variables, `AWS_PROFILE`, web identity, and the shared files
//! themselves (pointed at an empty file) are removed, so the child gets the served identity or
//! none — never another one. The session's region is passed as `AWS_REGION`. SIGINT, SIGTERM
//! and SIGHUP are forwarded; awsauth exits with the child's status (128 + N for a signal).

use std::process::Stdio;

use awsauth::Context;

use crate::Done;
use crate::args::ExecArgs;
use crate::error::CliError;
use crate::serve::{Token, parse_bind, prepare, start};

/// Variables that would take precedence over the container provider, or point it elsewhere.
pub(crate) const REMOVED: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
];

#[cfg(unix)]
const EMPTY_FILE: &str = "/dev/null";
#[cfg(not(unix))]
const EMPTY_FILE: &str = "NUL";

/// `awsauth exec`.
pub(crate) async fn exec(args: &ExecArgs, cx: &Context) -> Result<Done, CliError> {
    let Some((program, rest)) = args.command.split_first() else {
        return Err(CliError::usage("name a command after `--`"));
    };
    let (source, region) = prepare(&args.source, cx).await?;
    let token = Token::generate()?;
    let secret = token.expose().to_owned();
    let addr = parse_bind("127.0.0.1:0")?;
    let running = start(addr, source, cx.clone(), token, &args.listen).await?;

    let mut command = tokio::process::Command::new(program);
    command
        .args(rest)
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    for name in REMOVED {
        command.env_remove(name);
    }
    command
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", running.full_uri())
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &secret)
        .env("AWS_SHARED_CREDENTIALS_FILE", EMPTY_FILE)
        .env("AWS_CONFIG_FILE", EMPTY_FILE);
    if let Some(region) = &region {
        command
            .env("AWS_REGION", region)
            .env("AWS_DEFAULT_REGION", region);
    }
    // Listening before the child exists: a signal sent as soon as the child is seen running
    // must be forwarded, not kill awsauth and orphan the child.
    let signals = Forwarded::listen();
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            let shown = program.to_string_lossy();
            // A shell's codes: 127 not found, 126 found but not runnable.
            let status = if err.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            };
            eprintln!("awsauth: cannot run {shown}: {err}");
            return Ok(Done {
                stdout: String::new(),
                failure: None,
                status: Some(status),
            });
        }
    };
    drop(secret);
    let status = signals.wait_forwarding(&mut child).await;
    running.shutdown();
    Ok(Done {
        stdout: String::new(),
        failure: None,
        status: Some(status),
    })
}

/// The signals forwarded to the child.
struct Forwarded {
    #[cfg(unix)]
    streams: Vec<(tokio::signal::unix::Signal, nix::sys::signal::Signal)>,
}

impl Forwarded {
    fn listen() -> Self {
        #[cfg(unix)]
        {
            use nix::sys::signal::Signal;
            use tokio::signal::unix::{SignalKind, signal};
            let mut streams = Vec::new();
            for (kind, sig) in [
                (SignalKind::interrupt(), Signal::SIGINT),
                (SignalKind::terminate(), Signal::SIGTERM),
                (SignalKind::hangup(), Signal::SIGHUP),
            ] {
                if let Ok(stream) = signal(kind) {
                    streams.push((stream, sig));
                }
            }
            Self { streams }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Waits for the child, forwarding each signal received meanwhile; its exit code.
    #[cfg(unix)]
    async fn wait_forwarding(mut self, child: &mut tokio::process::Child) -> u8 {
        use nix::sys::signal::kill;
        use nix::unistd::Pid;
        let pid = child.id().and_then(|id| i32::try_from(id).ok());
        loop {
            let streams = &mut self.streams;
            let received = std::future::poll_fn(|cx| {
                for (stream, sig) in streams.iter_mut() {
                    if stream.poll_recv(cx).is_ready() {
                        return std::task::Poll::Ready(*sig);
                    }
                }
                std::task::Poll::Pending
            });
            tokio::select! {
                status = child.wait() => return exit_code(status),
                sig = received => {
                    if let Some(pid) = pid {
                        let _ = kill(Pid::from_raw(pid), sig);
                    }
                }
            }
        }
    }

    /// Ctrl-C reaches the whole console group on Windows; only wait.
    #[cfg(not(unix))]
    async fn wait_forwarding(self, child: &mut tokio::process::Child) -> u8 {
        exit_code(child.wait().await)
    }
}

fn exit_code(status: std::io::Result<std::process::ExitStatus>) -> u8 {
    let Ok(status) = status else {
        return 1;
    };
    if let Some(code) = status.code() {
        return u8::try_from(code & 0xff).unwrap_or(1);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return u8::try_from(128 + signal).unwrap_or(1);
        }
    }
    1
}
