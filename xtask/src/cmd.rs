//! Running cargo and other programs from the workspace root, and reading command-line flags.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The workspace root: the parent of this crate's directory.
pub(crate) fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or(manifest_dir)
}

/// The cargo that runs us (`$CARGO`), so `cargo +toolchain xtask` stays on that toolchain.
pub(crate) fn cargo_program() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// A `cargo` command in the workspace root.
pub(crate) fn cargo_command<S: AsRef<OsStr>>(args: &[S]) -> Command {
    let mut command = Command::new(cargo_program());
    command.args(args).current_dir(workspace_root());
    command
}

/// Runs cargo with `args` (and extra environment) in the workspace root, streaming its output.
pub(crate) fn cargo<S: AsRef<str>>(args: &[S], env: &[(&str, &str)]) -> Result<(), String> {
    let shown = join(args);
    eprintln!("xtask: cargo {shown}");
    let status = cargo_command(&args.iter().map(AsRef::as_ref).collect::<Vec<_>>())
        .envs(env.iter().copied())
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {shown} failed ({status})"))
    }
}

/// What a command printed, captured while it was also shown to the user.
#[derive(Debug)]
pub(crate) struct Teed {
    /// Whether the command exited successfully.
    pub(crate) success: bool,
    /// Its exit status, for messages.
    pub(crate) status: String,
    /// Every line it wrote to stdout.
    pub(crate) stdout: Vec<String>,
    /// Every line it wrote to stderr.
    pub(crate) stderr: Vec<String>,
}

/// Runs `command`, echoing its stdout and stderr line by line as they arrive and keeping both.
pub(crate) fn tee(command: &mut Command) -> Result<Teed, String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {:?}: {e}", command.get_program()))?;
    let stderr = child.stderr.take();
    // stderr on its own thread, so neither pipe can fill up and stall the child.
    let stderr_lines = std::thread::spawn(move || {
        let mut lines = Vec::new();
        if let Some(stderr) = stderr {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{line}");
                lines.push(line);
            }
        }
        lines
    });
    let mut stdout_lines = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            stdout_lines.push(line);
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for {:?}: {e}", command.get_program()))?;
    let stderr = stderr_lines.join().unwrap_or_default();
    Ok(Teed {
        success: status.success(),
        status: status.to_string(),
        stdout: stdout_lines,
        stderr,
    })
}

/// The arguments of a command: its own flags, and everything after `--` for the tool it runs.
#[derive(Debug, Default)]
pub(crate) struct Args {
    own: Vec<String>,
    passthrough: Vec<String>,
}

impl Args {
    /// Splits `args` at the first `--`.
    pub(crate) fn new(args: &[String]) -> Self {
        match args.iter().position(|a| a == "--") {
            Some(i) => Self {
                own: args.iter().take(i).cloned().collect(),
                passthrough: args.iter().skip(i + 1).cloned().collect(),
            },
            None => Self {
                own: args.to_vec(),
                passthrough: Vec::new(),
            },
        }
    }

    /// Everything after `--`.
    pub(crate) fn passthrough(&self) -> &[String] {
        &self.passthrough
    }

    /// Removes `flag` if present and says whether it was.
    pub(crate) fn flag(&mut self, flag: &str) -> bool {
        let before = self.own.len();
        self.own.retain(|a| a != flag);
        self.own.len() != before
    }

    /// Removes every `option VALUE` pair (or `option=VALUE`) and returns the values.
    pub(crate) fn values(&mut self, option: &str) -> Result<Vec<String>, String> {
        let mut values = Vec::new();
        let mut rest = Vec::new();
        let mut iter = std::mem::take(&mut self.own).into_iter();
        while let Some(arg) = iter.next() {
            if arg == option {
                match iter.next() {
                    Some(value) => values.push(value),
                    None => return Err(format!("{option} needs a value")),
                }
            } else if let Some(value) = arg.strip_prefix(option).and_then(|v| v.strip_prefix('=')) {
                values.push(value.to_owned());
            } else {
                rest.push(arg);
            }
        }
        self.own = rest;
        Ok(values)
    }

    /// Removes and returns the next positional argument (one not starting with `-`).
    pub(crate) fn positional(&mut self) -> Option<String> {
        let index = self.own.iter().position(|a| !a.starts_with('-'))?;
        Some(self.own.remove(index))
    }

    /// Fails when anything is left that the command did not take.
    pub(crate) fn finish(self, usage: &str) -> Result<(), String> {
        if self.own.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "unexpected argument(s): {}\n\nusage: {usage}",
                self.own.join(" ")
            ))
        }
    }
}

/// `args` joined with spaces, for messages.
pub(crate) fn join<S: AsRef<str>>(args: &[S]) -> String {
    args.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::Args;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn flags_values_and_passthrough_are_separated() {
        let mut parsed = Args::new(&args(&[
            "--skip",
            "doc",
            "--no-interop",
            "--skip=deny",
            "--",
            "--skip",
            "x",
        ]));
        assert!(parsed.flag("--no-interop"));
        assert!(!parsed.flag("--fail-fast"));
        assert_eq!(parsed.values("--skip").unwrap(), ["doc", "deny"]);
        assert_eq!(parsed.passthrough(), ["--skip", "x"]);
        assert!(parsed.finish("ci").is_ok());
    }

    #[test]
    fn leftover_arguments_are_an_error_naming_them() {
        let mut parsed = Args::new(&args(&["plan", "--bogus"]));
        assert_eq!(parsed.positional().as_deref(), Some("plan"));
        let err = parsed.finish("release plan").unwrap_err();
        assert!(err.contains("--bogus"), "{err}");
    }

    #[test]
    fn an_option_without_its_value_is_an_error() {
        let mut parsed = Args::new(&args(&["--skip"]));
        assert!(parsed.values("--skip").is_err());
    }
}
