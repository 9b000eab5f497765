//! [`FakeSignin`]: the sign-in service's OAuth2 token call (`POST /v1/token`), the one
//! `aws login` sessions renew their credentials with, checking DPoP proofs for real.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::fault::{Fault, FaultQueue};
use crate::server::{self, FakeRequest, FakeResponse, Running, with_body};

/// One token request as the fake saw it, and what it made of it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigninCall {
    /// The request path (a custom endpoint's prefix included).
    pub path: String,
    /// `clientId` of the body.
    pub client_id: Option<String>,
    /// `grantType` of the body.
    pub grant_type: Option<String>,
    /// The proof's `htu` claim.
    pub htu: Option<String>,
    /// The proof's `htm` claim.
    pub htm: Option<String>,
    /// The proof's `jti` claim.
    pub jti: Option<String>,
    /// Why the request was refused (a bad proof, an unknown refresh token, a scripted
    /// refusal), `None` when it was answered with new credentials.
    pub error: Option<String>,
}

#[derive(Debug)]
struct State {
    /// The refresh token the next request must carry; each success replaces it.
    refresh_token: String,
    client_id: String,
    issued: usize,
    expires_in: i64,
    refusal: Option<(u16, String)>,
    seen_jti: HashSet<String>,
    calls: Vec<SigninCall>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    tokens: AtomicUsize,
    faults: Arc<FaultQueue>,
}

/// A fake sign-in service: `POST …/v1/token` with the `refresh_token` grant answers new
/// credentials (`ASIAFAKESIGNIN…`, 15 minutes) and a new refresh token, after checking the
/// request as the real service would:
///
/// - the `DPoP` header is an ES256 JWT (`typ` `dpop+jwt`) whose signature verifies with the
///   public `jwk` in its header (ring's P-256 verifier), whose `htm` is the request's method
///   and whose `htu` is the URL the request was sent to (`http://<Host><path>`), with a `jti`
///   not seen before;
/// - the JSON body has `grantType` `refresh_token`, the expected `clientId` and the current
///   refresh token (each success rotates it, as the real service does).
///
/// A failed check is a 400 `invalid_request`/`AccessDeniedException` answer and is recorded
/// with its reason ([`calls`](Self::calls)). [`refuse`](Self::refuse) scripts a service
/// refusal (`TOKEN_EXPIRED`, …); [`inject`](Self::inject) applies [`Fault`]s.
///
/// ```no_run
/// # async fn demo() {
/// let signin = awsauth_testkit::FakeSignin::start("refresh-1").await.expect("loopback");
/// // AWS_ENDPOINT_URL_SIGNIN=<signin.endpoint()>
/// assert_eq!(signin.tokens_issued(), 0);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct FakeSignin {
    shared: Arc<Shared>,
    running: Arc<Running>,
}

/// The `clientId` that `aws login` writes.
pub const SIGNIN_CLIENT_ID: &str = "arn:aws:signin:::devtools/same-device";

impl FakeSignin {
    /// Starts a service that accepts `refresh_token` (and the client id `aws login` uses).
    pub async fn start(refresh_token: &str) -> std::io::Result<Self> {
        let faults = Arc::new(FaultQueue::default());
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                refresh_token: refresh_token.to_owned(),
                client_id: SIGNIN_CLIENT_ID.to_owned(),
                issued: 0,
                expires_in: 900,
                refusal: None,
                seen_jti: HashSet::new(),
                calls: Vec::new(),
            }),
            tokens: AtomicUsize::new(0),
            faults: Arc::clone(&faults),
        });
        let handler = Arc::clone(&shared);
        let running = server::start(faults, move |request| {
            let shared = Arc::clone(&handler);
            async move { shared.handle(request) }
        })
        .await?;
        Ok(Self {
            shared,
            running: Arc::new(running),
        })
    }

    /// `http://127.0.0.1:<port>` (what `AWS_ENDPOINT_URL_SIGNIN` should say).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.running.addr)
    }

    /// The refresh token the next request must carry (after a success: the one just issued).
    pub fn refresh_token(&self) -> String {
        self.state().refresh_token.clone()
    }

    /// Expects `client_id` instead of [`SIGNIN_CLIENT_ID`].
    pub fn set_client_id(&self, client_id: &str) -> &Self {
        self.state().client_id = client_id.to_owned();
        self
    }

    /// The `expiresIn` of the answers (default 900 seconds).
    pub fn set_expires_in(&self, seconds: i64) -> &Self {
        self.state().expires_in = seconds;
        self
    }

    /// Refuses every request with `status` and the OAuth2 error `code` (`TOKEN_EXPIRED`,
    /// `USER_CREDENTIALS_CHANGED`, `INSUFFICIENT_PERMISSIONS` as `AccessDeniedException`;
    /// `server_error` as `InternalServerException`), or stops refusing (`None`).
    pub fn refuse(&self, refusal: Option<(u16, &str)>) -> &Self {
        self.state().refusal = refusal.map(|(s, c)| (s, c.to_owned()));
        self
    }

    /// Applies `fault` to the next `times` requests.
    pub fn inject(&self, fault: Fault, times: usize) -> &Self {
        self.shared.faults.push(fault, times);
        self
    }

    /// Credentials issued so far.
    pub fn tokens_issued(&self) -> usize {
        self.shared.tokens.load(Ordering::SeqCst)
    }

    /// Every request that arrived, including those a fault answered.
    pub fn received_requests(&self) -> usize {
        self.shared.faults.received()
    }

    /// The token requests that reached the handler, in order.
    pub fn calls(&self) -> Vec<SigninCall> {
        self.state().calls.clone()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn error(status: u16, kind: &str, code: &str, message: &str) -> FakeResponse {
    let mut response = with_body(
        status,
        "application/json",
        serde_json::json!({"error": code, "message": message}).to_string(),
    );
    if let Ok(value) = http::HeaderValue::from_str(kind) {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    response
}

/// A verified proof's claims, or why it is not one.
fn check_proof(proof: Option<&str>, method: &str, url: &str) -> Result<Value, String> {
    let proof = proof.ok_or("no DPoP header")?;
    let mut parts = proof.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the DPoP proof is not a JWT of three parts".into());
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| "not base64url");
    let head: Value = serde_json::from_slice(&decode(header)?).map_err(|_| "header not JSON")?;
    let body: Value = serde_json::from_slice(&decode(claims)?).map_err(|_| "claims not JSON")?;
    if head["typ"] != "dpop+jwt" || head["alg"] != "ES256" {
        return Err(format!("wrong typ/alg: {head}"));
    }
    let jwk = &head["jwk"];
    if jwk["kty"] != "EC" || jwk["crv"] != "P-256" {
        return Err(format!("wrong jwk: {jwk}"));
    }
    let coordinate = |name: &str| {
        jwk[name]
            .as_str()
            .ok_or("jwk without coordinates")
            .and_then(decode)
    };
    let (x, y) = (coordinate("x")?, coordinate("y")?);
    if x.len() != 32 || y.len() != 32 {
        return Err("jwk coordinates are not 32 bytes".into());
    }
    let mut point = vec![4u8];
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    let signature = decode(signature)?;
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, point)
        .verify(format!("{header}.{claims}").as_bytes(), &signature)
        .map_err(|_| "the DPoP signature does not verify with its jwk")?;
    if body["htm"] != method {
        return Err(format!("htm {} is not {method}", body["htm"]));
    }
    if body["htu"] != url {
        return Err(format!("htu {} is not {url}", body["htu"]));
    }
    if !body["iat"].is_u64() || !body["jti"].is_string() {
        return Err("iat or jti missing".into());
    }
    Ok(body)
}

impl Shared {
    fn handle(&self, request: FakeRequest) -> FakeResponse {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let path = request.head.uri.path().to_owned();
        if request.head.method != http::Method::POST || !path.ends_with("/v1/token") {
            return error(
                404,
                "ResourceNotFoundException",
                "RESOURCE_NOT_FOUND",
                "no such operation",
            );
        }
        let host = request
            .head
            .headers
            .get(http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let url = format!("http://{host}{path}");
        let proof = request
            .head
            .headers
            .get("dpop")
            .and_then(|v| v.to_str().ok());
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let text = |key: &str| body[key].as_str().map(str::to_owned);
        let mut call = SigninCall {
            path,
            client_id: text("clientId"),
            grant_type: text("grantType"),
            htu: None,
            htm: None,
            jti: None,
            error: None,
        };
        let verdict = check_proof(proof, request.head.method.as_str(), &url).and_then(|claims| {
            call.htu = claims["htu"].as_str().map(str::to_owned);
            call.htm = claims["htm"].as_str().map(str::to_owned);
            call.jti = claims["jti"].as_str().map(str::to_owned);
            let jti = call.jti.clone().unwrap_or_default();
            if !state.seen_jti.insert(jti) {
                return Err("the proof's jti was used before".to_owned());
            }
            if call.grant_type.as_deref() != Some("refresh_token") {
                return Err("grantType is not refresh_token".into());
            }
            if call.client_id.as_deref() != Some(state.client_id.as_str()) {
                return Err("unknown clientId".into());
            }
            if text("refreshToken").as_deref() != Some(state.refresh_token.as_str()) {
                return Err("unknown or spent refresh token".into());
            }
            Ok(())
        });
        if let Err(reason) = verdict {
            call.error = Some(reason.clone());
            state.calls.push(call);
            return error(400, "ValidationException", "INVALID_REQUEST", &reason);
        }
        if let Some((status, code)) = state.refusal.clone() {
            call.error = Some(format!("refused: {code}"));
            state.calls.push(call);
            let kind = if status >= 500 {
                "InternalServerException"
            } else if status == 429 {
                "TooManyRequestsError"
            } else {
                "AccessDeniedException"
            };
            return error(status, kind, &code, "refused by awsauth-testkit");
        }
        state.calls.push(call);
        state.issued += 1;
        let n = state.issued;
        self.tokens.fetch_add(1, Ordering::SeqCst);
        state.refresh_token = format!("fake-signin-refresh-{n}");
        with_body(
            200,
            "application/json",
            serde_json::json!({
                "accessToken": {
                    "accessKeyId": format!("ASIAFAKESIGNIN{n:06}"),
                    "secretAccessKey": format!("fake-signin-secret-{n}"),
                    "sessionToken": format!("fake-signin-session-{n}"),
                },
                "tokenType": "aws_sigv4",
                "expiresIn": state.expires_in,
                "refreshToken": state.refresh_token,
            })
            .to_string(),
        )
    }
}
