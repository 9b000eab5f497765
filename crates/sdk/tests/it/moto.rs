//! Interop: an aws-sdk-sts client, signing with an awsauth source, against moto with IAM auth
//! mode on, so moto itself verifies the SigV4 signature. Runs when `cargo xtask test` (or
//! `cargo xtask interop`) exports `AWSAUTH_MOTO_ENDPOINT`.

use std::sync::Arc;
use std::time::SystemTime;

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4::SigningParams;
use awsauth_core::{Context, SystemClock};
use awsauth_http::{HttpClient, HttpRequest, HttpSettings, Method, Retry};
use awsauth_sdk::SdkCredentials;
use awsauth_static::StaticSource;

use crate::sts_client;

/// Skips under plain `cargo test`, fails under `cargo xtask test` without moto.
fn moto_endpoint() -> Option<String> {
    awsauth_testkit::interop_var("AWSAUTH_MOTO_ENDPOINT")
}

async fn post(endpoint: &str, body: String, headers: http::HeaderMap) -> String {
    let cx = Context::builder()
        .clock(Arc::new(SystemClock))
        .http(HttpClient::hyper())
        .build();
    let mut request = HttpRequest::new(Method::POST, endpoint.parse().unwrap()).body(body);
    request.headers = headers;
    let response = HttpClient::hyper()
        .send(&cx, request, &HttpSettings::sts(), |_: &_| Retry::No)
        .await
        .unwrap();
    String::from_utf8(response.body.to_vec()).unwrap()
}

/// A form POST signed for `service`, as the IAM API needs to be routed by moto.
async fn signed_form(endpoint: &str, service: &str, form: &str) -> String {
    signed_form_as(endpoint, service, form, "AKIDMOTOSETUP00000000", "setup").await
}

/// The same, signed with the given key.
async fn signed_form_as(
    endpoint: &str,
    service: &str,
    form: &str,
    key_id: &str,
    secret: &str,
) -> String {
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
        aws_credential_types::Credentials::new(key_id, secret, None, None, "test").into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(SystemTime::now())
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
    post(&uri.to_string(), form.to_owned(), request.headers().clone()).await
}

fn xml_field(body: &str, name: &str) -> String {
    body.split(&format!("<{name}>"))
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no <{name}> in {body}"))
        .to_owned()
}

/// Sets moto's auth mode: `0` verifies every request from now on, `inf` turns it off.
async fn reset_auth(endpoint: &str, count: &str) {
    let mut headers = http::HeaderMap::new();
    headers.insert("content-type", http::HeaderValue::from_static("text/plain"));
    let answer = post(
        &format!("{endpoint}/moto-api/reset-auth"),
        count.to_owned(),
        headers,
    )
    .await;
    assert!(answer.contains("\"ok\""), "{answer}");
}

#[tokio::test]
async fn interop_sdk_client_with_awsauth_source_passes_moto_signature_check() {
    let Some(endpoint) = moto_endpoint() else {
        return;
    };
    let user = format!("awsauth-sdk-{}", std::process::id());
    signed_form(
        &endpoint,
        "iam",
        &format!("Action=CreateUser&UserName={user}&Version=2010-05-08"),
    )
    .await;
    let key = signed_form(
        &endpoint,
        "iam",
        &format!("Action=CreateAccessKey&UserName={user}&Version=2010-05-08"),
    )
    .await;
    let (key_id, secret) = (
        xml_field(&key, "AccessKeyId"),
        xml_field(&key, "SecretAccessKey"),
    );

    reset_auth(&endpoint, "0").await;
    let good = sts_client(
        &endpoint,
        SdkCredentials::new(StaticSource::new(key_id.clone(), secret)),
    )
    .get_caller_identity()
    .send()
    .await;
    let bad = sts_client(
        &endpoint,
        SdkCredentials::new(StaticSource::new(key_id.clone(), "not-the-secret")),
    )
    .get_caller_identity()
    .send()
    .await;
    // The SDK cannot parse moto's error document for this code, so read the same refusal raw.
    let raw_bad = signed_form_as(
        &endpoint,
        "sts",
        "Action=GetCallerIdentity&Version=2011-06-15",
        &key_id,
        "not-the-secret",
    )
    .await;
    reset_auth(&endpoint, "inf").await;

    let good = good.unwrap();
    assert!(
        good.arn().unwrap().ends_with(&format!(":user/{user}")),
        "{good:?}"
    );
    assert!(bad.is_err(), "a wrong secret must be refused");
    assert!(raw_bad.contains("SignatureDoesNotMatch"), "{raw_bad}");
}
