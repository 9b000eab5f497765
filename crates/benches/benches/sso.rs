//! Cold IAM Identity Center resolution: awsauth's `SsoSource` against aws-config's
//! `SsoCredentialsProvider`, both for the same legacy-form settings (no token provider, so
//! nothing is cached in memory on either side), reading the same token cache file and calling
//! the same minimal hyper server on loopback, in the same run. Every call reads and parses the
//! token file and sends `GetRoleCredentials` over a pooled connection.
//!
//! aws-config reads `HOME` and `AWS_ENDPOINT_URL_SSO` from the process environment, which a
//! bench cannot set for itself without `unsafe`; so the bench re-runs itself as a child with
//! those two variables set (and the caller's other `AWS_*` variables removed), and the child
//! measures. Its output, the `AWSAUTH-BENCH` line included, goes straight to the caller.
//!
//! Besides criterion's own report, the run ends with interleaved medians of both and their
//! ratio (goal: awsauth ≤ 0.8× aws-config).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_config::provider_config::ProviderConfig;
use aws_config::sso::SsoCredentialsProvider;
use aws_credential_types::provider::ProvideCredentials;
use awsauth_core::{Context, CredentialSource, MapEnv, SystemClock, SystemFs, timefmt};
use awsauth_http::HttpClient;
use awsauth_sso::{SsoSource, cache_file_name};
use bytes::Bytes;
use criterion::{Criterion, criterion_group};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::runtime::Runtime;

const CHILD: &str = "AWSAUTH_BENCH_SSO_PORT";
const START_URL: &str = "https://bench.awsapps.com/start";
const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";
const ROLE: &str = "BenchRole";
const ANSWER: &str = r#"{"roleCredentials":{"accessKeyId":"ASIAIOSFODNN7EXAMPLE","secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY","sessionToken":"IQoJb3JpZ2luX2VjEOz////////////////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==","expiration":4070908800000}}"#;

/// A keep-alive HTTP/1 server on `port` that answers every request with `ANSWER`.
async fn serve(port: u16) -> SocketAddr {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = service_fn(|request: Request<Incoming>| async move {
                    let _ = request.into_body().collect().await;
                    Ok::<_, Infallible>(
                        Response::builder()
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from_static(ANSWER.as_bytes())))
                            .unwrap_or_default(),
                    )
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

struct Peers {
    runtime: Runtime,
    cx: Context,
    awsauth: SsoSource,
    aws_config: SsoCredentialsProvider,
}

fn peers(port: u16) -> Peers {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let endpoint = runtime.block_on(async { format!("http://{}", serve(port).await) });
    let home = std::env::var("HOME").expect("the parent sets HOME");
    let awsauth = SsoSource::legacy(START_URL, REGION, ACCOUNT, ROLE);
    let cx = Context::builder()
        .env(MapEnv::from([
            ("HOME", home.as_str()),
            ("AWS_ENDPOINT_URL_SSO", endpoint.as_str()),
        ]))
        .fs(SystemFs)
        .clock(Arc::new(SystemClock))
        .http(HttpClient::hyper())
        .build();
    // The same TLS stack as awsauth (rustls + ring), so neither side pays for aws-lc.
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let provider_config = ProviderConfig::empty()
        .with_http_client(http_client)
        .with_sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
        .with_time_source(aws_smithy_async::time::SystemTimeSource::new());
    let aws_config = SsoCredentialsProvider::builder()
        .configure(&provider_config)
        .start_url(START_URL)
        .region(aws_config::Region::new(REGION))
        .account_id(ACCOUNT)
        .role_name(ROLE)
        .build();
    Peers {
        runtime,
        cx,
        awsauth,
        aws_config,
    }
}

impl Peers {
    fn awsauth_once(&self) {
        let creds = self
            .runtime
            .block_on(self.awsauth.provide(&self.cx))
            .expect("awsauth resolves the SSO role");
        std::hint::black_box(creds);
    }

    fn aws_config_once(&self) {
        let creds = self
            .runtime
            .block_on(self.aws_config.provide_credentials())
            .expect("aws-config resolves the SSO role");
        std::hint::black_box(creds);
    }
}

fn cold_sso(c: &mut Criterion, port: u16) {
    let peers = peers(port);
    // Warm both connection pools so the comparison is about the clients, not TCP set-up.
    peers.awsauth_once();
    peers.aws_config_once();
    let mut group = c.benchmark_group("sso/get-role-credentials-cold");
    group.bench_function("awsauth", |b| b.iter(|| peers.awsauth_once()));
    group.bench_function("aws-config", |b| b.iter(|| peers.aws_config_once()));
    group.finish();
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// Interleaved runs of both peers, so drift on a shared machine hits both alike.
fn summary(port: u16) {
    let peers = peers(port);
    peers.awsauth_once();
    peers.aws_config_once();
    let rounds = 400;
    let (mut ours, mut theirs) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for _ in 0..rounds {
        let start = Instant::now();
        peers.awsauth_once();
        ours.push(start.elapsed());
        let start = Instant::now();
        peers.aws_config_once();
        theirs.push(start.elapsed());
    }
    let (ours, theirs) = (median(ours), median(theirs));
    let ratio = ours.as_secs_f64() / theirs.as_secs_f64().max(f64::MIN_POSITIVE);
    println!(
        "sso/get-role-credentials-cold: awsauth median {:.1} µs, aws-config median {:.1} µs, ratio {ratio:.2}× (goal ≤ 0.80×)",
        ours.as_secs_f64() * 1e6,
        theirs.as_secs_f64() * 1e6,
    );
    awsauth_benches::report_time(
        "sso: cold resolution (cached token + GetRoleCredentials)",
        ours.as_secs_f64() * 1e9,
        Some(theirs.as_secs_f64() * 1e9),
        "≤ 0.8× aws-config",
        ratio <= 0.8,
    );
}

/// A home directory with the token `aws sso login` would leave for the start URL.
fn home() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("awsauth-bench-sso-{}", std::process::id()));
    let cache = dir.join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).expect("create the token cache");
    let expires = timefmt::rfc3339(SystemTime::now() + Duration::from_secs(6 * 3600));
    std::fs::write(
        cache.join(cache_file_name(START_URL)),
        format!(r#"{{"accessToken":"bench-access-token","expiresAt":"{expires}","region":"{REGION}","startUrl":"{START_URL}"}}"#),
    )
    .expect("write the token");
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// The parent: a home directory and a port, then this binary again with `HOME` and
/// `AWS_ENDPOINT_URL_SSO` set.
fn parent() {
    let home = home();
    let port = free_port();
    let mut command = std::process::Command::new(std::env::current_exe().expect("this binary"));
    command.args(std::env::args_os().skip(1));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("AWS_") {
            command.env_remove(name);
        }
    }
    let status = command
        .env("HOME", &home)
        .env("AWS_ENDPOINT_URL_SSO", format!("http://127.0.0.1:{port}"))
        .env(CHILD, port.to_string())
        .status()
        .expect("run the measuring child");
    let _ = std::fs::remove_dir_all(&home);
    if !status.success() {
        eprintln!("the sso bench child failed: {status}");
        std::process::exit(1);
    }
}

criterion_group!(benches, criterion_entry);

fn criterion_entry(c: &mut Criterion) {
    let port: u16 = std::env::var(CHILD)
        .ok()
        .and_then(|p| p.parse().ok())
        .expect("the child knows its port");
    cold_sso(c, port);
}

fn main() {
    let Some(port) = std::env::var(CHILD)
        .ok()
        .and_then(|p| p.parse::<u16>().ok())
    else {
        parent();
        return;
    };
    benches();
    // The criterion group's runtime (and its server) is gone: the summary serves the same port,
    // where `AWS_ENDPOINT_URL_SSO` points.
    summary(port);
    Criterion::default().configure_from_args().final_summary();
}
