//! `credential_process`: awsauth's `ProcessSource` against aws-config's
//! `CredentialProcessProvider`, both running the same command (`sh -c 'printf …'`) once per
//! resolution. The cost is the spawn; the goal says awsauth's bounds (process group, time-out,
//! output cap) add nothing measurable: ≤ 1.0×.

use std::sync::Arc;
use std::time::Duration;

use aws_credential_types::provider::ProvideCredentials;
use awsauth_benches::per_iter::{Samples, print_ratio};
use awsauth_core::{Context, CredentialSource, SystemClock, SystemEnv};
use awsauth_process::{ProcessRunner, ProcessSource};
use criterion::{Criterion, criterion_group, criterion_main};

const COMMAND: &str = r#"printf '{"Version":1,"AccessKeyId":"AKIDBENCH","SecretAccessKey":"s","SessionToken":"t","Expiration":"2124-01-01T00:00:00Z"}'"#;

fn measuring() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

fn resolution(c: &mut Criterion) {
    const SAMPLES: usize = 20;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    // Both inherit this process's environment, as aws-config's provider does.
    let cx = Context::builder()
        .env(SystemEnv)
        .clock(Arc::new(SystemClock))
        .processes(ProcessRunner::os())
        .build();
    let ours = ProcessSource::new(COMMAND);
    let theirs = aws_config::credential_process::CredentialProcessProvider::new(COMMAND.to_owned());

    // Both read the same credentials.
    let a = runtime
        .block_on(ours.provide(&cx))
        .expect("awsauth runs the command");
    let b = runtime
        .block_on(theirs.provide_credentials())
        .expect("aws-config runs the command");
    assert_eq!(a.access_key_id(), b.access_key_id());

    let awsauth = Samples::new();
    let peer = Samples::new();
    let mut group = c.benchmark_group("process/resolve");
    group.sample_size(SAMPLES);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("awsauth", |bench| {
        bench.iter_custom(awsauth.measure(|| {
            runtime
                .block_on(ours.provide(&cx))
                .expect("awsauth runs the command")
        }))
    });
    group.bench_function("aws_config", |bench| {
        bench.iter_custom(peer.measure(|| {
            runtime
                .block_on(theirs.provide_credentials())
                .expect("aws-config runs the command")
        }))
    });
    group.finish();
    if !measuring() {
        return;
    }
    print_ratio(
        "credential_process resolution",
        awsauth.median(SAMPLES),
        peer.median(SAMPLES),
    );
    if let (Some(ours), Some(theirs)) = (awsauth.median(SAMPLES), peer.median(SAMPLES)) {
        awsauth_benches::report_time(
            "process: credential_process resolution (spawn-bound)",
            ours.as_nanos() as f64,
            Some(theirs.as_nanos() as f64),
            "≤ 1.0× aws-config",
            ours.as_secs_f64() <= theirs.as_secs_f64(),
        );
    }
}

criterion_group!(benches, resolution);
criterion_main!(benches);
