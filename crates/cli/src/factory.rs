//! The [`SourceFactory`] every command builds sessions with: `datasource`'s
//! [`StandardFactory`], awsauth's real sources through the `chain` crate — the same factory a
//! server uses, so the CLI resolves exactly what a data source would.

use std::sync::Arc;

use awsauth::datasource::{SourceFactory, StandardFactory};

/// The factory for every command.
pub(crate) fn factory() -> Arc<dyn SourceFactory> {
    StandardFactory::shared()
}
