//! The [`SourceFactory`] every command builds sessions with: `datasource`'s
//! [`StandardFactory`], awsauth's real sources through the `chain` crate — the same factory a
//! server uses, so the CLI resolves exactly what a data source would.
//!
//! One difference, for a local tool: without a `--settings` file there is no `secureJsonData`,
//! so the `keys` auth type reads the standard environment variables (`AWS_ACCESS_KEY_ID`, …)
//! — still with no fallback, and its errors name those variables. With a settings file the keys
//! come from its `secureJsonData` only, exactly as a server reads them.

use std::path::Path;
use std::sync::Arc;

use awsauth::datasource::{AssumeRoleParams, KeyPair, SourceFactory, StandardFactory, StsOptions};
use awsauth::{CredentialSource, EnvSource};

/// Where the `keys` auth type takes its key pair from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeysFrom {
    /// The settings file's `secureJsonData` (as a server does).
    Settings,
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`.
    Environment,
}

/// The factory for every command.
pub(crate) fn factory(keys: KeysFrom) -> Arc<dyn SourceFactory> {
    match keys {
        KeysFrom::Settings => StandardFactory::shared(),
        KeysFrom::Environment => Arc::new(EnvironmentKeys(StandardFactory::new())),
    }
}

/// [`StandardFactory`] with the `keys` auth type reading the environment.
#[derive(Debug)]
struct EnvironmentKeys(StandardFactory);

impl SourceFactory for EnvironmentKeys {
    fn keys(&self, _keys: KeyPair) -> Arc<dyn CredentialSource> {
        Arc::new(EnvSource::new().named("keys"))
    }

    fn profile(
        &self,
        name: Option<&str>,
        credentials_file: Option<&Path>,
        sts: &StsOptions,
    ) -> Arc<dyn CredentialSource> {
        self.0.profile(name, credentials_file, sts)
    }

    fn ec2_iam_role(&self) -> Arc<dyn CredentialSource> {
        self.0.ec2_iam_role()
    }

    fn default_chain(&self, sts: &StsOptions) -> Arc<dyn CredentialSource> {
        self.0.default_chain(sts)
    }

    fn assume_role(
        &self,
        base: Arc<dyn CredentialSource>,
        params: AssumeRoleParams,
    ) -> Arc<dyn CredentialSource> {
        self.0.assume_role(base, params)
    }
}
