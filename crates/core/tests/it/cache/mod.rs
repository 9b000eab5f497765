//! Tests of [`awsauth_core::CachedSource`]: the windows and transitions on a manual clock, the
//! behaviour under thousands of concurrent readers, and properties over random histories.

mod concurrency;
mod hot_path;
mod properties;
mod resolve;
mod upstream;
mod windows;
