//! Hostile expiries (issue 19 item 4): every parser that reads an `Expiration` a server or a
//! file wrote — container agent, IMDS, STS, `credential_process`, the SSO and login token
//! caches — gets RFC 3339's extremes (years 0000 and 9999, offsets up to ±23:59, leap
//! seconds, 0 to 20 fractional digits). Whatever it accepts must survive everything done with
//! an expiry afterwards: `Debug` of the credentials, printing it again, the cache's refresh
//! arithmetic, the SSO cache's rewrite. `9999-12-31T23:59:59-01:00` (10000-01-01 in UTC)
//! aborted the process before.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awsauth_core::{
    CachedSource, Clock, Context, CredentialSourceExt, Credentials, ManualClock, timefmt,
};
use awsauth_static::StaticSource;
use awsauth_sts::{Operation, xml};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// The one value the issue names, first; then generated ones.
const NAMED: &str = "9999-12-31T23:59:59-01:00";

fn year() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0), Just(9999), Just(1970), Just(2024), 0u32..=9999]
}

fn offset() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Z".to_owned()),
        Just("z".to_owned()),
        Just("+23:59".to_owned()),
        Just("-23:59".to_owned()),
        Just("-01:00".to_owned()),
        Just("+00:00".to_owned()),
        Just("-00:00".to_owned()),
        (any::<bool>(), 0u32..=23, 0u32..=59)
            .prop_map(|(east, h, m)| format!("{}{h:02}:{m:02}", if east { '+' } else { '-' })),
    ]
}

/// An RFC 3339 timestamp at or near the edges of what the format allows.
fn extreme_timestamp() -> impl Strategy<Value = String> {
    let month_day = prop_oneof![
        Just((1u32, 1u32)),
        Just((12, 31)),
        Just((6, 30)),
        Just((2, 29)),
        (1u32..=12, 1u32..=31),
    ];
    let clock = prop_oneof![
        Just((0u32, 0u32, 0u32)),
        Just((23, 59, 59)),
        Just((23, 59, 60)),
        (0u32..=23, 0u32..=59, 0u32..=60),
    ];
    let fraction = prop_oneof![
        Just(String::new()),
        "[0-9]{1,20}".prop_map(|d| format!(".{d}"))
    ];
    (year(), month_day, any::<bool>(), clock, fraction, offset()).prop_map(
        |(y, (mo, d), lower_t, (h, mi, s), frac, off)| {
            let t = if lower_t { 't' } else { 'T' };
            format!("{y:04}-{mo:02}-{d:02}{t}{h:02}:{mi:02}:{s:02}{frac}{off}")
        },
    )
}

/// What every accepted expiry must survive.
fn survive(what: &str, expiry: SystemTime, creds: Option<&Credentials>) {
    let shown = timefmt::rfc3339(expiry);
    assert!(
        timefmt::parse_rfc3339(&shown).is_ok(),
        "{what}: {shown:?} does not parse back"
    );
    let Some(creds) = creds else { return };
    let debug = format!("{creds:?}");
    assert!(debug.contains("expiry"), "{what}: {debug}");
    // The cache's windows, jitter, back-off and stale-on-failure arithmetic, at a clock before
    // and after the expiry.
    for now in [
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200),
        timefmt::earliest(),
        timefmt::latest(),
    ] {
        let clock = Arc::new(ManualClock::at(now));
        let cx = Context::builder().clock(clock.clone()).build();
        let source = StaticSource::new(creds.access_key_id(), creds.secret_access_key())
            .session_token("token")
            .expiry(expiry);
        let cached = CachedSource::new(source);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let _ = cached.resolve(&cx).await;
            clock.advance(Duration::from_secs(3600));
            let _ = cached.resolve(&cx).await;
            let _ = cached.current(clock.now());
        });
        let _ = format!("{cached:?}");
    }
}

fn check(stamp: &str) {
    let imds = format!(
        r#"{{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAX","SecretAccessKey":"s","Token":"t","Expiration":"{stamp}"}}"#
    );
    if let Ok(c) =
        awsauth_imds::parse_credentials(imds.as_bytes(), "role", "http://169.254.169.254/")
    {
        survive("imds", c.expiry().unwrap(), Some(&c));
    }
    let container = format!(
        r#"{{"AccessKeyId":"ASIAX","SecretAccessKey":"s","Token":"t","Expiration":"{stamp}"}}"#
    );
    if let Ok(c) = awsauth_container::parse_credentials(
        container.as_bytes(),
        "http://169.254.170.2/creds",
        "container",
    ) {
        survive("container", c.expiry().unwrap(), Some(&c));
    }
    let sts = format!(
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAX</AccessKeyId>\
         <SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>\
         <Expiration>{stamp}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"
    );
    if let Ok(parsed) = xml::parse_credentials(Operation::AssumeRole, sts.as_bytes()) {
        let _ = format!("{parsed:?}");
        let c = Credentials::builder(
            parsed.access_key_id.clone(),
            parsed.secret_access_key.clone(),
        )
        .expiry(parsed.expiration)
        .build();
        survive("sts", parsed.expiration, Some(&c));
    }
    let process = format!(
        r#"{{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":"s","SessionToken":"t","Expiration":"{stamp}"}}"#
    );
    // Before every generated time, so nothing is refused as expired.
    let long_ago = timefmt::earliest();
    if let Ok(c) = awsauth_process::parse_output(process.as_bytes(), None, long_ago, "process") {
        survive("process", c.expiry().unwrap(), Some(&c));
    }
    let sso = format!(
        r#"{{"accessToken":"a","expiresAt":"{stamp}","region":"us-east-1","startUrl":"https://x.awsapps.com/start"}}"#
    );
    let path = Path::new("/home/u/.aws/sso/cache/x.json");
    if let Ok(token) = awsauth_sso::parse_cached_token(sso.as_bytes(), path) {
        let _ = format!("{token:?}");
        let again = awsauth_sso::parse_cached_token(&token.to_json(), path).unwrap();
        survive("sso cache", again.expires_at, None);
    }
    let login = format!(
        r#"{{"accessToken":{{"accessKeyId":"ASIAX","secretAccessKey":"s","sessionToken":"t","accountId":"123456789012","expiresAt":"{stamp}"}},"clientId":"c","refreshToken":"r","dpopKey":"k"}}"#
    );
    let _ = awsauth_login::check_cache_file(login.as_bytes());
}

#[test]
fn the_named_hostile_expiry_is_survived_by_every_parser() {
    check(NAMED);
    let c = awsauth_container::parse_credentials(
        format!(
            r#"{{"AccessKeyId":"ASIAX","SecretAccessKey":"s","Token":"t","Expiration":"{NAMED}"}}"#
        )
        .as_bytes(),
        "http://169.254.170.2/creds",
        "container",
    )
    .unwrap();
    // Clamped to the last second RFC 3339 can write: it never expires in practice.
    assert_eq!(c.expiry(), Some(timefmt::latest()));
    assert!(format!("{c:?}").contains("9999-12-31T23:59:59Z"));
}

#[test]
fn rfc3339_extremes_never_panic_any_parser() {
    let mut runner = TestRunner::new(Config {
        cases: 2_000,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&extreme_timestamp(), |stamp| {
            check(&stamp);
            Ok(())
        })
        .unwrap();
}
