//! [`FakeSso`]: the IAM Identity Center portal (`GetRoleCredentials`) and SSO OIDC
//! (`CreateToken` with the refresh-token grant) on one loopback server.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::fault::{Fault, FaultQueue};
use crate::server::{self, FakeRequest, FakeResponse, Running, json_error, with_body};

/// Role credentials the fake portal answers for an account and role.
#[derive(Clone, PartialEq, Eq)]
pub struct SsoRoleCredentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token.
    pub session_token: String,
    /// How long from each request until they expire (whole seconds are sent, in epoch
    /// milliseconds as the portal does).
    pub lifetime: Duration,
}

impl std::fmt::Debug for SsoRoleCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoRoleCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl SsoRoleCredentials {
    /// The credentials the fake hands out for `account_id` / `role_name` unless told otherwise:
    /// the same on every call and in every process (so two clients asking for the same role
    /// can be compared), valid for an hour.
    pub fn derived(account_id: &str, role_name: &str) -> Self {
        // FNV-1a: stable across processes, unlike the standard library's hasher.
        let hash = format!("{account_id}/{role_name}")
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
        Self {
            access_key_id: format!("ASIASSO{:013X}", hash >> 12),
            secret_access_key: format!("sso-secret-{hash:016x}"),
            session_token: format!("sso-session-token-{hash:016x}-{:016x}", !hash),
            lifetime: Duration::from_secs(3600),
        }
    }
}

/// One call the fake answered (or refused), for assertions. Tokens and secrets are never
/// recorded, only their lengths.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SsoCall {
    /// `GetRoleCredentials`, `CreateToken`, or `unknown`.
    pub operation: &'static str,
    /// The request path as sent (a client's endpoint path prefix included).
    pub path: String,
    /// `account_id` of a portal call.
    pub account_id: Option<String>,
    /// `role_name` of a portal call.
    pub role_name: Option<String>,
    /// The length of the `x-amz-sso_bearer_token` header of a portal call.
    pub bearer_token_len: Option<usize>,
    /// `grantType` of an OIDC call.
    pub grant_type: Option<String>,
    /// `clientId` of an OIDC call.
    pub client_id: Option<String>,
    /// The error type answered, if the call failed.
    pub error: Option<String>,
}

#[derive(Default)]
struct State {
    access_tokens: HashSet<String>,
    clients: HashMap<String, String>,
    refresh_tokens: HashSet<String>,
    roles: Option<HashSet<(String, String)>>,
    credentials: HashMap<(String, String), SsoRoleCredentials>,
    token_lifetime: Option<Duration>,
    keep_refresh_tokens: bool,
    clock_offset: Duration,
    calls: Vec<SsoCall>,
    issued: u64,
    last_issued: Option<(String, Option<String>)>,
}

impl std::fmt::Debug for State {
    /// Counts only: the tokens and client secrets are secrets even in a fake.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("access_tokens", &self.access_tokens.len())
            .field("clients", &self.clients.keys().collect::<Vec<_>>())
            .field("refresh_tokens", &self.refresh_tokens.len())
            .field("roles", &self.roles)
            .field("calls", &self.calls.len())
            .field("issued", &self.issued)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    counter: AtomicUsize,
}

/// A fake IAM Identity Center: the portal's `GET /federation/credentials` and SSO OIDC's
/// `POST /token`, on one ephemeral loopback port (point `AWS_ENDPOINT_URL_SSO` and
/// `AWS_ENDPOINT_URL_SSO_OIDC`, or just `AWS_ENDPOINT_URL`, at [`endpoint`](Self::endpoint)).
/// Requests are told apart by method and the end of the path, so an endpoint with a path
/// prefix works too.
///
/// - The portal accepts the access tokens added with [`add_access_token`](Self::add_access_token)
///   or issued by a refresh (else 401 `UnauthorizedException`), for any account and role
///   unless [`allow_role`](Self::allow_role) restricts them (else 403 `ForbiddenException`),
///   and answers [`SsoRoleCredentials::derived`] or what
///   [`set_role_credentials`](Self::set_role_credentials) set.
/// - OIDC accepts the refresh-token grant of a client added with
///   [`add_client`](Self::add_client) and a refresh token added with
///   [`add_refresh_token`](Self::add_refresh_token) (else 401 `InvalidClientException` /
///   400 `InvalidGrantException`, `invalid_grant`). It issues a new access token (valid at
///   the portal) and a new refresh token, revoking the old one, unless
///   [`keep_refresh_tokens`](Self::keep_refresh_tokens).
/// - Every request is recorded ([`calls`](Self::calls)) without its secrets; [`Fault`]s
///   apply as to every fake of this crate.
///
/// ```no_run
/// # async fn demo() {
/// use awsauth_testkit::FakeSso;
/// let sso = FakeSso::start().await.unwrap();
/// sso.add_access_token("cached-access-token")
///     .add_client("client-id", "client-secret")
///     .add_refresh_token("refresh-token");
/// // AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC = sso.endpoint()
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct FakeSso {
    shared: Arc<Shared>,
    faults: Arc<FaultQueue>,
    running: Arc<Running>,
}

impl FakeSso {
    /// Starts the fake on `127.0.0.1`, accepting nothing until told to.
    pub async fn start() -> std::io::Result<Self> {
        let faults = Arc::new(FaultQueue::default());
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            counter: AtomicUsize::new(0),
        });
        let handler = Arc::clone(&shared);
        let running = server::start(Arc::clone(&faults), move |request| {
            let shared = Arc::clone(&handler);
            async move { shared.handle(request) }
        })
        .await?;
        Ok(Self {
            shared,
            faults,
            running: Arc::new(running),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.running.addr)
    }

    /// Lets the portal accept `token` (an access token from a cache file).
    pub fn add_access_token(&self, token: &str) -> &Self {
        self.state().access_tokens.insert(token.to_owned());
        self
    }

    /// Makes the portal refuse `token` from now on (401), as after a sign-out.
    pub fn revoke_access_token(&self, token: &str) -> &Self {
        self.state().access_tokens.remove(token);
        self
    }

    /// Registers an OIDC client.
    pub fn add_client(&self, client_id: &str, client_secret: &str) -> &Self {
        self.state()
            .clients
            .insert(client_id.to_owned(), client_secret.to_owned());
        self
    }

    /// Lets OIDC accept `token` for a refresh.
    pub fn add_refresh_token(&self, token: &str) -> &Self {
        self.state().refresh_tokens.insert(token.to_owned());
        self
    }

    /// Makes OIDC refuse `token` from now on (400 `invalid_grant`).
    pub fn revoke_refresh_token(&self, token: &str) -> &Self {
        self.state().refresh_tokens.remove(token);
        self
    }

    /// Restricts the portal to the accounts and roles allowed so far (others get 403).
    pub fn allow_role(&self, account_id: &str, role_name: &str) -> &Self {
        self.state()
            .roles
            .get_or_insert_with(HashSet::new)
            .insert((account_id.to_owned(), role_name.to_owned()));
        self
    }

    /// What the portal answers for `account_id` / `role_name`.
    pub fn set_role_credentials(
        &self,
        account_id: &str,
        role_name: &str,
        credentials: SsoRoleCredentials,
    ) -> &Self {
        self.state()
            .credentials
            .insert((account_id.to_owned(), role_name.to_owned()), credentials);
        self
    }

    /// The `expiresIn` of tokens issued by a refresh (default one hour).
    pub fn set_token_lifetime(&self, lifetime: Duration) -> &Self {
        self.state().token_lifetime = Some(lifetime);
        self
    }

    /// Answers refreshes without a new `refreshToken` (the old one stays valid), as the
    /// service may.
    pub fn keep_refresh_tokens(&self, keep: bool) -> &Self {
        self.state().keep_refresh_tokens = keep;
        self
    }

    /// Runs this fake's clock `ahead` of the system clock (the expirations it writes move
    /// with it).
    pub fn set_clock_offset(&self, ahead: Duration) -> &Self {
        self.state().clock_offset = ahead;
        self.faults.set_clock_offset(ahead);
        self
    }

    /// Applies `fault` to the next `times` requests.
    pub fn inject(&self, fault: Fault, times: usize) -> &Self {
        self.faults.push(fault, times);
        self
    }

    /// Drops the faults not yet applied.
    pub fn clear_faults(&self) -> &Self {
        self.faults.clear();
        self
    }

    /// Every request that reached the handler (faulted ones excluded).
    pub fn requests(&self) -> usize {
        self.shared.counter.load(Ordering::SeqCst)
    }

    /// Every request that arrived, including those a fault answered: the attempts a client
    /// made.
    pub fn received_requests(&self) -> usize {
        self.faults.received()
    }

    /// The calls answered so far, in order.
    pub fn calls(&self) -> Vec<SsoCall> {
        self.state().calls.clone()
    }

    /// How many calls of `operation` (`GetRoleCredentials`, `CreateToken`) succeeded.
    pub fn successful(&self, operation: &str) -> usize {
        self.state()
            .calls
            .iter()
            .filter(|c| c.operation == operation && c.error.is_none())
            .count()
    }

    /// The access token and refresh token the last successful refresh issued (to check what a
    /// client wrote back to its cache).
    pub fn last_issued(&self) -> Option<(String, Option<String>)> {
        self.state().last_issued.clone()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

type Refusal = (u16, &'static str, Option<&'static str>, String);

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn handle(&self, request: FakeRequest) -> FakeResponse {
        self.counter.fetch_add(1, Ordering::SeqCst);
        let path = request.head.uri.path().to_owned();
        let mut call = SsoCall {
            operation: "unknown",
            path: path.clone(),
            account_id: None,
            role_name: None,
            bearer_token_len: None,
            grant_type: None,
            client_id: None,
            error: None,
        };
        let outcome = if request.head.method == http::Method::GET
            && path.ends_with("/federation/credentials")
        {
            call.operation = "GetRoleCredentials";
            self.get_role_credentials(&request, &mut call)
        } else if request.head.method == http::Method::POST && path.ends_with("/token") {
            call.operation = "CreateToken";
            self.create_token(&request, &mut call)
        } else {
            Err((
                404,
                "UnknownOperationException",
                None,
                format!("no operation at {} {path}", request.head.method),
            ))
        };
        let response = match outcome {
            Ok(body) => with_body(200, "application/json", body),
            Err((status, code, oauth, message)) => {
                call.error = Some(code.to_owned());
                json_error(status, code, oauth, &message)
            }
        };
        self.state().calls.push(call);
        response
    }

    fn get_role_credentials(
        &self,
        request: &FakeRequest,
        call: &mut SsoCall,
    ) -> Result<String, Refusal> {
        let query: HashMap<String, String> =
            form_urlencoded::parse(request.head.uri.query().unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        call.account_id = query.get("account_id").cloned();
        call.role_name = query.get("role_name").cloned();
        let token = request
            .head
            .headers
            .get("x-amz-sso_bearer_token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        call.bearer_token_len = token.as_ref().map(String::len);
        let (Some(account), Some(role)) = (call.account_id.clone(), call.role_name.clone()) else {
            return Err((
                400,
                "InvalidRequestException",
                None,
                "account_id and role_name are required".into(),
            ));
        };
        let state = self.state();
        let valid = token
            .as_ref()
            .is_some_and(|t| state.access_tokens.contains(t));
        if !valid {
            return Err((
                401,
                "UnauthorizedException",
                None,
                "Session token not found or invalid".into(),
            ));
        }
        if let Some(roles) = &state.roles
            && !roles.contains(&(account.clone(), role.clone()))
        {
            return Err((403, "ForbiddenException", None, "No access".into()));
        }
        let creds = state
            .credentials
            .get(&(account.clone(), role.clone()))
            .cloned()
            .unwrap_or_else(|| SsoRoleCredentials::derived(&account, &role));
        let expires = SystemTime::now() + state.clock_offset + creds.lifetime;
        let secs = expires
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        Ok(serde_json::json!({
            "roleCredentials": {
                "accessKeyId": creds.access_key_id,
                "secretAccessKey": creds.secret_access_key,
                "sessionToken": creds.session_token,
                "expiration": secs * 1000,
            }
        })
        .to_string())
    }

    fn create_token(&self, request: &FakeRequest, call: &mut SsoCall) -> Result<String, Refusal> {
        let body: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&request.body).map_err(|_| {
                (
                    400,
                    "InvalidRequestException",
                    Some("invalid_request"),
                    "the body is not a JSON object".to_owned(),
                )
            })?;
        let text = |key: &str| body.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        call.grant_type = text("grantType");
        call.client_id = text("clientId");
        if call.grant_type.as_deref() != Some("refresh_token") {
            return Err((
                400,
                "UnsupportedGrantTypeException",
                Some("unsupported_grant_type"),
                "only the refresh_token grant is supported here".into(),
            ));
        }
        let mut state = self.state();
        let client_ok = match (text("clientId"), text("clientSecret")) {
            (Some(id), Some(secret)) => state.clients.get(&id) == Some(&secret),
            _ => false,
        };
        if !client_ok {
            return Err((
                401,
                "InvalidClientException",
                Some("invalid_client"),
                "Client authentication failed".into(),
            ));
        }
        let refresh = text("refreshToken").unwrap_or_default();
        if !state.refresh_tokens.contains(&refresh) {
            return Err((
                400,
                "InvalidGrantException",
                Some("invalid_grant"),
                "Invalid refresh token provided".into(),
            ));
        }
        state.issued += 1;
        let access = format!("sso-access-{:04}-{:016x}", state.issued, fastrand::u64(..));
        state.access_tokens.insert(access.clone());
        let rotated = if state.keep_refresh_tokens {
            None
        } else {
            state.refresh_tokens.remove(&refresh);
            let new = format!("sso-refresh-{:04}-{:016x}", state.issued, fastrand::u64(..));
            state.refresh_tokens.insert(new.clone());
            Some(new)
        };
        state.last_issued = Some((access.clone(), rotated.clone()));
        let lifetime = state.token_lifetime.unwrap_or(Duration::from_secs(3600));
        let mut answer = serde_json::json!({
            "accessToken": access,
            "tokenType": "Bearer",
            "expiresIn": lifetime.as_secs(),
        });
        if let Some(rotated) = rotated {
            answer["refreshToken"] = serde_json::Value::from(rotated);
        }
        Ok(answer.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_credentials_are_stable_and_differ_by_role() {
        let a = SsoRoleCredentials::derived("123456789012", "ReadOnly");
        assert_eq!(a, SsoRoleCredentials::derived("123456789012", "ReadOnly"));
        assert_ne!(
            a.access_key_id,
            SsoRoleCredentials::derived("123456789012", "Admin").access_key_id
        );
        assert_eq!(a.access_key_id.len(), 20);
        assert!(!format!("{a:?}").contains(&a.secret_access_key));
    }
}
