//! Load: 1,000 data sources × 50 concurrent readers each through `SessionCache`, every data
//! source assuming its own role (role ARN and external ID) through `FakeSts`.
//!
//! - Exactly one STS call per distinct data source per session lifetime: counted by the fake,
//!   and the (role, external ID) pairs it saw are exactly the data sources'.
//! - No deadlock: the whole scenario and each phase run under time-out guards.
//! - No lost update: while the second wave of readers runs, 100 data sources change their role;
//!   every read is checked against the settings version it read, so a reader that got the new
//!   settings can never be handed the old session; afterwards each changed data source returns
//!   its new role, and cost exactly one more STS call.
//!
//! Data sources are read in waves of 250 (12,500 concurrent readers per wave) so the number of
//! loopback connections stays far below common file-descriptor limits.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use awsauth_core::{CredentialSource, MapEnv, MemFs};
use awsauth_datasource::{AuthSettings, AuthType, DatasourceSettings, SessionCache};
use awsauth_http::HttpSettings;
use awsauth_testkit::{FakeSts, RoleRule};
use tokio::sync::Notify;

use crate::factory::RealFactory;
use crate::support::{Counting, SkewClock, Tally, context, report, scenario};

const DATA_SOURCES: usize = 1_000;
const READERS: usize = 50;
const WAVE: usize = 250;
const CHANGED_EVERY: usize = 10;
const KEY_ID: &str = "AKIDLOADTEST0000001";
const SECRET: &str = "load+SECRET/8f8f8f8f8f8f8f8f";

fn role(i: usize, version: u32) -> String {
    if version == 0 {
        format!("arn:aws:iam::123456789012:role/grafana/ds-{}", i / 2)
    } else {
        format!("arn:aws:iam::123456789012:role/grafana/changed-{i}")
    }
}

fn external_id(i: usize) -> String {
    format!("stack-{i}")
}

fn settings(i: usize, version: u32) -> DatasourceSettings {
    let json = serde_json::json!({
        "jsonData": {
            "authType": "keys",
            "assumeRoleArn": role(i, version),
            "externalId": external_id(i),
            "defaultRegion": "eu-west-1",
        },
        "secureJsonData": {"accessKey": KEY_ID, "secretKey": SECRET},
    });
    DatasourceSettings::from_json(&json.to_string()).unwrap()
}

/// A data source as the server holds it: its current settings and their version.
struct DataSource {
    index: usize,
    current: RwLock<(u32, Arc<DatasourceSettings>)>,
}

impl DataSource {
    fn read(&self) -> (u32, Arc<DatasourceSettings>) {
        let guard = self.current.read().unwrap();
        (guard.0, Arc::clone(&guard.1))
    }
}

struct Shared {
    sessions: SessionCache,
    cx: awsauth_core::Context,
    reads: AtomicUsize,
    wrong: AtomicUsize,
}

/// One read: settings → session → credentials, checked against the settings version read.
async fn read_once(shared: &Shared, ds: &DataSource) {
    let (version, settings) = ds.read();
    let session = shared.sessions.get(&settings).unwrap();
    let credentials = session.provide(&shared.cx).await.unwrap();
    let expected = format!("assume-role:{}", role(ds.index, version));
    let last = credentials.provenance().steps().last().cloned();
    if last.as_deref() != Some(expected.as_str()) {
        shared.wrong.fetch_add(1, Ordering::SeqCst);
    }
    shared.reads.fetch_add(1, Ordering::SeqCst);
}

async fn wave(shared: &Arc<Shared>, sources: &[Arc<DataSource>], reads_each: usize) {
    let mut tasks = Vec::with_capacity(sources.len() * READERS);
    for ds in sources {
        for _ in 0..READERS {
            let shared = Arc::clone(shared);
            let ds = Arc::clone(ds);
            tasks.push(tokio::spawn(async move {
                for _ in 0..reads_each {
                    read_once(&shared, &ds).await;
                    tokio::task::yield_now().await;
                }
            }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
}

#[test]
fn a_thousand_data_sources_with_fifty_readers_each() {
    let scanned = scenario(
        "session cache load",
        &[SECRET],
        Duration::from_secs(180),
        |capture| async move {
            let sts = FakeSts::start().await.unwrap();
            sts.add_key(KEY_ID, SECRET);
            for i in 0..DATA_SOURCES {
                sts.add_role(&role(i, 0), RoleRule::default());
            }
            let http = Counting::new();
            let env = MapEnv::from([("AWS_ENDPOINT_URL_STS", sts.endpoint().as_str())]);
            let clock = SkewClock::default();
            let cx = context(env, MemFs::new(), &clock, &http);
            let policy = AuthSettings::new().allow([AuthType::Keys]);
            // STS's own time-outs, not the fault matrix's short ones: this measures no fault,
            // and a retry after a slow answer would be a second STS call for one data source.
            let sessions =
                SessionCache::new(policy, Arc::new(RealFactory::new(HttpSettings::sts())))
                    .with_clock(cx.clock_handle());
            let shared = Arc::new(Shared {
                sessions,
                cx,
                reads: AtomicUsize::new(0),
                wrong: AtomicUsize::new(0),
            });
            let sources: Vec<Arc<DataSource>> = (0..DATA_SOURCES)
                .map(|i| {
                    Arc::new(DataSource {
                        index: i,
                        current: RwLock::new((0, Arc::new(settings(i, 0)))),
                    })
                })
                .collect();

            // Wave one: every data source cold, 50 readers each.
            let started = Instant::now();
            for chunk in sources.chunks(WAVE) {
                tokio::time::timeout(Duration::from_secs(60), wave(&shared, chunk, 1))
                    .await
                    .expect("a wave of readers deadlocked or stalled");
            }
            let first = started.elapsed();
            assert_eq!(shared.reads.load(Ordering::SeqCst), DATA_SOURCES * READERS);
            assert_eq!(shared.wrong.load(Ordering::SeqCst), 0);
            assert_eq!(
                sts.successful("AssumeRole"),
                DATA_SOURCES,
                "one STS call per data source"
            );
            assert_eq!(sts.received_requests(), DATA_SOURCES);
            assert_eq!(http.attempts(), DATA_SOURCES);
            assert_eq!(shared.sessions.len(), DATA_SOURCES);
            let mut seen: Vec<(String, String)> = sts
                .calls()
                .iter()
                .map(|c| (c.params["RoleArn"].clone(), c.params["ExternalId"].clone()))
                .collect();
            seen.sort();
            let mut expected: Vec<(String, String)> = (0..DATA_SOURCES)
                .map(|i| (role(i, 0), external_id(i)))
                .collect();
            expected.sort();
            assert_eq!(seen, expected);

            // Wave two: every data source read again (cached: no STS call), while every tenth
            // changes its role part-way through.
            let changed: Vec<Arc<DataSource>> =
                sources.iter().step_by(CHANGED_EVERY).cloned().collect();
            let halfway = Arc::new(Notify::new());
            let writer = {
                let shared = Arc::clone(&shared);
                let halfway = Arc::clone(&halfway);
                let changed = changed.clone();
                tokio::spawn(async move {
                    halfway.notified().await;
                    for ds in &changed {
                        let mut current = ds.current.write().unwrap();
                        *current = (1, Arc::new(settings(ds.index, 1)));
                    }
                    shared.reads.load(Ordering::SeqCst)
                })
            };
            let reads_before = shared.reads.load(Ordering::SeqCst);
            let started = Instant::now();
            let trigger = {
                let shared = Arc::clone(&shared);
                let halfway = Arc::clone(&halfway);
                tokio::spawn(async move {
                    let target = reads_before + DATA_SOURCES * READERS;
                    while shared.reads.load(Ordering::SeqCst) < target {
                        tokio::task::yield_now().await;
                    }
                    halfway.notify_one();
                })
            };
            for chunk in sources.chunks(WAVE) {
                tokio::time::timeout(Duration::from_secs(60), wave(&shared, chunk, 4))
                    .await
                    .expect("a wave of readers deadlocked or stalled");
            }
            trigger.await.unwrap();
            let changed_at = writer.await.unwrap();
            let second = started.elapsed();
            assert!(
                changed_at < reads_before + 4 * DATA_SOURCES * READERS,
                "the settings changed while readers were still running"
            );
            assert_eq!(
                shared.wrong.load(Ordering::SeqCst),
                0,
                "a reader got a session for other settings than it read"
            );
            for ds in &changed {
                read_once(&shared, ds).await;
                let (version, settings) = ds.read();
                assert_eq!(version, 1);
                let credentials = shared
                    .sessions
                    .get(&settings)
                    .unwrap()
                    .provide(&shared.cx)
                    .await
                    .unwrap();
                assert_eq!(
                    credentials.provenance().steps().last().cloned(),
                    Some(format!("assume-role:{}", role(ds.index, 1)))
                );
            }
            assert_eq!(shared.wrong.load(Ordering::SeqCst), 0);
            assert_eq!(
                sts.successful("AssumeRole"),
                DATA_SOURCES + changed.len(),
                "exactly one more STS call per changed data source"
            );
            capture.record(
                "load",
                format_args!(
                    "wave one: {} reads in {first:?}; wave two: {} reads in {second:?}",
                    DATA_SOURCES * READERS,
                    4 * DATA_SOURCES * READERS
                ),
            );
            println!(
                "load: {DATA_SOURCES} data sources x {READERS} readers: cold wave {first:?}, warm wave with {} changes {second:?}, {} STS calls",
                changed.len(),
                sts.successful("AssumeRole")
            );
        },
    );
    report(
        "load::session_cache",
        Tally {
            scenarios: 1,
            lines_scanned: scanned.lines,
            ..Tally::default()
        },
    );
}
