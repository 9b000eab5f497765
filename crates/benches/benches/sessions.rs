//! The per-data-source session cache: memory for 100,000 distinct data sources (goals: plain
//! `keys` sessions at most 52 MiB, `keys` + assume role sessions at most 64 MiB), and the cost of a lookup in a cache of 100 entries next to one of 100,000 entries
//! (same run, ratio printed: about 1 means O(1)).
//!
//! A second measurement takes 100,000 `keys` + assume role data sources built by the
//! `StandardFactory` (the real `AssumeRoleSource`, no network at construction), each wrapped in
//! the credentials cache (`CachedSource`) as production sessions are: the cost of the wrap.
//!
//! Memory is the growth of the process's resident set (`VmRSS` in `/proc/self/status`) while
//! the sessions are inserted: what a server pays, pages and allocator slack included. Printed
//! next to it, from `allocation-counter` (this binary's global allocator): the bytes and
//! allocations still live per session, the figures a layout change moves.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use awsauth_core::CredentialSource;
use awsauth_datasource::{
    AssumeRoleParams, AuthSettings, AuthType, DatasourceSettings, SessionCache, SourceFactory,
    StsOptions,
};
use criterion::Criterion;

const SESSIONS: usize = 100_000;
/// 100,000 plain `keys` sessions.
const KEYS_GOAL_MIB: f64 = 52.0;
/// 100,000 `keys` + assume role sessions, each behind the credentials cache.
const ROLE_GOAL_MIB: f64 = 64.0;

/// Builds real `keys` sources (the default method); the other auth types are not used here.
#[derive(Debug)]
struct KeysOnly;

impl SourceFactory for KeysOnly {
    fn profile(
        &self,
        _: Option<&str>,
        _: Option<&Path>,
        _: &StsOptions,
    ) -> Arc<dyn CredentialSource> {
        unreachable!("the benchmark uses keys only")
    }
    fn ec2_iam_role(&self) -> Arc<dyn CredentialSource> {
        unreachable!("the benchmark uses keys only")
    }
    fn default_chain(&self, _: &StsOptions) -> Arc<dyn CredentialSource> {
        unreachable!("the benchmark uses keys only")
    }
    fn assume_role(
        &self,
        base: Arc<dyn CredentialSource>,
        _: AssumeRoleParams,
    ) -> Arc<dyn CredentialSource> {
        base
    }
}

/// A realistic data source: its own key pair, a session token and a region.
fn settings(i: usize) -> DatasourceSettings {
    let mut s = DatasourceSettings::new(AuthType::Keys);
    s.access_key = Some(format!("AKIA{i:016}"));
    s.secret_key = Some(format!("wJalrXUtnFEMI/K7MDENG/bPxRfiCY{i:010}").into());
    s.session_token = Some(format!("IQoJb3JpZ2luX2VjEXAMPLE{i:010}").into());
    s.default_region = Some("eu-west-1".to_owned());
    s
}

/// The same with an assume role ARN and external id: a cached `AssumeRoleSource` session.
fn role_settings(i: usize) -> DatasourceSettings {
    let mut s = settings(i);
    s.assume_role_arn = Some(format!("arn:aws:iam::123456789012:role/ds-{i}"));
    s.external_id = Some(format!("tenant-{i}"));
    s
}

fn cache(entries: usize) -> SessionCache {
    fill(
        SessionCache::new(AuthSettings::new(), Arc::new(KeysOnly)),
        entries,
        settings,
    )
}

fn fill(
    cache: SessionCache,
    entries: usize,
    settings: fn(usize) -> DatasourceSettings,
) -> SessionCache {
    let cache = cache
        .max_entries(entries)
        .idle_ttl(Duration::from_secs(24 * 3600));
    for i in 0..entries {
        black_box(cache.get(&settings(i)).ok());
    }
    cache
}

fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn memory(label: &str, goal_mib: f64, build: impl FnOnce() -> SessionCache) {
    let before = rss_bytes();
    let start = Instant::now();
    let mut built = None;
    let live = allocation_counter::measure(|| built = Some(build()));
    let elapsed = start.elapsed();
    let after = rss_bytes();
    let cache = built.expect("measured");
    assert_eq!(cache.len(), SESSIONS);
    println!(
        "sessions/memory ({label}): live after inserting: {:.0} bytes in {:.1} allocations per session",
        live.bytes_current as f64 / SESSIONS as f64,
        live.count_current as f64 / SESSIONS as f64,
    );
    match (before, after) {
        (Some(before), Some(after)) => {
            let grown = after.saturating_sub(before) as f64;
            let mib = grown / (1024.0 * 1024.0);
            println!(
                "sessions/memory ({label}): {SESSIONS} distinct data sources: RSS grew {mib:.1} MiB ({:.0} bytes per session), goal <= {goal_mib} MiB: {}; inserted in {elapsed:.2?} ({:.2} us each)",
                grown / SESSIONS as f64,
                if mib <= goal_mib { "met" } else { "MISSED" },
                elapsed.as_secs_f64() * 1e6 / SESSIONS as f64,
            );
            awsauth_benches::report_quantity(
                &format!("sessions: memory of {SESSIONS} data sources ({label})"),
                grown,
                "bytes",
                &format!("≤ {goal_mib} MiB"),
                mib <= goal_mib,
            );
        }
        _ => println!("sessions/memory: /proc/self/status is not readable here; skipped"),
    }
    drop(black_box(cache));
}

/// Mean time of one hit, over `rounds` passes through `keys` distinct settings.
fn time_hits(cache: &SessionCache, keys: &[DatasourceSettings], rounds: usize) -> Duration {
    let start = Instant::now();
    for _ in 0..rounds {
        for s in keys {
            black_box(cache.get(black_box(s)).ok());
        }
    }
    start.elapsed() / (rounds * keys.len()) as u32
}

fn lookups(c: &mut Criterion) {
    let small = cache(100);
    let large = cache(SESSIONS);
    // The same 100 data sources are looked up in both caches.
    let keys: Vec<DatasourceSettings> = (0..100).map(settings).collect();

    let mut group = c.benchmark_group("sessions/get-hit");
    group.bench_function("100 entries", |b| {
        b.iter(|| black_box(small.get(black_box(&keys[7])).ok()))
    });
    group.bench_function("100000 entries", |b| {
        b.iter(|| black_box(large.get(black_box(&keys[7])).ok()))
    });
    group.finish();

    let t_small = time_hits(&small, &keys, 2_000);
    let t_large = time_hits(&large, &keys, 2_000);
    println!(
        "sessions/get-hit: {t_small:.2?} with 100 entries, {t_large:.2?} with {SESSIONS} entries: ratio {:.2} (about 1 = O(1))",
        t_large.as_secs_f64() / t_small.as_secs_f64()
    );
    // The "peer" of an O(1) lookup is the same lookup in a 1,000× smaller cache.
    awsauth_benches::report_time_against(
        &format!("sessions: lookup with {SESSIONS} entries vs 100"),
        t_large.as_nanos() as f64,
        Some((t_small.as_nanos() as f64, "the same with 100 entries")),
        "O(1): ratio ≤ 2",
        t_large.as_secs_f64() <= 2.0 * t_small.as_secs_f64(),
    );

    let mut next = SESSIONS;
    c.bench_function("sessions/get-miss (build, insert, evict the oldest)", |b| {
        b.iter(|| {
            next += 1;
            black_box(large.get(&settings(next)).ok())
        })
    });
}

/// Set in a child process of this benchmark: which memory measurement to make, alone.
const MEMORY_CASE_VAR: &str = "AWSAUTH_BENCH_SESSIONS_MEMORY";

/// Each memory measurement runs in its own child process: memory freed by an earlier one stays
/// in the allocator and would make a later one look smaller.
fn memory_in_child(case: &str) {
    let measured = std::env::current_exe().and_then(|exe| {
        std::process::Command::new(exe)
            .env(MEMORY_CASE_VAR, case)
            .output()
    });
    match measured {
        Ok(out) => print!("{}", String::from_utf8_lossy(&out.stdout)),
        Err(err) => println!("sessions/memory ({case}): could not run the measurement: {err}"),
    }
}

fn main() {
    match std::env::var(MEMORY_CASE_VAR).as_deref() {
        Ok("keys") => return memory("keys", KEYS_GOAL_MIB, || cache(SESSIONS)),
        Ok("role") => {
            return memory("keys + assume role, cached", ROLE_GOAL_MIB, || {
                fill(
                    SessionCache::standard(AuthSettings::new()),
                    SESSIONS,
                    role_settings,
                )
            });
        }
        _ => {}
    }
    memory_in_child("keys");
    memory_in_child("role");
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(30)
        .measurement_time(Duration::from_secs(3));
    lookups(&mut criterion);
    criterion.final_summary();
}
