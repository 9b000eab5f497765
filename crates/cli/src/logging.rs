//! Logging to stderr: tracing-subscriber's env filter from `RUST_LOG` and `-v` / `-vv`, plus a
//! progress line for each retry when stderr is a terminal.
//!
//! No secret can reach a log line: the sources log key ids, endpoints, role ARNs and outcomes,
//! never a secret key, session token or web identity token (the tests run `-vv` and look).

use std::fmt::Write as _;
use std::io::IsTerminal;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::{EnvFilter, Targets};
use tracing_subscriber::layer::{Context as LayerContext, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// The base directives for a verbosity; `RUST_LOG` is appended, so it refines them.
fn directives(verbose: u8, serving: bool, rust_log: Option<&str>) -> String {
    let base = match (verbose, serving) {
        // `serve` logs every request it answers (never a header) by default.
        (0, true) => "warn,awsauth::serve=info",
        (0, false) => "warn",
        (1, _) => "warn,awsauth=debug",
        _ => "trace",
    };
    match rust_log.map(str::trim).filter(|r| !r.is_empty()) {
        Some(extra) => format!("{base},{extra}"),
        None => base.to_owned(),
    }
}

/// Installs the subscriber. Called once, before anything logs. `serving`: the command is
/// `serve`, whose request log is on by default.
pub(crate) fn init(verbose: u8, serving: bool) {
    let rust_log = std::env::var("RUST_LOG").ok();
    let filter =
        EnvFilter::builder().parse_lossy(directives(verbose, serving, rust_log.as_deref()));
    let terminal = std::io::stderr().is_terminal();
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(terminal)
        .with_target(verbose > 0)
        .with_filter(filter);
    // Retries are logged at debug by the HTTP client; on a terminal they become a progress line
    // whatever the verbosity, so a slow IMDS or STS does not look like a hang.
    let progress = terminal.then(|| {
        Progress.with_filter(Targets::new().with_target("awsauth_http", tracing::Level::DEBUG))
    });
    let _ = tracing_subscriber::registry()
        .with(fmt)
        .with(progress)
        .try_init();
}

/// Prints `awsauth: <endpoint>: <outcome>; retrying in <n> ms (attempt <k>)`.
struct Progress;

impl<S: Subscriber> Layer<S> for Progress {
    fn on_event(&self, event: &Event<'_>, _cx: LayerContext<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        if fields.message.as_deref() != Some("retrying") {
            return;
        }
        eprintln!(
            "awsauth: {}: {}; retrying in {} ms (attempt {})",
            fields.endpoint.as_deref().unwrap_or("?"),
            fields.outcome.as_deref().unwrap_or("failed"),
            fields.backoff_ms.as_deref().unwrap_or("?"),
            fields.attempt.as_deref().unwrap_or("?"),
        );
    }
}

#[derive(Default)]
struct Fields {
    message: Option<String>,
    endpoint: Option<String>,
    outcome: Option<String>,
    backoff_ms: Option<String>,
    attempt: Option<String>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.record_str(field, &text);
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let slot = match field.name() {
            "message" => &mut self.message,
            "endpoint" => &mut self.endpoint,
            "outcome" => &mut self.outcome,
            "backoff_ms" => &mut self.backoff_ms,
            "attempt" => &mut self.attempt,
            _ => return,
        };
        *slot = Some(value.to_owned());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.record_str(field, &value.to_string());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_str(field, &value.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_sets_the_base_and_rust_log_refines_it() {
        assert_eq!(directives(0, false, None), "warn");
        assert_eq!(directives(0, true, None), "warn,awsauth::serve=info");
        assert_eq!(directives(1, false, Some(" ")), "warn,awsauth=debug");
        assert_eq!(directives(2, false, None), "trace");
        assert_eq!(
            directives(0, false, Some("awsauth_sts=trace")),
            "warn,awsauth_sts=trace"
        );
    }
}
