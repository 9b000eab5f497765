//! Profile files: awsauth's parser and loader against aws-config's `profile::load` on the same
//! generated config file (10,000 profiles), plus 1 MB and 10 MB inputs to show linear time.

use std::path::PathBuf;
use std::time::Duration;

use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env, Fs};
use awsauth_benches::per_iter::{Samples, human, print_ratio};
use awsauth_core::{Context, MapEnv, MemFs};
use awsauth_profile::{FileKind, FileLocations, ProfileSet};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const HOME: &str = "/home/u";
const CONFIG: &str = "/home/u/.aws/config";

/// A config file of `profiles` profiles in the shapes real files have: keys, roles, comments,
/// sub-properties, continuation lines.
fn config_file(profiles: usize) -> String {
    let mut text = String::from("# generated\n[default]\nregion = us-east-1\noutput = json\n\n");
    for i in 0..profiles {
        match i % 4 {
            0 => text.push_str(&format!(
                "[profile p{i:05}]\nregion = eu-west-1\naws_access_key_id = AKIA{i:016}\n\
                 aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEX{i:08}\n\n"
            )),
            1 => text.push_str(&format!(
                "[profile p{i:05}] ; a role\nrole_arn = arn:aws:iam::123456789012:role/r{i}\n\
                 source_profile = p{prev:05}\nexternal_id = ext-{i} # comment\n\
                 role_session_name = grafana\nduration_seconds = 3600\n\n",
                prev = i - 1
            )),
            2 => text.push_str(&format!(
                "[profile p{i:05}]\nRegion = ap-south-1\ns3 =\n  max_concurrent_requests = 20\n  \
                 addressing_style = path\nca_bundle = /etc/ssl/a.pem\n  /etc/ssl/b.pem\n\n"
            )),
            _ => text.push_str(&format!(
                "# profile {i}\n[profile p{i:05}]\nrole_arn = arn:aws:iam::123456789012:role/w{i}\n\
                 web_identity_token_file = /var/run/secrets/token\ncredential_source = Environment\n\n"
            )),
        }
    }
    text
}

/// False under `cargo test --benches`, which runs each benchmark once, unoptimised: no
/// numbers worth printing then.
fn measuring() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

fn awsauth_context(text: &str) -> (Context, FileLocations) {
    let fs = MemFs::new();
    fs.insert(CONFIG, text);
    let cx = Context::builder()
        .env(MapEnv::from([("HOME", HOME)]))
        .fs(fs)
        .build();
    let at = FileLocations::new(Some(PathBuf::from(CONFIG)), None);
    (cx, at)
}

fn ten_thousand_profiles(c: &mut Criterion) {
    const SAMPLES: usize = 30;
    let text = config_file(10_000);
    let (cx, at) = awsauth_context(&text);
    let peer_fs = Fs::from_slice(&[(CONFIG, text.as_str())]);
    let peer_env = Env::from_slice(&[("HOME", HOME)]);
    let peer_files = EnvConfigFiles::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let peer_load = || {
        runtime
            .block_on(aws_config::profile::load(
                &peer_fs,
                &peer_env,
                &peer_files,
                None,
            ))
            .expect("aws-config parses the file")
    };

    // Both read the same profiles.
    let ours = awsauth_profile::load(&cx, &at).expect("awsauth parses the file");
    let theirs = peer_load();
    assert_eq!(ours.set().len(), theirs.profiles().count());
    assert_eq!(ours.set().len(), 10_001);

    let parse = Samples::new();
    let load = Samples::new();
    let peer = Samples::new();
    let mut group = c.benchmark_group("profile/10k");
    group.sample_size(SAMPLES);
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("awsauth_parse", |b| {
        b.iter_custom(parse.measure(|| ProfileSet::parse(FileKind::Config, CONFIG, &text)))
    });
    group.bench_function("awsauth_load", |b| {
        b.iter_custom(load.measure(|| awsauth_profile::load(&cx, &at)))
    });
    group.bench_function("aws_config_load", |b| {
        b.iter_custom(peer.measure(peer_load))
    });
    group.finish();
    if !measuring() {
        return;
    }

    println!(
        "\nconfig file: 10,001 profiles, {:.2} MB",
        text.len() as f64 / 1e6
    );
    print_ratio(
        "profile load (read + parse, in-memory fs)",
        load.median(SAMPLES),
        peer.median(SAMPLES),
    );
    print_ratio(
        "profile parse only (awsauth) vs aws-config load",
        parse.median(SAMPLES),
        peer.median(SAMPLES),
    );
    if let (Some(ours), Some(theirs)) = (load.median(SAMPLES), peer.median(SAMPLES)) {
        awsauth_benches::report_time(
            "profile: load a 10,001-profile config file",
            ours.as_nanos() as f64,
            Some(theirs.as_nanos() as f64),
            "≥ 3× faster than aws-config",
            theirs.as_secs_f64() >= 3.0 * ours.as_secs_f64(),
        );
    }
}

fn linear_time(c: &mut Criterion) {
    const SAMPLES: usize = 10;
    let block = config_file(8);
    let make = |bytes: usize| {
        let mut text = String::with_capacity(bytes + block.len());
        let mut i = 0usize;
        while text.len() < bytes {
            // Distinct names, so the file has as many profiles as it looks.
            text.push_str(&block.replace("[profile p", &format!("[profile b{i}-p")));
            i += 1;
        }
        text
    };
    let sizes = [("1MB", make(1_000_000)), ("10MB", make(10_000_000))];
    let samples = [Samples::new(), Samples::new()];
    let mut group = c.benchmark_group("profile/size");
    group.sample_size(SAMPLES);
    group.measurement_time(Duration::from_secs(6));
    for ((label, text), samples) in sizes.iter().zip(&samples) {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("awsauth_parse_{label}"), |b| {
            b.iter_custom(samples.measure(|| ProfileSet::parse(FileKind::Config, CONFIG, text)))
        });
    }
    group.finish();
    if !measuring() {
        return;
    }

    for ((label, text), samples) in sizes.iter().zip(&samples) {
        if let Some(median) = samples.median(SAMPLES) {
            let mb_per_s = text.len() as f64 / 1e6 / median.as_secs_f64();
            println!(
                "parse {label} ({} bytes): median {}, {mb_per_s:.1} MB/s",
                text.len(),
                human(median)
            );
        }
    }
    // Criterion ran the two sizes minutes apart; on a shared machine the load changes in
    // between. Interleave them and keep the fastest run of each, which load can only slow.
    let (small, large) = (&sizes[0].1, &sizes[1].1);
    let mut best = [Duration::MAX; 2];
    for _ in 0..SAMPLES {
        for (slot, (text, repeat)) in best.iter_mut().zip([(small, 10u32), (large, 1)]) {
            let start = std::time::Instant::now();
            for _ in 0..repeat {
                std::hint::black_box(ProfileSet::parse(FileKind::Config, CONFIG, text).ok());
            }
            *slot = (*slot).min(start.elapsed() / repeat);
        }
    }
    let per_byte = |d: Duration, text: &String| d.as_secs_f64() / text.len() as f64;
    println!(
        "interleaved fastest runs: 1 MB {} ({:.0} MB/s), 10 MB {} ({:.0} MB/s); time per byte \
         10 MB / 1 MB = {:.2} (the instruction count per byte is the same; above 1.00 is the \
         larger input missing the CPU caches and faulting in fresh pages)",
        human(best[0]),
        small.len() as f64 / 1e6 / best[0].as_secs_f64(),
        human(best[1]),
        large.len() as f64 / 1e6 / best[1].as_secs_f64(),
        per_byte(best[1], large) / per_byte(best[0], small)
    );
}

criterion_group!(benches, ten_thousand_profiles, linear_time);
criterion_main!(benches);
