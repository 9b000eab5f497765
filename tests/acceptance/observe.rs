//! Operators can see it (issue 18): `SessionCache::sessions` / `totals` answer "which data
//! sources cannot authenticate, since when, and why" without a log, and without a secret; the
//! upstream calls' log lines carry the session's label.

use std::sync::Arc;
use std::time::Duration;

use awsauth_core::{Clock, CredentialSource, ErrorKind, MapEnv, MemFs};
use awsauth_datasource::{AuthSettings, AuthType, DatasourceSettings, SessionCache};
use awsauth_testkit::{FakeSts, RoleRule};

use crate::factory::RealFactory;
use crate::support::{Counting, SkewClock, Tally, context, fast_http, report, scenario};

const KEY_ID: &str = "AKIDOBSERVE00000001";
const SECRET: &str = "observe+SECRET/4c4c4c4c4c4c";
const TOKEN: &str = "observe+TOKEN/5d5d5d5d5d5d==";
const ROLE: &str = "arn:aws:iam::123456789012:role/observed";
const DENIED_ROLE: &str = "arn:aws:iam::123456789012:role/needs-external-id";

fn settings(role: &str) -> DatasourceSettings {
    let json = serde_json::json!({
        "jsonData": {"authType": "keys", "assumeRoleArn": role, "defaultRegion": "eu-west-1"},
        "secureJsonData": {"accessKey": KEY_ID, "secretKey": SECRET, "sessionToken": TOKEN},
    });
    DatasourceSettings::from_json(&json.to_string()).unwrap()
}

#[test]
fn the_session_cache_reports_who_cannot_authenticate_since_when_and_why() {
    let scanned = scenario(
        "session reports",
        &[SECRET, TOKEN],
        Duration::from_secs(30),
        |cap| async move {
            let sts = FakeSts::start().await.unwrap();
            sts.add_temporary_key(KEY_ID, SECRET, TOKEN).add_role(
                DENIED_ROLE,
                RoleRule {
                    external_id: Some("tenant-7".into()),
                },
            );
            let clock = SkewClock::default();
            let http = Counting::new();
            let env = MapEnv::from([("AWS_ENDPOINT_URL_STS", sts.endpoint().as_str())]);
            let cx = context(env, MemFs::new(), &clock, &http);
            let policy = AuthSettings::new()
                .allow([AuthType::Keys])
                .assume_role_enabled(true);
            let cache = SessionCache::new(policy, Arc::new(RealFactory::new(fast_http())))
                .with_clock(cx.clock_handle());

            let good = cache
                .get_labeled("prometheus-prod", &settings(ROLE))
                .unwrap();
            let started = clock.now();
            let credentials = good.provide(&cx).await.unwrap();
            let denied = cache
                .get_labeled("cloudwatch-tenant-8", &settings(DENIED_ROLE))
                .unwrap();
            let outcome = denied.provide(&cx).await;
            cap.record_outcome("denied", &outcome);
            assert!(outcome.is_err());
            // Readers of the good session are served from the cache: no more upstream calls.
            for _ in 0..100 {
                good.provide(&cx).await.unwrap();
                cache
                    .get_labeled("prometheus-prod", &settings(ROLE))
                    .unwrap();
            }

            let sessions = cache.sessions();
            cap.record_debug("sessions", &sessions);
            assert_eq!(sessions.len(), 2);
            let failing: Vec<_> = sessions.iter().filter(|s| s.is_failing()).collect();
            assert_eq!(failing.len(), 1, "{sessions:?}");
            let failing = failing[0];
            assert_eq!(failing.label.as_deref(), Some("cloudwatch-tenant-8"));
            assert_eq!(failing.auth_type, AuthType::Keys);
            assert_eq!(failing.last_error_kind, Some(ErrorKind::ProviderFailed));
            let why = failing.last_error.as_deref().unwrap();
            assert!(
                why.contains("AccessDenied") && why.contains(DENIED_ROLE),
                "{why}"
            );
            assert!(failing.failing_since.unwrap() >= started);
            assert_eq!((failing.upstream_calls, failing.failures), (1, 1));
            assert_eq!(failing.provenance, None);

            let ok = sessions.iter().find(|s| !s.is_failing()).unwrap();
            assert_eq!(ok.label.as_deref(), Some("prometheus-prod"));
            assert_eq!(ok.expiry, credentials.expiry());
            assert!(ok.last_refresh.unwrap() >= started);
            assert!(ok.provenance.as_deref().unwrap().contains(ROLE), "{ok:?}");
            assert_eq!((ok.upstream_calls, ok.failures), (1, 0));

            let totals = cache.totals();
            assert_eq!(totals.sessions, 2);
            assert_eq!((totals.hits, totals.misses), (100, 2));
            assert_eq!((totals.refreshes, totals.failures), (1, 1));
            assert_eq!(totals.evictions, 0);
            // Evicted sessions still count in the totals.
            cache.clear();
            let after = cache.totals();
            assert_eq!((after.sessions, after.evictions), (0, 2));
            assert_eq!((after.refreshes, after.failures), (1, 1));

            // The upstream calls' log lines carry the label.
            let text = cap.text();
            let labelled = |label: &str| {
                text.lines().any(|l| {
                    l.contains(&format!("session{{label=\"{label}\"}}"))
                        && l.contains("calling STS")
                })
            };
            assert!(labelled("prometheus-prod"), "{text}");
            assert!(labelled("cloudwatch-tenant-8"), "{text}");
        },
    );
    report(
        "observe::session_reports",
        Tally {
            scenarios: 1,
            faults: 1,
            lines_scanned: scanned.lines,
            ..Tally::default()
        },
    );
}
