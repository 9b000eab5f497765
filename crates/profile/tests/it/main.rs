//! Behaviour of the profile crate as its users see it: the SDKs' conformance suites, the
//! parser's edge cases, plans for role profiles, the credential source, and random input.
#![allow(clippy::unwrap_used)]

mod conformance;
mod parser;
mod plans;
mod process_login;
mod props;
mod rewrite;
mod source;
mod sso;

use awsauth_core::{Context, MapEnv, MemFs};

pub(crate) const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
pub(crate) const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLETOKEN";

/// A context whose home is /home/u, with these extra variables and this file system.
pub(crate) fn cx(fs: &MemFs, vars: &[(&str, &str)]) -> Context {
    let env: MapEnv = std::iter::once(("HOME".to_owned(), "/home/u".to_owned()))
        .chain(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
        .collect();
    Context::builder().env(env).fs(fs.clone()).build()
}
