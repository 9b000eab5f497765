//! `awsauth curl`: a request signed by the data sources' `RequestSigner`, checked by servers
//! that verify SigV4 — the fake STS here, and moto with IAM authentication on.

use crate::{Fakes, KEY_ID, SECRET, awsauth};

const CALLER_IDENTITY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

#[test]
fn a_signed_post_is_accepted_and_a_wrong_secret_refused_with_exit_7() {
    let fakes = Fakes::start();
    let sts = fakes.sts.endpoint();
    let url = format!("{sts}/");
    let args = [
        "curl",
        "--auth-type",
        "keys",
        "--region",
        "us-east-1",
        "--service",
        "sts",
        "-d",
        CALLER_IDENTITY,
        &url,
    ];
    let ok = awsauth(
        &args,
        &[
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
    );
    ok.assert_code(0).assert_no(&[SECRET]);
    assert!(
        ok.stdout.contains("<GetCallerIdentityResponse"),
        "{}",
        ok.stdout
    );
    assert!(
        ok.stdout.contains(&format!("user/{KEY_ID}")),
        "{}",
        ok.stdout
    );
    assert_eq!(fakes.sts.successful("GetCallerIdentity"), 1);
    // The fake checked the signature for the region and service given.
    let call = fakes.sts.calls().pop().unwrap();
    assert_eq!(call.signing_region.as_deref(), Some("us-east-1"));

    let wrong = awsauth(
        &args,
        &[
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", "not-the-secret"),
        ],
    );
    wrong.assert_code(7);
    assert!(
        wrong.stdout.contains("SignatureDoesNotMatch"),
        "{}",
        wrong.stdout
    );
    assert!(wrong.stderr.contains("403"), "{}", wrong.stderr);
    assert_eq!(fakes.sts.successful("GetCallerIdentity"), 1);
}

#[test]
fn include_prints_the_status_line_and_headers_first() {
    let fakes = Fakes::start();
    let url = format!("{}/", fakes.sts.endpoint());
    let run = awsauth(
        &[
            "curl",
            "-i",
            "--auth-type",
            "keys",
            "--region",
            "us-east-1",
            "--service",
            "sts",
            "-d",
            CALLER_IDENTITY,
            &url,
        ],
        &[
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
    );
    run.assert_code(0);
    assert!(
        run.stdout.starts_with("HTTP/1.1 200 OK\n"),
        "{}",
        run.stdout
    );
    let (head, body) = run.stdout.split_once("\n\n").unwrap();
    assert!(
        head.to_ascii_lowercase().contains("content-type:"),
        "{head}"
    );
    assert!(body.starts_with("<GetCallerIdentityResponse"), "{body}");
}

/// `--dry-run` sends nothing and prints the signed request with the signature and the session
/// token redacted.
#[test]
fn dry_run_prints_the_signed_request_with_secrets_redacted() {
    let fakes = Fakes::start();
    let url = format!("{}/", fakes.sts.endpoint());
    let run = awsauth(
        &[
            "curl",
            "--dry-run",
            "--auth-type",
            "keys",
            "--region",
            "eu-west-1",
            "--service",
            "aps",
            "-H",
            "X-Extra: 1",
            "-d",
            "query=up",
            &url,
        ],
        &[
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_SESSION_TOKEN", "the-session-token"),
        ],
    );
    run.assert_code(0).assert_no(&[SECRET, "the-session-token"]);
    assert!(
        run.stdout.starts_with(&format!("POST {url}\n")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("Credential={KEY_ID}/"))
            && run.stdout.contains("/eu-west-1/aps/aws4_request"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Signature=** redacted **"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("x-amz-security-token: ** redacted **"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("x-extra: 1"), "{}", run.stdout);
    assert!(run.stdout.ends_with("\nquery=up\n"), "{}", run.stdout);
    assert_eq!(fakes.sts.received_requests(), 0, "a dry run sends nothing");
}

#[test]
fn a_url_without_a_host_or_a_signing_region_is_a_usage_error() {
    let env = [
        ("AWS_ACCESS_KEY_ID", KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
    ];
    awsauth(
        &[
            "curl",
            "--auth-type",
            "keys",
            "--region",
            "us-east-1",
            "--service",
            "sts",
            "/path",
        ],
        &env,
    )
    .assert_code(2);
    let no_region = awsauth(
        &[
            "curl",
            "--auth-type",
            "keys",
            "--service",
            "sts",
            "https://sts.amazonaws.com/",
        ],
        &env,
    );
    no_region.assert_code(2);
    assert!(
        no_region.stderr.contains("--region"),
        "{}",
        no_region.stderr
    );
    awsauth(
        &[
            "curl",
            "--auth-type",
            "keys",
            "-H",
            "no colon",
            "--region",
            "us-east-1",
            "--service",
            "sts",
            "https://sts.amazonaws.com/",
        ],
        &env,
    )
    .assert_code(2);
}

/// `form_urlencoded` for the few characters the setup's values hold.
fn form(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text
        .find(open)
        .map(|i| i + open.len())
        .unwrap_or_else(|| panic!("no {open} in {text}"));
    let end = text[start..].find(close).unwrap() + start;
    &text[start..end]
}

/// moto with IAM authentication on (a second instance, `AWSAUTH_MOTO_IAM_ENDPOINT`, started by
/// `cargo xtask test`): after the setup requests it verifies every signature against the keys
/// it issued. STS GetCallerIdentity and IAM ListUsers signed by `awsauth curl` are accepted;
/// the same with a wrong secret are refused.
#[test]
fn interop_curl_signatures_are_verified_by_moto_with_iam_auth() {
    let Some(endpoint) = awsauth_testkit::interop_var("AWSAUTH_MOTO_IAM_ENDPOINT") else {
        eprintln!("skipped: AWSAUTH_MOTO_IAM_ENDPOINT is not set (cargo xtask test sets it)");
        return;
    };
    let url = format!("{endpoint}/");
    let anyone = [
        ("AWS_ACCESS_KEY_ID", "AKIASETUP00000000001"),
        ("AWS_SECRET_ACCESS_KEY", "setup"),
    ];
    let iam = |env: &[(&str, &str)], body: &str| {
        awsauth(
            &[
                "curl",
                "--auth-type",
                "keys",
                "--region",
                "us-east-1",
                "--service",
                "iam",
                "-d",
                body,
                &url,
            ],
            env,
        )
    };
    // The unauthenticated setup: a user allowed everything, and its key.
    let policy =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    iam(
        &anyone,
        "Action=CreateUser&UserName=awsauth-curl&Version=2010-05-08",
    )
    .assert_code(0);
    iam(
        &anyone,
        &format!("Action=PutUserPolicy&UserName=awsauth-curl&PolicyName=all&PolicyDocument={}&Version=2010-05-08", form(policy)),
    )
    .assert_code(0);
    let created = iam(
        &anyone,
        "Action=CreateAccessKey&UserName=awsauth-curl&Version=2010-05-08",
    );
    created.assert_code(0);
    let key_id = between(&created.stdout, "<AccessKeyId>", "</AccessKeyId>").to_owned();
    let secret = between(&created.stdout, "<SecretAccessKey>", "</SecretAccessKey>").to_owned();

    let right = [
        ("AWS_ACCESS_KEY_ID", key_id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
    ];
    let wrong = [
        ("AWS_ACCESS_KEY_ID", key_id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", "wrong-secret"),
    ];
    let sts = |env: &[(&str, &str)]| {
        awsauth(
            &[
                "curl",
                "--auth-type",
                "keys",
                "--region",
                "us-east-1",
                "--service",
                "sts",
                "-d",
                CALLER_IDENTITY,
                &url,
            ],
            env,
        )
    };
    let who = sts(&right);
    who.assert_code(0).assert_no(&[&secret]);
    assert!(who.stdout.contains(":user/awsauth-curl"), "{}", who.stdout);
    let users = iam(&right, "Action=ListUsers&Version=2010-05-08");
    users.assert_code(0);
    assert!(
        users.stdout.contains("<UserName>awsauth-curl</UserName>"),
        "{}",
        users.stdout
    );

    let refused = sts(&wrong);
    refused.assert_code(7);
    assert!(
        refused.stdout.contains("SignatureDoesNotMatch"),
        "{}",
        refused.stdout
    );
    iam(&wrong, "Action=ListUsers&Version=2010-05-08").assert_code(7);
    // An unknown key is refused too: the setup window is closed.
    iam(&anyone, "Action=ListUsers&Version=2010-05-08").assert_code(7);
}
