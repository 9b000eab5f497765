//! A minimal `tracing` subscriber that records events as text, to check what the cache logs
//! (and that no secret is in it).

use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::DefaultGuard;
use tracing::{Event, Metadata, Subscriber};

/// The lines recorded so far, one per event: `LEVEL field=value …`.
#[derive(Debug, Clone, Default)]
pub(super) struct Logs(Arc<Mutex<Vec<String>>>);

impl Logs {
    /// Records every event on this thread until the guard is dropped (use a current-thread
    /// runtime so spawned tasks run on it too).
    pub(super) fn capture() -> (Self, DefaultGuard) {
        // Every callsite stays of interest to a global subscriber that drops everything, so
        // none can cache "never" while a parallel test registers it (that would hide a line).
        static LISTEN_EVERYWHERE: std::sync::Once = std::sync::Once::new();
        LISTEN_EVERYWHERE.call_once(|| {
            let _ = tracing::subscriber::set_global_default(Capture(None));
        });
        let logs = Self::default();
        let guard = tracing::subscriber::set_default(Capture(Some(logs.clone())));
        // Callsites first hit while no subscriber listened cache "never"; with tests running in
        // parallel that race can hide a log line from this capture, so recompute interest.
        tracing::callsite::rebuild_interest_cache();
        (logs, guard)
    }

    pub(super) fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// Records into the logs, or (`None`) drops every event.
struct Capture(Option<Logs>);

struct Line<'a>(&'a mut String);

impl Visit for Line<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let Some(logs) = &self.0 else {
            return;
        };
        let mut line = event.metadata().level().to_string();
        event.record(&mut Line(&mut line));
        logs.0.lock().unwrap().push(line);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}
