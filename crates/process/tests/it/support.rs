//! Fixtures: contexts, a recording fake runner, scratch directories, a log capture.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use awsauth_core::{Context, CredentialError, ManualClock, MapEnv, async_trait};
use awsauth_process::{ProcessRequest, ProcessRunner, RunError, RunOutput, RunProcess};

/// What every secret planted in a command line or an output contains.
pub(crate) const SECRET: &str = "PlantedSecretDoNotLeak";

/// A fresh credentials document that expires in 2124.
pub(crate) fn good_output() -> String {
    format!(
        r#"{{"Version": 1, "AccessKeyId": "ASIAPROCESS", "SecretAccessKey": "{SECRET}-key",
  "SessionToken": "{SECRET}-token", "Expiration": "2124-01-01T00:00:00Z"}}"#
    )
}

/// A fake runner: answers each run with the next scripted answer (the last one repeats) and
/// records the requests.
#[derive(Debug, Clone, Default)]
pub(crate) struct FakeRunner {
    answers: Arc<Mutex<Vec<Result<RunOutput, RunError>>>>,
    pub(crate) requests: Arc<Mutex<Vec<ProcessRequest>>>,
    pub(crate) runs: Arc<AtomicUsize>,
}

impl FakeRunner {
    pub(crate) fn answering(answers: Vec<Result<RunOutput, RunError>>) -> Self {
        Self {
            answers: Arc::new(Mutex::new(answers)),
            ..Self::default()
        }
    }

    pub(crate) fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl RunProcess for FakeRunner {
    async fn run(&self, _cx: &Context, request: &ProcessRequest) -> Result<RunOutput, RunError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.requests.lock().unwrap().push(request.clone());
        let mut answers = self.answers.lock().unwrap();
        if answers.len() > 1 {
            answers.remove(0)
        } else {
            answers[0].clone()
        }
    }
}

/// A context at 2024-01-01T00:00:00Z with `env` and `runner` in the process slot.
pub(crate) fn cx_with(env: MapEnv, runner: ProcessRunner) -> (Context, ManualClock) {
    let clock = ManualClock::default();
    let cx = Context::builder()
        .env(env)
        .clock(Arc::new(clock.clone()))
        .processes(runner)
        .build();
    (cx, clock)
}

/// The real runner, with a PATH for the shell's tools and nothing else in the environment.
pub(crate) fn os_cx(extra: &[(&str, &str)]) -> (Context, ManualClock) {
    let mut env = MapEnv::from([("PATH", "/usr/local/bin:/usr/bin:/bin")]);
    for (k, v) in extra {
        env = env.set(*k, *v);
    }
    cx_with(env, ProcessRunner::os())
}

/// Asserts that no text of `err` (Display, Debug, message) contains `needle`.
pub(crate) fn assert_not_in_error(err: &CredentialError, needle: &str) {
    for text in [err.to_string(), format!("{err:?}"), err.message()] {
        assert!(!text.contains(needle), "{needle} leaked: {text}");
    }
}

/// A scratch directory, removed when dropped.
pub(crate) struct Scratch(PathBuf);

impl Scratch {
    pub(crate) fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "awsauth-process-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    /// Writes an executable shell script and answers its path.
    pub(crate) fn script(&self, name: &str, body: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        path.display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `fut` while advancing `clock` by `step` every few milliseconds of real time, until it
/// ends (a hang guard of 30 real seconds fails the test instead of hanging it).
pub(crate) async fn advancing<T>(
    clock: &ManualClock,
    step: Duration,
    fut: impl std::future::Future<Output = T>,
) -> T {
    let ticker = async {
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            clock.advance(step);
        }
    };
    tokio::time::timeout(Duration::from_secs(30), async {
        tokio::select! {
            out = fut => out,
            () = ticker => unreachable!(),
        }
    })
    .await
    .expect("the run should have ended once the injected clock passed its time-out")
}

/// The workspace's one log capture (testkit), under the name these tests use.
pub(crate) use awsauth_testkit::LogCapture as Captured;
