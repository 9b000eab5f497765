//! Vectors of the AWS SigV4 test suite that ships inside the `aws-sigv4` crate's registry
//! source (`aws-signing-test-suite/v4`), run through our signing path: proves that we hand the
//! signer the method, URI, headers, body, region, service, time and session-token mode the way
//! it expects. The suite is located with `cargo metadata` at test time; nothing is copied.

use std::path::{Path, PathBuf};
use std::process::Command;

use awsauth_core::{Credentials, timefmt};
use awsauth_http::{HeaderName, HeaderValue, HttpRequest, Method};
use awsauth_sts::SigV4Signer;
use serde_json::Value;

/// POST and query vectors close to what STS requests look like, plus a session-token GET.
const VECTORS: &[&str] = &[
    "post-vanilla",
    "post-vanilla-query",
    "post-x-www-form-urlencoded",
    "post-x-www-form-urlencoded-parameters",
    "post-sts-header-before",
    "post-sts-header-after",
    "post-header-key-sort",
    "post-header-value-case",
    "get-vanilla-with-session-token",
    "get-vanilla-query-order-key-case",
];

fn suite_dir() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let manifest = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "aws-sigv4")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("aws-sigv4 is a dependency");
    Path::new(manifest)
        .parent()
        .unwrap()
        .join("aws-signing-test-suite/v4")
}

struct Parsed {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: String,
}

fn parse_request(text: &str) -> Parsed {
    let text = text.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or((text.as_str(), ""));
    let mut lines = head.lines();
    let request_line = lines.next().unwrap();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap().to_owned();
    let target = parts.next().unwrap().to_owned();
    let headers = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.to_owned(), value.to_owned())
        })
        .collect();
    Parsed {
        method,
        target,
        headers,
        body: body.to_owned(),
    }
}

fn header_of<'a>(parsed: &'a Parsed, name: &str) -> Option<&'a str> {
    parsed
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[test]
fn aws_signing_test_suite_vectors() {
    let dir = suite_dir();
    assert!(dir.is_dir(), "no test suite at {}", dir.display());
    for name in VECTORS {
        let case = dir.join(name);
        let context: Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("context.json")).unwrap())
                .unwrap();
        let request = parse_request(&std::fs::read_to_string(case.join("request.txt")).unwrap());
        let expected = parse_request(
            &std::fs::read_to_string(case.join("header-signed-request.txt")).unwrap(),
        );

        let host = header_of(&request, "host").unwrap();
        let mut http = HttpRequest::new(
            request.method.parse::<Method>().unwrap(),
            format!("https://{host}{}", request.target).parse().unwrap(),
        )
        .body(request.body.clone());
        for (name, value) in &request.headers {
            http.headers.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }

        let creds = &context["credentials"];
        let mut builder = Credentials::builder(
            creds["access_key_id"].as_str().unwrap(),
            creds["secret_access_key"].as_str().unwrap(),
        );
        if let Some(token) = creds["token"].as_str() {
            builder = builder.session_token(token);
        }
        let credentials = builder.build();
        let time = timefmt::parse_rfc3339(context["timestamp"].as_str().unwrap()).unwrap();
        SigV4Signer::new(
            context["region"].as_str().unwrap(),
            context["service"].as_str().unwrap(),
            time,
        )
        .content_sha256_header(context["sign_body"].as_bool().unwrap_or(false))
        .session_token_signed(!context["omit_session_token"].as_bool().unwrap_or(false))
        .sign(&mut http, &credentials)
        .unwrap();

        let got = |h: &str| http.headers.get(h).map(|v| v.to_str().unwrap().to_owned());
        for h in [
            "authorization",
            "x-amz-date",
            "x-amz-security-token",
            "x-amz-content-sha256",
        ] {
            assert_eq!(
                got(h).as_deref(),
                header_of(&expected, h),
                "{name}: header {h}"
            );
        }
    }
}
