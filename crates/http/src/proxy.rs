//! Proxy policy: `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` for STS, never for metadata endpoints.

use std::fmt;
use std::net::IpAddr;

use awsauth_core::Context;
use http::{HeaderValue, Uri};
use hyper_util::client::proxy::matcher::Matcher;
use sha2::{Digest, Sha256};

/// The proxy settings read from the environment.
///
/// Loopback and link-local destinations (IMDS at `169.254.169.254` / `[fd00:ec2::254]`, the
/// ECS and EKS agents at `169.254.170.2`, `169.254.170.23`, `[fd00:ec2::23]`) are never
/// proxied, whatever `NO_PROXY` says: sending instance credentials through a proxy is never
/// what anyone wants, and it used to force users to add `NO_PROXY=169.254.169.254` by hand.
#[derive(Clone)]
pub struct ProxyConfig {
    matcher: std::sync::Arc<Matcher>,
    key: String,
    identity: [u8; 32],
}

impl ProxyConfig {
    /// Reads `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (either case, upper case
    /// first) from the context's environment. `None` when no proxy is set.
    pub fn from_context(cx: &Context) -> Option<Self> {
        let get = |name: &str| {
            cx.env_nonblank(name)
                .or_else(|| cx.env_nonblank(&name.to_ascii_lowercase()))
        };
        let https = get("HTTPS_PROXY");
        let http = get("HTTP_PROXY");
        let all = get("ALL_PROXY");
        if https.is_none() && http.is_none() && all.is_none() {
            return None;
        }
        let no = get("NO_PROXY").unwrap_or_default();
        Some(Self::new(https, http, all, no))
    }

    /// Explicit settings (each proxy is a URI such as `http://proxy.internal:3128`).
    pub fn new(
        https: Option<String>,
        http: Option<String>,
        all: Option<String>,
        no_proxy: String,
    ) -> Self {
        let key = format!(
            "https={} http={} all={} no={no_proxy}",
            redact_userinfo(https.as_deref()),
            redact_userinfo(http.as_deref()),
            redact_userinfo(all.as_deref()),
        );
        // Everything that makes two configurations differ, passwords included, hashed: two
        // settings that differ only in a password must not share a pooled client (the first
        // one's password would be sent for both), and the key must not hold the password.
        let mut hasher = Sha256::new();
        for part in [&https, &http, &all, &Some(no_proxy.clone())] {
            match part {
                None => hasher.update([0u8]),
                Some(text) => {
                    hasher.update([1u8]);
                    hasher.update((text.len() as u64).to_le_bytes());
                    hasher.update(text.as_bytes());
                }
            }
        }
        let identity = hasher.finalize().into();
        let mut builder = Matcher::builder().no(no_proxy);
        if let Some(all) = all {
            builder = builder.all(all);
        }
        if let Some(https) = https {
            builder = builder.https(https);
        }
        if let Some(http) = http {
            builder = builder.http(http);
        }
        Self {
            matcher: std::sync::Arc::new(builder.build()),
            key,
            identity,
        }
    }

    /// The proxy to use for `destination` (and its `Proxy-Authorization` value), or `None` to
    /// connect directly.
    pub fn proxy_for(&self, destination: &Uri) -> Option<(Uri, Option<HeaderValue>)> {
        let host = destination.host()?;
        if is_loopback_or_link_local(host) {
            return None;
        }
        let intercept = self.matcher.intercept(destination)?;
        Some((intercept.uri().clone(), intercept.basic_auth().cloned()))
    }

    /// A stable description without credentials, for logs and `Debug`.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// A digest of the whole configuration, credentials included: what shared clients are
    /// keyed by (two configurations differing only in a proxy password differ here, not in
    /// [`key`](Self::key)).
    pub fn identity(&self) -> [u8; 32] {
        self.identity
    }
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ProxyConfig").field(&self.key).finish()
    }
}

fn redact_userinfo(uri: Option<&str>) -> String {
    match uri {
        None => "-".to_owned(),
        Some(uri) => match uri.rsplit_once('@') {
            Some((before, after)) => {
                let scheme = before.split_once("://").map(|(s, _)| s).unwrap_or("http");
                format!("{scheme}://***@{after}")
            }
            None => uri.to_owned(),
        },
    }
}

/// True for `localhost`, loopback (127.0.0.0/8, ::1), link-local (169.254.0.0/16, fe80::/10)
/// and the EC2 IPv6 metadata range `fd00:ec2::/32`.
///
/// ```
/// use awsauth_http::is_loopback_or_link_local;
/// assert!(is_loopback_or_link_local("169.254.169.254"));
/// assert!(is_loopback_or_link_local("[fd00:ec2::254]"));
/// assert!(is_loopback_or_link_local("localhost"));
/// assert!(!is_loopback_or_link_local("sts.us-east-1.amazonaws.com"));
/// ```
pub fn is_loopback_or_link_local(host: &str) -> bool {
    if awsauth_core::is_loopback_host(host) {
        return true;
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_link_local(),
        Ok(IpAddr::V6(ip)) => {
            let s = ip.segments();
            (s[0] & 0xffc0) == 0xfe80 || (s[0] == 0xfd00 && s[1] == 0x0ec2)
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awsauth_core::MapEnv;

    #[test]
    fn metadata_endpoints_are_never_proxied() {
        let cx = Context::builder()
            .env(MapEnv::from([
                ("HTTPS_PROXY", "http://proxy:3128"),
                ("HTTP_PROXY", "http://proxy:3128"),
            ]))
            .build();
        let proxy = ProxyConfig::from_context(&cx).unwrap();
        for uri in [
            "http://169.254.169.254/latest/api/token",
            "http://[fd00:ec2::254]/",
            "http://169.254.170.2/v2/credentials",
            "http://127.0.0.1:9/",
        ] {
            assert!(proxy.proxy_for(&uri.parse().unwrap()).is_none(), "{uri}");
        }
        let (via, _) = proxy
            .proxy_for(&"https://sts.us-east-1.amazonaws.com/".parse().unwrap())
            .unwrap();
        assert_eq!(via.host(), Some("proxy"));
    }

    #[test]
    fn no_proxy_is_honoured_and_lower_case_names_work() {
        let cx = Context::builder()
            .env(MapEnv::from([
                ("https_proxy", "http://proxy:3128"),
                ("no_proxy", ".amazonaws.com"),
            ]))
            .build();
        let proxy = ProxyConfig::from_context(&cx).unwrap();
        assert!(
            proxy
                .proxy_for(&"https://sts.eu-west-1.amazonaws.com/".parse().unwrap())
                .is_none()
        );
        assert!(
            proxy
                .proxy_for(&"https://sts.example.org/".parse().unwrap())
                .is_some()
        );
    }

    #[test]
    fn configurations_differing_only_in_a_password_have_different_identities() {
        let with = |password: &str| {
            ProxyConfig::new(
                Some(format!("http://user:{password}@proxy:3128")),
                None,
                None,
                String::new(),
            )
        };
        let (a, b) = (with("hunter2"), with("hunter3"));
        assert_eq!(a.key(), b.key());
        assert_ne!(a.identity(), b.identity());
        assert_eq!(a.identity(), with("hunter2").identity());
    }

    #[test]
    fn key_hides_proxy_passwords() {
        let p = ProxyConfig::new(
            Some("http://user:hunter2@proxy:3128".into()),
            None,
            None,
            String::new(),
        );
        assert!(!p.key().contains("hunter2") && !format!("{p:?}").contains("hunter2"));
        assert!(ProxyConfig::from_context(&Context::builder().build()).is_none());
    }
}
