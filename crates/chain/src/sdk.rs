//! [`sdk_default_chain`]: aws-config's own default chain, through the `awsauth-sdk` bridge
//! (cargo feature `sdk`).

use std::sync::{Arc, Mutex};

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Status, async_trait,
};
type SdkChain = dyn CredentialSource;

/// aws-config's `DefaultCredentialsChain` as a source, for users who want exactly the SDK's
/// behaviour (SSO and `credential_process` profiles with `awsauth-sdk`'s features).
///
/// Constructing it does nothing; the SDK chain is built on the first
/// [`provide`](CredentialSource::provide). aws-config does its own I/O: it reads the process
/// environment and files and ignores the [`Context`], so tests should use [`default_chain`](crate::default_chain).
///
/// ```
/// use awsauth_core::CredentialSource;
/// assert_eq!(awsauth_chain::sdk_default_chain().name(), "sdk-default");
/// ```
pub fn sdk_default_chain() -> SdkDefaultChain {
    SdkDefaultChain {
        chain: Mutex::new(None),
    }
}

/// See [`sdk_default_chain`].
#[derive(Debug)]
pub struct SdkDefaultChain {
    chain: Mutex<Option<Arc<SdkChain>>>,
}

impl SdkDefaultChain {
    async fn chain(&self) -> Arc<SdkChain> {
        if let Some(chain) = self.lock().as_ref() {
            return Arc::clone(chain);
        }
        // Built outside the lock; two first callers may both build, and one result is kept.
        let built: Arc<SdkChain> = Arc::new(awsauth_sdk::sdk_default_chain().await);
        Arc::clone(self.lock().get_or_insert(built))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<SdkChain>>> {
        self.chain.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl CredentialSource for SdkDefaultChain {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        self.chain().await.provide(cx).await
    }

    fn name(&self) -> &str {
        "sdk-default"
    }

    fn explain(&self, _cx: &Context) -> Vec<Explanation> {
        vec![Explanation::new(
            "sdk-default",
            Status::Unknown,
            "aws-config's default credentials chain: it can only tell by trying",
        )]
    }
}
