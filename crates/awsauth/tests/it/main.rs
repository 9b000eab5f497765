//! The facade under every feature combination `cargo xtask test` builds (see CONTRIBUTING.md,
//! "The feature matrix"): what each feature promises is there and works when the feature is on.
//! Each module is behind the features it needs, so this binary builds — and tests something —
//! with any combination, none included. No test here touches the network or the caller's
//! environment.
#![allow(clippy::unwrap_used)]

use awsauth::{Chain, Context, CredentialSource, ErrorKind, only};

/// `awsauth-core` is re-exported whatever the features.
#[tokio::test]
async fn the_core_is_always_there() {
    let chain = Chain::new("empty");
    let err = only(chain)
        .provide(&Context::builder().build())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
}

#[cfg(feature = "static")]
mod static_keys {
    use awsauth::{Context, CredentialSource, EnvSource, MapEnv, StaticSource};

    #[tokio::test]
    async fn keys_in_code_and_in_the_environment() {
        let creds = StaticSource::new("AKIDFACADE", "facade/secret+key")
            .provide(&Context::builder().build())
            .await
            .unwrap();
        assert_eq!(creds.secret_access_key(), "facade/secret+key");
        let cx = Context::builder()
            .env(MapEnv::from([
                ("AWS_ACCESS_KEY_ID", "AKIDENV"),
                ("AWS_SECRET_ACCESS_KEY", "env/secret"),
            ]))
            .build();
        let creds = EnvSource::new().provide(&cx).await.unwrap();
        assert_eq!(creds.access_key_id(), "AKIDENV");
        assert_eq!(
            awsauth::static_keys::EnvSource::new().name(),
            EnvSource::new().name()
        );
    }
}

#[cfg(feature = "profile")]
mod profile {
    use awsauth::{Context, CredentialSource, MapEnv, MemFs, ProfileSource};

    #[tokio::test]
    async fn a_profile_of_the_shared_files() {
        let fs = MemFs::new();
        fs.insert(
            "/home/u/.aws/credentials",
            "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = dev/secret\n",
        );
        let cx = Context::builder()
            .env(MapEnv::from([("HOME", "/home/u")]))
            .fs(fs)
            .build();
        let creds = ProfileSource::new()
            .profile("dev")
            .provide(&cx)
            .await
            .unwrap();
        assert_eq!(creds.provenance().to_string(), "profile:dev");
    }
}

/// The network sources, each without a network: what they decide before any request.
#[cfg(feature = "imds")]
mod imds {
    use awsauth::{Context, CredentialSource, ErrorKind, ImdsSource, MapEnv};

    #[tokio::test]
    async fn switched_off_by_the_environment() {
        let cx = Context::builder()
            .env(MapEnv::from([("AWS_EC2_METADATA_DISABLED", "true")]))
            .build();
        let err = ImdsSource::new().provide(&cx).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotConfigured);
    }

    /// A context built without an HTTP client has none: it never reaches a global one.
    #[test]
    fn the_http_plumbing_comes_with_it_closed_by_default() {
        let err = awsauth::http::HttpClient::from_context(&Context::builder().build()).unwrap_err();
        assert_eq!(err.kind(), awsauth::http::HttpErrorKind::NoClient);
    }
}

#[cfg(feature = "container")]
mod container {
    use awsauth::{ContainerSource, Context, CredentialSource, ErrorKind, MapEnv};

    #[tokio::test]
    async fn not_configured_without_its_variables_and_refusing_plain_http_elsewhere() {
        let err = ContainerSource::new()
            .provide(&Context::builder().build())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotConfigured);
        let cx = Context::builder()
            .env(MapEnv::from([(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "http://example.com/creds",
            )]))
            .build();
        let err = ContainerSource::new().provide(&cx).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    }
}

#[cfg(all(feature = "sts", feature = "static"))]
mod sts {
    use awsauth::{AssumeRoleSource, Context, CredentialSource, ErrorKind, StaticSource};

    #[tokio::test]
    async fn a_role_arn_that_is_not_one_is_refused_before_any_request() {
        let source = AssumeRoleSource::new(StaticSource::new("AKID", "s/ecret"), "not-an-arn");
        let err = source
            .provide(&Context::builder().build())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
        assert!(err.to_string().contains("not-an-arn"), "{err}");
    }
}

#[cfg(feature = "web-identity")]
mod web_identity {
    use awsauth::{Context, CredentialSource, ErrorKind, WebIdentitySource};

    #[tokio::test]
    async fn not_configured_without_its_variables() {
        let err = WebIdentitySource::from_env()
            .provide(&Context::builder().build())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotConfigured);
    }
}

#[cfg(all(feature = "chain", feature = "static"))]
mod chain {
    use awsauth::chain::StsOptions;
    use awsauth::{Context, CredentialSource, MapEnv, default_chain};

    #[tokio::test]
    async fn the_default_chain_reads_the_environment_first() {
        let cx = Context::builder()
            .env(MapEnv::from([
                ("AWS_ACCESS_KEY_ID", "AKIDCHAIN"),
                ("AWS_SECRET_ACCESS_KEY", "chain/secret"),
            ]))
            .build();
        let creds = default_chain(StsOptions::new()).provide(&cx).await.unwrap();
        assert_eq!(creds.provenance().to_string(), "env");
    }
}

/// Each link of the chain comes with its source's feature (`datasource` needs, and so turns on,
/// every link): a build without one leaves the link out, and a profile that needs it is an
/// error naming the feature — never the next link's identity.
#[cfg(feature = "chain")]
mod chain_features {
    use awsauth::chain::{DefaultChain, StsOptions};
    use awsauth::{Context, CredentialSource, ErrorKind, MapEnv, MemFs, profile_chain};

    const EVERY_LINK: bool = cfg!(feature = "datasource");

    #[test]
    fn the_default_chain_has_the_links_of_the_features_that_are_on() {
        let chain = DefaultChain::builder().build();
        let names: Vec<&str> = chain.links().iter().map(|l| l.name()).collect();
        let mut expected = vec!["env", "profile"];
        for (on, link) in [
            (cfg!(feature = "web-identity"), "web-identity"),
            (cfg!(feature = "container"), "container"),
            (cfg!(feature = "imds"), "imds"),
        ] {
            if on || EVERY_LINK {
                expected.push(link);
            }
        }
        assert_eq!(names, expected);
    }

    #[tokio::test]
    async fn a_role_profile_is_executed_with_sts_and_refused_naming_the_feature_without() {
        let fs = MemFs::new();
        fs.insert(
            "/home/u/.aws/config",
            "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base/secret\n\
             [profile reader]\nrole_arn = arn:aws:iam::123456789012:role/reader\nsource_profile = base\n",
        );
        let cx = Context::builder()
            .env(MapEnv::from([("HOME", "/home/u")]))
            .fs(fs)
            .build();
        let reader = profile_chain(Some("reader"), StsOptions::new().region("eu-west-1"));
        if cfg!(feature = "sts") || EVERY_LINK {
            let plan = reader.plan(&cx).unwrap();
            assert!(format!("{plan:?}").contains("role/reader"), "{plan:?}");
        } else {
            // No network either way: the plan is turned away before any source is built.
            let err = reader.provide(&cx).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
            let message = err.to_string();
            assert!(message.contains("`sts` cargo feature"), "{message}");
            assert!(message.contains("role/reader"), "{message}");
            assert_eq!(reader.plan(&cx).unwrap_err().to_string(), message);
        }
        // The base profile's keys need no feature beyond `chain`.
        let base = profile_chain(Some("base"), StsOptions::new());
        let creds = base.provide(&cx).await.unwrap();
        assert_eq!(creds.provenance().to_string(), "profile:base");
    }
}

/// The README's "Without the network" example, with exactly its features (`chain`, `static`,
/// `profile`: the matrix runs this combination because the README shows it). Its
/// `Context::system()` is this test's `cx`, so the test reads no real environment.
#[cfg(all(
    feature = "chain",
    feature = "static",
    feature = "profile",
    not(feature = "web-identity"),
    not(feature = "container"),
    not(feature = "imds"),
    not(feature = "datasource")
))]
mod without_the_network {
    use awsauth::chain::{DefaultChain, StsOptions};
    use awsauth::{Context, CredentialSource, CredentialSourceExt, cache};
    use awsauth::{CredentialError, MapEnv, MemFs};

    #[tokio::test]
    async fn the_readme_example() -> Result<(), CredentialError> {
        let fs = MemFs::new();
        fs.insert(
            "/home/u/.aws/credentials",
            "[default]\naws_access_key_id = AKIDREADME\naws_secret_access_key = readme/secret\n",
        );
        let cx = Context::builder()
            .env(MapEnv::from([("HOME", "/home/u")]))
            .fs(fs)
            .build();
        // Environment, then the selected profile: the only links of this build.
        let chain = DefaultChain::builder().sts(StsOptions::new()).build();
        let links: Vec<&str> = chain.links().iter().map(|link| link.name()).collect();
        assert_eq!(links, ["env", "profile"]);
        let creds = cache(chain).resolve(&cx).await?;
        assert_eq!(creds.provenance().to_string(), "profile:default");
        Ok(())
    }
}

#[cfg(feature = "datasource")]
mod datasource {
    use awsauth::datasource::{AuthSettings, DatasourceSettings, SessionCache};
    use awsauth::{Context, CredentialSource};

    #[tokio::test]
    async fn a_keys_data_source() {
        let sessions = SessionCache::standard(AuthSettings::new());
        let settings = DatasourceSettings::from_json(
            r#"{"jsonData":{"authType":"keys"},"secureJsonData":{"accessKey":"AKIDDS","secretKey":"ds/secret"}}"#,
        )
        .unwrap();
        let session = sessions.get(&settings).unwrap();
        let creds = session.provide(&Context::builder().build()).await.unwrap();
        assert_eq!(creds.access_key_id(), "AKIDDS");
    }
}

#[cfg(feature = "sdk")]
mod sdk {
    use aws_credential_types::provider::ProvideCredentials;
    use awsauth::Chain;
    use awsauth::sdk::SdkCredentials;

    #[tokio::test]
    async fn an_awsauth_source_as_an_sdk_provider() {
        // Nothing configured here is "not loaded" for the SDK, so its chains move on.
        let err = SdkCredentials::new(Chain::new("empty"))
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                aws_credential_types::provider::error::CredentialsError::CredentialsNotLoaded(_)
            ),
            "{err:?}"
        );
    }

    /// aws-config's own chain appears in `chain` and `datasource` with `sdk` (constructing it
    /// does no I/O).
    #[cfg(feature = "chain")]
    #[test]
    fn aws_configs_default_chain_in_the_chain_module() {
        use awsauth::CredentialSource;
        assert_eq!(awsauth::chain::sdk_default_chain().name(), "sdk-default");
    }

    #[cfg(feature = "datasource")]
    #[test]
    fn aws_configs_default_chain_for_the_default_auth_type() {
        use awsauth::datasource::{
            AuthSettings, AuthType, DatasourceSettings, StandardFactory, build_session,
        };
        let session = build_session(
            &DatasourceSettings::new(AuthType::Default),
            &AuthSettings::new(),
            &StandardFactory::new().sdk_default_chain(true),
        )
        .unwrap();
        let explained = format!(
            "{:?}",
            awsauth::CredentialSource::explain(&session, &awsauth::Context::builder().build())
        );
        assert!(explained.contains("sdk-default"), "{explained}");
    }
}
