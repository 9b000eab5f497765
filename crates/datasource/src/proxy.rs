//! A data source's own HTTP proxy for its credential calls (Grafana's per-data-source proxy,
//! `jsonData.proxyType` / `proxyUrl` / `proxyUsername`, `secureJsonData.proxyPassword`).

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, Service, Status,
    async_trait,
};
use awsauth_http::{HttpClient, HyperTransport, ProxyConfig};
use zeroize::Zeroizing;

use crate::settings::nonblank;
use crate::{DatasourceError, DatasourceProxy, ProxyType};

/// `inner` with the data source's proxy applied to every HTTP call its sources make, when the
/// server enables per-data-source proxies and the data source asks for something other than
/// the environment's proxy. Otherwise `inner` unchanged.
pub(crate) fn apply(
    inner: Arc<dyn CredentialSource>,
    proxy: &DatasourceProxy,
    enabled: bool,
) -> Result<Arc<dyn CredentialSource>, DatasourceError> {
    if !enabled {
        if proxy.proxy_type != ProxyType::Env {
            tracing::debug!(
                proxy_type = proxy.proxy_type.as_str(),
                "the data source sets a proxy but the server does not enable per-data-source \
                 proxies (AWS_AUTH_PerDatasourceHTTPProxyEnabled); the environment's proxy applies"
            );
        }
        return Ok(inner);
    }
    let (config, shown) = match proxy.proxy_type {
        ProxyType::Env => return Ok(inner),
        ProxyType::None => (None, "no proxy (jsonData.proxyType = none)".to_owned()),
        ProxyType::Url => {
            let (url, host) = proxy_url(proxy)?;
            let config = ProxyConfig::new(
                Some(url.to_string()),
                Some(url.to_string()),
                None,
                String::new(),
            );
            (
                Some(config),
                format!("the data source's proxy {host} (jsonData.proxyUrl)"),
            )
        }
    };
    Ok(Arc::new(Proxied {
        inner,
        client: HttpClient::new(HyperTransport::new(config)),
        shown,
    }))
}

/// The proxy URL with the user name and password put in (percent-encoded), and its
/// `host:port` for messages. The URL holds the password, so it is wiped when dropped.
fn proxy_url(proxy: &DatasourceProxy) -> Result<(Zeroizing<String>, String), DatasourceError> {
    const FIELD: &str = "jsonData.proxyUrl";
    let raw = nonblank(proxy.url.as_deref()).ok_or_else(|| {
        DatasourceError::settings(FIELD, "proxyType is url but no proxyUrl is set")
    })?;
    // The value is never repeated: it might carry a password someone put there.
    let not_a_url =
        || DatasourceError::settings(FIELD, "expected a URL such as http://proxy.internal:3128");
    let uri: http::Uri = raw.parse().map_err(|_| not_a_url())?;
    let authority = uri.authority().ok_or_else(not_a_url)?;
    if authority.as_str().contains('@') {
        return Err(DatasourceError::settings(
            FIELD,
            "holds a user name or password; put them in jsonData.proxyUsername and \
             secureJsonData.proxyPassword",
        ));
    }
    match uri.scheme_str() {
        Some("http") => {}
        _ => {
            return Err(DatasourceError::settings(
                FIELD,
                format!(
                    "the proxy {} must be an http:// URL (the tunnel to STS is TLS end to end)",
                    authority.as_str()
                ),
            ));
        }
    }
    let host = authority.as_str().to_owned();
    let mut url = Zeroizing::new(String::from("http://"));
    // Grafana adds the credentials only when both are set.
    if let (Some(user), Some(password)) = (
        nonblank(proxy.username.as_deref()),
        proxy.password.as_ref().filter(|p| !p.is_blank()),
    ) {
        encode_userinfo(&mut url, user);
        url.push(':');
        encode_userinfo(&mut url, password.expose_secret());
        url.push('@');
    }
    url.push_str(&host);
    Ok((url, host))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode_userinfo(out: &mut String, text: &str) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
}

/// A session's sources reaching the network through the data source's proxy settings: each
/// call gets a context whose HTTP client uses them. Only a context on the real network
/// ([`Context::system`]) is changed; a client the caller installed stays (tests, a caller's own
/// transport). Loopback and link-local hosts (IMDS, the container agents) are never proxied.
#[derive(Debug)]
struct Proxied {
    inner: Arc<dyn CredentialSource>,
    /// Its `Debug` names the proxy with the credentials redacted.
    client: HttpClient,
    /// For `explain`: where the calls go, without credentials.
    shown: String,
}

impl Proxied {
    fn cx(&self, cx: &Context) -> Context {
        match cx.http::<HttpClient>() {
            Service::System => self.client.clone().install(cx),
            _ => cx.clone(),
        }
    }
}

#[async_trait]
impl CredentialSource for Proxied {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        self.inner.provide(&self.cx(cx)).await
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        let mut lines = vec![Explanation::new(
            "proxy",
            Status::Configured,
            format!("credential calls (STS, SSO) go through {}", self.shown),
        )];
        lines.extend(self.inner.explain(&self.cx(cx)));
        lines
    }

    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        self.inner.plan(&self.cx(cx))
    }

    fn current(&self, now: SystemTime) -> Option<Credentials> {
        self.inner.current(now)
    }

    fn recheck_interval(&self) -> Option<Duration> {
        self.inner.recheck_interval()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awsauth_core::SecretString;

    fn url_proxy(url: &str) -> DatasourceProxy {
        DatasourceProxy {
            proxy_type: ProxyType::Url,
            url: Some(url.to_owned()),
            username: Some("grafana user".to_owned()),
            password: Some(SecretString::from("pa:ss@word")),
        }
    }

    #[test]
    fn the_url_carries_the_encoded_credentials_and_messages_only_the_host() {
        let (url, host) = proxy_url(&url_proxy("http://proxy.internal:3128")).unwrap();
        assert_eq!(
            url.as_str(),
            "http://grafana%20user:pa%3Ass%40word@proxy.internal:3128"
        );
        assert_eq!(host, "proxy.internal:3128");
        for bad in [
            "https://proxy.internal:3128",
            "socks5://proxy.internal:1080",
            "not a url",
            "http://u:p@proxy.internal",
        ] {
            let err = proxy_url(&url_proxy(bad)).unwrap_err().to_string();
            assert!(err.contains("jsonData.proxyUrl"), "{bad}: {err}");
            assert!(
                !err.contains("pa:ss@word") && !err.contains("u:p@"),
                "{err}"
            );
        }
    }
}
