//! The fault matrix: every network source (IMDS, container, STS AssumeRole, STS web identity)
//! × every fault the testkit can inject, as one table. Each row asserts:
//!
//! - the outcome: credentials, an error of a given kind (and retryability and code where they
//!   matter), or stale credentials served with a warning;
//! - the number of upstream attempts, counted by the client's transport and, where a server
//!   exists, by the fake's own `received_requests` counter;
//! - an upper bound on elapsed time derived from the configured time-outs: a hang guard, not a
//!   performance goal (a row that may spend its operation's whole time budget gets one
//!   `total_timeout` per operation, every row gets generous slack for a loaded machine).
//!
//! Every row runs as a `support::scenario`: TRACE capture, secret scan, no panic anywhere.

use awsauth_sts_assume::StsClient;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use awsauth_container::ContainerSource;
use awsauth_core::{
    CachedSource, Context, CredentialError, CredentialSource, Credentials, ErrorKind, MapEnv, MemFs,
};
use awsauth_imds::{ImdsClient, ImdsSource};
use awsauth_static::StaticSource;
use awsauth_sts_assume::AssumeRoleSource;
use awsauth_testkit::{FakeContainer, FakeImds, FakeSts, Fault, ImdsCredentials};
use awsauth_web_identity::WebIdentitySource;

use crate::support::{
    Capture, Counting, SkewClock, Tally, closed_port, context, fast_http, report, scenario,
};

const KEY_ID: &str = "AKIDFAULTMATRIX0001";
const BASE_SECRET: &str = "fault+base/SECRET+4a4a4a4a";
const INSTANCE_SECRET: &str = "fault/instance+SECRET/5b5b5b";
const INSTANCE_TOKEN: &str = "fault+instance/TOKEN+6c6c6c==";
const AGENT_TOKEN: &str = "fault/agent+AuthToken=7d7d7d";
const WEB_IDENTITY_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.FAULTMATRIX.sig";
const SECRETS: &[&str] = &[
    BASE_SECRET,
    INSTANCE_SECRET,
    INSTANCE_TOKEN,
    AGENT_TOKEN,
    WEB_IDENTITY_TOKEN,
];
const ROLE: &str = "arn:aws:iam::123456789012:role/fault-matrix";
const TOKEN_FILE: &str = "/var/run/secrets/token";
/// Slack on top of the time-out budget. The bound is a hang guard, not a timing goal: eight
/// rows run at once on a 2-core machine shared with a compiling workspace, so a row's
/// sub-second work can take several seconds; 4 s of slack was the likeliest flake of the
/// suite. A client that ignored its time-outs would wait out a black hole until the
/// scenario's 60 s limit, well past this bound.
const SLACK: Duration = Duration::from_secs(20);
/// A reader burst's size.
const READERS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Imds,
    Container,
    AssumeRole,
    WebIdentity,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Imds => "imds",
            Kind::Container => "container",
            Kind::AssumeRole => "assume-role",
            Kind::WebIdentity => "web-identity",
        }
    }
}

/// What is done to the upstream before the measured call.
#[derive(Debug, Clone)]
enum Inject {
    /// Nothing (control rows, and the expiry burst).
    Nothing,
    /// The endpoint is a loopback port nothing listens on.
    Refused,
    /// The server goes away after the warm-up call.
    ServerGone,
    /// This fault for the next `n` requests.
    Fault(Fault, usize),
}

#[derive(Debug, Clone, Copy)]
enum Expect {
    Credentials,
    Fails {
        kind: ErrorKind,
        retryable: Option<bool>,
        code: Option<&'static str>,
    },
    /// Credentials that were valid before, served again, and this warning in the log.
    Stale(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// One call.
    Single,
    /// [`READERS`] concurrent reads through the cache.
    Burst,
}

#[derive(Debug, Clone)]
struct Row {
    kind: Kind,
    fault: &'static str,
    inject: Inject,
    expect: Expect,
    /// Upstream attempts of the measured call.
    attempts: usize,
    /// One successful call first (so IMDS has last-good credentials, the cache has an entry).
    warm: bool,
    /// Through a `CachedSource`.
    cached: bool,
    /// The client's clock this far ahead of the fakes' (before anything runs).
    skew: Option<Duration>,
    /// After the warm-up, move the client's clock to this long before the credentials expire
    /// (negative: after).
    before_expiry: Option<i64>,
    /// How many operations may spend their whole time-out budget.
    timeouts: u32,
    shape: Shape,
}

fn row(kind: Kind, fault: &'static str, inject: Inject, expect: Expect, attempts: usize) -> Row {
    Row {
        kind,
        fault,
        inject,
        expect,
        attempts,
        warm: false,
        cached: false,
        skew: None,
        before_expiry: None,
        timeouts: 0,
        shape: Shape::Single,
    }
}

impl Row {
    fn warm(mut self) -> Self {
        self.warm = true;
        self
    }
    fn cached(mut self) -> Self {
        self.cached = true;
        self
    }
    fn timed(mut self) -> Self {
        self.timeouts = 1;
        self
    }
    fn skewed(mut self, ahead: Duration) -> Self {
        self.skew = Some(ahead);
        self
    }
    fn at_expiry_minus(mut self, seconds: i64) -> Self {
        self.before_expiry = Some(seconds);
        self
    }
    fn burst(mut self) -> Self {
        self.shape = Shape::Burst;
        self
    }
    fn label(&self) -> String {
        let mut label = format!("{} × {}", self.kind.name(), self.fault);
        if self.warm && !self.cached {
            label.push_str(" (warm)");
        }
        if self.cached {
            label.push_str(" (cached)");
        }
        label
    }
    /// Every row but the control rows injects a fault or a clock or expiry problem.
    fn is_fault(&self) -> bool {
        self.fault != "no fault"
    }
}

fn fails(kind: ErrorKind) -> Expect {
    Expect::Fails {
        kind,
        retryable: None,
        code: None,
    }
}

fn fails_retryable(retryable: bool, code: Option<&'static str>) -> Expect {
    Expect::Fails {
        kind: ErrorKind::ProviderFailed,
        retryable: Some(retryable),
        code,
    }
}

const OVERSIZED: usize = 64 * 1024 + 1;
const SLOW: Duration = Duration::from_secs(1);
const SKEW: Duration = Duration::from_secs(2 * 24 * 3600);
const CACHE_WARNING: &str = "serving the cached ones while they are valid";
const STABILITY_WARNING: &str = "static stability";

fn fault(f: Fault, times: usize) -> Inject {
    Inject::Fault(f, times)
}

/// The rows shared by the sources that make one HTTP request per call (container, STS).
fn single_request_rows(kind: Kind) -> Vec<Row> {
    let (throttle, throttle_code) = match kind {
        Kind::AssumeRole | Kind::WebIdentity => (
            Fault::StsError {
                code: "Throttling".into(),
                status: 400,
            },
            "Throttling",
        ),
        _ => (Fault::Status(429), "429"),
    };
    let server_error_code = match kind {
        Kind::Container => Some("500"),
        _ => None,
    };
    let k = kind;
    vec![
        row(k, "no fault", Inject::Nothing, Expect::Credentials, 1),
        row(
            k,
            "refused",
            Inject::Refused,
            fails_retryable(true, None),
            3,
        ),
        row(
            k,
            "black hole",
            fault(Fault::BlackHole, 9),
            fails(ErrorKind::TimedOut),
            3,
        )
        .timed(),
        row(
            k,
            "slow beyond timeout",
            fault(Fault::Delay(SLOW), 9),
            fails(ErrorKind::TimedOut),
            3,
        )
        .timed(),
        row(
            k,
            "500 twice, then success",
            fault(Fault::Status(500), 2),
            Expect::Credentials,
            3,
        ),
        row(
            k,
            "500 always",
            fault(Fault::Status(500), 9),
            fails_retryable(true, server_error_code),
            3,
        ),
        row(
            k,
            "429 once, then success",
            fault(Fault::Status(429), 1),
            Expect::Credentials,
            2,
        ),
        row(
            k,
            "throttled once, then success",
            fault(throttle.clone(), 1),
            Expect::Credentials,
            2,
        ),
        row(
            k,
            "throttled always",
            fault(throttle, 9),
            fails_retryable(true, Some(throttle_code)),
            3,
        ),
        row(
            k,
            "reset mid-body always",
            fault(Fault::ResetMidBody, 9),
            fails_retryable(true, None),
            3,
        ),
        row(
            k,
            "reset mid-body once",
            fault(Fault::ResetMidBody, 1),
            Expect::Credentials,
            2,
        ),
        row(
            k,
            "truncated body always",
            fault(Fault::Truncated, 9),
            fails_retryable(true, None),
            3,
        ),
        row(
            k,
            "oversized body",
            fault(Fault::Oversized(OVERSIZED), 9),
            fails_retryable(false, None),
            1,
        ),
        row(
            k,
            "malformed body",
            fault(Fault::Malformed, 9),
            fails_retryable(false, None),
            1,
        ),
        row(
            k,
            // Two days is beyond what the Date header corrects (24 h): a signed call is
            // refused for its time, an unsigned one's credentials expire on arrival.
            if matches!(k, Kind::AssumeRole) {
                "clock skew beyond 24 h: signature refused"
            } else {
                "clock skew: expired on arrival"
            },
            Inject::Nothing,
            Expect::Fails {
                kind: ErrorKind::ProviderFailed,
                retryable: None,
                code: matches!(k, Kind::AssumeRole).then_some("SignatureDoesNotMatch"),
            },
            1,
        )
        .cached()
        .skewed(SKEW),
        row(
            k,
            "500s in the mandatory window",
            fault(Fault::Status(500), 9),
            Expect::Stale(CACHE_WARNING),
            3,
        )
        .cached()
        .warm()
        .at_expiry_minus(30),
        row(
            k,
            "expiry during a burst of reads",
            Inject::Nothing,
            Expect::Credentials,
            1,
        )
        .cached()
        .warm()
        .at_expiry_minus(-1)
        .burst(),
        row(
            k,
            "500s during a burst in the mandatory window",
            fault(Fault::Status(500), 9),
            Expect::Stale(CACHE_WARNING),
            3,
        )
        .cached()
        .warm()
        .at_expiry_minus(30)
        .burst(),
    ]
}

/// IMDS: a cold call is token PUT + role listing + credentials GET; a warm one (token, role
/// and API known) is the credentials GET alone, and outages are covered by static stability.
fn imds_rows() -> Vec<Row> {
    let k = Kind::Imds;
    let stale = Expect::Stale(STABILITY_WARNING);
    vec![
        row(k, "no fault", Inject::Nothing, Expect::Credentials, 3),
        row(
            k,
            "refused",
            Inject::Refused,
            fails(ErrorKind::NotConfigured),
            3,
        ),
        row(
            k,
            "black hole",
            fault(Fault::BlackHole, 9),
            fails(ErrorKind::TimedOut),
            3,
        )
        .timed(),
        row(
            k,
            "slow beyond timeout",
            fault(Fault::Delay(SLOW), 9),
            fails(ErrorKind::TimedOut),
            3,
        )
        .timed(),
        row(
            k,
            "500 twice, then success",
            fault(Fault::Status(500), 2),
            Expect::Credentials,
            5,
        ),
        row(
            k,
            "500 always",
            fault(Fault::Status(500), 9),
            fails_retryable(true, Some("500")),
            3,
        ),
        row(
            k,
            "429 once, then success",
            fault(Fault::Status(429), 1),
            Expect::Credentials,
            4,
        ),
        row(
            k,
            "429 always",
            fault(Fault::Status(429), 9),
            fails_retryable(true, Some("429")),
            3,
        ),
        row(
            k,
            "reset mid-body always",
            fault(Fault::ResetMidBody, 9),
            fails_retryable(true, None),
            3,
        ),
        row(
            k,
            "reset mid-body once",
            fault(Fault::ResetMidBody, 1),
            Expect::Credentials,
            4,
        ),
        row(
            k,
            "truncated body always",
            fault(Fault::Truncated, 9),
            fails_retryable(true, None),
            3,
        ),
        row(
            k,
            "oversized body",
            fault(Fault::Oversized(OVERSIZED), 9),
            fails_retryable(false, None),
            1,
        ),
        // The garbage is taken as a session token; the role listing then is not a role name.
        row(
            k,
            "malformed body",
            fault(Fault::Malformed, 9),
            fails_retryable(false, None),
            2,
        ),
        row(
            k,
            "zero lifetime: expired on arrival",
            Inject::Nothing,
            fails_retryable(true, None),
            3,
        ),
        row(
            k,
            "clock skew: expired on arrival",
            Inject::Nothing,
            fails_retryable(true, None),
            3,
        )
        .cached()
        .skewed(SKEW),
        row(k, "server gone", Inject::ServerGone, stale, 3).warm(),
        row(k, "black hole", fault(Fault::BlackHole, 9), stale, 3)
            .warm()
            .timed(),
        row(
            k,
            "slow beyond timeout",
            fault(Fault::Delay(SLOW), 9),
            stale,
            3,
        )
        .warm()
        .timed(),
        row(k, "500 always", fault(Fault::Status(500), 9), stale, 3).warm(),
        row(k, "429 always", fault(Fault::Status(429), 9), stale, 3).warm(),
        row(
            k,
            "reset mid-body always",
            fault(Fault::ResetMidBody, 9),
            stale,
            3,
        )
        .warm(),
        row(
            k,
            "truncated body always",
            fault(Fault::Truncated, 9),
            stale,
            3,
        )
        .warm(),
        row(
            k,
            "oversized body",
            fault(Fault::Oversized(OVERSIZED), 9),
            fails_retryable(false, None),
            1,
        )
        .warm(),
        row(
            k,
            "malformed body",
            fault(Fault::Malformed, 9),
            fails_retryable(false, None),
            1,
        )
        .warm(),
        // The session token is due for renewal too: token PUT, then the credentials GET.
        row(
            k,
            "expiry during a burst of reads",
            Inject::Nothing,
            Expect::Credentials,
            2,
        )
        .cached()
        .warm()
        .at_expiry_minus(-1)
        .burst(),
        row(
            k,
            "500s during a burst in the mandatory window",
            fault(Fault::Status(500), 9),
            stale,
            3,
        )
        .cached()
        .warm()
        .at_expiry_minus(30)
        .burst(),
    ]
}

fn matrix() -> Vec<Row> {
    let mut rows = imds_rows();
    for kind in [Kind::Container, Kind::AssumeRole, Kind::WebIdentity] {
        rows.extend(single_request_rows(kind));
    }
    rows
}

/// The fake behind a row.
enum Fake {
    Imds(FakeImds),
    Container(FakeContainer),
    Sts(FakeSts),
    Gone,
}

impl Fake {
    fn inject(&self, fault: Fault, times: usize) {
        match self {
            Fake::Imds(f) => {
                f.inject(fault, times);
            }
            Fake::Container(f) => {
                f.inject(fault, times);
            }
            Fake::Sts(f) => {
                f.inject(fault, times);
            }
            Fake::Gone => {}
        }
    }

    fn set_clock_offset(&self, ahead: Duration) {
        match self {
            Fake::Imds(f) => {
                f.set_clock_offset(ahead);
            }
            Fake::Container(f) => {
                f.set_clock_offset(ahead);
            }
            Fake::Sts(f) => {
                f.set_clock_offset(ahead);
            }
            Fake::Gone => {}
        }
    }

    fn received(&self) -> Option<usize> {
        match self {
            Fake::Imds(f) => Some(f.received_requests()),
            Fake::Container(f) => Some(f.received_requests()),
            Fake::Sts(f) => Some(f.received_requests()),
            Fake::Gone => None,
        }
    }

    fn endpoint(&self) -> String {
        match self {
            Fake::Imds(f) => f.endpoint(),
            Fake::Container(f) => f.full_uri(),
            Fake::Sts(f) => f.endpoint(),
            Fake::Gone => format!("http://127.0.0.1:{}/v1/credentials", closed_port()),
        }
    }
}

struct Rig {
    fake: Fake,
    source: Arc<dyn CredentialSource>,
    cx: Context,
    http: Counting,
    clock: SkewClock,
}

async fn rig(row: &Row) -> Rig {
    let clock = SkewClock::ahead(row.skew.unwrap_or_default());
    let http = Counting::new();
    let fs = MemFs::new();
    let mut env = MapEnv::new();
    let fake = match (row.kind, &row.inject) {
        (_, Inject::Refused) => Fake::Gone,
        (Kind::Imds, _) => {
            let imds = FakeImds::start().await.unwrap();
            let lifetime = if row.fault.starts_with("zero lifetime") {
                Duration::ZERO
            } else {
                ImdsCredentials::default().lifetime
            };
            imds.set_credentials(ImdsCredentials {
                secret_access_key: INSTANCE_SECRET.into(),
                token: INSTANCE_TOKEN.into(),
                lifetime,
                ..ImdsCredentials::default()
            });
            Fake::Imds(imds)
        }
        (Kind::Container, _) => {
            let agent = FakeContainer::start().await.unwrap();
            agent.set_credentials(ImdsCredentials {
                secret_access_key: INSTANCE_SECRET.into(),
                token: INSTANCE_TOKEN.into(),
                ..ImdsCredentials::default()
            });
            agent.require_authorization(Some(AGENT_TOKEN));
            Fake::Container(agent)
        }
        (Kind::AssumeRole | Kind::WebIdentity, _) => {
            let sts = FakeSts::start().await.unwrap();
            sts.add_key(KEY_ID, BASE_SECRET);
            Fake::Sts(sts)
        }
    };
    let endpoint = match (&fake, row.kind) {
        (Fake::Gone, Kind::Imds | Kind::AssumeRole | Kind::WebIdentity) => {
            format!("http://127.0.0.1:{}", closed_port())
        }
        _ => fake.endpoint(),
    };
    let source: Arc<dyn CredentialSource> = match row.kind {
        Kind::Imds => {
            let client = ImdsClient::builder()
                .endpoint(endpoint)
                .http_settings(fast_http())
                .build();
            Arc::new(ImdsSource::builder().client(client).build())
        }
        Kind::Container => {
            env = env
                .set("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint)
                .set("AWS_CONTAINER_AUTHORIZATION_TOKEN", AGENT_TOKEN);
            Arc::new(
                ContainerSource::builder()
                    .http_settings(fast_http())
                    .build(),
            )
        }
        Kind::AssumeRole => Arc::new(
            AssumeRoleSource::new(StaticSource::new(KEY_ID, BASE_SECRET), ROLE).sts_client(
                StsClient::new()
                    .endpoint_url(endpoint)
                    .region("us-east-1")
                    .http_settings(fast_http()),
            ),
        ),
        Kind::WebIdentity => {
            fs.insert(TOKEN_FILE, WEB_IDENTITY_TOKEN);
            Arc::new(
                WebIdentitySource::new(TOKEN_FILE, ROLE).sts_client(
                    StsClient::new()
                        .endpoint_url(endpoint)
                        .region("us-east-1")
                        .http_settings(fast_http()),
                ),
            )
        }
    };
    let source: Arc<dyn CredentialSource> = if row.cached {
        // The HTTP time-outs, not the cache's, bound these calls.
        Arc::new(
            CachedSource::builder_shared(source)
                .load_timeout(Duration::from_secs(10))
                .build(),
        )
    } else {
        source
    };
    let cx = context(env, fs, &clock, &http);
    Rig {
        fake,
        source,
        cx,
        http,
        clock,
    }
}

/// Runs one row; `Err` says what did not hold.
async fn run_row(row: &Row, capture: &Capture) -> Result<String, String> {
    let mut rig = rig(row).await;
    let label = row.label();
    let mut warm = None;
    if row.warm {
        let first = rig.source.provide(&rig.cx).await;
        capture.record_outcome(&label, &first);
        warm = Some(first.map_err(|e| format!("the warm-up call failed: {e}"))?);
    }
    if let Some(before) = row.before_expiry {
        let expiry = warm
            .as_ref()
            .and_then(Credentials::expiry)
            .ok_or("no warm credentials with an expiry")?;
        let now = rig.cx.now();
        let target = if before >= 0 {
            expiry - Duration::from_secs(before.unsigned_abs())
        } else {
            expiry + Duration::from_secs(before.unsigned_abs())
        };
        let jump = target.duration_since(now).unwrap_or_default();
        // Time passes on both sides: what the fake issues next expires after the jump too.
        rig.clock.advance(jump);
        rig.fake.set_clock_offset(jump);
    }
    match &row.inject {
        Inject::Fault(fault, times) => rig.fake.inject(fault.clone(), *times),
        Inject::ServerGone => rig.fake = Fake::Gone,
        Inject::Nothing | Inject::Refused => {}
    }
    let attempts_before = rig.http.attempts();
    let received_before = rig.fake.received();
    let started = Instant::now();
    let outcomes: Vec<Result<Credentials, CredentialError>> = match row.shape {
        Shape::Single => vec![rig.source.provide(&rig.cx).await],
        Shape::Burst => {
            let mut readers = Vec::new();
            for _ in 0..READERS {
                let source = Arc::clone(&rig.source);
                let cx = rig.cx.clone();
                readers.push(tokio::spawn(async move { source.provide(&cx).await }));
            }
            let mut outcomes = Vec::new();
            for reader in readers {
                outcomes.push(
                    reader
                        .await
                        .map_err(|e| format!("a reader panicked: {e}"))?,
                );
            }
            outcomes
        }
    };
    let elapsed = started.elapsed();
    for outcome in &outcomes {
        capture.record_outcome(&label, outcome);
    }
    let mut problems = Vec::new();

    // The outcome.
    let now = rig.cx.now();
    for outcome in &outcomes {
        match (row.expect, outcome) {
            (Expect::Credentials, Ok(c)) => {
                if c.is_expired_at(now) {
                    problems.push(format!("served expired credentials {c:?}"));
                }
            }
            (Expect::Stale(_), Ok(c)) => {
                if c.is_expired_at(now) {
                    problems.push(format!("served expired credentials {c:?}"));
                }
                if let Some(first) = &warm
                    && c.access_key_id() != first.access_key_id()
                {
                    problems.push("served other credentials than the last good ones".into());
                }
            }
            (
                Expect::Fails {
                    kind,
                    retryable,
                    code,
                },
                Err(err),
            ) => {
                if err.kind() != kind {
                    problems.push(format!(
                        "error kind {:?}, expected {kind:?}: {err}",
                        err.kind()
                    ));
                }
                if let Some(retryable) = retryable
                    && err.is_retryable() != retryable
                {
                    problems.push(format!(
                        "retryable is {}, expected {retryable}: {err}",
                        err.is_retryable()
                    ));
                }
                if code.is_some() && err.code() != code {
                    problems.push(format!("code {:?}, expected {code:?}: {err}", err.code()));
                }
                if err.to_string().trim().is_empty() {
                    problems.push("an empty error message".into());
                }
            }
            (expect, outcome) => problems.push(format!("expected {expect:?}, got {outcome:?}")),
        }
    }
    if let Expect::Stale(warning) = row.expect
        && !capture.contains(warning)
    {
        problems.push(format!("no warning containing {warning:?} was logged"));
    }
    if row.shape == Shape::Burst {
        let firsts: Vec<&Credentials> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
        if let Some(first) = firsts.first()
            && !firsts.iter().all(|c| c.ptr_eq(first))
        {
            problems.push("the readers of one burst got different credentials".into());
        }
        if matches!(row.expect, Expect::Credentials)
            && let (Some(old), Some(new)) = (&warm, firsts.first())
            && old.ptr_eq(new)
        {
            problems.push("the burst was served the expired credentials".into());
        }
    }

    // The attempts, seen by the client and by the server.
    let attempts = rig.http.attempts() - attempts_before;
    if attempts != row.attempts {
        problems.push(format!(
            "{attempts} upstream attempts, expected {}",
            row.attempts
        ));
    }
    if let (Some(before), Some(after)) = (received_before, rig.fake.received())
        && after - before != attempts
    {
        problems.push(format!(
            "the server received {} requests, the client made {attempts} attempts",
            after - before
        ));
    }

    // The hang guard.
    let settings = fast_http();
    let bound = settings.total_timeout * row.timeouts + SLACK;
    if elapsed > bound {
        problems.push(format!("took {elapsed:?}, more than the bound {bound:?}"));
    }
    if problems.is_empty() {
        let shown = match outcomes.first() {
            Some(Ok(_)) if matches!(row.expect, Expect::Stale(_)) => {
                "stale credentials + warning".to_owned()
            }
            Some(Ok(_)) => "credentials".to_owned(),
            Some(Err(err)) => format!(
                "{:?}{}{}",
                err.kind(),
                if err.is_retryable() {
                    " (retryable)"
                } else {
                    ""
                },
                err.code().map(|c| format!(" code {c}")).unwrap_or_default()
            ),
            None => "nothing".to_owned(),
        };
        Ok(format!(
            "{shown}; {attempts} attempt(s); {} ms (bound {} ms){}",
            elapsed.as_millis(),
            bound.as_millis(),
            if row.shape == Shape::Burst {
                format!("; {READERS} readers")
            } else {
                String::new()
            }
        ))
    } else {
        Err(problems.join("; "))
    }
}

#[test]
fn every_source_survives_every_fault() {
    let rows = matrix();
    let total = rows.len();
    let queue = Arc::new(Mutex::new(rows.into_iter().enumerate().collect::<Vec<_>>()));
    let results = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let queue = Arc::clone(&queue);
            let results = Arc::clone(&results);
            std::thread::spawn(move || {
                loop {
                    let Some((index, row)) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let label = row.label();
                    let is_fault = row.is_fault();
                    let verdict = Arc::new(Mutex::new(None));
                    let slot = Arc::clone(&verdict);
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        scenario(
                            &label,
                            SECRETS,
                            Duration::from_secs(60),
                            |capture| async move {
                                let verdict = run_row(&row, &capture).await;
                                *slot.lock().unwrap() = Some(verdict);
                            },
                        )
                    }));
                    let verdict = match outcome {
                        Ok(scanned) => match verdict.lock().unwrap().take() {
                            Some(Ok(summary)) => Ok((scanned.lines, summary)),
                            Some(Err(problem)) => Err(problem),
                            None => Err("no verdict".to_owned()),
                        },
                        Err(panic) => Err(panic
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                            .unwrap_or_else(|| "panicked".to_owned())),
                    };
                    results
                        .lock()
                        .unwrap()
                        .push((index, label, is_fault, verdict));
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let mut results = std::mem::take(&mut *results.lock().unwrap());
    results.sort_by_key(|(index, ..)| *index);
    assert_eq!(results.len(), total);
    let failures: Vec<String> = results
        .iter()
        .filter_map(|(_, label, _, verdict)| {
            verdict.as_ref().err().map(|e| format!("{label}: {e}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {total} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for (_, label, _, verdict) in &results {
        if let Ok((_, summary)) = verdict {
            println!("fault matrix | {label} | {summary}");
        }
    }
    report(
        "faults::matrix",
        Tally {
            scenarios: total,
            faults: results.iter().filter(|(_, _, fault, _)| *fault).count(),
            lines_scanned: results
                .iter()
                .filter_map(|(.., verdict)| verdict.as_ref().ok().map(|(lines, _)| lines))
                .sum(),
            ..Tally::default()
        },
    );
}
