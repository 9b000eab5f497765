//! [`FakeSts`]: the STS query protocol, with SigV4 verification.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::fault::{DateHeader, Fault, FaultQueue};
use crate::server::{
    self, FakeRequest, FakeResponse, Running, request_id, with_body, xml_error, xml_escape,
};
use crate::sigv4::{self, Refusal};

/// How far a signed request's `X-Amz-Date` may be from the service's clock, either way.
pub const MAX_REQUEST_SKEW: Duration = Duration::from_secs(5 * 60);

/// What a role demands of its callers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleRule {
    /// The external ID the trust policy requires, if any.
    pub external_id: Option<String>,
}

/// One call the fake STS answered (or refused), for assertions.
#[derive(Clone)]
pub struct RecordedCall {
    /// The `Action` parameter.
    pub action: String,
    /// Every form parameter except `WebIdentityToken` (a secret), which is replaced by its length.
    pub params: BTreeMap<String, String>,
    /// The credential scope's region, for signed calls.
    pub signing_region: Option<String>,
    /// The signing key id, for signed calls.
    pub access_key_id: Option<String>,
    /// The error code answered, if the call failed.
    pub error: Option<String>,
}

impl std::fmt::Debug for RecordedCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordedCall")
            .field("action", &self.action)
            .field("params", &self.params)
            .field("signing_region", &self.signing_region)
            .field("access_key_id", &self.access_key_id)
            .field("error", &self.error)
            .finish()
    }
}

#[derive(Debug, Clone)]
struct Key {
    secret: String,
    session_token: Option<String>,
    arn: String,
}

#[derive(Debug, Default)]
struct State {
    keys: HashMap<String, Key>,
    roles: HashMap<String, RoleRule>,
    web_identity_tokens: Option<Vec<String>>,
    verify_signatures: bool,
    calls: Vec<RecordedCall>,
    issued: u64,
    clock_offset: Duration,
    issued_lifetime: Option<Duration>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    counter: AtomicUsize,
    account: String,
}

/// A fake STS endpoint.
///
/// `AssumeRole` and `GetCallerIdentity` must be SigV4-signed (service `sts`) by a key added with
/// [`add_key`](Self::add_key) or issued by this server; `AssumeRoleWithWebIdentity` is unsigned.
/// Roles added with [`add_role`](Self::add_role) can demand an external ID; other role ARNs
/// are accepted as long as they look like role ARNs.
#[derive(Debug, Clone)]
pub struct FakeSts {
    shared: Arc<Shared>,
    faults: Arc<FaultQueue>,
    running: Arc<Running>,
}

impl FakeSts {
    /// Starts a fake STS for account `123456789012`, verifying signatures.
    pub async fn start() -> std::io::Result<Self> {
        let faults = Arc::new(FaultQueue::default());
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                verify_signatures: true,
                ..State::default()
            }),
            counter: AtomicUsize::new(0),
            account: "123456789012".to_owned(),
        });
        let handler_state = Arc::clone(&shared);
        let running = server::start(Arc::clone(&faults), move |request| {
            let shared = Arc::clone(&handler_state);
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

    /// Lets `access_key_id` / `secret` sign requests (an IAM user's long-term key).
    pub fn add_key(&self, access_key_id: &str, secret: &str) -> &Self {
        let arn = format!("arn:aws:iam::{}:user/{access_key_id}", self.shared.account);
        self.state().keys.insert(
            access_key_id.to_owned(),
            Key {
                secret: secret.to_owned(),
                session_token: None,
                arn,
            },
        );
        self
    }

    /// Lets temporary credentials issued elsewhere (by a fake IAM Identity Center, say) sign
    /// requests; the session token must then come with them.
    pub fn add_temporary_key(
        &self,
        access_key_id: &str,
        secret: &str,
        session_token: &str,
    ) -> &Self {
        let arn = format!(
            "arn:aws:sts::{}:assumed-role/temporary/{access_key_id}",
            self.shared.account
        );
        self.state().keys.insert(
            access_key_id.to_owned(),
            Key {
                secret: secret.to_owned(),
                session_token: Some(session_token.to_owned()),
                arn,
            },
        );
        self
    }

    /// Declares a role and what its trust policy demands.
    pub fn add_role(&self, role_arn: &str, rule: RoleRule) -> &Self {
        self.state().roles.insert(role_arn.to_owned(), rule);
        self
    }

    /// Only these web identity tokens are accepted (by default any non-empty token is).
    pub fn accept_web_identity_tokens(&self, tokens: &[&str]) -> &Self {
        self.state().web_identity_tokens = Some(tokens.iter().map(|t| (*t).to_owned()).collect());
        self
    }

    /// Turns signature verification off (to test what a client sends, not how it signs).
    pub fn set_verify_signatures(&self, verify: bool) -> &Self {
        self.state().verify_signatures = verify;
        self
    }

    /// Runs this fake's clock `ahead` of the system clock: the `Expiration` (and other
    /// timestamps) it writes move with it. A test that jumps its own clock forward shifts the
    /// fake by the same amount, as when time passes for both sides; a test of clock skew
    /// shifts only one side.
    ///
    /// Every answer's `Date` header reads this clock, and a signed request whose
    /// `X-Amz-Date` is more than [`MAX_REQUEST_SKEW`] from it is refused as STS refuses it
    /// (403 `SignatureDoesNotMatch`, "Signature expired: …" or "Signature not yet
    /// current: …").
    pub fn set_clock_offset(&self, ahead: Duration) -> &Self {
        self.state().clock_offset = ahead;
        self.faults.set_clock_offset(ahead);
        self
    }

    /// What the `Date` header of every answer says (this fake's clock by default).
    pub fn set_date_header(&self, date: DateHeader) -> &Self {
        self.faults.set_date_header(date);
        self
    }

    /// Issues every credential valid for `lifetime`, whatever `DurationSeconds` asked (which is
    /// still validated): seconds-long sessions let a test or a benchmark watch a client refresh
    /// several times. The `Expiration` is written in whole seconds, so the lifetime a client
    /// sees is up to a second shorter.
    pub fn set_issued_lifetime(&self, lifetime: Duration) -> &Self {
        self.state().issued_lifetime = Some(lifetime);
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

    /// Every request that arrived, including those a fault answered (or swallowed): the
    /// number of attempts a client made.
    pub fn received_requests(&self) -> usize {
        self.faults.received()
    }

    /// The calls answered so far, in order.
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.state().calls.clone()
    }

    /// How many calls of `action` were answered successfully.
    pub fn successful(&self, action: &str) -> usize {
        self.state()
            .calls
            .iter()
            .filter(|c| c.action == action && c.error.is_none())
            .count()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Shared {
    fn handle(&self, request: FakeRequest) -> FakeResponse {
        self.counter.fetch_add(1, Ordering::SeqCst);
        let params: BTreeMap<String, String> =
            form_urlencoded::parse(&request.body).into_owned().collect();
        let action = params.get("Action").cloned().unwrap_or_default();
        let mut recorded = RecordedCall {
            action: action.clone(),
            params: params
                .iter()
                .map(|(k, v)| {
                    if k == "WebIdentityToken" {
                        (k.clone(), format!("<{} bytes>", v.len()))
                    } else {
                        (k.clone(), v.clone())
                    }
                })
                .collect(),
            signing_region: None,
            access_key_id: None,
            error: None,
        };
        let outcome = self.answer(&request, &params, &mut recorded);
        let response = match outcome {
            Ok(body) => with_body(200, "text/xml", body),
            Err((status, code, message)) => {
                recorded.error = Some(code.to_owned());
                xml_error(status, code, &message)
            }
        };
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .calls
            .push(recorded);
        response
    }

    fn answer(
        &self,
        request: &FakeRequest,
        params: &BTreeMap<String, String>,
        recorded: &mut RecordedCall,
    ) -> Result<String, (u16, &'static str, String)> {
        if request.head.method != http::Method::POST {
            return Err((405, "InvalidAction", "STS takes POST".into()));
        }
        if params.get("Version").map(String::as_str) != Some("2011-06-15") {
            return Err((
                400,
                "InvalidParameterValue",
                "Version must be 2011-06-15".into(),
            ));
        }
        match params.get("Action").map(String::as_str) {
            Some("AssumeRole") => {
                let caller = self.authenticate(request, recorded)?;
                self.assume_role(params, &caller)
            }
            Some("GetCallerIdentity") => {
                let caller = self.authenticate(request, recorded)?;
                let user_id = caller.arn.rsplit('/').next().unwrap_or_default().to_owned();
                Ok(format!(
                    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
                    xml_escape(&caller.arn),
                    xml_escape(&user_id),
                    self.account,
                    request_id()
                ))
            }
            Some("AssumeRoleWithWebIdentity") => self.assume_role_with_web_identity(params),
            _ => Err((400, "InvalidAction", "unknown Action".into())),
        }
    }

    fn authenticate(
        &self,
        request: &FakeRequest,
        recorded: &mut RecordedCall,
    ) -> Result<Key, (u16, &'static str, String)> {
        let header = request
            .head
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let auth = sigv4::parse_authorization(header).ok_or((
            403,
            "MissingAuthenticationToken",
            "Request is missing Authentication Token".to_owned(),
        ))?;
        recorded.signing_region = Some(auth.region.clone());
        recorded.access_key_id = Some(auth.access_key_id.clone());
        if auth.service != "sts" {
            return Err((
                403,
                "SignatureDoesNotMatch",
                format!(
                    "Credential should be scoped to correct service: 'sts', not {:?}",
                    auth.service
                ),
            ));
        }
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (verify, ahead) = (state.verify_signatures, state.clock_offset);
        drop(state);
        if verify {
            check_request_time(request, server::fake_now(ahead))?;
        }
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let key = state.keys.get(&auth.access_key_id).cloned().ok_or((
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.".to_owned(),
        ))?;
        if !state.verify_signatures {
            return Ok(key);
        }
        drop(state);
        match sigv4::verify(
            &request.head,
            &request.body,
            &auth,
            &key.secret,
            key.session_token.as_deref(),
        ) {
            Ok(()) => Ok(key),
            Err(Refusal::Missing(what)) => Err((
                400,
                "IncompleteSignature",
                format!("missing or malformed: {what}"),
            )),
            Err(Refusal::Mismatch) => Err((
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided."
                    .into(),
            )),
        }
    }

    fn assume_role(
        &self,
        params: &BTreeMap<String, String>,
        _caller: &Key,
    ) -> Result<String, (u16, &'static str, String)> {
        let role_arn = params.get("RoleArn").cloned().unwrap_or_default();
        let session = params.get("RoleSessionName").cloned().unwrap_or_default();
        let role_name = role_name(&role_arn).ok_or((
            400,
            "ValidationError",
            format!("invalid RoleArn {role_arn:?}"),
        ))?;
        if session.is_empty() {
            return Err((400, "ValidationError", "RoleSessionName is required".into()));
        }
        let rule = self
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .roles
            .get(&role_arn)
            .cloned()
            .unwrap_or_default();
        if let Some(required) = rule.external_id
            && params.get("ExternalId") != Some(&required)
        {
            return Err((
                403,
                "AccessDenied",
                format!("not authorized to perform sts:AssumeRole on {role_arn}"),
            ));
        }
        let duration = duration(params)?;
        let (creds, assumed_arn) = self.issue(&role_name, &session, duration);
        Ok(format!(
            "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><AssumedRoleUser><AssumedRoleId>AROAFAKE:{}</AssumedRoleId><Arn>{}</Arn></AssumedRoleUser>{creds}</AssumeRoleResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></AssumeRoleResponse>",
            xml_escape(&session),
            xml_escape(&assumed_arn),
            request_id()
        ))
    }

    fn assume_role_with_web_identity(
        &self,
        params: &BTreeMap<String, String>,
    ) -> Result<String, (u16, &'static str, String)> {
        let role_arn = params.get("RoleArn").cloned().unwrap_or_default();
        let session = params.get("RoleSessionName").cloned().unwrap_or_default();
        let token = params.get("WebIdentityToken").cloned().unwrap_or_default();
        let role_name = role_name(&role_arn).ok_or((
            400,
            "ValidationError",
            format!("invalid RoleArn {role_arn:?}"),
        ))?;
        let accepted = self
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .web_identity_tokens
            .clone();
        let valid = !token.is_empty() && accepted.is_none_or(|list| list.contains(&token));
        if !valid {
            return Err((
                400,
                "InvalidIdentityToken",
                "the web identity token was not accepted".into(),
            ));
        }
        let duration = duration(params)?;
        let (creds, assumed_arn) = self.issue(&role_name, &session, duration);
        Ok(format!(
            "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleWithWebIdentityResult><SubjectFromWebIdentityToken>system:serviceaccount:default:app</SubjectFromWebIdentityToken><AssumedRoleUser><AssumedRoleId>AROAFAKE:{}</AssumedRoleId><Arn>{}</Arn></AssumedRoleUser>{creds}<Provider>oidc.eks.amazonaws.com</Provider><Audience>sts.amazonaws.com</Audience></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>",
            xml_escape(&session),
            xml_escape(&assumed_arn),
            request_id()
        ))
    }

    /// Issues temporary credentials that can sign later calls; returns the `<Credentials>` XML.
    fn issue(&self, role_name: &str, session: &str, duration: Duration) -> (String, String) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.issued += 1;
        let access_key_id = format!("ASIAFAKESTS{:09}", state.issued);
        let secret = format!("sts-secret-{:016x}", fastrand::u64(..));
        let token = format!("sts-token-{:024x}", fastrand::u128(..));
        let assumed_arn = format!(
            "arn:aws:sts::{}:assumed-role/{role_name}/{session}",
            self.account
        );
        state.keys.insert(
            access_key_id.clone(),
            Key {
                secret: secret.clone(),
                session_token: Some(token.clone()),
                arn: assumed_arn.clone(),
            },
        );
        let duration = state.issued_lifetime.unwrap_or(duration);
        let expiration = OffsetDateTime::from(server::fake_now(state.clock_offset) + duration);
        let expiration = expiration
            .replace_nanosecond(0)
            .unwrap_or(expiration)
            .format(&Rfc3339)
            .unwrap_or_default();
        (
            format!(
                "<Credentials><AccessKeyId>{access_key_id}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey><SessionToken>{token}</SessionToken><Expiration>{expiration}</Expiration></Credentials>"
            ),
            assumed_arn,
        )
    }
}

/// STS's refusal of a request signed too long before or after its own clock reads `now`.
fn check_request_time(
    request: &FakeRequest,
    now: SystemTime,
) -> Result<(), (u16, &'static str, String)> {
    let Some(signed_at) = request
        .head
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .and_then(sigv4::parse_amz_date)
    else {
        // A missing date is the signature check's to refuse.
        return Ok(());
    };
    let stamp = |t: SystemTime| {
        let t = OffsetDateTime::from(t);
        format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    };
    if signed_at + MAX_REQUEST_SKEW < now {
        return Err((
            403,
            "SignatureDoesNotMatch",
            format!(
                "Signature expired: {} is now earlier than {} ({} - 5 min.)",
                stamp(signed_at),
                stamp(now - MAX_REQUEST_SKEW),
                stamp(now)
            ),
        ));
    }
    if signed_at > now + MAX_REQUEST_SKEW {
        return Err((
            403,
            "SignatureDoesNotMatch",
            format!(
                "Signature not yet current: {} is still later than {} ({} + 5 min.)",
                stamp(signed_at),
                stamp(now + MAX_REQUEST_SKEW),
                stamp(now)
            ),
        ));
    }
    Ok(())
}

fn role_name(role_arn: &str) -> Option<String> {
    let rest = role_arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (_partition, service, _region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if service != "iam" || account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
    (!name.is_empty()).then(|| name.to_owned())
}

fn duration(params: &BTreeMap<String, String>) -> Result<Duration, (u16, &'static str, String)> {
    match params.get("DurationSeconds") {
        None => Ok(Duration::from_secs(3600)),
        Some(text) => match text.parse::<u64>() {
            Ok(secs) if (900..=43200).contains(&secs) => Ok(Duration::from_secs(secs)),
            _ => Err((
                400,
                "ValidationError",
                format!("DurationSeconds {text:?} is not between 900 and 43200"),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_come_from_role_arns_only() {
        assert_eq!(
            role_name("arn:aws:iam::123456789012:role/path/reader").as_deref(),
            Some("reader")
        );
        assert_eq!(
            role_name("arn:aws-cn:iam::123456789012:role/x").as_deref(),
            Some("x")
        );
        assert_eq!(role_name("arn:aws:iam::123:role/x"), None);
        assert_eq!(role_name("arn:aws:s3:::bucket"), None);
        assert_eq!(role_name("arn:aws:iam::123456789012:user/x"), None);
    }
}
