//! [`ProcessRunner`]: what the [`Context`]'s process slot holds, and the [`RunProcess`] seam
//! behind it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use awsauth_core::{Context, SecretString, Service, async_trait, program_name};
use zeroize::Zeroizing;

/// One command line to run, with its bounds.
#[derive(Clone)]
#[non_exhaustive]
pub struct ProcessRequest {
    /// The whole command line, as the profile wrote it. A secret: never printed.
    pub command_line: SecretString,
    /// The child's environment: `Some` is exactly these variables, `None` inherits this
    /// process's (see [`Env::child_env`](awsauth_core::Env::child_env)).
    pub env: Option<Vec<(String, String)>>,
    /// Variables set for the child on top of [`env`](Self::env) (the nesting depth).
    pub extra_env: Vec<(String, String)>,
    /// How long the child may run, by the context's clock.
    pub timeout: Duration,
    /// How many bytes of stdout are read at most; a child that prints more is killed.
    pub stdout_limit: usize,
}

impl ProcessRequest {
    /// A request for `command_line` in the environment of `cx`, with these bounds.
    pub fn new(
        cx: &Context,
        command_line: SecretString,
        timeout: Duration,
        stdout_limit: usize,
    ) -> Self {
        Self {
            command_line,
            env: cx.env().child_env(),
            extra_env: Vec::new(),
            timeout,
            stdout_limit,
        }
    }

    /// The program the command line runs (its first word), the one part that may be shown.
    pub fn program(&self) -> String {
        program_name(self.command_line.expose_secret())
    }
}

impl fmt::Debug for ProcessRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Variable names only: the values are the environment's, credentials among them.
        let env: Option<Vec<&str>> = self
            .env
            .as_ref()
            .map(|vars| vars.iter().map(|(k, _)| k.as_str()).collect());
        f.debug_struct("ProcessRequest")
            .field("program", &self.program())
            .field("arguments", &format_args!("** not shown **"))
            .field("env", &env)
            .field("extra_env", &self.extra_env)
            .field("timeout", &self.timeout)
            .field("stdout_limit", &self.stdout_limit)
            .finish()
    }
}

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExitStatus {
    /// It exited with this code.
    Code(i32),
    /// A signal ended it (Unix).
    Signal(i32),
    /// The platform did not say.
    Unknown,
}

impl ExitStatus {
    /// True for exit code 0.
    pub fn success(self) -> bool {
        self == Self::Code(0)
    }
}

impl fmt::Display for ExitStatus {
    /// `exit status 1`, `killed by signal 9`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Code(code) => write!(f, "exit status {code}"),
            Self::Signal(signal) => write!(f, "killed by signal {signal}"),
            Self::Unknown => f.write_str("an unknown exit status"),
        }
    }
}

/// What a child left behind: how it ended and what it printed on stdout (zeroized on drop: it
/// is credentials).
#[derive(Clone)]
#[non_exhaustive]
pub struct RunOutput {
    /// How it ended.
    pub status: ExitStatus,
    /// Its stdout, at most the request's limit.
    pub stdout: Zeroizing<Vec<u8>>,
}

impl RunOutput {
    /// An output, as a fake runner makes one.
    pub fn new(status: ExitStatus, stdout: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            stdout: Zeroizing::new(stdout.into()),
        }
    }
}

impl fmt::Debug for RunOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunOutput")
            .field("status", &self.status)
            .field("stdout_len", &self.stdout.len())
            .finish()
    }
}

/// Why a command did not run to its end. Messages never hold the command line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The context's process slot is closed.
    #[error(
        "this context cannot run programs (its process slot is closed; install a ProcessRunner, or use Context::system())"
    )]
    NoRunner,
    /// The runner in the context refuses every program (a server's policy).
    #[error("running programs is turned off: {reason}")]
    Refused {
        /// Why, naming the setting that turned it off.
        reason: String,
    },
    /// The shell could not be started.
    #[error("the shell ({shell}) could not be started: {message}")]
    NotStarted {
        /// `sh` or `cmd.exe`.
        shell: String,
        /// The operating system's reason.
        message: String,
    },
    /// The child ran longer than allowed and was killed (with its process group).
    #[error("it ran longer than {} and was killed with its process group", secs(*.after))]
    TimedOut {
        /// The time-out.
        after: Duration,
    },
    /// The child printed more than allowed and was killed (with its process group).
    #[error("it printed more than {limit} bytes on stdout and was killed with its process group")]
    OutputTooLarge {
        /// The cap.
        limit: usize,
    },
    /// Reading its output or waiting for it failed.
    #[error("reading its output failed: {message}")]
    Io {
        /// The operating system's reason.
        message: String,
    },
}

fn secs(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// Runs a command line: the operating system's runner ([`os::OsRunner`](crate::os::OsRunner)),
/// or a fake in tests.
///
/// An implementation must keep the request's bounds (its time-out by the context's clock, its
/// stdout cap) and must not put the command line into anything it returns or logs.
#[async_trait]
pub trait RunProcess: Send + Sync + fmt::Debug {
    /// Runs `request` to its end.
    async fn run(&self, cx: &Context, request: &ProcessRequest) -> Result<RunOutput, RunError>;
}

/// What the [`Context`]'s process slot holds for this crate: a shared [`RunProcess`].
///
/// ```
/// use awsauth_core::Context;
/// use awsauth_process::{ProcessRunner, RunError};
/// // A test context can run nothing until a runner is installed.
/// let closed = Context::builder().build();
/// assert_eq!(ProcessRunner::from_context(&closed).unwrap_err(), RunError::NoRunner);
/// // Installing the real one is explicit.
/// let cx = Context::builder().processes(ProcessRunner::os()).build();
/// assert!(ProcessRunner::from_context(&cx).is_ok());
/// ```
#[derive(Clone)]
pub struct ProcessRunner {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Run(Arc<dyn RunProcess>),
    Refuse(Arc<str>),
}

impl fmt::Debug for ProcessRunner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Run(inner) => f.debug_tuple("ProcessRunner").field(inner).finish(),
            Kind::Refuse(reason) => f
                .debug_struct("ProcessRunner")
                .field("refusing", reason)
                .finish(),
        }
    }
}

impl ProcessRunner {
    /// A runner from an implementation (a fake, a wrapper that records).
    pub fn new(runner: impl RunProcess + 'static) -> Self {
        Self {
            kind: Kind::Run(Arc::new(runner)),
        }
    }

    /// The operating system's runner, [`os::OsRunner`](crate::os::OsRunner).
    pub fn os() -> Self {
        Self::new(crate::os::OsRunner)
    }

    /// A runner that runs nothing and answers [`RunError::Refused`] with `reason` — what a
    /// server installs when its policy forbids `credential_process` (`reason` names the
    /// setting).
    pub fn refusing(reason: impl Into<String>) -> Self {
        Self {
            kind: Kind::Refuse(Arc::from(reason.into())),
        }
    }

    /// The runner of `cx`'s process slot: the installed one, the operating system's for a
    /// system slot, [`RunError::NoRunner`] for a closed slot (never a global).
    pub fn from_context(cx: &Context) -> Result<Self, RunError> {
        match cx.processes::<Self>() {
            Service::Installed(runner) => Ok(runner.clone()),
            Service::System => Ok(Self::os()),
            Service::Closed => Err(RunError::NoRunner),
        }
    }

    /// Whether a program could be run at all (nothing is run to find out): the
    /// [`RunError`] a run would end with for a closed slot or a [`refusing`](Self::refusing)
    /// runner.
    pub fn check(cx: &Context) -> Result<(), RunError> {
        match Self::from_context(cx)?.kind {
            Kind::Run(_) => Ok(()),
            Kind::Refuse(reason) => Err(RunError::Refused {
                reason: reason.to_string(),
            }),
        }
    }

    /// Runs `request`.
    pub async fn run(&self, cx: &Context, request: &ProcessRequest) -> Result<RunOutput, RunError> {
        match &self.kind {
            Kind::Run(inner) => inner.run(cx, request).await,
            Kind::Refuse(reason) => Err(RunError::Refused {
                reason: reason.to_string(),
            }),
        }
    }
}
