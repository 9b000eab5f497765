//! `ProcessSource` with a fake runner (the source's own rules) and with the operating system's
//! runner on real `sh` children (the bounds: time-out, output cap, process group, environment).
#![allow(clippy::unwrap_used)]

#[cfg(unix)]
mod os;
mod output;
mod source;
mod support;
