//! The interop tests' switch: a test against a real third-party service (moto's STS, the AWS
//! CLI's Python) runs when `cargo xtask test` exported where the service is, skips under plain
//! `cargo test`, and **fails** when `cargo xtask test` promised the service
//! ([`REQUIRED_ENV`]) but the variable is missing — a suite that silently skipped its interop
//! tests would pass without having tested anything.
//!
//! ```no_run
//! // In an interop test: skips under plain `cargo test`, fails under `cargo xtask test` if the
//! // harness did not export the endpoint.
//! let Some(endpoint) = awsauth_testkit::interop_var("AWSAUTH_MOTO_ENDPOINT") else {
//!     return;
//! };
//! println!("testing against {endpoint}");
//! ```

/// Set (to anything) by `cargo xtask test` and `cargo xtask interop` once they started the
/// services; `cargo xtask test --no-interop` leaves it unset.
pub const REQUIRED_ENV: &str = "AWSAUTH_INTEROP_REQUIRED";

/// The non-blank value of the process environment variable `var` (an endpoint or a path the
/// test harness exported), or `None` after printing a skip line.
///
/// Reads the process environment on purpose: this is harness configuration, not input of the
/// code under test (which gets its environment through a `Context`).
///
/// # Panics
///
/// When `var` is missing while [`REQUIRED_ENV`] is set: the harness promised the service.
#[track_caller]
pub fn interop_var(var: &str) -> Option<String> {
    let value = std::env::var(var)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    decide(var, value, std::env::var_os(REQUIRED_ENV).is_some())
}

#[track_caller]
fn decide(var: &str, value: Option<String>, required: bool) -> Option<String> {
    match value {
        Some(value) => Some(value),
        None if required => panic!(
            "{var} is not set, but {REQUIRED_ENV} says the interop services were started: \
             the harness failed to export it (an interop test must fail here, not skip)"
        ),
        None => {
            println!("skipped: {var} not set (run `cargo xtask test`)");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_variable_is_used_and_a_missing_one_skips_unless_required() {
        assert_eq!(
            decide("X", Some("http://127.0.0.1:5000".into()), true).as_deref(),
            Some("http://127.0.0.1:5000")
        );
        assert_eq!(decide("X", None, false), None);
        let required = std::panic::catch_unwind(|| decide("X", None, true));
        assert!(
            required.is_err(),
            "a missing service under the harness fails"
        );
    }
}
