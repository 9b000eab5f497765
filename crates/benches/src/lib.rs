//! Side-by-side benchmarks of awsauth against aws-config live in `benches/`, one file per
//! topic (`cargo bench -p awsauth-benches --bench <topic>`); this library is empty.
#![forbid(unsafe_code)]
