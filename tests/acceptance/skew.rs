//! Clock skew (issue 18): a host clock minutes off from STS's. `FakeSts` refuses a request
//! signed more than five minutes from its own clock, as STS does; the client measures the
//! offset from the answer's `Date` header, re-signs once, keeps the offset for the endpoint,
//! and judges (and hands on) expiry by the corrected time.

use awsauth_sts_assume::StsClient;
use std::time::{Duration, SystemTime};

use awsauth_core::{Clock, Context, CredentialSource, Credentials, MapEnv, MemFs};
use awsauth_static::StaticSource;
use awsauth_sts_assume::AssumeRoleSource;
use awsauth_testkit::{DateHeader, FakeSts};
use awsauth_web_identity::WebIdentitySource;

use crate::support::{Capture, Counting, SkewClock, Tally, context, fast_http, report, scenario};

const LIMIT: Duration = Duration::from_secs(30);
const KEY_ID: &str = "AKIDSKEWTEST0000001";
const BASE_SECRET: &str = "skew+SECRET/1f1f1f1f1f1f1f";
const WEB_IDENTITY_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.SKEW-payload.sig";
const ROLE: &str = "arn:aws:iam::123456789012:role/skew-test";
const TOKEN_FILE: &str = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";
const MINUTE: Duration = Duration::from_secs(60);
/// What `AssumeRoleSource` asks for by default.
const ROLE_LIFETIME: Duration = Duration::from_secs(15 * 60);
const SECRETS: &[&str] = &[BASE_SECRET, WEB_IDENTITY_TOKEN];

fn assume_role(sts: &FakeSts) -> AssumeRoleSource {
    AssumeRoleSource::new(StaticSource::new(KEY_ID, BASE_SECRET), ROLE).sts_client(
        StsClient::new()
            .endpoint_url(sts.endpoint())
            .region("us-east-1")
            .http_settings(fast_http()),
    )
}

async fn sts() -> FakeSts {
    let sts = FakeSts::start().await.unwrap();
    sts.add_key(KEY_ID, BASE_SECRET);
    sts
}

/// The error codes of the calls STS answered, in order (`ok` for a success).
fn answers(sts: &FakeSts) -> Vec<String> {
    sts.calls()
        .iter()
        .map(|c| c.error.clone().unwrap_or_else(|| "ok".to_owned()))
        .collect()
}

/// The credentials expire `lifetime` from now by the host's (skewed) clock: expiry was handed
/// on on the host's clock, so a cache judging by it is right.
fn expires_here_in(lifetime: Duration, credentials: &Credentials, clock: &SkewClock) {
    let left = credentials
        .expiry()
        .unwrap()
        .duration_since(clock.now())
        .unwrap();
    assert!(
        left > lifetime - MINUTE && left <= lifetime + Duration::from_secs(5),
        "expires in {left:?} by the host's clock"
    );
}

/// Whether a log line names an offset of `minutes` (the `Date` header has one-second
/// resolution, so 19m 59s is 20 minutes).
fn about_minutes(line: &str, minutes: u64) -> bool {
    line.contains(&format!("{}m 59s", minutes - 1))
        || line.contains(&format!("{minutes}m 0s"))
        || line.contains(&format!("{minutes}m 1s"))
}

async fn provide(
    cap: &Capture,
    label: &str,
    source: &dyn CredentialSource,
    cx: &Context,
) -> Credentials {
    let outcome = source.provide(cx).await;
    cap.record_outcome(label, &outcome);
    outcome.unwrap_or_else(|e| panic!("{label}: {e}"))
}

#[test]
fn a_host_clock_twenty_minutes_off_costs_one_refused_attempt_then_none() {
    let mut tally = Tally::default();
    // Ahead: the host's clock is 20 minutes ahead of STS's. Behind: STS's is 20 minutes ahead.
    for (name, host_ahead, sts_ahead, shown) in [
        (
            "host ahead",
            20 * MINUTE,
            Duration::ZERO,
            "behind this host",
        ),
        (
            "host behind",
            Duration::ZERO,
            20 * MINUTE,
            "ahead of this host",
        ),
    ] {
        let scanned = scenario(name, SECRETS, LIMIT, move |cap| async move {
            let sts = sts().await;
            sts.set_clock_offset(sts_ahead);
            let clock = SkewClock::ahead(host_ahead);
            let http = Counting::new();
            let cx = context(MapEnv::new(), MemFs::new(), &clock, &http);
            let source = assume_role(&sts);
            let first = provide(&cap, "first", &source, &cx).await;
            assert_eq!(answers(&sts), ["SignatureDoesNotMatch", "ok"], "{name}");
            expires_here_in(ROLE_LIFETIME, &first, &clock);
            // One warning, naming the offset.
            let warnings = cap
                .text()
                .lines()
                .filter(|l| l.contains("WARN") && l.contains(shown) && about_minutes(l, 20))
                .count();
            assert_eq!(warnings, 1, "{name}: {}", cap.text());
            // The offset is kept for the endpoint: the next call is right first time, and
            // warns no more.
            let second = provide(&cap, "second", &source, &cx).await;
            assert_eq!(
                answers(&sts),
                ["SignatureDoesNotMatch", "ok", "ok"],
                "{name}"
            );
            expires_here_in(ROLE_LIFETIME, &second, &clock);
            assert_eq!(http.attempts(), 3);
            let warnings = cap.text().lines().filter(|l| l.contains("WARN")).count();
            assert_eq!(warnings, 1, "{name}: {}", cap.text());
        });
        tally.scenarios += 1;
        tally.faults += 1;
        tally.lines_scanned += scanned.lines;
    }
    report("skew::twenty_minutes", tally);
}

#[test]
fn a_skew_that_changes_between_calls_is_measured_again() {
    let scanned = scenario("changing skew", SECRETS, LIMIT, |cap| async move {
        let sts = sts().await;
        // STS 20 minutes ahead of the host.
        sts.set_clock_offset(20 * MINUTE);
        let clock = SkewClock::default();
        let http = Counting::new();
        let cx = context(MapEnv::new(), MemFs::new(), &clock, &http);
        let source = assume_role(&sts);
        provide(&cap, "first", &source, &cx).await;
        assert_eq!(answers(&sts), ["SignatureDoesNotMatch", "ok"]);
        // The host's clock is stepped 30 minutes forward: now 10 minutes ahead of STS. The
        // stored offset signs 30 minutes off; one refusal measures the new one.
        clock.advance(30 * MINUTE);
        let second = provide(&cap, "second", &source, &cx).await;
        assert_eq!(
            answers(&sts),
            ["SignatureDoesNotMatch", "ok", "SignatureDoesNotMatch", "ok"]
        );
        expires_here_in(ROLE_LIFETIME, &second, &clock);
        provide(&cap, "third", &source, &cx).await;
        assert_eq!(answers(&sts).len(), 5);
        assert_eq!(answers(&sts)[4], "ok");
        let corrected = cap
            .text()
            .lines()
            .filter(|l| {
                l.contains("WARN") && l.contains("behind this host") && about_minutes(l, 10)
            })
            .count();
        assert_eq!(corrected, 1, "{}", cap.text());
    });
    report(
        "skew::changing",
        Tally {
            scenarios: 1,
            faults: 1,
            lines_scanned: scanned.lines,
            ..Tally::default()
        },
    );
}

#[test]
fn a_wrong_date_header_keeps_the_original_error_and_never_loops() {
    let mut tally = Tally::default();
    for (name, date) in [
        ("garbage date", DateHeader::Garbage),
        ("absent date", DateHeader::Absent),
    ] {
        let scanned = scenario(name, SECRETS, LIMIT, move |cap| async move {
            let sts = sts().await;
            sts.set_clock_offset(20 * MINUTE).set_date_header(date);
            let clock = SkewClock::default();
            let http = Counting::new();
            let cx = context(MapEnv::new(), MemFs::new(), &clock, &http);
            let source = assume_role(&sts);
            for round in 1..=2 {
                let outcome = source.provide(&cx).await;
                cap.record_outcome(name, &outcome);
                let error = outcome.unwrap_err().to_string();
                assert!(error.contains("SignatureDoesNotMatch"), "{name}: {error}");
                assert_eq!(http.attempts(), round, "{name}: one attempt per call");
            }
            assert!(!cap.text().lines().any(|l| l.contains("WARN")));
        });
        tally.scenarios += 1;
        tally.faults += 1;
        tally.lines_scanned += scanned.lines;
    }
    report("skew::wrong_date", tally);
}

#[test]
fn web_identity_judges_expiry_by_the_corrected_time() {
    let scanned = scenario("web identity skew", SECRETS, LIMIT, |cap| async move {
        let sts = sts().await;
        // The host is 70 minutes ahead: one-hour credentials look expired on arrival by its
        // clock. The call is unsigned, so nothing is refused; expiry is judged by STS's time.
        let clock = SkewClock::ahead(70 * MINUTE);
        let http = Counting::new();
        let fs = MemFs::new();
        fs.insert(TOKEN_FILE, WEB_IDENTITY_TOKEN);
        let cx = context(MapEnv::new(), fs, &clock, &http);
        let source = WebIdentitySource::new(TOKEN_FILE, ROLE).sts_client(
            StsClient::new()
                .endpoint_url(sts.endpoint())
                .region("us-east-1")
                .http_settings(fast_http()),
        );
        let credentials = provide(&cap, "web identity", &source, &cx).await;
        assert_eq!(answers(&sts), ["ok"]);
        assert_eq!(http.attempts(), 1);
        expires_here_in(60 * MINUTE, &credentials, &clock);
        let server_expiry = credentials.expiry().unwrap() + 70 * MINUTE;
        assert!(server_expiry > SystemTime::now() + 59 * MINUTE);
    });
    report(
        "skew::web_identity",
        Tally {
            scenarios: 1,
            faults: 1,
            lines_scanned: scanned.lines,
            ..Tally::default()
        },
    );
}
