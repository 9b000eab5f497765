//! The composites against fake IMDS and STS servers on 127.0.0.1, with in-memory files and
//! environments.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

use awsauth_chain::{StsOptions, default_chain};
use awsauth_core::{Context, CredentialSource, ErrorKind, MapEnv, MemFs};

#[tokio::test]
async fn nothing_configured_lists_every_link() {
    let cx = Context::builder()
        .env(MapEnv::from([
            ("HOME", "/home/u"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]))
        .fs(MemFs::new())
        .build();
    let err = default_chain(StsOptions::new())
        .provide(&cx)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotConfigured);
    let names: Vec<String> = err.attempts().iter().map(|a| a.source.clone()).collect();
    assert_eq!(
        names,
        ["env", "profile", "web-identity", "container", "imds"]
    );
}
