//! The session cache: one session per distinct settings, edited settings take effect at once,
//! bounded by idle time and size.

use std::sync::Arc;
use std::time::Duration;

use awsauth_core::{Context, CredentialSource, ManualClock, SecretString};
use awsauth_datasource::{AuthSettings, AuthType, DatasourceSettings, ProxyType, SessionCache};

use crate::fake::RecordingFactory;

fn base() -> DatasourceSettings {
    let mut s = DatasourceSettings::new(AuthType::Keys);
    s.access_key = Some("AKIDEXAMPLE".into());
    s.secret_key = Some("secret-1".into());
    s.region = Some("eu-west-1".into());
    s
}

fn cache(factory: &Arc<RecordingFactory>, clock: &ManualClock) -> SessionCache {
    SessionCache::new(
        AuthSettings::new()
            .allow(AuthType::ALL)
            .external_id("stack"),
        Arc::clone(factory) as _,
    )
    .with_clock(Arc::new(clock.clone()))
}

#[test]
fn same_settings_share_one_session() {
    let factory = RecordingFactory::new();
    let cache = cache(&factory, &ManualClock::default());
    let a = cache.get(&base()).unwrap();
    let b = cache.get(&base()).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(factory.calls().len(), 1, "built once");
    assert_eq!(cache.len(), 1);
}

#[test]
fn every_field_that_changes_the_outcome_changes_the_session() {
    type Edit = fn(&mut DatasourceSettings);
    let edits: [(&str, Edit); 17] = [
        ("auth type", |s| s.auth_type = AuthType::Default),
        ("access key", |s| s.access_key = Some("AKIDOTHER".into())),
        ("secret key", |s| s.secret_key = Some("secret-2".into())),
        ("session token", |s| {
            s.session_token = Some(SecretString::from("token"))
        }),
        ("profile", |s| s.profile = Some("other".into())),
        ("assume role arn", |s| {
            s.assume_role_arn = Some("arn:aws:iam::1:role/r".into())
        }),
        ("external id", |s| s.external_id = Some("ext".into())),
        ("endpoint", |s| {
            s.endpoint = Some("https://example.com".into())
        }),
        ("region", |s| s.region = Some("eu-west-2".into())),
        ("default region", |s| {
            s.default_region = Some("us-east-2".into())
        }),
        ("per-data-source external id", |s| {
            s.grafana_external_id = Some("ds-7".into())
        }),
        ("per-data-source external id switch", |s| {
            s.use_per_datasource_external_id = Some(true)
        }),
        ("proxy type", |s| s.proxy.proxy_type = ProxyType::None),
        ("proxy url", |s| {
            s.proxy.url = Some("http://proxy.internal:3128".into())
        }),
        ("proxy user", |s| s.proxy.username = Some("grafana".into())),
        ("proxy password", |s| {
            s.proxy.password = Some(SecretString::from("hunter2"))
        }),
        // Moving a value between fields must not collide (Grafana's key concatenated them).
        ("shifted value", |s| {
            s.access_key = Some("AKIDEXAMPLEsecret-1".into());
            s.secret_key = Some(SecretString::from(""));
        }),
    ];
    let factory = RecordingFactory::new();
    let cache = cache(&factory, &ManualClock::default());
    let original = cache.get(&base()).unwrap();
    for (what, edit) in edits {
        let mut edited = base();
        edit(&mut edited);
        let session = cache.get(&edited).unwrap();
        assert!(
            !Arc::ptr_eq(&original, &session),
            "editing the {what} must give a new session"
        );
    }
    assert_eq!(cache.len(), 18);
}

#[tokio::test]
async fn an_edited_secret_is_used_at_once() {
    let factory = RecordingFactory::new();
    let cache = cache(&factory, &ManualClock::default());
    let cx = Context::builder().build();
    let creds = cache.get(&base()).unwrap().provide(&cx).await.unwrap();
    assert_eq!(creds.secret_access_key(), "secret-1");
    let mut edited = base();
    edited.secret_key = Some("secret-2".into());
    let creds = cache.get(&edited).unwrap().provide(&cx).await.unwrap();
    assert_eq!(creds.secret_access_key(), "secret-2");
}

#[test]
fn idle_sessions_are_dropped_after_the_ttl() {
    let factory = RecordingFactory::new();
    let clock = ManualClock::default();
    let cache = cache(&factory, &clock).idle_ttl(Duration::from_secs(600));
    let a = cache.get(&base()).unwrap();
    clock.advance(Duration::from_secs(599));
    assert!(
        Arc::ptr_eq(&a, &cache.get(&base()).unwrap()),
        "use refreshes the idle timer"
    );
    clock.advance(Duration::from_secs(599));
    assert!(Arc::ptr_eq(&a, &cache.get(&base()).unwrap()));
    clock.advance(Duration::from_secs(600));
    cache.evict_idle();
    assert!(cache.is_empty());
    assert!(
        !Arc::ptr_eq(&a, &cache.get(&base()).unwrap()),
        "rebuilt after idling out"
    );
}

#[test]
fn the_least_recently_used_session_goes_when_full() {
    let factory = RecordingFactory::new();
    let clock = ManualClock::default();
    let cache = cache(&factory, &clock).max_entries(2);
    let settings = |key: &str| {
        let mut s = base();
        s.access_key = Some(key.into());
        s
    };
    let a = cache.get(&settings("A")).unwrap();
    let b = cache.get(&settings("B")).unwrap();
    assert!(Arc::ptr_eq(&a, &cache.get(&settings("A")).unwrap()));
    cache.get(&settings("C")).unwrap();
    assert_eq!(cache.len(), 2);
    assert!(
        Arc::ptr_eq(&a, &cache.get(&settings("A")).unwrap()),
        "A was used recently"
    );
    assert!(
        !Arc::ptr_eq(&b, &cache.get(&settings("B")).unwrap()),
        "B was evicted"
    );
}

#[test]
fn an_evicted_session_is_released() {
    let factory = RecordingFactory::new();
    let cache = cache(&factory, &ManualClock::default()).max_entries(1);
    let a = cache.get(&base()).unwrap();
    let weak = Arc::downgrade(&a);
    drop(a);
    let mut other = base();
    other.access_key = Some("AKIDOTHER".into());
    cache.get(&other).unwrap();
    assert!(
        weak.upgrade().is_none(),
        "the cache must not keep an evicted session alive"
    );
}

#[test]
fn a_clock_that_goes_back_evicts_nothing() {
    let factory = RecordingFactory::new();
    let clock = ManualClock::default();
    let cache = cache(&factory, &clock).idle_ttl(Duration::from_secs(60));
    let a = cache.get(&base()).unwrap();
    clock.set(std::time::SystemTime::UNIX_EPOCH);
    cache.evict_idle();
    assert!(Arc::ptr_eq(&a, &cache.get(&base()).unwrap()));
}

#[test]
fn the_gate_applies_to_cached_sessions() {
    let factory = RecordingFactory::new();
    let cache = SessionCache::new(
        AuthSettings::new().allow([AuthType::Default]),
        factory.clone() as _,
    );
    let err = cache.get(&base()).unwrap_err();
    assert!(err.is_not_allowed());
    assert!(cache.is_empty());
}

#[test]
fn many_sessions_stay_consistent_under_churn() {
    // Interleaved inserts, hits and evictions keep the map and the LRU list in step.
    let factory = RecordingFactory::new();
    let clock = ManualClock::default();
    let cache = cache(&factory, &clock)
        .max_entries(50)
        .idle_ttl(Duration::from_secs(100));
    let settings = |i: u32| {
        let mut s = base();
        s.access_key = Some(format!("AKID{i}"));
        s
    };
    let mut kept = Vec::new();
    for i in 0..1000u32 {
        clock.advance(Duration::from_secs(1));
        kept.push(cache.get(&settings(i % 97)).unwrap());
        if i % 7 == 0 {
            cache.get(&settings(i % 13)).unwrap();
        }
        assert!(cache.len() <= 50);
    }
    clock.advance(Duration::from_secs(101));
    cache.evict_idle();
    assert!(cache.is_empty());
    cache.get(&settings(1)).unwrap();
    assert_eq!(cache.len(), 1);
}

#[test]
fn a_plain_keys_session_keeps_its_label_and_reports_no_upstream() {
    let factory = RecordingFactory::new();
    let cache = cache(&factory, &ManualClock::default());
    let unlabelled = cache.get(&base()).unwrap();
    assert_eq!(unlabelled.report().label, None);
    // The first label sticks, also when it arrives after the session was built.
    let labelled = cache.get_labeled("cloudwatch-eu", &base()).unwrap();
    assert!(Arc::ptr_eq(&unlabelled, &labelled));
    cache.get_labeled("another-name", &base()).unwrap();
    let reports = cache.sessions();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].label.as_deref(), Some("cloudwatch-eu"));
    assert_eq!(reports[0].auth_type, AuthType::Keys);
    assert_eq!((reports[0].upstream_calls, reports[0].failures), (0, 0));
    assert_eq!(cache.totals().refreshes, 0);
}
