//! A data source's own HTTP proxy for its credential calls (issue 15.6): honoured only when
//! the server enables it, the password never shown, part of the session key, named by
//! `explain`.

use std::path::Path;
use std::sync::{Arc, Mutex};

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, SecretString, async_trait,
};
use awsauth_datasource::{
    AssumeRoleParams, AuthSettings, AuthType, DatasourceSettings, ProxyType, SourceFactory,
    StsOptions, build_session,
};
use awsauth_http::HttpClient;

const PASSWORD: &str = "proxy-pa55word-never-shown";

/// Its default chain records what HTTP client each call would use.
#[derive(Debug, Default)]
struct Probe {
    seen: Arc<Mutex<Vec<String>>>,
}

#[derive(Debug)]
struct ProbeSource(Arc<Mutex<Vec<String>>>);

#[async_trait]
impl CredentialSource for ProbeSource {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        let client = format!("{:?}", HttpClient::from_context(cx));
        self.0.lock().unwrap().push(client);
        Ok(Credentials::builder("AKIDPROBE", SecretString::from("probe-secret")).build())
    }

    fn name(&self) -> &str {
        "probe"
    }
}

impl SourceFactory for Probe {
    fn profile(
        &self,
        _: Option<&str>,
        _: Option<&Path>,
        _: &StsOptions,
    ) -> Arc<dyn CredentialSource> {
        Arc::new(ProbeSource(Arc::clone(&self.seen)))
    }
    fn ec2_iam_role(&self) -> Arc<dyn CredentialSource> {
        Arc::new(ProbeSource(Arc::clone(&self.seen)))
    }
    fn default_chain(&self, _: &StsOptions) -> Arc<dyn CredentialSource> {
        Arc::new(ProbeSource(Arc::clone(&self.seen)))
    }
    fn assume_role(
        &self,
        base: Arc<dyn CredentialSource>,
        _: AssumeRoleParams,
    ) -> Arc<dyn CredentialSource> {
        base
    }
}

fn with_proxy() -> DatasourceSettings {
    DatasourceSettings::from_json(&format!(
        r#"{{"jsonData": {{"authType": "default", "proxyType": "url",
                "proxyUrl": "http://proxy.internal:3128", "proxyUsername": "grafana"}},
            "secureJsonData": {{"proxyPassword": "{PASSWORD}"}}}}"#
    ))
    .unwrap()
}

async fn client_seen(settings: &DatasourceSettings, policy: &AuthSettings) -> (String, String) {
    let probe = Probe::default();
    let session = build_session(settings, policy, &probe).unwrap();
    let cx = Context::builder().system_http().build();
    session.provide(&cx).await.unwrap();
    let explained = format!("{:?} {:?}", session.explain(&cx), session);
    let seen = probe.seen.lock().unwrap().join("\n");
    (seen, explained)
}

#[tokio::test]
async fn the_data_sources_proxy_is_used_only_when_the_server_enables_it() {
    let settings = with_proxy();
    assert_eq!(settings.proxy.proxy_type, ProxyType::Url);
    assert!(!format!("{settings:?}").contains(PASSWORD));

    // Off by default, as in Grafana: the environment's proxy settings apply.
    let (seen, _) = client_seen(&settings, &AuthSettings::new()).await;
    assert!(!seen.contains("proxy.internal"), "{seen}");

    let enabled = AuthSettings::new().per_datasource_http_proxy_enabled(true);
    let (seen, explained) = client_seen(&settings, &enabled).await;
    assert!(seen.contains("proxy.internal:3128"), "{seen}");
    assert!(
        explained.contains("the data source's proxy proxy.internal:3128"),
        "{explained}"
    );
    for text in [&seen, &explained] {
        assert!(!text.contains(PASSWORD), "the password shows: {text}");
    }

    // `none` ignores the environment's proxy.
    let mut none = DatasourceSettings::new(AuthType::Default);
    none.proxy.proxy_type = ProxyType::None;
    let cx = Context::builder()
        .system_http()
        .env(awsauth_core::MapEnv::from([(
            "HTTPS_PROXY",
            "http://env-proxy.internal:8080",
        )]))
        .build();
    let probe = Probe::default();
    let session = build_session(&none, &enabled, &probe).unwrap();
    session.provide(&cx).await.unwrap();
    let seen = probe.seen.lock().unwrap().join("\n");
    assert!(!seen.contains("env-proxy"), "{seen}");

    // A URL that is not an http proxy is refused, without repeating it.
    let mut bad = with_proxy();
    bad.proxy.url = Some(format!("http://grafana:{PASSWORD}@proxy.internal:3128"));
    let err = build_session(&bad, &enabled, &Probe::default()).unwrap_err();
    assert!(err.to_string().contains("jsonData.proxyUrl"), "{err}");
    assert!(!err.to_string().contains(PASSWORD), "{err}");
}

/// Metadata endpoints are never proxied, whatever the data source says.
#[test]
fn loopback_and_link_local_hosts_are_never_proxied() {
    let config = awsauth_http::ProxyConfig::new(
        Some("http://proxy.internal:3128".into()),
        Some("http://proxy.internal:3128".into()),
        None,
        String::new(),
    );
    for host in [
        "http://169.254.169.254/latest",
        "http://169.254.170.2/v2",
        "http://127.0.0.1:9/",
    ] {
        assert!(config.proxy_for(&host.parse().unwrap()).is_none(), "{host}");
    }
    assert!(
        config
            .proxy_for(&"https://sts.eu-west-1.amazonaws.com/".parse().unwrap())
            .is_some()
    );
}
