//! A recording [`SourceFactory`]: it remembers every construction it was asked for, and its
//! sources count every `provide` call — the stand-in for "touched the network".

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Provenance, async_trait,
};
use awsauth_datasource::{AssumeRoleParams, KeyPair, SourceFactory, StsOptions};

/// One construction the factory was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Call {
    Keys {
        access_key_id: Option<String>,
    },
    Profile {
        name: Option<String>,
        credentials_file: Option<PathBuf>,
        sts: StsOptions,
    },
    Ec2IamRole,
    DefaultChain {
        sts: StsOptions,
    },
    AssumeRole {
        base: String,
        params: AssumeRoleParams,
    },
}

#[derive(Debug, Default)]
pub(crate) struct RecordingFactory {
    pub(crate) calls: Mutex<Vec<Call>>,
    /// `provide` calls on any source this factory built.
    pub(crate) provides: Arc<AtomicUsize>,
}

impl RecordingFactory {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub(crate) fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    pub(crate) fn provides(&self) -> usize {
        self.provides.load(Ordering::SeqCst)
    }

    fn record(&self, call: Call) {
        self.calls.lock().unwrap().push(call);
    }

    fn fake(&self, name: &str) -> Arc<dyn CredentialSource> {
        Arc::new(FakeSource {
            name: name.to_owned(),
            provides: Arc::clone(&self.provides),
        })
    }

    pub(crate) fn assume_role_params(&self) -> Vec<AssumeRoleParams> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::AssumeRole { params, .. } => Some(params),
                _ => None,
            })
            .collect()
    }
}

impl SourceFactory for RecordingFactory {
    fn keys(&self, keys: KeyPair) -> Arc<dyn CredentialSource> {
        self.record(Call::Keys {
            access_key_id: keys.access_key_id.clone(),
        });
        // The real static source, so the no-fallback wrapping can be observed; counted too.
        let default =
            awsauth_static::StaticSource::from_parts(keys.access_key_id, keys.secret_access_key)
                .named("keys")
                .field_names("accessKey", "secretKey");
        let default = match keys.session_token {
            Some(t) => default.session_token(t),
            None => default,
        };
        Arc::new(Counted {
            inner: Arc::new(default),
            provides: Arc::clone(&self.provides),
        })
    }

    fn profile(
        &self,
        name: Option<&str>,
        credentials_file: Option<&Path>,
        sts: &StsOptions,
    ) -> Arc<dyn CredentialSource> {
        self.record(Call::Profile {
            name: name.map(str::to_owned),
            credentials_file: credentials_file.map(Path::to_path_buf),
            sts: sts.clone(),
        });
        Arc::new(FakeSource {
            name: format!("profile:{}", name.unwrap_or("default")),
            provides: Arc::clone(&self.provides),
        })
    }

    fn ec2_iam_role(&self) -> Arc<dyn CredentialSource> {
        self.record(Call::Ec2IamRole);
        self.fake("imds")
    }

    fn default_chain(&self, sts: &StsOptions) -> Arc<dyn CredentialSource> {
        self.record(Call::DefaultChain { sts: sts.clone() });
        self.fake("default")
    }

    fn assume_role(
        &self,
        base: Arc<dyn CredentialSource>,
        params: AssumeRoleParams,
    ) -> Arc<dyn CredentialSource> {
        self.record(Call::AssumeRole {
            base: base.name().to_owned(),
            params: params.clone(),
        });
        Arc::new(FakeAssumeRole {
            base,
            params,
            provides: Arc::clone(&self.provides),
        })
    }
}

#[derive(Debug)]
struct FakeSource {
    name: String,
    provides: Arc<AtomicUsize>,
}

#[async_trait]
impl CredentialSource for FakeSource {
    async fn provide(&self, _cx: &Context) -> Result<Credentials, CredentialError> {
        self.provides.fetch_add(1, Ordering::SeqCst);
        Ok(
            Credentials::builder(format!("AKID-{}", self.name), "fake-secret")
                .provenance(self.name.clone())
                .build(),
        )
    }

    fn name(&self) -> &str {
        &self.name
    }
}

#[derive(Debug)]
struct Counted {
    inner: Arc<dyn CredentialSource>,
    provides: Arc<AtomicUsize>,
}

#[async_trait]
impl CredentialSource for Counted {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        self.provides.fetch_add(1, Ordering::SeqCst);
        self.inner.provide(cx).await
    }

    fn name(&self) -> &str {
        self.inner.name()
    }
}

#[derive(Debug)]
struct FakeAssumeRole {
    base: Arc<dyn CredentialSource>,
    params: AssumeRoleParams,
    provides: Arc<AtomicUsize>,
}

#[async_trait]
impl CredentialSource for FakeAssumeRole {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        self.provides.fetch_add(1, Ordering::SeqCst);
        let base = self.base.provide(cx).await?;
        Ok(Credentials::builder("ASIAASSUMED", "assumed-secret")
            .session_token("assumed-token")
            .provenance_chain(
                Provenance::new(base.provenance().to_string())
                    .then(format!("assume-role:{}", self.params.role_arn)),
            )
            .build())
    }

    fn name(&self) -> &str {
        "assume-role"
    }
}
