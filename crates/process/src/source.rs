//! [`ProcessSource`]: credentials from a `credential_process` command line.

use std::fmt;
use std::time::Duration;

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, SecretString,
    Status, Step, async_trait, program_name,
};

use crate::output::parse_output;
use crate::runner::{ExitStatus, ProcessRequest, ProcessRunner, RunError};

/// How long a program may run before it is killed, unless set in code: 60 seconds. (AWS
/// defines no profile key for it, and awsauth invents none.)
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The most a program may print on stdout: 1 MiB (an answer is a few hundred bytes).
pub const MAX_STDOUT: usize = 1024 * 1024;

/// How deep `credential_process` programs run inside one another: set for every child (one
/// more than in this process's environment). A profile whose program runs awsauth for a
/// profile that runs the same program again would otherwise nest without end — each level in
/// a process group of its own, out of reach of the outer time-out.
pub const ENV_PROCESS_DEPTH: &str = "AWSAUTH_CREDENTIAL_PROCESS_DEPTH";

/// Deeper than this, a `credential_process` is refused.
pub const MAX_PROCESS_DEPTH: u32 = 3;

/// Credentials printed by an external program, the `credential_process` of a profile.
///
/// Each [`provide`](CredentialSource::provide) runs the command line once (put a
/// [cache](awsauth_core::CachedSource) in front: it runs it again before `Expiration`; output
/// without `Expiration` is long-term keys) through the [`ProcessRunner`] in the context's
/// process slot. Every failure is [`ProviderFailed`](CredentialError::ProviderFailed) naming
/// the profile, the program and what went wrong — the exit status, the time-out, the output
/// cap, the field — but never the command line's arguments, the output or the program's
/// stderr (which goes to this process's stderr). A context that cannot run programs (a closed
/// slot, a server's policy) is `InvalidConfiguration`, found by [`plan`](CredentialSource::plan)
/// too, without running anything.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use awsauth_core::{Context, CredentialSource, ErrorKind};
/// use awsauth_process::{ProcessRunner, ProcessSource};
/// let source = ProcessSource::new("vault-helper aws --token s3cr3t").profile("dev");
/// assert_eq!(source.plan(&Context::builder().processes(ProcessRunner::os()).build()).unwrap().to_string(),
///            "credential_process: run vault-helper (arguments not shown)");
/// assert!(!format!("{source:?}").contains("s3cr3t"));
///
/// // A context without a runner fails before anything runs.
/// let err = source.provide(&Context::builder().build()).await.unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
/// assert!(err.to_string().contains(r#"profile "dev" sets credential_process (vault-helper)"#));
/// # });
/// ```
#[derive(Clone)]
pub struct ProcessSource {
    name: String,
    profile: Option<String>,
    command_line: SecretString,
    program: String,
    account_id: Option<String>,
    timeout: Duration,
    stdout_limit: usize,
}

impl fmt::Debug for ProcessSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessSource")
            .field("name", &self.name)
            .field("program", &self.program)
            .field("arguments", &format_args!("** not shown **"))
            .field("account_id", &self.account_id)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ProcessSource {
    /// A source that runs `command_line` (the whole `credential_process` value). Named
    /// `credential_process` until [`profile`](Self::profile) names it.
    pub fn new(command_line: impl Into<SecretString>) -> Self {
        let command_line = command_line.into();
        let program = program_name(command_line.expose_secret());
        Self {
            name: "credential_process".to_owned(),
            profile: None,
            command_line,
            program,
            account_id: None,
            timeout: DEFAULT_TIMEOUT,
            stdout_limit: MAX_STDOUT,
        }
    }

    /// The profile the command line comes from: the source is then named `profile:<name>`,
    /// and errors say `profile "<name>"`.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.name = format!("profile:{name}");
        self.profile = Some(name);
        self
    }

    /// The account of the credentials when the output has no `AccountId` (the profile's
    /// `aws_account_id`).
    pub fn account_id(mut self, account_id: Option<String>) -> Self {
        self.account_id = account_id.filter(|a| !a.trim().is_empty());
        self
    }

    /// How long the program may run (default [`DEFAULT_TIMEOUT`]) before it and its process
    /// group are killed.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The program's name (the first word of the command line), the one part of it shown.
    pub fn program(&self) -> &str {
        &self.program
    }

    /// `profile "dev" sets credential_process (helper)`, or `credential_process (helper)`.
    fn what(&self) -> String {
        match &self.profile {
            Some(profile) => format!(
                "profile \"{profile}\" sets credential_process ({})",
                self.program
            ),
            None => format!("credential_process ({})", self.program),
        }
    }

    /// `profile "dev": credential_process helper`, the subject of a failure.
    fn subject(&self) -> String {
        match &self.profile {
            Some(profile) => format!("profile \"{profile}\": credential_process {}", self.program),
            None => format!("credential_process {}", self.program),
        }
    }

    fn unavailable(&self, err: &RunError) -> CredentialError {
        CredentialError::invalid_configuration(&self.name, format!("{}, but {err}", self.what()))
    }

    fn failed(&self, err: RunError) -> CredentialError {
        match err {
            RunError::NoRunner | RunError::Refused { .. } => self.unavailable(&err),
            RunError::TimedOut { after } => {
                CredentialError::timed_out(&self.name, format!("{}: {err}", self.subject()), after)
            }
            RunError::NotStarted { .. } | RunError::OutputTooLarge { .. } | RunError::Io { .. } => {
                CredentialError::provider_failed(&self.name, format!("{}: {err}", self.subject()))
            }
        }
    }

    fn exited(&self, status: ExitStatus) -> CredentialError {
        // The shells' "command not found" and "not executable" codes deserve a hint.
        let hint = match status {
            ExitStatus::Code(127) | ExitStatus::Code(9009) => {
                " (the shell did not find the program: check its path and PATH)"
            }
            ExitStatus::Code(126) => " (the program is not executable)",
            _ => "",
        };
        CredentialError::provider_failed(
            &self.name,
            format!(
                "{} exited with {status}{hint}; its stderr, if any, is in this program's stderr",
                self.subject()
            ),
        )
    }
}

#[async_trait]
impl CredentialSource for ProcessSource {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        let runner = ProcessRunner::from_context(cx).map_err(|e| self.unavailable(&e))?;
        let depth = cx
            .env_nonblank(ENV_PROCESS_DEPTH)
            .and_then(|d| d.parse::<u32>().ok())
            .unwrap_or(0);
        if depth >= MAX_PROCESS_DEPTH {
            return Err(CredentialError::provider_failed(
                &self.name,
                format!(
                    "{}: refused to run: credential_process programs are nested {depth} deep \
                     ({ENV_PROCESS_DEPTH}); does the program run awsauth for a profile that \
                     runs it again?",
                    self.subject()
                ),
            ));
        }
        let mut request = ProcessRequest::new(
            cx,
            self.command_line.clone(),
            self.timeout,
            self.stdout_limit,
        );
        request.extra_env = vec![(ENV_PROCESS_DEPTH.to_owned(), (depth + 1).to_string())];
        tracing::debug!(source = %self.name, program = %self.program, "running credential_process");
        let output = runner.run(cx, &request).await.map_err(|e| self.failed(e))?;
        if !output.status.success() {
            return Err(self.exited(output.status));
        }
        parse_output(
            &output.stdout,
            self.account_id.as_deref(),
            cx.now(),
            &format!("process:{}", self.program),
        )
        .map_err(|e| {
            CredentialError::provider_failed(&self.name, format!("{}: {e}", self.subject()))
                .with_cause(e)
        })
    }

    fn name(&self) -> &str {
        &self.name
    }

    /// The program's name; fails as `provide` would when the context cannot run programs.
    /// Runs nothing.
    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        ProcessRunner::check(cx).map_err(|e| self.unavailable(&e))?;
        Ok(Plan::new(Step::CredentialProcess {
            program: self.program.clone(),
        }))
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        match ProcessRunner::check(cx) {
            Ok(()) => vec![Explanation::new(
                &self.name,
                Status::Configured,
                format!(
                    "{} (arguments not shown); it runs on each refresh, for at most {}s",
                    self.what(),
                    self.timeout.as_secs()
                ),
            )],
            Err(err) => vec![Explanation::new(
                &self.name,
                Status::Invalid,
                self.unavailable(&err).message(),
            )],
        }
    }
}
