//! The fakes behave like the services they stand in for.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4::SigningParams;
use awsauth_core::{Context, SystemClock};
use awsauth_http::{HttpClient, HttpRequest, HttpResponse, HttpSettings, Method, Retry};
use awsauth_testkit::{FakeContainer, FakeImds, FakeSts, Fault, ImdsCredentials, RoleRule};

fn cx() -> Context {
    Context::builder()
        .clock(Arc::new(SystemClock))
        .http(HttpClient::hyper())
        .build()
}

fn settings() -> HttpSettings {
    HttpSettings {
        max_attempts: 1,
        ..HttpSettings::metadata()
    }
}

async fn send(request: HttpRequest) -> HttpResponse {
    HttpClient::hyper()
        .send(&cx(), request, &settings(), |_: &_| Retry::No)
        .await
        .unwrap()
}

/// Builds an STS POST signed the way any SDK signs it.
fn signed_sts(
    endpoint: &str,
    form: &str,
    key: &str,
    secret: &str,
    token: Option<&str>,
) -> HttpRequest {
    signed_sts_at(SystemTime::now(), endpoint, form, key, secret, token)
}

fn signed_sts_at(
    at: SystemTime,
    endpoint: &str,
    form: &str,
    key: &str,
    secret: &str,
    token: Option<&str>,
) -> HttpRequest {
    let uri: http::Uri = format!("{endpoint}/").parse().unwrap();
    let host = uri.authority().unwrap().as_str().to_owned();
    let headers = [
        (
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        ),
        ("host", host.as_str()),
    ];
    let identity =
        aws_credential_types::Credentials::new(key, secret, token.map(str::to_owned), None, "test")
            .into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("sts")
        .time(at)
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        "POST",
        uri.to_string(),
        headers.into_iter(),
        SignableBody::Bytes(form.as_bytes()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut request = http::Request::builder().method("POST").uri(uri.clone());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let mut request = request.body(()).unwrap();
    instructions.apply_to_request_http1x(&mut request);
    let mut out = HttpRequest::new(Method::POST, uri).body(form.to_owned());
    out.headers = request.headers().clone();
    out
}

fn text(response: &HttpResponse) -> &str {
    response.text().unwrap()
}

#[tokio::test]
async fn sts_verifies_signatures_and_external_ids() {
    let sts = FakeSts::start().await.unwrap();
    sts.add_key("AKIDUSER", "user-secret");
    sts.add_role(
        "arn:aws:iam::123456789012:role/guarded",
        RoleRule {
            external_id: Some("ext-1".into()),
        },
    );
    let form = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fguarded&RoleSessionName=s1&ExternalId=ext-1";

    let ok = send(signed_sts(
        &sts.endpoint(),
        form,
        "AKIDUSER",
        "user-secret",
        None,
    ))
    .await;
    assert_eq!(ok.status.as_u16(), 200, "{}", text(&ok));
    assert!(text(&ok).contains("<Arn>arn:aws:sts::123456789012:assumed-role/guarded/s1</Arn>"));

    let wrong_secret = send(signed_sts(
        &sts.endpoint(),
        form,
        "AKIDUSER",
        "not-the-secret",
        None,
    ))
    .await;
    assert_eq!(wrong_secret.status.as_u16(), 403);
    assert!(text(&wrong_secret).contains("<Code>SignatureDoesNotMatch</Code>"));

    let wrong_external_id = form.replace("ext-1", "ext-2");
    let denied = send(signed_sts(
        &sts.endpoint(),
        &wrong_external_id,
        "AKIDUSER",
        "user-secret",
        None,
    ))
    .await;
    assert!(text(&denied).contains("<Code>AccessDenied</Code>"));

    let unsigned = send(
        HttpRequest::new(
            Method::POST,
            format!("{}/", sts.endpoint()).parse().unwrap(),
        )
        .body(form),
    )
    .await;
    assert!(text(&unsigned).contains("MissingAuthenticationToken"));
    assert_eq!(sts.successful("AssumeRole"), 1);
    assert_eq!(
        sts.calls()[0].params.get("ExternalId").map(String::as_str),
        Some("ext-1")
    );
    assert_eq!(sts.calls()[0].signing_region.as_deref(), Some("us-east-1"));
}

#[tokio::test]
async fn issued_credentials_sign_further_calls() {
    let sts = FakeSts::start().await.unwrap();
    sts.add_key("AKIDUSER", "user-secret");
    let form = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=s";
    let first = send(signed_sts(
        &sts.endpoint(),
        form,
        "AKIDUSER",
        "user-secret",
        None,
    ))
    .await;
    let body = text(&first);
    let field = |name: &str| {
        body.split(&format!("<{name}>"))
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_owned()
    };
    let (key, secret, token) = (
        field("AccessKeyId"),
        field("SecretAccessKey"),
        field("SessionToken"),
    );
    let who = send(signed_sts(
        &sts.endpoint(),
        "Action=GetCallerIdentity&Version=2011-06-15",
        &key,
        &secret,
        Some(&token),
    ))
    .await;
    assert!(text(&who).contains("assumed-role/r/s"), "{}", text(&who));
    let without_token = send(signed_sts(
        &sts.endpoint(),
        "Action=GetCallerIdentity&Version=2011-06-15",
        &key,
        &secret,
        None,
    ))
    .await;
    assert_eq!(
        without_token.status.as_u16(),
        403,
        "temporary keys need their session token"
    );
}

#[tokio::test]
async fn sts_web_identity_checks_the_token_and_records_no_secret() {
    let sts = FakeSts::start().await.unwrap();
    sts.accept_web_identity_tokens(&["good-token"]);
    let request = |token: &str| {
        HttpRequest::new(Method::POST, format!("{}/", sts.endpoint()).parse().unwrap())
            .body(format!("Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fweb&RoleSessionName=w&WebIdentityToken={token}"))
    };
    assert!(text(&send(request("good-token")).await).contains("<AssumeRoleWithWebIdentityResult>"));
    assert!(text(&send(request("bad-token")).await).contains("InvalidIdentityToken"));
    let printed = format!("{:?}", sts.calls());
    assert!(
        !printed.contains("good-token") && !printed.contains("bad-token"),
        "{printed}"
    );
}

#[tokio::test]
async fn sts_faults_apply_in_order() {
    let sts = FakeSts::start().await.unwrap();
    sts.inject(
        Fault::StsError {
            code: "Throttling".into(),
            status: 400,
        },
        1,
    )
    .inject(Fault::Status(503), 1);
    let request = || {
        HttpRequest::new(
            Method::POST,
            format!("{}/", sts.endpoint()).parse().unwrap(),
        )
        .body("Action=Nope&Version=2011-06-15")
    };
    assert!(text(&send(request()).await).contains("<Code>Throttling</Code>"));
    assert_eq!(send(request()).await.status.as_u16(), 503);
    assert!(text(&send(request()).await).contains("InvalidAction"));
}

#[tokio::test]
async fn imds_enforces_tokens_and_serves_the_role() {
    let imds = FakeImds::start().await.unwrap();
    let get = |path: &str, token: Option<&str>| {
        let mut request = HttpRequest::new(
            Method::GET,
            format!("{}{path}", imds.endpoint()).parse().unwrap(),
        );
        if let Some(token) = token {
            request = request.header(
                http::HeaderName::from_static("x-aws-ec2-metadata-token"),
                token.parse().unwrap(),
            );
        }
        request
    };
    assert_eq!(
        send(get("/latest/meta-data/placement/region", None))
            .await
            .status
            .as_u16(),
        401,
        "IMDSv1 refused"
    );
    let token_response = send(
        HttpRequest::new(
            Method::PUT,
            format!("{}/latest/api/token", imds.endpoint())
                .parse()
                .unwrap(),
        )
        .header(
            http::HeaderName::from_static("x-aws-ec2-metadata-token-ttl-seconds"),
            http::HeaderValue::from_static("21600"),
        ),
    )
    .await;
    assert_eq!(
        token_response.header_str("x-aws-ec2-metadata-token-ttl-seconds"),
        Some("21600")
    );
    let token = text(&token_response).to_owned();
    let role = send(get(
        "/latest/meta-data/iam/security-credentials-extended/",
        Some(&token),
    ))
    .await;
    assert_eq!(text(&role), "awsauth-demo-role");
    let creds = send(get(
        "/latest/meta-data/iam/security-credentials-extended/awsauth-demo-role",
        Some(&token),
    ))
    .await;
    let doc: serde_json::Value = serde_json::from_str(text(&creds)).unwrap();
    assert_eq!(doc["Code"], "Success");
    assert_eq!(doc["AccountId"], "123456789012");
    assert_eq!(
        doc["AccessKeyId"],
        imds.credentials().access_key_id.as_str()
    );
    imds.set_extended(false);
    assert_eq!(
        send(get(
            "/latest/meta-data/iam/security-credentials-extended/",
            Some(&token)
        ))
        .await
        .status
        .as_u16(),
        404
    );
    let legacy = send(get(
        "/latest/meta-data/iam/security-credentials/awsauth-demo-role",
        Some(&token),
    ))
    .await;
    assert!(!text(&legacy).contains("AccountId"));
    imds.revoke_tokens();
    assert_eq!(
        send(get("/latest/meta-data/placement/region", Some(&token)))
            .await
            .status
            .as_u16(),
        401
    );
    assert_eq!(imds.credential_requests(), 2);
    assert_eq!(imds.token_requests(), 1);
}

#[tokio::test]
async fn imds_tokens_expire_after_their_ttl() {
    let imds = FakeImds::start().await.unwrap();
    imds.set_max_token_ttl(Some(Duration::from_secs(1)));
    let token_response = send(
        HttpRequest::new(
            Method::PUT,
            format!("{}/latest/api/token", imds.endpoint())
                .parse()
                .unwrap(),
        )
        .header(
            http::HeaderName::from_static("x-aws-ec2-metadata-token-ttl-seconds"),
            http::HeaderValue::from_static("21600"),
        ),
    )
    .await;
    assert_eq!(
        token_response.header_str("x-aws-ec2-metadata-token-ttl-seconds"),
        Some("1")
    );
    let token = text(&token_response).to_owned();
    // Valid now; a second later (on the fake's token clock, no waiting) it is not.
    let request = |token: &str| {
        HttpRequest::new(
            Method::GET,
            format!("{}/latest/meta-data/placement/region", imds.endpoint())
                .parse()
                .unwrap(),
        )
        .header(
            http::HeaderName::from_static("x-aws-ec2-metadata-token"),
            token.parse().unwrap(),
        )
    };
    assert_eq!(send(request(&token)).await.status.as_u16(), 200);
    imds.advance_token_clock(Duration::from_millis(1001));
    assert_eq!(send(request(&token)).await.status.as_u16(), 401);
}

#[tokio::test]
async fn imds_faults_reach_the_client() {
    let imds = FakeImds::start().await.unwrap();
    let get = || {
        HttpRequest::new(
            Method::GET,
            format!("{}/latest/meta-data/placement/region", imds.endpoint())
                .parse()
                .unwrap(),
        )
    };
    imds.inject(Fault::Oversized(100_000), 1)
        .inject(Fault::ResetMidBody, 1)
        .inject(Fault::BlackHole, 1);
    let client = HttpClient::hyper();
    let err = client
        .send(&cx(), get(), &settings(), |_: &_| Retry::No)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), awsauth_http::HttpErrorKind::BodyTooLarge);
    let err = client
        .send(&cx(), get(), &settings(), |_: &_| Retry::No)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), awsauth_http::HttpErrorKind::Io, "{err}");
    let err = client
        .send(
            &cx(),
            get(),
            &HttpSettings {
                attempt_timeout: Duration::from_millis(200),
                ..settings()
            },
            |_: &_| Retry::No,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), awsauth_http::HttpErrorKind::AttemptTimeout);
}

#[tokio::test]
async fn received_requests_count_faulted_ones_too() {
    let imds = FakeImds::start().await.unwrap();
    let get = || {
        HttpRequest::new(
            Method::GET,
            format!("{}/latest/meta-data/placement/region", imds.endpoint())
                .parse()
                .unwrap(),
        )
    };
    imds.inject(Fault::Status(500), 2);
    for _ in 0..3 {
        send(get()).await;
    }
    assert_eq!(imds.received_requests(), 3);
    assert_eq!(imds.total_requests(), 1, "two were answered by the fault");

    let sts = FakeSts::start().await.unwrap();
    sts.inject(Fault::Malformed, 1);
    let post = || {
        HttpRequest::new(
            Method::POST,
            format!("{}/", sts.endpoint()).parse().unwrap(),
        )
        .body("Action=GetCallerIdentity&Version=2011-06-15")
    };
    send(post()).await;
    send(post()).await;
    assert_eq!(sts.received_requests(), 2);
    assert_eq!(sts.requests(), 1);
}

#[tokio::test]
async fn container_agent_checks_the_token_and_serves_credentials() {
    let agent = FakeContainer::start().await.unwrap();
    agent.set_credentials(ImdsCredentials {
        secret_access_key: "container-secret".into(),
        token: "container-token".into(),
        ..ImdsCredentials::default()
    });
    agent.require_authorization(Some("pod-token"));
    let get = |auth: Option<&str>| {
        let mut request = HttpRequest::new(Method::GET, agent.full_uri().parse().unwrap());
        if let Some(auth) = auth {
            request = request.header(
                http::header::AUTHORIZATION,
                http::HeaderValue::from_str(auth).unwrap(),
            );
        }
        request
    };
    assert_eq!(send(get(None)).await.status.as_u16(), 401);
    assert_eq!(send(get(Some("wrong"))).await.status.as_u16(), 401);
    let ok = send(get(Some("pod-token"))).await;
    assert_eq!(ok.status.as_u16(), 200);
    let doc: serde_json::Value = serde_json::from_str(text(&ok)).unwrap();
    assert_eq!(doc["SecretAccessKey"], "container-secret");
    assert_eq!(doc["Token"], "container-token");
    assert_eq!(doc["AccountId"], "123456789012");
    assert!(doc["Expiration"].as_str().unwrap().ends_with('Z'));
    assert_eq!(agent.unauthorized_requests(), 2);
    assert_eq!(agent.credential_requests(), 1);

    agent.require_authorization(None);
    let wrong_path = HttpRequest::new(
        Method::GET,
        format!("{}/other", agent.endpoint()).parse().unwrap(),
    );
    assert_eq!(send(wrong_path).await.status.as_u16(), 404);
    agent.inject(Fault::Status(503), 1);
    assert_eq!(send(get(None)).await.status.as_u16(), 503);
    assert_eq!(send(get(None)).await.status.as_u16(), 200);
    assert_eq!(agent.received_requests(), 6);
}

/// The `Expiration` a credentials document (JSON or STS XML) carries.
fn expiration_in(body: &str) -> SystemTime {
    let text = body
        .split("Expiration")
        .nth(1)
        .unwrap()
        .trim_start_matches(['"', ':', '>'])
        .split(['"', '<'])
        .next()
        .unwrap()
        .to_owned();
    awsauth_core::timefmt::parse_rfc3339(&text).unwrap()
}

#[tokio::test]
async fn clock_offsets_move_the_expirations() {
    let day = Duration::from_secs(24 * 3600);
    let agent = FakeContainer::start().await.unwrap();
    agent.set_clock_offset(day);
    let body = send(HttpRequest::new(
        Method::GET,
        agent.full_uri().parse().unwrap(),
    ))
    .await;
    let lifetime = ImdsCredentials::default().lifetime;
    let expiry = expiration_in(text(&body));
    assert!(expiry > SystemTime::now() + day + lifetime - Duration::from_secs(60));

    let sts = FakeSts::start().await.unwrap();
    sts.add_key("AKIDEXAMPLE", "secret").set_clock_offset(day);
    let form = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=s&DurationSeconds=900";
    // Signed by a clock that agrees with the fake's (it refuses others, see below).
    let body = send(signed_sts_at(
        SystemTime::now() + day,
        &sts.endpoint(),
        form,
        "AKIDEXAMPLE",
        "secret",
        None,
    ))
    .await;
    let expiry = expiration_in(text(&body));
    assert!(expiry > SystemTime::now() + day);
    assert!(expiry < SystemTime::now() + day + Duration::from_secs(901));
}

/// FakeSts refuses a request signed more than five minutes from its clock, either way, as STS
/// does, and its `Date` header reads its clock (or is absent, or garbage, when told).
#[tokio::test]
async fn sts_refuses_requests_signed_too_far_from_its_clock() {
    use awsauth_testkit::DateHeader;
    let sts = FakeSts::start().await.unwrap();
    let ahead = Duration::from_secs(3600);
    sts.add_key("AKIDEXAMPLE", "secret").set_clock_offset(ahead);
    let form = "Action=GetCallerIdentity&Version=2011-06-15";
    let minutes = |m: u64| Duration::from_secs(m * 60);
    let fake_now = SystemTime::now() + ahead;
    for (at, refusal) in [
        (fake_now - minutes(6), Some("Signature expired: ")),
        (fake_now + minutes(6), Some("Signature not yet current: ")),
        (fake_now - minutes(4), None),
        (fake_now + minutes(4), None),
    ] {
        let request = signed_sts_at(at, &sts.endpoint(), form, "AKIDEXAMPLE", "secret", None);
        let response = send(request).await;
        let date = response.headers["date"].to_str().unwrap().to_owned();
        let date = httpdate::parse_http_date(&date).unwrap();
        assert!(date > fake_now - minutes(1) && date < fake_now + minutes(1));
        let body = text(&response).to_owned();
        match refusal {
            Some(message) => {
                assert_eq!(response.status.as_u16(), 403, "{body}");
                assert!(
                    body.contains("<Code>SignatureDoesNotMatch</Code>"),
                    "{body}"
                );
                assert!(body.contains(message), "{body}");
            }
            None => assert_eq!(response.status.as_u16(), 200, "{body}"),
        }
    }
    sts.set_date_header(DateHeader::Absent);
    let request = signed_sts_at(
        fake_now,
        &sts.endpoint(),
        form,
        "AKIDEXAMPLE",
        "secret",
        None,
    );
    let response = send(request).await;
    assert!(response.headers.get("date").is_none());
    sts.set_date_header(DateHeader::Garbage);
    let request = signed_sts_at(
        fake_now,
        &sts.endpoint(),
        form,
        "AKIDEXAMPLE",
        "secret",
        None,
    );
    let response = send(request).await;
    assert!(httpdate::parse_http_date(response.headers["date"].to_str().unwrap()).is_err());
}

/// `set_issued_lifetime` shortens what STS issues below the 900 s `DurationSeconds` allows
/// (the serve benchmark watches refreshes with it); `DurationSeconds` itself is still checked.
#[tokio::test]
async fn issued_lifetime_overrides_the_duration_asked() {
    let sts = FakeSts::start().await.unwrap();
    sts.add_key("AKIDEXAMPLE", "secret")
        .set_issued_lifetime(Duration::from_secs(3));
    let form = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=s&DurationSeconds=900";
    let asked = SystemTime::now();
    let body = send(signed_sts(
        &sts.endpoint(),
        form,
        "AKIDEXAMPLE",
        "secret",
        None,
    ))
    .await;
    let expiry = expiration_in(text(&body));
    assert!(expiry <= SystemTime::now() + Duration::from_secs(3));
    assert!(expiry >= asked + Duration::from_secs(2));

    let too_short = form.replace("DurationSeconds=900", "DurationSeconds=3");
    let body = send(signed_sts(
        &sts.endpoint(),
        &too_short,
        "AKIDEXAMPLE",
        "secret",
        None,
    ))
    .await;
    assert!(text(&body).contains("ValidationError"), "{}", text(&body));
}

/// The fake sign-in service checks DPoP proofs for real: a proof for another URL, a tampered
/// signature, a replayed `jti` or a spent refresh token are refused, a good one is answered.
#[tokio::test]
async fn signin_verifies_dpop_proofs_and_rotates_refresh_tokens() {
    use awsauth_login::dpop::DpopKey;
    use awsauth_testkit::{FakeSignin, SIGNIN_CLIENT_ID};
    let key = DpopKey::from_pem("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIImPrxP4tOYSNQTkUYfZXXANva+s4T0CRvCnt8k5H+NnoAoGCCqGSM49\nAwEHoUQDQgAE/CqO73XDdE4arUaxD7e+oJDR9O5EK3pNfVwaqs5AMPpmk0NVKKnQ\nYmI7rArmt8TSpntR0J+2kdY7HxQYxm+egg==\n-----END EC PRIVATE KEY-----\n").unwrap();
    let signin = FakeSignin::start("rt-1").await.unwrap();
    let url = format!("{}/v1/token", signin.endpoint());
    let request = |proof: String, refresh: &str| {
        HttpRequest::new(Method::POST, url.parse().unwrap())
            .header(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            )
            .header(
                http::HeaderName::from_static("dpop"),
                http::HeaderValue::try_from(proof).unwrap(),
            )
            .body(
                serde_json::json!({"clientId": SIGNIN_CLIENT_ID, "refreshToken": refresh, "grantType": "refresh_token"})
                    .to_string(),
            )
    };
    let good = key.proof("POST", &url, 1_700_000_000, "jti-1");
    // The signature's first character changed: still canonical base64url (the last character
    // carries padding bits a strict decoder checks, so changing it can fail decoding instead).
    let signature_at = good.rfind('.').unwrap() + 1;
    let first = &good[signature_at..=signature_at];
    let mut tampered = good.clone();
    tampered.replace_range(
        signature_at..=signature_at,
        if first == "A" { "B" } else { "A" },
    );
    for (proof, refresh, reason) in [
        (
            key.proof("POST", "http://elsewhere/v1/token", 1, "jti-0"),
            "rt-1",
            "htu",
        ),
        (key.proof("GET", &url, 1, "jti-2"), "rt-1", "htm"),
        (tampered, "rt-1", "does not verify"),
    ] {
        let response = send(request(proof, refresh)).await;
        assert_eq!(response.status.as_u16(), 400);
        let error = signin.calls().last().unwrap().error.clone().unwrap();
        assert!(error.contains(reason), "{reason}: {error}");
    }
    let response = send(request(good.clone(), "rt-1")).await;
    assert_eq!(response.status.as_u16(), 200, "{}", text(&response));
    assert_eq!(signin.refresh_token(), "fake-signin-refresh-1");
    // The same proof again: replayed jti. A fresh proof with the spent token: refused.
    assert_eq!(
        send(request(good, "fake-signin-refresh-1"))
            .await
            .status
            .as_u16(),
        400
    );
    let response = send(request(key.proof("POST", &url, 2, "jti-3"), "rt-1")).await;
    assert_eq!(response.status.as_u16(), 400);
    assert!(
        signin
            .calls()
            .last()
            .unwrap()
            .error
            .as_deref()
            .unwrap()
            .contains("spent")
    );
    assert_eq!(signin.tokens_issued(), 1);
}

fn sso_get(endpoint: &str, token: Option<&str>) -> HttpRequest {
    let uri: http::Uri =
        format!("{endpoint}/federation/credentials?role_name=R&account_id=123456789012")
            .parse()
            .unwrap();
    let mut request = HttpRequest::new(Method::GET, uri);
    if let Some(token) = token {
        request = request.header(
            http::HeaderName::from_static("x-amz-sso_bearer_token"),
            http::HeaderValue::from_str(token).unwrap(),
        );
    }
    request
}

fn sso_refresh(endpoint: &str, refresh_token: &str) -> HttpRequest {
    let body = serde_json::json!({
        "clientId": "c", "clientSecret": "s", "grantType": "refresh_token", "refreshToken": refresh_token,
    });
    HttpRequest::new(Method::POST, format!("{endpoint}/token").parse().unwrap())
        .header(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        )
        .body(body.to_string())
}

#[tokio::test]
async fn fake_sso_checks_tokens_rotates_refresh_tokens_and_records_no_secret() {
    let sso = awsauth_testkit::FakeSso::start().await.unwrap();
    sso.add_access_token("good-access")
        .add_client("c", "s")
        .add_refresh_token("rt-1");
    let ok = send(sso_get(&sso.endpoint(), Some("good-access"))).await;
    assert_eq!(ok.status, 200);
    let body: serde_json::Value = serde_json::from_slice(&ok.body).unwrap();
    let expected = awsauth_testkit::SsoRoleCredentials::derived("123456789012", "R");
    assert_eq!(
        body["roleCredentials"]["accessKeyId"],
        expected.access_key_id
    );
    assert_eq!(
        body["roleCredentials"]["expiration"].as_u64().unwrap() % 1000,
        0
    );
    let refused = send(sso_get(&sso.endpoint(), Some("other"))).await;
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.header_str("x-amzn-errortype"),
        Some("UnauthorizedException")
    );

    let refreshed = send(sso_refresh(&sso.endpoint(), "rt-1")).await;
    assert_eq!(refreshed.status, 200);
    let answer: serde_json::Value = serde_json::from_slice(&refreshed.body).unwrap();
    let (access, rotated) = sso.last_issued().unwrap();
    assert_eq!(answer["accessToken"], access.as_str());
    assert_eq!(answer["refreshToken"], rotated.unwrap().as_str());
    // The old refresh token is spent; the new access token works at the portal.
    let again = send(sso_refresh(&sso.endpoint(), "rt-1")).await;
    assert_eq!(again.status, 400);
    let error: serde_json::Value = serde_json::from_slice(&again.body).unwrap();
    assert_eq!(error["error"], "invalid_grant");
    assert_eq!(
        send(sso_get(&sso.endpoint(), Some(&access))).await.status,
        200
    );

    let calls = sso.calls();
    assert_eq!(calls.len(), 5);
    assert_eq!(calls[0].bearer_token_len, Some("good-access".len()));
    let shown = format!("{calls:?}");
    assert!(
        !shown.contains("good-access") && !shown.contains("rt-1"),
        "{shown}"
    );
    assert_eq!(sso.successful("CreateToken"), 1);

    sso.inject(
        Fault::JsonError {
            code: "TooManyRequestsException".into(),
            status: 429,
        },
        1,
    );
    let throttled = send(sso_get(&sso.endpoint(), Some(&access))).await;
    assert_eq!(throttled.status, 429);
    assert_eq!(
        throttled.header_str("x-amzn-errortype"),
        Some("TooManyRequestsException")
    );
    assert_eq!(sso.received_requests(), 6);
    assert_eq!(
        sso.requests(),
        5,
        "the faulted request never reached the handler"
    );
}
