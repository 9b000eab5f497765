//! Behaviour of the data source layer as a Grafana-like service sees it.
#![allow(clippy::unwrap_used)]
