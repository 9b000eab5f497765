//! # awsauth-process
//!
//! `credential_process`: an external program that prints AWS credentials as JSON, run the way
//! the AWS SDKs run it — and bounded, which they are not.
//!
//! - [`ProcessSource`] runs one command line and reads its output (`Version` 1,
//!   `AccessKeyId`, `SecretAccessKey`, optional `SessionToken`, `Expiration` and
//!   `AccountId`; see [`parse_output`]).
//! - Spawning goes through the [`Context`](awsauth_core::Context)'s process slot, which holds a
//!   [`ProcessRunner`]: closed in a test context (the source fails, saying so), the real
//!   operating system's runner ([`os`]) in `Context::system()`, or whatever a caller installed —
//!   a fake, or [`ProcessRunner::refusing`] for a server whose policy forbids programs.
//! - The command line is a secret (people put tokens in it): only the program's name
//!   ([`awsauth_core::program_name`]) reaches `Debug`, errors, logs and plans.
//! - The child: `sh -c <command line>` on Unix, `cmd.exe /C` on Windows; stdin closed; stderr
//!   passed through to this process's stderr (never into an error); the environment is the
//!   context's ([`Env::child_env`](awsauth_core::Env::child_env): a test's `MapEnv` exactly, the
//!   real environment under `Context::system()`); a time-out ([`DEFAULT_TIMEOUT`], by the
//!   context's clock) and an output cap ([`MAX_STDOUT`]) after which its whole process group
//!   is killed.
#![forbid(unsafe_code)]

pub mod os;
mod output;
mod runner;
mod source;

pub use output::{ProcessOutputError, parse_output};
pub use runner::{ExitStatus, ProcessRequest, ProcessRunner, RunError, RunOutput, RunProcess};
pub use source::{
    DEFAULT_TIMEOUT, ENV_PROCESS_DEPTH, MAX_PROCESS_DEPTH, MAX_STDOUT, ProcessSource,
};
