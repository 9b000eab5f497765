//! [`FakeContainer`]: the container credential agent (ECS task roles, EKS Pod Identity).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::fault::{Fault, FaultQueue};
use crate::imds::ImdsCredentials;
use crate::server::{self, FakeRequest, FakeResponse, Running, status_only, with_body};

/// The path credentials are served at (what `AWS_CONTAINER_CREDENTIALS_FULL_URI` points to,
/// after the endpoint).
pub const CONTAINER_CREDENTIALS_PATH: &str = "/v1/credentials";

#[derive(Debug)]
struct State {
    credentials: ImdsCredentials,
    authorization: Option<String>,
    role_arn: String,
    clock_offset: Duration,
}

#[derive(Debug, Default)]
struct Counters {
    credentials: AtomicUsize,
    unauthorized: AtomicUsize,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    counters: Counters,
    faults: Arc<FaultQueue>,
}

/// A fake container credential agent: `GET /v1/credentials` answers the task's (or pod's) role
/// credentials as JSON, the way the ECS agent and the EKS Pod Identity agent do.
///
/// When an authorization token is required ([`require_authorization`](Self::require_authorization)),
/// a request whose `Authorization` header is missing or different gets `401` and a JSON error.
/// The credentials have the same fields as the instance role's, so they are set with an
/// [`ImdsCredentials`].
///
/// ```no_run
/// # async fn demo() {
/// let agent = awsauth_testkit::FakeContainer::start().await.expect("loopback");
/// agent.require_authorization(Some("pod-identity-token"));
/// // AWS_CONTAINER_CREDENTIALS_FULL_URI=<agent.full_uri()>
/// // AWS_CONTAINER_AUTHORIZATION_TOKEN=pod-identity-token
/// assert_eq!(agent.credential_requests(), 0);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct FakeContainer {
    shared: Arc<Shared>,
    running: Arc<Running>,
}

impl FakeContainer {
    /// Starts an agent that serves fresh credentials (6-hour lifetime) to anyone: no
    /// authorization token is required until one is set.
    pub async fn start() -> std::io::Result<Self> {
        let faults = Arc::new(FaultQueue::default());
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                credentials: ImdsCredentials::default(),
                authorization: None,
                role_arn: "arn:aws:iam::123456789012:role/awsauth-task-role".to_owned(),
                clock_offset: Duration::ZERO,
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

    /// The full credentials URL, `http://127.0.0.1:<port>/v1/credentials`.
    pub fn full_uri(&self) -> String {
        format!("{}{CONTAINER_CREDENTIALS_PATH}", self.endpoint())
    }

    /// Requires this exact `Authorization` header value (`None`: accept any request).
    pub fn require_authorization(&self, token: Option<&str>) -> &Self {
        self.state().authorization = token.map(str::to_owned);
        self
    }

    /// Sets the credentials served.
    pub fn set_credentials(&self, credentials: ImdsCredentials) -> &Self {
        self.state().credentials = credentials;
        self
    }

    /// The credentials served.
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

    /// Credentials documents served (200).
    pub fn credential_requests(&self) -> usize {
        self.shared.counters.credentials.load(Ordering::SeqCst)
    }

    /// Requests refused with 401 for a missing or wrong authorization token.
    pub fn unauthorized_requests(&self) -> usize {
        self.shared.counters.unauthorized.load(Ordering::SeqCst)
    }

    /// Every request that arrived, including those a fault answered (or swallowed).
    pub fn received_requests(&self) -> usize {
        self.shared.faults.received()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Shared {
    fn handle(&self, request: FakeRequest) -> FakeResponse {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if request.head.method != http::Method::GET {
            return status_only(405);
        }
        if request.head.uri.path() != CONTAINER_CREDENTIALS_PATH {
            return status_only(404);
        }
        if let Some(required) = &state.authorization {
            let given = request
                .head
                .headers
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok());
            if given != Some(required.as_str()) {
                self.counters.unauthorized.fetch_add(1, Ordering::SeqCst);
                return with_body(
                    401,
                    "application/json",
                    r#"{"code":"AccessDeniedException","message":"the authorization token is missing or not valid"}"#,
                );
            }
        }
        self.counters.credentials.fetch_add(1, Ordering::SeqCst);
        let now = SystemTime::now() + state.clock_offset;
        let body = serde_json::json!({
            "AccessKeyId": state.credentials.access_key_id,
            "SecretAccessKey": state.credentials.secret_access_key,
            "Token": state.credentials.token,
            "Expiration": rfc3339(now + state.credentials.lifetime),
            "AccountId": state.credentials.account_id,
            "RoleArn": state.role_arn,
        });
        with_body(200, "application/json", body.to_string())
    }
}

fn rfc3339(t: SystemTime) -> String {
    let t = OffsetDateTime::from(t);
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}
