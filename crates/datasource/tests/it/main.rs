//! Behaviour of the data source layer as a Grafana-like service sees it.
#![allow(clippy::unwrap_used)]

mod compose;
mod fake;
mod gate;
mod isolation;
mod isolation_property;
mod process_policy;
mod proxy;
mod sessions;
mod settings;
mod sigv4;
mod standard;
