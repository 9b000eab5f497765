//! awsauth's benchmarks live in `benches/`, one file per topic; this library is empty.
#![forbid(unsafe_code)]
