//! [`FakeImds`]: EC2 instance metadata with IMDSv2 enforced.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::fault::{Fault, FaultQueue};
use crate::server::{self, FakeRequest, FakeResponse, Running, status_only, with_body};

/// The credentials the fake instance role hands out.
#[derive(Clone, PartialEq, Eq)]
pub struct ImdsCredentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token.
    pub token: String,
    /// How long from each request until they expire.
    pub lifetime: Duration,
    /// The account id (served on the extended path only, as EC2 does).
    pub account_id: String,
}

impl std::fmt::Debug for ImdsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImdsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl Default for ImdsCredentials {
    fn default() -> Self {
        Self {
            access_key_id: "ASIAFAKEIMDS00000001".to_owned(),
            secret_access_key: format!("imds-secret-{:016x}", fastrand::u64(..)),
            token: format!("imds-token-{:016x}", fastrand::u64(..)),
            lifetime: Duration::from_secs(6 * 3600),
            account_id: "123456789012".to_owned(),
        }
    }
}

#[derive(Debug)]
struct State {
    role: Option<String>,
    credentials: ImdsCredentials,
    region: String,
    extended: bool,
    allow_v1: bool,
    max_token_ttl: Option<Duration>,
    tokens: HashMap<String, Instant>,
    clock_offset: Duration,
    /// How far the clock the tokens' TTL runs on was moved ahead of the real one.
    token_clock: Duration,
}

#[derive(Debug, Default)]
struct Counters {
    token: AtomicUsize,
    credentials: AtomicUsize,
    total: AtomicUsize,
    unauthorized: AtomicUsize,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    counters: Counters,
    faults: Arc<FaultQueue>,
}

/// A fake EC2 instance metadata service (IMDSv2).
///
/// ```no_run
/// # async fn demo() {
/// let imds = awsauth_testkit::FakeImds::start().await.expect("loopback");
/// // AWS_EC2_METADATA_SERVICE_ENDPOINT=<imds.endpoint()>
/// assert_eq!(imds.credential_requests(), 0);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct FakeImds {
    shared: Arc<Shared>,
    running: Arc<Running>,
}

impl FakeImds {
    /// Starts a fake instance with role `awsauth-demo-role`, region `us-east-1`, the extended
    /// credentials path, and IMDSv1 refused.
    pub async fn start() -> std::io::Result<Self> {
        let faults = Arc::new(FaultQueue::default());
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                role: Some("awsauth-demo-role".to_owned()),
                credentials: ImdsCredentials::default(),
                region: "us-east-1".to_owned(),
                extended: true,
                allow_v1: false,
                max_token_ttl: None,
                tokens: HashMap::new(),
                clock_offset: Duration::ZERO,
                token_clock: Duration::ZERO,
            }),
            counters: Counters::default(),
            faults: Arc::clone(&faults),
        });
        let handler_state = Arc::clone(&shared);
        let running = server::start(faults, move |request| {
            let shared = Arc::clone(&handler_state);
            async move { shared.handle(request) }
        })
        .await?;
        Ok(Self {
            shared,
            running: Arc::new(running),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.running.addr)
    }

    /// Sets (or, with `None`, removes) the instance role.
    pub fn set_role(&self, role: Option<&str>) -> &Self {
        self.state().role = role.map(str::to_owned);
        self
    }

    /// Sets the credentials the role hands out.
    pub fn set_credentials(&self, credentials: ImdsCredentials) -> &Self {
        self.state().credentials = credentials;
        self
    }

    /// The credentials the role hands out.
    pub fn credentials(&self) -> ImdsCredentials {
        self.state().credentials.clone()
    }

    /// Runs this fake's clock `ahead` of the system clock: the `Expiration` (and other
    /// timestamps) it writes move with it. A test that jumps its own clock forward shifts the
    /// fake by the same amount, as when time passes for both sides; a test of clock skew
    /// shifts only one side.
    pub fn set_clock_offset(&self, ahead: Duration) -> &Self {
        self.state().clock_offset = ahead;
        self.shared.faults.set_clock_offset(ahead);
        self
    }

    /// Sets the region.
    pub fn set_region(&self, region: &str) -> &Self {
        self.state().region = region.to_owned();
        self
    }

    /// Serves (`true`) or 404s (`false`) the `security-credentials-extended` path, as older
    /// instances do.
    pub fn set_extended(&self, extended: bool) -> &Self {
        self.state().extended = extended;
        self
    }

    /// Accepts requests without a token (IMDSv1) when `true`.
    pub fn set_allow_v1(&self, allow: bool) -> &Self {
        self.state().allow_v1 = allow;
        self
    }

    /// Caps the TTL of new tokens (to test token refresh quickly).
    pub fn set_max_token_ttl(&self, ttl: Option<Duration>) -> &Self {
        self.state().max_token_ttl = ttl;
        self
    }

    /// Forgets every issued token (the client must get a new one after a 401).
    pub fn revoke_tokens(&self) -> &Self {
        self.state().tokens.clear();
        self
    }

    /// Moves the clock the IMDSv2 tokens' TTL runs on `by` ahead, without waiting: a token
    /// issued before expires as if `by` had passed (tokens issued after get their full TTL).
    pub fn advance_token_clock(&self, by: Duration) -> &Self {
        self.state().token_clock += by;
        self
    }

    /// Applies `fault` to the next `times` requests.
    pub fn inject(&self, fault: Fault, times: usize) -> &Self {
        self.shared.faults.push(fault, times);
        self
    }

    /// Drops the faults not yet applied.
    pub fn clear_faults(&self) -> &Self {
        self.shared.faults.clear();
        self
    }

    /// Token requests (`PUT /latest/api/token`) served.
    pub fn token_requests(&self) -> usize {
        self.shared.counters.token.load(Ordering::SeqCst)
    }

    /// Requests for credentials documents (role name listings not counted).
    pub fn credential_requests(&self) -> usize {
        self.shared.counters.credentials.load(Ordering::SeqCst)
    }

    /// Every request that reached the handler: not the ones a fault answered instead (a
    /// [`Fault::Delay`] still reaches it). See [`received_requests`](Self::received_requests)
    /// for every request that arrived.
    pub fn total_requests(&self) -> usize {
        self.shared.counters.total.load(Ordering::SeqCst)
    }

    /// Every request that arrived, including those a fault answered (or swallowed): the
    /// number of attempts a client made.
    pub fn received_requests(&self) -> usize {
        self.shared.faults.received()
    }

    /// Requests refused with 401 for a missing or expired token.
    pub fn unauthorized_requests(&self) -> usize {
        self.shared.counters.unauthorized.load(Ordering::SeqCst)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Shared {
    fn handle(&self, request: FakeRequest) -> FakeResponse {
        self.counters.total.fetch_add(1, Ordering::SeqCst);
        let path = request.head.uri.path().to_owned();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if request.head.method == http::Method::PUT && path == "/latest/api/token" {
            self.counters.token.fetch_add(1, Ordering::SeqCst);
            let ttl = request
                .head
                .headers
                .get("x-aws-ec2-metadata-token-ttl-seconds")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let Some(ttl) = ttl.filter(|t| (1..=21600).contains(t)) else {
                return status_only(400);
            };
            let ttl = state.max_token_ttl.map_or(Duration::from_secs(ttl), |max| {
                max.min(Duration::from_secs(ttl))
            });
            let token = format!("imds-session-{:016x}", fastrand::u64(..));
            let now = Instant::now() + state.token_clock;
            state.tokens.insert(token.clone(), now + ttl);
            let mut response = with_body(200, "text/plain", token);
            if let Ok(value) = http::HeaderValue::from_str(&ttl.as_secs().max(1).to_string()) {
                response
                    .headers_mut()
                    .insert("x-aws-ec2-metadata-token-ttl-seconds", value);
            }
            return response;
        }
        if request.head.method != http::Method::GET {
            return status_only(405);
        }
        let token_ok = request
            .head
            .headers
            .get("x-aws-ec2-metadata-token")
            .and_then(|v| v.to_str().ok())
            .and_then(|t| state.tokens.get(t))
            .is_some_and(|expiry| *expiry > Instant::now() + state.token_clock);
        let has_token_header = request
            .head
            .headers
            .contains_key("x-aws-ec2-metadata-token");
        if !token_ok && (has_token_header || !state.allow_v1) {
            self.counters.unauthorized.fetch_add(1, Ordering::SeqCst);
            return status_only(401);
        }
        if path == "/latest/meta-data/placement/region" {
            return with_body(200, "text/plain", state.region.clone());
        }
        for (prefix, extended) in [
            ("/latest/meta-data/iam/security-credentials-extended/", true),
            ("/latest/meta-data/iam/security-credentials/", false),
        ] {
            let Some(rest) = path.strip_prefix(prefix) else {
                continue;
            };
            if extended && !state.extended {
                return status_only(404);
            }
            let Some(role) = state.role.clone() else {
                return status_only(404);
            };
            if rest.is_empty() {
                return with_body(200, "text/plain", role);
            }
            if rest.trim_end_matches('/') != role {
                return status_only(404);
            }
            self.counters.credentials.fetch_add(1, Ordering::SeqCst);
            return with_body(
                200,
                "application/json",
                credentials_document(
                    &state.credentials,
                    extended,
                    SystemTime::now() + state.clock_offset,
                ),
            );
        }
        status_only(404)
    }
}

fn rfc3339(t: SystemTime) -> String {
    let t = OffsetDateTime::from(t);
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn credentials_document(credentials: &ImdsCredentials, extended: bool, now: SystemTime) -> String {
    let mut doc = serde_json::json!({
        "Code": "Success",
        "LastUpdated": rfc3339(now),
        "Type": "AWS-HMAC",
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key,
        "Token": credentials.token,
        "Expiration": rfc3339(now + credentials.lifetime),
    });
    if extended {
        doc["AccountId"] = serde_json::Value::String(credentials.account_id.clone());
    }
    doc.to_string()
}
