//! The harness every reliability scenario runs in:
//!
//! - [`scenario`]: a fresh tokio runtime whose every thread logs into one [`Capture`] at TRACE;
//!   when the body ends, the captured log lines plus every error's `Display` and `Debug` the body
//!   recorded are searched for the scenario's known secrets by testkit's
//!   [`SecretScan`] — verbatim, base64/base64url, hex, percent-encoded, JSON- or
//!   `Debug`-escaped, any 12-byte part — and for every secret the fakes issued. Any hit fails
//!   the test with the leaking line, and so does a capture that saw nothing.
//! - [`Counting`] and [`NoNetwork`]: HTTP transports that count attempts (the first sends, the
//!   second refuses without any I/O), installed into the scenario's [`Context`].
//! - [`SkewClock`]: the real clock plus an offset that a test moves (clock skew, expiry).
//! - [`report`]: the `AWSAUTH-RELIABILITY {json}` lines `cargo xtask reliability` adds up.

use std::cell::RefCell;
use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use awsauth_core::{Clock, Context, CredentialError, MapEnv, MemFs, Sleep, async_trait};
use awsauth_http::{
    HttpClient, HttpError, HttpErrorKind, HttpRequest, HttpResponse, HttpSettings, HyperTransport,
    Transport,
};
use awsauth_testkit::{LogCapture, SecretScan};

/// The environment variable that makes tests print their `AWSAUTH-RELIABILITY` lines.
pub const REPORT_ENV: &str = "AWSAUTH_RELIABILITY_REPORT";
/// The environment variable that sets the number of cases per parser in `bad_input`.
pub const FUZZ_CASES_ENV: &str = "AWSAUTH_FUZZ_CASES";

/// What one test contributes to the reliability report.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    /// Scenarios run (each with its own capture and secret scan).
    pub scenarios: usize,
    /// Scenarios with an injected fault that ended as expected.
    pub faults: usize,
    /// Generated inputs fed to a parser.
    pub inputs: usize,
    /// Log lines and error texts searched for secrets.
    pub lines_scanned: usize,
}

/// Prints `AWSAUTH-RELIABILITY {json}` for `cargo xtask reliability` when [`REPORT_ENV`] is
/// set. Only a test that passed reaches this line, so the counts are of survived work. Secrets
/// leaked and panics are counted by the caller from failures, since either fails the test.
pub fn report(test: &str, tally: Tally) {
    if std::env::var_os(REPORT_ENV).is_none() {
        return;
    }
    let line = serde_json::json!({
        "test": test,
        "scenarios": tally.scenarios,
        "faults": tally.faults,
        "inputs": tally.inputs,
        "lines_scanned": tally.lines_scanned,
        "leaks": 0,
    });
    // One write per line, so lines of tests running in parallel do not interleave.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "AWSAUTH-RELIABILITY {line}");
}

/// Cases per parser: [`FUZZ_CASES_ENV`], else `default`.
pub fn fuzz_cases(default: u32) -> u32 {
    std::env::var(FUZZ_CASES_ENV)
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// Everything a scenario wrote to its log, plus the texts it recorded (testkit's
/// [`LogCapture`], which it derefs to), and how many outcomes it recorded.
#[derive(Debug, Clone, Default)]
pub struct Capture {
    logs: LogCapture,
    outcomes: Arc<AtomicUsize>,
}

impl std::ops::Deref for Capture {
    type Target = LogCapture;

    fn deref(&self) -> &LogCapture {
        &self.logs
    }
}

impl Capture {
    /// Records the outcome of a `provide`: the credentials' `Debug`, or the error's texts.
    pub fn record_outcome(
        &self,
        label: &str,
        outcome: &Result<awsauth_core::Credentials, CredentialError>,
    ) {
        self.outcomes.fetch_add(1, Ordering::SeqCst);
        self.logs.record_result(label, outcome);
    }
}

thread_local! {
    static THREAD_DISPATCH: RefCell<Option<tracing::dispatcher::DefaultGuard>> = const { RefCell::new(None) };
}

/// How a scenario went, for the caller's tally.
#[derive(Debug, Clone, Copy)]
pub struct Scanned {
    /// Lines searched for secrets.
    pub lines: usize,
    /// Outcomes recorded with [`Capture::record_outcome`].
    pub outcomes: usize,
}

/// Panics anywhere outside this test suite's own files (in the code under test), counted by a
/// panic hook installed with the first scenario. Any such panic fails every later scenario:
/// nothing may panic, even where a cache or a task boundary would hide it.
static FOREIGN_PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_foreign_panics() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let ours = info
                .location()
                .is_some_and(|l| l.file().replace('\\', "/").contains("tests/acceptance/"));
            if !ours {
                FOREIGN_PANICS.fetch_add(1, Ordering::SeqCst);
            }
            previous(info);
        }));
    });
}

/// Panics in the code under test so far (see [`scenario`]).
pub fn foreign_panics() -> usize {
    count_foreign_panics();
    FOREIGN_PANICS.load(Ordering::SeqCst)
}

/// Runs `body` on a fresh two-worker tokio runtime whose threads (and the calling thread) log
/// into one capture at TRACE, with a hang guard of `limit`; then searches the capture for
/// `secrets` and the fakes' secret markers. Any hit panics, naming the scenario and printing
/// every leaking line; so does any panic in the code under test.
pub fn scenario<F, Fut>(name: &str, secrets: &[&str], limit: Duration, body: F) -> Scanned
where
    F: FnOnce(Capture) -> Fut,
    Fut: Future<Output = ()> + Send,
{
    let scanned = run_scenario(name, secrets, limit, body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        foreign_panics(),
        0,
        "scenario {name}: the code under test panicked (see the panic message above)"
    );
    scanned
}

/// [`scenario`], returning the leak report instead of panicking on it.
pub fn run_scenario<F, Fut>(
    name: &str,
    secrets: &[&str],
    limit: Duration,
    body: F,
) -> Result<Scanned, String>
where
    F: FnOnce(Capture) -> Fut,
    Fut: Future<Output = ()> + Send,
{
    count_foreign_panics();
    // Refuses secrets too short to search for, before anything runs.
    let scan = SecretScan::new(secrets);
    let capture = Capture::default();
    let dispatch = capture.dispatch();
    let on_start = dispatch.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(move || {
            let guard = tracing::dispatcher::set_default(&on_start);
            THREAD_DISPATCH.with(|slot| *slot.borrow_mut() = Some(guard));
        })
        .on_thread_stop(|| THREAD_DISPATCH.with(|slot| drop(slot.borrow_mut().take())))
        .build()
        .unwrap();
    let work = body(capture.clone());
    tracing::dispatcher::with_default(&dispatch, || {
        runtime.block_on(async {
            if tokio::time::timeout(limit, work).await.is_err() {
                panic!("scenario {name} hung: still running after {limit:?}");
            }
        });
    });
    runtime.shutdown_timeout(Duration::from_secs(2));
    let text = capture.text();
    if std::env::var_os("AWSAUTH_DUMP_CAPTURE").is_some() {
        eprintln!("===== capture of {name} =====\n{text}");
    }
    if !text.lines().any(|l| !l.trim().is_empty()) {
        return Err(format!(
            "scenario {name}: nothing was captured, so its leak scan would prove nothing"
        ));
    }
    let leaks = scan.find(&text);
    if !leaks.is_empty() {
        return Err(format!(
            "scenario {name}: {} line(s) leak a secret:\n{}",
            leaks.len(),
            leaks
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    Ok(Scanned {
        lines: text.lines().count(),
        outcomes: capture.outcomes.load(Ordering::SeqCst),
    })
}

/// A transport that counts attempts and hands them to the real hyper transport.
#[derive(Debug, Clone)]
pub struct Counting {
    inner: Arc<HyperTransport>,
    attempts: Arc<AtomicUsize>,
}

impl Counting {
    /// A fresh hyper transport (no proxy, its own connection pool).
    pub fn new() -> Self {
        Self {
            inner: Arc::new(HyperTransport::new(None)),
            attempts: Arc::default(),
        }
    }

    /// Attempts made so far.
    pub fn attempts(&self) -> usize {
        self.attempts.load(Ordering::SeqCst)
    }

    /// `cx` with this transport as its HTTP client.
    pub fn install(&self, cx: &Context) -> Context {
        HttpClient::new(self.clone()).install(cx)
    }
}

#[async_trait]
impl Transport for Counting {
    async fn send(
        &self,
        request: HttpRequest,
        settings: &HttpSettings,
    ) -> Result<HttpResponse, HttpError> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        self.inner.send(request, settings).await
    }
}

/// A transport that performs no I/O at all: it records where each attempt would have gone and
/// fails it as unreachable. Proves that a refused request never reached the network layer, and
/// that an allowed one would have.
#[derive(Debug, Clone, Default)]
pub struct NoNetwork {
    endpoints: Arc<Mutex<Vec<String>>>,
}

impl NoNetwork {
    /// Where attempts would have gone (scheme, host, port, path).
    pub fn endpoints(&self) -> Vec<String> {
        self.endpoints
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// `cx` with this transport as its HTTP client.
    pub fn install(&self, cx: &Context) -> Context {
        HttpClient::new(self.clone()).install(cx)
    }
}

#[async_trait]
impl Transport for NoNetwork {
    async fn send(
        &self,
        request: HttpRequest,
        _settings: &HttpSettings,
    ) -> Result<HttpResponse, HttpError> {
        let endpoint = request.endpoint();
        self.endpoints
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(endpoint.clone());
        Err(HttpError::new(
            HttpErrorKind::Connect,
            endpoint,
            "the test transport sends nothing",
        ))
    }
}

/// The real clock plus an offset that only grows: sleeps are real (tokio) sleeps, so time-outs
/// behave as in production, while expiry and clock skew can be jumped to.
#[derive(Debug, Clone, Default)]
pub struct SkewClock {
    offset: Arc<Mutex<Duration>>,
}

impl SkewClock {
    /// A clock `ahead` of the real one.
    pub fn ahead(ahead: Duration) -> Self {
        Self {
            offset: Arc::new(Mutex::new(ahead)),
        }
    }

    /// Jumps forward.
    pub fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }
}

impl Clock for SkewClock {
    fn now(&self) -> SystemTime {
        SystemTime::now() + *self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A context with `env`, `fs` and `clock`, its own counting HTTP transport, seeded randomness.
pub fn context(env: MapEnv, fs: MemFs, clock: &SkewClock, http: &Counting) -> Context {
    let cx = Context::builder()
        .env(env)
        .fs(fs)
        .clock(Arc::new(clock.clone()))
        .build();
    http.install(&cx)
}

/// Short time-outs so fault scenarios end in about a second: connect 150 ms, attempt 250 ms,
/// 3 attempts, backoff 5–20 ms, 2 s per operation, 64 KiB bodies. An attempt is cut at
/// connect + attempt = 400 ms, so three time-outs and two backoffs fit the total.
pub fn fast_http() -> HttpSettings {
    HttpSettings {
        connect_timeout: Duration::from_millis(150),
        attempt_timeout: Duration::from_millis(250),
        total_timeout: Duration::from_secs(2),
        max_attempts: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        max_body_bytes: 64 * 1024,
    }
}

/// A loopback port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn the_scan_finds_a_secret_wherever_it_is_logged_or_recorded() {
    // The harness must be able to fail: a scenario that logs a secret is caught, whether the
    // line comes from the calling thread, a worker thread or a recorded error, and whether the
    // secret is written whole, encoded or in part.
    const SECRET: &str = "TOPSECRET/VALUE+1234=";
    for (how, leak) in [
        ("caller", 0),
        ("worker", 1),
        ("recorded", 2),
        ("testkit marker", 3),
        ("base64 in a header", 4),
        ("percent-encoded in a body", 5),
        ("the first 14 characters", 6),
    ] {
        let outcome = run_scenario(
            "deliberate leak",
            &[SECRET],
            Duration::from_secs(10),
            |capture| async move {
                match leak {
                    0 => tracing::trace!(secret = SECRET, "oops"),
                    1 => tokio::spawn(async {
                        tracing::debug!("token {SECRET}");
                    })
                    .await
                    .unwrap(),
                    2 => {
                        capture.record_error("err", &CredentialError::provider_failed("x", SECRET))
                    }
                    3 => tracing::info!("issued sts-secret-00ff"),
                    // "user:TOPSECRET/VALUE+1234=" in base64.
                    4 => {
                        tracing::trace!("authorization: Basic dXNlcjpUT1BTRUNSRVQvVkFMVUUrMTIzND0=")
                    }
                    5 => tracing::trace!(body = "Token=TOPSECRET%2FVALUE%2B1234%3D", "sending"),
                    _ => tracing::warn!("token {}… refused", &SECRET[..14]),
                }
            },
        );
        let message = outcome.expect_err(how);
        assert!(message.contains("leak a secret"), "{how}: {message}");
    }
    let clean = scenario("clean", &[SECRET], Duration::from_secs(10), |_| async {
        tracing::info!(key = "AKIDEXAMPLE", "resolved")
    });
    assert!(clean.lines >= 1);
    // A scenario whose capture saw nothing proves nothing: it fails.
    let silent = run_scenario("silent", &[SECRET], Duration::from_secs(10), |_| async {});
    assert!(
        silent.expect_err("silent").contains("nothing was captured"),
        "a silent scenario"
    );
}
