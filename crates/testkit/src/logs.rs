//! [`LogCapture`]: everything `tracing` logs, as text, for a test to read and to search for
//! secrets with the [`SecretScan`](crate::SecretScan).
//!
//! Two traps make a log capture pass when it should fail, and this type closes both:
//!
//! - **A callsite that cached "never".** `tracing` remembers per callsite whether any
//!   subscriber wants it. A callsite first hit by a parallel test while no subscriber listened
//!   stays silent for every later capture. [`LogCapture::install`] and [`LogCapture::dispatch`]
//!   first install (once per process) a global subscriber that keeps every callsite of
//!   interest, then rebuild the interest cache.
//! - **A capture that saw nothing.** A subscriber installed on one thread does not see code
//!   running on another (a multi-threaded runtime's workers). [`LogCapture::assert_no_secrets`]
//!   fails when nothing at all was captured, instead of passing.
//!
//! ```
//! use awsauth_testkit::LogCapture;
//!
//! let (logs, guard) = LogCapture::start();
//! tracing::debug!(key_id = "AKIDEXAMPLE", "resolved from the environment");
//! drop(guard);
//! assert!(logs.contains("resolved from the environment"));
//! logs.assert_no_secrets(["wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"]);
//! ```
//!
//! On a multi-threaded runtime, give every worker the capture's [`dispatch`](LogCapture::dispatch)
//! (`tokio::runtime::Builder::on_thread_start` with `tracing::dispatcher::set_default`).

use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard, Once};

use tracing::subscriber::DefaultGuard;
use tracing::{Dispatch, Level};

use crate::leaks::{Leak, SecretScan};

/// Everything logged (at [`Level::TRACE`] unless chosen otherwise) while installed, plus
/// whatever the test [`record`](Self::record)s. Clones share one buffer.
#[derive(Clone)]
pub struct LogCapture {
    buf: Arc<Mutex<Vec<u8>>>,
    level: Level,
}

impl Default for LogCapture {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for LogCapture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The buffer may hold the very secrets a test searches for.
        f.debug_struct("LogCapture")
            .field("level", &self.level)
            .finish_non_exhaustive()
    }
}

impl LogCapture {
    /// An empty capture of every level.
    pub fn new() -> Self {
        Self::at(Level::TRACE)
    }

    /// An empty capture of `level` and above (`Level::WARN`: warnings and errors only).
    pub fn at(level: Level) -> Self {
        Self {
            buf: Arc::default(),
            level,
        }
    }

    /// A capture of every level, installed on this thread until the guard is dropped.
    pub fn start() -> (Self, DefaultGuard) {
        let capture = Self::new();
        let guard = capture.install();
        (capture, guard)
    }

    /// Installs the capture on this thread until the guard is dropped. With
    /// `#[tokio::test]` (a current-thread runtime) that includes spawned tasks.
    pub fn install(&self) -> DefaultGuard {
        let guard = tracing::dispatcher::set_default(&self.dispatch());
        // Callsites first hit while no subscriber listened may have cached "never".
        tracing::callsite::rebuild_interest_cache();
        guard
    }

    /// Runs `f` with the capture installed on this thread.
    pub fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
        let _guard = self.install();
        f()
    }

    /// A subscriber that writes every event here (level, target, spans and fields; no time,
    /// no colours), for threads the test does not run itself.
    pub fn dispatch(&self) -> Dispatch {
        listen_everywhere();
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(self.level)
            .with_ansi(false)
            .with_target(true)
            .without_time()
            .with_writer(move || writer.clone())
            .finish();
        Dispatch::new(subscriber)
    }

    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        self.buf.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends `[label] text` (one or more lines) to what is searched.
    pub fn record(&self, label: &str, text: impl fmt::Display) {
        let mut buf = self.lock();
        let _ = writeln!(buf, "[{label}] {text}");
    }

    /// Records a value's `Debug` and pretty `Debug`.
    pub fn record_debug(&self, label: &str, value: &impl fmt::Debug) {
        self.record(label, format_args!("{value:?}"));
        self.record(label, format_args!("{value:#?}"));
    }

    /// Records an error's `Display` and `Debug`, and those of every cause.
    pub fn record_error(&self, label: &str, err: &(dyn std::error::Error + 'static)) {
        let mut cause = Some(err);
        while let Some(inner) = cause {
            self.record(label, inner);
            self.record_debug(label, &inner);
            cause = inner.source();
        }
    }

    /// Records an outcome: the value's `Debug`, or the error's texts.
    pub fn record_result<T: fmt::Debug, E: std::error::Error + 'static>(
        &self,
        label: &str,
        result: &Result<T, E>,
    ) {
        match result {
            Ok(value) => self.record_debug(label, value),
            Err(err) => self.record_error(label, err),
        }
    }

    /// Everything captured so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.lock()).into_owned()
    }

    /// Everything captured so far, leaving the capture empty (its buffer freed): a long test
    /// scans its log in parts instead of holding all of it.
    pub fn take(&self) -> String {
        let buf = std::mem::take(&mut *self.lock());
        String::from_utf8_lossy(&buf).into_owned()
    }

    /// The captured lines.
    pub fn lines(&self) -> Vec<String> {
        self.text().lines().map(str::to_owned).collect()
    }

    /// True when some captured line contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        self.text().contains(needle)
    }

    /// The lines that hold one of the scan's secrets (in any form it searches).
    pub fn leaks(&self, scan: &SecretScan) -> Vec<Leak> {
        scan.find(&self.text())
    }

    /// Panics when a captured line holds one of `secrets` or of the
    /// [`ISSUED_SECRET_MARKERS`](crate::ISSUED_SECRET_MARKERS), in any form the
    /// [`SecretScan`] searches — and when nothing at all was captured.
    #[track_caller]
    pub fn assert_no_secrets<S: AsRef<str>>(&self, secrets: impl IntoIterator<Item = S>) {
        SecretScan::new(secrets).assert_clean("log capture", &self.text());
    }
}

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.lock().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Once per process: a global subscriber that wants every callsite and drops every event, so
/// no callsite can cache "never" while a parallel test registers it.
fn listen_everywhere() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry());
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_logged_while_installed_are_captured_with_their_fields_and_spans() {
        let (logs, guard) = LogCapture::start();
        let span = tracing::info_span!("provide", source = "imds");
        span.in_scope(|| tracing::trace!(attempt = 2, "retrying"));
        drop(guard);
        tracing::warn!("after the guard");
        let lines = logs.lines();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("TRACE"), "{lines:?}");
        assert!(lines[0].contains("provide{source=\"imds\"}"), "{lines:?}");
        assert!(lines[0].contains("retrying attempt=2"), "{lines:?}");
    }

    #[test]
    fn a_level_leaves_out_what_is_below_it() {
        let logs = LogCapture::at(Level::WARN);
        logs.in_scope(|| {
            tracing::info!("routine");
            tracing::warn!("world-readable");
        });
        assert_eq!(logs.lines().len(), 1);
        assert!(logs.contains("world-readable"));
    }

    #[test]
    fn a_secret_in_a_line_or_a_recorded_error_is_found() {
        const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        let logs = LogCapture::new();
        logs.in_scope(|| tracing::info!("nothing secret"));
        logs.assert_no_secrets([SECRET]);
        let err = std::io::Error::other(format!("bad key {SECRET}"));
        logs.record_error("error", &err);
        let leaks = logs.leaks(&SecretScan::new([SECRET]));
        // Display, Debug, and the line of the pretty Debug that quotes the message.
        assert_eq!(leaks.len(), 3, "{leaks:?}");
    }

    #[test]
    #[should_panic(expected = "nothing was captured")]
    fn a_capture_that_saw_nothing_fails_the_scan() {
        let logs = LogCapture::new();
        // Logged on another thread, which the capture does not see.
        let _guard = logs.install();
        std::thread::spawn(|| tracing::info!("elsewhere"))
            .join()
            .unwrap_or_default();
        logs.assert_no_secrets(["wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"]);
    }
}
