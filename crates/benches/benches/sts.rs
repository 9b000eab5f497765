//! Cold `AssumeRole`: awsauth's `AssumeRoleSource` against aws-config's `AssumeRoleProvider`,
//! both against the same minimal hyper server on loopback, in the same run. Neither caches:
//! every call signs a request, sends it over a pooled connection and parses the XML answer.
//!
//! Besides criterion's own report, the run ends with interleaved medians of both and their
//! ratio (goal: awsauth ≤ 0.8× aws-config).

use awsauth_sts_assume::StsClient;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::ProvideCredentials;
use awsauth_core::{Context, CredentialSource, SystemClock};
use awsauth_static::StaticSource;
use awsauth_sts_assume::AssumeRoleSource;
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

const ROLE: &str = "arn:aws:iam::123456789012:role/bench";
const ANSWER: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:bench</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/bench/bench</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>IQoJb3JpZ2luX2VjEOz////////////////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==</SessionToken>
      <Expiration>2099-01-01T00:15:00.123456Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#;

/// A keep-alive HTTP/1 server that reads each request body and answers with `ANSWER`.
async fn serve() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
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
                            .header("content-type", "text/xml")
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
    awsauth: AssumeRoleSource,
    aws_config: AssumeRoleProvider,
}

fn peers() -> Peers {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let (awsauth, aws_config) = runtime.block_on(async {
        let endpoint = format!("http://{}", serve().await);
        let awsauth = AssumeRoleSource::new(
            StaticSource::new(
                "AKIDEXAMPLEBASE",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            ),
            ROLE,
        )
        .sts_client(StsClient::new().endpoint_url(&endpoint).region("us-east-1"))
        .session_name("bench")
        .duration(Duration::from_secs(900));
        // The same TLS stack as awsauth (rustls + ring), so neither side pays for aws-lc.
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let sdk_config = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client)
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .credentials_provider(aws_credential_types::Credentials::new(
                "AKIDEXAMPLEBASE",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                None,
                None,
                "bench",
            ))
            .load()
            .await;
        let aws_config = AssumeRoleProvider::builder(ROLE)
            .session_name("bench")
            .session_length(Duration::from_secs(900))
            .configure(&sdk_config)
            .build()
            .await;
        (awsauth, aws_config)
    });
    // An empty environment: the caller's AWS_* variables must not change what is measured.
    let cx = Context::builder().clock(Arc::new(SystemClock)).build();
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
            .expect("awsauth assumes the role");
        std::hint::black_box(creds);
    }

    fn aws_config_once(&self) {
        let creds = self
            .runtime
            .block_on(self.aws_config.provide_credentials())
            .expect("aws-config assumes the role");
        std::hint::black_box(creds);
    }
}

fn cold_assume_role(c: &mut Criterion) {
    let peers = peers();
    // Warm both connection pools so the comparison is about the clients, not TCP set-up.
    peers.awsauth_once();
    peers.aws_config_once();
    let mut group = c.benchmark_group("sts/assume-role-cold");
    group.bench_function("awsauth", |b| b.iter(|| peers.awsauth_once()));
    group.bench_function("aws-config", |b| b.iter(|| peers.aws_config_once()));
    group.finish();
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// Interleaved runs of both peers, so drift on a shared machine hits both alike.
fn summary() {
    let peers = peers();
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
        "sts/assume-role-cold: awsauth median {:.1} µs, aws-config median {:.1} µs, ratio {ratio:.2}× (goal ≤ 0.80×)",
        ours.as_secs_f64() * 1e6,
        theirs.as_secs_f64() * 1e6,
    );
    awsauth_benches::report_time(
        "sts: cold AssumeRole",
        ours.as_secs_f64() * 1e9,
        Some(theirs.as_secs_f64() * 1e9),
        "≤ 0.8× aws-config",
        ratio <= 0.8,
    );
}

criterion_group!(benches, cold_assume_role);

fn main() {
    benches();
    summary();
    Criterion::default().configure_from_args().final_summary();
}
