//! # awsauth-benches
//!
//! Nothing to link against: the benchmarks live in `benches/`, one file per topic, each
//! measuring awsauth and its aws-config counterpart against the same loopback server in the
//! same run and printing both medians and their ratio. Run one with
//! `cargo bench -p awsauth-benches --bench <topic>`.
#![forbid(unsafe_code)]
