//! `awsauth serve` under load, across credential refreshes: 64 concurrent clients (each on its
//! own keep-alive connection) read credentials from the real binary on loopback, serving a
//! `keys` + assume role session whose STS is the testkit fake issuing credentials that live
//! only a few seconds. The clients keep reading — at least 10,000 requests — until the server
//! has refreshed the session several times. Reports p50 and p99 latency and requests per second
//! over the whole run (refreshes included), how many distinct credentials were served (the
//! first load and each refresh), how many times STS was asked, and the ratio of the two (goal:
//! exactly one upstream call per refresh, however many clients read meanwhile).
//!
//! A session that lives `L` refreshes in the background from `L/2` (plus jitter) after it was
//! fetched — the cache's short-session windows (`crates/core/src/cache.rs`) — so with
//! [`LIFETIME`] of 3 s (2 to 3 s as served, `Expiration` being whole seconds) a refresh comes
//! every 1 to 1.7 s, and the run stops just after a new credential appears, far from the next
//! refresh, so the count of calls is final.
//!
//! The binary is the one built next to this bench (`target/release/awsauth` under
//! `cargo bench`, `target/debug/awsauth` under `cargo test --bench serve`); it is built first
//! when missing.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use awsauth_benches::{percentile, report_quantity, report_time};
use awsauth_testkit::{FakeSts, RoleRule};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// At least this many requests in all.
const REQUESTS: usize = 10_000;
const CLIENTS: usize = 64;
/// How long the fake STS's credentials live.
const LIFETIME: Duration = Duration::from_secs(3);
/// Distinct credentials the clients must see before the run stops: the first load and five
/// refreshes.
const LOADS: usize = 6;
/// The run stops here whatever it saw (well inside serve's one-minute connection lifetime).
const RUN_LIMIT: Duration = Duration::from_secs(40);
const KEY_ID: &str = "AKIABENCHSERVE000001";
const SECRET: &str = "bench-serve-secret-key";
const ROLE: &str = "arn:aws:iam::123456789012:role/bench";

fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the bench's path");
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target/<profile>");
    let bin = dir.join(format!("awsauth{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let profile = if dir.ends_with("release") {
            "--release"
        } else {
            "--profile=dev"
        };
        let status = Command::new(cargo)
            .args([
                "build",
                "--quiet",
                profile,
                "-p",
                "awsauth-cli",
                "--bin",
                "awsauth",
            ])
            .current_dir(root)
            .status()
            .expect("cargo build");
        assert!(status.success(), "cannot build awsauth");
    }
    bin
}

/// One response on a keep-alive connection: the status and the body.
async fn request(stream: &mut BufReader<tokio::net::TcpStream>, head: &[u8]) -> (u16, Vec<u8>) {
    stream.get_mut().write_all(head).await.expect("write");
    let mut status = 0;
    let mut length = 0;
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).await.expect("read");
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if status == 0 {
            status = line
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
        } else if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.expect("body");
    (status, body)
}

/// The `AccessKeyId` of a served JSON body, found without parsing all of it (the clients share
/// the two cores with the server, so their own work stays small).
fn access_key_id(body: &[u8]) -> Option<&[u8]> {
    const FIELD: &[u8] = b"\"AccessKeyId\"";
    let at = body.windows(FIELD.len()).position(|w| w == FIELD)? + FIELD.len();
    let rest = &body[at..];
    let open = rest.iter().position(|b| *b == b'"')? + 1;
    let len = rest[open..].iter().position(|b| *b == b'"')?;
    Some(&rest[open..open + len])
}

/// What the clients share: when to stop, and the distinct credentials seen so far.
struct Run {
    started: Instant,
    done: AtomicUsize,
    stop: AtomicBool,
    keys: Mutex<BTreeSet<Vec<u8>>>,
}

impl Run {
    /// Notes a key a client had not seen before; stops the run right after a new credential
    /// appeared once enough requests and loads were seen (the next refresh is then half a
    /// lifetime away, so no call is in flight when STS's count is read).
    fn saw(&self, key: &[u8]) {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.insert(key.to_vec())
            && keys.len() >= LOADS
            && self.done.load(Ordering::Relaxed) >= REQUESTS
        {
            self.stop.store(true, Ordering::Relaxed);
        }
    }

    fn should_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.started.elapsed() >= RUN_LIMIT
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sts = runtime.block_on(FakeSts::start()).expect("fake STS");
    sts.add_key(KEY_ID, SECRET)
        .add_role(ROLE, RoleRule::default())
        .set_issued_lifetime(LIFETIME);

    let mut child = Command::new(binary())
        .args([
            "serve",
            "--format",
            "json",
            "--auth-type",
            "keys",
            "--region",
            "us-east-1",
        ])
        .args(["--assume-role-arn", ROLE])
        .env_clear()
        .env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_ENDPOINT_URL_STS", sts.endpoint())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("awsauth serve");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
        &mut line,
    )
    .expect("announcement");
    let announced: serde_json::Value = serde_json::from_str(&line).expect("serve's JSON");
    let uri = announced["full_uri"].as_str().expect("full_uri").to_owned();
    let token = announced["token"].as_str().expect("token").to_owned();
    let addr = uri
        .trim_start_matches("http://")
        .trim_end_matches("/v1/credentials")
        .to_owned();
    let head =
        format!("GET /v1/credentials HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {token}\r\n\r\n");

    let run = Arc::new(Run {
        started: Instant::now(),
        done: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        keys: Mutex::new(BTreeSet::new()),
    });
    let (latencies, wall, failures) = runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..CLIENTS {
            let addr = addr.clone();
            let head = head.clone();
            let run = Arc::clone(&run);
            tasks.push(tokio::spawn(async move {
                let stream = tokio::net::TcpStream::connect(&addr)
                    .await
                    .expect("connect");
                let _ = stream.set_nodelay(true);
                let mut stream = BufReader::new(stream);
                let mut times = Vec::with_capacity(4 * REQUESTS / CLIENTS);
                let mut failures = 0usize;
                let mut last_key = Vec::new();
                while !run.should_stop() {
                    let sent = Instant::now();
                    let (status, body) = request(&mut stream, head.as_bytes()).await;
                    times.push(sent.elapsed());
                    run.done.fetch_add(1, Ordering::Relaxed);
                    match access_key_id(&body) {
                        Some(key) if status == 200 => {
                            if key != last_key.as_slice() {
                                last_key = key.to_vec();
                                run.saw(key);
                            }
                        }
                        _ => failures += 1,
                    }
                }
                (times, failures)
            }));
        }
        let mut all = Vec::new();
        let mut failures = 0;
        for task in tasks {
            let (times, failed) = tokio::time::timeout(RUN_LIMIT + Duration::from_secs(30), task)
                .await
                .expect("hang guard")
                .expect("client");
            all.extend(times);
            failures += failed;
        }
        (all, run.started.elapsed(), failures)
    });
    // A duplicate call racing the last refresh would land within milliseconds; the next
    // refresh is at least a second away.
    std::thread::sleep(Duration::from_millis(200));
    let calls = sts.successful("AssumeRole");
    let _ = child.kill();
    let _ = child.wait();

    assert_eq!(failures, 0, "every request is answered with credentials");
    let loads = run.keys.lock().unwrap_or_else(|e| e.into_inner()).len();
    let mut sorted = latencies;
    sorted.sort();
    let p50 = percentile(&sorted, 50.0).unwrap_or_default();
    let p99 = percentile(&sorted, 99.0).unwrap_or_default();
    let rps = sorted.len() as f64 / wall.as_secs_f64();
    let per_refresh = calls as f64 / loads.max(1) as f64;
    println!(
        "serve: {} requests, {CLIENTS} clients, {wall:.1?}: p50 {p50:?}, p99 {p99:?}, {rps:.0} req/s; {loads} credentials served (first load + {} refreshes), {calls} STS AssumeRole call(s), {per_refresh:.3} calls/refresh",
        sorted.len(),
        loads.saturating_sub(1)
    );
    // With 64 requests always in flight, p50 ≈ 64 / throughput (Little's law): 5 ms is
    // 12,800 req/s, on the 2 cores the suite shares.
    report_time(
        "serve: p50 latency, 64 clients",
        p50.as_nanos() as f64,
        None,
        "≤ 5 ms",
        p50 <= Duration::from_millis(5),
    );
    report_time(
        "serve: p99 latency, 64 clients",
        p99.as_nanos() as f64,
        None,
        "≤ 25 ms",
        p99 <= Duration::from_millis(25),
    );
    report_quantity(
        "serve: requests per second, 64 clients",
        rps.round(),
        "req/s",
        "≥ 10,000 req/s",
        rps >= 10_000.0,
    );
    report_quantity(
        "serve: credentials served while 64 clients read (first load + refreshes)",
        loads as f64,
        "AccessKeyIds",
        &format!("≥ {LOADS}"),
        loads >= LOADS,
    );
    report_quantity(
        "serve: STS AssumeRole calls over the run",
        calls as f64,
        "calls",
        "= credentials served",
        calls == loads,
    );
    report_quantity(
        "serve: STS calls per refresh, 64 clients reading",
        per_refresh,
        "calls/refresh",
        "= 1.0",
        loads >= LOADS && calls == loads,
    );
}
