//! `awsauth serve` under load: 10,000 credential requests from 64 concurrent clients (each on
//! its own keep-alive connection) against the real binary on loopback, serving a `keys` +
//! assume role session whose STS is the testkit fake. Reports p50 and p99 latency, requests per
//! second, and how many times STS was asked (one session load for the whole run: goal = 1).
//!
//! The binary is the release build next to this bench (`target/release/awsauth`); it is built
//! first when missing.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use awsauth_benches::{percentile, report_quantity, report_time};
use awsauth_testkit::{FakeSts, RoleRule};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const REQUESTS: usize = 10_000;
const CLIENTS: usize = 64;
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

/// One response on a keep-alive connection: the status and the body length.
async fn request(stream: &mut BufReader<tokio::net::TcpStream>, head: &[u8]) -> (u16, usize) {
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
    (status, length)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sts = runtime.block_on(FakeSts::start()).expect("fake STS");
    sts.add_key(KEY_ID, SECRET)
        .add_role(ROLE, RoleRule::default());

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
    let calls_before = sts.successful("AssumeRole");

    let (latencies, wall, failures) = runtime.block_on(async {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for client in 0..CLIENTS {
            let addr = addr.clone();
            let head = head.clone();
            let count = REQUESTS / CLIENTS + usize::from(client < REQUESTS % CLIENTS);
            tasks.push(tokio::spawn(async move {
                let stream = tokio::net::TcpStream::connect(&addr)
                    .await
                    .expect("connect");
                let _ = stream.set_nodelay(true);
                let mut stream = BufReader::new(stream);
                let mut times = Vec::with_capacity(count);
                let mut failures = 0usize;
                for _ in 0..count {
                    let sent = Instant::now();
                    let (status, length) = request(&mut stream, head.as_bytes()).await;
                    times.push(sent.elapsed());
                    if status != 200 || length == 0 {
                        failures += 1;
                    }
                }
                (times, failures)
            }));
        }
        let mut all = Vec::with_capacity(REQUESTS);
        let mut failures = 0;
        for task in tasks {
            let (times, failed) = tokio::time::timeout(Duration::from_secs(300), task)
                .await
                .expect("hang guard")
                .expect("client");
            all.extend(times);
            failures += failed;
        }
        (all, started.elapsed(), failures)
    });
    let _ = child.kill();
    let _ = child.wait();

    assert_eq!(
        failures, 0,
        "every request is answered with the credentials"
    );
    let mut sorted = latencies;
    sorted.sort();
    let p50 = percentile(&sorted, 50.0).unwrap_or_default();
    let p99 = percentile(&sorted, 99.0).unwrap_or_default();
    let rps = sorted.len() as f64 / wall.as_secs_f64();
    let upstream = sts.successful("AssumeRole");
    println!(
        "serve: {} requests, {CLIENTS} clients: p50 {p50:?}, p99 {p99:?}, {rps:.0} req/s, {upstream} STS call(s) ({calls_before} at start)",
        sorted.len()
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
        "serve: STS calls for 10,000 requests (one session load)",
        upstream as f64,
        "calls",
        "= 1",
        upstream == 1,
    );
}
