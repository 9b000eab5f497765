//! Cold IMDS resolution — session token, role name, credentials — against one loopback mock:
//! awsauth's `ImdsSource` versus aws-config's `ImdsCredentialsProvider`, same server, same run.
//!
//! "Cold" means a new source and client (no session token, no role name) on every iteration;
//! both sides keep one HTTP connection pool for the whole run, as a process would. The mock is a
//! bare hyper server (wiremock's own cost would dominate the timings). Everything runs on one
//! current-thread tokio runtime, so both clients see the same scheduling.
//!
//! Prints criterion's estimates, then medians from interleaved rounds and the ratio
//! (goal: awsauth ≤ 0.8 × aws-config).
#![allow(missing_docs, clippy::unwrap_used)]

use std::convert::Infallible;
use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::imds::{self, credentials::ImdsCredentialsProvider};
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::provider::ProvideCredentials;
use aws_smithy_http_client::tls;
use awsauth_core::{Context, CredentialSource, SystemClock, SystemRandom};
use awsauth_imds::{ImdsClient, ImdsSource};
use bytes::Bytes;
use criterion::Criterion;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::runtime::Runtime;

const ROLE: &str = "bench-role";
const CREDENTIALS: &str = r#"{
  "Code" : "Success",
  "LastUpdated" : "2024-01-01T00:00:00Z",
  "Type" : "AWS-HMAC",
  "AccessKeyId" : "ASIABENCHEXAMPLE",
  "SecretAccessKey" : "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  "Token" : "IQoJb3JpZ2luX2VjEXAMPLETOKENEXAMPLETOKENEXAMPLETOKENEXAMPLETOKEN",
  "Expiration" : "2099-01-01T00:00:00Z",
  "AccountId" : "123456789012"
}"#;

/// The IMDS answers both clients need (aws-config asks the legacy paths, awsauth the
/// extended ones; both make three requests).
async fn imds(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path();
    let mut response = Response::new(Full::new(Bytes::new()));
    match (request.method().as_str(), path) {
        ("PUT", "/latest/api/token") => {
            response.headers_mut().insert(
                "x-aws-ec2-metadata-token-ttl-seconds",
                hyper::header::HeaderValue::from_static("21600"),
            );
            *response.body_mut() = Full::new(Bytes::from_static(b"AQAEAbenchTOKENbenchTOKEN=="));
        }
        (
            "GET",
            "/latest/meta-data/iam/security-credentials/"
            | "/latest/meta-data/iam/security-credentials-extended/",
        ) => *response.body_mut() = Full::new(Bytes::from_static(ROLE.as_bytes())),
        ("GET", p) if p.ends_with(ROLE) => {
            *response.body_mut() = Full::new(Bytes::from_static(CREDENTIALS.as_bytes()));
        }
        _ => *response.status_mut() = StatusCode::NOT_FOUND,
    }
    Ok(response)
}

async fn start_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::spawn(
                http1::Builder::new().serve_connection(TokioIo::new(stream), service_fn(imds)),
            );
        }
    });
    addr
}

async fn awsauth_cold(cx: &Context, endpoint: &str) {
    let source = ImdsSource::builder()
        .client(ImdsClient::builder().endpoint(endpoint).build())
        .build();
    let credentials = source.provide(cx).await.unwrap();
    assert_eq!(credentials.access_key_id(), "ASIABENCHEXAMPLE");
    black_box(credentials);
}

async fn aws_config_cold(config: &ProviderConfig, endpoint: &str) {
    let client = imds::Client::builder()
        .configure(config)
        .endpoint(endpoint)
        .unwrap()
        .build();
    let provider = ImdsCredentialsProvider::builder()
        .configure(config)
        .imds_client(client)
        .build();
    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "ASIABENCHEXAMPLE");
    black_box(credentials);
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn main() {
    let rt: Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let addr = rt.block_on(start_server());
    let endpoint = format!("http://{addr}");
    // No environment: the bench must not depend on the caller's AWS_* or proxy variables.
    let cx = Context::builder()
        .clock(Arc::new(SystemClock))
        .random(SystemRandom)
        .build();
    // One pooled HTTP client for aws-config too, with rustls + ring like ours.
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let config = ProviderConfig::without_region().with_http_client(http_client);

    let mut criterion = Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    {
        let mut group = criterion.benchmark_group("imds_cold");
        group.bench_function("awsauth", |b| {
            b.iter(|| rt.block_on(awsauth_cold(&cx, &endpoint)))
        });
        group.bench_function("aws-config", |b| {
            b.iter(|| rt.block_on(aws_config_cold(&config, &endpoint)))
        });
        group.finish();
    }

    // Interleaved rounds, so drift on a shared machine hits both sides alike.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let rounds = if benchmarking { 2000 } else { 5 };
    let mut ours = Vec::with_capacity(rounds);
    let mut theirs = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        rt.block_on(awsauth_cold(&cx, &endpoint));
        ours.push(started.elapsed());
        let started = Instant::now();
        rt.block_on(aws_config_cold(&config, &endpoint));
        theirs.push(started.elapsed());
    }
    let (ours, theirs) = (median(&mut ours), median(&mut theirs));
    let ratio = ours.as_secs_f64() / theirs.as_secs_f64();
    println!(
        "imds_cold medians over {rounds} interleaved rounds: awsauth {:.1} µs, aws-config {:.1} µs, ratio {ratio:.2} (goal ≤ 0.80)",
        ours.as_secs_f64() * 1e6,
        theirs.as_secs_f64() * 1e6,
    );
    awsauth_benches::report_time(
        "imds: cold resolution (token + role + credentials)",
        ours.as_secs_f64() * 1e9,
        Some(theirs.as_secs_f64() * 1e9),
        "≤ 0.8× aws-config",
        ratio <= 0.8,
    );
    criterion.final_summary();
}
